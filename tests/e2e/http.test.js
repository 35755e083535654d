// The HTTP pipeline: request ids, problem+json errors and their codes, caps on
// bodies, static files, the request log and metrics. Runs on both engines.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer } from './lib/server.js';

let s;
before(async () => {
  s = await startServer({ args: ['--body-max', '2048', '--json-depth', '8'] });
});
after(async () => {
  assert.equal(await s.stop(), 0);
});

async function problem(res, status, code) {
  assert.equal(res.status, status);
  assert.match(res.headers.get('content-type'), /^application\/problem\+json/);
  const p = await res.json();
  assert.equal(p.code, code);
  assert.equal(p.status, status);
  assert.equal(p.request_id, res.headers.get('x-request-id'));
  assert.ok(p.detail && p.title);
  return p;
}

test('healthz and readyz answer', async () => {
  const h = await s.fetch('/healthz');
  assert.equal(h.status, 200);
  assert.deepEqual(await h.json(), { status: 'ok' });
  const r = await s.fetch('/readyz');
  assert.equal(r.status, 200);
  const body = await r.json();
  assert.equal(body.status, 'ready');
  assert.equal(body.database, s.db.startsWith('sqlite:') ? 'sqlite' : 'postgres');
});

test('every response carries X-Request-Id; a sane client id is kept, a bad one replaced', async () => {
  const a = await s.fetch('/healthz');
  assert.match(a.headers.get('x-request-id'), /^[0-9a-f]{16}$/);
  const b = await s.fetch('/healthz', { headers: { 'X-Request-Id': 'lb-42.abc' } });
  assert.equal(b.headers.get('x-request-id'), 'lb-42.abc');
  const c = await s.fetch('/healthz', { headers: { 'X-Request-Id': 'bad id with spaces' } });
  assert.match(c.headers.get('x-request-id'), /^[0-9a-f]{16}$/);
  const d = await s.fetch('/nowhere.js');
  assert.ok(d.headers.get('x-request-id'));
});

test('unknown API route is 404 not_found', async () => {
  const p = await problem(await s.fetch('/api/v1/nope'), 404, 'not_found');
  assert.equal(p.instance, '/api/v1/nope');
  await problem(await s.fetch('/nowhere.js'), 404, 'not_found');
});

test('wrong method is 405 method_not_allowed with Allow', async () => {
  const res = await s.fetch('/healthz', { method: 'DELETE' });
  assert.equal(res.headers.get('allow'), 'GET, HEAD');
  await problem(res, 405, 'method_not_allowed');
  const res2 = await s.fetch('/api/v1/test/clock', { method: 'PUT' });
  assert.equal(res2.headers.get('allow'), 'GET, HEAD, POST');
  await problem(res2, 405, 'method_not_allowed');
});

test('HEAD is answered like GET without a body', async () => {
  const res = await s.fetch('/healthz', { method: 'HEAD' });
  assert.equal(res.status, 200);
  assert.equal(await res.text(), '');
});

test('body over --body-max is 413 too_large, by Content-Length and chunked', async () => {
  const big = JSON.stringify({ advance: 0, pad: 'x'.repeat(5000) });
  await problem(await s.fetch('/api/v1/test/clock', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: big,
  }), 413, 'too_large');
  // Chunked: no Content-Length, the cap is enforced while reading.
  const stream = new ReadableStream({
    start(c) { for (let i = 0; i < 10; i++) c.enqueue(new TextEncoder().encode('x'.repeat(500))); c.close(); },
  });
  await problem(await s.fetch('/api/v1/test/clock', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: stream, duplex: 'half',
  }), 413, 'too_large');
});

test('wrong content type is 415 unsupported_media_type', async () => {
  const p = await problem(await s.fetch('/api/v1/test/clock', {
    method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"advance":0}',
  }), 415, 'unsupported_media_type');
  assert.match(p.detail, /application\/json/);
});

test('malformed JSON is 400 invalid with the position', async () => {
  const p = await problem(await s.fetch('/api/v1/test/clock', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"advance": 1,\n "x": }',
  }), 400, 'invalid');
  assert.equal(p.field, 'body');
  assert.match(p.detail, /line 2, column \d+/);
});

test('JSON deeper than --json-depth is 400 invalid; brackets in strings do not count', async () => {
  const deep = '{"a":' + '['.repeat(20) + ']'.repeat(20) + '}';
  const p = await problem(await s.fetch('/api/v1/test/clock', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: deep,
  }), 400, 'invalid');
  assert.match(p.detail, /deeper than 8/);
  const ok = await s.fetch('/api/v1/test/clock', {
    method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ advance: 0, note: '[[[[[[[[[[[[[[[[' }),
  });
  // 'note' is not a field of the clock: the handler ignores it, the depth check passes.
  assert.equal(ok.status, 200);
});

test('duplicate JSON keys are refused', async () => {
  await problem(await s.fetch('/api/v1/test/clock', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"advance":0,"advance":1}',
  }), 400, 'invalid');
});

test('malformed paths and query strings are 400 invalid', async () => {
  const raw = (line) => new Promise((resolve, reject) => {
    const u = new URL(s.url);
    const c = net.connect(Number(u.port), u.hostname, () => {
      c.write(`${line}\r\nHost: x\r\nConnection: close\r\n\r\n`);
    });
    let data = '';
    c.on('data', (d) => { data += d; });
    c.on('end', () => resolve(data));
    c.on('error', reject);
  });
  const a = await raw('GET /api/v1/test/tasks/%zz HTTP/1.1');
  assert.match(a, /^HTTP\/1\.1 400/);
  assert.match(a, /"code":"invalid"/);
  const b = await raw('GET /healthz?a=%2 HTTP/1.1');
  assert.match(b, /^HTTP\/1\.1 400/);
  assert.match(b, /"field":"query"/);
});

// A connection's memory is 16 KiB (src/http/server.c): headers of 12 KiB are served,
// 20 KiB are refused with 431, and the server goes on serving.
test('request headers: 12 KiB are served, 20 KiB are 431, the next request is served', async () => {
  const u = new URL(s.url);
  const get = (pad) => new Promise((resolve, reject) => {
    const c = net.connect(Number(u.port), u.hostname, () => {
      c.write(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(pad)}\r\nConnection: close\r\n\r\n`);
    });
    let data = '';
    c.on('data', (d) => { data += d; });
    c.on('end', () => resolve(data));
    c.on('error', reject);
  });
  assert.match(await get(12 * 1024), /^HTTP\/1\.1 200/);
  assert.match(await get(20 * 1024), /^HTTP\/1\.1 431/);
  assert.match(await get(10), /^HTTP\/1\.1 200/);
});

test('bytes that are not UTF-8 still give a valid problem and a complete log line', async () => {
  const u = new URL(s.url);
  const reply = await new Promise((resolve, reject) => {
    const c = net.connect(Number(u.port), u.hostname, () => {
      c.write(Buffer.concat([Buffer.from('GET /api/v1/te'), Buffer.from([0x92]),
        Buffer.from('st HTTP/1.1\r\nHost: x\r\nX-Request-Id: non-utf8-1\r\nConnection: close\r\n\r\n')]));
    });
    let data = '';
    c.on('data', (d) => { data += d; });
    c.on('end', () => resolve(data));
    c.on('error', reject);
  });
  assert.match(reply, /^HTTP\/1\.1 404/);
  const body = JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4));
  assert.equal(body.code, 'not_found');
  assert.equal(body.instance, '/api/v1/te?st');
  const line = await s.waitForLog((e) => e.msg === 'request' && e.id === 'non-utf8-1');
  assert.equal(line.status, 404);
  assert.equal(line.path, '/api/v1/te?st');
});

test('static files: types, cache headers, ETag revalidation, SPA fallback', async () => {
  const idx = await s.fetch('/');
  assert.equal(idx.status, 200);
  assert.equal(idx.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.equal(idx.headers.get('cache-control'), 'no-cache');
  assert.match(idx.headers.get('content-security-policy'), /default-src 'self'/);
  assert.match(await idx.text(), /<title>Oblako<\/title>/);
  const css = await s.fetch('/app.css');
  assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
  assert.match(css.headers.get('cache-control'), /max-age=\d+/);
  const etag = css.headers.get('etag');
  assert.match(etag, /^"[0-9a-f]{16}"$/);
  const again = await s.fetch('/app.css', { headers: { 'If-None-Match': etag } });
  assert.equal(again.status, 304);
  const spa = await s.fetch('/partners/42');
  assert.equal(spa.status, 200);
  assert.equal(spa.headers.get('content-type'), 'text/html; charset=utf-8');
});

test('one JSON log line per request with id, method, route, status, µs, actor', async () => {
  const res = await s.fetch('/readyz', { headers: { 'X-Request-Id': 'log-probe-1' } });
  assert.equal(res.status, 200);
  const line = await s.waitForLog((e) => e.msg === 'request' && e.id === 'log-probe-1');
  assert.equal(line.method, 'GET');
  assert.equal(line.route, '/readyz');
  assert.equal(line.status, 200);
  assert.equal(typeof line.us, 'number');
  assert.ok('actor' in line);
  assert.ok(line.ts && line.level === 'info');
  await s.fetch('/api/v1/nope', { headers: { 'X-Request-Id': 'log-probe-2' } });
  const miss = await s.waitForLog((e) => e.msg === 'request' && e.id === 'log-probe-2');
  assert.equal(miss.status, 404);
  assert.equal(miss.route, 'unmatched');
  // Every line on stderr is JSON.
  for (const l of s.logs) assert.equal(typeof l, 'object', `not JSON: ${l}`);
});

test('--request-log-level debug (make demo) keeps the request line out of an info log', async () => {
  const quiet = await startServer({ args: ['--request-log-level', 'debug'] });
  const loud = await startServer({ args: ['--request-log-level', 'debug', '--log-level', 'debug'] });
  try {
    for (const srv of [quiet, loud]) {
      await srv.fetch('/readyz', { headers: { 'X-Request-Id': 'quiet-probe-1' } });
      await srv.fetch('/readyz', { headers: { 'X-Request-Id': 'quiet-probe-2' } });
    }
    const line = await loud.waitForLog((e) => e.msg === 'request' && e.id === 'quiet-probe-2');
    assert.equal(line.level, 'debug');
    assert.equal(line.route, '/readyz');
    // The same two requests answered by the quiet server, which logs no such line.
    assert.equal((await quiet.fetch('/healthz')).status, 200);
    assert.ok(!quiet.logs.some((e) => e.msg === 'request'), JSON.stringify(quiet.logs));
    assert.ok(quiet.logs.some((e) => e.msg === 'listening'));
  } finally {
    assert.equal(await quiet.stop(), 0);
    assert.equal(await loud.stop(), 0);
  }
});

test('metrics: requests by route and status, latency histogram, jobs, tasks', async () => {
  await s.fetch('/healthz');
  await s.fetch('/healthz', { method: 'DELETE' });
  // A job that runs at start whatever the hour (areas-purge: every 5
  // minutes; a daily job such as prune waits for its hour in the service's
  // time zone, and between midnight and 03:00 there it has not run yet). The
  // runner takes the due jobs one at a time: wait for the run, not a moment.
  let res;
  let text = '';
  for (let i = 0; i < 200 && !/name="areas-purge",result="ok"/.test(text); i++) {
    if (i) await new Promise((r) => setTimeout(r, 50));
    res = await s.fetch('/metrics');
    assert.equal(res.status, 200);
    text = await res.text();
  }
  assert.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  const m = /oblako_http_requests_total\{route="GET \/healthz",status="200"\} (\d+)/.exec(text);
  assert.ok(m && Number(m[1]) >= 1, text);
  assert.match(text, /oblako_http_requests_total\{route="unmatched",status="405"\} \d+/);
  assert.match(text, /oblako_http_request_duration_seconds_bucket\{le="\+Inf"\} \d+/);
  assert.match(text, /oblako_http_request_duration_seconds_count \d+/);
  assert.match(text, /oblako_tasks\{state="queued"\} \d+/);
  assert.match(text, /oblako_jobs_total\{kind="periodic",name="areas-purge",result="ok"\} 1/);
});

test('/metrics counts the statements run and the write transactions committed', async () => {
  // a server of its own without the job runner, whose ticks would commit meanwhile
  const q = await startServer({ jobs: false });
  try {
    const read = async () => {
      const text = await (await q.fetch('/metrics')).text();
      const get = (name) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1]);
      return { st: get('oblako_db_statements_total'), co: get('oblako_db_commits_total') };
    };
    const a = await read();
    const b = await read();
    assert.ok(Number.isInteger(a.st) && Number.isInteger(a.co), 'both counters are there');
    const own = b.st - a.st;                  // what one /metrics read runs: reads, no commit
    assert.ok(own > 0, 'reading the task queue runs statements');
    assert.equal(b.co, a.co, 'a read commits nothing');
    // a failed sign-in reserves its guess on the limits: a write transaction
    const r = await q.fetch('/api/v1/auth/login', {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'nobody@example.test', password: 'wrong-password-1' }),
    });
    assert.equal(r.status, 401);
    const c = await read();
    assert.ok(c.co > b.co, `the sign-in committed (${b.co} -> ${c.co})`);
    assert.ok(c.st - b.st > own, 'and ran statements of its own');
  } finally {
    await q.stop();
  }
});
