-- keyset_connection: the Relay connection as jsonb.  Cursors contain a
-- timestamp, so shape() replaces each with a marker saying what it is: a
-- URL-safe cursor, and for startCursor/endCursor whether it is the first or
-- last edge's cursor.
SET client_min_messages = warning;
CREATE TABLE items (
    id      int PRIMARY KEY,
    name    text NOT NULL,
    rank    int,
    added   timestamptz NOT NULL,
    tags    text[]
);
INSERT INTO items VALUES
    (1, 'alpha',   3,    '2024-01-01 10:00:00+00', '{a}'),
    (2, 'beta',    NULL, '2024-01-02 10:00:00+00', NULL),
    (3, 'gamma',   1,    '2024-01-03 10:00:00+00', '{}'),
    (4, 'délta',   2,    '2024-01-04 10:00:00+00', '{x,y}'),
    (5, '日本',    2,    '2024-01-05 10:00:00+00', '{z}'),
    (6, 'epsilon', NULL, '2024-01-06 10:00:00+00', NULL);
CREATE TABLE nothing (id int PRIMARY KEY, name text);
ANALYZE items, nothing;
RESET client_min_messages;

CREATE FUNCTION shape(j jsonb) RETURNS jsonb LANGUAGE sql AS $$
  SELECT jsonb_build_object(
    'edges', coalesce((
        SELECT jsonb_agg(jsonb_build_object(
                 'cursor', CASE WHEN e->>'cursor' ~ '^[A-Za-z0-9_-]{20,}$' THEN to_jsonb('<cursor>'::text)
                                ELSE e->'cursor' END,
                 'node', e->'node') ORDER BY o)
        FROM jsonb_array_elements(j->'edges') WITH ORDINALITY AS a(e, o)), '[]'::jsonb),
    'pageInfo', (j->'pageInfo') || jsonb_build_object(
        'startCursor', CASE WHEN j->'pageInfo'->'startCursor' = 'null'::jsonb THEN 'null'::jsonb
                            WHEN j->'pageInfo'->'startCursor' = j->'edges'->0->'cursor'
                            THEN to_jsonb('<first edge cursor>'::text)
                            ELSE to_jsonb('<something else>'::text) END,
        'endCursor',   CASE WHEN j->'pageInfo'->'endCursor' = 'null'::jsonb THEN 'null'::jsonb
                            WHEN j->'pageInfo'->'endCursor' = j->'edges'->-1->'cursor'
                            THEN to_jsonb('<last edge cursor>'::text)
                            ELSE to_jsonb('<something else>'::text) END),
    'estimatedTotalCount', j->'estimatedTotalCount',
    'keys', (SELECT jsonb_agg(k ORDER BY k) FROM jsonb_object_keys(j) AS k))
$$;

-- first page: every key, nodes rendered by to_jsonb (NULLs, arrays, UTF-8)
SELECT jsonb_pretty(shape(keyset_connection(NULL::items, 'added', first => 3)));

-- the next page, after the first page's endCursor
SELECT keyset_connection(NULL::items, 'added', first => 3)->'pageInfo'->>'endCursor' AS end1 \gset
SELECT jsonb_pretty(shape(keyset_connection(NULL::items, 'added', first => 3, after => :'end1')));
SELECT keyset_connection(NULL::items, 'added', first => 3, after => :'end1')->'pageInfo'->>'endCursor' AS end2 \gset

-- after the last row: an empty page, both cursors null, hasPreviousPage true
SELECT jsonb_pretty(shape(keyset_connection(NULL::items, 'added', first => 3, after => :'end2')));
-- keyset_page returns no row at all there (its flags travel on rows)
SELECT count(*) FROM keyset_page(NULL::items, 'added', first => 3, after => :'end2');

-- backward from the end, then before the first row: empty, hasNextPage true
SELECT jsonb_pretty(shape(keyset_connection(NULL::items, 'added', last => 2)));
SELECT keyset_connection(NULL::items, 'added', first => 1)->'pageInfo'->>'startCursor' AS first_row \gset
SELECT jsonb_pretty(shape(keyset_connection(NULL::items, 'added', last => 3, before => :'first_row')));

-- first => 0: no edges, but the probe still says whether rows exist
SELECT shape(keyset_connection(NULL::items, 'added', first => 0))->'pageInfo' AS page_info;
SELECT shape(keyset_connection(NULL::items, 'added', first => 0, after => :'end2'))->'pageInfo' AS page_info;

-- a nullable sort with a NULL-valued position: rank NULLS FIRST
SELECT e->'node'->>'id' AS id, e->'node'->>'rank' AS rank
FROM jsonb_array_elements(keyset_connection(NULL::items, 'rank NULLS FIRST', first => 10)->'edges') e;
SELECT keyset_connection(NULL::items, 'rank NULLS FIRST', first => 2)->'pageInfo'->>'endCursor' AS null_pos \gset
SELECT jsonb_pretty(shape(keyset_connection(NULL::items, 'rank NULLS FIRST', first => 2, after => :'null_pos')));

-- the window between two cursors
SELECT jsonb_pretty(shape(keyset_connection(NULL::items, 'added', first => 10, after => :'first_row',
                                            before => :'end2')));

-- a filter with args narrows edges and the estimate
SELECT jsonb_pretty(shape(keyset_connection(NULL::items, 'added DESC', first => 2,
                                            filter => 'rank >= $1', args => ARRAY['2'])));

-- an empty table (analyzed: the planner never estimates fewer than one row)
SELECT jsonb_pretty(shape(keyset_connection(NULL::nothing)));

-- cursors of keyset_connection and keyset_page are interchangeable
SELECT (SELECT array_agg((p.node).id) FROM keyset_page(NULL::items, 'added', first => 3, after => :'end1') p) AS page_ids,
       (SELECT array_agg((e->'node'->>'id')::int)
        FROM jsonb_array_elements(keyset_connection(NULL::items, 'added', first => 3, after => :'end1')->'edges') e) AS connection_ids;

-- json_numbers: 'number' (the default) keeps to_jsonb's numbers; 'string'
-- emits bigint and numeric columns (domains and arrays of them too) as JSON
-- strings of their exact digits, which JavaScript reads without rounding.
-- int4, float8, json and composite columns are unchanged.
CREATE DOMAIN big_dom AS bigint;
CREATE TYPE money_pair AS (amount numeric, n bigint);
CREATE TABLE big (
    id     bigint PRIMARY KEY,
    price  numeric,
    small  int,
    ratio  float8,
    ids    bigint[],
    dom    big_dom,
    pair   money_pair,
    doc    jsonb
);
INSERT INTO big VALUES
    (9007199254740993, 1.500, 7, 0.1, '{9007199254740993,-1}', 9223372036854775807,
     ROW(2.50, 9007199254740993), '{"n": 9007199254740993}'),
    (1, 'NaN', NULL, 'NaN', '{{1,2},{3,4}}', NULL, NULL, NULL),
    (2, -12345678901234567890.123456789, -2, -0.0, '{}', -9223372036854775808, ROW(NULL, NULL), '1');
ANALYZE big;
SELECT e->'node' AS node FROM jsonb_array_elements(keyset_connection(NULL::big, 'id', first => 3)->'edges') e;
SELECT e->'node' AS node
FROM jsonb_array_elements(keyset_connection(NULL::big, 'id', first => 3, json_numbers => 'string')->'edges') e;
-- the rest of the document is the same either way; the estimate stays a number
SELECT shape(keyset_connection(NULL::big, 'id', first => 2, json_numbers => 'string')) - 'edges' AS rest;
SELECT jsonb_typeof(keyset_connection(NULL::big, 'id', json_numbers => 'string')->'estimatedTotalCount') AS estimate;
-- NULL means the default
SELECT keyset_connection(NULL::big, 'id', first => 1, json_numbers => NULL)->'edges'->0->'node'->'id' AS id;
-- cursors from either mode continue the other (the option is not in the cursor's context)
SELECT keyset_connection(NULL::big, 'id', first => 1, json_numbers => 'string')->'pageInfo'->>'endCursor' AS c1 \gset
SELECT keyset_connection(NULL::big, 'id', first => 1, after => :'c1')->'edges'->0->'node'->'id' AS next_id;
-- anything else is an error
SELECT keyset_connection(NULL::big, 'id', json_numbers => 'bigint');
DROP TABLE big;
DROP TYPE money_pair;
DROP DOMAIN big_dom;
