#!/usr/bin/env bash
# The keyset_pagination.* settings written in postgresql.conf, as
# doc/applications.md recommends on PostgreSQL 15 without preloading (issue
# 15): the postmaster makes a placeholder of each, new backends inherit it,
# and the library's definition replaces it in place (on 15 without sorting
# the settings array again).  In a cluster of its own (initdb in a temporary
# directory, a socket there and no TCP) with two settings in postgresql.conf:
# a new backend shows them before the library is loaded; once it is, they
# are the values in force (source: configuration file) and limit
# keyset_page; SET still overrides them for the session; a reload with a new
# value reaches the next new backend.
. "$(dirname "$0")/lib/common.bash"

bindir=$("${PG_CONFIG:-pg_config}" --bindir)
kp_workdir work
chown postgres "$work"
kp_at_exit '[ -f "$work/data/postmaster.pid" ] &&
  runuser -u postgres -- "$bindir/pg_ctl" -D "$work/data" -m immediate -w stop >/dev/null 2>&1'
if ! out=$(runuser -u postgres -- "$bindir/initdb" -D "$work/data" -U postgres -A trust 2>&1); then
  echo "$out" | sed 's/^/    # /'; kp_ok f "initdb"; kp_done
fi
{
  echo "port = $PGPORT"
  echo "listen_addresses = ''"
  echo "unix_socket_directories = '$work'"
  echo "max_prepared_transactions = 0"
  echo "autovacuum = off"
  # where the suites' cluster loads the extension from: extension_destdir up
  # to 17, extension_control_path and dynamic_library_path from 18 on
  kp_value postgres "SELECT name || ' = ' || quote_literal(setting) FROM pg_settings
                     WHERE name IN ('extension_destdir', 'extension_control_path',
                                    'dynamic_library_path')"
  echo
  echo "keyset_pagination.max_page_size = 77"
  echo "keyset_pagination.default_page_size = 7"
} >>"$work/data/postgresql.conf"
if ! runuser -u postgres -- "$bindir/pg_ctl" -D "$work/data" -l "$work/server.log" -w -t 60 start >/dev/null; then
  sed 's/^/    # /' "$work/server.log"; kp_ok f "the cluster started"; kp_done
fi

# from here on, every psql is a new backend of that cluster
export PGHOST=$work PGUSER=postgres
unset PGPASSWORD PGDATABASE
q() { psql -X -q -A -t -d postgres "$@" 2>&1; }
q -v ON_ERROR_STOP=1 -c "CREATE EXTENSION keyset_pagination" \
  -c "CREATE TABLE t (id integer PRIMARY KEY)" -c "INSERT INTO t SELECT generate_series(1, 200)" | kp_report

kp_ok "$([ "$(q -c "SHOW keyset_pagination.max_page_size")" = 77 ] && echo t || echo f)" \
  "a new backend that has not loaded the library shows the value from postgresql.conf (a placeholder from the postmaster)"
out=$(q -c "SELECT count(*) FROM keyset_page(NULL::t, 'id')" -c "SHOW keyset_pagination.max_page_size" \
        -c "SELECT source FROM pg_settings WHERE name = 'keyset_pagination.default_page_size'")
kp_ok "$([ "$out" = "$(printf '7\n77\nconfiguration file')" ] && echo t || echo f)" \
  "once loaded, default_page_size 7 gives 7 rows, max_page_size is 77, from the configuration file"
out=$(q -c "SELECT count(*) FROM keyset_page(NULL::t, 'id', first => 78)")
kp_ok "$([[ "$out" == *"over keyset_pagination.max_page_size (77)"* ]] && echo t || echo f)" \
  "first => 78 is refused in a new backend: over keyset_pagination.max_page_size (77)"
kp_ok "$([ "$(q -c "SELECT count(*) FROM keyset_page(NULL::t, 'id', first => 77)")" = 77 ] && echo t || echo f)" \
  "first => 77 gives 77 rows"
out=$(q -c "SET keyset_pagination.max_page_size = 5" -c "SELECT count(*) FROM keyset_page(NULL::t, 'id', first => 6)")
kp_ok "$([[ "$out" == *"over keyset_pagination.max_page_size (5)"* ]] && echo t || echo f)" \
  "SET before the library is loaded still overrides the file for the session"
sed -i 's/^keyset_pagination.max_page_size = 77$/keyset_pagination.max_page_size = 66/' "$work/data/postgresql.conf"
runuser -u postgres -- "$bindir/pg_ctl" -D "$work/data" reload >/dev/null
sleep 1
kp_ok "$([ "$(q -c "SHOW keyset_pagination.max_page_size")" = 66 ] && echo t || echo f)" \
  "after a reload with 66, a new backend shows 66 before loading the library"
out=$(q -c "SELECT count(*) FROM keyset_page(NULL::t, 'id', first => 67)")
kp_ok "$([[ "$out" == *"(66)"* ]] && echo t || echo f)" "and enforces it once loaded"
kp_ok "$(grep -qE 'PANIC|terminated by signal' "$work/server.log" && echo f || echo t)" "the cluster logged no crash"
kp_done
