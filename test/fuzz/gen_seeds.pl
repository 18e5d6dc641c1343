#!/usr/bin/perl
# Writes the seed corpus of the codec fuzzer (test/fuzz/fuzz_codec.c) into
# the directory given: valid version-1 frames as doc/design.md "The cursor
# format" documents them, each twice: mode byte 0x00 + the frame (the harness
# adds the tag), and mode byte 0x01 + the cursor text with a 16-byte tag.
use strict;
use warnings;

my $dir = shift or die "usage: gen_seeds.pl DIR\n";
-d $dir or mkdir $dir or die "mkdir $dir: $!\n";

# unsigned LEB128
sub varint {
    my ($v) = @_;
    my $out = '';
    while ($v >= 0x80) { $out .= chr(($v & 0x7f) | 0x80); $v >>= 7; }
    return $out . chr($v);
}

# one member: type tag, length+1 (0 = NULL), the send-format bytes
sub member {
    my ($tag, $bytes) = @_;
    return varint($tag) . (defined $bytes ? varint(length($bytes) + 1) . $bytes : varint(0));
}

sub frame {
    my (%a) = @_;
    my $flags = $a{flags} // 1;
    my $f = chr($a{version} // 1) . chr($flags) . varint($a{key} // 1);
    $f .= pack('N', $a{issued_at} // 849_000_000) if $flags & 1;
    my @m = @{ $a{members} };
    return $f . varint($a{nvalues} // scalar @m) . join('', @m);
}

sub b64url {
    my ($raw) = @_;
    my $s = '';
    my @a = ('A' .. 'Z', 'a' .. 'z', '0' .. '9', '-', '_');
    my $bits = unpack('B*', $raw);
    for (my $i = 0; $i < length $bits; $i += 6) {
        my $chunk = substr($bits, $i, 6);
        $chunk .= '0' x (6 - length $chunk);
        $s .= $a[oct("0b$chunk")];
    }
    return $s;
}

my $ts   = pack('q>', 817_128_672_123_456);    # a timestamptz, microseconds
my %frames = (
    'ts_bigint'     => frame(members => [member(1184, $ts), member(20, pack('q>', 42))]),
    'int_null_num'  => frame(members => [member(23, pack('l>', 1)), member(25, undef),
                                         member(1700, pack('n*', 2, 0, 0, 3, 1, 5000))]),
    'text_utf8'     => frame(members => [member(25, "\xc3\x85\xc3\x84 \xe6\x97\xa5\xf0\x9f\x98\x80")]),
    'text_300'      => frame(members => [member(25, 'x' x 300)]),
    'enum_hash_tag' => frame(members => [member(0x80000000 | 0x1234567, 'happy')]),
    'bool_bytea_uuid_date' => frame(members => [member(16, "\x01"), member(17, "\x00\xff"),
                                     member(2950, pack('H*', 'a0eebc999c0b4ef8bb6d6bb9bd380a11')),
                                     member(1082, pack('l>', 9822))]),
    'fixed_forms'   => frame(members => [member(21, pack('s>', -2)), member(26, pack('N', 4e9)),
                                         member(1083, pack('q>', 86_399_999_999)),
                                         member(700, pack('N', 0x80000000)),
                                         member(701, pack('H*', '7ff8000000000000')),
                                         member(19, 'nm'), member(1042, 'ab  '), member(1043, "v\xc3\xa9")]),
    'key_1000'      => frame(key => 1000, members => [member(23, pack('l>', 1000))]),
    'key_max'       => frame(key => 2147483647, members => [member(23, pack('l>', 7))]),
    'no_issued_at'  => frame(flags => 0, members => [member(23, pack('l>', 7)), member(23, pack('l>', -7))]),
    'no_members'    => frame(members => []),
    'all_null'      => frame(members => [member(20, undef), member(1184, undef)]),
    'retired_key'   => frame(key => 0, members => [member(20, pack('q>', 1))]),
    'unknown_key'   => frame(key => 2, members => [member(20, pack('q>', 1))]),
);

my $n = 0;
for my $name (sort keys %frames) {
    my $f = $frames{$name};
    for my $mode (0, 1) {
        my $data = $mode == 0 ? "\x00" . $f : "\x01" . b64url($f . ("\xa5" x 16));
        open(my $fh, '>:raw', "$dir/$name.$mode") or die "$dir/$name.$mode: $!\n";
        print $fh $data;
        close $fh;
        $n++;
    }
}
print "gen_seeds.pl: $n seeds in $dir\n";
