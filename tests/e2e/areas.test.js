// Data areas, the session broker and partner access grants (R-DA-1..4,
// R-ACT-4; issue 5): areas made by the reference backend within the
// entitlement, atomic admission (50 opens against a limit of 5, on one
// server and spread over two), the launch and heartbeat protocol with its
// signatures, refusals that say who holds the sessions, take-over, per-user
// limits, grants, and, last because the clock only moves forward, the
// kill-the-client test, grant expiry, the bin's purge and a blocked
// subscriber's grace time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServers } from './lib/server.js';
import { Client } from './lib/session.js';
import { setup, newPartner, newEmployee, activate, audits, uniqueEmail } from './lib/accounts.js';
import { query } from './lib/db.js';
import {
  withBackend, newClient, readyArea, settled, signed, launchParams, SECRET,
} from './lib/areas.js';
import { sign } from './lib/app.js';
import { expect } from './lib/expect.js';
import { eventually } from './lib/wait.js';

let ctx;
let cb;
let P;          // the serving partner
let idle;       // the server's idle time, seconds

before(async () => {
  ctx = await setup('areas');
  cb = await withBackend(ctx);
  P = await newPartner(ctx);
});
after(async () => {
  await cb?.stop();
  await ctx?.s.stop();
});

async function clockBy(seconds) {
  const now = await ctx.s.fetch('/api/v1/test/clock').then((r) => r.json());
  const at = new Date(Date.parse(now.now) + seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const r = await ctx.s.fetch('/api/v1/test/clock', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ now: at }),
  });
  assert.equal(r.status, 200, await r.text());
}

/** Signs in again after the clock ended the sign-in session. */
async function relogin(client, email) {
  expect(await client.login(email, 'a-good-password-1'), 200);
}

/** Replays a subscriber's session history in database order and returns the highest
 * concurrent count seen, failing if any admission went past its limits. */
function replay(db, sub) {
  const rows = query(db, `SELECT id, session_id, person_id, event, COALESCE(session_limit, -1),
    COALESCE(user_limit, -1) FROM session_history WHERE subscriber_id = ${sub} ORDER BY id`);
  const open = new Set();
  const perUser = new Map();
  let high = 0;
  for (const [, session, person, event, limit, userLimit] of rows) {
    if (event === 'open') {
      assert.ok(!open.has(session), `session ${session} opened twice`);
      open.add(session);
      perUser.set(person, (perUser.get(person) || 0) + 1);
      assert.ok(open.size <= Number(limit), `history: ${open.size} open against a limit of ${limit}`);
      if (Number(userLimit) >= 0) assert.ok(perUser.get(person) <= Number(userLimit));
      high = Math.max(high, open.size);
    } else {
      assert.ok(open.delete(session), `session ${session} ${event} while not open`);
      perUser.set(person, perUser.get(person) - 1);
    }
  }
  return { high, open: open.size, events: rows.length };
}

/** A client with a paid main of `tariff` (the trial stops counting). */
async function paidClient(tariff) {
  const c = await newClient(ctx, P);
  const r = await P.owner.post('/api/v1/subscriptions', { subscriber: c.id, kind: 'main', tariff, term_months: 1 });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return c;
}

test('areas are made by the backend within the entitlement; refusals name the limit', async () => {
  const c = await newClient(ctx, P);
  const a = await readyArea(c.owner, c.id, 'Наша фирма');
  assert.equal(a.application.code, 'accounting');
  assert.match(a.version, /^\d/);
  assert.equal(a.subscriber.id, c.id);
  assert.equal(a.sessions, 0);
  // the backend holds the area's own database
  const key = query(ctx.db, `SELECT area_key FROM areas WHERE id = ${a.id}`)[0][0];
  assert.match(key, /^[0-9a-f]{16}$/);
  expect(await c.owner.post('/api/v1/areas', { subscriber: c.id, name: 'CRM', application: 'crm' }), 403, 'forbidden', 'application');
  expect(await c.owner.post('/api/v1/areas', { subscriber: c.id, name: 'X', application: 'nope' }), 400, 'invalid', 'application');
  expect(await c.owner.post('/api/v1/areas', { subscriber: c.id, name: '', application: 'accounting' }), 400, 'invalid', 'name');
  // another tenant's area does not exist for you
  const other = await newClient(ctx, P);
  expect(await other.owner.get(`/api/v1/areas/${a.id}`), 404, 'not_found');
  expect(await other.owner.post('/api/v1/areas', { subscriber: c.id, name: 'X', application: 'accounting' }), 404, 'not_found');
  // the partner sees its client's areas; the list pages
  const l = await P.owner.get(`/api/v1/areas?subscriber=${c.id}`);
  assert.deepEqual(l.body.items.map((x) => x.id), [a.id]);

  // ITSaaS-BASIC: 1 working + 1 test area of one application of the client's choice
  const b = await paidClient('ITSaaS-BASIC');
  await readyArea(b.owner, b.id, 'Рабочая', 'accounting');
  let r = await b.owner.post('/api/v1/areas', { subscriber: b.id, name: 'Вторая', application: 'accounting' });
  expect(r, 409, 'limit_exceeded', 'application');
  assert.equal(r.body.reason, 'area.limit_working');
  assert.deepEqual(r.body.params, { max: 1, app: 'accounting' });
  await readyArea(b.owner, b.id, 'Тестовая', 'accounting', true);
  r = await b.owner.post('/api/v1/areas', { subscriber: b.id, name: 'Тест 2', application: 'accounting', test: true });
  expect(r, 409, 'limit_exceeded');
  assert.equal(r.body.reason, 'area.limit_test');
  // the choice is fixed by the first working area
  expect(await b.owner.post('/api/v1/areas', { subscriber: b.id, name: 'УНФ', application: 'small_business' }), 403, 'forbidden');
  const ent = await b.owner.get(`/api/v1/subscribers/${b.id}/entitlement`);
  assert.deepEqual(ent.body.applications ?? ent.body.apps, ['accounting'], JSON.stringify(ent.body));
});

// Issue 9 item 15. The guide's SPEC row: "Одна база «1С:Бухгалтерия СПЕЦ (лом+шкуры)», одна
// база любого приложения тарифа ПРОФ". The client's choice belongs to the one-application
// rule (the PROF list), so an Accounting SPEC area made first is no choice of it.
test('R-CAT-2 ITSaaS-SPEC: 1 Accounting SPEC + 1 of one PROF application, whichever is made first', async () => {
  const areasOf = async (c) => {
    const e = await c.owner.get(`/api/v1/subscribers/${c.id}/entitlement`);
    expect(e, 200);
    return Object.fromEntries(e.body.areas.map((x) => [x.app, [x.working, x.test]]));
  };
  for (const order of [['accounting_spec', 'accounting'], ['accounting', 'accounting_spec']]) {
    const c = await paidClient('ITSaaS-SPEC');
    for (const app of order) await readyArea(c.owner, c.id, `База ${app}`, app);
    assert.deepEqual(await areasOf(c), { accounting_spec: [1, 0], accounting: [1, 0] }, order.join(' → '));
    // one Accounting SPEC, one area of the chosen PROF application, nothing of another
    let r = await c.owner.post('/api/v1/areas', { subscriber: c.id, name: 'Ещё лом', application: 'accounting_spec' });
    expect(r, 409, 'limit_exceeded', 'application');
    r = await c.owner.post('/api/v1/areas', { subscriber: c.id, name: 'Ещё одна', application: 'accounting' });
    expect(r, 409, 'limit_exceeded', 'application');
    assert.match(r.body.reason, /^area\.limit_(working|all)$/);
    r = await c.owner.post('/api/v1/areas', { subscriber: c.id, name: 'УНФ', application: 'small_business' });
    expect(r, 409, 'limit_exceeded', 'application');
  }
  // Before any area the whole PROF list is open to the one PROF area.
  const fresh = await paidClient('ITSaaS-SPEC');
  const open = await areasOf(fresh);
  assert.deepEqual(open.accounting_spec, [1, 0]);
  assert.deepEqual(open.small_business, [1, 0]);
  assert.deepEqual(open.payroll_hr, [1, 0]);
});

test('two simultaneous creations cannot both take the last slot', async () => {
  const b = await paidClient('ITSaaS-BASIC');
  const rs = await Promise.all(Array.from({ length: 8 }, (_, i) =>
    b.owner.post('/api/v1/areas', { subscriber: b.id, name: `Гонка ${i}`, application: 'accounting' })));
  assert.equal(rs.filter((r) => r.status === 201).length, 1, rs.map((r) => r.status).join(','));
  for (const r of rs.filter((x) => x.status !== 201)) expect(r, 409, 'limit_exceeded');
  assert.equal(Number(query(ctx.db, `SELECT COUNT(*) FROM areas WHERE subscriber_id = ${b.id}`)[0][0]), 1);
});

test('the launch is single-use and signed; heartbeats and the close come from the backend', async () => {
  const c = await newClient(ctx, P);
  const a = await readyArea(c.owner, c.id);
  const o = await c.owner.post('/api/v1/sessions', { area: a.id });
  expect(o, 201);
  assert.equal(o.body.state, 'open');
  const q = launchParams(o.body.launch_url);
  assert.equal(q.app, 'accounting');
  assert.equal(Number(q.session), o.body.id);
  assert.ok(o.body.launch_url.startsWith(`${cb.url}/launch?`));
  const path = `/api/v1/sessions/${q.session}`;
  // unsigned, badly signed, stale or another application's signature: refused
  expect(await signed(ctx.s, 'accounting', 'GET', `${path}?launch=${q.token}`, undefined, 'x'.repeat(40)), 401, 'unauthorized');
  const old = sign(SECRET, 'accounting', 'GET', `${path}?launch=${q.token}`, '', Math.floor(Date.now() / 1000) - 400);
  expect({ status: (await ctx.s.fetch(`${path}?launch=${q.token}`, { headers: old })).status, body: {} }, 401);
  expect(await signed(ctx.s, 'small_business', 'GET', `${path}?launch=${q.token}`), 404, 'not_found');
  expect(await signed(ctx.s, 'accounting', 'GET', `${path}?launch=wrong`), 404, 'not_found');
  const other = await newClient(ctx, P);
  expect(await other.owner.get(path), 404, 'not_found');
  // the launch, once
  const v = await signed(ctx.s, 'accounting', 'GET', `${path}?launch=${q.token}`);
  expect(v, 200);
  assert.equal(v.body.area.key, query(ctx.db, `SELECT area_key FROM areas WHERE id = ${a.id}`)[0][0]);
  assert.equal(v.body.person.email, c.email);
  assert.ok(v.body.launched_at);
  expect(await signed(ctx.s, 'accounting', 'GET', `${path}?launch=${q.token}`), 409, 'conflict');
  // heartbeat, then the close relayed by the backend; a closed session's heartbeat is refused
  const h = await signed(ctx.s, 'accounting', 'POST', `${path}/heartbeat`);
  expect(h, 200);
  assert.equal(h.body.state, 'open');
  expect(await c.owner.post(`${path}/heartbeat`), 404, 'not_found');   // people do not beat
  expect(await signed(ctx.s, 'accounting', 'DELETE', path), 204);
  expect(await signed(ctx.s, 'accounting', 'DELETE', path), 204);       // idempotent
  const after = await signed(ctx.s, 'accounting', 'POST', `${path}/heartbeat`);
  expect(after, 409, 'conflict');
  assert.equal(after.body.state, 'closed');
  const me = await c.owner.get(path);
  assert.equal(me.body.state, 'closed');
  assert.equal(me.body.close_reason, 'closed');
  const r = replay(ctx.db, c.id);
  assert.deepEqual([r.high, r.open, r.events], [1, 0, 2]);
});

test('the reference backend: launch, work in the area, close from the page', async () => {
  const c = await newClient(ctx, P);
  const a = await readyArea(c.owner, c.id, 'Касса магазина');
  const o = await c.owner.post('/api/v1/sessions', { area: a.id });
  expect(o, 201);
  const res = await fetch(o.body.launch_url, { redirect: 'manual' });
  assert.equal(res.status, 303);
  const cookie = res.headers.getSetCookie().map((x) => x.split(';')[0]).join('; ');
  assert.match(cookie, /cb_session=/);
  const hdr = { cookie, 'content-type': 'application/json' };
  let r = await fetch(`${cb.url}/api/entries`, { method: 'POST', headers: hdr, body: JSON.stringify({ date: '2026-11-27', amount: 150000, comment: 'Выручка' }) });
  assert.equal(r.status, 201, await r.text());
  r = await fetch(`${cb.url}/api/entries`, { headers: hdr });
  const list = await r.json();
  assert.equal(list.items.length, 1);
  assert.equal(list.items[0].amount, 150000);
  r = await fetch(`${cb.url}/api/heartbeat`, { method: 'POST', headers: hdr, body: '{}' });
  assert.equal(r.status, 200, await r.text());
  // the launch link was used: a second visit is refused by Oblako
  const again = await fetch(o.body.launch_url, { redirect: 'manual' });
  assert.notEqual(again.status, 303);
  r = await fetch(`${cb.url}/api/close`, { method: 'POST', headers: hdr, body: '{}' });
  assert.equal(r.status, 204);
  const s = await c.owner.get(`/api/v1/sessions/${o.body.id}`);
  assert.equal(s.body.state, 'closed');
  r = await fetch(`${cb.url}/api/entries`, { method: 'POST', headers: hdr, body: JSON.stringify({ date: '2026-11-27', amount: 1, comment: '' }) });
  assert.equal(r.status, 409);
});

test('50 simultaneous opens against a limit of 5 admit exactly 5', async () => {
  const c = await newClient(ctx, P);
  const a = await readyArea(c.owner, c.id);
  const ent = await c.owner.get(`/api/v1/subscribers/${c.id}/entitlement`);
  assert.equal(ent.body.sessions, 5);
  const rs = await Promise.all(Array.from({ length: 50 }, () => c.owner.post('/api/v1/sessions', { area: a.id })));
  assert.equal(rs.filter((r) => r.status === 201).length, 5, rs.map((r) => r.status).join(','));
  for (const r of rs.filter((x) => x.status !== 201)) {
    expect(r, 409, 'limit_exceeded');
    assert.equal(r.body.limit, 'subscriber');
    assert.equal(r.body.max, 5);
    assert.equal(r.body.holders.length, 5);
  }
  assert.deepEqual(replay(ctx.db, c.id), { high: 5, open: 5, events: 5 });
});

test('50 opens spread over two servers on one database admit exactly 5', async () => {
  const [s2] = await startServers(1, { db: ctx.db });
  try {
    const c = await newClient(ctx, P);
    const a = await readyArea(c.owner, c.id);
    const c2 = new Client(s2);
    expect(await c2.login(c.email, 'a-good-password-1'), 200);
    const rs = await Promise.all(Array.from({ length: 50 }, (_, i) =>
      (i % 2 ? c2 : c.owner).post('/api/v1/sessions', { area: a.id })));
    const ok = rs.filter((r) => r.status === 201);
    assert.equal(ok.length, 5, rs.map((r) => r.status).join(','));
    assert.deepEqual(replay(ctx.db, c.id), { high: 5, open: 5, events: 5 });
  } finally {
    await s2.stop();
  }
});

test('a refusal says who holds the sessions; take-over, per-user limits, the owner closes any', async () => {
  const c = await newClient(ctx, P);
  const a = await readyArea(c.owner, c.id);
  const email = uniqueEmail('user');
  const add = await c.owner.post(`/api/v1/subscribers/${c.id}/users`, { email, roles: ['user'], session_limit: 1 });
  assert.equal(add.status, 202, JSON.stringify(add.body));
  const u = await activate(ctx.s, ctx.db, email);
  const first = await u.post('/api/v1/sessions', { area: a.id });
  expect(first, 201);
  let r = await u.post('/api/v1/sessions', { area: a.id });
  expect(r, 409, 'limit_exceeded');
  assert.equal(r.body.limit, 'user');
  assert.equal(r.body.max, 1);
  assert.equal(r.body.holders.length, 1);
  assert.equal(r.body.holders[0].session, first.body.id);
  assert.equal(r.body.holders[0].yours, true);
  assert.ok(r.body.holders[0].opened_at);
  assert.equal(r.body.holders[0].area.application_name, 'Accounting');
  assert.ok(r.body.idle_seconds > 0);
  // take over the stale window: one transaction closes it and admits the new one
  expect(await u.post('/api/v1/sessions', { area: a.id, take_over: 999999 }), 400, 'invalid', 'take_over');
  const second = await u.post('/api/v1/sessions', { area: a.id, take_over: first.body.id });
  expect(second, 201);
  const old = await u.get(`/api/v1/sessions/${first.body.id}`);
  assert.equal(old.body.close_reason, 'taken_over');
  // a user cannot take over someone else's, nor close it; the owner can
  const mine = await c.owner.post('/api/v1/sessions', { area: a.id });
  expect(mine, 201);
  expect(await u.post('/api/v1/sessions', { area: a.id, take_over: mine.body.id }), 400, 'invalid', 'take_over');
  expect(await u.del(`/api/v1/sessions/${mine.body.id}`), 404, 'not_found');
  const list = await c.owner.get(`/api/v1/sessions?subscriber=${c.id}`);
  assert.deepEqual(list.body.items.map((x) => x.id).sort(), [second.body.id, mine.body.id].sort());
  const own = await u.get(`/api/v1/sessions?subscriber=${c.id}`);
  assert.deepEqual(own.body.items.map((x) => x.id), [second.body.id]);
  expect(await c.owner.del(`/api/v1/sessions/${second.body.id}`), 204);
  assert.equal((await u.get(`/api/v1/sessions/${second.body.id}`)).body.close_reason, 'closed_by_owner');
  // lowering a limit closes nothing
  const three = [];
  for (let i = 0; i < 3; i++) three.push((await c.owner.post('/api/v1/sessions', { area: a.id })).body.id);
  const me = (await c.owner.get('/api/v1/me')).body;
  const ownerId = me.id ?? me.person?.id;
  expect(await c.owner.patch(`/api/v1/subscribers/${c.id}/users/${ownerId}`, { session_limit: 1 }), 200);
  const open = await c.owner.get(`/api/v1/sessions?subscriber=${c.id}&state=open`);
  assert.equal(open.body.items.length, 4);
  expect(await c.owner.post('/api/v1/sessions', { area: a.id }), 409, 'limit_exceeded');
  const h = await c.owner.get(`/api/v1/subscribers/${c.id}/session-history?format=csv`);
  assert.equal(h.status, 200);
  assert.match(h.body, /taken_over/);
  expect(await u.get(`/api/v1/subscribers/${c.id}/session-history`), 403, 'forbidden');
  // newest first, paged
  const newest = await c.owner.get(`/api/v1/subscribers/${c.id}/session-history?order=desc&limit=2`);
  const all = await c.owner.get(`/api/v1/subscribers/${c.id}/session-history?limit=500`);
  assert.deepEqual(newest.body.items.map((x) => x.id), all.body.items.map((x) => x.id).reverse().slice(0, 2));
  const next = await c.owner.get(newest.body.next.replace(/^.*\/api\//, '/api/'));
  assert.deepEqual(next.body.items.map((x) => x.id), all.body.items.map((x) => x.id).reverse().slice(2, 4));
  assert.equal(all.body.items[0].person.email, email);
  assert.equal(replay(ctx.db, c.id).open, 4);
});

test('deleting asks for the name; its sessions close; the bin restores', async () => {
  const c = await newClient(ctx, P);
  const a = await readyArea(c.owner, c.id, 'Удаляемая');
  const o = await c.owner.post('/api/v1/sessions', { area: a.id });
  expect(await c.owner.request('DELETE', `/api/v1/areas/${a.id}`, { confirm: 'удаляемая' }), 400, 'invalid', 'confirm');
  const d = await c.owner.request('DELETE', `/api/v1/areas/${a.id}`, { confirm: 'Удаляемая' });
  expect(d, 200);
  assert.equal(d.body.state, 'deleting');
  assert.ok(Date.parse(d.body.purge_at) - Date.parse(d.body.deleted_at) === 14 * 86400 * 1000);
  assert.equal((await c.owner.get(`/api/v1/sessions/${o.body.id}`)).body.close_reason, 'area_deleted');
  expect(await c.owner.post('/api/v1/sessions', { area: a.id }), 409, 'conflict');
  const bin = await c.owner.get(`/api/v1/areas?subscriber=${c.id}&state=bin`);
  assert.deepEqual(bin.body.items.map((x) => x.id), [a.id]);
  assert.equal((await c.owner.get(`/api/v1/areas?subscriber=${c.id}`)).body.items.length, 0);
  const back = await c.owner.post(`/api/v1/areas/${a.id}/restore`);
  expect(back, 200);
  assert.equal(back.body.state, 'ready');
  expect(await c.owner.post(`/api/v1/areas/${a.id}/restore`), 409, 'conflict');
  assert.ok(audits(ctx.db, 'area.restored').some((x) => Number(x[1]) === a.id));
});

test('grants: a named partner employee opens one area, audited; revoking closes at once', async () => {
  const c = await newClient(ctx, P);
  const a = await readyArea(c.owner, c.id, 'Для партнёра');
  const emp = await newEmployee(ctx, P, ['consultant']);
  const stranger = await newPartner(ctx);
  const today = (await ctx.s.fetch('/api/v1/test/clock').then((r) => r.json())).date;
  // before the grant the employee sees the area (the serving partner reads) but cannot open it
  expect(await emp.client.post('/api/v1/sessions', { area: a.id }), 404, 'not_found');
  expect(await c.owner.post('/api/v1/grants', { area: a.id, email: stranger.email, until: today }), 400, 'invalid', 'email');
  expect(await c.owner.post('/api/v1/grants', { area: a.id, email: emp.email, until: '2020-01-01' }), 400, 'invalid', 'until');
  const g = await c.owner.post('/api/v1/grants', { area: a.id, email: emp.email, until: today });
  expect(g, 201);
  assert.equal(g.body.state, 'active');
  const mine = await emp.client.get('/api/v1/grants?mine=1');
  assert.deepEqual(mine.body.items.map((x) => x.id), [g.body.id]);
  assert.equal(mine.body.items[0].area.application_name, 'Accounting');
  assert.deepEqual((await c.owner.get('/api/v1/grants?mine=1')).body.items, []);
  const o = await emp.client.post('/api/v1/sessions', { area: a.id });
  expect(o, 201);
  assert.equal(o.body.via_grant, g.body.id);
  const rec = audits(ctx.db, 'session.opened_by_grant').filter((x) => Number(x[0]) === c.id);
  assert.equal(rec.length, 1);
  assert.match(rec[0][2], new RegExp(emp.email));
  const subAudit = await c.owner.get(`/api/v1/subscribers/${c.id}/audit`);
  assert.ok(JSON.stringify(subAudit.body).includes('opened_by_grant'), JSON.stringify(subAudit.body).slice(0, 300));
  // the employee's session counts against the subscriber's limit
  const list = await c.owner.get(`/api/v1/sessions?subscriber=${c.id}`);
  assert.equal(list.body.items.length, 1);
  expect(await stranger.owner.del(`/api/v1/grants/${g.body.id}`), 404, 'not_found');
  const rv = await c.owner.del(`/api/v1/grants/${g.body.id}`);
  expect(rv, 200);
  assert.equal(rv.body.state, 'revoked');
  const s = await c.owner.get(`/api/v1/sessions/${o.body.id}`);
  assert.equal(s.body.state, 'closed');
  assert.equal(s.body.close_reason, 'grant_revoked');
  expect(await emp.client.post('/api/v1/sessions', { area: a.id }), 404, 'not_found');
});

// ---- the clock moves forward from here -------------------------------------------------

test('kill the client: a window that stops beating frees its slot without any job', async () => {
  const c = await newClient(ctx, P);
  const a = await readyArea(c.owner, c.id);
  const rs = [];
  for (let i = 0; i < 5; i++) rs.push(await c.owner.post('/api/v1/sessions', { area: a.id }));
  rs.forEach((r) => expect(r, 201));
  idle = rs[0].body.idle_seconds;
  expect(await c.owner.post('/api/v1/sessions', { area: a.id }), 409, 'limit_exceeded');
  // four windows keep beating; the fifth was killed
  await clockBy(idle - 60);
  for (const r of rs.slice(0, 4)) expect(await signed(ctx.s, 'accounting', 'POST', `/api/v1/sessions/${r.body.id}/heartbeat`), 200);
  expect(await c.owner.post('/api/v1/sessions', { area: a.id }), 409, 'limit_exceeded');
  await clockBy(61);
  const sixth = await c.owner.post('/api/v1/sessions', { area: a.id });
  expect(sixth, 201);
  const dead = await c.owner.get(`/api/v1/sessions/${rs[4].body.id}`);
  assert.equal(dead.body.state, 'expired');
  const hist = query(ctx.db, `SELECT event, session_id FROM session_history WHERE subscriber_id = ${c.id} ORDER BY id`);
  assert.deepEqual(hist.slice(-2).map((x) => [x[0], Number(x[1])]), [['expire', rs[4].body.id], ['open', sixth.body.id]]);
  expect(await signed(ctx.s, 'accounting', 'POST', `/api/v1/sessions/${rs[4].body.id}/heartbeat`), 409, 'conflict');
  assert.deepEqual(replay(ctx.db, c.id), { high: 5, open: 5, events: 7 });
});

test('an expired grant stops working; the bin is purged by the backend after 14 days', async () => {
  const c = await newClient(ctx, P);
  const a = await readyArea(c.owner, c.id, 'Партнёру на день');
  const gone = await readyArea(c.owner, c.id, 'В корзину');
  const emp = await newEmployee(ctx, P, ['consultant']);
  const today = (await ctx.s.fetch('/api/v1/test/clock').then((r) => r.json())).date;
  expect(await c.owner.post('/api/v1/grants', { area: a.id, email: emp.email, until: today }), 201);
  const o = await emp.client.post('/api/v1/sessions', { area: a.id });
  expect(o, 201);
  expect(await c.owner.request('DELETE', `/api/v1/areas/${gone.id}`, { confirm: 'В корзину' }), 200);
  // tomorrow the grant is over: its session closes at the next heartbeat, no new one opens
  await clockBy(86400);
  await relogin(c.owner, c.email);
  await relogin(emp.client, emp.email);
  const hb = await signed(ctx.s, 'accounting', 'POST', `/api/v1/sessions/${o.body.id}/heartbeat`);
  expect(hb, 409, 'conflict');
  expect(await emp.client.post('/api/v1/sessions', { area: a.id }), 404, 'not_found');
  const g = await c.owner.get(`/api/v1/grants?subscriber=${c.id}`);
  assert.equal(g.body.items[0].state, 'expired');
  // two weeks later the backend is told to delete the area
  await clockBy(14 * 86400);
  await relogin(c.owner, c.email);
  await eventually(() => {
    assert.equal(query(ctx.db, `SELECT state FROM areas WHERE id = ${gone.id}`)[0][0], 'deleted');
    return true;
  }, { what: 'the area deleted' });
  expect(await c.owner.post(`/api/v1/areas/${gone.id}/restore`), 409, 'conflict');
  // the backend's log line of the call comes through a pipe: it may follow the state
  await eventually(() => {
    const calls = cb.logs.filter((l) => typeof l === 'object' && l.method === 'DELETE' && String(l.path || l.url || '').includes('/oblako/areas/'));
    assert.ok(calls.some((l) => (l.status ?? 204) < 300), JSON.stringify(calls));
    return true;
  }, { what: 'the backend\'s log of the DELETE' });
});

test('a blocked subscriber: no new sessions; open ones close after the grace time', async () => {
  await relogin(P.owner, P.email);
  const c = await newClient(ctx, P);      // only the 30-day trial
  const a = await readyArea(c.owner, c.id);
  const ent = await c.owner.get(`/api/v1/subscribers/${c.id}/entitlement`);
  const end = ent.body.in_force?.[0]?.end ?? null;
  const subs = await c.owner.get(`/api/v1/subscriptions?subscriber=${c.id}`);
  const trialEnd = end ?? subs.body.items.find((x) => x.kind === 'trial').end;
  // one minute before the trial ends (Moscow midnight), a window opens
  const endInstant = Date.parse(`${trialEnd}T00:00:00+03:00`) / 1000;
  const now = Date.parse((await ctx.s.fetch('/api/v1/test/clock').then((r) => r.json())).now) / 1000;
  await clockBy(endInstant - 60 - now);
  await relogin(c.owner, c.email);
  const o = await c.owner.post('/api/v1/sessions', { area: a.id });
  expect(o, 201);
  await clockBy(120);
  expect(await c.owner.post('/api/v1/sessions', { area: a.id }), 403, 'blocked');
  let hb = await signed(ctx.s, 'accounting', 'POST', `/api/v1/sessions/${o.body.id}/heartbeat`);
  expect(hb, 200);
  assert.equal(hb.body.warning, 'blocked', JSON.stringify(hb.body));
  const closesAt = Date.parse(hb.body.closes_at);
  assert.equal(closesAt - Date.parse(hb.body.blocked_at), 30 * 60 * 1000);
  for (let t = 0; t < 7; t++) {      // the page keeps beating every four minutes
    await clockBy(240);
    hb = await signed(ctx.s, 'accounting', 'POST', `/api/v1/sessions/${o.body.id}/heartbeat`);
    expect(hb, 200);
  }
  await clockBy(240);
  hb = await signed(ctx.s, 'accounting', 'POST', `/api/v1/sessions/${o.body.id}/heartbeat`);
  expect(hb, 403, 'blocked');
  assert.equal(hb.body.state, 'blocked');
  await relogin(c.owner, c.email);
  assert.equal((await c.owner.get(`/api/v1/sessions/${o.body.id}`)).body.close_reason, 'blocked');
});
