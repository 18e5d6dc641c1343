#!/usr/bin/env bash
# Key rotation seen across sessions.  Backends cache the signing keys; a
# statement trigger on the key table invalidates every backend's cache.
#
# Session W is a long-lived session of an ordinary LOGIN role with a warm
# key cache.  While it stays open, a superuser session rotates the key,
# fresh sessions mint cursors, and the old key is retired; W's view of the
# keys is checked at each step.  The other sessions are started from inside
# W's psql script with \! so the order of events is exact.
#
# This caught a real bug: keyset_rotate_key() once ran its INSERT with a row
# limit, which stopped the executor before the key table's statement trigger,
# so W never heard of the rotation.
. "$(dirname "$0")/lib/common.bash"

db=kp_sh_rotation
app=kp_sh_rotation_app
app_pw=kp_sh_rotation_pw
kp_dropped_role_at_exit $app
kp_fresh_db "$db"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<SQL || exit 1
CREATE EXTENSION keyset_pagination;
CREATE ROLE $app LOGIN PASSWORD '$app_pw';
CREATE TABLE saved (name text PRIMARY KEY, cursor text NOT NULL);
GRANT ALL ON saved TO $app;
SQL
kp_tap_functions "$db"

# a superuser session ("R") and a fresh app session ("N"), as commands W runs
R="env PGUSER=$PGUSER PGPASSWORD=$PGPASSWORD psql -X -q -A -t -v ON_ERROR_STOP=1 -d $db"
N="env PGUSER=$app PGPASSWORD=$app_pw psql -X -q -A -t -v ON_ERROR_STOP=1 -d $db"

echo "# session W ($app) stays open from here to the end"
PGUSER=$app PGPASSWORD=$app_pw kp_sql "$db" <<SQL
SELECT tap_ok(current_user = '$app' AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user),
              'W runs as the ordinary login role $app');
SELECT pg_backend_pid() AS w_pid \gset
INSERT INTO saved VALUES ('W0', keyset_cursor_encode(ROW(0), 'feed'));
SELECT tap_ok(keyset_cursor_verify(cursor, 'feed'), 'W0, minted by W with the install key, verifies in W')
FROM saved WHERE name = 'W0';

-- R rotates the key (and commits)
\! $R -c "SELECT keyset_rotate_key()" >/dev/null
\! $R -c "SELECT tap_ok(count(*) = 2, 'R: two live keys after keyset_rotate_key()') FROM keyset_signing_key WHERE secret IS NOT NULL"

-- N, a new app session, mints after the rotation: it signs with the new key
\! $N -c "INSERT INTO saved VALUES ('N1', keyset_cursor_encode(ROW(1), 'feed'))"
\! $R -c "SELECT tap_ok(t_key_id(cursor) = (SELECT max(key_id) FROM keyset_signing_key), 'N1, minted by a new session after the rotation, is signed with the new key') FROM saved WHERE name = 'N1'"

-- W, still the same backend, mints after the rotation
SELECT tap_ok(pg_backend_pid() = :w_pid, 'W is still the same backend');
INSERT INTO saved VALUES ('W1', keyset_cursor_encode(ROW(1), 'feed'));
SELECT tap_ok(keyset_cursor_verify(cursor, 'feed'), 'W0 still verifies in W after the rotation') FROM saved WHERE name = 'W0';
SELECT tap_ok(t_key_id(cursor) = 2, 'W1, minted by W after another session rotated, is signed with the new key')
FROM saved WHERE name = 'W1';
SELECT tap_ok(keyset_cursor_verify(cursor, 'feed'), 'N1 (new key) verifies in W')
FROM saved WHERE name = 'N1';
SELECT tap_ok(t_decode_error(cursor, 'feed') = 'ok', 'N1 decodes in W')
FROM saved WHERE name = 'N1';

-- R retires the old key; the UPDATE fires the trigger, W's cache is reloaded
\! $R -c "SELECT tap_ok(keyset_retire_keys(1) = 1, 'R: keyset_retire_keys(1) retires the install key')"
SELECT tap_ok(NOT keyset_cursor_verify(cursor, 'feed'), 'W sees the retirement done by R: W0 is refused')
FROM saved WHERE name = 'W0';
SELECT tap_ok(t_decode_error(cursor, 'feed') = '22KP1: The cursor was signed with a key that has been retired.',
              'W0 in W: refused as signed with a retired key')
FROM saved WHERE name = 'W0';
SELECT tap_ok(keyset_cursor_verify(cursor, 'feed'), 'N1 (new key) verifies in W after the retirement')
FROM saved WHERE name = 'N1';
SELECT tap_ok(keyset_cursor_verify(cursor, 'feed'), 'W1, minted by W after the rotation, survives retiring the old key')
FROM saved WHERE name = 'W1';

-- after the retirement W signs with the new key, and everyone agrees
INSERT INTO saved VALUES ('W2', keyset_cursor_encode(ROW(2), 'feed'));
SELECT tap_ok(t_key_id(cursor) = 2 AND keyset_cursor_verify(cursor, 'feed'), 'W2, minted by W after the retirement, uses the new key')
FROM saved WHERE name = 'W2';
\! $N -c "SELECT tap_ok(keyset_cursor_verify(cursor, 'feed'), 'W2 verifies in a new app session') FROM saved WHERE name = 'W2'"
\! $N -c "SELECT tap_ok(NOT keyset_cursor_verify(cursor, 'feed'), 'W0 is refused in a new app session') FROM saved WHERE name = 'W0'"
\! $R -c "SELECT tap_ok(keyset_cursor_verify(cursor, 'feed'), 'N1 verifies for the superuser') FROM saved WHERE name = 'N1'"

-- the app role still cannot touch the keys
SELECT tap_ok(NOT has_table_privilege('keyset_signing_key', 'SELECT')
              AND NOT has_function_privilege('keyset_rotate_key()', 'EXECUTE')
              AND NOT has_function_privilege('keyset_retire_keys(integer)', 'EXECUTE'),
              'W: no SELECT on keyset_signing_key, no EXECUTE on rotate/retire');
SQL

kp_done
