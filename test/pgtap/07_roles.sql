-- Ordinary roles mint and verify cursors but never see, change or guess a
-- key.  Roles are created inside the test transaction (rolled back).  Each
-- action runs through t_as(), which switches role with SET LOCAL ROLE inside
-- a subtransaction that is always rolled back, and reports 'ok' or the
-- SQLSTATE -- pgTAP itself keeps running as the superuser.
BEGIN;
\ir lib/helpers.sql

SELECT plan(33);

CREATE ROLE kp_test_app LOGIN;
CREATE ROLE kp_test_other LOGIN;

-- runs q as role r; returns 'ok: <first column as text>' or the SQLSTATE
CREATE FUNCTION t_as(r name, q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  result text;
  v text;
BEGIN
  BEGIN
    EXECUTE format('SET LOCAL ROLE %I', r);
    EXECUTE q INTO v;
    result := 'ok: ' || coalesce(v, '<NULL>');
    RAISE EXCEPTION USING ERRCODE = 'KPT00';  -- undo SET LOCAL ROLE and q
  EXCEPTION
    WHEN SQLSTATE 'KPT00' THEN NULL;
    WHEN OTHERS THEN result := SQLSTATE;
  END;
  RETURN result;
END $$;

SELECT is(t_as('kp_test_app', 'SELECT current_user::text'), 'ok: kp_test_app', 't_as really switches role');
SELECT is(current_user::text, 'postgres', 'and switches back');
SELECT ok(NOT (SELECT rolsuper FROM pg_roles WHERE rolname = 'kp_test_app'), 'kp_test_app is an ordinary role');

-- what an ordinary role may do
SELECT is(t_as('kp_test_app', $$SELECT keyset_cursor_verify(keyset_cursor_encode(ROW(now(), 1::bigint)))::text$$),
          'ok: true', 'an ordinary role mints a cursor that verifies');
SELECT is(t_as('kp_test_app', $$SELECT keyset_cursor_verify(keyset_cursor_encode(ROW(1), 'feed'), 'feed')::text$$),
          'ok: true', 'an ordinary role mints and verifies with a context');
SELECT is(t_as('kp_test_app', format($$SELECT k.id::text FROM keyset_cursor_decode(%L) AS k(id int)$$,
                                     keyset_cursor_encode(ROW(7)))),
          'ok: 7', 'an ordinary role decodes a cursor minted by the superuser');
SELECT is(t_as('kp_test_app', $$SELECT keyset_cursor_verify('garbage')::text$$), 'ok: false',
          'an ordinary role gets false for a bad cursor');
SELECT is(t_as('kp_test_app', $$SELECT * FROM keyset_cursor_decode('garbage') AS k(a int)$$), '22KP1',
          'an ordinary role gets 22KP1 for a bad cursor');
SELECT is(t_as('kp_test_app', $$SET LOCAL keyset_pagination.max_cursor_age = 60; SELECT 'set'$$), 'ok: set',
          'an ordinary role may set keyset_pagination.max_cursor_age (USERSET)');

-- cursors travel between roles
CREATE TEMP TABLE role_cursor (minted_by text, cursor text);
GRANT ALL ON role_cursor TO PUBLIC;
SELECT is(t_as('kp_test_app', $$WITH i AS (INSERT INTO role_cursor
                                 SELECT 'app', keyset_cursor_encode(ROW('2026-11-22 10:11:12+00'::timestamptz, 42::bigint), 'feed')
                                 RETURNING 1) SELECT 'minted' FROM i$$),
          'ok: minted', 'kp_test_app mints a cursor');
-- t_as rolled that back, so mint again for real, as kp_test_app, and keep it
SET LOCAL ROLE kp_test_app;
INSERT INTO role_cursor SELECT 'app', keyset_cursor_encode(ROW('2026-11-22 10:11:12+00'::timestamptz, 42::bigint), 'feed');
RESET ROLE;
INSERT INTO role_cursor SELECT 'postgres', keyset_cursor_encode(ROW('2026-11-22 10:11:12+00'::timestamptz, 42::bigint), 'feed');

SELECT is(t_as('kp_test_other', format($$SELECT keyset_cursor_verify(%L, 'feed')::text$$,
                                       (SELECT cursor FROM role_cursor WHERE minted_by = 'app'))),
          'ok: true', 'a cursor minted by kp_test_app verifies for kp_test_other');
SELECT is(t_as('kp_test_other', format($$SELECT format('%%s/%%s', k.t, k.id) FROM keyset_cursor_decode(%L, 'feed') AS k(t timestamptz, id bigint)$$,
                                       (SELECT cursor FROM role_cursor WHERE minted_by = 'app'))),
          t_as('postgres', $$SELECT format('%s/%s', '2026-11-22 10:11:12+00'::timestamptz, 42)$$),
          'and decodes to the same values for kp_test_other');
SELECT ok(keyset_cursor_verify((SELECT cursor FROM role_cursor WHERE minted_by = 'app'), 'feed'),
          'a cursor minted by kp_test_app verifies for the superuser');
SELECT is(t_as('kp_test_app', format($$SELECT keyset_cursor_verify(%L, 'feed')::text$$,
                                     (SELECT cursor FROM role_cursor WHERE minted_by = 'postgres'))),
          'ok: true', 'a cursor minted by the superuser verifies for kp_test_app');
SELECT is(t_as('kp_test_other', format($$SELECT keyset_cursor_verify(%L, 'other')::text$$,
                                       (SELECT cursor FROM role_cursor WHERE minted_by = 'app'))),
          'ok: false', 'the context binding holds across roles');

-- what an ordinary role may not do: see or change keys
SELECT is(t_as('kp_test_app', 'SELECT count(*)::text FROM keyset_signing_key'), '42501',
          'SELECT from keyset_signing_key: permission denied');
SELECT is(t_as('kp_test_app', 'SELECT encode(secret, ''hex'') FROM keyset_signing_key LIMIT 1'), '42501',
          'SELECT secret from keyset_signing_key: permission denied');
SELECT is(t_as('kp_test_app', 'SELECT keyset_rotate_key()::text'), '42501', 'keyset_rotate_key(): permission denied');
SELECT is(t_as('kp_test_app', 'SELECT keyset_retire_keys()::text'), '42501', 'keyset_retire_keys(): permission denied');
SELECT is(t_as('kp_test_app', 'SELECT keyset_retire_keys(1)::text'), '42501', 'keyset_retire_keys(1): permission denied');
SELECT is(t_as('kp_test_app', 'SELECT encode(keyset_new_secret(), ''hex'')'), '42501', 'keyset_new_secret(): permission denied');
SELECT is(t_as('kp_test_app', 'INSERT INTO keyset_signing_key (secret) VALUES (''\x00'') RETURNING 1'), '42501',
          'INSERT into keyset_signing_key: permission denied');
SELECT is(t_as('kp_test_app', 'WITH d AS (DELETE FROM keyset_signing_key RETURNING 1) SELECT count(*)::text FROM d'), '42501',
          'DELETE from keyset_signing_key: permission denied');
SELECT is(t_as('kp_test_app', 'WITH u AS (UPDATE keyset_signing_key SET secret = NULL RETURNING 1) SELECT count(*)::text FROM u'), '42501',
          'UPDATE keyset_signing_key: permission denied');
SELECT is(t_as('kp_test_app', 'TRUNCATE keyset_signing_key'), '42501', 'TRUNCATE keyset_signing_key: permission denied');
SELECT is(t_as('kp_test_app', 'SELECT nextval(''keyset_signing_key_id_seq'')::text'), '42501',
          'nextval on the key id sequence: permission denied');
SELECT is(t_as('kp_test_app', 'CREATE TEMP VIEW peek AS SELECT * FROM keyset_signing_key; SELECT count(*)::text FROM peek'), '42501',
          'reading keyset_signing_key through a view of one''s own: permission denied');

-- no setting holds a key, and the prefix is reserved, so guesses fail
SELECT is(t_as('kp_test_app', 'SHOW keyset_pagination.signing_key'), '42704', 'SHOW keyset_pagination.signing_key: unrecognized');
SELECT is(t_as('kp_test_app', 'SHOW keyset_pagination.secret'), '42704', 'SHOW keyset_pagination.secret: unrecognized');
SELECT is(t_as('kp_test_app', 'SHOW keyset_pagination.key'), '42704', 'SHOW keyset_pagination.key: unrecognized');
SELECT is(t_as('kp_test_app', $$SELECT coalesce(current_setting('keyset_pagination.signing_key', true), '<none>')$$),
          'ok: <none>', 'current_setting(''keyset_pagination.signing_key'', true) is NULL');
SELECT is(t_as('kp_test_app', $$SELECT count(*)::text FROM pg_settings WHERE name LIKE 'keyset_pagination.%'
                                AND (split_part(name, '.', 2) ~ '(key|secret)' OR setting ~ '^[0-9a-f]{32,}$')$$),
          'ok: 0', 'pg_settings shows no keyset_pagination setting that names or holds a key');
SELECT is(t_as('kp_test_app', $$SELECT count(*)::text FROM pg_stats WHERE tablename = 'keyset_signing_key'$$),
          'ok: 0', 'pg_stats shows nothing of keyset_signing_key to an ordinary role');

SELECT * FROM finish();
ROLLBACK;
