// What the client's Подписка page is told by the server (issue 11, items 3
// and 8): the business date and time (GET /api/v1/me `today`, `now`: the
// test clock moves them), the last day of access in a row (the entitlement's
// `through`, R-SUB-0's L), which self-service actions apply and, when one
// does not, why as a reason id with its dates (R-SUB-4, R-SUB-5), and the
// serving partner's contacts on the client's own account.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, newPartner, newUser, uniqueEmail } from './lib/accounts.js';
import { newClient } from './lib/areas.js';
import { Client } from './lib/session.js';

const addDays = (d, n) => new Date(Date.parse(`${d}T00:00:00Z`) + n * 86400000).toISOString().slice(0, 10);
let ctx;
let P;

before(async () => {
  ctx = await setup('self-service');
  P = await newPartner(ctx, { name: 'ООО «Альфа Софт»', phone: '+7 (495) 765-43-21', email: 'office@alfa-soft.test' });
});
after(async () => { await ctx?.s.stop(); });

const clock = async () => (await (await ctx.s.fetch('/api/v1/test/clock')).json());
const ent = async (who, id) => {
  const r = await who.get(`/api/v1/subscribers/${id}/entitlement`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
};

test('GET /api/v1/me answers the business date and time of the service time zone', async () => {
  const c = await clock();
  const me = await P.owner.get('/api/v1/me');
  assert.equal(me.status, 200);
  assert.equal(me.body.today, c.date);
  assert.equal(me.body.time_zone, 'Europe/Moscow');
  assert.ok(Math.abs(Date.parse(me.body.now) - Date.parse(c.now)) < 60_000, `${me.body.now} vs ${c.now}`);
});

test('R-SUB-0 the entitlement says the last day of access; R-SUB-4/5 which actions apply and why not', async () => {
  const { date: today } = await clock();
  const c = await newClient(ctx, P, 'ООО Ромашка');
  // the trial: 30 days from today, access through L = end - 1
  let e = await ent(c.owner, c.id);
  assert.equal(e.through, addDays(today, 29));
  assert.deepEqual(e.actions.short_extension, { available: false, reason: 'short_extension.no_paid_main', params: {} });
  assert.deepEqual(e.actions.deferred_renewal, {
    available: false, reason: 'deferred_renewal.too_early', params: { from: addDays(today, 29), through: addDays(today, 60) },
  });
  // the posting refuses what the entitlement says does not apply
  assert.equal((await c.owner.post('/api/v1/subscriptions', { subscriber: c.id, kind: 'short_extension' })).status, 409);
  assert.equal((await c.owner.post('/api/v1/subscriptions', { subscriber: c.id, kind: 'deferred_renewal' })).status, 409);
  // a paid main: the short extension applies, and then one at a time
  const m = await P.owner.post('/api/v1/subscriptions', { subscriber: c.id, kind: 'main', tariff: 'ITSaaS-PROF', term_months: 1 });
  assert.equal(m.status, 201, JSON.stringify(m.body));
  e = await ent(c.owner, c.id);
  assert.equal(e.through, m.body.through);
  assert.deepEqual(e.actions.short_extension, { available: true, reason: null, params: {} });
  const s = await c.owner.post('/api/v1/subscriptions', { subscriber: c.id, kind: 'short_extension' });
  assert.equal(s.status, 201, JSON.stringify(s.body));
  e = await ent(c.owner, c.id);
  assert.deepEqual(e.actions.short_extension, { available: false, reason: 'short_extension.one_at_a_time', params: { through: s.body.through } });
  // someone who may not take them is told so, whatever the rules say
  const u = await newUser(ctx, c.owner, c.id, { email: uniqueEmail('user'), roles: ['user'] });
  e = await ent(u.client, c.id);
  assert.equal(e.actions.deferred_renewal.reason, 'self_service.not_allowed');
  assert.equal(e.actions.short_extension.reason, 'self_service.not_allowed');
  // the partner reads the same entitlement; it is not the one taking them
  e = await ent(P.owner, c.id);
  assert.equal(e.actions.deferred_renewal.reason, 'self_service.not_allowed');
});

test('a client reads its serving partner\'s name, phone and email on its own account', async () => {
  const c = await newClient(ctx, P, 'ООО Лютик');
  const r = await c.owner.get(`/api/v1/subscribers/${c.id}`);
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.partner, { id: P.id, name: 'ООО «Альфа Софт»', phone: '+7 (495) 765-43-21', email: 'office@alfa-soft.test' });
});

test('the test clock moves /me today and the entitlement\'s day alike', async () => {
  const before_ = await clock();
  const c = await newClient(ctx, P, 'ООО Василёк');
  const r = await ctx.s.fetch('/api/v1/test/clock', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: 3 * 86400 }) });
  assert.equal(r.status, 200);
  // three days on, the sessions of before have expired: sign in again
  const again = new Client(ctx.s);
  assert.equal((await again.login(c.email, 'a-good-password-1')).status, 200);
  const me = await again.get('/api/v1/me');
  assert.equal(me.body.today, addDays(before_.date, 3));
  assert.equal((await ent(again, c.id)).date, me.body.today);
  assert.equal((await ent(again, c.id)).through, addDays(before_.date, 29), 'the trial still ends where it did');
});
