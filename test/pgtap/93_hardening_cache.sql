-- Issue 9, query cache, privileges and cursor length: each section is the
-- regression test of one finding and fails (or crashed the server) on
-- commit 42c7f8d.  DDL done by another session is in
-- test/sh/cache_invalidation_matrix.sh; memory over 100,000 pages in
-- test/sh/long_run_memory.sh.
BEGIN;
SELECT no_plan();
\ir walk_helpers.psql

-- the ids of one page
CREATE FUNCTION pg_temp.ids(rel anyelement, ob text DEFAULT NULL, flt text DEFAULT NULL, args text[] DEFAULT NULL)
RETURNS int[] LANGUAGE sql AS $$
  SELECT (pg_temp.kp_get(rel, ob, 100, NULL, NULL, NULL, flt, args)).ids
$$;

-- the SQLSTATE and CONTEXT of a statement's error, or 'ok'
CREATE FUNCTION pg_temp.err_of(sql text, OUT state text, OUT ctx text)
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE sql;
  state := 'ok';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, ctx = PG_EXCEPTION_CONTEXT;
END $$;

-- SET LOCAL where the setting exists (so the old code runs these tests too)
CREATE FUNCTION pg_temp.try_set(name text, value text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config(name, value, true);
EXCEPTION WHEN OTHERS THEN NULL;
END $$;

-- memory the backend holds in all its contexts
CREATE FUNCTION pg_temp.backend_bytes() RETURNS bigint
LANGUAGE sql AS $$ SELECT sum(total_bytes)::bigint FROM pg_backend_memory_contexts $$;

-- query entries in this backend's cache: each has a context of this name
-- under the cache's context (PostgreSQL 18 has no "parent" column here)
CREATE FUNCTION pg_temp.entries() RETURNS bigint
LANGUAGE sql AS $$
  SELECT count(*) FROM pg_backend_memory_contexts
  WHERE name = 'keyset_pagination query'
$$;

-------------------------------------------------------------------------------
-- Finding 2: a cached query must not follow its relation's old name.  The
-- entry is keyed by relation OID and the seek SQL names the table; after
-- the schemas swap names, the old code re-parsed the name to the other
-- table: its rows (same types) or a crash in datumCopy (other key type).
-------------------------------------------------------------------------------
CREATE SCHEMA h2_a;
CREATE SCHEMA h2_b;
CREATE TABLE h2_a.t (id int PRIMARY KEY, v bigint NOT NULL);
CREATE TABLE h2_b.t (id int PRIMARY KEY, v bigint NOT NULL);
INSERT INTO h2_a.t SELECT i, i FROM generate_series(1, 3) i;
INSERT INTO h2_b.t SELECT i, i FROM generate_series(101, 103) i;
SELECT is(pg_temp.ids(NULL::h2_a.t), '{1,2,3}', 'schema swap: h2_a.t paged (cached)');
SELECT is((SELECT keyset_count_estimate(NULL::h2_a.t) >= 0), true, 'schema swap: h2_a.t estimated (cached)');
ALTER SCHEMA h2_a RENAME TO h2_old;
ALTER SCHEMA h2_b RENAME TO h2_a;
SELECT is(pg_temp.ids(NULL::h2_old.t), '{1,2,3}',
          'schema swap: the renamed table pages its own rows, not those of the table that took its name');
SELECT is(pg_temp.ids(NULL::h2_a.t), '{101,102,103}', 'schema swap: the other table pages its rows');
SELECT is((SELECT array_agg((p.node).id ORDER BY (p.node).id)
             FROM keyset_offset_page(NULL::h2_old.t, NULL, 1, 10) p), '{1,2,3}',
          'schema swap: keyset_offset_page reads the renamed table');

-- other key type: the old code crashed (datumCopy of a bigint as a pointer)
CREATE SCHEMA h2_c;
CREATE SCHEMA h2_d;
CREATE TABLE h2_c.t (id int PRIMARY KEY, v text NOT NULL);
CREATE TABLE h2_d.t (id int PRIMARY KEY, v bigint NOT NULL);
INSERT INTO h2_c.t SELECT i, 'text ' || i FROM generate_series(1, 3) i;
INSERT INTO h2_d.t SELECT i, i * 1000003 FROM generate_series(101, 103) i;
SELECT is(pg_temp.ids(NULL::h2_c.t, 'v'), '{1,2,3}', 'schema swap, other key type: h2_c.t paged by v (cached)');
ALTER SCHEMA h2_c RENAME TO h2_c_old;
ALTER SCHEMA h2_d RENAME TO h2_c;
SELECT is(pg_temp.ids(NULL::h2_c_old.t, 'v'), '{1,2,3}',
          'schema swap, other key type: no crash, the renamed table''s rows');
SELECT is(pg_temp.ids(NULL::h2_c.t, 'v'), '{101,102,103}', 'schema swap, other key type: the bigint-keyed table pages');

-------------------------------------------------------------------------------
-- Finding 4: every entry point checks privileges on everything the
-- statement reads.  With SELECT on (id, pub) only, a filter on diagnosis
-- used to give exact estimates.
-------------------------------------------------------------------------------
CREATE ROLE h2_reader;
CREATE TABLE h2_patients (id int PRIMARY KEY, pub text NOT NULL, diagnosis text NOT NULL);
INSERT INTO h2_patients SELECT i, 'p' || (i % 3), CASE WHEN i % 100 = 0 THEN 'rare' ELSE 'common' END
FROM generate_series(1, 1000) i;
ANALYZE h2_patients;
GRANT USAGE ON SCHEMA public TO h2_reader;
GRANT SELECT (id, pub) ON h2_patients TO h2_reader;
-- the owner warms every cache entry first, so a cached plan cannot skip the check
SELECT is((SELECT keyset_count_estimate(NULL::h2_patients, 'diagnosis = $1', ARRAY['rare']) BETWEEN 1 AND 50),
          true, 'privileges: the owner gets an estimate for the diagnosis filter');
SELECT lives_ok($$SELECT * FROM keyset_page(NULL::h2_patients, NULL, 5, filter => 'diagnosis = $1', args => ARRAY['rare'])$$,
                'privileges: the owner pages with the diagnosis filter');
SET ROLE h2_reader;
SELECT is((pg_temp.err_of($$SELECT keyset_count_estimate(NULL::h2_patients, 'diagnosis = $1', ARRAY['rare'])$$)).state,
          '42501', 'privileges: keyset_count_estimate with a filter on an unreadable column is refused');
SELECT is((pg_temp.err_of($$SELECT keyset_count_estimate(NULL::h2_patients, 'diagnosis = ''rare''')$$)).state,
          '42501', 'privileges: ... also without args');
SELECT is((pg_temp.err_of($$SELECT * FROM keyset_page(NULL::h2_patients, NULL, 5, filter => 'diagnosis = $1', args => ARRAY['rare'])$$)).state,
          '42501', 'privileges: keyset_page refuses the filter');
SELECT is((pg_temp.err_of($$SELECT keyset_connection(NULL::h2_patients, NULL, 5, filter => 'diagnosis = $1', args => ARRAY['rare'])$$)).state,
          '42501', 'privileges: keyset_connection refuses the filter');
SELECT is((pg_temp.err_of($$SELECT * FROM keyset_explain(NULL::h2_patients, NULL, 5, filter => 'diagnosis = $1', args => ARRAY['rare'])$$)).state,
          '42501', 'privileges: keyset_explain refuses the filter');
SELECT is((pg_temp.err_of($$SELECT * FROM keyset_offset_page(NULL::h2_patients, NULL, 1, 5, 'diagnosis = $1', ARRAY['rare'])$$)).state,
          '42501', 'privileges: keyset_offset_page refuses the filter');
SELECT is((SELECT keyset_count_estimate(NULL::h2_patients, 'pub = $1', ARRAY['p1']) > 0), true,
          'privileges: an estimate on readable columns works');
SELECT is((pg_temp.err_of($$SELECT * FROM keyset_page(NULL::h2_patients, NULL, 5, filter => 'pub = $1', args => ARRAY['p1'])$$)).state,
          '42501', 'privileges: keyset_page returns whole rows, so it needs SELECT on every column');
-- no internal SQL in the error's CONTEXT
SELECT is((pg_temp.err_of($$SELECT * FROM keyset_page(NULL::h2_patients, NULL, 5, filter => 'diagnosis = $1', args => ARRAY['rare'])$$)).ctx
            LIKE '%kp_row%', false, 'CONTEXT: a permission error does not show the internal seek SQL');
SELECT is((pg_temp.err_of($$SELECT keyset_count_estimate(NULL::h2_patients, 'diagnosis = $1', ARRAY['rare'])$$)).ctx
            LIKE '%kp_row%', false, 'CONTEXT: nor in the estimate');
SELECT matches((pg_temp.err_of($$SELECT * FROM keyset_page(NULL::h2_patients, NULL, 5, filter => 'diagnosis = $1', args => ARRAY['rare'])$$)).ctx,
               'keyset_pagination query on relation public\.h2_patients', 'CONTEXT: names the relation instead');
-- the filter is the caller's SQL, run with the caller's privileges: a
-- function reading another table is refused like the query would be
SELECT is((pg_temp.err_of($$SELECT * FROM keyset_page(NULL::h2_patients, 'id', 5,
             filter => 'pub <> query_to_xml(''SELECT diagnosis FROM public.h2_patients'', true, false, '''')::text')$$)).state,
          '42501', 'trust model: a filter cannot read through a function what the caller cannot read');
RESET ROLE;
-- ... and volatile functions are the caller's to call, as in any query
SELECT is((SELECT count(*) FROM keyset_page(NULL::h2_patients, 'id', 5,
             filter => 'set_config(''h2.seen'', id::text, true) IS NOT NULL AND pub <> ''''') p), 5::bigint,
          'trust model: a filter may call a volatile function');
SELECT isnt(current_setting('h2.seen', true), NULL, 'trust model: ... which ran as part of the page');
CREATE FUNCTION pg_temp.h2_boom() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'boom'; END $$;
SELECT is((SELECT ctx LIKE '%h2_boom() line%' AND ctx NOT LIKE '%kp_row%'
                  AND ctx LIKE '%keyset_pagination query on relation public.h2_patients%'
             FROM pg_temp.err_of($$SELECT * FROM keyset_page(NULL::h2_patients, NULL, 5, filter => 'pg_temp.h2_boom() > 0')$$)),
          true, 'CONTEXT: lines of functions the filter called stay, the seek SQL goes');

-- row-level security: the estimate plans with the policy, pages see its rows
CREATE TABLE h2_rls (id int PRIMARY KEY, owner name NOT NULL, secret text NOT NULL);
INSERT INTO h2_rls SELECT i, CASE WHEN i <= 10 THEN 'h2_reader' ELSE 'postgres' END, 's' || i FROM generate_series(1, 200) i;
ALTER TABLE h2_rls ENABLE ROW LEVEL SECURITY;
CREATE POLICY mine ON h2_rls USING (owner = current_user);
GRANT SELECT (id, owner) ON h2_rls TO h2_reader;
SELECT lives_ok($$SELECT keyset_count_estimate(NULL::h2_rls, 'secret = $1', ARRAY['s1'])$$, 'RLS: the owner estimates on secret');
SET ROLE h2_reader;
SELECT is((pg_temp.err_of($$SELECT keyset_count_estimate(NULL::h2_rls, 'secret = $1', ARRAY['s1'])$$)).state,
          '42501', 'RLS + column grants: the estimate on an unreadable column is refused');
SELECT lives_ok($$SELECT keyset_count_estimate(NULL::h2_rls, 'id > $1', ARRAY['0'])$$,
                'RLS + column grants: an estimate on readable columns works');
RESET ROLE;
GRANT SELECT ON h2_rls TO h2_reader;
SET ROLE h2_reader;
SELECT is(pg_temp.ids(NULL::h2_rls), (SELECT array_agg(i) FROM generate_series(1, 10) i),
          'RLS: pages return only the policy''s rows');
RESET ROLE;

-------------------------------------------------------------------------------
-- Finding 7: an error caught in an EXCEPTION block used to leave the call
-- counted as active until commit, and eviction off: 300 distinct filters
-- after one caught error kept 300 entries.  (This whole file is one
-- transaction.)
-------------------------------------------------------------------------------
CREATE TABLE h2_many (id int PRIMARY KEY, n int NOT NULL);
INSERT INTO h2_many SELECT i, i FROM generate_series(1, 20) i;
DO $$
BEGIN
  BEGIN
    PERFORM * FROM keyset_page(NULL::h2_many, NULL, 5, filter => '1 / (n - n) = 1');
  EXCEPTION WHEN division_by_zero THEN NULL;
  END;
  -- a caught error in a nested page (offset page, estimate) as well
  BEGIN
    PERFORM * FROM keyset_offset_page(NULL::h2_many, NULL, 1, 5, '1 / (n - n) = 1');
  EXCEPTION WHEN division_by_zero THEN NULL;
  END;
  FOR i IN 1 .. 300 LOOP
    PERFORM * FROM keyset_page(NULL::h2_many, NULL, 2, filter => 'n <> ' || i);
  END LOOP;
END $$;
SELECT cmp_ok(pg_temp.entries(), '<=', 256::bigint,
              'after caught errors, 300 distinct filters in one transaction keep at most 256 entries');
SELECT cmp_ok(pg_temp.entries(), '>', 0::bigint, 'and the cache is in use');

-------------------------------------------------------------------------------
-- Finding 8: the cache is bounded by memory (query_cache_size), and the
-- filter by length (max_filter_length).  20 distinct 1 MB filters used to
-- hold about 500 MB.  The settings are set where they exist, so that the
-- test measures the old code too.
-------------------------------------------------------------------------------
SELECT throws_ok($$SELECT * FROM keyset_page(NULL::h2_many, NULL, 2, filter => 'n <> 0 OR ''' || repeat('x', 9000) || ''' <> ''''')$$,
                 '54000', 'filter is 9018 bytes long, over keyset_pagination.max_filter_length (8192)',
                 'a filter over max_filter_length is refused with a clean error');
SELECT pg_temp.try_set('keyset_pagination.max_filter_length', '200000');
CREATE TEMP TABLE h2_mem AS SELECT pg_temp.backend_bytes() AS before;
DO $$
BEGIN
  FOR i IN 1 .. 40 LOOP
    PERFORM * FROM keyset_page(NULL::h2_many, NULL, 2,
                               filter => 'n <> ' || i || ' OR ''' || repeat('x', 100000) || ''' = ''''');
    PERFORM * FROM keyset_page(NULL::h2_many, NULL, 2,
                               filter => 'n <> ' || i || ' OR ''' || repeat('x', 100000) || ''' = ''''');
  END LOOP;
END $$;
SELECT cmp_ok(pg_temp.backend_bytes() - before, '<', 24 * 1024 * 1024::bigint,
              '40 distinct 100 kB filters grow the backend by less than 24 MB (query_cache_size 8 MB)')
FROM h2_mem;
SELECT cmp_ok(pg_temp.entries(), '<', 40::bigint, 'and evict entries to stay within query_cache_size');
SELECT pg_temp.try_set('keyset_pagination.query_cache_size', '256');
DO $$
BEGIN
  FOR i IN 1 .. 5 LOOP
    PERFORM * FROM keyset_page(NULL::h2_many, NULL, 2,
                               filter => 'n <> ' || i || ' OR ''' || repeat('y', 100000) || ''' = ''''');
  END LOOP;
END $$;
SELECT cmp_ok(pg_temp.entries(), '<=', 2::bigint,
              'query_cache_size = 256 kB: entries of 100 kB filters are evicted down to the newest');
SELECT pg_temp.try_set('keyset_pagination.query_cache_size', '8MB');
SELECT pg_temp.try_set('keyset_pagination.max_filter_length', '8192');

-------------------------------------------------------------------------------
-- Finding 9: one long sort value must not block the feed.  A row whose key
-- made a cursor longer than max_cursor_length (1024) failed every page
-- holding it (54000).  Cursors are now limited where they are read, and the
-- default reads back any key a btree index can hold.
-------------------------------------------------------------------------------
CREATE TABLE h2_feed (id int PRIMARY KEY, title text NOT NULL);
CREATE INDEX ON h2_feed (title, id);
INSERT INTO h2_feed SELECT i, 'title ' || lpad(i::text, 3, '0') FROM generate_series(1, 20) i;
UPDATE h2_feed SET title = 'title 010 ' || repeat('long ', 160) WHERE id = 10;
SELECT is(pg_temp.walk_ids(NULL::h2_feed, 'title'), pg_temp.kp_ref(NULL::h2_feed, 'title', NULL),
          'long title: walked forward one row a page, every row once, across the 800-character title');
SELECT is(pg_temp.walk_ids(NULL::h2_feed, 'title', true), pg_temp.kp_ref(NULL::h2_feed, 'title', NULL),
          'long title: and backward');
-- the longest key a btree index holds (about 2.7 kB, incompressible)
INSERT INTO h2_feed SELECT 21, 'title 015 ' || string_agg(md5(i::text || 'h2'), '') FROM generate_series(1, 83) i;
SELECT cmp_ok((SELECT length(title) FROM h2_feed WHERE id = 21), '>', 2600, 'a key of over 2600 characters is in the index');
SELECT is(pg_temp.walk_ids(NULL::h2_feed, 'title'), pg_temp.kp_ref(NULL::h2_feed, 'title', NULL),
          'btree-sized key: walked forward under the default max_cursor_length');
SELECT is(pg_temp.walk_ids(NULL::h2_feed, 'title', true), pg_temp.kp_ref(NULL::h2_feed, 'title', NULL),
          'btree-sized key: and backward');
-- a bigger key, only possible on an unindexed column: its page and cursor
-- are handed out; reading the cursor needs a raised limit
CREATE TABLE h2_notes (id int PRIMARY KEY, body text NOT NULL);
INSERT INTO h2_notes SELECT i, 'note ' || i FROM generate_series(1, 5) i;
INSERT INTO h2_notes SELECT 6, 'note 3 ' || string_agg(md5(i::text), '') FROM generate_series(1, 250) i;
CREATE TEMP TABLE h2_big AS
  SELECT p.cursor FROM keyset_page(NULL::h2_notes, 'body', 10) p WHERE (p.node).id = 6;
SELECT cmp_ok((SELECT length(cursor) FROM h2_big), '>', 8192,
              'an 8000-character unindexed key: its page is returned with a cursor over 8192 characters');
SELECT is((pg_temp.err_of(format($$SELECT * FROM keyset_page(NULL::h2_notes, 'body', 10, %L)$$, cursor))).state,
          '22KP1', 'reading that cursor under the default limit is the clean invalid-cursor error') FROM h2_big;
SET LOCAL keyset_pagination.max_cursor_length = 65536;
SELECT is((SELECT array_agg((p.node).id) FROM keyset_page(NULL::h2_notes, 'body', 10, (SELECT cursor FROM h2_big)) p),
          '{4,5}', 'with max_cursor_length raised it reads, and the walk goes on');
RESET keyset_pagination.max_cursor_length;

SELECT * FROM finish();
ROLLBACK;
