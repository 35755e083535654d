// A client's copies of its data areas (R-DA-5, R-SUB-7; issue 15 item 3): the owner asks for a
// copy, the task streams the backend's export into the store, a link valid a day serves it
// streamed with Range; the copy uploaded makes a new area within the entitlement whose cash
// book has the same entries. The attacker's side: another tenant, a user, a removed
// administrator and a revoked token, a wrong checksum, a file too large, two uploads racing
// for the last slot, a link exactly 24 h old.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setup, newPartner, activate, audits, uniqueEmail } from './lib/accounts.js';
import { withBackend, newClient, settled } from './lib/areas.js';
import { expect } from './lib/expect.js';
import { query } from './lib/db.js';
import { eventually } from './lib/wait.js';

const UPLOAD_MAX = 262144;
const sha = (b) => createHash('sha256').update(b).digest('hex');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'oblako-copies-'));

let ctx;
let cb;
let P;
let C;          // the client: {id, email, owner}
let area;       // its ready area with the demo entries
let file;       // a downloaded copy of it (Buffer)
let first;      // the first export asked for

/** The entries of a cash book file, read by the sqlite3 shell. */
function entries(buf) {
  const f = path.join(tmp, `check-${process.hrtime.bigint()}.db`);
  writeFileSync(f, buf);
  const r = spawnSync('sqlite3', [f, 'SELECT date, amount, comment FROM entries ORDER BY id'],
    { encoding: 'utf8' });
  unlinkSync(f);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** An anonymous request, as a browser or curl follows a link. */
async function raw(p, opts = {}) {
  const res = await ctx.s.fetch(p, opts);
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

/** Asks for an export of area id by client c and waits until it is stored. */
// The export `copy` of area `id` once stored; without `copy`, a new one is asked for first.
async function exported(c, id, copy) {
  const r = copy ? { body: { id: copy } } : await c.post(`/api/v1/areas/${id}/exports`, {});
  assert.ok(copy || r.status === 202 || r.status === 200, JSON.stringify(r.body));
  return eventually(async () => {
    const g = await c.get(`/api/v1/areas/${id}/exports/${r.body.id}`);
    expect(g, 200);
    assert.equal(g.body.state, 'stored', JSON.stringify(g.body));
    return g.body;
  }, { what: `export ${r.body.id} stored`, interval: 50 });
}

async function upload(c, body, { name = 'Из копии', hash = sha(body), sub = C.id, headers = {} } = {}) {
  const q = `?subscriber=${sub}&application=accounting&name=${encodeURIComponent(name)}`;
  const h = { 'content-type': 'application/octet-stream', ...headers };
  if (hash) h['x-oblako-sha256'] = hash;
  const res = await c.server.fetch(`/api/v1/areas/upload${q}`, {
    method: 'POST', body,
    headers: { ...h, cookie: `oblako_session=${c.cookie}`, 'x-csrf-token': c.csrf },
  });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, body: json ?? text };
}

before(async () => {
  ctx = await setup('copies', { args: ['--area-upload-max', String(UPLOAD_MAX), '--jobs-interval-ms', '100'] });
  cb = await withBackend(ctx);
  P = await newPartner(ctx);
  C = await newClient(ctx, P);
  const r = await C.owner.post('/api/v1/areas', { subscriber: C.id, name: 'Основная', application: 'accounting', demo: true });
  expect(r, 201);
  area = await settled(C.owner, r.body.id);
  assert.equal(area.state, 'ready');
});
after(async () => {
  await cb?.stop();
  await ctx?.s.stop();
});

test('R-DA-5: the owner asks for a copy (two asks at once make one), gets a link and downloads it whole and resumed with Range', async () => {
  const [a, b] = await Promise.all([
    C.owner.post(`/api/v1/areas/${area.id}/exports`, {}),
    C.owner.post(`/api/v1/areas/${area.id}/exports`, {}),
  ]);
  if (a.status === 202 && b.status === 202) {
    // on a slow machine the second ask may arrive after the first export was already stored:
    // it then rightly makes another; two on their way at once never
    const [x, y] = [a.body, b.body].sort((p, q) => p.id - q.id);
    const done = await exported(C.owner, area.id, x.id);
    assert.ok(Date.parse(done.stored_at) <= Date.parse(y.created_at), JSON.stringify([done, y]));
  } else {
    assert.deepEqual([a.status, b.status].sort(), [200, 202], JSON.stringify([a.body, b.body]));
    assert.equal(a.body.id, b.body.id, 'one export on its way per area');
  }
  // the one asked for (asking again once it is stored would rightly make another)
  const copy = await exported(C.owner, area.id, a.body.id);
  first = copy;
  assert.equal(copy.id, a.body.id);
  assert.equal(copy.kind, 'export');
  assert.match(copy.sha256, /^[0-9a-f]{64}$/);
  assert.equal(audits(ctx.db, 'area.export_asked').length >= 1, true);

  const l = await C.owner.post(`/api/v1/areas/${area.id}/exports/${copy.id}/link`, {});
  expect(l, 201);
  assert.match(l.body.path, /^\/api\/v1\/downloads\/[0-9a-f]{64}$/);
  const expires = Date.parse(l.body.expires_at);
  const whole = await raw(l.body.path);
  assert.equal(whole.status, 200);
  assert.equal(whole.headers.get('accept-ranges'), 'bytes');
  assert.equal(whole.headers.get('etag'), `"${copy.sha256}"`);
  // named for the area and the day (RFC 6266); a Cyrillic name: the kind in the ASCII fallback
  const disp = whole.headers.get('content-disposition');
  const named = disp.match(/^attachment; filename="export (\d{4}-\d\d-\d\d)\.bin"; filename\*=UTF-8''(.+)%20(\d{4}-\d\d-\d\d)\.bin$/);
  assert.ok(named, disp);
  assert.deepEqual([decodeURIComponent(named[2]), named[3]], ['Основная', named[1]]);
  assert.equal(whole.body.length, copy.size);
  assert.equal(sha(whole.body), copy.sha256, 'the bytes are the stored copy\'s');
  assert.match(entries(whole.body), /Выручка за день/, 'the copy holds the demo entries');
  file = whole.body;

  // HEAD tells the size and the ETag without the bytes
  const head0 = await raw(l.body.path, { method: 'HEAD' });
  assert.equal(head0.status, 200);
  assert.equal(Number(head0.headers.get('content-length')), copy.size);
  assert.equal(head0.headers.get('etag'), `"${copy.sha256}"`);
  assert.equal(head0.body.length, 0);
  // resumed: the first 16 bytes, then the rest, make the same file
  const head = await raw(l.body.path, { headers: { range: 'bytes=0-15' } });
  assert.equal(head.status, 206);
  assert.equal(head.headers.get('content-range'), `bytes 0-15/${copy.size}`);
  assert.equal(head.body.toString('latin1'), 'SQLite format 3\0');
  const rest = await raw(l.body.path, { headers: { range: 'bytes=16-', 'if-range': `"${copy.sha256}"` } });
  assert.equal(rest.status, 206);
  assert.ok(Buffer.concat([head.body, rest.body]).equals(file));
  // past the end: 416 saying the size; a stale If-Range: the whole copy again
  const past = await raw(l.body.path, { headers: { range: `bytes=${copy.size}-` } });
  assert.equal(past.status, 416);
  assert.equal(past.headers.get('content-range'), `bytes */${copy.size}`);
  const stale = await raw(l.body.path, { headers: { range: 'bytes=0-15', 'if-range': '"0000"' } });
  assert.equal(stale.status, 200);
  assert.equal(stale.body.length, copy.size);
  assert.ok(expires > Date.now() - 60_000);
});

test('R-DA-5: the copy uploaded makes a new area whose cash book has the same entries; a damaged or foreign file is refused', async () => {
  const up = await upload(C.owner, file);
  assert.equal(up.status, 202, JSON.stringify(up.body));
  assert.equal(up.body.area.state, 'creating');
  assert.equal(up.body.copy.sha256, sha(file));
  const made = await settled(C.owner, up.body.area.id);
  assert.equal(made.state, 'ready', JSON.stringify(made));
  const again = await exported(C.owner, made.id);
  const l = await C.owner.post(`/api/v1/areas/${made.id}/exports/${again.id}/link`, {});
  const copy = await raw(l.body.path);
  assert.equal(entries(copy.body), entries(file), 'the same entries, in the same order');
  assert.equal(audits(ctx.db, 'area.uploaded').length, 1);

  // the bytes are not the ones the client hashed: refused, nothing made
  const bad = await upload(C.owner, file, { hash: sha('something else') });
  expect(bad, 400);
  assert.equal(bad.body.code, 'invalid');
  // not a cash book: the backend refuses the import, the area fails with its reason
  const text = Buffer.from('this is not a database '.repeat(20));
  const foreign = await upload(C.owner, text, { name: 'Чужой файл' });
  assert.equal(foreign.status, 202, JSON.stringify(foreign.body));
  const failed = await settled(C.owner, foreign.body.area.id);
  assert.equal(failed.state, 'failed');
  assert.match(failed.reason, /not an intact SQLite database/);
  // larger than --area-upload-max: 413 from the declared length, before the body is read
  const big = await upload(C.owner, Buffer.alloc(UPLOAD_MAX + 1));
  assert.equal(big.status, 413);
  // empty
  expect(await upload(C.owner, Buffer.alloc(0), { hash: null }), 400);
});

test('isolation: another tenant finds nothing (404), a user may not (403), nobody uploads into another client', async () => {
  const other = await newClient(ctx, P, 'ООО Другой');
  const copy = await exported(C.owner, area.id);
  expect(await other.owner.post(`/api/v1/areas/${area.id}/exports`, {}), 404);
  expect(await other.owner.get(`/api/v1/areas/${area.id}/exports/${copy.id}`), 404);
  expect(await other.owner.post(`/api/v1/areas/${area.id}/exports/${copy.id}/link`, {}), 404);
  expect(await upload(other.owner, file, { sub: C.id }), 404);
  // the serving partner's owner may not take the client's data either
  expect(await P.owner.post(`/api/v1/areas/${area.id}/exports/${copy.id}/link`, {}), 403);
  const email = uniqueEmail('user');
  expect(await C.owner.post(`/api/v1/subscribers/${C.id}/users`, { email, roles: ['user'] }), 202);
  const user = await activate(ctx.s, ctx.db, email);
  expect(await user.post(`/api/v1/areas/${area.id}/exports`, {}), 403);
  expect(await user.post(`/api/v1/areas/${area.id}/exports/${copy.id}/link`, {}), 403);
  // a made-up link
  expect(await raw(`/api/v1/downloads/${'0'.repeat(64)}`), 404);
  // nobody signed in: refused from the request's head, the body never reaches the disk
  const anon = await raw(`/api/v1/areas/upload?subscriber=${C.id}&application=accounting&name=x`, { method: 'POST', body: file });
  assert.equal(anon.status, 401);
});

test('a removed administrator\'s link and a revoked token\'s link stop at once; a token may download (scripts)', async () => {
  const email = uniqueEmail('adm');
  expect(await C.owner.post(`/api/v1/subscribers/${C.id}/users`, { email, roles: ['administrator'] }), 202);
  const adm = await activate(ctx.s, ctx.db, email);
  const person = (await adm.get('/api/v1/me')).body.id;
  const copy = await exported(adm, area.id);
  const l = await adm.post(`/api/v1/areas/${area.id}/exports/${copy.id}/link`, {});
  expect(l, 201);
  assert.equal((await raw(l.body.path)).status, 200);
  expect(await C.owner.del(`/api/v1/subscribers/${C.id}/users/${person}`), 204);
  const gone = await raw(l.body.path);
  assert.equal(gone.status, 404, 'the removed administrator\'s link is dead');
  assert.equal(JSON.parse(gone.body).reason, 'copy.link_not_found');

  const t = await C.owner.post('/api/v1/tokens', { account: C.id, roles: 'owner', name: 'копии' });
  expect(t, 201);
  const bearer = (method, p) => ctx.s.fetch(p, { method, headers: { authorization: `Bearer ${t.body.token}`, 'content-type': 'application/json' }, body: method === 'POST' ? '{}' : undefined });
  const tl = await bearer('POST', `/api/v1/areas/${area.id}/exports/${copy.id}/link`);
  assert.equal(tl.status, 201);
  const tp = (await tl.json()).path;
  assert.equal((await raw(tp)).status, 200);
  // a script may also make an area from a copy with its token
  const byToken = await ctx.s.fetch(`/api/v1/areas/upload?application=accounting&name=${encodeURIComponent('Скрипт')}`, {
    method: 'POST', body: file, headers: { authorization: `Bearer ${t.body.token}`, 'x-oblako-sha256': sha(file) } });
  assert.equal(byToken.status, 202, await byToken.clone().text());
  assert.equal((await byToken.json()).area.subscriber, C.id, 'the token\'s own subscriber');
  expect(await C.owner.del(`/api/v1/tokens/${t.body.id}`), 204);
  assert.equal((await raw(tp)).status, 404, 'the revoked token\'s link is dead');
});

test('a backup is downloaded by the backups route, an export by the exports route, never one by the other', async () => {
  const copy = await exported(C.owner, area.id);
  // a stored backup as the backups part writes it (here: the same object as the export)
  query(ctx.db, `INSERT INTO area_backups (area_id, kind, state, object, size, sha256, created_at, stored_at)
    SELECT area_id, 'manual', 'stored', object, size, sha256, created_at, stored_at FROM area_backups WHERE id = ${copy.id}`);
  const [[backup]] = query(ctx.db, `SELECT MAX(id) FROM area_backups WHERE kind = 'manual' AND area_id = ${area.id}`);
  const l = await C.owner.post(`/api/v1/areas/${area.id}/backups/${backup}/link`, {});
  expect(l, 201);
  const got = await raw(l.body.path);
  assert.equal(got.status, 200);
  assert.equal(sha(got.body), copy.sha256);
  assert.match(got.headers.get('content-disposition'), /filename="manual \d{4}-\d\d-\d\d\.bin"/);
  expect(await C.owner.post(`/api/v1/areas/${area.id}/exports/${backup}/link`, {}), 404);
  expect(await C.owner.post(`/api/v1/areas/${area.id}/backups/${copy.id}/link`, {}), 404);
  expect(await C.owner.get(`/api/v1/areas/${area.id}/exports/${backup}`), 404);
});

test('two uploads racing for the last free area make one area (ITSaaS-BASIC: one working area)', async () => {
  const b = await newClient(ctx, P, 'ООО Базовый');
  const r = await P.owner.post('/api/v1/subscriptions', { subscriber: b.id, kind: 'main', tariff: 'ITSaaS-BASIC', term_months: 1 });
  expect(r, 201);
  const [x, y] = await Promise.all([
    upload(b.owner, file, { name: 'Гонка 1', sub: b.id }),
    upload(b.owner, file, { name: 'Гонка 2', sub: b.id }),
  ]);
  assert.deepEqual([x.status, y.status].sort(), [202, 409], JSON.stringify([x.body, y.body]));
  const lost = x.status === 409 ? x : y;
  assert.equal(lost.body.reason, 'area.limit_working');
  const areas = await b.owner.get(`/api/v1/areas?subscriber=${b.id}`);
  assert.equal(areas.body.items.length, 1);
});

test('R-DA-5: a link is valid for a day: 2 s before 24 h it serves, at exactly 24 h it has expired', async () => {
  const copy = await exported(C.owner, area.id);
  const l = await C.owner.post(`/api/v1/areas/${area.id}/exports/${copy.id}/link`, {});
  expect(l, 201);
  const made = Date.parse(l.body.expires_at) - 86_400_000;
  const clock = async (ms) => expect(await ctx.admin.post('/api/v1/test/clock',
    { now: new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z') }), 200);
  // 2 s, not 1: the test clock goes on with real time in whole seconds, so a second may turn
  // between setting it and the request (a loaded run of make test saw 404 at 1 s before)
  await clock(made + 86_398_000);
  const before = await raw(l.body.path);
  assert.equal(before.status, 200, `${before.status} ${String(before.body).slice(0, 300)}`);
  await clock(made + 86_400_000);
  const r = await raw(l.body.path);
  assert.equal(r.status, 404);
  assert.equal(JSON.parse(r.body).reason, 'copy.link_expired');
});

test('R-SUB-7: a blocked client still takes its data away, but makes no new area from a copy', async () => {
  expect(await C.owner.login(C.email, 'a-good-password-1'), 200);  // the clock moved past the sign-in
  const subs = await C.owner.get(`/api/v1/subscriptions?subscriber=${C.id}`);
  const trialEnd = subs.body.items.find((x) => x.kind === 'trial').end;
  const clock = await ctx.s.fetch('/api/v1/test/clock').then((r) => r.json());
  const after = Math.max(Date.parse(`${trialEnd}T00:00:00+03:00`), Date.parse(clock.now)) + 86_400_000;
  expect(await ctx.admin.post('/api/v1/test/clock', { now: new Date(after).toISOString().replace(/\.\d{3}Z$/, 'Z') }), 200);
  expect(await C.owner.login(C.email, 'a-good-password-1'), 200);
  const ent = await C.owner.get(`/api/v1/subscribers/${C.id}/entitlement`);
  assert.equal(ent.body.blocked, true, JSON.stringify(ent.body));
  const copy = await exported(C.owner, area.id);
  const l = await C.owner.post(`/api/v1/areas/${area.id}/exports/${copy.id}/link`, {});
  expect(l, 201);
  const got = await raw(l.body.path);
  assert.equal(got.status, 200);
  assert.equal(entries(got.body), entries(file), 'the data as it was');
  expect(await upload(C.owner, file, { name: 'После блокировки' }), 403, 'blocked');

  // a week on, the job copies-prune takes the old exports out of the store; this day's stays
  const store = process.env.OBLAKO_BACKUP_DIR;
  const objectOf = (id) => query(ctx.db, `SELECT object FROM area_backups WHERE id = ${id}`)[0][0];
  assert.ok(existsSync(path.join(store, objectOf(first.id))), 'the first export is in the store');
  expect(await ctx.admin.post('/api/v1/test/jobs', { names: ['copies-prune'] }), 200);
  assert.ok(!existsSync(path.join(store, objectOf(first.id))), 'a month-old export left the store');
  expect(await C.owner.get(`/api/v1/areas/${area.id}/exports/${first.id}`), 404);
  assert.ok(existsSync(path.join(store, objectOf(copy.id))), 'the export of today stays');
  expect(await C.owner.get(`/api/v1/areas/${area.id}/exports/${copy.id}`), 200);
  assert.equal((await raw(l.body.path)).status, 200, 'and its link still serves');
});
