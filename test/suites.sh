#!/usr/bin/env bash
# Runs inside pg_virtualenv: pg_regress, pg_isolation_regress, pgTAP.
# Sums what each suite reports and ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
passed=0
failed=0
out=$(mktemp)

# pg_regress/pg_isolation_regress summaries:
#   "All 5 tests passed."  or  "2 of 5 tests failed."
count_regress() {
  local p f
  if p=$(grep -oE 'All [0-9]+ tests passed' "$out" | grep -oE '[0-9]+'); then
    passed=$((passed + p))
  elif f=$(grep -oE '[0-9]+ of [0-9]+ tests failed' "$out"); then
    local nf nt
    nf=$(echo "$f" | awk '{print $1}'); nt=$(echo "$f" | awk '{print $3}')
    failed=$((failed + nf)); passed=$((passed + nt - nf))
  else
    failed=$((failed + 1))
  fi
}

show_diffs() {
  for d in regression.diffs output_iso/regression.diffs; do
    [ -s "$d" ] && { echo "---- $d"; head -c 60000 "$d"; }
  done
}

echo "== pg_regress"
make -s installcheck-regress PG_CONFIG="$PG_CONFIG" >"$out" 2>&1
rc=$?
cat "$out"; count_regress
[ $rc -ne 0 ] && show_diffs

if grep -q '^ISOLATION' Makefile; then
  echo "== pg_isolation_regress"
  make -s installcheck-isolation PG_CONFIG="$PG_CONFIG" >"$out" 2>&1
  rc=$?
  cat "$out"; count_regress
  [ $rc -ne 0 ] && show_diffs
fi

echo "== pgTAP (pg_prove)"
KP_REQUIRE_PGTAP=1 make -s installcheck-pgtap PG_CONFIG="$PG_CONFIG" >"$out" 2>&1
rc=$?
cat "$out"
t=$(grep -oE 'Tests=[0-9]+' "$out" | grep -oE '[0-9]+' || echo 0)
f=$(grep -oE 'Failed [0-9]+/[0-9]+ subtests' "$out" | awk -F'[ /]' '{s+=$2} END {print s+0}')
if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
passed=$((passed + t - (f > t ? t : f))); failed=$((failed + f))

# Shell tests that do not depend on the server's major version, or that need
# tools installed only on the host (node, pgbouncer, clang, valgrind), run on
# the host's version only: inside a test/root.sh root (make test PGVER=17|18,
# make test-matrix) they are listed as skipped and not counted.
host_only=" app_examples.sh app_replica.sh fuzz_codec.sh memcheck_subset.sh memcheck_log_parser.sh "
for extra in test/sh/*.sh; do
  [ -e "$extra" ] || continue
  name=$(basename "$extra")
  if [ -n "${KP_IN_ROOT:-}" ] && [[ "$host_only" == *" $name "* ]]; then
    echo "== $name .. skipped: host-only test (runs on the host's PostgreSQL)"
    continue
  fi
  echo "== $name"
  if bash "$extra"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done

rm -f "$out"
summary="$passed passed, $failed failed"
# run_all.sh prints it last, after pg_virtualenv's messages
if [ -n "${KP_SUMMARY:-}" ]; then echo "$summary" >"$KP_SUMMARY"; else echo "$summary"; fi
[ "$failed" -eq 0 ]
