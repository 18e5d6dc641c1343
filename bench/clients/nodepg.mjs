// node-postgres: prepared statements (named, so parsed and planned once per
// connection), interleaved rounds, median ms per page for the floor,
// keyset_page, keyset_connection (and keyset_connection_json when the
// installed extension has it), at page 1 and the deepest page, 20 and 100
// rows a page; then the first call on a fresh connection (connect time
// apart).  Writes nodepg.csv, nodepg.md, first_call.csv, first_call.md.
import pg from "pg";
import { loadSetup, median, ms, sqlOf, valuesOf, idsOf, LABELS, writeFile, hasJsonConnection, interleave, times } from "./lib.mjs";

const setup = loadSetup();

// One statement per contestant, page size and page, each with its own name.
function makeCases(kinds) {
  const cases = [];
  for (const pos of setup.positions) {
    for (const kind of kinds) {
      const first = pos.cur === null;
      cases.push({
        kind, size: pos.size, page: pos.page, pos,
        query: { name: `kp_${kind}_${pos.size}_${first ? "first" : "after"}`, text: sqlOf(setup, kind, pos.size, first), values: valuesOf(kind, pos) },
        times: [],
      });
    }
  }
  return cases;
}

function checkRows(c, rows) {
  const got = idsOf(c.kind, rows, c.size).join(",");
  if (got !== c.pos.ids.map(String).join(",")) {
    throw new Error(`${c.kind} page ${c.page} (${c.size} a page) returned other rows than the floor: ${got.slice(0, 80)}`);
  }
}

function table(cases, kinds, title) {
  let md = `| rows a page | page | ${kinds.map((k) => LABELS[k]).join(" | ")} | ${kinds.slice(1).map((k) => `${k} × floor`).join(" | ")} |\n`;
  md += `|---:|---:|${kinds.map(() => "---:").join("|")}|${kinds.slice(1).map(() => "---:").join("|")}|\n`;
  let csv = "driver,rows_a_page,page,case,median_ms,p10_ms,p90_ms,ratio_vs_floor,n\n";
  for (const pos of setup.positions) {
    const meds = {};
    for (const k of kinds) {
      const c = cases.find((x) => x.kind === k && x.pos === pos);
      const s = [...c.times].sort((a, b) => a - b);
      meds[k] = median(s);
      c.summary = { med: meds[k], p10: s[Math.floor(s.length * 0.1)], p90: s[Math.floor(s.length * 0.9)] };
    }
    md += `| ${pos.size} | ${pos.page.toLocaleString("en")} | ${kinds.map((k) => meds[k].toFixed(3)).join(" | ")} | ${kinds
      .slice(1).map((k) => times(meds[k], meds.floor)).join(" | ")} |\n`;
    for (const k of kinds) {
      const c = cases.find((x) => x.kind === k && x.pos === pos);
      csv += `${title},${pos.size},${pos.page},${k},${c.summary.med.toFixed(4)},${c.summary.p10.toFixed(4)},${c.summary.p90.toFixed(4)},${(c.summary.med / meds.floor).toFixed(3)},${c.times.length}\n`;
    }
  }
  return { md, csv };
}

async function steadyState(kinds) {
  const client = new pg.Client();
  await client.connect();
  const cases = makeCases(kinds);
  for (const c of cases) {
    checkRows(c, (await client.query(c.query)).rows);
    c.run = () => client.query(c.query);
  }
  await interleave(setup, cases, client);
  await client.end();
  return table(cases, kinds, "node-postgres");
}

// The first call in a new backend: per round and contestant (rotated), a new
// connection (its time measured apart), the first call of the prepared
// statement, then a second (warm) call; at the deepest page, 20 rows a page.
async function firstCall(kinds) {
  const pos = setup.positions.filter((p) => p.size === 20).at(-1);
  const t = Object.fromEntries(kinds.map((k) => [k, { connect: [], first: [], second: [] }]));
  for (let r = 0; r < setup.firstRounds + 2; r++) {
    for (let k = 0; k < kinds.length; k++) {
      const kind = kinds[(k + r) % kinds.length];
      const query = { name: `kp_first_${kind}`, text: sqlOf(setup, kind, 20, pos.cur === null), values: valuesOf(kind, pos) };
      const client = new pg.Client();
      let t0 = process.hrtime.bigint();
      await client.connect();
      const tc = ms(t0);
      t0 = process.hrtime.bigint();
      const res = await client.query(query);
      const t1 = ms(t0);
      t0 = process.hrtime.bigint();
      await client.query(query);
      const t2 = ms(t0);
      await client.end();
      if (r === 0) checkRows({ kind, size: 20, page: pos.page, pos }, res.rows);
      if (r < 2) continue; // the first two rounds warm the OS caches
      t[kind].connect.push(tc); t[kind].first.push(t1); t[kind].second.push(t2);
    }
  }
  const fl = median(t.floor.first);
  let md = "| query | connect ms | first call ms | first call − floor's first call | second call ms |\n|---|---:|---:|---:|---:|\n";
  let csv = "case,connect_ms_median,first_call_ms_median,first_minus_floor_ms,second_call_ms_median,n\n";
  for (const k of kinds) {
    const [c, f, s] = [median(t[k].connect), median(t[k].first), median(t[k].second)];
    md += `| ${LABELS[k]} | ${c.toFixed(2)} | ${f.toFixed(2)} | ${k === "floor" ? "–" : (f - fl >= 0 ? "+" : "") + (f - fl).toFixed(2) + " ms"} | ${s.toFixed(3)} |\n`;
    csv += `${k},${c.toFixed(3)},${f.toFixed(3)},${(f - fl).toFixed(3)},${s.toFixed(4)},${t[k].first.length}\n`;
  }
  return { md, csv, page: pos.page };
}

const probe = new pg.Client();
await probe.connect();
const kinds = ["floor", "page", "conn"];
if (await hasJsonConnection(probe)) kinds.push("conn_json");
await probe.end();

const what = process.argv[2] || "all";
if (what === "all" || what === "steady") {
  const t0 = process.hrtime.bigint();
  const { md, csv } = await steadyState(kinds);
  writeFile(setup, "nodepg.md", md);
  writeFile(setup, "nodepg.csv", csv);
  console.log(md);
  console.log(`(node-postgres: ${setup.rounds} rounds in ${(ms(t0) / 1000).toFixed(1)}s)`);
}
if (what === "all" || what === "first") {
  const t0 = process.hrtime.bigint();
  const { md, csv, page } = await firstCall(kinds);
  writeFile(setup, "first_call.md", md);
  writeFile(setup, "first_call.csv", csv);
  console.log(`first call in a new backend, page ${page}, 20 rows a page:\n${md}`);
  console.log(`(first call: ${setup.firstRounds} rounds in ${(ms(t0) / 1000).toFixed(1)}s)`);
}
