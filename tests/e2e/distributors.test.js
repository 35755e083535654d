// Distributors (R-BIL-1): the provider keeps the firms a partner may settle
// through; a partner's payer (the provider's billing company or one
// distributor) changes only through a requisites request the provider
// applies. One server, data made once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { query } from './lib/db.js';
import { setup, newPartner, newEmployee, activate, audits, inn10, inn12 } from './lib/accounts.js';
import { Client } from './lib/session.js';
import { runCli } from './lib/server.js';
import { newClient } from './lib/areas.js';

let ctx;
let p1;
let p2;
let operator;
let subOwner;
const sq = (s) => `'${String(s).replace(/'/g, "''")}'`;

/** A provider operator: a person with the admin's password and the operator role in the provider account. */
async function providerOperator() {
  const email = 'operator@example.test';
  query(ctx.db, `INSERT INTO persons (email, name, lang, password_hash, created_at, updated_at)
                 SELECT ${sq(email)}, 'Оператор', 'ru', password_hash, 0, 0 FROM persons WHERE email = ${sq(ctx.env.email)}`);
  const [[id]] = query(ctx.db, `SELECT id FROM persons WHERE email = ${sq(email)}`);
  const [[prov]] = query(ctx.db, "SELECT id FROM accounts WHERE kind = 'provider'");
  query(ctx.db, `INSERT INTO memberships (person_id, account_id, roles, created_at) VALUES (${id}, ${prov}, 'operator', 0)`);
  const c = new Client(ctx.s);
  const r = await c.login(email, ctx.env.password);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return c;
}

const firm = (n, over = {}) => ({
  name: `ООО «Дистрибьютор ${n}»`, inn: inn10(880000 + n), kpp: '770101001',
  address: 'Москва, ул. Складская, 1', email: `Billing${n}@Distr.TEST`, ...over,
});

before(async () => {
  ctx = await setup('distributors');
  p1 = await newPartner(ctx, { name: 'Партнёр Один' });
  p2 = await newPartner(ctx, { name: 'Партнёр Два' });
  operator = await providerOperator();
  const sub = await p1.owner.post('/api/v1/subscribers', { name: 'ООО Клиент', owner_email: 'client@distr.test' });
  assert.equal(sub.status, 201, JSON.stringify(sub.body));
  subOwner = await activate(ctx.s, ctx.db, 'client@distr.test');
});
after(async () => { assert.equal(await ctx.s.stop(), 0); });

test('R-BIL-1 the provider admin adds, reads, changes, archives and deletes distributors; each is audited', async () => {
  const c = await ctx.admin.post('/api/v1/distributors', firm(1));
  assert.equal(c.status, 201, JSON.stringify(c.body));
  assert.equal(c.body.name, 'ООО «Дистрибьютор 1»');
  assert.equal(c.body.email, 'billing1@distr.test', 'the email is kept normalised');
  assert.equal(c.body.state, 'active');
  assert.equal(c.body.partners, 0);
  const got = await ctx.admin.get(`/api/v1/distributors/${c.body.id}`);
  assert.deepEqual(got.body, c.body);
  const ch = await ctx.admin.patch(`/api/v1/distributors/${c.body.id}`, { address: 'Москва, ул. Новая, 2', kpp: '' });
  assert.equal(ch.status, 200, JSON.stringify(ch.body));
  assert.equal(ch.body.address, 'Москва, ул. Новая, 2');
  assert.equal(ch.body.kpp, '');
  assert.equal(ch.body.inn, c.body.inn, 'what was not given stays');
  const ar = await ctx.admin.patch(`/api/v1/distributors/${c.body.id}`, { state: 'archived' });
  assert.equal(ar.body.state, 'archived');
  const re = await ctx.admin.patch(`/api/v1/distributors/${c.body.id}`, { state: 'active' });
  assert.equal(re.body.state, 'active');
  for (const action of ['distributor.created', 'distributor.changed', 'distributor.archived', 'distributor.restored']) {
    assert.ok(audits(ctx.db, action).some((a) => a[1] === String(c.body.id)), action);
  }
  const gone = await ctx.admin.post('/api/v1/distributors', firm(2));
  assert.equal((await ctx.admin.del(`/api/v1/distributors/${gone.body.id}`)).status, 204);
  assert.equal((await ctx.admin.get(`/api/v1/distributors/${gone.body.id}`)).status, 404);
  assert.ok(audits(ctx.db, 'distributor.deleted').some((a) => a[1] === String(gone.body.id)));
});

test('R-BIL-1 every bad field is refused by name and nothing is stored; one INN is one firm', async () => {
  const count = () => Number(query(ctx.db, 'SELECT COUNT(*) FROM distributors')[0][0]);
  const n0 = count();
  const cases = [
    [{ inn: '7707083894' }, 'inn'],          // wrong check digit (R-ACC-3's checksum)
    [{ inn: '770708389' }, 'inn'],
    [{ inn: undefined }, 'inn'],
    [{ kpp: '77070100' }, 'kpp'],
    [{ email: 'not-an-email' }, 'email'],
    [{ email: undefined }, 'email'],
    [{ name: '' }, 'name'],
    [{ name: 5 }, 'name'],
    [{ address: 'x'.repeat(501) }, 'address'],
    [{ state: 'archived' }, 'state'],
    [{ surprise: 1 }, 'surprise'],
  ];
  for (const [over, field] of cases) {
    const r = await ctx.admin.post('/api/v1/distributors', firm(3, over));
    assert.equal(r.status, 400, `${JSON.stringify(over)}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.field, field, JSON.stringify(over));
  }
  assert.equal(count(), n0);
  // a 12-digit INN of a sole trader is a firm too
  const st = await ctx.admin.post('/api/v1/distributors', firm(4, { inn: inn12(4), kpp: '' }));
  assert.equal(st.status, 201, JSON.stringify(st.body));
  // the same INN twice, also at once: one firm, one record
  const [a, b] = await Promise.all([ctx.admin.post('/api/v1/distributors', firm(5)), ctx.admin.post('/api/v1/distributors', firm(5))]);
  assert.deepEqual([a.status, b.status].sort(), [201, 409], JSON.stringify([a.body, b.body]));
  assert.equal([a, b].find((x) => x.status === 409).body.field, 'inn');
  const bad = await ctx.admin.patch(`/api/v1/distributors/${st.body.id}`, { inn: '123' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.field, 'inn');
  assert.equal((await ctx.admin.patch(`/api/v1/distributors/${st.body.id}`, {})).status, 400);
  assert.equal((await ctx.admin.patch('/api/v1/distributors/999999', { name: 'Никто' })).status, 404);
});

test('R-BIL-1 the list pages by cursor, filters, and exports CSV and XLSX', async () => {
  for (let i = 10; i < 13; i++) assert.equal((await ctx.admin.post('/api/v1/distributors', firm(i))).status, 201);
  const all = await ctx.admin.get('/api/v1/distributors?limit=500');
  assert.equal(all.status, 200);
  const page = await ctx.admin.get('/api/v1/distributors?limit=2');
  assert.equal(page.body.items.length, 2);
  const next = await ctx.admin.get(page.body.next.replace(/^https?:\/\/[^/]+/, ''));
  assert.deepEqual(next.body.items[0], all.body.items[2], 'the next page goes on where the first ended');
  const q = await ctx.admin.get(`/api/v1/distributors?q=${encodeURIComponent('Дистрибьютор 11')}`);
  assert.deepEqual(q.body.items.map((d) => d.inn), [inn10(880011)]);
  const byInn = await ctx.admin.get(`/api/v1/distributors?q=${inn10(880012)}`);
  assert.equal(byInn.body.items.length, 1);
  assert.equal((await ctx.admin.get('/api/v1/distributors?state=gone')).status, 400);
  const csv = await ctx.s.fetch('/api/v1/distributors?format=csv', { headers: { cookie: `oblako_session=${ctx.admin.cookie}` } });
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get('content-type'), /text\/csv/);
  const text = await csv.text();
  assert.match(text, /Дистрибьютор 12/);
  assert.equal(text.trim().split('\n').length, all.body.items.length + 1, 'every row and a header');
  const xlsx = await ctx.s.fetch('/api/v1/distributors?format=xlsx', { headers: { cookie: `oblako_session=${ctx.admin.cookie}` } });
  assert.equal(xlsx.status, 200);
  assert.equal(Buffer.from(await xlsx.arrayBuffer()).subarray(0, 2).toString(), 'PK');
});

test('R-BIL-1 writes are the provider admin\'s: an operator reads only; a partner and a client see none', async () => {
  const d = (await ctx.admin.get('/api/v1/distributors?limit=1')).body.items[0];
  assert.equal((await operator.get('/api/v1/distributors')).status, 200, 'provider staff read');
  assert.equal((await operator.get(`/api/v1/distributors/${d.id}`)).status, 200);
  for (const r of [await operator.post('/api/v1/distributors', firm(20)),
    await operator.patch(`/api/v1/distributors/${d.id}`, { name: 'Чужое' }),
    await operator.del(`/api/v1/distributors/${d.id}`)]) {
    assert.equal(r.status, 403, JSON.stringify(r.body));
  }
  for (const c of [p1.owner, subOwner]) {
    assert.equal((await c.get('/api/v1/distributors')).status, 403);
    assert.equal((await c.post('/api/v1/distributors', firm(21))).status, 403);
    assert.equal((await c.patch(`/api/v1/distributors/${d.id}`, { name: 'Чужое' })).status, 403);
    assert.equal((await c.get(`/api/v1/distributors/${d.id}`)).status, 404, 'not the partner\'s own payer');
  }
  assert.equal((await new Client(ctx.s).get('/api/v1/distributors')).status, 401);
  // an API token of the partner's owner is no wider than the owner
  const tok = await p1.owner.post('/api/v1/tokens', { account: p1.id, roles: 'owner', name: 'распределение' });
  assert.equal(tok.status, 201, JSON.stringify(tok.body));
  const res = await ctx.s.fetch('/api/v1/distributors', { headers: { authorization: `Bearer ${tok.body.token}` } });
  assert.equal(res.status, 403);
  assert.equal(Number(query(ctx.db, `SELECT COUNT(*) FROM distributors WHERE name = 'Чужое'`)[0][0]), 0);
});

test('R-BIL-1 the payer changes only through a requisites request the provider applies', async () => {
  const d = await ctx.admin.post('/api/v1/distributors', firm(30));
  const arch = await ctx.admin.post('/api/v1/distributors', firm(31));
  await ctx.admin.patch(`/api/v1/distributors/${arch.body.id}`, { state: 'archived' });
  const before = await p1.owner.get(`/api/v1/partners/${p1.id}`);
  assert.equal(before.body.settle_with, 'provider', 'a new partner settles with the provider');
  assert.equal(before.body.distributor, null);
  // the choices offered to the partner: the provider and the active distributors, by name only
  const payers = await p1.owner.get(`/api/v1/partners/${p1.id}/payers`);
  assert.equal(payers.status, 200);
  assert.deepEqual(payers.body.items[0], { kind: 'provider', id: null });
  const offered = payers.body.items.find((x) => x.id === d.body.id);
  assert.deepEqual(offered, { kind: 'distributor', id: d.body.id, name: 'ООО «Дистрибьютор 30»' });
  assert.ok(!payers.body.items.some((x) => x.id === arch.body.id), 'an archived one is offered to nobody');
  assert.equal((await p2.owner.get(`/api/v1/partners/${p1.id}/payers`)).status, 404, 'another partner\'s');
  // bad payers, each by field
  const file = (changes) => p1.owner.post('/api/v1/requests', { kind: 'requisites', partner: p1.id, changes, reason: 'договор с дистрибьютором' });
  for (const [changes, field] of [
    [{ settle_with: 'friend' }, 'changes.settle_with'],
    [{ settle_with: 'distributor' }, 'changes.distributor'],
    [{ distributor: d.body.id }, 'changes.settle_with'],
    [{ settle_with: 'provider', distributor: d.body.id }, 'changes.distributor'],
    [{ settle_with: 'distributor', distributor: arch.body.id }, 'changes.distributor'],
    [{ settle_with: 'distributor', distributor: 999999 }, 'changes.distributor'],
    [{ settle_with: 'distributor', distributor: 'one' }, 'changes.distributor'],
  ]) {
    const r = await file(changes);
    assert.equal(r.status, 400, `${JSON.stringify(changes)}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.field, field, JSON.stringify(changes));
  }
  assert.equal((await file({ settle_with: 'provider' })).status, 400, 'the payer it has already is no change');
  const r = await file({ settle_with: 'distributor', distributor: d.body.id });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.deepEqual(r.body.changes, { settle_with: 'distributor', distributor: { id: d.body.id, name: 'ООО «Дистрибьютор 30»' } });
  // filing changes nothing yet
  assert.equal((await p1.owner.get(`/api/v1/partners/${p1.id}`)).body.settle_with, 'provider');
  const ok = await ctx.admin.post(`/api/v1/requests/${r.body.id}/decision`, { decision: 'apply' });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  const after = (await p1.owner.get(`/api/v1/partners/${p1.id}`)).body;
  assert.equal(after.settle_with, 'distributor');
  assert.deepEqual(after.distributor, { id: d.body.id, name: 'ООО «Дистрибьютор 30»' });
  assert.ok(audits(ctx.db, 'partner.payer_changed').some((a) => a[0] === String(p1.id)));
  assert.equal(audits(ctx.db, 'partner.requisites_changed').filter((a) => a[0] === String(p1.id)).length, 0,
    'a payer-only request writes no requisites');
  // now the partner may read its own distributor, and the provider sees who uses it
  const own = await p1.owner.get(`/api/v1/distributors/${d.body.id}`);
  assert.equal(own.status, 200);
  assert.equal(own.body.email, 'billing30@distr.test');
  assert.equal((await p2.owner.get(`/api/v1/distributors/${d.body.id}`)).status, 404, 'not the other partner');
  assert.equal((await ctx.admin.get(`/api/v1/distributors/${d.body.id}`)).body.partners, 1);
  // one in use is archived, not deleted
  const del = await ctx.admin.del(`/api/v1/distributors/${d.body.id}`);
  assert.equal(del.status, 409);
  assert.equal((await ctx.admin.get(`/api/v1/distributors/${d.body.id}`)).status, 200);
  // a request for a distributor archived before the decision is not applied
  const d2 = await ctx.admin.post('/api/v1/distributors', firm(32));
  const r2 = await file({ settle_with: 'distributor', distributor: d2.body.id });
  assert.equal(r2.status, 201);
  await ctx.admin.patch(`/api/v1/distributors/${d2.body.id}`, { state: 'archived' });
  const no = await ctx.admin.post(`/api/v1/requests/${r2.body.id}/decision`, { decision: 'apply' });
  assert.equal(no.status, 400, JSON.stringify(no.body));
  assert.equal((await p1.owner.get(`/api/v1/partners/${p1.id}`)).body.distributor.id, d.body.id, 'unchanged');
  // and back to the provider
  const r3 = await file({ settle_with: 'provider' });
  assert.equal(r3.status, 201, JSON.stringify(r3.body));
  assert.equal((await ctx.admin.post(`/api/v1/requests/${r3.body.id}/decision`, { decision: 'apply' })).status, 200);
  const back = (await p1.owner.get(`/api/v1/partners/${p1.id}`)).body;
  assert.equal(back.settle_with, 'provider');
  assert.equal(back.distributor, null);
});

test('R-BIL-1 the month\'s statement run addresses the statement to the partner\'s distributor, copied', async () => {
  const d = await ctx.admin.post('/api/v1/distributors', firm(40));
  const r = await p2.owner.post('/api/v1/requests', {
    kind: 'requisites', partner: p2.id, changes: { settle_with: 'distributor', distributor: d.body.id }, reason: 'договор с дистрибьютором',
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal((await ctx.admin.post(`/api/v1/requests/${r.body.id}/decision`, { decision: 'apply' })).status, 200);
  const c = await newClient(ctx, p2, 'ООО Платный клиент');
  const m = await p2.owner.post('/api/v1/subscriptions', { subscriber: c.id, kind: 'main', tariff: 'ITSaaS-PROF', term_months: 1 });
  assert.equal(m.status, 201, JSON.stringify(m.body));
  const month = (await (await ctx.s.fetch('/api/v1/test/clock')).json()).date.slice(0, 7);
  const run = runCli(['jobs', 'run', 'statements', '--month', month, '--db', ctx.db, '--test-clock']);
  assert.equal(run.status, 0, run.stderr);
  const row = (partner) => query(ctx.db, `SELECT payer_kind, COALESCE(distributor_id, 0), payer_name, payer_email FROM statements
                                          WHERE partner_id = ${partner} AND month = '${month}'`);
  assert.deepEqual(row(p2.id), [['distributor', String(d.body.id), 'ООО «Дистрибьютор 40»', 'billing40@distr.test']]);
  // renaming the distributor changes the open month's draft at the next run, never the partner's choice
  await ctx.admin.patch(`/api/v1/distributors/${d.body.id}`, { name: 'ООО «Дистрибьютор 40 Плюс»' });
  assert.equal(runCli(['jobs', 'run', 'statements', '--month', month, '--db', ctx.db, '--test-clock']).status, 0);
  assert.equal(row(p2.id)[0][2], 'ООО «Дистрибьютор 40 Плюс»');
  // a partner that settles with the provider: addressed to the provider
  const own = query(ctx.db, `SELECT payer_kind, COALESCE(distributor_id, 0) FROM statements WHERE partner_id <> ${p2.id} AND month = '${month}'`);
  assert.ok(own.every(([kind, dist]) => kind === 'provider' && dist === '0'), JSON.stringify(own));
  // an employee reads the partner's distributor while employed, and not once removed
  const emp = await newEmployee(ctx, p2, ['consultant']);
  assert.equal((await emp.client.get(`/api/v1/distributors/${d.body.id}`)).status, 200);
  assert.equal((await p2.owner.del(`/api/v1/partners/${p2.id}/employees/${emp.person}`)).status, 204);
  assert.equal((await emp.client.get(`/api/v1/distributors/${d.body.id}`)).status, 404);
});
