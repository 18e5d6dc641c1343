#!/usr/bin/env bash
# bench/in_cluster.sh CMD [ARGS...]
# The pattern of test/run_all.sh, for make demo and make bench: install the
# missing Debian packages (plus $KP_EXTRA_PKGS), build with -Werror, install
# into the build-local DESTDIR .build/install (test/lib/cluster.bash), start a throwaway cluster with
# pg_virtualenv that loads the extension from there, run CMD inside it (PGHOST,
# PGPORT, PGUSER, PGPASSWORD set), drop the cluster.  Nothing is installed
# system-wide but Debian packages.
#   KP_PGPORT          pin the cluster's port
#   KP_SHARED_BUFFERS  shared_buffers of the cluster (default 512MB: the 1M-row
#                      table and its indexes, ~240 MB, stay in shared buffers)
set -uo pipefail
cd "$(dirname "$0")/.."
export PGVER="${PGVER:-15}"
PG_BIN="/usr/lib/postgresql/${PGVER}/bin"

EXTRA_PKGS="${KP_EXTRA_PKGS:-} ${EXTRA_PKGS:-}" bash test/deps.sh || exit 1
export PATH="$PG_BIN:$PATH"
export PG_CONFIG="$PG_BIN/pg_config"

. test/lib/cluster.bash
echo "== build (-Werror)"
kp_build_install "$PG_CONFIG" || exit 1
kp_cluster_opts "$KP_DEST" "$PGVER"

echo "== throwaway cluster (PostgreSQL $PGVER${KP_PGPORT:+, port $KP_PGPORT})"
port_opt=()
[ -n "${KP_PGPORT:-}" ] && port_opt=(-c "-p $KP_PGPORT")
pg_virtualenv -t -v "$PGVER" "${port_opt[@]}" \
  "${KP_CLUSTER_OPTS[@]}" -o "max_prepared_transactions=0" \
  -o "shared_buffers=${KP_SHARED_BUFFERS:-512MB}" \
  "$@"
