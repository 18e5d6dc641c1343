-- keyset_pagination 0.2.0 install script.
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

-- Pages
CREATE FUNCTION @extschema@.keyset_page(
    rowtype anyelement, order_by text DEFAULT NULL,
    first integer DEFAULT NULL, after text DEFAULT NULL,
    last integer DEFAULT NULL, before text DEFAULT NULL,
    filter text DEFAULT NULL, args text[] DEFAULT NULL)
    RETURNS TABLE(node anyelement, cursor text, has_previous_page boolean, has_next_page boolean)
    AS 'MODULE_PATHNAME', 'keyset_page'
    LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED SECURITY INVOKER
    ROWS 20;
COMMENT ON FUNCTION @extschema@.keyset_page(anyelement, text, integer, text, integer, text, text, text[]) IS
  'one page of rows by index-ordered seeks, Relay-style (first/after forward, last/before backward)';

-- issue 15 (task cscan): keyset_page's planner support function.  It
-- answers no request (the row estimate stays ROWS 20); the planner calling
-- it while it plans keyset_page loads the library, whose planner hook then
-- plans the call as a Custom Scan (KeysetPage) already in a session's first
-- statement (src/scan.c).  Takes and returns internal: not callable from SQL.
CREATE FUNCTION @extschema@.keyset_page_support(internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'keyset_page_support'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
ALTER FUNCTION @extschema@.keyset_page(anyelement, text, integer, text, integer, text, text, text[])
    SUPPORT @extschema@.keyset_page_support;

CREATE FUNCTION @extschema@.keyset_connection(
    rowtype anyelement, order_by text DEFAULT NULL,
    first integer DEFAULT NULL, after text DEFAULT NULL,
    last integer DEFAULT NULL, before text DEFAULT NULL,
    filter text DEFAULT NULL, args text[] DEFAULT NULL,
    json_numbers text DEFAULT 'number')
    RETURNS jsonb
    AS 'MODULE_PATHNAME', 'keyset_connection'
    LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED SECURITY INVOKER;
COMMENT ON FUNCTION @extschema@.keyset_connection(anyelement, text, integer, text, integer, text, text, text[], text) IS
  'a Relay connection (edges, pageInfo, estimatedTotalCount) as jsonb';

CREATE FUNCTION @extschema@.keyset_connection_json(
    rowtype anyelement, order_by text DEFAULT NULL,
    first integer DEFAULT NULL, after text DEFAULT NULL,
    last integer DEFAULT NULL, before text DEFAULT NULL,
    filter text DEFAULT NULL, args text[] DEFAULT NULL,
    json_numbers text DEFAULT 'number')
    RETURNS json
    AS 'MODULE_PATHNAME', 'keyset_connection_json'
    LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED SECURITY INVOKER;
COMMENT ON FUNCTION @extschema@.keyset_connection_json(anyelement, text, integer, text, integer, text, text, text[], text) IS
  'the Relay connection of keyset_connection as json text, keys in Relay order';

CREATE FUNCTION @extschema@.keyset_explain(
    rowtype anyelement, order_by text DEFAULT NULL,
    first integer DEFAULT NULL, after text DEFAULT NULL,
    last integer DEFAULT NULL, before text DEFAULT NULL,
    filter text DEFAULT NULL, args text[] DEFAULT NULL,
    with_analyze boolean DEFAULT false)
    RETURNS SETOF text
    AS 'MODULE_PATHNAME', 'keyset_explain'
    LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL RESTRICTED SECURITY INVOKER;
COMMENT ON FUNCTION @extschema@.keyset_explain(anyelement, text, integer, text, integer, text, text, text[], boolean) IS
  'EXPLAIN (COSTS OFF) of every seek the same keyset_page call runs';

CREATE FUNCTION @extschema@.keyset_check(rowtype anyelement, order_by text DEFAULT NULL,
                                         verify boolean DEFAULT false)
    RETURNS TABLE(sort_key text, tiebreaker text, is_unique boolean, unique_by text,
                  index text, create_index text, advice text, duplicates bigint)
    AS 'MODULE_PATHNAME', 'keyset_check'
    LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED SECURITY INVOKER;
COMMENT ON FUNCTION @extschema@.keyset_check(anyelement, text, boolean) IS
  'the effective sort key, what proves it unique (or what would), the index serving it or the CREATE INDEX to add; verify counts rows sharing a key';

CREATE FUNCTION @extschema@.keyset_count_estimate(
    rowtype anyelement, filter text DEFAULT NULL, args text[] DEFAULT NULL)
    RETURNS bigint
    AS 'MODULE_PATHNAME', 'keyset_count_estimate'
    LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED SECURITY INVOKER;
COMMENT ON FUNCTION @extschema@.keyset_count_estimate(anyelement, text, text[]) IS
  'the planner''s row estimate for the (filtered) relation; no scan';

CREATE FUNCTION @extschema@.keyset_offset_page(
    rowtype anyelement, order_by text, page integer, page_size integer,
    filter text DEFAULT NULL, args text[] DEFAULT NULL)
    RETURNS TABLE(node anyelement, page integer, page_count bigint, total_count bigint)
    AS 'MODULE_PATHNAME', 'keyset_offset_page'
    LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED SECURITY INVOKER;
COMMENT ON FUNCTION @extschema@.keyset_offset_page(anyelement, text, integer, integer, text, text[]) IS
  'numbered page with an exact total, for bounded tables; refuses offsets over keyset_pagination.max_offset';
