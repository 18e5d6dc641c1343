#!/usr/bin/env bash
# demo smoke test: runs bench/demo.sh on 20,000 rows inside the current
# cluster (test/suites.sh runs it within pg_virtualenv) in a database of its
# own, and checks the demo's claims against the raw figures it wrote:
#   - keyset_page reads ~21 rows at every depth, OFFSET reads more and more
#   - keyset pages hold the same rows as the OFFSET pages
#   - drift: OFFSET repeats a row (insert) and skips one (delete); keyset neither
#   - ties: a naive seek on score loses rows, keyset_page visits each once
#   - backward pages retrace the forward pages
#   - tampered and malformed cursors: SQLSTATE 22KP1, and no scan ran
. "$(dirname "$0")/lib/common.bash"
cd "$KP_ROOT" || exit 1
db=kp_demo_smoke
kp_workdir out
log="$out/demo.log"
kp_fresh_db "$db"
start=$SECONDS
if ! PGDATABASE=$db KP_ROWS=20000 KP_RUNS=3 KP_RESULTS_DIR="$out" bash bench/demo.sh >"$log" 2>&1; then
  echo "demo_smoke: bench/demo.sh failed:"; tail -n 40 "$log"; exit 1
fi
secs=$(( SECONDS - start ))

check() {  # check "what" command...
  local what=$1; shift
  if "$@"; then kp_ok t "$what"; else kp_ok f "$what"; fi
}
# awk over a CSV with a header; the program prints nothing when all is well
csv_ok() {  # csv_ok FILE AWK-PROGRAM
  local msg
  msg=$(awk -F, "NR > 1 { $2 }" "$1") || return 1
  [ -z "$msg" ] || { echo "    $msg"; return 1; }
}

d="$out/demo.csv"
check "demo wrote demo.csv with 3 or more depths" \
  test "$(tail -n +2 "$d" 2>/dev/null | wc -l)" -ge 3
# columns: 1 page, 2 offset_rows_skipped, 4 offset_rows_read, 7 keyset_rows_read,
#          8 keyset_page_seek_rows, 9 keyset_probe_rows, 13 same_rows
check "keyset_page reads ~22 rows at every depth (the cursor's row, 20, + 1; no probe)" \
  csv_ok "$d" 'if ($8 < 20 || $8 > 22 || $9 != 0 || $7 > 22) print "page " $1 ": keyset read " $7 " rows"'
check "OFFSET reads offset + 20 rows" \
  csv_ok "$d" 'if ($4 != $2 + 20) print "page " $1 ": OFFSET read " $4 " rows"'
check "OFFSET rows read grow with depth" \
  csv_ok "$d" 'if (NR > 2 && $4 <= prev) print "page " $1 ": " $4 " <= " prev; prev = $4'
check "OFFSET reads 50x more than keyset at the deepest page" \
  test "$(tail -n 1 "$d" | awk -F, '{ print ($4 >= 50 * $7) ? "y" : "n" }')" = y
check "keyset pages hold the same rows as the OFFSET pages" \
  csv_ok "$d" 'if ($13 != "t") print "page " $1 ": rows differ"'

f="$out/demo_drift.csv"
check "drift: OFFSET shows a duplicate after an insert" \
  test "$(awk -F, '$1 == "insert" && $2 == "OFFSET" { print ($3 >= 1) ? "y" : "n" }' "$f")" = y
check "drift: OFFSET skips a row after a delete" \
  test "$(awk -F, '$1 == "delete" && $2 == "OFFSET" { print ($4 >= 1) ? "y" : "n" }' "$f")" = y
check "drift: keyset_page neither repeats nor skips" \
  test "$(awk -F, '$2 == "keyset_page" && ($3 != 0 || $4 != 0)' "$f" | wc -l)$(grep -c ',keyset_page,' "$f")" = 02

f="$out/demo_ties.csv"
check "ties: the naive seek on score loses rows" \
  test "$(awk -F, '$1 ~ /^naive/ { print ($5 > 0) ? "y" : "n" }' "$f")" = y
check "ties: keyset_page visits all 2000 rows once" \
  test "$(awk -F, '$1 ~ /keyset_page/ { print $3 "/" $4 "/" $5 "/" $6 }' "$f")" = "2000/2000/0/0"

f="$out/demo_bidir.csv"
check "backward pages are the forward pages" \
  test "$(grep -c '^backward,' "$f")/$(grep '^backward,' "$f" | grep -c ',t$')" = "4/4"

f="$out/demo_refusals.csv"
check "tampered and malformed cursors: 22KP1 and no scan" \
  test "$(awk -F, '$2 == "22KP1" && $(NF-1) == 0 && $NF == 0' "$f" | wc -l)" = 2
check "the valid control cursor pages normally" \
  test "$(awk -F, '$1 ~ /^valid/ { print $2 }' "$f")" = 00000
check "a plot or a note about gnuplot" \
  bash -c "test -s '$out/demo.png' || grep -q 'plot: skipped' '$log'"
check "demo finished in under 2 minutes (${secs}s)" test "$secs" -lt 120

if [ $kp_failed -ne 0 ]; then
  echo "demo_smoke: output of bench/demo.sh:"; tail -n 80 "$log"
fi
kp_done
