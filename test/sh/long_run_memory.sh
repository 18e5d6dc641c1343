#!/usr/bin/env bash
# Long-run memory (issue 9): 100,000 pages in ONE backend, across several
# sorts, filters (a few hot ones and 400 that churn through the query
# cache), cursors, keyset_connection / estimates / offset pages, with caught
# errors in between (bad cursors, a filter dividing by zero), committing
# every 1,000 pages except for pages 10,001 to 30,000, which are one
# transaction.  The backend's private memory (RssAnon of /proc/self/status,
# read by the backend itself) must stay within a bound: measured after a
# 10,000-page warm-up and at the end.  KP_LONG_RUN_PAGES overrides the
# number of pages.
. "$(dirname "$0")/lib/common.bash"

db=kp_sh_long_run
pages=${KP_LONG_RUN_PAGES:-100000}
kp_fresh_db "$db"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<'SQL' || exit 1
CREATE EXTENSION keyset_pagination;
CREATE TABLE items (id int PRIMARY KEY, n int NOT NULL, title text NOT NULL, at timestamptz);
INSERT INTO items SELECT i, i % 97, 'item ' || (i * 7919 % 5000), '2024-01-01'::timestamptz + i * interval '1 min'
FROM generate_series(1, 5000) i;
CREATE INDEX ON items (n, id);
CREATE INDEX ON items (title, id);
CREATE INDEX ON items (at DESC NULLS LAST, id DESC);
ANALYZE items;
CREATE TABLE memlog (pages int, rss_kb int, at timestamptz DEFAULT clock_timestamp());

CREATE FUNCTION rss_kb() RETURNS int LANGUAGE sql AS $$
  SELECT substring(pg_read_file('/proc/self/status') from 'RssAnon:\s*(\d+) kB')::int
$$;

-- one page of work; k selects sort, filter, entry point and error
CREATE FUNCTION one_page(k int, INOUT cur text) LANGUAGE plpgsql AS $$
DECLARE
  sorts text[] := ARRAY['n', 'title', 'at DESC NULLS LAST', NULL];
  ob text := sorts[1 + k % 4];
  flt text;
  args text[];
  c text;
BEGIN
  IF k % 10 = 9 THEN            -- churn: 400 distinct filters
    flt := 'n <> ' || (k / 10 % 400);
  ELSIF k % 3 = 0 THEN          -- hot filters with args
    flt := 'n >= $1 AND title <> $2'; args := ARRAY[(k % 50)::text, 'item 1'];
  END IF;
  IF k % 100 = 17 THEN          -- caught errors
    BEGIN
      PERFORM * FROM keyset_page(NULL::items, ob, 5, 'not-a-cursor');
    EXCEPTION WHEN sqlstate '22KP1' THEN NULL;
    END;
    BEGIN
      PERFORM * FROM keyset_page(NULL::items, ob, 5, filter => '1 / (n - n) = 1');
    EXCEPTION WHEN division_by_zero THEN NULL;
    END;
    BEGIN
      PERFORM * FROM keyset_offset_page(NULL::items, ob, 1, 5, '1 / (n - n) = 1');
    EXCEPTION WHEN division_by_zero THEN NULL;
    END;
    RETURN;
  END IF;
  IF k % 50 = 1 THEN
    PERFORM keyset_connection(NULL::items, ob, 10, filter => flt, args => args);
    PERFORM * FROM keyset_offset_page(NULL::items, ob, 1 + k % 7, 10, flt, args);
    RETURN;
  END IF;
  IF k % 4 = 1 AND flt IS NULL THEN
    -- one walk by title goes on from the cursor of its last page
    SELECT (array_agg(p.cursor ORDER BY o DESC))[1] INTO c
    FROM keyset_page(NULL::items, ob, 20, cur) WITH ORDINALITY p(node, cursor, hp, hn, o);
    cur := c;
  ELSE
    PERFORM * FROM keyset_page(NULL::items, ob, 20, filter => flt, args => args);
  END IF;
END $$;

CREATE PROCEDURE run_pages(n int, warmup int) LANGUAGE plpgsql AS $$
DECLARE cur text;
BEGIN
  FOR k IN 1 .. n LOOP
    cur := one_page(k, cur);
    IF k % 1000 = 0 THEN
      IF k = warmup OR k = n THEN
        INSERT INTO memlog(pages, rss_kb) VALUES (k, rss_kb());
      END IF;
      -- pages warmup+1 .. 3 * warmup run in one transaction: eviction must
      -- work without a commit, after caught errors (issue 9, finding 7)
      IF k <= warmup OR k >= 3 * warmup THEN
        COMMIT;
      END IF;
    END IF;
  END LOOP;
END $$;
SQL

start=$(date +%s)
kp_sql "$db" <<SQL
INSERT INTO memlog(pages, rss_kb) VALUES (0, rss_kb());
CALL run_pages($pages, 10000);
SQL
secs=$(( $(date +%s) - start ))
read -r base warm final <<<"$(kp_value "$db" "SELECT string_agg(rss_kb::text, ' ' ORDER BY pages) FROM memlog")"
echo "    # $pages pages in ${secs}s; RssAnon: ${base} kB at start, ${warm} kB after 10,000 pages, ${final} kB at the end"
kp_ok "$( [ -n "$final" ] && [ $((final - warm)) -lt 4096 ] && echo t || echo f)" \
  "RssAnon grows by less than 4 MB from 10,000 to $pages pages (${warm} -> ${final} kB)"
kp_ok "$( [ -n "$final" ] && [ "$final" -lt 32768 ] && echo t || echo f)" \
  "RssAnon stays under 32 MB (query cache 8 MB by default): ${final} kB"
kp_done
