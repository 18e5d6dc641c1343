-- The keyset_pagination.* settings as the cursor functions use them:
-- bounds, units, the reserved prefix, and max_cursor_length at its edge.
-- (What happens before the library is loaded: sql/cursor_settings.sql.)
BEGIN;
\ir lib/helpers.sql

SELECT plan(28);

SELECT results_eq(
  $$SELECT name, setting, coalesce(unit, ''), context, min_val, max_val FROM pg_settings
    WHERE name LIKE 'keyset\_pagination.%' ORDER BY name$$,
  $$VALUES ('keyset_pagination.default_page_size', '20', '', 'user', '1', '1000000'),
           ('keyset_pagination.max_cursor_age', '0', 's', 'user', '0', '2147483647'),
           ('keyset_pagination.max_cursor_length', '8192', '', 'user', '64', '65536'),
           ('keyset_pagination.max_filter_length', '8192', '', 'user', '64', '1048576'),
           ('keyset_pagination.max_offset', '10000', '', 'user', '0', '2147483647'),
           ('keyset_pagination.max_page_size', '1000', '', 'user', '1', '1000000'),
           ('keyset_pagination.query_cache_size', '8192', 'kB', 'user', '256', '2097151')$$,
  'the seven settings, their defaults, units and bounds; all settable by any user');

-- max_cursor_length bounds
SELECT throws_ok($$SET LOCAL keyset_pagination.max_cursor_length = 10$$, '22023',
                 '10 is outside the valid range for parameter "keyset_pagination.max_cursor_length" (64 .. 65536)',
                 'max_cursor_length = 10 is refused (minimum 64)');
SELECT throws_ok($$SET LOCAL keyset_pagination.max_cursor_length = 63$$, '22023', NULL, 'max_cursor_length = 63 is refused');
SELECT throws_ok($$SET LOCAL keyset_pagination.max_cursor_length = 65537$$, '22023', NULL, 'max_cursor_length = 65537 is refused');
SELECT throws_ok($$SET LOCAL keyset_pagination.max_cursor_length = 'long'$$, '22023', NULL, 'max_cursor_length = ''long'' is refused');
SELECT lives_ok($$SET LOCAL keyset_pagination.max_cursor_length = 64$$, 'max_cursor_length = 64 is accepted');
SELECT lives_ok($$SET LOCAL keyset_pagination.max_cursor_length = 65536$$, 'max_cursor_length = 65536 is accepted');
SELECT is(current_setting('keyset_pagination.max_cursor_length'), '65536', 'and is in effect');
RESET keyset_pagination.max_cursor_length;

-- max_cursor_length at the edge: a cursor of length L is accepted with the
-- limit at L and refused at L - 1
CREATE TEMP TABLE edge AS SELECT keyset_cursor_encode(ROW(repeat('x', 100)::text, 1::bigint)) AS cursor;
CREATE TEMP TABLE edge_len AS SELECT length(cursor) AS len FROM edge;
SELECT cmp_ok((SELECT len FROM edge_len), '>', 64, 'the test cursor is longer than the minimum limit');
SELECT is(set_config('keyset_pagination.max_cursor_length', len::text, true), len::text,
          'max_cursor_length set to the cursor''s length') FROM edge_len;
SELECT ok(keyset_cursor_verify(cursor), 'max_cursor_length = length of the cursor: verifies') FROM edge;
SELECT is(set_config('keyset_pagination.max_cursor_length', (len - 1)::text, true), (len - 1)::text,
          'max_cursor_length set to one less') FROM edge_len;
SELECT ok(NOT keyset_cursor_verify(cursor), 'max_cursor_length = one less: does not verify') FROM edge;
SELECT is(t_decode_error(cursor, NULL, 'a text, b bigint'), t_detail('too long'),
          'one less: decode says it is longer than max_cursor_length') FROM edge;
SELECT lives_ok($$SET LOCAL keyset_pagination.max_cursor_length = 64$$, 'max_cursor_length = 64');
SELECT ok(keyset_cursor_verify(keyset_cursor_encode(ROW(now(), 1::bigint))),
          'max_cursor_length = 64: a (timestamptz, bigint) cursor (60 characters) still verifies');
RESET keyset_pagination.max_cursor_length;

-- encode never mints a cursor that verification would refuse
-- (keyset_cursor_encode only: pages mint every row's cursor, see 93_hardening_cache.sql)
SELECT throws_ok($$SELECT keyset_cursor_encode(ROW(repeat('y', 7000)::text))$$, '54000',
                 'cursor would be 9370 characters, over keyset_pagination.max_cursor_length (8192)',
                 'encode refuses to mint a cursor over max_cursor_length');
SET LOCAL keyset_pagination.max_cursor_length = 65536;
CREATE TEMP TABLE oversized AS SELECT keyset_cursor_encode(ROW(repeat('y', 7000)::text)) AS cursor;
SELECT cmp_ok((SELECT length(cursor) FROM oversized), '>', 8192,
              'with the limit raised, a 7000-character key mints a cursor over 8192 characters');
SELECT ok(keyset_cursor_verify(cursor), 'and it verifies under the raised limit') FROM oversized;
RESET keyset_pagination.max_cursor_length;
SELECT ok(NOT keyset_cursor_verify(cursor), 'and not under the default limit') FROM oversized;

-- max_cursor_age bounds and units (seconds)
SELECT throws_ok($$SET LOCAL keyset_pagination.max_cursor_age = -1$$, '22023', NULL, 'max_cursor_age = -1 is refused');
SELECT lives_ok($$SET LOCAL keyset_pagination.max_cursor_age = '2h'$$, 'max_cursor_age = ''2h'' is accepted');
SELECT is(current_setting('keyset_pagination.max_cursor_age'), '2h', 'and shows as 2h');
SELECT is((SELECT setting FROM pg_settings WHERE name = 'keyset_pagination.max_cursor_age'), '7200', 'which is 7200 s');
RESET keyset_pagination.max_cursor_age;

-- the prefix is reserved: unknown names are errors, not silent placeholders
SELECT throws_ok($$SHOW keyset_pagination.max_cursor_lenght$$, '42704', NULL, 'SHOW of a misspelt setting is an error');
SELECT throws_ok($$SET LOCAL keyset_pagination.max_cursor_lenght = 100$$, '42602',
                 'invalid configuration parameter name "keyset_pagination.max_cursor_lenght"',
                 'SET of a misspelt setting is an error');
SELECT throws_ok($$SHOW keyset_pagination.signing_key$$, '42704', NULL, 'SHOW keyset_pagination.signing_key is an error');
SELECT is(current_setting('keyset_pagination.signing_key', true), NULL, 'current_setting(..., missing_ok) of a guess is NULL');

SELECT * FROM finish();
ROLLBACK;
