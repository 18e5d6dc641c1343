#!/usr/bin/env bash
# An error in order_by or filter points into that argument, not into the
# caller's statement.  order_by and filter are parsed inside wrapper
# statements ("SELECT ORDER BY <order_by>", "SELECT FROM t WHERE (<filter>)");
# the error's position is moved into the argument as an internal position,
# so psql shows the argument as QUERY with the caret under the fault, and a
# CONTEXT line names the argument.  (Before, psql put a LINE/caret under an
# unrelated spot of the caller's own statement: BUG-10.)
. "$(dirname "$0")/lib/common.bash"

db=kp_sh_errpos
kp_fresh_db "$db"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c \
  "CREATE EXTENSION keyset_pagination; CREATE TABLE t (id int PRIMARY KEY, name text NOT NULL);" || exit 1

# check SQL ARG CONTEXT CARET_COL: the error output must be the argument as
# QUERY and LINE 1, the caret at 1-based column CARET_COL of the argument,
# the CONTEXT line, and no "at character" of the caller's statement
check() {
  local sql=$1 arg=$2 ctx=$3 col=$4 out line caret want_caret
  out=$(psql -X -q -d "$db" -c "$sql" 2>&1)
  line=$(grep -m1 '^LINE 1: ' <<<"$out")
  caret=$(grep -A1 -m1 '^LINE 1: ' <<<"$out" | tail -n 1)
  want_caret="$(printf '%*s^' $(( 8 + col - 1 )) '')"
  if grep -q "^ERROR:" <<<"$out" && ! grep -q 'at character' <<<"$out" &&
     [ "$line" = "LINE 1: $arg" ] && [ "$caret" = "$want_caret" ] &&
     grep -qxF "QUERY:  $arg" <<<"$out" && grep -qxF "CONTEXT:  $ctx" <<<"$out"; then
    kp_report <<<"ok - $ctx, caret at column $col: $sql"
  else
    kp_report <<<"not ok - $ctx, caret at column $col: $sql"
    sed 's/^/    # /' <<<"$out"
  fi
}
check "SELECT * FROM keyset_page(NULL::t, 'id) --')" 'id) --' 'order_by argument' 3
check "SELECT * FROM keyset_page(NULL::t, 'id ASC DESC')" 'id ASC DESC' 'order_by argument' 8
check "SELECT * FROM keyset_connection(NULL::t, 'name,, id')" 'name,, id' 'order_by argument' 6
check "SELECT * FROM keyset_page(NULL::t, filter => 'true) OR (true')" 'true) OR (true' 'filter argument' 5
check "SELECT * FROM keyset_page(NULL::t, filter => 'name = 1 +')" 'name = 1 +' 'filter argument' 11
check "SELECT * FROM keyset_page(NULL::t, filter => 'nosuchcol = 1')" 'nosuchcol = 1' 'filter argument' 1
check "SELECT * FROM keyset_page(NULL::t, filter => 'id = ''x''')" "id = 'x'" 'filter argument' 6
check "SELECT * FROM keyset_count_estimate(NULL::t, 'id > \$1 AND name ~~~ \$2', ARRAY['1', 'a'])" 'id > $1 AND name ~~~ $2' 'filter argument' 18

# errors that are not about a position keep their own message and no LINE
out=$(psql -X -q -d "$db" -c "SELECT * FROM keyset_page(NULL::t, filter => 'WITH d AS (DELETE FROM t RETURNING 1) SELECT true')" 2>&1)
if grep -q '^ERROR:' <<<"$out" && ! grep -q 'at character' <<<"$out"; then
  kp_report <<<"ok - a data-modifying WITH in filter is refused without a misleading position"
else
  kp_report <<<"not ok - a data-modifying WITH in filter is refused without a misleading position"
  sed 's/^/    # /' <<<"$out"
fi
kp_done
