// A JSON API over the demo's posts table with keyset_pagination.
//
//     GET /posts?first=&after=&last=&before=&author=
//
// returns keyset_connection's Relay connection as it comes from the server
// (newest first: created_at DESC, id DESC).  Node's own http and
// node-postgres (pg); the database comes from the standard libpq environment
// variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE), which pg reads.
// See README.md.
//
// Settings (environment): APP_HOST, APP_PORT (127.0.0.1, 8000), APP_POOL_SIZE (4).
//
// Through a transaction-mode pooler (pgbouncer) nothing changes: pg sends a
// query with parameters as an unnamed statement (Parse/Bind/Execute in one
// go), which pgbouncer handles.  Never pass a `name` to query(): a named
// prepared statement lives in one server session, and the next transaction
// may run on another.
'use strict';
const http = require('node:http');
const { Pool } = require('pg');

// One statement, values as parameters.  ::text hands the document through
// without parsing it here; json_numbers => 'string' sends bigint and numeric
// columns as JSON strings, which JavaScript reads exactly (as a number,
// 9007199254740993 would become 9007199254740992).
const QUERY = `
SELECT keyset_connection(NULL::posts, 'created_at DESC, id DESC',
                         first => $1, after => $2, last => $3, before => $4,
                         filter => $5, args => $6,
                         json_numbers => 'string')::text AS page`;
const AUTHOR_FILTER = 'author_id = $1';
// SQLSTATEs that mean "the request was bad", with what is safe to show:
// 22KP1 is every bad cursor; its message, detail and hint are fixed texts
// that never echo the cursor.  22023 is a bad argument value (a page size
// over keyset_pagination.max_page_size).  Everything else: 500, details only
// in our log.
const BAD_REQUEST = { '22KP1': ['message', 'detail', 'hint'], '22023': ['message'] };
const INT_RE = /^[0-9]{1,9}$/;

const pool = new Pool({
  max: Number(process.env.APP_POOL_SIZE || 4),
  application_name: 'keyset_pagination example (node)',
});
// an idle connection that dies (server restart) must not crash the process
pool.on('error', (err) => console.error('keyset example: idle connection:', err.message));

class ApiError extends Error {
  constructor(status, body) {
    super(String(status));
    this.status = status;
    this.body = body;
  }
}

function badRequest(message, sqlstate, more = {}) {
  const error = { code: 'bad_request', message };
  if (sqlstate) error.sqlstate = sqlstate;
  for (const [k, v] of Object.entries(more)) if (v) error[k] = v;
  return new ApiError(400, { error });
}

// first/last: non-negative integers; author: a positive integer;
// after/before: passed to the server, which checks them (22KP1).
function pageParams(searchParams) {
  const last = (name) => { const all = searchParams.getAll(name); return all.length ? all[all.length - 1] : null; };
  const p = { first: null, after: null, last: null, before: null, filter: null, args: null };
  for (const name of ['first', 'last']) {
    const v = last(name);
    if (v !== null) {
      if (!INT_RE.test(v)) throw badRequest(`${name} must be a non-negative integer`);
      p[name] = Number(v);
    }
  }
  p.after = last('after');
  p.before = last('before');
  const author = last('author');
  if (author !== null) {
    if (!INT_RE.test(author) || Number(author) < 1) throw badRequest('author must be a positive integer');
    p.filter = AUTHOR_FILTER;
    p.args = [author];
  }
  return p;
}

// The HTTP answer for an error from the database.
function fromDatabaseError(err) {
  const shown = err.code && BAD_REQUEST[err.code];
  if (!shown) {
    // never forward the message, err.where (CONTEXT) or err.internalQuery:
    // they can name tables, columns and the seek SQL
    console.error(`keyset example: ${err.code || 'no sqlstate'}: ${err.message} | detail: ${err.detail} | context: ${err.where}`);
    return new ApiError(500, { error: { code: 'internal', message: 'internal error' } });
  }
  return badRequest(err.message, err.code, {
    detail: shown.includes('detail') ? err.detail : null,
    hint: shown.includes('hint') ? err.hint : null,
  });
}

function send(res, status, body) {
  const data = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': data.length });
  res.end(data);
}

async function handle(req, res) {
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname !== '/posts') return send(res, 404, { error: { code: 'not_found', message: 'not found' } });
  if (req.method !== 'GET') return send(res, 405, { error: { code: 'method_not_allowed', message: 'GET only' } });
  try {
    const p = pageParams(url.searchParams);
    let result;
    try {
      result = await pool.query(QUERY, [p.first, p.after, p.last, p.before, p.filter, p.args]);
    } catch (err) {
      throw fromDatabaseError(err);
    }
    send(res, 200, result.rows[0].page);
  } catch (err) {
    if (err instanceof ApiError) return send(res, err.status, err.body);
    console.error('keyset example:', err);
    send(res, 500, { error: { code: 'internal', message: 'internal error' } });
  }
}

const host = process.env.APP_HOST || '127.0.0.1';
const port = Number(process.env.APP_PORT || 8000);
const server = http.createServer((req, res) => { handle(req, res); });
server.keepAliveTimeout = 60000;
server.listen(port, host, () => console.log(`listening on http://${host}:${port}/posts`));
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => { server.close(); pool.end().then(() => process.exit(0)); });
}
