# Shared by bench/demo.sh and bench/bench.sh (sourced, not run).
# Runs inside a cluster environment: PGHOST/PGPORT/PGUSER (and PGDATABASE)
# come from pg_virtualenv or from the caller.

PG_BIN="/usr/lib/postgresql/${PGVER:-15}/bin"
case ":$PATH:" in *":$PG_BIN:"*) ;; *) export PATH="$PG_BIN:$PATH" ;; esac

# psql: no psqlrc, stop at the first error, unaligned tuples only
q() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }

# as_pg CMD...: runs CMD as postgres when root (the server refuses root)
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# kp_bench_cluster PREFIX PORT DEST [SETTING...]: for a bench script that
# runs a cluster of its own (bench/instructions.sh, bench/first_call.sh):
# initdb in a fresh directory KP_WORK (/tmp/PREFIX.XXXXXX, postgres's when
# root), socket there and no TCP, the build in DEST (below), no autovacuum or
# JIT, plus each SETTING line; exports the libpq environment for it.  Not
# started; set KP_WORK='' and `trap kp_bench_cluster_stop EXIT` (or a trap
# that calls it) before calling.
kp_bench_cluster() {
  local prefix=$1 port=$2 dest=$3
  shift 3
  KP_WORK=$(mktemp -d "/tmp/$prefix.XXXXXX") || return 1
  chmod 755 "$KP_WORK"
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$KP_WORK"; fi
  as_pg initdb -D "$KP_WORK/data" -U postgres -A trust >/dev/null || return 1
  # where the build is: extension_destdir (Debian's patch, up to 17), or 18's
  # extension_control_path and dynamic_library_path (test/lib/cluster.bash)
  local v=${PGVER:-15} where
  if grep -q 'extension_destdir' "/usr/share/postgresql/$v/postgresql.conf.sample" 2>/dev/null; then
    where=("extension_destdir = '$dest'")
  else
    where=("extension_control_path = '$dest/usr/share/postgresql/$v:\$system'"
           "dynamic_library_path = '$dest/usr/lib/postgresql/$v/lib:\$libdir'")
  fi
  printf '%s\n' "port = $port" "listen_addresses = ''" "unix_socket_directories = '$KP_WORK'" \
    "${where[@]}" "autovacuum = off" "jit = off" "$@" >>"$KP_WORK/data/postgresql.conf"
  export PGHOST=$KP_WORK PGPORT=$port PGUSER=postgres PGDATABASE=postgres
  unset PGOPTIONS PGPASSWORD
}

# kp_bench_cluster_stop: the EXIT trap of a script that ran kp_bench_cluster:
# stops the cluster, waits for a postmaster run under valgrind (vg_pid, when
# set) to write its files, and removes KP_WORK
kp_bench_cluster_stop() {
  [ -n "${KP_WORK:-}" ] || return 0
  [ -f "$KP_WORK/data/postmaster.pid" ] && as_pg pg_ctl -D "$KP_WORK/data" -m immediate -w stop >/dev/null 2>&1
  [ -n "${vg_pid:-}" ] && wait "$vg_pid" 2>/dev/null
  rm -rf "$KP_WORK"
}

# kp_first_call_conf DEST: the library setup of a first-call measurement
# into KP_WORK's postgresql.conf: KP_FC_PRELOAD=1 puts the library in
# shared_preload_libraries; KP_FC_SETTINGS=1 writes every keyset_pagination.*
# setting at its default, so the postmaster makes a placeholder of each,
# which backends inherit, and the library's definitions replace them in
# place (PostgreSQL 15 sorts its settings once per new definition, not for a
# replaced placeholder)
kp_first_call_conf() {
  local conf="$KP_WORK/data/postgresql.conf" so
  if [ "${KP_FC_PRELOAD:-0}" = 1 ]; then
    so=$(find "$1" -name keyset_pagination.so | head -n 1)
    echo "shared_preload_libraries = '$so'" >>"$conf"
  fi
  if [ "${KP_FC_SETTINGS:-0}" = 1 ]; then
    printf '%s\n' "keyset_pagination.max_cursor_length = 8192" "keyset_pagination.max_cursor_age = 0" \
      "keyset_pagination.max_page_size = 1000" "keyset_pagination.default_page_size = 20" \
      "keyset_pagination.max_offset = 10000" "keyset_pagination.query_cache_size = 8192" \
      "keyset_pagination.max_filter_length = 8192" >>"$conf"
  fi
}

# kp_first_call_start DEST: for bench/first_call.sh and first_call_profile.sh
# after kp_bench_cluster: the library setup (kp_first_call_conf), the
# cluster started, ROWS posts seeded, PAGE (of SIZE rows, in ORD) clamped to
# the table, and the two statements of a first call at that page set: floor
# (the hand-written seek) and page (keyset_page)
kp_first_call_start() {
  local maxpage pos ts id cur
  kp_first_call_conf "$1"
  as_pg pg_ctl -D "$KP_WORK/data" -l "$KP_WORK/server.log" -w start >/dev/null || { cat "$KP_WORK/server.log"; return 1; }
  kp_setup_schema kp_bench >/dev/null || return 1
  seed_posts "$ROWS" >/dev/null || return 1
  maxpage=$(( ROWS / SIZE ))
  [ "$PAGE" -gt $maxpage ] && PAGE=$maxpage
  pos=$(( (PAGE - 1) * SIZE ))
  if [ "$pos" -gt 0 ]; then
    IFS='|' read -r ts id cur <<<"$(kp_bench_position "$pos" "$ORD")"
    floor="SELECT * FROM kp_bench.posts WHERE (created_at, id) < ('$ts', $id) ORDER BY $ORD LIMIT 21"
    page="SELECT (p.node).*, p.cursor, p.has_next_page FROM keyset_page(NULL::kp_bench.posts, '$ORD', first => 20, after => '$cur') p"
  else
    floor="SELECT * FROM kp_bench.posts ORDER BY $ORD LIMIT 21"
    page="SELECT (p.node).*, p.cursor, p.has_next_page FROM keyset_page(NULL::kp_bench.posts, '$ORD', first => 20) p"
  fi
}

# kp_bench_position POS ORDER: "created_at|id|cursor" of the row before
# position POS (>= 1) of posts in ORDER, the cursor from cursor_walk
# (bench/helpers.sql): where a page starting at POS seeks from
kp_bench_position() {
  q -c "SELECT r.created_at::text, r.id, w.cur
    FROM (SELECT created_at, id FROM posts ORDER BY $2 OFFSET $(( $1 - 1 )) LIMIT 1) r,
         cursor_walk('posts', '$2', NULL, $1) w"
}

# prints SQL the way the demo shows it
show_sql() { sed 's/^/    /' <<<"$1"; }

# 1234567 -> 1,234,567
commas() { sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<<"$1"; }

now_s() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now_s)" 'BEGIN { printf "%.1f", b - a }'; }

# kp_setup_schema SCHEMA: a fresh schema holding everything the run creates,
# first on search_path (exported through PGOPTIONS to every psql/pgbench)
kp_setup_schema() {
  local schema=$1
  export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
  q -c "CREATE EXTENSION IF NOT EXISTS keyset_pagination" \
    -c "DROP SCHEMA IF EXISTS $schema CASCADE" -c "CREATE SCHEMA $schema" || return 1
  export PGOPTIONS="${PGOPTIONS:-} -c search_path=$schema,public"
  q -f "$KP_BENCH_DIR/helpers.sql" >/dev/null
}

# seed_posts ROWS: posts with a fixed seed (setseed per batch), in 10 batches
# with a progress line each, then the two paging indexes and ANALYZE.
#   created_at: one year of microsecond timestamps (practically unique)
#   score:      51 distinct values (0..50), ~20,000 rows each at 1M: heavy ties
seed_posts() {
  local rows=$1 batches=10 per lo hi b t0 tb
  per=$(( (rows + batches - 1) / batches ))
  t0=$(now_s)
  local ddl="CREATE TABLE posts (id bigserial PRIMARY KEY, created_at timestamptz NOT NULL,
                    author_id int, score int NOT NULL, title text, body text);"
  show_sql "$ddl"
  q -c "$ddl" || return 1
  show_sql "SELECT setseed(0.42 + batch / 100.0);   -- fixed seed: every run seeds the same rows
INSERT INTO posts (created_at, author_id, score, title, body)
SELECT timestamptz '2025-01-01 00:00:00+00' - random() * interval '365 days',
       1 + floor(random() * 10000)::int, floor(random() * 51)::int,
       'post #' || g, repeat(md5(g::text), 3)
FROM generate_series(lo, hi) g;          -- $batches batches"
  for b in $(seq 1 $batches); do
    lo=$(( (b - 1) * per + 1 )); hi=$(( b * per )); [ $hi -gt "$rows" ] && hi=$rows
    [ $lo -gt $hi ] && break
    tb=$(now_s)
    q -c "SELECT setseed(0.42 + $b / 100.0)" -c "
      INSERT INTO posts (created_at, author_id, score, title, body)
      SELECT timestamptz '2025-01-01 00:00:00+00' - random() * interval '365 days',
             1 + floor(random() * 10000)::int, floor(random() * 51)::int,
             'post #' || g, repeat(md5(g::text), 3)
      FROM generate_series($lo, $hi) g" >/dev/null || return 1
    printf "  seeding posts: %10s / %s rows (%3d%%)  batch %.2fs, total %ss\n" \
      "$(commas $hi)" "$(commas "$rows")" $(( hi * 100 / rows )) \
      "$(awk -v a="$tb" -v b="$(now_s)" 'BEGIN{print b-a}')" "$(elapsed "$t0")"
  done
  local idx="CREATE INDEX posts_created_at_id ON posts (created_at DESC, id DESC);
CREATE INDEX posts_score_id ON posts (score DESC, id ASC);
VACUUM ANALYZE posts;"
  show_sql "$idx"
  q -c "CREATE INDEX posts_created_at_id ON posts (created_at DESC, id DESC)" \
    -c "CREATE INDEX posts_score_id ON posts (score DESC, id ASC)" \
    -c "VACUUM ANALYZE posts" || return 1
  echo "  seeded $(commas "$rows") rows, $(q -c "SELECT count(DISTINCT score) FROM posts") distinct scores," \
       "$(q -c "SELECT pg_size_pretty(pg_total_relation_size('posts'))") with indexes, in $(elapsed "$t0")s"
}

# machine_info: what the figures were measured on
machine_info() {
  echo "date:       $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "host:       $(uname -srm)"
  echo "cpu:        $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo) x $(nproc)"
  echo "memory:     $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo "postgres:   $(q -c "SELECT version()")"
  echo "settings:   $(q -c "SELECT string_agg(name || '=' || setting || coalesce(unit, ''), ', ' ORDER BY name) FROM pg_settings WHERE name IN ('shared_buffers', 'work_mem', 'jit', 'max_parallel_workers_per_gather', 'random_page_cost')")"
}

# kp_bench_db SCHEMA [EXTRA_CLEANUP]: uses database $KP_DB when set (created
# when missing and then dropped at exit), and at exit drops SCHEMA (unless
# KP_KEEP=1) after running the EXTRA_CLEANUP command
kp_bench_db() {
  kp_schema_to_drop=$1
  kp_extra_cleanup=${2:-true}
  kp_created_db=""
  if [ -n "${KP_DB:-}" ]; then
    if ! psql -X -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$KP_DB'" | grep -q 1; then
      createdb "$KP_DB"; kp_created_db=$KP_DB
    fi
    export PGDATABASE=$KP_DB
  fi
  trap kp_bench_cleanup EXIT
}
kp_bench_cleanup() {
  eval "$kp_extra_cleanup"
  if [ "${KP_KEEP:-0}" != 1 ]; then
    q -c "DROP SCHEMA IF EXISTS $kp_schema_to_drop CASCADE" >/dev/null 2>&1 || true
  fi
  if [ -n "$kp_created_db" ]; then dropdb --if-exists "$kp_created_db" >/dev/null 2>&1 || true; fi
}
