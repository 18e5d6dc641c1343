-- Bad calls get clean errors: decode without a column definition list,
-- member count and type mismatches (text vs varchar included), keys that
-- cannot be carried, and the order of checks (a bad cursor is reported as
-- such before the column list is looked at).
BEGIN;
\ir lib/helpers.sql

SELECT plan(45);

CREATE TYPE t_mood AS ENUM ('sad', 'happy');
CREATE DOMAIN t_posint AS integer CHECK (VALUE > 0);
CREATE DOMAIN t_notnull AS integer NOT NULL;

CREATE TEMP TABLE c AS
  SELECT keyset_cursor_encode(ROW('2026-11-22 10:11:12+00'::timestamptz, 42::bigint)) AS ts_id,
         keyset_cursor_encode(ROW(1::int4)) AS i4,
         keyset_cursor_encode(ROW('abc'::text)) AS txt,
         keyset_cursor_encode(ROW('abc'::varchar)) AS vc,
         keyset_cursor_encode(ROW(1.55::numeric)) AS num,
         keyset_cursor_encode(ROW(5::t_posint)) AS dom,
         keyset_cursor_encode(ROW('happy'::t_mood)) AS mood,
         keyset_cursor_encode(ROW(NULL::int)) AS null_int,
         keyset_cursor_encode(ROW(1, 'x'::text, 2::bigint)) AS three;

-- no column definition list
SELECT throws_ok($$SELECT keyset_cursor_decode((SELECT ts_id FROM c))$$,
                 '0A000', 'keyset_cursor_decode must be called with a column definition list',
                 'decode in the select list (no column definition list): 0A000 with a clear message');
SELECT is(t_decode_error((SELECT ts_id FROM c), NULL, 'created_at timestamptz, id bigint'), 'ok',
          'control: with a column definition list it decodes');
CREATE FUNCTION t_hint_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE h text;
BEGIN
  EXECUTE q;
  RETURN NULL;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS h = PG_EXCEPTION_HINT;
  RETURN h;
END $$;
SELECT is(t_hint_of($$SELECT keyset_cursor_decode((SELECT ts_id FROM c))$$),
          'Write SELECT * FROM keyset_cursor_decode($1) AS k(created_at timestamptz, id bigint).',
          'the error hints at the column definition list syntax');
SELECT throws_ok($$SELECT * FROM keyset_cursor_decode((SELECT ts_id FROM c))$$,
                 '42601', NULL, 'decode in FROM without a column definition list: syntax error 42601 from the parser');

-- member count
SELECT throws_ok($$SELECT * FROM keyset_cursor_decode((SELECT ts_id FROM c)) AS k(a timestamptz)$$,
                 '42804', 'cursor has 2 members but the column definition list has 1',
                 'two members decoded into one column: 42804');
SELECT throws_ok($$SELECT * FROM keyset_cursor_decode((SELECT ts_id FROM c)) AS k(a timestamptz, b bigint, x int)$$,
                 '42804', 'cursor has 2 members but the column definition list has 3',
                 'two members decoded into three columns: 42804');
SELECT throws_ok($$SELECT * FROM keyset_cursor_decode((SELECT three FROM c)) AS k(a int)$$,
                 '42804', 'cursor has 3 members but the column definition list has 1',
                 'three members decoded into one column: 42804');

-- member types: every pair below is a mismatch, reported for the first
-- mismatching member by position and type name
SELECT throws_ok(format('SELECT * FROM keyset_cursor_decode(%L) AS k(a %s)', cursor, coldef),
                 '42804', message, format('decode %s as %s: %s', minted, coldef, message))
FROM (VALUES
  ((SELECT i4 FROM c), 'int4', 'bigint', 'cursor member 1 has type integer, but the column definition list says bigint'),
  ((SELECT i4 FROM c), 'int4', 'smallint', 'cursor member 1 has type integer, but the column definition list says smallint'),
  ((SELECT i4 FROM c), 'int4', 'numeric', 'cursor member 1 has type integer, but the column definition list says numeric'),
  ((SELECT i4 FROM c), 'int4', 'oid', 'cursor member 1 has type integer, but the column definition list says oid'),
  ((SELECT txt FROM c), 'text', 'varchar', 'cursor member 1 has type text, but the column definition list says character varying'),
  ((SELECT vc FROM c), 'varchar', 'text', 'cursor member 1 has type character varying, but the column definition list says text'),
  ((SELECT txt FROM c), 'text', 'name', 'cursor member 1 has type text, but the column definition list says name'),
  ((SELECT txt FROM c), 'text', 'bytea', 'cursor member 1 has type text, but the column definition list says bytea'),
  ((SELECT txt FROM c), 'text', 'char(3)', 'cursor member 1 has type text, but the column definition list says character'),
  ((SELECT num FROM c), 'numeric', 'float8', 'cursor member 1 has type numeric, but the column definition list says double precision'),
  ((SELECT dom FROM c), 'domain t_posint', 'integer', 'cursor member 1 has type a user-defined type, but the column definition list says integer'),
  ((SELECT i4 FROM c), 'int4', 't_posint', 'cursor member 1 has type integer, but the column definition list says t_posint'),
  ((SELECT mood FROM c), 'enum t_mood', 'text', 'cursor member 1 has type a user-defined type, but the column definition list says text'),
  ((SELECT txt FROM c), 'text', 't_mood', 'cursor member 1 has type text, but the column definition list says t_mood'),
  ((SELECT null_int FROM c), 'NULL::int', 'bigint', 'cursor member 1 has type integer, but the column definition list says bigint')
) AS x(cursor, minted, coldef, message);
SELECT throws_ok($$SELECT * FROM keyset_cursor_decode((SELECT ts_id FROM c)) AS k(a timestamp, b bigint)$$,
                 '42804', 'cursor member 1 has type timestamp with time zone, but the column definition list says timestamp without time zone',
                 'timestamptz decoded as timestamp: 42804');
SELECT throws_ok($$SELECT * FROM keyset_cursor_decode((SELECT ts_id FROM c)) AS k(a timestamptz, b int)$$,
                 '42804', 'cursor member 2 has type bigint, but the column definition list says integer',
                 'the message names the second member when it is the one that mismatches');
SELECT throws_ok($$SELECT * FROM keyset_cursor_decode((SELECT ts_id FROM c)) AS k(b bigint, a timestamptz)$$,
                 '42804', 'cursor member 1 has type timestamp with time zone, but the column definition list says bigint',
                 'members in the wrong order: 42804 on the first');

-- what does decode: the same types, typmods applied by the column list
SELECT results_eq($$SELECT * FROM keyset_cursor_decode((SELECT three FROM c)) AS k(a int, b text, d bigint)$$,
                  $$VALUES (1, 'x'::text, 2::bigint)$$, 'three members into three matching columns');
SELECT results_eq($$SELECT * FROM keyset_cursor_decode((SELECT dom FROM c)) AS k(a t_posint)$$,
                  $$VALUES (5::t_posint)$$, 'a domain member decodes as the domain');
SELECT results_eq($$SELECT * FROM keyset_cursor_decode((SELECT mood FROM c)) AS k(a t_mood)$$,
                  $$VALUES ('happy'::t_mood)$$, 'an enum member decodes as the enum');
SELECT results_eq($$SELECT a::text FROM keyset_cursor_decode((SELECT num FROM c)) AS k(a numeric(5,1))$$,
                  $$VALUES ('1.6')$$, 'a typmod in the column list is applied: 1.55 decoded as numeric(5,1) is 1.6');
SELECT throws_ok($$SELECT * FROM keyset_cursor_decode((SELECT vc FROM c)) AS k(a varchar(2))$$,
                 '22001', NULL, 'varchar ''abc'' decoded as varchar(2): 22001 value too long');
SELECT throws_ok($$SELECT * FROM keyset_cursor_decode((SELECT null_int FROM c)) AS k(a t_notnull)$$,
                 '42804', NULL, 'a NULL int member into a NOT NULL domain over int: type mismatch first');
SELECT throws_ok(format('SELECT * FROM keyset_cursor_decode(%L) AS k(a t_notnull)',
                        t_forge(t_varint(1) || t_member(t_type_tag('t_notnull'), NULL), t_issued_at_secs(now()))),
                 '23502', NULL, 'NOT NULL domains are enforced on decode (signed cursor carrying NULL for t_notnull)');
SELECT throws_ok(format('SELECT * FROM keyset_cursor_decode(%L) AS k(a t_posint)',
                        t_forge(t_varint(1) || t_member(t_type_tag('t_posint'), int4send(-5)),
                                t_issued_at_secs(now()))),
                 '23514', NULL, 'domain CHECK constraints are enforced on decode (signed cursor carrying -5 for t_posint)');

-- a bad cursor is reported before the column list is looked at
SELECT is(t_decode_error('garbage', NULL, 'a int, b int, c int'), t_detail('base64url'),
          'a bad cursor with a mismatching column list: 22KP1, not 42804');
SELECT is(t_decode_error((SELECT ts_id FROM c), 'other', 'a text'), t_detail('signature'),
          'a cursor for another context with a mismatching column list: 22KP1, not 42804');

-- NULL in
SELECT results_eq($$SELECT a IS NULL FROM keyset_cursor_decode(NULL) AS k(a int)$$, $$VALUES (true)$$,
                  'decode(NULL) gives one row of NULLs, no error');
SELECT is(keyset_cursor_verify(NULL), NULL, 'verify(NULL) is NULL');
SELECT is(keyset_cursor_encode(NULL::record), NULL, 'encode(NULL) is NULL');

-- keys that cannot be carried
SELECT throws_ok($$SELECT keyset_cursor_encode(ROW())$$, '22023', 'keyset_cursor_encode: key must have at least one member',
                 'an empty row is refused');
SELECT throws_ok($$SELECT keyset_cursor_encode(ROW(makeaclitem('postgres'::regrole, 'postgres'::regrole, 'SELECT', false)))$$,
                 '0A000', 'type aclitem cannot be carried in a cursor', 'a type without a binary send function is refused');

-- An untyped string literal in ROW() has type unknown; it is minted as text
-- (the bytes are the same), so it decodes as text.
SELECT is(t_decode_error(keyset_cursor_encode(ROW(1, 'abc')), NULL, 'a int, b text'), 'ok',
          'ROW(1, ''abc'') (untyped literal) decodes as (int, text)');

-- named composite types and table rows are keys too
CREATE TEMP TABLE t_row (created_at timestamptz, id bigint);
INSERT INTO t_row VALUES ('2026-11-22 10:11:12+00', 42);
ALTER TABLE t_row ADD COLUMN dropped_later int;
ALTER TABLE t_row DROP COLUMN dropped_later;
ALTER TABLE t_row ADD COLUMN note text DEFAULT 'n';
SELECT results_eq(format('SELECT * FROM keyset_cursor_decode(%L) AS k(created_at timestamptz, id bigint, note text)',
                         (SELECT keyset_cursor_encode(r) FROM t_row r)),
                  $$VALUES ('2026-11-22 10:11:12+00'::timestamptz, 42::bigint, 'n'::text)$$,
                  'a table row with a dropped column encodes its live columns only');
SELECT ok(keyset_cursor_verify(keyset_cursor_encode(ROW(ROW(1, 'a')::record))),
          'a member that is itself an anonymous record can be minted');
SELECT ok(keyset_cursor_verify(keyset_cursor_encode(ROW(ARRAY[1, 2, 3], '{"a": 1}'::jsonb, '[1,5)'::int4range))),
          'array, jsonb and range members can be minted');
SELECT results_eq(format('SELECT a, b::text, c FROM keyset_cursor_decode(%L) AS k(a int[], b jsonb, c int4range)',
                         keyset_cursor_encode(ROW(ARRAY[1, 2, 3], '{"a": 1}'::jsonb, '[1,5)'::int4range))),
                  $$VALUES (ARRAY[1, 2, 3], '{"a": 1}', '[1,5)'::int4range)$$,
                  'and decode back');

SELECT * FROM finish();
ROLLBACK;
