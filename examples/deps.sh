#!/usr/bin/env bash
# Installs what the example APIs and their tests need on Debian, on top of
# what test/deps.sh installs to build the extension: python3-psycopg
# (psycopg 3) for examples/python, nodejs + npm for examples/node (skipped
# when node and npm are already on PATH, e.g. from NodeSource), pgbouncer for
# the pooler tests.  As root: installs what is missing.  Otherwise: prints
# the exact command and fails.
set -euo pipefail
extra="python3 python3-psycopg pgbouncer"
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || extra+=" nodejs npm"
EXTRA_PKGS="$extra ${EXTRA_PKGS:-}" exec bash "$(dirname "$0")/../test/deps.sh"
