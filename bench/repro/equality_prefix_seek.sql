-- Reproducer: a mixed-direction sort ('score DESC, id ASC') seeks the rest of
-- the cursor's score group with "score = $1 AND id > $2".  With score = $1 the
-- planner drops score from the ORDER BY (it is constant), so the primary key
-- (id order) serves "ORDER BY id" as well as the (score DESC, id ASC) index,
-- and when id is correlated with the heap order and score is not, it takes the
-- primary key with "Filter: score = $1".  The seek then reads every row after
-- the cursor's id until it has found 21 of the group: here 440,000 rows.
-- Run in a database with keyset_pagination installed:
--   psql -X -f bench/repro/equality_prefix_seek.sql
\set ON_ERROR_STOP on
\timing on
DROP TABLE IF EXISTS kp_repro_ties;
-- 1M rows; each score is one contiguous block of 20,000 ids, and the blocks'
-- scores are not monotone in id (score's heap correlation ~0, id's 1)
CREATE TABLE kp_repro_ties (id bigserial PRIMARY KEY, score int NOT NULL, pad text);
INSERT INTO kp_repro_ties (score, pad)
  SELECT (((g - 1) / 20000) * 37) % 50, 'x' FROM generate_series(1, 1000000) g;
CREATE INDEX ON kp_repro_ties (score DESC, id ASC);
VACUUM ANALYZE kp_repro_ties;

-- score 49 is ids 540001..560000: the cursor of id 559990 (10 rows before the
-- block ends) is 19,990 rows into 'score DESC, id ASC'; walk there
CREATE OR REPLACE FUNCTION pg_temp.walk(n int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE c text; left_ int := n; step int;
BEGIN
  WHILE left_ > 0 LOOP
    step := least(left_, 1000);
    SELECT p.cursor INTO c FROM keyset_page(NULL::kp_repro_ties, 'score DESC, id ASC', first => step, after => c) p OFFSET step - 1;
    left_ := left_ - step;
  END LOOP;
  RETURN c;
END $$;
SELECT pg_temp.walk(19990) AS cur \gset
SELECT (p.node).id, (p.node).score FROM keyset_page(NULL::kp_repro_ties, 'score DESC, id ASC', first => 1, before => NULL, after => :'cur') p;

-- the seeks: range 1 on ties_pkey, "Rows Removed by Filter: 440000"
SELECT * FROM keyset_explain(NULL::kp_repro_ties, 'score DESC, id ASC', first => 20, after => :'cur', with_analyze => true);
-- ~50 ms a page instead of ~0.1 ms
SELECT count(*) FROM keyset_page(NULL::kp_repro_ties, 'score DESC, id ASC', first => 20, after => :'cur') p;
SELECT count(*) FROM keyset_page(NULL::kp_repro_ties, 'score DESC, id ASC', first => 20, after => :'cur') p;

-- the same seek by hand, prepared and generic: the same plan
PREPARE eq(int, bigint) AS
  SELECT * FROM kp_repro_ties WHERE score = $1 AND id > $2 ORDER BY score DESC, id ASC LIMIT 21;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (ANALYZE, TIMING OFF, COSTS OFF) EXECUTE eq(49, 559990);
-- suggested fix: write the prefix equality as a range.  No equivalence class
-- is made from it, score stays in the ORDER BY, and only the (score, id)
-- index can serve it: 10 rows read, 0.02 ms (generic and custom plans alike)
PREPARE rng(int, bigint) AS
  SELECT * FROM kp_repro_ties WHERE score >= $1 AND score <= $1 AND id > $2 ORDER BY score DESC, id ASC LIMIT 21;
EXPLAIN (ANALYZE, TIMING OFF, COSTS OFF) EXECUTE rng(49, 559990);
RESET plan_cache_mode;
DROP TABLE kp_repro_ties;
