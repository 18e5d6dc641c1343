-- keyset_page's planner path (src/scan.c): which scan serves which query
-- shape, and what EXPLAIN shows.  A FROM item that is keyset_page alone,
-- with arguments that are constants, $n or stable functions of those, is a
-- Custom Scan (KeysetPage): (p.node).col in its Output is a column of the
-- scan ("Node Columns"), not a field taken out of the composite.  Anything
-- else is the Function Scan, with the same results (test/pgtap/17).
CREATE TABLE sc (id int PRIMARY KEY, a int, gone int, b text);
ALTER TABLE sc DROP COLUMN gone;
INSERT INTO sc SELECT g, g % 5, 'b' || g FROM generate_series(1, 30) g;
CREATE INDEX ON sc (a, id);
ANALYZE sc;

-- a session's first statement: planning keyset_page calls its support
-- function, which loads the library and so its planner hook
-- (p.node).*: the columns are read, the node is not returned
EXPLAIN (COSTS OFF, VERBOSE)
SELECT (p.node).*, p.cursor FROM keyset_page(NULL::sc, 'a, id', first => 3) p;
SELECT (p.node).*, p.has_previous_page, p.has_next_page FROM keyset_page(NULL::sc, 'a, id', first => 3) p;

-- one column, and a qual on another: both read as columns
EXPLAIN (COSTS OFF, VERBOSE)
SELECT (p.node).b FROM keyset_page(NULL::sc, 'a, id', first => 10) p WHERE (p.node).id > 20;

-- the node as a whole, and only the cursor
EXPLAIN (COSTS OFF, VERBOSE)
SELECT p.node FROM keyset_page(NULL::sc, 'a, id', first => 3) p;
EXPLAIN (COSTS OFF, VERBOSE)
SELECT p.cursor FROM keyset_page(NULL::sc, 'a, id', first => 3) p;

-- without VERBOSE: the row type only
EXPLAIN (COSTS OFF)
SELECT (p.node).* FROM keyset_page(NULL::sc, 'a, id', first => 3) p;

-- $n of a prepared statement: the generic plan is the custom scan
PREPARE sc_page(text, int) AS
  SELECT (p.node).id, p.cursor FROM keyset_page(NULL::sc, 'a, id', first => $2, after => $1) p;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF, VERBOSE) EXECUTE sc_page(NULL, 2);
RESET plan_cache_mode;
DEALLOCATE sc_page;

-- in a join: the custom scan returns the node, the join takes it apart
EXPLAIN (COSTS OFF, VERBOSE)
SELECT g, (p.node).id FROM generate_series(1, 2) g, keyset_page(NULL::sc, 'a, id', first => 2) p;

-- the function scan serves: WITH ORDINALITY, LATERAL arguments, a
-- whole-row reference to the FROM item
EXPLAIN (COSTS OFF)
SELECT (p.node).id FROM keyset_page(NULL::sc, 'a, id', first => 3) WITH ORDINALITY p;
EXPLAIN (COSTS OFF)
SELECT (p.node).id FROM generate_series(1, 2) g, keyset_page(NULL::sc, 'a, id', first => g) p;
EXPLAIN (COSTS OFF)
SELECT p FROM keyset_page(NULL::sc, 'a, id', first => 3) p;

DROP TABLE sc;
