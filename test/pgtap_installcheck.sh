#!/usr/bin/env bash
# make installcheck-pgtap: the pgTAP suite (test/pgtap/*.sql, run by
# pg_prove) against the server the PG* environment points at, in database
# contrib_regression_pgtap (dropped and created again, kept afterwards like
# pg_regress's).  Needs the pgTAP extension on the server and pg_prove; when
# either is missing it says so and skips, unless KP_REQUIRE_PGTAP=1 (make
# test), where that is a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
db=${KP_PGTAP_DB:-contrib_regression_pgtap}

skip() {
  if [ "${KP_REQUIRE_PGTAP:-0}" = 1 ]; then echo "pgTAP suite: $1" >&2; exit 1; fi
  echo "pgTAP suite skipped: $1"
  exit 0
}
command -v pg_prove >/dev/null 2>&1 || skip "pg_prove is not installed (Debian: libtap-parser-sourcehandler-pgtap-perl)"
avail=$(psql -X -A -t -d postgres -c "SELECT count(*) FROM pg_available_extensions WHERE name = 'pgtap'" 2>&1) \
  || { echo "pgTAP suite: cannot connect: $avail" >&2; exit 1; }
[ "$avail" = 1 ] || skip "the server has no pgtap extension (Debian: postgresql-<version>-pgtap)"

dropdb --if-exists "$db" >/dev/null 2>&1
createdb "$db" || exit 1
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "CREATE EXTENSION pgtap; CREATE EXTENSION keyset_pagination;" >/dev/null || exit 1
pg_prove -d "$db" --ext .sql test/pgtap/
