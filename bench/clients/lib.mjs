// Shared by the Node benchmarks of bench/clients.sh: the positions file,
// medians, and the SQL each contestant runs (the same text for every driver).
import fs from "node:fs";

// The positions bench/clients.sh wrote: per page size and page, the floor's
// position (ts, id), the keyset cursor and the ids the page must return.
export function loadSetup() {
  const setup = JSON.parse(fs.readFileSync(process.env.KP_CLIENTS_SETUP, "utf8"));
  setup.rounds = Number(process.env.KP_CLIENTS_ROUNDS || 1000);
  setup.warmup = Number(process.env.KP_CLIENTS_WARMUP || 20);
  setup.firstRounds = Number(process.env.KP_CLIENTS_FIRST_ROUNDS || 100);
  setup.pglRounds = Number(process.env.KP_CLIENTS_PGL_ROUNDS || setup.rounds);
  setup.out = process.env.KP_RESULTS_DIR || ".";
  return setup;
}

// The median of an array of numbers (the mean of the middle two when even).
export function median(xs) {
  const a = [...xs].sort((x, y) => x - y);
  const n = a.length;
  if (n === 0) return NaN;
  return n % 2 ? a[(n - 1) / 2] : (a[n / 2 - 1] + a[n / 2]) / 2;
}

// a ratio as "0.42×", with three significant digits below 0.1 (0.00312×)
export function times(a, b) {
  const r = a / b;
  return (r >= 0.1 ? r.toFixed(2) : r.toPrecision(3)) + "×";
}

export function ms(t0) {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

// The statement text of a contestant at page size `size`; the position is
// always a parameter (NULL on page 1 for the keyset functions, as an app
// passes it), the page size a literal like bench/bench.sh's scripts.
export function sqlOf(setup, kind, size, firstPage) {
  const rel = `${setup.schema}.posts`;
  const ord = setup.ord;
  switch (kind) {
    case "floor":
      return firstPage
        ? `SELECT * FROM ${rel} ORDER BY created_at DESC, id DESC LIMIT ${size + 1}`
        : `SELECT * FROM ${rel} WHERE (created_at, id) < ($1, $2) ORDER BY created_at DESC, id DESC LIMIT ${size + 1}`;
    case "page":
      return `SELECT (p.node).*, p.cursor, p.has_next_page FROM keyset_page(NULL::${rel}, '${ord}', first => ${size}, after => $1) p`;
    case "conn":
      return `SELECT keyset_connection(NULL::${rel}, '${ord}', first => ${size}, after => $1)`;
    case "conn_json":
      return `SELECT keyset_connection_json(NULL::${rel}, '${ord}', first => ${size}, after => $1)`;
    default:
      throw new Error(`unknown contestant ${kind}`);
  }
}

export function valuesOf(kind, pos) {
  if (kind === "floor") return pos.cur === null ? [] : [pos.ts, pos.id];
  return [pos.cur];
}

// The ids a result holds, in order, whatever its shape.
export function idsOf(kind, rows, size) {
  if (kind === "floor") return rows.slice(0, size).map((r) => String(r.id));
  if (kind === "page") return rows.map((r) => String(r.id));
  const c = rows[0][kind === "conn" ? "keyset_connection" : "keyset_connection_json"];
  return c.edges.map((e) => String(e.node.id));
}

export const LABELS = {
  floor: "hand-written prepared seek (floor)",
  page: "keyset_page, `(p.node).*`",
  conn: "keyset_connection (jsonb)",
  conn_json: "keyset_connection_json",
  pgl: "PostGraphile 5.1.5 (grafast, in-process)",
  pgl_nocount: "PostGraphile 5.1.5 without totalCount",
};

export function writeFile(setup, name, text) {
  fs.writeFileSync(`${setup.out}/${name}`, text);
}

// Whether the installed extension has keyset_connection_json (the json
// variant of keyset_connection): it is timed too when it does.
export async function hasJsonConnection(client) {
  const r = await client.query(
    "SELECT EXISTS (SELECT 1 FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e' " +
      "JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'keyset_pagination' WHERE p.proname = 'keyset_connection_json') AS j"
  );
  return r.rows[0].j;
}

// The timing loop: warm-up rounds, then setup.rounds rounds each running
// every case once, the order rotated every round, an untimed SELECT 1 on
// `client` before each timed call so that no call pays for its
// predecessor's result; each case's run() times go to its times array.
export async function interleave(setup, cases, client) {
  const n = cases.length;
  for (let r = 0; r < setup.warmup + setup.rounds; r++) {
    for (let k = 0; k < n; k++) {
      const c = cases[(k + r) % n];
      await client.query("SELECT 1");
      const t0 = process.hrtime.bigint();
      await c.run();
      const t = ms(t0);
      if (r >= setup.warmup) c.times.push(t);
    }
  }
}
