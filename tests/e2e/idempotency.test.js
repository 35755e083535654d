// Idempotency-Key on creating POSTs (docs/rules.md §14): a retry with the same key
// and request gets the first answer again and makes nothing new, whatever
// the concurrency; another request under the same key is a conflict; keys
// belong to their actor and expire after 24 hours.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot, runCli } from './lib/server.js';
import { Client } from './lib/session.js';
import { setup, newPartner, questionnaire, resetApplyLimit } from './lib/accounts.js';
import { query } from './lib/db.js';

let ctx;
let p1;
let p2;
before(async () => {
  ctx = await setup('idempotency');
  p1 = await newPartner(ctx, { name: 'Idem One' });
  p2 = await newPartner(ctx, { name: 'Idem Two' });
});
after(async () => { assert.equal(await ctx.s.stop(), 0); });

let n = 0;
const newKey = () => `key-${process.pid}-${++n}-${Date.now()}`;
const withKey = (key) => ({ 'idempotency-key': key });

/** Subscribers named `name` that `client` sees. */
async function named(client, name) {
  const r = await client.get(`/api/v1/subscribers?limit=500&q=${encodeURIComponent(name)}`);
  assert.equal(r.status, 200);
  return r.body.items.filter((x) => x.name === name);
}

test('the same key and body twice: one object, the second answer replayed', async () => {
  const key = newKey();
  const body = { name: 'Idem Twice' };
  const a = await p1.owner.post('/api/v1/subscribers', body, withKey(key));
  assert.equal(a.status, 201, JSON.stringify(a.body));
  assert.equal(a.headers.get('idempotent-replayed'), null);
  const b = await p1.owner.post('/api/v1/subscribers', body, withKey(key));
  assert.equal(b.status, 201);
  assert.equal(b.headers.get('idempotent-replayed'), 'true');
  assert.match(b.headers.get('content-type'), /^application\/json/);
  assert.deepEqual(b.body, a.body);
  assert.equal((await named(p1.owner, 'Idem Twice')).length, 1);
  // Without a key nothing changed: each POST creates.
  const d = await p1.owner.post('/api/v1/subscribers', body);
  assert.equal(d.status, 201);
  assert.notEqual(d.body.id, a.body.id);
  assert.equal(d.headers.get('idempotent-replayed'), null);
  assert.equal((await named(p1.owner, 'Idem Twice')).length, 2);
});

test('the same JSON written differently is the same request', async () => {
  const key = newKey();
  const send = (text) => ctx.s.fetch('/api/v1/subscribers', {
    method: 'POST',
    headers: {
      ...withKey(key), 'content-type': 'application/json', 'x-csrf-token': p1.owner.csrf,
      cookie: `oblako_session=${p1.owner.cookie}`,
    },
    body: text,
  });
  const a = await send('{"name":"Idem Spelling","lang":"en"}');
  assert.equal(a.status, 201);
  const b = await send('{ "lang": "en",\n  "name": "Idem Spelling" }');
  assert.equal(b.status, 201);
  assert.equal(b.headers.get('idempotent-replayed'), 'true');
  assert.deepEqual(await b.json(), await a.json());
});

test('the same key with another body or path is a conflict naming the header', async () => {
  const key = newKey();
  const a = await p1.owner.post('/api/v1/subscribers', { name: 'Idem First' }, withKey(key));
  assert.equal(a.status, 201);
  const b = await p1.owner.post('/api/v1/subscribers', { name: 'Idem Second' }, withKey(key));
  assert.equal(b.status, 409);
  assert.equal(b.body.code, 'conflict');
  assert.equal(b.body.field, 'Idempotency-Key');
  assert.match(b.body.detail, /Idempotency-Key/);
  assert.equal((await named(p1.owner, 'Idem Second')).length, 0);
  const c = await p1.owner.post(`/api/v1/partners/${p1.id}/employees`,
    { email: 'idem-emp@partner.test', roles: ['operator'] }, withKey(key));
  assert.equal(c.status, 409, 'another route under the same key');
  // The first answer is still there.
  const d = await p1.owner.post('/api/v1/subscribers', { name: 'Idem First' }, withKey(key));
  assert.equal(d.status, 201);
  assert.equal(d.body.id, a.body.id);
});

test('a malformed key is refused before anything runs', async () => {
  for (const key of ['x'.repeat(256), 'tab\there']) {
    const r = await p1.owner.post('/api/v1/subscribers', { name: 'Idem Bad Key' }, withKey(key));
    assert.equal(r.status, 400, JSON.stringify(key));
    assert.equal(r.body.code, 'invalid');
    assert.equal(r.body.field, 'Idempotency-Key');
  }
  const ok = await p1.owner.post('/api/v1/subscribers', { name: 'Idem Long Key' },
    withKey('k'.repeat(255)));
  assert.equal(ok.status, 201);
  assert.equal((await named(p1.owner, 'Idem Bad Key')).length, 0);
});

test('50 concurrent requests with one key make one subscriber and get one answer', async () => {
  const key = newKey();
  const name = 'Idem Storm';
  const rs = await Promise.all(Array.from({ length: 50 },
    () => p1.owner.post('/api/v1/subscribers', { name }, withKey(key))));
  for (const r of rs) {
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual(r.body, rs[0].body);
  }
  assert.equal(rs.filter((r) => r.headers.get('idempotent-replayed') !== 'true').length, 1);
  const found = await named(p1.owner, name);
  assert.equal(found.length, 1);
  assert.equal(found[0].id, rs[0].body.id);
});

test('different actors with the same key are independent', async () => {
  const key = newKey();
  const body = { name: 'Idem Shared Key' };
  const a = await p1.owner.post('/api/v1/subscribers', body, withKey(key));
  const b = await p2.owner.post('/api/v1/subscribers', body, withKey(key));
  const c = await ctx.admin.post('/api/v1/subscribers', body, withKey(key));
  for (const r of [a, b, c]) {
    assert.equal(r.status, 201);
    assert.equal(r.headers.get('idempotent-replayed'), null);
  }
  assert.equal(new Set([a.body.id, b.body.id, c.body.id]).size, 3);
  assert.equal(b.body.partner.id, p2.id);
  // The same person with an API token is another actor than with the cookie.
  const t = await ctx.admin.post('/api/v1/tokens', { account: 1, roles: 'admin', name: 'idem' });
  assert.equal(t.status, 201);
  const viaToken = await ctx.s.fetch('/api/v1/subscribers', {
    method: 'POST',
    headers: { ...withKey(key), authorization: `Bearer ${t.body.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(viaToken.status, 201);
  assert.equal(viaToken.headers.get('idempotent-replayed'), null);
  assert.notEqual((await viaToken.json()).id, c.body.id);
  assert.equal((await named(ctx.admin, 'Idem Shared Key')).length, 4);
});

test('a new API token is replayed, yet never stored in the clear', async () => {
  const key = newKey();
  const body = { account: 1, roles: 'admin', name: 'idem-replayed' };
  const a = await ctx.admin.post('/api/v1/tokens', body, withKey(key));
  assert.equal(a.status, 201);
  const b = await ctx.admin.post('/api/v1/tokens', body, withKey(key));
  assert.equal(b.headers.get('idempotent-replayed'), 'true');
  assert.equal(b.body.token, a.body.token);
  const list = await ctx.admin.get('/api/v1/tokens');
  assert.equal(list.body.items.filter((x) => x.name === 'idem-replayed').length, 1);
  const rows = query(ctx.db, "SELECT key_hash, body FROM idempotency_keys WHERE state = 'done'");
  assert.ok(rows.length > 0);
  for (const [hash, stored] of rows) {
    assert.ok(!stored.includes(a.body.token.slice(10)), 'the secret is sealed');
    assert.ok(!hash.includes(key), 'the key is hashed');
  }
});

test('anonymous questionnaires: the key belongs to the address', async () => {
  resetApplyLimit(ctx.db);
  const key = newKey();
  const body = questionnaire({ name: 'Idem Applicant' });
  const anon = new Client(ctx.s);
  const a = await anon.post('/api/v1/partner-applications', body, withKey(key));
  assert.equal(a.status, 201, JSON.stringify(a.body));
  const b = await new Client(ctx.s).post('/api/v1/partner-applications', body, withKey(key));
  assert.equal(b.status, 201);
  assert.equal(b.headers.get('idempotent-replayed'), 'true');
  assert.equal(b.body.id, a.body.id);
  const list = await ctx.admin.get('/api/v1/partner-applications?limit=500');
  assert.equal(list.body.items.filter((x) => x.name === 'Idem Applicant').length, 1);
  const other = await anon.post('/api/v1/partner-applications', { ...body, comment: 'x' }, withKey(key));
  assert.equal(other.status, 409);
});

test('a refusal (4xx) is stored and replayed, with its first request id', async () => {
  const key = newKey();
  const a = await p1.owner.post('/api/v1/subscribers', { name: '' }, withKey(key));
  assert.equal(a.status, 400);
  assert.equal(a.body.field, 'name');
  const b = await p1.owner.post('/api/v1/subscribers', { name: '' }, withKey(key));
  assert.equal(b.status, 400);
  assert.equal(b.headers.get('idempotent-replayed'), 'true');
  assert.match(b.headers.get('content-type'), /^application\/problem\+json/);
  assert.deepEqual(b.body, a.body);
  assert.notEqual(b.headers.get('x-request-id'), a.body.request_id);
  const missing = await p1.owner.post('/api/v1/subscribers', { name: 'X', partner: p2.id }, withKey(newKey()));
  assert.equal(missing.status, 404);
});

test('every creating POST is documented with the Idempotency-Key parameter', () => {
  const doc = readFileSync(path.join(repoRoot, 'docs', 'openapi.yaml'), 'utf8');
  assert.match(doc, /\n {4}IdempotencyKey:\n/);
  const creating = ['/api/v1/tokens', '/api/v1/partner-applications', '/api/v1/partners/{id}/statuses',
    '/api/v1/partners/{id}/employees', '/api/v1/requests', '/api/v1/subscribers',
    '/api/v1/subscribers/{id}/users', '/api/v1/leave-reasons', '/api/v1/test/tasks'];
  for (const p of creating) {
    const at = doc.indexOf(`\n  ${p}:\n`);
    assert.ok(at >= 0, p);
    const next = doc.slice(at + 1).search(/\n {2}\/\S*:\n/);
    const item = doc.slice(at, next < 0 ? undefined : at + 1 + next);
    const post = item.slice(item.indexOf('\n    post:'));
    assert.match(post, /\$ref: '#\/components\/parameters\/IdempotencyKey'/, p);
  }
});

// Last: it moves the business clock a day forward, which ends the sessions.
test('a key expires after 24 hours and is pruned', async () => {
  const key = newKey();
  const name = 'Idem Expiry';
  const clock = async (advance) => {
    const r = await ctx.s.fetch('/api/v1/test/clock', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance }),
    });
    assert.equal(r.status, 200);
    return Math.floor(Date.parse((await r.json()).now) / 1000);
  };
  const task = () => ctx.s.fetch('/api/v1/test/tasks', {
    method: 'POST', headers: { ...withKey(key), 'content-type': 'application/json' },
    body: JSON.stringify({ note: 'idem expiry' }),
  });
  const a = await p1.owner.post('/api/v1/subscribers', { name }, withKey(key));
  assert.equal(a.status, 201);
  const t1 = await (await task()).json();
  await clock(23 * 3600);
  const t2 = await task();
  assert.equal(t2.headers.get('idempotent-replayed'), 'true', 'still kept after 23 h');
  assert.deepEqual(await t2.json(), t1);
  const now = await clock(2 * 3600);
  const t3 = await task();
  assert.equal(t3.status, 201);
  assert.equal(t3.headers.get('idempotent-replayed'), null);
  assert.notEqual((await t3.json()).id, t1.id);
  // The session ended with the day; signed in again, the same key makes a new subscriber.
  const owner = new Client(ctx.s);
  assert.equal((await owner.login(p1.email, 'a-good-password-1')).status, 200);
  const b = await owner.post('/api/v1/subscribers', { name }, withKey(key));
  assert.equal(b.status, 201);
  assert.equal(b.headers.get('idempotent-replayed'), null);
  assert.notEqual(b.body.id, a.body.id);
  assert.equal((await named(owner, name)).length, 2);
  // The daily prune deletes the expired keys, and only those.
  const count = (where) => Number(query(ctx.db, `SELECT COUNT(*) FROM idempotency_keys WHERE ${where}`)[0][0]);
  const kept = count(`expires_at > ${now}`);
  // The server's runner may prune first (the clock passed 03:00): either way
  // the runs record how many keys went.
  const r = runCli(['jobs', 'run', 'prune', '--db', ctx.db, '--test-clock']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /, \d+ idempotency keys/);
  assert.equal(count(`expires_at <= ${now}`), 0);
  assert.equal(count(`expires_at > ${now}`), kept);
  const pruned = query(ctx.db, "SELECT detail FROM job_runs WHERE name = 'prune'")
    .map(([d]) => Number(/(\d+) idempotency keys/.exec(d)?.[1] || 0));
  assert.ok(pruned.reduce((a, b) => a + b, 0) > 0, JSON.stringify(pruned));
});
