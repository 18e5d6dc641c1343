#!/usr/bin/env bash
# Release metadata agrees with itself: the Makefile's EXTVERSION (the one
# place the version lives) equals the control file's default_version and
# META.json's version; META.json parses (perl's core JSON::PP, on every
# Debian) and has what PGXN Meta Spec 1.0.0 requires; the install script it
# names exists; every older version has an update path to the default; the
# LICENSE and CHANGELOG are there; every source file carries the copyright
# line.  Needs no server.
. "$(dirname "$0")/lib/common.bash"
cd "$KP_ROOT" || exit 1

ext=keyset_pagination
mk_version=$(sed -n 's/^EXTVERSION *= *\([^ ]*\)*$/\1/p' Makefile)
ctl_version=$(sed -n "s/^default_version *= *'\([^']*\)'.*/\1/p" $ext.control)
kp_ok "$([ -n "$mk_version" ] && echo t || echo f)" "Makefile sets EXTVERSION ($mk_version)"
kp_ok "$([ "$ctl_version" = "$mk_version" ] && echo t || echo f)" \
  "control file default_version ($ctl_version) = Makefile EXTVERSION ($mk_version)"

# META.json, checked in perl; prints TAP-like lines
kp_report < <(perl -MJSON::PP -e '
  my ($ext, $version) = @ARGV;
  my $text = do { local $/; open my $fh, "<", "META.json" or die "META.json: $!"; <$fh> };
  my $m = eval { JSON::PP->new->utf8->decode($text) };
  sub ok { print(($_[0] ? "ok" : "not ok"), " - META.json: $_[1]\n") }
  ok($m, "parses as JSON" . ($@ ? " ($@)" : "")) or exit 0;
  for my $f (qw(name abstract version maintainer license provides meta-spec)) {
    ok(defined $m->{$f} && $m->{$f} ne "", "has the required field $f");
  }
  ok(($m->{"meta-spec"}{version} // "") eq "1.0.0", "meta-spec version is 1.0.0");
  ok(($m->{name} // "") eq $ext, "name is $ext");
  ok(($m->{version} // "") eq $version, "version (" . ($m->{version} // "") . ") = EXTVERSION ($version)");
  ok(($m->{license} // "") eq "postgresql", "license is postgresql");
  my $p = $m->{provides}{$ext} // {};
  ok(($p->{version} // "") eq $version, "provides.$ext.version = EXTVERSION");
  ok(($p->{file} // "") eq "sql/$ext--$version.sql" && -f $p->{file}, "provides.$ext.file is the existing install script of $version");
  ok(!defined $p->{docfile} || -f $p->{docfile}, "provides.$ext.docfile exists");
  ok(($m->{prereqs}{runtime}{requires}{PostgreSQL} // "") =~ /^\d+\.\d+\.\d+$/, "prereqs.runtime.requires.PostgreSQL is a version");
  ok(ref $m->{tags} eq "ARRAY" && @{$m->{tags}} > 0, "has tags");
  ok(ref $m->{resources} eq "HASH", "has resources");
  ok(ref $m->{maintainer} eq "ARRAY" || !ref $m->{maintainer}, "maintainer is a string or a list");
' "$ext" "$mk_version" 2>&1)

# every version with an install or update script reaches the default
# version through update scripts (ALTER EXTENSION ... UPDATE)
versions=$(ls sql/$ext--*.sql | sed -n "s|^sql/$ext--\([^-]*\)\(--.*\)\{0,1\}\.sql$|\1|p" | sort -u)
for v in $versions; do
  cur=$v; hops=0
  while [ "$cur" != "$ctl_version" ] && [ $hops -lt 20 ]; do
    next=$(ls sql/$ext--"$cur"--*.sql 2>/dev/null | sed -n "s|^sql/$ext--$cur--\(.*\)\.sql$|\1|p" | sort -V | tail -1)
    [ -n "$next" ] || break
    cur=$next; hops=$((hops + 1))
  done
  kp_ok "$([ "$cur" = "$ctl_version" ] && echo t || echo f)" "version $v has an update path to $ctl_version"
done
kp_ok "$([ -f sql/$ext--$ctl_version.sql ] && echo t || echo f)" "the default version has a full install script"
missing_data=""
for f in sql/$ext--*.sql; do
  grep -qF "${f/$mk_version/\$(EXTVERSION)}" Makefile || grep -qF "$f" Makefile || missing_data="$missing_data $f"
done
kp_ok "$([ -z "$missing_data" ] && echo t || echo f)" "every install/update script is in the Makefile's DATA${missing_data:+ (missing:$missing_data)}"

kp_ok "$(grep -q '^PostgreSQL License' LICENSE && grep -q 'Copyright (c) 2026, The keyset_pagination contributors' LICENSE && echo t || echo f)" \
  "LICENSE is the PostgreSQL License of The keyset_pagination contributors"
nocopy=$(grep -L 'Copyright (c) 2026, The keyset_pagination contributors' src/*.c src/*.h | tr '\n' ' ')
kp_ok "$([ -z "$nocopy" ] && echo t || echo f)" "every src/*.c and src/*.h has the copyright line${nocopy:+ (missing: $nocopy)}"
kp_ok "$(grep -qE "^## \[$mk_version\]" CHANGELOG.md && echo t || echo f)" "CHANGELOG.md has a section for $mk_version"

kp_done
