#!/usr/bin/env bash
# The major-upgrade path: a database on the host's PostgreSQL (15) with
# cursors in flight is dumped (pg_dump -Fc) and restored into each newer
# version (17, 18: inside their Debian roots, test/root.sh); the cursors
# minted on 15 continue the walks there: the same rows in the same order,
# no duplicate, no skip, both directions, and a user cursor decodes to the
# same values.
#
#   test/upgrade_matrix.sh FROM TO...     (test/matrix.sh runs it last)
#
# Uses the extension builds test/matrix.sh keeps in .build/matrix/install-V.
# Each phase prints "ok - ..." / "not ok - ..." lines; ends with
# "N passed, N failed".  KP_PGPORT pins the clusters' port.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
from=$1; shift
work=.build/upgrade
rm -rf "$work"; mkdir -p "$work"
chmod 755 .build "$work"
log="$work/phases.log"
: >"$log"

port_opt=()
[ -n "${KP_PGPORT:-}" ] && port_opt=(-c "-p $KP_PGPORT")

missing=0
for v in "$from" "$@"; do
  if [ ! -d ".build/matrix/install-$v" ]; then
    echo "not ok - no build for PostgreSQL $v in .build/matrix/install-$v (run test/matrix.sh)" | tee -a "$log"
    missing=1
  fi
done

if [ $missing -eq 0 ]; then
  echo "== $from: walks started, cursors saved, pg_dump -Fc"
  . test/lib/cluster.bash
  # a clone postgres cannot enter (mktemp -d) serves a readable copy
  dest="$ROOT/.build/matrix/install-$from"
  kp_server_readable dest || exit 1
  kp_cluster_opts "$dest" "$from"
  PGVER=$from pg_virtualenv -t -v "$from" "${port_opt[@]}" "${KP_CLUSTER_OPTS[@]}" \
    bash test/upgrade/phase.sh mint "$work" 2>&1 | tee -a "$log"
  for v in "$@"; do
    echo "== $v: restore, continue the walks"
    bash test/root.sh run "$v" bash test/upgrade/phase.sh cluster "$v" "$work" 2>&1 | tee -a "$log"
  done
fi

p=$(grep -cE '^ *ok - ' "$log")
f=$(grep -cE '^ *not ok - |ERROR:|FATAL:' "$log")
# each target version must have reported its checks
for v in "$@"; do
  grep -q "^ *ok - restored into PostgreSQL $v" "$log" || f=$((f + 1))
done
echo "$p passed, $f failed"
[ "$f" -eq 0 ]
