#!/usr/bin/env bash
# make fuzz: builds the libFuzzer harness of the cursor codec
# (test/fuzz/fuzz_codec.c + fuzz_stubs.c, src/codec.c compiled in, the MAC
# check bypassed by the stubs) with AddressSanitizer and UBSan, seeds it from
# gen_seeds.pl, and runs it for FUZZ_SECONDS (default 300).  The corpus
# (.build/fuzz/corpus) is kept between runs; crash inputs go to
# .build/fuzz/artifacts/.  Ends with one line of figures; exit status 1 on
# a crash, an invariant failure, or a build failure.
#   FUZZ_SECONDS=N   how long to fuzz
#   FUZZ_JOBS=N      parallel fuzzing processes (default 1)
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
SECONDS_WANTED=${FUZZ_SECONDS:-300}
JOBS=${FUZZ_JOBS:-1}
OUT=$ROOT/.build/fuzz
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/${PGVER:-15}/bin/pg_config}

bash test/fuzz/deps.sh fuzz || true
CC=${FUZZ_CC:-$(command -v clang-14 || command -v clang || true)}
if [ -z "$CC" ]; then
  echo "fuzz: SKIPPED: clang is not installed and could not be installed (run test/fuzz/deps.sh fuzz as root)"
  exit 0
fi

rm -rf "$OUT/artifacts"
mkdir -p "$OUT/corpus" "$OUT/artifacts"
rm -rf "$OUT/seeds"
perl test/fuzz/gen_seeds.pl "$OUT/seeds" >/dev/null || exit 1

inc=$("$PG_CONFIG" --includedir-server)
# Debian puts the frontend static libraries in the package lib directory
libdir=$("$PG_CONFIG" --pkglibdir)
[ -f "$libdir/libpgcommon.a" ] || libdir=$("$PG_CONFIG" --libdir)
flags=(-g -O2 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined
       -fno-sanitize-recover=undefined -DKP_FUZZ_HARNESS -I"$inc" -I"$ROOT/src"
       -Wall -Wno-unused-parameter -Wno-ignored-attributes -Werror)
echo "== build $OUT/fuzz_codec ($CC)"
if ! "$CC" "${flags[@]}" test/fuzz/fuzz_codec.c test/fuzz/fuzz_stubs.c \
      "$libdir/libpgcommon.a" "$libdir/libpgport.a" -o "$OUT/fuzz_codec"; then
  echo "fuzz: build failed"; exit 1
fi

echo "== fuzz_codec for ${SECONDS_WANTED}s, $JOBS job(s)"
log=$OUT/fuzz_codec.log
rm -f "$log" "$OUT"/fuzz-*.log
started=$(date +%s)
jobopts=()
[ "$JOBS" -gt 1 ] && jobopts=(-jobs="$JOBS" -workers="$JOBS")
# -max_len: the longest cursor text accepted (max_cursor_length's maximum
# is 65536, the default 1024) plus the mode byte; longer inputs are refused
# by the length check before anything else
(cd "$OUT" && ./fuzz_codec -max_total_time="$SECONDS_WANTED" -max_len=1100 -timeout=10 \
   -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$OUT/artifacts/" \
   "${jobopts[@]}" corpus seeds) >"$log" 2>&1
rc=$?
elapsed=$(( $(date +%s) - started ))
[ "$JOBS" -gt 1 ] && cat "$OUT"/fuzz-*.log >>"$log" 2>/dev/null
execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
crashes=$(find "$OUT/artifacts" -type f | wc -l)
corpus=$(find "$OUT/corpus" -type f | wc -l)
rate=$(( elapsed > 0 ? execs / elapsed : execs ))
if [ $rc -ne 0 ] || [ "$crashes" -ne 0 ] || [ "$execs" -eq 0 ]; then
  grep -E 'ERROR|invariant|Assert|SUMMARY|runtime error' "$log" | head -20
  echo "fuzz_codec: FAILED (exit $rc): $execs execs in ${elapsed}s, $crashes crash input(s) in $OUT/artifacts, log $log"
  exit 1
fi
echo "fuzz_codec: $execs execs in ${elapsed}s ($rate/s), corpus $corpus inputs, 0 crashes"
