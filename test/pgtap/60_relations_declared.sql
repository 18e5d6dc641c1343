-- Issue 12: what applications list.  Join views (inner, LEFT, with a WHERE),
-- a view over a view, aggregate views and materialized views, with keys the
-- catalog proves through a chain of views or the owner declares in the
-- relation's comment:  COMMENT ON VIEW v IS '@keyset({"primary_key_columns": ["id"]})'.
-- Every walk (forward, backward, page sizes from 1) is checked against
-- PostgreSQL's ORDER BY of keyset_check().sort_key, tiebreaker included, as
-- in 30_relations.sql.  Then: rows read at depth, a false declaration and
-- the check that finds it, cache invalidation by COMMENT ON, the owner rule,
-- hints that can be followed, RLS through a security_invoker view.
BEGIN;
SELECT no_plan();
\ir walk_helpers.psql
SELECT setseed(0.1234);

CREATE TABLE authors (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO authors SELECT i, 'author ' || (i % 7) FROM generate_series(1, 30) i;
CREATE TABLE posts (
    id         int PRIMARY KEY,
    author_id  int REFERENCES authors,          -- NULL: an anonymous post
    created_at timestamptz NOT NULL,
    title      text,
    published  boolean NOT NULL
) WITH (autovacuum_enabled = off);
INSERT INTO posts
SELECT i, CASE WHEN i <= 5 THEN 1 WHEN random() < 0.15 THEN NULL ELSE 1 + floor(random() * 30)::int END,
       '2026-01-01 00:00:00+00'::timestamptz + floor(random() * 40) * interval '1 hour',
       CASE WHEN random() < 0.2 THEN NULL ELSE 'post ' || (i % 11) END, random() < 0.7
FROM generate_series(1, 240) i;
CREATE INDEX posts_created_id ON posts (created_at DESC, id DESC);
ANALYZE authors, posts;

-- 1. join views: refused until declared, then paged like a table
CREATE VIEW feed AS
    SELECT p.id, p.created_at, p.title, a.name AS author
    FROM posts p JOIN authors a ON a.id = p.author_id;
CREATE VIEW feed_left AS
    SELECT p.id, p.created_at, p.title, a.name AS author
    FROM posts p LEFT JOIN authors a ON a.id = p.author_id;
CREATE VIEW feed_pub AS
    SELECT p.id, p.created_at, a.name AS author
    FROM posts p JOIN authors a USING (id) WHERE p.published;
SELECT throws_ok($$SELECT keyset_page(NULL::feed, 'created_at DESC')$$, '22023',
                 'order_by is not unique for "feed" and no tiebreaker was found',
                 'an undeclared join view is refused');
SELECT is(pg_temp.hint_of($$SELECT keyset_page(NULL::feed, 'created_at DESC')$$),
          'Declare the columns that identify a row of the view: COMMENT ON VIEW public.feed IS ''@keyset({"primary_key_columns": ["<column>", ...]})''.',
          'the refusal of a join view hints at a declaration');
SELECT is(kc.advice, pg_temp.hint_of($$SELECT keyset_page(NULL::feed, 'created_at DESC')$$),
          'keyset_check advises what the refusal hints')
FROM keyset_check(NULL::feed, 'created_at DESC') kc;
-- follow the hint, column filled in
COMMENT ON VIEW feed IS 'posts with their author. @keyset({"primary_key_columns": ["id"]})';
COMMENT ON VIEW feed_left IS '@keyset({"primary_key_columns": ["id"]})';
COMMENT ON VIEW feed_pub IS '@graphql({"primary_key_columns": ["id"], "name": "FeedPub"})';
SELECT is(kc.tiebreaker || ' | ' || kc.unique_by || ' | ' || kc.index,
          'id | key (id) declared in the comment on public.feed | posts_created_id',
          'join view: the declared key is the tiebreaker; the posts index serves the sort')
FROM keyset_check(NULL::feed, 'created_at DESC') kc;
SELECT is(kc.unique_by, 'key (id) declared in the comment on public.feed_pub',
          'pg_graphql''s primary_key_columns directive declares the same')
FROM keyset_check(NULL::feed_pub, 'created_at DESC') kc;
SELECT is(problems, '{}'::text[], test)
FROM (VALUES (1, 'feed', 'created_at DESC'), (2, 'feed', 'created_at DESC, id DESC'),
             (3, 'feed', 'author, title NULLS FIRST'), (4, 'feed', NULL)) AS s(n, v, ob),
     pg_temp.kp_walks(format('join view %s', coalesce(ob, 'declared key')), NULL::feed, ob,
                      NULL, NULL, NULL, ARRAY[1, 3, 1000], 6)
ORDER BY n;
-- LEFT JOIN: author comes from a NOT NULL column, but the join nulls it
SELECT is(problems, '{}'::text[], test)
FROM (VALUES (1, 'created_at DESC'), (2, 'author, created_at'), (3, 'author DESC NULLS LAST')) AS s(n, ob),
     pg_temp.kp_walks(format('LEFT JOIN view %s', ob), NULL::feed_left, ob,
                      NULL, NULL, NULL, ARRAY[1, 4, 1000], 6)
ORDER BY n;
SELECT is(count(*)::int, (SELECT count(*)::int FROM posts), 'LEFT JOIN view: anonymous posts are paged too')
FROM keyset_page(NULL::feed_left, 'author, created_at', first => 1000);
SELECT is(problems, '{}'::text[], test)
FROM pg_temp.kp_walks('join view with a WHERE', NULL::feed_pub, 'created_at DESC',
                      NULL, NULL, NULL, ARRAY[1, 5, 1000], 6);
-- security_barrier: the same rows and order (its plan is another matter, see doc/reference.md)
CREATE VIEW feed_sb WITH (security_barrier) AS
    SELECT p.id, p.created_at, a.name AS author FROM posts p JOIN authors a ON a.id = p.author_id
    WHERE p.published;
COMMENT ON VIEW feed_sb IS '@keyset({"primary_key_columns": ["id"]})';
SELECT is(problems, '{}'::text[], test)
FROM pg_temp.kp_walks('security_barrier join view', NULL::feed_sb, 'created_at DESC',
                      NULL, NULL, NULL, ARRAY[2, 1000], 4);

-- 2. a view over a view over posts: proven through the chain
CREATE VIEW recent AS SELECT id, created_at, title, author_id FROM posts WHERE published;
CREATE VIEW recent_titled AS SELECT id, title AS headline, created_at FROM recent WHERE title IS NOT NULL;
SELECT is(kc.tiebreaker || ' | ' || kc.unique_by,
          'id | primary key posts_pkey of public.posts, through views public.recent_titled, public.recent',
          'nested view: the base primary key is the tiebreaker, through the chain')
FROM keyset_check(NULL::recent_titled, 'created_at DESC') kc;
SELECT is(kc.index, 'posts_created_id', 'nested view: the base table''s index serves it')
FROM keyset_check(NULL::recent_titled, 'created_at DESC') kc;
SELECT is(kc.create_index, 'CREATE INDEX ON public.posts (title, id)',
          'nested view: the index is suggested on the base table, in its column names')
FROM keyset_check(NULL::recent_titled, 'headline') kc;
SELECT is(problems, '{}'::text[], test)
FROM (VALUES (1, 'created_at DESC, id DESC'), (2, 'created_at DESC'), (3, 'headline DESC'), (4, NULL)) AS s(n, ob),
     pg_temp.kp_walks(format('nested view %s', coalesce(ob, 'primary key')), NULL::recent_titled, ob,
                      NULL, NULL, NULL, ARRAY[1, 2, 1000], 6)
ORDER BY n;
-- the suggested index can be created, and then serves
DO $$ BEGIN EXECUTE (SELECT create_index FROM keyset_check(NULL::recent_titled, 'headline')); END $$;
SELECT isnt(kc.index, NULL, 'nested view: the suggested CREATE INDEX runs and serves the sort')
FROM keyset_check(NULL::recent_titled, 'headline') kc;

-- replacing a view in the middle of the chain invalidates the cached query of the outer one
SELECT is((SELECT count(*)::int FROM keyset_page(NULL::recent_titled, 'created_at DESC', first => 3)), 3,
          'nested view: cached');
CREATE OR REPLACE VIEW recent AS SELECT id + 0 AS id, created_at, title, author_id FROM posts WHERE published;
SELECT throws_ok($$SELECT keyset_page(NULL::recent_titled, 'created_at DESC', first => 3)$$, '22023', NULL,
                 'nested view: the inner view no longer shows the key: the cached query is rebuilt and refuses');
SELECT alike(pg_temp.hint_of($$SELECT keyset_page(NULL::recent_titled, 'created_at DESC', first => 3)$$),
            'Show in the view the columns of a primary key or unique index of public.posts%',
            'nested view: the hint names the base table');
CREATE OR REPLACE VIEW recent AS SELECT id, created_at, title, author_id FROM posts WHERE published;

-- foreign tables have no indexes: never a CREATE INDEX, a declaration instead
CREATE FOREIGN DATA WRAPPER kp60_fdw;
CREATE SERVER kp60_server FOREIGN DATA WRAPPER kp60_fdw;
CREATE FOREIGN TABLE remote_posts (id int NOT NULL, created_at timestamptz) SERVER kp60_server;
CREATE VIEW remote_feed AS SELECT id, created_at FROM remote_posts;
SELECT is(kc.create_index, NULL, format('%s: no CREATE INDEX is suggested', r))
FROM (VALUES ('foreign table'), ('view over a foreign table')) AS v(r),
     LATERAL (SELECT * FROM keyset_check(NULL::remote_posts, 'created_at') WHERE r = 'foreign table'
              UNION ALL
              SELECT * FROM keyset_check(NULL::remote_feed, 'created_at') WHERE r <> 'foreign table') kc;
SELECT is(kc.advice, 'Declare the columns that identify a row: COMMENT ON FOREIGN TABLE public.remote_posts IS ''@keyset({"primary_key_columns": ["<column>", ...]})''.',
          'foreign table: the advice is a declaration')
FROM keyset_check(NULL::remote_posts, 'created_at') kc;
COMMENT ON FOREIGN TABLE remote_posts IS '@keyset({"primary_key_columns": ["id"]})';
SELECT is(kc.sort_key || ' | ' || kc.unique_by,
          'created_at ASC NULLS LAST, id ASC NULLS LAST | key (id) declared in the comment on public.remote_posts',
          'foreign table: a declaration proves it')
FROM keyset_check(NULL::remote_posts, 'created_at') kc;

-- 3. aggregates
CREATE MATERIALIZED VIEW author_stats AS
    SELECT author_id AS id, count(*)::int AS n, max(created_at) AS last_post
    FROM posts GROUP BY author_id;
CREATE UNIQUE INDEX author_stats_id ON author_stats (id);
SELECT throws_ok($$SELECT keyset_page(NULL::author_stats, 'n DESC')$$, '22023',
                 'order_by is not unique for "author_stats" and no tiebreaker was found',
                 'aggregate materialized view with a NULLS DISTINCT unique index: refused');
SELECT is(pg_temp.hint_of($$SELECT keyset_page(NULL::author_stats, 'n DESC')$$),
          'Create a unique index on the materialized view''s key columns with NULLS NOT DISTINCT, or declare them: COMMENT ON MATERIALIZED VIEW public.author_stats IS ''@keyset({"primary_key_columns": ["<column>", ...]})''.',
          'aggregate materialized view: the hint names what can be done to it');
-- follow it: the index
CREATE UNIQUE INDEX author_stats_id_nnd ON author_stats (id) NULLS NOT DISTINCT;
SELECT is(kc.tiebreaker || ' | ' || kc.unique_by, 'id | unique index author_stats_id_nnd',
          'aggregate materialized view: a NULLS NOT DISTINCT unique index is the tiebreaker')
FROM keyset_check(NULL::author_stats, 'n DESC') kc;
SELECT is(problems, '{}'::text[], test)
FROM (VALUES (1, 'n DESC'), (2, 'last_post, n'), (3, NULL::text)) AS s(k, ob),
     pg_temp.kp_walks(format('aggregate materialized view %s', coalesce(ob, 'NULLS NOT DISTINCT key')),
                      NULL::author_stats, coalesce(ob, 'id'), NULL, NULL, NULL, ARRAY[1, 2, 1000], 6)
ORDER BY k;
-- or the declaration (another materialized view, its index NULLS DISTINCT)
CREATE MATERIALIZED VIEW title_stats AS
    SELECT min(id) AS id, title, count(*)::int AS n FROM posts GROUP BY title;
CREATE UNIQUE INDEX title_stats_title ON title_stats (title);
COMMENT ON MATERIALIZED VIEW title_stats IS '@keyset({"primary_key_columns": ["title"]})';
SELECT is(kc.tiebreaker || ' | ' || kc.unique_by,
          'title | key (title) declared in the comment on public.title_stats',
          'aggregate materialized view: a declaration proves it')
FROM keyset_check(NULL::title_stats, 'n DESC') kc;
SELECT is(problems, '{}'::text[], test)
FROM pg_temp.kp_walks('declared materialized view n DESC', NULL::title_stats, 'n DESC',
                      NULL, NULL, NULL, ARRAY[1, 3, 1000], 6);
-- an aggregate view, declared
CREATE VIEW author_counts AS SELECT author_id AS id, count(*)::int AS n FROM posts GROUP BY author_id;
COMMENT ON VIEW author_counts IS '@keyset({"primary_key_columns": ["id"]})';
SELECT is(problems, '{}'::text[], test)
FROM pg_temp.kp_walks('declared aggregate view n', NULL::author_counts, 'n',
                      NULL, NULL, NULL, ARRAY[1, 2, 1000], 6);
SELECT is(kc.create_index, NULL, 'aggregate view: no CREATE INDEX is suggested (none would serve it)')
FROM keyset_check(NULL::author_counts, 'n') kc;

-- 4. a false declaration: rows at page seams vanish; the check finds it
CREATE VIEW by_author AS
    SELECT p.id AS post_id, a.id, p.created_at FROM posts p JOIN authors a ON a.id = p.author_id;
COMMENT ON VIEW by_author IS '@keyset({"primary_key_columns": ["id"]})';   -- false: an author has many posts
SELECT ok(cardinality(problems) > 0, 'a false declaration: walks lose rows at page seams')
FROM pg_temp.kp_walks('false declaration', NULL::by_author, 'id', NULL, NULL, NULL, ARRAY[1], 1)
WHERE test LIKE '%forward k=1';
SELECT is(kc.duplicates, (SELECT count(*) - count(DISTINCT id) FROM by_author),
          'keyset_check(verify => true) counts the rows sharing a declared key')
FROM keyset_check(NULL::by_author, 'id', verify => true) kc;
SELECT is(kc.duplicates, 0::bigint, 'verify: a true declaration has no duplicates')
FROM keyset_check(NULL::feed, 'created_at DESC', verify => true) kc;
SELECT is(kc.duplicates, NULL, 'duplicates are counted only when asked')
FROM keyset_check(NULL::feed, 'created_at DESC') kc;

-- 5. COMMENT ON sends no invalidation: a cached query still sees the change
SELECT is((SELECT count(*)::int FROM keyset_page(NULL::by_author, 'id', first => 5)), 5, 'cached with the false key');
COMMENT ON VIEW by_author IS '@keyset({"primary_key_columns": ["post_id"]})';
SELECT is(problems, '{}'::text[], test)
FROM pg_temp.kp_walks('corrected declaration', NULL::by_author, 'id', NULL, NULL, NULL, ARRAY[1, 7], 4);
COMMENT ON VIEW by_author IS NULL;
SELECT throws_ok($$SELECT keyset_page(NULL::by_author, 'id')$$, '22023', NULL,
                 'the declaration removed: the cached query is rebuilt and refuses');

-- 6. malformed declarations: clean errors whose hint shows the form
CREATE VIEW decl AS SELECT p.id, a.name FROM posts p JOIN authors a ON a.id = p.author_id;
CREATE FUNCTION pg_temp.decl_error(c text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; m text;
BEGIN
  EXECUTE format('COMMENT ON VIEW decl IS %L', c);
  PERFORM keyset_page(NULL::decl, 'name');
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, m = MESSAGE_TEXT;
  RETURN st || ' ' || m;
END $$;
SELECT is(pg_temp.decl_error(c), '42P17 malformed key declaration in the comment on "decl"',
          format('malformed declaration refused: %s', c))
FROM (VALUES ('@keyset({"primary_key_columns": ["nope"]})'), ('@keyset({"primary_key_columns": "id"})'),
             ('@keyset({"primary_key_columns": []})'), ('@keyset({"primary_key_columns": ["id", "id"]})'),
             ('@keyset({"key": ["id"]})'), ('@keyset({"primary_key_columns": ["id"]}'), ('@keyset(id)'),
             ('@keyset({"primary_key_columns": [1]})')) AS m(c);
SELECT is(pg_temp.decl_error('@keyset({"primary_key_columns": ["id"], "x": "}"})'), 'no error',
          'braces inside JSON strings do not end the directive');
SELECT is(pg_temp.decl_error('@keyset({"primary_key_columns": ["id" ]})'), 'no error',
          'the directive is JSON');
SELECT is(pg_temp.decl_error('@keyset({"primary_key_columns": ["id"]}'), '42P17 malformed key declaration in the comment on "decl"',
          'refused again once broken');
COMMENT ON VIEW decl IS '@keyset(id)';
SELECT is(pg_temp.hint_of($$SELECT keyset_page(NULL::decl, 'name')$$),
          'Declare the columns that identify a row: COMMENT ON VIEW public.decl IS ''@keyset({"primary_key_columns": ["<column>", ...]})''.',
          'a malformed declaration hints at the form');
COMMENT ON VIEW decl IS '@keyset({"primary_key_columns": ["id"]}) and more text';
SELECT lives_ok($$SELECT keyset_page(NULL::decl, 'name')$$, 'text after the directive is fine');
-- a declaration on a plain table is not read: tables prove keys with indexes
CREATE TABLE keyless_t (id int, v int);
COMMENT ON TABLE keyless_t IS '@keyset({"primary_key_columns": ["id"]})';
SELECT throws_ok($$SELECT keyset_page(NULL::keyless_t, 'v')$$, '22023', NULL,
                 'a table''s comment declares nothing');

-- 7. only the owner (or a superuser) can declare: COMMENT ON is the owner's
CREATE ROLE kp60_owner;
CREATE ROLE kp60_other;
GRANT USAGE, CREATE ON SCHEMA public TO kp60_owner;
GRANT SELECT ON posts, authors TO kp60_owner;
SET ROLE kp60_owner;
CREATE VIEW owned_feed AS SELECT p.id, p.created_at, a.name FROM posts p JOIN authors a ON a.id = p.author_id;
GRANT SELECT ON owned_feed TO kp60_other;
COMMENT ON VIEW owned_feed IS '@keyset({"primary_key_columns": ["id"]})';
RESET ROLE;
SET ROLE kp60_other;
SELECT throws_ok($$COMMENT ON VIEW owned_feed IS '@keyset({"primary_key_columns": ["name"]})'$$, '42501', NULL,
                 'another role cannot declare a key');
SELECT is((SELECT count(*)::int FROM keyset_page(NULL::owned_feed, 'created_at DESC', first => 3)), 3,
          'another role pages with the owner''s declaration');
RESET ROLE;

-- 8. a security_invoker view: the base table's RLS applies to the caller
CREATE ROLE kp60_reader;
GRANT SELECT ON posts, authors TO kp60_reader;
ALTER TABLE posts ENABLE ROW LEVEL SECURITY;
CREATE POLICY only_published ON posts FOR SELECT TO kp60_reader USING (published);
CREATE VIEW feed_inv WITH (security_invoker) AS
    SELECT p.id, p.created_at, a.name AS author FROM posts p JOIN authors a ON a.id = p.author_id;
COMMENT ON VIEW feed_inv IS '@keyset({"primary_key_columns": ["id"]})';
GRANT SELECT ON feed_inv TO kp60_reader;
SET ROLE kp60_reader;
SELECT is(problems, '{}'::text[], test)
FROM pg_temp.kp_walks('security_invoker view under RLS', NULL::feed_inv, 'created_at DESC',
                      NULL, NULL, NULL, ARRAY[1, 6, 1000], 4);
SELECT is((SELECT array_agg((node).id ORDER BY (node).created_at DESC, (node).id DESC)
           FROM keyset_page(NULL::feed_inv, 'created_at DESC', first => 1000)),
          (SELECT array_agg(p.id ORDER BY p.created_at DESC, p.id DESC) FROM posts p
           JOIN authors a ON a.id = p.author_id WHERE p.published),
          'security_invoker view: the reader pages exactly the published posts');
RESET ROLE;
ALTER TABLE posts DISABLE ROW LEVEL SECURITY;

-- 9. rows read at depth: the join view reads about n+2 rows of posts, at any depth
CREATE TABLE big_posts (id int PRIMARY KEY, author_id int NOT NULL REFERENCES authors,
                        created_at timestamptz NOT NULL, title text)
    WITH (autovacuum_enabled = off);
INSERT INTO big_posts SELECT i, 1 + i % 30, '2026-01-01'::timestamptz + (i / 3) * interval '1 minute', 'post ' || i
FROM generate_series(1, 20000) i;
CREATE INDEX big_posts_created_id ON big_posts (created_at DESC, id DESC);
ANALYZE big_posts;
CREATE VIEW big_feed AS SELECT p.id, p.created_at, p.title, a.name AS author
    FROM big_posts p JOIN authors a ON a.id = p.author_id;
COMMENT ON VIEW big_feed IS '@keyset({"primary_key_columns": ["id"]})';
CREATE FUNCTION pg_temp.big_reads(after text, OUT nrows int, OUT reads bigint) LANGUAGE plpgsql AS $$
DECLARE before_ bigint;
BEGIN
  FOR i IN 1 .. 6 LOOP   -- past the custom plans, as 20_rows_read.sql
    PERFORM count(*) FROM keyset_page(NULL::big_feed, 'created_at DESC', first => 20, after => after);
  END LOOP;
  SELECT coalesce(idx_tup_fetch, 0) + coalesce(seq_tup_read, 0) INTO before_
  FROM pg_stat_xact_user_tables WHERE relid = 'big_posts'::regclass;
  SELECT count(*) INTO nrows FROM keyset_page(NULL::big_feed, 'created_at DESC', first => 20, after => after);
  SELECT coalesce(idx_tup_fetch, 0) + coalesce(seq_tup_read, 0) - before_ INTO reads
  FROM pg_stat_xact_user_tables WHERE relid = 'big_posts'::regclass;
END $$;
CREATE FUNCTION pg_temp.big_cursor(pos int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE c text := NULL; left_ int := pos;
BEGIN
  WHILE left_ >= 1000 LOOP
    SELECT p.cursor INTO c FROM keyset_page(NULL::big_feed, 'created_at DESC', first => 1000, after => c) p OFFSET 999;
    left_ := left_ - 1000;
  END LOOP;
  SELECT p.cursor INTO c FROM keyset_page(NULL::big_feed, 'created_at DESC', first => left_ + 1, after => c) p OFFSET left_;
  RETURN c;
END $$;
SELECT is(r.nrows || ' rows, ' || r.reads || ' read', '20 rows, 21 read',
          'join view, first page: 21 rows of big_posts read')
FROM pg_temp.big_reads(NULL) r;
SELECT is(r.nrows || ' rows, ' || r.reads || ' read', '20 rows, 22 read',
          format('join view, page after row %s: 22 rows of big_posts read', d))
FROM unnest(ARRAY[100, 5000, 19000]) d, pg_temp.big_reads(pg_temp.big_cursor(d)) r;

SELECT * FROM finish();
ROLLBACK;
