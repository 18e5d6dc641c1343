#!/usr/bin/env bash
# Installing and using the extension under a hostile search_path never calls
# a lookalike object.  Schema "evil" holds functions and operators with the
# names and argument types the install script and the C code's SQL could
# resolve by search_path (length, now, nextval, =, <, ...); each records
# that it was called in evil.calls.  The installer runs with
#   SET search_path = evil, pg_catalog
# (evil before pg_catalog, so unqualified names would resolve to evil), and
# installs into a fresh schema; lookalikes are also planted in that target
# schema itself, which CREATE EXTENSION puts first in the script's path.
# Then rotation, retirement, minting, verifying and decoding run under the
# same path.  evil.calls must stay empty -- and a control shows the traps
# do fire for unqualified SQL.
. "$(dirname "$0")/lib/common.bash"

db=kp_sh_hostile
kp_fresh_db "$db"
kp_tap_functions "$db"

# lookalikes in schema $1, all recording into evil.calls
plant() {
  cat <<SQL
CREATE FUNCTION $1.length(bytea) RETURNS integer LANGUAGE plpgsql AS \$\$
  BEGIN INSERT INTO evil.calls VALUES ('$1.length(bytea)'); RETURN 32; END \$\$;
CREATE FUNCTION $1.length(text) RETURNS integer LANGUAGE plpgsql AS \$\$
  BEGIN INSERT INTO evil.calls VALUES ('$1.length(text)'); RETURN 32; END \$\$;
CREATE FUNCTION $1.now() RETURNS timestamptz LANGUAGE plpgsql AS \$\$
  BEGIN INSERT INTO evil.calls VALUES ('$1.now()'); RETURN pg_catalog.now(); END \$\$;
CREATE FUNCTION $1.nextval(regclass) RETURNS bigint LANGUAGE plpgsql AS \$\$
  BEGIN INSERT INTO evil.calls VALUES ('$1.nextval(regclass)'); RETURN pg_catalog.nextval(\$1); END \$\$;
CREATE FUNCTION $1.pg_extension_config_dump(regclass, text) RETURNS void LANGUAGE plpgsql AS \$\$
  BEGIN INSERT INTO evil.calls VALUES ('$1.pg_extension_config_dump'); END \$\$;
CREATE FUNCTION $1.textcmp(text, text) RETURNS boolean LANGUAGE plpgsql AS \$\$
  BEGIN INSERT INTO evil.calls VALUES ('$1.=(text,text)'); RETURN pg_catalog.texteq(\$1, \$2); END \$\$;
CREATE OPERATOR $1.= (LEFTARG = text, RIGHTARG = text, FUNCTION = $1.textcmp);
CREATE FUNCTION $1.intcmp(integer, integer) RETURNS boolean LANGUAGE plpgsql AS \$\$
  BEGIN INSERT INTO evil.calls VALUES ('$1.=(int,int)'); RETURN pg_catalog.int4eq(\$1, \$2); END \$\$;
CREATE OPERATOR $1.= (LEFTARG = integer, RIGHTARG = integer, FUNCTION = $1.intcmp);
CREATE FUNCTION $1.intlt(integer, integer) RETURNS boolean LANGUAGE plpgsql AS \$\$
  BEGIN INSERT INTO evil.calls VALUES ('$1.<(int,int)'); RETURN pg_catalog.int4lt(\$1, \$2); END \$\$;
CREATE OPERATOR $1.< (LEFTARG = integer, RIGHTARG = integer, FUNCTION = $1.intlt);
CREATE FUNCTION $1.byteacmp(bytea, bytea) RETURNS boolean LANGUAGE plpgsql AS \$\$
  BEGIN INSERT INTO evil.calls VALUES ('$1.=(bytea,bytea)'); RETURN pg_catalog.byteaeq(\$1, \$2); END \$\$;
CREATE OPERATOR $1.= (LEFTARG = bytea, RIGHTARG = bytea, FUNCTION = $1.byteacmp);
CREATE FUNCTION $1.quote_ident(text) RETURNS text LANGUAGE plpgsql AS \$\$
  BEGIN INSERT INTO evil.calls VALUES ('$1.quote_ident'); RETURN pg_catalog.quote_ident(\$1); END \$\$;
CREATE FUNCTION $1.sha256(bytea) RETURNS bytea LANGUAGE plpgsql AS \$\$
  BEGIN INSERT INTO evil.calls VALUES ('$1.sha256'); RETURN pg_catalog.sha256(\$1); END \$\$;
SQL
}

{
  cat <<'SQL'
CREATE SCHEMA evil;
CREATE TABLE evil.calls (what text, at timestamptz DEFAULT clock_timestamp());
GRANT ALL ON SCHEMA evil TO PUBLIC;
GRANT ALL ON evil.calls TO PUBLIC;
CREATE SCHEMA kp;
SQL
  plant evil
  plant kp
} | psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null || { echo "    not ok - setting up the lookalikes failed"; exit 1; }

kp_sql "$db" <<'SQL'
-- control: the traps work for unqualified SQL under this search_path
SET search_path = evil, pg_catalog;
SELECT length('\x00'::bytea) IS NOT NULL AND now() IS NOT NULL AND 'a'::text = 'a'::text AND 1 < 2 AS ignored \gset
SELECT public.tap_ok(count(DISTINCT what) = 4,
                     'control: under search_path = evil, pg_catalog, unqualified length(), now(), = and < call the lookalikes')
FROM evil.calls;
TRUNCATE evil.calls;

-- the install
SET search_path = evil, pg_catalog;
CREATE EXTENSION keyset_pagination SCHEMA kp;
SELECT public.tap_ok(count(*) = 0, 'CREATE EXTENSION ... SCHEMA kp under search_path = evil, pg_catalog called no lookalike'
                     || coalesce(' (called: ' || string_agg(what, ', ') || ')', ''))
FROM evil.calls;
SELECT public.tap_ok((SELECT count(*) FROM kp.keyset_signing_key WHERE pg_catalog.length(secret) OPERATOR(pg_catalog.=) 32) = 1,
                     'the install made one 32-byte signing key');

-- using it under the same path
SELECT kp.keyset_rotate_key() AS rotated_to \gset
SELECT kp.keyset_retire_keys(1) AS retired \gset
SELECT kp.keyset_cursor_encode(ROW('2026-11-22 10:11:12+00'::timestamptz, 42::bigint), 'feed') AS c \gset
SELECT kp.keyset_cursor_verify(:'c', 'feed') AS verifies \gset
SELECT pg_catalog.format('%s/%s', k.created_at OPERATOR(pg_catalog.=) '2026-11-22 10:11:12+00', k.id) AS decoded
FROM kp.keyset_cursor_decode(:'c', 'feed') AS k(created_at timestamptz, id bigint) \gset
SELECT kp.keyset_cursor_verify('garbage') AS garbage \gset
SELECT public.tap_ok(count(*) = 0, 'rotate, retire, encode, verify and decode under the hostile path called no lookalike'
                     || coalesce(' (called: ' || string_agg(what, ', ') || ')', ''))
FROM evil.calls;
SELECT public.tap_ok(:rotated_to OPERATOR(pg_catalog.=) 2 AND :retired OPERATOR(pg_catalog.=) 1,
                     'under the hostile path: keyset_rotate_key() made key 2, keyset_retire_keys(1) retired one');
SELECT public.tap_ok(:'verifies'::boolean AND NOT :'garbage'::boolean AND :'decoded' OPERATOR(pg_catalog.=) 't/42',
                     'under the hostile path: the cursor verifies and decodes, garbage does not verify');
RESET search_path;
SELECT public.tap_ok(kp.keyset_cursor_verify(:'c', 'feed'), 'and verifies under the default search_path');
SELECT public.tap_ok((SELECT count(*) FROM kp.keyset_signing_key WHERE secret IS NOT NULL) = 1
                     AND (SELECT count(*) FROM kp.keyset_signing_key WHERE secret IS NULL) = 1,
                     'rotation and retirement did what they should under the hostile path');
SQL

# the CHECK constraint on the key table uses pg_catalog's length, not a lookalike
kp_sql "$db" <<'SQL'
SET search_path = evil, pg_catalog;
DO $$
BEGIN
  INSERT INTO kp.keyset_signing_key (secret) VALUES ('\x00'::bytea);
  RAISE EXCEPTION 'the 1-byte secret was accepted';
EXCEPTION WHEN check_violation THEN NULL;
END $$;
SELECT public.tap_ok(count(*) = 0, 'the key table''s CHECK (32-byte secret) rejects a short secret without calling evil.length')
FROM evil.calls;
SQL

kp_done
