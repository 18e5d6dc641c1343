#!/usr/bin/python3
"""HTTP checks of the example APIs (examples/python, examples/node), used by
test/sh/app_examples.sh and test/sh/app_replica.sh.  Prints TAP-like
"ok - ..." / "not ok - ..." lines (test/sh/lib/common.bash counts them).

  app_http.py walk ORDER_FILE FIRST URL [URL...] [--author A]
      forward to the end and back over GET /posts (pages alternate over the
      URLs), compared with the ids in ORDER_FILE (ORDER BY, one a line)
  app_http.py errors URL
      the error mapping: 400 with a safe message, 500 without internal SQL
  app_http.py status URL QUERY
      prints "<status> <body>" of one GET /posts?QUERY
  app_http.py connection_cost SIZE...
      keyset_connection against keyset_page: time and page faults per call
  app_http.py bench URL FIRST PAGES
      median HTTP latency of page 1 and of the page after row
      (PAGES-1)*FIRST: see examples/bench.sh
"""
import http.client
import json
import statistics
import sys
import time
from urllib.parse import urlencode, urlsplit


class Client:
    """One keep-alive connection per server, like a browser or a gateway."""

    def __init__(self, url):
        u = urlsplit(url)
        self.host, self.port, self.name = u.hostname, u.port, url
        self.conn = None

    def get(self, params):
        path = "/posts?" + urlencode({k: v for k, v in params.items() if v is not None})
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.conn.request("GET", path)
                r = self.conn.getresponse()
                return r.status, r.read().decode()
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise


def tap(ok, text):
    print(("ok - " if ok else "not ok - ") + text, flush=True)
    return ok


def page(client, **params):
    status, body = client.get(params)
    if status != 200:
        raise RuntimeError(f"{client.name}: HTTP {status}: {body[:300]}")
    return json.loads(body)


def walk_one(clients, n, first, author, forward):
    """Pages in one direction to the end (pages alternate over the clients,
    from the n-th): the pages' ids in sort order, whether the flags were
    right on every page, whether every id was a JSON string, the time, and
    the next n."""
    size, cur_arg, more, behind, next_cur = (
        ("first", "after", "hasNextPage", "hasPreviousPage", "endCursor") if forward else
        ("last", "before", "hasPreviousPage", "hasNextPage", "startCursor"))
    pages, cur, flags_ok, types_ok = [], None, True, True
    t0 = time.monotonic()
    while True:
        doc = page(clients[n % len(clients)], **{size: first, cur_arg: cur}, author=author)
        n += 1
        ids = [e["node"]["id"] for e in doc["edges"]]
        types_ok &= all(isinstance(i, str) for i in ids)
        info = doc["pageInfo"]
        # the flag behind us is true exactly when we came from a cursor
        flags_ok &= info[behind] == (cur is not None)
        if ids:
            pages.append(ids)
        if not info[more]:
            break
        cur = info[next_cur]
    if not forward:
        pages.reverse()
    return pages, flags_ok, types_ok, time.monotonic() - t0, n


def walk(order_file, first, urls, author=None):
    expected = [line.strip() for line in open(order_file) if line.strip()]
    clients = [Client(u) for u in urls]
    where = " alternating " + " and ".join(urls) if len(urls) > 1 else " " + urls[0]
    what = f"{len(expected)} rows{' of author ' + author if author else ''}, first={first}"
    n, secs = 0, {}
    for forward, name, flags in ((True, "forward", "hasPreviousPage false only on page 1, hasNextPage false only on the last"),
                                 (False, "backward", "hasNextPage false only on the first page from the end")):
        pages, flags_ok, types_ok, secs[name], n = walk_one(clients, n, first, author, forward)
        tap([i for p in pages for i in p] == expected,
            f"{name} walk{where}: {len(pages)} pages, {what}, equal to ORDER BY")
        tap(flags_ok, f"{name} walk{where}: {flags}")
        tap(types_ok, f"{name} walk{where}: bigint ids arrive as JSON strings (json_numbers => 'string')")
    npages = max(1, n // 2)
    print(f"# {what}: forward in {secs['forward']:.1f}s ({1000 * secs['forward'] / npages:.2f} ms/page), "
          f"backward in {secs['backward']:.1f}s", flush=True)


def errors(url):
    c = Client(url)
    secret_words = ("SELECT", "CONTEXT", "keyset_page", "posts", "QUERY", "$1")

    def clean(body):
        return not any(w in body for w in secret_words)

    doc = page(c, first=2)
    cursor = doc["pageInfo"]["endCursor"]
    flipped = cursor[:10] + ("A" if cursor[10] != "A" else "B") + cursor[11:]
    for label, params in (("a tampered cursor", {"first": 2, "after": flipped}),
                          ("a garbage cursor", {"first": 2, "after": "not a cursor!"}),
                          ("another filter's cursor", {"first": 2, "after": cursor, "author": "7"})):
        status, body = c.get(params)
        err = json.loads(body).get("error", {}) if body.startswith("{") else {}
        tap(status == 400 and err.get("sqlstate") == "22KP1" and err.get("message") == "invalid cursor"
            and err.get("hint") == "Start again from the first page, without a cursor." and clean(body),
            f"{url}: {label} -> 400, 22KP1 'invalid cursor' with hint, no SQL ({status} {body[:160]})")
    status, body = c.get({"first": 5000})
    err = json.loads(body).get("error", {})
    tap(status == 400 and err.get("sqlstate") == "22023" and "max_page_size" in err.get("message", "")
        and "detail" not in err and clean(body),
        f"{url}: first over max_page_size -> 400, 22023, its message only ({body[:160]})")
    for params in ({"first": "abc"}, {"last": "-1"}, {"author": "x"}, {"first": "99999999999"}):
        status, body = c.get(params)
        tap(status == 400 and "sqlstate" not in body, f"{url}: {params} -> 400 from the app's own check ({body[:100]})")


def bench(url, first, pages):
    """Median latency of GET page 1 and of page PAGES (the page after row
    (PAGES-1)*FIRST), over 21 requests each after 5 warm-up requests, on one
    keep-alive connection.  Page PAGES is reached by paging in steps of up to
    1000 rows (keyset_pagination.max_page_size)."""
    c = Client(url)
    after, left = None, (pages - 1) * first
    while left > 0:
        step = min(left, 1000)
        after = page(c, first=step, after=after)["pageInfo"]["endCursor"]
        left -= step
    res = {}
    for label, cur in (("page 1", None), (f"page {pages}", after)):
        times = []
        for i in range(26):
            t = time.perf_counter()
            doc = page(c, first=first, after=cur)
            dt = time.perf_counter() - t
            if i >= 5:
                times.append(dt * 1000)
        if len(doc["edges"]) != first:
            raise RuntimeError(f"{label} has {len(doc['edges'])} rows, not {first}: seed more rows")
        res[label] = statistics.median(times)
    print(f"{url} first={first}: " + ", ".join(f"{k} median {v:.2f} ms" for k, v in res.items()), flush=True)


def first_call(n):
    """The cost of keyset_connection in a new backend, medians over N new
    connections (libpq environment): connection setup; loading the library
    (a call of keyset_cursor_verify(NULL), which loads it and does nothing
    else); the first keyset_connection (signing keys, catalogs, preparing the
    seek plans); and a warm call."""
    import psycopg
    q = ("SELECT keyset_connection(NULL::posts, 'created_at DESC, id DESC', first => 20)::text")
    cols = {"connect": [], "SELECT 1": [], "load library": [], "first call": [], "warm call": []}
    for _ in range(n):
        t = [time.perf_counter()]
        conn = psycopg.connect("", autocommit=True, prepare_threshold=None)
        t.append(time.perf_counter())
        conn.execute("SELECT 1").fetchone()     # a new backend's first statement, for scale
        t.append(time.perf_counter())
        conn.execute("SELECT keyset_cursor_verify(NULL::text)").fetchone()
        t.append(time.perf_counter())
        conn.execute(q).fetchone()
        t.append(time.perf_counter())
        for _ in range(5):                      # the fifth call is the warm one
            w0 = time.perf_counter()
            conn.execute(q).fetchone()
            w1 = time.perf_counter()
        t.append(t[-1] + (w1 - w0))
        preloaded = conn.execute("SELECT current_setting('shared_preload_libraries') || ' | ' || "
                                 "current_setting('session_preload_libraries')").fetchone()[0]
        conn.close()
        for i, k in enumerate(cols):
            cols[k].append((t[i + 1] - t[i]) * 1000)
    print(f"preload (shared | session) = {preloaded!r}: medians over {n} new connections: "
          + ", ".join(f"{k} {statistics.median(v):.2f} ms" for k, v in cols.items()), flush=True)


def key_id(cursor):
    """The signing key id of a cursor (white box: its third byte)."""
    import base64
    return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))[2]


def replica(order_file, first, primary_url, replica_url, primary_conninfo, replica_conninfo):
    """A walk alternating primary and replica; keyset_rotate_key() on the
    primary -> new cursors verify on the replica after replay;
    keyset_retire_keys() -> the retired key is refused on the replica too, in
    a replica session R that stayed open throughout."""
    import psycopg
    order = "created_at DESC, id DESC"
    seek = f"SELECT count(*) FROM keyset_page(NULL::posts, '{order}', first => 5, after => %s)"
    R = psycopg.connect(replica_conninfo, autocommit=True)
    P = psycopg.connect(primary_conninfo, autocommit=True)
    r_pid = R.execute("SELECT pg_backend_pid()").fetchone()[0]
    tap(R.execute("SELECT pg_is_in_recovery()").fetchone()[0], "R is a session on the hot standby")
    pc, rc = Client(primary_url), Client(replica_url)

    def r_seek(cursor):
        try:
            return R.execute(seek, (cursor,)).fetchone()[0]
        except psycopg.Error as e:
            return f"{e.sqlstate}: {e.diag.message_detail}"

    def replayed():
        lsn = P.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
        for _ in range(300):
            if R.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (lsn,)).fetchone()[0]:
                return True
            time.sleep(0.1)
        return False

    c0 = page(pc, first=first)["pageInfo"]["endCursor"]
    k1 = key_id(c0)
    tap(r_seek(c0) == 5, f"R continues a cursor minted on the primary (key {k1})")
    walk(order_file, first, [primary_url, replica_url])

    # a replica that has not replayed the rotation yet (replay paused: lag)
    R.execute("SELECT pg_wal_replay_pause()")
    k2 = P.execute("SELECT keyset_rotate_key()").fetchone()[0]
    c_new = page(pc, first=first)["pageInfo"]["endCursor"]
    tap(key_id(c_new) == k2, f"after the rotation the primary signs new cursors with key {k2}")
    got = r_seek(c_new)
    tap(got == "22KP1: The cursor names a signing key that does not exist.",
        f"a lagging replica (replay paused) refuses the new cursor until it replays the rotation: {got}")
    R.execute("SELECT pg_wal_replay_resume()")
    tap(replayed(), f"keyset_rotate_key() on the primary (key {k2}) replayed on the replica")
    tap(r_seek(c_new) == 5, "R (open since before the rotation) continues the new cursor")
    status, body = rc.get({"first": 5, "after": c_new})
    tap(status == 200, f"the replica's API continues the new cursor ({status})")
    c_rep = page(rc, first=first)["pageInfo"]["endCursor"]
    tap(key_id(c_rep) == k2, f"the replica, after replay, signs with key {k2} too")
    tap(r_seek(c0) == 5, f"R still continues the old cursor (key {k1}): rotation breaks no cursor in flight")

    retired = P.execute("SELECT keyset_retire_keys()").fetchone()[0]
    tap(retired >= 1 and replayed(), f"keyset_retire_keys() on the primary ({retired} retired) replayed")
    got = r_seek(c0)
    tap(got == "22KP1: The cursor was signed with a key that has been retired.",
        f"R refuses the old cursor: {got}")
    status, body = rc.get({"first": 5, "after": c0})
    tap(status == 400 and '"22KP1"' in body and "retired" in body,
        f"the replica's API answers 400 for the old cursor ({status} {body[:120]})")
    status, body = pc.get({"first": 5, "after": c0})
    tap(status == 400 and "retired" in body, f"so does the primary's ({status})")
    tap(r_seek(c_new) == 5, "R still continues the new cursor")
    tap(R.execute("SELECT pg_backend_pid()").fetchone()[0] == r_pid, "R was one session throughout")


def connection_cost(sizes):
    """keyset_connection against keyset_page on posts, warm, per page size:
    median time of 25 calls after 5, and the server backend's minor page
    faults per call (from /proc: the server must run on this machine)."""
    import psycopg
    c = psycopg.connect("", autocommit=True)
    pid = c.execute("SELECT pg_backend_pid()").fetchone()[0]

    def minflt():
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[7])
    order = "'created_at DESC, id DESC'"
    for n in sizes:
        for name, q in (("keyset_connection", f"SELECT keyset_connection(NULL::posts, {order}, first => %s)::text"),
                        ("keyset_page", f"SELECT (p.node).*, p.cursor FROM keyset_page(NULL::posts, {order}, first => %s) p")):
            ts = []
            for i in range(30):
                if i == 5:
                    f0 = minflt()
                t = time.perf_counter()
                c.execute(q, (n,)).fetchall()
                ts.append((time.perf_counter() - t) * 1000)
            print(f"first={n} {name}: median {statistics.median(ts[5:]):.2f} ms, "
                  f"{(minflt() - f0) / 25:.0f} minor page faults per call", flush=True)


def pooler_settings(conninfo):
    """Through a transaction-mode pooler with one server connection: a
    session SET by one client is seen by another client's page; SET LOCAL
    is not."""
    import psycopg
    a = psycopg.connect(conninfo, autocommit=True, prepare_threshold=None)
    b = psycopg.connect(conninfo, autocommit=True, prepare_threshold=None)
    q = "SELECT count(*) FROM keyset_page(NULL::posts, 'created_at DESC, id DESC', first => 10)"

    def b_page():
        try:
            return str(b.execute(q).fetchone()[0])
        except psycopg.Error as e:
            return e.sqlstate

    a.execute("SET keyset_pagination.max_page_size = 5")
    tap(b_page() == "22023",
        "pooler: client A's session SET keyset_pagination.max_page_size = 5 leaks into client B's page (22023)")
    a.execute("RESET keyset_pagination.max_page_size")
    tap(b_page() == "10", "pooler: after A's RESET, B's page of 10 works again")
    with a.transaction():
        a.execute("SET LOCAL keyset_pagination.max_page_size = 5")
        r = a.execute("SELECT current_setting('keyset_pagination.max_page_size')").fetchone()[0]
    tap(r == "5" and b_page() == "10", "pooler: SET LOCAL in A's transaction applied there and did not leak into B")
    # psycopg's default: prepare a statement after 5 runs, named _pg3_0, ...
    # per client; on one shared server connection the names collide
    c = psycopg.connect(conninfo, autocommit=True)
    d = psycopg.connect(conninfo, autocommit=True)
    err = None
    try:
        for conn in (c, d):
            for _ in range(8):
                conn.execute(q).fetchone()
    except psycopg.Error as e:
        err = f"{e.sqlstate}: {e.diag.message_primary}"
    tap(err is not None and err[:5] in ("42P05", "26000"),
        f"pooler: psycopg's default prepare_threshold fails through a transaction pooler ({err})")


def main(cmd, rest):
    if cmd == "walk":
        author = None
        if "--author" in rest:
            i = rest.index("--author")
            author = rest[i + 1]
            del rest[i:i + 2]
        walk(rest[0], int(rest[1]), rest[2:], author)
    elif cmd == "errors":
        errors(rest[0])
    elif cmd == "status":
        s, b = Client(rest[0]).get(dict(p.split("=", 1) for p in rest[1].split("&") if p))
        print(s, b)
    elif cmd == "pooler_settings":
        pooler_settings(rest[0])
    elif cmd == "first_call":
        first_call(int(rest[0]))
    elif cmd == "replica":
        replica(rest[0], int(rest[1]), *rest[2:6])
    elif cmd == "connection_cost":
        connection_cost([int(x) for x in rest])
    elif cmd == "bench":
        bench(rest[0], int(rest[1]), int(rest[2]))
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    try:
        main(sys.argv[1], sys.argv[2:])
    except Exception as e:      # an HTTP or database error mid-check is a failure, with its cause
        tap(False, f"{' '.join(sys.argv[1:3])}: {type(e).__name__}: {e}")
        sys.exit(1)
