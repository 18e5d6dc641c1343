# Sourced by test/run_all.sh and test/upgrade_matrix.sh: the pg_virtualenv
# options that make a throwaway cluster load the extension from a build-local
# install (make install DESTDIR=...), for the PostgreSQL version at hand.
#   kp_cluster_opts DESTDIR PGVER   -> fills the array KP_CLUSTER_OPTS
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
