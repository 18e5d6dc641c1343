#!/usr/bin/env bash
# Seeds the demo's posts table (the schema of bench/: bench/lib.sh
# seed_posts) in the database the standard libpq environment variables name
# (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE), for the example APIs.
#
#   examples/seed.sh [ROWS]        default 10000 rows
#
# Creates the extension when it is missing, drops and re-creates posts, fills
# it with a fixed random seed (every run the same rows), adds the index the
# feed order needs (created_at DESC, id DESC) and the one the author filter
# needs (author_id, created_at DESC, id DESC), and analyzes.
set -euo pipefail
rows=${1:-10000}
case $rows in ''|*[!0-9]*) echo "usage: $0 [ROWS]" >&2; exit 2 ;; esac
psql -X -q -v ON_ERROR_STOP=1 -v rows="$rows" <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS keyset_pagination;
DROP TABLE IF EXISTS posts;
CREATE TABLE posts (id bigserial PRIMARY KEY, created_at timestamptz NOT NULL,
                    author_id int, score int NOT NULL, title text, body text);
SELECT setseed(0.42);
INSERT INTO posts (created_at, author_id, score, title, body)
SELECT timestamptz '2025-01-01 00:00:00+00' - random() * interval '365 days',
       1 + floor(random() * 100)::int, floor(random() * 51)::int,
       'post #' || g, repeat(md5(g::text), 3)
FROM generate_series(1, :rows) g;
CREATE INDEX posts_created_at_id ON posts (created_at DESC, id DESC);
CREATE INDEX posts_author_created_at_id ON posts (author_id, created_at DESC, id DESC);
VACUUM ANALYZE posts;
SQL
echo "seeded $rows posts in database ${PGDATABASE:-${PGUSER:-$(id -un)}}"
