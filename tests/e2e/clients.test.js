// The partner's one client list (issue 11, item 4): GET /api/v1/subscribers
// gives each client its access-through date (the last day with access,
// R-SUB-0) and its state worked out from the subscriptions (R-SUB-7), with
// search by name, code and INN, filters, sorting and stable pages; the chart
// of access ending per week and a client's session usage come from the
// server. A partner never reaches another partner's clients through q, sort
// or a forged cursor; a removed employee and its API token lose the list as
// they lose the other partner lists.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, newPartner, newEmployee, inn10 } from './lib/accounts.js';
import { withBackend, newClient, readyArea } from './lib/areas.js';
import { expect } from './lib/expect.js';

let ctx;
let cb;
let P;
let Q;

before(async () => {
  ctx = await setup('clients');
  cb = await withBackend(ctx);
  P = await newPartner(ctx, { name: 'Clients First' });
  Q = await newPartner(ctx, { name: 'Clients Second' });
});
after(async () => {
  await cb?.stop();
  assert.equal(await ctx.s.stop(), 0);
});

const addDays = (d, n) => new Date(Date.parse(`${d}T00:00:00Z`) + n * 86400000).toISOString().slice(0, 10);
async function today() {
  return (await ctx.s.fetch('/api/v1/test/clock').then((r) => r.json())).date;
}
/** Moves the service clock on; the partners' owners sign in again (their sessions have expired). */
async function advance(days) {
  const r = await ctx.s.fetch('/api/v1/test/clock', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: days * 86400 }),
  });
  assert.equal(r.status, 200);
  for (const p of [P, Q]) assert.equal((await p.owner.login(p.email, 'a-good-password-1')).status, 200);
}

async function client(p, name, inn) {
  const r = await p.owner.post('/api/v1/subscribers', { name });
  expect(r, 201);
  if (inn) expect(await p.owner.put(`/api/v1/subscribers/${r.body.id}/info`, { inn }), 200);
  return r.body;
}

/** Every page of a list, following `next`. */
async function walk(c, url) {
  const out = [];
  let next = url;
  for (let n = 0; next && n < 100; n++) {
    const r = await c.get(next);
    expect(r, 200);
    out.push(r.body.items);
    next = r.body.next && r.body.next.replace(/^https?:\/\/[^/]+/, '');
  }
  return out;
}

let seq = 0;
test('search by INN, code and name; each client with its access-through date, state and tariff', async () => {
  const inn = inn10(880000 + (seq++));
  const a = await client(P, 'ООО Поиск по ИНН', inn);
  await client(P, 'ООО Другой', inn10(880100 + (seq++)));
  const day = await today();
  const byInn = await P.owner.get(`/api/v1/subscribers?q=${inn}`);
  expect(byInn, 200);
  assert.deepEqual(byInn.body.items.map((x) => x.id), [a.id]);
  const it = byInn.body.items[0];
  assert.equal(it.access_through, addDays(day, 29), 'TRIAL-30: through L = end − 1');
  assert.equal(it.state, 'active');
  assert.equal(it.tariff.code, 'TRIAL-30');
  assert.equal(it.access_kind, 'trial');
  // the serving partner as the card gives it, with its contacts
  assert.deepEqual(it.partner, (await P.owner.get(`/api/v1/subscribers/${a.id}`)).body.partner);
  assert.deepEqual(Object.keys(it.partner).sort(), ['email', 'id', 'name', 'phone']);
  assert.ok(it.tariff.name_ru);
  assert.deepEqual((await P.owner.get(`/api/v1/subscribers?q=${a.code}`)).body.items.map((x) => x.id), [a.id]);
  assert.ok((await P.owner.get('/api/v1/subscribers?q=%D0%BF%D0%BE%20%D0%98%D0%9D%D0%9D')).body.items.some((x) => x.id === a.id));
  // a part of the INN finds nothing: INN is matched whole
  assert.deepEqual((await P.owner.get(`/api/v1/subscribers?q=${inn.slice(0, 6)}`)).body.items, []);
  // the card reads the same truth
  const one = await P.owner.get(`/api/v1/subscribers/${a.id}`);
  assert.equal(one.body.access_through, it.access_through);
  assert.equal(one.body.state, 'active');
  // the partner's own account: PARTNER-OWN, its own books
  const own = (await P.owner.get(`/api/v1/partners/${P.id}`)).body.own_subscriber;
  const o = (await P.owner.get(`/api/v1/subscribers/${own.id}`)).body;
  assert.equal(o.own_partner, true);
  assert.equal(o.tariff.code, 'PARTNER-OWN');
  assert.equal(o.access_kind, 'main');
  for (const [q, field] of [['sort=price', 'sort'], ['order=up', 'order'], ['state=gone', 'state'],
    ['ends_within=-1', 'ends_within'], ['sort=name&after=abc', 'after'], ['after=5:x', 'after']]) {
    expect(await P.owner.get(`/api/v1/subscribers?${q}`), 400, 'invalid', field);
  }
});

test('pages stay stable under every sort with ties: each client once, in (key, id) order', async () => {
  const made = [];
  for (let i = 0; i < 7; i++) made.push((await client(P, 'ООО Одинаковое имя')).id);
  const ids = new Set(made);
  for (const sort of ['name', '-name', 'through', '-through', 'state', '-state', 'code', '-code']) {
    const pages = await walk(P.owner, `/api/v1/subscribers?q=${encodeURIComponent('одинаковое')}&sort=${sort}&limit=2`);
    const seen = pages.flat().map((x) => x.id);
    assert.equal(seen.length, 7, `${sort}: ${seen}`);
    assert.deepEqual(new Set(seen), ids, sort);
    assert.ok(pages.every((p) => p.length <= 2));
    const desc = sort.startsWith('-');
    const sorted = [...seen].sort((x, y) => (desc ? y - x : x - y));
    if (sort.endsWith('name') || sort.endsWith('through') || sort.endsWith('state')) assert.deepEqual(seen, sorted, `${sort}: ties by id`);
  }
  // order=desc flips the sort
  const a = (await walk(P.owner, `/api/v1/subscribers?q=${encodeURIComponent('одинаковое')}&sort=code&order=desc&limit=3`)).flat().map((x) => x.code);
  assert.deepEqual(a, [...a].sort((x, y) => y - x));
});

test('attacker: another partner reaches none of the clients by q, sort, filters or a forged cursor', async () => {
  const inn = inn10(881000 + (seq++));
  const mine = await client(P, 'ООО Секретный клиент', inn);
  const them = Q.owner;
  for (const q of [inn, String(mine.code), 'секретный', '%', '_']) {
    for (const sort of ['', 'name', '-through', 'state', 'code']) {
      const r = await them.get(`/api/v1/subscribers?q=${encodeURIComponent(q)}&sort=${sort}&limit=500`);
      expect(r, 200);
      assert.ok(!r.body.items.some((x) => x.id === mine.id), `${q} ${sort}`);
      assert.ok(r.body.items.every((x) => x.partner && x.partner.id === Q.id), `${q} ${sort}`);
    }
  }
  const byPartner = await them.get(`/api/v1/subscribers?partner=${P.id}`);
  assert.deepEqual(byPartner.body.items, []);
  const forged = await them.get(`/api/v1/subscribers?sort=name&after=${mine.id + 1}:`);
  assert.ok(!forged.body.items.some((x) => x.id === mine.id));
  expect(await them.get(`/api/v1/subscribers/${mine.id}`), 404, 'not_found');
  expect(await them.get(`/api/v1/subscribers/${mine.id}/session-usage`), 404, 'not_found');
  // the chart counts only one's own clients
  const mineEnding = (await P.owner.get('/api/v1/subscribers/access-ends')).body;
  const theirs = (await them.get('/api/v1/subscribers/access-ends')).body;
  const total = (b) => b.ended + b.weeks.reduce((s, w) => s + w.count, 0);
  assert.ok(total(mineEnding) >= 1);
  assert.equal(total(theirs), 0, JSON.stringify(theirs));
});

test('a removed employee and its API token lose the list as they lose the subscriptions list', async () => {
  await client(P, 'ООО Для сотрудника');
  const emp = await newEmployee(ctx, P, ['consultant']);
  const tok = await emp.client.post('/api/v1/tokens', { account: P.id, roles: 'consultant', name: 'list' });
  expect(tok, 201);
  const bearer = async (path) => {
    const res = await ctx.s.fetch(path, { headers: { authorization: `Bearer ${tok.body.token}` } });
    return { status: res.status, body: await res.json() };
  };
  assert.ok((await emp.client.get('/api/v1/subscribers')).body.items.length > 0);
  assert.ok((await bearer('/api/v1/subscribers')).body.items.length > 0);
  expect(await P.owner.del(`/api/v1/partners/${P.id}/employees/${emp.person}`), 204);
  for (const get of [(u) => emp.client.get(u), bearer]) {
    const subs = await get('/api/v1/subscriptions');
    const list = await get('/api/v1/subscribers?sort=name');
    assert.equal(list.status, subs.status);
    if (list.status === 200) {
      assert.deepEqual(list.body.items, []);
      assert.deepEqual(subs.body.items, []);
    } else {
      assert.equal(list.body.code, subs.body.code);
    }
    const ending = await get('/api/v1/subscribers/access-ends');
    if (ending.status === 200) assert.equal(ending.body.ended + ending.body.weeks.reduce((s, w) => s + w.count, 0), 0);
  }
});

test('session usage: the daily peak of sessions open at once against the limit, last 30 days', async () => {
  const c = await newClient(ctx, P, 'ООО Сеансы');
  const a = await readyArea(c.owner, c.id, 'Учёт');
  const s1 = await c.owner.post('/api/v1/sessions', { area: a.id });
  expect(s1, 201);
  const s2 = await c.owner.post('/api/v1/sessions', { area: a.id });
  expect(s2, 201);
  expect(await c.owner.del(`/api/v1/sessions/${s1.body.id}`), 204);
  const u = await P.owner.get(`/api/v1/subscribers/${c.id}/session-usage`);
  expect(u, 200);
  assert.equal(u.body.days.length, 30);
  const last = u.body.days[29];
  assert.equal(last.date, await today());
  assert.equal(last.peak, 2);
  assert.equal(last.limit, 5, 'TRIAL-30: 5 sessions');
  assert.equal(u.body.days[0].peak, 0);
  assert.equal(u.body.days[0].limit, null, 'before the trial: no access');
  // the next day starts with the one still open
  await advance(1);
  const next = (await P.owner.get(`/api/v1/subscribers/${c.id}/session-usage?days=2`)).body.days;
  assert.deepEqual(next.map((d) => d.peak), [2, 1]);
  expect(await P.owner.get(`/api/v1/subscribers/${c.id}/session-usage?days=0`), 400, 'invalid', 'days');
});

test('the card: the serving partner reads the client\'s users and the grants to its employees; another partner neither', async () => {
  const c = await newClient(ctx, P, 'ООО Карточка');
  const a = await readyArea(c.owner, c.id, 'Для карточки');
  const emp = await newEmployee(ctx, P, ['consultant']);
  expect(await c.owner.post('/api/v1/grants', { area: a.id, email: emp.email, until: await today() }), 201);
  const users = await P.owner.get(`/api/v1/subscribers/${c.id}/users`);
  expect(users, 200);
  assert.deepEqual(users.body.items.map((x) => x.email), [c.email]);
  const grants = await P.owner.get(`/api/v1/grants?subscriber=${c.id}`);
  expect(grants, 200);
  assert.equal(grants.body.items.length, 1, JSON.stringify([grants.body, (await c.owner.get(`/api/v1/grants?subscriber=${c.id}`)).body]));
  assert.equal(grants.body.items[0].area.id, a.id);
  // reading is not managing
  expect(await P.owner.post(`/api/v1/subscribers/${c.id}/users`, { email: 'x@card.test', roles: ['user'] }), 403, 'forbidden');
  for (const path of [`/api/v1/subscribers/${c.id}/users`, `/api/v1/grants?subscriber=${c.id}`, `/api/v1/areas?subscriber=${c.id}`]) {
    expect(await Q.owner.get(path), 404, 'not_found');
  }
});

test('R-SUB-7 one truth: a client whose trial ended is blocked in the list, the filter and the card', async () => {
  const c = await client(P, 'ООО Старт закончился');
  await advance(31);
  const day = await today();
  const one = (await P.owner.get(`/api/v1/subscribers/${c.id}`)).body;
  assert.equal(one.state, 'blocked');
  const ent = (await P.owner.get(`/api/v1/subscribers/${c.id}/entitlement`)).body;
  assert.equal(ent.blocked, true, 'the entitlement agrees');
  const blocked = (await walk(P.owner, '/api/v1/subscribers?state=blocked&limit=500')).flat();
  assert.ok(blocked.some((x) => x.id === c.id));
  assert.ok(blocked.every((x) => x.state === 'blocked'));
  const active = (await walk(P.owner, '/api/v1/subscribers?state=active&limit=500')).flat();
  assert.ok(!active.some((x) => x.id === c.id));
  assert.ok(one.access_through < day);
  // ending within N days: through in [today, today + N]
  const soon = await client(P, 'ООО Скоро конец');
  const within = (await P.owner.get('/api/v1/subscribers?ends_within=29&limit=500')).body.items.map((x) => x.id);
  assert.ok(within.includes(soon.id));
  assert.ok(!within.includes(c.id));
  assert.ok(!(await P.owner.get('/api/v1/subscribers?ends_within=28&limit=500')).body.items.some((x) => x.id === soon.id));
  const chart = (await P.owner.get('/api/v1/subscribers/access-ends?weeks=5')).body;
  assert.equal(chart.date, day);
  assert.equal(chart.weeks.length, 5);
  assert.ok(chart.ended >= 1);
  expect(await P.owner.get('/api/v1/subscribers/access-ends?weeks=99'), 400, 'invalid', 'weeks');
});

// R-SUB-0: the list's access-through is the entitlement's, the last day of unbroken access:
// a main posted to start after a gap does not stretch the trial's access in the list, and once
// the trial has ended the list says the last day there was access, not the future main's end.
test('R-SUB-0 access-through after a gap: the list says what the entitlement says', async () => {
  const c = await newClient(ctx, P, 'ООО Перерыв');
  const day = await today();
  const main = await P.owner.post('/api/v1/subscriptions', { subscriber: c.id, kind: 'main', tariff: 'ITSaaS-PROF', term_months: 1, start: addDays(day, 40) });
  expect(main, 201);
  const same = async (state) => {
    const ent = (await P.owner.get(`/api/v1/subscribers/${c.id}/entitlement`)).body;
    const one = (await P.owner.get(`/api/v1/subscribers/${c.id}`)).body;
    const listed = (await walk(P.owner, '/api/v1/subscribers?q=%D0%9F%D0%B5%D1%80%D0%B5%D1%80%D1%8B%D0%B2&limit=500')).flat().find((x) => x.id === c.id);
    assert.equal(one.state, state);
    assert.equal(one.access_through, ent.through, 'the card and the entitlement');
    assert.equal(listed.access_through, ent.through, 'the list and the entitlement');
    return ent.through;
  };
  assert.equal(await same('active'), addDays(day, 29), 'the trial\'s 30th day, not the main\'s end');
  await advance(31);
  assert.equal(await same('blocked'), addDays(day, 29), 'the last day there was access');
});
