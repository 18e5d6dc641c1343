-- keyset_pagination 0.1.0 -> 0.2.0 upgrade script.
-- Every SQL-surface change of 0.2.0 is made here and in
-- keyset_pagination--0.2.0.sql alike; test/sh/upgrade.sh (issue 11) checks
-- that an updated install and a fresh one have the same objects.
-- Safe under a hostile search_path: everything is schema-qualified.
\echo Use "ALTER EXTENSION keyset_pagination UPDATE TO '0.2.0'" to load this file. \quit

-- issue 13 (examples, drivers): keyset_connection gains json_numbers
-- ('number', the default and the 0.1.0 shape, or 'string': bigint and
-- numeric columns as JSON strings, which JavaScript reads exactly).  A new
-- argument changes the signature, so the function is dropped and created
-- again exactly as keyset_pagination--0.2.0.sql creates it.
DROP FUNCTION @extschema@.keyset_connection(anyelement, text, integer, text, integer, text, text, text[]);
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

-- issue 12: keyset_check explains what proves a sort key unique (primary
-- key, unique index, view chain, a key declared in the relation's comment)
-- or what would (advice), and with verify => true counts the rows sharing
-- a key (duplicates).  New argument and columns: dropped and re-created.
DROP FUNCTION @extschema@.keyset_check(anyelement, text);
CREATE FUNCTION @extschema@.keyset_check(rowtype anyelement, order_by text DEFAULT NULL,
                                         verify boolean DEFAULT false)
    RETURNS TABLE(sort_key text, tiebreaker text, is_unique boolean, unique_by text,
                  index text, create_index text, advice text, duplicates bigint)
    AS 'MODULE_PATHNAME', 'keyset_check'
    LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED SECURITY INVOKER;
COMMENT ON FUNCTION @extschema@.keyset_check(anyelement, text, boolean) IS
  'the effective sort key, what proves it unique (or what would), the index serving it or the CREATE INDEX to add; verify counts rows sharing a key';

-- issue 15 (task json): keyset_connection_json, the same Relay connection
-- as keyset_connection but json text built in one pass (keys in Relay
-- order, no jsonb key sort), for clients that only serialize it.
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
