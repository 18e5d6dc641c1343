-- Issue 9, sort-spec findings: each section reproduces one finding of the
-- hardening review and asserts the correct behaviour (walks compared with
-- PostgreSQL's ORDER BY of keyset_check().sort_key, as in 11_walks.sql).
--   1. duplicate index columns overflowed the sort-column array (SIGSEGV)
--   3. a seek's OPERATOR(schema.op) on a domain-typed column resolved to an
--      operator another role created on the domain
--   5. a UNIQUE NULLS NOT DISTINCT tiebreaker was taken as NOT NULL (rows lost)
--   6. a materialized view took NOT NULL from its base table's catalog
BEGIN;
SELECT no_plan();
\ir walk_helpers.psql
SELECT setseed(0.92);

-- the backend every section must still be running in
SELECT pg_backend_pid() AS kp_pid \gset

-------------------------------------------------------------------------------
-- 1. A unique index naming one column many times, on a table without a
-- primary key: the tiebreaker is that column, once.  (The sort-column array
-- held natts + 1 entries and the column was appended once per mention:
-- writes past the array, SIGSEGV, every backend restarted.)
-------------------------------------------------------------------------------
CREATE TABLE dup (id int NOT NULL, a int NOT NULL, b int);
CREATE UNIQUE INDEX dup_a16 ON dup (a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a);
INSERT INTO dup SELECT i, 1000 - i, CASE WHEN i % 5 = 0 THEN NULL ELSE i % 3 END
FROM generate_series(1, 40) i;
CREATE VIEW dup_v AS SELECT id, b, a FROM dup;

SELECT is(kc.sort_key || ' / ' || kc.tiebreaker, 'b ASC NULLS LAST, a ASC NULLS LAST / a',
          'duplicate index columns: keyset_check appends the column once')
FROM keyset_check(NULL::dup, 'b') kc;
SELECT is(pg_backend_pid(), :kp_pid, 'duplicate index columns: keyset_check did not crash the backend');
SELECT is(kc.sort_key, 'b DESC NULLS FIRST, a DESC NULLS FIRST',
          'duplicate index columns behind a simple view: appended once')
FROM keyset_check(NULL::dup_v, 'b DESC') kc;
SELECT is(problems, '{}'::text[], test)
FROM (VALUES (1, 'b'), (2, 'b DESC NULLS LAST')) AS s(n, ob),
     pg_temp.kp_walks(format('duplicate index columns %s', ob), NULL::dup, ob, NULL, NULL, NULL,
                      ARRAY[1, 7], 4)
ORDER BY n;
SELECT is(problems, '{}'::text[], test)
FROM pg_temp.kp_walks('duplicate index columns, view', NULL::dup_v, 'b DESC', NULL, NULL, NULL,
                      ARRAY[3], 0);
SELECT is(pg_backend_pid(), :kp_pid, 'duplicate index columns: keyset_page did not crash the backend');

-------------------------------------------------------------------------------
-- 3. Operator hijack through a domain-typed sort column.  citext lives in a
-- schema where another role may create objects; email is a domain over it.
-- That role creates exact-match operators on (email, email) and on
-- (email, citext) / (citext, email) that log every call.  Pages of a table
-- sorted by an email column must never call them: the seeks compare as
-- citext, the opclass input type, so the opfamily's own members are the
-- only exact match.
-------------------------------------------------------------------------------
CREATE ROLE kp_h1_mallory;
CREATE SCHEMA kp_h1_lib;
CREATE EXTENSION citext SCHEMA kp_h1_lib;
GRANT USAGE, CREATE ON SCHEMA kp_h1_lib TO kp_h1_mallory;
CREATE DOMAIN kp_h1_lib.email AS kp_h1_lib.citext;
CREATE TABLE kp_h1_calls (op text, by_role text);
GRANT INSERT ON kp_h1_calls TO kp_h1_mallory;
CREATE TABLE mail (id int PRIMARY KEY, e kp_h1_lib.email, k int);
INSERT INTO mail
SELECT i, CASE WHEN random() < 0.2 THEN NULL
               ELSE (ARRAY['a@x', 'A@X', 'b@x', 'B@y', 'c@z', 'Ä@x'])[1 + floor(random() * 6)::int] END,
       floor(random() * 3)::int
FROM generate_series(1, 60) i;
CREATE INDEX mail_e_id ON mail (e, id);

SET LOCAL ROLE kp_h1_mallory;
DO $do$
DECLARE
  op text; sig text[]; n int := 0;
BEGIN
  FOREACH op IN ARRAY ARRAY['<', '<=', '=', '>=', '>'] LOOP
    FOREACH sig SLICE 1 IN ARRAY ARRAY[['kp_h1_lib.email', 'kp_h1_lib.email'],
                                       ['kp_h1_lib.email', 'kp_h1_lib.citext'],
                                       ['kp_h1_lib.citext', 'kp_h1_lib.email']] LOOP
      n := n + 1;
      EXECUTE format($f$CREATE FUNCTION kp_h1_lib.hijack_%s(%s, %s) RETURNS boolean
                        LANGUAGE plpgsql AS $b$
                        BEGIN
                          INSERT INTO public.kp_h1_calls VALUES (%L, current_user);
                          RETURN true;
                        END $b$$f$, n, sig[1], sig[2], op);
      EXECUTE format('CREATE OPERATOR kp_h1_lib.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = kp_h1_lib.hijack_%s)',
                     op, sig[1], sig[2], n);
    END LOOP;
  END LOOP;
END $do$;
RESET ROLE;

SELECT is((SELECT count(*)::int FROM pg_operator WHERE oprnamespace = 'kp_h1_lib'::regnamespace
             AND (oprleft = 'kp_h1_lib.email'::regtype OR oprright = 'kp_h1_lib.email'::regtype)), 15,
          'operator hijack: the other role''s operators on the domain exist');
SELECT is(kc.sort_key, 'e DESC NULLS FIRST, k ASC NULLS LAST, id ASC NULLS LAST',
          'operator hijack: the sort key of the domain column')
FROM keyset_check(NULL::mail, 'e DESC, k') kc;
SELECT is(problems, '{}'::text[], test)
FROM (VALUES (1, 'e'), (2, 'e DESC, k'), (3, 'k, e NULLS FIRST')) AS s(n, ob),
     pg_temp.kp_walks(format('operator hijack %s', ob), NULL::mail, ob, NULL, NULL, NULL,
                      ARRAY[1, 4], 6)
ORDER BY n;
-- with the library schema first on the search_path
SET LOCAL search_path = kp_h1_lib, public, pg_catalog;
SELECT is(problems, '{}'::text[], test)
FROM pg_temp.kp_walks('operator hijack, library schema on the search_path', NULL::mail, 'e', NULL, NULL, NULL,
                      ARRAY[2], 0);
RESET search_path;
SELECT is((SELECT count(*)::int FROM kp_h1_calls), 0,
          'operator hijack: no operator of the other role ran inside a page');
-- the comparisons on the column cast to citext still use its index
SELECT p.cursor AS mail_mid FROM keyset_page(NULL::mail, 'e', first => 20) p
ORDER BY (p.node).e DESC NULLS FIRST, (p.node).id DESC LIMIT 1 \gset
SET LOCAL enable_seqscan = off;
SELECT ok(plan ~ 'Index (Only )?Scan using mail_e_id' AND plan !~ 'Sort', 'operator hijack: the seek is an index scan of mail_e_id')
FROM (SELECT string_agg(l, E'\n') AS plan
      FROM keyset_explain(NULL::mail, 'e', first => 5, after => :'mail_mid') l) x;
RESET enable_seqscan;
SELECT is((SELECT count(*)::int FROM kp_h1_calls), 0,
          'operator hijack: ... nor inside keyset_explain');

-- An operator class whose input type is polymorphic cannot be named by an
-- exact signature: outside pg_catalog (where anyone with CREATE there could
-- add an exact match for the column's type) it is refused.  Made here as a
-- default class for anyelement, which point (no btree class) then uses;
-- dropped right after.
CREATE SCHEMA kp_h1_poly;
CREATE FUNCTION kp_h1_poly.cmp(anyelement, anyelement) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT 0';
CREATE FUNCTION kp_h1_poly.f(anyelement, anyelement) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT true';
DO $do$
DECLARE op text;
BEGIN
  FOREACH op IN ARRAY ARRAY['<', '<=', '=', '>=', '>'] LOOP
    EXECUTE format('CREATE OPERATOR kp_h1_poly.%s (LEFTARG = anyelement, RIGHTARG = anyelement, FUNCTION = kp_h1_poly.f)', op);
  END LOOP;
END $do$;
CREATE OPERATOR CLASS kp_h1_poly.any_ops DEFAULT FOR TYPE anyelement USING btree AS
  OPERATOR 1 kp_h1_poly.<, OPERATOR 2 kp_h1_poly.<=, OPERATOR 3 kp_h1_poly.=,
  OPERATOR 4 kp_h1_poly.>=, OPERATOR 5 kp_h1_poly.>, FUNCTION 1 kp_h1_poly.cmp(anyelement, anyelement);
CREATE TABLE pts (id int PRIMARY KEY, p point);
INSERT INTO pts VALUES (1, '(1,1)'), (2, '(2,2)');
SELECT throws_ok($$SELECT keyset_page(NULL::pts, 'p')$$, '0A000', NULL,
                 'a polymorphic btree operator class outside pg_catalog is refused');
SET LOCAL client_min_messages = warning;
DROP SCHEMA kp_h1_poly CASCADE;
RESET client_min_messages;

-------------------------------------------------------------------------------
-- 5. A UNIQUE NULLS NOT DISTINCT index on a nullable column as the
-- tiebreaker: its NULL is a value like any other, sorted and sought as the
-- NULL group.  (It was taken as NOT NULL and folded into ROW(g, t) > ROW(..),
-- which no row with t NULL satisfies: one-row pages visited 4 of 5.)
-------------------------------------------------------------------------------
CREATE TABLE nnd (id int NOT NULL, g int NOT NULL, t int);
CREATE UNIQUE INDEX nnd_t ON nnd (t) NULLS NOT DISTINCT;
INSERT INTO nnd VALUES (1, 1, 10), (2, 1, NULL), (3, 1, 20), (4, 2, 5), (5, 1, 30);
SELECT is(kc.sort_key || ' / ' || kc.tiebreaker, 'g ASC NULLS LAST, t ASC NULLS LAST / t',
          'NULLS NOT DISTINCT: the nullable index column is the tiebreaker')
FROM keyset_check(NULL::nnd, 'g') kc;
SELECT is(problems, '{}'::text[], test)
FROM (VALUES (1, 'g'), (2, 'g DESC'), (3, 'g NULLS FIRST'), (4, 'g DESC NULLS LAST'),
             (5, 't'), (6, 't DESC NULLS LAST')) AS s(n, ob),
     pg_temp.kp_walks(format('NULLS NOT DISTINCT tiebreaker %s', ob), NULL::nnd, ob, NULL, NULL, NULL,
                      ARRAY[1, 2, 1000], 6)
ORDER BY n;
-- more rows, several columns, the NULL in the middle of every group
CREATE TABLE nnd2 (id int NOT NULL, g int, t1 int, t2 text);
CREATE UNIQUE INDEX nnd2_t ON nnd2 (t1, t2) NULLS NOT DISTINCT;
INSERT INTO nnd2
SELECT i, CASE WHEN i % 7 = 0 THEN NULL ELSE i % 3 END,
       CASE WHEN i % 4 = 0 THEN NULL ELSE i % 5 END, CASE WHEN i % 6 = 0 THEN NULL ELSE (i / 5)::text END
FROM generate_series(1, 60) i
ON CONFLICT DO NOTHING;
SELECT is(problems, '{}'::text[], test)
FROM (VALUES (1, 'g'), (2, 'g DESC NULLS LAST'), (3, 't2 DESC')) AS s(n, ob),
     pg_temp.kp_walks(format('NULLS NOT DISTINCT two-column tiebreaker %s', ob), NULL::nnd2, ob, NULL, NULL, NULL,
                      ARRAY[1, 4], 6)
ORDER BY n;
-- a unique index on NOT NULL columns is preferred to a nullable one
CREATE UNIQUE INDEX nnd_id ON nnd (id);
SELECT is(kc.tiebreaker, 'id', 'a NOT NULL unique index is preferred to a NULLS NOT DISTINCT one on a nullable column')
FROM keyset_check(NULL::nnd, 'g') kc;
-- but a plain (NULLS DISTINCT) unique index on a nullable column is no tiebreaker
CREATE TABLE nd (id int, g int NOT NULL);
CREATE UNIQUE INDEX nd_id ON nd (id);
SELECT throws_ok($$SELECT keyset_page(NULL::nd, 'g')$$, '22023', NULL,
                 'a NULLS DISTINCT unique index on a nullable column is no tiebreaker');

-------------------------------------------------------------------------------
-- 6. Materialized views hold what their last refresh wrote.  A column that
-- is NOT NULL in the base table now may hold NULLs in the view; its
-- columns are all nullable.  (NOT NULL was taken from the base table: the
-- NULL row was skipped, 3 of 4.  The cache entry did not depend on the base
-- table either, and get_view_query() was called on the materialized view,
-- which an assert-enabled server refuses.)
-------------------------------------------------------------------------------
CREATE TABLE mb (id int PRIMARY KEY, g int);
INSERT INTO mb VALUES (1, 1), (2, NULL), (3, 2), (4, 1);
CREATE MATERIALIZED VIEW mvb AS SELECT id, g FROM mb;
CREATE UNIQUE INDEX mvb_id ON mvb (id) NULLS NOT DISTINCT;
UPDATE mb SET g = 0 WHERE g IS NULL;
ALTER TABLE mb ALTER g SET NOT NULL;
SELECT is((SELECT count(*)::int FROM mvb WHERE g IS NULL), 1,
          'materialized view: still holds the NULL its base table no longer allows');
SELECT is(problems, '{}'::text[], test)
FROM (VALUES (1, 'g'), (2, 'g DESC'), (3, 'g NULLS FIRST'), (4, 'g DESC NULLS LAST')) AS s(n, ob),
     pg_temp.kp_walks(format('materialized view %s', ob), NULL::mvb, ob, NULL, NULL, NULL,
                      ARRAY[1, 3], 6)
ORDER BY n;
SELECT is(kc.sort_key || ' / ' || kc.unique_by, 'g ASC NULLS LAST, id ASC NULLS LAST / unique index mvb_id',
          'materialized view: its own NULLS NOT DISTINCT index is the tiebreaker')
FROM keyset_check(NULL::mvb, 'g') kc;
-- the base table's NOT NULL is not consulted, so nothing goes stale when it
-- changes: page, drop NOT NULL, write a NULL, refresh, page again.  (This
-- one passes on the old code too: the refresh invalidates the view's
-- relcache entry, and the cache entry with it.)
CREATE TABLE mc (id int PRIMARY KEY, g int NOT NULL);
INSERT INTO mc SELECT i, i % 3 FROM generate_series(1, 8) i;
CREATE MATERIALIZED VIEW mvc AS SELECT id, g FROM mc;
CREATE UNIQUE INDEX mvc_id ON mvc (id) NULLS NOT DISTINCT;
SELECT is(pg_temp.kp_ref(NULL::mvc, 'g'::text, NULL::text), (SELECT array_agg(id ORDER BY g, id) FROM mvc),
          'materialized view: reference order before the refresh');
SELECT is(problems, '{}'::text[], test)
FROM pg_temp.kp_walks('materialized view before refresh', NULL::mvc, 'g', NULL, NULL, NULL, ARRAY[1], 0);
ALTER TABLE mc ALTER g DROP NOT NULL;
INSERT INTO mc VALUES (9, NULL), (10, 1);
REFRESH MATERIALIZED VIEW CONCURRENTLY mvc;
SELECT is(problems, '{}'::text[], test)
FROM pg_temp.kp_walks('materialized view after a concurrent refresh', NULL::mvc, 'g', NULL, NULL, NULL,
                      ARRAY[1, 4], 4);
-- a plain unique index proves nothing about a materialized view's NULLs
CREATE MATERIALIZED VIEW mvp AS SELECT id, g FROM mb;
CREATE UNIQUE INDEX mvp_id ON mvp (id);
SELECT throws_ok($$SELECT keyset_page(NULL::mvp, 'g')$$, '22023', NULL,
                 'materialized view: a NULLS DISTINCT unique index is no tiebreaker');
SELECT is(kc.is_unique, false, 'materialized view: keyset_check reports the key as not unique')
FROM keyset_check(NULL::mvp, 'g') kc;
SELECT is(pg_temp.hint_of($$SELECT keyset_page(NULL::mvp, 'g')$$),
          'Create a unique index on the materialized view''s key columns with NULLS NOT DISTINCT, or declare them: COMMENT ON MATERIALIZED VIEW public.mvp IS ''@keyset({"primary_key_columns": ["<column>", ...]})''.',
          'materialized view: the refusal says which index would do');

SELECT is(pg_backend_pid(), :kp_pid, 'the backend is the one the test started in');
SELECT * FROM finish();
ROLLBACK;
