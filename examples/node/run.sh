#!/usr/bin/env bash
# examples/node: installs nodejs and npm if missing (as root; otherwise prints
# the apt-get command), installs node-postgres exactly as package-lock.json
# says (npm ci), then serves GET /posts on APP_HOST:APP_PORT (127.0.0.1:8000)
# against the database named by the libpq environment.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bash "$here/../deps.sh"
cd "$here"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
exec node server.js
