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

rows=${KP_APP_ROWS:-20000}
first=${KP_APP_FIRST:-100}
base=${KP_APP_PORT:-5561}
replica_port=$((base + 5)); py_port=$((base + 6)); py_rep_port=$((base + 7))
db=kp_replica
app_pw=kp_rapp_pw_$$
PY=/usr/bin/python3
HTTP="$PY $KP_SH_DIR/lib/app_http.py"
bindir=$("${PG_CONFIG:-pg_config}" --bindir)

if ! out=$(bash "$KP_ROOT/examples/deps.sh" 2>&1); then
  echo "$out" | sed 's/^/    # /'; kp_ok f "examples/deps.sh installed python3-psycopg"; kp_done
fi

work=$(mktemp -d)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  [ -f "$work/data/postmaster.pid" ] &&
    runuser -u postgres -- "$bindir/pg_ctl" -D "$work/data" -m fast -w stop >/dev/null 2>&1
  dropdb --if-exists $db >/dev/null 2>&1
  psql -X -q -c "DROP ROLE IF EXISTS kp_rapp" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
dropdb --if-exists $db >/dev/null 2>&1
psql -X -q -c "DROP ROLE IF EXISTS kp_rapp" >/dev/null 2>&1
createdb $db || exit 1
PGDATABASE=$db bash "$KP_ROOT/examples/seed.sh" "$rows" >/dev/null || exit 1
psql -X -q -v ON_ERROR_STOP=1 -d $db >/dev/null <<SQL || exit 1
CREATE ROLE kp_rapp LOGIN PASSWORD '$app_pw';
GRANT SELECT ON posts TO kp_rapp;
SQL
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
extension_destdir = '$(kp_value postgres "SHOW extension_destdir")'
EOF
chown postgres "$work/data/pg_hba.conf" "$work/data/postgresql.conf"
if ! runuser -u postgres -- "$bindir/pg_ctl" -D "$work/data" -l "$work/replica.log" -w -t 60 start >/dev/null; then
  sed 's/^/    # /' "$work/replica.log"; kp_ok f "replica started on 127.0.0.1:$replica_port"; kp_done
fi

start() {
  local name=$1 port=$2 dbport=$3; shift 3
  env PGHOST=127.0.0.1 PGPORT="$dbport" PGUSER=kp_rapp PGPASSWORD="$app_pw" PGDATABASE=$db \
      APP_HOST=127.0.0.1 APP_PORT="$port" "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
}
start python_primary "$py_port" "$PGPORT" $PY "$KP_ROOT/examples/python/app.py"
start python_replica "$py_rep_port" "$replica_port" $PY "$KP_ROOT/examples/python/app.py"
for port in $py_port $py_rep_port; do
  for _ in $(seq 1 100); do
    $HTTP status "http://127.0.0.1:$port" "first=1" 2>/dev/null | grep -q '^200 ' && break
    sleep 0.1
  done
done

kp_report <<<"$($HTTP replica "$work/all.txt" "$first" "http://127.0.0.1:$py_port" "http://127.0.0.1:$py_rep_port" \
  "host=$PGHOST port=$PGPORT dbname=$db user=$PGUSER password=$PGPASSWORD" \
  "host=127.0.0.1 port=$replica_port dbname=$db user=$PGUSER password=$PGPASSWORD")"
kp_ok "$(grep -qE 'PANIC|terminated by signal' "$work/replica.log" && echo f || echo t)" "the replica logged no crash"
kp_done
