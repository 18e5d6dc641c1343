#!/usr/bin/env bash
# BUG-10: a syntax error in order_by or filter is raised by PostgreSQL's
# grammar while parsing internal text ("SELECT ORDER BY <order_by>" or
# "SELECT WHERE <filter>"), and the error keeps that text's cursor
# position.  The client receives it as a position in its own statement, so
# psql prints a LINE/caret under an unrelated spot:
#
#   SELECT * FROM keyset_page(NULL::t, 'id) --');
#   ERROR:  syntax error at or near ")"
#   LINE 1: SELECT * FROM keyset_page(NULL::t, 'id) --');
#                             ^            <- character 19 of the statement
#
# Expected: no position (or one inside the argument).  Runs inside the
# throwaway cluster of make test (PG* variables set by pg_virtualenv).
set -uo pipefail
db=kp_sh_errpos
dropdb --if-exists "$db" >/dev/null 2>&1
createdb "$db" || exit 1
trap 'dropdb --if-exists "$db" >/dev/null 2>&1' EXIT
psql -X -q -d "$db" -c "CREATE EXTENSION keyset_pagination; CREATE TABLE t (id int PRIMARY KEY);" || exit 1

fail=0
check() {
  local sql=$1 out
  out=$(psql -X -q -d "$db" -c "$sql" 2>&1)
  if grep -qE '^LINE [0-9]+:|at character [0-9]+' <<<"$out"; then
    echo "BUG-10: error position points into internal text for: $sql"
    sed 's/^/    /' <<<"$out"
    fail=1
  elif ! grep -q 'ERROR:' <<<"$out"; then
    echo "unexpected: no error for: $sql"
    fail=1
  fi
}
check "SELECT * FROM keyset_page(NULL::t, 'id) --')"
check "SELECT * FROM keyset_page(NULL::t, 'id ASC DESC')"
check "SELECT * FROM keyset_page(NULL::t, filter => 'true) OR (true')"
check "SELECT * FROM keyset_page(NULL::t, filter => 'WITH d AS (DELETE FROM t RETURNING 1) SELECT true')"
[ $fail -eq 0 ] && echo "ok: syntax errors in order_by/filter carry no misleading position"
exit $fail
