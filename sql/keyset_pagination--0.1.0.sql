-- keyset_pagination 0.1.0 install script.
-- Safe under a hostile search_path: every object, function and operator is
-- schema-qualified; nothing here resolves a name through search_path.
\echo Use "CREATE EXTENSION keyset_pagination" to load this file. \quit

-- Signing keys.  Readable by no ordinary role: the C code reads the table
-- directly, without a privilege check, so anyone can mint and verify cursors
-- without seeing a key.  Kept by pg_dump, replicated like any table.
CREATE SEQUENCE @extschema@.keyset_signing_key_id_seq AS integer;

CREATE TABLE @extschema@.keyset_signing_key (
    key_id     integer NOT NULL
               DEFAULT pg_catalog.nextval('@extschema@.keyset_signing_key_id_seq'::pg_catalog.regclass)
               PRIMARY KEY,
    secret     bytea CHECK (secret IS NULL OR pg_catalog.length(secret) OPERATOR(pg_catalog.=) 32),
    origin     text NOT NULL DEFAULT 'rotate'
               CHECK (origin OPERATOR(pg_catalog.=) ANY (ARRAY['install', 'rotate']::text[])),
    created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    retired_at timestamptz
);
ALTER SEQUENCE @extschema@.keyset_signing_key_id_seq OWNED BY @extschema@.keyset_signing_key.key_id;
REVOKE ALL ON @extschema@.keyset_signing_key FROM PUBLIC;
REVOKE ALL ON SEQUENCE @extschema@.keyset_signing_key_id_seq FROM PUBLIC;
COMMENT ON TABLE @extschema@.keyset_signing_key IS
  'keyset_pagination cursor signing keys; the newest live key signs, every live key verifies';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.keyset_signing_key', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.keyset_signing_key_id_seq', '');

CREATE FUNCTION @extschema@.keyset_new_secret() RETURNS bytea
    AS 'MODULE_PATHNAME', 'keyset_new_secret'
    LANGUAGE C VOLATILE STRICT PARALLEL SAFE SECURITY INVOKER;
REVOKE ALL ON FUNCTION @extschema@.keyset_new_secret() FROM PUBLIC;

CREATE FUNCTION @extschema@.keyset_keys_trigger() RETURNS trigger
    AS 'MODULE_PATHNAME', 'keyset_keys_trigger'
    LANGUAGE C SECURITY INVOKER;
REVOKE ALL ON FUNCTION @extschema@.keyset_keys_trigger() FROM PUBLIC;

CREATE TRIGGER keyset_signing_key_restore
    BEFORE INSERT ON @extschema@.keyset_signing_key
    FOR EACH ROW EXECUTE FUNCTION @extschema@.keyset_keys_trigger();
CREATE TRIGGER keyset_signing_key_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.keyset_signing_key
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.keyset_keys_trigger();

INSERT INTO @extschema@.keyset_signing_key (secret, origin)
    VALUES (@extschema@.keyset_new_secret(), 'install');

CREATE FUNCTION @extschema@.keyset_rotate_key() RETURNS integer
    AS 'MODULE_PATHNAME', 'keyset_rotate_key'
    LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE SECURITY INVOKER;
REVOKE ALL ON FUNCTION @extschema@.keyset_rotate_key() FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.keyset_rotate_key() IS
  'adds a signing key that signs from now on; older keys keep verifying';

CREATE FUNCTION @extschema@.keyset_retire_keys(keep integer DEFAULT 1) RETURNS integer
    AS 'MODULE_PATHNAME', 'keyset_retire_keys'
    LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE SECURITY INVOKER;
REVOKE ALL ON FUNCTION @extschema@.keyset_retire_keys(integer) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.keyset_retire_keys(integer) IS
  'retires all live keys but the newest keep; cursors they signed are refused';

-- Cursors
CREATE FUNCTION @extschema@.keyset_cursor_encode(key record, context text DEFAULT NULL)
    RETURNS text
    AS 'MODULE_PATHNAME', 'keyset_cursor_encode'
    LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL SAFE SECURITY INVOKER;
COMMENT ON FUNCTION @extschema@.keyset_cursor_encode(record, text) IS
  'signed, opaque, URL-safe cursor holding the key''s typed values exactly';

CREATE FUNCTION @extschema@.keyset_cursor_decode(cursor text, context text DEFAULT NULL)
    RETURNS record
    AS 'MODULE_PATHNAME', 'keyset_cursor_decode'
    LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE SECURITY INVOKER;
COMMENT ON FUNCTION @extschema@.keyset_cursor_decode(text, text) IS
  'the values of a cursor, typed by a column definition list';

CREATE FUNCTION @extschema@.keyset_cursor_verify(cursor text, context text DEFAULT NULL)
    RETURNS boolean
    AS 'MODULE_PATHNAME', 'keyset_cursor_verify'
    LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE SECURITY INVOKER;
COMMENT ON FUNCTION @extschema@.keyset_cursor_verify(text, text) IS
  'true only for a well-formed, authentic, unexpired cursor minted for that context';
