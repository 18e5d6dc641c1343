-- Issue 15, task "cols": the seek returns the relation's live columns, and
-- each consumer builds from them: the custom scan returns them, the
-- function scan and a custom scan reading p.node form the composite, and
-- the Relay documents encode them.  Every way must give exactly the table's
-- rows: dropped columns (before, between and after live ones), a domain, an
-- array, NULLs, and values stored out of line in TOAST (uncompressed, and
-- compressed), also as the sort key, where the cursor carries the value.
BEGIN;
SELECT no_plan();

CREATE DOMAIN pg_temp.posint AS int CHECK (VALUE > 0);
CREATE TABLE sc (gone0 int, id int PRIMARY KEY, gone1 text, big text, comp text, d pg_temp.posint,
                 arr int[], n numeric, gone2 int);
ALTER TABLE sc ALTER COLUMN big SET STORAGE EXTERNAL;
INSERT INTO sc (id, big, comp, d, arr, n)
SELECT g, CASE WHEN g % 4 = 0 THEN NULL
               ELSE lpad(g::text, 4, '0') || (SELECT string_agg(md5(g::text || '/' || i), '') FROM generate_series(1, 90) i) END,
       CASE WHEN g % 3 = 0 THEN NULL ELSE repeat('compressible ' || g, 4000) END,
       CASE WHEN g % 5 = 0 THEN NULL ELSE g END, ARRAY[g, NULL, -g], g / 7.0
FROM generate_series(1, 40) g;
ALTER TABLE sc DROP COLUMN gone0, DROP COLUMN gone1, DROP COLUMN gone2;

SELECT ok(pg_relation_size(reltoastrelid) > 0, 'the table has values in TOAST')
FROM pg_class WHERE oid = 'sc'::regclass;
SELECT ok((SELECT min(pg_column_size(big)) FROM sc WHERE big IS NOT NULL) > 2800, 'big is stored uncompressed (> 2800 bytes)');
SELECT ok((SELECT max(pg_column_size(comp)) FROM sc) < 20000, 'comp is stored compressed');

-- the table's rows in an order, as text
CREATE FUNCTION pg_temp.table_rows(ord text, lim int, off int DEFAULT 0) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE r text;
BEGIN
  EXECUTE format('SELECT string_agg(t::text, E''\n'' ORDER BY o) FROM (SELECT s AS t, row_number() OVER (ORDER BY %s) AS o FROM sc s ORDER BY %s LIMIT %s OFFSET %s) x',
                 ord, ord, lim, off) INTO r;
  RETURN r;
END $f$;

-- the same through keyset_page, one way ({p} is where the FROM item's alias goes)
CREATE FUNCTION pg_temp.page_rows(q text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE r text;
BEGIN
  EXECUTE format('SELECT string_agg(t::text, E''\n'' ORDER BY o) FROM (%s) x', q) INTO r;
  RETURN r;
END $f$;

SELECT is(pg_temp.page_rows($$SELECT ROW((p.node).*)::sc AS t, row_number() OVER () AS o FROM keyset_page(NULL::sc, 'id', first => 40) p$$),
          pg_temp.table_rows('id', 40), 'custom scan, (p.node).*: the table''s rows');
SELECT is(pg_temp.page_rows($$SELECT p.node AS t, p.ordinality AS o FROM keyset_page(NULL::sc, 'id', first => 40) WITH ORDINALITY p$$),
          pg_temp.table_rows('id', 40), 'function scan: the nodes are the table''s rows');
SELECT is(pg_temp.page_rows($$SELECT p.node AS t, row_number() OVER () AS o FROM keyset_page(NULL::sc, 'id', first => 40) p$$),
          pg_temp.table_rows('id', 40), 'custom scan returning p.node: the table''s rows');
SELECT is(pg_temp.page_rows($$SELECT k AS t, 1 AS o FROM keyset_page(NULL::sc, 'id', first => 40) p, LATERAL (SELECT count(*) FROM sc s WHERE s = p.node) c(k) WHERE k <> 1$$),
          NULL, 'every node equals its row of the table (row comparison)');

-- sorted by the TOASTed column: the cursor carries the value, the next page follows it
SELECT set_config('kp_test.bigcur', (SELECT p.cursor FROM keyset_page(NULL::sc, 'big', first => 7) p OFFSET 6), false) IS NOT NULL AS set;
SELECT is(pg_temp.page_rows(format($$SELECT ROW((p.node).*)::sc AS t, row_number() OVER () AS o FROM keyset_page(NULL::sc, 'big', first => 7, after => %L) p$$,
                                   current_setting('kp_test.bigcur'))),
          pg_temp.table_rows('big NULLS LAST, id', 7, 7), 'after a cursor on the TOASTed key: the next rows, custom scan');
SELECT is(pg_temp.page_rows(format($$SELECT p.node AS t, p.ordinality AS o FROM keyset_page(NULL::sc, 'big', first => 7, after => %L) WITH ORDINALITY p$$,
                                   current_setting('kp_test.bigcur'))),
          pg_temp.table_rows('big NULLS LAST, id', 7, 7), 'after a cursor on the TOASTed key: the next rows, function scan');
SELECT is(pg_temp.page_rows(format($$SELECT ROW((p.node).*)::sc AS t, row_number() OVER () AS o FROM keyset_page(NULL::sc, 'big', last => 5, before => %L) p$$,
                                   current_setting('kp_test.bigcur'))),
          pg_temp.table_rows('big NULLS LAST, id', 5, 1), 'before the cursor: the rows before, in order');

-- the Relay documents: each node is to_jsonb of its row
SELECT is((SELECT jsonb_agg(e -> 'node') FROM jsonb_array_elements(keyset_connection(NULL::sc, 'id', first => 40) -> 'edges') e),
          (SELECT jsonb_agg(to_jsonb(s) ORDER BY id) FROM sc s), 'keyset_connection: nodes are to_jsonb of the rows');
SELECT is((SELECT jsonb_agg(e -> 'node') FROM jsonb_array_elements(keyset_connection_json(NULL::sc, 'id', first => 40)::jsonb -> 'edges') e),
          (SELECT jsonb_agg(to_jsonb(s) ORDER BY id) FROM sc s), 'keyset_connection_json: the same nodes');
SELECT is((SELECT jsonb_agg(e -> 'node') FROM jsonb_array_elements(keyset_connection(NULL::sc, 'big', first => 7,
              after => current_setting('kp_test.bigcur')) -> 'edges') e),
          (SELECT jsonb_agg(to_jsonb(s) ORDER BY big NULLS LAST, id) FROM (SELECT * FROM sc ORDER BY big NULLS LAST, id LIMIT 7 OFFSET 7) s),
          'keyset_connection after the TOASTed cursor: the next rows');

SELECT * FROM finish();
ROLLBACK;
