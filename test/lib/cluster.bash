# Sourced by test/run_all.sh, test/upgrade_matrix.sh, bench/in_cluster.sh,
# test/fuzz/sql_run.sh and test/memcheck/run.sh:
# the build into a build-local install, and the pg_virtualenv options that
# make a throwaway cluster load the extension from there.
#   kp_build_install PG_CONFIG     -> builds and installs; sets KP_DEST
#   kp_cluster_opts DESTDIR PGVER   -> fills the array KP_CLUSTER_OPTS
#   kp_cluster_conf DESTDIR PGVER   -> prints them as postgresql.conf lines

# kp_build_install PG_CONFIG : in the tree's root (the current directory),
# make clean, build with -Werror (printing any warning), install into the
# DESTDIR .build/install (KP_DEST), readable by the server's postgres user.
# Nothing is installed system-wide.  Non-zero status on failure.
kp_build_install() {
  local pgc=$1 log
  log=$(mktemp)
  make -s clean >/dev/null 2>&1
  if ! make -s KP_WERROR=1 PG_CONFIG="$pgc" >"$log" 2>&1; then
    cat "$log"; rm -f "$log"; return 1
  fi
  grep -E "warning|error" "$log"
  rm -f "$log"
  KP_DEST="$PWD/.build/install"
  rm -rf "$KP_DEST"
  make -s install DESTDIR="$KP_DEST" PG_CONFIG="$pgc" >/dev/null || return 1
  # the server runs as postgres: it must be able to read the build tree
  chmod -R a+rX "$PWD/.build"
  kp_server_readable KP_DEST
}

# kp_server_readable VAR : the install in directory $VAR must be readable by
# the server's postgres user.  A clone under a directory postgres cannot
# enter (mktemp -d is mode 700, so is root's home) cannot serve it; then the
# install is copied to a fresh directory postgres can read, VAR names the
# copy, and the copy is removed when the script exits.
kp_server_readable() {
  local -n dir_ref=$1
  local copy
  if [ "$(id -u)" -ne 0 ] || ! id postgres >/dev/null 2>&1 ||
     runuser -u postgres -- test -r "$dir_ref/." 2>/dev/null; then
    return 0
  fi
  copy=$(mktemp -d /tmp/kp_install.XXXXXX) || return 1
  chmod 755 "$copy"
  cp -a "$dir_ref/." "$copy/" && chmod -R a+rX "$copy" || return 1
  echo "note: postgres cannot read $dir_ref; the server loads a copy in $copy"
  # shellcheck disable=SC2064
  trap "rm -rf '$copy'" EXIT
  dir_ref=$copy
}

# the pg_virtualenv options for a cluster that loads the extension from DESTDIR
# Debian's PostgreSQL up to 17 carries the extension_destdir patch; from 18
# on, Debian dropped it for the upstream extension_control_path (the
# directory holding extension/, which 18 appends) and dynamic_library_path.
kp_cluster_opts() {
  local dest=$1 v=$2
  if grep -q 'extension_destdir' "/usr/share/postgresql/$v/postgresql.conf.sample" 2>/dev/null; then
    KP_CLUSTER_OPTS=(-o "extension_destdir=$dest")
  else
    KP_CLUSTER_OPTS=(-o "extension_control_path=$dest/usr/share/postgresql/$v:\$system"
                     -o "dynamic_library_path=$dest/usr/lib/postgresql/$v/lib:\$libdir")
  fi
}

# kp_cluster_conf DESTDIR PGVER : the settings of kp_cluster_opts as
# postgresql.conf lines, for a cluster started without pg_virtualenv
kp_cluster_conf() {
  local o
  kp_cluster_opts "$1" "$2"
  for o in "${KP_CLUSTER_OPTS[@]}"; do
    [ "$o" = -o ] || printf "%s = '%s'\n" "${o%%=*}" "${o#*=}"
  done
}
