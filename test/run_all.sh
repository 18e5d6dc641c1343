#!/usr/bin/env bash
# make test: install missing Debian packages, build with -Werror, install into
# a build-local DESTDIR, start a throwaway cluster (pg_virtualenv) that loads
# the extension from there, run every suite, print one "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PGVER="${PGVER:-15}"
PG_BIN="/usr/lib/postgresql/${PGVER}/bin"

bash test/deps.sh || exit 1
export PATH="$PG_BIN:$PATH"
export PG_CONFIG="$PG_BIN/pg_config"

summary_fail() { echo "0 passed, 1 failed"; exit 1; }

. test/lib/cluster.bash
echo "== build (-Werror)"
kp_build_install "$PG_CONFIG" || summary_fail
DEST=$KP_DEST

echo "== throwaway cluster"
export KP_SUMMARY="$ROOT/.build/summary.txt"
rm -f "$KP_SUMMARY"
# KP_PGPORT pins the cluster's port (parallel runs on one machine)
port_opt=()
[ -n "${KP_PGPORT:-}" ] && port_opt=(-c "-p $KP_PGPORT")
kp_cluster_opts "$DEST" "$PGVER"
pg_virtualenv -t -v "$PGVER" "${port_opt[@]}" "${KP_CLUSTER_OPTS[@]}" -o "max_prepared_transactions=0" \
  bash test/suites.sh
rc=$?
# the summary line comes last, after pg_virtualenv's own messages
if [ -s "$KP_SUMMARY" ]; then
  cat "$KP_SUMMARY"
else
  echo "0 passed, 1 failed"; rc=1
fi
rm -f "$KP_SUMMARY"
exit $rc
