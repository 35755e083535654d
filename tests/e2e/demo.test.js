// `oblako demo`: the demo data of `make demo` — made once, and its logins work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshDbUrl, runCli, startServer } from './lib/server.js';
import { Client } from './lib/session.js';
import { startCashbook } from './lib/app.js';
import { SECRET, settled } from './lib/areas.js';
import { query } from './lib/db.js';

test('demo data: partners, subscribers and people whose printed logins work', async () => {
  const db = await freshDbUrl('demo');
  assert.equal(runCli(['init', '--db', db]).status, 0);
  // --test-clock: passwords hashed at the minimum cost (make demo's own hashing: demo_script)
  const first = runCli(['demo', '--db', db, '--test-clock']);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, /Demo data created/);
  const logins = [...first.stdout.matchAll(/^ {4}(\S+@\S+)\s+([^,]+),/mg)].map((m) => ({ email: m[1], name: m[2] }));
  assert.ok(logins.length >= 6);
  const again = runCli(['demo', '--db', db, '--test-clock']);
  assert.equal(again.status, 0);
  assert.match(again.stdout, /were there already/);
  const s = await startServer({ db });
  try {
    // Every demo person has a Russian first and last name, the one printed.
    for (const { email, name } of logins) {
      const c = new Client(s);
      const r = await c.login(email, 'demo-password');
      assert.equal(r.status, 200, email);
      const me = (await c.get('/api/v1/me')).body;
      assert.match(me.name, /^[А-ЯЁ][а-яё]+ [А-ЯЁ][а-яё]+$/, email);
      assert.equal(me.name, name, email);
    }
    assert.equal(new Set(logins.map((l) => l.name)).size, logins.length);
    const admin = new Client(s);
    await admin.login('admin@demo.oblako.test', 'demo-password');
    const partners = await admin.get('/api/v1/partners');
    assert.equal(partners.body.items.length, 2);
    assert.ok(partners.body.items.some((p) => p.statuses.some((st) => st.status === 'csk' && st.active)));
    const subs = await admin.get('/api/v1/subscribers?limit=500');
    assert.ok(subs.body.items.filter((x) => !x.own_partner).length >= 6);
    // Issue 4 item 11: clients in every state, as the entitlement computes them.
    const today = (await (await s.fetch('/api/v1/test/clock')).json()).date;
    const addDays = (d, n) => new Date(Date.parse(`${d}T00:00:00Z`) + n * 86400000).toISOString().slice(0, 10);
    const byName = (n) => subs.body.items.find((x) => x.name === n).id;
    const state = async (name, at) => {
      const id = byName(name);
      const e = await admin.get(`/api/v1/subscribers/${id}/entitlement${at ? `?at=${at}` : ''}`);
      assert.equal(e.status, 200, JSON.stringify(e.body));
      const l = await admin.get(`/api/v1/subscriptions?subscriber=${id}&limit=500`);
      const kinds = l.body.items.filter((x) => e.body.in_force.includes(x.id)).map((x) => `${x.kind} ${x.tariff.code}`);
      return { blocked: e.body.blocked, kinds, items: l.body.items };
    };
    assert.deepEqual((await state('ООО Вектор')).kinds, ['trial TRIAL-30']);
    const paid = await state('ООО Ромашка');
    assert.deepEqual(paid.kinds, ['main ITSaaS-PROF']);
    assert.equal(paid.items.find((x) => x.kind === 'main').term_months, 12);
    assert.deepEqual((await state('ИП Иванов')).kinds, ['its_local ITSaaS-PROF']);
    const ending = await state('ООО Финиш');
    assert.deepEqual(ending.kinds, ['main ITSaaS-PROF']);
    assert.equal(ending.blocked, false);
    const end = ending.items.find((x) => x.kind === 'main').end;
    assert.ok(end === addDays(today, 3) || end === addDays(today, 4), end);
    assert.equal((await state('ООО Финиш', addDays(today, 2))).blocked, false);
    assert.equal((await state('ООО Финиш', end)).blocked, true);
    const blocked = await state('ООО Старт');
    assert.equal(blocked.blocked, true);
    assert.deepEqual(blocked.items.map((x) => x.kind), ['trial']);
    const deferred = await state('ООО Отсрочка');
    assert.equal(deferred.blocked, false);
    assert.deepEqual(deferred.kinds, ['deferred_renewal TRIAL-30']);
    // Issue 11 item 4: the client list's state is the entitlement's, for every client (ООО Старт
    // read "Активен" in one list and "Заблокирован" in the other)
    for (const x of subs.body.items) {
      const e = await admin.get(`/api/v1/subscribers/${x.id}/entitlement`);
      assert.equal(x.state, e.body.blocked ? 'blocked' : 'active', `${x.name}: ${x.state}, blocked ${e.body.blocked}`);
    }
    assert.equal(subs.body.items.find((x) => x.name === 'ООО Старт').state, 'blocked');
    // Issue 12 item 10: last month closed, with statements for both partners; this month a draft.
    const month = today.slice(0, 7);
    const [y, m] = month.split('-').map(Number);
    const prev = m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
    assert.deepEqual(query(db, `SELECT month, state FROM statement_months ORDER BY month`), [[prev, 'closed']]);
    const st = query(db, `SELECT s.month, a.name, s.state, COALESCE(s.number, ''), s.partner_id FROM statements s
                          JOIN accounts a ON a.id = s.partner_id ORDER BY s.month, a.name`);
    assert.deepEqual(st.map((r) => r.slice(0, 3)), [[prev, 'Альфа Софт', 'closed'], [prev, 'Бета Консалтинг', 'closed'], [month, 'Альфа Софт', 'draft']]);
    for (const r of st.slice(0, 2)) assert.equal(r[3], `${prev}/${r[4]}`);
    const lines = (name) => query(db, `SELECT l.subscriber_name, l.kind, l.discount_pct, l.rule, l.amount_due FROM statement_lines l
      JOIN statements s ON s.id = l.statement_id JOIN accounts a ON a.id = s.partner_id
      WHERE s.month = '${prev}' AND a.name = '${name}' ORDER BY l.seq`);
    const alfa = lines('Альфа Софт');
    const rules = new Set(alfa.map((l) => `${l[1]} ${l[2]} ${l[3]}`));
    for (const want of ['main 65 new_client', 'main 60 first_continuous_renewal', 'main 50 later_renewal',
      'main 50 from_local_its', 'its_local 0 its_local']) assert.ok(rules.has(want), `R-BIL-2 ${want}: ${JSON.stringify(alfa)}`);
    assert.ok(alfa.some((l) => l[1] === 'short_extension' && Number(l[4]) > 0), 'a short extension at its price');
    assert.ok(alfa.filter((l) => l[1] === 'its_local').every((l) => l[4] === '0'), 'local ITS at 0');
    assert.deepEqual(lines('Бета Консалтинг').map((l) => `${l[0]} ${l[2]} ${l[3]}`), ['ООО Гамма 20 partner_without_csk']);
    // Issue 14 item 8: the printed invitation code of Альфа Софт works once, and the new client is
    // in the partner's list.
    const code = /invitation code of Альфа Софт: (\S+)/.exec(again.stdout)[1];
    assert.equal(code, /invitation code of Альфа Софт: (\S+)/.exec(first.stdout)[1], 'unused: the same code again');
    const signup = await new Client(s).post('/api/v1/signup', {
      name: 'ООО Новичок', email: 'new@novichok.test', phone: '+7 900 111-22-33', password: 'novichok-secret-1', code,
    });
    assert.equal(signup.status, 202, JSON.stringify(signup.body));
    const alfaOwner = new Client(s);
    await alfaOwner.login('owner@alfa-soft.test', 'demo-password');
    assert.ok((await alfaOwner.get('/api/v1/subscribers?limit=500')).body.items.some((x) => x.name === 'ООО Новичок'));
  } finally {
    assert.equal(await s.stop(), 0);
  }
});

test('demo data areas run on the reference backend; the printed login opens one with entries', async () => {
  const db = await freshDbUrl('demoareas');
  assert.equal(runCli(['init', '--db', db]).status, 0);
  const s = await startServer({ db });
  const cb = await startCashbook({ oblakoUrl: s.url, secret: SECRET });
  try {
    const r = runCli(['demo', '--db', db, '--test-clock'], { env: { OBLAKO_DEMO_APP_URL: cb.url, OBLAKO_DEMO_APP_SECRET: SECRET } });
    assert.equal(r.status, 0, r.stderr);
    const owner = new Client(s);
    assert.equal((await owner.login('director@romashka.test', 'demo-password')).status, 200);
    const me = (await owner.get('/api/v1/me')).body;
    const sub = me.accounts.find((a) => a.kind === 'subscriber').id;
    const list = await owner.get(`/api/v1/areas?subscriber=${sub}`);
    assert.deepEqual(list.body.items.map((a) => a.name).sort(),
      ['Ромашка: бухгалтерия', 'Ромашка: тестовая', 'Ромашка: управление фирмой']);
    // issue 15: a test release of the cash book waits to be rolled out
    const versions = (await owner.get('/api/v1/versions?application=accounting')).body.items;
    assert.deepEqual(versions.map((v) => [v.version, v.state]), [['1.1.0', 'test']]);
    const area = await settled(owner, list.body.items.find((a) => a.name === 'Ромашка: бухгалтерия').id);
    assert.equal(area.state, 'ready');
    assert.equal(area.demo, true);
    const o = await owner.post('/api/v1/sessions', { area: area.id });
    assert.equal(o.status, 201, JSON.stringify(o.body));
    const res = await fetch(o.body.launch_url, { redirect: 'manual' });
    assert.equal(res.status, 303);
    const cookie = res.headers.getSetCookie().map((x) => x.split(';')[0]).join('; ');
    const entries = await (await fetch(`${cb.url}/api/entries?limit=50`, { headers: { cookie } })).json();
    assert.equal(entries.items.length, 8);
    assert.ok(entries.total > 0);
    // R-CAT-6: ООО Магазин у дома has two registers reporting since the 1st of last month; its
    // owner sees the ITS Retail contract's free one and the Evotor beyond it
    const shop = new Client(s);
    assert.equal((await shop.login('owner@magazin.test', 'demo-password')).status, 200);
    const shopId = (await shop.get('/api/v1/me')).body.accounts.find((a) => a.kind === 'subscriber').id;
    const today = (await shop.get('/api/v1/me')).body.today;
    const d = new Date(`${today.slice(0, 7)}-15T00:00:00Z`);
    d.setUTCMonth(d.getUTCMonth() - 1);
    const usage = await shop.get(`/api/v1/subscribers/${shopId}/usage?month=${d.toISOString().slice(0, 7)}&limit=500`);
    assert.equal(usage.status, 200, JSON.stringify(usage.body));
    const verdicts = Object.fromEntries(usage.body.items.map((i) => [i.register, i.why]));
    assert.deepEqual(verdicts, { 'kkt-0001': 'its_retail', 'kkt-0002': 'beyond_allowance' });
  } finally {
    await cb.stop();
    assert.equal(await s.stop(), 0);
  }
});
