-- Issue 15: keyset_connection encodes each column by a class chosen once per
-- row type (connection.c) instead of calling to_jsonb per row, and
-- keyset_connection_json writes the same document as json text.  Checked
-- here on every scalar type class, NULLs, arrays, composites, domains, enums
-- with and without a cast to json, json/jsonb columns, NaN and infinities,
-- strings that need escapes, unicode, and column names that need escapes
-- and sort differently in jsonb: each node is exactly to_jsonb of the row,
-- and keyset_connection_json(...)::jsonb = keyset_connection(...) (cursors
-- apart: they carry their minting second), also under json_numbers =>
-- 'string', other TimeZone/DateStyle/extra_float_digits settings, and after
-- DDL and a CREATE CAST that change what to_jsonb gives.
BEGIN;
SELECT no_plan();

CREATE TYPE e_pair AS (a int, b text, c numeric);
CREATE TYPE e_mood AS ENUM ('sad', 'ok', 'happy');
CREATE TYPE e_plain AS ENUM ('x', 'y"z');
CREATE DOMAIN e_pos AS int CHECK (VALUE > 0);
CREATE DOMAIN e_txt AS text;
CREATE DOMAIN e_bigs AS int8[];
CREATE DOMAIN e_num AS numeric;
CREATE FUNCTION e_mood_json(e_mood) RETURNS json LANGUAGE sql IMMUTABLE
  AS $$ SELECT json_build_object('mood', $1::text) $$;
CREATE CAST (e_mood AS json) WITH FUNCTION e_mood_json(e_mood);

CREATE TABLE enc (
    id      int PRIMARY KEY,
    i2      int2,
    i8      int8,
    f4      float4,
    f8      float8,
    n       numeric,
    nd      e_num,
    b       boolean,
    t       text,
    vc      varchar(10),
    ch      char(3),
    nm      name,
    d       date,
    tm      time,
    ttz     timetz,
    ts      timestamp,
    tstz    timestamptz,
    iv      interval,
    u       uuid,
    by      bytea,
    ip      inet,
    o       oid,
    m       money,
    r       int4range,
    pt      point,
    j       json,
    jb      jsonb,
    ia      int[],
    na      numeric[],
    ta      text[],
    bigs    e_bigs,
    pair    e_pair,
    pairs   e_pair[],
    pos     e_pos,
    dt      e_txt,
    mood    e_mood,
    plain   e_plain,
    "we""ird\key" text,
    "é"     int,
    "a"     int,
    "bb"    int
);
INSERT INTO enc VALUES
  (1, 1, 9007199254740993, 1.5, 0.1, 1.500, 2.50, true, 'plain', 'vc', 'ab', 'nm',
   '2026-11-22', '10:11:12.5', '10:11:12+02', '2026-11-22 10:11:12.5', '2026-11-22 10:11:12.5+00',
   '1 day 02:00', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\x00ff', '10.0.0.1/8', 42, 12.34,
   '[1,5)', '(1,2)', '{"a": 1, "a": 2}', '{"b": [1, 2.50]}', '{1,2,3}', '{1.0,NaN,2e3}',
   '{x,"y z",NULL}', '{1,9007199254740993}', ROW(1, 'one', 1.10), ARRAY[ROW(2, 'two', 2)::e_pair],
   1, 'dom', 'happy', 'y"z', 'k', 1, 2, 3),
  (2, -32768, -9223372036854775808, 'NaN', 'Infinity', 'NaN', 'Infinity', false,
   E'quote " backslash \\ tab \t newline \n cr \r ff \f bs \b bell \x07 us \x1f del \x7f',
   E'\\', 'x  ', '', 'infinity', '24:00', '00:00-14', '-infinity', 'infinity', '-1 year',
   '00000000-0000-0000-0000-000000000000', '\x', '::1', 0, -1, 'empty', '(0,0)',
   '"just a string"', '"s"', '{}', '{}', '{}', '{}', ROW(NULL, E'x"y', 'NaN'), '{}', 2,
   E'\n', 'sad', 'x', E'"\\', -1, NULL, 0),
  (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
   NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
   NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (4, 32767, 9223372036854775807, '-Infinity', -0.0, -12345678901234567890.123456789,
   '-Infinity', true, U&'\00E9t\00E9 \65E5\672C \+01F600 \2028', U&'\00FF', U&'\00E9', U&'\65E5',
   '-infinity', '23:59:59.999999', '23:59:59.999999+14', '0001-01-01 00:00:00', '1999-12-31 23:59:59.999999-08',
   '3 mons -4 days 00:00:00.000001', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '\x5c22', '2001:db8::/32',
   4294967295, 92233720368547758.07, '(,)', '(-1.5,1e300)', '[1, "two", null, {"x": []}]',
   '{"z": {"y": null}, "a": [true, false]}', '{{1,2},{3,4}}', '{{1.10},{-0}}', '{"\\",""}',
   '{-9223372036854775808}', ROW(-2, '', 1e-20), '{NULL}', 3, '</script>', 'ok', 'y"z', '', 7, 8, 9),
  (5, 0, 0, 1e30, 1e-300, 0.000, 100, false, '', '', '', '', '2000-02-29', '00:00', '00:00+00',
   '2000-02-29 12:00', '2000-02-29 12:00+05:30', '0', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12', '\x7f',
   '0.0.0.0', 1, 0, '[,)', '(0,-0)', 'null', 'null', '{NULL}', '{NULL}', '{NULL}', '{NULL}',
   ROW(0, NULL, NULL), ARRAY[NULL::e_pair], 4, '', NULL, NULL, NULL, 0, 0, 0);
ANALYZE enc;

-- a document with its cursors taken out (they hold their minting second)
CREATE FUNCTION pg_temp.uncursored(doc jsonb) RETURNS jsonb LANGUAGE sql AS $$
  SELECT jsonb_set(jsonb_set(jsonb_set(doc, '{edges}',
           coalesce((SELECT jsonb_agg(e - 'cursor' ORDER BY o)
                     FROM jsonb_array_elements(doc->'edges') WITH ORDINALITY AS x(e, o)), '[]')),
           '{pageInfo,startCursor}', 'null'), '{pageInfo,endCursor}', 'null')
$$;
-- json_numbers => 'string' by hand: every number under a bigint/numeric
-- column (and arrays of them) as its text
CREATE FUNCTION pg_temp.deep_str(v jsonb) RETURNS jsonb LANGUAGE sql AS $$
  SELECT CASE jsonb_typeof(v)
           WHEN 'number' THEN to_jsonb(v #>> '{}')
           WHEN 'array' THEN (SELECT coalesce(jsonb_agg(pg_temp.deep_str(x) ORDER BY o), '[]')
                              FROM jsonb_array_elements(v) WITH ORDINALITY AS a(x, o))
           ELSE v END
$$;
CREATE FUNCTION pg_temp.stringify(node jsonb) RETURNS jsonb LANGUAGE sql AS $$
  SELECT jsonb_object_agg(k, CASE WHEN k IN ('i8', 'n', 'nd', 'na', 'bigs') THEN pg_temp.deep_str(v) ELSE v END)
  FROM jsonb_each(node) AS e(k, v)
$$;
-- the nodes of keyset_page, each to_jsonb of the row (exact numbers as strings)
CREATE FUNCTION pg_temp.ref_nodes(p_first int, p_after text, exact boolean) RETURNS jsonb
LANGUAGE sql AS $$
  SELECT coalesce(jsonb_agg(CASE WHEN exact THEN pg_temp.stringify(to_jsonb(p.node)) ELSE to_jsonb(p.node) END
                            ORDER BY o), '[]')
  FROM keyset_page(NULL::enc, 'id', first => p_first, after => p_after)
       WITH ORDINALITY AS p(node, cursor, has_previous_page, has_next_page, o)
$$;
CREATE FUNCTION pg_temp.nodes(doc jsonb) RETURNS jsonb LANGUAGE sql AS $$
  SELECT coalesce(jsonb_agg(e->'node' ORDER BY o), '[]')
  FROM jsonb_array_elements(doc->'edges') WITH ORDINALITY AS x(e, o)
$$;

-- every page of 1, 2 and 5, in both number modes and two sets of settings
CREATE TEMP TABLE checks (what text, size int, k int, mode text, ok_node boolean, ok_json boolean);
CREATE FUNCTION pg_temp.walk(label text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE c text; k int; j jsonb; jt json; sz int; mode text;
BEGIN
  FOREACH mode IN ARRAY ARRAY['number', 'string'] LOOP
    FOREACH sz IN ARRAY ARRAY[1, 2, 5] LOOP
      c := NULL; k := 0;
      LOOP
        k := k + 1;
        j := keyset_connection(NULL::enc, 'id', first => sz, after => c, json_numbers => mode);
        jt := keyset_connection_json(NULL::enc, 'id', first => sz, after => c, json_numbers => mode);
        INSERT INTO checks VALUES (label, sz, k, mode,
          pg_temp.nodes(j) = pg_temp.ref_nodes(sz, c, mode = 'string'),
          pg_temp.uncursored(jt::jsonb) = pg_temp.uncursored(j));
        EXIT WHEN NOT (j->'pageInfo'->>'hasNextPage')::boolean OR k > 10;
        c := jt::jsonb->'pageInfo'->>'endCursor';
      END LOOP;
    END LOOP;
  END LOOP;
END $$;

SELECT pg_temp.walk('default settings');
SET LOCAL TimeZone = 'Asia/Kolkata';
SET LOCAL DateStyle = 'SQL, DMY';
SET LOCAL extra_float_digits = 0;
SET LOCAL IntervalStyle = 'iso_8601';
SET LOCAL bytea_output = 'escape';
SELECT pg_temp.walk('other settings');
RESET TimeZone; RESET DateStyle; RESET extra_float_digits; RESET IntervalStyle; RESET bytea_output;

SELECT is((SELECT count(*)::int FROM checks), 2 * 2 * (5 + 3 + 1),
          'every page of the walks was checked');
SELECT ok(ok_node, format('%s, json_numbers %s, pages of %s, page %s: keyset_connection''s nodes are to_jsonb of the rows',
                          what, mode, size, k))
FROM checks ORDER BY what, mode, size, k;
SELECT ok(ok_json, format('%s, json_numbers %s, pages of %s, page %s: keyset_connection_json(...)::jsonb = keyset_connection(...)',
                          what, mode, size, k))
FROM checks ORDER BY what, mode, size, k;

-- the text itself: Relay key order, nodes' keys in column order
SELECT is((SELECT array_agg(k) FROM json_object_keys(keyset_connection_json(NULL::enc, 'id', first => 2)) k),
          ARRAY['edges', 'pageInfo', 'estimatedTotalCount'], 'json: top-level keys in Relay order');
SELECT is((SELECT array_agg(k) FROM json_object_keys(keyset_connection_json(NULL::enc, 'id', first => 2)->'pageInfo') k),
          ARRAY['hasPreviousPage', 'hasNextPage', 'startCursor', 'endCursor'], 'json: pageInfo keys in Relay order');
SELECT is((SELECT array_agg(k) FROM json_object_keys(keyset_connection_json(NULL::enc, 'id', first => 2)->'edges'->0) k),
          ARRAY['cursor', 'node'], 'json: edge keys cursor, node');
SELECT is((SELECT array_agg(k) FROM json_object_keys(keyset_connection_json(NULL::enc, 'id', first => 2)->'edges'->1->'node') k),
          (SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute
           WHERE attrelid = 'enc'::regclass AND attnum > 0 AND NOT attisdropped),
          'json: node keys in column order');
SELECT is(keyset_connection_json(NULL::enc, 'id', first => 0)::text,
          '{"edges":[],"pageInfo":{"hasPreviousPage":false,"hasNextPage":true,"startCursor":null,"endCursor":null},"estimatedTotalCount":'
          || (keyset_connection(NULL::enc, 'id', first => 0)->>'estimatedTotalCount') || '}',
          'json: an empty page, exactly');
SELECT is(keyset_connection_json(NULL::enc, 'id', first => 1)->'edges'->0->>'cursor',
          keyset_connection_json(NULL::enc, 'id', first => 1)->'pageInfo'->>'startCursor',
          'json: startCursor is the first edge''s cursor');
SELECT is((SELECT array_agg(id ORDER BY id) FROM keyset_page(NULL::enc, 'id', first => 10,
             after => keyset_connection_json(NULL::enc, 'id', first => 2)->'pageInfo'->>'endCursor') AS p(node, c, hp, hn),
             LATERAL (SELECT (p.node).id) AS x(id)),
          ARRAY[3, 4, 5], 'json: its endCursor continues the walk in keyset_page');
SELECT is(keyset_connection_json(NULL::enc, 'id', last => 2)::jsonb->'pageInfo'->'hasPreviousPage',
          'true'::jsonb, 'json: backward page flags');
-- a control character is \u00XX in the text, and the text parses back exactly
SELECT matches(keyset_connection_json(NULL::enc, 'id', first => 2)::text, '\\u0007 us \\u001f del ' || chr(127),
               'json: control characters escaped, DEL kept');
SELECT throws_ok($$SELECT keyset_connection_json(NULL::enc, json_numbers => 'bigint')$$, '22023',
                 'keyset_connection_json: json_numbers must be ''number'' or ''string''',
                 'json: a bad json_numbers is a clear error naming the function');

-- the class cache follows DDL: a column's type changed, a column dropped and
-- one added, and a cast to json created for a column's type
SELECT keyset_connection(NULL::enc, 'id', first => 5) IS NOT NULL;
ALTER TABLE enc ALTER COLUMN i2 TYPE text, DROP COLUMN f4, ADD COLUMN extra numeric DEFAULT 1.0;
SELECT is(pg_temp.nodes(keyset_connection(NULL::enc, 'id', first => 5)), pg_temp.ref_nodes(5, NULL, false),
          'after ALTER COLUMN TYPE, DROP and ADD COLUMN: nodes are to_jsonb of the rows');
SELECT is(pg_temp.uncursored(keyset_connection_json(NULL::enc, 'id', first => 5)::jsonb),
          pg_temp.uncursored(keyset_connection(NULL::enc, 'id', first => 5)),
          'after ALTER COLUMN TYPE, DROP and ADD COLUMN: json = jsonb');
SELECT is(keyset_connection(NULL::enc, 'id', first => 1)->'edges'->0->'node'->'plain', '"y\"z"'::jsonb,
          'an enum without a cast to json: its label');
CREATE FUNCTION e_plain_json(e_plain) RETURNS json LANGUAGE sql IMMUTABLE
  AS $$ SELECT json_build_array($1::text) $$;
CREATE CAST (e_plain AS json) WITH FUNCTION e_plain_json(e_plain);
SELECT is(keyset_connection(NULL::enc, 'id', first => 1)->'edges'->0->'node'->'plain', '["y\"z"]'::jsonb,
          'CREATE CAST to json: keyset_connection follows to_jsonb at once');
SELECT is(keyset_connection_json(NULL::enc, 'id', first => 1)->'edges'->0->'node'->>'plain', '["y\"z"]',
          'CREATE CAST to json: keyset_connection_json too');
SELECT is(pg_temp.nodes(keyset_connection(NULL::enc, 'id', first => 5)), pg_temp.ref_nodes(5, NULL, false),
          'after CREATE CAST: nodes are to_jsonb of the rows');
DROP CAST (e_plain AS json);
SELECT is(keyset_connection(NULL::enc, 'id', first => 1)->'edges'->0->'node'->'plain', '"y\"z"'::jsonb,
          'DROP CAST: back to the label');

-- a domain over the row type pages the row type, as to_jsonb sees it
CREATE DOMAIN enc_dom AS enc;
SELECT is(pg_temp.uncursored(keyset_connection(NULL::enc_dom, 'id', first => 5)),
          pg_temp.uncursored(keyset_connection(NULL::enc, 'id', first => 5)),
          'a domain over the row type: the same document');
SELECT is(pg_temp.uncursored(keyset_connection_json(NULL::enc_dom, 'id', first => 5)::jsonb),
          pg_temp.uncursored(keyset_connection(NULL::enc, 'id', first => 5)),
          'a domain over the row type: the same json');

-- a dropped row type's entry goes: a backend paging short-lived tables
-- keeps only the live ones' encoders
DO $$
BEGIN
  FOR i IN 1..5 LOOP
    EXECUTE 'CREATE TEMP TABLE enc_tmp (id int PRIMARY KEY, v text)';
    EXECUTE 'INSERT INTO enc_tmp VALUES (1, ''a'')';
    EXECUTE 'SELECT keyset_connection(NULL::enc_tmp, ''id'')';
    EXECUTE 'SELECT keyset_connection_json(NULL::enc_tmp, ''id'')';
    EXECUTE 'DROP TABLE enc_tmp';
  END LOOP;
END $$;
SELECT keyset_connection(NULL::enc, 'id', first => 1) IS NOT NULL;
SELECT is((SELECT count(*)::int FROM pg_backend_memory_contexts WHERE name = 'keyset_connection encoders'), 1,
          'five tables created, paged and dropped: only the live row type''s encoders are kept');

-- DDL inside a call: a cast to json that, while the page is being encoded,
-- pages the same table again (nested call), then drops the table, creates a
-- cast and alters another table.  The call's entry is pinned: the rest of
-- the page is encoded with the descriptor its rows were formed with, and a
-- cast that raises mid-page releases the pin (the entries of dropped types
-- go on the next call).
CREATE TYPE enc_mood AS ENUM ('calm', 'storm');
CREATE TABLE enc_ddl (id int PRIMARY KEY, m enc_mood, note text, n numeric);
INSERT INTO enc_ddl SELECT g, CASE WHEN g = 2 THEN 'storm' ELSE 'calm' END::enc_mood, 'n' || g, g / 2.0
FROM generate_series(1, 4) g;
CREATE TABLE enc_other (id int PRIMARY KEY, v int);
CREATE FUNCTION pg_temp.enc_mood_json(v enc_mood) RETURNS json LANGUAGE plpgsql AS $f$
DECLARE inner_doc jsonb;
BEGIN
  IF v = 'storm' AND current_setting('kp_test.enc_mode') = 'ddl' THEN
    PERFORM set_config('kp_test.enc_mode', 'done', true);
    inner_doc := keyset_connection(NULL::enc_ddl, 'id', first => 1);
    DROP TABLE enc_ddl;
    CREATE CAST (int4range AS json) WITH INOUT;
    ALTER TABLE enc_other ALTER COLUMN v TYPE text;
    RETURN json_build_object('inner', inner_doc->'edges'->0->'node'->'note');
  ELSIF v = 'storm' AND current_setting('kp_test.enc_mode') = 'raise' THEN
    CREATE TEMP TABLE enc_gone (a int);
    RAISE EXCEPTION 'enc_mood_json: storm' USING ERRCODE = 'P0001';
  END IF;
  RETURN to_json(v::text);
END $f$;
CREATE CAST (enc_mood AS json) WITH FUNCTION pg_temp.enc_mood_json(enc_mood);
SELECT set_config('kp_test.enc_mode', 'raise', false);
SELECT throws_ok($$SELECT keyset_connection(NULL::enc_ddl, 'id', first => 4)$$, 'P0001', NULL,
                 'a cast raising mid-page: the call fails cleanly');
SELECT throws_ok($$SELECT keyset_connection_json(NULL::enc_ddl, 'id', first => 4)$$, 'P0001', NULL,
                 'and keyset_connection_json too');
SELECT set_config('kp_test.enc_mode', 'ddl', false);
SAVEPOINT enc_ddl;
SELECT is(pg_temp.uncursored(keyset_connection(NULL::enc_ddl, 'id', first => 4))->'edges',
          '[{"node": {"m": "calm", "n": 0.50000000000000000000, "id": 1, "note": "n1"}},
            {"node": {"m": {"inner": "n1"}, "n": 1.00000000000000000000, "id": 2, "note": "n2"}},
            {"node": {"m": "calm", "n": 1.50000000000000000000, "id": 3, "note": "n3"}},
            {"node": {"m": "calm", "n": 2.00000000000000000000, "id": 4, "note": "n4"}}]'::jsonb,
          'DDL by a cast inside the call (nested call, DROP TABLE, CREATE CAST, ALTER TABLE): the page as read');
ROLLBACK TO SAVEPOINT enc_ddl;
SELECT set_config('kp_test.enc_mode', 'ddl', false);
SELECT is((keyset_connection_json(NULL::enc_ddl, 'id', first => 4)::jsonb)->'edges'->1->'node'->'m',
          '{"inner": "n1"}'::jsonb, 'the same in keyset_connection_json');
ROLLBACK TO SAVEPOINT enc_ddl;
SELECT set_config('kp_test.enc_mode', 'off', false);
SELECT keyset_connection(NULL::enc, 'id', first => 1) IS NOT NULL;
SELECT is((SELECT count(*)::int FROM pg_backend_memory_contexts WHERE name = 'keyset_connection encoders'), 1,
          'after the failed and the DDL calls, only the live entry is kept (pins released)');

-- the cache is bounded: a backend paging many live row types (one table per
-- tenant) keeps the 64 it used last; an evicted type is rebuilt when paged
-- again, with the same document
DO $$
BEGIN
  FOR i IN 1..70 LOOP
    EXECUTE format('CREATE TABLE enc_many_%s (id int PRIMARY KEY, v text, n bigint)', i);
    EXECUTE format('INSERT INTO enc_many_%s VALUES (1, ''a%s'', %s), (2, NULL, -%s)', i, i, i, i);
    EXECUTE format('SELECT keyset_connection(NULL::enc_many_%s, ''id'')', i);
  END LOOP;
END $$;
SELECT is((SELECT count(*)::int FROM pg_backend_memory_contexts WHERE name = 'keyset_connection encoders'), 64,
          '70 live tables paged: the encoder cache keeps 64');
SELECT is(pg_temp.uncursored(keyset_connection(NULL::enc_many_1, 'id'))->'edges',
          (SELECT jsonb_agg(jsonb_build_object('node', to_jsonb(t)) ORDER BY id) FROM enc_many_1 t),
          'an evicted row type is rebuilt: nodes are to_jsonb of the rows');
SELECT is(pg_temp.uncursored(keyset_connection_json(NULL::enc_many_2, 'id')::jsonb),
          pg_temp.uncursored(keyset_connection(NULL::enc_many_2, 'id')),
          'and keyset_connection_json of another evicted one agrees');
SELECT is((SELECT count(*)::int FROM pg_backend_memory_contexts WHERE name = 'keyset_connection encoders'), 64,
          'still 64 after paging evicted types again');

SELECT * FROM finish();
ROLLBACK;
