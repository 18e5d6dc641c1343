#!/usr/bin/env bash
# The signing keys as a new backend's first call loads them (issue 15).  The
# first call finds the extension's schema with a heap scan of pg_extension
# filtered by name (not its name index, whose relcache entry a new backend
# would have to build first), then reads the key table there without a
# privilege check.  Every keyset call below is the first of a fresh
# connection of an ordinary role, so each loads the keys itself:
# - the extension lives in schema kpx, after plpgsql in pg_extension, and a
#   decoy public.keyset_signing_key with another secret comes first on the
#   role's search_path: a cursor minted in one new backend verifies in
#   another, under either search_path, and the same frame signed with the
#   decoy's secret is refused;
# - the role that mints and verifies still cannot read the keys;
# - after a superuser rotates and retires, the next new backend refuses the
#   retired key's cursor and signs with the new key.
. "$(dirname "$0")/lib/common.bash"

db=kp_sh_first_call_keys
app=kp_sh_first_call_app
app_pw=kp_sh_first_call_pw
decoy="'\\x$(printf '%064d' 7)'::bytea"
kp_dropped_role_at_exit $app
kp_fresh_db "$db"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<SQL || exit 1
CREATE SCHEMA kpx;
CREATE EXTENSION keyset_pagination SCHEMA kpx;
CREATE ROLE $app LOGIN PASSWORD '$app_pw';
GRANT USAGE ON SCHEMA kpx TO $app;
CREATE TABLE public.keyset_signing_key (key_id integer, secret bytea, origin text);
INSERT INTO public.keyset_signing_key VALUES (1, $decoy, 'install');
GRANT SELECT ON public.keyset_signing_key TO $app;
CREATE TABLE public.saved (name text PRIMARY KEY, cursor text NOT NULL);
GRANT ALL ON public.saved TO $app;
ALTER ROLE $app IN DATABASE $db SET search_path = public, kpx;
SQL
PGOPTIONS="${PGOPTIONS:-} -c search_path=public,kpx" kp_tap_functions "$db"

# one new connection (a new backend) of the ordinary role per call
app_sql() { PGUSER=$app PGPASSWORD=$app_pw psql -X -q -A -t -d "$db" "$@" 2>&1; }
app_check() { PGUSER=$app PGPASSWORD=$app_pw kp_sql "$db" "$@"; }

kp_ok "$(kp_value "$db" "SELECT (SELECT min(oid) FROM pg_extension) < (SELECT oid FROM pg_extension WHERE extname = 'keyset_pagination')")" \
  "keyset_pagination is not the first row of pg_extension"
app_sql -v ON_ERROR_STOP=1 -c "INSERT INTO saved VALUES ('a', keyset_cursor_encode(ROW(1), 'feed'))" | kp_report
app_check <<'SQL'
SELECT tap_ok(keyset_cursor_verify(cursor, 'feed'),
              'a cursor minted in one new backend verifies in another (decoy key table first on search_path)')
FROM saved WHERE name = 'a';
SQL
app_check <<'SQL'
SET search_path = pg_catalog;
SELECT public.tap_ok(kpx.keyset_cursor_verify(cursor, 'feed'),
                     'and in a new backend whose search_path is pg_catalog only')
FROM public.saved WHERE name = 'a';
SQL
app_check <<'SQL'
SELECT tap_ok(NOT has_table_privilege('kpx.keyset_signing_key', 'SELECT'),
              'the role that mints and verifies has no SELECT on the key table');
SQL
out=$(app_sql -c "SELECT count(*) FROM kpx.keyset_signing_key")
kp_ok "$([[ "$out" == *"permission denied"* ]] && echo t || echo f)" "reading the key table as the role is refused"

# the same frame, tagged with a secret: the decoy table's, and (the
# control) the real install key's
resign() {
  kp_value "$db" "SELECT t_b64url_encode(f || substr(t_hmac_sha256($1, f || t_context_digest('feed')), 1, 16))
    FROM (SELECT substr(r, 1, length(r) - 16) AS f FROM (SELECT t_b64url_decode(cursor) AS r FROM saved WHERE name = 'a') x) y"
}
out=$(app_sql -c "SELECT keyset_cursor_verify('$(resign "(SELECT secret FROM kpx.keyset_signing_key WHERE key_id = 1)")', 'feed')")
kp_ok "$([ "$out" = t ] && echo t || echo f)" "control: the frame re-signed with the real key verifies in a new backend"
out=$(app_sql -c "SELECT keyset_cursor_verify('$(resign "$decoy")', 'feed')")
kp_ok "$([ "$out" = f ] && echo t || echo f)" "the same frame signed with the decoy table's secret is refused in a new backend"

# a superuser rotates and retires; the next new backends see both
kp_value "$db" "SELECT kpx.keyset_rotate_key()" >/dev/null
kp_value "$db" "SELECT kpx.keyset_retire_keys(1)" >/dev/null
out=$(app_sql -c "SELECT keyset_cursor_verify(cursor, 'feed') FROM saved WHERE name = 'a'")
kp_ok "$([ "$out" = f ] && echo t || echo f)" "after a rotation and retirement, a new backend refuses the retired key's cursor"
app_sql -v ON_ERROR_STOP=1 -c "INSERT INTO saved VALUES ('b', keyset_cursor_encode(ROW(2), 'feed'))" | kp_report
app_check <<'SQL'
SELECT tap_ok(keyset_cursor_verify(cursor, 'feed'), 'a cursor minted by a new backend after the rotation verifies in another')
FROM saved WHERE name = 'b';
SQL
kp_ok "$(kp_value "$db" "SELECT t_key_id(cursor) = (SELECT max(key_id) FROM kpx.keyset_signing_key) FROM saved WHERE name = 'b'")" \
  "and it is signed with the new key"
kp_done
