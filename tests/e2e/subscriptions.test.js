// Subscriptions (R-SUB-0..8) and the discount shown when posting (R-BIL-2):
// the trial a subscriber gets at creation, each kind's posting rules and
// their refusals, the entitlement at a date (R-SUB-7), the scoped list
// (R-SUB-8), and a client's life driven by the test clock (issue 4 item 8).
// The time-travel story is the last test: the clock only goes forward.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from './lib/session.js';
import { setup, newPartner, activate, audits, uniqueEmail } from './lib/accounts.js';
import { expect } from './lib/expect.js';

let ctx;
let today;
let A;   // a partner with csk
let B;   // a partner without csk
const PW = 'a-good-password-1';

const INFO = {
  legal_name: 'ООО Ромашка', inn: '7707083893', kpp: '770701001', contact_person: 'Иван',
  phone: '+7 495 111-11-11', email: 'buh@romashka.test', region: 'Москва', leave_reason: null, leave_comment: '',
};

const addDays = (d, n) => new Date(Date.parse(`${d}T00:00:00Z`) + n * 86400000).toISOString().slice(0, 10);

async function clock(body) {
  const r = await ctx.s.fetch('/api/v1/test/clock', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  const c = await r.json();
  assert.equal(r.status, 200, JSON.stringify(c));
  return c;
}

async function signIn(email, password = PW) {
  const c = new Client(ctx.s);
  const r = await c.login(email, password);
  assert.equal(r.status, 200, `${email}: ${JSON.stringify(r.body)}`);
  return c;
}

/** A client of partner p with its owner signed in; info filled when asked. */
async function newClient(p, { info = true } = {}) {
  const email = uniqueEmail('client');
  const r = await p.owner.post('/api/v1/subscribers', { name: 'ООО Клиент', owner_email: email });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  if (info) {
    const i = await p.owner.put(`/api/v1/subscribers/${r.body.id}/info`, INFO);
    assert.equal(i.status, 200, JSON.stringify(i.body));
  }
  return { id: r.body.id, email, owner: await activate(ctx.s, ctx.db, email) };
}

async function subsOf(client, sub) {
  const r = await client.get(`/api/v1/subscriptions?subscriber=${sub}&limit=500`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.items;
}

async function ent(client, sub, at) {
  const r = await client.get(`/api/v1/subscribers/${sub}/entitlement${at ? `?at=${at}` : ''}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

before(async () => {
  ctx = await setup('subscriptions');
  today = (await (await ctx.s.fetch('/api/v1/test/clock')).json()).date;
  A = await newPartner(ctx);
  const st = await ctx.admin.post(`/api/v1/partners/${A.id}/statuses`, { status: 'csk', valid_from: today });
  assert.equal(st.status, 201, JSON.stringify(st.body));
  B = await newPartner(ctx);
});

after(async () => { assert.equal(await ctx.s.stop(), 0); });

test('R-SUB-1a creating a subscriber starts its TRIAL-30 at once; a partner own account gets PARTNER-OWN', async () => {
  const c = await newClient(A, { info: false });
  const items = await subsOf(A.owner, c.id);
  assert.equal(items.length, 1);
  const t = items[0];
  assert.equal(t.kind, 'trial');
  assert.equal(t.tariff.code, 'TRIAL-30');
  assert.equal(t.start, today);
  assert.equal(t.end, addDays(today, 30));
  assert.equal(t.through, addDays(today, 29), 'R-SUB-0: shown as access through L = end − 1');
  assert.equal(t.amount_due, 0);
  // The client sees its own, the same row.
  assert.deepEqual((await subsOf(c.owner, c.id)).map((x) => x.id), [t.id]);
  const e = await ent(c.owner, c.id);
  assert.equal(e.blocked, false);
  assert.equal(e.sessions, 5);
  assert.equal(e.services, 'prof');
  assert.deepEqual(e.in_force, [t.id]);
  // A partner's own account.
  const p = await A.owner.get(`/api/v1/partners/${A.id}`);
  const own = await subsOf(A.owner, p.body.own_subscriber.id);
  assert.equal(own.length, 1);
  assert.equal(own[0].tariff.code, 'PARTNER-OWN');
  assert.equal(own[0].kind, 'main');
  assert.ok(own[0].end > addDays(today, 365 * 99), own[0].end);
  assert.ok(audits(ctx.db, 'subscription.posted').some((a) => Number(a[1]) === t.id));
});

test('R-SUB-1a partners cannot post or change trials; the provider changes the end with a reason', async () => {
  const c = await newClient(A, { info: false });
  const [t] = await subsOf(A.owner, c.id);
  expect(await A.owner.post('/api/v1/subscriptions', { subscriber: c.id, kind: 'trial', tariff: 'TRIAL-30', reason: 'x' }),
    403, 'forbidden');
  expect(await A.owner.patch(`/api/v1/subscriptions/${t.id}`, { end: addDays(today, 40), reason: 'x' }), 403, 'forbidden');
  expect(await ctx.admin.post('/api/v1/subscriptions', { subscriber: c.id, kind: 'trial', tariff: 'TRIAL-30', reason: 'again' }),
    409, 'conflict');
  expect(await ctx.admin.patch(`/api/v1/subscriptions/${t.id}`, { end: addDays(today, 40) }), 400, 'invalid', 'reason');
  const r = await ctx.admin.patch(`/api/v1/subscriptions/${t.id}`, { end: addDays(today, 40), reason: 'a long evaluation' });
  expect(r, 200);
  assert.equal(r.body.end, addDays(today, 40));
  assert.equal(r.body.reason, 'a long evaluation');
  const a = audits(ctx.db, 'subscription.trial_changed').find((x) => Number(x[1]) === t.id);
  assert.match(a[2], /reason: a long evaluation/);
});

test('R-SUB-1 a main: complete information first, allowed terms, a quote, the snapshot and the discount', async () => {
  const c = await newClient(A, { info: false });
  const body = { subscriber: c.id, kind: 'main', tariff: 'ITSaaS-PROF', term_months: 12, declarations: { new_client: true } };
  expect(await A.owner.post('/api/v1/subscriptions', body), 400, 'invalid', 'subscriber');
  expect(await A.owner.put(`/api/v1/subscribers/${c.id}/info`, INFO), 200);
  expect(await A.owner.post('/api/v1/subscriptions', { ...body, term_months: 2 }), 400, 'invalid', 'term_months');
  expect(await A.owner.post('/api/v1/subscriptions', { ...body, kind: 'monthly' }), 400, 'invalid', 'kind');
  expect(await A.owner.post('/api/v1/subscriptions', { ...body, tariff: 'NO-SUCH' }), 400, 'invalid', 'tariff');
  expect(await A.owner.post('/api/v1/subscriptions', { ...body, colour: 'red' }), 400, 'invalid', 'colour');
  expect(await c.owner.post('/api/v1/subscriptions', body), 403, 'forbidden');
  // R-CAT-4: ERP needs the erp_cc status, which A does not hold.
  expect(await A.owner.post('/api/v1/subscriptions', { ...body, tariff: 'ERP-PILOT', term_months: 1 }), 403, 'forbidden');
  const q = await A.owner.post('/api/v1/subscriptions/quote', body);
  expect(q, 200);
  assert.equal(q.body.price, 247200 * 12);
  assert.deepEqual(q.body.discount, { pct: 65, rule: 'new_client' });
  assert.equal(q.body.amount_due, Math.round(247200 * 12 * 0.35));
  assert.equal(q.body.posted_at, null);
  assert.equal((await subsOf(A.owner, c.id)).length, 1, 'a quote posts nothing');
  const r = await A.owner.post('/api/v1/subscriptions', body);
  expect(r, 201);
  assert.equal(r.body.start, today);
  assert.equal(r.body.term_months, 12);
  assert.equal(r.body.amount_due, q.body.amount_due);
  assert.deepEqual(r.body.declarations, { new_client: true, from_local_its: false });
  assert.equal(r.body.subscriber.id, c.id);
  // The trial stops counting: the main's sessions only.
  const e = await ent(c.owner, c.id);
  assert.deepEqual(e.in_force, [r.body.id]);
  // Two mains of the same tariff never overlap; the default start is the end (a renewal).
  expect(await A.owner.post('/api/v1/subscriptions', { ...body, start: today }), 409, 'conflict', 'start');
  const ren = await A.owner.post('/api/v1/subscriptions/quote', { ...body, term_months: 1 });
  expect(ren, 200);
  assert.equal(ren.body.start, r.body.end);
  assert.deepEqual(ren.body.discount, { pct: 60, rule: 'first_continuous_renewal' });
  // The version is stored: the tariff is now in use.
  const tariffs = (await ctx.admin.get('/api/v1/tariffs?limit=500')).body.items;
  assert.equal(tariffs.find((t) => t.code === 'ITSaaS-PROF' && t.partner === null).version.in_use, true);
});

test('R-BIL-2 a partner without csk gets 20%; a partner tariff keeps its own retail beside the standard price', async () => {
  const c = await newClient(B);
  const pt = await B.owner.post('/api/v1/partner-tariffs', {
    base: 'ITSaaS-PROF', code: 'B-PROF', name_ru: 'Свой ПРОФ', prices: [{ term: 1, amount: 300000 }],
  });
  expect(pt, 201);
  const r = await B.owner.post('/api/v1/subscriptions', { subscriber: c.id, kind: 'main', tariff: 'B-PROF', term_months: 1 });
  expect(r, 201);
  assert.equal(r.body.tariff.code, 'B-PROF');
  assert.equal(r.body.price, 247200);
  assert.equal(r.body.partner_price, 300000);
  assert.deepEqual(r.body.discount, { pct: 20, rule: 'partner_without_csk' });
  assert.equal(r.body.amount_due, 197760);
  // A cannot post for B's client, nor use B's tariff.
  expect(await A.owner.post('/api/v1/subscriptions', { subscriber: c.id, kind: 'main', tariff: 'ITSaaS-PROF', term_months: 1 }), 404);
});

// Issue 9 item 18. The guide: "65% от розничных цен получают партнеры 1С:ЦСК за нового платного
// клиента ... 60% ... за первое непрерывное продление нового клиента". A free month is no payment,
// and CRM or Kassa are no renewal of ITS: the chain is the client's paid mains (price > 0) of the
// ITS family (PROF, SPEC, BASIC and partner tariffs on them).
test('R-BIL-2 a free CRM-START month and a Kassa main before the first PROF month are no paid predecessors: 65%', async () => {
  const c = await newClient(A);
  const kassa = await A.owner.post('/api/v1/subscriptions', { subscriber: c.id, kind: 'main', tariff: 'KASSA', term_months: 3 });
  expect(kassa, 201);
  const crm = await A.owner.post('/api/v1/subscriptions', { subscriber: c.id, kind: 'main', tariff: 'CRM-START', term_months: 1 });
  expect(crm, 201);
  assert.equal(crm.body.price, 0, 'CRM-START is free');
  const body = { subscriber: c.id, kind: 'main', tariff: 'ITSaaS-PROF', term_months: 1, start: crm.body.end, declarations: { new_client: true } };
  const prof = await A.owner.post('/api/v1/subscriptions', body);
  expect(prof, 201);
  assert.deepEqual(prof.body.discount, { pct: 65, rule: 'new_client' }, 'the first paid subscription of a new client');
  assert.equal(prof.body.amount_due, Math.round(247200 * (100 - 65) / 100));
  // The chain then runs on: PROF's continuous renewal is the first one (60%) ...
  const ren = await A.owner.post('/api/v1/subscriptions/quote', { subscriber: c.id, kind: 'main', tariff: 'ITSaaS-PROF', term_months: 1 });
  expect(ren, 200);
  assert.equal(ren.body.start, prof.body.end);
  assert.deepEqual(ren.body.discount, { pct: 60, rule: 'first_continuous_renewal' });
  // ... and so is a BASIC main from PROF's end: one ITS family, one chain.
  const basic = await A.owner.post('/api/v1/subscriptions/quote', { subscriber: c.id, kind: 'main', tariff: 'ITSaaS-BASIC', term_months: 1, start: prof.body.end });
  expect(basic, 200);
  assert.deepEqual(basic.body.discount, { pct: 60, rule: 'first_continuous_renewal' });
});

// Issue 11 item 3: the subscriber is shown the retail price of its tariff, never what its
// partner pays (the discount, the amount due): not in its subscriptions, one or listed or
// exported, nor in its audit log. The serving partner still sees them all.
test('issue 11 the subscriber never sees its partner\'s discount or amount due; the partner does', async () => {
  const c = await newClient(A);
  const body = { subscriber: c.id, kind: 'main', tariff: 'ITSaaS-PROF', term_months: 12, declarations: { new_client: true } };
  const r = await A.owner.post('/api/v1/subscriptions', body);
  expect(r, 201);
  assert.deepEqual(r.body.discount, { pct: 65, rule: 'new_client' });
  const due = Math.round(247200 * 12 * 0.35);
  assert.equal(r.body.amount_due, due);
  // A change the provider applies names the subscription before and after in its audit record.
  const req = await A.owner.post('/api/v1/requests', { kind: 'subscription_change', subscription: r.body.id, changes: { term_months: 1 }, reason: 'the client asked' });
  expect(req, 201);
  expect(await ctx.admin.post(`/api/v1/requests/${req.body.id}/decision`, { decision: 'apply', note: '' }), 200);
  const dueNew = Math.round(247200 * 1 * 0.35);
  const secrets = ['discount', 'amount_due', '65%', '(new_client)'];
  for (const d of [due, dueNew]) secrets.push(String(d), (d / 100).toFixed(2));
  const texts = async (who) => {
    const out = {};
    for (const [k, path] of Object.entries({
      list: `/api/v1/subscriptions?subscriber=${c.id}`,
      one: `/api/v1/subscriptions/${r.body.id}`,
      csv: `/api/v1/subscriptions?subscriber=${c.id}&format=csv`,
      audit: `/api/v1/subscribers/${c.id}/audit`,
      audit_csv: `/api/v1/subscribers/${c.id}/audit?format=csv`,
    })) {
      const x = await who.get(path);
      assert.equal(x.status, 200, `${k}: ${JSON.stringify(x.body)}`);
      out[k] = typeof x.body === 'string' ? x.body : JSON.stringify(x.body);
    }
    return out;
  };
  const mine = await texts(c.owner);
  for (const [k, text] of Object.entries(mine))
    for (const w of secrets) assert.ok(!text.includes(w), `the subscriber's ${k} shows ${w}: ${text}`);
  // The same through the owner's API token (a token is never stronger than its login), and for
  // an administrator; once removed, the administrator reads nothing of the subscriber at all.
  const tok = await c.owner.post('/api/v1/tokens', { account: c.id, roles: 'owner', name: 'обмен' });
  expect(tok, 201);
  const byToken = {
    get: async (path) => {
      const res = await ctx.s.fetch(path, { headers: { authorization: `Bearer ${tok.body.token}` } });
      const type = res.headers.get('content-type') || '';
      return { status: res.status, body: type.includes('json') ? await res.json() : await res.text() };
    },
  };
  const adminEmail = uniqueEmail('admin');
  const added = await c.owner.post(`/api/v1/subscribers/${c.id}/users`, { email: adminEmail, roles: ['administrator'] });
  assert.ok(added.status === 201 || added.status === 202, JSON.stringify(added.body));
  const admin = await activate(ctx.s, ctx.db, adminEmail);
  for (const [who, client] of [['token', byToken], ['administrator', admin]]) {
    for (const [k, text] of Object.entries(await texts(client)))
      for (const w of secrets) assert.ok(!text.includes(w), `the subscriber's ${k} through its ${who} shows ${w}: ${text}`);
  }
  const person = (await admin.get('/api/v1/me')).body.id;
  expect(await c.owner.del(`/api/v1/subscribers/${c.id}/users/${person}`), 204);
  for (const path of [`/api/v1/subscriptions/${r.body.id}`, `/api/v1/subscribers/${c.id}/audit`]) {
    const gone = await admin.get(path);
    assert.ok(gone.status === 403 || gone.status === 404, `a removed administrator reads ${path}: ${gone.status}`);
  }
  // The retail price stays, and the audit record of the posting is still there.
  const one = JSON.parse(mine.one);
  assert.equal(one.price, 247200 * 1);
  assert.equal(one.quantity, 1);
  const acts = JSON.parse(mine.audit).items;
  assert.ok(acts.some((x) => x.action === 'subscription.posted' && x.summary.includes(`price ${247200 * 12}`)), mine.audit);
  assert.ok(acts.some((x) => x.action === 'subscription.changed' && x.summary.includes(`price ${247200 * 12} → `) && x.summary.includes(`price ${247200 * 1}; reason`)), mine.audit);
  assert.ok(mine.csv.includes(String(247200 * 1)), mine.csv);
  const xlsx = await c.owner.get(`/api/v1/subscriptions?subscriber=${c.id}&format=xlsx`);
  assert.equal(xlsx.status, 200);
  const theirs = await texts(A.owner);
  for (const k of ['list', 'one', 'csv', 'audit', 'audit_csv'])
    assert.ok(theirs[k].includes(String(dueNew)), `the partner's ${k} shows the amount due: ${theirs[k]}`);
  assert.ok(theirs.audit.includes(`due ${due} → `), theirs.audit);
  assert.ok(theirs.audit.includes('65% (new_client)'), theirs.audit);
  assert.deepEqual(JSON.parse(theirs.one).discount, { pct: 65, rule: 'new_client' });
  // The sentence's params: the tariff by its names, the retail price; the discount for the partner only.
  const posted = (list) => list.find((x) => x.action === 'subscription.posted' && x.object.id === String(r.body.id));
  const own = posted(acts).params;
  assert.equal(own.tariff.name_ru, '1С:ИТС ПРОФ в облаке');
  assert.equal(own.price, 247200 * 12);
  assert.equal(own.subscriber, 'ООО Клиент');
  for (const k of ['discount_pct', 'discount_rule', 'amount_due']) assert.ok(!(k in own), `${k} in ${JSON.stringify(own)}`);
  const changed = acts.find((x) => x.action === 'subscription.changed').params;
  assert.equal(changed.before.price, 247200 * 12);
  assert.ok(!JSON.stringify(changed).includes('discount') && !JSON.stringify(changed).includes('amount_due'), JSON.stringify(changed));
  const partnerPosted = posted(JSON.parse(theirs.audit).items).params;
  assert.equal(partnerPosted.discount_pct, 65);
  assert.equal(partnerPosted.discount_rule, 'new_client');
  assert.equal(partnerPosted.amount_due, due);
  // A search is matched against what each is shown: the client's finds nothing by the discount.
  for (const q of ['65%', '65% (new_client)', 'new_client', `due ${due}`]) {
    const found = await c.owner.get(`/api/v1/subscribers/${c.id}/audit?q=${encodeURIComponent(q)}`);
    expect(found, 200);
    assert.deepEqual(found.body.items, [], `the client's search for ${q}: ${JSON.stringify(found.body)}`);
    const exported = await c.owner.get(`/api/v1/subscribers/${c.id}/audit?format=csv&q=${encodeURIComponent(q)}`);
    assert.equal(exported.body.replace(/^\uFEFF/, '').trim().split(/\r?\n/).length, 1, exported.body);
  }
  const theirsFound = await A.owner.get(`/api/v1/subscribers/${c.id}/audit?q=${encodeURIComponent('65%')}`);
  assert.ok(theirsFound.body.items.length >= 2, JSON.stringify(theirsFound.body));
  // What the client may search still pages: a page of one has a next.
  const page = await c.owner.get(`/api/v1/subscribers/${c.id}/audit?q=price&limit=1`);
  assert.equal(page.body.items.length, 1);
  assert.ok(page.body.next, JSON.stringify(page.body));
});

// R-SUB-1a stops the trial on "the first day a paid main is in force"; the guide's KASSA
// ("пользователи могут работать бесплатно") and CRM-START ("бесплатный тариф") are free mains.
test('R-SUB-1a a free KASSA or CRM-START main posted during the trial does not end it; R-SUB-4 needs a paid main', async () => {
  const c = await newClient(A);
  const trial = await ent(c.owner, c.id);
  assert.equal(trial.sessions, 5);
  expect(await A.owner.post('/api/v1/subscriptions', { subscriber: c.id, kind: 'main', tariff: 'KASSA', term_months: 1 }), 201);
  expect(await A.owner.post('/api/v1/subscriptions', { subscriber: c.id, kind: 'main', tariff: 'CRM-START', term_months: 1 }), 201);
  const e = await ent(c.owner, c.id);
  assert.equal(e.sessions, 5 + 2 + 5, 'the trial goes on beside the free mains');
  for (const app of ['accounting', 'small_business', 'kassa', 'crm']) assert.ok(e.applications.includes(app), `${app} in ${e.applications}`);
  // a short extension is for a client on a paid main: free ones do not open it
  expect(await c.owner.post('/api/v1/subscriptions', { subscriber: c.id, kind: 'short_extension' }), 409, 'conflict');
  // the first paid main ends the trial
  expect(await A.owner.post('/api/v1/subscriptions', { subscriber: c.id, kind: 'main', tariff: 'ITSaaS-BASIC', term_months: 1 }), 201);
  assert.equal((await ent(c.owner, c.id)).sessions, 2 + 2 + 5);
});

// Issue 9 item 17. The guide: "бесплатный тариф «Стартовый» (1 информационная база, 5 сеансов,
// до 6 мес)". Six months in all per subscriber, not per term.
test('R-CAT-2 CRM-START at most 6 months in all: a posting beyond is refused, naming the cap and the months used', async () => {
  const c = await newClient(A);
  const crm = (term, extra = {}) => ({ subscriber: c.id, kind: 'main', tariff: 'CRM-START', term_months: term, ...extra });
  const first = await A.owner.post('/api/v1/subscriptions', crm(3));
  expect(first, 201);
  expect(await A.owner.post('/api/v1/subscriptions', crm(1)), 201);       // 4 of 6
  let r = await A.owner.post('/api/v1/subscriptions/quote', crm(3));
  expect(r, 409, 'conflict', 'term_months');
  assert.match(r.body.detail, /CRM-START allows at most 6 months in all; 4 used/);
  expect(await A.owner.post('/api/v1/subscriptions', crm(1)), 201);       // 5 of 6
  const last = await A.owner.post('/api/v1/subscriptions', crm(1));       // 6 of 6
  expect(last, 201);
  // the bug: a 1-month renewal after six months, and so on without end
  r = await A.owner.post('/api/v1/subscriptions', crm(1));
  expect(r, 409, 'conflict', 'term_months');
  assert.match(r.body.detail, /CRM-START allows at most 6 months in all; 6 used/);
  // a later start, after a gap, is the same subscriber's months
  r = await A.owner.post('/api/v1/subscriptions', crm(1, { start: addDays(last.body.end, 40) }));
  expect(r, 409, 'conflict', 'term_months');
  // a partner tariff on CRM-START counts as CRM-START
  const pt = await A.owner.post('/api/v1/partner-tariffs', {
    base: 'CRM-START', code: `A-CRM-${c.id}`, name_ru: 'Свой CRM', prices: [{ term: 1, amount: 0 }],
  });
  expect(pt, 201);
  expect(await A.owner.post('/api/v1/subscriptions', crm(1, { tariff: `A-CRM-${c.id}` })), 409, 'conflict', 'term_months');
  // a cancelled month is given back: the provider cancels the first term (3 months)
  const req = await A.owner.post('/api/v1/requests', { kind: 'subscription_cancel', subscription: first.body.id, reason: 'posted by mistake' });
  expect(req, 201);
  expect(await ctx.admin.post(`/api/v1/requests/${req.body.id}/decision`, { decision: 'apply', note: '' }), 200);
  expect(await A.owner.post('/api/v1/subscriptions/quote', crm(3, { start: last.body.end })), 200);
  // a change request re-plans the row without itself: the last month → 6 is 2 + 6 > 6, → 3 is 2 + 3
  r = await A.owner.post('/api/v1/requests', { kind: 'subscription_change', subscription: last.body.id, changes: { term_months: 6 }, reason: 'longer' });
  expect(r, 409, 'conflict', 'term_months');
  assert.match(r.body.detail, /2 used/);
  expect(await A.owner.post('/api/v1/requests', { kind: 'subscription_change', subscription: last.body.id, changes: { term_months: 3 }, reason: 'longer' }), 201);
});

test('R-CAT-2 CRM-START: parallel postings for one client cannot pass the 6 months together', async () => {
  const c = await newClient(A);
  expect(await A.owner.post('/api/v1/subscriptions', { subscriber: c.id, kind: 'main', tariff: 'CRM-START', term_months: 3 }), 201);
  // 30 at once: with fewer, PostgreSQL rarely ran two of them side by side
  const starts = Array.from({ length: 30 }, (_, i) => addDays(today, 100 + 40 * i));
  const rs = await Promise.all(starts.map((start) => A.owner.post('/api/v1/subscriptions',
    { subscriber: c.id, kind: 'main', tariff: 'CRM-START', term_months: 1, start })));
  assert.equal(rs.filter((r) => r.status === 201).length, 3, rs.map((r) => `${r.status} ${r.body.detail ?? ''}`).join('; '));
  for (const r of rs.filter((x) => x.status !== 201)) expect(r, 409, 'conflict', 'term_months');
  const months = (await subsOf(A.owner, c.id)).filter((x) => x.tariff.code === 'CRM-START').reduce((n, x) => n + x.term_months, 0);
  assert.equal(months, 6);
});

test('R-SUB-3/4/5 extension, short extension, deferred renewal: who, when, once', async () => {
  const c = await newClient(A);
  // No paid main yet: no short extension.
  expect(await c.owner.post('/api/v1/subscriptions', { subscriber: c.id, kind: 'short_extension' }), 409, 'conflict');
  const m = await A.owner.post('/api/v1/subscriptions', { subscriber: c.id, kind: 'main', tariff: 'ITSaaS-PROF', term_months: 1 });
  expect(m, 201);
  assert.deepEqual(m.body.discount, { pct: 50, rule: 'first_paid_not_new_client' });
  const x = await A.owner.post('/api/v1/subscriptions', { subscriber: c.id, kind: 'extension', tariff: 'SESSIONS+1', quantity: 2 });
  expect(x, 201);
  assert.equal(x.body.start, m.body.start);
  assert.equal(x.body.end, m.body.end);
  assert.equal(x.body.main, m.body.id);
  expect(await c.owner.post('/api/v1/subscriptions', { subscriber: c.id, kind: 'extension', tariff: 'SESSIONS+1' }), 403, 'forbidden');
  expect(await A.owner.post('/api/v1/subscriptions', { subscriber: c.id, kind: 'short_extension' }), 403, 'forbidden');
  const s = await c.owner.post('/api/v1/subscriptions', { subscriber: c.id, kind: 'short_extension' });
  expect(s, 201);
  assert.equal(s.body.tariff.code, 'SESSIONS-2x14');
  assert.equal(s.body.end, addDays(today, 14));
  expect(await c.owner.post('/api/v1/subscriptions', { subscriber: c.id, kind: 'short_extension' }), 409, 'conflict');
  const e = await ent(c.owner, c.id);
  assert.equal(e.sessions, 5 + 2 + 2);
  assert.equal((await ent(c.owner, c.id, addDays(today, 14))).sessions, 5 + 2);
  // Too early to defer: the main runs for a month.
  const d = await c.owner.post('/api/v1/subscriptions', { subscriber: c.id, kind: 'deferred_renewal' });
  expect(d, 409, 'conflict');
  assert.equal(d.body.reason, 'deferred_renewal.too_early', JSON.stringify(d.body));
});

test('R-SUB-6 its_local only against a contract held with the serving partner, clipped to it, 0 due', async () => {
  const c = await newClient(A);
  expect(await A.owner.post('/api/v1/subscriptions', { subscriber: c.id, kind: 'its_local' }), 400, 'invalid', 'its_contract');
  const other = await ctx.admin.post('/api/v1/its-contracts', {
    number: `ITS-B-${c.id}`, level: 'PROF', partner: B.id, subscriber: c.id, valid_from: today, valid_to: addDays(today, 100),
  });
  expect(other, 201);
  expect(await A.owner.post('/api/v1/subscriptions', { subscriber: c.id, kind: 'its_local' }), 400, 'invalid', 'its_contract');
  const c2 = await newClient(A);
  const its = await ctx.admin.post('/api/v1/its-contracts', {
    number: `ITS-A-${c2.id}`, level: 'TEHNO', partner: A.id, subscriber: c2.id, valid_from: today, valid_to: addDays(today, 90),
  });
  expect(its, 201);
  const r = await A.owner.post('/api/v1/subscriptions', { subscriber: c2.id, kind: 'its_local' });
  expect(r, 201);
  assert.equal(r.body.tariff.code, 'ITSaaS-BASIC');
  assert.equal(r.body.start, today);
  assert.equal(r.body.end, addDays(today, 90));
  assert.equal(r.body.amount_due, 0);
  const e = await ent(c2.owner, c2.id);
  assert.equal(e.services, 'basic');
  assert.equal(e.choose, 1);
});

test('R-SUB-8 the list: scoped, filtered and sorted by end, paged by cursor, exported', async () => {
  const c = await newClient(A);
  for (const term of [1, 3]) {
    const tariff = term === 1 ? 'ITSaaS-PROF' : 'ITSaaS-BASIC';
    expect(await A.owner.post('/api/v1/subscriptions', { subscriber: c.id, kind: 'main', tariff, term_months: term }), 201);
  }
  const all = await subsOf(A.owner, c.id);
  assert.equal(all.length, 3);
  const asc = await A.owner.get(`/api/v1/subscriptions?subscriber=${c.id}&sort=end&limit=1`);
  expect(asc, 200);
  assert.equal(asc.body.items.length, 1);
  const ends = [asc.body.items[0].end];
  let next = asc.body.next;
  while (next) {
    const p = await A.owner.get(next);
    expect(p, 200);
    ends.push(...p.body.items.map((i) => i.end));
    next = p.body.next;
  }
  assert.deepEqual(ends, [...all.map((i) => i.end)].sort());
  const desc = await A.owner.get(`/api/v1/subscriptions?subscriber=${c.id}&sort=-end`);
  assert.deepEqual(desc.body.items.map((i) => i.end), [...ends].reverse());
  const f = await A.owner.get(`/api/v1/subscriptions?subscriber=${c.id}&end_from=${addDays(today, 45)}`);
  assert.deepEqual(f.body.items.map((i) => i.tariff.code), ['ITSaaS-BASIC']);
  expect(await A.owner.get('/api/v1/subscriptions?sort=start'), 400, 'invalid', 'sort');
  expect(await A.owner.get('/api/v1/subscriptions?end_from=tomorrow'), 400, 'invalid', 'end_from');
  const served = await A.owner.get(`/api/v1/subscriptions?partner=${A.id}&limit=500`);
  assert.ok(served.body.items.every((i) => i.subscriber.id !== undefined));
  assert.equal((await B.owner.get(`/api/v1/subscriptions?subscriber=${c.id}`)).body.items.length, 0);
  const csv = await A.owner.get(`/api/v1/subscriptions?subscriber=${c.id}&format=csv`);
  expect(csv, 200);
  assert.equal(csv.body.replace(/^\uFEFF/, '').trim().split('\r\n').length, 4);
  expect(await c.owner.get(`/api/v1/subscriptions/${all[0].id}`), 200);
  expect(await B.owner.get(`/api/v1/subscriptions/${all[0].id}`), 404, 'not_found');
});

// Issue 4 item 8: a client's life on the test clock, from 23:30 Moscow time.
test('time travel: trial → blocked at 00:00 on end → deferral once → paid main at its start → short extension for 14 days → Jan 31 and a leap February → a gap gets 50%', async () => {
  await clock({ now: '2031-12-01T23:30:00+03:00' });
  const admin = await signIn(ctx.env.email, ctx.env.password);
  const P = await newPartner({ ...ctx, admin });
  expect(await admin.post(`/api/v1/partners/${P.id}/statuses`, { status: 'csk', valid_from: '2031-12-01' }), 201);
  const c = await newClient(P);
  const [trial] = await subsOf(P.owner, c.id);
  assert.equal(trial.start, '2031-12-01');
  assert.equal(trial.through, '2031-12-30');

  // 23:59 on the last day: still in; one minute later (00:00 on end) blocked, nothing deleted.
  await clock({ now: '2031-12-30T23:59:00+03:00' });
  let owner = await signIn(c.email);
  assert.equal((await ent(owner, c.id)).blocked, false);
  await clock({ advance: 60 });
  owner = await signIn(c.email);
  let e = await ent(owner, c.id);
  assert.equal(e.date, '2031-12-31');
  assert.equal(e.blocked, true);
  assert.ok(e.reason);
  assert.equal((await subsOf(owner, c.id)).length, 1, 'nothing is deleted on expiry');

  // The client defers: 7 days from end; not a second time.
  const d = await owner.post('/api/v1/subscriptions', { subscriber: c.id, kind: 'deferred_renewal' });
  expect(d, 201);
  assert.equal(d.body.start, '2031-12-31');
  assert.equal(d.body.end, '2032-01-07');
  assert.equal((await ent(owner, c.id)).blocked, false);
  expect(await owner.post('/api/v1/subscriptions', { subscriber: c.id, kind: 'deferred_renewal' }), 409, 'conflict');

  // Three days later the partner posts the paid main: it starts at the deferral's start.
  await clock({ now: '2032-01-03T10:00:00+03:00' });
  const po = await signIn(P.email);
  const m1 = await po.post('/api/v1/subscriptions', {
    subscriber: c.id, kind: 'main', tariff: 'ITSaaS-PROF', term_months: 1, declarations: { new_client: true },
  });
  expect(m1, 201);
  assert.equal(m1.body.start, '2031-12-31');
  assert.equal(m1.body.end, '2032-01-31');
  assert.deepEqual(m1.body.discount, { pct: 65, rule: 'new_client' });
  owner = await signIn(c.email);
  e = await ent(owner, c.id);
  assert.equal(e.sessions, 5, 'the deferral is replaced by the main, not added to it');
  assert.deepEqual(e.in_force, [m1.body.id]);

  // A short extension raises the limit for exactly 14 days.
  const s = await owner.post('/api/v1/subscriptions', { subscriber: c.id, kind: 'short_extension' });
  expect(s, 201);
  assert.equal(s.body.start, '2032-01-03');
  assert.equal(s.body.end, '2032-01-17');
  assert.equal((await ent(owner, c.id, '2032-01-16')).sessions, 7);
  assert.equal((await ent(owner, c.id, '2032-01-17')).sessions, 5);

  // The renewal across Jan 31: Jan 31 + 1 month = Mar 1, covering all of leap February.
  const m2 = await po.post('/api/v1/subscriptions', { subscriber: c.id, kind: 'main', tariff: 'ITSaaS-PROF', term_months: 1 });
  expect(m2, 201);
  assert.equal(m2.body.start, '2032-01-31');
  assert.equal(m2.body.end, '2032-03-01');
  assert.equal(m2.body.through, '2032-02-29');
  assert.deepEqual(m2.body.discount, { pct: 60, rule: 'first_continuous_renewal' });
  assert.equal((await ent(owner, c.id, '2032-02-29')).blocked, false);
  assert.equal((await ent(owner, c.id, '2032-03-01')).blocked, true);

  // After a gap, the renewal is judged a later one: 50%.
  await clock({ now: '2032-03-05T09:00:00+03:00' });
  const po2 = await signIn(P.email);
  const m3 = await po2.post('/api/v1/subscriptions', { subscriber: c.id, kind: 'main', tariff: 'ITSaaS-PROF', term_months: 1 });
  expect(m3, 201);
  assert.equal(m3.body.start, '2032-03-05');
  assert.deepEqual(m3.body.discount, { pct: 50, rule: 'renewal_after_gap' });
});
