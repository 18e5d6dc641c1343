#!/usr/bin/env bash
# Installs what the example APIs and their tests need, on Debian:
#   python3-psycopg (psycopg 3) for examples/python,
#   nodejs + npm for examples/node (skipped when node and npm are already
#   on PATH, e.g. from NodeSource), pgbouncer for the pooler tests.
# As root: installs what is missing.  Otherwise: prints the exact command and
# fails.  The build packages come from test/deps.sh.
set -euo pipefail
pkgs=(python3 python3-psycopg pgbouncer)
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || pkgs+=(nodejs npm)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "keyset_pagination examples: missing packages: ${missing[*]}" >&2
  echo "Run as root:  apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "keyset_pagination examples: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
