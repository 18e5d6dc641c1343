#!/usr/bin/env bash
# bench/instructions.sh: backend instructions per page, the deterministic
# figure beside bench.sh's times (issue 15).  Seeds KP_ROWS posts in a
# cluster of its own, restarts its postmaster under valgrind
# --tool=callgrind (every backend forked from it is counted), and runs, for
# the floor (hand-written prepared seek), keyset_page and keyset_connection
# at page 1 and the deepest of KP_BENCH_PAGES, pgbench -M prepared -c 1
# twice in fresh connections: KP_INSTR_BASE and KP_INSTR_BASE + KP_INSTR_N
# transactions.  The difference of the two backends' totals over KP_INSTR_N
# is the marginal cost of one page: connection setup, catalog loading and
# the first call's planning cancel out.  OpenSSL (libcrypto) is reported
# apart: valgrind hides SHA-NI from it, so its count is not what the CPU runs.
# Also the first call in a new backend: a connection serving one call.
# Needs the build installed in .build/install (bench/in_cluster.sh does
# it); runs outside any cluster environment (it starts its own).
#   KP_ROWS           rows (default 1000000)
#   KP_BENCH_PAGES    pages (default "1 10000"; the first and last are used)
#   KP_INSTR_N        marginal pages (default 200)
#   KP_INSTR_BASE     transactions of the base run (default 20)
#   KP_INSTR_PORT     port of the cluster (default 5439)
#   KP_INSTR_SIZE     rows a page (default 20)
#   KP_INSTR_CASES    which queries (default "floor page conn json"; json is
#                     keyset_connection_json, 0.2.0)
#   KP_RESULTS_DIR    where instructions.csv / instructions.md go (default .)
set -uo pipefail
KP_BENCH_DIR="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$KP_BENCH_DIR")"
PGVER="${PGVER:-15}"
BIN="/usr/lib/postgresql/$PGVER/bin"
export PATH="$BIN:$PATH"
. "$KP_BENCH_DIR/lib.sh"
ROWS="${KP_ROWS:-1000000}"
N="${KP_INSTR_N:-200}"
BASE="${KP_INSTR_BASE:-20}"
PORT="${KP_INSTR_PORT:-5439}"
OUT="${KP_RESULTS_DIR:-.}"
SIZE="${KP_INSTR_SIZE:-20}"
CASES="${KP_INSTR_CASES:-floor page conn json}"
ORD='created_at DESC, id DESC'
DEST="$ROOT/.build/install"
command -v valgrind >/dev/null || { echo "instructions: valgrind is not installed" >&2; exit 1; }
[ -d "$DEST" ] || { echo "instructions: no build in $DEST (run make bench, or make install DESTDIR=$DEST)" >&2; exit 1; }
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

KP_WORK=""
vg_pid=""
trap kp_bench_cluster_stop EXIT
# a cluster of its own, no autovacuum or JIT to count
kp_bench_cluster kp_instr "$PORT" "$DEST" "max_prepared_transactions = 0" "max_connections = 20" \
  "shared_buffers = ${KP_SHARED_BUFFERS:-512MB}" || exit 1
work=$KP_WORK
mkdir "$work/cg" "$work/scripts"
[ "$(id -u)" -eq 0 ] && chown postgres "$work/cg"
as_pg pg_ctl -D "$work/data" -l "$work/server.log" -w start >/dev/null || { cat "$work/server.log"; exit 1; }

echo "== instructions: seed $(commas "$ROWS") rows (cluster on port $PORT)"
kp_setup_schema kp_bench >/dev/null || exit 1
seed_posts "$ROWS" >/dev/null || exit 1
MAXPAGE=$(( ROWS / SIZE ))
read -r FIRST DEEP <<<"$(for p in ${KP_BENCH_PAGES:-1 10000}; do [ "$p" -gt $MAXPAGE ] && p=$MAXPAGE; echo "$p"; done |
  sort -n | uniq | awk 'NR == 1 { f = $1 } { l = $1 } END { print f, l }')"
pos=$(( (DEEP - 1) * SIZE ))
IFS='|' read -r ts id cur <<<"$(kp_bench_position "$pos" "$ORD")"
q -c "CHECKPOINT" >/dev/null
as_pg pg_ctl -D "$work/data" -m fast -w stop >/dev/null || exit 1

S=$work/scripts
echo "SELECT * FROM kp_bench.posts ORDER BY created_at DESC, id DESC LIMIT $(( SIZE + 1 ));" >"$S/floor_first.sql"
echo "SELECT * FROM kp_bench.posts WHERE (created_at, id) < (:ts, :id) ORDER BY created_at DESC, id DESC LIMIT $(( SIZE + 1 ));" >"$S/floor.sql"
echo "SELECT (p.node).*, p.cursor, p.has_next_page FROM keyset_page(NULL::kp_bench.posts, '$ORD', first => $SIZE) p;" >"$S/page_first.sql"
echo "SELECT (p.node).*, p.cursor, p.has_next_page FROM keyset_page(NULL::kp_bench.posts, '$ORD', first => $SIZE, after => :cur) p;" >"$S/page.sql"
echo "SELECT keyset_connection(NULL::kp_bench.posts, '$ORD', first => $SIZE);" >"$S/conn_first.sql"
echo "SELECT keyset_connection(NULL::kp_bench.posts, '$ORD', first => $SIZE, after => :cur);" >"$S/conn.sql"
echo "SELECT keyset_connection_json(NULL::kp_bench.posts, '$ORD', first => $SIZE);" >"$S/json_first.sql"
echo "SELECT keyset_connection_json(NULL::kp_bench.posts, '$ORD', first => $SIZE, after => :cur);" >"$S/json.sql"
chmod -R a+rX "$S"

echo "== instructions: postmaster under valgrind --tool=callgrind"
as_pg valgrind --tool=callgrind --trace-children=no --callgrind-out-file="$work/cg/callgrind.%p" \
  "$BIN/postgres" -D "$work/data" >"$work/valgrind.log" 2>&1 &
vg_pid=$!
for _ in $(seq 1 300); do pg_isready -q && break; sleep 1; done
pg_isready -q || { echo "instructions: server did not start" >&2; tail "$work/valgrind.log" >&2; exit 1; }

# run SCRIPT TX DEFS...: one pgbench connection of TX transactions; prints
# "total_Ir libcrypto_Ir" of the backend that served it
run() {
  local script=$1 tx=$2; shift 2
  local defs=() d before f
  for d in "$@"; do defs+=(-D "$d"); done
  before=$(ls "$work/cg")
  pgbench -n -M prepared -c 1 -j 1 -t "$tx" -f "$S/$script" "${defs[@]}" >"$work/pgbench.out" 2>&1 ||
    { echo "instructions: pgbench failed" >&2; cat "$work/pgbench.out" >&2; return 1; }
  # pgbench opens a short connection of its own before the benchmark one:
  # the busiest backend that exited since is the one (two expected; one
  # accepted after 10 quiet seconds); a file is complete once its totals
  # line is there
  local new="" ok k=0
  for _ in $(seq 1 600); do
    sleep 0.5
    new=$(comm -13 <(echo "$before") <(ls "$work/cg"))
    ok=1
    for f in $new; do grep -q '^totals:' "$work/cg/$f" 2>/dev/null || ok=0; done
    [ -n "$new" ] && [ $ok = 1 ] && k=$(( k + 1 ))
    [ $ok = 1 ] && [ "$(wc -w <<<"$new")" -ge 2 ] && break
    [ $k -ge 20 ] && break
  done
  [ -n "$new" ] || { echo "instructions: no callgrind output" >&2; return 1; }
  f=$(for g in $new; do echo "$(awk '/^totals:/ { print $2 }' "$work/cg/$g") $g"; done | sort -n | tail -n 1 | cut -d' ' -f2)
  awk -f "$KP_BENCH_DIR/callgrind_sum.awk" "$work/cg/$f"
  # KP_INSTR_DEBUG=PREFIX keeps each run's profile as PREFIX.SCRIPT.TX
  [ -n "${KP_INSTR_DEBUG:-}" ] && cp "$work/cg/$f" "$KP_INSTR_DEBUG.$script.$tx"
  for f in $new; do rm -f "$work/cg/$f"; done
}

echo "case,page,ir_per_page,ir_per_page_excl_openssl,openssl_ir_per_page" >"$OUT/instructions.csv"
for page in $FIRST $DEEP; do
  for name in $CASES; do
    if [ "$page" = "$FIRST" ] && [ "$FIRST" = 1 ]; then
      script=${name}_first.sql; defs=()
    else
      script=$name.sql
      if [ $name = floor ]; then defs=("ts=$ts" "id=$id"); else defs=("cur=$cur"); fi
    fi
    read -r t1 c1 <<<"$(run "$script" "$BASE" "${defs[@]}")" || exit 1
    read -r t2 c2 <<<"$(run "$script" $(( BASE + N )) "${defs[@]}")" || exit 1
    awk -v n="$name" -v p="$page" -v t1="$t1" -v t2="$t2" -v c1="$c1" -v c2="$c2" -v k="$N" \
      'BEGIN { t = (t2 - t1) / k; c = (c2 - c1) / k; printf "%s,%s,%.0f,%.0f,%.0f\n", n, p, t, t - c, c }' >>"$OUT/instructions.csv"
    echo "  $name page $page: $(tail -n 1 "$OUT/instructions.csv")"
  done
done
# the first call in a new backend: everything a connection serving one
# call at the deepest page runs (startup, catalog loading, the library,
# keys, planning), beside the same for the floor
echo "case,ir_connection_1_call,ir_excl_openssl,openssl_ir" >"$OUT/first_call.csv"
for name in $CASES; do
  if [ $name = floor ]; then defs=("ts=$ts" "id=$id"); else defs=("cur=$cur"); fi
  read -r t c <<<"$(run "$name.sql" 1 "${defs[@]}")" || exit 1
  echo "$name,$t,$(( t - c )),$c" >>"$OUT/first_call.csv"
done
as_pg pg_ctl -D "$work/data" -m fast -w -t 300 stop >/dev/null 2>&1
wait "$vg_pid" 2>/dev/null; vg_pid=""

{
  echo "| page | query | instructions per page | without OpenSSL | × floor (without OpenSSL) | OpenSSL (libcrypto, valgrind: no SHA-NI) |"
  echo "|---:|---|---:|---:|---:|---:|"
  for page in $FIRST $DEEP; do
    fl=$(awk -F, -v p="$page" '$1 == "floor" && $2 == p { print $4 }' "$OUT/instructions.csv")
    for name in $CASES; do
      IFS=, read -r _ _ t x c <<<"$(awk -F, -v n="$name" -v p="$page" '$1 == n && $2 == p' "$OUT/instructions.csv")"
      case $name in floor) label="hand-written seek (floor)" ;; page) label=keyset_page ;; conn) label=keyset_connection ;; json) label=keyset_connection_json ;; esac
      printf "| %s | %s | %s | %s | %s× | %s |\n" "$(commas "$page")" "$label" "$(commas "$t")" "$(commas "$x")" \
        "$(awk -v a="$x" -v b="$fl" 'BEGIN { printf "%.2f", a / b }')" "$(commas "$c")"
    done
  done
  echo
  echo "First call in a new backend (page $(commas "$DEEP")): all the instructions of a backend that serves one call, connection setup included"
  echo
  echo "| query | instructions | without OpenSSL | − floor (without OpenSSL) | OpenSSL |"
  echo "|---|---:|---:|---:|---:|"
  fl=$(awk -F, '$1 == "floor" { print $3 }' "$OUT/first_call.csv")
  for name in $CASES; do
    IFS=, read -r _ t x c <<<"$(awk -F, -v n="$name" '$1 == n' "$OUT/first_call.csv")"
    case $name in floor) label="hand-written seek (floor)" ;; page) label=keyset_page ;; conn) label=keyset_connection ;; json) label=keyset_connection_json ;; esac
    printf "| %s | %s | %s | %s | %s |\n" "$label" "$(commas "$t")" "$(commas "$x")" "$(commas $(( x - fl )))" "$(commas "$c")"
  done
} >"$OUT/instructions.md"
echo
echo "backend instructions per page (callgrind; marginal over $N pages, pgbench -M prepared, $(commas "$ROWS") rows, $SIZE rows a page):"
cat "$OUT/instructions.md"
