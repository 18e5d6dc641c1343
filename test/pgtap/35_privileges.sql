-- Row-level security and privileges.  keyset_page is SECURITY INVOKER and
-- its seeks are ordinary queries, so policies apply and missing privileges
-- fail -- also when the plans were cached by another role earlier in the
-- same session.
BEGIN;
SELECT no_plan();
\ir walk_helpers.psql
SELECT setseed(0.1618);

CREATE ROLE kp_alice;
CREATE ROLE kp_bob;
CREATE ROLE kp_nobody;
CREATE ROLE kp_partial;
CREATE TABLE docs (
    id     int PRIMARY KEY,
    owner  name NOT NULL,
    rank   int,
    title  text NOT NULL
);
INSERT INTO docs
SELECT i, (ARRAY['kp_alice', 'kp_bob', 'postgres'])[1 + i % 3],
       CASE WHEN random() < 0.3 THEN NULL ELSE floor(random() * 4)::int END, 'doc ' || i
FROM generate_series(1, 150) i;
CREATE INDEX ON docs (rank, id);
ALTER TABLE docs ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON docs USING (owner = current_user);
GRANT USAGE ON SCHEMA public TO kp_alice, kp_bob, kp_nobody, kp_partial;
GRANT SELECT ON docs TO kp_alice, kp_bob;
GRANT SELECT (id, rank) ON docs TO kp_partial;

-- the superuser (the owner) sees everything, and warms the plan cache
SELECT is((SELECT count(*) FROM keyset_page(NULL::docs, 'rank', first => 1000)), 150::bigint,
          'the owner (superuser) pages all 150 rows');
SELECT is((SELECT count(*) FROM keyset_page(NULL::docs, 'rank', first => 1000,
                                            filter => 'title <> $1', args => ARRAY['doc 1'])), 149::bigint,
          'the owner pages with a filter');

SET ROLE kp_alice;
SELECT is((SELECT array_agg(DISTINCT (p.node).owner) FROM keyset_page(NULL::docs, 'rank', first => 1000) p),
          ARRAY['kp_alice']::name[], 'kp_alice sees only her rows');
SELECT is((SELECT count(*) FROM keyset_page(NULL::docs, 'rank', first => 1000)), 50::bigint,
          'kp_alice sees all 50 of them');
-- the reference query runs as kp_alice too, under the same policy
SELECT is(problems, '{}'::text[], test)
FROM pg_temp.kp_walks('as kp_alice, rank', NULL::docs, 'rank', NULL, NULL, NULL, ARRAY[1, 7], 6);
SELECT is(problems, '{}'::text[], test)
FROM pg_temp.kp_walks('as kp_alice, rank DESC filtered', NULL::docs, 'rank DESC',
                      'title <> $1', ARRAY['doc 3'], $$title <> 'doc 3'$$, ARRAY[2], -1);
SELECT (SELECT p.cursor FROM keyset_page(NULL::docs, 'rank', first => 5) p OFFSET 4) AS alice_cursor \gset
SELECT is((keyset_connection(NULL::docs, 'rank', first => 1000)->'pageInfo'->>'hasNextPage')::boolean, false,
          'kp_alice: no next page beyond her 50 rows');
SELECT is((SELECT array_agg(DISTINCT e->'node'->>'owner') FROM json_array_elements(
             keyset_connection_json(NULL::docs, 'rank', first => 1000)->'edges') e),
          ARRAY['kp_alice'], 'kp_alice: keyset_connection_json shows only her rows');
RESET ROLE;

SET ROLE kp_bob;
SELECT is((SELECT array_agg(DISTINCT (p.node).owner) FROM keyset_page(NULL::docs, 'rank', first => 1000) p),
          ARRAY['kp_bob']::name[], 'kp_bob, same session, same cached seeks: only his rows');
SELECT is(problems, '{}'::text[], test)
FROM pg_temp.kp_walks('as kp_bob, rank', NULL::docs, 'rank', NULL, NULL, NULL, ARRAY[3], 4);
-- a cursor minted for kp_alice is only a position: kp_bob still sees his rows
SELECT is((SELECT array_agg(DISTINCT (p.node).owner)
           FROM keyset_page(NULL::docs, 'rank', first => 1000, after => :'alice_cursor') p),
          ARRAY['kp_bob']::name[], 'kp_alice''s cursor shows kp_bob only kp_bob''s rows');
SELECT is((SELECT count(*) FROM keyset_page(NULL::docs, 'rank', first => 1000, last => 1000,
                                            after => :'alice_cursor') p WHERE (p.node).owner <> 'kp_bob'),
          0::bigint, 'no row of another owner, whatever the arguments');
RESET ROLE;

-- no SELECT privilege: permission denied, although the plans are cached
SET ROLE kp_nobody;
SELECT throws_ok($$SELECT * FROM keyset_page(NULL::docs, 'rank')$$, '42501', NULL,
                 'kp_nobody: keyset_page is permission denied');
SELECT throws_ok($$SELECT * FROM keyset_page(NULL::docs, 'rank', filter => 'title <> $1', args => ARRAY['doc 1'])$$,
                 '42501', NULL, 'kp_nobody: keyset_page with a filter is permission denied');
SELECT throws_ok($$SELECT keyset_connection(NULL::docs, 'rank')$$, '42501', NULL,
                 'kp_nobody: keyset_connection is permission denied');
SELECT throws_ok($$SELECT keyset_connection_json(NULL::docs, 'rank')$$, '42501', NULL,
                 'kp_nobody: keyset_connection_json is permission denied');
SELECT throws_ok($$SELECT * FROM keyset_explain(NULL::docs, 'rank')$$, '42501', NULL,
                 'kp_nobody: keyset_explain is permission denied');
SELECT throws_ok(format('SELECT * FROM keyset_page(NULL::docs, %L, after => %L)', 'rank', :'alice_cursor'),
                 '42501', NULL, 'kp_nobody: a valid cursor does not help');
RESET ROLE;

-- SELECT on some columns only: the page returns whole rows, so it is refused
SET ROLE kp_partial;
SELECT throws_ok($$SELECT * FROM keyset_page(NULL::docs, 'rank')$$, '42501', NULL,
                 'kp_partial (SELECT on id, rank only): keyset_page is permission denied');
RESET ROLE;

-- and the privileged session is unaffected afterwards
SELECT is((SELECT count(*) FROM keyset_page(NULL::docs, 'rank', first => 1000)), 150::bigint,
          'back to the owner: all rows again');

SELECT * FROM finish();
ROLLBACK;
