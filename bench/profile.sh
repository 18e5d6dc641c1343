#!/usr/bin/env bash
# bench/profile.sh SCRIPT CURSOR OUTFILE
# perf profile of the backend serving a pgbench run of SCRIPT (with -D
# cur=CURSOR), inside a cluster environment.  Writes the top symbols by self
# time and an inclusive breakdown of the keyset_pagination call path to
# OUTFILE.  Needs perf (linux-perf) and the right to attach to the backend
# (root, or kernel.perf_event_paranoid <= 1 as the postgres user).
#   KP_PROFILE_T     seconds recorded (default 6)
#   KP_PROFILE_SYMS  comma-separated functions for the inclusive breakdown
set -uo pipefail
script=$1 cur=$2 out=$3
secs=${KP_PROFILE_T:-6}
syms=${KP_PROFILE_SYMS:-keyset_page,keyset_connection,kp_page_run,kp_query_get,kp_page_context,kp_decode_position,kp_cursor_open,kp_cursor_receive,kp_scan,SPI_execute_plan,standard_ExecutorStart,standard_ExecutorEnd,kp_cursor_mint,kp_compute_mac,pg_hmac_create,pg_hmac_init,EVP_MD_fetch,pg_hmac_update,pg_hmac_final,pg_hmac_free,SendFunctionCall,b64url_encode,datumCopy,tuplestore_putvalues,ExecEvalFieldSelect,kp_count_estimate,GetCachedPlan,SPI_execute_with_args,raw_parser,parse_analyze_fixedparams,pg_analyze_and_rewrite_fixedparams,pg_plan_queries,standard_planner,to_jsonb,jsonb_build_object,jsonb_agg_transfn,qsort_arg,secure_write,secure_read}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

defs=(); [ -n "$cur" ] && defs=(-D "cur=$cur")
pgbench -n -M prepared -c 1 -j 1 -T $(( secs + 4 )) -f "$script" "${defs[@]}" >"$tmp/pgbench.out" 2>&1 &
bench=$!
pid=""
for _ in $(seq 1 30); do
  sleep 0.2
  pid=$(psql -X -Atc "SELECT pid FROM pg_stat_activity WHERE application_name = 'pgbench' AND pid <> pg_backend_pid() LIMIT 1")
  [ -n "$pid" ] && break
done
if [ -z "$pid" ]; then echo "profile: no pgbench backend found" >&2; wait $bench; exit 1; fi
sleep 1
# DWARF call graphs: the Debian postgres binary has no frame pointers
if ! perf record -F 999 --call-graph dwarf,16384 -o "$tmp/perf.data" -p "$pid" -- sleep "$secs" >"$tmp/record.out" 2>&1; then
  echo "profile: perf record failed:" >&2; tail -n 5 "$tmp/record.out" >&2; wait $bench; exit 1
fi
wait $bench
tx=$(awk '/^tps = / { print $3 }' "$tmp/pgbench.out")

perf script -i "$tmp/perf.data" -F ip,sym 2>/dev/null >"$tmp/stacks"
{
  echo "backend pid $pid, ${secs}s at 999 Hz, pgbench $(basename "$script") at ${tx} tps"
  echo "$(grep -o '[0-9]* samples' "$tmp/record.out" | tail -n 1)"
  echo
  echo "## top symbols by self time (% of the backend's samples)"
  perf report -i "$tmp/perf.data" --no-children --sort dso,symbol --stdio -g none 2>/dev/null |
    grep -E '^ +[0-9]' | head -n 30 | sed 's/ \+- \+- *$//'
  echo
  echo "## time by library (% self)"
  perf report -i "$tmp/perf.data" --no-children --sort dso --stdio -g none 2>/dev/null |
    grep -E '^ +[0-9]' | head -n 8 | sed 's/ \+- \+- *$//'
  echo
  echo "## inclusive: % of the backend's samples with the function on the stack"
  awk -v SYMS="$syms" '
    BEGIN { n = split(SYMS, want, ",") }
    /^$/ { if (insample) { total++; for (s in seen) cnt[s]++; delete seen; insample = 0 } next }
    { insample = 1; for (i = 1; i <= n; i++) if ($2 == want[i]) seen[want[i]] = 1 }
    END { if (insample) { total++; for (s in seen) cnt[s]++ }
          for (i = 1; i <= n; i++) printf "%6.1f%%  %s\n", 100 * cnt[want[i]] / total, want[i] }' "$tmp/stacks"
} >"$out"
