// node-postgres reading keyset_connection: a bigint id beyond 2^53 is
// rounded when it arrives as a JSON number (pg parses jsonb with JSON.parse)
// and exact with json_numbers => 'string'; keyset_page's int8 column comes
// as a string (pg's default for int8).  Run by test/sh/app_examples.sh with
// NODE_PATH at examples/node/node_modules and the libpq environment.
'use strict';
const { Client } = require('pg');

function tap(ok, text) { console.log(`${ok ? 'ok' : 'not ok'} - node-postgres: ${text}`); }

(async () => {
  const c = new Client();
  await c.connect();
  const q = `SELECT keyset_connection(NULL::posts, 'id DESC', first => 1, json_numbers => $1) AS page`;
  const asNumber = (await c.query(q, ['number'])).rows[0].page.edges[0].node.id;
  tap(asNumber === 9007199254740992, `json_numbers => 'number' (the default): id 9007199254740993 arrives rounded as ${asNumber}`);
  const asString = (await c.query(q, ['string'])).rows[0].page.edges[0].node.id;
  tap(asString === '9007199254740993' && BigInt(asString) === 9007199254740993n,
      `json_numbers => 'string': id arrives exact as the string ${JSON.stringify(asString)}`);
  const viaPage = (await c.query(`SELECT (p.node).id FROM keyset_page(NULL::posts, 'id DESC', first => 1) p`)).rows[0].id;
  tap(viaPage === '9007199254740993', `keyset_page's bigint column arrives as the string ${JSON.stringify(viaPage)}`);
  await c.end();
})().catch((e) => { tap(false, `error ${e.code}: ${e.message}`); process.exitCode = 1; });
