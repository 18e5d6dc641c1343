-- Issue 15: keyset_page's planner path (src/scan.c).  A FROM item that is
-- keyset_page alone, with arguments that are constants or $n, is planned as
-- a custom scan (KeysetPage) that reads (p.node).col as columns instead of
-- a function scan that forms the composite, stores it and takes it apart.
-- Every shape below runs both ways, the function scan forced by WITH
-- ORDINALITY (which the custom scan never serves), and the results must be
-- equal: rows, order, cursors, flags, errors.  A cursor carries its minting
-- second, so a pair that straddles a second is run again.
BEGIN;
SELECT no_plan();

CREATE TABLE cs (id int PRIMARY KEY, a int, gone int, b text, c timestamptz NOT NULL, d numeric);
ALTER TABLE cs DROP COLUMN gone;
INSERT INTO cs
SELECT g, CASE WHEN g % 7 = 0 THEN NULL ELSE g % 5 END, CASE WHEN g % 4 = 0 THEN NULL ELSE 'b' || (g % 9) END,
       '2026-01-01'::timestamptz + g * interval '1 hour', g / 3.0
FROM generate_series(1, 60) g;
CREATE INDEX ON cs (a, id);
CREATE INDEX ON cs (c DESC, id DESC);
CREATE TABLE cs_tag (id int PRIMARY KEY, tag text);
INSERT INTO cs_tag SELECT g, 'tag' || g FROM generate_series(1, 60, 2) g;
CREATE VIEW cs_view AS SELECT id, a, c FROM cs WHERE id > 5;
CREATE MATERIALIZED VIEW cs_mv AS SELECT id, c, id % 3 AS m FROM cs;
CREATE UNIQUE INDEX ON cs_mv (id);
CREATE VIEW cs_join AS SELECT cs.id, cs.a, t.tag FROM cs JOIN cs_tag t ON t.id = cs.id;
ANALYZE cs, cs_tag, cs_mv;

-- which scan serves keyset_page in q ({p} is where the FROM item's alias goes)
CREATE FUNCTION pg_temp.path_of(q text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE
  line text;
  found text := 'neither';
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || replace(q, '{p}', 'p') LOOP
    IF line LIKE '%Custom Scan (KeysetPage)%' THEN
      RETURN 'custom';
    ELSIF line LIKE '%Function Scan on keyset_page%' THEN
      found := 'function';
    END IF;
  END LOOP;
  RETURN found;
END $f$;

-- q's rows (as text, in order) or its error, one way
CREATE FUNCTION pg_temp.run_one(q text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE
  r text;
BEGIN
  EXECUTE format('SELECT array_agg(r::text)::text FROM (%s) r', q) INTO r;
  RETURN coalesce(r, '{}');
EXCEPTION WHEN OTHERS THEN
  RETURN 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
END $f$;

-- q through the custom scan and through the function scan
CREATE FUNCTION pg_temp.both_ways(q text, OUT custom text, OUT func text) LANGUAGE plpgsql AS $f$
BEGIN
  FOR i IN 1 .. 3 LOOP
    custom := pg_temp.run_one(replace(q, '{p}', 'p'));
    func := pg_temp.run_one(replace(q, '{p}', 'WITH ORDINALITY p'));
    EXIT WHEN custom = func;
  END LOOP;
END $f$;

-- the session's first statement with keyset_page: planning it calls the
-- support function, which loads the library and its planner hook
SELECT is(pg_temp.path_of($$SELECT (p.node).* FROM keyset_page(NULL::cs, first => 1) {p}$$), 'custom',
          'a session''s first keyset_page statement is planned as the custom scan');

SELECT set_config('kp_test.c1', (SELECT p.cursor FROM keyset_page(NULL::cs, 'a, id', first => 10) p OFFSET 9), false);
SELECT set_config('kp_test.c2', (SELECT p.cursor FROM keyset_page(NULL::cs, 'c DESC', first => 10) p OFFSET 9), false);
SELECT set_config('kp_test.c3', (SELECT p.cursor FROM keyset_page(NULL::cs, 'a DESC, b, id', first => 20) p OFFSET 19), false);

CREATE TEMP TABLE shapes (n int, want text, label text, q text);
INSERT INTO shapes VALUES
  (1, 'custom', '(p.node).*, forward from the start',
   $$SELECT (p.node).*, p.cursor, p.has_previous_page, p.has_next_page FROM keyset_page(NULL::cs, 'a, id', first => 10) {p}$$),
  (2, 'custom', 'forward after a cursor (NULLs in the sort key)',
   format($$SELECT (p.node).*, p.cursor, p.has_next_page FROM keyset_page(NULL::cs, 'a, id', first => 15, after => %L) {p}$$, current_setting('kp_test.c1'))),
  (3, 'custom', 'backward before a cursor',
   format($$SELECT (p.node).*, p.cursor, p.has_previous_page FROM keyset_page(NULL::cs, 'c DESC', last => 4, before => %L) {p}$$, current_setting('kp_test.c2'))),
  (4, 'custom', 'mixed directions with NULLs, after a cursor',
   format($$SELECT (p.node).id, (p.node).a, (p.node).b, p.cursor FROM keyset_page(NULL::cs, 'a DESC, b, id', first => 25, after => %L) {p}$$, current_setting('kp_test.c3'))),
  (5, 'custom', 'first and last together',
   $$SELECT (p.node).id, p.has_previous_page, p.has_next_page FROM keyset_page(NULL::cs, 'c DESC', first => 10, last => 3) {p}$$),
  (6, 'custom', 'a filter with args',
   $$SELECT (p.node).*, p.cursor FROM keyset_page(NULL::cs, 'a, id', first => 8, filter => 'b <> $1 AND d > $2', args => ARRAY['b1', '3']) {p}$$),
  (7, 'custom', 'one column',
   $$SELECT (p.node).b FROM keyset_page(NULL::cs, 'c DESC', first => 6) {p}$$),
  (8, 'custom', 'the node as a whole',
   $$SELECT p.node FROM keyset_page(NULL::cs, 'c DESC', first => 6) {p}$$),
  (9, 'custom', 'the node and one of its columns',
   $$SELECT p.node, (p.node).d FROM keyset_page(NULL::cs, 'c DESC', first => 6) {p}$$),
  (10, 'custom', 'only the cursor',
   $$SELECT p.cursor FROM keyset_page(NULL::cs, 'a, id', first => 5) {p}$$),
  (11, 'custom', 'only the flags',
   $$SELECT p.has_previous_page, p.has_next_page FROM keyset_page(NULL::cs, 'a, id', first => 5) {p}$$),
  (12, 'custom', 'a qual on (p.node).col',
   $$SELECT (p.node).id, p.cursor FROM keyset_page(NULL::cs, 'a, id', first => 30) {p} WHERE (p.node).b LIKE 'b%' AND (p.node).id % 2 = 0$$),
  (13, 'custom', 'a qual on p.cursor',
   format($$SELECT (p.node).id FROM keyset_page(NULL::cs, 'a, id', first => 12) {p} WHERE p.cursor = %L$$, current_setting('kp_test.c1'))),
  (14, 'custom', 'count(*)',
   $$SELECT count(*) FROM keyset_page(NULL::cs, 'a, id', first => 17) {p}$$),
  (15, 'custom', 'an expression over columns, ORDER BY',
   $$SELECT (p.node).id * 2 AS x, upper((p.node).b) FROM keyset_page(NULL::cs, 'c DESC', first => 9) {p} ORDER BY (p.node).b NULLS FIRST, 1$$),
  (16, 'custom', 'a join: the page as the inner of a nested loop',
   $$SELECT t.tag, (p.node).id FROM cs_tag t JOIN keyset_page(NULL::cs, 'a, id', first => 20) {p} ON (p.node).id = t.id ORDER BY 1, 2$$),
  (17, 'custom', 'a cross join: rescanned for every outer row',
   $$SELECT g, (p.node).id, p.cursor FROM generate_series(1, 3) g, keyset_page(NULL::cs, 'a, id', first => 3) {p} ORDER BY g$$),
  (18, 'custom', 'a view as the row type',
   $$SELECT (p.node).*, p.cursor FROM keyset_page(NULL::cs_view, 'id', first => 7) {p}$$),
  (19, 'custom', 'a materialized view as the row type',
   $$SELECT (p.node).*, p.cursor FROM keyset_page(NULL::cs_mv, 'id DESC', first => 7) {p}$$),
  (20, 'custom', 'a join view as the row type',
   $$SELECT (p.node).*, p.has_next_page FROM keyset_page(NULL::cs_join, 'id', first => 7) {p}$$),
  (21, 'custom', 'named arguments in another order, defaults',
   $$SELECT (p.node).id FROM keyset_page(NULL::cs, first => 4, order_by => 'c DESC') {p}$$),
  (22, 'custom', 'an argument computed by stable functions',
   $$SELECT (p.node).id FROM keyset_page(NULL::cs, lower('C DESC'), first => length('abcd')) {p}$$),
  (23, 'custom', 'an empty page',
   $$SELECT (p.node).*, p.cursor FROM keyset_page(NULL::cs, 'a, id', first => 0) {p}$$),
  (24, 'custom', 'inside a subquery',
   $$SELECT max(x) FROM (SELECT (p.node).id AS x FROM keyset_page(NULL::cs, 'a, id', first => 9) {p}) s$$),
  (25, 'custom', 'error: bad cursor',
   $$SELECT (p.node).* FROM keyset_page(NULL::cs, 'a, id', first => 2, after => 'garbage') {p}$$),
  (26, 'custom', 'error: bad order_by',
   $$SELECT (p.node).* FROM keyset_page(NULL::cs, 'nope', first => 2) {p}$$),
  (27, 'custom', 'error: negative first',
   $$SELECT (p.node).* FROM keyset_page(NULL::cs, 'a, id', first => -1) {p}$$),
  (28, 'custom', 'error: a cursor of another sort key',
   format($$SELECT (p.node).* FROM keyset_page(NULL::cs, 'c DESC', first => 2, after => %L) {p}$$, current_setting('kp_test.c1'))),
  (29, 'custom', 'error: a filter naming no column',
   $$SELECT (p.node).* FROM keyset_page(NULL::cs, 'a, id', first => 2, filter => 'nope > 1') {p}$$),
  (30, 'function', 'error: not a composite row type (the function scan raises it)',
   $$SELECT p.node FROM keyset_page(NULL::int, 'a', first => 2) {p}$$),
  (31, 'function', 'LATERAL arguments keep the function scan',
   $$SELECT g, (p.node).id FROM generate_series(1, 2) g, keyset_page(NULL::cs, 'a, id', first => g) {p} ORDER BY 1, 2$$),
  (32, 'function', 'a sub-select argument keeps the function scan',
   $$SELECT (p.node).id FROM keyset_page(NULL::cs, 'a, id', first => (SELECT 3)) {p}$$),
  (33, 'function', 'a volatile argument keeps the function scan',
   $$SELECT (p.node).id FROM keyset_page(NULL::cs, 'a, id', first => 2 + (random() * 0)::int) {p}$$),
  (34, 'function', 'a whole-row reference to the FROM item keeps the function scan',
   $$SELECT p.node, p.cursor FROM keyset_page(NULL::cs, 'a, id', first => 3) {p} WHERE p IS NOT NULL$$);

SELECT is(pg_temp.path_of(q), want, format('%s: %s scan', label, want)) FROM shapes ORDER BY n;
SELECT is(b.custom, b.func, label || ': the same result both ways')
FROM shapes, pg_temp.both_ways(q) b ORDER BY n;
-- the error cases fail, with the function's error
SELECT ok(b.custom LIKE 'ERROR %', label || ': fails') FROM shapes, pg_temp.both_ways(q) b
WHERE label LIKE 'error:%' ORDER BY n;
-- a plain ROWS FROM with keyset_page alone is served; with another function it is not
SELECT is(pg_temp.path_of($$SELECT (p.node).id FROM ROWS FROM (keyset_page(NULL::cs, first => 2)) {p}$$), 'custom',
          'ROWS FROM (keyset_page(...)) alone: custom scan');

-- run as the statement itself (both_ways nests it under an aggregate): the
-- scan tuple is exactly the target list (kp_exact_tlist), in its order,
-- with repeated and resjunk sort columns; the same rows as the function scan
SELECT results_eq(
  $$SELECT p.has_next_page, (p.node).b, (p.node).id, (p.node).id AS again, p.has_previous_page FROM keyset_page(NULL::cs, 'a, id', first => 10) p$$,
  $$SELECT p.has_next_page, (p.node).b, (p.node).id, (p.node).id AS again, p.has_previous_page FROM keyset_page(NULL::cs, 'a, id', first => 10) WITH ORDINALITY p$$,
  'the statement itself: columns in another order, one twice');
SELECT results_eq(
  format($$SELECT (p.node).id, (p.node).d FROM keyset_page(NULL::cs, 'a, id', first => 12, after => %L) p ORDER BY (p.node).b DESC NULLS LAST, p.has_next_page, (p.node).id$$, current_setting('kp_test.c1')),
  format($$SELECT (p.node).id, (p.node).d FROM keyset_page(NULL::cs, 'a, id', first => 12, after => %L) WITH ORDINALITY p ORDER BY (p.node).b DESC NULLS LAST, p.has_next_page, (p.node).id$$, current_setting('kp_test.c1')),
  'the statement itself: sorted by columns it does not return');
SELECT results_eq(
  $$SELECT p.node, (p.node).c, (p.node).a FROM keyset_page(NULL::cs, 'c DESC', first => 10) p LIMIT 3 OFFSET 2$$,
  $$SELECT p.node, (p.node).c, (p.node).a FROM keyset_page(NULL::cs, 'c DESC', first => 10) WITH ORDINALITY p LIMIT 3 OFFSET 2$$,
  'the statement itself: the node and its columns, LIMIT and OFFSET');
SELECT results_eq(
  $$SELECT (p.node).* FROM keyset_page(NULL::cs_view, 'id', first => 7) p$$,
  $$SELECT (p.node).* FROM keyset_page(NULL::cs_view, 'id', first => 7) WITH ORDINALITY p$$,
  'the statement itself: a view''s row type');
-- a PL/pgSQL variable as an argument (a parameter list with hooks: an ExprState)
CREATE FUNCTION pg_temp.page_ids(n int) RETURNS SETOF int LANGUAGE plpgsql AS $f$
BEGIN
  RETURN QUERY SELECT (p.node).id FROM keyset_page(NULL::cs, 'a, id', first => n) p;
END $f$;
SELECT results_eq('SELECT * FROM pg_temp.page_ids(6)',
                  $$SELECT (p.node).id FROM keyset_page(NULL::cs, 'a, id', first => 6) WITH ORDINALITY p$$,
                  'a PL/pgSQL variable as an argument');

-- a scroll cursor walks the page backward (the scan reads its rows backward)
DECLARE cs_scroll SCROLL CURSOR FOR SELECT (p.node).id FROM keyset_page(NULL::cs, 'a, id', first => 4) p;
MOVE FORWARD ALL IN cs_scroll;
SELECT results_eq('FETCH BACKWARD ALL FROM cs_scroll',
                  $$SELECT (p.node).id FROM keyset_page(NULL::cs, 'a, id', first => 4) WITH ORDINALITY p ORDER BY p.ordinality DESC$$,
                  'a scroll cursor walks the page backward');
CLOSE cs_scroll;
-- so does a cursor declared without SCROLL, as the function scan lets it
-- (a plan that can scan backward makes the cursor scrollable)
DECLARE cs_fwd CURSOR FOR SELECT (p.node).id FROM keyset_page(NULL::cs, 'a, id', first => 5) p;
DECLARE cs_fwd_f CURSOR FOR SELECT (p.node).id FROM keyset_page(NULL::cs, 'a, id', first => 5) WITH ORDINALITY p;
MOVE FORWARD 3 IN cs_fwd;
MOVE FORWARD 3 IN cs_fwd_f;
SELECT results_eq('FETCH BACKWARD 2 FROM cs_fwd', 'VALUES (10), (5)',
                  'a cursor without SCROLL fetches backward');
SELECT results_eq('FETCH BACKWARD 2 FROM cs_fwd_f', 'VALUES (10), (5)', 'as through the function scan');
MOVE FORWARD ALL IN cs_fwd;
MOVE FORWARD ALL IN cs_fwd_f;
SELECT results_eq('FETCH BACKWARD 3 FROM cs_fwd', 'FETCH BACKWARD 3 FROM cs_fwd_f',
                  'a cursor without SCROLL: backward from the end as the function scan');
SELECT results_eq('FETCH ALL FROM cs_fwd', 'FETCH ALL FROM cs_fwd_f',
                  'and forward again from there');
SELECT results_eq('FETCH ABSOLUTE 1 FROM cs_fwd', 'VALUES (5)', 'and back to the first row');
CLOSE cs_fwd;
CLOSE cs_fwd_f;

-- nested loop rescans without a Material in between
SET LOCAL enable_material = off;
SET LOCAL enable_hashjoin = off;
SET LOCAL enable_mergejoin = off;
SELECT is(b.custom, b.func, 'rescans without a Material: the same result both ways')
FROM pg_temp.both_ways($$SELECT t.id, (p.node).id FROM cs_tag t, keyset_page(NULL::cs, 'a, id', first => 3) {p} WHERE t.id < 8 ORDER BY 1, 2$$) b;
RESET enable_material;
RESET enable_hashjoin;
RESET enable_mergejoin;

-- a prepared statement with $n, executed past the five custom plans into
-- the generic one, against the function scan's results
PREPARE cs_page(text, int) AS
  SELECT (p.node).*, p.cursor, p.has_next_page FROM keyset_page(NULL::cs, 'a, id', first => $2, after => $1) p;
PREPARE cs_page_f(text, int) AS
  SELECT (p.node).*, p.cursor, p.has_next_page FROM keyset_page(NULL::cs, 'a, id', first => $2, after => $1) WITH ORDINALITY p;
CREATE FUNCTION pg_temp.walk(stmt text, size int) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE
  cur text := NULL;
  rec record;
  ids int[] := '{}';
  more boolean := true;
  k int := 0;
BEGIN
  WHILE more AND k < 20 LOOP
    more := false;
    k := k + 1;
    FOR rec IN EXECUTE format('EXECUTE %I(%L, %s)', stmt, cur, size) LOOP
      ids := ids || rec.id;
      cur := rec.cursor;
      more := rec.has_next_page;
    END LOOP;
  END LOOP;
  RETURN k || ' pages: ' || ids::text;
END $f$;
SELECT is(pg_temp.walk('cs_page', 7), pg_temp.walk('cs_page_f', 7),
          'a prepared statement with $n walks all pages (generic plan) as the function scan does');
SELECT is(pg_temp.path_of('EXECUTE cs_page(NULL, 7)'), 'custom', 'and its plan after those executions is the custom scan');
SET LOCAL plan_cache_mode = force_generic_plan;
SELECT is(pg_temp.path_of('EXECUTE cs_page(NULL, 7)'), 'custom', 'the generic plan is the custom scan');
SELECT is(pg_temp.walk('cs_page', 9), pg_temp.walk('cs_page_f', 9), 'and walks all pages as the function scan does');
RESET plan_cache_mode;

-- the row type changes under a cached plan: a column added, one dropped,
-- one retyped; both ways give the same rows or the same error
-- (EXECUTE cannot be run_one's subquery: its rows, or its error, one by one)
CREATE FUNCTION pg_temp.run_exec(q text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE
  rec record;
  r text[] := '{}';
BEGIN
  FOR rec IN EXECUTE q LOOP
    r := r || rec::text;
  END LOOP;
  RETURN r::text;
EXCEPTION WHEN OTHERS THEN
  RETURN 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
END $f$;
CREATE FUNCTION pg_temp.exec_both(OUT custom text, OUT func text) LANGUAGE plpgsql AS $f$
BEGIN
  FOR i IN 1 .. 3 LOOP
    custom := pg_temp.run_exec('EXECUTE cs_ddl(NULL)');
    func := pg_temp.run_exec('EXECUTE cs_ddl_f(NULL)');
    EXIT WHEN custom = func;
  END LOOP;
END $f$;
PREPARE cs_ddl(text) AS SELECT (p.node).*, p.cursor FROM keyset_page(NULL::cs, 'a, id', first => 3, after => $1) p;
PREPARE cs_ddl_f(text) AS SELECT (p.node).*, p.cursor FROM keyset_page(NULL::cs, 'a, id', first => 3, after => $1) WITH ORDINALITY p;
SELECT is(custom, func, 'before DDL: the same rows') FROM pg_temp.exec_both(), generate_series(1, 7);
SELECT ok(custom NOT LIKE 'ERROR%' AND custom <> '{}', 'and they are rows') FROM pg_temp.exec_both();
ALTER TABLE cs ADD COLUMN e int DEFAULT 5;
SELECT is(custom, func, 'a column added after the plan was cached: the same rows') FROM pg_temp.exec_both();
ALTER TABLE cs DROP COLUMN d;
SELECT is(custom, func, 'a column dropped after the plan was cached: the same rows') FROM pg_temp.exec_both();
ALTER TABLE cs ALTER COLUMN b TYPE varchar(20);
SELECT is(custom, func, 'a column retyped after the plan was cached: the same rows or error') FROM pg_temp.exec_both();

-- no SELECT on the table: the same permission error
CREATE ROLE kp_cs_nobody;
GRANT USAGE ON SCHEMA public TO kp_cs_nobody;
SET LOCAL ROLE kp_cs_nobody;
CREATE TEMP TABLE got AS
SELECT * FROM pg_temp.both_ways($$SELECT (p.node).id FROM keyset_page(NULL::cs, 'a, id', first => 2) {p}$$);
SELECT is(custom, func, 'SET ROLE without SELECT: the same error both ways') FROM got;
SELECT ok(custom LIKE 'ERROR 42501:%', 'and it is permission denied') FROM got;
RESET ROLE;
-- no EXECUTE on keyset_page: the custom scan checks it as the function scan does
REVOKE EXECUTE ON FUNCTION keyset_page(anyelement, text, integer, text, integer, text, text, text[]) FROM PUBLIC;
GRANT SELECT ON cs TO kp_cs_nobody;
SET LOCAL ROLE kp_cs_nobody;
TRUNCATE got;
INSERT INTO got
SELECT * FROM pg_temp.both_ways($$SELECT (p.node).id FROM keyset_page(NULL::cs, 'a, id', first => 2) {p}$$);
SELECT is(custom, func, 'no EXECUTE on keyset_page: the same error both ways') FROM got;
SELECT is(custom, 'ERROR 42501: permission denied for function keyset_page', 'and it is permission denied for the function') FROM got;
RESET ROLE;
GRANT EXECUTE ON FUNCTION keyset_page(anyelement, text, integer, text, integer, text, text, text[]) TO PUBLIC;

-- keyset_page with a SET option (or SECURITY DEFINER) is called through
-- fmgr_security_definer: the hook does not recognize it, the function scan
-- serves, and the cached plans are replanned when the function changes
PREPARE cs_opt AS SELECT (p.node).id FROM keyset_page(NULL::cs, 'a, id', first => 2) p;
EXECUTE cs_opt;
ALTER FUNCTION keyset_page(anyelement, text, integer, text, integer, text, text, text[]) SET work_mem = '4MB';
SELECT is(pg_temp.path_of($$SELECT (p.node).id FROM keyset_page(NULL::cs, 'a, id', first => 2) {p}$$), 'function',
          'keyset_page with a SET option: function scan');
SELECT is(pg_temp.path_of('EXECUTE cs_opt'), 'function', 'and a statement prepared before is replanned so');
ALTER FUNCTION keyset_page(anyelement, text, integer, text, integer, text, text, text[]) RESET ALL;
SELECT is(pg_temp.path_of('EXECUTE cs_opt'), 'custom', 'without the option: the custom scan again');
-- made STRICT by its owner, keyset_page returns no rows for its NULL row
-- type argument: the function scan serves, with the function's result
ALTER FUNCTION keyset_page(anyelement, text, integer, text, integer, text, text, text[]) STRICT;
SELECT is(pg_temp.path_of('EXECUTE cs_opt'), 'function', 'keyset_page made STRICT: function scan');
SELECT is(b.custom, b.func, 'keyset_page made STRICT: the same result both ways')
FROM pg_temp.both_ways($$SELECT (p.node).id FROM keyset_page(NULL::cs, 'a, id', first => 2) {p}$$) b;
ALTER FUNCTION keyset_page(anyelement, text, integer, text, integer, text, text, text[]) CALLED ON NULL INPUT;
SELECT is(pg_temp.path_of('EXECUTE cs_opt'), 'custom', 'called on NULL input again: the custom scan again');

-- DDL run by the filter while the page runs (40_ddl section 10): refused the same way
CREATE TABLE cfx (id int PRIMARY KEY, v int NOT NULL, x int);
INSERT INTO cfx SELECT g, g / 4, 7 FROM generate_series(1, 40) g;
CREATE FUNCTION pg_temp.cfx_alter() RETURNS void LANGUAGE plpgsql VOLATILE AS $f$
BEGIN
  EXECUTE current_setting('kp_test.cfx_ddl');
END $f$;
CREATE FUNCTION pg_temp.cfx_on_call(n int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $f$
DECLARE k int := current_setting('kp_test.cfx_calls')::int + 1;
BEGIN
  PERFORM set_config('kp_test.cfx_calls', k::text, false);
  IF k = n THEN
    PERFORM pg_temp.cfx_alter();
  END IF;
  RETURN 0;
END $f$;
SELECT set_config('kp_test.cfx_calls', '-1000', false), set_config('kp_test.cfx_ddl', 'SELECT 1', false);
SELECT set_config('kp_test.cfx_cur', (SELECT p.cursor FROM keyset_page(NULL::cfx, 'v DESC, id', first => 8,
       filter => 'id > pg_temp.cfx_on_call(2) - 1') p OFFSET 7), false);
SELECT set_config('kp_test.cfx_calls', '0', false),
       set_config('kp_test.cfx_ddl', 'ALTER TABLE cfx ALTER COLUMN x TYPE text USING x::text', false);
SELECT is(pg_temp.path_of(format($$SELECT (p.node).* FROM keyset_page(NULL::cfx, 'v DESC, id', first => 10, after => %L, filter => 'id > pg_temp.cfx_on_call(2) - 1') {p}$$,
                                 current_setting('kp_test.cfx_cur'))), 'custom', 'filter DDL case: custom scan');
SELECT alike(pg_temp.run_one(format($$SELECT (p.node).* FROM keyset_page(NULL::cfx, 'v DESC, id', first => 10, after => %L, filter => 'id > pg_temp.cfx_on_call(2) - 1') p$$,
                                   current_setting('kp_test.cfx_cur'))), 'ERROR 55006:%',
            'DDL by the filter between two ranges of the page is refused (55006), as by the function scan');
SELECT set_config('kp_test.cfx_ddl', 'SELECT 1', false);
SELECT is(pg_temp.run_one($$SELECT (p.node).x FROM keyset_page(NULL::cfx, 'id', first => 1) p$$), '{(7)}',
          'and the table is unchanged');

-- The table dropped and created again under a cached generic plan: the plan
-- still names the old row type; the custom scan refuses it cleanly (42704),
-- where the function scan fails inside PostgreSQL (XX000 "cache lookup failed")
CREATE TABLE cdr (id int PRIMARY KEY, v int);
INSERT INTO cdr SELECT g, g FROM generate_series(1, 5) g;
SET plan_cache_mode = force_generic_plan;
PREPARE cdr_page AS SELECT (p.node).id FROM keyset_page(NULL::cdr, 'id', first => 2) p;
SELECT results_eq('EXECUTE cdr_page', ARRAY[1, 2], 'cached generic plan: the page');
DROP TABLE cdr;
CREATE TABLE cdr (id int PRIMARY KEY, v int);
SELECT throws_ok('EXECUTE cdr_page', '42704', NULL,
                 'table dropped and created again under the cached plan: a clean error (42704)');
DEALLOCATE cdr_page;
RESET plan_cache_mode;

SELECT * FROM finish();
ROLLBACK;
