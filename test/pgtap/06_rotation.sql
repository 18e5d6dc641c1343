-- Key rotation and retirement in one session: keyset_rotate_key() adds a key
-- that signs from then on while older keys keep verifying;
-- keyset_retire_keys(keep) destroys the secrets of all but the newest `keep`
-- live keys, and cursors they signed are refused as "retired".
-- (Across sessions: test/sh/rotation_sessions.sh.)
BEGIN;
\ir lib/helpers.sql

SELECT plan(41);

CREATE TEMP TABLE k0 AS SELECT max(key_id) AS id FROM keyset_signing_key WHERE secret IS NOT NULL;
SELECT is((SELECT count(*) FROM keyset_signing_key WHERE secret IS NOT NULL), 1::bigint,
          'a fresh install has one live key');
SELECT is((SELECT origin FROM keyset_signing_key), 'install', 'and its origin is install');

-- watch the key table's statement triggers: keyset_signing_key_changed is
-- what tells every backend (this one included) to reload its key cache
CREATE TEMP TABLE stmt_trigger_log (op text);
CREATE FUNCTION t_log_stmt() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO stmt_trigger_log VALUES (TG_OP); RETURN NULL; END $$;
CREATE TRIGGER zz_test_log AFTER INSERT OR UPDATE OR DELETE ON keyset_signing_key
  FOR EACH STATEMENT EXECUTE FUNCTION t_log_stmt();
-- (created before anything is minted: CREATE TRIGGER itself invalidates the
-- key table's relcache entry, and so this backend's key cache)

CREATE TEMP TABLE cur (name text PRIMARY KEY, cursor text);
INSERT INTO cur VALUES ('A', keyset_cursor_encode(ROW('2026-11-22 10:11:12+00'::timestamptz, 1::bigint), 'feed'));
SELECT is((t_inspect(cursor)).key_id, (SELECT id::bigint FROM k0), 'A is signed with the install key')
FROM cur WHERE name = 'A';

CREATE TEMP TABLE k1 AS SELECT keyset_rotate_key() AS id;
SELECT cmp_ok((SELECT id FROM k1), '>', (SELECT id FROM k0), 'keyset_rotate_key() returns a new, higher key id');
SELECT is((SELECT count(*) FROM keyset_signing_key WHERE secret IS NOT NULL), 2::bigint, 'two live keys after rotating');
SELECT is((SELECT origin FROM keyset_signing_key WHERE key_id = (SELECT id FROM k1)), 'rotate', 'the new key''s origin is rotate');
SELECT is((SELECT length(secret) FROM keyset_signing_key WHERE key_id = (SELECT id FROM k1)), 32, 'the new secret is 32 bytes');
SELECT isnt((SELECT secret FROM keyset_signing_key WHERE key_id = (SELECT id FROM k1)),
            (SELECT secret FROM keyset_signing_key WHERE key_id = (SELECT id FROM k0)), 'and differs from the old one');

-- B is minted in the same session right after the rotation.
INSERT INTO cur VALUES ('B0', keyset_cursor_encode(ROW('2026-11-22 10:11:13+00'::timestamptz, 2::bigint), 'feed'));
SELECT ok(keyset_cursor_verify(cursor, 'feed'), name || ' verifies right after the rotation')
FROM cur WHERE name IN ('A', 'B0') ORDER BY name;

-- Regression: keyset_rotate_key() once ran its INSERT ... RETURNING with a
-- row limit, which stopped the executor before the key table's statement
-- trigger, so no backend (this one included) reloaded its key cache.
SELECT is((t_inspect(cursor)).key_id, (SELECT id::bigint FROM k1),
          'B0, minted by the rotating session right after keyset_rotate_key(), is signed with the new key')
FROM cur WHERE name = 'B0';
SELECT is((SELECT count(*) FROM stmt_trigger_log WHERE op = 'INSERT'), 1::bigint,
          'keyset_rotate_key() fires the AFTER INSERT statement trigger that invalidates key caches');
SELECT ok(keyset_cursor_verify(t_forge(t_varint(1) || t_member(23, int4send(1)), t_issued_at_secs(now()), NULL,
                                       (SELECT id FROM k1))),
          'a cursor signed with the new key (as a new session would mint it) verifies in this session');

-- any plain statement on the key table fires the trigger: this invalidates
-- the cache (a second path to the same invalidation)
CREATE TEMP TABLE log_before AS SELECT count(*) AS n FROM stmt_trigger_log WHERE op = 'INSERT';
SELECT lives_ok($$INSERT INTO keyset_signing_key (secret) SELECT secret FROM keyset_signing_key WHERE false$$,
                'workaround: a plain INSERT statement on the key table (0 rows)');
SELECT is((SELECT count(*) FROM stmt_trigger_log WHERE op = 'INSERT'), (SELECT n + 1 FROM log_before),
          'control: a plain INSERT statement does fire the statement trigger');

INSERT INTO cur VALUES ('B', keyset_cursor_encode(ROW('2026-11-22 10:11:13+00'::timestamptz, 2::bigint), 'feed'));
SELECT ok(keyset_cursor_verify(cursor, 'feed'), 'B verifies') FROM cur WHERE name = 'B';
SELECT is((t_inspect(cursor)).key_id, (SELECT id::bigint FROM k1), 'B (minted after the rotation) is signed with the new key')
FROM cur WHERE name = 'B';

CREATE TEMP TABLE retired AS SELECT keyset_retire_keys(1) AS n;
SELECT is((SELECT n FROM retired), 1, 'keyset_retire_keys(1) retires one key');
SELECT ok(NOT keyset_cursor_verify(cursor, 'feed'), 'A (old key) is refused after retiring the old key') FROM cur WHERE name = 'A';
SELECT is(t_decode_error(cursor, 'feed', 'created_at timestamptz, id bigint'), t_detail('retired key'),
          'A: decode says the key has been retired') FROM cur WHERE name = 'A';
SELECT throws_ok(format('SELECT * FROM keyset_cursor_decode(%L, %L) AS k(created_at timestamptz, id bigint)', cursor, 'feed'),
                 '22KP1', 'invalid cursor', 'A: decode throws 22KP1') FROM cur WHERE name = 'A';
SELECT ok(keyset_cursor_verify(cursor, 'feed'), 'B (new key) still verifies') FROM cur WHERE name = 'B';
SELECT results_eq(format('SELECT * FROM keyset_cursor_decode(%L, %L) AS k(created_at timestamptz, id bigint)',
                         (SELECT cursor FROM cur WHERE name = 'B'), 'feed'),
                  $$VALUES ('2026-11-22 10:11:13+00'::timestamptz, 2::bigint)$$, 'B decodes to its values');
SELECT ok(keyset_cursor_verify(cursor, 'feed'), 'B0 (minted right after the rotation) still verifies after retiring the old key')
FROM cur WHERE name = 'B0';
SELECT ok(keyset_cursor_verify(keyset_cursor_encode(ROW(3), 'feed'), 'feed'), 'a cursor minted after retiring verifies');

SELECT ok((SELECT secret IS NULL AND retired_at IS NOT NULL FROM keyset_signing_key WHERE key_id = (SELECT id FROM k0)),
          'the retired key''s secret is destroyed and retired_at is set');
SELECT ok((SELECT secret IS NOT NULL AND retired_at IS NULL FROM keyset_signing_key WHERE key_id = (SELECT id FROM k1)),
          'the kept key is untouched');
SELECT is(keyset_retire_keys(1), 0, 'retiring again with keep = 1: nothing left to retire');
SELECT is(keyset_retire_keys(5), 0, 'keep larger than the number of live keys retires nothing');
SELECT throws_ok('SELECT keyset_retire_keys(0)', '22023', 'keyset_retire_keys: keep must be at least 1', 'keyset_retire_keys(0) is an error');
SELECT throws_ok('SELECT keyset_retire_keys(-1)', '22023', 'keyset_retire_keys: keep must be at least 1', 'keyset_retire_keys(-1) is an error');
SELECT is(keyset_retire_keys(NULL), NULL, 'keyset_retire_keys(NULL) is NULL (strict)');

-- keep = 2 with three live keys: cursors signed by each key, forged with the
-- SQL re-implementation of the format so they do not depend on the cache
SELECT ok(keyset_rotate_key() IS NOT NULL AND keyset_rotate_key() IS NOT NULL, 'two more rotations');
INSERT INTO keyset_signing_key (secret) SELECT secret FROM keyset_signing_key WHERE false;  -- workaround, see above
CREATE TEMP TABLE by_key AS
  SELECT key_id, t_forge(t_varint(1) || t_member(23, int4send(key_id)), t_issued_at_secs(now()), NULL, key_id) AS cursor
  FROM keyset_signing_key WHERE secret IS NOT NULL;
SELECT is((SELECT count(*) FROM by_key), 3::bigint, 'three live keys after two more rotations');
SELECT ok(bool_and(keyset_cursor_verify(cursor)), 'a cursor signed by each of the three live keys verifies') FROM by_key;
SELECT is(keyset_retire_keys(2), 1, 'keyset_retire_keys(2) retires the oldest of three live keys');
SELECT results_eq($$SELECT keyset_cursor_verify(cursor) FROM by_key ORDER BY key_id$$,
                  $$VALUES (false), (true), (true)$$, 'after keep = 2 the two newest keys verify, the oldest does not');

-- no live key at all
UPDATE keyset_signing_key SET secret = NULL, retired_at = now() WHERE secret IS NOT NULL;
SELECT throws_ok($$SELECT keyset_cursor_encode(ROW(1))$$, '55000', 'keyset_pagination has no live signing key',
                 'with every key retired, minting is an error');
SELECT ok(NOT bool_or(keyset_cursor_verify(cursor)), 'and nothing verifies') FROM by_key;
DELETE FROM keyset_signing_key;
SELECT is(t_decode_error((SELECT cursor FROM cur WHERE name = 'B'), 'feed'), t_detail('unknown key'),
          'a cursor whose key row was deleted names an unknown key');
SELECT ok(keyset_rotate_key() > 0 AND keyset_retire_keys(1) = 0, 'keyset_rotate_key() recovers an empty key table');

SELECT * FROM finish();
ROLLBACK;
