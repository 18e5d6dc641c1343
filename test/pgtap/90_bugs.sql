-- Known bugs, one section each, every assertion named "BUG-n: ...".  Each
-- asserts the documented (correct) behaviour, so these fail until the bug
-- is fixed.  Minimal reproducers are in the comments.
BEGIN;
SELECT no_plan();
\ir walk_helpers.psql

-------------------------------------------------------------------------------
-- BUG-1: a materialized view can never be paged.  prove_unique() accepts a
-- unique index only on attnotnull columns, and a materialized view's columns
-- are never attnotnull (ALTER MATERIALIZED VIEW cannot SET NOT NULL), so no
-- unique index ever counts, not even one with NULLS NOT DISTINCT.
--   CREATE TABLE s (id int PRIMARY KEY, g int);
--   CREATE MATERIALIZED VIEW mv AS SELECT id, g FROM s;
--   CREATE UNIQUE INDEX ON mv (id) NULLS NOT DISTINCT;
--   SELECT * FROM keyset_page(NULL::mv, 'g');   -- ERROR: order_by is not unique
--   SELECT * FROM keyset_page(NULL::mv, 'id');  -- ERROR as well
-- The refusal's own hint recommends "a materialized view with a unique index
-- on NOT NULL columns", which PostgreSQL cannot create.
-------------------------------------------------------------------------------
CREATE TABLE s (id int PRIMARY KEY, g int);
INSERT INTO s SELECT i, i % 4 FROM generate_series(1, 40) i;
-- Since issue 9 (finding 6) a materialized view's columns are all nullable:
-- it holds what its last refresh wrote, whatever its base table declares
-- now.  So the unique index that makes its tiebreaker is one created NULLS
-- NOT DISTINCT (at most one NULL), and a plain one is refused with a hint
-- (test/pgtap/92_hardening_sortspec.sql walks both).
CREATE MATERIALIZED VIEW mv AS SELECT id, g FROM s;
CREATE UNIQUE INDEX mv_id ON mv (id) NULLS NOT DISTINCT;
SELECT lives_ok($$SELECT keyset_page(NULL::mv, 'g')$$,
                'BUG-1: a materialized view with a unique index pages (tiebreaker from it)');
SELECT lives_ok($$SELECT keyset_page(NULL::mv, 'id')$$,
                'BUG-1: a materialized view pages by its uniquely indexed column');
SELECT is((SELECT is_unique FROM keyset_check(NULL::mv, 'g')), true,
          'BUG-1: keyset_check finds the materialized view''s unique index');
CREATE MATERIALIZED VIEW mv2 AS SELECT id, g FROM s;
CREATE UNIQUE INDEX mv2_id ON mv2 (id);
SELECT throws_ok($$SELECT keyset_page(NULL::mv2, 'g')$$, '22023', NULL,
                 'BUG-1: ... but not with a plain unique index, which allows many NULLs');

-------------------------------------------------------------------------------
-- BUG-2: a composite-typed sort column whose values have NULL fields.  The
-- NULL-group ranges test "c IS NULL" / "c IS NOT NULL", which for a row
-- value test its fields: ROW(1,NULL) is neither NULL nor NOT NULL and
-- ROW(NULL,NULL) IS NULL, while the sort (and the cursor) treat both as
-- ordinary non-NULL values.  A forward walk never ends; a backward walk
-- skips rows.  (Datum-level tests, e.g. "c IS NOT DISTINCT FROM NULL",
-- would be right.)
--   CREATE TYPE pair AS (x int, y int);
--   CREATE TABLE cp (id int PRIMARY KEY, c pair);
--   INSERT INTO cp VALUES (1, ROW(1,NULL)), (2, ROW(1,NULL)), (3, NULL),
--                         (4, ROW(1,1)), (5, ROW(NULL,NULL));
--   -- ORDER BY c, id: 4, 1, 2, 5, 3
--   -- first => 1 after each cursor: 4, 1, 2, 5, 5, 5, 5, ... (never ends)
--   -- last => 1 before each cursor: 3, 4 (1, 2, 5 skipped)
-------------------------------------------------------------------------------
CREATE TYPE pair AS (x int, y int);
CREATE TABLE cp (id int PRIMARY KEY, c pair);
INSERT INTO cp VALUES (1, ROW(1, NULL)), (2, ROW(1, NULL)), (3, NULL), (4, ROW(1, 1)), (5, ROW(NULL, NULL));
-- fixed by refusing composite sort columns with a clean error
SELECT throws_ok($$SELECT * FROM keyset_page(NULL::cp, 'c')$$, '0A000', NULL,
                 'BUG-2: a composite sort column is refused (forward)');
SELECT throws_ok($$SELECT * FROM keyset_page(NULL::cp, 'c DESC NULLS LAST', last => 2)$$, '0A000', NULL,
                 'BUG-2: a composite sort column is refused (backward)');

-------------------------------------------------------------------------------
-- BUG-3: the uniqueness proof ignores the index's collation (and operator
-- class).  A unique index on (name COLLATE "C") does not make name unique
-- under the column's nondeterministic collation, where 'a' = 'A'; the sort
-- key gets no tiebreaker, and paging skips one of every tie.
--   CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
--   CREATE TABLE nd (id int PRIMARY KEY, name text COLLATE ci NOT NULL);
--   CREATE UNIQUE INDEX ON nd (name COLLATE "C");
--   INSERT INTO nd VALUES (1,'a'), (2,'A'), (3,'b'), (4,'B'), (5,'c');
--   -- keyset_check(NULL::nd, 'name'): is_unique t, unique_by "unique index nd_name_c"
--   -- first => 1 walk: 3 of the 5 rows
-------------------------------------------------------------------------------
CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE nd (id int PRIMARY KEY, name text COLLATE ci NOT NULL);
CREATE UNIQUE INDEX nd_name_c ON nd (name COLLATE "C");
INSERT INTO nd VALUES (1, 'a'), (2, 'A'), (3, 'b'), (4, 'B'), (5, 'c');
SELECT is((SELECT array_agg(i ORDER BY i) FROM unnest(pg_temp.walk_ids(NULL::nd, 'name')) i), ARRAY[1, 2, 3, 4, 5],
          'BUG-3: a walk by a ci-collated column visits all rows despite a unique index under "C"');
SELECT isnt((SELECT unique_by FROM keyset_check(NULL::nd, 'name')), 'unique index nd_name_c',
            'BUG-3: a unique index under another collation is no proof of uniqueness');

-------------------------------------------------------------------------------
-- BUG-4: an inheritance parent's primary key is taken as unique across its
-- children, but keyset_page scans the children too (FROM parent, not ONLY),
-- and their ids may repeat the parent's.  Rows are skipped.
--   CREATE TABLE par (id int PRIMARY KEY, v int);
--   CREATE TABLE ch () INHERITS (par);
--   INSERT INTO par VALUES (1, 1), (2, 2);  INSERT INTO ch VALUES (1, 1), (2, 2);
--   -- SELECT count(*) FROM par: 4; a first => 1 walk visits 2
-------------------------------------------------------------------------------
CREATE TABLE par (id int PRIMARY KEY, v int);
CREATE TABLE ch () INHERITS (par);
INSERT INTO par VALUES (1, 1), (2, 2);
INSERT INTO ch VALUES (1, 1), (2, 2);
-- fixed by refusing: the parent's indexes prove nothing about its children
SELECT throws_ok($$SELECT * FROM keyset_page(NULL::par)$$, '22023', NULL,
                 'BUG-4: an inheritance parent is not taken as unique across its children');
SELECT throws_ok($$SELECT * FROM keyset_page(NULL::par, 'v')$$, '22023', NULL,
                 'BUG-4: ... also with another sort column (no tiebreaker is trusted)');

-------------------------------------------------------------------------------
-- BUG-5: keyset_count_estimate (and so the estimate path) plans the query
-- but never executes it, so no privilege is checked: a role without SELECT
-- learns the table's size and, through a filter, the selectivity of any
-- value -- which rows are common, which exist.
--   CREATE TABLE secret (id int PRIMARY KEY, ssn text);  -- + data, ANALYZE
--   SET ROLE nobody;   -- no privilege on secret
--   SELECT * FROM secret;                                              -- permission denied
--   SELECT keyset_count_estimate(NULL::secret, 'ssn = $1', ARRAY['111-11-1111']);  -- 5000
--   SELECT keyset_count_estimate(NULL::secret, 'ssn = $1', ARRAY['222-22-2222']);  -- 1
-------------------------------------------------------------------------------
CREATE TABLE secret (id int PRIMARY KEY, ssn text);
INSERT INTO secret SELECT g, CASE WHEN g % 2 = 0 THEN '111-11-1111' ELSE md5(g::text) END
FROM generate_series(1, 4000) g;
ANALYZE secret;
CREATE ROLE kp_bug_nobody;
GRANT USAGE ON SCHEMA public TO kp_bug_nobody;
SET ROLE kp_bug_nobody;
SELECT throws_ok($$SELECT keyset_count_estimate(NULL::secret)$$, '42501', NULL,
                 'BUG-5: keyset_count_estimate without SELECT privilege is permission denied');
SELECT throws_ok($$SELECT keyset_count_estimate(NULL::secret, 'ssn = $1', ARRAY['111-11-1111'])$$, '42501', NULL,
                 'BUG-5: ... and so is probing a value''s frequency through a filter');
RESET ROLE;

-------------------------------------------------------------------------------
-- BUG-6 (fixed): keyset_explain(with_analyze) overstated the rows a page
-- reads: EXPLAIN ANALYZE runs a plan to its LIMIT, while the page asks each
-- later range only for the rows still missing and stops at a before-bound.
-- Now each seek is explained with a LIMIT of the rows it really consumed: at
-- the end of a tie group (10 rows left in it) a page of 20 reads the cursor's
-- row + 10, then 11, and the explain shows 22; a window of 5 rows reads 7
-- (the cursor's row, the 5, and the bound's row), and so does the explain.
-------------------------------------------------------------------------------
CREATE TABLE rk (id bigint PRIMARY KEY, score int NOT NULL) WITH (autovacuum_enabled = off);
INSERT INTO rk SELECT g, (g * 7919) % 7 FROM generate_series(1, 3000) g ORDER BY (g * 7919) % 7 DESC, g;
CREATE INDEX rk_score_idx ON rk (score DESC, id ASC);
ANALYZE rk;
SELECT p.cursor AS tie_end FROM keyset_page(NULL::rk, 'score DESC, id', first => 1000) p OFFSET 418 LIMIT 1 \gset
SELECT p.cursor AS w_from FROM keyset_page(NULL::rk, 'score DESC, id', first => 1000) p OFFSET 100 LIMIT 1 \gset
SELECT p.cursor AS w_to FROM keyset_page(NULL::rk, 'score DESC, id', first => 1000) p OFFSET 106 LIMIT 1 \gset
CREATE FUNCTION pg_temp.explained_page_rows(lines text[]) RETURNS int LANGUAGE sql AS $$
  -- the "actual rows" of each page seek's top node (the Limit right after its header)
  SELECT coalesce(sum(substring(lines[i + 1] FROM 'actual rows=(\d+)')::int), 0)::int
  FROM generate_subscripts(lines, 1) i WHERE lines[i] ~ '^seek \d+: page,' $$;
SELECT is((SELECT count(*)::int FROM keyset_page(NULL::rk, 'score DESC, id', first => 20, after => :'tie_end') p
           WHERE (p.node).score = (SELECT max(score) FROM rk)), 10, 'BUG-6 setup: 10 rows left in the tie group');
SELECT is(pg_temp.explained_page_rows(ARRAY(SELECT keyset_explain(NULL::rk, 'score DESC, id', first => 20,
                                                                  after => :'tie_end', with_analyze => true))),
          22, 'BUG-6: keyset_explain(with_analyze) shows the 22 rows a page across a tie boundary reads (the cursor row, 20, + 1)');
SELECT is(pg_temp.explained_page_rows(ARRAY(SELECT keyset_explain(NULL::rk, 'score DESC, id', first => 20,
                                                                  after => :'w_from', before => :'w_to',
                                                                  with_analyze => true))),
          7, 'BUG-6: keyset_explain(with_analyze) shows the 7 rows a 5-row window reads');

-------------------------------------------------------------------------------
-- BUG-7 (performance, fixed): with ties on a column whose values are spread over
-- the heap (the usual case), the equal-prefix range "score = $1 AND id > $2
-- ORDER BY score DESC, id" lets the planner treat score as a constant, drop
-- it from the ordering, and scan the primary key with a Filter on score
-- instead of the matching (score DESC, id) index.  Near the end of a tie
-- group it reads every remaining row of the table.  The prefix is now
-- written "score >= $1 AND score <= $1", which keeps score in the ordering
-- and so the matching index, and seeks always use the generic plan (custom
-- plans chose differently and replanned on every call).
--   ranked_u: 20,000 rows, ids 1..5000 score 100, others (id*7919) % 50,
--   index (score DESC, id); page of 20 after position 4991 (id 4991).
-------------------------------------------------------------------------------
CREATE TABLE ranked_u (id bigint PRIMARY KEY, score int NOT NULL, body text NOT NULL)
    WITH (autovacuum_enabled = off);
INSERT INTO ranked_u SELECT g, CASE WHEN g <= 5000 THEN 100 ELSE (g * 7919) % 50 END, repeat('x', 50)
FROM generate_series(1, 20000) g;
CREATE INDEX ranked_u_score_idx ON ranked_u (score DESC, id ASC);
ANALYZE ranked_u;
SELECT is((SELECT index FROM keyset_check(NULL::ranked_u, 'score DESC, id')), 'ranked_u_score_idx',
          'BUG-7 setup: the matching index exists');
SET keyset_pagination.max_page_size = 5000;
SELECT p.cursor AS u_end FROM keyset_page(NULL::ranked_u, 'score DESC, id', first => 5000) p OFFSET 4990 LIMIT 1 \gset
RESET keyset_pagination.max_page_size;
CREATE FUNCTION pg_temp.fetched(rel regclass) RETURNS bigint LANGUAGE sql AS $$
  SELECT coalesce(idx_tup_fetch, 0) + coalesce(seq_tup_read, 0) FROM pg_stat_xact_user_tables WHERE relid = rel $$;
CREATE FUNCTION pg_temp.page_reads(rel anyelement, ob text, p_first int, p_after text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE before_ bigint;
BEGIN
  FOR i IN 1 .. 6 LOOP   -- past the plan cache's first five (custom) plans
    PERFORM count(*) FROM keyset_page(rel, ob, p_first, p_after);
  END LOOP;
  before_ := pg_temp.fetched(pg_typeof(rel)::text::regclass);
  PERFORM count(*) FROM keyset_page(rel, ob, p_first, p_after);
  RETURN pg_temp.fetched(pg_typeof(rel)::text::regclass) - before_;
END $$;
SELECT cmp_ok(pg_temp.page_reads(NULL::ranked_u, 'score DESC, id', 20, :'u_end'), '<=', 22::bigint,
              'BUG-7: a page across the end of a tie group reads at most n+2 rows with the matching index');
SELECT ok((SELECT string_agg(l, E'\n') FROM keyset_explain(NULL::ranked_u, 'score DESC, id', first => 20,
                                                           after => :'u_end') l) !~ 'Filter: \(score',
          'BUG-7: the equal-score range is an index condition on ranked_u_score_idx, not a Filter');

-------------------------------------------------------------------------------
-- BUG-8: keyset_pagination.default_page_size is not held to max_page_size:
-- with neither first nor last, a page can exceed the limit the DBA set.
--   SET keyset_pagination.default_page_size = 3000;   -- max_page_size 1000
--   SELECT count(*) FROM keyset_page(NULL::big);       -- 3000
-------------------------------------------------------------------------------
CREATE TABLE big (id int PRIMARY KEY);
INSERT INTO big SELECT generate_series(1, 1500);
SET keyset_pagination.default_page_size = 1200;
SELECT cmp_ok((SELECT count(*) FROM keyset_page(NULL::big)), '<=', current_setting('keyset_pagination.max_page_size')::bigint,
              'BUG-8: the default page size never exceeds keyset_pagination.max_page_size');
RESET keyset_pagination.default_page_size;

-------------------------------------------------------------------------------
-- BUG-9 (fixed): the page size was part of the seek plan's cache key (the
-- LIMIT is written into the SQL), so every distinct first/last value
-- prepared and kept another plan for the session's lifetime (1000 sizes of
-- one first-page query: 8 MB), and distinct filter texts kept query entries
-- without bound.  Now the LIMIT is rounded up to a power of two, each query
-- entry keeps at most 48 plans and a backend at most 256 entries, least
-- recently used out first.
-------------------------------------------------------------------------------
CREATE TABLE cache_t (id int PRIMARY KEY, a int NOT NULL);
INSERT INTO cache_t SELECT i, i % 10 FROM generate_series(1, 100) i;
CREATE FUNCTION pg_temp.plans_of(pattern text) RETURNS bigint LANGUAGE sql AS $$
  SELECT count(*) FROM pg_backend_memory_contexts WHERE name = 'CachedPlanSource' AND ident LIKE pattern $$;
DO $$ BEGIN FOR n IN 1 .. 60 LOOP PERFORM count(*) FROM keyset_page(NULL::cache_t, 'a', first => n); END LOOP; END $$;
SELECT is(pg_temp.plans_of('%FROM public.cache_t kp_row%'), 6::bigint,
          'BUG-9: 60 page sizes of the same first page keep 6 plans (LIMIT 2, 4, .. 64)');
SELECT is((SELECT count(*)::int FROM keyset_page(NULL::cache_t, 'a', first => n)), n,
          format('BUG-9: a page of %s rows under a plan with a larger LIMIT has %s rows', n, n))
FROM unnest(ARRAY[3, 5, 17, 33]) n;
SET keyset_pagination.max_page_size = 100000;
DO $$ BEGIN FOR n IN 1 .. 300 LOOP PERFORM count(*) FROM keyset_page(NULL::cache_t, 'a DESC', first => 1, filter => format('id <> %s', n)); END LOOP; END $$;
SELECT cmp_ok((SELECT count(*) FROM pg_backend_memory_contexts WHERE name = 'keyset_pagination query'), '<=', 256::bigint,
              'BUG-9: 300 filter texts keep at most 256 query entries');
CREATE TABLE cache_u (id int PRIMARY KEY, a int NOT NULL);
INSERT INTO cache_u SELECT i, i % 10 FROM generate_series(1, 100) i;
DO $$ DECLARE c text; BEGIN
  -- one entry, many shapes: sizes 1 .. 2^17 forward and backward, first pages and after a cursor
  SELECT p.cursor INTO c FROM keyset_page(NULL::cache_u, 'a, id DESC', first => 50) p OFFSET 49;
  FOR k IN 0 .. 16 LOOP
    PERFORM count(*) FROM keyset_page(NULL::cache_u, 'a, id DESC', first => 1 << k);
    PERFORM count(*) FROM keyset_page(NULL::cache_u, 'a, id DESC', first => 1 << k, after => c);
    PERFORM count(*) FROM keyset_page(NULL::cache_u, 'a, id DESC', last => 1 << k, before => c);
    PERFORM count(*) FROM keyset_page(NULL::cache_u, 'a, id DESC', last => 1 << k);
  END LOOP;
END $$;
SELECT cmp_ok(pg_temp.plans_of('%FROM public.cache_u kp_row%'), '<=', 48::bigint,
              'BUG-9: one query entry keeps at most 48 plans');
SELECT is((SELECT count(*)::int FROM keyset_page(NULL::cache_u, 'a, id DESC', last => 40)), 40,
          'BUG-9: pages still work after plans were evicted');
RESET keyset_pagination.max_page_size;

-------------------------------------------------------------------------------
-- Nested calls: a filter may call a function that pages again, on the same
-- query entry, while the outer call is between the rows of its seek.  The
-- inner call runs ANALYZE (a relcache invalidation of the table, so the
-- shared entry goes stale and is rebuilt) and pages through 300 other
-- filters (past the 256-entry bound).  Nothing the outer call holds may be
-- freed under it: the outer page must still be right.
-------------------------------------------------------------------------------
CREATE TABLE nest_t (id int PRIMARY KEY, a int NOT NULL);
INSERT INTO nest_t SELECT i, i % 7 FROM generate_series(1, 60) i;
CREATE FUNCTION pg_temp.nested_pages(v int) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  IF v % 10 = 0 THEN
    ANALYZE nest_t;
    PERFORM count(*) FROM keyset_page(NULL::nest_t, 'a, id', first => 3, filter => 'pg_temp.nested_pages(id) OR true');
    FOR k IN 1 .. 50 LOOP
      PERFORM count(*) FROM keyset_page(NULL::nest_t, 'id DESC', first => 2, filter => format('id <> %s', v * 100 + k));
    END LOOP;
  END IF;
  RETURN true;
END $$;
SELECT results_eq(
  $$SELECT (p.node).id FROM keyset_page(NULL::nest_t, 'a, id', first => 40, filter => 'pg_temp.nested_pages(id) OR true') p$$,
  $$SELECT id FROM nest_t ORDER BY a, id LIMIT 40$$,
  'nested calls that invalidate and overflow the cache leave the outer page intact');
SELECT is((SELECT count(*)::int FROM keyset_page(NULL::nest_t, 'a, id', first => 60, filter => 'id > $1', args => ARRAY['0'])), 60,
          'and the next call, at top level, still pages normally');
SELECT cmp_ok((SELECT count(*) FROM pg_backend_memory_contexts WHERE name = 'keyset_pagination query'), '<=', 256::bigint,
              'after the nested calls end, the cache is back within its 256 entries');

SELECT * FROM finish();
ROLLBACK;
