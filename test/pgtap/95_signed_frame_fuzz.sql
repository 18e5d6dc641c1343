-- Signed-frame fuzzer, bounded and seeded (test/fuzz/sql_fuzz.sql; longer
-- runs: make fuzz-sql).  Real cursors of random key types and real page
-- cursors are mutated, re-signed with the live key so the MAC passes, and
-- fed to keyset_cursor_decode and keyset_page.  Every outcome must be a
-- correct value or an error whose SQLSTATE is in the documented set; the
-- backend must survive all of it.
BEGIN;
\ir lib/helpers.sql
\ir ../fuzz/sql_fuzz.sql

SELECT plan(9);

CREATE TEMP TABLE fz_start AS SELECT pg_postmaster_start_time() AS at, pg_backend_pid() AS pid;

-- the re-signing is right, or every case below would only test the MAC
SELECT is((SELECT count(*) FROM keyset_page(NULL::fz_page, 'a', first => 3,
             after => (SELECT fz_sign((fz_split(p.cursor)).body, fz_page_digest('fz_page', 'a'))
                       FROM keyset_page(NULL::fz_page, 'a', first => 1) p))),
          3::bigint, 'a page cursor re-signed by the fuzzer (page-domain context digest) is accepted');
SELECT is((SELECT k.a FROM keyset_cursor_decode(
             fz_sign((fz_split(keyset_cursor_encode(ROW(41), 'feed'))).body, t_context_digest('feed', 'U')),
             'feed') AS k(a int)),
          41, 'a user cursor re-signed by the fuzzer decodes');

SELECT fz_run(2000, 0.2026);

SELECT is((SELECT count(*) FROM fz_outcome), 2000::bigint, '2000 signed, mutated cursors were tried');
SELECT is((SELECT string_agg(DISTINCT api || ' ' || outcome || ' after ' || mutation || ': ' || detail, E'\n')
           FROM fz_outcome
           WHERE outcome <> 'WRONG VALUE' AND NOT fz_allowed_outcome(outcome, detail)),
          NULL, 'every error has a documented SQLSTATE');
SELECT is((SELECT string_agg(api || ' after ' || mutation || ': ' || detail, E'\n')
           FROM fz_outcome WHERE outcome = 'WRONG VALUE'),
          NULL, 'every value that came back is right (decode: survives encode/decode; page: the rows after the position)');
-- the run means something: all mutations ran, and both APIs both
-- accepted and refused
SELECT cmp_ok((SELECT count(DISTINCT split_part(mutation, ' + ', 1)) FROM fz_outcome), '>=', 12::bigint,
              'all twelve mutation kinds (and none) were tried');
SELECT cmp_ok((SELECT count(*) FROM fz_outcome WHERE api = 'decode' AND outcome = 'ok'), '>=', 50::bigint,
              'keyset_cursor_decode returned values for some mutated cursors');
SELECT cmp_ok((SELECT count(*) FROM fz_outcome WHERE api = 'page' AND outcome = 'ok'), '>=', 10::bigint,
              'keyset_page returned checked pages for some mutated cursors');
SELECT ok((SELECT at = pg_postmaster_start_time() AND pid = pg_backend_pid() FROM fz_start),
          'the backend survived every case (same backend, no postmaster restart)');

SELECT * FROM finish();
ROLLBACK;
