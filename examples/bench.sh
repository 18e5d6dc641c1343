#!/usr/bin/env bash
# A small, bounded benchmark of the example APIs on loopback, against the
# database the libpq environment names, seeded with at least
# FIRST * PAGES rows (examples/seed.sh):
#   - HTTP latency of GET /posts?first=FIRST at page 1 and at page PAGES
#     (medians of 21 requests after 5 warm-ups, one keep-alive connection),
#     for examples/python and examples/node;
#   - the first keyset_connection call in a new backend against a warm one
#     (medians over 30 new connections), directly with psycopg.
#
#   examples/seed.sh 200000 && examples/bench.sh [FIRST] [PAGES]    (20, 10000)
#
# The examples listen on 127.0.0.1, ports APP_PORT and APP_PORT+1 (8000).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
first=${1:-20}
pages=${2:-10000}
port=${APP_PORT:-8000}
http=("/usr/bin/python3" "$here/../test/sh/lib/app_http.py")
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done' EXIT
APP_PORT=$port bash "$here/python/run.sh" >/dev/null & pids+=($!)
APP_PORT=$((port + 1)) bash "$here/node/run.sh" >/dev/null & pids+=($!)
for p in $port $((port + 1)); do
  for _ in $(seq 1 300); do
    "${http[@]}" status "http://127.0.0.1:$p" "first=1" 2>/dev/null | grep -q '^200 ' && break
    sleep 0.1
  done
done
echo "python: $("${http[@]}" bench "http://127.0.0.1:$port" "$first" "$pages")"
echo "node:   $("${http[@]}" bench "http://127.0.0.1:$((port + 1))" "$first" "$pages")"
"${http[@]}" first_call 30
