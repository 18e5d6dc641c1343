-- Differential walks: every page of keyset_page, forward and backward, at
-- several page sizes, against PostgreSQL's own ORDER BY of the effective
-- sort key (keyset_check().sort_key), on seeded random data with heavy ties,
-- ~30% NULLs, mixed directions, ICU text with accents and mixed case,
-- numerics equal in value but not in scale, float specials.  Each spec is
-- walked without a matching index, then again with the index keyset_check
-- proposes (seq scans off, so the seeks run through it).
BEGIN;
SELECT no_plan();
\ir walk_helpers.psql

SELECT setseed(0.4242);
CREATE TABLE w (
    id  int PRIMARY KEY,
    a   int,                          -- 0..3, heavy ties, ~30% NULL
    b   text COLLATE "und-x-icu",     -- accents, case, CJK, ~30% NULL
    c   timestamptz,                  -- 5 instants, ~30% NULL
    d   numeric,                      -- 1 = 1.0 = 1.00, ~30% NULL
    g   float8,                       -- NaN, +-Infinity, -0 = 0, ~30% NULL
    e   int NOT NULL,                 -- 0..4
    f   text COLLATE "und-x-icu" NOT NULL
);
INSERT INTO w
SELECT i,
       CASE WHEN random() < 0.3 THEN NULL ELSE floor(random() * 4)::int END,
       CASE WHEN random() < 0.3 THEN NULL
            ELSE (ARRAY['é','E','e','Ö','o','O','日本','日','a','A','z','ß','ss','',' e','e ','éa','Éa'])[1 + floor(random() * 18)::int] END,
       CASE WHEN random() < 0.3 THEN NULL
            ELSE '2024-03-01 00:00:00+00'::timestamptz + floor(random() * 5) * interval '1 hour' END,
       CASE WHEN random() < 0.3 THEN NULL
            ELSE (ARRAY['1','1.0','1.00','2.5','-0','0.000','-3'])[1 + floor(random() * 7)::int]::numeric END,
       CASE WHEN random() < 0.3 THEN NULL
            ELSE (ARRAY['NaN','Infinity','-Infinity','0','-0','1.5','-1.5'])[1 + floor(random() * 7)::int]::float8 END,
       floor(random() * 5)::int,
       (ARRAY['é','E','e','Ö','o','日本','a','A','ß','ss'])[1 + floor(random() * 10)::int]
FROM generate_series(1, 300) AS s(i)
ORDER BY random();  -- heap order unrelated to id
ANALYZE w;

CREATE TABLE specs (n serial, ob text);
INSERT INTO specs (ob) VALUES
    (NULL),                                   -- primary key
    ('a'),
    ('a DESC'),
    ('a NULLS FIRST, b DESC'),
    ('b, a DESC NULLS LAST'),
    ('b DESC NULLS LAST, c NULLS FIRST'),
    ('c DESC, d, g DESC NULLS LAST'),
    ('e DESC, f DESC'),                       -- NOT NULL, one direction: ROW(e, f, id) fold
    ('e, f DESC'),
    ('f, a, e'),                              -- fold (e, id) behind a nullable column
    ('d DESC NULLS FIRST, id'),               -- the caller ends with the primary key
    ('g, e DESC'),
    ('id DESC'),
    ('f DESC, id');

-- without an index: whatever the planner does
SELECT is(problems, '{}'::text[], test)
FROM specs, pg_temp.kp_walks(format('spec %s (%s), no index', n, coalesce(ob, 'primary key')),
                             NULL::w, ob, NULL, NULL, NULL)
ORDER BY n;

-- with the index keyset_check proposes, seq scans off so the seeks use it
-- (results collected first: pgTAP's own queries crawl with seq scans off)
SET enable_seqscan = off;
DO $$
DECLARE s record; ddl text;
BEGIN
  FOR s IN SELECT * FROM specs ORDER BY n LOOP
    SELECT create_index INTO ddl FROM keyset_check(NULL::w, s.ob);
    IF ddl IS NOT NULL THEN EXECUTE ddl; END IF;
  END LOOP;
END $$;
CREATE TEMP TABLE indexed_walks AS
SELECT n, w.*
FROM specs, pg_temp.kp_walks(format('spec %s (%s), with index', n, coalesce(ob, 'primary key')),
                             NULL::w, ob, NULL, NULL, NULL, npairs => -1) WITH ORDINALITY w;
CREATE TEMP TABLE unserved AS
SELECT ob, kc.index FROM specs, keyset_check(NULL::w, specs.ob) kc WHERE kc.index IS NULL;
RESET enable_seqscan;
SELECT is((SELECT count(*) FROM unserved), 0::bigint, 'every spec now has an index that serves it');
SELECT is(problems, '{}'::text[], test) FROM indexed_walks ORDER BY n, ordinality;

-- a filter with args (types inferred: int, text, timestamptz), checked
-- against the same condition written with literals
SELECT is(problems, '{}'::text[], test)
FROM pg_temp.kp_walks('filtered a DESC, b',
    NULL::w, 'a DESC, b',
    'a IS DISTINCT FROM $1 AND (b IS NULL OR b <> $2) AND (c IS NULL OR c < $3)',
    ARRAY['2', 'e', '2024-03-01 03:00:00+00'],
    $$a IS DISTINCT FROM 2 AND (b IS NULL OR b <> 'e') AND (c IS NULL OR c < '2024-03-01 03:00:00+00')$$);
SELECT is(problems, '{}'::text[], test)
FROM pg_temp.kp_walks('filtered e DESC, f DESC (folded row)',
    NULL::w, 'e DESC, f DESC', 'e <> $1 AND f >= $2', ARRAY['3', 'e'],
    $$e <> 3 AND f >= 'e'$$);

-- Paging backward from the end visits the same rows as the forward walk, in
-- reverse, but its pages are cut from the end (Relay's last => n is the last
-- n rows): 7 rows in pages of 3 are {1,2,3} {4,5,6} {7} forward and
-- {5,6,7} {2,3,4} {1} backward (doc/reference.md says so).
CREATE TABLE seven (id int PRIMARY KEY);
INSERT INTO seven SELECT generate_series(1, 7);
CREATE FUNCTION pg_temp.seven_walk(backward bool) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
  cur text;
  edge text;
  ids text;
  pages text[] := '{}';
BEGIN
  LOOP
    IF backward THEN
      SELECT string_agg((p.node).id::text, ',' ORDER BY o), (array_agg(p.cursor ORDER BY o))[1]
        INTO ids, edge
        FROM keyset_page(NULL::seven, last => 3, before => cur) WITH ORDINALITY p(node, cursor, hp, hn, o);
    ELSE
      SELECT string_agg((p.node).id::text, ',' ORDER BY o), (array_agg(p.cursor ORDER BY o DESC))[1]
        INTO ids, edge
        FROM keyset_page(NULL::seven, first => 3, after => cur) WITH ORDINALITY p(node, cursor, hp, hn, o);
    END IF;
    EXIT WHEN ids IS NULL;
    pages := pages || ids;
    cur := edge;
  END LOOP;
  RETURN pages;
END $$;
SELECT is(pg_temp.seven_walk(false), '{"1,2,3","4,5,6",7}'::text[],
          'forward pages of 3 over 7 rows end with the remainder');
SELECT is(pg_temp.seven_walk(true), '{"5,6,7","2,3,4",1}'::text[],
          'backward pages of 3 from the end start with the last 3 rows; the remainder comes last');

SELECT * FROM finish();
ROLLBACK;
