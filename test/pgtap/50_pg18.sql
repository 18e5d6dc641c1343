-- PostgreSQL 18: what it offers extensions, and what it changed under them.
--   PG_MODULE_MAGIC_EXT: pg_get_loaded_modules() names the library and its
--     version (the Makefile's EXTVERSION, the same as the extension's).
--   uuidv7(): a feed paged by a uuidv7 primary key alone (doc/reference.md).
--   Virtual generated columns: as sort keys and in filters they page like
--     any column (computed, never indexed: keyset_check says so).
-- On older versions the whole file is skipped (TAP "1..0 # SKIP"): pg_prove
-- reports it as skipped and counts none of its tests.
SELECT current_setting('server_version_num')::int >= 180000 AS kp_pg18 \gset
\if :kp_pg18
\else
\echo 1..0 # SKIP PG_MODULE_MAGIC_EXT, uuidv7() and virtual generated columns arrive in PostgreSQL 18
\quit
\endif
BEGIN;
SELECT plan(13);

-- the library's own name and version
DO $$ BEGIN PERFORM keyset_cursor_encode(ROW(1)); END $$;	-- loads it
SELECT is((SELECT format('%s %s', module_name, version) FROM pg_get_loaded_modules()
           WHERE file_name = 'keyset_pagination.so'),
          'keyset_pagination ' || (SELECT extversion FROM pg_extension WHERE extname = 'keyset_pagination'),
          'pg_get_loaded_modules() shows keyset_pagination with the extension''s version');

-- a feed keyed by uuidv7() alone: ids grow with time (and within one
-- backend strictly, even within a millisecond), so the primary key is the
-- feed's order; newest first is order_by 'id DESC'
CREATE TABLE v7_post (id uuid PRIMARY KEY DEFAULT uuidv7(), n integer NOT NULL, body text NOT NULL);
INSERT INTO v7_post (n, body) SELECT g, 'post ' || g FROM generate_series(1, 60) g;
SELECT is(ARRAY(SELECT n FROM v7_post ORDER BY id), ARRAY(SELECT generate_series(1, 60)),
          'uuidv7 ids are in insertion order');
SELECT is((SELECT sort_key FROM keyset_check(NULL::v7_post, 'id DESC')), 'id DESC NULLS FIRST',
          'keyset_check: id DESC alone is the whole sort');
SELECT is((SELECT index FROM keyset_check(NULL::v7_post, 'id DESC')), 'v7_post_pkey (scanned backward)',
          'keyset_check: served by the primary key, backward');

CREATE FUNCTION v7_walk(order_by text, size integer) RETURNS integer[] LANGUAGE plpgsql AS $$
DECLARE ids integer[] := '{}'; cur text; more boolean := true; r record;
BEGIN
  WHILE more LOOP
    more := false;
    FOR r IN SELECT (p.node).n, p.cursor, p.has_next_page
             FROM keyset_page(NULL::v7_post, order_by, first => size, after => cur) p LOOP
      ids := ids || r.n; cur := r.cursor; more := r.has_next_page;
    END LOOP;
  END LOOP;
  RETURN ids;
END $$;
SELECT is(ARRAY(SELECT (p.node).n FROM keyset_page(NULL::v7_post, 'id DESC', first => 5) p),
          ARRAY[60, 59, 58, 57, 56], 'newest first: the first page is the last five posts');
SELECT is(v7_walk('id DESC', 7), ARRAY(SELECT generate_series(60, 1, -1)),
          'walking the uuidv7 feed newest first visits every post once, in order');
SELECT is(v7_walk(NULL, 11), ARRAY(SELECT generate_series(1, 60)),
          'and oldest first by the primary key (order_by NULL)');
SELECT is(ARRAY(SELECT (p.node).n FROM keyset_page(NULL::v7_post, 'id DESC', first => 3,
                  filter => 'uuid_extract_timestamp(id) <= $1', args => ARRAY[clock_timestamp()::text]) p),
          ARRAY[60, 59, 58], 'a filter on the time inside the uuidv7 key');

-- virtual generated columns
CREATE TABLE vg_item (id integer PRIMARY KEY, price numeric NOT NULL, qty integer NOT NULL,
                      total numeric GENERATED ALWAYS AS (price * qty) VIRTUAL,
                      label text GENERATED ALWAYS AS ('#' || id) VIRTUAL);
INSERT INTO vg_item (id, price, qty) SELECT g, (g * 7) % 10 + 0.5, g % 3 + 1 FROM generate_series(1, 40) g;
CREATE FUNCTION vg_walk(order_by text, filter text, args text[], size integer) RETURNS integer[] LANGUAGE plpgsql AS $$
DECLARE ids integer[] := '{}'; cur text; more boolean := true; r record;
BEGIN
  WHILE more LOOP
    more := false;
    FOR r IN SELECT (p.node).id, p.cursor, p.has_next_page
             FROM keyset_page(NULL::vg_item, order_by, first => size, after => cur, filter => filter, args => args) p LOOP
      ids := ids || r.id; cur := r.cursor; more := r.has_next_page;
    END LOOP;
  END LOOP;
  RETURN ids;
END $$;
SELECT is(vg_walk('total DESC', NULL, NULL, 6), ARRAY(SELECT id FROM vg_item ORDER BY total DESC, id DESC),
          'a virtual generated column as the sort key: the walk matches ORDER BY total DESC, id DESC (the tiebreaker)');
SELECT is(vg_walk('total, label', 'total > $1', ARRAY['5'], 4),
          ARRAY(SELECT id FROM vg_item WHERE total > 5 ORDER BY total, label, id),
          'two virtual generated columns as sort keys, one in the filter');
SELECT is((SELECT (p.node).total FROM keyset_page(NULL::vg_item, 'total DESC', first => 1) p),
          (SELECT max(total) FROM vg_item), 'the node carries the computed value');
SELECT is((SELECT index FROM keyset_check(NULL::vg_item, 'total DESC')), NULL,
          'keyset_check: no index serves a virtual column');
SELECT is((WITH p1 AS (SELECT p.cursor FROM keyset_page(NULL::vg_item, 'total DESC', first => 10) p OFFSET 9)
           SELECT count(*) FROM p1, keyset_page(NULL::vg_item, 'total DESC', first => 100, after => p1.cursor) p2),
          30::bigint, 'the page after the tenth row holds the other 30');

SELECT * FROM finish();
ROLLBACK;
