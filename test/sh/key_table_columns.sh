#!/usr/bin/env bash
# The signing key table is read by column name, not position (src/keys.c):
# a future upgrade script may add, drop or rebuild its columns.
#
# kp_keycols: mint a cursor, then rebuild the secret and origin columns so
# they move to new attribute numbers (their old slots become dropped
# columns) and add a column in front of nothing in particular.  The old
# cursor must still verify, new cursors must be minted with the right key,
# rotation and the restore trigger (which reads key_id and origin) must
# work.  kp_keycols2: with the secret column renamed away, minting is one
# clean error naming the column, not a crash or a silent "no key".
. "$(dirname "$0")/lib/common.bash"

db=kp_keycols
db2=kp_keycols2
for d in $db $db2; do
  kp_fresh_db $d
  psql -X -q -v ON_ERROR_STOP=1 -d $d -c "CREATE EXTENSION keyset_pagination" >/dev/null || exit 1
  kp_tap_functions $d
done

A=$(kp_value $db "SELECT keyset_cursor_encode(ROW(1, 'a'::text), 'cols')")
secret1=$(kp_value $db "SELECT md5(secret) FROM keyset_signing_key WHERE key_id = 1")

# rebuild the columns (one session: the ALTERs invalidate this backend's
# key cache too, so the same session reads the new layout)
kp_sql $db <<SQL
ALTER TABLE keyset_signing_key ADD COLUMN note text;
ALTER TABLE keyset_signing_key ADD COLUMN secret_new bytea;
UPDATE keyset_signing_key SET secret_new = secret;
ALTER TABLE keyset_signing_key DROP COLUMN secret;
ALTER TABLE keyset_signing_key RENAME COLUMN secret_new TO secret;
ALTER TABLE keyset_signing_key ADD COLUMN origin_new text NOT NULL DEFAULT 'rotate';
UPDATE keyset_signing_key SET origin_new = origin;
ALTER TABLE keyset_signing_key DROP COLUMN origin;
ALTER TABLE keyset_signing_key RENAME COLUMN origin_new TO origin;
SELECT tap_ok((SELECT array_agg(attnum ORDER BY attnum) FROM pg_attribute
               WHERE attrelid = 'keyset_signing_key'::regclass AND attname IN ('secret', 'origin')) = '{7,8}',
              'secret and origin moved to attribute numbers 7 and 8 (2 and 3 are dropped columns)');
SELECT tap_ok(keyset_cursor_verify('$A', 'cols'), 'same session: a cursor minted before the rebuild verifies');
SELECT tap_ok(keyset_cursor_verify(keyset_cursor_encode(ROW(2), 'cols'), 'cols'), 'same session: a new cursor verifies');
SQL

kp_sql $db <<SQL
SELECT tap_ok(keyset_cursor_verify('$A', 'cols'), 'new session: the old cursor verifies');
SELECT tap_ok(t_key_id(keyset_cursor_encode(ROW(3), 'cols')) = 1, 'new session: new cursors are signed with key 1');
SELECT tap_ok(keyset_rotate_key() = 2, 'rotation inserts key 2');
SQL

kp_sql $db <<SQL
SELECT tap_ok(t_key_id(keyset_cursor_encode(ROW(4), 'cols')) = 2, 'after the rotation new cursors are signed with key 2');
SELECT tap_ok(keyset_cursor_verify('$A', 'cols'), 'and the old cursor still verifies with key 1');
-- the restore trigger (pg_dump's copy of an install key) reads key_id and origin by name
INSERT INTO keyset_signing_key (key_id, secret, origin)
  SELECT key_id, secret, 'install' FROM keyset_signing_key WHERE key_id = 1;
SELECT tap_ok((SELECT count(*) FROM keyset_signing_key WHERE key_id = 1) = 1
              AND (SELECT md5(secret) FROM keyset_signing_key WHERE key_id = 1) = '$secret1',
              'the restore trigger replaced install key 1 with the restored copy');
SQL

# a needed column missing: a clean error
psql -X -q -v ON_ERROR_STOP=1 -d $db2 -c "ALTER TABLE keyset_signing_key RENAME COLUMN secret TO secret_gone" >/dev/null || exit 1
err=$(psql -X -q -A -t -v VERBOSITY=verbose -d $db2 -c "SELECT keyset_cursor_encode(ROW(1))" 2>&1)
kp_ok "$(case "$err" in *'ERROR:  55000: keyset_pagination signing key table has no column "secret"'*) echo t;; *) echo f;; esac)" \
  "secret column renamed away: minting fails with SQLSTATE 55000 naming the column"
echo "$err" | grep -q 'HINT:' ; kp_ok "$([ $? -eq 0 ] && echo t || echo f)" "... with a hint"
psql -X -q -v ON_ERROR_STOP=1 -d $db2 -c "ALTER TABLE keyset_signing_key RENAME COLUMN secret_gone TO secret;
  ALTER TABLE keyset_signing_key ALTER COLUMN origin TYPE varchar" >/dev/null || exit 1
err=$(psql -X -q -A -t -d $db2 -c "INSERT INTO keyset_signing_key (secret, origin) VALUES (keyset_new_secret(), 'install')" 2>&1)
kp_ok "$(case "$err" in *'ERROR:  column "origin" of the keyset_pagination signing key table has type character varying, expected text'*) echo t;; *) echo f;; esac)" \
  "origin retyped: the restore trigger fails cleanly naming the column and both types"
kp_sql $db2 <<SQL
SELECT tap_ok(keyset_cursor_verify(keyset_cursor_encode(ROW(1))), 'column restored: minting works again');
SQL

kp_done
