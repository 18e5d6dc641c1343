-- The cursor format, checked against an independent SQL re-implementation
-- (lib/helpers.sql) of the layout documented in src/codec.h:
--   version(1) flags(1) key_id(varint) [issued_at(4, BE)]
--   nvalues(varint) { type_tag(varint) len+1(varint, 0 = NULL) bytes } ...
--   mac(16) = HMAC-SHA256(key, frame || context digest)[0..16)
-- Real cursors are rebuilt byte for byte; then correctly signed but
-- malformed frames (which only a key holder could make) show the
-- "malformed" checks that run after the MAC.
BEGIN;
\ir lib/helpers.sql

SELECT plan(45);

-- the HMAC of the re-implementation (RFC 4231 test cases 1, 2 and 6)
SELECT is(encode(t_hmac_sha256(decode(repeat('0b', 20), 'hex'), 'Hi There'::bytea), 'hex'),
          'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7', 'SQL HMAC-SHA256: RFC 4231 case 1');
SELECT is(encode(t_hmac_sha256('Jefe'::bytea, 'what do ya want for nothing?'::bytea), 'hex'),
          '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843', 'SQL HMAC-SHA256: RFC 4231 case 2');
SELECT is(encode(t_hmac_sha256(decode(repeat('aa', 131), 'hex'), 'Test Using Larger Than Block-Size Key - Hash Key First'::bytea), 'hex'),
          '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54', 'SQL HMAC-SHA256: RFC 4231 case 6 (long key)');

CREATE TYPE t_mood AS ENUM ('sad', 'happy');

-- real cursors, and their bodies as the documented layout says they must be
-- (the clock is read before minting in a statement of its own: in the
-- select list it would be read after the VALUES row is minted)
CREATE TEMP TABLE before_minting AS SELECT clock_timestamp() AS at;
CREATE TEMP TABLE spec AS
  SELECT name, ctx, (SELECT at FROM before_minting) AS before, cursor, body
  FROM (VALUES
    ('(timestamptz, bigint)', NULL,
     keyset_cursor_encode(ROW('2026-11-22 10:11:12.123456+00'::timestamptz, 42::bigint)),
     t_varint(2) || t_member(1184, timestamptz_send('2026-11-22 10:11:12.123456+00')) || t_member(20, int8send(42))),
    ('(timestamptz, bigint) for context feed', 'feed',
     keyset_cursor_encode(ROW('2026-11-22 10:11:12.123456+00'::timestamptz, 42::bigint), 'feed'),
     t_varint(2) || t_member(1184, timestamptz_send('2026-11-22 10:11:12.123456+00')) || t_member(20, int8send(42))),
    ('(int, NULL text, numeric 1.500)', NULL,
     keyset_cursor_encode(ROW(1, NULL::text, 1.500)),
     t_varint(3) || t_member(23, int4send(1)) || t_member(25, NULL) || t_member(1700, numeric_send(1.500))),
    ('(non-ASCII text) for context U&''\00C5''', U&'\00C5',
     keyset_cursor_encode(ROW(U&'\00C5\00C4\00D6 \65E5\672C\8A9E \+01F600'::text), U&'\00C5'),
     t_varint(1) || t_member(25, convert_to(U&'\00C5\00C4\00D6 \65E5\672C\8A9E \+01F600', 'UTF8'))),
    ('(300-byte text): two-byte length varint', NULL,
     keyset_cursor_encode(ROW(repeat('x', 300)::text)),
     t_varint(1) || t_member(25, convert_to(repeat('x', 300), 'UTF8'))),
    ('(enum): user type tagged by a hash of its qualified name', NULL,
     keyset_cursor_encode(ROW('happy'::t_mood)),
     t_varint(1) || t_member(t_type_tag('t_mood'), 'happy'::bytea)),
    ('(bool, bytea, uuid, date)', NULL,
     keyset_cursor_encode(ROW(true, '\x00ff'::bytea, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid, '2026-11-22'::date)),
     t_varint(4) || t_member(16, boolsend(true)) || t_member(17, '\x00ff'::bytea)
       || t_member(2950, uuid_send('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11')) || t_member(1082, date_send('2026-11-22'))),
    ('(int2, oid, time, float4 -0, float8 NaN, name, bpchar, varchar): the fixed forms are the send bytes', NULL,
     keyset_cursor_encode(ROW(-2::int2, 4000000000::oid, '23:59:59.999999'::time, '-0'::float4, 'NaN'::float8,
                              'nm'::name, 'ab'::char(4), U&'v\00E9'::varchar)),
     t_varint(8) || t_member(21, int2send(-2::int2)) || t_member(26, oidsend(4000000000::oid))
       || t_member(1083, time_send('23:59:59.999999')) || t_member(700, float4send('-0'))
       || t_member(701, float8send('NaN')) || t_member(19, namesend('nm'))
       || t_member(1042, bpcharsend('ab'::char(4))) || t_member(1043, varcharsend(U&'v\00E9')))
  ) AS v(name, ctx, cursor, body);
CREATE TEMP TABLE after_minting AS SELECT clock_timestamp() AS at;

SELECT is(cursor, t_forge(body, t_issued_at_secs((t_inspect(cursor)).issued_at), ctx),
          name || ': the cursor is exactly the documented layout, signed with the newest key')
FROM spec ORDER BY name;
SELECT ok(bool_and(cursor ~ '^[A-Za-z0-9_-]+$'), 'every cursor is unpadded base64url') FROM spec;
SELECT is((SELECT length(cursor) FROM spec WHERE name = '(timestamptz, bigint)'), 60,
          'a (timestamptz, bigint) cursor is 60 characters');
SELECT ok(bool_and((t_inspect(cursor)).version = 1 AND (t_inspect(cursor)).flags = 1), 'version 1, flags 1 (issued_at present)') FROM spec;
SELECT ok(bool_and((t_inspect(cursor)).key_id = (SELECT max(key_id) FROM keyset_signing_key WHERE secret IS NOT NULL)),
          'key id is the newest live key') FROM spec;
SELECT ok(bool_and((t_inspect(cursor)).issued_at BETWEEN date_trunc('second', before) AND (SELECT at FROM after_minting)),
          'issued_at is the minting time, in whole seconds') FROM spec;

-- correctly signed, but malformed after the MAC
CREATE TEMP TABLE forged (what text, cursor text);
INSERT INTO forged VALUES
  ('unknown flag bit 0x02',
   t_forge(t_varint(1) || t_member(23, int4send(1)), t_issued_at_secs(now()), flags => 3)),
  ('unknown flag bit 0x80',
   t_forge(t_varint(1) || t_member(23, int4send(1)), t_issued_at_secs(now()), flags => 129)),
  ('nvalues says 3, two members follow',
   t_forge(t_varint(3) || t_member(23, int4send(1)) || t_member(23, int4send(2)), t_issued_at_secs(now()))),
  ('a trailing byte after the last member',
   t_forge(t_varint(1) || t_member(23, int4send(1)) || '\x00'::bytea, t_issued_at_secs(now()))),
  ('member length runs past the end',
   t_forge(t_varint(1) || t_varint(23) || t_varint(100) || int4send(1), t_issued_at_secs(now()))),
  ('nvalues larger than the bytes left',
   t_forge(t_varint(1000), t_issued_at_secs(now()))),
  ('nvalues varint does not fit 32 bits',
   t_forge('\xffffffff1f'::bytea, t_issued_at_secs(now()))),
  ('type tag varint runs to the end',
   t_forge(t_varint(1) || '\xff'::bytea, t_issued_at_secs(now()))),
  ('issued_at flag set but only 3 bytes follow',
   t_forge('\x000000'::bytea, NULL, flags => 1)),
  ('no nvalues at all',
   t_forge('\x'::bytea, t_issued_at_secs(now())));
SELECT is(t_decode_error(cursor), t_detail('malformed'), 'signed but malformed: ' || what) FROM forged ORDER BY what;
SELECT ok(NOT bool_or(keyset_cursor_verify(cursor)), 'verify is false for every signed-but-malformed cursor') FROM forged;

-- version and key are read before the MAC
SELECT is(t_decode_error(t_forge(t_varint(1) || t_member(23, int4send(1)), t_issued_at_secs(now()), version => 2)),
          t_detail('version'), 'version 2 is refused as unsupported, even correctly signed');
SELECT is(t_decode_error(t_forge(t_varint(1) || t_member(23, int4send(1)), t_issued_at_secs(now()), version => 0)),
          t_detail('version'), 'version 0 is refused as unsupported');
SELECT is(t_decode_error(t_b64url_encode('\x0101e707'::bytea || decode(repeat('00', 20), 'hex'))),
          t_detail('unknown key'), 'key id 999 (two-byte varint) with any tag: unknown key');
SELECT is(t_decode_error(t_b64url_encode('\x0101ffffffffff'::bytea || decode(repeat('00', 20), 'hex'))),
          t_detail('truncated'), 'a key id varint longer than 32 bits: refused (reported as too short)');
SELECT is(t_decode_error(t_b64url_encode(t_b64url_decode(t_forge(t_varint(1) || t_member(23, int4send(1)), t_issued_at_secs(now())))
                                         || '\x00'::bytea)),
          t_detail('signature'), 'one extra byte after the tag: signature mismatch');
CREATE TEMP TABLE full_tag AS
  SELECT frame || t_hmac_sha256((SELECT secret FROM keyset_signing_key WHERE secret IS NOT NULL ORDER BY key_id DESC LIMIT 1),
                                frame || t_context_digest(NULL)) AS raw
  FROM (SELECT '\x0101'::bytea || t_varint((SELECT max(key_id) FROM keyset_signing_key WHERE secret IS NOT NULL))
               || decode(lpad(to_hex(t_issued_at_secs(now())), 8, '0'), 'hex')
               || t_varint(1) || t_member(23, int4send(1)) AS frame) f;
SELECT is(t_decode_error(t_b64url_encode(raw)), t_detail('signature'),
          'the untruncated 32-byte HMAC is not accepted in place of the 16-byte tag') FROM full_tag;

-- authentic cursors whose member bytes do not fit the type: verify does not
-- look at values (true); decode reports the receive function's error
SELECT ok(keyset_cursor_verify(t_forge(t_varint(1) || t_member(20, '\x010203'::bytea), t_issued_at_secs(now()))),
          'signed cursor with a 3-byte int8 member: verify says true (values are not parsed by verify)');
SELECT throws_ok(format('SELECT * FROM keyset_cursor_decode(%L) AS k(a bigint)',
                        t_forge(t_varint(1) || t_member(20, '\x010203'::bytea), t_issued_at_secs(now()))),
                 '08P01', NULL, 'and decode raises the int8 receive error (08P01 insufficient data)');
SELECT throws_ok(format('SELECT * FROM keyset_cursor_decode(%L) AS k(a int)',
                        t_forge(t_varint(1) || t_member(23, '\x0000000100'::bytea), t_issued_at_secs(now()))),
                 '22P03', 'incorrect binary data format in cursor member 1',
                 'a 5-byte int4 member: 22P03 incorrect binary data format in cursor member 1');
SELECT throws_ok(format('SELECT * FROM keyset_cursor_decode(%L) AS k(a text)',
                        t_forge(t_varint(1) || t_member(25, '\xc3'::bytea), t_issued_at_secs(now()))),
                 '22021', NULL, 'a text member that is not valid UTF8: 22021 invalid byte sequence');
SELECT throws_ok(format('SELECT * FROM keyset_cursor_decode(%L) AS k(a int)',
                        t_forge(t_varint(0), t_issued_at_secs(now()))),
                 '42804', 'cursor has 0 members but the column definition list has 1',
                 'a signed cursor with no members: count mismatch');
SELECT results_eq(format('SELECT * FROM keyset_cursor_decode(%L) AS k(a int, b int)',
                         t_forge(t_varint(2) || t_member(23, int4send(7)) || t_member(23, int4send(-7)), NULL, flags => 0)),
                  $$VALUES (7, -7)$$, 'a signed cursor without issued_at (flags 0) decodes when max_cursor_age = 0');

-- large key ids: two-byte and five-byte varints
CREATE TEMP TABLE big_key (label text, key_id int, cursor text);
CREATE FUNCTION t_rotate_to(id bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM setval('keyset_signing_key_id_seq', id - 1);
  PERFORM keyset_rotate_key();
  -- a plain statement on the key table, so this backend reloads its key
  -- cache (keyset_rotate_key() does not: see 06_rotation.sql)
  INSERT INTO keyset_signing_key (secret) SELECT secret FROM keyset_signing_key WHERE false;
END $$;
SELECT t_rotate_to(1000);
INSERT INTO big_key SELECT 'two-byte varint', 1000, keyset_cursor_encode(ROW(1000));
SELECT t_rotate_to(2147483647);
INSERT INTO big_key SELECT 'five-byte varint', 2147483647, keyset_cursor_encode(ROW(2147483647));
SELECT is((t_inspect(cursor)).key_id, key_id::bigint, 'key id ' || key_id || ' (' || label || ') is carried') FROM big_key ORDER BY key_id;
SELECT is(cursor, t_forge(t_varint(1) || t_member(23, int4send(key_id)), t_issued_at_secs((t_inspect(cursor)).issued_at), NULL, key_id),
          'key id ' || key_id || ': the cursor is exactly the documented layout') FROM big_key ORDER BY key_id;
SELECT ok(keyset_cursor_verify(cursor), 'key id ' || key_id || ': verifies') FROM big_key ORDER BY key_id;

SELECT * FROM finish();
ROLLBACK;
