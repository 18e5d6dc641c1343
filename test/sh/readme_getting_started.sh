#!/usr/bin/env bash
# The README's Getting-started block runs exactly as pasted into psql: the
# fenced block between <!-- getting-started --> and <!-- /getting-started -->
# goes unchanged to psql's standard input (no -v ON_ERROR_STOP, no -q: what
# a user sees) in a fresh database, and its output must equal
# test/sh/expected/readme_getting_started.out (cursors, which differ per run,
# masked as <cursor> -- the block shows none today).  Then the facts the
# walkthrough teaches are checked on their own: no error, page 1 is posts
# 100..96, page 2 is 95..91, and paging back from page 2 gives page 1 again.
. "$(dirname "$0")/lib/common.bash"

db=kp_readme
kp_fresh_db "$db"
kp_workdir work
expected="$KP_SH_DIR/expected/readme_getting_started.out"

# the fenced block between the markers, without its fence lines
awk '/^<!-- getting-started -->$/ {on = 1; next}
     /^<!-- \/getting-started -->$/ {on = 0}
     on && !/^```/' "$KP_ROOT/README.md" >"$work/block.sql"
kp_ok "$([ "$(wc -l <"$work/block.sql")" -gt 10 ] && echo t || echo f)" \
  "README.md has a Getting-started block between the markers ($(wc -l <"$work/block.sql") lines)"

PAGER= psql -X -d "$db" <"$work/block.sql" >"$work/raw.out" 2>&1
rc=$?
# a cursor: 40 or more base64url characters, not all of them '-' (a table rule)
perl -pe 's/([A-Za-z0-9_-]{40,})/ $1 =~ m{[A-Za-z0-9]} ? "<cursor>" : $1 /ge' "$work/raw.out" >"$work/out"
kp_ok "$([ $rc -eq 0 ] && echo t || echo f)" "psql ran the block (exit $rc)"
kp_ok "$(grep -qE 'ERROR|WARNING' "$work/out" && echo f || echo t)" "no ERROR or WARNING in its output"
if [ -n "${KP_README_ACCEPT:-}" ]; then cp "$work/out" "$expected"; fi
if diff -u "$expected" "$work/out" >"$work/diff"; then
  kp_ok t "its output equals test/sh/expected/readme_getting_started.out"
else
  kp_ok f "its output equals test/sh/expected/readme_getting_started.out (diff: expected vs actual)"
  sed 's/^/    # /' "$work/diff" | head -60
fi

# the pages, read from the output tables: " id | title | has_previous_page | has_next_page"
pages=$(awk -F'|' '/^ +id +\| +title/ {n++; next} n && /^ +[0-9]+ +\|/ {gsub(/ /, "", $1); gsub(/ /, "", $3); gsub(/ /, "", $4); ids[n] = ids[n] $1 ","; flags[n] = flags[n] $3 $4 ","}
     END {for (i = 1; i <= n; i++) print ids[i] " " flags[i]}' "$work/out")
p1=$(sed -n 1p <<<"$pages"); p2=$(sed -n 2p <<<"$pages"); back=$(sed -n 3p <<<"$pages")
kp_ok "$([ "${p1%% *}" = "100,99,98,97,96," ] && echo t || echo f)" "page 1 is posts 100..96, newest first (${p1%% *})"
kp_ok "$([ "${p1##* }" = "ft,ft,ft,ft,ft," ] && echo t || echo f)" "page 1: no previous page, a next page"
kp_ok "$([ "${p2%% *}" = "95,94,93,92,91," ] && echo t || echo f)" "page 2 is posts 95..91 (${p2%% *})"
kp_ok "$([ "${p2##* }" = "tt,tt,tt,tt,tt," ] && echo t || echo f)" "page 2: a previous and a next page"
kp_ok "$([ "${back%% *}" = "100,99,98,97,96," ] && [ "${back##* }" = "ft,ft,ft,ft,ft," ] && echo t || echo f)" \
  "paging back from page 2 gives page 1 again, with no previous page (${back%% *})"
kp_ok "$(grep -qE '^ +true +\| +\[95, 94, 93, 92, 91\] +\| +100$' "$work/out" && echo t || echo f)" \
  "keyset_connection: page 2's ids, a next page, an estimated total of 100"

kp_done
