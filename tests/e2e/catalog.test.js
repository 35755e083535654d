// The catalog as data (R-CAT-1..5): the standard catalog loaded by init,
// tariffs the provider creates and edits (a new version only when in use),
// prices with validity dates, partner tariffs not below the standard price
// (R-CAT-3), and the local ITS contracts the provider keeps (R-SUB-6).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from './lib/server.js';
import { Client } from './lib/session.js';
import { query, raw } from './lib/db.js';
import { setup, newPartner, newEmployee, activate, audits, inn10, uniqueEmail } from './lib/accounts.js';

let ctx;
let today;
let A; // a partner with an operator
let B; // another partner
let subOwner; // the owner of a subscriber A serves

before(async () => {
  ctx = await setup('catalog');
  today = (await (await ctx.s.fetch('/api/v1/test/clock')).json()).date;
  A = await newPartner(ctx);
  A.operator = await newEmployee(ctx, A, ['operator']);
  B = await newPartner(ctx);
  const email = uniqueEmail('client');
  const sub = await A.owner.post('/api/v1/subscribers', { name: 'ООО Клиент', owner_email: email });
  assert.equal(sub.status, 201, JSON.stringify(sub.body));
  A.sub = sub.body.id;
  A.subName = 'ООО Клиент';
  subOwner = await activate(ctx.s, ctx.db, email);
});

after(async () => { assert.equal(await ctx.s.stop(), 0); });

const isPg = () => !ctx.db.startsWith('sqlite:');

async function allTariffs(client) {
  const r = await client.get('/api/v1/tariffs?limit=500');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.items;
}
const byCode = (items, code) => items.find((t) => t.code === code && t.partner === null);

function expectInvalid(r, field) {
  assert.equal(r.status, 400, JSON.stringify(r.body));
  assert.equal(r.body.code, 'invalid');
  assert.equal(r.body.field, field, JSON.stringify(r.body));
}

test('R-CAT-1 the standard applications are there after init, with restrictions and the PROF list', async () => {
  const r = await A.owner.get('/api/v1/applications?limit=500');
  assert.equal(r.status, 200);
  const apps = Object.fromEntries(r.body.items.map((a) => [a.code, a]));
  assert.equal(r.body.items.length, 14);
  assert.equal(apps.erp.restricted_to, 'erp_cc');
  assert.equal(apps.accounting_corp.restricted_to, 'corp_list');
  assert.equal(apps.complex_automation.restricted_to, 'corp_list');
  assert.equal(apps.kassa.restricted_to, null);
  assert.equal(apps.crm.restricted_to, null);
  assert.equal(apps.kassa.free, true);
  const prof = r.body.items.filter((a) => a.lists.split(',').includes('prof')).map((a) => a.code).sort();
  assert.deepEqual(prof, ['accounting', 'entrepreneur', 'kamin_payroll', 'kamin_state_payroll',
    'payroll_hr', 'small_business', 'state_accounting', 'state_payroll']);
  assert.equal(apps.accounting.backend_url, null, 'a partner does not see backend URLs');
  const prov = await ctx.admin.get('/api/v1/applications?limit=500');
  assert.equal(typeof prov.body.items[0].backend_url, 'string');
  assert.equal((await new Client(ctx.s).get('/api/v1/applications')).status, 401);
});

test('R-CAT-2 the standard tariffs with their prices in kopecks and options', async () => {
  const items = await allTariffs(ctx.admin);
  for (const code of ['ITSaaS-PROF', 'ITSaaS-SPEC', 'ITSaaS-BASIC', 'ITSaaS-CORP', 'ERP-PILOT',
    'KASSA', 'KKT-PAID', 'CRM-START', 'CSO-FREE', 'ITSaaS-CSO', 'SESSIONS+1', 'SESSIONS-2x14',
    'TRIAL-30', 'PARTNER-OWN']) assert.ok(byCode(items, code), code);
  const prof = byCode(items, 'ITSaaS-PROF');
  assert.equal(prof.kind, 'main');
  assert.equal(prof.services_level, 'prof');
  assert.equal(prof.price_now['1'], 247200);
  assert.equal(prof.price_now['12'], 12 * 247200, 'no yearly price: the monthly × 12');
  assert.equal(prof.version.options.sessions, 5);
  assert.equal(prof.version.options.areas, 'unlimited');
  assert.equal(prof.version.apps.length, 8, 'the PROF list');
  assert.equal(prof.version.in_use, false);

  const basic = byCode(items, 'ITSaaS-BASIC');
  assert.equal(basic.services_level, 'basic');
  assert.equal(basic.price_now['1'], 104400);
  assert.equal(basic.version.options.choose, 1);
  assert.deepEqual(basic.version.options.areas, [{ working: 1, test: 1, one_app: true }]);
  assert.equal(basic.version.options.sessions, 2);

  const spec = byCode(items, 'ITSaaS-SPEC');
  assert.equal(spec.price_now['1'], 247200);
  assert.deepEqual(spec.version.options.areas, [
    { apps: ['accounting_spec'], working: 1, test: 0 },
    { apps: { list: 'prof' }, working: 1, test: 0, one_app: true },
  ]);
  assert.ok(spec.version.apps.includes('accounting_spec'));
  assert.equal(spec.version.apps.length, 9);

  const cso = byCode(items, 'ITSaaS-CSO');
  assert.equal(cso.price_now['1'], 100000);
  assert.equal(cso.price_now['12'], 600000, 'the yearly price where one exists');
  assert.equal(cso.price_now['6'], 600000);
  assert.equal(byCode(items, 'SESSIONS+1').price_now['1'], 49400);
  assert.equal(byCode(items, 'SESSIONS+1').kind, 'extension');
  assert.equal(byCode(items, 'SESSIONS-2x14').kind, 'short_extension');
  assert.equal(byCode(items, 'SESSIONS-2x14').version.options.days, 14);
  assert.equal(byCode(items, 'SESSIONS-2x14').prices[0].placeholder, true, '*cfg* is marked');
  assert.equal(byCode(items, 'TRIAL-30').version.options.days, 30);
  assert.equal(byCode(items, 'TRIAL-30').price_now['0'], 0);
  assert.equal(byCode(items, 'KKT-PAID').kind, 'per_unit');
  assert.equal(byCode(items, 'KKT-PAID').price_now['1'], 10000);
  const crm = byCode(items, 'CRM-START');
  assert.equal(crm.version.options.max_term_months, 6);
  assert.equal(crm.price_now['12'], undefined, 'CRM-START: at most 6 months');
  assert.equal(byCode(items, 'PARTNER-OWN').version.options.partner_own, true);
  const erp = byCode(items, 'ERP-PILOT');
  assert.deepEqual(erp.prices.map((p) => [p.amount === 0, p.valid_from, p.valid_to]),
    [[true, '2018-01-01', '2019-01-01'], [false, '2019-01-01', null]]);
});

test('R-CAT-5 promotions are data with their end dates', async () => {
  const r = await A.owner.get('/api/v1/promotions');
  assert.equal(r.status, 200);
  const p = Object.fromEntries(r.body.items.map((x) => [x.code, x]));
  assert.equal(p['ERP-PILOT-FREE'].valid_to, '2019-01-01');
  assert.equal(p['ERP-PILOT-FREE'].tariff, 'ERP-PILOT');
  assert.equal(p['KASSA-FREE-KKT'].valid_to, '2020-01-01');
  assert.equal(p['KASSA-FREE-KKT'].params.units, 1);
  assert.equal(p['CSO-FREE-OFFER'].valid_to, '2019-01-01');
});

test('init twice loads the standard catalog once', () => {
  const count = () => Number(query(ctx.db, 'SELECT COUNT(*) FROM tariffs WHERE partner_id IS NULL')[0][0]);
  const n = count();
  const r = runCli(['init', '--db', ctx.db]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /standard catalog: already loaded/);
  assert.equal(count(), n);
  assert.equal(audits(ctx.db, 'catalog.loaded').length, 1);
});

const NEW_OPTIONS = {
  services: 'prof', apps: ['accounting', 'crm'], choose: 1, areas: [{ working: 2, test: 1 }],
  sessions: 3, terms: [1, 12],
};

test('R-CAT-2 the provider creates a tariff; every bad input is refused by name', async () => {
  const body = (over = {}) => ({
    code: 'PILOT-2', name_ru: 'Пилот', name_en: 'Pilot', kind: 'main', options: NEW_OPTIONS,
    prices: [{ term: 1, amount: 150000 }, { term: 12, amount: 1500000 }], ...over,
  });
  const cases = [
    [{ code: 'bad code!' }, 'code'],
    [{ kind: 'gold' }, 'kind'],
    [{ name_ru: '' }, 'name_ru'],
    [{ options: undefined }, 'options'],
    [{ options: { ...NEW_OPTIONS, sessions: undefined } }, 'options.sessions'],
    [{ options: { ...NEW_OPTIONS, apps: ['no_such_app'] } }, 'options.apps'],
    [{ options: { ...NEW_OPTIONS, terms: [2] } }, 'options.terms[0]'],
    [{ options: { ...NEW_OPTIONS, colour: 'red' } }, 'options.colour'],
    [{ prices: [] }, 'prices'],
    [{ prices: [{ term: 3, amount: 1 }] }, 'prices[0].term'],
    [{ prices: [{ term: 1, amount: -1 }] }, 'prices[0].amount'],
    [{ prices: [{ term: 1, amount: 1, valid_from: '2026-02-30' }] }, 'prices[0].valid_from'],
    [{ prices: [{ term: 1, amount: 1, bonus: 1 }] }, 'prices[0].bonus'],
    [{ surprise: 1 }, 'surprise'],
  ];
  for (const [over, field] of cases) {
    expectInvalid(await ctx.admin.post('/api/v1/tariffs', body(over)), field);
  }
  assert.equal((await A.owner.post('/api/v1/tariffs', body())).status, 403);
  const r = await ctx.admin.post('/api/v1/tariffs', body());
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.version.number, 1);
  assert.equal(r.body.price_now['12'], 1500000);
  assert.equal(r.body.price_now['1'], 150000);
  const dup = await ctx.admin.post('/api/v1/tariffs', body());
  assert.equal(dup.status, 409);
  assert.equal(dup.body.field, 'code');
  assert.ok(audits(ctx.db, 'catalog.tariff_created').some((a) => a[1] === String(r.body.id)));
  const app = await ctx.admin.post('/api/v1/applications', {
    code: 'docflow', name_ru: 'Документооборот', name_en: 'Document flow', version: '2.1',
    backend_url: 'https://apps.example.test/docflow', restricted_to: 'csk', lists: [],
  });
  assert.equal(app.status, 201, JSON.stringify(app.body));
  assert.equal(app.body.restricted_to, 'csk');
  expectInvalid(await ctx.admin.post('/api/v1/applications', { code: 'x', name_ru: 'x', name_en: 'x', restricted_to: 'vip' }), 'restricted_to');
  expectInvalid(await ctx.admin.post('/api/v1/applications', { code: 'x', name_ru: 'x', name_en: 'x', backend_url: 'ftp://x' }), 'backend_url');
  assert.equal((await ctx.admin.post('/api/v1/applications', { code: 'docflow', name_ru: 'x', name_en: 'x' })).status, 409);
  assert.equal((await A.owner.post('/api/v1/applications', { code: 'y', name_ru: 'y', name_en: 'y' })).status, 403);
});

function fakeSubscription(versionId) {
  // The subscriptions table belongs to the next issue; until it exists, a
  // minimal one stands in for "referenced by a subscription".
  const exists = isPg()
    ? query(ctx.db, "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'subscriptions' AND table_schema = current_schema()")[0][0] !== '0'
    : query(ctx.db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'subscriptions'")[0][0] !== '0';
  if (exists) return false;
  raw(ctx.db, `CREATE TABLE subscriptions (id BIGINT, tariff_version_id BIGINT); INSERT INTO subscriptions VALUES (1, ${versionId})`);
  return true;
}

test('R-CAT-2 editing a tariff: in place while unused, a new version once in use', async () => {
  const t = byCode(await allTariffs(ctx.admin), 'PILOT-2');
  const v1 = t.version.id;
  const p1 = await ctx.admin.patch(`/api/v1/tariffs/${t.id}`, { name_en: 'Pilot two', options: { ...NEW_OPTIONS, sessions: 4 } });
  assert.equal(p1.status, 200, JSON.stringify(p1.body));
  assert.equal(p1.body.name_en, 'Pilot two');
  assert.equal(p1.body.version.id, v1, 'not in use: the same version');
  assert.equal(p1.body.version.options.sessions, 4);
  expectInvalid(await ctx.admin.patch(`/api/v1/tariffs/${t.id}`, { options: { sessions: 4 } }), 'options.services');
  expectInvalid(await ctx.admin.patch(`/api/v1/tariffs/${t.id}`, { name_ru: '' }), 'name_ru');
  expectInvalid(await ctx.admin.patch(`/api/v1/tariffs/${t.id}`, { active: 'yes' }), 'active');
  assert.equal((await ctx.admin.patch('/api/v1/tariffs/999999', { name_en: 'x' })).status, 404);
  assert.equal((await A.owner.patch(`/api/v1/tariffs/${t.id}`, { name_en: 'x' })).status, 403);

  if (!fakeSubscription(v1)) return; // the real table exists: covered by the subscription tests
  const p2 = await ctx.admin.patch(`/api/v1/tariffs/${t.id}`, { options: { ...NEW_OPTIONS, sessions: 6 } });
  assert.equal(p2.status, 200, JSON.stringify(p2.body));
  assert.notEqual(p2.body.version.id, v1, 'in use: a new version');
  assert.equal(p2.body.version.number, 2);
  assert.equal(p2.body.version.options.sessions, 6);
  const old = query(ctx.db, `SELECT options FROM tariff_versions WHERE id = ${v1}`)[0][0];
  assert.equal(JSON.parse(old).sessions, 4, 'the version in use is kept as it was');
  const a = audits(ctx.db, 'catalog.tariff_changed').map((x) => x[2]).join('\n');
  assert.match(a, /new version 2 \(version 1 is in use and kept\)/);
  raw(ctx.db, 'DROP TABLE subscriptions');
});

test('R-CAT-2 prices with validity dates: a new price closes the open one', async () => {
  const t = byCode(await allTariffs(ctx.admin), 'PILOT-2');
  const r = await ctx.admin.post(`/api/v1/tariffs/${t.id}/prices`, { term: 1, amount: 160000, valid_from: '2099-01-01' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const monthly = r.body.prices.filter((p) => p.term === 1);
  assert.deepEqual(monthly.map((p) => [p.amount, p.valid_to]), [[150000, '2099-01-01'], [160000, null]]);
  assert.equal(r.body.price_now['1'], 150000, 'today the old price is in force');
  const clash = await ctx.admin.post(`/api/v1/tariffs/${t.id}/prices`, { term: 1, amount: 1, valid_from: '2098-01-01', valid_to: '2099-06-01' });
  assert.equal(clash.status, 409, JSON.stringify(clash.body));
  expectInvalid(await ctx.admin.post(`/api/v1/tariffs/${t.id}/prices`, { term: 6, amount: 1 }), 'term');
  expectInvalid(await ctx.admin.post(`/api/v1/tariffs/${t.id}/prices`, { term: 1, amount: 1, valid_from: '2099-02-01', valid_to: '2099-01-01' }), 'valid_to');
  expectInvalid(await ctx.admin.post(`/api/v1/tariffs/${t.id}/prices`, { term: 1 }), 'amount');
  assert.equal((await A.owner.post(`/api/v1/tariffs/${t.id}/prices`, { term: 1, amount: 1 })).status, 403);
});

test('R-CAT-3 a partner tariff is refused below the standard price, by field', async () => {
  const body = (over = {}) => ({
    base: 'ITSaaS-PROF', code: 'ALFA-PROF', name_ru: 'Альфа ПРОФ',
    prices: [{ term: 1, amount: 250000 }, { term: 12, amount: 2966400 }], ...over,
  });
  const low = await A.operator.client.post('/api/v1/partner-tariffs', body({ prices: [{ term: 1, amount: 250000 }, { term: 12, amount: 2966399 }] }));
  expectInvalid(low, 'prices[1].amount');
  assert.equal(low.body.reason, 'catalog.price_below_standard');
  assert.equal(low.body.params.code, 'ITSaaS-PROF');
  assert.equal(low.body.params.std, 2966400);
  expectInvalid(await A.owner.post('/api/v1/partner-tariffs', body({ prices: [{ term: 1, amount: 247199 }] })), 'prices[0].amount');
  expectInvalid(await A.owner.post('/api/v1/partner-tariffs', body({ base: 'SESSIONS+1' })), 'base');
  expectInvalid(await A.owner.post('/api/v1/partner-tariffs', body({ base: 'PARTNER-OWN' })), 'base');
  expectInvalid(await A.owner.post('/api/v1/partner-tariffs', body({ base: 'NOPE' })), 'base');
  expectInvalid(await A.owner.post('/api/v1/partner-tariffs', body({ prices: [{ term: 2, amount: 1 }] })), 'prices[0].term');
  expectInvalid(await A.owner.post('/api/v1/partner-tariffs', body({ name_ru: undefined })), 'name_ru');
  expectInvalid(await A.owner.post('/api/v1/partner-tariffs', body({ colour: 1 })), 'colour');
  // Naming another partner is 404; a subscriber's owner has no partner to name.
  assert.equal((await A.owner.post('/api/v1/partner-tariffs', body({ partner: B.id }))).status, 404);
  expectInvalid(await subOwner.post('/api/v1/partner-tariffs', body()), 'partner');

  const ok = await A.operator.client.post('/api/v1/partner-tariffs', body());
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
  assert.equal(ok.body.partner, A.id);
  assert.equal(ok.body.base.code, 'ITSaaS-PROF');
  assert.equal(ok.body.kind, 'main');
  assert.equal(ok.body.price_now['1'], 250000);
  assert.equal(ok.body.price_now['12'], 2966400);
  assert.equal(ok.body.version.options.sessions, 5, 'the options of its base');
  assert.equal((await A.owner.post('/api/v1/partner-tariffs', body())).status, 409);
  A.tariff = ok.body.id;
  assert.ok(audits(ctx.db, 'catalog.partner_tariff_created').some((a) => a[0] === String(A.id)));
  // Its own prices later: still not below the standard one.
  expectInvalid(await A.owner.post(`/api/v1/tariffs/${A.tariff}/prices`, { term: 3, amount: 700000 }), 'amount');
  assert.equal((await A.owner.post(`/api/v1/tariffs/${A.tariff}/prices`, { term: 3, amount: 741600 })).status, 201);
});

test('R-CAT-3 partner tariffs are scoped: another partner sees none of them', async () => {
  assert.equal((await A.owner.get(`/api/v1/partner-tariffs/${A.tariff}`)).status, 200);
  assert.equal((await ctx.admin.get(`/api/v1/partner-tariffs/${A.tariff}`)).status, 200);
  for (const c of [B.owner, subOwner]) {
    const r = await c.get(`/api/v1/partner-tariffs/${A.tariff}`);
    assert.equal(r.status, 404);
    assert.equal(r.body.code, 'not_found');
    assert.equal((await c.post(`/api/v1/tariffs/${A.tariff}/prices`, { term: 1, amount: 300000 })).status, 404);
    assert.ok(!(await allTariffs(c)).some((t) => t.id === A.tariff));
    assert.ok(!(await c.get('/api/v1/partner-tariffs?limit=500')).body.items.some((t) => t.id === A.tariff));
  }
  assert.ok((await allTariffs(A.owner)).some((t) => t.id === A.tariff), 'GET /tariffs has the own ones');
  const mine = await A.owner.get('/api/v1/partner-tariffs');
  assert.deepEqual(mine.body.items.map((t) => t.id), [A.tariff]);
  const csv = await B.owner.get('/api/v1/tariffs?format=csv');
  assert.equal(csv.status, 200);
  assert.ok(!csv.body.includes('ALFA-PROF'));
  assert.equal((await A.owner.get(`/api/v1/partner-tariffs/${byCode(await allTariffs(A.owner), 'ITSaaS-PROF').id}`)).status, 404, 'a standard tariff is no partner tariff');
});

test('R-SUB-6 local ITS contracts: the provider records them, with every field checked', async () => {
  const body = (over = {}) => ({
    number: `ITS-${Date.now()}`, level: 'PROF', partner: A.id, inn: inn10(4242),
    valid_from: '2026-01-01', valid_to: '2027-01-01', ...over,
  });
  const cases = [
    [{ number: '' }, 'number'],
    [{ number: 'no spaces please' }, 'number'],
    [{ level: 'GOLD' }, 'level'],
    [{ level: undefined }, 'level'],
    [{ partner: undefined }, 'partner'],
    [{ partner: 'x' }, 'partner'],
    [{ partner: A.sub }, 'partner'],
    [{ inn: '7707083894' }, 'inn'],
    [{ inn: undefined }, 'inn'],
    [{ subscriber: 999999, inn: undefined }, 'subscriber'],
    [{ valid_from: '2026-13-01' }, 'valid_from'],
    [{ valid_to: '2025-12-31' }, 'valid_to'],
    [{ valid_to: undefined }, 'valid_to'],
    [{ extra: 1 }, 'extra'],
  ];
  for (const [over, field] of cases) expectInvalid(await ctx.admin.post('/api/v1/its-contracts', body(over)), field);
  assert.equal((await A.owner.post('/api/v1/its-contracts', body())).status, 403);
  const r = await ctx.admin.post('/api/v1/its-contracts', body({ number: 'ITS-A-1' }));
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.level, 'PROF');
  assert.equal(r.body.partner.id, A.id);
  A.its = r.body.id;
  const dup = await ctx.admin.post('/api/v1/its-contracts', body({ number: 'ITS-A-1' }));
  assert.equal(dup.status, 409);
  assert.equal(dup.body.field, 'number');
  const bySub = await ctx.admin.post('/api/v1/its-contracts', body({ number: 'ITS-A-2', level: 'TEHNO', inn: undefined, subscriber: A.sub }));
  assert.equal(bySub.status, 201, JSON.stringify(bySub.body));
  assert.equal(bySub.body.subscriber, A.sub);
  assert.equal(bySub.body.subscriber_name, A.subName, 'the client by name, not only its id');
  assert.equal(r.body.subscriber_name, null);
  const rb = await ctx.admin.post('/api/v1/its-contracts', body({ number: 'ITS-B-1', partner: B.id }));
  assert.equal(rb.status, 201);
  B.its = rb.body.id;
  assert.ok(audits(ctx.db, 'its.contract_created').some((a) => a[1] === String(A.its)));
});

test('R-SUB-6 a partner reads its own ITS contracts only; another one is 404', async () => {
  const mine = await A.owner.get('/api/v1/its-contracts');
  assert.equal(mine.status, 200);
  const ids = mine.body.items.map((c) => c.id);
  assert.ok(ids.includes(A.its));
  assert.ok(!ids.includes(B.its));
  assert.equal((await A.owner.get(`/api/v1/its-contracts/${A.its}`)).status, 200);
  const other = await A.owner.get(`/api/v1/its-contracts/${B.its}`);
  assert.equal(other.status, 404);
  assert.equal(other.body.code, 'not_found');
  assert.equal((await B.owner.get(`/api/v1/its-contracts/${A.its}`)).status, 404);
  // The client named in a contract sees it; not the one named only by INN.
  const subs = await subOwner.get('/api/v1/its-contracts');
  assert.deepEqual(subs.body.items.map((c) => c.level), ['TEHNO']);
  const all = await ctx.admin.get(`/api/v1/its-contracts?partner=${A.id}&format=csv`);
  assert.equal(all.status, 200);
  assert.ok(all.body.includes('ITS-A-1') && !all.body.includes('ITS-B-1'));
});

test('the tariffs CSV from a server whose version cache is cold names every tariff as the JSON does', async () => {
  // A fresh server: the CSV is the first thing it reads versions for, so each version (some
  // with a named list of applications) is read while the export streams its rows. Its codes
  // once went to the export's per-row scratch memory (a use after free under ASan).
  const fresh = await setup('catalog-cold');
  try {
    const csv = await fresh.admin.get('/api/v1/tariffs?format=csv&limit=200');
    assert.equal(csv.status, 200);
    const json = await fresh.admin.get('/api/v1/tariffs?limit=200');
    assert.equal(json.status, 200);
    const rows = csv.body.replace(/^\uFEFF/, '').split('\r\n').filter(Boolean);
    assert.equal(rows.length - 1, json.body.items.length);
    for (const t of json.body.items) assert.ok(csv.body.includes(t.code), `${t.code} in the CSV`);
    assert.ok(json.body.items.some((t) => (t.current?.apps ?? t.apps ?? []).length > 1 || JSON.stringify(t).includes('"apps":["')),
      'some tariff names its applications');
  } finally {
    assert.equal(await fresh.s.stop(), 0);
  }
});
