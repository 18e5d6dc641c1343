#!/usr/bin/env bash
# The example APIs (examples/python: psycopg 3; examples/node: node-postgres)
# tested with the real things: each is started against the throwaway
# cluster, as an ordinary role, and walked over HTTP forward to the end and
# back, compared with ORDER BY; the same walks through pgbouncer (Debian's)
# in transaction mode, with each driver's settings that make it work
# (psycopg: prepare_threshold=None; node-postgres: unnamed statements, its
# default); the error mapping (400 with a safe message, 500 without internal
# SQL); a session SET leaking through the pooler while SET LOCAL does not;
# bigint ids exact in node-postgres with json_numbers => 'string'; and the
# 0.1.0 signature of keyset_connection served by the same library.
#
# KP_APP_ROWS rows (default 20000; the issue's 200000 with KP_APP_ROWS=200000),
# pages of KP_APP_FIRST (100).  Servers on KP_APP_PORT..KP_APP_PORT+5
# (default: after KP_PGPORT, see lib/apps.bash), 127.0.0.1 only.
. "$(dirname "$0")/lib/common.bash"
. "$KP_SH_DIR/lib/apps.bash"

rows=${KP_APP_ROWS:-20000}
first=${KP_APP_FIRST:-100}
base=$kp_app_base
bouncer_port=$base
py_port=$((base + 1)); node_port=$((base + 2)); py_pb_port=$((base + 3)); node_pb_port=$((base + 4))
db=kp_apps
app_pw=kp_app_pw_$$

kp_app_deps
if ! out=$(cd "$KP_ROOT/examples/node" && npm ci --no-audit --no-fund --loglevel=error 2>&1); then
  echo "$out" | sed 's/^/    # /'; kp_ok f "npm ci in examples/node"; kp_done
fi

# at exit, in this order: the apps stopped, pgbouncer stopped, the
# databases and role dropped, the work directory removed
kp_workdir work
kp_at_exit "kp_app_drop kp_app $db ${db}_010 ${db}_clone"
kp_at_exit '[ -f "$work/pgbouncer.pid" ] && kill "$(cat "$work/pgbouncer.pid")" 2>/dev/null; sleep 0.3'
kp_at_exit kp_app_stop

# the demo's posts, the app's own role, and one post with an id beyond 2^53
t0=$(date +%s)
kp_app_db $db kp_app "$app_pw" "$rows"
psql -X -q -v ON_ERROR_STOP=1 -d $db >/dev/null <<SQL || exit 1
INSERT INTO posts VALUES (9007199254740993, '2024-06-01 12:00:00.123456+00', 7, 1, 'beyond 2^53', '');
ANALYZE posts;
SQL
rows=$((rows + 1))
kp_value $db "SELECT id FROM posts ORDER BY created_at DESC, id DESC" >"$work/all.txt"; echo >>"$work/all.txt"
kp_value $db "SELECT id FROM posts WHERE author_id = 7 ORDER BY created_at DESC, id DESC" >"$work/author7.txt"; echo >>"$work/author7.txt"
echo "    # seeded $rows posts in $(( $(date +%s) - t0 ))s; pages of $first"

# pgbouncer in transaction mode; kp_leak: one server connection, for the SET check
chown postgres "$work"
cat >"$work/userlist.txt" <<EOF
"kp_app" "$app_pw"
"$PGUSER" "$PGPASSWORD"
EOF
cat >"$work/pgbouncer.ini" <<EOF
[databases]
$db = host=$PGHOST port=$PGPORT dbname=$db
kp_leak = host=$PGHOST port=$PGPORT dbname=$db pool_size=1
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $bouncer_port
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $work/userlist.txt
pool_mode = transaction
default_pool_size = 4
max_client_conn = 50
logfile = $work/pgbouncer.log
pidfile = $work/pgbouncer.pid
EOF
chown postgres "$work"/userlist.txt "$work"/pgbouncer.ini
# pgbouncer refuses to run as root
if ! runuser -u postgres -- pgbouncer -d -q "$work/pgbouncer.ini"; then
  cat "$work/pgbouncer.log" 2>/dev/null | sed 's/^/    # /'
  kp_ok f "pgbouncer started on 127.0.0.1:$bouncer_port"; kp_done
fi

start() { kp_app_start "$work/$1.log" "$2" "$3" "$4" $db kp_app "$app_pw" "${@:5}"; }
start python "$py_port" "$PGHOST" "$PGPORT" $PY "$KP_ROOT/examples/python/app.py"
start node "$node_port" "$PGHOST" "$PGPORT" node "$KP_ROOT/examples/node/server.js"
start python_pgbouncer "$py_pb_port" 127.0.0.1 "$bouncer_port" APP_TRANSACTION_POOLER=1 $PY "$KP_ROOT/examples/python/app.py"
start node_pgbouncer "$node_pb_port" 127.0.0.1 "$bouncer_port" node "$KP_ROOT/examples/node/server.js"
kp_app_wait $py_port $node_port $py_pb_port $node_pb_port

py="http://127.0.0.1:$py_port"; node="http://127.0.0.1:$node_port"
py_pb="http://127.0.0.1:$py_pb_port"; node_pb="http://127.0.0.1:$node_pb_port"
# the walks: every row, directly and through pgbouncer; one author's rows
for url in "$py" "$node" "$py_pb" "$node_pb"; do
  kp_report <<<"$($HTTP walk "$work/all.txt" "$first" "$url")"
done
for url in "$py" "$node_pb"; do
  kp_report <<<"$($HTTP walk "$work/author7.txt" 20 "$url" --author 7)"
done
kp_ok "$(grep -q 'beyond' <(psql -X -At -d $db -c "SELECT title FROM posts WHERE id = 9007199254740993") && grep -qx 9007199254740993 "$work/all.txt" && echo t || echo f)" \
  "the walks included id 9007199254740993 (beyond 2^53), compared as exact text"

# the error mapping
for url in "$py" "$node" "$py_pb" "$node_pb"; do
  kp_report <<<"$($HTTP errors "$url")"
done
# 500: a permission error, whose CONTEXT names the internal seek SQL
psql -X -q -d $db -c "REVOKE SELECT ON posts FROM kp_app" || exit 1
for url in "$py" "$node"; do
  res=$($HTTP status "$url" "first=3")
  kp_ok "$([ "$res" = '500 {"error": {"code": "internal", "message": "internal error"}}' ] ||
           [ "$res" = '500 {"error":{"code":"internal","message":"internal error"}}' ] && echo t || echo f)" \
    "$url: permission denied -> 500 with a fixed body, no SQL ($res)"
done
kp_ok "$(grep -q '42501' "$work/python.log" && grep -q '42501' "$work/node.log" && echo t || echo f)" \
  "both examples logged the 42501 for the operator"
psql -X -q -d $db -c "GRANT SELECT ON posts TO kp_app" || exit 1
kp_ok "$($HTTP status "$py" "first=3" | grep -q '^200 ' && echo t || echo f)" "after GRANT the same connection pages again"

# settings through a transaction pooler
kp_report <<<"$($HTTP pooler_settings "host=127.0.0.1 port=$bouncer_port dbname=kp_leak user=kp_app password=$app_pw")"

# node-postgres reads the bigint exactly only with json_numbers => 'string'
kp_report <<<"$(NODE_PATH="$KP_ROOT/examples/node/node_modules" PGDATABASE=$db node "$KP_SH_DIR/lib/node_bigint.js" 2>&1)"

# the 0.1.0 signature (8 arguments) is served by the same library, and the
# update gives the same function as a fresh 0.2.0 install
createdb ${db}_010 || exit 1
kp_sql ${db}_010 <<'SQL'
CREATE EXTENSION keyset_pagination VERSION '0.1.0';
CREATE TABLE t (id bigint PRIMARY KEY);
INSERT INTO t VALUES (9007199254740993);
SELECT CASE WHEN pronargs = 8 AND keyset_connection(NULL::t)->'edges'->0->'node'->'id' = '9007199254740993'::jsonb
       THEN 'ok' ELSE 'not ok' END || ' - 0.1.0: keyset_connection with 8 arguments works, bigint as a JSON number'
FROM pg_proc WHERE proname = 'keyset_connection';
ALTER EXTENSION keyset_pagination UPDATE TO '0.2.0';
SELECT CASE WHEN keyset_connection(NULL::t, json_numbers => 'string')->'edges'->0->'node'->'id' = '"9007199254740993"'::jsonb
            AND keyset_connection(NULL::t)->'edges'->0->'node'->'id' = '9007199254740993'::jsonb
       THEN 'ok' ELSE 'not ok' END || ' - updated to 0.2.0: json_numbers works, the default keeps the 0.1.0 shape';
SQL
fresh=$(psql -X -At -d $db -c "SELECT md5(pg_get_functiondef(p.oid) || coalesce(obj_description(p.oid, 'pg_proc'), '') || coalesce(p.proacl::text, '-')) FROM pg_proc p WHERE proname = 'keyset_connection'")
updated=$(psql -X -At -d ${db}_010 -c "SELECT md5(pg_get_functiondef(p.oid) || coalesce(obj_description(p.oid, 'pg_proc'), '') || coalesce(p.proacl::text, '-')) FROM pg_proc p WHERE proname = 'keyset_connection'")
kp_ok "$([ -n "$fresh" ] && [ "$fresh" = "$updated" ] && echo t || echo f)" \
  "keyset_connection after the update: same definition, comment and grants as a fresh 0.2.0 install"

# cloning a database (production restored into staging): the clone has the
# same keys, so each accepts the other's cursors until the clone rotates and
# retires; then neither does
prod=${db}_010; clone=${db}_clone
P=$(kp_value $prod "SELECT keyset_cursor_encode(ROW(1), 'feed')")
if createdb -T $prod $clone; then
  kp_sql $clone <<SQL
SELECT CASE WHEN keyset_cursor_verify('$P', 'feed') THEN 'ok' ELSE 'not ok' END || ' - a cloned database accepts the original''s cursors';
SELECT keyset_rotate_key() IS NOT NULL AND keyset_retire_keys() = 1 AS rotated \gset
SELECT CASE WHEN :'rotated' AND NOT keyset_cursor_verify('$P', 'feed') THEN 'ok' ELSE 'not ok' END
       || ' - after keyset_rotate_key() and keyset_retire_keys() in the clone, the original''s cursors are refused there';
SQL
  C=$(kp_value $clone "SELECT keyset_cursor_encode(ROW(1), 'feed')")
  kp_ok "$(kp_value $prod "SELECT NOT keyset_cursor_verify('$C', 'feed') AND keyset_cursor_verify('$P', 'feed')")" \
    "and the clone's new cursors are refused by the original, whose own still verify"
  dropdb $clone
else
  kp_ok f "CREATE DATABASE $clone TEMPLATE $prod"
fi

# nothing internal reached a client, and nothing crashed
kp_ok "$(grep -qiE 'segfault|terminated by signal' "$work"/*.log && echo f || echo t)" "no example or pooler logged a crash"
kp_done
