#!/usr/bin/env bash
# bench/run.sh demo|bench|clients: what `make demo`, `make bench` and
# `make bench-clients` run.  Installs
# the missing Debian packages (demo: gnuplot-nox for the plot; bench:
# linux-perf for the profile taken when a target is missed, valgrind for
# the instruction counts; clients: python3-psycopg, and nodejs + npm when
# npm is missing, for bench/clients.sh), builds with
# -Werror, installs into .build/install, starts a throwaway pg_virtualenv
# cluster, runs bench/<job>.sh in database kp_<job> (created and dropped),
# and drops the cluster.  Settings: see bench/demo.sh or bench/bench.sh
# (KP_ROWS, KP_RESULTS_DIR, KP_PUBLISH, ...) and bench/in_cluster.sh
# (KP_PGPORT, KP_SHARED_BUFFERS).
set -uo pipefail
cd "$(dirname "$0")/.."
job=${1:-}
case "$job" in
  demo)  pkgs=gnuplot-nox ;;
  bench) pkgs="linux-perf valgrind" ;;
  clients) pkgs="python3-psycopg"; command -v npm >/dev/null 2>&1 || pkgs+=" nodejs npm" ;;
  *) echo "usage: bench/run.sh demo|bench|clients" >&2; exit 2 ;;
esac
start=$SECONDS
KP_EXTRA_PKGS="$pkgs ${KP_EXTRA_PKGS:-}" bash bench/in_cluster.sh \
  env KP_DB="kp_$job" bash "bench/$job.sh"
rc=$?
echo "make $job: $(( SECONDS - start ))s, exit $rc"
exit $rc
