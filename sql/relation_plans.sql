-- Issue 12: captured plans of views over joins.  A join view paged by the
-- posts columns, with its key declared in its comment, seeks posts by its
-- index and looks each author up in a nested loop: a page of 20 reads 21
-- rows of posts first, 22 after a cursor at any depth, and sorts nothing.
-- The same for a LEFT JOIN, a view with a WHERE, a view over a view and a
-- security_invoker view.  A security_barrier view is planned as a subquery
-- the seek's ORDER BY cannot enter: its rows are right but sorted (section 5).
-- Data is generate_series only, analyzed, autovacuum off.  Lines with
-- memory figures are left out.
SET client_min_messages = warning;
-- its own schema: page_plans has a posts table in public
CREATE SCHEMA relation_plans;
SET search_path = relation_plans, public;
CREATE TABLE authors (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO authors SELECT g, 'author ' || g FROM generate_series(1, 100) AS g;
CREATE TABLE posts (
    id         bigint PRIMARY KEY,
    author_id  int REFERENCES authors,      -- every 50th post anonymous
    created_at timestamptz NOT NULL,
    title      text NOT NULL,
    published  boolean NOT NULL
) WITH (autovacuum_enabled = off);
INSERT INTO posts
SELECT g, CASE WHEN g % 50 = 0 THEN NULL ELSE 1 + g % 100 END,
       '2024-01-01 00:00:00+00'::timestamptz + (g / 3) * interval '1 minute',   -- ties of 3
       'post ' || g, g % 5 <> 0
FROM generate_series(1, 20000) AS g;
CREATE INDEX posts_created_idx ON posts (created_at DESC, id DESC);
ANALYZE authors, posts;

CREATE VIEW feed AS
    SELECT p.id, p.created_at, p.title, a.name AS author
    FROM posts p JOIN authors a ON a.id = p.author_id;
COMMENT ON VIEW feed IS '@keyset({"primary_key_columns": ["id"]})';
CREATE VIEW feed_left AS
    SELECT p.id, p.created_at, p.title, a.name AS author
    FROM posts p LEFT JOIN authors a ON a.id = p.author_id;
COMMENT ON VIEW feed_left IS '@keyset({"primary_key_columns": ["id"]})';
CREATE VIEW feed_published AS
    SELECT p.id, p.created_at, p.title, a.name AS author
    FROM posts p JOIN authors a ON a.id = p.author_id
    WHERE p.published;
COMMENT ON VIEW feed_published IS '@keyset({"primary_key_columns": ["id"]})';
CREATE VIEW recent AS SELECT id, created_at, title FROM posts WHERE published;
CREATE VIEW recent_titles AS SELECT id AS post_id, created_at, title AS headline FROM recent;
CREATE VIEW feed_invoker WITH (security_invoker) AS
    SELECT p.id, p.created_at, a.name AS author
    FROM posts p JOIN authors a ON a.id = p.author_id;
COMMENT ON VIEW feed_invoker IS '@keyset({"primary_key_columns": ["id"]})';
CREATE VIEW feed_barrier WITH (security_barrier) AS
    SELECT p.id, p.created_at, a.name AS author
    FROM posts p JOIN authors a ON a.id = p.author_id
    WHERE p.published;
COMMENT ON VIEW feed_barrier IS '@keyset({"primary_key_columns": ["id"]})';

-- the cursor after row pos (0-based) of a relation's sort
CREATE FUNCTION cursor_at(rel anyelement, ob text, pos int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE c text := NULL; left_ int := pos;
BEGIN
  WHILE left_ >= 1000 LOOP
    SELECT p.cursor INTO c FROM keyset_page(rel, ob, first => 1000, after => c) p OFFSET 999;
    left_ := left_ - 1000;
  END LOOP;
  SELECT p.cursor INTO c FROM keyset_page(rel, ob, first => left_ + 1, after => c) p OFFSET left_;
  RETURN c;
END $$;
-- keyset_explain with ANALYZE, without memory figures
CREATE FUNCTION plan_of(rel anyelement, ob text, p_first int, p_after text, p_last int DEFAULT NULL,
                        p_before text DEFAULT NULL) RETURNS SETOF text LANGUAGE sql AS $$
  SELECT line FROM keyset_explain(rel, ob, first => p_first, after => p_after, last => p_last,
                                  before => p_before, with_analyze => true) AS line
  WHERE line !~ 'Sort Method|Memory Usage|Buckets|Heap Blocks' $$;

-- 1. inner join: the key as keyset_check sees it, then the first page and a deep one
SELECT sort_key, tiebreaker, unique_by, index FROM keyset_check(NULL::feed, 'created_at DESC');
SELECT * FROM plan_of(NULL::feed, 'created_at DESC', 20, NULL);
SELECT * FROM plan_of(NULL::feed, 'created_at DESC', 20, cursor_at(NULL::feed, 'created_at DESC', 15000));
SELECT * FROM plan_of(NULL::feed, 'created_at DESC', NULL, NULL, 20, cursor_at(NULL::feed, 'created_at DESC', 15000));

-- 2. LEFT JOIN
SELECT * FROM plan_of(NULL::feed_left, 'created_at DESC', 20, cursor_at(NULL::feed_left, 'created_at DESC', 15000));

-- 3. a view with a WHERE: the Filter drops the unpublished rows on the way
SELECT * FROM plan_of(NULL::feed_published, 'created_at DESC', 20,
                      cursor_at(NULL::feed_published, 'created_at DESC', 12000));

-- 4. a view over a view: proven through the chain, planned on posts
SELECT sort_key, tiebreaker, unique_by, index FROM keyset_check(NULL::recent_titles, 'created_at DESC');
SELECT create_index FROM keyset_check(NULL::recent_titles, 'headline');
SELECT * FROM plan_of(NULL::recent_titles, 'created_at DESC', 20,
                      cursor_at(NULL::recent_titles, 'created_at DESC', 12000));

-- 5. security_invoker keeps the seek; security_barrier does not (Sort)
SELECT * FROM plan_of(NULL::feed_invoker, 'created_at DESC', 20,
                      cursor_at(NULL::feed_invoker, 'created_at DESC', 15000));
SELECT * FROM plan_of(NULL::feed_barrier, 'created_at DESC', 20,
                      cursor_at(NULL::feed_barrier, 'created_at DESC', 12000));

-- 6. an aggregate materialized view: refused, then its hint followed
CREATE MATERIALIZED VIEW author_stats AS
    SELECT author_id, count(*) AS posts, max(created_at) AS last_post FROM posts GROUP BY author_id;
CREATE UNIQUE INDEX author_stats_author ON author_stats (author_id);
\set VERBOSITY default
SELECT count(*) FROM keyset_page(NULL::author_stats, 'posts DESC');
CREATE UNIQUE INDEX author_stats_author_nnd ON author_stats (author_id) NULLS NOT DISTINCT;
SELECT sort_key, tiebreaker, unique_by, index, create_index FROM keyset_check(NULL::author_stats, 'posts DESC');
SELECT count(*) FROM keyset_page(NULL::author_stats, 'posts DESC', first => 1000);

RESET search_path;
DROP SCHEMA relation_plans CASCADE;
