#!/usr/bin/python3
"""A JSON API over the demo's posts table with keyset_pagination.

    GET /posts?first=&after=&last=&before=&author=

returns keyset_connection's Relay connection as it comes from the server
(newest first: created_at DESC, id DESC).  Standard library HTTP server and
psycopg 3 (Debian: python3-psycopg); the database comes from the standard
libpq environment variables (PGHOST, PGPORT, PGUSER, PGPASSWORD,
PGDATABASE).  See README.md.

Settings (environment):
  APP_HOST, APP_PORT     where to listen (127.0.0.1, 8000)
  APP_POOL_SIZE          connections kept open (4)
  APP_TRANSACTION_POOLER 1 when the database is reached through a
                         transaction-mode pooler (pgbouncer): psycopg then
                         never prepares statements (prepare_threshold=None),
                         as a prepared statement lives in one server session
                         and the next transaction may run on another.
"""
import json
import os
import queue
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import psycopg

# One statement, values as parameters.  ::text hands the document through
# without parsing it here; json_numbers => 'string' makes bigint ids exact for
# JavaScript clients too.
QUERY = """
SELECT keyset_connection(NULL::posts, 'created_at DESC, id DESC',
                         first => %(first)s, after => %(after)s,
                         last => %(last)s, before => %(before)s,
                         filter => %(filter)s, args => %(args)s,
                         json_numbers => 'string')::text
"""
AUTHOR_FILTER = "author_id = $1"
# SQLSTATEs that mean "the request was bad", with what is safe to show:
# 22KP1 is every bad cursor (tampered, expired, retired key, another query's);
# its message, detail and hint are fixed texts that never echo the cursor.
# 22023 is a bad argument value (page size over keyset_pagination.max_page_size).
# Everything else is the server's problem: 500, details only in our log.
BAD_REQUEST = {"22KP1": ("message", "detail", "hint"), "22023": ("message",)}
INT_RE = re.compile(r"\A[0-9]{1,9}\Z")


class Pool:
    """A few open connections, reused: a new backend pays the library and
    key loading on its first call (see doc/applications.md)."""

    def __init__(self, size, prepare_threshold):
        self.idle = queue.LifoQueue()
        self.slots = threading.BoundedSemaphore(size)
        self.prepare_threshold = prepare_threshold

    def connect(self):
        # conninfo "": everything from the libpq environment variables
        conn = psycopg.connect("", autocommit=True,
                               application_name="keyset_pagination example (python)")
        if self.prepare_threshold == "never":
            conn.prepare_threshold = None
        return conn

    def run(self, sql, params):
        with self.slots:
            try:
                conn = self.idle.get_nowait()
            except queue.Empty:
                conn = self.connect()
            try:
                return conn.execute(sql, params).fetchone()[0]
            finally:
                # after a server error the connection is fine (autocommit);
                # a broken one is dropped
                if conn.closed or conn.broken:
                    conn.close()
                else:
                    self.idle.put(conn)


class ApiError(Exception):
    def __init__(self, status, body):
        super().__init__(status)
        self.status = status
        self.body = body


def bad_request(message, sqlstate=None, **more):
    error = {"code": "bad_request", "message": message}
    if sqlstate:
        error["sqlstate"] = sqlstate
    error.update({k: v for k, v in more.items() if v})
    return ApiError(400, {"error": error})


def page_params(query):
    """first/last: non-negative integers; author: a positive integer;
    after/before: passed to the server, which checks them (22KP1)."""
    qs = parse_qs(query, keep_blank_values=True)
    p = {"first": None, "last": None, "after": None, "before": None,
         "filter": None, "args": None}
    for name in ("first", "last"):
        if name in qs:
            if not INT_RE.match(qs[name][-1]):
                raise bad_request(f"{name} must be a non-negative integer")
            p[name] = int(qs[name][-1])
    for name in ("after", "before"):
        if name in qs:
            p[name] = qs[name][-1]
    if "author" in qs:
        if not INT_RE.match(qs["author"][-1]) or int(qs["author"][-1]) < 1:
            raise bad_request("author must be a positive integer")
        p["filter"] = AUTHOR_FILTER
        p["args"] = [qs["author"][-1]]
    return p


def from_database_error(e):
    """The HTTP answer for an error the server raised."""
    shown = BAD_REQUEST.get(e.sqlstate)
    if shown is None:
        # never forward the message, CONTEXT or internal query: they can name
        # tables, columns and the seek SQL
        print(f"keyset example: {e.sqlstate}: {e.diag.message_primary}"
              f" | detail: {e.diag.message_detail} | context: {e.diag.context}",
              file=sys.stderr, flush=True)
        return ApiError(500, {"error": {"code": "internal", "message": "internal error"}})
    d = e.diag
    return bad_request(d.message_primary, e.sqlstate,
                       detail=d.message_detail if "detail" in shown else None,
                       hint=d.message_hint if "hint" in shown else None)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"     # keep-alive
    # headers and body are two writes: without this, Nagle's algorithm and
    # the client's delayed ACK add ~40 ms to every response
    disable_nagle_algorithm = True
    pool = None

    def send_json(self, status, body):
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urlsplit(self.path)
        if url.path != "/posts":
            return self.send_json(404, {"error": {"code": "not_found", "message": "not found"}})
        try:
            params = page_params(url.query)
            try:
                body = self.pool.run(QUERY, params)
            except psycopg.Error as e:
                if e.sqlstate is None:       # no answer from the server at all
                    print(f"keyset example: {e!r}", file=sys.stderr, flush=True)
                    raise ApiError(500, {"error": {"code": "internal", "message": "internal error"}})
                raise from_database_error(e)
        except ApiError as e:
            return self.send_json(e.status, e.body)
        self.send_json(200, body)

    def log_message(self, fmt, *args):
        if os.environ.get("APP_LOG") == "1":
            super().log_message(fmt, *args)


def main():
    host = os.environ.get("APP_HOST", "127.0.0.1")
    port = int(os.environ.get("APP_PORT", "8000"))
    pooled = os.environ.get("APP_TRANSACTION_POOLER") == "1"
    Handler.pool = Pool(int(os.environ.get("APP_POOL_SIZE", "4")),
                        "never" if pooled else "default")
    server = ThreadingHTTPServer((host, port), Handler)
    print(f"listening on http://{host}:{port}/posts"
          f"{' (transaction pooler: no prepared statements)' if pooled else ''}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
