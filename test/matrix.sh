#!/usr/bin/env bash
# make test-matrix: the whole suite on every PostgreSQL version we test (15 on
# the host, 17 and 18 in Debian roots, see test/root.sh), then the major
# upgrade test (test/upgrade_matrix.sh: cursors minted on 15 continue after
# a dump/restore into 17 and 18).  Ends with one "N passed, N failed" line
# summing everything.
#
#   test/matrix.sh [VERSION...]      default: 15 17 18
#
# With KP_PGPORT=P the versions' clusters get ports P, P+1, P+2 (in order),
# the upgrade test P+3.  Logs: .build/matrix/<version>.log.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
HOST_PGVER="${KP_HOST_PGVER:-15}"
versions=("$@")
[ ${#versions[@]} -eq 0 ] && versions=(15 17 18)
out="$ROOT/.build/matrix"
mkdir -p "$out"

passed=0
failed=0
report=()
port_at() { [ -n "${KP_PGPORT:-}" ] && echo $((KP_PGPORT + $1)); return 0; }

add() {  # add LABEL SUMMARY_LINE SECONDS [SKIPPED_FILES]
  local p f
  p=$(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\1/p' <<<"$2")
  f=$(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\2/p' <<<"$2")
  if [ -z "$p" ]; then p=0; f=1; fi
  passed=$((passed + p)); failed=$((failed + f))
  report+=("$(printf '%-22s %6d passed, %3d failed  %5d s%s' "$1" "$p" "$f" "$3" \
             "${4:+  ($4 test file(s) skipped: feature not in this version, or host-only)}")")
}

# the roots are built (or checked) in the background, side by side, while
# the host's version runs: on a cold machine that is mostly download time
declare -A root_pid root_t0
for v in "${versions[@]}"; do
  if [ "$v" != "$HOST_PGVER" ]; then
    root_t0[$v]=$SECONDS
    bash test/root.sh ensure "$v" >"$out/root-$v.log" 2>&1 &
    root_pid[$v]=$!
  fi
done

i=0
for v in "${versions[@]}"; do
  port=$(port_at $i)
  i=$((i + 1))
  log="$out/$v.log"
  echo "===== PostgreSQL $v$([ "$v" = "$HOST_PGVER" ] && echo " (host)" || echo " (root)")"
  if [ "$v" != "$HOST_PGVER" ]; then
    if ! wait "${root_pid[$v]}"; then
      cat "$out/root-$v.log"
      add "root for $v" "0 passed, 1 failed" $((SECONDS - root_t0[$v]))
      continue
    fi
    report+=("$(printf '%-22s %s' "root for $v" "$(grep -o 'built in [0-9]* s' "$out/root-$v.log" || echo "cached, checked")")")
  fi
  t0=$SECONDS
  if [ "$v" = "$HOST_PGVER" ]; then
    PGVER=$v KP_PGPORT=$port bash test/run_all.sh 2>&1 | tee "$log"
  else
    KP_PGPORT=$port bash test/root.sh run "$v" bash test/run_all.sh 2>&1 | tee "$log"
  fi
  skipped=$(grep -cE '\.\. skipped: ' "$log")
  add "PostgreSQL $v" "$(tail -n 1 "$log")" $((SECONDS - t0)) "$([ "$skipped" -gt 0 ] && echo "$skipped")"
  # the upgrade test installs what this run built
  rm -rf "$out/install-$v"
  [ -d .build/install ] && cp -a .build/install "$out/install-$v"
done

# the upgrade path needs 15 and at least one other version
targets=()
for v in "${versions[@]}"; do [ "$v" != "$HOST_PGVER" ] && targets+=("$v"); done
if [[ " ${versions[*]} " == *" $HOST_PGVER "* ]] && [ ${#targets[@]} -gt 0 ]; then
  echo "===== dump/restore $HOST_PGVER -> ${targets[*]} with cursors in flight"
  t0=$SECONDS
  KP_PGPORT=$(port_at $i) bash test/upgrade_matrix.sh "$HOST_PGVER" "${targets[@]}" 2>&1 | tee "$out/upgrade.log"
  add "upgrade $HOST_PGVER -> ${targets[*]}" "$(tail -n 1 "$out/upgrade.log")" $((SECONDS - t0))
fi

echo "===== matrix"
printf '%s\n' "${report[@]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
