-- keyset_offset_page and keyset_count_estimate: bad input is refused with
-- the documented SQLSTATE and a useful message; good input gives the right
-- rows, page_count and total_count; the estimate is close after ANALYZE and
-- scans nothing.
CREATE TABLE o (
  id int PRIMARY KEY,
  grp text NOT NULL,
  score int,
  created_at timestamptz NOT NULL
);
INSERT INTO o
  SELECT i, CASE WHEN i % 4 = 0 THEN 'a' ELSE 'b' END, i % 7,
         '2024-01-01 00:00+00'::timestamptz + i * interval '1 hour'
  FROM generate_series(1, 5000) i;
ANALYZE o;

-- the SQLSTATE a statement fails with, or 'ok'
CREATE FUNCTION sqlstate_of(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE stmt;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE;
END
$$;

-- its SQLSTATE and message, or 'ok'
CREATE FUNCTION error_of(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE stmt;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- 1. Bad page and page_size: 22023, with the limit named
SELECT * FROM keyset_offset_page(NULL::o, 'score DESC', 0, 10);
SELECT * FROM keyset_offset_page(NULL::o, 'score DESC', -3, 10);
SELECT * FROM keyset_offset_page(NULL::o, 'score DESC', 1, 0);
SELECT * FROM keyset_offset_page(NULL::o, 'score DESC', 1, -1);
SELECT * FROM keyset_offset_page(NULL::o, 'score DESC', 1, 1001);
SET keyset_pagination.max_page_size = 50;
SELECT * FROM keyset_offset_page(NULL::o, 'score DESC', 1, 51);
SELECT count(*) AS rows_at_the_limit FROM keyset_offset_page(NULL::o, 'score DESC', 1, 50);
RESET keyset_pagination.max_page_size;
SELECT * FROM keyset_offset_page(NULL::o, 'score DESC', NULL, 10);

-- 2. Offset over keyset_pagination.max_offset (default 10000): 54000, and
-- the hint points to keyset_page.  Exactly max_offset is still allowed.
SELECT * FROM keyset_offset_page(NULL::o, 'id', 10002, 1);
SELECT * FROM keyset_offset_page(NULL::o, 'id', 2147483647, 1000);
SELECT count(*) AS rows_past_the_end FROM keyset_offset_page(NULL::o, 'id', 10001, 1);
SET keyset_pagination.max_offset = 20;
SELECT (p.node).id FROM keyset_offset_page(NULL::o, 'id', 3, 10) p ORDER BY 1 LIMIT 1;
SELECT * FROM keyset_offset_page(NULL::o, 'id', 4, 10);
RESET keyset_pagination.max_offset;

-- 3. Unknown columns, in order_by and in the filter: 42703.  (Errors raised
-- while planning the filter are shown through error_of: their context and
-- position would be those of the extension's internal query text.)
SELECT * FROM keyset_offset_page(NULL::o, 'nope DESC', 1, 10);
SELECT error_of($$SELECT * FROM keyset_offset_page(NULL::o, 'score DESC', 1, 10, 'nope = 1')$$);

-- 4. keyset_count_estimate with bad filters
SELECT error_of($$SELECT keyset_count_estimate(NULL::o, 'nope = 1')$$);
SELECT error_of($$SELECT keyset_count_estimate(NULL::o, 'score + 1')$$);
SELECT keyset_count_estimate(NULL::o, 'score = 1; DROP TABLE o');
SELECT keyset_count_estimate(NULL::o, 'id IN (SELECT 1)');
SELECT keyset_count_estimate(NULL::o, 'score = $1');
SELECT keyset_count_estimate(NULL::o, 'score = $1', ARRAY['x']);
SELECT keyset_count_estimate(NULL::o, 'score = 1', ARRAY['1']);
SELECT keyset_count_estimate(NULL::int);

-- args must be one-dimensional here as in keyset_page (a 1x1 array was
-- once taken as one arg)
SELECT * FROM keyset_offset_page(NULL::o, 'score DESC', 1, 10, 'score = $1', ARRAY[['1']]);
SELECT keyset_count_estimate(NULL::o, 'score = $1', ARRAY[['1']]);

-- every refusal above, by SQLSTATE
SELECT stmt, sqlstate_of(stmt) FROM (VALUES
  ($$SELECT * FROM keyset_offset_page(NULL::o, 'score DESC', 0, 10)$$),
  ($$SELECT * FROM keyset_offset_page(NULL::o, 'score DESC', -3, 10)$$),
  ($$SELECT * FROM keyset_offset_page(NULL::o, 'score DESC', 1, 0)$$),
  ($$SELECT * FROM keyset_offset_page(NULL::o, 'score DESC', 1, 1001)$$),
  ($$SELECT * FROM keyset_offset_page(NULL::o, 'score DESC', NULL, 10)$$),
  ($$SELECT * FROM keyset_offset_page(NULL::o, 'id', 10002, 1)$$),
  ($$SELECT * FROM keyset_offset_page(NULL::o, 'id', 10001, 1)$$),
  ($$SELECT * FROM keyset_offset_page(NULL::o, 'nope DESC', 1, 10)$$),
  ($$SELECT * FROM keyset_offset_page(NULL::o, 'score DESC', 1, 10, 'nope = 1')$$),
  ($$SELECT keyset_count_estimate(NULL::o, 'nope = 1')$$),
  ($$SELECT keyset_count_estimate(NULL::o, 'score + 1')$$),
  ($$SELECT keyset_count_estimate(NULL::o, 'score = 1; DROP TABLE o')$$),
  ($$SELECT keyset_count_estimate(NULL::o, 'id IN (SELECT 1)')$$),
  ($$SELECT keyset_count_estimate(NULL::o, 'score = $1')$$),
  ($$SELECT keyset_count_estimate(NULL::o, 'score = $1', ARRAY['x'])$$),
  ($$SELECT keyset_count_estimate(NULL::o, 'score = 1', ARRAY['1'])$$),
  ($$SELECT keyset_count_estimate(NULL::int)$$)
) v(stmt);

-- 5. Right rows, page_count and total_count.  'score DESC' gets id DESC
-- as tiebreaker, like keyset_page: page n is rows (n-1)*size+1 .. n*size
-- of ORDER BY score DESC, id DESC.
SELECT (p.node).id, (p.node).score, p.page, p.page_count, p.total_count
FROM keyset_offset_page(NULL::o, 'score DESC', 2, 3) p;
SELECT array_agg((p.node).id) = ARRAY(SELECT id FROM o ORDER BY score DESC, id DESC LIMIT 3 OFFSET 3)
       AS page_2_matches_order_by
FROM keyset_offset_page(NULL::o, 'score DESC', 2, 3) p;
-- every page of a walk, same order as ORDER BY; the last page is partial
SELECT count(*) AS rows, count(DISTINCT (p.node).id) AS distinct_rows,
       min(p.page_count) AS page_count, max(p.total_count) AS total_count,
       array_agg((p.node).id ORDER BY g, p.ord) = ARRAY(SELECT id FROM o ORDER BY score DESC, id DESC)
         AS same_as_order_by
FROM generate_series(1, 7) g,
     LATERAL keyset_offset_page(NULL::o, 'score DESC', g, 750)
       WITH ORDINALITY p(node, page, page_count, total_count, ord);
SELECT count(*) AS rows_on_last_page FROM keyset_offset_page(NULL::o, 'score DESC', 7, 750);
SELECT count(*) AS rows_past_last_page FROM keyset_offset_page(NULL::o, 'score DESC', 8, 750);
-- filtered, with args: counts only matching rows
SELECT (p.node).id, (p.node).grp, p.page, p.page_count, p.total_count
FROM keyset_offset_page(NULL::o, 'created_at DESC', 3, 2, 'grp = $1 AND score < $2', ARRAY['a', '3']) p;
SELECT array_agg((p.node).id) = ARRAY(SELECT id FROM o WHERE grp = 'a' AND score < 3
                                      ORDER BY created_at DESC, id DESC LIMIT 2 OFFSET 4)
       AS filtered_page_matches,
       min(p.total_count) = (SELECT count(*) FROM o WHERE grp = 'a' AND score < 3)
       AS filtered_total_matches
FROM keyset_offset_page(NULL::o, 'created_at DESC', 3, 2, 'grp = $1 AND score < $2', ARRAY['a', '3']) p;
-- an empty table: no rows, no error
CREATE TABLE o_empty (id int PRIMARY KEY);
SELECT count(*) AS rows FROM keyset_offset_page(NULL::o_empty, 'id', 1, 10);

-- 6. keyset_count_estimate after ANALYZE: within a factor of 2 of the truth,
-- unfiltered and filtered (constant and args), and reading no row.
SELECT c.label, c.estimate BETWEEN c.actual * 0.5 AND c.actual * 2 AS within_2x
FROM (
  SELECT 'unfiltered' AS label, keyset_count_estimate(NULL::o) AS estimate,
         (SELECT count(*) FROM o) AS actual
  UNION ALL
  SELECT 'grp = a', keyset_count_estimate(NULL::o, 'grp = ''a'''),
         (SELECT count(*) FROM o WHERE grp = 'a')
  UNION ALL
  SELECT 'score < $1 (2)', keyset_count_estimate(NULL::o, 'score < $1', ARRAY['2']),
         (SELECT count(*) FROM o WHERE score < 2)
  UNION ALL
  SELECT 'grp = $1 AND score = $2', keyset_count_estimate(NULL::o, 'grp = $1 AND score = $2', ARRAY['b', '5']),
         (SELECT count(*) FROM o WHERE grp = 'b' AND score = 5)
) c;
-- no scan: the table's scan counters do not move during the estimate, and
-- do during keyset_offset_page (which counts)
BEGIN;
CREATE TEMP TABLE scans0 AS
  SELECT seq_scan + coalesce(idx_scan, 0) AS n FROM pg_stat_xact_user_tables WHERE relname = 'o';
SELECT keyset_count_estimate(NULL::o, 'grp = $1', ARRAY['a']) > 0 AS estimated;
SELECT (SELECT seq_scan + coalesce(idx_scan, 0) FROM pg_stat_xact_user_tables WHERE relname = 'o')
       - (SELECT n FROM scans0) AS scans_by_estimate;
SELECT count(*) AS offset_rows FROM keyset_offset_page(NULL::o, 'id', 1, 3);
SELECT (SELECT seq_scan + coalesce(idx_scan, 0) FROM pg_stat_xact_user_tables WHERE relname = 'o')
       - (SELECT n FROM scans0) > 0 AS offset_page_scanned;
ROLLBACK;

DROP FUNCTION sqlstate_of(text), error_of(text);
DROP TABLE o, o_empty;
