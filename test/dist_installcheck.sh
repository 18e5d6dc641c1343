#!/usr/bin/env bash
# The release a packager takes: `make dist` writes the PGXN zip of HEAD
# (git archive); unpacked elsewhere it builds with the user's pg_config,
# installs (here into a DESTDIR, the way a package build does), and
# `make installcheck` (pg_regress, isolation, pgTAP) passes against a
# running server -- a throwaway pg_virtualenv cluster that loads the
# extension from that install (extension_destdir).
#
# make distcheck runs this (about 2 minutes, so not part of make test).
# Like make test it installs missing Debian packages first; PGVER picks the
# PostgreSQL version (default 15), KP_PGPORT the cluster's port (else
# pg_virtualenv picks a free one).  Ends with "N passed, N failed".
set -uo pipefail
. "$(dirname "$0")/sh/lib/common.bash"
cd "$KP_ROOT" || exit 1

export PGVER="${PGVER:-15}"
EXTRA_PKGS="${EXTRA_PKGS:-} unzip" bash test/deps.sh || exit 1
PG_CONFIG="/usr/lib/postgresql/$PGVER/bin/pg_config"
export PATH="/usr/lib/postgresql/$PGVER/bin:$PATH"
pgver=$("$PG_CONFIG" --version | sed -n 's/^PostgreSQL \([0-9]*\).*/\1/p')
ext=keyset_pagination
version=$(sed -n 's/^EXTVERSION *= *\([^ ]*\)*$/\1/p' Makefile)
name=$ext-$version
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"

git diff --quiet HEAD -- 2>/dev/null || echo "    # note: the worktree has uncommitted changes; make dist packs HEAD $(git rev-parse --short HEAD)"
if ! make -s dist >"$work/dist.log" 2>&1 || [ ! -s "$name.zip" ]; then
  echo "    not ok - make dist"; sed 's/^/    # /' "$work/dist.log"; exit 1
fi
mv "$name.zip" "$work/"
kp_ok t "make dist wrote $name.zip"
unzip -Z1 "$work/$name.zip" >"$work/files.txt"
missing=""
for f in LICENSE META.json CHANGELOG.md README.md Makefile $ext.control sql/$ext--$version.sql; do
  grep -qx "$name/$f" "$work/files.txt" || missing="$missing $f"
done
prefixes=$(cut -d/ -f1 "$work/files.txt" | sort -u)
kp_ok "$([ "$prefixes" = "$name" ] && echo t || echo f)" "every file in the zip is under $name/ (got: $(echo $prefixes))"
kp_ok "$([ -z "$missing" ] && echo t || echo f)" "the zip has LICENSE, META.json, CHANGELOG.md, README.md, the Makefile, control file and install script${missing:+ (missing:$missing)}"

mkdir "$work/elsewhere" && (cd "$work/elsewhere" && unzip -q "../$name.zip") || { echo "    not ok - unzip"; exit 1; }
src="$work/elsewhere/$name"
dest="$work/install"
if ! make -C "$src" -s PG_CONFIG="$PG_CONFIG" >"$work/build.log" 2>&1 ||
   ! make -C "$src" -s install PG_CONFIG="$PG_CONFIG" DESTDIR="$dest" >>"$work/build.log" 2>&1; then
  echo "    not ok - the unpacked zip builds and installs"; sed 's/^/    # /' "$work/build.log" | tail -30; exit 1
fi
kp_ok t "the unpacked zip builds and installs with $PG_CONFIG"
chmod -R a+rX "$work"

port_opt=()
[ -n "${KP_PGPORT:-}" ] && port_opt=(-c "-p $KP_PGPORT")
(
  pg_virtualenv -t -v "$pgver" "${port_opt[@]}" -o "extension_destdir=$dest" \
    make -C "$src" installcheck PG_CONFIG="$PG_CONFIG"
) >"$work/installcheck.log" 2>&1
rc=$?
regress=$(grep -oE 'All [0-9]+ tests passed|[0-9]+ of [0-9]+ tests failed' "$work/installcheck.log" | tr '\n' ';')
tap=$(grep -E '^Result: ' "$work/installcheck.log")
echo "    # make installcheck (exit $rc): pg_regress, isolation: $regress pgTAP: ${tap:-not run}"
kp_ok "$([ $rc -eq 0 ] && echo t || echo f)" "make installcheck in the unpacked zip passes (regress; isolation: $regress pgTAP: ${tap:-not run})"
if [ $rc -ne 0 ] || [ "${KP_VERBOSE:-0}" = 1 ]; then
  grep -vE '^[0-9-]+ [0-9:.]+ UTC \[' "$work/installcheck.log" | tail -60 | sed 's/^/    # /'
  for d in regression.diffs output_iso/regression.diffs; do
    [ -s "$src/$d" ] && head -c 20000 "$src/$d" | sed 's/^/    # /'
  done
fi
kp_ok "$(echo "$regress" | grep -qE '^All [0-9]+ tests passed;All [0-9]+ tests passed;$' && [ "$tap" = "Result: PASS" ] && echo t || echo f)" \
  "installcheck ran all three suites: pg_regress, isolation, pgTAP"

echo "    # $kp_passed passed, $kp_failed failed"
echo "$kp_passed passed, $kp_failed failed"
[ "$kp_failed" -eq 0 ] && [ "$kp_passed" -gt 0 ]
