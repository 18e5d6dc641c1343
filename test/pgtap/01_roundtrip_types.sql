-- Exact round trips: every fixture value (test/fixtures/roundtrip_fixture.sql)
-- is minted under one set of session settings and decoded under another, in
-- both directions, and must come back exactly: same typed value (IS NOT
-- DISTINCT FROM), same text form (tells -0 from 0, 1.500 from 1.5, NaN),
-- same UTF8 bytes for text.  test/sh/roundtrip_sessions.sh does the same
-- across two separate sessions.
BEGIN;
\ir ../fixtures/roundtrip_fixture.sql

-- plan: per direction, one assertion per minted cursor and per exact check,
-- plus the four setting sanity checks
SELECT plan((2 * ((SELECT count(*) FROM rt_fixture) * ((SELECT count(*) FROM rt_columns) + 2)
                  + (SELECT count(*) FROM rt_exact()) + 1) + 4)::int);

-- what the typical values look like as text under the settings of the moment
CREATE TEMP TABLE rt_text_forms (settings text, tz text, f8 text, iv text, d text);
CREATE FUNCTION rt_note_text_forms(label text) RETURNS void LANGUAGE sql AS $$
  INSERT INTO rt_text_forms
    SELECT label, tz::text, f8::text, iv::text, d::text FROM rt_fixture WHERE case_name = 'typical'
$$;

------------------------------------------------------------------------------
-- Direction 1: mint under A, decode under B
SET LOCAL TimeZone = 'UTC';
SET LOCAL DateStyle = 'ISO, MDY';
SET LOCAL IntervalStyle = 'postgres';
SET LOCAL extra_float_digits = -15;
SET LOCAL client_encoding = 'UTF8';
SET LOCAL bytea_output = 'hex';
SELECT rt_note_text_forms('A');
SELECT is(rt_mint(), (SELECT count(*) * ((SELECT count(*) FROM rt_columns) + 2) FROM rt_fixture),
          'minted under A: one cursor per case and column, per whole row, and per mixed key');

SET LOCAL TimeZone = 'Asia/Kathmandu';
SET LOCAL DateStyle = 'SQL, DMY';
SET LOCAL IntervalStyle = 'iso_8601';
SET LOCAL extra_float_digits = 3;
SET LOCAL client_encoding = 'LATIN1';
SET LOCAL bytea_output = 'escape';
SELECT rt_note_text_forms('B');

SELECT ok(verifies AND same_value AND same_text,
          format('%s / %s: minted under UTC, ISO MDY, postgres, efd -15, UTF8; decoded exactly under Kathmandu, SQL DMY, iso_8601, efd 3, LATIN1',
                 case_name, col))
       || CASE WHEN verifies AND same_value AND same_text THEN ''
               ELSE E'\n' || diag(format('verifies=%s same_value=%s same_text=%s', verifies, same_value, same_text)) END
FROM rt_check();

SELECT ok(ok IS TRUE, 'exact, decoded under Kathmandu, SQL DMY, iso_8601, efd 3, LATIN1: ' || check_name)
FROM rt_exact();

------------------------------------------------------------------------------
-- Direction 2: mint under B' (LATIN1 client, German dates), decode under A
SET LOCAL TimeZone = 'Asia/Kathmandu';
SET LOCAL DateStyle = 'German';
SET LOCAL IntervalStyle = 'iso_8601';
SET LOCAL extra_float_digits = 3;
SET LOCAL client_encoding = 'LATIN1';
SELECT is(rt_mint(), (SELECT count(*) * ((SELECT count(*) FROM rt_columns) + 2) FROM rt_fixture),
          'minted under B'': one cursor per case and column, per whole row, and per mixed key');

SET LOCAL TimeZone = 'UTC';
SET LOCAL DateStyle = 'ISO, MDY';
SET LOCAL IntervalStyle = 'postgres';
SET LOCAL extra_float_digits = -15;
SET LOCAL client_encoding = 'UTF8';
SET LOCAL bytea_output = 'hex';

SELECT ok(verifies AND same_value AND same_text,
          format('%s / %s: minted under Kathmandu, German, iso_8601, efd 3, LATIN1; decoded exactly under UTC, ISO MDY, postgres, efd -15, UTF8',
                 case_name, col))
       || CASE WHEN verifies AND same_value AND same_text THEN ''
               ELSE E'\n' || diag(format('verifies=%s same_value=%s same_text=%s', verifies, same_value, same_text)) END
FROM rt_check();

SELECT ok(ok IS TRUE, 'exact, decoded under UTC, ISO MDY, postgres, efd -15, UTF8: ' || check_name)
FROM rt_exact();

------------------------------------------------------------------------------
-- The two setting sets really do print these values differently, so only a
-- codec that ignores settings passes the checks above.
SELECT isnt((SELECT tz FROM rt_text_forms WHERE settings = 'A'), (SELECT tz FROM rt_text_forms WHERE settings = 'B'),
            'sanity: timestamptz text differs between the setting sets');
SELECT isnt((SELECT f8 FROM rt_text_forms WHERE settings = 'A'), (SELECT f8 FROM rt_text_forms WHERE settings = 'B'),
            'sanity: float8 1/3 text differs between the setting sets');
SELECT isnt((SELECT iv FROM rt_text_forms WHERE settings = 'A'), (SELECT iv FROM rt_text_forms WHERE settings = 'B'),
            'sanity: interval text differs between the setting sets');
SELECT isnt((SELECT d FROM rt_text_forms WHERE settings = 'A'), (SELECT d FROM rt_text_forms WHERE settings = 'B'),
            'sanity: date text differs between the setting sets');

SELECT * FROM finish();
ROLLBACK;
