-- Issue 15: keyset_connection writes its jsonb's binary form itself
-- (src/jsonbw.c) instead of handing a JsonbValue tree to JsonbValueToJsonb.
-- The bytes must be exactly what PostgreSQL builds for the same document.
-- Checked on every page of walks over a table with every column type the
-- tests use (integers at the base-10000 digit boundaries, numerics with
-- scale, NaN, infinities, -0, timestamps with and without time zone and
-- infinity, text with escapes and non-ASCII, long TOASTed text stored
-- compressed and out of line, json/jsonb with more than 32 children,
-- arrays, composites, domains, an enum, NULLs, dropped columns), in both
-- json_numbers modes, with pages of more than 32 edges and nodes of more
-- than 16 keys (JEntries past JB_OFFSET_STRIDE):
--   - the bytes equal what jsonb's own parser builds from the text
--     (doc::text::jsonb), compared by *= on a composite holding each
--     (record_image_eq: the values' binary images; jsonb_send sends text);
--   - doc::text and the bytes equal a reference built in SQL with
--     jsonb_build_object and to_jsonb of keyset_page's nodes (what the
--     previous implementation gave), the document's own cursors and count
--     put in (cursors hold their minting second).
BEGIN;
SELECT no_plan();

CREATE TYPE b_pair AS (a int, b text, c numeric, d timestamptz);
CREATE TYPE b_mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN b_pos AS int CHECK (VALUE > 0);
CREATE DOMAIN b_num AS numeric(12, 3);
CREATE DOMAIN b_bigs AS int8[];
CREATE TABLE bytes_t (
    id      int PRIMARY KEY,
    gone1   text,
    i2      int2,
    i4      int4,
    i8      int8,
    f4      float4,
    f8      float8,
    n       numeric,
    ns      numeric(20, 5),
    nd      b_num,
    b       boolean,
    t       text,
    vc      varchar(20),
    ch      char(4),
    nm      name,
    d       date,
    tm      time,
    ttz     timetz,
    ts      timestamp,
    tstz    timestamptz,
    iv      interval,
    u       uuid,
    o       oid,
    m       money,
    by      bytea,
    ip      inet,
    mood    b_mood,
    pt      point,
    j       json,
    jb      jsonb,
    ia      int[],
    na      numeric[],
    ta      text[],
    bigs    b_bigs,
    pair    b_pair,
    pairs   b_pair[],
    pos     b_pos,
    gone2   int,
    long_ext text,
    long_cmp text,
    "é"     int,
    "a"     int,
    "we""ird\key" text
);
ALTER TABLE bytes_t ALTER COLUMN long_ext SET STORAGE EXTERNAL;
INSERT INTO bytes_t VALUES
  (1, 'x', 1, 1, 9007199254740993, 1.5, 0.1, 1.500, 12345.12345, 2.5, true, 'plain', 'vc', 'ab', 'nm',
   '2026-11-22', '10:11:12.5', '10:11:12+02', '2026-11-22 10:11:12.5', '2026-11-22 10:11:12.5+00',
   '1 day 02:00', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 42, 12.34, '\x00ff', '10.0.0.1/8', 'happy',
   '(1,2)', '{"a": 1, "a": 2}', '{"b": [1, 2.50]}', '{1,2,3}', '{1.0,NaN,2e3}', '{x,"y z",NULL}',
   '{1,9007199254740993}', ROW(1, 'one', 1.10, '2026-01-01 00:00+00'),
   ARRAY[ROW(2, 'two', 2, NULL)::b_pair], 1, 7, NULL, NULL, 1, 2, 'k'),
  (2, NULL, -32768, -2147483648, -9223372036854775808, 'NaN', 'Infinity', 'NaN', -0.00001, -0.001, false,
   E'quote " backslash \\ tab \t newline \n cr \r ff \f bs \b bell \x07 us \x1f del \x7f',
   E'\\', 'x  ', '', 'infinity', '24:00', '00:00-14', '-infinity', 'infinity', '-1 year',
   '00000000-0000-0000-0000-000000000000', 0, -1, '\x', '::1', 'sad', '(0,0)',
   '"just a string"', '"s"', '{}', '{}', '{}', '{}', ROW(NULL, E'x"y', 'NaN', 'infinity'), '{}', 2,
   NULL, NULL, NULL, -1, NULL, E'\n'),
  (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
   NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
   NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (4, 'y', 32767, 2147483647, 9223372036854775807, '-Infinity', -0.0, -12345678901234567890.123456789,
   99999999999999.99999, 999999999.999, true, U&'\00E9t\00E9 \65E5\672C \+01F600 \2028', U&'\00FF',
   U&'\00E9', U&'\65E5', '-infinity', '23:59:59.999999', '23:59:59.999999+14', '0001-01-01 00:00:00',
   '1999-12-31 23:59:59.999999-08', '3 mons -4 days 00:00:00.000001',
   'ffffffff-ffff-ffff-ffff-ffffffffffff', 4294967295, 92233720368547758.07, '\x5c22', '2001:db8::/32',
   'ok', '(-1.5,1e300)', '[1, "two", null, {"x": []}]', '{"z": {"y": null}, "a": [true, false]}',
   '{{1,2},{3,4}}', '{{1.10},{-0}}', '{"\\",""}', '{-9223372036854775808}', ROW(-2, '', 1e-20, NULL),
   '{NULL}', 3, 8, NULL, NULL, 7, 8, '</script>'),
  (5, NULL, 0, 0, 0, 1e30, 1e-300, 0.000, 0, 0, false, '', '', '', '', '2000-02-29', '00:00', '00:00+00',
   '2000-02-29 12:00', '2000-02-29 12:00+05:30', '0', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12', 1, 0,
   '\x7f', '0.0.0.0', NULL, '(0,-0)', 'null', 'null', '{NULL}', '{NULL}', '{NULL}', '{NULL}',
   ROW(0, NULL, NULL, NULL), ARRAY[NULL::b_pair], 4, NULL, NULL, NULL, 0, 0, '');
-- integers at the base-10000 digit boundaries (trailing zero digits,
-- every weight), strings of every length mod 4 before the numbers,
-- containers of more than 32 children, long text stored out of line
-- (uncompressed) and compressed
INSERT INTO bytes_t (id, i2, i4, i8, f8, n, ns, t, jb, j, ia, na, long_ext, long_cmp, "é", "a")
SELECT 100 + g,
       (array[1, 9, 10, 9999, -9999, 10000, -10000, 10001, 32767])[1 + g % 9],
       (array[99999999, 100000000, -100000000, 100000001, 2147483647, 20000, 123456789])[1 + g % 7],
       (array[0, 1, -1, 9999, 10000, 10001, 99990000, 100000000, 1000000000000, 1234567890123,
              -10000000000000000, 100000000000000000, 1000000000000000000, 9223372036854775807,
              -9223372036854775807, 42])[1 + g % 16],
       g / 7.0::float8,
       (g * 10000)::numeric / 3,
       (g * 100)::numeric(20, 5),
       repeat('s', g % 5),
       CASE WHEN g % 3 = 0 THEN (SELECT jsonb_agg(x) FROM generate_series(1, 40) x)
            WHEN g % 3 = 1 THEN (SELECT jsonb_object_agg('k' || x, x * 1.5) FROM generate_series(1, 40) x)
            ELSE to_jsonb(g) END,
       CASE WHEN g % 2 = 0 THEN (SELECT json_agg(x) FROM generate_series(1, 35) x) END,
       (SELECT array_agg(x * g) FROM generate_series(1, 33) x),
       ARRAY[g / 3.0, -g, 10000 * g],
       CASE WHEN g % 10 = 1 THEN (SELECT string_agg(md5(x::text), U&'\00E9') FROM generate_series(1, 4000) x) END,
       CASE WHEN g % 10 = 2 THEN repeat(E'compressible "text"\n', 10000) END,
       g % 4, -g
FROM generate_series(1, 45) g;
-- dropped columns, their data still in the rows
ALTER TABLE bytes_t DROP COLUMN gone1, DROP COLUMN gone2;
ANALYZE bytes_t;

SELECT is((SELECT count(*)::int FROM bytes_t
           WHERE pg_column_size(long_ext) > 100000 AND pg_column_size(long_cmp) IS NULL), 5,
          'five rows hold a long text stored out of line uncompressed');
SELECT ok((SELECT bool_and(pg_column_size(long_cmp) < octet_length(long_cmp) / 10) FROM bytes_t
           WHERE long_cmp IS NOT NULL), 'and four a long text stored compressed');
SELECT cmp_ok((SELECT count(*)::int FROM pg_attribute
               WHERE attrelid = 'bytes_t'::regclass AND attnum > 0 AND NOT attisdropped), '>', 16,
              'a node has more than 16 keys: its JEntries run past JB_OFFSET_STRIDE');

-- whether two jsonb values have the same bytes: *= compares composite
-- values by the binary images of their columns (record_image_eq)
CREATE TYPE b_box AS (v jsonb);
CREATE FUNCTION pg_temp.same_bytes(a jsonb, b jsonb) RETURNS boolean LANGUAGE sql AS $$
  SELECT ROW(a)::b_box *= ROW(b)::b_box
$$;

-- a node as to_jsonb gives it; with json_numbers => 'string', the bigint and
-- numeric columns (and arrays of them) as their text
CREATE FUNCTION pg_temp.node_ref(node bytes_t, exact boolean) RETURNS jsonb LANGUAGE sql AS $$
  SELECT CASE WHEN exact
              THEN to_jsonb(node) || jsonb_build_object(
                     'i8', (node).i8::text, 'n', (node).n::text, 'ns', (node).ns::text,
                     'nd', (node).nd::text, 'na', (node).na::text[], 'bigs', (node).bigs::text[])
              ELSE to_jsonb(node) END
$$;
-- the document as the previous implementation built it, from keyset_page's
-- rows (to_jsonb of each node) and the flags it gives, with the cursors and
-- the count estimate of doc
CREATE FUNCTION pg_temp.ref_doc(doc jsonb, p_first int, p_after text, exact boolean) RETURNS jsonb
LANGUAGE sql AS $$
  SELECT jsonb_build_object(
    'edges', coalesce(jsonb_agg(jsonb_build_object(
               'node', pg_temp.node_ref(p.node, exact),
               'cursor', doc->'edges'->(o::int - 1)->'cursor') ORDER BY o), '[]'),
    'pageInfo', jsonb_build_object(
               'hasPreviousPage', coalesce(to_jsonb(bool_or(p.has_previous_page)), doc->'pageInfo'->'hasPreviousPage'),
               'hasNextPage', coalesce(to_jsonb(bool_or(p.has_next_page)), doc->'pageInfo'->'hasNextPage'),
               'startCursor', doc->'edges'->0->'cursor',
               'endCursor', doc->'edges'->-1->'cursor'),
    'estimatedTotalCount', doc->'estimatedTotalCount')
  FROM keyset_page(NULL::bytes_t, 'id', first => p_first, after => p_after)
       WITH ORDINALITY AS p(node, cursor, has_previous_page, has_next_page, o)
$$;

-- every page of 4 and of 40, and a page of 0, in both number modes
CREATE TEMP TABLE checks (size int, k int, mode text, nedges int, bytes_parsed boolean,
                          text_ref boolean, bytes_ref boolean);
DO $$
DECLARE c text; k int; j jsonb; sz int; mode text; ref jsonb;
BEGIN
  FOREACH mode IN ARRAY ARRAY['number', 'string'] LOOP
    FOREACH sz IN ARRAY ARRAY[0, 4, 40] LOOP
      c := NULL; k := 0;
      LOOP
        k := k + 1;
        j := keyset_connection(NULL::bytes_t, 'id', first => sz, after => c, json_numbers => mode);
        ref := pg_temp.ref_doc(j, sz, c, mode = 'string');
        INSERT INTO checks VALUES (sz, k, mode, jsonb_array_length(j->'edges'),
          pg_temp.same_bytes(j, j::text::jsonb), j::text = ref::text, pg_temp.same_bytes(j, ref));
        EXIT WHEN sz = 0 OR NOT (j->'pageInfo'->>'hasNextPage')::boolean OR k > 20;
        c := j->'pageInfo'->>'endCursor';
      END LOOP;
    END LOOP;
  END LOOP;
END $$;

SELECT is((SELECT count(*)::int FROM checks), 2 * (1 + 13 + 2), 'every page of the walks was checked');
SELECT is((SELECT max(nedges) FROM checks), 40,
          'a page of 40 edges: the edges array''s JEntries run past JB_OFFSET_STRIDE');
SELECT ok(bytes_parsed, format('json_numbers %s, pages of %s, page %s: the bytes are what jsonb''s parser builds from the text',
                               mode, size, k))
FROM checks ORDER BY mode, size, k;
SELECT ok(text_ref, format('json_numbers %s, pages of %s, page %s: the text is the SQL-built document''s',
                           mode, size, k))
FROM checks ORDER BY mode, size, k;
SELECT ok(bytes_ref, format('json_numbers %s, pages of %s, page %s: the bytes are the SQL-built document''s',
                            mode, size, k))
FROM checks ORDER BY mode, size, k;

-- backward, from the end: hasPreviousPage true
SELECT ok((SELECT pg_temp.same_bytes(j, j::text::jsonb) AND (j->'pageInfo'->>'hasPreviousPage')::boolean
           FROM keyset_connection(NULL::bytes_t, 'id', last => 40) j),
          'last => 40: the bytes are what jsonb''s parser builds');
-- an empty table: no edges at all
CREATE TABLE bytes_empty (id int PRIMARY KEY, v text);
SELECT ok((SELECT pg_temp.same_bytes(j, j::text::jsonb) AND j->'edges' = '[]'
           FROM keyset_connection(NULL::bytes_empty, 'id') j),
          'an empty table: the bytes are what jsonb''s parser builds');
-- the count estimate is written as an integer numeric: at digit boundaries
-- too (the planner's estimate of a table it has statistics for)
CREATE TABLE bytes_big (id int PRIMARY KEY);
INSERT INTO bytes_big SELECT generate_series(1, 10000);
ANALYZE bytes_big;
SELECT ok((SELECT pg_temp.same_bytes(j, j::text::jsonb) AND j->'estimatedTotalCount' = '10000'
           FROM keyset_connection(NULL::bytes_big, 'id', first => 1) j),
          'an estimate of 10000 (one digit and a trailing zero digit): the bytes are the parser''s');

-- integers of every magnitude: 10^k and its neighbours, both signs, in
-- every integer width (the numeric written without int64_to_numeric)
CREATE TABLE bytes_ints (id int PRIMARY KEY, i2 int2, i4 int4, i8 int8);
INSERT INTO bytes_ints
SELECT row_number() OVER (), CASE WHEN v BETWEEN -32768 AND 32767 THEN v END,
       CASE WHEN v BETWEEN -2147483648 AND 2147483647 THEN v END, v
FROM (SELECT s * (p + d) AS v
      FROM generate_series(0, 18) k, LATERAL (SELECT (10::numeric ^ k)::int8 AS p) x,
           unnest(ARRAY[-1, 0, 1]) d, unnest(ARRAY[-1, 1]) s
      UNION ALL SELECT v FROM unnest(ARRAY[9223372036854775807, -9223372036854775807,
                                           -9223372036854775808, 1234567890123456789]) v) vals;
SELECT ok((SELECT pg_temp.same_bytes(j, j::text::jsonb) AND jsonb_array_length(j->'edges') = 118
           FROM keyset_connection(NULL::bytes_ints, 'id', first => 200) j),
          '118 integers of every magnitude and width: the bytes are what jsonb''s parser builds');

SELECT * FROM finish();
ROLLBACK;
