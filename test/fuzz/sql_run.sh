#!/usr/bin/env bash
# make fuzz-sql: the signed-frame fuzzer (test/fuzz/sql_fuzz.sql) for
# FUZZ_SQL_ITERATIONS cases (default 20000) on a throwaway cluster, in
# batches of 1000 in one session, each batch seeded from FUZZ_SQL_SEED
# (default: derived from the clock, printed, so a run can be repeated).
# Fails on a crash (the session dies: the failing batch and its seed are
# printed), an undocumented SQLSTATE or a wrong value.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
export PGVER="${PGVER:-15}"
export PATH="/usr/lib/postgresql/${PGVER}/bin:$PATH"
export PG_CONFIG="/usr/lib/postgresql/${PGVER}/bin/pg_config"
N=${FUZZ_SQL_ITERATIONS:-20000}
SEED=${FUZZ_SQL_SEED:-$(( $(date +%s) % 100000 ))}

bash test/deps.sh || exit 1
make -s KP_WERROR=1 PG_CONFIG="$PG_CONFIG" >/dev/null || exit 1
DEST="$ROOT/.build/fuzz-sql-install"
rm -rf "$DEST"
make -s install DESTDIR="$DEST" PG_CONFIG="$PG_CONFIG" >/dev/null || exit 1
chmod -R a+rX "$ROOT/.build"
. test/lib/cluster.bash
kp_server_readable DEST || exit 1
kp_cluster_opts "$DEST" "$PGVER"

script=$ROOT/.build/sql_fuzz_run.sql
{
  echo "CREATE EXTENSION keyset_pagination;"
  echo "BEGIN;"
  echo "\\ir $ROOT/test/pgtap/lib/helpers.sql"
  echo "\\ir $ROOT/test/fuzz/sql_fuzz.sql"
  echo "COMMIT;"
  b=0
  while [ $((b * 1000)) -lt "$N" ]; do
    n=$(( N - b * 1000 < 1000 ? N - b * 1000 : 1000 ))
    echo "\\echo batch $b: $n cases, setseed(($SEED * 1000 + $b) % 100000 / 100000.0)"
    echo "SELECT fz_run($n, ($SEED * 1000 + $b) % 100000 / 100000.0);"
    b=$((b + 1))
  done
  cat <<'SQL'
\echo outcomes:
SELECT api, outcome, count(*) FROM fz_outcome GROUP BY 1, 2 ORDER BY 1, 2;
\echo problems:
SELECT api, mutation, outcome, detail FROM fz_outcome
 WHERE outcome = 'WRONG VALUE' OR NOT fz_allowed_outcome(outcome, detail);
SELECT 'fuzz-sql: ' || count(*) || ' cases, '
       || count(*) FILTER (WHERE outcome = 'WRONG VALUE' OR NOT fz_allowed_outcome(outcome, detail))
       || ' problems' FROM fz_outcome;
SQL
} >"$script"

port_opt=()
[ -n "${KP_PGPORT:-}" ] && port_opt=(-c "-p $KP_PGPORT")
echo "== fuzz-sql: $N cases, seed $SEED (repeat with FUZZ_SQL_SEED=$SEED)"
started=$(date +%s)
out=$(pg_virtualenv -t -v "$PGVER" "${port_opt[@]}" "${KP_CLUSTER_OPTS[@]}" \
        psql -X -q -A -v ON_ERROR_STOP=1 -f "$script" 2>&1)
rc=$?
elapsed=$(( $(date +%s) - started ))
echo "$out" | grep -vE '^(Creating|Dropping) ' | tail -60
summary=$(grep -oE 'fuzz-sql: [0-9]+ cases, [0-9]+ problems' <<<"$out")
if [ $rc -ne 0 ] || [ -z "$summary" ] || ! grep -q ', 0 problems' <<<"$summary"; then
  echo "fuzz-sql: FAILED (exit $rc) after ${elapsed}s; the last batch echoed above is the one that failed"
  exit 1
fi
echo "$summary in ${elapsed}s, 0 crashes"
