# Shared by the test/sh/*.sh scripts (sourced; not a test itself: suites.sh
# only runs test/sh/*.sh).  Each script runs inside the throwaway cluster
# with PGHOST/PGPORT/PGUSER/PGPASSWORD set, and is one pass/fail.
#
# Checks print TAP-like lines:  "ok - ..."  /  "not ok - ..."
# Any other line containing ERROR: is a failure too.
# "not ok - ... # TODO ..." marks a known bug: reported, not a failure
# (like a pgTAP todo()); "ok - ... # TODO ..." means it has been fixed.
# SQL produces such lines with the functions tap_ok() and tap_todo() that
# kp_tap_functions creates in a database.

set -uo pipefail
KP_SH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KP_ROOT="$(cd "$KP_SH_DIR/../.." && pwd)"
kp_failed=0
kp_passed=0
kp_todo=0

# reads lines, counts the TAP-like ones, and echoes them -- passing checks
# only with KP_VERBOSE=1 (like pg_prove without -v)
kp_report() {
  local line
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    case "$line" in
      "ok"*"# TODO"*|"not ok"*|*ERROR:*|*FATAL:*|*PANIC:*) echo "    $line" ;;
      "ok"*) [ "${KP_VERBOSE:-0}" = 1 ] && echo "    $line" ;;
      *) echo "    $line" ;;
    esac
    case "$line" in
      "not ok"*"# TODO"*) kp_todo=$((kp_todo + 1)) ;;
      "not ok"*) kp_failed=$((kp_failed + 1)) ;;
      "ok"*) kp_passed=$((kp_passed + 1)) ;;
      *ERROR:*|*FATAL:*|*PANIC:*) kp_failed=$((kp_failed + 1)) ;;
    esac
  done
}

# kp_sql DB [psql options...] < script : runs the script in one session,
# reports its output; a psql error is a failure
kp_sql() {
  local db=$1; shift
  local out rc
  out=$(psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$db" "$@" 2>&1)
  rc=$?
  kp_report <<<"$out"
  if [ $rc -ne 0 ]; then
    echo "    not ok - psql exited with $rc in database $db"
    kp_failed=$((kp_failed + 1))
  fi
  return 0
}

# kp_value DB SQL : prints the single value the query returns (for setup);
# exits the script on error
kp_value() {
  local db=$1 sql=$2 out
  if ! out=$(psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$db" -c "$sql" 2>&1); then
    echo "    not ok - setup query failed in $db: $sql"
    echo "$out" | sed 's/^/    # /'
    exit 1
  fi
  printf '%s' "$out"
}

# kp_ok BOOL_AS_t_OR_f DESCRIPTION : a check computed in the shell
kp_ok() {
  if [ "$1" = "t" ]; then kp_report <<<"ok - $2"; else kp_report <<<"not ok - $2"; fi
}

# tap_ok(bool, text) and tap_todo(bool, text, why) in database DB, and the
# cursor helpers the pgTAP tests use (test/pgtap/lib/helpers.sql: t_key_id,
# t_inspect, t_decode_error, ...)
kp_tap_functions() {
  psql -X -q -v ON_ERROR_STOP=1 -d "$1" -f "$KP_ROOT/test/pgtap/lib/helpers.sql" >/dev/null || exit 1
  psql -X -q -v ON_ERROR_STOP=1 -d "$1" >/dev/null <<'SQL'
CREATE FUNCTION public.tap_ok(ok boolean, description text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN ok IS TRUE THEN 'ok' ELSE 'not ok' END || ' - ' || description
$$;
CREATE FUNCTION public.tap_todo(ok boolean, description text, why text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT public.tap_ok(ok, description) || ' # TODO ' || why
$$;
SQL
}

# kp_at_exit COMMAND : runs COMMAND when the script exits, the commands in
# the reverse order of registration (the one EXIT trap of every script)
kp_exit_cmds=()
kp_at_exit() {
  kp_exit_cmds+=("$1")
  trap kp_run_at_exit EXIT
}
kp_run_at_exit() {
  local i
  for ((i = ${#kp_exit_cmds[@]} - 1; i >= 0; i--)); do
    eval "${kp_exit_cmds[i]}" || true
  done
}

# kp_workdir VAR : a new temporary directory in VAR, removed at exit
kp_workdir() {
  local dir
  dir=$(mktemp -d) || exit 1
  printf -v "$1" '%s' "$dir"
  kp_at_exit "rm -rf $(printf '%q' "$dir")"
}

# kp_fresh_db NAME [createdb options...] : drops NAME if it exists, creates
# it, and drops it again when the script exits
kp_fresh_db() {
  local name=$1
  shift
  kp_dropped_at_exit "$name"
  createdb "$@" "$name" || exit 1
}

# kp_dropped_at_exit NAME... : drops these databases now if they exist, and
# again when the script exits (for databases the script creates later)
kp_dropped_at_exit() {
  local name
  for name in "$@"; do
    dropdb --if-exists "$name" >/dev/null 2>&1
    kp_at_exit "dropdb --if-exists $(printf '%q' "$name") >/dev/null 2>&1"
  done
}

# kp_dropped_role_at_exit ROLE : drops the role now if it exists, and again
# when the script exits (after the databases registered later are dropped)
kp_dropped_role_at_exit() {
  local sql="DROP ROLE IF EXISTS $1"
  psql -X -q -d postgres -c "$sql" >/dev/null 2>&1
  kp_at_exit "psql -X -q -d postgres -c $(printf '%q' "$sql") >/dev/null 2>&1"
}

# kp_dump_restore SRC DST DST_FC WORKDIR : a plain pg_dump of SRC restored
# with psql into a new database DST, and a custom-format dump restored with
# pg_restore into a new database DST_FC; exits the script on failure
kp_dump_restore() {
  local src=$1 dst=$2 dst_fc=$3 work=$4
  pg_dump -d "$src" -f "$work/dump.sql" || { echo "    not ok - pg_dump failed"; exit 1; }
  createdb "$dst" || exit 1
  psql -X -q -v ON_ERROR_STOP=1 -d "$dst" -f "$work/dump.sql" >"$work/restore.log" 2>&1 \
    || { echo "    not ok - restore into $dst failed"; sed 's/^/    # /' "$work/restore.log"; exit 1; }
  pg_dump -Fc -d "$src" -f "$work/dump.custom" || { echo "    not ok - pg_dump -Fc failed"; exit 1; }
  createdb "$dst_fc" || exit 1
  pg_restore --exit-on-error -d "$dst_fc" "$work/dump.custom" >"$work/restore_fc.log" 2>&1 \
    || { echo "    not ok - pg_restore into $dst_fc failed"; sed 's/^/    # /' "$work/restore_fc.log"; exit 1; }
}

# kp_done : summary line, exit status (0 = pass)
kp_done() {
  echo "    # $kp_passed passed, $kp_failed failed, $kp_todo known bugs (TODO)"
  [ "$kp_failed" -eq 0 ] && [ "$kp_passed" -gt 0 ]
  exit $?
}
