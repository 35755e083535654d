// Guessing and the second factor (issue 9, items 5–8): the sign-in limits are
// reserved before the hash, so parallel guesses cannot outrun them (counted
// by oblako_password_hashes_total, not by status codes); wrong current
// passwords and second-factor codes count on the same per-person limit; a
// code is accepted once; --require-totp holds for API tokens too; and a
// token acts on an account's data, never on the person's login.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, runCli } from './lib/server.js';
import { Client, provisionedDb, totp } from './lib/session.js';
import { activate, uniqueEmail } from './lib/accounts.js';
import { expect } from './lib/expect.js';

// The sign-in limits of model/identity/authn.c, per 15-minute window.
const PERSON_LIMIT = 5;
const ADDRESS_LIMIT = 30;
const WINDOW = 15 * 60;

async function hashes(srv) {
  const text = await (await srv.fetch('/metrics')).text();
  const m = /^oblako_password_hashes_total (\d+)$/m.exec(text);
  assert.ok(m, 'the metric oblako_password_hashes_total is exported');
  return Number(m[1]);
}

async function advance(srv, seconds) {
  const r = await srv.fetch('/api/v1/test/clock', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: seconds }),
  });
  assert.equal(r.status, 200);
}

async function clockNow(srv) {
  return Date.parse((await (await srv.fetch('/api/v1/test/clock')).json()).now) / 1000;
}

function tally(results) {
  const by = {};
  for (const r of results) by[r.status] = (by[r.status] || 0) + 1;
  return by;
}

async function bearer(srv, token, method, path, body) {
  const res = await srv.fetch(path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const type = res.headers.get('content-type') || '';
  return { status: res.status, body: type.includes('json') ? await res.json() : await res.text() };
}

async function withServer(name, fn, args = []) {
  const env = await provisionedDb(name, 'staff@example.test', 'staff-password-1');
  const srv = await startServer({ db: env.db, args });
  try {
    await fn(srv, env);
  } finally {
    assert.equal(await srv.stop(), 0);
  }
}

test('issue 9.8: 200 parallel wrong passwords against one account evaluate exactly the limit of 5 hashes', async () => {
  await withServer('par1', async (srv, env) => {
    const before = await hashes(srv);
    const all = await Promise.all(Array.from({ length: 200 }, () => new Client(srv).login(env.email, 'not-the-password')));
    const after = await hashes(srv);
    assert.equal(after - before, PERSON_LIMIT, `hashes evaluated: ${after - before}`);
    assert.deepEqual(tally(all), { 401: PERSON_LIMIT, 429: 200 - PERSON_LIMIT });
    for (const r of all.filter((x) => x.status === 429)) assert.ok(Number(r.headers.get('retry-after')) > 0);
    // the account is closed to the right password too until the window ends
    expect(await new Client(srv).login(env.email, env.password), 429, 'rate_limited');
    await advance(srv, WINDOW + 1);
    expect(await new Client(srv).login(env.email, env.password), 200);
  }, ['--per-address-connections', '0']);
});

test('issue 9.8: 200 parallel wrong passwords for 200 accounts from one address evaluate exactly 30', async () => {
  await withServer('par2', async (srv) => {
    const before = await hashes(srv);
    const all = await Promise.all(Array.from({ length: 200 },
      (_, i) => new Client(srv).login(`nobody${i}@example.test`, 'not-the-password')));
    const after = await hashes(srv);
    assert.equal(after - before, ADDRESS_LIMIT, `hashes evaluated: ${after - before}`);
    assert.deepEqual(tally(all), { 401: ADDRESS_LIMIT, 429: 200 - ADDRESS_LIMIT });
  }, ['--per-address-connections', '0']);
});

test('issue 9.7: wrong current passwords on PATCH /me count on the sign-in limit, in parallel too', async () => {
  await withServer('curpw', async (srv, env) => {
    const me = new Client(srv);
    expect(await me.login(env.email, env.password), 200);
    const before = await hashes(srv);
    const tries = await Promise.all(Array.from({ length: 20 },
      () => me.patch('/api/v1/me', { current_password: 'a-wrong-guess-1', password: 'a-new-password-9' })));
    assert.equal(await hashes(srv) - before, PERSON_LIMIT);
    assert.deepEqual(tally(tries), { 400: PERSON_LIMIT, 429: 20 - PERSON_LIMIT });
    assert.ok(tries.filter((r) => r.status === 400).every((r) => r.body.field === 'current_password'));
    // the same limit as signing in: the right current password and a sign-in both wait
    const right = await me.patch('/api/v1/me', { current_password: env.password, password: 'a-new-password-9' });
    expect(right, 429, 'rate_limited');
    assert.ok(Number(right.headers.get('retry-after')) > 0);
    expect(await new Client(srv).login(env.email, env.password), 429, 'rate_limited');
    await advance(srv, WINDOW + 1);
    expect(await me.login(env.email, env.password), 200);
    expect(await me.patch('/api/v1/me', { current_password: env.password, password: 'a-new-password-9' }), 200);
  }, ['--per-address-connections', '0']);
});

test('issue 9.7: wrong second-factor codes (set-up, sign-in, switch-off) count on the per-person limit', async () => {
  await withServer('codes', async (srv, env) => {
    const me = new Client(srv);
    expect(await me.login(env.email, env.password), 200);
    const start = await me.post('/api/v1/me/totp');
    expect(start, 201);
    const now = await clockNow(srv);
    const good = await totp(start.body.secret, now);
    const bad = good === '000000' ? '111111' : '000000';
    for (let i = 0; i < PERSON_LIMIT; i++) expect(await me.post('/api/v1/me/totp/confirm', { code: bad }), 400, 'invalid', 'code');
    const blocked = await me.post('/api/v1/me/totp/confirm', { code: good });
    expect(blocked, 429, 'rate_limited');
    assert.ok(Number(blocked.headers.get('retry-after')) > 0);
    await advance(srv, WINDOW + 1);
    expect(await me.login(env.email, env.password), 200);
    const t1 = await clockNow(srv);
    expect(await me.post('/api/v1/me/totp/confirm', { code: await totp(start.body.secret, t1) }), 200);

    // sign-in: the right password with wrong codes, then the switch-off's wrong codes, share the count
    await advance(srv, 30);
    const t2 = await clockNow(srv);
    const good2 = await totp(start.body.secret, t2);
    const bad2 = good2 === '000000' ? '111111' : '000000';
    const other = new Client(srv);
    for (let i = 0; i < 3; i++) expect(await other.login(env.email, env.password, bad2), 401, 'unauthorized');
    for (let i = 0; i < 2; i++) expect(await me.post('/api/v1/me/totp/disable', { code: bad2 }), 400, 'invalid', 'code');
    expect(await me.post('/api/v1/me/totp/disable', { code: good2 }), 429, 'rate_limited');
    expect(await other.login(env.email, env.password, good2), 429, 'rate_limited');
  });
});

test('issue 9.7: a second-factor code is accepted once, even by parallel sign-ins', async () => {
  await withServer('once', async (srv, env) => {
    const me = new Client(srv);
    expect(await me.login(env.email, env.password), 200);
    const start = await me.post('/api/v1/me/totp');
    expect(await me.post('/api/v1/me/totp/confirm', { code: await totp(start.body.secret, await clockNow(srv)) }), 200);
    await advance(srv, 30);
    const code = await totp(start.body.secret, await clockNow(srv));
    const all = await Promise.all(Array.from({ length: 4 }, () => new Client(srv).login(env.email, env.password, code)));
    assert.equal(all.filter((r) => r.status === 200).length, 1, JSON.stringify(tally(all)));
    assert.equal(all.filter((r) => r.status === 401).length, 3);
    // and once used, it does not come back
    expect(await new Client(srv).login(env.email, env.password, code), 401);
  }, ['--per-address-connections', '0']);
});

test('issue 9.5: --require-totp holds for tokens: none made without the factor, old ones stop until it is on', async () => {
  const env = await provisionedDb('reqtok', 'staff@example.test', 'staff-password-1');
  let srv = await startServer({ db: env.db });
  let staffToken;
  let clientToken;
  let clientEmail;
  try {
    const admin = new Client(srv);
    expect(await admin.login(env.email, env.password), 200);
    const me = await admin.get('/api/v1/me');
    const prov = me.body.accounts.find((a) => a.kind === 'provider');
    const made = await admin.post('/api/v1/tokens', { account: prov.id, roles: 'admin', name: 'before the flag' });
    expect(made, 201);
    staffToken = made.body.token;
    clientEmail = uniqueEmail('owner');
    const sub = await admin.post('/api/v1/subscribers', { name: 'ООО Не персонал', owner_email: clientEmail });
    assert.ok(sub.status === 201, JSON.stringify(sub.body));
    const owner = await activate(srv, env.db, clientEmail);
    const ct = await owner.post('/api/v1/tokens', { account: sub.body.id, roles: 'owner', name: 'client' });
    expect(ct, 201);
    clientToken = ct.body.token;
  } finally {
    assert.equal(await srv.stop(), 0);
  }
  srv = await startServer({ db: env.db, args: ['--require-totp'] });
  try {
    const refused = await bearer(srv, staffToken, 'GET', '/api/v1/partners');
    expect(refused, 401, 'unauthorized');
    assert.equal(refused.body.reason, 'auth.totp_required_token');
    assert.match(refused.body.detail, /two-factor authentication is required/);
    expect(await bearer(srv, clientToken, 'GET', '/api/v1/me'), 200);   // not staff: untouched
    const admin = new Client(srv);
    const login = await admin.login(env.email, env.password);
    expect(login, 200);
    assert.equal(login.body.mfa_required, true);
    const prov = login.body.accounts.find((a) => a.kind === 'provider');
    const none = await admin.post('/api/v1/tokens', { account: prov.id, roles: 'admin', name: 'no factor' });
    expect(none, 403, 'forbidden');
    assert.equal(none.body.reason, 'token.totp_required');
    // turning the factor on brings the old token back; a session with a code makes new ones
    const start = await admin.post('/api/v1/me/totp');
    expect(start, 201);
    expect(await admin.post('/api/v1/me/totp/confirm', { code: await totp(start.body.secret, await clockNow(srv)) }), 200);
    expect(await bearer(srv, staffToken, 'GET', '/api/v1/partners'), 200);
    expect(await admin.post('/api/v1/tokens', { account: prov.id, roles: 'admin', name: 'with factor' }), 201);
  } finally {
    assert.equal(await srv.stop(), 0);
  }
});

test('issue 9.6: a token cannot touch the login: every session-only route answers forbidden', async () => {
  await withServer('tokenlogin', async (srv, env) => {
    const routes = JSON.parse(runCli(['routes']).stdout).filter((r) => r.session_only);
    const paths = routes.map((r) => `${r.method} ${r.path}`).sort();
    assert.deepEqual(paths, ['DELETE /api/v1/tokens/{id}', 'GET /api/v1/tokens', 'PATCH /api/v1/me',
      'POST /api/v1/me/totp', 'POST /api/v1/me/totp/confirm', 'POST /api/v1/me/totp/disable',
      'POST /api/v1/tokens'].sort());
    const admin = new Client(srv);
    const login = await admin.login(env.email, env.password);
    const prov = login.body.accounts.find((a) => a.kind === 'provider');
    const made = await admin.post('/api/v1/tokens', { account: prov.id, roles: 'admin', name: 'robot' });
    expect(made, 201);
    const bodies = {
      'PATCH /api/v1/me': { name: 'Renamed by a token', lang: 'en', current_password: env.password, password: 'token-set-password-1' },
      'POST /api/v1/me/totp/confirm': { code: '123456' },
      'POST /api/v1/me/totp/disable': { code: '123456' },
      'POST /api/v1/tokens': { account: prov.id, roles: 'admin', name: 'child' },
    };
    for (const r of routes) {
      const path = r.path.replace('{id}', String(made.body.id));
      const key = `${r.method} ${r.path}`;
      const res = await bearer(srv, made.body.token, r.method, path, bodies[key] || (r.method === 'POST' ? {} : undefined));
      expect(res, 403, 'forbidden');
      assert.match(res.body.detail, /needs a signed-in session/, key);
    }
    const me = await admin.get('/api/v1/me');
    assert.notEqual(me.body.name, 'Renamed by a token');
    assert.equal(me.body.totp_enabled, false);
    const mine = (await admin.get('/api/v1/tokens')).body.items;
    assert.deepEqual(mine.map((k) => k.revoked_at), [null]);     // not revoked by itself, none made
    expect(await new Client(srv).login(env.email, env.password), 200);   // the password did not change
    expect(await bearer(srv, made.body.token, 'GET', '/api/v1/me'), 200); // reading who it is stays
  });
});
