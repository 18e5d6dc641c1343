#!/usr/bin/env bash
# Install the Debian packages keyset_pagination needs to build and test.
# As root: installs what is missing.  Otherwise: prints the exact command and fails.
set -euo pipefail
PGVER="${PGVER:-15}"
pkgs=("postgresql-${PGVER}" "postgresql-server-dev-${PGVER}" "postgresql-${PGVER}-pgtap"
      "libtap-parser-sourcehandler-pgtap-perl" "postgresql-common" "make" "gcc" ${EXTRA_PKGS:-})
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "keyset_pagination: missing packages: ${missing[*]}" >&2
  echo "Run as root:  apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "keyset_pagination: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
