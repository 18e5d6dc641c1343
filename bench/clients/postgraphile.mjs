// PostGraphile v5 as a peer: the same Relay page (kp_clients.posts, ORDER BY
// created_at DESC, id DESC, first 20 after a cursor; edges { cursor node {
// every column } } pageInfo { … } totalCount) served by PostGraphile 5.1.5,
// timed interleaved with keyset_connection (and keyset_connection_json when
// the installed extension has it) through node-postgres in the same process
// and run.  PostGraphile runs in-process, the way most favourable to
// it: the schema is built once (makeSchema with the Amber preset) and each
// request is grafast() on it, so there is no HTTP and the parse, validation
// and operation plan are cached after the first request; its SQL goes
// through its own node-postgres pool of one connection.  Writes
// postgraphile.csv and postgraphile.md.
import pg from "pg";
import { makeSchema } from "postgraphile";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";
import { grafast } from "postgraphile/grafast";
import { loadSetup, median, ms, sqlOf, valuesOf, idsOf, LABELS, writeFile, hasJsonConnection, interleave, times } from "./lib.mjs";

const setup = loadSetup();
const pool = new pg.Pool({ max: 1 });
const { schema, resolvedPreset } = await makeSchema({
  extends: [PostGraphileAmberPreset],
  pgServices: [makePgService({ pool, schemas: [setup.schema] })],
  grafast: { explain: false },
});

// the column id is `rowId` when the Node interface takes `id` (Amber does)
const idField = schema.getType("Post").getFields().rowId ? "rowId" : "id";
const idOrder = idField === "rowId" ? "ROW_ID_DESC" : "ID_DESC";
const orderBy = `orderBy: [CREATED_AT_DESC, ${idOrder}]`;
const fields = `${idField} createdAt authorId score title body`;
const pageInfo = "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }";
const source = (count) => `query Page($first: Int!, $after: Cursor) {
  allPosts(first: $first, after: $after, ${orderBy}) {
    edges { cursor node { ${fields} } }
    ${pageInfo}${count ? "\n    totalCount" : ""}
  }
}`;

async function gql(src, variableValues) {
  const r = await grafast({ schema, source: src, variableValues, resolvedPreset, requestContext: {} });
  if (r.errors) throw new Error(`PostGraphile: ${r.errors.map((e) => e.message).join("; ")}`);
  return r.data;
}

// PostGraphile's own cursor for the row before the page: its cursors are its
// own format, so the position is found through its offset argument.
async function pglCursor(pos) {
  if (pos.cur === null) return null;
  const d = await gql(`query($o: Int!) { allPosts(first: 1, offset: $o, ${orderBy}) { edges { cursor } } }`,
    { o: (pos.page - 1) * pos.size - 1 });
  return d.allPosts.edges[0].cursor;
}

const client = new pg.Client();
await client.connect();
// keyset_connection_json too, when the installed extension has it
const kinds = ["conn"];
if (await hasJsonConnection(client)) kinds.push("conn_json");
const positions = setup.positions.filter((p) => p.size === 20);
const cases = [];
for (const pos of positions) {
  const after = await pglCursor(pos);
  const first = pos.cur === null;
  for (const kind of kinds) {
    cases.push({ kind, pos, times: [], run: () => client.query({ name: `kp_${kind}_${pos.size}_${first ? "first" : "after"}`, text: sqlOf(setup, kind, pos.size, first), values: valuesOf(kind, pos) }) });
  }
  cases.push({ kind: "pgl", pos, times: [], run: () => gql(source(true), { first: pos.size, after }) });
  cases.push({ kind: "pgl_nocount", pos, times: [], run: () => gql(source(false), { first: pos.size, after }) });
}
// the same rows from everyone
for (const c of cases) {
  const r = await c.run();
  const ids = kinds.includes(c.kind) ? idsOf(c.kind, r.rows, c.pos.size) : r.allPosts.edges.map((e) => String(e.node[idField]));
  if (ids.join(",") !== c.pos.ids.map(String).join(",")) throw new Error(`${c.kind} page ${c.pos.page}: other rows than the floor`);
  if (c.kind === "pgl" && c.pos.page === positions.at(-1).page) setup.pglCount = r.allPosts.totalCount;
}

const t0all = process.hrtime.bigint();
await interleave({ ...setup, rounds: setup.pglRounds }, cases, client);
await client.end();
await pool.end();

const all = [...kinds, "pgl", "pgl_nocount"];
let md = `| page | ${all.map((k) => `${LABELS[k]} ms`).join(" | ")} | ${kinds.map((k) => `${k} ÷ PostGraphile | ${k} ÷ PostGraphile without totalCount`).join(" | ")} |\n`;
md += `|---:|${all.map(() => "---:").join("|")}|${kinds.map(() => "---:|---:").join("|")}|\n`;
let csv = "page,case,median_ms,n\n";
for (const pos of positions) {
  const m = Object.fromEntries(all.map((k) => [k, median(cases.find((c) => c.kind === k && c.pos === pos).times)]));
  md += `| ${pos.page.toLocaleString("en")} | ${all.map((k) => m[k].toFixed(3)).join(" | ")} | ${kinds
    .map((k) => `${times(m[k], m.pgl)} | ${times(m[k], m.pgl_nocount)}`).join(" | ")} |\n`;
  for (const k of all) csv += `${pos.page},${k},${m[k].toFixed(4)},${setup.pglRounds}\n`;
}
writeFile(setup, "postgraphile.md", md);
writeFile(setup, "postgraphile.csv", csv);
writeFile(setup, "postgraphile_query.graphql", source(true) + "\n");
console.log(md);
console.log(`(PostGraphile: ${setup.pglRounds} rounds in ${(ms(t0all) / 1000).toFixed(1)}s; its totalCount is exact: ${setup.pglCount}; Node ${process.version})`);
