-- Every bad input to keyset_page gets a clean error, and hostile text in
-- order_by or filter is refused without touching the table.
SET client_min_messages = warning;
CREATE TABLE t (
    id         int PRIMARY KEY,
    created_at timestamptz NOT NULL,
    score      int,
    title      text,
    loc        point,
    doc        json
);
INSERT INTO t SELECT g, '2024-01-01 00:00:00+00'::timestamptz + g * interval '1 hour', g % 3,
                     'title ' || g, point(g, g), '{}'::json
FROM generate_series(1, 10) g;
CREATE TABLE other (id int PRIMARY KEY, created_at timestamptz NOT NULL);
INSERT INTO other SELECT g, '2024-01-01 00:00:00+00'::timestamptz + g * interval '1 hour'
FROM generate_series(1, 10) g;
CREATE TABLE nopk (a int, b int);
CREATE TABLE nullable_unique (a int UNIQUE, b int);  -- unique but nullable: no tiebreaker
CREATE TYPE pair AS (x int, y int);
CREATE VIEW agg AS SELECT score, count(*) AS n FROM t GROUP BY score;
RESET client_min_messages;

-- SQLSTATE of a statement's error, for the summary tables
CREATE FUNCTION sqlstate_of(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE stmt;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE;
END $$;

-- SQLSTATE and message, without the error position
CREATE FUNCTION error_of(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE stmt;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

\set VERBOSITY default
\set SHOW_CONTEXT never

-- order_by: unknown column (42703)
SELECT * FROM keyset_page(NULL::t, 'nope');
SELECT * FROM keyset_page(NULL::t, '"Title"');        -- quoted: case matters
-- order_by: expressions, qualified names, COLLATE, USING, duplicates
SELECT * FROM keyset_page(NULL::t, 'lower(title)');
SELECT * FROM keyset_page(NULL::t, 'score + 1');
SELECT * FROM keyset_page(NULL::t, 't.score');
SELECT * FROM keyset_page(NULL::t, 'title COLLATE "C"');
SELECT * FROM keyset_page(NULL::t, 'score USING <');
SELECT * FROM keyset_page(NULL::t, 'score, score');
SELECT * FROM keyset_page(NULL::t, 'id DESC, score, id');
-- a type without a btree operator class
SELECT * FROM keyset_page(NULL::t, 'loc');
SELECT * FROM keyset_page(NULL::t, 'doc');
-- first / last
SELECT * FROM keyset_page(NULL::t, first => -1);
SELECT * FROM keyset_page(NULL::t, last => -1);
SELECT * FROM keyset_page(NULL::t, first => 1001);
SELECT * FROM keyset_page(NULL::t, last => 1001);
SET keyset_pagination.max_page_size = 5;
SELECT * FROM keyset_page(NULL::t, first => 6);
SELECT count(*) FROM keyset_page(NULL::t, first => 5);
RESET keyset_pagination.max_page_size;
-- no primary key, no unique NOT NULL column
SELECT * FROM keyset_page(NULL::nopk);
SELECT * FROM keyset_page(NULL::nopk, 'a, b');
SELECT * FROM keyset_page(NULL::nullable_unique, 'a');
-- a complex view without a provably unique order
SELECT * FROM keyset_page(NULL::agg, 'n');
-- not the row type of a table or view
SELECT * FROM keyset_page(NULL::int);
SELECT * FROM keyset_page(NULL::pair);
SELECT * FROM keyset_page(ROW(1, 2));
SELECT * FROM keyset_page(NULL::text, 'id');

-- filter: shape
SELECT * FROM keyset_page(NULL::t, filter => 'true; SELECT 1');
SELECT * FROM keyset_page(NULL::t, filter => 'score > (SELECT 1)');
SELECT * FROM keyset_page(NULL::t, filter => 'EXISTS (SELECT 1 FROM other)');
SELECT * FROM keyset_page(NULL::t, filter => 'true ORDER BY 1');
SELECT * FROM keyset_page(NULL::t, filter => 'true LIMIT 1');
SELECT * FROM keyset_page(NULL::t, filter => 'true FOR UPDATE');
SELECT * FROM keyset_page(NULL::t, filter => 't.score = 1');
SELECT * FROM keyset_page(NULL::t, filter => 'other.id = 1');
-- filter: meaning (reported by PostgreSQL when the filter is planned)
SELECT * FROM keyset_page(NULL::t, filter => 'nope = 1');
SELECT * FROM keyset_page(NULL::t, filter => 'score');
SELECT * FROM keyset_page(NULL::t, filter => 'count(*) > 0');
-- filter: $n against args
SELECT * FROM keyset_page(NULL::t, filter => 'score = $1');
SELECT * FROM keyset_page(NULL::t, filter => 'score = $2', args => ARRAY['1']);
SELECT * FROM keyset_page(NULL::t, filter => 'score = $1', args => ARRAY['1', '2']);
SELECT * FROM keyset_page(NULL::t, filter => 'score = 1', args => ARRAY['1']);
SELECT * FROM keyset_page(NULL::t, args => ARRAY['1']);
SELECT * FROM keyset_page(NULL::t, filter => 'score = $1', args => ARRAY['one']);
SELECT * FROM keyset_page(NULL::t, filter => 'score = $1', args => ARRAY[['1'], ['2']]);
-- these are fine: $n inferred from context; a NULL arg is SQL NULL
SELECT count(*) FROM keyset_page(NULL::t, filter => 'score = $1', args => ARRAY['1']);
SELECT count(*) FROM keyset_page(NULL::t, filter => 'score = $1', args => ARRAY[NULL]);
SELECT count(*) FROM keyset_page(NULL::t, filter => 'score IS NOT DISTINCT FROM $1::int', args => ARRAY[NULL]);
SELECT count(*) FROM keyset_page(NULL::t, filter => 'created_at > $1 AND title <> $2',
                                 args => ARRAY['2024-01-01 05:00:00+00', 'title 7']);

-- Injection attempts: refused, and the tables untouched
SELECT count(*) AS t_rows_before FROM t;
-- order_by
SELECT * FROM keyset_page(NULL::t, 'id; DROP TABLE t');
SELECT count(*) FROM keyset_page(NULL::t, 'id --');  -- a comment, harmless: sorts by id
SELECT * FROM keyset_page(NULL::t, '(select 1)');
SELECT * FROM keyset_page(NULL::t, 'id USING <');
SELECT * FROM keyset_page(NULL::t, 'id, pg_sleep(1)');
SELECT * FROM keyset_page(NULL::t, 'id; DELETE FROM t');
SELECT * FROM keyset_page(NULL::t, 'id LIMIT 1');
SELECT * FROM keyset_page(NULL::t, '"id; DROP TABLE t"');
-- filter
SELECT * FROM keyset_page(NULL::t, filter => 'true; DROP TABLE t');
SELECT * FROM keyset_page(NULL::t, filter => 'id IN (SELECT id FROM t)');
SELECT * FROM keyset_page(NULL::t, filter => 'true AND EXISTS (WITH d AS (DELETE FROM t RETURNING 1) SELECT 1 FROM d)');
SELECT * FROM keyset_page(NULL::t, filter => 'true UNION SELECT 1');
SELECT * FROM keyset_page(NULL::t, filter => 'true; DELETE FROM t; SELECT true');
SELECT * FROM keyset_page(NULL::t, filter => 'true;');
-- a trailing -- comment only comments itself out: the filter stays "true"
SELECT count(*) FROM keyset_page(NULL::t, filter => 'true --', first => 100);
SELECT count(*) FROM keyset_page(NULL::t, filter => E'score = 1 --\n OR true', first => 100);
SELECT count(*) FROM keyset_page(NULL::t, filter => 'score = 1 -- ) OR (true', first => 100);
SELECT count(*) AS t_rows_after FROM t;
SELECT to_regclass('t') IS NOT NULL AS t_still_exists;

-- Text that is not even SQL is stopped by PostgreSQL's grammar (42601).
-- Shown through error_of(): these errors carry a position into the internal
-- "SELECT ORDER BY ..." / "SELECT WHERE ..." text, not into the caller's
-- statement, so psql would point its caret (or "at character N") at an
-- unrelated spot of the statement.
SELECT stmt, error_of(stmt) FROM (VALUES
  ($$SELECT keyset_page(NULL::t, '')$$),
  ($$SELECT keyset_page(NULL::t, '*')$$),
  ($$SELECT keyset_page(NULL::t, 'score ASC DESC')$$),
  ($$SELECT keyset_page(NULL::t, 'id) --')$$),
  ($$SELECT keyset_page(NULL::t, filter => '')$$),
  ($$SELECT keyset_page(NULL::t, filter => 'true) OR (true')$$),
  ($$SELECT keyset_page(NULL::t, filter => 'WITH d AS (DELETE FROM t RETURNING 1) SELECT true')$$),
  ($$SELECT keyset_page(NULL::t, filter => 'true */ OR true /*')$$),
  ($$SELECT keyset_page(NULL::t, filter => 'true /* unterminated')$$),
  ($$SELECT keyset_page(NULL::t, filter => '''unterminated')$$)
) AS v(stmt);
SELECT count(*) AS t_rows_after_all FROM t;

-- Cursors: one SQLSTATE, 22KP1, before any scan
SELECT p.cursor AS c_t FROM keyset_page(NULL::t, 'created_at', first => 3) p OFFSET 2 \gset
SELECT p.cursor AS c_t_desc FROM keyset_page(NULL::t, 'created_at DESC', first => 3) p OFFSET 2 \gset
SELECT p.cursor AS c_other FROM keyset_page(NULL::other, 'created_at', first => 3) p OFFSET 2 \gset
SELECT p.cursor AS c_f1 FROM keyset_page(NULL::t, 'created_at', first => 3,
                                         filter => 'score <> $1', args => ARRAY['1']) p OFFSET 2 \gset
-- the cursor works where it was minted
SELECT array_agg((p.node).id) FROM keyset_page(NULL::t, 'created_at', first => 3, after => :'c_t') p;
-- ... and the spelling of an equivalent order_by does not matter
SELECT array_agg((p.node).id) FROM keyset_page(NULL::t, 'created_at ASC NULLS LAST, id', first => 3, after => :'c_t') p;
-- another sort, table, filter, args, or none of the filter
SELECT * FROM keyset_page(NULL::t, 'created_at DESC', after => :'c_t');
SELECT * FROM keyset_page(NULL::t, 'created_at', before => :'c_t_desc');
SELECT * FROM keyset_page(NULL::t, 'created_at', after => :'c_other');
SELECT * FROM keyset_page(NULL::other, 'created_at', after => :'c_t');
SELECT * FROM keyset_page(NULL::t, 'created_at', after => :'c_t', filter => 'score <> $1', args => ARRAY['1']);
SELECT * FROM keyset_page(NULL::t, 'created_at', after => :'c_f1');
SELECT * FROM keyset_page(NULL::t, 'created_at', after => :'c_f1', filter => 'score <> $1', args => ARRAY['2']);
SELECT * FROM keyset_page(NULL::t, 'created_at', after => :'c_f1', filter => 'score <>$1', args => ARRAY['1']);
SELECT count(*) FROM keyset_page(NULL::t, 'created_at', after => :'c_f1', filter => 'score <> $1', args => ARRAY['1']);
-- one bad cursor fails the call even if the other is good
SELECT * FROM keyset_page(NULL::t, 'created_at', after => :'c_t', before => :'c_other');
-- tampered, truncated, garbage, empty, a user-domain cursor
SELECT * FROM keyset_page(NULL::t, 'created_at', after =>
    overlay(:'c_t' placing (CASE WHEN substr(:'c_t', 12, 1) = 'A' THEN 'B' ELSE 'A' END) from 12 for 1));
-- (a truncated cursor fails either the base64url check or the MAC, depending
-- on its random MAC bytes: shown in the SQLSTATE table below)
SELECT * FROM keyset_page(NULL::t, 'created_at', after => :'c_t' || 'AAAA');
SELECT * FROM keyset_page(NULL::t, 'created_at', after => 'not a cursor!');
SELECT * FROM keyset_page(NULL::t, 'created_at', after => '');
SELECT * FROM keyset_page(NULL::t, 'created_at', after => repeat('A', 9000));
SELECT * FROM keyset_page(NULL::t, 'created_at', after =>
    keyset_cursor_encode(ROW('2024-01-01 03:00:00+00'::timestamptz, 3)));

-- the SQLSTATEs, in one place
SELECT what, sqlstate_of(stmt) AS sqlstate FROM (VALUES
  ('unknown column',                $$SELECT keyset_page(NULL::t, 'nope')$$),
  ('expression in order_by',        $$SELECT keyset_page(NULL::t, 'lower(title)')$$),
  ('USING',                         $$SELECT keyset_page(NULL::t, 'score USING <')$$),
  ('duplicate column',              $$SELECT keyset_page(NULL::t, 'score, score')$$),
  ('no btree opclass',              $$SELECT keyset_page(NULL::t, 'loc')$$),
  ('negative first',                $$SELECT keyset_page(NULL::t, first => -1)$$),
  ('negative last',                 $$SELECT keyset_page(NULL::t, last => -1)$$),
  ('first over max_page_size',      $$SELECT keyset_page(NULL::t, first => 1001)$$),
  ('last over max_page_size',       $$SELECT keyset_page(NULL::t, last => 1001)$$),
  ('no primary key',                $$SELECT keyset_page(NULL::nopk)$$),
  ('not unique, no tiebreaker',     $$SELECT keyset_page(NULL::nopk, 'a, b')$$),
  ('complex view, not unique',      $$SELECT keyset_page(NULL::agg, 'n')$$),
  ('not a row type',                $$SELECT keyset_page(NULL::int)$$),
  ('composite type, not a table',   $$SELECT keyset_page(NULL::pair)$$),
  ('two statements in filter',      $$SELECT keyset_page(NULL::t, filter => 'true; SELECT 1')$$),
  ('subquery in filter',            $$SELECT keyset_page(NULL::t, filter => 'score > (SELECT 1)')$$),
  ('qualified name in filter',      $$SELECT keyset_page(NULL::t, filter => 't.score = 1')$$),
  ('$n beyond args',                $$SELECT keyset_page(NULL::t, filter => 'score = $2', args => ARRAY['1'])$$),
  ('args beyond $n',                $$SELECT keyset_page(NULL::t, filter => 'score = $1', args => ARRAY['1','2'])$$),
  ('args without filter',           $$SELECT keyset_page(NULL::t, args => ARRAY['1'])$$),
  ('cursor of another sort',        format('SELECT keyset_page(NULL::t, %L, after => %L)', 'created_at DESC', :'c_t')),
  ('cursor of another table',       format('SELECT keyset_page(NULL::t, %L, after => %L)', 'created_at', :'c_other')),
  ('cursor of another filter',      format('SELECT keyset_page(NULL::t, %L, after => %L)', 'created_at', :'c_f1')),
  ('cursor of other args',          format('SELECT keyset_page(NULL::t, %L, after => %L, filter => %L, args => %L)', 'created_at', :'c_f1', 'score <> $1', '{2}')),
  ('syntax error in order_by',      $$SELECT keyset_page(NULL::t, 'id) --')$$),
  ('syntax error in filter',        $$SELECT keyset_page(NULL::t, filter => 'true) OR (true')$$),
  ('CTE in filter',                 $$SELECT keyset_page(NULL::t, filter => 'WITH d AS (DELETE FROM t RETURNING 1) SELECT true')$$),
  ('UNION in filter',               $$SELECT keyset_page(NULL::t, filter => 'true UNION SELECT 1')$$),
  ('truncated cursor',              format('SELECT keyset_page(NULL::t, %L, after => %L)', 'created_at', left(:'c_t', -4))),
  ('tampered cursor',               format('SELECT keyset_page(NULL::t, %L, after => %L)', 'created_at', :'c_t' || 'AAAA')),
  ('garbage cursor',                $$SELECT keyset_page(NULL::t, 'created_at', after => 'not a cursor!')$$)
) AS v(what, stmt);

-- the companions report the same errors under their own names
SELECT keyset_connection(NULL::t, first => -1);
SELECT keyset_connection(NULL::t, 'nope');
SELECT * FROM keyset_explain(NULL::int);
SELECT * FROM keyset_explain(NULL::t, 'created_at', after => 'not a cursor!');
SELECT * FROM keyset_check(NULL::int);
SELECT * FROM keyset_check(NULL::t, 'lower(title)');
-- keyset_check reports a key it cannot make unique instead of failing
SELECT sort_key, tiebreaker, is_unique, unique_by FROM keyset_check(NULL::nopk, 'a');
