#!/usr/bin/env bash
# make bench: deps (with linux-perf, for the profile taken when a target is
# missed), -Werror build, DESTDIR install, throwaway pg_virtualenv cluster,
# bench/bench.sh in database kp_bench (created and dropped), cluster dropped.
# Settings: see bench/bench.sh (KP_ROWS, KP_BENCH_T, KP_BENCH_ROUNDS,
# KP_PROFILE, KP_RESULTS_DIR, KP_PUBLISH) and bench/in_cluster.sh (KP_PGPORT,
# KP_SHARED_BUFFERS).
set -uo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
KP_EXTRA_PKGS="linux-perf ${KP_EXTRA_PKGS:-}" bash bench/in_cluster.sh \
  env KP_DB=kp_bench bash bench/bench.sh
rc=$?
echo "make bench: $(( SECONDS - start ))s, exit $rc"
exit $rc
