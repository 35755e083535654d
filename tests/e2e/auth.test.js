// Getting in: sign-in and its limits, the session cookie and CSRF, expiry,
// sign-out, who am I, password links, API tokens and the TOTP second factor.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.js';
import { Client, provisionedDb, totp } from './lib/session.js';
import { lastLinkToken, query } from './lib/db.js';

let s;
let env;
before(async () => {
  env = await provisionedDb('auth');
  s = await startServer({ db: env.db, args: ['--jobs-interval-ms', '100'] });
});
after(async () => {
  assert.equal(await s.stop(), 0);
});

const advance = (seconds) => s.fetch('/api/v1/test/clock', {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: seconds }),
});
const clockNow = async () => Date.parse((await (await s.fetch('/api/v1/test/clock')).json()).now) / 1000;

test('sign in: the cookie is HttpOnly, SameSite=Lax, Path=/; the answer is who I am', async () => {
  const c = new Client(s);
  const r = await c.login('ADMIN@example.test ', env.password);
  assert.equal(r.status, 200);
  const cookie = r.headers.get('set-cookie');
  assert.match(cookie, /^oblako_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=43200; HttpOnly; SameSite=Lax$/);
  assert.equal(r.body.email, 'admin@example.test');
  assert.match(r.body.csrf, /^[0-9a-f]{32}$/);
  assert.deepEqual(r.body.accounts.map((a) => [a.kind, a.roles]), [['provider', ['admin']]]);
  const me = await c.get('/api/v1/me');
  assert.equal(me.status, 200);
  assert.equal(me.body.csrf, r.body.csrf);
});

test('wrong or unknown credentials are 401 with one message; bad input is 400 naming the field', async () => {
  const c = new Client(s);
  const a = await c.login('admin@example.test', 'not-the-password');
  const b = await c.login('nobody@example.test', 'whatever-password');
  for (const r of [a, b]) {
    assert.equal(r.status, 401);
    assert.equal(r.body.code, 'unauthorized');
    assert.equal(r.body.detail, 'wrong email, password or code');
  }
  for (const [body, field] of [[{ password: 'x' }, 'email'], [{ email: 'not-an-email', password: 'x' }, 'email'],
    [{ email: 'a@b.test' }, 'password'], [{ email: 'a@b.test', password: 5 }, 'password']]) {
    const r = await c.post('/api/v1/auth/login', body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.body.field, field);
  }
  assert.equal((await c.get('/api/v1/me')).status, 401);
});

test('failed sign-ins are limited per account: 429 with Retry-After, and the owner gets in after the window', async () => {
  const { db, email, password } = await provisionedDb('limit', 'owner@example.test', 'owner-password-1');
  const srv = await startServer({ db });
  try {
    const c = new Client(srv);
    for (let i = 0; i < 5; i++) assert.equal((await c.login(email, 'wrong-password')).status, 401);
    const blocked = await c.login(email, password);
    assert.equal(blocked.status, 429);
    assert.equal(blocked.body.code, 'rate_limited');
    const ra = Number(blocked.headers.get('retry-after'));
    assert.ok(ra > 0 && ra <= 900, `Retry-After ${ra}`);
    await srv.fetch('/api/v1/test/clock', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: ra + 1 }),
    });
    assert.equal((await c.login(email, password)).status, 200);
  } finally {
    assert.equal(await srv.stop(), 0);
  }
});

test('failed sign-ins are limited per address too', async () => {
  const { db } = await provisionedDb('addr');
  const srv = await startServer({ db });
  try {
    const c = new Client(srv);
    for (let i = 0; i < 30; i++) assert.equal((await c.login(`guess${i}@example.test`, 'wrong-password')).status, 401);
    const r = await c.login('someone-else@example.test', 'wrong-password');
    assert.equal(r.status, 429);
    assert.ok(Number(r.headers.get('retry-after')) > 0);
  } finally {
    assert.equal(await srv.stop(), 0);
  }
});

test('state-changing requests with a cookie need the CSRF token or a same-origin Origin', async () => {
  const c = new Client(s);
  await c.login(env.email, env.password);
  const body = JSON.stringify({ account: 1, roles: 'admin', name: 'csrf probe' });
  const post = (headers) => s.fetch('/api/v1/tokens', {
    method: 'POST', body, headers: { 'content-type': 'application/json', cookie: `oblako_session=${c.cookie}`, ...headers },
  });
  const none = await post({});
  assert.equal(none.status, 403);
  assert.equal((await none.json()).code, 'forbidden');
  assert.equal((await post({ 'x-csrf-token': 'f'.repeat(32) })).status, 403);
  assert.equal((await post({ origin: 'http://evil.example' })).status, 403);
  const host = new URL(s.url).host;
  assert.equal((await post({ origin: `http://${host}` })).status, 201);
  assert.equal((await post({ 'x-csrf-token': c.csrf })).status, 201);
});

test('signing in again rotates the session; signing out kills it on the server', async () => {
  const c = new Client(s);
  await c.login(env.email, env.password);
  const first = c.cookie;
  await c.login(env.email, env.password);
  assert.notEqual(c.cookie, first);
  const old = await s.fetch('/api/v1/me', { headers: { cookie: `oblako_session=${first}` } });
  assert.equal(old.status, 401);
  assert.match(old.headers.get('set-cookie'), /Max-Age=0/);
  const second = c.cookie;
  const out = await c.post('/api/v1/auth/logout');
  assert.equal(out.status, 204);
  const after = await s.fetch('/api/v1/me', { headers: { cookie: `oblako_session=${second}` } });
  assert.equal(after.status, 401);
});

test('sessions expire after 30 idle minutes and 12 hours in all', async () => {
  const { db, email, password } = await provisionedDb('expiry');
  const srv = await startServer({ db });
  const adv = (n) => srv.fetch('/api/v1/test/clock', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: n }),
  });
  try {
    const idle = new Client(srv);
    await idle.login(email, password);
    await adv(29 * 60);
    assert.equal((await idle.get('/api/v1/me')).status, 200, 'used within 30 minutes');
    await adv(31 * 60);
    const r = await idle.get('/api/v1/me');
    assert.equal(r.status, 401);
    assert.match(r.body.detail, /session has ended/);

    const busy = new Client(srv);
    await busy.login(email, password);
    for (let h = 0; h < 24; h++) {       // used about every 30 minutes: 11 h 58 min in all
      await adv(30 * 60 - 5);
      assert.equal((await busy.get('/api/v1/me')).status, 200, `after ${h + 1} half-hours`);
    }
    await adv(200);
    const late = await busy.get('/api/v1/me');
    assert.equal(late.status, 401, 'past 12 hours, though used 200 s ago');
  } finally {
    assert.equal(await srv.stop(), 0);
  }
});

test('PATCH /me: name and language; a new password needs the current one', async () => {
  const { db, email, password } = await provisionedDb('me');
  const srv = await startServer({ db });
  try {
    const c = new Client(srv);
    await c.login(email, password);
    let r = await c.patch('/api/v1/me', { name: 'Анна Петрова', lang: 'en' });
    assert.equal(r.status, 200);
    assert.equal(r.body.name, 'Анна Петрова');
    assert.equal(r.body.lang, 'en');
    for (const [body, field] of [[{ lang: 'de' }, 'lang'], [{ password: 'new-password-1' }, 'current_password'],
      [{ password: 'short', current_password: password }, 'password'],
      [{ password: 'new-password-1', current_password: 'wrong-one-123' }, 'current_password'],
      [{ account: 'x' }, 'account'], [{ name: 7 }, 'name']]) {
      r = await c.patch('/api/v1/me', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.field, field, JSON.stringify(body));
    }
    r = await c.patch('/api/v1/me', { account: 999 });
    assert.equal(r.status, 404);
    r = await c.patch('/api/v1/me', { password: 'new-password-1', current_password: password });
    assert.equal(r.status, 200);
    const d = new Client(srv);
    assert.equal((await d.login(email, password)).status, 401);
    assert.equal((await d.login(email, 'new-password-1')).status, 200);
  } finally {
    assert.equal(await srv.stop(), 0);
  }
});

test('issue 9.13: weak passwords are refused: ten equal characters, fewer than 5 different, a common one in any case', async () => {
  const { db, email, password } = await provisionedDb('weak', 'weak@example.test', 'weak-password-1');
  const srv = await startServer({ db });
  try {
    const c = new Client(srv);
    assert.equal((await c.login(email, password)).status, 200);
    for (const [pw, why] of [
      ['aaaaaaaaaa', 'person.password_few_distinct'], ['ababababab', 'person.password_few_distinct'],
      ['1234123412', 'person.password_few_distinct'], ['AaAaBbBbCc', 'person.password_few_distinct'],
      ['1234567890', 'person.password_common'], ['QWERTYUIOP', 'person.password_common'],
      ['Password123', 'person.password_common'], ['ЙЦУКЕНГШЩЗ', 'person.password_common'],
      ['Пароль1234', 'person.password_common'],
      ['ячсмитьбю', 'person.password_too_short'],         // 9 letters are 18 bytes: characters count
    ]) {
      const r = await c.patch('/api/v1/me', { current_password: password, password: pw });
      assert.equal(r.status, 400, pw);
      assert.equal(r.body.field, 'password', pw);
      assert.equal(r.body.reason, why, pw);
    }
    // the rule is one: a reset link's form refuses the same
    await c.post('/api/v1/auth/password-reset', { email });
    const r = await c.post('/api/v1/auth/password-reset/confirm', { token: lastLinkToken(db, email), password: 'qwerty12345' });
    assert.equal(r.status, 400);
    assert.equal(r.body.field, 'password');
    // ten different Cyrillic letters that are nobody's favourite pass
    assert.equal((await c.patch('/api/v1/me', { current_password: password, password: 'сквозняк-42' })).status, 200);
  } finally {
    assert.equal(await srv.stop(), 0);
  }
});

test('password reset: a single-use link that expires; it ends every session', async () => {
  const { db, email, password } = await provisionedDb('reset', 'reset@example.test', 'reset-password-1');
  const srv = await startServer({ db });
  const adv = (n) => srv.fetch('/api/v1/test/clock', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: n }),
  });
  try {
    const anon = new Client(srv);
    const unknown = await anon.post('/api/v1/auth/password-reset', { email: 'nobody@example.test' });
    assert.equal(unknown.status, 202, 'an unknown address gets the same answer');
    assert.equal(query(db, "SELECT COUNT(*) FROM outbox WHERE to_addr = 'nobody@example.test'")[0][0], '0');
    assert.equal((await anon.post('/api/v1/auth/password-reset', { email: 'bad' })).status, 400);

    const signedIn = new Client(srv);
    await signedIn.login(email, password);
    assert.equal((await anon.post('/api/v1/auth/password-reset', { email })).status, 202);
    const token = lastLinkToken(db, email);
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    const weak = await anon.post('/api/v1/auth/password-reset/confirm', { token, password: 'short' });
    assert.equal(weak.status, 400);
    assert.equal(weak.body.field, 'password');
    const ok = await anon.post('/api/v1/auth/password-reset/confirm', { token, password: 'brand-new-pass' });
    assert.equal(ok.status, 200);
    assert.equal((await signedIn.get('/api/v1/me')).status, 401, 'sessions ended');
    const again = await anon.post('/api/v1/auth/password-reset/confirm', { token, password: 'another-pass-1' });
    assert.equal(again.status, 400);
    assert.equal(again.body.field, 'token');
    assert.equal((await anon.login(email, 'brand-new-pass')).status, 200);

    await anon.post('/api/v1/auth/password-reset', { email });
    const late = lastLinkToken(db, email);
    await adv(25 * 3600);
    const expired = await anon.post('/api/v1/auth/password-reset/confirm', { token: late, password: 'another-pass-1' });
    assert.equal(expired.status, 400);
    assert.match(expired.body.detail, /expired/);
  } finally {
    assert.equal(await srv.stop(), 0);
  }
});

test('API tokens: shown once, listed without the secret, limited to held roles, revocable', async () => {
  const c = new Client(s);
  await c.login(env.email, env.password);
  let r = await c.post('/api/v1/tokens', { account: 1, roles: 'admin', name: 'integration' });
  assert.equal(r.status, 201);
  const secret = r.body.token;
  assert.match(secret, /^obk_[A-Za-z0-9_-]{43}$/);
  const id = r.body.id;
  const list = await c.get('/api/v1/tokens');
  assert.equal(list.status, 200);
  const row = list.body.items.find((t) => t.id === id);
  assert.equal(row.prefix, secret.slice(0, 10));
  assert.ok(!JSON.stringify(list.body).includes(secret.slice(10)), 'the secret is not listed');
  const csv = await c.get('/api/v1/tokens?format=csv');
  assert.match(csv.headers.get('content-type'), /^text\/csv/);
  assert.ok(!csv.body.includes(secret.slice(10)));

  const bearer = await s.fetch('/api/v1/me', { headers: { authorization: `Bearer ${secret}` } });
  assert.equal(bearer.status, 200);
  const me = await bearer.json();
  assert.equal(me.token, id);
  // A token cannot make tokens, and needs no CSRF token (no cookie).
  const nested = await s.fetch('/api/v1/tokens', {
    method: 'POST', headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ account: 1, roles: 'admin', name: 'nested' }),
  });
  assert.equal(nested.status, 403);

  for (const [body, status, field] of [
    [{ account: 1, roles: 'owner', name: 'x' }, 400, 'roles'],
    [{ account: 1, roles: 'auditor', name: 'x' }, 400, 'roles'],
    [{ account: 1, roles: '', name: 'x' }, 400, 'roles'],
    [{ account: 1, roles: 'admin' }, 400, 'name'],
    [{ roles: 'admin', name: 'x' }, 400, 'account'],
    [{ account: 4242, roles: 'admin', name: 'x' }, 404, 'account'],
  ]) {
    r = await c.post('/api/v1/tokens', body);
    assert.equal(r.status, status, JSON.stringify(body));
    assert.equal(r.body.field, field, JSON.stringify(body));
  }
  assert.equal((await c.del(`/api/v1/tokens/${id}`)).status, 204);
  assert.equal((await c.del(`/api/v1/tokens/${id}`)).status, 404);
  assert.equal((await c.del('/api/v1/tokens/abc')).status, 404);
  const revoked = await s.fetch('/api/v1/me', { headers: { authorization: `Bearer ${secret}` } });
  assert.equal(revoked.status, 401);
  assert.equal((await s.fetch('/api/v1/me', { headers: { authorization: 'Bearer obk_nonsense' } })).status, 401);
});

test('TOTP: set up, required at sign-in, turned off with a code', async () => {
  const { db, email, password } = await provisionedDb('totp', 'staff@example.test', 'staff-password-1');
  const srv = await startServer({ db });
  try {
    const c = new Client(srv);
    await c.login(email, password);
    const start = await c.post('/api/v1/me/totp');
    assert.equal(start.status, 201);
    assert.match(start.body.secret, /^[A-Z2-7]{32}$/);
    assert.match(start.body.uri, /^otpauth:\/\/totp\/Oblako:staff@example\.test\?secret=/);
    const now = Date.parse((await (await srv.fetch('/api/v1/test/clock')).json()).now) / 1000;
    const wrong = await c.post('/api/v1/me/totp/confirm', { code: '000000' === await totp(start.body.secret, now) ? '111111' : '000000' });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.field, 'code');
    const on = await c.post('/api/v1/me/totp/confirm', { code: await totp(start.body.secret, now) });
    assert.equal(on.status, 200);
    assert.equal(on.body.totp_enabled, true);

    const d = new Client(srv);
    const need = await d.login(email, password);
    assert.equal(need.status, 401);
    assert.equal(need.body.field, 'otp');
    assert.equal((await d.login(email, password, '123')).status, 401);
    // the code that turned the factor on does not sign in: wait for the next one
    assert.equal((await d.login(email, password, await totp(start.body.secret, now))).status, 401);
    await srv.fetch('/api/v1/test/clock', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: 30 }),
    });
    const t = Date.parse((await (await srv.fetch('/api/v1/test/clock')).json()).now) / 1000;
    const ok = await d.login(email, password, await totp(start.body.secret, t));
    assert.equal(ok.status, 200);
    // a code is accepted once: the one that signed in cannot switch the factor off
    const replay = await d.post('/api/v1/me/totp/disable', { code: await totp(start.body.secret, t) });
    assert.equal(replay.status, 400);
    assert.equal(replay.body.field, 'code');
    await srv.fetch('/api/v1/test/clock', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: 30 }),
    });
    const off = await d.post('/api/v1/me/totp/disable', { code: await totp(start.body.secret, t + 30) });
    assert.equal(off.status, 200);
    assert.equal(off.body.totp_enabled, false);
    assert.equal((await new Client(srv).login(email, password)).status, 200);
  } finally {
    assert.equal(await srv.stop(), 0);
  }
});

test('--require-totp: provider staff without a second factor are told to set it up', async () => {
  const { db, email, password } = await provisionedDb('reqtotp', 'req@example.test', 'req-password-12');
  const srv = await startServer({ db, args: ['--require-totp'] });
  try {
    const c = new Client(srv);
    const r = await c.login(email, password);
    assert.equal(r.status, 200);
    assert.equal(r.body.mfa_required, true);
    const start = await c.post('/api/v1/me/totp');
    const t = Date.parse((await (await srv.fetch('/api/v1/test/clock')).json()).now) / 1000;
    const on = await c.post('/api/v1/me/totp/confirm', { code: await totp(start.body.secret, t) });
    assert.equal(on.status, 200);
    assert.equal(on.body.mfa_required, false);
  } finally {
    assert.equal(await srv.stop(), 0);
  }
});

test('a storm of sign-ins waits for hashing slots and every one is answered', async () => {
  const { db, email, password } = await provisionedDb('storm');
  const srv = await startServer({ db, args: ['--hash-concurrency', '1', '--threads', '8'] });
  try {
    // one person's 5 (the per-person limit counts attempts in flight: issue 9.8) and 11 unknown
    // people, all hashed one at a time
    const results = await Promise.all(Array.from({ length: 16 },
      (_, i) => new Client(srv).login(i < 5 ? email : `stranger${i}@example.test`, i < 5 ? password : 'a-wrong-password')));
    assert.deepEqual(results.map((r) => r.status), [...Array(5).fill(200), ...Array(11).fill(401)]);
  } finally {
    assert.equal(await srv.stop(), 0);
  }
});
