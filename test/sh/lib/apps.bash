# Shared by test/sh/app_examples.sh and test/sh/app_replica.sh (sourced
# after common.bash): the example APIs as background processes.

PY=/usr/bin/python3                  # Debian's, where python3-psycopg is
HTTP="$PY $KP_SH_DIR/lib/app_http.py"
kp_app_pids=()
# The app tests' ports: KP_APP_PORT..+7 (app_examples.sh uses +0..+4,
# app_replica.sh +5..+7).  By default the 8 ports after the cluster's
# KP_PGPORT, so runs pinned to different ports (parallel sessions) do not
# collide; 5561.. when no port is pinned.
kp_app_base=${KP_APP_PORT:-$(( ${KP_PGPORT:-5560} + 1 ))}

# kp_app_deps : python3-psycopg, pgbouncer, node and npm (examples/deps.sh),
# or the script fails
kp_app_deps() {
  local out
  if ! out=$(bash "$KP_ROOT/examples/deps.sh" 2>&1); then
    echo "$out" | sed 's/^/    # /'
    kp_ok f "examples/deps.sh installed python3-psycopg, pgbouncer, node and npm"
    kp_done
  fi
}

# kp_app_start LOG PORT DBHOST DBPORT DB ROLE PASSWORD [VAR=value...] CMD... :
# an example API on 127.0.0.1:PORT in the background, as ROLE
kp_app_start() {
  local log=$1 port=$2 host=$3 dbport=$4 db=$5 role=$6 pw=$7
  shift 7
  env PGHOST="$host" PGPORT="$dbport" PGDATABASE="$db" PGUSER="$role" PGPASSWORD="$pw" \
      APP_HOST=127.0.0.1 APP_PORT="$port" "$@" >"$log" 2>&1 &
  kp_app_pids+=($!)
}

# kp_app_wait PORT... : until each answers GET /posts?first=1 (10 s at most)
kp_app_wait() {
  local port
  for port in "$@"; do
    for _ in $(seq 1 100); do
      $HTTP status "http://127.0.0.1:$port" "first=1" 2>/dev/null | grep -q '^200 ' && break
      sleep 0.1
    done
  done
}

# kp_app_stop : stops the examples this script started
kp_app_stop() {
  local p
  for p in "${kp_app_pids[@]}"; do kill "$p" 2>/dev/null; done
}

# kp_app_drop ROLE DB... : drops the databases, then the role (if they exist)
kp_app_drop() {
  local role=$1 d
  shift
  for d in "$@"; do dropdb --if-exists "$d" >/dev/null 2>&1; done
  psql -X -q -c "DROP ROLE IF EXISTS $role" >/dev/null 2>&1
}

# kp_app_db DB ROLE PASSWORD ROWS : a fresh database with ROWS demo posts
# (examples/seed.sh) and a login role that may read them, as the examples
# connect: not the owner, not a superuser
kp_app_db() {
  kp_app_drop "$2" "$1"
  createdb "$1" || exit 1
  PGDATABASE=$1 bash "$KP_ROOT/examples/seed.sh" "$4" >/dev/null || exit 1
  psql -X -q -v ON_ERROR_STOP=1 -d "$1" >/dev/null <<SQL || exit 1
CREATE ROLE $2 LOGIN PASSWORD '$3';
GRANT SELECT ON posts TO $2;
SQL
}
