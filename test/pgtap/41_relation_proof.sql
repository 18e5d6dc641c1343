-- Issue 15, task "cols": the seek returns the relation's live columns, not
-- its row, so the proof that a re-analysed seek still reads the relation
-- its cache entry was built for is kp_check_seek (src/querycache.c): the
-- analysed query's one FROM item is the relation by OID, its output the
-- relation's live columns by attnum, of the entry's types.  Each case below
-- re-points what the seek's SQL names while a call holds the entry: a
-- volatile filter function runs the DDL at its first row, during the page's
-- first seek, so the next seek of the same call (a later range: the sort
-- column is nullable) is re-analysed by the plan cache.  Every case must be
-- refused with 55000 before a row of the other relation (or of the other
-- columns) is used; without the check each returns wrong rows (verified by
-- disabling it).  Then the DDL is rolled back and the retry pages again.
BEGIN;
SELECT no_plan();

CREATE SCHEMA rp;
CREATE TABLE rp.t (id int PRIMARY KEY, v int, a int NOT NULL, b int NOT NULL);
INSERT INTO rp.t SELECT g, CASE WHEN g % 5 = 0 THEN NULL ELSE g / 3 END, g, -g FROM generate_series(1, 30) g;
CREATE VIEW rp.tv AS SELECT * FROM rp.t;

-- runs kp_test.ddl once, at the first row it is called for
CREATE FUNCTION pg_temp.ddl_once(id int) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $f$
BEGIN
  IF current_setting('kp_test.ddl') <> '' THEN
    EXECUTE current_setting('kp_test.ddl');
    PERFORM set_config('kp_test.ddl', '', false);
  END IF;
  RETURN true;
END $f$;

-- q's rows (as text, in order) or its error; the DDL is undone either way
CREATE FUNCTION pg_temp.run_with_ddl(ddl text, q text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE
  r text;
BEGIN
  BEGIN
    PERFORM set_config('kp_test.ddl', ddl, false);
    EXECUTE format('SELECT array_agg(r::text)::text FROM (%s) r', q) INTO r;
    r := coalesce(r, '{}');
    RAISE EXCEPTION 'undo' USING ERRCODE = 'P0099';
  EXCEPTION WHEN SQLSTATE 'P0099' THEN
    NULL;
  WHEN OTHERS THEN
    r := 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
  END;
  PERFORM set_config('kp_test.ddl', '', false);
  RETURN r;
END $f$;

SELECT set_config('kp_test.ddl', '', false);
SELECT set_config('kp_test.cur', (SELECT p.cursor FROM keyset_page(NULL::rp.t, 'v', first => 5,
       filter => 'pg_temp.ddl_once(id)') p OFFSET 4), false);
SELECT set_config('kp_test.vcur', (SELECT p.cursor FROM keyset_page(NULL::rp.tv, 'v', first => 5,
       filter => 'pg_temp.ddl_once(id)') p OFFSET 4), false);

-- the three ways a page is read: the custom scan, the function scan, the Relay document
CREATE FUNCTION pg_temp.ways(rel text, cur text) RETURNS TABLE (way text, q text) LANGUAGE sql AS $f$
  SELECT 'custom scan', format($$SELECT (p.node).*, p.has_next_page FROM keyset_page(NULL::%s, 'v', first => 30, after => %L, filter => 'pg_temp.ddl_once(id)') p$$, rel, cur)
  UNION ALL
  SELECT 'function scan', format($$SELECT (p.node).*, p.has_next_page FROM keyset_page(NULL::%s, 'v', first => 30, after => %L, filter => 'pg_temp.ddl_once(id)') WITH ORDINALITY p$$, rel, cur)
  UNION ALL
  SELECT 'keyset_connection', format($$SELECT keyset_connection(NULL::%s, 'v', first => 30, after => %L, filter => 'pg_temp.ddl_once(id)')$$, rel, cur)
$f$;

-- sanity: without DDL every way pages, and the page needs more than one seek
SELECT is(pg_temp.run_with_ddl('SELECT 1', w.q) LIKE '{%', true, 'no DDL, ' || w.way || ': the page')
FROM pg_temp.ways('rp.t', current_setting('kp_test.cur')) w;
SELECT ok((SELECT count(*) FROM keyset_explain(NULL::rp.t, 'v', first => 30, after => current_setting('kp_test.cur'),
                                         filter => 'pg_temp.ddl_once(id)')
           WHERE keyset_explain LIKE 'seek %') >= 2, 'the page runs more than one seek');

-- A. the table renamed, a table of the same shape created under its name
SELECT alike(pg_temp.run_with_ddl(
  'ALTER TABLE rp.t RENAME TO t_old; CREATE TABLE rp.t (id int PRIMARY KEY, v int, a int NOT NULL, b int NOT NULL);
   INSERT INTO rp.t SELECT g, g, 100 + g, 100 - g FROM generate_series(1, 30) g', w.q),
  'ERROR 55000: relation "t%" changed while its query was cached',
  'table renamed, another of its name and shape: refused (55000), ' || w.way)
FROM pg_temp.ways('rp.t', current_setting('kp_test.cur')) w;

-- B. the schema renamed, a schema of its name with a table of the same shape
SELECT alike(pg_temp.run_with_ddl(
  'ALTER SCHEMA rp RENAME TO rp_old; CREATE SCHEMA rp; CREATE TABLE rp.t (id int PRIMARY KEY, v int, a int NOT NULL, b int NOT NULL);
   INSERT INTO rp.t SELECT g, g, 100 + g, 100 - g FROM generate_series(1, 30) g', w.q),
  'ERROR 55000: relation "t" changed while its query was cached',
  'schema renamed, another table of the name: refused (55000), ' || w.way)
FROM pg_temp.ways('rp.t', current_setting('kp_test.cur')) w;

-- C. two columns of one type swap names: the seek's a would read b
SELECT alike(pg_temp.run_with_ddl(
  'ALTER TABLE rp.t RENAME a TO c; ALTER TABLE rp.t RENAME b TO a; ALTER TABLE rp.t RENAME c TO b', w.q),
  'ERROR 55000: relation "t" changed while its query was cached',
  'columns renamed into each other''s place: refused (55000), ' || w.way)
FROM pg_temp.ways('rp.t', current_setting('kp_test.cur')) w;

-- D. the table renamed, a view of its name over it (same columns, one computed):
-- the old relation is still read, through the view, so a check of the
-- relations the plan depends on would pass it
SELECT alike(pg_temp.run_with_ddl(
  'ALTER TABLE rp.t RENAME TO t_old; CREATE VIEW rp.t AS SELECT id, v, a + 1000 AS a, b FROM rp.t_old', w.q),
  'ERROR 55000: relation "t_old" changed while its query was cached',
  'table renamed, a view of its name over it: refused (55000), ' || w.way)
FROM pg_temp.ways('rp.t', current_setting('kp_test.cur')) w;

-- E. the same for a view: renamed, a view of its name over it
SELECT alike(pg_temp.run_with_ddl(
  'ALTER VIEW rp.tv RENAME TO tv_old; CREATE VIEW rp.tv AS SELECT id, v, a + 1000 AS a, b FROM rp.tv_old', w.q),
  'ERROR 55000: relation "tv_old" changed while its query was cached',
  'view renamed, a view of its name over it: refused (55000), ' || w.way)
FROM pg_temp.ways('rp.tv', current_setting('kp_test.vcur')) w;

-- the DDL rolled back, the retry builds the entry again and pages, every way
SELECT is(pg_temp.run_with_ddl('SELECT 1', w.q) LIKE '{%', true, 'retry after the refusal, ' || w.way)
FROM pg_temp.ways('rp.t', current_setting('kp_test.cur')) w;
SELECT is(pg_temp.run_with_ddl('SELECT 1', w.q) LIKE '{%', true, 'retry after the refusal (view), ' || w.way)
FROM pg_temp.ways('rp.tv', current_setting('kp_test.vcur')) w;

-- F. under a cached generic plan of the custom scan (a PL/pgSQL statement's
-- plan, kept across calls): the same refusal
SET plan_cache_mode = force_generic_plan;
CREATE FUNCTION pg_temp.rp_cached(cur text) RETURNS text LANGUAGE plpgsql AS $f$
BEGIN
  RETURN (SELECT array_agg((p.node).a)::text FROM keyset_page(NULL::rp.t, 'v', first => 30, after => cur,
          filter => 'pg_temp.ddl_once(id)') p);
END $f$;
SELECT is(pg_temp.run_with_ddl('SELECT 1', format('SELECT pg_temp.rp_cached(%L)', current_setting('kp_test.cur'))),
          '{"(\"{7,8,9,11,12,13,14,16,17,18,19,21,22,23,24,26,27,28,29,5,10,15,20,25,30}\")"}',
          'cached generic plan: the page');
SELECT alike(pg_temp.run_with_ddl(
  'ALTER TABLE rp.t RENAME a TO c; ALTER TABLE rp.t RENAME b TO a; ALTER TABLE rp.t RENAME c TO b',
  format('SELECT pg_temp.rp_cached(%L)', current_setting('kp_test.cur'))),
  'ERROR 55000: relation "t" changed while its query was cached',
  'cached generic plan, columns swapped during the call: refused (55000)');
SELECT alike(pg_temp.run_with_ddl(
  'ALTER TABLE rp.t RENAME TO t_old; CREATE TABLE rp.t (id int PRIMARY KEY, v int, a int NOT NULL, b int NOT NULL);
   INSERT INTO rp.t SELECT g, g, 100 + g, 100 - g FROM generate_series(1, 30) g',
  format('SELECT pg_temp.rp_cached(%L)', current_setting('kp_test.cur'))),
  'ERROR 55000: relation "t_old" changed while its query was cached',
  'cached generic plan, table renamed and another created: refused (55000)');
RESET plan_cache_mode;

SELECT * FROM finish();
ROLLBACK;
