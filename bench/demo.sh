#!/usr/bin/env bash
# bench/demo.sh: the keyset_pagination demo, run inside a cluster environment
# (PGHOST/PGPORT/PGUSER set; `make demo` provides one through pg_virtualenv).
#
#   0. seed posts          3. drift: OFFSET duplicates and skips, keyset not
#   1. OFFSET by depth     4. ties: a naive seek loses rows at the seams
#   2. keyset_page         5. paging backward retraces the forward pages
#                          6. tampered and malformed cursors are refused
#
# Ends with the before/after table (markdown) and a PNG plot, written with the
# raw figures (CSV) to the results folder.
#
#   KP_ROWS         rows to seed (default 1000000)
#   KP_PAGES        page numbers to measure (default "1 10 100 1000 10000";
#                   clamped to what the table holds)
#   KP_RUNS         timed runs per measurement, median reported (default 7)
#   KP_DB           database to use; created if missing and then dropped
#                   (default: the current PGDATABASE, left in place)
#   KP_RESULTS_DIR  where results go (default bench/results/<UTC timestamp>)
#   KP_PUBLISH=1    also refresh a copy in doc/results/
#   KP_KEEP=1       keep the kp_demo schema (tables, helpers) afterwards
set -euo pipefail
KP_BENCH_DIR="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$KP_BENCH_DIR")"
. "$KP_BENCH_DIR/lib.sh"

ROWS="${KP_ROWS:-1000000}"
RUNS="${KP_RUNS:-7}"
if [ "$ROWS" -lt 200 ]; then echo "demo.sh: KP_ROWS must be at least 200" >&2; exit 2; fi
PAGES_WANTED="${KP_PAGES:-1 10 100 1000 10000}"
SIZE=20
SCHEMA=kp_demo
ORD='created_at DESC, id DESC'
OUT="${KP_RESULTS_DIR:-$ROOT/bench/results/$(date -u +%Y%m%dT%H%M%SZ)}"
T0=$(now_s)

kp_bench_db "$SCHEMA"

mkdir -p "$OUT"
section() { printf "\n==== %s\n\n" "$*"; }

echo "keyset_pagination demo: $(commas "$ROWS") rows, $SIZE rows a page, medians of $RUNS runs"
echo "results: $OUT"
machine_info | tee "$OUT/machine.txt" | sed 's/^/  /'

kp_setup_schema $SCHEMA

# ---------------------------------------------------------------------------
section "0. Seed: posts, $(commas "$ROWS") rows"
seed_posts "$ROWS"

# page numbers: the wanted ones, clamped to the last full page, deduplicated
MAXPAGE=$(( ROWS / SIZE ))
PAGES=$(for p in $PAGES_WANTED; do [ "$p" -gt $MAXPAGE ] && p=$MAXPAGE; echo "$p"; done | sort -n | uniq | tr '\n' ' ')
echo "  pages measured: $PAGES"

q -c "CREATE TABLE results (page int PRIMARY KEY, offset_rows_skipped bigint,
        offset_ms float8, offset_rows_read bigint, offset_runs_ms float8[],
        keyset_ms float8, keyset_page_rows bigint, keyset_probe_rows bigint, keyset_seeks int,
        keyset_runs_ms float8[], same_rows boolean)"

# ---------------------------------------------------------------------------
section "1. OFFSET pagination: every page re-reads all the rows before it"
echo "  Timing: EXPLAIN (ANALYZE, TIMING OFF) \"Execution Time\" in the server, 6 warm-up runs,"
echo "  then the median of $RUNS runs.  Rows read: the index scan's actual rows."
for page in $PAGES; do
  off=$(( (page - 1) * SIZE ))
  sql="SELECT * FROM posts ORDER BY created_at DESC, id DESC LIMIT $SIZE OFFSET $off"
  echo
  echo "  page $(commas $page):"
  show_sql "$sql;"
  IFS='|' read -r ms rows <<<"$(q -c "INSERT INTO results (page, offset_rows_skipped, offset_ms, offset_rows_read, offset_runs_ms)
      SELECT $page, $off, m.median_ms, m.rows_read, m.runs_ms FROM measure(\$q\$$sql\$q\$, $RUNS) m
      RETURNING round(offset_ms::numeric, 3), offset_rows_read")"
  echo "    -> median $ms ms; the index scan read $(commas "$rows") rows to return $SIZE"
done

# ---------------------------------------------------------------------------
section "2. keyset_page: every page is one index seek from the cursor"
show_sql "SELECT * FROM keyset_check(NULL::posts, '$ORD');"
psql -X -q -c "SELECT sort_key, is_unique, unique_by, index FROM keyset_check(NULL::posts, '$ORD')" | sed 's/^/    /'
echo "  A cursor is signed and bound to (relation, sort, filter, args): the only way to hold"
echo "  a valid cursor at depth is to page there.  Paging forward with first => 1000:"
q -c "CREATE TABLE cursors (page int PRIMARY KEY, cursor text, walk_calls int)"
prev_pos=0; prev_page=""
for page in $PAGES; do
  pos=$(( (page - 1) * SIZE ))
  if [ $pos -eq 0 ]; then
    q -c "INSERT INTO cursors VALUES ($page, NULL, 0)"; continue
  fi
  t=$(now_s)
  # from the previous depth's cursor on: the walks add up to one pass
  if [ -n "$prev_page" ]; then
    from="(SELECT cursor FROM cursors WHERE page = $prev_page)"
  else
    from="NULL"
  fi
  q -c "INSERT INTO cursors SELECT $page, w.cur, w.calls FROM cursor_walk('posts', '$ORD', $from, $(( pos - prev_pos ))) w"
  echo "    cursor after row $(commas $pos) (the end of page $(commas $(( page - 1 )))):" \
       "$(q -c "SELECT walk_calls FROM cursors WHERE page = $page") calls from the previous one, $(elapsed "$t")s"
  prev_pos=$pos; prev_page=$page
done

for page in $PAGES; do
  cur=$(q -c "SELECT coalesce(quote_literal(cursor), 'NULL') FROM cursors WHERE page = $page")
  sql="SELECT (p.node).id, p.cursor
FROM keyset_page(NULL::posts, '$ORD', first => $SIZE, after => $cur) p"
  echo
  echo "  page $(commas $page):"
  show_sql "$sql;"
  q -c "UPDATE results r SET keyset_ms = m.median_ms, keyset_runs_ms = m.runs_ms
        FROM measure(\$q\$$sql\$q\$, $RUNS) m WHERE r.page = $page"
  q -c "UPDATE results r SET keyset_page_rows = k.page_rows, keyset_probe_rows = k.probe_rows, keyset_seeks = k.seeks
        FROM keyset_rows('posts', '$ORD', $SIZE, $cur) k WHERE r.page = $page"
  # the same rows as OFFSET returns?
  q -c "UPDATE results SET same_rows = (
          SELECT array_agg(id) FROM (SELECT id FROM posts ORDER BY created_at DESC, id DESC
                                     LIMIT $SIZE OFFSET $(( (page - 1) * SIZE ))) o)
        = (SELECT array_agg((p.node).id) FROM keyset_page(NULL::posts, '$ORD', first => $SIZE, after => $cur) p)
        WHERE page = $page"
  IFS='|' read -r ms pr prb same <<<"$(q -c "SELECT round(keyset_ms::numeric, 3), keyset_page_rows, keyset_probe_rows,
        CASE WHEN same_rows THEN 'same 20 rows as OFFSET ✓' ELSE 'ROWS DIFFER FROM OFFSET ✗' END
        FROM results WHERE page = $page")"
  if [ "$prb" -gt 0 ]; then probe=" + $prb in the has_previous_page probe"; else probe=""; fi
  if [ "$pr" -eq $(( SIZE + 1 )) ]; then why=" ($SIZE + 1 to learn has_next_page)"
  elif [ "$pr" -eq $(( SIZE + 2 )) ]; then why=" (the cursor's own row for has_previous_page, $SIZE, + 1 for has_next_page)"
  else why=""; fi
  echo "    -> median $ms ms; the seek read $pr rows$why$probe; $same"
done

deep=$(echo "$PAGES" | awk '{print $NF}')
deepcur=$(q -c "SELECT coalesce(quote_literal(cursor), 'NULL') FROM cursors WHERE page = $deep")
echo
echo "  The plan at page $(commas "$deep") (every seek keyset_page runs, as the plan cache holds it):"
show_sql "SELECT * FROM keyset_explain(NULL::posts, '$ORD', first => $SIZE,
                              after => $deepcur, with_analyze => true);"
q -c "SELECT * FROM keyset_explain(NULL::posts, '$ORD', first => $SIZE, after => $deepcur, with_analyze => true)" | sed 's/^/    | /'
echo "  (Index Scan on posts_created_at_id with a row-comparison bound, no Sort.)"

# ---------------------------------------------------------------------------
section "3. Drift: rows inserted and deleted while a reader pages"
echo "  One script plays both sessions: the reader reads a page, the writer changes posts,"
echo "  the reader reads the next page.  Each scenario runs in a transaction that is rolled back."
q -c "CREATE TABLE drift (scenario text, method text, duplicates int, skipped int, ids text)"
drift_sql() {  # $1 scenario: insert | delete
  cat <<SQL
\set QUIET on
BEGIN;
CREATE TEMP TABLE seen (method text, page int, pos int, id bigint, cursor text) ON COMMIT DROP;
-- reader, page 1
INSERT INTO seen SELECT 'OFFSET', 1, row_number() OVER (), id, NULL
  FROM (SELECT id FROM posts ORDER BY created_at DESC, id DESC LIMIT $SIZE OFFSET 0) s;
INSERT INTO seen SELECT 'keyset_page', 1, o, (node).id, cursor
  FROM keyset_page(NULL::posts, '$ORD', first => $SIZE) WITH ORDINALITY AS p(node, cursor, hp, hn, o);
SELECT cursor AS end_cursor FROM seen WHERE method = 'keyset_page' AND page = 1 ORDER BY pos DESC LIMIT 1 \gset
SQL
  if [ "$1" = insert ]; then cat <<SQL
\echo '  writer:  INSERT INTO posts (created_at, ...) VALUES (<newer than every row>, ...);'
INSERT INTO posts (created_at, author_id, score, title, body)
  SELECT max(created_at) + interval '1 second', 1, 50, 'breaking news', 'x' FROM posts
  RETURNING id AS new_id \gset
\echo '           -> new post id' :new_id 'now sorts first, ahead of page 1'
SQL
  else cat <<SQL
SELECT id AS del_id FROM seen WHERE method = 'OFFSET' AND page = 1 AND pos = 5 \gset
SELECT format('  writer:  DELETE FROM posts WHERE id = %s;   -- the 5th row of page 1, already shown', :del_id);
DELETE FROM posts WHERE id = :del_id;
SQL
  fi
  cat <<SQL
-- reader, page 2
INSERT INTO seen SELECT 'OFFSET', 2, row_number() OVER (), id, NULL
  FROM (SELECT id FROM posts ORDER BY created_at DESC, id DESC LIMIT $SIZE OFFSET $SIZE) s;
INSERT INTO seen SELECT 'keyset_page', 2, o, (node).id, cursor
  FROM keyset_page(NULL::posts, '$ORD', first => $SIZE, after => :'end_cursor') WITH ORDINALITY AS p(node, cursor, hp, hn, o);
-- duplicates: ids shown twice; skipped: rows that exist now, sort before the
-- last row shown, and were never shown (rows inserted after the reader began
-- and sorting ahead of page 1 are new, not skipped)
CREATE TEMP TABLE verdict ON COMMIT DROP AS
SELECT m.method,
       (SELECT array_agg(id ORDER BY id) FROM (SELECT id FROM seen s WHERE s.method = m.method
                                              GROUP BY id HAVING count(*) > 1) d) AS dup,
       (SELECT array_agg(p.id ORDER BY p.id) FROM posts p
         WHERE (p.created_at, p.id) >= (SELECT x.created_at, x.id FROM posts x
                                        WHERE x.id = (SELECT id FROM seen s WHERE s.method = m.method
                                                      ORDER BY page DESC, pos DESC LIMIT 1))
           AND (p.created_at, p.id) <= (SELECT x.created_at, x.id FROM posts x
                                        WHERE x.id = (SELECT id FROM seen s WHERE s.method = m.method
                                                      ORDER BY page, pos LIMIT 1))
           AND p.id NOT IN (SELECT id FROM seen s WHERE s.method = m.method)) AS skip
FROM (VALUES ('OFFSET'), ('keyset_page')) m(method);
\copy (SELECT '$1', method, coalesce(cardinality(dup), 0), coalesce(cardinality(skip), 0), concat_ws(' ', 'dup:' || dup::text, 'skip:' || skip::text) FROM verdict) TO '$OUT/.drift_$1.csv' CSV
SELECT format('  reader:  page 1 ids %s .. %s, page 2 ids %s .. %s',
              min(id) FILTER (WHERE page = 1 AND pos = 1), min(id) FILTER (WHERE page = 1 AND pos = $SIZE),
              min(id) FILTER (WHERE page = 2 AND pos = 1), min(id) FILTER (WHERE page = 2 AND pos = $SIZE))
       || '   (' || method || ')'
  FROM seen GROUP BY method ORDER BY method = 'OFFSET' DESC;
SELECT format('    %-12s %s', method || ':',
         CASE WHEN dup IS NULL AND skip IS NULL THEN 'every row exactly once, nothing repeated or skipped ✓'
              ELSE concat_ws('; ', 'DUPLICATE id ' || array_to_string(dup, ', ') || ' shown on page 1 and again on page 2',
                                   'SKIPPED id ' || array_to_string(skip, ', ') || ' never shown (it slid onto page 1 after page 1 was read)') END)
  FROM verdict ORDER BY method = 'OFFSET' DESC;
ROLLBACK;
SQL
}
echo
echo "  a) a newer row is inserted between page 1 and page 2"
show_sql "reader:  SELECT * FROM posts ORDER BY created_at DESC, id DESC LIMIT 20 OFFSET 0;   -- page 1
         SELECT * FROM keyset_page(NULL::posts, '$ORD', first => 20);
...
reader:  SELECT * FROM posts ORDER BY created_at DESC, id DESC LIMIT 20 OFFSET 20;  -- page 2
         SELECT * FROM keyset_page(NULL::posts, '$ORD', first => 20, after => :'end_cursor');"
drift_sql insert | q -f -
echo
echo "  b) a row the reader already saw on page 1 is deleted before page 2"
drift_sql delete | q -f -
cat "$OUT/.drift_insert.csv" "$OUT/.drift_delete.csv" | q -c "\copy drift FROM pstdin CSV"
rm -f "$OUT/.drift_insert.csv" "$OUT/.drift_delete.csv"

# ---------------------------------------------------------------------------
section "4. Ties: ORDER BY score DESC (51 distinct scores) on the first 2,000 rows"
TIE_N=$(( ROWS < 2000 ? ROWS : 2000 ))
q -c "CREATE TABLE tie_posts AS SELECT * FROM posts WHERE id <= $TIE_N" \
  -c "ALTER TABLE tie_posts ADD PRIMARY KEY (id)" \
  -c "CREATE INDEX ON tie_posts (score DESC, id DESC)" -c "ANALYZE tie_posts"
echo "  tie_posts: the first $(commas $TIE_N) posts by id, $(q -c "SELECT count(DISTINCT score) FROM tie_posts") distinct scores, ~$(q -c "SELECT round(count(*)::numeric / count(DISTINCT score)) FROM tie_posts") rows per score."
echo "  A hand-written keyset on score alone:"
show_sql "SELECT id, score FROM tie_posts ORDER BY score DESC LIMIT 20;                          -- page 1
SELECT id, score FROM tie_posts WHERE score < :last_score ORDER BY score DESC LIMIT 20;  -- next pages"
echo "  keyset_page on the same order (the primary key is appended as the tiebreaker):"
show_sql "SELECT * FROM keyset_check(NULL::tie_posts, 'score DESC');   -- sort key: $(q -c "SELECT sort_key FROM keyset_check(NULL::tie_posts, 'score DESC')")
SELECT (p.node).id, p.cursor FROM keyset_page(NULL::tie_posts, 'score DESC', first => 20, after => :cursor) p;"
q -c "CREATE TABLE ties (method text, pages int, rows_visited int, distinct_rows int, rows_lost int, duplicates int)"
q <<SQL
DO \$\$
DECLARE
  last_score int; ids bigint[]; all_ids bigint[] := '{}'; pages int := 0; n int;
  cur text; nextp bool := true; pg_ids bigint[]; pg_last text;
BEGIN
  -- naive: WHERE score < last score of the previous page
  LOOP
    SELECT array_agg(id ORDER BY o), (array_agg(score ORDER BY o DESC))[1] INTO ids, n
      FROM (SELECT id, score, row_number() OVER () o
              FROM (SELECT id, score FROM tie_posts WHERE last_score IS NULL OR score < last_score
                    ORDER BY score DESC LIMIT $SIZE) s) t;
    EXIT WHEN ids IS NULL;
    pages := pages + 1; all_ids := all_ids || ids; last_score := n;
  END LOOP;
  INSERT INTO ties SELECT 'naive: WHERE score < last score', pages, cardinality(all_ids),
    (SELECT count(DISTINCT x) FROM unnest(all_ids) x), $TIE_N - (SELECT count(DISTINCT x) FROM unnest(all_ids) x),
    cardinality(all_ids) - (SELECT count(DISTINCT x) FROM unnest(all_ids) x);
  -- keyset_page
  all_ids := '{}'; pages := 0;
  WHILE nextp LOOP
    SELECT array_agg((p.node).id ORDER BY o), (array_agg(p.cursor ORDER BY o DESC))[1], bool_or(p.has_next_page)
      INTO pg_ids, pg_last, nextp
      FROM keyset_page(NULL::tie_posts, 'score DESC', first => $SIZE, after => cur) WITH ORDINALITY AS p(node, cursor, hp, has_next_page, o);
    EXIT WHEN pg_ids IS NULL;
    pages := pages + 1; all_ids := all_ids || pg_ids; cur := pg_last;
  END LOOP;
  INSERT INTO ties SELECT 'keyset_page on score DESC (+ id)', pages, cardinality(all_ids),
    (SELECT count(DISTINCT x) FROM unnest(all_ids) x), $TIE_N - (SELECT count(DISTINCT x) FROM unnest(all_ids) x),
    cardinality(all_ids) - (SELECT count(DISTINCT x) FROM unnest(all_ids) x);
END \$\$;
SQL
psql -X -q -c "SELECT method, pages, rows_visited, distinct_rows, rows_lost, duplicates FROM ties" | sed 's/^/    /'
q -c "WITH p1 AS (SELECT id, score FROM tie_posts ORDER BY score DESC LIMIT $SIZE),
            s AS (SELECT min(score) AS s FROM p1)
      SELECT format('  Why: page 1 ends inside the score = %s group (%s rows; page 1 showed %s of them).',
                    s.s, (SELECT count(*) FROM tie_posts t WHERE t.score = s.s), (SELECT count(*) FROM p1 WHERE p1.score = s.s))
             || E'\n' || format('  \"score < %s\" jumps past the other %s, and the same happens at every seam.', s.s,
                    (SELECT count(*) FROM tie_posts t WHERE t.score = s.s) - (SELECT count(*) FROM p1 WHERE p1.score = s.s))
      FROM s"

# ---------------------------------------------------------------------------
section "5. Both directions: 5 pages forward, then back with last/before"
show_sql "SELECT ... FROM keyset_page(NULL::posts, '$ORD', first => 20, after => :end_cursor_of_previous_page) p;
SELECT ... FROM keyset_page(NULL::posts, '$ORD', last => 20, before => :start_cursor_of_next_page) p;"
q -c "CREATE TABLE bidir (direction text, page int, ids bigint[], has_previous boolean, has_next boolean, same_as_forward boolean)"
q <<SQL
DO \$\$
DECLARE cur text; v_ids bigint[]; s text; e text; hp bool; hn bool;
BEGIN
  FOR pg IN 1..5 LOOP
    SELECT array_agg((p.node).id ORDER BY o), (array_agg(p.cursor ORDER BY o))[1], (array_agg(p.cursor ORDER BY o DESC))[1],
           bool_or(p.hp), bool_or(p.hn)
      INTO v_ids, s, e, hp, hn
      FROM keyset_page(NULL::posts, '$ORD', first => $SIZE, after => cur) WITH ORDINALITY AS p(node, cursor, hp, hn, o);
    INSERT INTO bidir VALUES ('forward', pg, v_ids, hp, hn, NULL);
    cur := e;
    IF pg = 5 THEN cur := s; END IF;
  END LOOP;
  FOR pg IN REVERSE 4..1 LOOP
    SELECT array_agg((p.node).id ORDER BY o), (array_agg(p.cursor ORDER BY o))[1], bool_or(p.hp), bool_or(p.hn)
      INTO v_ids, s, hp, hn
      FROM keyset_page(NULL::posts, '$ORD', last => $SIZE, before => cur) WITH ORDINALITY AS p(node, cursor, hp, hn, o);
    INSERT INTO bidir SELECT 'backward', pg, v_ids, hp, hn, v_ids = f.ids FROM bidir f WHERE f.direction = 'forward' AND f.page = pg;
    cur := s;
  END LOOP;
END \$\$;
SQL
q -c "SELECT format('  %-8s page %s: %s .. %s (%s ids)  has_previous=%s has_next=%s%s',
                    direction, page, ids[1], ids[cardinality(ids)], cardinality(ids),
                    has_previous, has_next,
                    CASE WHEN same_as_forward THEN '  = forward page ' || page || ' ✓'
                         WHEN same_as_forward IS FALSE THEN '  DIFFERS from forward page ' || page || ' ✗' ELSE '' END)
      FROM bidir ORDER BY direction DESC, CASE WHEN direction = 'forward' THEN page ELSE -page END"

# ---------------------------------------------------------------------------
section "6. Tampered and malformed cursors are refused before any scan"
good=$(q -c "SELECT p.cursor FROM keyset_page(NULL::posts, '$ORD', first => $SIZE) p OFFSET $(( SIZE - 1 ))")
# flip one character in the middle (the end one carries padding bits)
bad=$(q -c "SELECT overlay('$good' PLACING CASE WHEN substr('$good', 20, 1) = 'A' THEN 'B' ELSE 'A' END FROM 20 FOR 1)")
echo "  valid cursor:    $good"
echo "  tampered cursor: $bad   (character 20 changed)"
show_sql "SELECT (p.node).id FROM keyset_page(NULL::posts, '$ORD', first => 20, after => '$bad') p;"
psql -X -q -c "\\set VERBOSITY verbose" \
  -c "SELECT (p.node).id FROM keyset_page(NULL::posts, '$ORD', first => 20, after => '$bad') p" 2>&1 | grep -v '^LOCATION' | sed 's/^/    /' || true
q -c "CREATE TABLE refusals (cursor_kind text, sqlstate text, message text, detail text, index_scans int, seq_scans int)"
q <<SQL
DO \$\$
DECLARE st text; msg text; det text; i0 bigint; s0 bigint; i1 bigint; s1 bigint; k text; c text;
BEGIN
  -- warm up: the backend's first call prepares the seek plans, and planning
  -- probes the index for its end values (counted as index scans)
  FOR i IN 1..6 LOOP
    PERFORM (p.node).id FROM keyset_page(NULL::posts, '$ORD', first => $SIZE, after => '$good') p;
  END LOOP;
  FOR k, c IN VALUES ('valid (control)', '$good'), ('tampered: one character flipped', '$bad'), ('malformed: ''garbage''', 'garbage') LOOP
    SELECT coalesce(sum(idx_scan), 0), coalesce(sum(seq_scan), 0) INTO i0, s0 FROM pg_stat_xact_user_tables WHERE relid = 'posts'::regclass;
    st := '00000'; msg := 'ok'; det := NULL;
    BEGIN
      PERFORM (p.node).id FROM keyset_page(NULL::posts, '$ORD', first => $SIZE, after => c) p;
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
    END;
    SELECT coalesce(sum(idx_scan), 0), coalesce(sum(seq_scan), 0) INTO i1, s1 FROM pg_stat_xact_user_tables WHERE relid = 'posts'::regclass;
    INSERT INTO refusals VALUES (k, st, msg, det, i1 - i0, s1 - s0);
  END LOOP;
END \$\$;
SQL
echo "  Scans of posts during each call (pg_stat_xact_user_tables, this transaction):"
q -c "SELECT format('    %-34s SQLSTATE %s  %-15s index scans %s, seq scans %s%s', cursor_kind, sqlstate,
                    '\"' || message || '\"', index_scans, seq_scans,
                    CASE WHEN sqlstate = '22KP1' AND index_scans = 0 AND seq_scans = 0 THEN '  refused, nothing scanned ✓'
                         WHEN sqlstate = '00000' THEN '  (a normal page: one seek from the cursor)' ELSE '  ✗' END)
      FROM refusals"
q -c "SELECT format('    %s: %s', cursor_kind, detail) FROM refusals WHERE detail IS NOT NULL"

# ---------------------------------------------------------------------------
section "Before/after: OFFSET vs keyset_page ($(commas "$ROWS") rows, $SIZE a page)"
q -c "CREATE VIEW results_csv AS
      SELECT page, offset_rows_skipped, round(offset_ms::numeric, 4) AS offset_median_ms, offset_rows_read,
             array_to_string(offset_runs_ms, ' ') AS offset_runs_ms,
             round(keyset_ms::numeric, 4) AS keyset_median_ms, keyset_page_rows + keyset_probe_rows AS keyset_rows_read,
             keyset_page_rows AS keyset_page_seek_rows, keyset_probe_rows, keyset_seeks,
             array_to_string(keyset_runs_ms, ' ') AS keyset_runs_ms,
             round((offset_ms / keyset_ms)::numeric, 2) AS speedup, same_rows
      FROM results ORDER BY page"
q -c "\\copy (SELECT * FROM results_csv) TO '$OUT/demo.csv' WITH (FORMAT csv, HEADER true)"
for t in drift ties bidir refusals; do
  q -c "\copy (SELECT * FROM $t) TO '$OUT/demo_$t.csv' WITH (FORMAT csv, HEADER true)"
done
fmt_ms() { awk -v v="$1" 'BEGIN { if (v >= 100) printf "%.0f", v; else if (v >= 10) printf "%.1f", v; else if (v >= 1) printf "%.2f", v; else printf "%.3f", v }'; }
{
  echo "| page | OFFSET median ms | OFFSET rows read | keyset_page median ms | keyset_page rows read | speed-up |"
  echo "|---:|---:|---:|---:|---:|---:|"
  tail -n +2 "$OUT/demo.csv" | while IFS=, read -r page skipped oms orows oruns kms krows kpage kprobe kseeks kruns speed same; do
    if [ "$kprobe" -gt 0 ]; then kr="$kpage + $kprobe probe"; else kr="$kpage"; fi
    printf "| %s | %s | %s | %s | %s | %s× |\n" "$(commas "$page")" "$(fmt_ms "$oms")" "$(commas "$orows")" \
      "$(fmt_ms "$kms")" "$kr" "$(awk -v s="$speed" 'BEGIN { if (s >= 10) printf "%.0f", s; else printf "%.1f", s }')"
  done
} >"$OUT/demo_table.md"
cat "$OUT/demo_table.md"
{
  echo "# keyset_pagination demo"
  echo
  echo "$(commas "$ROWS") rows, $SIZE rows a page; median of $RUNS runs of EXPLAIN (ANALYZE, TIMING OFF) \"Execution Time\" (in the server, after 6 warm-up runs, so the backend's one-time preparation of the seek plans stays out of the figure)."
  echo "OFFSET: \`SELECT * FROM posts ORDER BY created_at DESC, id DESC LIMIT 20 OFFSET n\`; keyset: \`keyset_page(NULL::posts, '$ORD', first => 20, after => cursor)\`."
  echo "Rows read: actual rows of the scan nodes (keyset: the page seek, from the cursor's own row, which answers has_previous_page, to 20 + 1 for has_next_page; a has_previous_page probe only runs when the cursor's row is gone)."
  echo
  cat "$OUT/demo_table.md"
  echo
  echo "Drift (rows inserted/deleted between page 1 and page 2):"
  echo
  echo "| scenario | method | duplicates | skipped | ids |"
  echo "|---|---|---:|---:|---|"
  q -F '|' -c "SELECT '', scenario, method, duplicates, skipped, ids, '' FROM drift"
  echo
  echo "Ties (\`score DESC\`, $TIE_N rows):"
  echo
  echo "| method | pages | rows visited | distinct | lost | duplicates |"
  echo "|---|---:|---:|---:|---:|---:|"
  q -F '|' -c "SELECT '', method, pages, rows_visited, distinct_rows, rows_lost, duplicates, '' FROM ties"
  echo
  echo "Refused cursors:"
  echo
  echo "| cursor | SQLSTATE | index scans | seq scans |"
  echo "|---|---|---:|---:|"
  q -F '|' -c "SELECT '', cursor_kind, sqlstate, index_scans, seq_scans, '' FROM refusals"
  echo
  echo "Machine:"
  echo
  sed 's/^/    /' "$OUT/machine.txt"
} >"$OUT/demo.md"

# the plot: latency vs page depth, log-log
if command -v gnuplot >/dev/null 2>&1; then
  gnuplot <<GP
set terminal pngcairo size 900,560 font "sans,11"
set output "$OUT/demo.png"
set datafile separator ","
set termoption noenhanced
set title "Page latency vs depth: OFFSET vs keyset_page ($(commas "$ROWS") rows, $SIZE per page, median of $RUNS runs)"
set xlabel "page number"
set ylabel "server execution time (ms, log scale)"
set logscale xy
set format y "%g"
set grid
set key top left
set offsets graph 0.07, graph 0.14, graph 0.12, graph 0.06
plot "$OUT/demo.csv" every ::1 using 1:3 with linespoints lw 2 pt 7 lc rgb "#c0392b" title "OFFSET", \
     "$OUT/demo.csv" every ::1 using 1:6 with linespoints lw 2 pt 5 lc rgb "#2471a3" title "keyset_page", \
     "$OUT/demo.csv" every ::1 using 1:3:(sprintf("%.3g ms", \$3)) with labels left offset char 1,-0.6 tc rgb "#c0392b" notitle, \
     "$OUT/demo.csv" every ::1 using 1:6:(sprintf("%.3g ms", \$6)) with labels offset char 0,1.1 tc rgb "#2471a3" notitle
GP
  echo
  echo "plot: $OUT/demo.png"
else
  echo
  echo "plot: skipped (gnuplot is not installed; make demo installs gnuplot-nox)"
fi

if [ "${KP_PUBLISH:-0}" = 1 ]; then
  mkdir -p "$ROOT/doc/results"
  for f in demo.md demo.csv demo_drift.csv demo_ties.csv demo_bidir.csv demo_refusals.csv demo.png machine.txt; do
    [ -e "$OUT/$f" ] && cp "$OUT/$f" "$ROOT/doc/results/${f/machine.txt/demo_machine.txt}"
  done
  echo "published: $ROOT/doc/results/"
fi
echo "results: $OUT (demo.md, demo.csv, demo_*.csv${KP_NOPLOT:+}, demo.png)"
echo "demo finished in $(elapsed "$T0")s"
