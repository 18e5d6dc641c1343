#!/usr/bin/env bash
# bench/first_call.sh: milliseconds of the first call in a new backend
# (issue 15), the hand-written seek (floor) against keyset_page, at the
# same position of the same table.  Each round opens a fresh connection per
# query (psql -X, \timing), in alternating order, so both see the same
# machine noise; the time is the server round trip of that one statement
# (library load, catalog and key loading, parse and plan, the page), not the
# connection setup.  Prints the medians, the median of the per-round
# differences, and the quartiles, then what a page fault costs on the
# machine before and after the rounds (bench/page_fault_cost.c, built with
# cc; "?" without a compiler): most of a first call is first touches of
# fresh memory, whose price differs by 100x between VMs.
# Seeds KP_ROWS posts in a cluster of its own (like bench/instructions.sh).
# Needs the build installed in .build/install.
#   KP_ROWS        rows (default 20000)
#   KP_FC_ROUNDS   rounds (default 200)
#   KP_FC_PAGE     page of 20 rows the calls start at (default 1000)
#   KP_FC_PORT     port of the cluster (default 5438)
#   KP_FC_PRELOAD  1: shared_preload_libraries = the built library (by its
#                  full path, the file the functions load), so the library
#                  load and its _PG_init are the postmaster's, not the call's
#   KP_FC_SETTINGS 1: the seven keyset_pagination.* settings in
#                  postgresql.conf at their defaults (placeholders the
#                  postmaster makes: PostgreSQL 15's sort per definition is
#                  then skipped)
#   KP_RESULTS_DIR where first_call_backend.md goes (default .)
#   KP_FC_LOG      a file to keep the server log in (each statement's
#                  log_statement_stats: user/system time, page faults)
set -uo pipefail
KP_BENCH_DIR="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$KP_BENCH_DIR")"
. "$KP_BENCH_DIR/lib.sh"
ROWS="${KP_ROWS:-20000}"
ROUNDS="${KP_FC_ROUNDS:-200}"
PAGE="${KP_FC_PAGE:-1000}"
PORT="${KP_FC_PORT:-5438}"
OUT="${KP_RESULTS_DIR:-.}"
SIZE=20
ORD='created_at DESC, id DESC'
DEST="$ROOT/.build/install"
[ -d "$DEST" ] || { echo "first_call: no build in $DEST (make install DESTDIR=$DEST)" >&2; exit 1; }
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

KP_WORK=""
cleanup() {
  [ -n "$KP_WORK" ] && [ -n "${KP_FC_LOG:-}" ] && cp "$KP_WORK/server.log" "$KP_FC_LOG"
  kp_bench_cluster_stop
}
trap cleanup EXIT
kp_bench_cluster kp_first_call "$PORT" "$DEST" "max_connections = 20" || exit 1
work=$KP_WORK
kp_first_call_start "$DEST" || exit 1
unset PGOPTIONS

# one fresh connection, one statement: "wall cpu" in ms, wall from psql's
# \timing, cpu (user + system) from the backend's getrusage
# (log_statement_stats), which the scheduler's waits on a busy machine do
# not inflate
one() {
  local wall
  wall=$(PGOPTIONS="-c log_statement_stats=on" psql -X -q -c '\timing on' -c "$1" |
    awk '/^Time: / { t = $2 } END { print t }')
  echo "$wall $(grep ' s elapsed' "$work/server.log" | tail -n 1 |
    awk '{ for (i = 1; i <= NF; i++) if ($(i + 1) == "s" && ($(i + 2) ~ /^user/ || $(i + 2) ~ /^system/)) c += $i
           print c * 1000 }') $(grep 'page faults/reclaims' "$work/server.log" | tail -n 1 |
    awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\/[0-9]+$/) { split($i, f, "/"); print f[1] + f[2]; exit } }')"
}
# what a fresh page's first touch costs here (bench/page_fault_cost.c): a
# first call is mostly page faults, and their price differs by 100x between
# machines; measured before and after the rounds, as the host may change.
# Built once here: fault_cost runs in command substitutions (subshells)
pfc="$work/page_fault_cost"
cc -O2 -o "$pfc" "$KP_BENCH_DIR/page_fault_cost.c" 2>/dev/null || pfc=""
fault_cost() {
  if [ -n "$pfc" ]; then "$pfc" 4096 5 || echo "?"; else echo "?"; fi
}
one "$floor" >/dev/null; one "$page" >/dev/null   # warm the OS caches
pf_before=$(fault_cost)
: >"$work/times"
for r in $(seq 1 "$ROUNDS"); do
  if [ $(( r % 2 )) = 0 ]; then
    f=$(one "$floor"); p=$(one "$page")
  else
    p=$(one "$page"); f=$(one "$floor")
  fi
  echo "$f $p" >>"$work/times"
done
pf_after=$(fault_cost)
# columns of $work/times: floor wall, cpu, page faults; page wall, cpu, page faults
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { awk -v c="$1" '{ print $c }' "$work/times"; }
q1() { sort -n | awk '{ v[NR] = $1 } END { print v[int(0.25 * (NR - 1)) + 1] }'; }
q3() { sort -n | awk '{ v[NR] = $1 } END { print v[int(0.75 * (NR - 1)) + 1] }'; }
row() { printf "| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %d |\n" "$1" \
  "$(col "$2" | median)" "$(col "$2" | q1)" "$(col "$2" | q3)" \
  "$(col "$3" | median)" "$(col "$3" | q1)" "$(col "$3" | q3)" "$(col "$4" | median)"; }
{
  echo "First call in a new backend, ms: the one statement of a fresh connection; wall from psql \\timing,"
  echo "CPU = user + system of the backend during the statement, page faults = its minor + major faults"
  echo "(getrusage, log_statement_stats)."
  echo "$ROUNDS interleaved rounds, $(commas "$ROWS") rows, page $(commas "$PAGE") of $SIZE rows, PostgreSQL ${PGVER:-15}," \
    "library $([ "${KP_FC_PRELOAD:-0}" = 1 ] && echo "in shared_preload_libraries" || echo "loaded by the call"), load average $(cut -d' ' -f1 /proc/loadavg)."
  echo
  echo "| query | wall median | wall 25% | wall 75% | CPU median | CPU 25% | CPU 75% | page faults median |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
  row "hand-written seek (floor)" 1 2 3
  row "keyset_page" 4 5 6
  echo
  printf "median of the per-round differences (keyset_page − floor): wall %.2f ms, CPU %.2f ms, page faults %d\n" \
    "$(awk '{ print $4 - $1 }' "$work/times" | median)" "$(awk '{ print $5 - $2 }' "$work/times" | median)" \
    "$(awk '{ print $6 - $3 }' "$work/times" | median)"
  echo
  echo "a page fault on this machine (first write to a fresh anonymous page, median of 5 runs of 4,096 pages," \
    "bench/page_fault_cost.c): $pf_before µs before the rounds, $pf_after µs after"
} | tee "$OUT/first_call_backend.md"
