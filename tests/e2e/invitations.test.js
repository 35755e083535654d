// Invitation codes for registration (issue 14 items 1, 2, 6; R-ONB-1..4, R-SUB-0/1a): a partner
// hands out a code; whoever signs up with it becomes the partner's client on a trial at once.
// The partner guide: «При выдаче код приглашения автоматически подключается тестовый период 30
// дней»; the list «Приглашения для регистрации» fills «Абонент» and «Дата активации» once a code
// is used, and leaves them empty until then; «Платный договор можно оформить, не дожидаясь
// окончания тестового периода».
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from './lib/session.js';
import { lastLink, query, raw } from './lib/db.js';
import { setup, newPartner, newEmployee, activate, lastMail, audits, uniqueEmail } from './lib/accounts.js';

let ctx;
let A;      // the inviting partner
let B;      // another partner
let op;     // an operator of A
const PW = 'a-good-password-1';
const DAY1 = '2027-03-01';

async function clock(body) {
  const r = await ctx.s.fetch('/api/v1/test/clock', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  assert.equal(r.status, 200);
  return r.json();
}

before(async () => {
  ctx = await setup('invitations', { args: ['--signup-limit-address', '10000', '--signup-limit-code', '100'] });
  await clock({ now: `${DAY1}T09:00:00+03:00` });
  assert.equal((await ctx.admin.login(ctx.env.email, ctx.env.password)).status, 200);
  A = await newPartner(ctx, { name: 'Inviting Partner', phone: '+7 495 222-33-44', email: 'office@inviting.test' });
  B = await newPartner(ctx, { name: 'Other Partner' });
  op = await newEmployee(ctx, A, ['operator']);
});
after(async () => { assert.equal(await ctx.s.stop(), 0); });

const anon = () => new Client(ctx.s);
const create = (who, body) => who.post('/api/v1/invitations', { partner: A.id, ...body });
let seq = 0;
const signupBody = (code, over = {}) => ({
  name: `ООО Ромашка ${++seq}`, email: uniqueEmail('client'), phone: '+7 900 123-45-67', password: PW, code, lang: 'ru', ...over,
});
const trialTariff = () => Number(query(ctx.db, "SELECT id FROM tariffs WHERE code = 'TRIAL-30' AND partner_id IS NULL")[0][0]);

test('R-ONB-1 a code: 16 symbols without 0/O/1/I in groups of four, TRIAL-30 by default, valid --invitation-days (30): through 30.03.2027 for a code of 01.03.2027', async () => {
  const r = await create(A.owner, {});
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.match(r.body.code, /^[2-9A-HJ-NP-Z]{4}(-[2-9A-HJ-NP-Z]{4}){3}$/);
  assert.equal(r.body.tariff_code, 'TRIAL-30');
  assert.equal(r.body.state, 'open');
  assert.equal(r.body.subscriber_id, null);
  assert.equal(r.body.activated_at, null);
  // whole days (R-SUB-0): made on 01.03.2027, good through 30.03.2027, ends at 00:00 on 31.03 (Moscow)
  assert.equal(Date.parse(r.body.expires_at), Date.parse('2027-03-31T00:00:00+03:00'));
  // 80 bits: a hundred codes are all different
  const codes = new Set();
  for (let i = 0; i < 20; i++) codes.add((await create(op.client, {})).body.code);
  assert.equal(codes.size, 20);
  assert.ok(audits(ctx.db, 'invitation.created').some((a) => Number(a[1]) === r.body.id));
});

test('R-ONB-1 with an email the code is mailed in the chosen language (ru by default)', async () => {
  const ru = uniqueEmail('ru');
  const en = uniqueEmail('en');
  const a = await create(A.owner, { email: ru });
  const b = await create(A.owner, { email: en, lang: 'en' });
  assert.equal(a.status, 201);
  assert.equal(b.status, 201);
  const m = lastMail(ctx.db, ru);
  assert.equal(m.template, 'invitation_code');
  assert.equal(m.lang, 'ru');
  assert.equal(lastMail(ctx.db, en).lang, 'en');
  const body = raw(ctx.db, `SELECT body_text FROM outbox WHERE to_addr = '${ru}'`);
  assert.ok(body.includes(a.body.code));
  assert.ok(body.includes('по 30.03.2027 включительно'), body);   // created 01.03 09:00 + 30 days: last day 30.03
});

test('who may make and revoke codes: owner, operator, provider staff; not another partner (404), not a removed operator', async () => {
  assert.equal((await ctx.admin.post('/api/v1/invitations', { partner: A.id })).status, 201);
  assert.equal((await B.owner.post('/api/v1/invitations', { partner: A.id })).status, 404);
  const mine = await create(A.owner, {});
  assert.equal((await B.owner.post(`/api/v1/invitations/${mine.body.id}/revoke`)).status, 404);
  assert.equal((await B.owner.get(`/api/v1/invitations?partner=${A.id}`)).status, 404);
  assert.equal((await anon().post('/api/v1/invitations', { partner: A.id })).status, 401);
  // A consultant reads the list and makes nothing.
  const cons = await newEmployee(ctx, A, ['consultant']);
  assert.equal((await cons.client.get(`/api/v1/invitations?partner=${A.id}`)).status, 200);
  assert.equal((await create(cons.client, {})).status, 403);
  assert.equal((await cons.client.post(`/api/v1/invitations/${mine.body.id}/revoke`)).status, 403);
  // A removed operator can no longer make or revoke codes.
  const gone = await newEmployee(ctx, A, ['operator']);
  assert.equal((await create(gone.client, {})).status, 201);
  const d = await A.owner.del(`/api/v1/partners/${A.id}/employees/${gone.person}`);
  assert.ok(d.status < 300, JSON.stringify(d.body));
  assert.ok([401, 403, 404].includes((await create(gone.client, {})).status));
  assert.ok([401, 403, 404].includes((await gone.client.post(`/api/v1/invitations/${mine.body.id}/revoke`)).status));
});

test('an API token makes codes with its roles only, and stops with its person\'s removal', async () => {
  const bearer = (token, method, path, body) => ctx.s.fetch(path, {
    method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body && JSON.stringify(body),
  });
  const crm = await newEmployee(ctx, A, ['operator', 'consultant']);
  const opTok = await crm.client.post('/api/v1/tokens', { account: A.id, roles: 'operator', name: 'CRM' });
  assert.equal(opTok.status, 201, JSON.stringify(opTok.body));
  const made = await bearer(opTok.body.token, 'POST', '/api/v1/invitations', { partner: A.id });
  assert.equal(made.status, 201);
  // A token narrower than its person: a consultant's token reads and makes nothing.
  const readTok = await crm.client.post('/api/v1/tokens', { account: A.id, roles: 'consultant', name: 'read' });
  assert.equal(readTok.status, 201, JSON.stringify(readTok.body));
  assert.equal((await bearer(readTok.body.token, 'GET', `/api/v1/invitations?partner=${A.id}`)).status, 200);
  assert.equal((await bearer(readTok.body.token, 'POST', '/api/v1/invitations', { partner: A.id })).status, 403);
  // Another partner's code is not found through it.
  const other = await B.owner.post('/api/v1/invitations', { partner: B.id });
  assert.equal(other.status, 201);
  assert.equal((await bearer(opTok.body.token, 'POST', `/api/v1/invitations/${other.body.id}/revoke`)).status, 404);
  // Removed from the partner: the token makes nothing more.
  assert.ok((await A.owner.del(`/api/v1/partners/${A.id}/employees/${crm.person}`)).status < 300);
  assert.ok([401, 403, 404].includes((await bearer(opTok.body.token, 'POST', '/api/v1/invitations', { partner: A.id })).status));
});

test('a trial tariff only: unknown or another partner\'s tariff is 404, a main tariff 400', async () => {
  const unknown = await create(A.owner, { tariff: 999999 });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.field, 'tariff');
  const main = Number(query(ctx.db, "SELECT id FROM tariffs WHERE kind = 'main' AND partner_id IS NULL LIMIT 1")[0][0]);
  const m = await create(A.owner, { tariff: main });
  assert.equal(m.status, 400);
  assert.equal(m.body.field, 'tariff');
  assert.equal((await create(A.owner, { tariff: trialTariff() })).status, 201);
  const bad = await create(A.owner, { email: 'not-an-email' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.field, 'email');
});

test('R-ONB-2 sign-up with a code: a client of the partner on TRIAL-30 through 30.03.2027; the partner is mailed; the list shows subscriber and activation date', async () => {
  const inv = await create(A.owner, {});
  const body = signupBody(inv.body.code.toLowerCase().replace(/-/g, ' '));
  const r = await anon().post('/api/v1/signup', body);
  assert.equal(r.status, 202, JSON.stringify(r.body));
  assert.deepEqual(r.body, { status: 'check_mail', email: body.email });
  assert.equal(lastMail(ctx.db, body.email).template, 'signup_confirm');
  assert.equal(lastMail(ctx.db, A.email).template, 'signup_partner');
  assert.equal(lastMail(ctx.db, op.email).template, 'signup_partner');
  // The list: subscriber and activation date filled.
  const list = await A.owner.get(`/api/v1/invitations?partner=${A.id}&state=activated`);
  const row = list.body.items.find((x) => x.id === inv.body.id);
  assert.equal(row.state, 'activated');
  assert.equal(row.subscriber_name, body.name);
  assert.ok(row.subscriber_code > 0);
  assert.ok(row.activated_at.startsWith('2027-03-01'));
  // Following the emailed link confirms the address: no password is asked again.
  const link = lastLink(ctx.db, body.email);
  const view = await anon().get(`/api/v1/auth/invite?token=${link.token}`);
  assert.equal(view.body.needs_password, false);
  const acc = new Client(ctx.s);
  const accepted = await acc.post('/api/v1/auth/invite/accept', { token: link.token });
  assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
  // the link proved the mailbox: the new login is signed in by it, and has the typed password
  assert.equal(accepted.body.signed_in, true);
  assert.equal((await acc.get('/api/v1/me')).body.email, body.email);
  const me = new Client(ctx.s);
  assert.equal((await me.login(body.email, PW)).status, 200);
  const sub = row.subscriber_id;
  const s = await me.get(`/api/v1/subscribers/${sub}`);
  assert.equal(s.status, 200);
  assert.equal(s.body.partner_id ?? s.body.partner?.id ?? s.body.partner, A.id);
  const [trial] = (await me.get(`/api/v1/subscriptions?subscriber=${sub}`)).body.items;
  assert.equal(trial.kind, 'trial');
  assert.equal(trial.tariff.code, 'TRIAL-30');
  assert.equal(trial.start, DAY1);
  assert.equal(trial.end, '2027-03-31', 'R-SUB-0: end exclusive, through 30.03.2027');
  // The partner sees the new client in its list; the event and the audit record are there.
  const clients = await A.owner.get('/api/v1/subscribers?limit=500');
  assert.ok(clients.body.items.some((c) => c.id === sub));
  assert.equal(query(ctx.db, `SELECT COUNT(*) FROM events WHERE kind = 'subscriber.registered' AND subscriber_id = ${sub}`)[0][0], '1');
  assert.ok(audits(ctx.db, 'subscriber.registered').some((a) => Number(a[0]) === sub));
  assert.equal(query(ctx.db, `SELECT COUNT(*) FROM signups WHERE subscriber_id = ${sub} AND invitation_id = ${inv.body.id}`)[0][0], '1');
});

test('R-ONB-2 the answer is the same whether the address has a login; an existing login is asked to sign in and accept', async () => {
  const a = await create(A.owner, {});
  const b = await create(A.owner, {});
  const known = await anon().post('/api/v1/signup', signupBody(a.body.code, { email: B.email, password: 'whatever-typed-99' }));
  const fresh = signupBody(b.body.code);
  const unknown = await anon().post('/api/v1/signup', fresh);
  assert.equal(known.status, 202);
  assert.equal(unknown.status, 202);
  assert.deepEqual(Object.keys(known.body).sort(), Object.keys(unknown.body).sort());
  assert.equal(known.body.status, unknown.body.status);
  assert.equal(lastMail(ctx.db, B.email).template, 'signup_sign_in');
  // The existing login keeps its password; accepting adds the new subscriber to it.
  const link = lastLink(ctx.db, B.email);
  const accepted = await anon().post('/api/v1/auth/invite/accept', { token: link.token });
  assert.equal(accepted.status, 200);
  assert.equal(accepted.body.signed_in, undefined, 'an existing login signs in with its own password');
  const before_ = (await B.owner.get('/api/v1/me')).body.accounts.length;
  const again = new Client(ctx.s);
  assert.equal((await again.login(B.email, 'whatever-typed-99')).status, 401);
  assert.equal((await again.login(B.email, PW)).status, 200);
  assert.equal((await again.get('/api/v1/me')).body.accounts.length, before_);
});

test('R-ONB-2 a used, expired, revoked or unknown code gets one and the same answer', async () => {
  const used = await create(A.owner, {});
  assert.equal((await anon().post('/api/v1/signup', signupBody(used.body.code))).status, 202);
  const revoked = await create(A.owner, {});
  const rv = await A.owner.post(`/api/v1/invitations/${revoked.body.id}/revoke`);
  assert.equal(rv.status, 200);
  assert.equal(rv.body.state, 'revoked');
  assert.ok(audits(ctx.db, 'invitation.revoked').some((a) => Number(a[1]) === revoked.body.id));
  assert.equal((await A.owner.post(`/api/v1/invitations/${revoked.body.id}/revoke`)).status, 409);
  const expired = await create(A.owner, {});
  // a code expiring exactly now no longer works
  raw(ctx.db, `UPDATE signup_invitations SET expires_at = (SELECT created_at FROM signup_invitations WHERE id = ${expired.body.id}) WHERE id = ${expired.body.id}`);
  const now = Math.floor(Date.parse((await (await ctx.s.fetch('/api/v1/test/clock')).json()).now) / 1000);
  raw(ctx.db, `UPDATE signup_invitations SET expires_at = ${now} WHERE id = ${expired.body.id}`);
  const answers = [];
  for (const code of [used.body.code, revoked.body.code, expired.body.code, 'ABCD-EFGH-JKLM-NPQR']) {
    const r = await anon().post('/api/v1/signup', signupBody(code, { email: 'same@example.test' }));
    answers.push({ status: r.status, body: { ...r.body, request_id: undefined, trace_id: undefined } });
  }
  assert.equal(answers[0].status, 400);
  assert.equal(answers[0].body.field, 'code');
  for (const a of answers.slice(1)) assert.deepEqual(a, answers[0]);
  const list = await A.owner.get(`/api/v1/invitations?partner=${A.id}&state=expired`);
  assert.ok(list.body.items.some((x) => x.id === expired.body.id));
});

test('R-ONB-2 every bad input gets a clear error on its field', async () => {
  const inv = await create(A.owner, {});
  const cases = [
    [{ name: '' }, 'name'],
    [{ email: undefined }, 'email'],
    [{ email: 'not-an-email' }, 'email'],
    [{ phone: '' }, 'phone'],
    [{ phone: '12' }, 'phone'],
    [{ phone: 'call me' }, 'phone'],
    [{ password: '' }, 'password'],
    [{ password: 'short' }, 'password'],
    [{ password: 'password123' }, 'password'],
    [{ code: '' }, 'code'],
    [{ code: 'K7QF-2MXD' }, 'code'],
    [{ code: 'O0O0-1111-IIII-2222' }, 'code'],
    [{ lang: 'de' }, 'lang'],
  ];
  for (const [over, field] of cases) {
    const r = await anon().post('/api/v1/signup', signupBody(inv.body.code, over));
    assert.equal(r.status, 400, `${JSON.stringify(over)}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.field, field, JSON.stringify(over));
  }
  const malformed = await anon().post('/api/v1/signup', signupBody(inv.body.code, { code: 'K7QF-2MXD' }));
  assert.equal(malformed.body.reason, 'signup.code_malformed');
  // the code was never used by the bad inputs
  assert.equal((await anon().post('/api/v1/signup', signupBody(inv.body.code))).status, 202);
});

test('the list: filters, cursor pages, CSV and XLSX export', async () => {
  const email = uniqueEmail('find');
  const made = await create(A.owner, { email });
  const q = await A.owner.get(`/api/v1/invitations?partner=${A.id}&q=${encodeURIComponent(email)}`);
  assert.deepEqual(q.body.items.map((x) => x.id), [made.body.id]);
  const p1 = await A.owner.get(`/api/v1/invitations?partner=${A.id}&limit=3`);
  assert.equal(p1.body.items.length, 3);
  assert.ok(p1.body.next);
  const p2 = await A.owner.get(p1.body.next);
  assert.ok(p2.body.items.every((x) => x.id < p1.body.items[2].id));
  const open = await A.owner.get(`/api/v1/invitations?partner=${A.id}&state=open&limit=500`);
  assert.ok(open.body.items.every((x) => x.state === 'open' && x.subscriber_id === null && x.activated_at === null));
  assert.equal((await A.owner.get(`/api/v1/invitations?partner=${A.id}&state=nonsense`)).status, 400);
  const csv = await A.owner.get(`/api/v1/invitations?partner=${A.id}&format=csv`);
  assert.equal(csv.status, 200);
  assert.ok(String(csv.body).includes(made.body.code));
  const xlsx = await ctx.s.fetch(`/api/v1/invitations?partner=${A.id}&format=xlsx`, { headers: { cookie: `oblako_session=${A.owner.cookie}` } });
  assert.equal(xlsx.status, 200);
  assert.equal((await xlsx.arrayBuffer()).byteLength > 100, true);
  // B's list does not show A's codes; the provider's shows all
  const bl = await B.owner.get(`/api/v1/invitations?partner=${B.id}&limit=500`);
  assert.ok(!bl.body.items.some((x) => x.partner_id === A.id));
  const all = await ctx.admin.get('/api/v1/invitations?limit=500');
  assert.ok(all.body.items.some((x) => x.id === made.body.id));
  // without ?partner: the partners where one works (none: an empty list)
  const own = await A.owner.get('/api/v1/invitations?limit=500');
  assert.ok(own.body.items.length > 0 && own.body.items.every((x) => x.partner_id === A.id));
});

test('R-ONB-2 fifty activations of one code at once make exactly one subscriber', async () => {
  const inv = await create(A.owner, {});
  const rs = await Promise.all(Array.from({ length: 50 }, () => anon().post('/api/v1/signup', signupBody(inv.body.code))));
  const ok = rs.filter((r) => r.status === 202);
  assert.equal(ok.length, 1, JSON.stringify(rs.map((r) => r.status)));
  assert.ok(rs.every((r) => [202, 400, 429].includes(r.status)));
  assert.equal(query(ctx.db, `SELECT COUNT(*) FROM signups WHERE invitation_id = ${inv.body.id}`)[0][0], '1');
});

// R-ONB-4's other half, a paid subscription posted before the trial ends, is
// subscriptions.test.js "R-SUB-1a a free KASSA or CRM-START main posted during the trial …".
test('R-ONB-4 a partner cannot change the dates of a trial started by a code; the provider can', async () => {
  const inv = await create(A.owner, {});
  const body = signupBody(inv.body.code);
  assert.equal((await anon().post('/api/v1/signup', body)).status, 202);
  const sub = Number(query(ctx.db, `SELECT subscriber_id FROM signup_invitations WHERE id = ${inv.body.id}`)[0][0]);
  const [trial] = (await A.owner.get(`/api/v1/subscriptions?subscriber=${sub}`)).body.items;
  const p = await A.owner.patch(`/api/v1/subscriptions/${trial.id}`, { end: '2027-04-15', reason: 'longer please' });
  assert.ok([403, 404].includes(p.status), JSON.stringify(p.body));
  assert.equal((await A.owner.get(`/api/v1/subscriptions/${trial.id}`)).body.end, '2027-03-31');
  const staff = await ctx.admin.patch(`/api/v1/subscriptions/${trial.id}`, { end: '2027-04-15', reason: 'asked by the partner' });
  assert.equal(staff.status, 200, JSON.stringify(staff.body));
  assert.equal(staff.body.end, '2027-04-15');
});

test('an API token acts with its roles: an owner\'s or operator\'s token makes and lists codes (a CRM); never for another partner', async () => {
  const bearer = async (who, roles) => {
    const r = await who.post('/api/v1/tokens', { account: A.id, roles, name: `crm ${roles}` });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return (method, path, body) => ctx.s.fetch(path, {
      method, headers: { authorization: `Bearer ${r.body.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  };
  for (const call of [await bearer(A.owner, 'owner'), await bearer(op.client, 'operator')]) {
    const made = await call('POST', '/api/v1/invitations', { partner: A.id, email: uniqueEmail('crm') });
    assert.equal(made.status, 201);
    const code = (await made.json()).code;
    const list = await (await call('GET', `/api/v1/invitations?partner=${A.id}&q=${code}`)).json();
    assert.equal(list.items.length, 1);
    assert.equal((await call('POST', '/api/v1/invitations', { partner: B.id })).status, 404);
    assert.equal((await call('GET', `/api/v1/invitations?partner=${B.id}`)).status, 404);
  }
});
