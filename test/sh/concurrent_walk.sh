#!/usr/bin/env bash
# Randomized concurrent walk: keyset_page versus LIMIT/OFFSET under writes.
#
# Runs inside the test cluster's environment (PGHOST, PGPORT, PGUSER, ...).
# Creates its own database, drops it at the end.
#
# A 2000-row table is paged by 4 walkers at once, each in its own backend.
# Every walker walks the table twice in lockstep, with keyset_page and with
# plain LIMIT/OFFSET in the same order, and between every two pages commits
# one random write (an insert or a delete of a random row), up to 50 writes
# a walker, about 200 in all; the other walkers' writes land concurrently.  Walkers:
#   1  created_at DESC, id DESC                forward  (first/after)
#   2  score NULLS FIRST, created_at (+ id)    forward  (score has NULLs)
#   3  created_at DESC, id DESC                backward (last/before)
#   4  score DESC NULLS LAST, created_at (+id) backward (mixed directions)
# created_at has many ties (500 distinct values over 2000 rows) and score
# only 10 values plus NULL, so the tiebreaker decides most page seams.
#
# Property, for every walker:
#   keyset: every row present at the start and never deleted is seen exactly
#           once, no row at all is seen twice, and rows come in strictly
#           increasing sort order across the whole walk;
#   offset: the same counts are reported; at least one anomaly (a duplicate
#           or a skip) must show up over all walkers, which proves the
#           workload really disturbs a walk.
# Exits non-zero on any keyset violation, if offset shows no anomaly, on a
# walker error, or after 60 seconds.
. "$(dirname "$0")/lib/common.bash"

DB=kp_conc
PS=${KP_CONC_PAGE_SIZE:-40}     # page size
WRITES=${KP_CONC_WRITES:-50}   # writes per walker
LIMIT_S=60

psql_db() { psql -X -q -v ON_ERROR_STOP=1 -d "$DB" "$@"; }

kp_fresh_db "$DB"

psql_db >/dev/null <<'SQL' || { echo "concurrent_walk: setup failed"; exit 1; }
CREATE EXTENSION keyset_pagination;
SELECT setseed(0.5);
CREATE TABLE items (
  id serial PRIMARY KEY,
  created_at timestamptz NOT NULL,
  score int
);
INSERT INTO items (created_at, score)
  SELECT '2024-01-01 00:00+00'::timestamptz + (random() * 499)::int * interval '1 minute',
         CASE WHEN random() < 0.1 THEN NULL ELSE (random() * 9)::int END
  FROM generate_series(1, 2000);
CREATE INDEX ON items (created_at DESC, id DESC);
CREATE INDEX ON items (score, created_at, id);
ANALYZE items;

CREATE TABLE start_ids AS SELECT id FROM items;
CREATE TABLE deleted (id int, walker int, at timestamptz DEFAULT clock_timestamp());
CREATE TABLE inserted (id int, walker int, at timestamptz DEFAULT clock_timestamp());
-- every row a walk returned, with its key (keys never change here)
CREATE TABLE seen (walker int, mode text, page int, ord int, id int,
                   created_at timestamptz, score int);
CREATE TABLE barrier (walker int);
CREATE TABLE walkers (walker int PRIMARY KEY, sort text, offset_order text,
                      backward boolean, seed float8);
INSERT INTO walkers VALUES
  (1, 'created_at DESC, id DESC',              'created_at DESC, id DESC',                          false, 0.11),
  (2, 'score NULLS FIRST, created_at',         'score ASC NULLS FIRST, created_at ASC, id ASC',     false, 0.22),
  -- backward: OFFSET counts from the other end, so its ORDER BY is reversed
  (3, 'created_at DESC, id DESC',              'created_at ASC, id ASC',                            true,  0.33),
  (4, 'score DESC NULLS LAST, created_at ASC', 'score ASC NULLS FIRST, created_at DESC, id DESC',   true,  0.44);

-- The walker: one keyset page, one offset page, commit, one write, commit;
-- until both walks are done.
CREATE PROCEDURE walk(w int, ps int, nwrites int)
LANGUAGE plpgsql AS $$
DECLARE
  cfg walkers;
  kcur text;
  kdone boolean := false;
  odone boolean := false;
  pageno int := 0;
  n bigint;
  c_first text;
  c_last text;
  more boolean;
  writes int := 0;
  victim int;
BEGIN
  SELECT * INTO cfg FROM walkers WHERE walker = w;
  PERFORM setseed(cfg.seed);
  -- start together: wait until every walker has arrived (bounded)
  INSERT INTO barrier VALUES (w);
  COMMIT;
  FOR i IN 1 .. 2000 LOOP
    EXIT WHEN (SELECT count(*) FROM barrier) >= (SELECT count(*) FROM walkers);
    PERFORM pg_sleep(0.005);
    COMMIT;
  END LOOP;
  WHILE NOT (kdone AND odone) LOOP
    pageno := pageno + 1;
    IF pageno > 4000 / ps + 100 THEN
      RAISE EXCEPTION 'walker %: walk does not end', w;
    END IF;

    IF NOT kdone THEN
      -- the page and its keys are logged from the same call
      IF NOT cfg.backward THEN
        WITH p AS (
          SELECT (p.node).id, (p.node).created_at, (p.node).score, p.cursor,
                 p.has_next_page AS more, p.ord
          FROM keyset_page(NULL::items, cfg.sort, first => ps, after => kcur)
               WITH ORDINALITY p(node, cursor, has_previous_page, has_next_page, ord)),
        logged AS (
          INSERT INTO seen SELECT w, 'keyset', pageno, ord, id, created_at, score FROM p)
        SELECT (array_agg(p.cursor ORDER BY p.ord DESC))[1], bool_or(p.more)
          INTO c_last, more FROM p;
        kcur := coalesce(c_last, kcur);
      ELSE
        WITH p AS (
          SELECT (p.node).id, (p.node).created_at, (p.node).score, p.cursor,
                 p.has_previous_page AS more, p.ord
          FROM keyset_page(NULL::items, cfg.sort, last => ps, before => kcur)
               WITH ORDINALITY p(node, cursor, has_previous_page, has_next_page, ord)),
        logged AS (
          INSERT INTO seen SELECT w, 'keyset', pageno, ord, id, created_at, score FROM p)
        SELECT (array_agg(p.cursor ORDER BY p.ord))[1], bool_or(p.more)
          INTO c_first, more FROM p;
        kcur := coalesce(c_first, kcur);
      END IF;
      IF NOT coalesce(more, false) THEN
        kdone := true;
      END IF;
    END IF;

    IF NOT odone THEN
      EXECUTE format($q$
        WITH p AS (
          SELECT id, created_at, score, row_number() OVER () AS ord
          FROM (SELECT id, created_at, score FROM items ORDER BY %s LIMIT %s OFFSET %s) s),
        logged AS (
          INSERT INTO seen SELECT $1, 'offset', $2, ord, id, created_at, score FROM p)
        SELECT count(*) FROM p $q$, cfg.offset_order, ps, (pageno - 1) * ps)
        INTO n USING w, pageno;
      IF n < ps THEN
        odone := true;
      END IF;
    END IF;
    COMMIT;
    -- let the other walkers in between the page and the write
    PERFORM pg_sleep(random() * 0.004);

    IF writes < nwrites THEN
      writes := writes + 1;
      IF random() < 0.5 THEN
        INSERT INTO items (created_at, score)
          VALUES ('2024-01-01 00:00+00'::timestamptz + (random() * 499)::int * interval '1 minute',
                  CASE WHEN random() < 0.1 THEN NULL ELSE (random() * 9)::int END)
        RETURNING id INTO victim;
        INSERT INTO inserted VALUES (victim, w);
      ELSE
        DELETE FROM items
         WHERE id = (SELECT id FROM items WHERE id >= (random() * 2100)::int ORDER BY id LIMIT 1)
        RETURNING id INTO victim;
        IF victim IS NOT NULL THEN
          INSERT INTO deleted VALUES (victim, w);
        END IF;
      END IF;
      COMMIT;
    END IF;
  END LOOP;
END
$$;
SQL

# Sanity first, without writes: each walker's keyset walk returns the table
# in exactly its offset_order (forward) or its reverse (backward), so the two
# walks of a walker compare like with like.
psql_db -At <<'SQL' || { echo "concurrent_walk: static check failed"; exit 1; }
CREATE TEMP TABLE static_seen (walker int, page int, ord int, id int);
DO $$
DECLARE
  cfg walkers;
  kcur text;
  pageno int;
  ids int[];
  c text;
  more boolean;
BEGIN
  FOR cfg IN SELECT * FROM walkers LOOP
    kcur := NULL;
    pageno := 0;
    LOOP
      pageno := pageno + 1;
      IF NOT cfg.backward THEN
        SELECT array_agg((p.node).id ORDER BY p.ord), (array_agg(p.cursor ORDER BY p.ord DESC))[1],
               bool_or(p.hn)
          INTO ids, c, more
          FROM keyset_page(NULL::items, cfg.sort, first => 40, after => kcur)
               WITH ORDINALITY p(node, cursor, hp, hn, ord);
      ELSE
        SELECT array_agg((p.node).id ORDER BY p.ord), (array_agg(p.cursor ORDER BY p.ord))[1],
               bool_or(p.hp)
          INTO ids, c, more
          FROM keyset_page(NULL::items, cfg.sort, last => 40, before => kcur)
               WITH ORDINALITY p(node, cursor, hp, hn, ord);
      END IF;
      INSERT INTO static_seen SELECT cfg.walker, pageno, o, i FROM unnest(ids) WITH ORDINALITY u(i, o);
      kcur := c;
      EXIT WHEN NOT coalesce(more, false) OR pageno > 100;
    END LOOP;
  END LOOP;
END
$$;
DO $$
DECLARE
  cfg walkers;
  walk_ids int[];
  want int[];
BEGIN
  FOR cfg IN SELECT * FROM walkers LOOP
    SELECT array_agg(id ORDER BY CASE WHEN cfg.backward THEN -page ELSE page END, ord)
      INTO walk_ids FROM static_seen WHERE walker = cfg.walker;
    EXECUTE format('SELECT array(SELECT id FROM items ORDER BY %s)', cfg.offset_order) INTO want;
    IF cfg.backward THEN
      SELECT array_agg(x ORDER BY o DESC) INTO want FROM unnest(want) WITH ORDINALITY u(x, o);
    END IF;
    IF walk_ids IS DISTINCT FROM want THEN
      RAISE EXCEPTION 'walker %: static keyset walk (% rows) differs from ORDER BY % (% rows)',
        cfg.walker, cardinality(walk_ids), cfg.offset_order, cardinality(want);
    END IF;
  END LOOP;
END
$$;
SQL

# The concurrent walk
start=$(date +%s)
pids=()
for w in 1 2 3 4; do
  timeout "$LIMIT_S" psql -X -q -v ON_ERROR_STOP=1 -d "$DB" \
    -c "SET statement_timeout = '${LIMIT_S}s'" -c "CALL walk($w, $PS, $WRITES)" \
    >"/tmp/kp_conc_walker_$$_$w.log" 2>&1 &
  pids+=($!)
done
failed=0
for i in "${!pids[@]}"; do
  if ! wait "${pids[$i]}"; then
    echo "concurrent_walk: walker $((i + 1)) failed:"
    cat "/tmp/kp_conc_walker_$$_$((i + 1)).log"
    failed=1
  fi
  rm -f "/tmp/kp_conc_walker_$$_$((i + 1)).log"
done
[ $failed -eq 0 ] || exit 1
elapsed=$(( $(date +%s) - start ))

# The property
report=$(psql_db -At -F ' ' <<'SQL'
CREATE TEMP VIEW per_walk AS
SELECT w.walker, m.mode,
       (SELECT count(DISTINCT page) FROM seen s WHERE s.walker = w.walker AND s.mode = m.mode) AS pages,
       (SELECT count(*) FROM seen s WHERE s.walker = w.walker AND s.mode = m.mode) AS rows_seen,
       (SELECT count(*) FROM (SELECT id FROM seen s WHERE s.walker = w.walker AND s.mode = m.mode
                              GROUP BY id HAVING count(*) > 1) d) AS duplicates,
       (SELECT count(*) FROM start_ids st
         WHERE NOT EXISTS (SELECT 1 FROM deleted d WHERE d.id = st.id)
           AND NOT EXISTS (SELECT 1 FROM seen s
                           WHERE s.walker = w.walker AND s.mode = m.mode AND s.id = st.id)) AS skipped
FROM walkers w CROSS JOIN (VALUES ('keyset'), ('offset')) m(mode);

-- keyset order: along the walk, keys strictly increase in the walk's sort
-- (for a backward walk pages come last-first, rows within a page in order)
CREATE TEMP TABLE order_violations AS
SELECT w.walker, count(*) FILTER (WHERE prev_pos >= pos) AS n
FROM walkers w
CROSS JOIN LATERAL (
  SELECT (CASE WHEN w.backward THEN -s.page ELSE s.page END) * 1000 + s.ord AS pos,
         lag((CASE WHEN w.backward THEN -s.page ELSE s.page END) * 1000 + s.ord)
           OVER (ORDER BY
                 CASE WHEN w.walker IN (1, 3) THEN s.created_at END DESC,
                 CASE WHEN w.walker IN (1, 3) THEN s.id END DESC,
                 CASE WHEN w.walker = 2 THEN s.score END ASC NULLS FIRST,
                 CASE WHEN w.walker = 2 THEN s.created_at END ASC,
                 CASE WHEN w.walker = 2 THEN s.id END ASC,
                 CASE WHEN w.walker = 4 THEN s.score END DESC NULLS LAST,
                 CASE WHEN w.walker = 4 THEN s.created_at END ASC,
                 CASE WHEN w.walker = 4 THEN s.id END ASC) AS prev_pos
  FROM seen s WHERE s.walker = w.walker AND s.mode = 'keyset') x
GROUP BY w.walker;

SELECT 'walk', walker, mode, pages, rows_seen, duplicates, skipped FROM per_walk ORDER BY walker, mode;
SELECT 'order', walker, n FROM order_violations ORDER BY walker;
SELECT 'totals',
       (SELECT count(*) FROM start_ids),
       (SELECT count(*) FROM deleted),
       (SELECT count(*) FROM inserted),
       (SELECT coalesce(sum(duplicates + skipped), 0) FROM per_walk WHERE mode = 'keyset'),
       (SELECT coalesce(sum(n), 0) FROM order_violations),
       (SELECT coalesce(sum(duplicates), 0) FROM per_walk WHERE mode = 'offset'),
       (SELECT coalesce(sum(skipped), 0) FROM per_walk WHERE mode = 'offset'),
       -- how long all four walkers were writing at the same time
       (SELECT round(greatest(extract(epoch FROM min(last) - max(first)), 0) * 1000)
          FROM (SELECT walker, min(at) AS first, max(at) AS last
                  FROM (SELECT walker, at FROM deleted UNION ALL SELECT walker, at FROM inserted) a
                 GROUP BY walker) t);
SQL
)
[ -n "$report" ] || { echo "concurrent_walk: report query failed"; exit 1; }

echo "walker mode    pages rows dup skip"
echo "$report" | awk '$1 == "walk" { printf "%-6s %-7s %5s %4s %3s %4s\n", $2, $3, $4, $5, $6, $7 }'
read -r _ n_start n_del n_ins k_bad k_order o_dup o_skip overlap_ms <<<"$(echo "$report" | grep '^totals')"
echo "start rows $n_start, deleted $n_del, inserted $n_ins, ${elapsed}s, all 4 walkers writing concurrently for ${overlap_ms} ms"
echo "keyset: $k_bad duplicates+skips, $k_order order violations; offset: $o_dup duplicates, $o_skip skips"

rc=0
if [ "$k_bad" -ne 0 ] || [ "$k_order" -ne 0 ]; then
  echo "concurrent_walk: FAIL: keyset_page repeated, skipped or misordered rows"
  rc=1
fi
if [ $((o_dup + o_skip)) -eq 0 ]; then
  echo "concurrent_walk: FAIL: the workload produced no OFFSET anomaly; it does not test anything"
  rc=1
fi
[ $rc -eq 0 ] && echo "concurrent_walk: ok"
exit $rc
