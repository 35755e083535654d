// Isolation between tenants, driven by the router's own table: every route
// declares how it is tried across tenants (its tenancy class), and this test
// tries each one with the people of two look-alike partners and two
// subscribers. Another tenant's object must be 404 (never 403, never data);
// lists and exports must hold none of the other tenant's rows. A route whose
// class is unknown here, or a route of a class that needs a probe but has
// none, fails the test, so a new route cannot be forgotten.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { runCli } from './lib/server.js';
import { withBackend, readyArea } from './lib/areas.js';
import { setup, newPartner, newUser, uniqueEmail, activate } from './lib/accounts.js';
import { raw, query } from './lib/db.js';

let providerPage; // the provider's own registration page (R-ONB-7)
let ctx;
const w = {};   // the world: two of everything
let backend;    // the reference application backend

before(async () => {
  ctx = await setup('isolation');
  backend = await withBackend(ctx);
  const today = (await (await ctx.s.fetch('/api/v1/test/clock')).json()).date;
  // R-TRF-1: a third partner whose clients each side asks to take over
  const third = await newPartner(ctx, { name: 'Третий' });
  for (const side of ['A', 'B']) {
    // Look-alike partners: same name and region, different INN.
    const p = await newPartner(ctx, { name: 'Альфа Софт', region: 'Москва' });
    const st = await ctx.admin.post(`/api/v1/partners/${p.id}/statuses`, { status: 'csk', valid_from: today });
    assert.equal(st.status, 201, JSON.stringify(st.body));
    const ownerEmail = uniqueEmail(`owner${side.toLowerCase()}`);
    const sub = await p.owner.post('/api/v1/subscribers', { name: 'ООО Ромашка', owner_email: ownerEmail });
    assert.equal(sub.status, 201, JSON.stringify(sub.body));
    const subOwner = await activate(ctx.s, ctx.db, ownerEmail);
    const tok = await p.owner.post('/api/v1/tokens', { account: p.id, roles: 'owner', name: `token ${side}` });
    assert.equal(tok.status, 201);
    const req = await p.owner.post('/api/v1/requests', {
      kind: 'requisites', partner: p.id, changes: { phone: '+7 495 000-00-00' }, reason: 'new phone',
    });
    assert.equal(req.status, 201, JSON.stringify(req.body));
    // R-BIL-1: the partner settles through a distributor of its own, which it may read
    const dist = await ctx.admin.post('/api/v1/distributors', { name: `Дистрибьютор ${side}`, inn: side === 'A' ? '7707083893' : '7736050003', email: uniqueEmail(`dist${side.toLowerCase()}`) });
    assert.equal(dist.status, 201, JSON.stringify(dist.body));
    const payer = await p.owner.post('/api/v1/requests', { kind: 'requisites', partner: p.id, changes: { settle_with: 'distributor', distributor: dist.body.id }, reason: 'payer' });
    assert.equal((await ctx.admin.post(`/api/v1/requests/${payer.body.id}/decision`, { decision: 'apply' })).status, 200);
    const user = await newUser(ctx, subOwner, sub.body.id, { email: uniqueEmail(`user${side.toLowerCase()}`), roles: ['user'] });
    // A pending invitation of each kind: to the partner, and to the subscriber.
    const invite = await p.owner.post(`/api/v1/partners/${p.id}/employees`, { email: uniqueEmail(`inv${side.toLowerCase()}`), roles: ['consultant'] });
    assert.equal(invite.status, 202, JSON.stringify(invite.body));
    const subInvite = await subOwner.post(`/api/v1/subscribers/${sub.body.id}/users`, { email: uniqueEmail(`sinv${side.toLowerCase()}`), roles: ['user'] });
    assert.equal(subInvite.status, 202, JSON.stringify(subInvite.body));
    const me = await p.owner.get('/api/v1/me');
    const pt = await p.owner.post('/api/v1/partner-tariffs', {
      base: 'ITSaaS-PROF', code: 'OWN-PROF', name_ru: 'Свой ПРОФ', prices: [{ term: 1, amount: 300000 }],
    });
    assert.equal(pt.status, 201, JSON.stringify(pt.body));
    const its = await ctx.admin.post('/api/v1/its-contracts', {
      number: `ITS-${side}`, level: 'PROF', partner: p.id, subscriber: sub.body.id,
      valid_from: today, valid_to: '2099-01-01',
    });
    assert.equal(its.status, 201, JSON.stringify(its.body));
    // A data area, its partner owner's access grant and a session through it (R-ACT-4).
    const area = await readyArea(subOwner, sub.body.id);
    const grant = await subOwner.post('/api/v1/grants', { area: area.id, email: p.email, until: today });
    assert.equal(grant.status, 201, JSON.stringify(grant.body));
    const session = await p.owner.post('/api/v1/sessions', { area: area.id });
    assert.equal(session.status, 201, JSON.stringify(session.body));
    // A stored backup of the area (issue 15), written as the backups job records one.
    const backup = Number(query(ctx.db, `INSERT INTO area_backups (area_id, kind, state, object, size, sha256, created_at, stored_at)
      VALUES (${area.id}, 'manual', 'stored', 'areas/probe/${side}.bin', 1, '${'0'.repeat(64)}', 1, 1) RETURNING id`)[0][0]);
    // A copy of the area asked for (R-DA-5): its routes are tried with its id.
    const copy = await subOwner.post(`/api/v1/areas/${area.id}/exports`, {});
    assert.equal(copy.status, 202, JSON.stringify(copy.body));
    // The trial started when the subscriber was created (R-SUB-1a).
    const subs = await p.owner.get(`/api/v1/subscriptions?subscriber=${sub.body.id}`);
    assert.equal(subs.status, 200, JSON.stringify(subs.body));
    assert.equal(subs.body.items.length, 1, JSON.stringify(subs.body));
    // A transfer to this side of a client of the third partner, with its letter (R-TRF-1).
    const moving = await third.owner.post('/api/v1/subscribers', { name: 'ООО Переезд', owner_email: uniqueEmail('moving') });
    assert.equal(moving.status, 201, JSON.stringify(moving.body));
    const letter = await ctx.s.fetch(`/api/v1/transfer-letters?partner=${p.id}`, {
      method: 'POST', body: '%PDF-1.4 letter',
      headers: { cookie: `oblako_session=${p.owner.cookie}`, 'x-csrf-token': p.owner.csrf, 'content-type': 'application/pdf' },
    });
    assert.equal(letter.status, 201);
    const transfer = await p.owner.post('/api/v1/transfers', {
      partner: p.id, subscriber: moving.body.reporting_number, reason: 'probe', letter: (await letter.json()).id,
    });
    assert.equal(transfer.status, 201, JSON.stringify(transfer.body));
    // A webhook endpoint of the partner with one delivery in its log (issue 13).
    const hook = await p.owner.post('/api/v1/webhooks', { account: p.id, url: `https://hooks.example/${side}` });
    assert.equal(hook.status, 201, JSON.stringify(hook.body));
    const hookTest = await p.owner.post(`/api/v1/webhooks/${hook.body.id}/test`);
    assert.equal(hookTest.status, 202, JSON.stringify(hookTest.body));
    // An invitation code of the partner (issue 14).
    const code = await p.owner.post('/api/v1/invitations', { partner: p.id });
    assert.equal(code.status, 201, JSON.stringify(code.body));
    // A lead: a registration on the provider's own page, offered to this side (R-ONB-7).
    if (!providerPage) {
      const prof = (await ctx.admin.get('/api/v1/tariffs?limit=500')).body.items.find((x) => x.code === 'ITSaaS-PROF');
      providerPage = (await ctx.admin.post('/api/v1/regpages', { partner_id: null, name: 'Сайт поставщика', tariff_id: prof.id, trial_days: 30 })).body;
    }
    const leadEmail = uniqueEmail(`lead${side.toLowerCase()}`);
    const reg = await ctx.s.fetch(`/r/${providerPage.slug}`, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ name: `ООО Лид ${side}`, email: leadEmail, phone: '+79001234567' }).toString(),
    });
    assert.equal(reg.status, 303);
    const lead = { body: (await ctx.admin.get('/api/v1/leads?limit=1')).body.items[0] };
    assert.equal(lead.body.subscriber.name, `ООО Лид ${side}`);
    const offer = await ctx.admin.post(`/api/v1/leads/${lead.body.id}/assign`, { partner: p.id });
    assert.equal(offer.status, 200, JSON.stringify(offer.body));
    w[side] = {
      invitation: code.body.id,
      webhook: hook.body.id, webhookDelivery: hookTest.body.delivery,
      transfer: transfer.body.id, lead: lead.body.id,
      partner: p, partnerId: p.id, status: st.body.id, sub: sub.body.id, subOwner,
      token: tok.body.id, request: req.body.id, user: user.person, ownerPerson: me.body.id,
      invite: invite.body.id, subInvite: subInvite.body.id, distributor: dist.body.id,
      partnerTariff: pt.body.id, its: its.body.id, subscription: subs.body.items[0].id,
      area: area.id, grant: grant.body.id, session: session.body.id, today, backup, copy: copy.body.id,
    };
    // A statement of each partner (its lines do not matter here: who may read it does).
    raw(ctx.db, `INSERT INTO statements (month, partner_id, payer_kind, drafted_at) VALUES ('2026-11', ${p.id}, 'provider', 0)`);
    w[side].statement = Number(query(ctx.db, `SELECT id FROM statements WHERE partner_id = ${p.id}`)[0][0]);
    // A registration page of the partner (R-ONB-5), offering its own tariff.
    const rp = await p.owner.post('/api/v1/regpages', { name: `Probe ${side}`, tariff_id: pt.body.id });
    assert.equal(rp.status, 201, JSON.stringify(rp.body));
    w[side].regpage = rp.body.id;
  }
});

after(async () => {
  await backend?.stop();
  assert.equal(await ctx.s.stop(), 0);
});

// Valid bodies, so that a refusal is about the tenant, not the input.
function body(method, path, side) {
  const key = `${method} ${path}`;
  const bodies = {
    'POST /api/v1/partners/{id}/statuses': { status: 'cso', valid_from: '2030-01-01' },
    'POST /api/v1/partners/{id}/employees': { email: uniqueEmail('probe'), roles: ['operator'] },
    'PATCH /api/v1/partners/{id}/employees/{person}': { roles: ['owner', 'operator'] },
    'PATCH /api/v1/partners/{id}': { reminder_offsets: '-7,0' },
    'PUT /api/v1/subscribers/{id}/info': {
      legal_name: 'ООО Ромашка', inn: '7707083893', kpp: '770701001', contact_person: 'Иван',
      phone: '+7 495 111-11-11', email: 'buh@romashka.test', region: 'Москва', leave_reason: null, leave_comment: '',
    },
    'POST /api/v1/subscribers/{id}/users': { email: uniqueEmail('probe'), roles: ['user'] },
    'PATCH /api/v1/subscribers/{id}/users/{person}': { roles: ['administrator'] },
    'POST /api/v1/requests': { kind: 'requisites', partner: w[side].partnerId, changes: { phone: '+7 495 222-22-22' }, reason: 'probe' },
    'POST /api/v1/subscribers': { name: 'Probe', partner: w[side].partnerId },
    'POST /api/v1/transfers': { partner: w[side].partnerId, subscriber: 'FR1001', reason: 'probe', letter: 1 },
    'POST /api/v1/transfers/{id}/answer': { answer: 'agree' },
    'POST /api/v1/subscriptions': { subscriber: w[side].sub, kind: 'main', tariff: 'ITSaaS-PROF', term_months: 1 },
    'POST /api/v1/subscriptions/quote': { subscriber: w[side].sub, kind: 'main', tariff: 'ITSaaS-PROF', term_months: 1 },
    'PATCH /api/v1/subscriptions/{id}': { end: '2099-01-01', reason: 'probe' },
    'POST /api/v1/areas': { subscriber: w[side].sub, name: 'Probe', application: 'accounting' },
    'POST /api/v1/grants': { area: w[side].area, email: w[side].partner.email, until: w[side].today },
    'POST /api/v1/sessions': { area: w[side].area },
    'POST /api/v1/areas/{id}/backups/{b}/restore': { confirm: 'Основная' },
    'PATCH /api/v1/webhooks/{id}': { description: 'probe' },
    'POST /api/v1/regpages': { partner_id: w[side].partnerId, name: 'Probe', tariff_id: w[side].partnerTariff },
    'PATCH /api/v1/regpages/{id}': { state: 'disabled' },
    'POST /api/v1/invitations': { partner: w[side].partnerId },
    'POST /api/v1/partner-tariffs': {
      partner: w[side].partnerId, base: 'ITSaaS-PROF', code: 'PROBE', name_ru: 'Проба', prices: [{ term: 1, amount: 300000 }],
    },
  };
  return bodies[key];
}

// The victim's values for a route's path parameters, by tenancy class.
function fill(route, victim) {
  const v = w[victim];
  const byClass = {
    partner: { id: v.partnerId, sid: v.status, person: v.ownerPerson, tariff: v.partnerTariff, contract: v.its },
    subscriber: { id: v.sub, person: v.user },
    self: { id: v.token },
    object: {
      id: {
        areas: v.area, grants: v.grant, sessions: v.session, 'member-invites': v.invite, requests: v.request,
        transfers: v.transfer,
        leads: v.lead,
        statements: v.statement,
        distributors: v.distributor,
        webhooks: v.webhook,
        regpages: v.regpage,
        invitations: v.invitation,
      }[route.path.split('/')[3]] ?? v.subscription,
      d: v.webhookDelivery,
      b: v.backup,
      copy: v.copy,
    },
  }[route.tenancy] || {};
  return route.path.replace(/\{([a-z]+)\}/g, (_, name) => {
    assert.ok(byClass[name], `${route.method} ${route.path}: no value for {${name}} in class ${route.tenancy}`);
    return String(byClass[name]);
  });
}

function routes() {
  const r = runCli(['routes']);
  assert.equal(r.status, 0);
  return JSON.parse(r.stdout);
}

async function call(client, method, path, b) {
  if (method === 'GET') return client.get(path);
  if (method === 'DELETE') return client.del(path);
  return client.request(method, path, b ?? {});
}

test('every route declares a tenancy class this test knows how to try', () => {
  const known = new Set(['public', 'ops', 'test', 'self', 'provider', 'partner', 'subscriber', 'scoped', 'object']);
  for (const r of routes()) assert.ok(known.has(r.tenancy), `${r.method} ${r.path}: tenancy '${r.tenancy}'`);
});

// Every public route (tenancy `public`: anyone, signed in or not) and the test files that attack
// it: floods, guesses, limits, parallel use, bad input (issue 14). A route added as public without
// a line here fails the test below, and so does a line for a route that is not public (any more).
const PUBLIC_ABUSE = {
  'GET /healthz': ['hostile.test.js'],                         // no input, no state: slow and many connections
  'GET /readyz': ['http.test.js', 'hostile.test.js'],
  'POST /api/v1/auth/login': ['guessing.test.js', 'auth.test.js', 'hostile.test.js'],
  'POST /api/v1/auth/logout': ['auth.test.js'],                 // changes nothing without a session
  'POST /api/v1/auth/password-reset': ['auth.test.js'],         // the same answer for any address, links limited per address
  'POST /api/v1/auth/password-reset/confirm': ['auth.test.js'], // a single-use 256-bit link
  'GET /api/v1/auth/invite': ['invites.test.js'],
  'POST /api/v1/auth/invite/accept': ['invites.test.js'],       // 20 parallel accepts of one link make one membership
  'POST /api/v1/partner-applications': ['partners.test.js'],    // R-ONB-6 per address, 429
  'POST /api/v1/signup': ['signup_abuse.test.js', 'invitations.test.js'],  // R-ONB-6: 2,000 codes, per code, 50 at once
  'GET /auth/link': ['regpages_abuse.test.js', 'regpages.test.js'],
  'GET /r/{slug}': ['regpages_abuse.test.js'],
  'POST /r/{slug}': ['regpages_abuse.test.js'],
  'OPTIONS /r/{slug}': ['regpages_browser.test.js'],
  'GET /api/v1/downloads/{token}': ['copies.test.js'],         // a 256-bit link, a day, its maker's rights re-checked
};

test('every public route names the tests that attack it', () => {
  const open = routes().filter((x) => x.tenancy === 'public').map((r) => `${r.method} ${r.path}`);
  for (const key of open) {
    assert.ok(PUBLIC_ABUSE[key], `${key} is public: add it to PUBLIC_ABUSE with its abuse test`);
    for (const f of PUBLIC_ABUSE[key]) assert.ok(fs.existsSync(new URL(f, import.meta.url)), `${key}: ${f} is missing`);
  }
  for (const key of Object.keys(PUBLIC_ABUSE)) assert.ok(open.includes(key), `${key} is in PUBLIC_ABUSE but is not a public route`);
});

test("partner and subscriber routes: the other side's people get 404 and change nothing", async () => {
  const auditBefore = (await ctx.admin.get('/api/v1/audit?limit=1')).body.items[0].id;
  for (const r of routes().filter((x) => ['partner', 'subscriber', 'object'].includes(x.tenancy))) {
    const path = fill(r, 'A');
    // B's partner owner and B's subscriber owner try A's objects.
    for (const [who, client] of [['partner B owner', w.B.partner.owner], ['subscriber B owner', w.B.subOwner]]) {
      const res = await call(client, r.method, path, body(r.method, r.path, 'A'));
      assert.equal(res.status, 404, `${who}: ${r.method} ${path} → ${res.status} ${JSON.stringify(res.body)}`);
      assert.equal(res.body.code, 'not_found');
    }
  }
  const auditAfter = (await ctx.admin.get('/api/v1/audit?limit=1')).body.items[0].id;
  assert.equal(auditAfter, auditBefore, 'nothing was changed (no audit record written)');
  // Positive control: the owners themselves can read.
  assert.equal((await w.A.partner.owner.get(`/api/v1/partners/${w.A.partnerId}`)).status, 200);
  assert.equal((await w.A.subOwner.get(`/api/v1/subscribers/${w.A.sub}`)).status, 200);
  assert.equal((await w.A.partner.owner.get(`/api/v1/subscribers/${w.A.sub}/info`)).status, 200);
  assert.equal((await w.A.partner.owner.get(`/api/v1/distributors/${w.A.distributor}`)).status, 200);
});

test("self routes: another person's token is 404 and never listed", async () => {
  for (const r of routes().filter((x) => x.tenancy === 'self' && x.path.includes('{'))) {
    const path = fill(r, 'A');
    const res = await call(w.B.partner.owner, r.method, path, body(r.method, r.path, 'A'));
    assert.equal(res.status, 404, `${r.method} ${path}`);
  }
  const list = await w.B.partner.owner.get('/api/v1/tokens');
  assert.ok(!list.body.items.some((t) => t.id === w.A.token));
  const me = await w.B.partner.owner.get('/api/v1/me');
  assert.ok(!me.body.accounts.some((a) => a.id === w.A.partnerId || a.id === w.A.sub));
});

test('provider routes: partners and subscribers are refused', async () => {
  for (const r of routes().filter((x) => x.tenancy === 'provider')) {
    const path = r.path.replace('{id}', String(w.A.request));
    for (const client of [w.B.partner.owner, w.B.subOwner]) {
      const res = await call(client, r.method, path, { decision: 'apply', reason: 'x' });
      assert.ok(res.status === 403 || res.status === 404, `${r.method} ${path} → ${res.status}`);
    }
  }
});

// For each scoped list: which id of the other side its rows' "id" would be.
const LIST_IDS = {
  '/api/v1/partners': 'partnerId',
  '/api/v1/subscribers': 'sub',
  '/api/v1/subscribers/access-ends': null, // counts, not rows: tests/e2e/clients.test.js checks their scope
  '/api/v1/requests': 'request',
  '/api/v1/leave-reasons': null,      // the same configured list for everyone
  '/api/v1/applications': null,       // the catalog: the same for everyone
  '/api/v1/versions': null,           // applications' versions: the same for everyone
  '/api/v1/promotions': null,
  '/api/v1/tariffs': 'partnerTariff', // the standard ones and the actor's partner tariffs
  '/api/v1/partner-tariffs': 'partnerTariff',
  '/api/v1/its-contracts': 'its',
  '/api/v1/subscriptions': 'subscription',
  '/api/v1/areas': 'area',
  '/api/v1/grants': 'grant',          // the partner owner's own: given to them
  '/api/v1/sessions': 'session',      // the partner owner's own: opened through the grant
  '/api/v1/member-invites': 'invite', // the partner owner's own: invitations to the partner
  '/api/v1/transfers': 'transfer',    // the partner's own: filed to take over a client
  '/api/v1/leads': 'lead',            // the leads offered to the partner
  '/api/v1/statements': 'statement',  // the partner's own monthly statements
  '/api/v1/regpages': 'regpage',      // the partner's own registration pages
  '/api/v1/invitations': 'invitation', // the partner's own invitation codes
};

test("scoped lists and their exports hold none of the other side's rows", async () => {
  for (const r of routes().filter((x) => x.tenancy === 'scoped' && x.method === 'GET')) {
    assert.ok(r.path in LIST_IDS, `${r.path}: add it to LIST_IDS to say what its rows are`);
    const key = LIST_IDS[r.path];
    if (!key) continue;
    for (const client of [w.B.partner.owner, w.B.subOwner]) {
      const page = await client.get(`${r.path}?limit=500`);
      assert.equal(page.status, 200, `${r.path}: ${JSON.stringify(page.body)}`);
      for (const item of page.body.items) {
        assert.notEqual(item.id, w.A[key], `${r.path} lists A's row: ${JSON.stringify(item)}`);
        if (item.partner) assert.notEqual(item.partner.id, w.A.partnerId, `${r.path}: ${JSON.stringify(item)}`);
      }
      // B's partner owner sees B's own rows (the check above is not vacuous).
      if (client === w.B.partner.owner) {
        assert.ok(page.body.items.some((i) => i.id === w.B[key]), `${r.path} lacks B's own row`);
      }
      const csv = await client.get(`${r.path}?format=csv`);
      assert.equal(csv.status, 200);
      const ids = csv.body.replace(/^\uFEFF/, '').split('\r\n').slice(1).map((l) => l.split(';')[0]);
      assert.ok(!ids.includes(String(w.A[key])), `${r.path} export has A's ${w.A[key]}`);
    }
  }
});

test("scoped creations cannot name the other side's partner", async () => {
  // the letter upload names its partner in the query (R-TRF-1)
  const query = {
    '/api/v1/transfer-letters': `?partner=${w.A.partnerId}`,
    '/api/v1/areas/upload': `?subscriber=${w.A.sub}&application=accounting&name=probe`,
  };
  for (const r of routes().filter((x) => x.tenancy === 'scoped' && x.method === 'POST')) {
    const res = await call(w.B.partner.owner, 'POST', r.path + (query[r.path] ?? ''), body('POST', r.path, 'A'));
    assert.equal(res.status, 404, `${r.path} → ${res.status} ${JSON.stringify(res.body)}`);
  }
});

test("webhooks: the other side's people neither list A's nor register one for A's partner", async () => {
  for (const client of [w.B.partner.owner, w.B.subOwner]) {
    const l = await client.get(`/api/v1/webhooks?account=${w.A.partnerId}`);
    assert.equal(l.status, 404, JSON.stringify(l.body));
    const c = await client.post('/api/v1/webhooks', { account: w.A.partnerId, url: 'https://hooks.example/probe' });
    assert.equal(c.status, 404, JSON.stringify(c.body));
  }
  const own = await w.B.partner.owner.get('/api/v1/webhooks');
  assert.deepEqual(own.body.items.map((h) => h.id), [w.B.webhook], "B's owner lists B's own only");
});

test("member invitations: the other side's people neither see nor touch A's, of either kind", async () => {
  for (const client of [w.B.partner.owner, w.B.subOwner]) {
    for (const id of [w.A.invite, w.A.subInvite]) {
      for (const res of [await client.del(`/api/v1/member-invites/${id}`),
        await client.post(`/api/v1/member-invites/${id}/resend`)]) {
        assert.equal(res.status, 404, `${id}: ${JSON.stringify(res.body)}`);
      }
    }
    for (const account of [w.A.partnerId, w.A.sub]) {
      const l = await client.get(`/api/v1/member-invites?account=${account}`);
      assert.equal(l.status, 404, `${account}: ${JSON.stringify(l.body)}`);
    }
    const all = await client.get('/api/v1/member-invites?limit=500');
    assert.ok(!all.body.items.some((i) => [w.A.invite, w.A.subInvite].includes(i.id)));
  }
  // Positive control: A's owners see their own.
  const a = await w.A.subOwner.get(`/api/v1/member-invites?account=${w.A.sub}`);
  assert.deepEqual(a.body.items.map((i) => i.id), [w.A.subInvite]);
});
