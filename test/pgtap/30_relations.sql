-- Walks over the other kinds of relation and column keyset_page accepts:
-- awkward identifiers (and a column named like the internal alias), simple
-- views (tiebreaker from the base table's keys), complex views (refused with
-- the hint), partitioned tables, and sort columns of many types (domains,
-- enums, composites, arrays, intervals equal in value but not in bits,
-- bpchar padding, jsonb, ranges, NaN, infinity, a nondeterministic
-- collation).  Every walk is checked against PostgreSQL's ORDER BY of
-- keyset_check().sort_key, as in 11_walks.sql.
BEGIN;
SELECT no_plan();
\ir walk_helpers.psql
SELECT setseed(0.2718);

-- 1. "Odd Schema"."Odd Table" with "Created At", "we""ird", "UPPER", kp_row
CREATE SCHEMA "Odd Schema";
CREATE TABLE "Odd Schema"."Odd Table" (
    id           int PRIMARY KEY,
    "Created At" timestamptz,
    "we""ird"    text,
    "UPPER"      int NOT NULL,
    kp_row       int                 -- the name of the alias the seeks use
);
INSERT INTO "Odd Schema"."Odd Table"
SELECT i,
       CASE WHEN random() < 0.3 THEN NULL
            ELSE '2024-05-01 00:00:00+00'::timestamptz + floor(random() * 6) * interval '1 day' END,
       CASE WHEN random() < 0.3 THEN NULL ELSE (ARRAY['x', 'X', 'ÿ', 'Y', '"', ''''])[1 + floor(random() * 6)::int] END,
       floor(random() * 4)::int,
       CASE WHEN random() < 0.3 THEN NULL ELSE floor(random() * 3)::int END
FROM generate_series(1, 150) i;

SELECT is(kc.sort_key, '"Created At" DESC NULLS FIRST, id DESC NULLS FIRST',
          'keyset_check quotes "Created At"')
FROM keyset_check(NULL::"Odd Schema"."Odd Table", '"Created At" DESC') kc;
SELECT is(kc.sort_key, '"we""ird" ASC NULLS LAST, "UPPER" DESC NULLS LAST, id DESC NULLS FIRST',
          'keyset_check doubles the quote in "we""ird" and quotes "UPPER"')
FROM keyset_check(NULL::"Odd Schema"."Odd Table", '"we""ird", "UPPER" DESC NULLS LAST') kc;
SELECT is(kc.create_index,
          'CREATE INDEX ON "Odd Schema"."Odd Table" ("we""ird", "UPPER" DESC NULLS LAST, id DESC)',
          'keyset_check writes a CREATE INDEX with every identifier quoted')
FROM keyset_check(NULL::"Odd Schema"."Odd Table", '"we""ird", "UPPER" DESC NULLS LAST') kc;
SELECT is(kc.sort_key, 'kp_row ASC NULLS LAST, id ASC NULLS LAST', 'a column named kp_row sorts like any other')
FROM keyset_check(NULL::"Odd Schema"."Odd Table", 'kp_row') kc;
SELECT throws_ok($$SELECT keyset_page(NULL::"Odd Schema"."Odd Table", 'upper')$$, '42703', NULL,
                 'unquoted UPPER folds to upper, which does not exist');
SELECT throws_ok($$SELECT keyset_page(NULL::"Odd Schema"."Odd Table", '"created at"')$$, '42703', NULL,
                 '"created at" is not "Created At"');
SELECT is(problems, '{}'::text[], test)
FROM (VALUES (1, '"Created At" DESC'), (2, '"we""ird", "UPPER" DESC NULLS LAST'),
             (3, '"UPPER", kp_row DESC, "Created At" NULLS FIRST'), (4, 'kp_row NULLS FIRST')) AS s(n, ob),
     pg_temp.kp_walks(format('"Odd Table" %s', ob), NULL::"Odd Schema"."Odd Table", ob, NULL, NULL, NULL,
                      ARRAY[1, 4, 1000], 6)
ORDER BY n;
-- with the proposed indexes, and a filter naming the odd columns
DO $$
DECLARE ddl text;
BEGIN
  FOR ddl IN SELECT create_index FROM unnest(ARRAY['"Created At" DESC', '"we""ird", "UPPER" DESC NULLS LAST']) ob,
                    keyset_check(NULL::"Odd Schema"."Odd Table", ob) LOOP
    EXECUTE ddl;
  END LOOP;
END $$;
SELECT is(kc.index IS NOT NULL, true, 'the CREATE INDEX keyset_check wrote serves the sort')
FROM keyset_check(NULL::"Odd Schema"."Odd Table", '"we""ird", "UPPER" DESC NULLS LAST') kc;
SELECT is(problems, '{}'::text[], test)
FROM pg_temp.kp_walks('"Odd Table" filtered', NULL::"Odd Schema"."Odd Table",
                      '"we""ird", "UPPER" DESC NULLS LAST',
                      '"UPPER" <> $1 AND ("we""ird" IS NULL OR "we""ird" <> $2) AND kp_row IS NOT NULL',
                      ARRAY['2', ''''],
                      $$"UPPER" <> 2 AND ("we""ird" IS NULL OR "we""ird" <> '''') AND kp_row IS NOT NULL$$,
                      ARRAY[1, 3, 1000], 6);

-- 2. views
CREATE TABLE base (
    id    int PRIMARY KEY,
    code  text NOT NULL UNIQUE,
    grp   int,
    note  text,
    live  boolean NOT NULL
);
INSERT INTO base
SELECT i, 'c' || lpad(i::text, 4, '0'), CASE WHEN random() < 0.3 THEN NULL ELSE floor(random() * 5)::int END,
       (ARRAY['n1', 'n2', NULL])[1 + floor(random() * 3)::int], random() < 0.7
FROM generate_series(1, 200) i;
CREATE TABLE other_base (id int PRIMARY KEY, base_id int NOT NULL, w int);
INSERT INTO other_base SELECT i, 1 + (i % 200), i % 7 FROM generate_series(1, 300) i;

-- a simple view: the base table's primary key is the tiebreaker, through
-- the view's own column names
CREATE VIEW live_base AS SELECT id, grp, note, code FROM base WHERE live;
SELECT is(kc.tiebreaker, 'id', 'simple view: tiebreaker is the base primary key')
FROM keyset_check(NULL::live_base, 'grp') kc;
SELECT is(kc.unique_by, 'primary key base_pkey of public.base, through view public.live_base',
          'simple view: proof names the base primary key and the view')
FROM keyset_check(NULL::live_base, 'grp') kc;
SELECT is(problems, '{}'::text[], test)
FROM (VALUES (1, 'grp'), (2, 'grp DESC, note NULLS FIRST'), (3, NULL)) AS s(n, ob),
     pg_temp.kp_walks(format('simple view %s', coalesce(ob, 'primary key')), NULL::live_base, ob,
                      NULL, NULL, NULL, ARRAY[1, 3, 1000], 6)
ORDER BY n;
-- renamed key column: the tiebreaker is the view's name for it
CREATE VIEW renamed AS SELECT id AS ident, id, grp FROM base;
SELECT is(kc.sort_key, 'grp ASC NULLS LAST, ident ASC NULLS LAST', 'simple view: renamed key column')
FROM keyset_check(NULL::renamed, 'grp') kc;
SELECT is(problems, '{}'::text[], test)
FROM pg_temp.kp_walks('view with a renamed key', NULL::renamed, 'grp DESC', NULL, NULL, NULL,
                      ARRAY[2, 1000], 4);
-- a base unique index on a NOT NULL column proves a view's order unique
CREATE VIEW by_code AS SELECT code, grp, id FROM base;
SELECT is(kc.is_unique AND kc.tiebreaker IS NULL, true, 'simple view: code is unique through base_code_key')
FROM keyset_check(NULL::by_code, 'code DESC') kc;
-- the base table's index serves the view's sort
CREATE INDEX base_grp_id ON base (grp, id);
SELECT is(kc.index, 'base_grp_id', 'simple view: keyset_check finds the base table index')
FROM keyset_check(NULL::live_base, 'grp') kc;
-- a view that hides the key has no tiebreaker
CREATE VIEW keyless AS SELECT grp, note FROM base;
SELECT throws_ok($$SELECT keyset_page(NULL::keyless, 'grp')$$, '22023',
                 'order_by is not unique for "keyless" and no tiebreaker was found',
                 'a simple view that hides the key is refused');
-- join and aggregate views are refused, with the hint
CREATE VIEW joined AS SELECT b.id, b.grp, o.w FROM base b JOIN other_base o ON o.base_id = b.id;
CREATE VIEW grouped AS SELECT grp, count(*) AS n FROM base GROUP BY grp;
SELECT throws_ok($$SELECT keyset_page(NULL::joined, 'grp')$$, '22023',
                 'order_by is not unique for "joined" and no tiebreaker was found',
                 'join view without a provably unique order is refused');
SELECT throws_ok($$SELECT keyset_page(NULL::grouped, 'n')$$, '22023',
                 'order_by is not unique for "grouped" and no tiebreaker was found',
                 'aggregate view without a provably unique order is refused');
SELECT is(pg_temp.hint_of($$SELECT keyset_page(NULL::joined, 'grp')$$),
          'Declare the columns that identify a row of the view: COMMENT ON VIEW public.joined IS ''@keyset({"primary_key_columns": ["<column>", ...]})''.',
          'the refusal of a join view carries the hint (a declaration)');

-- 3. a partitioned table (its primary key includes the partition key)
CREATE TABLE parted (id int, region int NOT NULL, score int, PRIMARY KEY (id, region))
    PARTITION BY LIST (region);
CREATE TABLE parted_1 PARTITION OF parted FOR VALUES IN (1);
CREATE TABLE parted_2 PARTITION OF parted FOR VALUES IN (2);
CREATE TABLE parted_3 PARTITION OF parted FOR VALUES IN (3);
INSERT INTO parted SELECT i / 2, 1 + i % 3, CASE WHEN random() < 0.3 THEN NULL ELSE floor(random() * 4)::int END
FROM generate_series(1, 240) i;
CREATE INDEX ON parted (score, id, region);
SELECT is(kc.tiebreaker, 'id, region', 'partitioned table: the whole primary key is the tiebreaker')
FROM keyset_check(NULL::parted, 'score') kc;
-- (id repeats across regions; the walks compare id sequences, which the
-- full key (score, id, region) still orders exactly)
SELECT is(problems, '{}'::text[], test)
FROM (VALUES (1, 'score'), (2, 'score DESC NULLS LAST')) AS s(n, ob),
     pg_temp.kp_walks(format('partitioned %s', ob), NULL::parted, ob, NULL, NULL, NULL,
                      ARRAY[1, 5, 1000], 6)
ORDER BY n;

-- 4. sort columns of many types, each with ties and the primary key after.
-- (A composite-typed sort column is walked in 90_bugs.sql: its values with
-- NULL fields break the NULL-group ranges.)
CREATE DOMAIN pg_temp.posint AS int CHECK (VALUE > 0);
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE typed (
    id   int PRIMARY KEY,
    d    pg_temp.posint,
    m    mood,
    arr  int[],
    iv   interval,                 -- '1 day' = '24 hours'
    bp   char(3),                  -- 'a' = 'a  '
    j    jsonb,
    r    int4range,
    u    uuid,
    bo   boolean,
    ba   bytea,
    n    numeric,                  -- with NaN
    dt   date,                     -- with infinity
    ci   text COLLATE ci           -- 'abc' = 'ABC'
);
INSERT INTO typed
SELECT i,
       CASE WHEN random() < 0.2 THEN NULL ELSE 1 + floor(random() * 3)::int END,
       CASE WHEN random() < 0.2 THEN NULL ELSE (ARRAY['sad', 'ok', 'happy'])[1 + floor(random() * 3)::int]::mood END,
       CASE WHEN random() < 0.2 THEN NULL ELSE (ARRAY['{}', '{1}', '{1,2}', '{1,NULL}', '{2}'])[1 + floor(random() * 5)::int]::int[] END,
       CASE WHEN random() < 0.2 THEN NULL ELSE (ARRAY['1 day', '24 hours', '1 mon', '30 days', '0'])[1 + floor(random() * 5)::int]::interval END,
       CASE WHEN random() < 0.2 THEN NULL ELSE (ARRAY['a', 'a  ', 'b', ''])[1 + floor(random() * 4)::int] END,
       CASE WHEN random() < 0.2 THEN NULL ELSE (ARRAY['{}', '{"k": 1}', '{"k": 1.0}', '[1]', 'null', '"s"'])[1 + floor(random() * 6)::int]::jsonb END,
       CASE WHEN random() < 0.2 THEN NULL ELSE (ARRAY['empty', '[1,5)', '[1,4]', '(0,5)', '[2,)'])[1 + floor(random() * 5)::int]::int4range END,
       CASE WHEN random() < 0.2 THEN NULL ELSE ('00000000-0000-0000-0000-00000000000' || floor(random() * 3)::int)::uuid END,
       CASE WHEN random() < 0.2 THEN NULL ELSE random() < 0.5 END,
       CASE WHEN random() < 0.2 THEN NULL ELSE (ARRAY['\x', '\x00', '\x0000', '\xff'])[1 + floor(random() * 4)::int]::bytea END,
       CASE WHEN random() < 0.2 THEN NULL ELSE (ARRAY['NaN', '1', '1.00', '-0', '1e3', '1000'])[1 + floor(random() * 6)::int]::numeric END,
       CASE WHEN random() < 0.2 THEN NULL ELSE (ARRAY['infinity', '-infinity', '2024-02-29', '2024-03-01'])[1 + floor(random() * 4)::int]::date END,
       CASE WHEN random() < 0.2 THEN NULL ELSE (ARRAY['abc', 'ABC', 'Abc', 'abd', 'ÀBC', 'àbc'])[1 + floor(random() * 6)::int] END
FROM generate_series(1, 160) i;
SELECT is(problems, '{}'::text[], test)
FROM (VALUES (1, 'd'), (2, 'm DESC'), (4, 'arr DESC NULLS LAST'), (5, 'iv'),
             (6, 'bp DESC'), (7, 'j'), (8, 'r NULLS FIRST'), (9, 'u DESC'), (10, 'bo'),
             (11, 'ba'), (12, 'n DESC'), (13, 'dt'), (14, 'ci'), (15, 'ci DESC, n, iv DESC')) AS s(n, ob),
     pg_temp.kp_walks(format('type walk %s', ob), NULL::typed, ob, NULL, NULL, NULL, ARRAY[1, 6], -1)
ORDER BY n;
-- the same with an index for each, seeks through them
DO $$
DECLARE ddl text;
BEGIN
  FOR ddl IN SELECT create_index FROM unnest(ARRAY['d', 'm DESC', 'arr DESC NULLS LAST', 'iv', 'bp DESC', 'j',
                                                   'r NULLS FIRST', 'n DESC', 'dt', 'ci']) ob,
                    keyset_check(NULL::typed, ob) LOOP
    EXECUTE ddl;
  END LOOP;
END $$;
SET enable_seqscan = off;
CREATE TEMP TABLE typed_indexed AS
SELECT n, w.* FROM (VALUES (1, 'd'), (2, 'm DESC'), (4, 'arr DESC NULLS LAST'), (5, 'iv'), (6, 'bp DESC'),
                           (7, 'j'), (8, 'r NULLS FIRST'), (12, 'n DESC'), (13, 'dt'), (14, 'ci')) AS s(n, ob),
     pg_temp.kp_walks(format('type walk %s, with index', ob), NULL::typed, ob, NULL, NULL, NULL, ARRAY[1, 6], -1)
     WITH ORDINALITY w;
RESET enable_seqscan;
SELECT is(problems, '{}'::text[], test) FROM typed_indexed ORDER BY n, ordinality;

SELECT * FROM finish();
ROLLBACK;
