"""psycopg 3 (Debian python3-psycopg): the floor and keyset_page the way
bench/clients/nodepg.mjs runs them -- server-side prepared statements
(prepare=True), interleaved rounds, median ms per page -- at page 1 and the
deepest page, 20 and 100 rows a page, with the same SQL text and positions.
Writes psycopg.csv and psycopg.md to KP_RESULTS_DIR."""
import json
import os
import statistics
import time

import psycopg

setup = json.load(open(os.environ["KP_CLIENTS_SETUP"]))
rounds = int(os.environ.get("KP_CLIENTS_ROUNDS", "1000"))
warmup = int(os.environ.get("KP_CLIENTS_WARMUP", "20"))
out = os.environ.get("KP_RESULTS_DIR", ".")
rel = setup["schema"] + ".posts"
ord_ = setup["ord"]


def sql_of(kind, size, first_page):
    """The statement of bench/clients/lib.mjs's sqlOf, with %s placeholders."""
    if kind == "floor":
        if first_page:
            return f"SELECT * FROM {rel} ORDER BY created_at DESC, id DESC LIMIT {size + 1}"
        return (f"SELECT * FROM {rel} WHERE (created_at, id) < (%s::timestamptz, %s::bigint) "
                f"ORDER BY created_at DESC, id DESC LIMIT {size + 1}")
    return (f"SELECT (p.node).*, p.cursor, p.has_next_page FROM keyset_page(NULL::{rel}, "
            f"'{ord_}', first => {size}, after => %s::text) p")


cases = []
for pos in setup["positions"]:
    first = pos["cur"] is None
    for kind in ("floor", "page"):
        params = ([] if first else [pos["ts"], pos["id"]]) if kind == "floor" else [pos["cur"]]
        cases.append({"kind": kind, "pos": pos, "sql": sql_of(kind, pos["size"], first),
                      "params": params, "times": []})

with psycopg.connect() as conn:
    with conn.cursor() as cur:
        for c in cases:
            cur.execute(c["sql"], c["params"], prepare=True)
            rows = cur.fetchall()
            idx = [d.name for d in cur.description].index("id")
            ids = [str(r[idx]) for r in rows][: c["pos"]["size"]]
            if ids != [str(i) for i in c["pos"]["ids"]]:
                raise SystemExit(f"psycopg: {c['kind']} page {c['pos']['page']}: other rows than the floor")
        n = len(cases)
        for r in range(warmup + rounds):
            for k in range(n):
                c = cases[(k + r) % n]
                # untimed: the statement after a 100-row result took ~2 ms
                # longer in psycopg without it, whichever statement it was
                cur.execute("SELECT 1")
                cur.fetchall()
                t0 = time.perf_counter_ns()
                cur.execute(c["sql"], c["params"], prepare=True)
                cur.fetchall()
                t = (time.perf_counter_ns() - t0) / 1e6
                if r >= warmup:
                    c["times"].append(t)

md = ("| rows a page | page | hand-written prepared seek (floor) | keyset_page, `(p.node).*` | keyset_page × floor |\n"
      "|---:|---:|---:|---:|---:|\n")
csv = "driver,rows_a_page,page,case,median_ms,ratio_vs_floor,n\n"
for pos in setup["positions"]:
    m = {c["kind"]: statistics.median(c["times"]) for c in cases if c["pos"] is pos}
    md += f"| {pos['size']} | {pos['page']:,} | {m['floor']:.3f} | {m['page']:.3f} | {m['page'] / m['floor']:.2f}× |\n"
    for k, v in m.items():
        csv += f"psycopg,{pos['size']},{pos['page']},{k},{v:.4f},{v / m['floor']:.3f},{rounds}\n"
open(os.path.join(out, "psycopg.md"), "w").write(md)
open(os.path.join(out, "psycopg.csv"), "w").write(csv)
print(md)
print(f"(psycopg {psycopg.__version__}: {rounds} rounds)")
