#!/usr/bin/env bash
# The Debian packages make fuzz and make memcheck need, on top of test/deps.sh:
#   fuzz:     clang + compiler-rt (libFuzzer, AddressSanitizer, UBSan)
#   memcheck: valgrind
# Usage: test/fuzz/deps.sh fuzz|memcheck|all.  Installs as root, otherwise
# prints the apt-get command and fails (test/deps.sh does the work).
set -euo pipefail
cd "$(dirname "$0")/../.."
case "${1:-all}" in
  fuzz)     extra="clang-14 libclang-rt-14-dev" ;;
  memcheck) extra="valgrind" ;;
  all)      extra="clang-14 libclang-rt-14-dev valgrind" ;;
  *) echo "usage: $0 fuzz|memcheck|all" >&2; exit 2 ;;
esac
EXTRA_PKGS="${EXTRA_PKGS:-} $extra" exec bash test/deps.sh
