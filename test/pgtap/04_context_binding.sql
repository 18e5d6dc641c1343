-- A cursor is bound to the context it was minted for: it verifies for that
-- context only.  NULL and '' are different contexts.  Checked one call at a
-- time and many rows per statement (the context digest is cached per call
-- site, so changing contexts from row to row must not confuse it).
BEGIN;
\ir lib/helpers.sql

SELECT plan(36);

CREATE TEMP TABLE ctx_cursor AS
  SELECT ctx, keyset_cursor_encode(ROW('2026-11-22 10:11:12+00'::timestamptz, 42::bigint), ctx) AS cursor
  FROM unnest(ARRAY[NULL, '', 'feed', 'Feed', 'feed ', 'other', U&'\00C5\65E5', repeat('x', 100000)]) ctx;

-- one call at a time
SELECT ok(keyset_cursor_verify((SELECT cursor FROM ctx_cursor WHERE ctx = 'feed'), 'feed'),
          'minted for ''feed'': verifies for ''feed''');
SELECT ok(NOT keyset_cursor_verify((SELECT cursor FROM ctx_cursor WHERE ctx = 'feed'), 'other'),
          'minted for ''feed'': refused for ''other''');
SELECT ok(NOT keyset_cursor_verify((SELECT cursor FROM ctx_cursor WHERE ctx = 'feed'), 'Feed'),
          'minted for ''feed'': refused for ''Feed'' (case matters)');
SELECT ok(NOT keyset_cursor_verify((SELECT cursor FROM ctx_cursor WHERE ctx = 'feed'), 'feed '),
          'minted for ''feed'': refused for ''feed '' (trailing space matters)');
SELECT ok(NOT keyset_cursor_verify((SELECT cursor FROM ctx_cursor WHERE ctx = 'feed')),
          'minted for ''feed'': refused without a context');
SELECT ok(NOT keyset_cursor_verify((SELECT cursor FROM ctx_cursor WHERE ctx = 'feed'), ''),
          'minted for ''feed'': refused for the empty context');
SELECT ok(keyset_cursor_verify((SELECT cursor FROM ctx_cursor WHERE ctx IS NULL)),
          'minted without a context: verifies without one (default NULL)');
SELECT ok(keyset_cursor_verify((SELECT cursor FROM ctx_cursor WHERE ctx IS NULL), NULL),
          'minted without a context: verifies for an explicit NULL');
SELECT ok(NOT keyset_cursor_verify((SELECT cursor FROM ctx_cursor WHERE ctx IS NULL), ''),
          'minted for NULL: refused for ''''');
SELECT ok(keyset_cursor_verify((SELECT cursor FROM ctx_cursor WHERE ctx = ''), ''),
          'minted for '''': verifies for ''''');
SELECT ok(NOT keyset_cursor_verify((SELECT cursor FROM ctx_cursor WHERE ctx = '')),
          'minted for '''': refused for NULL');
SELECT ok(keyset_cursor_verify((SELECT cursor FROM ctx_cursor WHERE ctx = repeat('x', 100000)), repeat('x', 100000)),
          'a 100000-character context works');
SELECT ok(NOT keyset_cursor_verify((SELECT cursor FROM ctx_cursor WHERE ctx = repeat('x', 100000)), repeat('x', 99999) || 'y'),
          'a 100000-character context differing in its last character is refused');

-- the refusal, as decode reports it
SELECT is(t_decode_error((SELECT cursor FROM ctx_cursor WHERE ctx = 'feed'), 'other', 'created_at timestamptz, id bigint'),
          t_detail('signature'), 'decode with another context: 22KP1, signature does not match');
SELECT is(t_decode_error((SELECT cursor FROM ctx_cursor WHERE ctx IS NULL), '', 'created_at timestamptz, id bigint'),
          t_detail('signature'), 'decode of a NULL-context cursor with '''': 22KP1, signature does not match');
SELECT throws_ok(format('SELECT * FROM keyset_cursor_decode(%L, %L) AS k(created_at timestamptz, id bigint)',
                        (SELECT cursor FROM ctx_cursor WHERE ctx = 'feed'), 'other'),
                 '22KP1', 'invalid cursor', 'decode with the wrong context throws 22KP1 invalid cursor');
SELECT results_eq(
  format('SELECT * FROM keyset_cursor_decode(%L, %L) AS k(created_at timestamptz, id bigint)',
         (SELECT cursor FROM ctx_cursor WHERE ctx = 'feed'), 'feed'),
  $$VALUES ('2026-11-22 10:11:12+00'::timestamptz, 42::bigint)$$,
  'decode with the right context returns the values');

-- every cursor against every context, in one statement: only the diagonal verifies
SELECT is((SELECT count(*) FROM ctx_cursor c, ctx_cursor k
           WHERE keyset_cursor_verify(c.cursor, k.ctx) IS DISTINCT FROM (c.ctx IS NOT DISTINCT FROM k.ctx)),
          0::bigint, '8 x 8 cursors and contexts in one statement: each verifies for its own context only');

-- alternating contexts row by row through one call site
SELECT results_eq(
  $$SELECT keyset_cursor_verify(c.cursor, v.ctx)
    FROM (VALUES (1, NULL, NULL), (2, NULL, ''), (3, '', ''), (4, '', NULL), (5, NULL, NULL),
                 (6, 'feed', 'feed'), (7, 'feed', 'Feed'), (8, 'Feed', 'Feed'), (9, 'feed', 'feed'),
                 (10, 'feed', NULL), (11, NULL, NULL)) AS v(n, minted, ctx)
    JOIN ctx_cursor c ON c.ctx IS NOT DISTINCT FROM v.minted
    ORDER BY n$$,
  $$VALUES (true), (false), (true), (false), (true), (true), (false), (true), (true), (false), (true)$$,
  'contexts alternating between NULL, '''', and same-length texts in one statement');

-- 40 contexts that differ in one character: the 40 x 40 matrix
CREATE TEMP TABLE many_ctx AS
  SELECT i, 'ctx-' || lpad(i::text, 3, '0') AS ctx,
         keyset_cursor_encode(ROW(i), 'ctx-' || lpad(i::text, 3, '0')) AS cursor
  FROM generate_series(1, 40) i;
SELECT is((SELECT count(*) FROM many_ctx a, many_ctx b WHERE keyset_cursor_verify(a.cursor, b.ctx)),
          40::bigint, '40 x 40: exactly the 40 matching pairs verify');
SELECT ok(bool_and(keyset_cursor_verify(cursor, ctx)), 'each of the 40 cursors verifies for its own context')
FROM many_ctx;

-- the context is server text, whatever the client encoding
SET LOCAL client_encoding = 'LATIN1';
SELECT ok(keyset_cursor_verify((SELECT cursor FROM ctx_cursor WHERE ctx = U&'\00C5\65E5'), U&'\00C5\65E5'),
          'a non-ASCII context minted under UTF8 verifies with the client in LATIN1');
SELECT ok(keyset_cursor_verify(keyset_cursor_encode(ROW(1), U&'\00C5\00E9'), convert_from('\xc385c3a9', 'UTF8')),
          'a context minted with the client in LATIN1 verifies with the same server text');
RESET client_encoding;

-- contexts are in the user domain: a correctly signed page-domain cursor
-- (as keyset_page would mint) is not a user cursor, whatever the context
SELECT ok(keyset_cursor_verify(t_forge(t_varint(1) || t_member(23, int4send(5)), t_issued_at_secs(now()), 'feed')::text, 'feed'),
          'control: a forged user-domain cursor (SQL re-implementation) verifies');
SELECT ok(NOT keyset_cursor_verify(t_forge(t_varint(1) || t_member(23, int4send(5)), t_issued_at_secs(now()), 'feed', domain => 'P'), 'feed'),
          'a page-domain cursor is refused by keyset_cursor_verify');
SELECT is(t_decode_error(t_forge(t_varint(1) || t_member(23, int4send(5)), t_issued_at_secs(now()), NULL, domain => 'P')),
          t_detail('signature'), 'a page-domain cursor: decode says signature does not match');

-- the context digest construction: label NUL, domain, null flag, bytes
SELECT ok(keyset_cursor_verify(t_forge(t_varint(1) || t_member(25, textsend('x')), t_issued_at_secs(now()), ''), ''),
          'forged for '''' (null flag 1, no bytes) verifies for ''''');
SELECT ok(NOT keyset_cursor_verify(t_forge(t_varint(1) || t_member(25, textsend('x')), t_issued_at_secs(now()), ''), NULL),
          'forged for '''' is refused for NULL');
SELECT ok(keyset_cursor_verify(t_forge(t_varint(1) || t_member(25, textsend('x')), t_issued_at_secs(now()), NULL)),
          'forged for NULL (null flag 0) verifies for NULL');

-- the context does not leak into the cursor: same key, different contexts,
-- same length, and the context text does not appear in it
SELECT is(length(keyset_cursor_encode(ROW(1), repeat('z', 5000))), length(keyset_cursor_encode(ROW(1))),
          'the context adds nothing to the cursor''s length');
SELECT ok(position('secret-tenant-name'::bytea IN t_b64url_decode(keyset_cursor_encode(ROW(1), 'secret-tenant-name'))) = 0,
          'the context text is not carried in the cursor');

-- NULL key, NULL cursor
SELECT is(keyset_cursor_encode(NULL::record, 'feed'), NULL, 'encode(NULL) is NULL');
SELECT is(keyset_cursor_verify(NULL, 'feed'), NULL, 'verify(NULL, ctx) is NULL');
SELECT ok(keyset_cursor_verify(keyset_cursor_encode(ROW(1), 'feed'), 'feed') AND
          keyset_cursor_verify(keyset_cursor_encode(ROW(1), 'feed'::varchar), 'feed'::name::text),
          'the context may be given as varchar or name (compared as text)');
SELECT ok(keyset_cursor_verify(keyset_cursor_encode(ROW(1), context => 'feed'), context => 'feed'),
          'named argument context works for encode and verify');
SELECT results_eq(
  format('SELECT * FROM keyset_cursor_decode(cursor => %L, context => %L) AS k(a int)',
         keyset_cursor_encode(ROW(1), 'feed'), 'feed'),
  $$VALUES (1)$$, 'named arguments work for decode');

SELECT * FROM finish();
ROLLBACK;
