-- Rows read per page at depth.  Two witnesses:
--   * the table's own counters (pg_stat_xact_user_tables: idx_tup_fetch +
--     seq_tup_read, per transaction, updated immediately): what the page
--     really fetched, including rows a Filter threw away;
--   * keyset_explain(with_analyze): the plan of each seek, its scan node and
--     its actual rows.
-- A first page of n reads n+1 rows (the extra one answers the flag in its
-- direction).  A page after a cursor seeks from the cursor inclusive: the
-- cursor's own row answers the opposite flag, so n+2 in one seek, however
-- deep; only when that row is gone does a one-row probe add one.
-- Same data as sql/page_plans.sql (test/fixtures/posts_ranked_20k.sql).
BEGIN;
SELECT no_plan();

\ir ../fixtures/posts_ranked_20k.sql

-- the cursor at 0-based position pos of a sort (fetched in pages of 1000)
CREATE FUNCTION pg_temp.cursor_at(rel anyelement, ob text, pos int, flt text DEFAULT NULL, args text[] DEFAULT NULL)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE c text := NULL; left_ int := pos;
BEGIN
  WHILE left_ >= 1000 LOOP
    SELECT p.cursor INTO c FROM keyset_page(rel, ob, first => 1000, after => c, filter => flt, args => args) p
    OFFSET 999;
    left_ := left_ - 1000;
  END LOOP;
  SELECT p.cursor INTO c FROM keyset_page(rel, ob, first => left_ + 1, after => c, filter => flt, args => args) p
  OFFSET left_;
  RETURN c;
END $$;

-- rows the table gave up (index fetches + sequential reads) during one page.
-- The call is repeated first: the plan cache plans the first five executions
-- of a seek with the actual values (custom plans), and planning with values
-- probes the index for the column's actual end (get_actual_variable_range),
-- one more heap fetch per seek; from the sixth call on the cached generic
-- plan runs, which is what a busy API sees.
CREATE FUNCTION pg_temp.fetched(rel regclass) RETURNS bigint LANGUAGE sql AS $$
  SELECT coalesce(idx_tup_fetch, 0) + coalesce(seq_tup_read, 0)
  FROM pg_stat_xact_user_tables WHERE relid = rel $$;
CREATE FUNCTION pg_temp.page_reads(rel anyelement, ob text, p_first int, p_after text, p_last int, p_before text,
                                   flt text DEFAULT NULL, args text[] DEFAULT NULL,
                                   OUT nrows int, OUT reads bigint)
LANGUAGE plpgsql AS $$
DECLARE before_ bigint;
BEGIN
  FOR i IN 1 .. 6 LOOP
    PERFORM count(*) FROM keyset_page(rel, ob, p_first, p_after, p_last, p_before, flt, args);
  END LOOP;
  before_ := pg_temp.fetched(pg_typeof(rel)::text::regclass);
  SELECT count(*) INTO nrows FROM keyset_page(rel, ob, p_first, p_after, p_last, p_before, flt, args);
  reads := pg_temp.fetched(pg_typeof(rel)::text::regclass) - before_;
END $$;

-- the explain of the same call, summarized
CREATE FUNCTION pg_temp.plan_summary(rel anyelement, ob text, p_first int, p_after text, p_last int, p_before text,
                                     flt text DEFAULT NULL, args text[] DEFAULT NULL,
                                     OUT page_seeks int, OUT seq_scans int, OUT sorts int,
                                     OUT index_scans int, OUT removed bigint, OUT plan text)
LANGUAGE plpgsql AS $$
DECLARE lines text[];
BEGIN
  SELECT array_agg(l) INTO lines
  FROM keyset_explain(rel, ob, p_first, p_after, p_last, p_before, flt, args, with_analyze => true) l;
  plan := array_to_string(lines, E'\n');
  page_seeks := (SELECT count(*) FROM unnest(lines) l WHERE l ~ '^seek \d+: page,');
  seq_scans := (SELECT count(*) FROM unnest(lines) l WHERE l ~ 'Seq Scan');
  sorts := (SELECT count(*) FROM unnest(lines) l WHERE l ~ '->  Sort');
  index_scans := (SELECT count(*) FROM unnest(lines) l WHERE l ~ 'Index Scan');
  removed := (SELECT coalesce(sum(substring(l FROM 'Rows Removed by Filter: (\d+)')::bigint), 0)
              FROM unnest(lines) l);
END $$;

CREATE TEMP TABLE shapes (n int, what text, rel text, ob text, pos int, backward boolean,
                          flt text, args text[], plain_index boolean);
INSERT INTO shapes VALUES
  (1, 'same direction, 10,000 deep',            'posts',  'created_at DESC',           10000, false, NULL, NULL, true),
  (2, 'same direction backward, 10,000 deep',   'posts',  'created_at DESC',           10000, true,  NULL, NULL, true),
  (3, 'same direction, 19,000 deep',            'posts',  'created_at DESC',           19000, false, NULL, NULL, true),
  (4, 'same direction + filter, 10,000 deep',   'posts',  'created_at DESC',           10000, false, 'title <> $1', ARRAY['post 9990'], true),
  (5, 'mixed directions, inside a tie group',   'ranked', 'score DESC, id',            12000, false, NULL, NULL, true),
  (6, 'mixed directions, end of a tie group',   'ranked', 'score DESC, id',            2846,  false, NULL, NULL, true),
  (7, 'mixed directions backward, across',      'ranked', 'score DESC, id',            2860,  true,  NULL, NULL, true),
  (8, 'nullable, among values',                 'posts',  'edited_at DESC NULLS LAST', 9994,  false, NULL, NULL, false),
  (9, 'nullable, into the NULL group',          'posts',  'edited_at DESC NULLS LAST', 14989, false, NULL, NULL, false),
  (10, 'nullable, inside the NULL group',       'posts',  'edited_at DESC NULLS LAST', 17000, false, NULL, NULL, true),
  (11, 'nullable backward, out of the NULLs',   'posts',  'edited_at DESC NULLS LAST', 15005, true,  NULL, NULL, false);

-- run every shape once, recording the cursor, the reads and the plan
CREATE TEMP TABLE measured AS
SELECT s.*, c.cur, r.nrows, r.reads, e.*
FROM shapes s,
     LATERAL (SELECT CASE s.rel WHEN 'posts' THEN pg_temp.cursor_at(NULL::posts, s.ob, s.pos, s.flt, s.args)
                                ELSE pg_temp.cursor_at(NULL::ranked, s.ob, s.pos, s.flt, s.args) END AS cur) c,
     LATERAL (SELECT * FROM (
                SELECT * FROM pg_temp.page_reads(NULL::posts, s.ob, CASE WHEN s.backward THEN NULL ELSE 20 END, CASE WHEN s.backward THEN NULL ELSE c.cur END,
                                                 CASE WHEN s.backward THEN 20 END, CASE WHEN s.backward THEN c.cur END, s.flt, s.args)
                WHERE s.rel = 'posts'
                UNION ALL
                SELECT * FROM pg_temp.page_reads(NULL::ranked, s.ob, CASE WHEN s.backward THEN NULL ELSE 20 END, CASE WHEN s.backward THEN NULL ELSE c.cur END,
                                                 CASE WHEN s.backward THEN 20 END, CASE WHEN s.backward THEN c.cur END, s.flt, s.args)
                WHERE s.rel = 'ranked') x) r,
     LATERAL (SELECT * FROM (
                SELECT * FROM pg_temp.plan_summary(NULL::posts, s.ob, CASE WHEN s.backward THEN NULL ELSE 20 END, CASE WHEN s.backward THEN NULL ELSE c.cur END,
                                                   CASE WHEN s.backward THEN 20 END, CASE WHEN s.backward THEN c.cur END, s.flt, s.args)
                WHERE s.rel = 'posts'
                UNION ALL
                SELECT * FROM pg_temp.plan_summary(NULL::ranked, s.ob, CASE WHEN s.backward THEN NULL ELSE 20 END, CASE WHEN s.backward THEN NULL ELSE c.cur END,
                                                   CASE WHEN s.backward THEN 20 END, CASE WHEN s.backward THEN c.cur END, s.flt, s.args)
                WHERE s.rel = 'ranked') y) e;

SELECT is(nrows, 20, format('%s: a full page of 20', what)) FROM measured ORDER BY n;
SELECT cmp_ok(reads, '<=', 22 + removed, format('%s: the table gave up at most n+2 rows (+ rows the filter removed)', what))
FROM measured ORDER BY n;
SELECT cmp_ok(reads, '>=', 21::bigint, format('%s: and at least the n+1 the page needs', what)) FROM measured ORDER BY n;
SELECT is(seq_scans, 0, format('%s: no Seq Scan', what)) FROM measured ORDER BY n;
SELECT cmp_ok(index_scans, '>=', page_seeks, format('%s: every seek an index scan', what)) FROM measured ORDER BY n;
SELECT is(sorts, 0, format('%s: no Sort', what)) FROM measured WHERE plain_index ORDER BY n;
SELECT is(removed, CASE WHEN flt IS NULL THEN 0 ELSE 1 END::bigint,
          format('%s: rows removed by Filter: only the filtered-out one', what)) FROM measured ORDER BY n;

-- a deeper table does not read more: the same page at depth 100 and 19,900
SELECT is((SELECT reads FROM pg_temp.page_reads(NULL::posts, 'created_at DESC', 20,
                                                pg_temp.cursor_at(NULL::posts, 'created_at DESC', 100), NULL, NULL)),
          (SELECT reads FROM pg_temp.page_reads(NULL::posts, 'created_at DESC', 20,
                                                pg_temp.cursor_at(NULL::posts, 'created_at DESC', 19900), NULL, NULL)),
          'reads at depth 100 = reads at depth 19,900');
-- and the first page reads n+1, no probe
SELECT is((SELECT reads FROM pg_temp.page_reads(NULL::posts, 'created_at DESC', 20, NULL, NULL, NULL)), 21::bigint,
          'first page: exactly 21 rows read');
SELECT is((SELECT reads FROM pg_temp.page_reads(NULL::posts, 'created_at DESC', NULL, NULL, 20, NULL)), 21::bigint,
          'last page (backward from the end): exactly 21 rows read');

-- after a cursor the seek starts at the cursor's own row: one seek, 22 rows
-- (that row, which answers has_previous_page, then 20 + 1), no probe
SELECT pg_temp.cursor_at(NULL::posts, 'created_at DESC', 5000) AS c5000,
       pg_temp.cursor_at(NULL::posts, 'created_at DESC', 4999) AS c4999 \gset
SELECT is((SELECT reads FROM pg_temp.page_reads(NULL::posts, 'created_at DESC', 20, :'c5000', NULL, NULL)), 22::bigint,
          'after a cursor: exactly 22 rows read');
SELECT is((SELECT page_seeks FROM pg_temp.plan_summary(NULL::posts, 'created_at DESC', 20, :'c5000', NULL, NULL)), 1,
          'after a cursor: one seek, no has_previous_page probe');
SELECT is((SELECT reads FROM pg_temp.page_reads(NULL::posts, 'created_at DESC', NULL, NULL, 20, :'c5000')), 22::bigint,
          'before a cursor: exactly 22 rows read');
-- the cursor's row deleted: 22 rows from the seek (none of them the cursor's),
-- then the one-row probe; the flags stay exact
SELECT (p.node).id AS gone_id FROM keyset_page(NULL::posts, 'created_at DESC', first => 1, after => :'c4999') p \gset
DELETE FROM posts WHERE id = :gone_id;
SELECT is((SELECT reads FROM pg_temp.page_reads(NULL::posts, 'created_at DESC', 20, :'c5000', NULL, NULL)), 23::bigint,
          'after a deleted row''s cursor: 22 rows read and 1 in the probe');
SELECT results_eq(format($$SELECT count(*)::int, bool_and(has_previous_page), bool_and(has_next_page)
                    FROM keyset_page(NULL::posts, 'created_at DESC', first => 20, after => %L)$$, :'c5000'),
                  $$VALUES (20, true, true)$$,
                  'after a deleted row''s cursor: a full page, both flags true');
SELECT results_eq(format($$SELECT (p.node).id FROM keyset_page(NULL::posts, 'created_at DESC', first => 20, after => %L) p$$, :'c5000'),
                  format($$SELECT (p.node).id FROM keyset_page(NULL::posts, 'created_at DESC', first => 20, after => %L) p$$, :'c4999'),
                  'after a deleted row''s cursor: the same page as after the row before it');

SELECT * FROM finish();
ROLLBACK;
