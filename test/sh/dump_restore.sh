#!/usr/bin/env bash
# Cursors survive pg_dump / restore: the signing keys are extension
# configuration data (pg_extension_config_dump), and a restored 'install' key
# replaces the fresh one CREATE EXTENSION makes during the restore.
#
# kp_dump1: mint A, rotate, mint B (in a new session, so with the new key);
# plain pg_dump | psql into kp_dump2, and pg_dump -Fc | pg_restore into
# kp_dump3.  Both cursors must verify and decode to the same values there,
# new cursors minted there must verify, and user-defined member types (whose
# OIDs change in a restore) must still match.
. "$(dirname "$0")/lib/common.bash"

src=kp_dump1
dst=kp_dump2
dst_fc=kp_dump3
other=kp_dump_other
kp_workdir work
kp_dropped_at_exit $dst $dst_fc $other
kp_fresh_db "$src"
psql -X -q -v ON_ERROR_STOP=1 -d "$src" >/dev/null <<'SQL' || exit 1
CREATE EXTENSION keyset_pagination;
CREATE TYPE sh_mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN sh_posint AS integer CHECK (VALUE > 0);
SQL
kp_tap_functions "$src"

# the key: (timestamptz, bigint, non-ASCII text, enum, domain, enum[], numeric)
key="ROW('2026-11-22 10:11:12.123456+00'::timestamptz, 42::bigint, U&'\\00C5\\00C4\\00D6 \\65E5\\672C\\8A9E \\+01F600'::text,
         'happy'::sh_mood, 7::sh_posint, ARRAY['ok', 'sad']::sh_mood[], 1.500::numeric)"
coldef="created_at timestamptz, id bigint, title text, mood sh_mood, n sh_posint, moods sh_mood[], price numeric"
# the decoded values as one settings-independent text
show="SELECT format('%s|%s|%s|%s|%s|%s|%s', extract(epoch FROM created_at), id, md5(convert_to(title, 'UTF8')),
                    mood, n, moods, price)"

# A: minted in one session, kept in a file
psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$src" -c "SELECT keyset_cursor_encode($key, 'feed')" >"$work/cursor_a" || exit 1
A=$(cat "$work/cursor_a")
# rotate in a second session, mint B in a third (a new backend signs with the new key)
kp_value "$src" "SELECT keyset_rotate_key()" >/dev/null
B=$(kp_value "$src" "SELECT keyset_cursor_encode($key, 'feed')")
expected=$(kp_value "$src" "$show FROM keyset_cursor_decode('$A', 'feed') AS k($coldef)")

kp_sql "$src" <<SQL
SELECT tap_ok(t_key_id('$A') = 1 AND t_key_id('$B') = 2, 'in $src: A is signed with the install key, B with the rotated key');
SELECT tap_ok(keyset_cursor_verify('$A', 'feed') AND keyset_cursor_verify('$B', 'feed'), 'in $src: A and B verify');
SELECT tap_ok(($show FROM keyset_cursor_decode('$B', 'feed') AS k($coldef)) = '$expected', 'in $src: A and B decode to the same values');
SQL

# the unrelated database: same extension, its own keys
createdb "$other" || exit 1
psql -X -q -v ON_ERROR_STOP=1 -d "$other" -c "CREATE EXTENSION keyset_pagination" >/dev/null || exit 1
O=$(kp_value "$other" "SELECT keyset_cursor_encode(ROW(1), 'feed')")

# plain dump restored with psql, and a custom-format dump with pg_restore
kp_dump_restore "$src" "$dst" "$dst_fc" "$work"

src_keys=$(kp_value "$src" "SELECT string_agg(format('%s:%s:%s:%s', key_id, md5(secret), origin, retired_at IS NULL), ',' ORDER BY key_id) FROM keyset_signing_key")
src_mood=$(kp_value "$src" "SELECT 'sh_mood'::regtype::oid")

for d in "$dst" "$dst_fc"; do
  echo "# restored database $d"
  D=$(kp_value "$d" "SELECT keyset_cursor_encode($key, 'feed')")
  kp_sql "$d" <<SQL
SELECT tap_ok(string_agg(format('%s:%s:%s:%s', key_id, md5(secret), origin, retired_at IS NULL), ',' ORDER BY key_id) = '$src_keys',
              '$d has exactly the keys of $src (the fresh install key was replaced)')
FROM keyset_signing_key;
SELECT tap_ok('sh_mood'::regtype::oid <> $src_mood, '$d: the enum type has a different OID than in $src (so this checks something)');
SELECT tap_ok(keyset_cursor_verify('$A', 'feed'), '$d: A (install key) verifies');
SELECT tap_ok(keyset_cursor_verify('$B', 'feed'), '$d: B (rotated key) verifies');
SELECT tap_ok(NOT keyset_cursor_verify('$A', 'other'), '$d: A is still bound to its context');
SELECT tap_ok(($show FROM keyset_cursor_decode('$A', 'feed') AS k($coldef)) = '$expected',
              '$d: A decodes to the same values as in $src, enum, domain and enum[] members included');
SELECT tap_ok(($show FROM keyset_cursor_decode('$B', 'feed') AS k($coldef)) = '$expected',
              '$d: B decodes to the same values as in $src');
SELECT tap_ok(NOT keyset_cursor_verify('$O', 'feed'), '$d: a cursor from an unrelated database ($other) is refused');
SELECT tap_ok(t_decode_error('$O', 'feed') LIKE '22KP1: The cursor signature does not match%',
              '$d: ... as a signature mismatch');
SELECT tap_ok(keyset_cursor_verify('$D', 'feed') AND t_key_id('$D') = 2,
              '$d: a cursor minted after the restore verifies, signed with the restored newest key');
SELECT tap_ok(($show FROM keyset_cursor_decode('$D', 'feed') AS k($coldef)) = '$expected',
              '$d: and decodes to the same values');
SELECT tap_ok(keyset_rotate_key() = 3, '$d: the key id sequence was restored too: the next rotation gets id 3');
SELECT tap_ok(keyset_retire_keys(1) = 2, '$d: retiring all but the newest retires the two restored keys');
SQL
  kp_sql "$d" <<SQL
SELECT tap_ok(t_decode_error('$A', 'feed', '$coldef') = '22KP1: The cursor was signed with a key that has been retired.',
              '$d (new session): after retiring, A is refused as signed with a retired key');
SELECT tap_ok(NOT keyset_cursor_verify('$B', 'feed'), '$d (new session): and so is B');
SQL
  # the copies share the source's keys: what $d minted before its own
  # rotation verifies in $src too
  kp_sql "$src" <<SQL
SELECT tap_ok(keyset_cursor_verify('$D', 'feed'), '$src: the cursor minted in $d after the restore verifies here too (same keys)');
SQL
done

kp_sql "$src" <<SQL
SELECT tap_ok(keyset_cursor_verify('$A', 'feed') AND keyset_cursor_verify('$B', 'feed'),
              '$src is unaffected by what was done in the restored copies');
SQL

kp_done
