#!/usr/bin/env bash
# Issue 12: a key declared in a view's or materialized view's comment
# survives pg_dump / restore (plain and custom format), is dropped with the
# relation, and is owned by the relation's owner: the same pages come out of
# the restored databases, keyset_check still names the declaration, and a
# cursor minted in the source seeks the same way there (the signing keys are
# dumped too, see dump_restore.sh).
. "$(dirname "$0")/lib/common.bash"

src=kp_decl1
dst=kp_decl2
dst_fc=kp_decl3
kp_workdir work
kp_dropped_at_exit $dst $dst_fc
kp_fresh_db "$src"
psql -X -q -v ON_ERROR_STOP=1 -d "$src" >/dev/null <<'SQL' || exit 1
CREATE EXTENSION keyset_pagination;
CREATE TABLE authors (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO authors SELECT g, 'author ' || (g % 4) FROM generate_series(1, 20) g;
CREATE TABLE posts (id int PRIMARY KEY, author_id int REFERENCES authors, created_at timestamptz NOT NULL);
INSERT INTO posts SELECT g, CASE WHEN g % 9 = 0 THEN NULL ELSE 1 + g % 20 END,
                         '2026-01-01'::timestamptz + (g / 4) * interval '1 hour'
FROM generate_series(1, 200) g;
CREATE VIEW feed AS SELECT p.id, p.created_at, a.name AS author FROM posts p JOIN authors a ON a.id = p.author_id;
COMMENT ON VIEW feed IS 'The feed. @keyset({"primary_key_columns": ["id"]})';
CREATE MATERIALIZED VIEW author_stats AS SELECT author_id, count(*) AS n FROM posts GROUP BY author_id;
COMMENT ON MATERIALIZED VIEW author_stats IS '@keyset({"primary_key_columns": ["author_id"]})';
SQL
kp_tap_functions "$src"

pages="SELECT string_agg((node).id::text, ',' ORDER BY o) FROM keyset_page(NULL::feed, 'created_at DESC', first => 1000) WITH ORDINALITY AS p(node, c, hp, hn, o)"
stats="SELECT string_agg(coalesce((node).author_id::text, 'null'), ',' ORDER BY o) FROM keyset_page(NULL::author_stats, 'n DESC', first => 1000) WITH ORDINALITY AS p(node, c, hp, hn, o)"
want_feed=$(kp_value "$src" "$pages")
want_stats=$(kp_value "$src" "$stats")
cursor=$(kp_value "$src" "SELECT cursor FROM keyset_page(NULL::feed, 'created_at DESC', first => 50) OFFSET 49")
want_after=$(kp_value "$src" "SELECT string_agg((node).id::text, ',') FROM keyset_page(NULL::feed, 'created_at DESC', first => 10, after => '$cursor')")

kp_dump_restore "$src" "$dst" "$dst_fc" "$work"

for d in "$dst" "$dst_fc"; do
  echo "# restored database $d"
  kp_sql "$d" <<SQL
SELECT tap_ok(unique_by = 'key (id) declared in the comment on public.feed', '$d: the join view''s declaration was restored')
FROM keyset_check(NULL::feed, 'created_at DESC');
SELECT tap_ok(unique_by = 'key (author_id) declared in the comment on public.author_stats',
              '$d: the materialized view''s declaration was restored')
FROM keyset_check(NULL::author_stats, 'n DESC');
SELECT tap_ok(($pages) = '$want_feed', '$d: the join view pages as in $src');
SELECT tap_ok(($stats) = '$want_stats', '$d: the materialized view pages as in $src');
SELECT tap_ok((SELECT string_agg((node).id::text, ',') FROM keyset_page(NULL::feed, 'created_at DESC', first => 10, after => '$cursor'))
              = '$want_after', '$d: a cursor minted in $src continues the walk');
SQL
done

# dropped with the relation: a new view of the same name declares nothing
kp_sql "$src" <<'SQL'
DROP VIEW feed;
CREATE VIEW feed AS SELECT p.id, p.created_at, a.name AS author FROM posts p JOIN authors a ON a.id = p.author_id;
SELECT tap_ok(NOT is_unique AND unique_by IS NULL, 'a view dropped and re-created has no declaration')
FROM keyset_check(NULL::feed, 'created_at DESC');
SQL

kp_done
