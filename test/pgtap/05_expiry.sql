-- keyset_pagination.max_cursor_age: a cursor older than it is refused with
-- the "expired" detail; 0 means cursors never expire.  Takes about 3 s (it
-- really waits for a cursor to age).
BEGIN;
\ir lib/helpers.sql

SELECT plan(20);

-- waits until the fractional part of the clock's second is in [lo, hi)
CREATE FUNCTION t_wait_for_fraction(lo numeric, hi numeric) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  f numeric;
BEGIN
  LOOP
    f := extract(microseconds FROM clock_timestamp())::numeric % 1000000 / 1000000;
    EXIT WHEN f >= lo AND f < hi;
    PERFORM pg_sleep(0.005);
  END LOOP;
END $$;

SELECT is(current_setting('keyset_pagination.max_cursor_age'), '0', 'max_cursor_age defaults to 0 (never expire)');

-- a cursor that really ages
SET LOCAL keyset_pagination.max_cursor_age = 1;
CREATE TEMP TABLE aged AS
  SELECT clock_timestamp() AS minted_at,
         keyset_cursor_encode(ROW('2026-11-22 10:11:12+00'::timestamptz, 42::bigint)) AS cursor;
SELECT pg_sleep(2.1);
SELECT ok(NOT keyset_cursor_verify(cursor), 'max_cursor_age = 1: a cursor 2.1 s old does not verify') FROM aged;
SELECT is(t_decode_error(cursor, NULL, 'created_at timestamptz, id bigint'), t_detail('expired'),
          'max_cursor_age = 1: decode of a 2.1 s old cursor says it is older than max_cursor_age') FROM aged;
SELECT throws_ok(format('SELECT * FROM keyset_cursor_decode(%L) AS k(created_at timestamptz, id bigint)', cursor),
                 '22KP1', 'invalid cursor', 'max_cursor_age = 1: decode of the old cursor throws 22KP1')
FROM aged;

SET LOCAL keyset_pagination.max_cursor_age = 0;
SELECT ok(keyset_cursor_verify(cursor), 'max_cursor_age = 0: the same cursor verifies again') FROM aged;
SELECT results_eq(format('SELECT * FROM keyset_cursor_decode(%L) AS k(created_at timestamptz, id bigint)',
                         (SELECT cursor FROM aged)),
                  $$VALUES ('2026-11-22 10:11:12+00'::timestamptz, 42::bigint)$$,
                  'max_cursor_age = 0: and decodes to its values');

SET LOCAL keyset_pagination.max_cursor_age = '1min';
SELECT is(current_setting('keyset_pagination.max_cursor_age'), '1min', 'max_cursor_age takes units: 1min');
SELECT ok(keyset_cursor_verify(cursor), 'max_cursor_age = 1min: the 2 s old cursor verifies') FROM aged;
SELECT ok(keyset_cursor_verify(keyset_cursor_encode(ROW(1))), 'max_cursor_age = 1min: a fresh cursor verifies');

-- issued_at set by hand (correctly signed, SQL re-implementation of the format)
SELECT ok(NOT keyset_cursor_verify(t_forge(t_varint(1) || t_member(23, int4send(5)), t_issued_at_secs(now()) - 61)),
          'max_cursor_age = 1min: a cursor issued 61 s ago does not verify');
SELECT is(t_decode_error(t_forge(t_varint(1) || t_member(23, int4send(5)), t_issued_at_secs(now()) - 3600)),
          t_detail('expired'), 'max_cursor_age = 1min: an hour-old cursor is refused as expired');
SELECT ok(keyset_cursor_verify(t_forge(t_varint(1) || t_member(23, int4send(5)), t_issued_at_secs(clock_timestamp()) - 50)),
          'max_cursor_age = 1min: a cursor issued 50 s ago verifies');
SELECT is(t_decode_error(t_forge(t_varint(1) || t_member(23, int4send(5)), t_issued_at_secs(now()) - 3600), 'other'),
          t_detail('signature'), 'an expired cursor for another context is refused for its signature first');
SELECT ok(NOT keyset_cursor_verify(t_forge(t_varint(1) || t_member(23, int4send(5)), NULL, flags => 0)),
          'max_cursor_age = 1min: a signed cursor without issued_at is refused (cannot prove its age)');
SELECT is(t_decode_error(t_forge(t_varint(1) || t_member(23, int4send(5)), NULL, flags => 0)),
          t_detail('expired'), 'max_cursor_age = 1min: and decode calls it expired');
SELECT ok(keyset_cursor_verify(t_forge(t_varint(1) || t_member(23, int4send(5)), t_issued_at_secs(now()) + 86400)),
          'max_cursor_age = 1min: a cursor issued a day in the future verifies (no check against the future)');

SET LOCAL keyset_pagination.max_cursor_age = 0;
SELECT ok(keyset_cursor_verify(t_forge(t_varint(1) || t_member(23, int4send(5)), 0)),
          'max_cursor_age = 0: a cursor issued at 2000-01-01 verifies');
SELECT ok(keyset_cursor_verify(t_forge(t_varint(1) || t_member(23, int4send(5)), NULL, flags => 0)),
          'max_cursor_age = 0: a signed cursor without issued_at verifies');
SELECT throws_ok($$SET LOCAL keyset_pagination.max_cursor_age = -1$$, '22023', NULL,
                 'max_cursor_age = -1 is refused');

-- Regression: issued_at is stored in whole seconds, truncated; the age check
-- allows that second, so a cursor is never refused early.  Minted at
-- x.85..x.90 s and checked 0.2 s later it must still verify.
SET LOCAL keyset_pagination.max_cursor_age = 1;
SELECT t_wait_for_fraction(0.85, 0.90);
CREATE TEMP TABLE young AS SELECT clock_timestamp() AS minted_at, keyset_cursor_encode(ROW(1)) AS cursor;
SELECT pg_sleep(0.2);
SELECT ok(keyset_cursor_verify(cursor),
          format('max_cursor_age = 1: a cursor %s s old verifies', round(extract(epoch FROM clock_timestamp() - minted_at), 2)))
FROM young;

SELECT * FROM finish();
ROLLBACK;
