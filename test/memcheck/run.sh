#!/usr/bin/env bash
# make memcheck: the pg_regress and pgTAP suites against a server whose
# every backend runs under valgrind memcheck.  Stock Debian PostgreSQL is
# not built with USE_VALGRIND, so palloc'd chunks are one big block to
# memcheck (overruns inside a memory context are not seen), and core code
# produces reports of its own; test/memcheck/core.supp suppresses those.
# The run fails if any report's stack goes through keyset_pagination.so.
#   KP_PGPORT          port of the cluster (default 5432)
#   MEMCHECK_SUITES    "regress pgtap" (default) or a subset
#   MEMCHECK_TAP       pgTAP files to run (default test/pgtap/*.sql)
#   MEMCHECK_REGRESS   pg_regress tests (default: the Makefile's REGRESS)
#   MEMCHECK_TRACK_ORIGINS=yes  where uninitialised values came from (slower)
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
export PGVER="${PGVER:-15}"
BIN="/usr/lib/postgresql/${PGVER}/bin"
export PATH="$BIN:$PATH"
export PG_CONFIG="$BIN/pg_config"
. test/lib/cluster.bash
PORT=${KP_PGPORT:-5432}
SUITES=${MEMCHECK_SUITES:-regress pgtap}
OUT=$ROOT/.build/memcheck

bash test/deps.sh || exit 1
bash test/fuzz/deps.sh memcheck || exit 1
command -v valgrind >/dev/null || { echo "memcheck: valgrind is not installed"; exit 1; }

echo "== build"
make -s KP_WERROR=1 PG_CONFIG="$PG_CONFIG" >/dev/null || exit 1
DEST="$ROOT/.build/memcheck-install"
rm -rf "$DEST"
make -s install DESTDIR="$DEST" PG_CONFIG="$PG_CONFIG" >/dev/null || exit 1
chmod -R a+rX "$ROOT/.build"

# the server refuses to run as root: a cluster of the postgres user's own
# (from /: the clone's directory may be closed to postgres)
as_pg() { if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }
rm -rf "$OUT"
mkdir -p "$OUT/logs" "$OUT/regress"
work=$(mktemp -d /tmp/kp_memcheck.XXXXXX)
chmod 755 "$work"
# the server writes its logs and loads the extension from the work
# directory, which postgres can enter wherever the clone lives (a clone under
# mktemp -d or root's home is not); the logs are copied into $OUT at exit
mkdir -p "$work/logs"
cp -a "$DEST" "$work/install" && cp test/memcheck/core.supp "$work/" && chmod -R a+rX "$work" || exit 1
DEST="$work/install"
[ "$(id -u)" -eq 0 ] && chown postgres "$work" "$work/logs"
cleanup() {
  [ -f "$work/data/postmaster.pid" ] && as_pg "$BIN/pg_ctl" -D "$work/data" -m immediate -w stop >/dev/null 2>&1
  cp -a "$work/logs/." "$OUT/logs/" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

echo "== cluster on port $PORT, backends under valgrind"
as_pg "$BIN/initdb" -D "$work/data" -U postgres -A trust >/dev/null || exit 1
cat >>"$work/data/postgresql.conf" <<CONF
port = $PORT
listen_addresses = ''
unix_socket_directories = '$work'
$(kp_cluster_conf "$DEST" "$PGVER")
max_prepared_transactions = 0
max_connections = 20
shared_buffers = 16MB
fsync = off
autovacuum = off
jit = off
CONF
started=$(date +%s)
# --fullpath-after= prints full source paths, so frames in the extension's
# sources are recognisable as $ROOT/src/...
as_pg valgrind --tool=memcheck --trace-children=no --error-limit=no --num-callers=40 \
  --leak-check=no --track-origins=${MEMCHECK_TRACK_ORIGINS:-no} --read-var-info=no --fullpath-after= \
  --suppressions="$work/core.supp" --gen-suppressions=all \
  --log-file="$work/logs/valgrind.%p.log" \
  "$BIN/postgres" -D "$work/data" >"$work/logs/postmaster.log" 2>&1 &
export PGHOST=$work PGPORT=$PORT PGUSER=postgres
for i in $(seq 1 300); do
  pg_isready -q && break
  sleep 1
done
pg_isready -q || { echo "memcheck: server did not start"; cat "$work/logs/postmaster.log"; exit 1; }

rc=0
if [[ " $SUITES " == *" regress "* ]]; then
  echo "== pg_regress"
  # results under .build/memcheck, not ./results (make test may be running)
  make -s installcheck-regress PG_CONFIG="$PG_CONFIG" ${MEMCHECK_REGRESS:+REGRESS="$MEMCHECK_REGRESS"} \
    EXTRA_REGRESS_OPTS="--outputdir=$OUT/regress" >"$OUT/regress.out" 2>&1 || rc=1
  tail -3 "$OUT/regress.out"
fi
if [[ " $SUITES " == *" pgtap "* ]]; then
  echo "== pgTAP"
  createdb kp_tap && psql -X -q -d kp_tap -c "CREATE EXTENSION pgtap; CREATE EXTENSION keyset_pagination;" >/dev/null || rc=1
  # shellcheck disable=SC2086
  pg_prove -d kp_tap ${MEMCHECK_TAP:-test/pgtap/*.sql} >"$OUT/pgtap.out" 2>&1 || rc=1
  grep -E '^(Files|Result|Failed)' "$OUT/pgtap.out"
fi
as_pg "$BIN/pg_ctl" -D "$work/data" -m fast -w -t 600 stop >/dev/null 2>&1
elapsed=$(( $(date +%s) - started ))

# the reports left after the suppressions; those through the extension fail
perl test/memcheck/count_errors.pl "$ROOT" "$OUT/ours.count" "$work"/logs/valgrind.*.log \
  | tee "$OUT/summary.txt" | tail -200
ours=$(cat "$OUT/ours.count" 2>/dev/null || echo 1)
result=passed
[ $rc -ne 0 ] && result=FAILED
echo "memcheck: suites $result under valgrind in ${elapsed}s; logs in $OUT/logs"
if [ "$ours" -ne 0 ] || [ $rc -ne 0 ]; then exit 1; fi
