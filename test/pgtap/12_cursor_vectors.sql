-- Fixed test vectors: a given signing key, values and context give exactly
-- these cursor strings, on every PostgreSQL version and machine.  The frozen
-- strings were minted by keyset_pagination 0.1.0 (x86-64, PostgreSQL 15);
-- they must keep verifying and decoding, and what this build mints now must
-- be the same bytes (the issued-at second aside, which is the clock's).
-- Page cursors are checked against a page context digest computed here in
-- SQL with every length written little-endian, whatever the machine's order.
-- make test-matrix runs this file on 15, 17 and 18.
BEGIN;
\ir lib/helpers.sql

SELECT plan(25);

-- the fixed key: id 7, secret 00 01 02 .. 1f; being the newest, it signs
INSERT INTO keyset_signing_key (key_id, secret, origin)
  VALUES (7, decode('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex'), 'rotate');
CREATE TABLE v_feed (id integer PRIMARY KEY, score integer NOT NULL, title text NOT NULL);
INSERT INTO v_feed SELECT g, g % 4, 't' || g FROM generate_series(1, 12) g;

-- the issued-at seconds of a cursor (big-endian, after version, flags, key id 7)
CREATE FUNCTION v_secs(c text) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
  SELECT (get_byte(r, 3)::bigint << 24) | (get_byte(r, 4) << 16) | (get_byte(r, 5) << 8) | get_byte(r, 6)
  FROM t_b64url_decode(c) r $$;
-- n as 4 little-endian bytes
CREATE FUNCTION v_le32(n bigint) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
  SELECT decode(lpad(to_hex(n & 255), 2, '0') || lpad(to_hex((n >> 8) & 255), 2, '0')
                || lpad(to_hex((n >> 16) & 255), 2, '0') || lpad(to_hex((n >> 24) & 255), 2, '0'), 'hex') $$;
-- the page context (src/page.c kp_page_context): relation, sort, filter, args
CREATE FUNCTION v_page_context(rel text, sort text, filter text, args text[]) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
  SELECT v_le32(octet_length(rel)) || convert_to(rel, 'UTF8')
         || v_le32(octet_length(sort)) || convert_to(sort, 'UTF8')
         || CASE WHEN filter IS NULL THEN 'N'::bytea
                 ELSE 'F'::bytea || v_le32(octet_length(filter)) || convert_to(filter, 'UTF8') END
         || v_le32(coalesce(cardinality(args), 0))
         || coalesce((SELECT string_agg(CASE WHEN a IS NULL THEN 'N'::bytea
                                             ELSE 'V'::bytea || v_le32(octet_length(a)) || convert_to(a, 'UTF8') END,
                                        ''::bytea ORDER BY i)
                      FROM unnest(args) WITH ORDINALITY u(a, i)), ''::bytea) $$;
-- a cursor signed with key 7 over frame || sha256(label, domain, 1, context)
CREATE FUNCTION v_sign(body bytea, secs bigint, domain text, ctx bytea) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT t_b64url_encode(f || substr(t_hmac_sha256(
           decode('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex'),
           f || sha256(convert_to('keyset_pagination cursor context', 'UTF8') || '\x00'::bytea
                       || convert_to(domain, 'UTF8') || '\x01'::bytea || ctx)), 1, 16))
  FROM (SELECT '\x010107'::bytea || decode(lpad(to_hex(secs), 8, '0'), 'hex') || body AS f) x $$;

-- user cursor U: (timestamptz, bigint, text, uuid, numeric, NULL int, bool,
-- float8, float4, int2, name, date) in context 'feed'
CREATE TEMP TABLE v AS SELECT
  'AQEHMqIMowygCQkAAwPZdylyQBQJAAAAAAAAACoZEsOFbmdzdHLDtm0g5pel5pyshhcRoO68mZwLTvi7bWu5vTgKEaQNDQACAAAAAAADAAETiBcAEAIBvQUJwAQAAAAAAAC8BQVAUAAAFQMABxMEeHl6uggFAAAlGijIsoC7wt6AtXUlLnRk_DQ'::text AS u,
  decode('0ca00909000303d9772972401409000000000000002a1912c3856e67737472c3b66d20e697a5e69cac861711a0eebc999c0b4ef8bb6d6bb9bd380a11a40d0d0002000000000003000113881700100201bd0509c004000000000000bc05054050000015030007130478797aba08050000251a', 'hex') AS u_body,
  keyset_cursor_encode(ROW('2026-11-22 10:11:12.123456+00'::timestamptz, 42::bigint,
    U&'\00C5ngstr\00F6m \65E5\672C'::text, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid, 1.500::numeric,
    NULL::integer, true, -2.5::float8, 3.25::real, 7::smallint, 'xyz'::name, '2026-01-02'::date), 'feed') AS u_now,
  'AQEHMqIMowEXBQAAAAExN2eLjVc3LgLPZqrE-ZXA'::text AS n,
  keyset_cursor_encode(ROW(1)) AS n_now;

SELECT ok(keyset_cursor_verify(u, 'feed'), 'vector U (minted by 0.1.0) verifies') FROM v;
SELECT is((SELECT format('%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s', extract(epoch FROM a), b, c, d, e, f, g, h, i, j, k, l)
           FROM keyset_cursor_decode(u, 'feed') AS x(a timestamptz, b bigint, c text, d uuid, e numeric, f integer,
                                                    g boolean, h float8, i real, j smallint, k name, l date)),
          U&'1795342272.123456|42|\00C5ngstr\00F6m \65E5\672C|a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11|1.500||t|-2.5|3.25|7|xyz|2026-01-02',
          'vector U decodes to its values') FROM v;
SELECT is(v_sign(u_body, v_secs(u), 'U', convert_to('feed', 'UTF8')), u,
          'vector U is exactly the documented layout signed with the fixed key') FROM v;
SELECT is(u_now, v_sign(u_body, v_secs(u_now), 'U', convert_to('feed', 'UTF8')),
          'the same key minted now: the same bytes as vector U but for the issued-at second') FROM v;
SELECT ok(v_secs(u_now) BETWEEN t_issued_at_secs(now()) AND t_issued_at_secs(clock_timestamp()),
          '... which is the current second') FROM v;
SELECT ok(keyset_cursor_verify(n), 'vector N (ROW(1), no context) verifies') FROM v;
SELECT is(n_now, t_forge('\x01170500000001'::bytea, v_secs(n_now), NULL, 7),
          'vector N minted now: the same bytes but for the issued-at second') FROM v;
SELECT is(t_forge('\x01170500000001'::bytea, v_secs(n), NULL, 7), n, 'vector N is exactly the documented layout') FROM v;

-- page cursors: keyset_page(NULL::v_feed, 'score DESC, id', first => 3,
--   filter => 'score > $1 AND title <> $2', args => ARRAY['0', 't5'])
CREATE TEMP TABLE pv(id integer, cur text);
INSERT INTO pv VALUES (3, 'AQEHMqIMowIXBQAAAAMXBQAAAAOpbEs4f_a_RFcDq5YcQ5rL'),
                      (7, 'AQEHMqIMowIXBQAAAAMXBQAAAAcxIxw48p3Hd_xjfx83anVm'),
                      (11, 'AQEHMqIMowIXBQAAAAMXBQAAAAu0EWeSgJFwAAv7P0pUO-A5');
CREATE TEMP TABLE pctx AS SELECT v_page_context('public.v_feed', 'score DESC NULLS FIRST, id ASC NULLS LAST',
                                                'score > $1 AND title <> $2', ARRAY['0', 't5']) AS ctx;
SELECT is((SELECT sort_key FROM keyset_check(NULL::v_feed, 'score DESC, id')),
          'score DESC NULLS FIRST, id ASC NULLS LAST', 'the canonical sort the page context covers');
SELECT is(v_sign('\x02'::bytea || t_member(23, int4send(3)) || t_member(23, int4send(pv.id)), v_secs(pv.cur), 'P', pctx.ctx),
          pv.cur, format('page vector for row %s is exactly the layout over a little-endian page context', pv.id))
  FROM pv, pctx ORDER BY pv.id;
CREATE TEMP TABLE pnow AS SELECT (p.node).id, p.cursor FROM keyset_page(NULL::v_feed, 'score DESC, id', first => 3,
    filter => 'score > $1 AND title <> $2', args => ARRAY['0', 't5']) p;
SELECT is(ARRAY(SELECT id FROM pnow ORDER BY id), ARRAY[3, 7, 11],
          'the first page now: rows 3, 7, 11');
SELECT is(pnow.cursor, v_sign('\x02'::bytea || t_member(23, int4send(3)) || t_member(23, int4send(pnow.id)), v_secs(pnow.cursor), 'P', pctx.ctx),
          format('page cursor for row %s minted now: the vector''s bytes but for the issued-at second', pnow.id))
  FROM pnow, pctx ORDER BY pnow.id;
SELECT is(ARRAY(SELECT (p.node).id FROM keyset_page(NULL::v_feed, 'score DESC, id', first => 4,
                  after => (SELECT cur FROM pv WHERE id = 11),
                  filter => 'score > $1 AND title <> $2', args => ARRAY['0', 't5']) p),
          ARRAY[2, 6, 10, 1], 'the page after vector 11 (minted by 0.1.0): rows 2, 6, 10, 1');
SELECT throws_ok($$SELECT * FROM keyset_page(NULL::v_feed, 'score DESC, id', first => 4,
                  after => 'AQEHMqIMowIXBQAAAAMXBQAAAAu0EWeSgJFwAAv7P0pUO-A5',
                  filter => 'score > $1 AND title <> $2', args => ARRAY['0', 't6'])$$,
                 '22KP1', NULL, 'vector 11 with other filter arguments is refused');
-- primary-key order, no filter: keyset_page(NULL::v_feed, first => 2)
SELECT is(v_sign('\x01'::bytea || t_member(23, int4send(2)), v_secs(c), 'P',
                 v_page_context('public.v_feed', 'id ASC NULLS LAST', NULL, NULL)), c,
          'page vector (primary key, no filter) for row 2 is exactly the layout')
  FROM (VALUES ('AQEHMqIMowEXBQAAAAJR_ssZZ1tZI-upWV9CFkXr')) x(c);
SELECT is(ARRAY(SELECT (p.node).id FROM keyset_page(NULL::v_feed, first => 3, after => 'AQEHMqIMowEXBQAAAAJR_ssZZ1tZI-upWV9CFkXr') p),
          ARRAY[3, 4, 5], 'the page after that vector: rows 3, 4, 5');

-- identifiers in the page context are written as 15 quoted them, on every
-- version (json became a keyword in 16, and 16+ quote it) and whatever
-- quote_all_identifiers says: keyset_page(NULL::v_kw, 'json, "order"', first => 3)
CREATE TABLE v_kw (id integer PRIMARY KEY, json integer NOT NULL, "order" integer NOT NULL);
INSERT INTO v_kw SELECT g, g % 3, g % 2 FROM generate_series(1, 8) g;
SELECT is((SELECT sort_key FROM keyset_check(NULL::v_kw, 'json, "order"')),
          'json ASC NULLS LAST, "order" ASC NULLS LAST, id ASC NULLS LAST',
          'the canonical sort writes a column named json unquoted (as 15 did), order quoted');
SELECT is(v_sign('\x03'::bytea || t_member(23, int4send(0)) || t_member(23, int4send(1)) || t_member(23, int4send(3)),
                 v_secs('AQEHMqIPoAMXBQAAAAAXBQAAAAEXBQAAAAPGVBtWd89luV33C_p0AfIw'), 'P',
                 v_page_context('public.v_kw', 'json ASC NULLS LAST, "order" ASC NULLS LAST, id ASC NULLS LAST', NULL, NULL)),
          'AQEHMqIPoAMXBQAAAAAXBQAAAAEXBQAAAAPGVBtWd89luV33C_p0AfIw',
          'page vector over columns json and "order" (minted by 0.1.0 on 15) is exactly the layout');
SELECT is(ARRAY(SELECT (p.node).id FROM keyset_page(NULL::v_kw, 'json, "order"', first => 3,
                  after => 'AQEHMqIPoAMXBQAAAAAXBQAAAAEXBQAAAAPGVBtWd89luV33C_p0AfIw') p),
          ARRAY[4, 1, 7], 'the page after that vector: rows 4, 1, 7');
SELECT is(keyset_page.cursor, v_sign('\x03'::bytea || t_member(23, int4send(0)) || t_member(23, int4send(1)) || t_member(23, int4send(3)),
                 v_secs(keyset_page.cursor), 'P',
                 v_page_context('public.v_kw', 'json ASC NULLS LAST, "order" ASC NULLS LAST, id ASC NULLS LAST', NULL, NULL)),
          'the same page cursor minted now: the vector''s bytes but for the issued-at second')
  FROM keyset_page(NULL::v_kw, 'json, "order"', first => 2) WHERE (node).id = 3;
SET LOCAL quote_all_identifiers = on;
-- (another spelling of the same key, so the sort is resolved again under the setting)
SELECT is(ARRAY(SELECT (p.node).id FROM keyset_page(NULL::v_kw, 'json, "order", id', first => 3,
                  after => 'AQEHMqIPoAMXBQAAAAAXBQAAAAEXBQAAAAPGVBtWd89luV33C_p0AfIw') p),
          ARRAY[4, 1, 7], 'with quote_all_identifiers on, the vector still continues the walk');
RESET quote_all_identifiers;

SELECT * FROM finish();
ROLLBACK;
