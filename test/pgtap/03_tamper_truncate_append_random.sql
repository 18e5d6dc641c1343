-- Cursors cut short, lengthened, made up, or enormous are refused: every
-- prefix, appended and prepended characters, padding, a few hundred random
-- strings (some keeping a real cursor's header so they reach the MAC check),
-- and a 2 MB string that must be refused fast, before any decoding.
BEGIN;
\ir lib/helpers.sql

CREATE TEMP TABLE real_cursor (name text PRIMARY KEY, cursor text, coldef text);
INSERT INTO real_cursor VALUES
  ('(timestamptz, bigint)',
   keyset_cursor_encode(ROW('2026-11-22 10:11:12.123456+00'::timestamptz, 42::bigint)),
   'created_at timestamptz, id bigint'),
  ('(text, int)',
   keyset_cursor_encode(ROW(U&'\00C5\00C4\00D6 \65E5\672C\8A9E \+01F600'::text, 7)),
   'title text, id int');

-- every proper prefix, '' included
CREATE TEMP TABLE prefix AS
  SELECT r.name, n AS len, left(r.cursor, n) AS s, r.coldef
  FROM real_cursor r, generate_series(0, length(r.cursor) - 1) n;

-- longer: each alphabet character appended or prepended, padding, whitespace,
-- a second copy, the cursor in upper or lower case
CREATE TEMP TABLE longer AS
  SELECT r.name, 'append ' || a AS how, r.cursor || a AS s, r.coldef
  FROM real_cursor r, t_b64url_alphabet() a
  UNION ALL
  SELECT r.name, 'prepend ' || a, a || r.cursor, r.coldef
  FROM real_cursor r, t_b64url_alphabet() a
  UNION ALL
  SELECT r.name, x.how, x.s, r.coldef
  FROM real_cursor r, LATERAL (VALUES
    ('append AAAA (keeps base64 alignment)', r.cursor || 'AAAA'),
    ('append AA', r.cursor || 'AA'),
    ('append =', r.cursor || '='),
    ('append ==', r.cursor || '=='),
    ('append newline', r.cursor || E'\n'),
    ('append space', r.cursor || ' '),
    ('prepend space', ' ' || r.cursor),
    ('cursor twice', r.cursor || r.cursor),
    ('standard base64 alphabet (+/ for -_)', translate(r.cursor, '-_', '+/') || '+'),
    ('upper case', upper(r.cursor)),
    ('lower case', lower(r.cursor))) AS x(how, s)
  WHERE x.s <> r.cursor;

-- made up: 300 strings of base64url characters of lengths 1..150 from
-- sha256, and 200 that keep a real cursor's first 8 characters (version,
-- flags, key id) followed by random characters, at lengths a real cursor
-- could have, so they are only caught by the MAC
CREATE TEMP TABLE random_string AS
  SELECT 'random' AS kind, i,
         left(rtrim(translate(encode(sha256(('r' || i)::bytea) || sha256(('s' || i)::bytea)
                                     || sha256(('t' || i)::bytea), 'base64'), E'+/\n', '-_'), '='),
              1 + i % 150) AS s
  FROM generate_series(1, 300) i
  UNION ALL
  SELECT 'real header', i,
         left(r.cursor, 8)
         || left(rtrim(translate(encode(sha256(('h' || i)::bytea) || sha256(('j' || i)::bytea), 'base64'),
                                 E'+/\n', '-_'), '='),
                 length(r.cursor) - 8)
  FROM generate_series(1, 200) i
  JOIN real_cursor r ON r.name = CASE WHEN i % 2 = 0 THEN '(timestamptz, bigint)' ELSE '(text, int)' END;

SELECT plan((SELECT count(*)::int FROM prefix) + (SELECT count(DISTINCT how)::int FROM longer) + 24);

------------------------------------------------------------------------------
-- truncation
SELECT ok(NOT keyset_cursor_verify(s), format('%s: the first %s characters do not verify', name, len))
FROM prefix ORDER BY name, len;
SELECT is((SELECT count(*) FROM prefix WHERE t_decode_error(s, NULL, coldef) NOT LIKE '22KP1: %'),
          0::bigint, 'decode raises 22KP1 for every prefix');
SELECT is(t_decode_error('', NULL, 'a int'), t_detail('empty'), 'the empty prefix is refused as an empty string');
SELECT is((SELECT count(*) FROM prefix WHERE len % 4 = 1 AND t_decode_error(s, NULL, coldef) <> t_detail('base64url')),
          0::bigint, 'prefixes of length 4k+1 are refused as impossible base64url');
SELECT is((SELECT count(*) FROM prefix WHERE len BETWEEN 2 AND 26 AND len % 4 <> 1
             AND t_decode_error(s, NULL, coldef) NOT IN (t_detail('truncated'), t_detail('base64url'))),
          0::bigint, 'prefixes shorter than the smallest possible cursor are refused as too short (or non-canonical)');
SELECT ok((SELECT count(*) FROM prefix WHERE t_decode_error(s, NULL, coldef) = t_detail('signature')) > 0,
          'long enough prefixes reach the MAC check and fail it');

------------------------------------------------------------------------------
-- lengthening
SELECT ok(NOT bool_or(keyset_cursor_verify(s)), 'refused: ' || how)
FROM longer GROUP BY how ORDER BY how;
SELECT is((SELECT count(*) FROM longer WHERE t_decode_error(s, NULL, coldef) NOT LIKE '22KP1: %'),
          0::bigint, 'decode raises 22KP1 for every lengthened cursor');
SELECT is((SELECT count(*) FROM longer WHERE how IN ('append =', 'append ==', 'append newline', 'append space', 'prepend space')
             AND t_decode_error(s, NULL, coldef) <> t_detail('base64url')),
          0::bigint, 'padding and whitespace are refused as not unpadded base64url');
SELECT is((SELECT count(*) FROM longer WHERE how = 'append AAAA (keeps base64 alignment)'
             AND t_decode_error(s, NULL, coldef) <> t_detail('signature')),
          0::bigint, 'appending whole base64 groups of zero bytes fails the MAC');

------------------------------------------------------------------------------
-- made-up strings
SELECT is((SELECT count(*) FROM random_string), 500::bigint, '500 made-up strings');
SELECT is((SELECT count(*) FROM random_string WHERE keyset_cursor_verify(s)), 0::bigint,
          'none of 300 random base64url strings of lengths 1..150 verifies');
SELECT is((SELECT count(*) FROM random_string WHERE kind = 'real header' AND keyset_cursor_verify(s)), 0::bigint,
          'none of 200 strings with a real header and a random body verifies');
SELECT is((SELECT count(*) FROM random_string WHERE t_decode_error(s) NOT LIKE '22KP1: %'), 0::bigint,
          'decode raises 22KP1 for every made-up string');
SELECT ok((SELECT count(*) FROM random_string
           WHERE kind = 'real header' AND t_decode_error(s) = t_detail('signature')) >= 100,
          'at least half of the real-header forgeries get as far as the MAC and are refused as signature mismatches');
SELECT is((SELECT count(*) FROM random_string
           WHERE kind = 'real header'
             AND t_decode_error(s) NOT IN (t_detail('signature'), t_detail('base64url'))),
          0::bigint, 'every real-header forgery is a signature mismatch (or non-canonical last character)');
SELECT ok(NOT keyset_cursor_verify(U&'\00C5\00C4\00D6\65E5\672C'), 'non-ASCII text does not verify');
SELECT is(t_decode_error(U&'\00C5\00C4\00D6\65E5\672C'), t_detail('base64url'), 'non-ASCII text: not base64url');
SELECT is(keyset_cursor_verify(NULL), NULL::boolean, 'verify(NULL) is NULL');

------------------------------------------------------------------------------
-- 2 MB, refused before anything is decoded
CREATE FUNCTION t_time_2mb(s text, OUT verifies boolean, OUT verify_time interval,
                           OUT decode_error text, OUT decode_time interval)
LANGUAGE plpgsql AS $$
DECLARE
  t0 timestamptz;
BEGIN
  t0 := clock_timestamp();
  verifies := keyset_cursor_verify(s);
  verify_time := clock_timestamp() - t0;
  t0 := clock_timestamp();
  decode_error := t_decode_error(s, NULL, 'created_at timestamptz, id bigint');
  decode_time := clock_timestamp() - t0;
END $$;
CREATE TEMP TABLE big AS
  SELECT (t_time_2mb(repeat('A', 2 * 1024 * 1024))).*, 'base64url characters' AS what
  UNION ALL
  SELECT (t_time_2mb(repeat((SELECT cursor FROM real_cursor WHERE name = '(timestamptz, bigint)'), 34953))).*,
         'a real cursor repeated'
  UNION ALL
  SELECT (t_time_2mb(repeat(U&'\65E5', 700000))).*, 'multibyte characters';

SELECT ok(bool_and(NOT verifies), 'a 2 MB string does not verify (' || string_agg(what, ', ') || ')') FROM big;
SELECT ok(bool_and(decode_error = t_detail('too long')),
          'decode of a 2 MB string raises 22KP1 with the "longer than max_cursor_length" detail') FROM big;
SELECT ok(max(verify_time) < interval '200 ms', 'verify refuses a 2 MB string well under 200 ms (slowest: ' || max(verify_time) || ')') FROM big;
SELECT ok(max(decode_time) < interval '200 ms', 'decode refuses a 2 MB string well under 200 ms (slowest: ' || max(decode_time) || ')') FROM big;
-- read from a table, where 2 MB of text is TOASTed and compressed
CREATE TEMP TABLE big_stored (s text);
INSERT INTO big_stored SELECT string_agg(md5(i::text), '') FROM generate_series(1, 65536) i;
CREATE FUNCTION t_time_stored(OUT verifies boolean, OUT took interval) LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN
  SELECT keyset_cursor_verify(s) INTO verifies FROM big_stored;
  took := clock_timestamp() - t0;
END $$;
SELECT ok(NOT verifies AND took < interval '200 ms',
          'a 2 MB string read from a table (TOAST) is refused well under 200 ms (' || took || ')')
FROM t_time_stored();
SELECT is(t_decode_error(repeat('A', 8193)), t_detail('too long'), 'one character over the default 8192 is too long');
SELECT is(t_decode_error(repeat('A', 8192)), t_detail('version'), 'exactly 8192 characters is not too long (version 0 is refused instead)');

SELECT * FROM finish();
ROLLBACK;
