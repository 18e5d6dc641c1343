-- Captured plans of the main seek shapes, through keyset_explain: the
-- generic plans keyset_page runs, with ANALYZE (TIMING OFF, so the output
-- is deterministic for fixed data).  "actual rows" on the Limit is what each
-- seek returned.  A first page of 20 reads 21 rows (the extra one answers
-- has_next_page).  A page after (or before) a cursor seeks from the cursor
-- inclusive and reads 22: the cursor's own row comes back first, is dropped,
-- and proves the opposite flag; only when that row is gone does a one-row
-- probe run (section 7).
-- Data is generate_series only (no random()), analyzed, autovacuum off, so
-- the plans are stable.  "Sort Method" lines (memory figures) are left out.
\ir test/fixtures/posts_ranked_20k.sql

-- the effective keys and the indexes that serve them
SELECT sort_key, tiebreaker, index FROM keyset_check(NULL::posts, 'created_at DESC');
SELECT sort_key, tiebreaker, index FROM keyset_check(NULL::ranked, 'score DESC, id');
SELECT sort_key, tiebreaker, index FROM keyset_check(NULL::posts, 'edited_at DESC NULLS LAST');

-- cursors deep in the table (a large page only to fetch them)
SET keyset_pagination.max_page_size = 20000;
SELECT p.cursor AS deep FROM keyset_page(NULL::posts, 'created_at DESC', first => 20000) p
    OFFSET 9999 LIMIT 1 \gset
SELECT (p.node).id AS deep_id FROM keyset_page(NULL::posts, 'created_at DESC', first => 20000) p
    OFFSET 9999 LIMIT 1;
RESET keyset_pagination.max_page_size;

-- 1. first page, same direction: one index scan, no Sort, 21 rows, no probe
SELECT * FROM keyset_explain(NULL::posts, 'created_at DESC', first => 20, with_analyze => true);

-- 2. 10,000 rows deep, same direction: the two columns fold into one row
--    comparison, a single index bound (<=, from the cursor's own row); 22
--    rows read, no probe
SELECT * FROM keyset_explain(NULL::posts, 'created_at DESC', first => 20, after => :'deep',
                             with_analyze => true);
SELECT count(*), min((p.node).id), max((p.node).id), bool_and(p.has_previous_page) AS has_prev,
       bool_and(p.has_next_page) AS has_next
FROM keyset_page(NULL::posts, 'created_at DESC', first => 20, after => :'deep') p;

-- 3. backward page before the same cursor: the index scanned backward
SELECT * FROM keyset_explain(NULL::posts, 'created_at DESC', last => 20, before => :'deep',
                             with_analyze => true);
SELECT count(*), min((p.node).id), max((p.node).id), bool_and(p.has_previous_page) AS has_prev,
       bool_and(p.has_next_page) AS has_next
FROM keyset_page(NULL::posts, 'created_at DESC', last => 20, before => :'deep') p;

-- 4. with a filter: still one index scan, the filter a Filter on it (one
--    row, id 9990, removed; cursors are bound to the filter and its args, so
--    the position comes from a filtered page)
SET keyset_pagination.max_page_size = 20000;
SELECT p.cursor AS deep_f FROM keyset_page(NULL::posts, 'created_at DESC', first => 20000,
                                           filter => 'title <> $1', args => ARRAY['post 9990']) p
    OFFSET 9999 LIMIT 1 \gset
RESET keyset_pagination.max_page_size;
SELECT * FROM keyset_explain(NULL::posts, 'created_at DESC', first => 20, after => :'deep_f',
                             filter => 'title <> $1', args => ARRAY['post 9990'],
                             with_analyze => true);

-- 5. mixed directions, score DESC, id ASC, thousands of rows per score.
--    Deep inside a tie group only the equal-score range runs.
SET keyset_pagination.max_page_size = 20000;
SELECT p.cursor AS mid_tie FROM keyset_page(NULL::ranked, 'score DESC, id', first => 20000) p
    OFFSET 1499 LIMIT 1 \gset
SELECT p.cursor AS tie_end FROM keyset_page(NULL::ranked, 'score DESC, id', first => 20000) p
    OFFSET 2846 LIMIT 1 \gset
RESET keyset_pagination.max_page_size;
SELECT * FROM keyset_explain(NULL::ranked, 'score DESC, id', first => 20, after => :'mid_tie',
                             with_analyze => true);
-- 10 rows before the end of the group: the equal-score range, then the
-- next-scores range (each an index scan of ranked_score_idx, each with the
-- LIMIT the page asks of it: 22, then the 11 still missing).
SELECT * FROM keyset_explain(NULL::ranked, 'score DESC, id', first => 20, after => :'tie_end',
                             with_analyze => true);
SELECT (p.node).score, count(*) FROM keyset_page(NULL::ranked, 'score DESC, id', first => 20,
                                                 after => :'tie_end') p
GROUP BY 1 ORDER BY 1 DESC;
-- backward across the same boundary
SELECT * FROM keyset_explain(NULL::ranked, 'score DESC, id', last => 20, before => :'mid_tie',
                             with_analyze => true);

-- 6. a nullable column, NULLS LAST: equal prefix, then smaller values, then
--    the NULL group, each its own index range; inside the NULL group only
--    (edited_at IS NULL AND id < $1) is left
SET keyset_pagination.max_page_size = 20000;
SELECT p.cursor AS edited_mid FROM keyset_page(NULL::posts, 'edited_at DESC NULLS LAST', first => 20000) p
    OFFSET 4994 LIMIT 1 \gset
SELECT p.cursor AS edited_end FROM keyset_page(NULL::posts, 'edited_at DESC NULLS LAST', first => 20000) p
    OFFSET 14989 LIMIT 1 \gset
SELECT p.cursor AS in_nulls FROM keyset_page(NULL::posts, 'edited_at DESC NULLS LAST', first => 20000) p
    OFFSET 16999 LIMIT 1 \gset
RESET keyset_pagination.max_page_size;
SELECT line FROM keyset_explain(NULL::posts, 'edited_at DESC NULLS LAST', first => 20,
                                after => :'edited_mid', with_analyze => true) AS line
WHERE line !~ 'Sort Method';
-- 10 rows before the NULL group: the rest of the values, then the NULLs
SELECT line FROM keyset_explain(NULL::posts, 'edited_at DESC NULLS LAST', first => 20,
                                after => :'edited_end', with_analyze => true) AS line
WHERE line !~ 'Sort Method';
SELECT count(*) FILTER (WHERE (p.node).edited_at IS NULL) AS nulls,
       count(*) FILTER (WHERE (p.node).edited_at IS NOT NULL) AS not_nulls
FROM keyset_page(NULL::posts, 'edited_at DESC NULLS LAST', first => 20, after => :'edited_end') p;
SELECT * FROM keyset_explain(NULL::posts, 'edited_at DESC NULLS LAST', first => 20,
                             after => :'in_nulls', with_analyze => true);
SELECT * FROM keyset_explain(NULL::posts, 'edited_at DESC NULLS LAST', last => 20,
                             before => :'in_nulls', with_analyze => true);

-- 7. the cursor's own row is deleted: the page cannot see it, so one
--    bounded has_previous_page probe runs behind the cursor (and finds the
--    rows before it)
BEGIN;
SET LOCAL keyset_pagination.max_page_size = 20000;
DELETE FROM posts WHERE id = (SELECT (p.node).id FROM keyset_page(NULL::posts, 'created_at DESC',
                                                                  first => 20000) p
                              OFFSET 9999 LIMIT 1);
RESET keyset_pagination.max_page_size;
SELECT * FROM keyset_explain(NULL::posts, 'created_at DESC', first => 20, after => :'deep',
                             with_analyze => true);
SELECT count(*), min((p.node).id), max((p.node).id), bool_and(p.has_previous_page) AS has_prev,
       bool_and(p.has_next_page) AS has_next
FROM keyset_page(NULL::posts, 'created_at DESC', first => 20, after => :'deep') p;
ROLLBACK;

-- 8. no index serves the sort: keyset_check says which to create, and the
--    plan sorts
SELECT sort_key, index, create_index FROM keyset_check(NULL::posts, 'title DESC');
SELECT line FROM keyset_explain(NULL::posts, 'title DESC', first => 20) AS line
WHERE line !~ 'Sort Method';

-- without with_analyze: plain EXPLAIN (COSTS OFF)
SELECT * FROM keyset_explain(NULL::posts, 'created_at DESC', first => 5, after => :'deep');
