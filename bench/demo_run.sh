#!/usr/bin/env bash
# make demo: deps (with gnuplot-nox for the plot), -Werror build, DESTDIR
# install, throwaway pg_virtualenv cluster, bench/demo.sh in database kp_demo
# (created and dropped), cluster dropped.  Settings: see bench/demo.sh
# (KP_ROWS, KP_PAGES, KP_RUNS, KP_RESULTS_DIR, KP_PUBLISH) and
# bench/in_cluster.sh (KP_PGPORT, KP_SHARED_BUFFERS).
set -uo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
KP_EXTRA_PKGS="gnuplot-nox ${KP_EXTRA_PKGS:-}" bash bench/in_cluster.sh \
  env KP_DB=kp_demo bash bench/demo.sh
rc=$?
echo "make demo: $(( SECONDS - start ))s, exit $rc"
exit $rc
