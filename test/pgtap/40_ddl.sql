-- The per-session cache of resolved queries and seek plans after DDL in the
-- same session: page, change the table, page again.  Every page after the
-- change must see the new state (new names, new keys, new indexes, new
-- types) and a cursor whose sort key no longer exists is refused (22KP1).
BEGIN;
SELECT no_plan();
\ir walk_helpers.psql
SELECT setseed(0.5772);

CREATE TABLE d (id int NOT NULL, a int, b text, code text NOT NULL);
INSERT INTO d
SELECT i, CASE WHEN random() < 0.3 THEN NULL ELSE floor(random() * 4)::int END,
       (ARRAY['x', 'y', NULL])[1 + floor(random() * 3)::int], 'k' || (1000 - i)
FROM generate_series(1, 120) i;

-- 1. no primary key yet: refused; ADD PRIMARY KEY in the same session: works
SELECT throws_ok($$SELECT keyset_page(NULL::d, 'a')$$, '22023', NULL, 'no key yet: refused');
SELECT throws_ok($$SELECT keyset_page(NULL::d)$$, '22023', NULL, 'no key yet, no order_by: refused');
ALTER TABLE d ADD PRIMARY KEY (id);
SELECT is(kc.tiebreaker, 'id', 'after ADD PRIMARY KEY the key is the tiebreaker')
FROM keyset_check(NULL::d, 'a') kc;
SELECT is(problems, '{}'::text[], test)
FROM pg_temp.kp_walks('after ADD PRIMARY KEY', NULL::d, 'a', NULL, NULL, NULL, ARRAY[1, 7], 4);

-- 2. a unique NOT NULL index first, then the primary key takes over
CREATE TABLE u (id int NOT NULL, code text NOT NULL, a int);
INSERT INTO u SELECT i, 'k' || (1000 - i), i % 5 FROM generate_series(1, 60) i;
CREATE UNIQUE INDEX u_code ON u (code);
SELECT is(kc.tiebreaker, 'code', 'unique NOT NULL index: code is the tiebreaker') FROM keyset_check(NULL::u, 'a') kc;
SELECT (SELECT p.cursor FROM keyset_page(NULL::u, 'a', first => 3) p OFFSET 2) AS u_cur \gset
SELECT is((SELECT array_agg((p.node).id) FROM keyset_page(NULL::u, 'a', first => 3, after => :'u_cur') p),
          (SELECT array_agg(id) FROM (SELECT id FROM u ORDER BY a, code OFFSET 3 LIMIT 3) s),
          'page after the cursor, by (a, code)');
ALTER TABLE u ADD PRIMARY KEY (id);
SELECT is(kc.tiebreaker, 'id', 'after ADD PRIMARY KEY: id is the tiebreaker') FROM keyset_check(NULL::u, 'a') kc;
SELECT is((SELECT array_agg((p.node).id) FROM keyset_page(NULL::u, 'a', first => 3) p),
          (SELECT array_agg(id) FROM (SELECT id FROM u ORDER BY a, id LIMIT 3) s),
          'the first page follows (a, id) at once');
SELECT throws_ok(format('SELECT keyset_page(NULL::u, %L, after => %L)', 'a', :'u_cur'), '22KP1', NULL,
                 'a cursor of the (a, code) key is refused under (a, id)');
SELECT is(problems, '{}'::text[], test)
FROM pg_temp.kp_walks('u after ADD PRIMARY KEY', NULL::u, 'a', NULL, NULL, NULL, ARRAY[2], -1);

-- 3. RENAME COLUMN: the old name is gone, the new one pages, old cursors refused
SELECT (SELECT p.cursor FROM keyset_page(NULL::d, 'b', first => 3) p OFFSET 2) AS b_cur \gset
SELECT (SELECT p.cursor FROM keyset_page(NULL::d, NULL, first => 3) p OFFSET 2) AS pk_cur \gset
ALTER TABLE d RENAME COLUMN b TO bb;
SELECT throws_ok($$SELECT keyset_page(NULL::d, 'b')$$, '42703', NULL, 'after RENAME COLUMN the old name is unknown');
SELECT is((SELECT array_agg((p.node).bb ORDER BY p.o) FROM keyset_page(NULL::d, 'bb', first => 200)
           WITH ORDINALITY AS p(node, cursor, hp, hn, o)),
          (SELECT array_agg(bb ORDER BY bb, id) FROM d), 'the node carries the renamed column');
SELECT throws_ok(format('SELECT keyset_page(NULL::d, %L, after => %L)', 'bb', :'b_cur'), '22KP1', NULL,
                 'a cursor of the old column name is refused');
SELECT is((SELECT count(*) FROM keyset_page(NULL::d, NULL, first => 200, after => :'pk_cur')), 117::bigint,
          'a primary-key cursor survives renaming another column');
SELECT is(problems, '{}'::text[], test)
FROM pg_temp.kp_walks('after RENAME COLUMN', NULL::d, 'bb DESC', NULL, NULL, NULL, ARRAY[1, 5], 4);
-- renaming the key column changes the effective key itself
ALTER TABLE d RENAME COLUMN id TO id_old;
ALTER TABLE d ADD COLUMN id int GENERATED ALWAYS AS (id_old) STORED;  -- the helpers read "id"
SELECT is(kc.sort_key, 'a ASC NULLS LAST, id_old ASC NULLS LAST', 'renamed key column: new tiebreaker name')
FROM keyset_check(NULL::d, 'a') kc;
SELECT throws_ok(format('SELECT keyset_page(NULL::d, NULL, after => %L)', :'pk_cur'), '22KP1', NULL,
                 'a cursor of the old key column name is refused');
SELECT is(problems, '{}'::text[], test)
FROM pg_temp.kp_walks('after renaming the key', NULL::d, 'a DESC', NULL, NULL, NULL, ARRAY[4], -1);

-- 4. DROP INDEX + CREATE INDEX: the plans follow the indexes
CREATE TABLE ix (id int PRIMARY KEY, v int NOT NULL, w int);
INSERT INTO ix SELECT i, i % 50, i % 7 FROM generate_series(1, 5000) i;
CREATE INDEX ix_first ON ix (v, id);
ANALYZE ix;
SELECT (SELECT p.cursor FROM keyset_page(NULL::ix, 'v', first => 1000) p OFFSET 999) AS ix_cur \gset
SELECT ok((SELECT string_agg(l, E'\n') FROM keyset_explain(NULL::ix, 'v', first => 20, after => :'ix_cur') l)
          ~ 'Index Scan using ix_first', 'the seek uses ix_first');
DROP INDEX ix_first;
SELECT ok((SELECT string_agg(l, E'\n') FROM keyset_explain(NULL::ix, 'v', first => 20, after => :'ix_cur') l)
          !~ 'ix_first', 'after DROP INDEX the plan no longer names ix_first');
SELECT is((SELECT array_agg((p.node).id) FROM keyset_page(NULL::ix, 'v', first => 20, after => :'ix_cur') p),
          (SELECT array_agg(id) FROM (SELECT id FROM ix ORDER BY v, id OFFSET 1000 LIMIT 20) s),
          'without the index the page is still right');
CREATE INDEX ix_second ON ix (v, id);
SELECT ok((SELECT string_agg(l, E'\n') FROM keyset_explain(NULL::ix, 'v', first => 20, after => :'ix_cur') l)
          ~ 'Index Scan using ix_second', 'after CREATE INDEX the seek uses ix_second');
SELECT is(kc.index, 'ix_second', 'keyset_check names the new index') FROM keyset_check(NULL::ix, 'v') kc;
SELECT is((SELECT array_agg((p.node).id) FROM keyset_page(NULL::ix, 'v', first => 20, after => :'ix_cur') p),
          (SELECT array_agg(id) FROM (SELECT id FROM ix ORDER BY v, id OFFSET 1000 LIMIT 20) s),
          'and the page is the same');

-- 5. ALTER COLUMN TYPE: pages work with the new type; an old cursor is stale
SELECT (SELECT p.cursor FROM keyset_page(NULL::ix, 'w', first => 5) p OFFSET 4) AS w_cur \gset
ALTER TABLE ix ALTER COLUMN w TYPE bigint;
SELECT is(pg_typeof((SELECT (p.node).w FROM keyset_page(NULL::ix, 'w', first => 1) p))::text, 'bigint',
          'the node has the new column type');
SELECT throws_ok(format('SELECT keyset_page(NULL::ix, %L, after => %L)', 'w', :'w_cur'), '22KP1', NULL,
                 'a cursor holding the old type is refused');
SELECT is((SELECT array_agg((p.node).id) FROM keyset_page(NULL::ix, 'w', first => 10) p),
          (SELECT array_agg(id) FROM (SELECT id FROM ix ORDER BY w, id LIMIT 10) s),
          'paging by the retyped column');

-- 6. ADD / DROP COLUMN: the node follows the row type
SELECT (SELECT p.cursor FROM keyset_page(NULL::ix, 'v', first => 5) p OFFSET 4) AS v_cur \gset
ALTER TABLE ix ADD COLUMN extra text DEFAULT 'new';
SELECT is((SELECT array_agg(DISTINCT (p.node).extra) FROM keyset_page(NULL::ix, 'v', first => 5, after => :'v_cur') p),
          ARRAY['new'], 'an added column appears in the nodes; the cursor still works');
ALTER TABLE ix DROP COLUMN w;
SELECT is((SELECT count(*) FROM keyset_page(NULL::ix, 'v', first => 5, after => :'v_cur') p), 5::bigint,
          'after DROP COLUMN of another column the cursor still works');
SELECT throws_ok($$SELECT keyset_page(NULL::ix, 'w')$$, '42703', NULL, 'the dropped column is unknown');

-- 7. DROP NOT NULL on the tiebreaker: no longer a proof of uniqueness
CREATE TABLE nn (id int NOT NULL UNIQUE, a int);
INSERT INTO nn SELECT i, i % 3 FROM generate_series(1, 10) i;
SELECT is((SELECT count(*) FROM keyset_page(NULL::nn, 'a')), 10::bigint, 'unique NOT NULL id: pages');
ALTER TABLE nn ALTER COLUMN id DROP NOT NULL;
SELECT throws_ok($$SELECT keyset_page(NULL::nn, 'a')$$, '22023', NULL,
                 'after DROP NOT NULL the unique index is no tiebreaker');
ALTER TABLE nn ALTER COLUMN id SET NOT NULL;
SELECT is((SELECT count(*) FROM keyset_page(NULL::nn, 'a')), 10::bigint, 'SET NOT NULL again: pages again');

-- 8. CREATE OR REPLACE VIEW
CREATE TABLE vb (id int PRIMARY KEY, a int, b int);
INSERT INTO vb SELECT i, i % 4, i % 5 FROM generate_series(1, 40) i;
CREATE VIEW vv AS SELECT id, a FROM vb;
SELECT is((SELECT array_agg((p.node).id) FROM keyset_page(NULL::vv, 'a', first => 5) p),
          (SELECT array_agg(id) FROM (SELECT id FROM vb ORDER BY a, id LIMIT 5) s), 'view before replace');
CREATE OR REPLACE VIEW vv AS SELECT id, a, b FROM vb WHERE b <> 0;
SELECT is((SELECT array_agg((p.node).id) FROM keyset_page(NULL::vv, 'b DESC', first => 5) p),
          (SELECT array_agg(id) FROM (SELECT id FROM vb WHERE b <> 0 ORDER BY b DESC, id DESC LIMIT 5) s),
          'the replaced view: new column, new WHERE');

-- 9. rows change under a cursor: keyset positions are values, not offsets
CREATE TABLE m (id int PRIMARY KEY, a int NOT NULL);
INSERT INTO m SELECT i, i FROM generate_series(1, 30) i;
SELECT (SELECT p.cursor FROM keyset_page(NULL::m, 'a', first => 10) p OFFSET 9) AS m_cur \gset
DELETE FROM m WHERE id = 10;                      -- the cursor's own row
SELECT is((SELECT array_agg((p.node).id) FROM keyset_page(NULL::m, 'a', first => 3, after => :'m_cur') p),
          ARRAY[11, 12, 13], 'the cursor''s row deleted: the page after it is unchanged');
SELECT is((SELECT bool_and(p.has_previous_page) FROM keyset_page(NULL::m, 'a', first => 3, after => :'m_cur') p),
          true, 'and rows before it still give has_previous_page');
INSERT INTO m VALUES (100, 10);                   -- a new row at the cursor's value
SELECT is((SELECT array_agg((p.node).id) FROM keyset_page(NULL::m, 'a', first => 3, after => :'m_cur') p),
          ARRAY[100, 11, 12], 'a row inserted after the position (same a, larger id) appears');
DELETE FROM m WHERE id <= 10 OR id = 100;
SELECT is((SELECT bool_and(p.has_previous_page) FROM keyset_page(NULL::m, 'a', first => 3, after => :'m_cur') p),
          false, 'nothing left before the position: has_previous_page false');

-- 10. DDL run by the filter while a later range of the same page is planned
-- (an IMMUTABLE function is folded at planning; it calls a VOLATILE one that
-- alters the table).  The rows of the first range are already taken in the
-- old row format: the relation is held open for the whole page, so the DDL
-- fails as in any query reading the table (55006), never a page whose rows
-- the new descriptor misreads (was: 22P07 on a checking server, a misread
-- of an int as a text header on a stock one).
CREATE TABLE fx (id int PRIMARY KEY, v int NOT NULL, x int);
INSERT INTO fx SELECT g, g / 4, 2147418112 FROM generate_series(1, 40) g;
CREATE FUNCTION pg_temp.fx_alter() RETURNS void LANGUAGE plpgsql VOLATILE AS $f$
BEGIN
  EXECUTE current_setting('kp_test.fx_ddl');
END $f$;
CREATE FUNCTION pg_temp.fx_on_call(n int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $f$
DECLARE k int := current_setting('kp_test.fx_calls')::int + 1;
BEGIN
  PERFORM set_config('kp_test.fx_calls', k::text, false);
  IF k = n THEN
    PERFORM pg_temp.fx_alter();
  END IF;
  RETURN 0;
END $f$;
-- The SQLSTATE of one call whose filter runs ddl while planning the second
-- range of the page after (8, 34) in 'v DESC, id' (v = 8 AND id >= 34, then
-- v < 8); tag makes the filter, so the cached query and its plans, new.
CREATE FUNCTION pg_temp.fx_try(call text, ddl text, tag int) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE
  filter text := format('id > pg_temp.fx_on_call(2) - %s', tag);
  cur text;
BEGIN
  PERFORM set_config('kp_test.fx_calls', '-1000', false), set_config('kp_test.fx_ddl', 'SELECT 1', false);
  cur := keyset_connection(NULL::fx, 'v DESC, id', first => 8, filter => filter)->'pageInfo'->>'endCursor';
  PERFORM set_config('kp_test.fx_calls', '0', false), set_config('kp_test.fx_ddl', ddl, false);
  BEGIN
    EXECUTE format(call, cur, filter);
  EXCEPTION WHEN OTHERS THEN
    PERFORM set_config('kp_test.fx_ddl', 'SELECT 1', false);
    RETURN SQLSTATE;
  END;
  PERFORM set_config('kp_test.fx_ddl', 'SELECT 1', false);
  RETURN 'no error';
END $f$;
SELECT is(pg_temp.fx_try(format($$SELECT %s FROM %s(NULL::fx, 'v DESC, id', first => 10, after => %%L, filter => %%L) p$$,
                                 sel, fn), ddl, tag), want, label)
FROM (VALUES
  (1, 'p.node::text', 'keyset_page', 'ALTER TABLE fx ALTER COLUMN x TYPE text USING x::text', '55006',
   'keyset_page: ALTER TABLE by the filter between two ranges of a page is refused'),
  (2, 'p', 'keyset_connection', 'ALTER TABLE fx ALTER COLUMN x TYPE text USING x::text', '55006',
   'keyset_connection: the same DDL is refused'),
  (3, 'p', 'keyset_connection_json', 'ALTER TABLE fx ALTER COLUMN x TYPE text USING x::text', '55006',
   'keyset_connection_json: the same DDL is refused'),
  (4, 'p', 'keyset_connection', 'DROP TABLE fx', '55006',
   'keyset_connection: DROP TABLE by the filter between two ranges is refused'),
  (5, 'p', 'keyset_connection', 'SELECT 1', 'no error', 'the same page without DDL pages')
) AS c(tag, sel, fn, ddl, want, label)
ORDER BY tag;
SELECT is(keyset_connection(NULL::fx, 'v DESC, id', first => 2)->'edges'->0->'node',
          '{"id": 40, "v": 10, "x": 2147418112}'::jsonb, 'and the table is unchanged');

SELECT * FROM finish();
ROLLBACK;
