-- Where keyset_page's time goes, in the server (no client round trip): the
-- fixed cost of a call and the cost per returned row, against the plain
-- seek.  Run in a database with keyset_pagination installed:
--   psql -X -f bench/repro/page_cost.sql
-- On the bench machine (PostgreSQL 15, 2 vCPU AMD EPYC): ~29 µs fixed and
-- ~2.5 µs per row for keyset_page, ~0.3 µs per row for the plain seek.  perf
-- puts ~60% of the per-row cost in kp_cursor_mint, nearly all of it in
-- kp_compute_mac, and most of that in OpenSSL context set-up and tear-down
-- (pg_hmac_create/init/free, EVP_MD_fetch) rather than in SHA-256 itself.
-- keyset_connection costs 3-4x keyset_page: its jsonb statement is parsed and
-- planned on every call (SPI_execute_with_args), and the count estimate is
-- planned on every call too (a custom plan).
\set ON_ERROR_STOP on
SET client_min_messages = warning;
DROP TABLE IF EXISTS kp_repro_posts;
CREATE TABLE kp_repro_posts (id bigserial PRIMARY KEY, created_at timestamptz NOT NULL, body text);
SELECT setseed(0.5) \g /dev/null
INSERT INTO kp_repro_posts (created_at, body)
  SELECT timestamptz '2025-01-01' - random() * interval '365 days', repeat('x', 100)
  FROM generate_series(1, 100000);
CREATE INDEX ON kp_repro_posts (created_at DESC, id DESC);
VACUUM ANALYZE kp_repro_posts;

CREATE FUNCTION pg_temp.us(kind text, n int, cur text) RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz; r record;
BEGIN
  FOR pass IN 1..2 LOOP          -- pass 1 warms the plan caches
    t0 := clock_timestamp();
    FOR i IN 1..n LOOP
      CASE kind
      WHEN 'keyset_page first=>0 after' THEN
        FOR r IN SELECT * FROM keyset_page(NULL::kp_repro_posts, 'created_at DESC, id DESC', first => 0, after => cur) LOOP END LOOP;
      WHEN 'keyset_page first=>20 after' THEN
        FOR r IN SELECT * FROM keyset_page(NULL::kp_repro_posts, 'created_at DESC, id DESC', first => 20, after => cur) LOOP END LOOP;
      WHEN 'keyset_connection first=>20 after' THEN
        PERFORM keyset_connection(NULL::kp_repro_posts, 'created_at DESC, id DESC', first => 20, after => cur);
      WHEN 'keyset_page first=>1000' THEN
        FOR r IN SELECT * FROM keyset_page(NULL::kp_repro_posts, 'created_at DESC, id DESC', first => 1000) LOOP END LOOP;
      WHEN 'plain seek LIMIT 21' THEN
        FOR r IN SELECT * FROM kp_repro_posts ORDER BY created_at DESC, id DESC LIMIT 21 LOOP END LOOP;
      WHEN 'plain seek LIMIT 1001' THEN
        FOR r IN SELECT * FROM kp_repro_posts ORDER BY created_at DESC, id DESC LIMIT 1001 LOOP END LOOP;
      WHEN 'keyset_cursor_encode' THEN
        PERFORM keyset_cursor_encode(ROW(timestamptz '2025-01-01', 42::bigint));
      WHEN 'keyset_cursor_verify' THEN
        PERFORM keyset_cursor_verify(cur);
      WHEN 'SELECT 1' THEN
        PERFORM 1;
      END CASE;
    END LOOP;
  END LOOP;
  RETURN round((extract(epoch FROM clock_timestamp() - t0) * 1e6 / n)::numeric, 1);
END $$;

SELECT p.cursor AS cur FROM keyset_page(NULL::kp_repro_posts, 'created_at DESC, id DESC', first => 1000) p OFFSET 999 \gset
SELECT k AS "call", pg_temp.us(k, CASE WHEN k LIKE '%1000%' THEN 100 ELSE 3000 END, :'cur') AS "µs per call"
FROM unnest(ARRAY['plain seek LIMIT 21', 'keyset_page first=>0 after', 'keyset_page first=>20 after',
                  'keyset_connection first=>20 after', 'plain seek LIMIT 1001', 'keyset_page first=>1000',
                  'keyset_cursor_encode', 'keyset_cursor_verify', 'SELECT 1']) k;
DROP TABLE kp_repro_posts;
