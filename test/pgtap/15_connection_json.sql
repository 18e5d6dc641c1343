-- keyset_connection builds its document in C, each node by to_jsonb called
-- from C.  Checked here against the jsonb SQL builds (to_jsonb of each node
-- from keyset_page) on every page of a walk over
-- awkward types: quotes, backslashes and control characters in text, a json
-- column with a duplicate key, jsonb, NaN and infinities, numerics with
-- trailing zeros, arrays, a nested composite, a domain, bytea, intervals,
-- timestamps with and without time zone, and NULL everywhere.
BEGIN;
SELECT plan(1 + 6 * 4 + 5);

CREATE TYPE t_pair AS (a int, b text);
CREATE DOMAIN t_pos AS int CHECK (VALUE > 0);
CREATE TABLE awkward (
    id    int PRIMARY KEY,
    t     text,
    j     json,
    jb    jsonb,
    f8    float8,
    n     numeric,
    arr   text[],
    pair  t_pair,
    d     t_pos,
    by    bytea,
    iv    interval,
    ts    timestamp,
    tz    timestamptz,
    b     boolean
);
INSERT INTO awkward VALUES
  (1, 'plain', '{"a": 1}', '{"b": [1, 2]}', 1.5, 1.500, '{x,"y z"}', ROW(1, 'one'), 1, '\x00ff',
   '1 day 02:00', '2026-11-22 10:11:12.5', '2026-11-22 10:11:12.5+00', true),
  (2, E'quote " backslash \\ tab \t newline \n bell \x07', '{"k": 1, "k": 2}', '"just a string"',
   'NaN', 0.000, '{}', ROW(NULL, E'x"y'), 2, '\x', '-1 year', '-infinity', 'infinity', false),
  (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (4, U&'\00E9t\00E9 \65E5\672C \+01F600', '[1, "two", null, {"x": []}]', '{"z": {"y": null}}',
   'Infinity', -12345678901234567890.123456789, '{NULL,""}', ROW(-2, ''), 3, '\x5c22',
   '3 mons -4 days 00:00:00.000001', '0001-01-01 00:00:00', '1999-12-31 23:59:59.999999-08', NULL),
  (5, '', '"s"', '[]', '-Infinity', 1e-20, '{{1,2},{3,4}}', ROW(0, NULL), 4, '\x7f',
   '0', '2000-02-29 12:00', '2000-02-29 12:00+05:30', true),
  (6, '</script>', 'null', 'null', -0.0, 100, '{"\\"}', ROW(7, 'seven'), 5, '\x00',
   '1 hour', '2026-01-01', '2026-01-01 00:00+00', false);
ANALYZE awkward;

-- the same document, built with SQL jsonb functions from keyset_page
CREATE FUNCTION pg_temp.by_sql(p_first int, p_after text) RETURNS jsonb LANGUAGE sql AS $$
  SELECT jsonb_build_object(
    'edges', coalesce(jsonb_agg(jsonb_build_object('cursor', p.cursor, 'node', to_jsonb(p.node)) ORDER BY o), '[]'::jsonb),
    'nodes_only', coalesce(jsonb_agg(to_jsonb(p.node) ORDER BY o), '[]'::jsonb),
    'hasPreviousPage', bool_or(p.has_previous_page), 'hasNextPage', bool_or(p.has_next_page))
  FROM keyset_page(NULL::awkward, 'id', first => p_first, after => p_after) WITH ORDINALITY AS p(node, cursor, has_previous_page, has_next_page, o)
$$;

-- walk pages of 1 by the connection's own endCursor, comparing each page
CREATE TEMP TABLE walk (k int, conn jsonb, ref jsonb);
DO $$
DECLARE c text := NULL; k int := 0; j jsonb;
BEGIN
  LOOP
    k := k + 1;
    j := keyset_connection(NULL::awkward, 'id', first => 1, after => c);
    INSERT INTO walk VALUES (k, j, pg_temp.by_sql(1, c));
    EXIT WHEN NOT (j->'pageInfo'->>'hasNextPage')::boolean OR k > 10;
    c := j->'pageInfo'->>'endCursor';
  END LOOP;
END $$;

SELECT is((SELECT count(*)::int FROM walk), 6, 'the walk has 6 pages of 1');
SELECT is(conn->'edges'->0->'node', ref->'nodes_only'->0,
          format('page %s: the node is exactly to_jsonb of the row', k)) FROM walk ORDER BY k;
SELECT is(jsonb_typeof(conn->'edges'->0->'cursor'), 'string',
          format('page %s: the edge cursor is a string', k)) FROM walk ORDER BY k;
SELECT is(conn->'pageInfo'->'startCursor', conn->'edges'->0->'cursor',
          format('page %s: startCursor is the first edge''s, endCursor the last''s', k))
FROM walk WHERE conn->'pageInfo'->'endCursor' = conn->'edges'->-1->'cursor' ORDER BY k;
SELECT is(jsonb_build_object('hasPreviousPage', conn->'pageInfo'->'hasPreviousPage',
                             'hasNextPage', conn->'pageInfo'->'hasNextPage'),
          jsonb_build_object('hasPreviousPage', ref->'hasPreviousPage', 'hasNextPage', ref->'hasNextPage'),
          format('page %s: flags as keyset_page gives them', k)) FROM walk ORDER BY k;

-- one page of all six: the whole edges array, cursors aside
SELECT is((SELECT jsonb_agg(e->'node') FROM jsonb_array_elements(keyset_connection(NULL::awkward, 'id', first => 6)->'edges') e),
          pg_temp.by_sql(6, NULL)->'nodes_only', 'a page of 6: the nodes are to_jsonb of the rows, in order');
-- the duplicate json key collapses as to_jsonb collapses it
SELECT is(keyset_connection(NULL::awkward, 'id', first => 2)->'edges'->1->'node'->'j', '{"k": 2}'::jsonb,
          'a json column with a duplicate key: the last value, as to_jsonb gives');
-- the exact key set of the document and of pageInfo
SELECT is((SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(keyset_connection(NULL::awkward, 'id', first => 2)) k),
          ARRAY['edges', 'estimatedTotalCount', 'pageInfo'], 'top-level keys');
SELECT is((SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(keyset_connection(NULL::awkward, 'id', first => 2)->'pageInfo') k),
          ARRAY['endCursor', 'hasNextPage', 'hasPreviousPage', 'startCursor'], 'pageInfo keys');
-- an empty page: no edges, null cursors
SELECT is(keyset_connection(NULL::awkward, 'id', first => 0) - 'estimatedTotalCount',
          '{"edges": [], "pageInfo": {"hasPreviousPage": false, "hasNextPage": true, "startCursor": null, "endCursor": null}}'::jsonb,
          'first => 0: empty edges, null cursors, hasNextPage true');

SELECT * FROM finish();
ROLLBACK;
