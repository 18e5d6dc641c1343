#!/usr/bin/env bash
# bench/bench.sh: pgbench figures for keyset_pagination, run inside a cluster
# environment (PGHOST/PGPORT/PGUSER set; `make bench` provides one).
#
# At pages 1, 1,000 and 10,000 (20 rows a page, clamped to the table):
#   floor   hand-written prepared seek, LIMIT 21 (the least a keyset page costs)
#   page    keyset_page(first => 20, after => cursor): cursor decode + verify,
#           seek, n+1, has_previous_page probe, a signed cursor for every row
#   conn    keyset_connection(first => 20, after => cursor): the same as jsonb,
#           plus the count estimate
#   offset  LIMIT 20 OFFSET n
# plus, at the deepest page, `score DESC, id ASC` (mixed directions, heavy
# ties) against hand-written SQL, and cursor encode + verify throughput.
#
# pgbench -M prepared -c 1 -j 1; every case runs KP_BENCH_T seconds per round,
# rounds interleave the cases (rotated order), medians over KP_BENCH_ROUNDS.
# Then the floor, keyset_page and keyset_connection at the deepest page with
# 1, 2, 4 and 8 clients (KP_BENCH_CLIENTS), interleaved the same way; and
# backend instructions per page under callgrind (bench/instructions.sh, a
# cluster of its own on port KP_INSTR_PORT; KP_INSTR=0 skips it).
# Quick mode: KP_ROWS=100000 KP_BENCH_T=2 KP_BENCH_ROUNDS=1 KP_INSTR_N=50.
#
#   KP_ROWS          rows to seed (default 1000000)
#   KP_BENCH_T       seconds per pgbench run (default 5)
#   KP_BENCH_ROUNDS  rounds (default 5)
#   KP_BENCH_PAGES   pages (default "1 1000 10000")
#   KP_BENCH_CLIENTS client counts of the scaling table (default "1 2 4 8")
#   KP_INSTR         1 (default): instructions per page with callgrind; 0: skip
#   KP_FIRST_CALL    1 (default): the first call in a new backend in ms
#                    (bench/first_call.sh, 20,000 rows, a cluster of its own); 0: skip
#   KP_PROFILE       auto (default: perf profile when a target is missed),
#                    1 (always), 0 (never)
#   KP_DB            database to use; created if missing, then dropped
#   KP_RESULTS_DIR   where results go (default bench/results/<UTC timestamp>)
#   KP_PUBLISH=1     also refresh a copy in doc/results/
#   KP_KEEP=1        keep the kp_bench schema afterwards
set -euo pipefail
KP_BENCH_DIR="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$KP_BENCH_DIR")"
. "$KP_BENCH_DIR/lib.sh"

ROWS="${KP_ROWS:-1000000}"
if [ "$ROWS" -lt 200 ]; then echo "bench.sh: KP_ROWS must be at least 200" >&2; exit 2; fi
T="${KP_BENCH_T:-5}"
ROUNDS="${KP_BENCH_ROUNDS:-5}"
PAGES_WANTED="${KP_BENCH_PAGES:-1 1000 10000}"
PROFILE="${KP_PROFILE:-auto}"
SIZE=20
SCHEMA=kp_bench
ORD='created_at DESC, id DESC'
MORD='score DESC, id ASC'
OUT="${KP_RESULTS_DIR:-$ROOT/bench/results/$(date -u +%Y%m%dT%H%M%SZ)}"
T0=$(now_s)

SCRIPTS=$(mktemp -d)
kp_bench_db "$SCHEMA" 'rm -rf "$SCRIPTS"'
mkdir -p "$OUT"

echo "keyset_pagination bench: $(commas "$ROWS") rows, pgbench -M prepared -c 1 -j 1, ${T}s a run, $ROUNDS rounds"
echo "results: $OUT"
machine_info | tee "$OUT/machine.txt" | sed 's/^/  /'
kp_setup_schema $SCHEMA

echo
echo "== seed"
seed_posts "$ROWS"

MAXPAGE=$(( ROWS / SIZE ))
PAGES=$(for p in $PAGES_WANTED; do [ "$p" -gt $MAXPAGE ] && p=$MAXPAGE; echo "$p"; done | sort -n | uniq | tr '\n' ' ')
DEEP=$(echo "$PAGES" | awk '{print $NF}')
FIRST=$(echo "$PAGES" | awk '{print $1}')

# ---------------------------------------------------------------------------
echo
echo "== positions (pages $PAGES)"
# per page: the last row of the previous page, its keyset cursor
q -c "CREATE TABLE pos (page int PRIMARY KEY, ts text, id bigint, cur text, s int, mid bigint, mcur text)"
prev_pos=0; prev_page=""
for page in $PAGES; do
  pos=$(( (page - 1) * SIZE ))
  if [ $pos -eq 0 ]; then q -c "INSERT INTO pos (page) VALUES ($page)"; continue; fi
  from=NULL; [ -n "$prev_page" ] && from="(SELECT cur FROM pos WHERE page = $prev_page)"
  q -c "INSERT INTO pos (page, ts, id, cur)
        SELECT $page, r.created_at::text, r.id, w.cur
        FROM (SELECT created_at, id FROM posts ORDER BY created_at DESC, id DESC OFFSET $(( pos - 1 )) LIMIT 1) r,
             cursor_walk('posts', '$ORD', $from, $(( pos - prev_pos ))) w"
  prev_pos=$pos; prev_page=$page
done
# mixed directions at the deepest page
dpos=$(( (DEEP - 1) * SIZE ))
if [ $dpos -gt 0 ]; then
  q -c "UPDATE pos SET s = r.score, mid = r.id, mcur = w.cur
        FROM (SELECT score, id FROM posts ORDER BY score DESC, id ASC OFFSET $(( dpos - 1 )) LIMIT 1) r,
             cursor_walk('posts', '$MORD', NULL, $dpos) w
        WHERE page = $DEEP"
fi
# the keyset pages start where the hand-written seeks do
for page in $PAGES; do
  cur=$(q -c "SELECT coalesce(quote_literal(cur), 'NULL') FROM pos WHERE page = $page")
  ok=$(q -c "SELECT (SELECT array_agg(id) FROM (SELECT id FROM posts ORDER BY created_at DESC, id DESC
                                               LIMIT $SIZE OFFSET $(( (page - 1) * SIZE ))) o)
                  = (SELECT array_agg((p.node).id) FROM keyset_page(NULL::posts, '$ORD', first => $SIZE, after => $cur) p)")
  [ "$ok" = t ] || { echo "page $page: keyset_page and OFFSET disagree"; exit 1; }
  echo "  page $(commas "$page"): $(q -c "SELECT coalesce('after (' || ts || ', ' || id || ')', 'first page') FROM pos WHERE page = $page"); keyset_page = OFFSET rows ✓"
done
[ $dpos -gt 0 ] && echo "  mixed '$MORD', page $(commas "$DEEP"): after $(q -c "SELECT '(score ' || s || ', id ' || mid || ')' FROM pos WHERE page = $DEEP")"

# ---------------------------------------------------------------------------
# pgbench scripts: one per case; the position comes in through -D
cat >"$SCRIPTS/floor_first.sql" <<SQL
SELECT * FROM posts ORDER BY created_at DESC, id DESC LIMIT 21;
SQL
cat >"$SCRIPTS/floor.sql" <<SQL
SELECT * FROM posts WHERE (created_at, id) < (:ts, :id) ORDER BY created_at DESC, id DESC LIMIT 21;
SQL
cat >"$SCRIPTS/page_first.sql" <<SQL
SELECT (p.node).*, p.cursor, p.has_next_page FROM keyset_page(NULL::posts, '$ORD', first => 20) p;
SQL
cat >"$SCRIPTS/page.sql" <<SQL
SELECT (p.node).*, p.cursor, p.has_next_page FROM keyset_page(NULL::posts, '$ORD', first => 20, after => :cur) p;
SQL
cat >"$SCRIPTS/conn_first.sql" <<SQL
SELECT keyset_connection(NULL::posts, '$ORD', first => 20);
SQL
cat >"$SCRIPTS/conn.sql" <<SQL
SELECT keyset_connection(NULL::posts, '$ORD', first => 20, after => :cur);
SQL
cat >"$SCRIPTS/offset.sql" <<SQL
SELECT * FROM posts ORDER BY created_at DESC, id DESC LIMIT 20 OFFSET :off;
SQL
# mixed directions: the rest of the score group after the id, then lower scores
cat >"$SCRIPTS/mixed_hand.sql" <<SQL
(SELECT * FROM posts WHERE score = :s AND id > :id ORDER BY id LIMIT 21)
UNION ALL
(SELECT * FROM posts WHERE score < :s ORDER BY score DESC, id ASC LIMIT 21) LIMIT 21;
SQL
# the same with the equality written as a range, so that the planner keeps
# score in the ORDER BY and takes the (score DESC, id ASC) index
cat >"$SCRIPTS/mixed_hand_range.sql" <<SQL
(SELECT * FROM posts WHERE score >= :s AND score <= :s AND id > :id ORDER BY score DESC, id ASC LIMIT 21)
UNION ALL
(SELECT * FROM posts WHERE score < :s ORDER BY score DESC, id ASC LIMIT 21) LIMIT 21;
SQL
cat >"$SCRIPTS/mixed_page.sql" <<SQL
SELECT (p.node).*, p.cursor, p.has_next_page FROM keyset_page(NULL::posts, '$MORD', first => 20, after => :cur) p;
SQL
cat >"$SCRIPTS/codec.sql" <<SQL
SELECT keyset_cursor_verify(keyset_cursor_encode(ROW(now(), 42::bigint)));
SQL
mkdir -p "$OUT/pgbench"
cp "$SCRIPTS"/*.sql "$OUT/pgbench/"

# cases: name|page|script|-D definitions (tab-separated list)|label
CASES=()
for page in $PAGES; do
  IFS='|' read -r ts id cur <<<"$(q -c "SELECT ts, id, cur FROM pos WHERE page = $page")"
  if [ -z "$cur" ]; then
    CASES+=("floor|$page|floor_first.sql||hand-written seek (floor)")
    CASES+=("page|$page|page_first.sql||keyset_page")
    CASES+=("conn|$page|conn_first.sql||keyset_connection")
  else
    CASES+=("floor|$page|floor.sql|ts=$ts	id=$id|hand-written seek (floor)")
    CASES+=("page|$page|page.sql|cur=$cur|keyset_page")
    CASES+=("conn|$page|conn.sql|cur=$cur|keyset_connection")
  fi
  CASES+=("offset|$page|offset.sql|off=$(( (page - 1) * SIZE ))|OFFSET")
done
if [ $dpos -gt 0 ]; then
  IFS='|' read -r s mid mcur <<<"$(q -c "SELECT s, mid, mcur FROM pos WHERE page = $DEEP")"
  CASES+=("mixed_hand|$DEEP|mixed_hand.sql|s=$s	id=$mid|hand-written, score = :s (UNION ALL)")
  CASES+=("mixed_hand_range|$DEEP|mixed_hand_range.sql|s=$s	id=$mid|hand-written, score >= :s AND score <= :s (UNION ALL)")
  CASES+=("mixed_page|$DEEP|mixed_page.sql|cur=$mcur|keyset_page")
fi
CASES+=("codec|0|codec.sql||keyset_cursor_verify(keyset_cursor_encode(ROW(now(), 42::bigint)))")

# rows read per call: EXPLAIN ANALYZE EXECUTE of the prepared statement in
# the plan cache's steady state (keyset: keyset_explain with_analyze)
echo
echo "== rows read per call"
rows_read() {  # name page -> rows read (and the scans, for the hand-written SQL)
  local name=$1 page=$2 ts id cur s mid mcur
  IFS='|' read -r ts id cur s mid mcur <<<"$(q -c "SELECT ts, id, quote_literal(cur), s, mid, quote_literal(mcur) FROM pos WHERE page = $page")"
  [ -z "$cur" ] && cur=NULL
  case $name in
    floor)  if [ "$cur" = NULL ]; then
              q -F ', ' -c "SELECT * FROM prepared_rows('SELECT * FROM posts ORDER BY created_at DESC, id DESC LIMIT 21', '')"
            else
              q -F ', ' -c "SELECT * FROM prepared_rows('SELECT * FROM posts WHERE (created_at, id) < (\$1, \$2) ORDER BY created_at DESC, id DESC LIMIT 21',
                                                       \$a\$'$ts', $id\$a\$)"
            fi ;;
    offset) q -F ', ' -c "SELECT * FROM prepared_rows('SELECT * FROM posts ORDER BY created_at DESC, id DESC LIMIT 20 OFFSET \$1', '$(( (page - 1) * SIZE ))')" ;;
    page|conn) q -c "SELECT page_rows + probe_rows FROM keyset_rows('posts', '$ORD', 20, $cur)" ;;
    mixed_hand) q -F ', ' -c "SELECT * FROM prepared_rows(\$q\$$(tr '\n' ' ' <"$SCRIPTS/mixed_hand.sql" | sed 's/;.*//; s/:s/$1/g; s/:id/$2/g')\$q\$, '$s, $mid')" ;;
    mixed_hand_range) q -F ', ' -c "SELECT * FROM prepared_rows(\$q\$$(tr '\n' ' ' <"$SCRIPTS/mixed_hand_range.sql" | sed 's/;.*//; s/:s/$1/g; s/:id/$2/g')\$q\$, '$s, $mid')" ;;
    mixed_page) q -c "SELECT page_rows + probe_rows FROM keyset_rows('posts', '$MORD', 20, $mcur)" ;;
    *) echo "" ;;
  esac
}
: >"$OUT/rows_read.csv"
for c in "${CASES[@]}"; do
  IFS='|' read -r name page script defs label <<<"$c"
  IFS=, read -r r scans <<<"$(rows_read "$name" "$page")"
  echo "$name,$page,$r" >>"$OUT/rows_read.csv"
  [ -n "$r" ] && printf "  %-17s page %-6s %7s rows%s\n" "$name" "$page" "$(commas "$r")" "${scans:+  (${scans# })}"
done
# the seek plans behind the mixed-direction page
if [ $dpos -gt 0 ]; then
  echo "  keyset_explain, '$MORD', page $(commas "$DEEP"):"
  q -c "SELECT * FROM keyset_explain(NULL::posts, '$MORD', first => 20, after => '$mcur', with_analyze => true)" | sed 's/^/    | /'
fi

# ---------------------------------------------------------------------------
run_pgbench() {  # script defs seconds [clients] -> "tps lat_ms tx failed"
  local script=$1 defs=$2 secs=$3 clients=${4:-1} args=() parts=() d out
  if [ -n "$defs" ]; then
    IFS=$'\t' read -r -a parts <<<"$defs"
    for d in "${parts[@]}"; do args+=(-D "$d"); done
  fi
  out=$(pgbench -n -M prepared -c "$clients" -j "$clients" -T "$secs" -f "$SCRIPTS/$script" "${args[@]}" 2>&1) || {
    echo "pgbench failed: $script" >&2; echo "$out" | tail -n 5 >&2; return 1; }
  awk '/^tps = / { tps = $3 } /^latency average = / { lat = $4 }
       /^number of transactions actually processed:/ { tx = $6 }
       /^number of failed transactions:/ { failed = $5 }
       END { print tps, lat, tx, failed + 0 }' <<<"$out"
}

echo
echo "== pgbench: ${#CASES[@]} cases x $ROUNDS rounds x ${T}s (+ a 1s warm-up pass): ~$(( ${#CASES[@]} * (ROUNDS * T + 1) / 60 + 1 )) min"
echo "round,case,page,tps,latency_ms,transactions,failed" >"$OUT/bench_raw.csv"
for c in "${CASES[@]}"; do
  IFS='|' read -r name page script defs label <<<"$c"
  run_pgbench "$script" "$defs" 1 >/dev/null
done
n=${#CASES[@]}
for r in $(seq 1 "$ROUNDS"); do
  tr0=$(now_s)
  for k in $(seq 0 $(( n - 1 ))); do
    c=${CASES[$(( (k + (r - 1) * 5) % n ))]}     # rotate the order every round
    IFS='|' read -r name page script defs label <<<"$c"
    read -r tps lat tx failed <<<"$(run_pgbench "$script" "$defs" "$T")"
    if [ "$failed" != 0 ] || [ -z "$tps" ]; then echo "  $name page $page: $failed failed transactions" >&2; exit 1; fi
    echo "$r,$name,$page,$tps,$lat,$tx,$failed" >>"$OUT/bench_raw.csv"
  done
  echo "  round $r/$ROUNDS done in $(elapsed "$tr0")s"
done

# ---------------------------------------------------------------------------
# throughput with 1, 2, 4, 8 clients at the deepest page: the floor,
# keyset_page and keyset_connection side by side, interleaved rounds
CLIENTS="${KP_BENCH_CLIENTS:-1 2 4 8}"
SCASES=()
for c in "${CASES[@]}"; do
  IFS='|' read -r name page script defs label <<<"$c"
  case $name in floor|page|conn) [ "$page" = "$DEEP" ] && SCASES+=("$c") ;; esac
done
echo
echo "== clients ($CLIENTS) at page $(commas "$DEEP"): ${#SCASES[@]} cases x $ROUNDS rounds x ${T}s per client count (load: $(cut -d' ' -f1-3 /proc/loadavg))"
echo "round,case,page,clients,tps" >"$OUT/clients_raw.csv"
for r in $(seq 1 "$ROUNDS"); do
  for cl in $CLIENTS; do
    for k in $(seq 0 $(( ${#SCASES[@]} - 1 ))); do
      c=${SCASES[$(( (k + r - 1) % ${#SCASES[@]} ))]}
      IFS='|' read -r name page script defs label <<<"$c"
      read -r tps lat tx failed <<<"$(run_pgbench "$script" "$defs" "$T" "$cl")"
      if [ "$failed" != 0 ] || [ -z "$tps" ]; then echo "  $name $cl clients: $failed failed transactions" >&2; exit 1; fi
      echo "$r,$name,$page,$cl,$tps" >>"$OUT/clients_raw.csv"
    done
  done
done
cmed() {  # cmed case clients: median TPS over the rounds
  awk -F, -v c="$1" -v k="$2" 'NR > 1 && $2 == c && $4 == k { print $5 }' "$OUT/clients_raw.csv" | sort -g |
    awk '{ a[NR] = $1 } END { if (NR) print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
{
  echo "| clients | floor TPS | keyset_page TPS | keyset_connection TPS | keyset_page × floor | keyset_connection × floor | keyset_page × its 1 client | keyset_connection × its 1 client |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
  one_fl=$(cmed floor 1); one_pg=$(cmed page 1); one_cn=$(cmed conn 1)
  for cl in $CLIENTS; do
    fl=$(cmed floor "$cl"); pg=$(cmed page "$cl"); cn=$(cmed conn "$cl")
    printf "| %s | %.0f | %.0f | %.0f | %s× | %s× | %s× | %s× |\n" "$cl" "$fl" "$pg" "$cn" \
      "$(awk -v a="$pg" -v b="$fl" 'BEGIN { printf "%.2f", a / b }')" "$(awk -v a="$cn" -v b="$fl" 'BEGIN { printf "%.2f", a / b }')" \
      "$(awk -v a="$pg" -v b="$one_pg" 'BEGIN { printf "%.2f", a / b }')" "$(awk -v a="$cn" -v b="$one_cn" 'BEGIN { printf "%.2f", a / b }')"
  done
} >"$OUT/clients_table.md"
: "$one_fl"
cat "$OUT/clients_table.md"

# ---------------------------------------------------------------------------
# in-server cost per call: the same statements in a PL/pgSQL loop (cached
# plans, no client round trip), median of 3 loops
echo
echo "== in-server cost per call (PL/pgSQL loop, no network)"
q <<'SQL'
CREATE FUNCTION loop_us(kind text, n int, ts timestamptz, pid bigint, cur text, s int, mid bigint, mcur text)
RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz; r record; j jsonb; b bool;
BEGIN
  t0 := clock_timestamp();
  FOR i IN 1..n LOOP
    CASE kind
    WHEN 'floor' THEN
      IF pid IS NULL THEN
        FOR r IN SELECT * FROM posts ORDER BY created_at DESC, id DESC LIMIT 21 LOOP END LOOP;
      ELSE
        FOR r IN SELECT * FROM posts WHERE (created_at, id) < (ts, pid) ORDER BY created_at DESC, id DESC LIMIT 21 LOOP END LOOP;
      END IF;
    WHEN 'page' THEN
      FOR r IN SELECT (p.node).*, p.cursor, p.has_next_page FROM keyset_page(NULL::posts, 'created_at DESC, id DESC', first => 20, after => cur) p LOOP END LOOP;
    WHEN 'conn' THEN
      j := keyset_connection(NULL::posts, 'created_at DESC, id DESC', first => 20, after => cur);
    WHEN 'mixed_hand' THEN
      FOR r IN (SELECT * FROM posts WHERE score = s AND id > mid ORDER BY id LIMIT 21)
               UNION ALL (SELECT * FROM posts WHERE score < s ORDER BY score DESC, id ASC LIMIT 21) LIMIT 21 LOOP END LOOP;
    WHEN 'mixed_hand_range' THEN
      FOR r IN (SELECT * FROM posts WHERE score >= s AND score <= s AND id > mid ORDER BY score DESC, id ASC LIMIT 21)
               UNION ALL (SELECT * FROM posts WHERE score < s ORDER BY score DESC, id ASC LIMIT 21) LIMIT 21 LOOP END LOOP;
    WHEN 'mixed_page' THEN
      FOR r IN SELECT (p.node).*, p.cursor, p.has_next_page FROM keyset_page(NULL::posts, 'score DESC, id ASC', first => 20, after => mcur) p LOOP END LOOP;
    WHEN 'codec' THEN
      b := keyset_cursor_verify(keyset_cursor_encode(ROW(now(), 42::bigint)));
    END CASE;
  END LOOP;
  RETURN extract(epoch FROM clock_timestamp() - t0) * 1e6 / n;
END $$;
SQL
echo "case,page,us_per_call" >"$OUT/inserver.csv"
for c in "${CASES[@]}"; do
  IFS='|' read -r name page script defs label <<<"$c"
  [ "$name" = offset ] && continue
  n=2000; case $name in mixed_hand) n=200 ;; esac
  us=$(q -c "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x)
             FROM (SELECT loop_us('$name', $n, ts::timestamptz, id, cur, s, mid, mcur) x
                   FROM pos, generate_series(1, 3) WHERE pos.page = $( [ "$page" = 0 ] && echo "$FIRST" || echo "$page" )) l")
  echo "$name,$page,$us" >>"$OUT/inserver.csv"
  printf "  %-17s page %-6s %8.1f µs\n" "$name" "$page" "$us"
done

# ---------------------------------------------------------------------------
# medians and the tables
med() {  # med case page column(4=tps, 5=lat): the median over the rounds
  awk -F, -v c="$1" -v p="$2" -v k="$3" 'NR > 1 && $2 == c && $3 == p { print $k }' "$OUT/bench_raw.csv" | sort -g |
    awk '{ a[NR] = $1 } END { if (NR) print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
spread() {  # min-max of latency
  awk -F, -v c="$1" -v p="$2" 'NR > 1 && $2 == c && $3 == p { v = $5; if (min == "" || v < min) min = v; if (v > max) max = v } END { printf "%s–%s", min, max }' "$OUT/bench_raw.csv"
}
get_rows() { awk -F, -v c="$1" -v p="$2" '$1 == c && $2 == p { print $3 }' "$OUT/rows_read.csv"; }
get_us() { awk -F, -v c="$1" -v p="$2" '$1 == c && $2 == p { printf "%.1f", $3 }' "$OUT/inserver.csv"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "" }'; }

echo "case,page,label,tps_median,latency_ms_median,latency_ms_min_max,ratio_vs_floor,rows_read,inserver_us,inserver_ratio" >"$OUT/bench.csv"
for c in "${CASES[@]}"; do
  IFS='|' read -r name page script defs label <<<"$c"
  tps=$(med "$name" "$page" 4); lat=$(med "$name" "$page" 5)
  case $name in
    floor|page|conn|offset) fl=$(med floor "$page" 5); flus=$(get_us floor "$page") ;;
    mixed_*) fl=$(med mixed_hand_range "$page" 5); flus=$(get_us mixed_hand_range "$page") ;;
    *) fl=""; flus="" ;;
  esac
  r=""; [ -n "$fl" ] && r=$(ratio "$lat" "$fl")
  us=$(get_us "$name" "$page"); ur=""; [ -n "$flus" ] && [ -n "$us" ] && ur=$(ratio "$us" "$flus")
  echo "$name,$page,\"$label\",$tps,$lat,$(spread "$name" "$page"),$r,$(get_rows "$name" "$page"),$us,$ur" >>"$OUT/bench.csv"
done

fmt_tps() { awk -v v="$1" 'BEGIN { printf (v >= 100 ? "%.0f" : "%.1f"), v }'; }
fmt_lat() { awk -v v="$1" 'BEGIN { if (v >= 100) printf "%.0f", v; else if (v >= 10) printf "%.1f", v; else printf "%.3f", v }'; }
row() {  # row case page
  local name=$1 page=$2 line label tps lat spr rat rows us ur
  line=$(awk -F, -v c="$name" -v p="$page" '$1 == c && $2 == p' "$OUT/bench.csv")
  label=$(sed 's/^[^"]*"\([^"]*\)".*/\1/' <<<"$line")
  IFS=, read -r tps lat spr rat rows us ur <<<"$(sed 's/^[^"]*"[^"]*",//' <<<"$line")"
  printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n" "$( [ "$page" = 0 ] && echo "–" || commas "$page")" "$label" \
    "$(fmt_tps "$tps")" "$(fmt_lat "$lat")" "$spr" "${rat:+$rat×}" "$( [ -n "$rows" ] && commas "$rows")" "$us" "${ur:+$ur×}"
}
HDR="| page | query | TPS | mean latency ms | latency ms, min–max of rounds | latency × floor | rows read | in-server µs/call | in-server × floor |
|---:|---|---:|---:|---:|---:|---:|---:|---:|"
{
  echo "$HDR"
  for page in $PAGES; do for name in floor page conn offset; do row $name "$page"; done; done
} >"$OUT/bench_table.md"
{
  echo "$HDR"
  if [ $dpos -gt 0 ]; then for name in mixed_hand_range mixed_hand mixed_page; do row $name "$DEEP"; done; fi
  row codec 0
} >"$OUT/bench_mixed.md"

# targets
lat_of() { med "$1" "$2" 5; }
targets=""
miss=0
t_line() {  # ok? text
  if [ "$1" = 1 ]; then targets+="- ✓ $2"$'\n'; else targets+="- ✗ MISSED: $2"$'\n'; miss=1; fi
}
worst=0
for page in $PAGES; do
  rr=$(ratio "$(lat_of page "$page")" "$(lat_of floor "$page")")
  t_line "$(awk -v r="$rr" 'BEGIN { print (r <= 1.3) ? 1 : 0 }')" \
    "keyset_page ≤ 1.3× the hand-written seek's latency (aim 1.1×), page $(commas "$page"): ${rr}×"
done
fr=$(ratio "$(lat_of page "$DEEP")" "$(lat_of page "$FIRST")")
t_line "$(awk -v r="$fr" 'BEGIN { print (r <= 1.25) ? 1 : 0 }')" \
  "flat: keyset_page at page $(commas "$DEEP") within 1.25× of page $(commas "$FIRST"): ${fr}×"
orr=$(ratio "$(lat_of offset "$DEEP")" "$(lat_of page "$DEEP")")
t_line "$(awk -v r="$orr" 'BEGIN { print (r >= 50) ? 1 : 0 }')" \
  "keyset_page ≥ 50× faster than OFFSET at page $(commas "$DEEP"): ${orr}×"

{
  echo "# keyset_pagination bench"
  echo
  echo "$(commas "$ROWS") rows; pgbench -M prepared -c 1 -j 1, ${T}s per run, $ROUNDS interleaved rounds, medians; 20 rows a page (the floor reads 21)."
  echo "Latency is pgbench's mean per transaction, client round trip included; \"in-server\" is the same statement in a PL/pgSQL loop (no client, cached plans)."
  echo
  echo "## created_at DESC, id DESC"
  echo
  cat "$OUT/bench_table.md"
  echo
  echo "## Clients: pgbench -M prepared -c N -j N at page $(commas "$DEEP"), median TPS of $ROUNDS interleaved rounds"
  echo
  echo "Load average when the runs started: see the console output; $(nproc) CPUs."
  echo
  cat "$OUT/clients_table.md"
  echo
  echo "## score DESC, id ASC (mixed directions, ~$(commas "$(( ROWS / 51 ))") rows per score) at page $(commas "$DEEP"), and the cursor codec"
  echo
  echo "Here \"floor\" is the best hand-written SQL: the equality written as a range, which keeps the planner on the (score DESC, id ASC) index."
  echo
  cat "$OUT/bench_mixed.md"
  echo
  echo "## Targets"
  echo
  printf "%s" "$targets"
  echo
  echo "## Scripts"
  echo
  for f in "$OUT"/pgbench/*.sql; do echo "- \`$(basename "$f")\`: \`$(tr '\n' ' ' <"$f" | sed 's/ *$//')\`"; done
  echo
  echo "## Machine"
  echo
  sed 's/^/    /' "$OUT/machine.txt"
} >"$OUT/bench.md"

echo
cat "$OUT/bench_table.md"
echo
cat "$OUT/bench_mixed.md"
echo
printf "%s" "$targets"

# ---------------------------------------------------------------------------
# perf profiles of the backends serving keyset_page and keyset_connection at
# the deepest page
if [ "$PROFILE" = 1 ] || { [ "$PROFILE" = auto ] && [ $miss = 1 ]; }; then
  echo
  if ! command -v perf >/dev/null 2>&1; then
    echo "== profile: skipped (perf is not installed; make bench installs linux-perf)"
  else
    deepcur=$(q -c "SELECT coalesce(cur, '') FROM pos WHERE page = $DEEP")
    page_syms="keyset_page,kp_page_run,kp_query_get,kp_page_context,kp_decode_position,kp_cursor_open,kp_cursor_receive,kp_scan,SPI_execute_plan,standard_ExecutorStart,standard_ExecutorEnd,kp_cursor_mint,kp_compute_mac,pg_hmac_create,pg_hmac_init,EVP_MD_fetch,pg_hmac_update,pg_hmac_final,pg_hmac_free,SendFunctionCall,b64url_encode,datumCopy,tuplestore_putvalues,ExecEvalFieldSelect,secure_write,secure_read"
    conn_syms="keyset_connection,kp_page_run,kp_scan,kp_cursor_mint,kp_compute_mac,kp_count_estimate,GetCachedPlan,SPI_execute_with_args,raw_parser,pg_analyze_and_rewrite_fixedparams,pg_plan_queries,standard_planner,standard_ExecutorRun,to_jsonb,jsonb_build_object,jsonb_agg_transfn,qsort_arg,secure_write,secure_read"
    for what in page conn; do
      if [ $dpos -gt 0 ]; then script=$what.sql; else script=${what}_first.sql; fi
      if [ $what = page ]; then syms=$page_syms; name=keyset_page; else syms=$conn_syms; name=keyset_connection; fi
      echo "== profile: perf record of the backend running $name at page $(commas "$DEEP")"
      KP_PROFILE_SYMS=$syms bash "$KP_BENCH_DIR/profile.sh" "$SCRIPTS/$script" "$deepcur" "$OUT/profile_$name.txt" ||
        echo "  (profile failed)"
      if [ -s "$OUT/profile_$name.txt" ]; then
        sed 's/^/  /' "$OUT/profile_$name.txt"
        { echo; echo "## Profile: $name, page $(commas "$DEEP")"; echo; echo '```'; cat "$OUT/profile_$name.txt"; echo '```'; } >>"$OUT/bench.md"
      fi
    done
  fi
fi

# ---------------------------------------------------------------------------
# backend instructions per page: deterministic where the times are not
if [ "${KP_INSTR:-1}" = 1 ]; then
  echo
  if KP_ROWS=$ROWS KP_BENCH_PAGES="$PAGES" KP_RESULTS_DIR="$OUT" bash "$KP_BENCH_DIR/instructions.sh"; then
    { echo; echo "## Backend instructions per page (callgrind, pgbench -M prepared, marginal over ${KP_INSTR_N:-200} pages)"; echo
      echo "The same count on any machine: the times above are not.  OpenSSL is apart: valgrind hides SHA-NI, so libcrypto runs a longer path under it than on the CPU."
      echo; cat "$OUT/instructions.md"; } >>"$OUT/bench.md"
  else
    echo "== instructions: failed"
  fi
fi

# ---------------------------------------------------------------------------
# the first call in a new backend, in ms (wall and backend CPU)
if [ "${KP_FIRST_CALL:-1}" = 1 ]; then
  echo
  if KP_RESULTS_DIR="$OUT" bash "$KP_BENCH_DIR/first_call.sh"; then
    { echo; echo "## First call in a new backend"; echo; cat "$OUT/first_call_backend.md"; } >>"$OUT/bench.md"
  else
    echo "== first call: failed"
  fi
fi

if [ "${KP_PUBLISH:-0}" = 1 ]; then
  mkdir -p "$ROOT/doc/results"
  cp "$OUT/bench.md" "$OUT/bench.csv" "$OUT/bench_raw.csv" "$ROOT/doc/results/"
  cp "$OUT/machine.txt" "$ROOT/doc/results/bench_machine.txt"
  echo "published: $ROOT/doc/results/"
fi
echo
echo "results: $OUT (bench.md, bench.csv, bench_raw.csv, inserver.csv, rows_read.csv, pgbench/*.sql, profile_*.txt)"
echo "bench finished in $(elapsed "$T0")s"
