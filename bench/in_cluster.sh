#!/usr/bin/env bash
# bench/in_cluster.sh CMD [ARGS...]
# The pattern of test/run_all.sh, for make demo and make bench: install the
# missing Debian packages (plus $KP_EXTRA_PKGS), build with -Werror, install
# into the build-local DESTDIR .build/install, start a throwaway cluster with
# pg_virtualenv that loads the extension from there, run CMD inside it (PGHOST,
# PGPORT, PGUSER, PGPASSWORD set), drop the cluster.  Nothing is installed
# system-wide but Debian packages.
#   KP_PGPORT          pin the cluster's port
#   KP_SHARED_BUFFERS  shared_buffers of the cluster (default 512MB: the 1M-row
#                      table and its indexes, ~240 MB, stay in shared buffers)
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PGVER="${PGVER:-15}"
PG_BIN="/usr/lib/postgresql/${PGVER}/bin"

EXTRA_PKGS="${KP_EXTRA_PKGS:-} ${EXTRA_PKGS:-}" bash test/deps.sh || exit 1
export PATH="$PG_BIN:$PATH"
export PG_CONFIG="$PG_BIN/pg_config"

echo "== build (-Werror)"
log=$(mktemp)
make -s clean >/dev/null 2>&1
if ! make -s KP_WERROR=1 PG_CONFIG="$PG_CONFIG" >"$log" 2>&1; then
  cat "$log"; rm -f "$log"; exit 1
fi
grep -E "warning|error" "$log" || true
rm -f "$log"

DEST="$ROOT/.build/install"
rm -rf "$DEST"
make -s install DESTDIR="$DEST" PG_CONFIG="$PG_CONFIG" >/dev/null || exit 1
# the server runs as postgres: it must be able to read the build tree
chmod -R a+rX "$ROOT/.build"

echo "== throwaway cluster (PostgreSQL $PGVER${KP_PGPORT:+, port $KP_PGPORT})"
port_opt=()
[ -n "${KP_PGPORT:-}" ] && port_opt=(-c "-p $KP_PGPORT")
pg_virtualenv -t -v "$PGVER" "${port_opt[@]}" \
  -o "extension_destdir=$DEST" -o "max_prepared_transactions=0" \
  -o "shared_buffers=${KP_SHARED_BUFFERS:-512MB}" \
  "$@"
