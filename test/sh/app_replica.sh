#!/usr/bin/env bash
# The example API (examples/python) on a streaming replica: pg_basebackup -R
# of the throwaway cluster into a temp dir, started as the postgres user on
# 127.0.0.1:KP_APP_PORT+5; one example on the primary, one on the replica.
# A walk alternating primary and replica, forward to the end and back,
# compared with ORDER BY; keyset_rotate_key() on the primary -> after replay
# new cursors verify on the replica and the replica signs with the new key;
# keyset_retire_keys() -> the retired key is refused on the replica too, in a
# replica session that stayed open throughout (test/sh/lib/app_http.py
# replica).  KP_APP_ROWS rows (default 20000), pages of KP_APP_FIRST (100).
. "$(dirname "$0")/lib/common.bash"
. "$KP_SH_DIR/lib/apps.bash"

rows=${KP_APP_ROWS:-20000}
first=${KP_APP_FIRST:-100}
base=$kp_app_base
replica_port=$((base + 5)); py_port=$((base + 6)); py_rep_port=$((base + 7))
db=kp_replica
app_pw=kp_rapp_pw_$$
bindir=$("${PG_CONFIG:-pg_config}" --bindir)

kp_app_deps

# at exit, in this order: the apps stopped, the replica stopped, the
# databases and role dropped, the work directory removed
kp_workdir work
kp_at_exit "kp_app_drop kp_rapp $db"
kp_at_exit '[ -f "$work/data/postmaster.pid" ] &&
  runuser -u postgres -- "$bindir/pg_ctl" -D "$work/data" -m fast -w stop >/dev/null 2>&1'
kp_at_exit kp_app_stop
kp_app_db $db kp_rapp "$app_pw" "$rows"
kp_value $db "SELECT id FROM posts ORDER BY created_at DESC, id DESC" >"$work/all.txt"; echo >>"$work/all.txt"

# the replica: a base backup with -R (standby.signal, primary_conninfo)
chown postgres "$work"
if ! out=$(runuser -u postgres -- env PGPASSWORD="$PGPASSWORD" "$bindir/pg_basebackup" -h "$PGHOST" -p "$PGPORT" \
             -U "$PGUSER" -D "$work/data" -R -X stream -c fast 2>&1); then
  echo "$out" | sed 's/^/    # /'; kp_ok f "pg_basebackup -R"; kp_done
fi
# a Debian cluster keeps its configuration outside the data directory
cp "$(kp_value postgres "SHOW hba_file")" "$work/data/pg_hba.conf"
cat >"$work/data/postgresql.conf" <<EOF
port = $replica_port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$work'
hot_standby = on
max_prepared_transactions = 0
EOF
# where the primary loads the extension from: extension_destdir up to 17,
# extension_control_path and dynamic_library_path from 18 on
kp_value postgres "SELECT name || ' = ' || quote_literal(setting) FROM pg_settings
                   WHERE name IN ('extension_destdir', 'extension_control_path',
                                  'dynamic_library_path')" >>"$work/data/postgresql.conf"
chown postgres "$work/data/pg_hba.conf" "$work/data/postgresql.conf"
if ! runuser -u postgres -- "$bindir/pg_ctl" -D "$work/data" -l "$work/replica.log" -w -t 60 start >/dev/null; then
  sed 's/^/    # /' "$work/replica.log"; kp_ok f "replica started on 127.0.0.1:$replica_port"; kp_done
fi

kp_app_start "$work/python_primary.log" "$py_port" 127.0.0.1 "$PGPORT" $db kp_rapp "$app_pw" \
  $PY "$KP_ROOT/examples/python/app.py"
kp_app_start "$work/python_replica.log" "$py_rep_port" 127.0.0.1 "$replica_port" $db kp_rapp "$app_pw" \
  $PY "$KP_ROOT/examples/python/app.py"
kp_app_wait $py_port $py_rep_port

kp_report <<<"$($HTTP replica "$work/all.txt" "$first" "http://127.0.0.1:$py_port" "http://127.0.0.1:$py_rep_port" \
  "host=$PGHOST port=$PGPORT dbname=$db user=$PGUSER password=$PGPASSWORD" \
  "host=127.0.0.1 port=$replica_port dbname=$db user=$PGUSER password=$PGPASSWORD")"
kp_ok "$(grep -qE 'PANIC|terminated by signal' "$work/replica.log" && echo f || echo t)" "the replica logged no crash"
kp_done
