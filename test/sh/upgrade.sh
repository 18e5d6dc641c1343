#!/usr/bin/env bash
# The update path, in the discipline of contrib's oldextversions tests.
#
# kp_up_old: CREATE EXTENSION ... VERSION '0.1.0' (served by the current
# library: one .so serves every version's schema), use every function once,
# mint page and user cursors, rotate the key, mint more; then ALTER
# EXTENSION keyset_pagination UPDATE.  kp_up_new: a fresh install of the
# default version.  Then:
#   - the extension's objects are identical in both: every member's
#     pg_describe_object with its definition, owner, ACL, comment (tables
#     with columns, constraints, indexes, triggers; sequences with their
#     parameters; functions with pg_get_functiondef; types), the extension's
#     version and its configuration tables -- generic, so the objects later
#     SQL-surface changes add are compared too;
#   - the cursors minted before the update verify, decode and continue
#     their walk, in the session that ran the update and in a new one;
#   - the signing key table (and its sequence) is unchanged.
# Every older version with an install script in sql/ is checked the same way.
. "$(dirname "$0")/lib/common.bash"
cd "$KP_ROOT" || exit 1

ext=keyset_pagination
new=kp_up_new
kp_workdir work
kp_dropped_at_exit "$new"

default=$(sed -n "s/^default_version *= *'\([^']*\)'.*/\1/p" $ext.control)
# the versions with their own install script, older than the default
old_versions=$(ls sql/$ext--*.sql | sed -n "s|^sql/$ext--\([0-9.]*\)\.sql$|\1|p" | grep -vx "$default" | sort -V)
[ -n "$old_versions" ] || { echo "    not ok - no older install script in sql/"; exit 1; }

# kp_cmp.members(): one line per extension member (and one for the extension
# itself), in a stable order, naming no OID.  Created outside the extension.
cmp_functions() {
  psql -X -q -v ON_ERROR_STOP=1 -d "$1" >/dev/null <<'SQL'
CREATE SCHEMA kp_cmp;
CREATE FUNCTION kp_cmp.comment(cls regclass, oid oid, sub int DEFAULT 0) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT coalesce(' comment=' || pg_catalog.quote_literal(description), '')
  FROM (SELECT NULL) x LEFT JOIN pg_catalog.pg_description d
    ON d.classoid = cls AND d.objoid = oid AND d.objsubid = sub
$$;
-- a relation: kind, owner, ACL, options, columns in order, constraints,
-- indexes, triggers, policies, rules, view text, sequence parameters
CREATE FUNCTION kp_cmp.relation(r oid) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT concat_ws(E'\n  ',
    format('kind=%s persistence=%s owner=%s acl=%s options=%s rls=%s/%s',
           c.relkind, c.relpersistence, pg_catalog.pg_get_userbyid(c.relowner), c.relacl,
           c.reloptions, c.relrowsecurity, c.relforcerowsecurity) || kp_cmp.comment('pg_class', r),
    (SELECT string_agg(format('column %s %s notnull=%s default=%s collation=%s identity=%s generated=%s acl=%s',
                              a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull,
                              pg_catalog.pg_get_expr(ad.adbin, ad.adrelid), co.collname, a.attidentity,
                              a.attgenerated, a.attacl) || kp_cmp.comment('pg_class', r, a.attnum),
                       E'\n  ' ORDER BY a.attnum)
     FROM pg_catalog.pg_attribute a
     LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
     LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation AND a.attcollation <> 0
     WHERE a.attrelid = r AND a.attnum > 0 AND NOT a.attisdropped),
    (SELECT string_agg(format('constraint %s %s', conname, pg_catalog.pg_get_constraintdef(oid)),
                       E'\n  ' ORDER BY conname)
     FROM pg_catalog.pg_constraint WHERE conrelid = r),
    (SELECT string_agg('index ' || pg_catalog.pg_get_indexdef(indexrelid), E'\n  ' ORDER BY 1)
     FROM pg_catalog.pg_index WHERE indrelid = r),
    (SELECT string_agg(format('trigger %s enabled=%s', pg_catalog.pg_get_triggerdef(oid), tgenabled),
                       E'\n  ' ORDER BY tgname)
     FROM pg_catalog.pg_trigger WHERE tgrelid = r AND NOT tgisinternal),
    (SELECT string_agg(format('policy %s %s %s roles=%s using=%s check=%s', polname, polcmd, polpermissive,
                              polroles::regrole[], pg_catalog.pg_get_expr(polqual, polrelid),
                              pg_catalog.pg_get_expr(polwithcheck, polrelid)), E'\n  ' ORDER BY polname)
     FROM pg_catalog.pg_policy WHERE polrelid = r),
    (SELECT string_agg(format('rule %s', pg_catalog.pg_get_ruledef(oid)), E'\n  ' ORDER BY rulename)
     FROM pg_catalog.pg_rewrite WHERE ev_class = r AND rulename <> '_RETURN'),
    CASE WHEN c.relkind IN ('v', 'm') THEN 'view ' || pg_catalog.pg_get_viewdef(r) END,
    (SELECT format('sequence type=%s start=%s increment=%s min=%s max=%s cache=%s cycle=%s',
                   seqtypid::regtype, seqstart, seqincrement, seqmin, seqmax, seqcache, seqcycle)
     FROM pg_catalog.pg_sequence WHERE seqrelid = r))
  FROM pg_catalog.pg_class c WHERE c.oid = r
$$;
CREATE FUNCTION kp_cmp.members(extname name) RETURNS SETOF text LANGUAGE sql STABLE AS $$
  SELECT format('extension %s version=%s relocatable=%s schema=%s owner=%s config=%s conditions=%s',
                e.extname, e.extversion, e.extrelocatable, e.extnamespace::regnamespace,
                pg_catalog.pg_get_userbyid(e.extowner),
                (SELECT array_agg(x::regclass::text ORDER BY x::regclass::text) FROM unnest(e.extconfig) x),
                e.extcondition)
  FROM pg_catalog.pg_extension e WHERE e.extname = members.extname
  UNION ALL
  (SELECT pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid) || E'\n  ' ||
         CASE d.classid
           WHEN 'pg_catalog.pg_proc'::regclass THEN
             (SELECT format('owner=%s acl=%s', pg_catalog.pg_get_userbyid(p.proowner), p.proacl)
                     || kp_cmp.comment('pg_proc', p.oid) || E'\n  ' ||
                     CASE WHEN p.prokind = 'a'
                          THEN format('aggregate %s(%s) returns %s', p.oid::regprocedure,
                                      pg_catalog.pg_get_function_arguments(p.oid), p.prorettype::regtype)
                          ELSE pg_catalog.pg_get_functiondef(p.oid) END
              FROM pg_catalog.pg_proc p WHERE p.oid = d.objid)
           WHEN 'pg_catalog.pg_class'::regclass THEN kp_cmp.relation(d.objid)
           WHEN 'pg_catalog.pg_type'::regclass THEN
             (SELECT format('type %s kind=%s owner=%s acl=%s base=%s notnull=%s default=%s enum=%s',
                            pg_catalog.format_type(t.oid, NULL), t.typtype, pg_catalog.pg_get_userbyid(t.typowner),
                            t.typacl, t.typbasetype::regtype, t.typnotnull, t.typdefault,
                            (SELECT array_agg(enumlabel ORDER BY enumsortorder) FROM pg_catalog.pg_enum WHERE enumtypid = t.oid))
                     || kp_cmp.comment('pg_type', t.oid)
                     || coalesce(E'\n  ' || (SELECT string_agg(format('constraint %s %s', conname, pg_catalog.pg_get_constraintdef(oid)), E'\n  ' ORDER BY conname)
                                            FROM pg_catalog.pg_constraint WHERE contypid = t.oid), '')
                     || CASE WHEN t.typrelid <> 0 THEN E'\n  ' || kp_cmp.relation(t.typrelid) ELSE '' END
              FROM pg_catalog.pg_type t WHERE t.oid = d.objid)
           ELSE
             (SELECT format('address %s %s %s', type, object_names, object_args)
              FROM pg_catalog.pg_identify_object_as_address(d.classid, d.objid, d.objsubid))
             || kp_cmp.comment(d.classid, d.objid)
         END
   FROM pg_catalog.pg_depend d
   JOIN pg_catalog.pg_extension e ON d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.refobjid = e.oid
   WHERE e.extname = members.extname AND d.deptype = 'e'
   ORDER BY 1)
$$;
SQL
}

createdb "$new" || exit 1
psql -X -q -v ON_ERROR_STOP=1 -d "$new" -c "CREATE EXTENSION $ext" >/dev/null || exit 1
cmp_functions "$new"
psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$new" -c "SELECT kp_cmp.members('$ext')" >"$work/new.txt" || exit 1
kp_ok "$(grep -q "^extension $ext version=$default " "$work/new.txt" && echo t || echo f)" \
  "fresh install is version $default"
kp_ok "$([ "$(grep -c '^function ' "$work/new.txt")" -ge 13 ] && echo t || echo f)" \
  "the comparison sees the functions ($(grep -c '^function ' "$work/new.txt")), the key table and its sequence" 

# the walk a page cursor continues: ids after the cursor, 7 a page, to the end
walk_sql="
CREATE FUNCTION kp_cmp.walk(c text) RETURNS int[] LANGUAGE plpgsql AS \$\$
DECLARE ids int[] := '{}'; r record; last text; more boolean;
BEGIN
  LOOP
    more := false;
    FOR r IN SELECT * FROM keyset_page(NULL::items, 'v', first => 7, after => c) LOOP
      ids := ids || (r.node).id; last := r.cursor; more := r.has_next_page;
    END LOOP;
    EXIT WHEN NOT more;
    c := last;
  END LOOP;
  RETURN ids;
END \$\$;"

for v in $old_versions; do
  old=kp_up_old_${v//./_}
  echo "# from $v"
  kp_fresh_db "$old"
  psql -X -q -v ON_ERROR_STOP=1 -d "$old" >/dev/null <<SQL || exit 1
CREATE EXTENSION $ext VERSION '$v';
CREATE TABLE items (id int PRIMARY KEY, v int NOT NULL);
INSERT INTO items SELECT i, i % 10 FROM generate_series(1, 50) i;
CREATE INDEX ON items (v, id);
SQL
  cmp_functions "$old"
  kp_tap_functions "$old"
  psql -X -q -v ON_ERROR_STOP=1 -d "$old" -c "$walk_sql" >/dev/null || exit 1

  # the old schema with the current library: every function once
  kp_sql "$old" <<SQL
SELECT tap_ok((SELECT extversion FROM pg_extension WHERE extname = '$ext') = '$v', 'installed version $v');
SELECT tap_ok(keyset_cursor_verify(keyset_cursor_encode(ROW(1), 'c'), 'c'), '$v schema: encode/verify');
SELECT tap_ok((SELECT a FROM keyset_cursor_decode(keyset_cursor_encode(ROW(7)), NULL) AS k(a int)) = 7, '$v schema: decode');
SELECT tap_ok((SELECT count(*) FROM keyset_page(NULL::items, 'v', first => 5)) = 5, '$v schema: keyset_page');
SELECT tap_ok(jsonb_array_length(keyset_connection(NULL::items, 'v', first => 3) -> 'edges') = 3, '$v schema: keyset_connection');
SELECT tap_ok((SELECT is_unique FROM keyset_check(NULL::items, 'v')), '$v schema: keyset_check');
SELECT tap_ok((SELECT count(*) FROM keyset_explain(NULL::items, 'v', first => 5)) > 0, '$v schema: keyset_explain');
SELECT tap_ok(keyset_count_estimate(NULL::items) > 0, '$v schema: keyset_count_estimate');
SELECT tap_ok((SELECT count(*) FROM keyset_offset_page(NULL::items, 'v', 2, 5)) = 5, '$v schema: keyset_offset_page');
SQL

  # cursors minted with the install key: page cursor P (after the 5th row)
  # and user cursor U; then a rotation and, in a new session (new key),
  # page cursor P2 (after the 12th row) and user cursor U2
  P=$(kp_value "$old" "SELECT cursor FROM keyset_page(NULL::items, 'v', first => 5) OFFSET 4")
  U=$(kp_value "$old" "SELECT keyset_cursor_encode(ROW(42, 'x'::text), 'up')")
  kp_value "$old" "SELECT keyset_rotate_key()" >/dev/null
  P2=$(kp_value "$old" "SELECT cursor FROM keyset_page(NULL::items, 'v', first => 12) OFFSET 11")
  U2=$(kp_value "$old" "SELECT keyset_cursor_encode(ROW(43, 'y'::text), 'up')")
  keys_before=$(kp_value "$old" "SELECT md5(string_agg(format('%s|%s|%s|%s|%s', key_id, encode(secret, 'hex'), origin, created_at, retired_at), ',' ORDER BY key_id)) || ':' || count(*) FROM keyset_signing_key")
  seq_before=$(kp_value "$old" "SELECT last_value FROM keyset_signing_key_id_seq")
  expect_p=$(kp_value "$old" "SELECT array_agg(id ORDER BY v, id) FROM (SELECT id, v FROM items ORDER BY v, id OFFSET 5) s")
  expect_p2=$(kp_value "$old" "SELECT array_agg(id ORDER BY v, id) FROM (SELECT id, v FROM items ORDER BY v, id OFFSET 12) s")
  expect_back=$(kp_value "$old" "SELECT array_agg(id ORDER BY v, id) FROM (SELECT id, v FROM items ORDER BY v, id LIMIT 4) s")
  kp_sql "$old" <<SQL
SELECT tap_ok(t_key_id('$P') = 1 AND t_key_id('$U') = 1 AND t_key_id('$P2') = 2 AND t_key_id('$U2') = 2,
              'before the update: P and U signed with key 1, P2 and U2 with the rotated key 2');
SELECT tap_ok(kp_cmp.walk('$P') = '$expect_p', 'before the update: P continues its walk');
SQL

  # the update, and in the same session: the cursors still work
  kp_sql "$old" <<SQL
ALTER EXTENSION $ext UPDATE;
SELECT tap_ok((SELECT extversion FROM pg_extension WHERE extname = '$ext') = '$default', 'ALTER EXTENSION UPDATE: $v -> $default');
SELECT tap_ok(kp_cmp.walk('$P') = '$expect_p', 'same session, after the update: P (key 1) continues its walk to the end');
SELECT tap_ok(keyset_cursor_verify('$U2', 'up'), 'same session, after the update: U2 (key 2) verifies');
SQL

  psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$old" -c "SELECT kp_cmp.members('$ext')" >"$work/old.txt" || exit 1
  if diff -u "$work/new.txt" "$work/old.txt" >"$work/diff.txt"; then
    kp_ok t "updated from $v: the extension's objects are identical to a fresh $default install ($(grep -c '^[a-z]' "$work/new.txt") members)"
  else
    kp_ok f "updated from $v: the extension's objects are identical to a fresh $default install (diff: fresh vs updated)"
    sed 's/^/    # /' "$work/diff.txt" | head -80
  fi

  # a new session (key cache loaded after the update)
  kp_sql "$old" <<SQL
SELECT tap_ok(md5(string_agg(format('%s|%s|%s|%s|%s', key_id, encode(secret, 'hex'), origin, created_at, retired_at), ',' ORDER BY key_id)) || ':' || count(*)
              = '$keys_before', 'the signing key table is unchanged by the update (2 keys, same secrets and dates)')
FROM keyset_signing_key;
SELECT tap_ok((SELECT last_value FROM keyset_signing_key_id_seq) = $seq_before, 'its sequence is unchanged');
SELECT tap_ok(keyset_cursor_verify('$U', 'up') AND keyset_cursor_verify('$U2', 'up'), 'new session: U and U2 verify');
SELECT tap_ok((SELECT format('%s/%s', a, b) FROM keyset_cursor_decode('$U', 'up') AS k(a int, b text)) = '42/x'
              AND (SELECT format('%s/%s', a, b) FROM keyset_cursor_decode('$U2', 'up') AS k(a int, b text)) = '43/y',
              'new session: U and U2 decode to their values');
SELECT tap_ok(kp_cmp.walk('$P') = '$expect_p', 'new session: P (key 1) continues its walk to the end');
SELECT tap_ok(kp_cmp.walk('$P2') = '$expect_p2', 'new session: P2 (key 2) continues its walk to the end');
SELECT tap_ok((SELECT array_agg((node).id) FROM keyset_page(NULL::items, 'v', last => 4, before => '$P')) = '$expect_back'
              AND NOT (SELECT bool_or(has_previous_page) FROM keyset_page(NULL::items, 'v', last => 4, before => '$P')),
              'new session: P pages backward to the first 4 rows, and no previous page');
SELECT tap_ok(t_key_id((SELECT cursor FROM keyset_page(NULL::items, 'v', first => 1))) = 2,
              'new session: new cursors are signed with key 2');
SELECT tap_ok(keyset_rotate_key() = 3, 'rotation after the update: key 3');
SELECT tap_ok(keyset_retire_keys(2) = 1, 'retiring all but 2 keys retires key 1');
SQL
  kp_sql "$old" <<SQL
SELECT tap_ok(NOT keyset_cursor_verify('$U', 'up') AND keyset_cursor_verify('$U2', 'up'),
              'after retiring key 1: U is refused, U2 still verifies');
SQL
done

kp_done
