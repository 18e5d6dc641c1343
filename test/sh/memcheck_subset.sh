#!/usr/bin/env bash
# A short make memcheck for CI: a cluster of its own whose backends run under
# valgrind memcheck, running the pg_regress tests cursor_basic, page_errors
# and page_scan (keyset_page's custom scan) and the pgTAP files 00_smoke,
# 09_codec_conformance (the codec, signed but malformed frames) and 40_ddl
# (the page path and its cache across DDL).  Fails if a test fails or a valgrind report goes through
# keyset_pagination.so (test/memcheck/count_errors.pl).  About 2-4 minutes;
# the full run is make memcheck (doc/development.md).
. "$(dirname "$0")/lib/common.bash"

# next to the suites' own cluster, never on its port
out=$(KP_PGPORT=$(( ${PGPORT:-5432} + 1 )) MEMCHECK_SUITES="regress pgtap" \
      MEMCHECK_REGRESS="cursor_basic page_errors page_scan" \
      MEMCHECK_TAP="test/pgtap/00_smoke.sql test/pgtap/09_codec_conformance.sql test/pgtap/40_ddl.sql" \
      bash "$KP_ROOT/test/memcheck/run.sh" 2>&1)
rc=$?
echo "$out" | sed 's/^/    # /'
grep -q '^memcheck: [0-9]* valgrind error report(s) not suppressed, 0 in extension code$' <<<"$out" &&
  kp_ok t "memcheck subset: 0 valgrind reports in extension code" ||
  kp_ok f "memcheck subset: 0 valgrind reports in extension code"
[ $rc -eq 0 ] && grep -q 'memcheck: suites passed under valgrind' <<<"$out" &&
  kp_ok t "memcheck subset: the suites pass with every backend under valgrind" ||
  kp_ok f "memcheck subset: the suites pass with every backend under valgrind"
kp_done
