#!/usr/bin/env bash
# bench/first_call_profile.sh: callgrind of the first call in a new backend
# (issue 15): a postmaster under valgrind --tool=callgrind, and for each
# query a fresh connection (psql -X -c) that runs only that statement.  Keeps
# each backend's callgrind file and prints its total instructions (OpenSSL
# apart) and, with KP_FCP_ANNOTATE=1, the functions whose inclusive cost
# differs most between the floor and keyset_page.
# Needs the build installed in .build/install, and valgrind.
#   KP_ROWS         rows (default 20000)
#   KP_FC_PAGE      page of 20 rows the calls start at (default 1000)
#   KP_FCP_PORT     port (default 5439)
#   KP_FCP_REPEAT   connections per query (default 3; counts are stable to
#                   a few thousand instructions, the median is printed)
#   KP_FCP_OUT      where the callgrind files go (default ./first_call_profile)
#   KP_FC_PRELOAD   1: the library in shared_preload_libraries
#   KP_FC_SETTINGS  1: the settings in postgresql.conf (bench/first_call.sh)
set -uo pipefail
KP_BENCH_DIR="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$KP_BENCH_DIR")"
PGVER="${PGVER:-15}"
BIN="/usr/lib/postgresql/$PGVER/bin"
export PATH="$BIN:$PATH"
. "$KP_BENCH_DIR/lib.sh"
ROWS="${KP_ROWS:-20000}"
PAGE="${KP_FC_PAGE:-1000}"
PORT="${KP_FCP_PORT:-5439}"
REPEAT="${KP_FCP_REPEAT:-3}"
OUTD="${KP_FCP_OUT:-./first_call_profile}"
SIZE=20
ORD='created_at DESC, id DESC'
DEST="$ROOT/.build/install"
command -v valgrind >/dev/null || { echo "first_call_profile: valgrind is not installed" >&2; exit 1; }
[ -d "$DEST" ] || { echo "first_call_profile: no build in $DEST" >&2; exit 1; }
mkdir -p "$OUTD"; OUTD="$(cd "$OUTD" && pwd)"

KP_WORK=""
vg_pid=""
trap kp_bench_cluster_stop EXIT
kp_bench_cluster kp_fcprof "$PORT" "$DEST" "max_prepared_transactions = 0" "max_connections = 20" || exit 1
work=$KP_WORK
mkdir "$work/cg"; [ "$(id -u)" -eq 0 ] && chown postgres "$work/cg"
kp_first_call_start "$DEST" || exit 1
q -c "CHECKPOINT" >/dev/null
as_pg pg_ctl -D "$work/data" -m fast -w stop >/dev/null || exit 1
unset PGOPTIONS

as_pg valgrind --tool=callgrind --callgrind-out-file="$work/cg/callgrind.%p" \
  "$BIN/postgres" -D "$work/data" >"$work/valgrind.log" 2>&1 &
vg_pid=$!
for _ in $(seq 1 300); do pg_isready -q && break; sleep 1; done
pg_isready -q || { echo "first_call_profile: server did not start" >&2; tail "$work/valgrind.log" >&2; exit 1; }

# one NAME SQL I: a fresh connection running SQL; keeps the backend's file
# as OUTD/NAME.I and prints its "total libcrypto"
one() {
  local before new f ok
  before=$(ls "$work/cg")
  psql -X -q -c "$2" >/dev/null || { echo "first_call_profile: $1 failed" >&2; return 1; }
  for _ in $(seq 1 600); do
    sleep 0.5
    new=$(comm -13 <(echo "$before") <(ls "$work/cg"))
    ok=1
    for f in $new; do grep -q '^totals:' "$work/cg/$f" 2>/dev/null || ok=0; done
    [ -n "$new" ] && [ $ok = 1 ] && break
  done
  f=$(for g in $new; do echo "$(awk '/^totals:/ { print $2 }' "$work/cg/$g") $g"; done | sort -n | tail -n 1 | cut -d' ' -f2)
  cp "$work/cg/$f" "$OUTD/$1.$3"
  for g in $new; do rm -f "$work/cg/$g"; done
  awk -f "$KP_BENCH_DIR/callgrind_sum.awk" "$OUTD/$1.$3"
}
psql -X -q -c "SELECT 1" >/dev/null   # the first connection after start pays for more
for i in $(seq 1 "$REPEAT"); do
  for name in floor page; do
    if [ $name = floor ]; then sql=$floor; else sql=$page; fi
    read -r t c <<<"$(one $name "$sql" "$i")" || exit 1
    echo "$name $t $c" >>"$OUTD/totals"
  done
done
as_pg pg_ctl -D "$work/data" -m fast -w -t 300 stop >/dev/null 2>&1
wait "$vg_pid" 2>/dev/null; vg_pid=""
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
echo "first call in a new backend, PostgreSQL $PGVER, $(commas "$ROWS") rows, page $PAGE, $REPEAT connections each" \
  "(library $([ "${KP_FC_PRELOAD:-0}" = 1 ] && echo preloaded || echo "loaded by the call")):"
for name in floor page; do
  t=$(awk -v n=$name '$1 == n { print $2 }' "$OUTD/totals" | median)
  x=$(awk -v n=$name '$1 == n { print $2 - $3 }' "$OUTD/totals" | median)
  echo "  $name: $(commas "$t") instructions, $(commas "$x") without OpenSSL"
done
f=$(awk '$1 == "floor" { print $2 - $3 }' "$OUTD/totals" | median)
p=$(awk '$1 == "page" { print $2 - $3 }' "$OUTD/totals" | median)
echo "  keyset_page - floor, without OpenSSL: $(commas $(( p - f )))"
