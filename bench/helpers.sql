-- Helper functions for bench/demo.sh and bench/bench.sh, created in the
-- first schema of search_path (kp_demo or kp_bench) and dropped with it.

-- Median "Execution Time" of EXPLAIN (ANALYZE, TIMING OFF) of q over runs
-- executions, after warmup executions: the steady state of a pooled
-- connection.  (keyset_page prepares its seek plans inside the first call of
-- a backend, and that planning would land in the timed figure.)  rows_read: the rows the plan's
-- scan nodes visited: returned plus removed by a filter (an OFFSET page: offset + 20).  TIMING OFF keeps
-- the per-row instrumentation overhead out of the figure.  Counts are read as
-- numeric: PostgreSQL 18 shows actual rows as a per-loop average with decimals.
CREATE FUNCTION measure(q text, runs int DEFAULT 7, warmup int DEFAULT 6,
                        OUT median_ms float8, OUT rows_read bigint, OUT runs_ms float8[])
LANGUAGE plpgsql AS $$
DECLARE
  j json;
BEGIN
  runs_ms := '{}';
  FOR i IN 1..warmup LOOP
    EXECUTE 'EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) ' || q INTO j;
  END LOOP;
  FOR i IN 1..runs LOOP
    EXECUTE 'EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) ' || q INTO j;
    runs_ms := runs_ms || (j->0->>'Execution Time')::float8;
  END LOOP;
  SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) INTO median_ms FROM unnest(runs_ms) x;
  SELECT coalesce(round(sum(((n->>'Actual Rows')::numeric + coalesce((n->>'Rows Removed by Filter')::numeric, 0))
                      * (n->>'Actual Loops')::numeric)), 0)
    INTO rows_read
    FROM jsonb_path_query(j::jsonb,
           'strict $.** ? (@."Node Type" like_regex "^(Seq Scan|Index Scan|Index Only Scan|Bitmap Heap Scan)$")') n;
END $$;

-- Rows read by the seeks of one keyset_page call, from keyset_explain(...,
-- with_analyze => true): the page seek(s) and the opposite-flag probe apart;
-- returned rows plus rows a filter removed.
CREATE FUNCTION keyset_rows(rel regclass, ord text, first int, after text,
                            OUT page_rows bigint, OUT probe_rows bigint, OUT seeks int)
LANGUAGE plpgsql AS $$
DECLARE
  l text;
  probe bool := false;
  n bigint;
BEGIN
  page_rows := 0; probe_rows := 0; seeks := 0;
  FOR l IN EXECUTE format('SELECT * FROM keyset_explain(NULL::%s, $1, first => $2, after => $3, with_analyze => true)', rel)
           USING ord, first, after
  LOOP
    IF l ~ '^seek ' THEN
      seeks := seeks + 1;
      probe := l ~ 'probe';
    ELSIF (l ~ 'Scan' AND l ~ 'actual rows=') OR l ~ 'Rows Removed by Filter: ' THEN
      -- rows a scan returned, and rows it read but filtered out
      n := round(coalesce(substring(l FROM 'actual rows=([0-9.]+)')::numeric * substring(l FROM 'loops=(\d+)')::numeric,
                          substring(l FROM 'Rows Removed by Filter: ([0-9.]+)')::numeric));
      IF probe THEN probe_rows := probe_rows + n; ELSE page_rows := page_rows + n; END IF;
    END IF;
  END LOOP;
END $$;

-- The page cursor n rows past start (NULL: the beginning) in the order ord,
-- reached by paging forward in pages of keyset_pagination.max_page_size.
-- Page cursors are bound to (relation, sort, filter, args), so this is the
-- way to hold a valid cursor deep in the table.
CREATE FUNCTION cursor_walk(rel regclass, ord text, start text, n bigint, OUT cur text, OUT calls int)
LANGUAGE plpgsql AS $$
DECLARE
  left_ bigint := n;
  step int;
  -- the setting exists once the library is loaded; 1000 is its default
  maxp int := coalesce(current_setting('keyset_pagination.max_page_size', true)::int, 1000);
BEGIN
  cur := start; calls := 0;
  WHILE left_ > 0 LOOP
    step := least(left_, maxp);
    EXECUTE format('SELECT p.cursor FROM keyset_page(NULL::%s, $1, first => $2, after => $3) p OFFSET $4', rel)
      INTO cur USING ord, step, cur, step - 1;
    IF cur IS NULL THEN
      RAISE EXCEPTION 'cursor_walk: the table ends before row %', n;
    END IF;
    left_ := left_ - step;
    calls := calls + 1;
  END LOOP;
END $$;

-- Rows read by a prepared statement in the plan cache's steady state, the
-- way pgbench -M prepared runs it: PREPARE, 6 executions (the first 5 are
-- planned with the actual values; then the plan cache settles on a generic
-- or a custom plan), then EXPLAIN ANALYZE EXECUTE.  args: the parameter
-- list as SQL, e.g. '''2024-01-01''::timestamptz, 42'.
CREATE FUNCTION prepared_rows(q text, args text, OUT rows_read bigint, OUT plan text)
LANGUAGE plpgsql AS $$
DECLARE
  j json;
  ex text := 'EXECUTE kp_rows_read' || CASE WHEN args <> '' THEN '(' || args || ')' ELSE '' END;
BEGIN
  EXECUTE 'PREPARE kp_rows_read AS ' || q;
  FOR i IN 1..6 LOOP
    EXECUTE ex;
  END LOOP;
  EXECUTE 'EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) ' || ex INTO j;
  EXECUTE 'DEALLOCATE kp_rows_read';
  SELECT coalesce(round(sum(((n->>'Actual Rows')::numeric + coalesce((n->>'Rows Removed by Filter')::numeric, 0))
                      * (n->>'Actual Loops')::numeric)), 0),
         string_agg(DISTINCT (n->>'Node Type') || ' on ' || (n->>'Index Name'), ', ')
    INTO rows_read, plan
    FROM jsonb_path_query(j::jsonb,
           'strict $.** ? (@."Node Type" like_regex "^(Seq Scan|Index Scan|Index Only Scan|Bitmap Heap Scan)$")') n;
END $$;
