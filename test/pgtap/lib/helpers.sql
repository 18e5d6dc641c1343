-- Helpers shared by the pgTAP files: include with \ir lib/helpers.sql right
-- after BEGIN, so everything here is rolled back with the test.
-- (pg_prove does not recurse into test/pgtap/lib/, so this is not a test.)
--
-- They are an independent, SQL-only reading of the cursor format documented
-- in src/codec.h, so tests can take cursors apart, and (as the superuser,
-- who may read keyset_signing_key) forge correctly signed ones:
--   version(1) flags(1) key_id(varint) [issued_at(4, BE)]
--   nvalues(varint) { type_tag(varint) len+1(varint, 0 = NULL) bytes } ...
--   mac(16) = HMAC-SHA256(key, everything before it || context digest)[0..16)

-- the 64 characters of the base64url alphabet, one row each
CREATE FUNCTION t_b64url_alphabet() RETURNS SETOF text
LANGUAGE sql IMMUTABLE AS $$
  SELECT substr('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_', i, 1)
  FROM generate_series(1, 64) i
$$;

-- unpadded base64url <-> bytea (lenient: for taking real cursors apart)
CREATE FUNCTION t_b64url_encode(b bytea) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT rtrim(translate(encode(b, 'base64'), E'+/\n', '-_'), '=')
$$;
CREATE FUNCTION t_b64url_decode(s text) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT decode(translate(s, '-_', '+/') || repeat('=', (4 - length(s) % 4) % 4), 'base64')
$$;

-- unsigned LEB128
CREATE FUNCTION t_varint(v bigint) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
  out bytea := '\x';
BEGIN
  WHILE v >= 128 LOOP
    out := out || decode(lpad(to_hex((v % 128) + 128), 2, '0'), 'hex');
    v := v / 128;
  END LOOP;
  RETURN out || decode(lpad(to_hex(v), 2, '0'), 'hex');
END $$;

-- HMAC-SHA256 (RFC 2104) from the built-in sha256(); checked against RFC 4231
CREATE FUNCTION t_hmac_sha256(key bytea, msg bytea) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT AS $$
  WITH k AS (SELECT CASE WHEN length(key) > 64 THEN sha256(key) ELSE key END AS k),
  pads AS (
    SELECT decode(string_agg(lpad(to_hex(b # 54), 2, '0'), '' ORDER BY i), 'hex') AS ipad,
           decode(string_agg(lpad(to_hex(b # 92), 2, '0'), '' ORDER BY i), 'hex') AS opad
    FROM k, LATERAL (SELECT i, CASE WHEN i < length(k.k) THEN get_byte(k.k, i) ELSE 0 END AS b
                     FROM generate_series(0, 63) i) x)
  SELECT sha256(opad || sha256(ipad || msg)) FROM pads
$$;

-- digest of a context: label with its NUL, domain byte, null flag, bytes
CREATE FUNCTION t_context_digest(ctx text, domain text DEFAULT 'U') RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
  SELECT sha256(convert_to('keyset_pagination cursor context', 'UTF8') || '\x00'::bytea
                || convert_to(domain, 'UTF8')
                || CASE WHEN ctx IS NULL THEN '\x00'::bytea
                        ELSE '\x01'::bytea || convert_to(ctx, 'UTF8') END)
$$;

-- one member: type tag, then length+1 and the binary (send) form; NULL -> 0
CREATE FUNCTION t_member(tag bigint, payload bytea) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
  SELECT t_varint(tag) || CASE WHEN payload IS NULL THEN t_varint(0)
                               ELSE t_varint(length(payload) + 1) || payload END
$$;

-- a type's identity in a cursor: built-in types (oid < 16384) by oid, other
-- types by hash_any (= hashtext) of "schema.name", high bit set
CREATE FUNCTION t_type_tag(t regtype) RETURNS bigint
LANGUAGE sql STABLE STRICT AS $$
  SELECT CASE WHEN t::oid < 16384 THEN t::oid::bigint
              ELSE 2147483648 | (hashtext(n.nspname || '.' || y.typname) & 2147483647)::bigint END
  FROM pg_type y JOIN pg_namespace n ON n.oid = y.typnamespace
  WHERE y.oid = t
$$;

-- the issued_at field for a moment: whole seconds since 2000-01-01 UTC
CREATE FUNCTION t_issued_at_secs(at timestamptz) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT floor(extract(epoch FROM at - '2000-01-01 00:00:00+00'::timestamptz))::bigint
$$;

-- a complete, correctly signed cursor from raw parts (superuser only: reads
-- the secret).  key_id NULL = the newest live key; issued_at NULL = omitted
-- from the frame (flags should then not have bit 0).
CREATE FUNCTION t_forge(body bytea, issued_at bigint, ctx text DEFAULT NULL,
                        key_id integer DEFAULT NULL, flags integer DEFAULT 1,
                        version integer DEFAULT 1, domain text DEFAULT 'U')
RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE
  k record;
  frame bytea;
BEGIN
  SELECT s.key_id, s.secret INTO k FROM keyset_signing_key s
   WHERE (t_forge.key_id IS NULL AND s.secret IS NOT NULL) OR s.key_id = t_forge.key_id
   ORDER BY s.key_id DESC LIMIT 1;
  IF k.secret IS NULL THEN
    RAISE EXCEPTION 't_forge: no secret for key %', coalesce(key_id::text, '(newest)');
  END IF;
  frame := decode(lpad(to_hex(version), 2, '0') || lpad(to_hex(flags), 2, '0'), 'hex')
           || t_varint(k.key_id)
           || CASE WHEN issued_at IS NULL THEN '\x'::bytea
                   ELSE decode(lpad(to_hex(issued_at), 8, '0'), 'hex') END
           || body;
  RETURN t_b64url_encode(frame || substr(t_hmac_sha256(k.secret, frame || t_context_digest(ctx, domain)), 1, 16));
END $$;

-- the fields of a real cursor, read back (no MAC check: for white-box tests)
CREATE FUNCTION t_inspect(cursor text, OUT version int, OUT flags int, OUT key_id bigint,
                          OUT issued_at timestamptz, OUT nvalues bigint, OUT mac bytea)
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
  raw bytea := t_b64url_decode(cursor);
  p int := 2;
  v bigint;
  shift int;
  b int;
BEGIN
  version := get_byte(raw, 0);
  flags := get_byte(raw, 1);
  -- key id
  v := 0; shift := 0;
  LOOP
    b := get_byte(raw, p); p := p + 1;
    v := v + ((b & 127)::bigint << shift); shift := shift + 7;
    EXIT WHEN b < 128;
  END LOOP;
  key_id := v;
  IF flags & 1 = 1 THEN
    issued_at := '2000-01-01 00:00:00+00'::timestamptz
      + (((get_byte(raw, p)::bigint << 24) | (get_byte(raw, p + 1) << 16)
          | (get_byte(raw, p + 2) << 8) | get_byte(raw, p + 3)) * interval '1 second');
    p := p + 4;
  END IF;
  v := 0; shift := 0;
  LOOP
    b := get_byte(raw, p); p := p + 1;
    v := v + ((b & 127)::bigint << shift); shift := shift + 7;
    EXIT WHEN b < 128;
  END LOOP;
  nvalues := v;
  mac := substr(raw, length(raw) - 15);
END $$;

-- the signing key id of a real cursor
CREATE FUNCTION t_key_id(cursor text) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT (t_inspect(cursor)).key_id $$;

-- 'ok' if decoding succeeds with column definition list coldef, otherwise
-- 'SQLSTATE: detail' of the error (never raises)
CREATE FUNCTION t_decode_error(cursor text, ctx text DEFAULT NULL, coldef text DEFAULT 'a int')
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  st text;
  det text;
BEGIN
  EXECUTE format('SELECT * FROM keyset_cursor_decode($1, $2) AS k(%s)', coldef) USING cursor, ctx;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, det = PG_EXCEPTION_DETAIL;
  RETURN st || ': ' || coalesce(det, '');
END $$;

-- the DETAIL text of every refusal, by short name, as the tests expect it
CREATE FUNCTION t_detail(reason text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT '22KP1: ' || CASE reason
    WHEN 'empty'       THEN 'The cursor is an empty string.'
    WHEN 'too long'    THEN 'The cursor is longer than keyset_pagination.max_cursor_length.'
    WHEN 'base64url'   THEN 'The cursor is not unpadded base64url text.'
    WHEN 'truncated'   THEN 'The cursor is too short to be complete.'
    WHEN 'version'     THEN 'The cursor format version is not supported.'
    WHEN 'unknown key' THEN 'The cursor names a signing key that does not exist.'
    WHEN 'retired key' THEN 'The cursor was signed with a key that has been retired.'
    WHEN 'signature'   THEN 'The cursor signature does not match: it was altered, forged, or minted for a different query.'
    WHEN 'malformed'   THEN 'The cursor is signed but its contents are malformed.'
    WHEN 'expired'     THEN 'The cursor is older than keyset_pagination.max_cursor_age.'
  END
$$;

-- every cursor that differs from c in exactly one character: position and
-- replacement over the whole base64url alphabet (63 per position)
CREATE FUNCTION t_one_char_mutants(c text)
RETURNS TABLE (pos int, replacement text, mutant text)
LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT p, a, overlay(c PLACING a FROM p FOR 1)
  FROM generate_series(1, length(c)) p, t_b64url_alphabet() a
  WHERE a <> substr(c, p, 1)
$$;

-- Load the library now: until a session has called one of its functions,
-- the keyset_pagination.* settings do not exist in it (SHOW fails, SET
-- makes a placeholder; see sql/cursor_settings.sql).  The shell tests
-- (test/sh/lib/common.bash) load this file before creating the extension.
DO $$ BEGIN
  IF EXISTS (SELECT FROM pg_extension WHERE extname = 'keyset_pagination') THEN
    PERFORM keyset_cursor_verify(NULL);
  END IF;
END $$;
