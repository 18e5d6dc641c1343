#!/usr/bin/env bash
# A bounded pass of the codec fuzzer (make fuzz, test/fuzz/run.sh): the
# base64url decoder, frame parser and member checks of src/codec.c under
# AddressSanitizer/UBSan, KP_FUZZ_CI_SECONDS (default 60) seconds from the
# seed corpus.  Then checks that the bypass of the harness cannot be in the
# module: the installed .so has no harness symbol, and
# src/keyset_pagination.c (part of every build of the module) refuses to compile with KP_FUZZ_HARNESS.
. "$(dirname "$0")/lib/common.bash"

pgc=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
out=$(FUZZ_SECONDS=${KP_FUZZ_CI_SECONDS:-60} bash "$KP_ROOT/test/fuzz/run.sh" 2>&1)
rc=$?
echo "$out" | sed 's/^/    # /'
case "$out" in
  *"fuzz: SKIPPED"*) echo "    # SKIPPED: no clang"; kp_ok t "codec fuzzer skipped: clang unavailable" ;;
  *) [ $rc -eq 0 ] && kp_ok t "codec fuzzer: 0 crashes, 0 invariant failures" \
                   || kp_ok f "codec fuzzer: 0 crashes, 0 invariant failures" ;;
esac

so=$(find "$KP_ROOT/.build/install" -name keyset_pagination.so 2>/dev/null | head -1)
if [ -n "$so" ] && ! nm -D "$so" | grep -qiE 'kp_fuzz|LLVMFuzzer'; then
  kp_ok t "the installed keyset_pagination.so has no fuzz-harness symbol"
else
  kp_ok f "the installed keyset_pagination.so has no fuzz-harness symbol (${so:-not found})"
fi
kp_workdir tmp
if ${CC:-gcc} -DKP_FUZZ_HARNESS -I"$KP_ROOT/src" -I"$($pgc --includedir-server)" \
     -c "$KP_ROOT/src/keyset_pagination.c" -o "$tmp/keyset_pagination.o" >"$tmp/err" 2>&1; then
  kp_ok f "src/keyset_pagination.c refuses to compile with -DKP_FUZZ_HARNESS"
elif grep -q 'KP_FUZZ_HARNESS is for test/fuzz only' "$tmp/err"; then
  kp_ok t "src/keyset_pagination.c refuses to compile with -DKP_FUZZ_HARNESS"
else
  kp_ok f "src/keyset_pagination.c refuses to compile with -DKP_FUZZ_HARNESS (other error)"
  sed 's/^/    # /' "$tmp/err"
fi
kp_done
