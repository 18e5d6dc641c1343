#!/usr/bin/perl
# Reads valgrind memcheck logs (test/memcheck/run.sh) and counts the error
# reports left after the suppressions: all of them, and those whose stack
# passes through the extension (keyset_pagination.so, or a file under
# ROOT/src/ when valgrind prints source paths).  Prints each distinct
# extension report, then one summary line; writes the extension count to
# COUNT_FILE.
# Usage: count_errors.pl ROOT COUNT_FILE LOG...
use strict;
use warnings;

my ($root, $count_file, @files) = @ARGV;
my ($total, $ours) = (0, 0);
my %seen;
# one report: count it, and print it if it is the extension's
sub report {
    my ($f, $block) = @_;
    return unless $block =~ /^\s+(at|by) 0x/m && $block !~ /^(HEAP|LEAK|ERROR) SUMMARY/m;
    $total++;
    if ($block =~ /keyset_pagination\.so|\Q$root\E\/src\//) {
        $ours++;
        print "---- extension error ($f)\n$block" unless $seen{$block}++;
    }
}

for my $f (@files) {
    open(my $fh, '<', $f) or next;
    my ($block, $in_supp) = ('', 0);
    while (my $l = <$fh>) {
        $l =~ s/^==\d+== ?//;
        # --gen-suppressions text between { and }: not a report
        if ($l =~ /^\{/) { report($f, $block); $block = ''; $in_supp = 1; next; }
        if ($in_supp) { $in_supp = 0 if $l =~ /^\}/; next; }
        if ($l =~ /^\s*$/) { report($f, $block); $block = ''; next; }
        $block .= $l;
    }
    report($f, $block);
}
print "memcheck: $total valgrind error report(s) not suppressed, $ours in extension code\n";
open(my $o, '>', $count_file) or die "$count_file: $!\n";
print $o "$ours\n";
close $o;
