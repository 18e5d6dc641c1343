--
-- Every way a cursor is refused, one example each, as a caller sees it.
-- All are ERROR 22KP1 "invalid cursor"; the DETAIL names the check that
-- failed.  Cursors are never printed (they hold a timestamp): they are kept
-- in psql variables.
--
\set VERBOSITY default
SELECT keyset_cursor_encode(ROW('2026-11-22 10:11:12.123456+00'::timestamptz, 42::bigint), 'feed') AS good \gset
-- the good cursor, for comparison
SELECT * FROM keyset_cursor_decode(:'good', 'feed') AS k(created_at timestamptz, id bigint);

-- empty string
SELECT * FROM keyset_cursor_decode('', 'feed') AS k(created_at timestamptz, id bigint);
-- longer than keyset_pagination.max_cursor_length (8192 by default)
SELECT * FROM keyset_cursor_decode(repeat('A', 8193), 'feed') AS k(created_at timestamptz, id bigint);
-- not base64url: a character outside the alphabet
SELECT * FROM keyset_cursor_decode('not a cursor!', 'feed') AS k(created_at timestamptz, id bigint);
-- not base64url: padding
SELECT * FROM keyset_cursor_decode(:'good' || '=', 'feed') AS k(created_at timestamptz, id bigint);
-- not base64url: non-canonical last character (unused bits set)
SELECT * FROM keyset_cursor_decode('AB', 'feed') AS k(created_at timestamptz, id bigint);
-- too short: cut off
SELECT * FROM keyset_cursor_decode(left(:'good', 20), 'feed') AS k(created_at timestamptz, id bigint);
-- unsupported version: first character changed (version byte 1 -> 5)
SELECT * FROM keyset_cursor_decode('B' || substr(:'good', 2), 'feed') AS k(created_at timestamptz, id bigint);
-- unknown key: version 1, flags 1, key id 99, then zeros
SELECT * FROM keyset_cursor_decode(
    rtrim(translate(encode('\x010163'::bytea || decode(repeat('00', 17), 'hex'), 'base64'), '+/', '-_'), '='),
    'feed') AS k(created_at timestamptz, id bigint);
-- retired key: rotate, retire the old key, then the good cursor is refused
BEGIN;
SELECT keyset_rotate_key() > 1 AS rotated;
SELECT keyset_retire_keys(1) AS retired;
SELECT * FROM keyset_cursor_decode(:'good', 'feed') AS k(created_at timestamptz, id bigint);
ROLLBACK;
-- signature does not match: minted for another context
SELECT * FROM keyset_cursor_decode(:'good', 'other') AS k(created_at timestamptz, id bigint);
-- signature does not match: one character of the tag changed
SELECT * FROM keyset_cursor_decode(overlay(:'good' PLACING
    CASE WHEN substr(:'good', 50, 1) = 'A' THEN 'B' ELSE 'A' END FROM 50 FOR 1), 'feed')
    AS k(created_at timestamptz, id bigint);

-- The last two checks can only be reached by a correctly signed cursor.  To
-- make one, the superuser signs a frame by hand with the newest key, as
-- src/codec.h documents it (HMAC-SHA256 from sha256(), truncated to 16 bytes).
CREATE FUNCTION forge(flags int, issued_at bigint, body bytea, ctx text) RETURNS text
LANGUAGE sql AS $$
  WITH k AS (SELECT key_id, secret FROM keyset_signing_key WHERE secret IS NOT NULL ORDER BY key_id DESC LIMIT 1),
  f AS (SELECT k.secret, '\x01'::bytea || decode(lpad(to_hex(flags), 2, '0') || lpad(to_hex(k.key_id), 2, '0')
               || lpad(to_hex(issued_at), 8, '0'), 'hex') || body AS frame FROM k),
  d AS (SELECT sha256('keyset_pagination cursor context'::bytea || '\x0055'::bytea
               || CASE WHEN ctx IS NULL THEN '\x00'::bytea ELSE '\x01'::bytea || convert_to(ctx, 'UTF8') END) AS digest),
  p AS (SELECT secret, string_agg(decode(lpad(to_hex(CASE WHEN i < 32 THEN get_byte(secret, i) ELSE 0 END # 54), 2, '0'), 'hex'), ''::bytea ORDER BY i) AS ipad,
               string_agg(decode(lpad(to_hex(CASE WHEN i < 32 THEN get_byte(secret, i) ELSE 0 END # 92), 2, '0'), 'hex'), ''::bytea ORDER BY i) AS opad
        FROM f, generate_series(0, 63) i GROUP BY secret)
  SELECT rtrim(translate(encode(frame || substr(sha256(opad || sha256(ipad || frame || digest)), 1, 16), 'base64'),
                         E'+/\n', '-_'), '=')
  FROM f, d, p
$$;
-- the hand-made signature is right: this one (int 7, issued now) decodes
SELECT * FROM keyset_cursor_decode(
    forge(1, floor(extract(epoch FROM now() - '2000-01-01 00:00:00+00'))::bigint, '\x01170500000007'::bytea, 'feed'),
    'feed') AS k(id int);
-- malformed: correctly signed, but with an unknown flag bit
SELECT * FROM keyset_cursor_decode(
    forge(3, floor(extract(epoch FROM now() - '2000-01-01 00:00:00+00'))::bigint, '\x01170500000007'::bytea, 'feed'),
    'feed') AS k(id int);
-- expired: correctly signed an hour ago, older than max_cursor_age
SET keyset_pagination.max_cursor_age = '1min';
SELECT * FROM keyset_cursor_decode(
    forge(1, floor(extract(epoch FROM now() - '2000-01-01 01:00:00+00'))::bigint, '\x01170500000007'::bytea, 'feed'),
    'feed') AS k(id int);
RESET keyset_pagination.max_cursor_age;

-- verify never raises: it answers false for each of them, NULL for NULL
SELECT reason, keyset_cursor_verify(cursor, 'feed') AS verifies
FROM (VALUES ('empty', ''),
             ('too long', repeat('A', 8193)),
             ('not base64url', 'not a cursor!'),
             ('padding', :'good' || '='),
             ('non-canonical', 'AB'),
             ('too short', left(:'good', 20)),
             ('version', 'B' || substr(:'good', 2)),
             ('unknown key', rtrim(translate(encode('\x010163'::bytea || decode(repeat('00', 17), 'hex'), 'base64'), '+/', '-_'), '=')),
             ('malformed', forge(3, floor(extract(epoch FROM now() - '2000-01-01 00:00:00+00'))::bigint, '\x01170500000007'::bytea, 'feed')),
             ('NULL', NULL),
             ('the good cursor', :'good')) AS x(reason, cursor);
SELECT keyset_cursor_verify(:'good', 'other') AS other_context;

-- the SQLSTATE, once: every refusal above has this one
\set VERBOSITY sqlstate
SELECT * FROM keyset_cursor_decode(:'good', 'other') AS k(created_at timestamptz, id bigint);
\set VERBOSITY default

--
-- Mistakes in the call, as opposed to bad cursors
--
-- no column definition list
SELECT keyset_cursor_decode(:'good', 'feed');
SELECT * FROM keyset_cursor_decode('any cursor', 'feed');
-- member count
SELECT * FROM keyset_cursor_decode(:'good', 'feed') AS k(created_at timestamptz);
SELECT * FROM keyset_cursor_decode(:'good', 'feed') AS k(created_at timestamptz, id bigint, extra int);
-- member types: int4 vs int8 (either way), text vs varchar (either way)
SELECT * FROM keyset_cursor_decode(:'good', 'feed') AS k(created_at timestamptz, id int);
SELECT * FROM keyset_cursor_decode(keyset_cursor_encode(ROW(1::int4))) AS k(id bigint);
SELECT * FROM keyset_cursor_decode(keyset_cursor_encode(ROW('abc'::text))) AS k(t varchar);
SELECT * FROM keyset_cursor_decode(keyset_cursor_encode(ROW('abc'::varchar))) AS k(t text);
-- an untyped literal is minted as text (same bytes), so it decodes as text
SELECT * FROM keyset_cursor_decode(keyset_cursor_encode(ROW('abc'))) AS k(t text);
-- max_cursor_length cannot go below 64
SET keyset_pagination.max_cursor_length = 10;
SHOW keyset_pagination.max_cursor_length;
-- nor can a key be asked for
SHOW keyset_pagination.signing_key;
