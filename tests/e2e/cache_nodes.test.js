// The principal cache across nodes (issue 16 item 2, docs/decisions.md): two
// `oblako serve` processes on one database (SQLite in WAL across processes,
// or PostgreSQL). A session and an API token are used on node A until A
// serves them from its cache; then they are revoked, removed, narrowed,
// signed out or the person's password changed or login disabled through
// node B, and the very next request on node A is refused (or narrowed). No
// sleeping: A re-reads the person's generation on every request.
//
// The same holds for the entitlement answers A keeps per subscriber
// (sql/0035): a subscription or a data area written on node B, or by any
// other writer of the database, shows in A's very next answer, and what A
// kept for one reader is never what another reader may not see.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.js';
import { Client } from './lib/session.js';
import { setup, newPartner, activate, acceptInvite, uniqueEmail, newUser } from './lib/accounts.js';
import { newClient, withBackend } from './lib/areas.js';
import { raw } from './lib/db.js';
import { expect } from './lib/expect.js';

let ctx;
let B;          // node B; node A is ctx.s
let P;
let C;          // a subscriber whose owner works on node B

before(async () => {
  ctx = await setup('cache_nodes');
  B = await startServer({ db: ctx.db, jobs: false });
  P = await newPartner(ctx);
  C = await newClient(ctx, P);
  C.ownerB = on(B, C.owner);
});
after(async () => {
  assert.equal(await B?.stop(), 0);
  assert.equal(await ctx?.s.stop(), 0);
});

/** The same browser session, sent to another node. */
function on(server, client) {
  const c = new Client(server);
  c.cookie = client.cookie;
  c.csrf = client.csrf;
  return c;
}

async function bearer(server, token, path) {
  const res = await server.fetch(path, { headers: { authorization: `Bearer ${token}` } });
  const type = res.headers.get('content-type') || '';
  return { status: res.status, body: type.includes('json') ? await res.json() : await res.text() };
}

/** A user of C with these roles, signed in on node A, with an API token of theirs. */
async function user(roles) {
  const email = uniqueEmail('cached');
  const r = await C.owner.post(`/api/v1/subscribers/${C.id}/users`, { email, roles });
  assert.ok(r.status === 201 || r.status === 202, JSON.stringify(r.body));
  const a = await activate(ctx.s, ctx.db, email);
  const t = await a.post('/api/v1/tokens', { account: C.id, roles: roles.join(','), name: 'cached' });
  expect(t, 201);
  const me = await a.get('/api/v1/me');
  return { email, a, token: t.body.token, tokenId: t.body.id, person: me.body.id };
}

/** Refused as signed out, for this reason (auth.session_ended, auth.token_not_valid). */
function refused(r, reason) {
  expect(r, 401, 'unauthorized');
  assert.equal(r.body.reason, reason);
}

/** Used on node A enough times to be served from its cache; returns the cache's hits so far. */
async function warm(u, path = '/api/v1/me') {
  for (let i = 0; i < 3; i++) {
    expect(await u.a.get(path), 200);
    expect(await bearer(ctx.s, u.token, path), 200);
  }
  const m = await (await ctx.s.fetch('/metrics')).text();
  return Number(/oblako_principal_cache_total\{result="hit"\} (\d+)/.exec(m)?.[1] ?? 'NaN');
}

test('node A serves a warmed session and token from its cache (one generation read each)', async () => {
  const u = await user(['user']);
  const before = await warm(u);
  const after = await warm(u);
  assert.ok(after - before >= 6, `6 more cache hits on node A, got ${after - before}`);
});

test('a token revoked on node B is refused at once on node A', async () => {
  const u = await user(['user']);
  await warm(u);
  expect(await on(B, u.a).del(`/api/v1/tokens/${u.tokenId}`), 204);
  refused(await bearer(ctx.s, u.token, '/api/v1/me'), 'auth.token_not_valid');
  expect(await u.a.get('/api/v1/me'), 200);    // the session was not revoked
});

test('a user removed from the subscriber on node B loses it at once on node A, by cookie and by token', async () => {
  const u = await user(['administrator']);
  await warm(u, `/api/v1/subscribers/${C.id}`);
  expect(await C.ownerB.del(`/api/v1/subscribers/${C.id}/users/${u.person}`), 204);
  const byCookie = await u.a.get(`/api/v1/subscribers/${C.id}`);
  assert.ok([403, 404].includes(byCookie.status), JSON.stringify(byCookie));
  const byToken = await bearer(ctx.s, u.token, `/api/v1/subscribers/${C.id}`);
  assert.ok([403, 404].includes(byToken.status), JSON.stringify(byToken));
  const me = await u.a.get('/api/v1/me');
  expect(me, 200);
  assert.deepEqual(me.body.accounts.filter((x) => x.id === C.id), []);
});

test('a role narrowed on node B is narrowed at once on node A, by cookie and by token', async () => {
  const u = await user(['administrator']);
  await warm(u, `/api/v1/subscribers/${C.id}/users`);
  expect(await C.ownerB.patch(`/api/v1/subscribers/${C.id}/users/${u.person}`, { roles: ['user'] }), 200);
  const me = await u.a.get('/api/v1/me');
  assert.deepEqual(me.body.accounts.find((x) => x.id === C.id).roles, ['user']);
  // what an administrator saw, a user may not
  expect(await u.a.get(`/api/v1/subscribers/${C.id}/users`), 403, 'forbidden');
  // the token had the administrator's role only: narrowed to nothing there, it sees no such subscriber
  expect(await bearer(ctx.s, u.token, `/api/v1/subscribers/${C.id}/users`), 404, 'not_found');
});

test('a password changed on node B ends the other session and the tokens at once on node A', async () => {
  const u = await user(['user']);
  await warm(u);
  const b = new Client(B);
  expect(await b.login(u.email, 'a-good-password-1'), 200);
  expect(await b.patch('/api/v1/me', { current_password: 'a-good-password-1', password: 'a-second-password-2' }), 200);
  refused(await u.a.get('/api/v1/me'), 'auth.session_ended');
  refused(await bearer(ctx.s, u.token, '/api/v1/me'), 'auth.token_not_valid');
  expect(await b.get('/api/v1/me'), 200);      // the session that changed it stays
});

test('a person disabled in the database is refused at once on node A, by cookie and by token', async () => {
  const u = await user(['user']);
  await warm(u);
  raw(ctx.db, `UPDATE persons SET disabled = 1 WHERE id = ${u.person}`);
  refused(await u.a.get('/api/v1/me'), 'auth.session_ended');
  refused(await bearer(ctx.s, u.token, '/api/v1/me'), 'auth.token_not_valid');
});

test('signed out on node B: the same cookie is refused at once on node A', async () => {
  const u = await user(['user']);
  await warm(u);
  expect(await on(B, u.a).post('/api/v1/auth/logout'), 204);
  refused(await on(ctx.s, u.a).get('/api/v1/me'), 'auth.session_ended');
  expect(await bearer(ctx.s, u.token, '/api/v1/me'), 200);    // the token was not signed out
});

test('the account switched on node B is the account on node A at once; a CSRF-less write is still refused', async () => {
  const u = await user(['user']);
  await warm(u);
  const own = (await u.a.get('/api/v1/me')).body;
  assert.equal(own.current_account, C.id);
  // a second account of the person, joined through node B: node A lists it at once
  const D = await newClient(ctx, P, 'ООО Второй');
  expect(await D.owner.post(`/api/v1/subscribers/${D.id}/users`, { email: u.email, roles: ['user'] }), 202);
  expect(await acceptInvite(B, ctx.db, u.email), 200);
  const joined = await u.a.get('/api/v1/me');
  assert.ok(joined.body.accounts.some((x) => x.id === D.id), JSON.stringify(joined.body.accounts));
  expect(await on(B, u.a).patch('/api/v1/me', { account: D.id }), 200);
  assert.equal((await u.a.get('/api/v1/me')).body.current_account, D.id);
  const noCsrf = on(ctx.s, u.a);
  noCsrf.csrf = null;
  const w = await noCsrf.patch('/api/v1/me', { name: 'x' });
  expect(w, 403, 'forbidden');
  assert.equal(w.body.reason, 'auth.csrf_missing');
});

test('a name, language and mail choice changed on node B show at once in GET /me on node A', async () => {
  const u = await user(['user']);
  await warm(u);
  expect(await on(B, u.a).patch('/api/v1/me', { name: 'Новое Имя', lang: 'en', mail_off: ['session.limit_reached'] }), 200);
  const me = await u.a.get('/api/v1/me');
  assert.equal(me.body.name, 'Новое Имя');
  assert.equal(me.body.lang, 'en');
  assert.deepEqual(me.body.mail_off, ['session.limit_reached']);
  assert.equal((await bearer(ctx.s, u.token, '/api/v1/me')).body.name, 'Новое Имя');
});

// ---- the entitlement's answers (sql/0035: the subscriber's ent_gen) ----

const entOf = (client, id, q = '') => client.get(`/api/v1/subscribers/${id}/entitlement${q}`);

async function entHits() {
  const m = await (await ctx.s.fetch('/metrics')).text();
  return Number(/oblako_entitlement_cache_total\{result="hit"\} (\d+)/.exec(m)?.[1] ?? 'NaN');
}

/** Read on node A until the answer comes from A's cache; returns it. */
async function warmEnt(client, id) {
  expect(await entOf(client, id), 200);
  const before = await entHits();
  const r = await entOf(client, id);
  expect(r, 200);
  assert.equal(await entHits() - before, 1, 'the second read on node A is a cache hit');
  return r.body;
}

function addDays(day, n) {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

test('entitlement: a main posted on node B is in node A\'s very next answer, and in 50 parallel ones (R-SUB-7)', async () => {
  const D = await newClient(ctx, P, 'ООО Права');
  const trial = await warmEnt(D.owner, D.id);
  assert.equal(trial.in_force.length, 1, JSON.stringify(trial));      // the 30-day trial
  // the owner's API token, as an application reads it, on node A: kept as well
  const t = await D.owner.post('/api/v1/tokens', { account: D.id, roles: 'owner', name: 'app' });
  expect(t, 201);
  const byToken = () => bearer(ctx.s, t.body.token, `/api/v1/subscribers/${D.id}/entitlement`);
  assert.deepEqual((await byToken()).body.in_force, trial.in_force);
  assert.deepEqual((await byToken()).body, trial);
  const m = await on(B, P.owner).post('/api/v1/subscriptions',
    { subscriber: D.id, kind: 'main', tariff: 'ITSaaS-PROF', term_months: 1 });
  expect(m, 201);
  const next = await entOf(D.owner, D.id);
  expect(next, 200);
  // R-SUB-1a: the trial stops counting the day a paid main is in force
  assert.deepEqual(next.body.in_force, [m.body.id]);
  assert.deepEqual((await byToken()).body.in_force, [m.body.id]);
  const all = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? byToken() : entOf(D.owner, D.id))));
  for (const r of all) assert.deepEqual(r.body.in_force, [m.body.id]);
  // by the partner's employee on node A as well, whose reader kind was never cached
  assert.deepEqual((await entOf(P.owner, D.id)).body.in_force, [m.body.id]);
});

test('entitlement: subscriptions changed in the database by another writer show at once on node A', async () => {
  const D = await newClient(ctx, P, 'ООО Запись');
  const before = await warmEnt(D.owner, D.id);
  assert.equal(before.blocked, false);
  // not through the API: the trigger, not the code, moves the generation
  raw(ctx.db, `UPDATE subscriptions SET "end" = start WHERE subscriber_id = ${D.id}`);
  const after = await entOf(D.owner, D.id);
  expect(after, 200);
  assert.equal(after.body.blocked, true, JSON.stringify(after.body));
  assert.deepEqual(after.body.in_force, []);
  raw(ctx.db, `DELETE FROM subscriptions WHERE subscriber_id = ${D.id}`);
  assert.equal((await entOf(D.owner, D.id)).body.reason, 'the subscriber has no subscription');
});

test('entitlement: a working data area created on node B settles a choosing tariff\'s application on node A at once', async () => {
  const cb = await withBackend(ctx);
  try {
    const D = await newClient(ctx, P, 'ООО Выбор');
    expect(await on(B, P.owner).post('/api/v1/subscriptions',
      { subscriber: D.id, kind: 'main', tariff: 'ITSaaS-BASIC', term_months: 1 }), 201);
    const open = await warmEnt(D.owner, D.id);
    assert.equal(open.choose, 1, JSON.stringify(open));
    assert.ok(open.applications.length > 1, JSON.stringify(open.applications));
    const a = await on(B, D.owner).post('/api/v1/areas',
      { subscriber: D.id, name: 'Основная', application: 'accounting', test: false });
    expect(a, 201);
    const chosen = await entOf(D.owner, D.id);
    assert.equal(chosen.body.choose, 0, JSON.stringify(chosen.body));
    assert.deepEqual(chosen.body.applications, ['accounting']);
  } finally {
    await cb.stop();
  }
});

test('entitlement: an owner\'s kept answer is not a user\'s: the self-service actions follow the reader (R-SUB-4)', async () => {
  const D = await newClient(ctx, P, 'ООО Читатели');
  const own = await warmEnt(D.owner, D.id);
  assert.notEqual(own.actions.short_extension.reason, 'self_service.not_allowed', JSON.stringify(own.actions));
  const u = await newUser(ctx, D.owner, D.id, { email: uniqueEmail('reader'), roles: ['user'] });
  for (let i = 0; i < 2; i++) {
    const r = await entOf(u.client, D.id);
    expect(r, 200);
    assert.equal(r.body.actions.short_extension.reason, 'self_service.not_allowed');
    assert.equal(r.body.actions.deferred_renewal.reason, 'self_service.not_allowed');
  }
  assert.deepEqual((await entOf(D.owner, D.id)).body.actions, own.actions);
});

test('entitlement: a member removed on node B, a stranger and another tenant get no kept answer on node A', async () => {
  const D = await newClient(ctx, P, 'ООО Уход');
  const admin = await newUser(ctx, D.owner, D.id, { email: uniqueEmail('leaving'), roles: ['administrator'] });
  const t = await admin.client.post('/api/v1/tokens', { account: D.id, roles: 'administrator', name: 'app' });
  expect(t, 201);
  await warmEnt(admin.client, D.id);
  const path = `/api/v1/subscribers/${D.id}/entitlement`;
  expect(await bearer(ctx.s, t.body.token, path), 200);
  expect(await bearer(ctx.s, t.body.token, path), 200);
  expect(await on(B, D.owner).del(`/api/v1/subscribers/${D.id}/users/${admin.person}`), 204);
  const gone = await entOf(admin.client, D.id);
  assert.ok([403, 404].includes(gone.status), JSON.stringify(gone));
  const goneByToken = await bearer(ctx.s, t.body.token, path);
  assert.ok([401, 403, 404].includes(goneByToken.status), JSON.stringify(goneByToken));
  // a user (who may not take the actions) removed as well, after the answer for such readers is kept
  const user = await newUser(ctx, D.owner, D.id, { email: uniqueEmail('leaving'), roles: ['user'] });
  await warmEnt(user.client, D.id);
  expect(await on(B, D.owner).del(`/api/v1/subscribers/${D.id}/users/${user.person}`), 204);
  const userGone = await entOf(user.client, D.id);
  assert.ok([403, 404].includes(userGone.status), JSON.stringify(userGone));
  // another subscriber's owner and another partner's owner, with D's answers kept on A for
  // both kinds of reader (its owner, its partner's owner)
  await warmEnt(D.owner, D.id);
  await warmEnt(P.owner, D.id);
  expect(await entOf(C.owner, D.id), 404, 'not_found');
  const Q = await newPartner(ctx);
  expect(await entOf(Q.owner, D.id), 404, 'not_found');
});

test('entitlement: a client moved to another partner: the former partner\'s employee loses the kept answer at once', async () => {
  const D = await newClient(ctx, P, 'ООО Переход');
  await warmEnt(P.owner, D.id);
  const Q = await newPartner(ctx);
  raw(ctx.db, `UPDATE subscribers SET partner_id = ${Q.id} WHERE account_id = ${D.id}`);
  expect(await entOf(P.owner, D.id), 404, 'not_found');
  expect(await entOf(Q.owner, D.id), 200);
});

test('entitlement: ?at= another day is that day\'s answer, not the one kept for today', async () => {
  const D = await newClient(ctx, P, 'ООО Даты');
  const today = await warmEnt(D.owner, D.id);
  assert.equal(today.blocked, false);
  // the trial's last day, then the day after it (R-SUB-1: 30 days)
  const last = await entOf(D.owner, D.id, `?at=${today.through}`);
  assert.equal(last.body.blocked, false);
  assert.equal(last.body.date, today.through);
  const after = await entOf(D.owner, D.id, `?at=${addDays(today.through, 1)}`);
  assert.equal(after.body.blocked, true, JSON.stringify(after.body));
  assert.equal((await entOf(D.owner, D.id)).body.date, today.date);
});
