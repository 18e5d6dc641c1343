#!/usr/bin/env bash
# make memcheck fails only through test/memcheck/count_errors.pl, which picks
# the valgrind reports that go through the extension out of the logs.  Fed
# a synthetic log (a report in src/, one in core only, one in the .so
# without debug info, each followed by --gen-suppressions text), it must
# count 3 reports, 2 of them the extension's.
. "$(dirname "$0")/lib/common.bash"

kp_workdir tmp
cat >"$tmp/valgrind.1.log" <<LOG
==1== Memcheck, a memory error detector
==1== 
==1== Conditional jump or move depends on uninitialised value(s)
==1==    at 0x4848: kp_cursor_open ($KP_ROOT/src/codec.c:600)
==1==    by 0x2F6BE9: ExecMakeTableFunctionResult (in /usr/lib/postgresql/15/bin/postgres)
==1== 
{
   <insert_a_suppression_name_here>
   Memcheck:Cond
   fun:kp_cursor_open
}
==1== Invalid read of size 4
==1==    at 0x58D1483: memcpy (in /usr/lib/x86_64-linux-gnu/libc.so.6)
==1==    by 0x2F6BE9: ??? (in /usr/lib/postgresql/15/bin/postgres)
==1== 
{
   <insert_a_suppression_name_here>
   Memcheck:Addr4
   fun:memcpy
}
==1== Invalid write of size 8
==1==    at 0x4848: resolve_column (in /tmp/x/usr/lib/postgresql/15/lib/keyset_pagination.so)
==1== 
==1== ERROR SUMMARY: 3 errors from 3 contexts (suppressed: 0 from 0)
LOG
out=$(perl "$KP_ROOT/test/memcheck/count_errors.pl" "$KP_ROOT" "$tmp/count" "$tmp/valgrind.1.log")
echo "$out" | sed 's/^/    # /'
[ "$(tail -1 <<<"$out")" = "memcheck: 3 valgrind error report(s) not suppressed, 2 in extension code" ] &&
  [ "$(cat "$tmp/count")" = 2 ] && kp_ok t "count_errors.pl: 3 reports, 2 in extension code" ||
  kp_ok f "count_errors.pl: 3 reports, 2 in extension code"
grep -q 'resolve_column' <<<"$out" && grep -q 'kp_cursor_open' <<<"$out" && ! grep -q 'memcpy' <<<"$out" &&
  kp_ok t "count_errors.pl prints the extension's reports, not core's" ||
  kp_ok f "count_errors.pl prints the extension's reports, not core's"
kp_done
