-- Cursor basics: round trip, length, context binding, the clean error.
SELECT length(keyset_cursor_encode(ROW('2026-11-22 10:11:12.123456+00'::timestamptz, 42::bigint))) <= 64
       AS fits_in_64;
SELECT keyset_cursor_encode(ROW('2026-11-22 10:11:12.123456+00'::timestamptz, 42::bigint)) ~ '^[A-Za-z0-9_-]+$'
       AS url_safe;
SELECT * FROM keyset_cursor_decode(
    keyset_cursor_encode(ROW('2026-11-22 10:11:12.123456+00'::timestamptz, 42::bigint)))
    AS k(created_at timestamptz, id bigint);
-- bound to its context
SELECT keyset_cursor_verify(keyset_cursor_encode(ROW(1), 'feed'), 'feed') AS same_context,
       keyset_cursor_verify(keyset_cursor_encode(ROW(1), 'feed'), 'other') AS other_context,
       keyset_cursor_verify(keyset_cursor_encode(ROW(1), 'feed')) AS no_context,
       keyset_cursor_verify(NULL) AS null_in;
-- every bad cursor is one SQLSTATE
SELECT * FROM keyset_cursor_decode('not a cursor!') AS k(a int);
SELECT * FROM keyset_cursor_decode(keyset_cursor_encode(ROW(1), 'a'), 'b') AS k(a int);
\set VERBOSITY sqlstate
SELECT * FROM keyset_cursor_decode('not a cursor!') AS k(a int);
\set VERBOSITY default
-- count and type mismatches name the member
SELECT * FROM keyset_cursor_decode(keyset_cursor_encode(ROW(1, 2))) AS k(a int);
SELECT * FROM keyset_cursor_decode(keyset_cursor_encode(ROW(1::int4))) AS k(a bigint);
SELECT keyset_cursor_decode(keyset_cursor_encode(ROW(1)));
