#!/usr/bin/env bash
# Debian roots for the PostgreSQL versions the host does not carry.
#
#   test/root.sh ensure PGVER        build the root if missing or broken, print its path
#   test/root.sh run PGVER CMD...    run CMD as root inside it, the clone at /kp/clone
#
# PostgreSQL 17 comes from trixie, 18 from sid (KP_SUITE_<PGVER> overrides).
# A root is made with debootstrap --variant=minbase from the Debian mirror the
# host's apt uses (KP_DEBIAN_MIRROR overrides) and cached outside the clone in
# ${KP_ROOTS_DIR:-/var/cache/keyset_pagination/roots}/<suite>.  It is built in
# <suite>.tmp and renamed into place after its stamp file, written last, so a
# root with a stamp that matches this script's package list is complete; any
# other is rebuilt.
#
# run: the command runs in a private mount and PID namespace (unshare), so the
# mounts (/proc, /dev, /dev/pts, /dev/shm, a tmpfs /tmp, the clone) are seen
# by nobody else, are unmounted by the EXIT trap, and vanish with the
# namespace even if this script is killed; the kernel kills whatever is left
# running inside when the command ends.  Must run as root.
set -euo pipefail
KP_ROOT="$(cd "$(dirname "$0")/.." && pwd)"
ROOTS_DIR="${KP_ROOTS_DIR:-/var/cache/keyset_pagination/roots}"

die() { echo "test/root.sh: $*" >&2; exit 1; }

suite_of() {
  local v="KP_SUITE_$1"
  if [ -n "${!v:-}" ]; then echo "${!v}"; return; fi
  case "$1" in
    17) echo trixie ;;
    18) echo sid ;;
    *) die "no Debian suite known for PostgreSQL $1 (set KP_SUITE_$1)" ;;
  esac
}

packages_of() {
  echo "postgresql-common postgresql-$1 postgresql-server-dev-$1 postgresql-$1-pgtap" \
       "libtap-parser-sourcehandler-pgtap-perl make gcc libc6-dev binutils"
}

# The Debian archive the host's apt reads (not the security archive): first
# URI of a deb822 .sources entry or a one-line "deb" entry whose suites are
# not -security/-updates only.
host_mirror() {
  if [ -n "${KP_DEBIAN_MIRROR:-}" ]; then echo "$KP_DEBIAN_MIRROR"; return; fi
  local f m
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -e "$f" ] || continue
    m=$(awk '
      function flush() { if (!done && uri != "" && deb && main) { print uri; done = 1; exit } uri = ""; deb = 0; main = 0 }
      /^[[:space:]]*$/ { flush(); next }
      /^Types:/ { for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1 }
      /^URIs:/ { uri = $2 }
      /^Suites:/ { for (i = 2; i <= NF; i++) if ($i !~ /-(security|updates|backports)$/) main = 1 }
      END { flush() }' "$f")
    [ -n "$m" ] && { echo "$m"; return; }
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -e "$f" ] || continue
    m=$(awk '$1 == "deb" { u = ($2 ~ /^\[/) ? $3 : $2; s = ($2 ~ /^\[/) ? $4 : $3;
             if (u ~ /debian\/?$/ && s !~ /-(security|updates|backports)$/) { print u; exit } }' "$f")
    [ -n "$m" ] && { echo "$m"; return; }
  done
  die "no Debian mirror found in the host's apt sources (set KP_DEBIAN_MIRROR)"
}

stamp_text() {
  echo "suite=$1 packages=$(packages_of "$2")"
}

# A root is healthy when its stamp matches and its PostgreSQL and pg_prove run
healthy() {
  local root=$1 suite=$2 pgver=$3
  [ -f "$root/.kp_root_stamp" ] && [ "$(head -n1 "$root/.kp_root_stamp")" = "$(stamp_text "$suite" "$pgver")" ] &&
    chroot "$root" "/usr/lib/postgresql/$pgver/bin/pg_config" --version >/dev/null 2>&1 &&
    chroot "$root" "/usr/lib/postgresql/$pgver/bin/postgres" --version >/dev/null 2>&1 &&
    chroot "$root" sh -c 'command -v pg_prove && command -v pg_virtualenv && command -v make && command -v gcc' >/dev/null 2>&1
}

# refuses to delete a directory something is still mounted under
remove_root() {
  local dir=$1
  [ -e "$dir" ] || return 0
  if awk -v d="$dir/" 'index($2 "/", d) == 1 { found = 1 } END { exit !found }' /proc/self/mounts; then
    die "$dir has mounts under it; not removing it"
  fi
  rm -rf --one-file-system "$dir"
}

ensure_debootstrap() {
  command -v debootstrap >/dev/null 2>&1 && return 0
  [ "$(id -u)" -eq 0 ] || die "debootstrap is missing; run as root: apt-get install debootstrap"
  echo "test/root.sh: installing debootstrap" >&2
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends debootstrap >/dev/null ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends debootstrap >/dev/null; }
}

build_root() {
  local pgver=$1 suite=$2 dir=$3 tmp="$3.tmp" mirror log
  mirror=$(host_mirror)
  ensure_debootstrap
  # a half-built root whose debootstrap finished is resumed from there
  [ -f "$tmp/.kp_debootstrap_done" ] || remove_root "$tmp"
  remove_root "$dir"
  mkdir -p "$ROOTS_DIR"
  log="$ROOTS_DIR/$suite.log"
  echo "test/root.sh: building the $suite root for PostgreSQL $pgver from $mirror (log: $log)" >&2
  local t0=$SECONDS
  if [ -f "$tmp/.kp_debootstrap_done" ]; then
    echo "test/root.sh: resuming after debootstrap" >"$log"
  elif debootstrap --variant=minbase "$suite" "$tmp" "$mirror" >"$log" 2>&1; then
    touch "$tmp/.kp_debootstrap_done"
  else
    tail -n 30 "$log" >&2; die "debootstrap $suite failed"
  fi
  # no service starts inside the root; no cluster is created by the packages
  printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
  chmod 755 "$tmp/usr/sbin/policy-rc.d"
  cp /etc/resolv.conf "$tmp/etc/resolv.conf" 2>/dev/null || true
  # shellcheck disable=SC2016
  if ! unshare --mount --pid --fork --propagation private -- bash -c '
      set -e
      r=$1; shift
      mount -t proc proc "$r/proc"
      mount --bind /dev "$r/dev"
      trap "umount \"$r/dev\" \"$r/proc\" 2>/dev/null || true" EXIT
      inroot() { chroot "$r" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 "$@"; }
      # sid'"'"'s Release may be past its Valid-Until on the mirror
      inroot apt-get -q -o Acquire::Check-Valid-Until=false update
      # a throwaway root: no fsync per unpacked file
      fast="-o Dpkg::Options::=--force-unsafe-io"
      inroot apt-get install -y -q --no-install-recommends $fast postgresql-common
      inroot sed -i "s/^#* *create_main_cluster.*/create_main_cluster = false/" /etc/postgresql-common/createcluster.conf
      inroot apt-get install -y -q --no-install-recommends $fast "$@"
      inroot apt-get clean
    ' kp "$tmp" $(packages_of "$pgver") >>"$log" 2>&1; then
    tail -n 30 "$log" >&2; die "installing PostgreSQL $pgver into the $suite root failed"
  fi
  mkdir -p "$tmp/kp/clone"
  chmod 755 "$tmp/kp" "$tmp/kp/clone"
  rm -f "$tmp/.kp_debootstrap_done"
  stamp_text "$suite" "$pgver" >"$tmp/.kp_root_stamp"
  echo "built $(date -u +%FT%TZ) in $((SECONDS - t0)) s from $mirror" >>"$tmp/.kp_root_stamp"
  healthy "$tmp" "$suite" "$pgver" || die "the new $suite root does not run PostgreSQL $pgver"
  mv "$tmp" "$dir"
  echo "test/root.sh: $suite root built in $((SECONDS - t0)) s" >&2
}

ensure() {
  local pgver=$1 suite dir
  [ "$(id -u)" -eq 0 ] || die "roots are built and entered as root"
  suite=$(suite_of "$pgver")
  dir="$ROOTS_DIR/$suite"
  mkdir -p "$ROOTS_DIR"
  # one builder per suite at a time
  exec 9>"$ROOTS_DIR/$suite.lock"
  flock 9
  if ! healthy "$dir" "$suite" "$pgver"; then
    [ -e "$dir" ] && echo "test/root.sh: the $suite root at $dir is missing pieces; rebuilding" >&2
    build_root "$pgver" "$suite" "$dir"
  fi
  # test/deps.sh runs apt-get update inside the root when it lacks a package
  # (what it installs stays in the cached root); sid's Release may be past
  # its Valid-Until on the mirror
  echo 'Acquire::Check-Valid-Until "false";' >"$dir/etc/apt/apt.conf.d/99keyset-pagination"
  exec 9>&-
  echo "$dir"
}

# inside the private namespaces: mount, run, unmount
mounted=()
inner() {
  local root=$1; shift
  cleanup() {
    local i
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
      umount "${mounted[i]}" 2>/dev/null || umount -l "${mounted[i]}" 2>/dev/null || true
    done
  }
  trap cleanup EXIT
  trap 'exit 130' INT TERM HUP
  m() { local dst=${*: -1}; mount "$@" && mounted+=("$dst"); }
  m -t proc proc "$root/proc"
  m --bind /dev "$root/dev"
  [ -d /dev/pts ] && m --bind /dev/pts "$root/dev/pts"
  mkdir -p "$root/dev/shm" 2>/dev/null || true
  m -t tmpfs -o mode=1777 tmpfs "$root/dev/shm"
  m -t tmpfs -o mode=1777 tmpfs "$root/tmp"
  m --bind "$KP_ROOT" "$root/kp/clone"
  local rc=0
  # in the background (stdin kept) so a TERM from unshare --kill-child runs
  # the traps at once; when this shell (PID 1 here) exits, the kernel kills
  # whatever is left in the namespace
  chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 TERM=dumb \
    ${CI:+CI=$CI} ${KP_PGPORT:+KP_PGPORT=$KP_PGPORT} ${KP_VERBOSE:+KP_VERBOSE=$KP_VERBOSE} \
    ${KP_EXTRA_ENV:-} PGVER="$PGVER" KP_IN_ROOT=1 \
    bash -c 'cd /kp/clone && exec "$@"' kp "$@" <&0 &
  wait $! || rc=$?
  return $rc
}

cmd=${1:-}
shift || true
case "$cmd" in
  ensure)
    [ $# -eq 1 ] || die "usage: test/root.sh ensure PGVER"
    ensure "$1" ;;
  run)
    [ $# -ge 2 ] || die "usage: test/root.sh run PGVER CMD..."
    pgver=$1; shift
    root=$(ensure "$pgver")
    export PGVER=$pgver
    exec unshare --mount --pid --fork --kill-child=TERM --propagation private -- bash "$0" _inner "$root" "$@" ;;
  _inner)
    inner "$@" ;;
  *)
    die "usage: test/root.sh ensure PGVER | run PGVER CMD..." ;;
esac
