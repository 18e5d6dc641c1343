-- Cursor throughput, single session, 100k rows per statement (not part of
-- make test).  Run against a database with the extension:
--   psql -X -d DB -f test/bench/cursor_throughput.sql
-- Each statement runs 3 times, interleaved with its baseline; take the
-- median of the \timing figures.  rows/s = 100000 / (ms / 1000).
\timing on
\pset pager off
SELECT keyset_cursor_verify(keyset_cursor_encode(ROW(now(), 1::bigint)));  -- load the library and keys
CREATE TEMP TABLE bench_cursors AS
  SELECT keyset_cursor_encode(ROW(now() - i * interval '1 s', i::bigint)) AS c FROM generate_series(1, 100000) i;
SELECT length(c) AS cursor_length_timestamptz_bigint FROM bench_cursors LIMIT 1;

\echo == run 1
\echo -- encode + verify
SELECT count(*) FILTER (WHERE keyset_cursor_verify(keyset_cursor_encode(ROW(now() - i * interval '1 s', i::bigint)))) FROM generate_series(1,100000) i;
\echo -- baseline: md5 of the row text
SELECT count(*) FILTER (WHERE md5(ROW(now() - i * interval '1 s', i::bigint)::text) IS NOT NULL) FROM generate_series(1,100000) i;
\echo -- encode only
SELECT count(keyset_cursor_encode(ROW(now() - i * interval '1 s', i::bigint))) FROM generate_series(1,100000) i;
\echo -- verify only
SELECT count(*) FILTER (WHERE keyset_cursor_verify(c)) FROM bench_cursors;
\echo -- decode only
SELECT count(k.id) FROM bench_cursors, keyset_cursor_decode(c) AS k(created_at timestamptz, id bigint);

\echo == run 2
SELECT count(*) FILTER (WHERE keyset_cursor_verify(keyset_cursor_encode(ROW(now() - i * interval '1 s', i::bigint)))) FROM generate_series(1,100000) i;
SELECT count(*) FILTER (WHERE md5(ROW(now() - i * interval '1 s', i::bigint)::text) IS NOT NULL) FROM generate_series(1,100000) i;
SELECT count(keyset_cursor_encode(ROW(now() - i * interval '1 s', i::bigint))) FROM generate_series(1,100000) i;
SELECT count(*) FILTER (WHERE keyset_cursor_verify(c)) FROM bench_cursors;
SELECT count(k.id) FROM bench_cursors, keyset_cursor_decode(c) AS k(created_at timestamptz, id bigint);

\echo == run 3
SELECT count(*) FILTER (WHERE keyset_cursor_verify(keyset_cursor_encode(ROW(now() - i * interval '1 s', i::bigint)))) FROM generate_series(1,100000) i;
SELECT count(*) FILTER (WHERE md5(ROW(now() - i * interval '1 s', i::bigint)::text) IS NOT NULL) FROM generate_series(1,100000) i;
SELECT count(keyset_cursor_encode(ROW(now() - i * interval '1 s', i::bigint))) FROM generate_series(1,100000) i;
SELECT count(*) FILTER (WHERE keyset_cursor_verify(c)) FROM bench_cursors;
SELECT count(k.id) FROM bench_cursors, keyset_cursor_decode(c) AS k(created_at timestamptz, id bigint);
