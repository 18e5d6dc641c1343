-- Every single-character change of a real cursor is refused: at every
-- position, each of the 63 other base64url characters.  verify() must say
-- false for all of them, and decode() must raise 22KP1 for all of them.
-- Two cursors: (timestamptz, bigint), 60 characters with no spare bits, and
-- (text, int) with non-ASCII text, 71 characters whose last character has
-- two unused bits (so some changes there are non-canonical base64url).
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

CREATE TEMP TABLE mutant AS
  SELECT r.name, m.pos, m.replacement, m.mutant, r.coldef,
         keyset_cursor_verify(m.mutant) AS verifies,
         t_decode_error(m.mutant, NULL, r.coldef) AS decode_error
  FROM real_cursor r, t_one_char_mutants(r.cursor) m;

SELECT plan((SELECT sum(length(cursor))::int FROM real_cursor) + 19);

-- controls: the originals are fine and their shape is as described
SELECT ok(keyset_cursor_verify(cursor), name || ': the unaltered cursor verifies')
FROM real_cursor ORDER BY name;
SELECT is((SELECT length(cursor) FROM real_cursor WHERE name = '(timestamptz, bigint)'), 60,
          '(timestamptz, bigint) cursor is 60 characters');
SELECT is((SELECT count(*) FROM mutant), (SELECT 63 * sum(length(cursor)) FROM real_cursor),
          'there are 63 mutants per position');

-- one assertion per position: no substitution there verifies
SELECT ok(NOT bool_or(verifies),
          format('%s: position %s, none of the 63 substitutions verifies', name, pos))
FROM mutant GROUP BY name, pos ORDER BY name, pos;

-- decode refuses every mutant with the one bad-cursor SQLSTATE
SELECT is((SELECT count(*) FROM mutant WHERE name = r.name AND decode_error NOT LIKE '22KP1: %'), 0::bigint,
          r.name || ': decode raises 22KP1 for every one of the mutants')
FROM real_cursor r ORDER BY name;

-- and always for one of the documented reasons
SELECT is((SELECT count(*) FROM mutant
           WHERE decode_error NOT IN (SELECT t_detail(x) FROM unnest(ARRAY['base64url', 'truncated', 'version',
                                          'unknown key', 'retired key', 'signature', 'malformed']) x)),
          0::bigint,
          'every refusal names a documented check (base64url, version, key or signature)');

-- changes inside the tag (the last 20 characters) are signature mismatches,
-- except where they set the unused low bits of the last character
SELECT is((SELECT count(*) FROM mutant m JOIN real_cursor r USING (name)
           WHERE m.pos > length(r.cursor) - 20
             AND m.decode_error <> t_detail('signature')
             AND NOT (m.pos = length(r.cursor) AND m.decode_error = t_detail('base64url'))),
          0::bigint,
          'every change inside the MAC is refused as a signature mismatch (or non-canonical last character)');
SELECT ok((SELECT count(*) FROM mutant m JOIN real_cursor r USING (name)
           WHERE r.name = '(text, int)' AND m.pos = length(r.cursor)
             AND m.decode_error = t_detail('base64url')) = 48,
          '(text, int): 48 of the 63 last-character changes set unused bits and are refused as non-canonical base64url');
SELECT ok(EXISTS (SELECT FROM mutant WHERE pos = 1 AND decode_error = t_detail('version')),
          'changing the first character changes the version byte: refused as unsupported version');
SELECT ok(EXISTS (SELECT FROM mutant WHERE pos = 4 AND decode_error = t_detail('unknown key')),
          'changing the key id character: refused as an unknown key');

-- a sample of the mutants through throws_ok, as a caller would see them
SELECT throws_ok(format('SELECT * FROM keyset_cursor_decode(%L) AS k(%s)', mutant, coldef),
                 '22KP1', 'invalid cursor',
                 format('%s: decode of the mutant with %s at position %s raises 22KP1 invalid cursor',
                        name, replacement, pos))
FROM (SELECT DISTINCT ON (name, pos) * FROM mutant
      WHERE pos IN (1, 2, 30) OR pos = length(mutant)
      ORDER BY name, pos, replacement) s
ORDER BY name, pos;

SELECT * FROM finish();
ROLLBACK;
