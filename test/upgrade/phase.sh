#!/usr/bin/env bash
# One side of test/upgrade_matrix.sh, run inside a throwaway cluster
# (pg_virtualenv):
#   phase.sh mint DIR       walks started on the old version, the state (seen
#                           rows, the next cursor, expected orders) kept in a
#                           table, pg_dump -Fc into DIR/kp_up.dump
#   phase.sh continue DIR   pg_restore into this version, the walks continued
#                           from the cursors minted on the old one
# Prints "ok - ..." / "not ok - ..." lines.  The forward walk sorts by a
# column named json: not a keyword in 15, one from 16 on (quote_identifier()
# quotes it there), so the page context must not depend on the version's
# keyword list.
set -uo pipefail
phase=$1
dir=${2:-}
db=kp_up
q() { psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$db" "$@"; }

case "$phase" in
cluster)
  # inside a root: the continue phase on a throwaway cluster of version $2
  v=$2
  . "$(dirname "$0")/../lib/cluster.bash"
  # a clone postgres cannot enter (mktemp -d) serves a readable copy,
  # removed at exit (so no exec here)
  dest="$PWD/.build/matrix/install-$v"
  kp_server_readable dest || exit 1
  kp_cluster_opts "$dest" "$v"
  port_opt=()
  [ -n "${KP_PGPORT:-}" ] && port_opt=(-c "-p $KP_PGPORT")
  pg_virtualenv -t -v "$v" "${port_opt[@]}" "${KP_CLUSTER_OPTS[@]}" bash "$0" continue "$3"
  exit $?
  ;;
mint)
  dropdb --if-exists "$db" >/dev/null 2>&1
  createdb "$db" || exit 1
  q <<'SQL' || exit 1
CREATE EXTENSION keyset_pagination;
CREATE TABLE feed (id integer PRIMARY KEY, json integer NOT NULL, title text NOT NULL,
                   created timestamptz NOT NULL);
INSERT INTO feed
  SELECT g, (g * 37) % 23, 'item ' || g, '2026-01-01 00:00:00+00'::timestamptz + g * interval '1 hour'
  FROM generate_series(1, 200) g;
CREATE INDEX feed_json_id ON feed (json DESC, id);

CREATE FUNCTION up_ok(ok boolean, what text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN ok IS TRUE THEN 'ok' ELSE 'not ok' END || ' - ' || what $$;

-- forward: pages of 9 by (json DESC, id) where json > 3, after cur
CREATE FUNCTION up_fwd(INOUT cur text, pages integer, OUT ids integer[], OUT more boolean)
LANGUAGE plpgsql AS $$
DECLARE r record; n integer := 0;
BEGIN
  ids := '{}'; more := true;
  WHILE more AND n < pages LOOP
    n := n + 1; more := false;
    FOR r IN SELECT (p.node).id AS id, p.cursor, p.has_next_page
             FROM keyset_page(NULL::feed, 'json DESC, id', first => 9, after => cur,
                              filter => 'json > $1', args => ARRAY['3']) p LOOP
      ids := ids || r.id; cur := r.cursor; more := r.has_next_page;
    END LOOP;
  END LOOP;
END $$;

-- backward: pages of 10 in primary-key order, before cur
CREATE FUNCTION up_bwd(INOUT cur text, pages integer, OUT ids integer[], OUT more boolean)
LANGUAGE plpgsql AS $$
DECLARE r record; n integer := 0; page integer[]; first_cur text;
BEGIN
  ids := '{}'; more := true;
  WHILE more AND n < pages LOOP
    n := n + 1; more := false; page := '{}'; first_cur := NULL;
    FOR r IN SELECT (p.node).id AS id, p.cursor, p.has_previous_page
             FROM keyset_page(NULL::feed, last => 10, before => cur) p LOOP
      page := page || r.id; first_cur := coalesce(first_cur, r.cursor); more := r.has_previous_page;
    END LOOP;
    ids := page || ids; cur := first_cur;
  END LOOP;
END $$;

CREATE TABLE up_state (name text PRIMARY KEY, ids integer[], cur text, more boolean, expected integer[], note text);
INSERT INTO up_state SELECT 'fwd', w.ids, w.cur, w.more,
  (SELECT array_agg(id ORDER BY json DESC, id) FROM feed WHERE json > 3), NULL
  FROM up_fwd(NULL, 3) w;
INSERT INTO up_state SELECT 'bwd', w.ids, w.cur, w.more,
  (SELECT array_agg(id ORDER BY id) FROM feed), NULL
  FROM up_bwd(NULL, 2) w;
INSERT INTO up_state SELECT 'user', NULL,
  keyset_cursor_encode(ROW(created, id, title, json::numeric / 7), 'feed'), NULL, NULL,
  format('%s|%s|%s|%s', extract(epoch FROM created), id, title, round(json::numeric / 7, 20))
  FROM feed WHERE id = 42;
SQL
  q <<'SQL'
SELECT up_ok(cardinality(ids) = 27 AND more, format('on %s: walk by (json DESC, id) stopped after 3 pages, more to come',
             current_setting('server_version_num')::int / 10000)) FROM up_state WHERE name = 'fwd';
SELECT up_ok(cardinality(ids) = 20 AND more, format('on %s: backward walk by id stopped after 2 pages, more to come',
             current_setting('server_version_num')::int / 10000)) FROM up_state WHERE name = 'bwd';
SELECT up_ok(keyset_cursor_verify(cur, 'feed'), 'a user cursor minted') FROM up_state WHERE name = 'user';
SQL
  pg_dump -Fc -d "$db" -f "$dir/kp_up.dump" && echo "ok - pg_dump -Fc of the database with cursors in flight" ||
    echo "not ok - pg_dump failed"
  chmod 644 "$dir/kp_up.dump" 2>/dev/null
  dropdb "$db"
  ;;
continue)
  ver=$(psql -X -A -t -d postgres -c "SELECT current_setting('server_version_num')::int / 10000")
  dropdb --if-exists "$db" >/dev/null 2>&1
  createdb "$db" || exit 1
  if out=$(pg_restore --exit-on-error -d "$db" "$dir/kp_up.dump" 2>&1); then
    echo "ok - restored into PostgreSQL $ver"
  else
    echo "not ok - pg_restore into PostgreSQL $ver failed"; sed 's/^/    # /' <<<"$out"; exit 1
  fi
  q -v ver="$ver" <<'SQL'
SELECT up_ok(extversion = '0.2.0', format('%s: the restored extension is %s', :'ver', extversion))
  FROM pg_extension WHERE extname = 'keyset_pagination';
-- forward: the walk continues at the page cursor minted before the dump
SELECT c FROM up_state s, LATERAL up_fwd(s.cur, 1000) w, LATERAL (VALUES
  (up_ok(s.ids || w.ids = s.expected,
         format('%s: the forward walk continued from the cursor minted on the old version: all %s rows in order',
                :'ver', cardinality(s.expected)))),
  (up_ok(NOT w.more AND (SELECT count(DISTINCT x) FROM unnest(s.ids || w.ids) x) = cardinality(s.ids || w.ids),
         format('%s: ... to the end, without a duplicate', :'ver'))),
  (up_ok(w.ids[1] = s.expected[cardinality(s.ids) + 1],
         format('%s: ... starting with the row right after the last one seen', :'ver')))) v(c)
  WHERE s.name = 'fwd';
-- backward
SELECT up_ok(w.ids || s.ids = s.expected AND NOT w.more,
             format('%s: the backward walk continued from its cursor: all %s rows, none twice, none skipped',
                    :'ver', cardinality(s.expected)))
  FROM up_state s, LATERAL up_bwd(s.cur, 1000) w WHERE s.name = 'bwd';
SELECT up_ok(keyset_cursor_verify(cur, 'feed') AND NOT keyset_cursor_verify(cur, 'other'),
             format('%s: the user cursor verifies (and only in its context)', :'ver'))
  FROM up_state WHERE name = 'user';
SELECT up_ok(format('%s|%s|%s|%s', extract(epoch FROM k.created), k.id, k.title, round(k.r, 20)) = s.note,
             format('%s: the user cursor decodes to the same values', :'ver'))
  FROM up_state s, keyset_cursor_decode(s.cur, 'feed') AS k(created timestamptz, id integer, title text, r numeric)
  WHERE s.name = 'user';
SQL
  # the refusal above is a NOTICE
  n=$(q -c "DO \$\$ BEGIN PERFORM * FROM keyset_page(NULL::feed, 'json DESC, id', first => 9,
              after => (SELECT cur FROM up_state WHERE name = 'fwd'), filter => 'json > \$1', args => ARRAY['4']);
              RAISE NOTICE 'accepted'; EXCEPTION WHEN SQLSTATE '22KP1' THEN RAISE NOTICE 'refused'; END \$\$" 2>&1)
  if grep -q refused <<<"$n"; then
    echo "ok - $ver: the old page cursor is refused with other filter arguments (22KP1)"
  else
    echo "not ok - $ver: the old page cursor with other filter arguments: $n"
  fi
  dropdb "$db"
  ;;
*)
  echo "usage: phase.sh mint|continue DIR" >&2; exit 2 ;;
esac
