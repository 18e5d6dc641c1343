#!/usr/bin/env bash
# Cache invalidation matrix (issue 9): each DDL that can change what a cached
# seek means is done by ANOTHER session (B) while session A, one backend
# from start to end, has the query cached; A's next page must show the
# right rows or a clean error (never another relation's rows, never a
# crash).  B's commands run from inside A's psql script with \! so the
# order of events is exact.
. "$(dirname "$0")/lib/common.bash"

db=kp_sh_invalidation
role=kp_sh_inval_reader
kp_dropped_role_at_exit $role
kp_fresh_db "$db"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<SQL || exit 1
CREATE EXTENSION keyset_pagination;
CREATE ROLE $role;
GRANT USAGE ON SCHEMA public TO $role;
-- the ids of one page (up to 100 rows), as text
CREATE FUNCTION ids(rel anyelement, ob text DEFAULT NULL, flt text DEFAULT NULL) RETURNS text
LANGUAGE sql AS \$\$
  SELECT coalesce(string_agg((p.node).id::text, ',' ORDER BY o), '')
  FROM keyset_page(rel, ob, 100, filter => flt) WITH ORDINALITY p(node, c, hp, hn, o)
\$\$;
-- the page's ids, or the SQLSTATE of its error
CREATE FUNCTION try(sql text) RETURNS text LANGUAGE plpgsql AS \$\$
DECLARE r text;
BEGIN
  EXECUTE sql INTO r;
  RETURN r;
EXCEPTION WHEN OTHERS THEN
  RETURN 'ERROR ' || SQLSTATE;
END \$\$;
GRANT EXECUTE ON FUNCTION ids(anyelement, text, text), try(text) TO $role;
SQL
kp_tap_functions "$db"

B="psql -X -q -v ON_ERROR_STOP=1 -d $db -c"

kp_sql "$db" <<SQL
SELECT pg_backend_pid() AS a_pid \gset

-- schema rename: two schemas swap names (same row types)
CREATE SCHEMA sa; CREATE SCHEMA sb;
CREATE TABLE sa.t (id int PRIMARY KEY); CREATE TABLE sb.t (id int PRIMARY KEY);
INSERT INTO sa.t VALUES (1), (2); INSERT INTO sb.t VALUES (101), (102);
SELECT tap_ok(ids(NULL::sa.t) = '1,2', 'schema rename: A caches sa.t');
\! $B "ALTER SCHEMA sa RENAME TO sa_old; ALTER SCHEMA sb RENAME TO sa"
SELECT tap_ok(try(\$\$SELECT ids(NULL::sa_old.t)\$\$) = '1,2', 'schema rename: A pages the renamed table''s own rows');
SELECT tap_ok(try(\$\$SELECT ids(NULL::sa.t)\$\$) = '101,102', 'schema rename: and the table now named sa.t');

-- schema rename, other key type (the old code crashed)
CREATE SCHEMA sc; CREATE SCHEMA sd;
CREATE TABLE sc.t (id int PRIMARY KEY, v text NOT NULL); CREATE TABLE sd.t (id int PRIMARY KEY, v bigint NOT NULL);
INSERT INTO sc.t VALUES (1, 'a'), (2, 'b'); INSERT INTO sd.t VALUES (101, 7), (102, 8);
SELECT tap_ok(ids(NULL::sc.t, 'v') = '1,2', 'schema rename, key type: A caches sc.t by v');
\! $B "ALTER SCHEMA sc RENAME TO sc_old; ALTER SCHEMA sd RENAME TO sc"
SELECT tap_ok(try(\$\$SELECT ids(NULL::sc_old.t, 'v')\$\$) = '1,2', 'schema rename, key type: no crash, the renamed table''s rows');

-- table rename: two tables swap names
CREATE TABLE ta (id int PRIMARY KEY); CREATE TABLE tb (id int PRIMARY KEY);
INSERT INTO ta VALUES (1), (2); INSERT INTO tb VALUES (101), (102);
SELECT tap_ok(ids(NULL::ta) = '1,2', 'table rename: A caches ta');
\! $B "ALTER TABLE ta RENAME TO tmp; ALTER TABLE tb RENAME TO ta; ALTER TABLE tmp RENAME TO tb"
SELECT tap_ok(try(\$\$SELECT ids(NULL::tb)\$\$) = '1,2', 'table rename: the first table, now tb, pages its rows');
SELECT tap_ok(try(\$\$SELECT ids(NULL::ta)\$\$) = '101,102', 'table rename: the second table, now ta, pages its rows');

-- DROP and CREATE under the same name
CREATE TABLE td (id int PRIMARY KEY, v int NOT NULL);
INSERT INTO td VALUES (1, 1), (2, 2);
SELECT tap_ok(ids(NULL::td, 'v') = '1,2', 'drop/create: A caches td');
\! $B "DROP TABLE td; CREATE TABLE td (id bigint PRIMARY KEY, v text NOT NULL); INSERT INTO td VALUES (201, 'x'), (202, 'y')"
SELECT tap_ok(try(\$\$SELECT ids(NULL::td, 'v')\$\$) = '201,202', 'drop/create: A pages the new table');

-- column rename and type change
CREATE TABLE tc (id int PRIMARY KEY, v int NOT NULL);
INSERT INTO tc VALUES (1, 20), (2, 10);
SELECT tap_ok(ids(NULL::tc, 'v') = '2,1', 'column rename: A caches tc by v');
\! $B "ALTER TABLE tc RENAME COLUMN v TO w"
SELECT tap_ok(try(\$\$SELECT ids(NULL::tc, 'v')\$\$) = 'ERROR 42703', 'column rename: the old name is a clean unknown-column error');
SELECT tap_ok(try(\$\$SELECT ids(NULL::tc, 'w')\$\$) = '2,1', 'column rename: the new name pages');
\! $B "ALTER TABLE tc ALTER COLUMN w TYPE text USING (w * -1)::text"
SELECT tap_ok(try(\$\$SELECT ids(NULL::tc, 'w')\$\$) = '2,1', 'column type change: pages by the text values');
\! $B "ALTER TABLE tc RENAME COLUMN w TO tmp; ALTER TABLE tc ADD COLUMN w int; UPDATE tc SET w = id"
SELECT tap_ok(try(\$\$SELECT ids(NULL::tc, 'w')\$\$) = '1,2', 'column swapped under the same name: pages by the new column');

-- index changes
CREATE TABLE ti (id int PRIMARY KEY, v int NOT NULL);
INSERT INTO ti SELECT i, 100 - i FROM generate_series(1, 50) i;
SET enable_seqscan = off;
SELECT tap_ok(ids(NULL::ti, 'v') LIKE '50,49,48,%', 'index: A caches ti by v (no index on v)');
\! $B "CREATE INDEX ti_v ON ti (v, id)"
SELECT tap_ok(try(\$\$SELECT ids(NULL::ti, 'v')\$\$) LIKE '50,49,48,%', 'index created: same rows');
SELECT tap_ok(EXISTS (SELECT 1 FROM keyset_explain(NULL::ti, 'v', first => 3) l WHERE l LIKE '%ti_v%'),
              'index created: the very next seek uses it');
\! $B "DROP INDEX ti_v"
SELECT tap_ok(try(\$\$SELECT ids(NULL::ti, 'v')\$\$) LIKE '50,49,48,%', 'index dropped: same rows');
\! $B "ALTER TABLE ti DROP CONSTRAINT ti_pkey; CREATE UNIQUE INDEX ti_v_u ON ti (v)"
SELECT tap_ok(try(\$\$SELECT ids(NULL::ti, 'v')\$\$) = 'ERROR 42P10' OR try(\$\$SELECT ids(NULL::ti, 'v')\$\$) LIKE '50,49,48,%',
              'primary key dropped: a clean refusal or the same rows (v is unique)');
RESET enable_seqscan;

-- policy changes, for a role A switches to (SET ROLE)
CREATE TABLE tp (id int PRIMARY KEY, owner name NOT NULL);
INSERT INTO tp VALUES (1, '$role'), (2, 'postgres'), (3, '$role');
GRANT SELECT ON tp TO $role;
SET ROLE $role;
SELECT tap_ok(ids(NULL::tp) = '1,2,3', 'policy: A (as $role) caches tp, no RLS yet');
\! $B "ALTER TABLE tp ENABLE ROW LEVEL SECURITY; CREATE POLICY mine ON tp USING (owner = current_user)"
SELECT tap_ok(try(\$\$SELECT ids(NULL::tp)\$\$) = '1,3', 'policy created: A sees only its rows');
\! $B "DROP POLICY mine ON tp; CREATE POLICY none ON tp USING (false)"
SELECT tap_ok(try(\$\$SELECT ids(NULL::tp)\$\$) = '', 'policy replaced: A sees no rows');
\! $B "REVOKE SELECT ON tp FROM $role"
SELECT tap_ok(try(\$\$SELECT ids(NULL::tp)\$\$) = 'ERROR 42501', 'privilege revoked: a clean permission error');
RESET ROLE;
SELECT tap_ok(try(\$\$SELECT ids(NULL::tp)\$\$) = '1,2,3', 'SET ROLE back to the owner: every row again');
SET ROLE $role;
SELECT tap_ok(try(\$\$SELECT ids(NULL::tp)\$\$) = 'ERROR 42501', 'SET ROLE to the role again: refused again (no plan cached as the owner reused)');
RESET ROLE;

-- search_path: a table created by B in a schema earlier on A's path
CREATE SCHEMA early;
CREATE TABLE ts (id int PRIMARY KEY);
INSERT INTO ts VALUES (1), (2);
SET search_path = early, public;
SELECT tap_ok(ids(NULL::ts) = '1,2', 'search_path: A caches public.ts through its path');
\! $B "CREATE TABLE early.ts (id int PRIMARY KEY); INSERT INTO early.ts VALUES (301)"
SELECT tap_ok(try(\$\$SELECT ids(NULL::ts)\$\$) = '301', 'search_path: NULL::ts now names early.ts, which pages its own rows');
SELECT tap_ok(try(\$\$SELECT ids(NULL::public.ts)\$\$) = '1,2', 'search_path: public.ts still pages its rows');
SET search_path = public;
SELECT tap_ok(try(\$\$SELECT ids(NULL::ts)\$\$) = '1,2', 'search_path changed in A: public.ts again');

-- keyset_connection's column encoders (issue 15), cached per row type in A:
-- B changes a column's type, drops and adds columns, and creates a cast to
-- json for a column's type; A's nodes stay exactly to_jsonb of the rows
CREATE TYPE cj_mood AS ENUM ('sad', 'happy');
CREATE TABLE cj (id int PRIMARY KEY, v int, w text, m cj_mood);
INSERT INTO cj VALUES (1, 10, 'a', 'sad'), (2, 20, NULL, 'happy');
CREATE FUNCTION cj_same() RETURNS boolean LANGUAGE sql AS \$\$
  SELECT (SELECT jsonb_agg(e->'node') FROM jsonb_array_elements(keyset_connection(NULL::cj, 'id')->'edges') e)
       = (SELECT jsonb_agg(to_jsonb(p.node)) FROM keyset_page(NULL::cj, 'id') p)
     AND keyset_connection_json(NULL::cj, 'id')::jsonb - 'edges' = keyset_connection(NULL::cj, 'id') - 'edges'
\$\$;
SELECT tap_ok(cj_same() AND keyset_connection(NULL::cj, 'id')->'edges'->0->'node'->'v' = '10',
              'encoders: A caches cj''s columns');
\! $B "ALTER TABLE cj ALTER COLUMN v TYPE numeric USING v + 0.5, DROP COLUMN w, ADD COLUMN x text DEFAULT 'x'"
SELECT tap_ok(cj_same() AND keyset_connection(NULL::cj, 'id')->'edges'->0->'node'->'v' = '10.5'
              AND keyset_connection_json(NULL::cj, 'id')->'edges'->0->'node'->>'x' = 'x',
              'encoders: B''s ALTER TABLE is seen by A''s next call (type changed, column dropped, column added)');
\! $B "CREATE FUNCTION cj_mood_json(v cj_mood) RETURNS json LANGUAGE sql IMMUTABLE AS 'SELECT json_build_object(''m'', v::text)'; CREATE CAST (cj_mood AS json) WITH FUNCTION cj_mood_json(cj_mood)"
SELECT tap_ok(cj_same() AND keyset_connection(NULL::cj, 'id')->'edges'->0->'node'->'m' = '{"m": "sad"}',
              'encoders: B''s CREATE CAST to json is seen by A''s next call');

SELECT tap_ok(pg_backend_pid() = :a_pid, 'A was one backend throughout (no crash)');
SQL
kp_done
