BEGIN;
SELECT plan(2);
SELECT has_function('keyset_cursor_encode', ARRAY['record', 'text']);
SELECT ok(keyset_cursor_verify(keyset_cursor_encode(ROW(1))), 'a fresh cursor verifies');
SELECT * FROM finish();
ROLLBACK;
