// The year must not wrap (issue 9 item 11): a date a person gives is taken only
// inside the window 2000-01-01 .. 2199-12-31 (docs/decisions.md), on every
// route that takes one, and date arithmetic refuses to leave year 9999. Before,
// `start: "9999-12-01"` with 12 months was stored with the end 0000-12-01, read
// back as 1970, and slipped past the no-overlap rule of R-SUB-7.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, newPartner, activate, uniqueEmail } from './lib/accounts.js';
import { withBackend, readyArea, INFO } from './lib/areas.js';
import { query } from './lib/db.js';
import { expect } from './lib/expect.js';

let ctx;
let cb;
let P;          // the serving partner
let c;          // its client, information complete
let today;

const FIRST = '2000-01-01';
const LAST = '2199-12-31';
const OUTSIDE = ['1999-12-31', '2200-01-01', '9999-12-01', '0001-01-01'];

before(async () => {
  ctx = await setup('dates');
  cb = await withBackend(ctx);
  today = (await (await ctx.s.fetch('/api/v1/test/clock')).json()).date;
  P = await newPartner(ctx);
  const email = uniqueEmail('client');
  const r = await P.owner.post('/api/v1/subscribers', { name: 'ООО Даты', owner_email: email });
  expect(r, 201);
  expect(await P.owner.put(`/api/v1/subscribers/${r.body.id}/info`, INFO), 200);
  c = { id: r.body.id, email, owner: await activate(ctx.s, ctx.db, email) };
});

after(async () => {
  await cb?.stop();
  assert.equal(await ctx.s.stop(), 0);
});

const mainOf = (start, term = 12) => ({ subscriber: c.id, kind: 'main', tariff: 'ITSaaS-PROF', term_months: term, start });

test('R-SUB-0 9999-12-01 + 12 months is refused, not stored as year 0000; the no-overlap rule holds at the window\'s end', async () => {
  const wrapped = await P.owner.post('/api/v1/subscriptions', mainOf('9999-12-01'));
  expect(wrapped, 400, 'invalid', 'start');
  assert.match(wrapped.body.detail ?? wrapped.body.title, /2000-01-01|2199-12-31/, JSON.stringify(wrapped.body));
  expect(await P.owner.post('/api/v1/subscriptions/quote', mainOf('9999-12-01')), 400, 'invalid', 'start');
  const bad = query(ctx.db, `SELECT COUNT(*) FROM subscriptions WHERE subscriber_id = ${c.id} AND (start > '2200' OR "end" < '2000')`);
  assert.equal(Number(bad[0][0]), 0, 'nothing outside the window was stored');

  // The last day of the window is a start like any other: its end is shown as it is.
  const m = await P.owner.post('/api/v1/subscriptions', mainOf('2199-12-01'));
  expect(m, 201);
  assert.equal(m.body.start, '2199-12-01');
  assert.equal(m.body.end, '2200-12-01');
  assert.equal(m.body.through, '2200-11-30');
  const again = await P.owner.get(`/api/v1/subscriptions/${m.body.id}`);
  assert.equal(again.body.end, '2200-12-01', 'read back as stored, never 1970');
  // R-SUB-7: a second main of the same tariff may not overlap it, from either side.
  expect(await P.owner.post('/api/v1/subscriptions', mainOf('2199-12-31', 1)), 409, 'conflict', 'start');
  expect(await P.owner.post('/api/v1/subscriptions', mainOf('2199-06-01', 12)), 409, 'conflict', 'start');
  const e = await c.owner.get(`/api/v1/subscribers/${c.id}/entitlement?at=${LAST}`);
  expect(e, 200);
  assert.deepEqual(e.body.in_force, [m.body.id]);
});

test('R-SUB-0 every route that takes a date refuses one outside 2000-01-01 .. 2199-12-31, naming the field', async () => {
  const area = await readyArea(c.owner, c.id, 'Для доступа');
  const trial = (await P.owner.get(`/api/v1/subscriptions?subscriber=${c.id}&limit=500`)).body.items.find((x) => x.kind === 'trial');
  const paid = await P.owner.post('/api/v1/subscriptions', { subscriber: c.id, kind: 'main', tariff: 'ITSaaS-BASIC', term_months: 1 });
  expect(paid, 201);
  const price = { term: 1, amount: 150000 };
  const routes = [
    ['POST /subscriptions start', (d) => P.owner.post('/api/v1/subscriptions', { ...mainOf(d), tariff: 'ITSaaS-SPEC' }), 'start'],
    ['POST /subscriptions/quote start', (d) => P.owner.post('/api/v1/subscriptions/quote', mainOf(d)), 'start'],
    ['PATCH /subscriptions/{trial} end', (d) => ctx.admin.patch(`/api/v1/subscriptions/${trial.id}`, { end: d, reason: 'x' }), 'end'],
    ['POST /requests changes.start', (d) => P.owner.post('/api/v1/requests',
      { kind: 'subscription_change', subscription: paid.body.id, changes: { start: d }, reason: 'x' }), 'start'],
    ['POST /requests trial end', (d) => P.owner.post('/api/v1/requests',
      { kind: 'trial_change', subscription: trial.id, end: d, reason: 'x' }), 'end'],
    ['GET /subscriptions?end_from', (d) => P.owner.get(`/api/v1/subscriptions?end_from=${d}`), 'end_from'],
    ['GET /subscriptions?end_to', (d) => P.owner.get(`/api/v1/subscriptions?end_to=${d}`), 'end_to'],
    ['GET /entitlement?at', (d) => c.owner.get(`/api/v1/subscribers/${c.id}/entitlement?at=${d}`), 'at'],
    ['POST /grants until', (d) => c.owner.post('/api/v1/grants', { area: area.id, email: P.email, until: d }), 'until'],
    ['POST /partners/{id}/statuses valid_from', (d) => ctx.admin.post(`/api/v1/partners/${P.id}/statuses`, { status: 'cso', valid_from: d }), 'valid_from'],
    ['POST /partners/{id}/statuses valid_to', (d) => ctx.admin.post(`/api/v1/partners/${P.id}/statuses`, { status: 'cso', valid_from: today, valid_to: d }), 'valid_to'],
    ['POST /its-contracts valid_from', (d) => ctx.admin.post('/api/v1/its-contracts',
      { number: 'ITS-D1', level: 'PROF', partner: P.id, subscriber: c.id, valid_from: d, valid_to: LAST }), 'valid_from'],
    ['POST /its-contracts valid_to', (d) => ctx.admin.post('/api/v1/its-contracts',
      { number: 'ITS-D2', level: 'PROF', partner: P.id, subscriber: c.id, valid_from: today, valid_to: d }), 'valid_to'],
    ['POST /tariffs/{id}/prices valid_from', async (d) => ctx.admin.post(`/api/v1/tariffs/${await tariffId('ITSaaS-PROF')}/prices`,
      { ...price, valid_from: d }), 'valid_from'],
    ['POST /tariffs/{id}/prices valid_to', async (d) => ctx.admin.post(`/api/v1/tariffs/${await tariffId('ITSaaS-PROF')}/prices`,
      { ...price, valid_from: '2150-01-01', valid_to: d }), 'valid_to'],
    ['POST /partner-tariffs prices[0].valid_from', (d) => P.owner.post('/api/v1/partner-tariffs',
      { base: 'ITSaaS-PROF', code: 'D-PROF', name_ru: 'Даты', prices: [{ term: 1, amount: 300000, valid_from: d }] }), 'prices[0].valid_from'],
    ['GET /audit?from', (d) => ctx.admin.get(`/api/v1/audit?from=${d}`), 'from'],
    ['GET /audit?to', (d) => ctx.admin.get(`/api/v1/audit?to=${d}`), 'to'],
    ['GET /subscribers/{id}/audit?from', (d) => c.owner.get(`/api/v1/subscribers/${c.id}/audit?from=${d}`), 'from'],
  ];
  for (const [name, call, field] of routes) {
    for (const d of OUTSIDE) {
      const r = await call(d);
      assert.equal(r.status, 400, `${name} ${d}: ${r.status} ${JSON.stringify(r.body)}`);
      assert.equal(r.body.code, 'invalid', `${name} ${d}`);
      assert.equal(r.body.field, field, `${name} ${d}: ${JSON.stringify(r.body)}`);
    }
  }
  // The window's own edges are dates like any other where the rule allows them.
  expect(await ctx.admin.get(`/api/v1/audit?from=${FIRST}&to=${LAST}`), 200);
  expect(await P.owner.get(`/api/v1/subscriptions?end_from=${FIRST}&end_to=${LAST}`), 200);
  expect(await c.owner.get(`/api/v1/subscribers/${c.id}/entitlement?at=${FIRST}`), 200);
  const its = await ctx.admin.post('/api/v1/its-contracts',
    { number: 'ITS-EDGE', level: 'PROF', partner: P.id, subscriber: c.id, valid_from: FIRST, valid_to: LAST });
  expect(its, 201);
  assert.equal(its.body.valid_to, LAST);
});

async function tariffId(code) {
  const r = await ctx.admin.get('/api/v1/tariffs?limit=500');
  return r.body.items.find((t) => t.code === code && t.partner === null).id;
}

// Last: a test clock moved out of the window would move every later test with it.
test('the test clock is not set outside the window either', async () => {
  for (const now of ['2200-01-01T00:00:00+03:00', '9999-12-31T12:00:00Z']) {
    const r = await ctx.s.fetch('/api/v1/test/clock', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ now }),
    });
    const b = await r.json();
    assert.equal(r.status, 400, JSON.stringify(b));
    assert.equal(b.field, 'now');
  }
});
