// The reference application backend, oblako-cashbook (app/), against a fake
// Oblako: the signed protocol both ways (docs/app-backend.md), the launch with
// a single-use token, the page API with its validation, the heartbeat and the
// close relayed to Oblako, the area's deletion and a clean stop.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { cashbookBin, sign, startCashbook, verify } from './lib/app.js';

const SECRET = 'cashbook-test-secret-0123456789abcdef';
const APP = 'cashbook';
const KEY = '0123456789abcdef';
const OTHER_KEY = 'fedcba9876543210';

/** A fake Oblako: the session routes of the protocol, with strict signature checks. */
function fakeOblako() {
  const calls = [];
  const sessions = new Map();
  const fake = {
    calls,
    sessions,
    heartbeat: 'open', // open | closed | blocked | error
    addSession(id, token, area, extra = {}) {
      sessions.set(id, { token, used: false, closed: false, area, ...extra });
    },
  };
  const problem = (res, status, code, detail, more = {}) => {
    res.writeHead(status, { 'Content-Type': 'application/problem+json' });
    res.end(JSON.stringify({ type: 'about:blank', status, code, detail, ...more }));
  };
  fake.server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const why = verify(SECRET, req.headers, req.method, req.url, body);
      const call = { method: req.method, url: req.url, app: req.headers['x-oblako-app'], why,
        bodyLength: body.length };
      calls.push(call);
      if (why) return problem(res, 401, 'unauthorized', why);
      const u = new URL(req.url, 'http://fake');
      const m = /^\/api\/v1\/sessions\/(\d+)(\/heartbeat)?$/.exec(u.pathname);
      const s = m && sessions.get(Number(m[1]));
      if (!s || s.area.application !== call.app) return problem(res, 404, 'not_found', 'no such session');
      const id = Number(m[1]);
      if (req.method === 'GET' && !m[2]) {
        const launch = u.searchParams.get('launch');
        if (launch !== null) {
          if (s.used || launch !== s.token) return problem(res, 409, 'conflict', 'the launch link is used');
          s.used = true;
        }
        res.writeHead(200, { 'Content-Type': 'application/json' });
        return res.end(JSON.stringify({
          id, state: s.closed ? 'closed' : 'open',
          subscriber: { id: 7, code: 1001, name: 'Romashka LLC' },
          area: { id: 3, ...s.area, test: false },
          person: { id: 12, name: 'Анна', email: 'anna@example.com' }, via_grant: null,
          opened_at: 1795000000, seen_at: 1795000000, idle_seconds: 300, heartbeat_seconds: 60,
        }));
      }
      if (req.method === 'POST' && m[2]) {
        if (s.closed || fake.heartbeat === 'closed') {
          return problem(res, 409, 'conflict', 'closed by the owner', { state: 'closed' });
        }
        if (fake.heartbeat === 'blocked') {
          return problem(res, 403, 'blocked', 'the subscriber is blocked', { state: 'blocked' });
        }
        if (fake.heartbeat === 'error') return problem(res, 500, 'internal', 'oops');
        res.writeHead(200, { 'Content-Type': 'application/json' });
        return res.end(JSON.stringify({ state: 'open', seen_at: 1795000100, expires_at: 1795000400 }));
      }
      if (req.method === 'DELETE' && !m[2]) {
        s.closed = true;
        res.writeHead(204);
        return res.end();
      }
      return problem(res, 405, 'method_not_allowed', 'no');
    });
  });
  return fake;
}

const areaInfo = (key, name = 'Our firm') =>
  ({ key, name, application: APP, application_name: 'Cash book', application_name_ru: 'Касса' });

let fake;
let cb;

/** A signed call from "Oblako" to the cash book. */
function signed(method, p, body = '', { secret = SECRET, app = APP, ts } = {}) {
  const headers = sign(secret, app, method, p, body, ts);
  if (body) headers['Content-Type'] = 'application/json';
  return cb.fetch(p, { method, headers, body: body || undefined });
}

async function createArea(key, extra = {}) {
  const body = JSON.stringify({ area: key, application: APP, name: 'Our firm', test: false,
    subscriber: 1001, ...extra });
  return signed('POST', '/oblako/areas', body);
}

/** Launches session id through the cash book; returns the cb_session cookie. */
async function launch(id, token, key = KEY) {
  fake.addSession(id, token, areaInfo(key));
  const r = await cb.fetch(`/launch?app=${APP}&session=${id}&token=${encodeURIComponent(token)}`,
    { redirect: 'manual' });
  assert.equal(r.status, 303, await r.text());
  const cookie = r.headers.get('set-cookie');
  const m = /^cb_session=([0-9a-f]{64});/.exec(cookie);
  assert.ok(m, cookie);
  return `cb_session=${m[1]}`;
}

/** A page API call with the cookie (and JSON on POSTs). */
async function page(cookie, method, p, body, headers = {}) {
  const h = { Cookie: cookie, ...headers };
  if (method === 'POST' && !('Content-Type' in h)) h['Content-Type'] = 'application/json';
  const r = await cb.fetch(p, { method, headers: h,
    body: body === undefined ? (method === 'POST' ? '{}' : undefined) : JSON.stringify(body) });
  const text = await r.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  return { status: r.status, json, text, headers: r.headers };
}

before(async () => {
  fake = fakeOblako();
  await new Promise((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
  cb = await startCashbook({ oblakoUrl: `http://127.0.0.1:${fake.server.address().port}`,
    secret: SECRET });
});

after(async () => {
  if (cb) await cb.stop();
  fake?.server.close();
});

describe('options', () => {
  const run = (args, env = {}) => spawnSync(cashbookBin, args, { encoding: 'utf8',
    env: { ...process.env, CASHBOOK_SECRET: '', ...env }, timeout: 10_000 });

  test('a short secret, no secret, an unknown option and a bad URL exit 2', () => {
    for (const [args, msg] of [
      [['--secret', 'short'], /at least 32/],
      [[], /secret is needed/],
      [['--secret', SECRET, '--bogus'], /unknown option/],
      [['--secret', SECRET, '--oblako', 'ftp://x'], /not an http/],
      [['--secret', SECRET, '--listen', 'localhost'], /HOST:PORT/],
    ]) {
      const r = run([...args, '--data', path.join(cb.dataDir, 'unused')]);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, msg);
    }
  });
});

describe('Oblako → backend', () => {
  test('unsigned, badly signed, stale and foreign-secret calls are 401', async () => {
    let r = await cb.fetch('/oblako/version');
    assert.equal(r.status, 401);
    assert.equal(r.headers.get('content-type'), 'application/problem+json');
    assert.equal((await r.json()).code, 'unauthorized');

    const h = sign(SECRET, APP, 'GET', '/oblako/version');
    h['X-Oblako-Signature'] = h['X-Oblako-Signature'].replace(/.$/, (c) => (c === '0' ? '1' : '0'));
    r = await cb.fetch('/oblako/version', { headers: h });
    assert.equal(r.status, 401);

    const old = Math.floor(Date.now() / 1000) - 301;
    r = await signed('GET', '/oblako/version', '', { ts: old });
    assert.equal(r.status, 401);
    assert.match((await r.json()).detail, /window/);

    // from the future: well past the window, so a second ticking between here and the cash
    // book's clock cannot bring it back inside (now + 301 did, once in a while)
    r = await signed('GET', '/oblako/version', '', { ts: old + 610 });
    assert.equal(r.status, 401);

    r = await signed('GET', '/oblako/version', '', { secret: 'another-secret-of-32-characters!!' });
    assert.equal(r.status, 401);

    // The signature covers the query: the same signature on another target fails.
    const hq = sign(SECRET, APP, 'GET', '/oblako/version');
    r = await cb.fetch('/oblako/version?x=1', { headers: hq });
    assert.equal(r.status, 401);
  });

  test('version', async () => {
    const r = await signed('GET', '/oblako/version');
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { version: '1.0.0', versions: ['1.0.0'] }, 'without --versions it installs 1.0.0 alone');
    // The target is signed exactly as sent, percent-escapes and all.
    const q = '/oblako/version?x=%2B%20y&z=1';
    assert.equal((await cb.fetch(q, { headers: sign(SECRET, APP, 'GET', q) })).status, 200);
    // Any application code may sign with the one secret.
    assert.equal((await signed('GET', '/oblako/version', '', { app: 'accounting' })).status, 200);
  });

  test('a body other than the signed one is 401', async () => {
    const h = sign(SECRET, APP, 'POST', '/oblako/areas', JSON.stringify({ area: KEY }));
    const r = await cb.fetch('/oblako/areas', { method: 'POST',
      headers: { ...h, 'Content-Type': 'application/json' },
      body: JSON.stringify({ area: OTHER_KEY }) });
    assert.equal(r.status, 401);
    assert.ok(!existsSync(path.join(cb.dataDir, 'areas', `${OTHER_KEY}.db`)));
  });

  test('create an area: 201, then 200 on a replay; bad keys are 400', async () => {
    let r = await createArea(KEY);
    assert.equal(r.status, 201);
    assert.deepEqual(await r.json(), { area: KEY, version: '1.0.0' });
    assert.ok(existsSync(path.join(cb.dataDir, 'areas', `${KEY}.db`)));

    r = await createArea(KEY);
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { area: KEY, version: '1.0.0' });

    for (const bad of ['0123456789ABCDEF', '0123', 'k3f9c2a7d1e0b8a4', '../../etc/passwd0', 42]) {
      r = await createArea(bad);
      assert.equal(r.status, 400, String(bad));
      assert.equal((await r.json()).field, 'area');
    }
    r = await createArea(OTHER_KEY, { application: 'accounting' });
    assert.equal(r.status, 400);
    assert.equal((await r.json()).field, 'application');

    r = await signed('POST', '/oblako/areas', 'not json');
    assert.equal(r.status, 400);

    // The same key under another application is a conflict.
    const body = JSON.stringify({ area: KEY, application: 'accounting', name: 'x' });
    r = await signed('POST', '/oblako/areas', body, { app: 'accounting' });
    assert.equal(r.status, 409);

    assert.equal((await createArea(OTHER_KEY)).status, 201);
  });
});

describe('launch and page API', () => {
  let cookie;

  test('a good token: 303 to / with an HttpOnly SameSite=Lax cookie', async () => {
    const token = 'Zm9v+bar/baz=';
    fake.addSession(7, token, areaInfo(KEY));
    const before = fake.calls.length;
    const r = await cb.fetch(`/launch?app=${APP}&session=7&token=${encodeURIComponent(token)}`,
      { redirect: 'manual' });
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), '/');
    const set = r.headers.get('set-cookie');
    assert.match(set, /^cb_session=[0-9a-f]{64}; Path=\/; HttpOnly; SameSite=Lax$/);
    cookie = set.split(';')[0];

    const call = fake.calls.slice(before).find((c) => c.method === 'GET');
    assert.ok(call, 'the cash book asked Oblako');
    assert.equal(call.why, null, 'its signature is good');
    assert.equal(call.app, APP);
    assert.equal(call.url, '/api/v1/sessions/7?launch=Zm9v%2Bbar%2Fbaz%3D');
    assert.ok(fake.sessions.get(7).used);
  });

  test('a used token is an error page; so are incomplete links and unknown areas', async () => {
    let r = await cb.fetch(`/launch?app=${APP}&session=7&token=${encodeURIComponent('Zm9v+bar/baz=')}`,
      { redirect: 'manual' });
    assert.equal(r.status, 409);
    assert.match(r.headers.get('content-type'), /^text\/html/);
    assert.equal(r.headers.get('set-cookie'), null);
    assert.match(await r.text(), /used or expired.*Open the data area again from Oblako/s);

    r = await cb.fetch(`/launch?app=${APP}&session=7&token=wrong`,
      { headers: { 'Accept-Language': 'ru-RU,ru;q=0.9' } });
    assert.equal(r.status, 409);
    assert.match(await r.text(), /Откройте информационную базу ещё раз из Облака/);

    r = await cb.fetch(`/launch?app=${APP}&session=999&token=x`);
    assert.equal(r.status, 403);

    r = await cb.fetch(`/launch?app=${APP}&token=x`);
    assert.equal(r.status, 400);

    fake.addSession(20, 'tok20', areaInfo('aaaaaaaaaaaaaaaa'));
    r = await cb.fetch(`/launch?app=${APP}&session=20&token=tok20`, { redirect: 'manual' });
    assert.equal(r.status, 404);
    assert.match(await r.text(), /not on this server/);
  });

  test('the page and its files', async () => {
    let r = await cb.fetch('/', { headers: { Cookie: cookie } });
    assert.equal(r.status, 200);
    const html = await r.text();
    assert.match(html, /<script type="module" src="app.js">/);
    assert.match(r.headers.get('content-security-policy'), /default-src 'self'/);

    r = await cb.fetch('/');
    assert.equal(r.status, 200);
    assert.match(await r.text(), /Open a data area of the cash book from Oblako/);

    r = await cb.fetch('/app.js');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^text\/javascript/);
    assert.match(await r.text(), /'api\/heartbeat'/);
    r = await cb.fetch('/app.css');
    assert.match(r.headers.get('content-type'), /^text\/css/);
    assert.equal((await cb.fetch('/nope')).status, 404);
  });

  test('state', async () => {
    const r = await page(cookie, 'GET', '/api/state');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, {
      session: 7, state: 'open', area: { key: KEY, name: 'Our firm' },
      application: { code: APP, name: 'Cash book', name_ru: 'Касса' }, person: { name: 'Анна' },
      heartbeat_seconds: 60, version: '1.0.0',
    });
    assert.equal(r.headers.get('cache-control'), 'no-store');
  });

  test('the page API refuses no cookie, a bad cookie, a non-JSON POST, another window', async () => {
    assert.equal((await page('', 'GET', '/api/entries')).status, 401);
    assert.equal((await page(`cb_session=${'0'.repeat(64)}`, 'GET', '/api/entries')).status, 401);
    let r = await page(cookie, 'POST', '/api/entries', { date: '2024-01-01', amount: 100 },
      { 'Content-Type': 'application/x-www-form-urlencoded' });
    assert.equal(r.status, 415);
    r = await page(cookie, 'POST', '/api/entries', { date: '2024-01-01', amount: 100 },
      { 'Content-Type': 'text/plain' });
    assert.equal(r.status, 415);
    r = await page(cookie, 'GET', '/api/entries', undefined, { 'X-Cashbook-Session': '8' });
    assert.equal(r.status, 409);
    assert.equal(r.json.state, 'replaced');
    r = await page(cookie, 'GET', '/api/entries', undefined, { 'X-Cashbook-Session': '7' });
    assert.equal(r.status, 200);
  });

  test('entries are validated and each error names its field', async () => {
    const cases = [
      [{ date: '2023-02-29', amount: 100 }, 'date'],
      [{ date: '2024-13-01', amount: 100 }, 'date'],
      [{ date: '24-01-01', amount: 100 }, 'date'],
      [{ amount: 100 }, 'date'],
      [{ date: '2024-01-01', amount: 1.5 }, 'amount'],
      [{ date: '2024-01-01', amount: '100' }, 'amount'],
      [{ date: '2024-01-01', amount: 0 }, 'amount'],
      [{ date: '2024-01-01', amount: 1e13 + 1 }, 'amount'],
      [{ date: '2024-01-01', amount: -(1e13 + 1) }, 'amount'],
      [{ date: '2024-01-01', amount: 5, comment: 'x'.repeat(501) }, 'comment'],
      [{ date: '2024-01-01', amount: 5, comment: 'я'.repeat(251) }, 'comment'], // 502 bytes
      [{ date: '2024-01-01', amount: 5, comment: 'a\u0001b' }, 'comment'],
      [{ date: '2024-01-01', amount: 5, comment: 7 }, 'comment'],
    ];
    for (const [body, field] of cases) {
      const r = await page(cookie, 'POST', '/api/entries', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.headers.get('content-type'), 'application/problem+json');
      assert.equal(r.json.field, field, JSON.stringify(body));
    }
    const r = await page(cookie, 'POST', '/api/entries', '[]');
    assert.equal(r.status, 400);
    const list = await page(cookie, 'GET', '/api/entries');
    assert.equal(list.json.count, 0, 'nothing was stored');
  });

  test('add, list newest first with balances, page, delete', async () => {
    const input = [
      ['2024-01-10', 100000, 'opening cash'],
      ['2024-01-12', -2550, 'stamps'],
      ['2024-01-11', 1e13, 'big'],
      ['2024-01-12', -1e13, 'big back'],
      ['2024-01-15', 12345, 'я'.repeat(250)], // 500 bytes of UTF-8
    ];
    const ids = [];
    for (const [date, amount, comment] of input) {
      const r = await page(cookie, 'POST', '/api/entries', { date, amount, comment });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.date, date);
      assert.equal(r.json.amount, amount);
      assert.equal(r.json.comment, comment);
      assert.ok(Number.isInteger(r.json.id) && Number.isInteger(r.json.created_at));
      ids.push(r.json.id);
    }
    const expectedTotal = 100000 - 2550 + 12345;
    let r = await page(cookie, 'GET', '/api/entries');
    assert.equal(r.status, 200);
    assert.equal(r.json.total, expectedTotal);
    assert.equal(r.json.count, 5);
    assert.equal(r.json.next, null);
    // newest first: by date, then by id
    assert.deepEqual(r.json.items.map((e) => e.id), [ids[4], ids[3], ids[1], ids[2], ids[0]]);
    // each balance is the sum up to and including the entry
    const all = r.json.items;
    assert.equal(all[0].balance, expectedTotal);
    for (let i = 0; i + 1 < all.length; i++) {
      assert.equal(all[i + 1].balance, all[i].balance - all[i].amount);
    }
    assert.equal(all.at(-1).balance, 100000);

    // paging by two
    const seen = [];
    let next = '';
    let pages = 0;
    do {
      r = await page(cookie, 'GET', `/api/entries?limit=2${next ? `&after=${next}` : ''}`);
      assert.equal(r.status, 200);
      assert.ok(r.json.items.length <= 2);
      seen.push(...r.json.items);
      next = r.json.next;
      pages++;
    } while (next);
    assert.equal(pages, 3);
    assert.deepEqual(seen, all);

    for (const q of ['limit=0', 'limit=201', 'limit=x', 'after=garbage', 'after=2024-02-30.1']) {
      r = await page(cookie, 'GET', `/api/entries?${q}`);
      assert.equal(r.status, 400, q);
    }

    r = await page(cookie, 'DELETE', `/api/entries/${ids[1]}`);
    assert.equal(r.status, 204);
    r = await page(cookie, 'DELETE', `/api/entries/${ids[1]}`);
    assert.equal(r.status, 404);
    r = await page(cookie, 'DELETE', '/api/entries/abc');
    assert.equal(r.status, 404);
    r = await page(cookie, 'GET', '/api/entries');
    assert.equal(r.json.count, 4);
    assert.equal(r.json.total, expectedTotal + 2550);
  });

  test('concurrent adds all land', async () => {
    const before = (await page(cookie, 'GET', '/api/entries')).json;
    const results = await Promise.all(Array.from({ length: 24 }, (_, i) =>
      page(cookie, 'POST', '/api/entries', { date: '2024-02-01', amount: i + 1, comment: `c${i}` })));
    assert.deepEqual(results.map((r) => r.status), Array(24).fill(201));
    const after = (await page(cookie, 'GET', '/api/entries?limit=200')).json;
    assert.equal(after.count, before.count + 24);
    assert.equal(after.total, before.total + (24 * 25) / 2);
    assert.equal(new Set(after.items.map((e) => e.id)).size, after.items.length);
  });

  test('heartbeat relays to Oblako; a closed answer stops the session', async () => {
    const start = fake.calls.length;
    let r = await page(cookie, 'POST', '/api/heartbeat');
    assert.equal(r.status, 200);
    assert.equal(r.json.state, 'open');
    assert.equal(r.json.expires_at, 1795000400);
    let call = fake.calls.at(-1);
    assert.equal(fake.calls.length, start + 1);
    assert.deepEqual([call.method, call.url, call.app, call.why, call.bodyLength],
      ['POST', '/api/v1/sessions/7/heartbeat', APP, null, 0]);

    fake.heartbeat = 'error';
    r = await page(cookie, 'POST', '/api/heartbeat');
    assert.equal(r.status, 502);
    assert.equal((await page(cookie, 'GET', '/api/state')).json.state, 'open', 'an error is not an end');

    fake.heartbeat = 'closed';
    r = await page(cookie, 'POST', '/api/heartbeat');
    assert.equal(r.status, 409);
    assert.equal(r.json.state, 'closed');
    assert.equal(r.json.detail, 'closed by the owner');
    fake.heartbeat = 'open';

    const calls = fake.calls.length;
    r = await page(cookie, 'POST', '/api/entries', { date: '2024-03-01', amount: 1 });
    assert.equal(r.status, 409);
    assert.equal(r.json.state, 'closed');
    assert.equal((await page(cookie, 'GET', '/api/entries')).status, 409);
    assert.equal((await page(cookie, 'DELETE', '/api/entries/1')).status, 409);
    r = await page(cookie, 'POST', '/api/heartbeat');
    assert.equal(r.status, 409);
    assert.equal(fake.calls.length, calls, 'an ended session no longer calls Oblako');
    r = await page(cookie, 'GET', '/api/state');
    assert.equal(r.status, 200);
    assert.equal(r.json.state, 'closed');
  });

  test('a blocked subscriber ends the session with state blocked', async () => {
    const c = await launch(9, 'tok9');
    fake.heartbeat = 'blocked';
    const r = await page(c, 'POST', '/api/heartbeat');
    fake.heartbeat = 'open';
    assert.equal(r.status, 409);
    assert.equal(r.json.state, 'blocked');
    assert.equal((await page(c, 'GET', '/api/state')).json.state, 'blocked');
  });

  test('close is relayed once, signed, and ends the session', async () => {
    const c = await launch(8, 'tok8');
    assert.equal((await page(c, 'POST', '/api/entries', { date: '2024-03-01', amount: 1 })).status, 201);
    const start = fake.calls.length;
    let r = await page(c, 'POST', '/api/close', undefined, {});
    assert.equal(r.status, 204);
    const call = fake.calls.at(-1);
    assert.equal(fake.calls.length, start + 1);
    assert.deepEqual([call.method, call.url, call.app, call.why],
      ['DELETE', '/api/v1/sessions/8', APP, null]);
    assert.ok(fake.sessions.get(8).closed);

    r = await page(c, 'POST', '/api/entries', { date: '2024-03-01', amount: 1 });
    assert.equal(r.status, 409);
    assert.equal(r.json.state, 'closed');
    assert.equal((await page(c, 'POST', '/api/close')).status, 204);
    assert.equal(fake.calls.length, start + 1, 'closing a closed session calls nobody');
    // without JSON it is refused, like every POST
    assert.equal((await page(c, 'POST', '/api/close', undefined, { 'Content-Type': 'text/plain' })).status, 415);
  });

  test('every request was logged as one JSON line', () => {
    const lines = cb.logs.filter((l) => typeof l === 'object' && l.msg === 'request');
    assert.ok(lines.length > 50);
    for (const l of lines) {
      assert.equal(typeof l.status, 'number');
      assert.equal(typeof l.ms, 'number');
      assert.ok(!String(l.path).includes('?'), 'no query (no launch token) in the log');
    }
    assert.equal(cb.stderr.filter((l) => !l.startsWith('{')).length, 0, cb.stderr.join('\n'));
  });
});

describe('deleting an area', () => {
  test('204 and the file is gone; 404 the second time; its sessions find no area', async () => {
    const c = await launch(11, 'tok11', OTHER_KEY);
    assert.equal((await page(c, 'POST', '/api/entries', { date: '2024-04-01', amount: 7 })).status, 201);

    assert.equal((await signed('DELETE', `/oblako/areas/${OTHER_KEY}`, '', { app: 'accounting' })).status,
      404, 'another application cannot delete it');
    let r = await signed('DELETE', `/oblako/areas/${OTHER_KEY}`);
    assert.equal(r.status, 204);
    assert.ok(!existsSync(path.join(cb.dataDir, 'areas', `${OTHER_KEY}.db`)));
    r = await signed('DELETE', `/oblako/areas/${OTHER_KEY}`);
    assert.equal(r.status, 404);
    r = await signed('DELETE', '/oblako/areas/..%2F..%2Fregistry');
    assert.equal(r.status, 400);
    assert.ok(existsSync(path.join(cb.dataDir, 'registry.db')));
    r = await cb.fetch(`/oblako/areas/${OTHER_KEY}`, { method: 'DELETE' });
    assert.equal(r.status, 401);

    r = await page(c, 'GET', '/api/entries');
    assert.equal(r.status, 404);

    // and it can be created again, empty
    assert.equal((await createArea(OTHER_KEY)).status, 201);
    const c2 = await launch(12, 'tok12', OTHER_KEY);
    assert.equal((await page(c2, 'GET', '/api/entries')).json.count, 0);
  });
});

describe('stop', () => {
  test('SIGTERM stops the cash book cleanly', async () => {
    const code = await cb.stop();
    assert.equal(code, 0, cb.stderr.join('\n'));
    assert.ok(cb.logs.some((l) => l.msg === 'stopping'));
  });
});
