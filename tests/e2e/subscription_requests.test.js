// Change and cancellation requests of posted subscriptions (R-SUB-2), trial
// change requests (R-ONB-4), and extensions carried onto renewals (R-SUB-3).
// The test clock is set once to a Wednesday and only goes forward.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from './lib/session.js';
import { setup, newPartner, newEmployee, activate, audits, lastMail, uniqueEmail } from './lib/accounts.js';
import { expect } from './lib/expect.js';

let ctx;
let admin;
let A;   // a csk partner serving the clients
let B;   // another partner
const PW = 'a-good-password-1';
const POSTED = '2033-03-02';   // a Wednesday: the first Monday after is 2033-03-07

const INFO = {
  legal_name: 'ООО Ромашка', inn: '7707083893', kpp: '770701001', contact_person: 'Иван',
  phone: '+7 495 111-11-11', email: 'buh@romashka.test', region: 'Москва', leave_reason: null, leave_comment: '',
};

async function clock(body) {
  const r = await ctx.s.fetch('/api/v1/test/clock', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  assert.equal(r.status, 200, await r.text());
}

async function signIn(email, password = PW) {
  const c = new Client(ctx.s);
  const r = await c.login(email, password);
  assert.equal(r.status, 200, `${email}: ${JSON.stringify(r.body)}`);
  return c;
}

async function newClient(p) {
  const email = uniqueEmail('client');
  const r = await p.owner.post('/api/v1/subscribers', { name: 'ООО Клиент', owner_email: email });
  expect(r, 201);
  expect(await p.owner.put(`/api/v1/subscribers/${r.body.id}/info`, INFO), 200);
  return { id: r.body.id, email, owner: await activate(ctx.s, ctx.db, email) };
}

const post = (c, body) => c.post('/api/v1/subscriptions', body);
const main = (c, sub, term = 1, extra = {}) =>
  post(c, { subscriber: sub, kind: 'main', tariff: 'ITSaaS-PROF', term_months: term, ...extra });
const file = (c, body) => c.post('/api/v1/requests', { reason: 'the client asked', ...body });
const decide = (id, decision, note = '') => admin.post(`/api/v1/requests/${id}/decision`, { decision, note });
const ent = async (c, sub, at) => (await c.get(`/api/v1/subscribers/${sub}/entitlement${at ? `?at=${at}` : ''}`)).body;

before(async () => {
  ctx = await setup('subscription_requests');
  await clock({ now: `${POSTED}T10:00:00+03:00` });
  admin = await signIn(ctx.env.email, ctx.env.password);
  ctx.admin = admin;
  A = await newPartner(ctx);
  expect(await admin.post(`/api/v1/partners/${A.id}/statuses`, { status: 'csk', valid_from: '2033-01-01' }), 201);
  B = await newPartner(ctx);
});

after(async () => { assert.equal(await ctx.s.stop(), 0); });

test('R-SUB-2 a change request: filed by the serving partner, applied by the provider, re-planned at the posting date, audited and mailed', async () => {
  const c = await newClient(A);
  const m = await main(A.owner, c.id, 1, { declarations: { new_client: true } });
  expect(m, 201);
  assert.deepEqual(m.body.discount, { pct: 65, rule: 'new_client' });
  const r = await file(A.owner, { kind: 'subscription_change', subscription: m.body.id, changes: { term_months: 12 } });
  expect(r, 201);
  assert.equal(r.body.kind, 'subscription_change');
  assert.equal(r.body.state, 'open');
  assert.equal(r.body.late, false);
  assert.deepEqual(r.body.partner, { id: A.id, name: r.body.partner.name });
  assert.deepEqual(r.body.changes, { term_months: 12 });
  assert.equal(r.body.subscription.id, m.body.id);
  assert.equal(r.body.subscription.kind, 'main');
  assert.equal(r.body.subscription.tariff, 'ITSaaS-PROF');
  assert.equal(r.body.subscription.subscriber.id, c.id);
  // Nothing changes before the decision.
  assert.equal((await A.owner.get(`/api/v1/subscriptions/${m.body.id}`)).body.term_months, 1);
  const d = await decide(r.body.id, 'apply', 'ok');
  expect(d, 200);
  assert.equal(d.body.state, 'applied');
  assert.equal(d.body.subscription.end, '2034-03-02');
  const s = (await A.owner.get(`/api/v1/subscriptions/${m.body.id}`)).body;
  assert.equal(s.term_months, 12);
  assert.equal(s.start, POSTED);
  assert.equal(s.end, '2034-03-02');
  assert.equal(s.price, 247200 * 12);
  assert.deepEqual(s.discount, { pct: 65, rule: 'new_client' });
  assert.equal(s.amount_due, Math.round(247200 * 12 * 0.35));
  const a = audits(ctx.db, 'subscription.changed').find((x) => Number(x[1]) === m.body.id);
  assert.match(a[2], /1 month\(s\).* → main 'ITSaaS-PROF' 2033-03-02 through 2034-03-01, 12 month\(s\)/);
  assert.equal(lastMail(ctx.db, A.email).template, 'request_decided');
  expect(await decide(r.body.id, 'reject'), 409, 'conflict');
  // A rejected request changes nothing.
  const r2 = await file(A.owner, { kind: 'subscription_change', subscription: m.body.id, changes: { term_months: 3 } });
  expect(r2, 201);
  expect(await decide(r2.body.id, 'reject', 'no'), 200);
  assert.equal((await A.owner.get(`/api/v1/subscriptions/${m.body.id}`)).body.term_months, 12);
});

test('R-SUB-2 a quote shows what applying a request would change: amount due, discount rule, the client by name', async () => {
  const c = await newClient(A);
  const m = await main(A.owner, c.id, 1, { declarations: { new_client: true } });
  expect(m, 201);
  const r = await file(A.owner, { kind: 'subscription_change', subscription: m.body.id, changes: { term_months: 12 } });
  expect(r, 201);
  assert.equal(r.body.subscription.subscriber.name, 'ООО Клиент');
  assert.equal(r.body.subscription.tariff_name_ru, '1С:ИТС ПРОФ в облаке');
  for (const who of [admin, A.owner]) {
    const q = await who.get(`/api/v1/requests/${r.body.id}/quote`);
    expect(q, 200);
    assert.equal(q.body.kind, 'subscription_change');
    assert.deepEqual(q.body.subscriber, { id: c.id, name: 'ООО Клиент' });
    assert.equal(q.body.before.term_months, 1);
    assert.equal(q.body.after.term_months, 12);
    assert.equal(q.body.after.tariff.name_ru, '1С:ИТС ПРОФ в облаке');
    assert.deepEqual(q.body.after.discount, { pct: 65, rule: 'new_client' });
    assert.equal(q.body.before.amount_due, Math.round(247200 * 0.35));
    assert.equal(q.body.after.amount_due, Math.round(247200 * 12 * 0.35));
    assert.equal(q.body.difference.amount_due, q.body.after.amount_due - q.body.before.amount_due);
    assert.equal(q.body.difference.price, 247200 * 11);
  }
  // Quoting writes nothing.
  assert.equal((await admin.get(`/api/v1/subscriptions/${m.body.id}`)).body.term_months, 1);
  // A cancellation quotes the amount due going away.
  const k = await file(A.owner, { kind: 'subscription_cancel', subscription: m.body.id });
  expect(k, 201);
  const qk = await admin.get(`/api/v1/requests/${k.body.id}/quote`);
  expect(qk, 200);
  assert.equal(qk.body.after.state, 'cancelled');
  assert.equal(qk.body.difference.amount_due, -qk.body.before.amount_due);
  // The partner's discount is not for another partner, nor for the client's own people.
  expect(await B.owner.get(`/api/v1/requests/${r.body.id}/quote`), 404, 'not_found');
  const own = await c.owner.get(`/api/v1/requests/${r.body.id}/quote`);
  assert.ok([403, 404].includes(own.status), JSON.stringify(own.body));
  assert.ok(!JSON.stringify(own.body).includes('new_client'));
  expect(await admin.get('/api/v1/requests/999999/quote'), 404, 'not_found');
  const req = await A.owner.post('/api/v1/requests', { kind: 'requisites', partner: A.id, changes: { phone: '+7 495 222-22-22' }, reason: 'new phone' });
  expect(req, 201);
  expect(await admin.get(`/api/v1/requests/${req.body.id}/quote`), 400, 'invalid');
});

test('R-SUB-1 quantity: a main is taken once; an extension\'s quantity is its units, priced and counted', async () => {
  const c = await newClient(A);
  expect(await main(A.owner, c.id, 1, { quantity: 3 }), 400, 'invalid');
  const m = await main(A.owner, c.id);
  expect(m, 201);
  const bad = await file(A.owner, { kind: 'subscription_change', subscription: m.body.id, changes: { quantity: 3 } });
  expect(bad, 400, 'invalid');
  assert.equal(bad.body.field, 'quantity');
  const x = await post(A.owner, { subscriber: c.id, kind: 'extension', tariff: 'SESSIONS+1' });
  expect(x, 201);
  assert.equal((await ent(c.owner, c.id)).sessions, 6);
  const r = await file(A.owner, { kind: 'subscription_change', subscription: x.body.id, changes: { quantity: 3 } });
  expect(r, 201);
  const q = (await admin.get(`/api/v1/requests/${r.body.id}/quote`)).body;
  assert.equal(q.after.quantity, 3);
  assert.equal(q.after.price, 3 * q.before.price);
  expect(await decide(r.body.id, 'apply'), 200);
  const after = (await admin.get(`/api/v1/subscriptions/${x.body.id}`)).body;
  assert.equal(after.quantity, 3);
  assert.equal(after.price, 49400 * 3);
  assert.equal((await ent(c.owner, c.id)).sessions, 8, 'three extra sessions, not one');
});

test('R-SUB-2 a posted subscription is immutable for the partner: no other path changes it', async () => {
  const c = await newClient(A);
  const m = await main(A.owner, c.id);
  expect(m, 201);
  expect(await A.owner.patch(`/api/v1/subscriptions/${m.body.id}`, { end: '2033-05-01', reason: 'x' }), 403, 'forbidden');
  expect(await main(A.owner, c.id, 1, { start: POSTED }), 409, 'conflict');
  assert.equal((await A.owner.get(`/api/v1/subscriptions/${m.body.id}`)).body.end, '2033-04-02');
});

test('R-SUB-2 refusals: another partner 404, not the serving partner 403, invalid changes by field, decided once', async () => {
  const c = await newClient(A);
  const m = await main(A.owner, c.id);
  expect(m, 201);
  const cons = await newEmployee(ctx, A, ['consultant']);
  const base = { kind: 'subscription_change', subscription: m.body.id };
  expect(await file(B.owner, { ...base, changes: { term_months: 3 } }), 404, 'not_found');
  expect(await file(c.owner, { ...base, changes: { term_months: 3 } }), 403, 'forbidden');
  expect(await file(cons.client, { ...base, changes: { term_months: 3 } }), 403, 'forbidden');
  expect(await file(admin, { ...base, changes: { term_months: 3 } }), 403, 'forbidden');
  expect(await file(A.owner, { kind: 'subscription_cancel', subscription: 999999 }), 404, 'not_found');
  for (const [body, status, field] of [
    [{ ...base, changes: { term_months: 2 } }, 400, 'term_months'],
    [{ ...base, changes: { term_months: 'a year' } }, 400, 'changes.term_months'],
    [{ ...base, changes: {} }, 400, 'changes'],
    [{ ...base, changes: { colour: 'red' } }, 400, 'changes.colour'],
    [{ ...base, changes: { tariff: 'NO-SUCH' } }, 400, 'tariff'],
    [{ ...base, changes: { start: 'soon' } }, 400, 'start'],
    [{ ...base, changes: { declarations: { new_client: 'yes' } } }, 400, 'changes.declarations.new_client'],
    [{ ...base }, 400, 'changes'],
    [{ kind: 'subscription_change', changes: { term_months: 3 } }, 400, 'subscription'],
    [{ ...base, changes: { term_months: 3 }, reason: '' }, 400, 'reason'],
  ]) {
    const r = await file(A.owner, body);
    expect(r, status, undefined, field);
  }
  // A renewal follows: lengthening the first main would overlap it.
  const ren = await main(A.owner, c.id);
  expect(ren, 201);
  expect(await file(A.owner, { ...base, changes: { term_months: 3 } }), 409, 'conflict', 'start');
  // A trial is not cancelled nor changed by subscription_change; trial_change only for a trial.
  const [trial] = (await A.owner.get(`/api/v1/subscriptions?subscriber=${c.id}&limit=500`)).body.items
    .filter((x) => x.kind === 'trial');
  expect(await file(A.owner, { kind: 'subscription_cancel', subscription: trial.id }), 400, 'invalid', 'subscription');
  expect(await file(A.owner, { kind: 'trial_change', subscription: m.body.id, end: '2033-05-01' }), 400, 'invalid', 'subscription');
  expect(await file(A.owner, { kind: 'trial_change', subscription: trial.id, end: '2033-01-01' }), 400, 'invalid', 'end');
  // Decided once; a cancelled subscription takes no more requests.
  const r = await file(A.owner, { kind: 'subscription_cancel', subscription: ren.body.id });
  expect(r, 201);
  expect(await decide(r.body.id, 'apply'), 200);
  expect(await decide(r.body.id, 'apply'), 409, 'conflict');
  expect(await file(A.owner, { kind: 'subscription_cancel', subscription: ren.body.id }), 409, 'conflict');
  expect(await A.owner.post(`/api/v1/requests/${r.body.id}/decision`, { decision: 'apply' }), 403);
});

test('R-SUB-2 cancellation: the subscription and its extensions are cancelled and stop counting in the entitlement', async () => {
  const c = await newClient(A);
  const m = await main(A.owner, c.id);
  expect(m, 201);
  const x = await post(A.owner, { subscriber: c.id, kind: 'extension', tariff: 'SESSIONS+1', quantity: 2 });
  expect(x, 201);
  assert.equal((await ent(c.owner, c.id)).sessions, 7);
  const r = await file(A.owner, { kind: 'subscription_cancel', subscription: m.body.id, reason: 'posted by mistake' });
  expect(r, 201);
  assert.deepEqual(r.body.changes, {});
  const d = await decide(r.body.id, 'apply', 'cancelled');
  expect(d, 200);
  assert.equal(d.body.subscription.state, 'cancelled');
  assert.equal((await admin.get(`/api/v1/subscriptions/${m.body.id}`)).body.state, 'cancelled');
  assert.equal((await admin.get(`/api/v1/subscriptions/${x.body.id}`)).body.state, 'cancelled');
  const e = await ent(c.owner, c.id);
  assert.ok(!e.in_force.includes(m.body.id));
  assert.ok(!e.in_force.includes(x.body.id));
  const a = audits(ctx.db, 'subscription.cancelled').find((y) => Number(y[1]) === m.body.id);
  assert.match(a[2], /posted → cancelled; reason: request \d+: posted by mistake/);
  // The slot is free again: a new main may be posted for the same period.
  expect(await main(A.owner, c.id, 1, { start: POSTED }), 201);
});

test('R-ONB-4 a trial change: the partner asks, the provider moves the end', async () => {
  const c = await newClient(A);
  const [t] = (await A.owner.get(`/api/v1/subscriptions?subscriber=${c.id}`)).body.items;
  const r = await file(A.owner, { kind: 'trial_change', subscription: t.id, end: '2033-04-20', reason: 'a long evaluation' });
  expect(r, 201);
  assert.deepEqual(r.body.changes, { end: '2033-04-20' });
  expect(await decide(r.body.id, 'apply'), 200);
  const after = (await c.owner.get(`/api/v1/subscriptions/${t.id}`)).body;
  assert.equal(after.end, '2033-04-20');
  assert.ok(audits(ctx.db, 'subscription.trial_changed').some((a) => Number(a[1]) === t.id));
});

test('R-SUB-3 an extension is carried onto each renewal until cancelled', async () => {
  const c = await newClient(A);
  const m1 = await main(A.owner, c.id);
  expect(m1, 201);
  const x1 = await post(A.owner, { subscriber: c.id, kind: 'extension', tariff: 'SESSIONS+1', quantity: 2 });
  expect(x1, 201);
  const m2 = await main(A.owner, c.id);
  expect(m2, 201);
  assert.equal(m2.body.start, m1.body.end);
  const items = (await A.owner.get(`/api/v1/subscriptions?subscriber=${c.id}&limit=500`)).body.items;
  const x2 = items.find((s) => s.kind === 'extension' && s.main === m2.body.id);
  assert.ok(x2, 'the extension is posted again for the renewal');
  assert.equal(x2.start, m2.body.start);
  assert.equal(x2.end, m2.body.end);
  assert.equal(x2.quantity, 2);
  assert.equal(x2.tariff.code, 'SESSIONS+1');
  assert.equal(x2.price, 49400 * 2);
  assert.equal((await ent(c.owner, c.id, m2.body.start)).sessions, 7);
  // Cancelled: not carried onto the next renewal.
  const r = await file(A.owner, { kind: 'subscription_cancel', subscription: x2.id });
  expect(r, 201);
  expect(await decide(r.body.id, 'apply'), 200);
  const m3 = await main(A.owner, c.id);
  expect(m3, 201);
  const after = (await A.owner.get(`/api/v1/subscriptions?subscriber=${c.id}&limit=500`)).body.items;
  assert.ok(!after.some((s) => s.kind === 'extension' && s.main === m3.body.id));
  assert.equal((await ent(c.owner, c.id, m3.body.start)).sessions, 5);
  // The list shows posted rows: the first extension only; the cancelled one is gone from it.
  assert.deepEqual(after.filter((s) => s.kind === 'extension').map((s) => s.id), [x1.body.id]);
});

test('R-SUB-2 late: filed after the end of the first Monday following the posting (service time zone)', async () => {
  const c = await newClient(A);
  const m = await main(A.owner, c.id);
  expect(m, 201);
  await clock({ now: '2033-03-07T23:30:00+03:00' });
  let owner = await signIn(A.email);
  const onTime = await file(owner, { kind: 'subscription_change', subscription: m.body.id, changes: { term_months: 3 } });
  expect(onTime, 201);
  assert.equal(onTime.body.late, false);
  await clock({ advance: 3600 });
  owner = await signIn(A.email);
  const late = await file(owner, { kind: 'subscription_cancel', subscription: m.body.id });
  expect(late, 201);
  assert.equal(late.body.late, true);
  assert.match(audits(ctx.db, 'request.filed').find((a) => Number(a[1]) === late.body.id)[2], /late/);
  const listed = (await signIn(ctx.env.email, ctx.env.password)).get('/api/v1/requests?kind=subscription_cancel&limit=500');
  assert.ok((await listed).body.items.some((x) => x.id === late.body.id && x.late === true));
});
