#!/usr/bin/env bash
# examples/python: installs python3-psycopg if missing (as root; otherwise
# prints the apt-get command), then serves GET /posts on APP_HOST:APP_PORT
# (127.0.0.1:8000) against the database named by the libpq environment.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bash "$here/../deps.sh"
# Debian's interpreter, where python3-psycopg is installed
exec /usr/bin/python3 "$here/app.py"
