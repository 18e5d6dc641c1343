-- Ties: keyset pagination on a sort key that is not unique.
--
-- 200 rows, 10 distinct scores, 20 rows each.  A hand-written keyset on the
-- score alone cannot say where inside a tie it stopped: with < it jumps over
-- the rest of the tie (rows lost at every page seam inside a tie), with <=
-- it starts the tie over (rows repeated, and the walk never ends).
-- keyset_page appends the primary key as a tiebreaker and visits every row
-- exactly once, in ORDER BY score DESC, id DESC.
CREATE TABLE t (id int PRIMARY KEY, score int NOT NULL);
INSERT INTO t SELECT i, i % 10 FROM generate_series(1, 200) i;
ANALYZE t;
SELECT sum(n) AS rows, count(*) AS scores,
       min(n) AS min_rows_per_score, max(n) AS max_rows_per_score
FROM (SELECT score, count(*) AS n FROM t GROUP BY score) g;

-- 1. Hand-written keyset on score alone, strict: WHERE score < last score.
-- Each page takes 10 of the 20 rows of one score; the next page starts
-- below that score, so the other 10 are never read.
CREATE TEMP TABLE strict_walk AS
WITH RECURSIVE walk(pageno, ids, last_score) AS (
    SELECT 1, p.ids, p.last_score
    FROM (SELECT array_agg(id) AS ids, min(score) AS last_score
          FROM (SELECT id, score FROM t ORDER BY score DESC LIMIT 10) s) p
  UNION ALL
    SELECT w.pageno + 1, p.ids, p.last_score
    FROM walk w,
         LATERAL (SELECT array_agg(id) AS ids, min(score) AS last_score
                  FROM (SELECT id, score FROM t WHERE score < w.last_score
                        ORDER BY score DESC LIMIT 10) s) p
    WHERE p.ids IS NOT NULL AND w.pageno < 100
)
SELECT pageno, unnest(ids) AS id FROM walk;
-- one score per page, 10 of its 20 rows
SELECT s.pageno, min(t.score) AS score, count(*) AS rows_on_page,
       (SELECT count(*) FROM t t2 WHERE t2.score = min(t.score)) AS rows_with_score
FROM strict_walk s JOIN t USING (id) GROUP BY s.pageno ORDER BY s.pageno;
SELECT count(*) AS visited, count(DISTINCT id) AS distinct_rows,
       (SELECT count(*) FROM t) - count(DISTINCT id) AS lost
FROM strict_walk;

-- 2. The same with <=: the next page starts the last score over.  The walk
-- never moves past score 9 (bounded here at 20 pages, enough for 200 rows):
-- 200 rows visited, at most the 20 rows of score 9 among them, all repeated.
CREATE TEMP TABLE loose_walk AS
WITH RECURSIVE walk(pageno, ids, last_score) AS (
    SELECT 1, p.ids, p.last_score
    FROM (SELECT array_agg(id) AS ids, min(score) AS last_score
          FROM (SELECT id, score FROM t ORDER BY score DESC LIMIT 10) s) p
  UNION ALL
    SELECT w.pageno + 1, p.ids, p.last_score
    FROM walk w,
         LATERAL (SELECT array_agg(id) AS ids, min(score) AS last_score
                  FROM (SELECT id, score FROM t WHERE score <= w.last_score
                        ORDER BY score DESC LIMIT 10) s) p
    WHERE p.ids IS NOT NULL AND w.pageno < 20
)
SELECT pageno, unnest(ids) AS id FROM walk;
SELECT count(*) AS visited,
       count(DISTINCT id) <= 20 AS at_most_20_distinct,
       count(DISTINCT id) < count(*) AS rows_repeated,
       min(t.score) AS min_score, max(t.score) AS max_score,
       (SELECT count(*) FROM t) - count(DISTINCT id) >= 180 AS at_least_180_never_read
FROM loose_walk JOIN t USING (id);

-- 3. keyset_page on 'score DESC': the effective sort key gets the primary
-- key as tiebreaker, in the direction of the last column.
SELECT sort_key, tiebreaker, is_unique, unique_by FROM keyset_check(NULL::t, 'score DESC');

-- The walk, 10 rows a page, forward with first/after.
CREATE TEMP TABLE keyset_walk AS
WITH RECURSIVE walk(pageno, ids, cur, more) AS (
    SELECT 1, p.*
    FROM (SELECT array_agg((k.node).id ORDER BY k.ord),
                 (array_agg(k.cursor ORDER BY k.ord DESC))[1],
                 bool_or(k.hn)
          FROM keyset_page(NULL::t, 'score DESC', first => 10)
               WITH ORDINALITY k(node, cursor, hp, hn, ord)) p
  UNION ALL
    SELECT w.pageno + 1, p.*
    FROM walk w,
         LATERAL (SELECT array_agg((k.node).id ORDER BY k.ord),
                         (array_agg(k.cursor ORDER BY k.ord DESC))[1],
                         bool_or(k.hn)
                  FROM keyset_page(NULL::t, 'score DESC', first => 10, after => w.cur)
                       WITH ORDINALITY k(node, cursor, hp, hn, ord)) p
    WHERE w.more AND w.pageno < 100
)
SELECT pageno, u.id, u.ord FROM walk, unnest(ids) WITH ORDINALITY u(id, ord);
SELECT count(DISTINCT pageno) AS pages, count(*) AS visited,
       count(DISTINCT id) AS distinct_rows,
       (SELECT count(*) FROM t) - count(DISTINCT id) AS lost
FROM keyset_walk;
-- exactly the order of ORDER BY score DESC, id DESC
SELECT array_agg(id ORDER BY pageno, ord) = ARRAY(SELECT id FROM t ORDER BY score DESC, id DESC)
       AS same_as_order_by
FROM keyset_walk;
-- the 20 rows of score 9 split over pages 1 and 2 at the tiebreaker (ids
-- 199..109, then 99..9); page 3 starts score 8
SELECT pageno, array_agg(id ORDER BY ord) AS ids FROM keyset_walk
WHERE pageno <= 3 GROUP BY pageno ORDER BY pageno;

-- 4. Page size 7 (seams inside ties at every offset), forward and backward
-- (last/before): every row once, in order.
CREATE TEMP TABLE keyset_walk7 AS
WITH RECURSIVE walk(pageno, ids, cur, more) AS (
    SELECT 1, p.*
    FROM (SELECT array_agg((k.node).id ORDER BY k.ord),
                 (array_agg(k.cursor ORDER BY k.ord DESC))[1],
                 bool_or(k.hn)
          FROM keyset_page(NULL::t, 'score DESC', first => 7)
               WITH ORDINALITY k(node, cursor, hp, hn, ord)) p
  UNION ALL
    SELECT w.pageno + 1, p.*
    FROM walk w,
         LATERAL (SELECT array_agg((k.node).id ORDER BY k.ord),
                         (array_agg(k.cursor ORDER BY k.ord DESC))[1],
                         bool_or(k.hn)
                  FROM keyset_page(NULL::t, 'score DESC', first => 7, after => w.cur)
                       WITH ORDINALITY k(node, cursor, hp, hn, ord)) p
    WHERE w.more AND w.pageno < 100
)
SELECT pageno, u.id, u.ord FROM walk, unnest(ids) WITH ORDINALITY u(id, ord);
CREATE TEMP TABLE keyset_back7 AS
WITH RECURSIVE walk(pageno, ids, cur, more) AS (
    SELECT 1, p.*
    FROM (SELECT array_agg((k.node).id ORDER BY k.ord),
                 (array_agg(k.cursor ORDER BY k.ord))[1],
                 bool_or(k.hp)
          FROM keyset_page(NULL::t, 'score DESC', last => 7)
               WITH ORDINALITY k(node, cursor, hp, hn, ord)) p
  UNION ALL
    SELECT w.pageno + 1, p.*
    FROM walk w,
         LATERAL (SELECT array_agg((k.node).id ORDER BY k.ord),
                         (array_agg(k.cursor ORDER BY k.ord))[1],
                         bool_or(k.hp)
                  FROM keyset_page(NULL::t, 'score DESC', last => 7, before => w.cur)
                       WITH ORDINALITY k(node, cursor, hp, hn, ord)) p
    WHERE w.more AND w.pageno < 100
)
SELECT pageno, u.id, u.ord FROM walk, unnest(ids) WITH ORDINALITY u(id, ord);
SELECT 'forward' AS walk, count(DISTINCT pageno) AS pages, count(*) AS visited,
       count(DISTINCT id) AS distinct_rows,
       array_agg(id ORDER BY pageno, ord) = ARRAY(SELECT id FROM t ORDER BY score DESC, id DESC)
         AS same_as_order_by
FROM keyset_walk7
UNION ALL
SELECT 'backward', count(DISTINCT pageno), count(*), count(DISTINCT id),
       array_agg(id ORDER BY pageno DESC, ord) = ARRAY(SELECT id FROM t ORDER BY score DESC, id DESC)
FROM keyset_back7;

-- 5. keyset_offset_page on the same sort numbers the same order: its 20
-- pages of 10 hold every row once, in ORDER BY score DESC, id DESC.
SELECT count(*) AS visited, count(DISTINCT (o.node).id) AS distinct_rows,
       array_agg((o.node).id ORDER BY g, o.ord) = ARRAY(SELECT id FROM t ORDER BY score DESC, id DESC)
         AS same_as_order_by
FROM generate_series(1, 20) g,
     LATERAL keyset_offset_page(NULL::t, 'score DESC', g, 10)
       WITH ORDINALITY o(node, page, page_count, total_count, ord);

DROP TABLE t;
