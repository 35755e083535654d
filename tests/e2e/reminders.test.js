// End-of-access reminders (R-NOT-1, R-SUB-0; issue 13 item 1): one story on
// the test clock, which only goes forward, with the daily job run by hand
// (`oblako jobs run reminders`) on the days it would run, and not on the days
// of an outage. Expected days are the guide's: «за 7 и 3 суток до даты
// окончания доступа, в день окончания доступа и через 5 дней после» — L−7,
// L−3, L and L+5 of the chain's last day L. Clients, all posted 2027-03-01:
//   C1 (partner A) a month: L = 2027-03-31; owner (ru), administrator (en), a
//      user, an administrator removed before any reminder.
//   C2 (A) a month, renewed on 03-25: nothing more for the old end; its new
//      end (04-30) falls in the outage of April–May: only its L+5, late.
//   C3 (A) a month, deferred on its L: the offsets sent stay sent, L+5 comes
//      from the new L (04-07).
//   C4 (partner B, own offsets −1,0) a month: only 03-30 and 03-31.
//   C5 (A) three months: L = 2027-05-31; the runner is down 05-30..06-01:
//      on 06-02 only L, late.
//   C6 (B) three months: the same outage: −1 skipped, L sent late.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { Client, provisionedDb } from './lib/session.js';
import { query } from './lib/db.js';
import { newPartner, newUser, activate, uniqueEmail } from './lib/accounts.js';
import { expect } from './lib/expect.js';
import { startServer, runCli, bin, repoRoot } from './lib/server.js';

let ctx;
let A, B;
const C = {};
const PW = 'a-good-password-1';
const INFO = {
  legal_name: 'ООО Ромашка', inn: '7707083893', kpp: '770701001', contact_person: 'Иван',
  phone: '+7 495 111-11-11', email: 'buh@romashka.test', region: 'Москва', leave_reason: null, leave_comment: '',
};
const sq = (s) => `'${String(s).replace(/'/g, "''")}'`;

async function clock(day) {
  const r = await ctx.s.fetch('/api/v1/test/clock', {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ now: `${day}T10:00:00+03:00` }),
  });
  assert.equal(r.status, 200, await r.text());
}
const args = () => ['jobs', 'run', 'reminders', '--db', ctx.db, '--test-clock'];
function runJob() {
  const r = runCli(args());
  assert.equal(r.status, 0, r.stderr);
}
function runJobAsync() {
  return new Promise((resolve) => {
    execFile(bin, args(), { cwd: repoRoot }, (err, stdout, stderr) => resolve({ code: err ? err.code : 0, signal: err?.signal, msg: err?.message, stdout, stderr }));
  });
}

/** Every reminder row: {id, c (client), o, state, late, last}. One read per call (psql is slow to start). */
function reminders() {
  const byId = Object.fromEntries(Object.entries(C).map(([k, v]) => [String(v.id), k]));
  return query(ctx.db, 'SELECT id, subscriber_id, offset_days, state, late, last_day FROM reminders ORDER BY subscriber_id, offset_days')
    .map(([id, sub, o, state, late, last]) => ({ id: Number(id), c: byId[sub] || sub, o: Number(o), state, late: Number(late), last }));
}
/** The mails of client c's reminder at offset o: [{to, lang, subject, text}] (text on one line). */
function mails(c, o) {
  return query(ctx.db, `SELECT o.to_addr, o.lang, o.subject, replace(o.body_text, '
', ' ') FROM reminder_mails m
    JOIN reminders r ON r.id = m.reminder_id JOIN outbox o ON o.id = m.outbox_id
    WHERE r.subscriber_id = ${C[c].id} AND r.offset_days = ${o} ORDER BY o.to_addr`)
    .map(([to, lang, subject, text]) => ({ to, lang, subject, text }));
}

async function newClient(p, name) {
  const email = uniqueEmail('owner');
  const r = await p.owner.post('/api/v1/subscribers', { name, owner_email: email });
  expect(r, 201);
  expect(await p.owner.put(`/api/v1/subscribers/${r.body.id}/info`, INFO), 200);
  return { id: r.body.id, email, owner: await activate(ctx.s, ctx.db, email) };
}
const main = (p, sub, term = 1) =>
  p.owner.post('/api/v1/subscriptions', { subscriber: sub, kind: 'main', tariff: 'ITSaaS-PROF', term_months: term });

// What the job sends on each day it runs (client, offset, state, late), by the
// rules above; a day not listed sends nothing.
const PLAN = {
  '2027-03-24': [['C1', -7, 'sent', 0], ['C2', -7, 'sent', 0], ['C3', -7, 'sent', 0]],
  '2027-03-28': [['C1', -3, 'sent', 0], ['C3', -3, 'sent', 0]],
  '2027-03-30': [['C4', -1, 'sent', 0]],
  '2027-03-31': [['C1', 0, 'sent', 0], ['C3', 0, 'sent', 0], ['C4', 0, 'sent', 0]],
  '2027-04-05': [['C1', 5, 'sent', 0]],
  '2027-04-12': [['C3', 5, 'sent', 0]],
  // after the outage 04-14..05-22: C2's new end (L 04-30) only its L+5, late
  '2027-05-23': [['C2', -7, 'skipped', 0], ['C2', -3, 'skipped', 0], ['C2', 0, 'skipped', 0], ['C2', 5, 'sent', 1]],
  '2027-05-24': [['C5', -7, 'sent', 0]],
  '2027-05-28': [['C5', -3, 'sent', 0]],
  // after the outage 05-30..06-01 (three days)
  '2027-06-02': [['C5', 0, 'sent', 1], ['C6', -1, 'skipped', 0], ['C6', 0, 'sent', 1]],
  '2027-06-05': [['C5', 5, 'sent', 0]],
};

before(async () => {
  const env = await provisionedDb('reminders');
  ctx = { env, db: env.db, s: await startServer({ db: env.db, jobs: false }) };
  ctx.admin = new Client(ctx.s);
  await clock('2027-03-01');
  expect(await ctx.admin.login(env.email, env.password), 200);
  A = await newPartner(ctx, { name: 'ООО Партнёр А' });
  B = await newPartner(ctx);
  for (const [k, p, term] of [['C1', A, 1], ['C2', A, 1], ['C3', A, 1], ['C4', B, 1], ['C5', A, 3], ['C6', B, 3]]) {
    C[k] = await newClient(p, `ООО ${k}`);
    expect(await main(p, C[k].id, term), 201);
  }
});

after(async () => { assert.equal(await ctx.s.stop(), 0); });

test('R-NOT-1 per-partner offsets: the provider sets them; the partner itself, another tenant and a bad list are refused', async () => {
  const bad = await ctx.admin.patch(`/api/v1/partners/${B.id}`, { reminder_offsets: '-3,abc' });
  expect(bad, 400, undefined, 'reminder_offsets');
  expect(await ctx.admin.patch(`/api/v1/partners/${B.id}`, { reminder_offsets: '-61' }), 400, undefined, 'reminder_offsets');
  expect(await B.owner.patch(`/api/v1/partners/${B.id}`, { reminder_offsets: '0' }), 403);
  expect(await A.owner.patch(`/api/v1/partners/${B.id}`, { reminder_offsets: '0' }), 404);
  // with an API token: the partner owner's is refused like its session; the provider admin's sets it
  const ptok = await B.owner.post('/api/v1/tokens', { account: B.id, roles: 'owner', name: 'probe' });
  expect(ptok, 201);
  const bearer = (t) => ({ authorization: `Bearer ${t}` });
  expect(await new Client(ctx.s).request('PATCH', `/api/v1/partners/${B.id}`, { reminder_offsets: '0' }, bearer(ptok.body.token)), 403);
  const [[provider]] = query(ctx.db, "SELECT id FROM accounts WHERE kind = 'provider'");
  const atok = await ctx.admin.post('/api/v1/tokens', { account: Number(provider), roles: 'admin', name: 'probe' });
  expect(atok, 201);
  expect(await new Client(ctx.s).request('PATCH', `/api/v1/partners/${B.id}`, { reminder_offsets: '5' }, bearer(atok.body.token)), 200);
  const ok = await ctx.admin.patch(`/api/v1/partners/${B.id}`, { reminder_offsets: '0,-1,0' });
  expect(ok, 200);
  assert.equal(ok.body.reminder_offsets, '-1,0', 'kept sorted, once each');
  assert.equal((await A.owner.get(`/api/v1/partners/${A.id}`)).body.reminder_offsets, null, "A: the provider's list");
});

test('R-NOT-1 reminders on L−7, L−3, L and L+5, once per end, to owners and administrators in their language', async () => {
  // C1's members: an administrator reading English, a user, an administrator removed
  const adm = await newUser(ctx, C.C1.owner, C.C1.id, { email: uniqueEmail('adm'), roles: ['administrator'] });
  query(ctx.db, `UPDATE persons SET lang = 'en' WHERE id = ${adm.person}`);
  const user = await newUser(ctx, C.C1.owner, C.C1.id, { email: uniqueEmail('user'), roles: ['user'] });
  const gone = await newUser(ctx, C.C1.owner, C.C1.id, { email: uniqueEmail('gone'), roles: ['administrator'] });
  expect(await C.C1.owner.del(`/api/v1/subscribers/${C.C1.id}/users/${gone.person}`), 204);
  const ends = query(ctx.db, `SELECT chain, end_key, last_day FROM access_ends WHERE subscriber_id = ${C.C1.id}`);
  assert.deepEqual(ends, [['ITSaaS-PROF', '2027-03-31', '2027-03-31']],
    'R-SUB-0: a month from 03-01 is through 03-31; the trial is no end, a paid main is in force after it');

  // The job runs on each day a reminder is due and on the day before it (so
  // none comes early); between them nothing falls due, so those days may pass
  // without a run. 04-14..05-22 and 05-30..06-01 are outages.
  const days = ['2027-03-23', '2027-03-24', '2027-03-25', '2027-03-27', '2027-03-28', '2027-03-29', '2027-03-30',
    '2027-03-31', '2027-04-04', '2027-04-05', '2027-04-07', '2027-04-11', '2027-04-12', '2027-04-13',
    '2027-05-23', '2027-05-24', '2027-05-27', '2027-05-28', '2027-05-29', '2027-06-02', '2027-06-04', '2027-06-05'];
  let seen = [];
  for (const day of days) {
    const from = Math.max(0, ...seen.map((r) => r.id));
    await clock(day);
    if (day === '2027-03-24') {
      // two runs at once: one reminder each
      const both = await Promise.all([runJobAsync(), runJobAsync()]);
      assert.ok(both.some((r) => r.code === 0), JSON.stringify(both));
    } else {
      runJob();
    }
    const want = (PLAN[day] || []).map(([c, o, state, late]) => [c, o, state, late]);
    const now = reminders();
    assert.deepEqual(now.filter((r) => r.id > from).map((r) => [r.c, r.o, r.state, r.late]), want, `R-NOT-1 on ${day}`);
    if (want.length) {
      runJob();   // again the same day: nothing new
      assert.equal(reminders().length, now.length, `R-NOT-1 a second run on ${day} sends nothing`);
    }
    seen = now;

    if (day === '2027-03-24') {
      const m = mails('C1', -7);
      assert.deepEqual(m.map((x) => x.to).sort(), [C.C1.email, adm.email].sort(),
        'R-NOT-1: the owner and the administrator, not the user nor the removed administrator');
      assert.ok(!m.some((x) => x.to === user.email || x.to === gone.email));
      const ru = m.find((x) => x.to === C.C1.email);
      const en = m.find((x) => x.to === adm.email);
      assert.equal(ru.lang, 'ru');
      assert.equal(en.lang, 'en');
      assert.match(ru.subject, /по 31\.03\.2027 включительно/);
      assert.match(en.subject, /through 31 Mar 2027/);
      assert.match(ru.text, /ООО Партнёр А/, 'how to renew: the partner by name');
      assert.match(ru.text, /доступ сохраняется по 31\.03\.2027 включительно/);
      assert.doesNotMatch(ru.text, /отложенное продление/, 'before L: no deferred renewal offered');
      assert.doesNotMatch(ru.subject, /опозданием/);
    }
    if (day === '2027-03-25') {
      // C2 renews: a new end, none for the old one
      expect(await A.owner.login(A.email, PW), 200);
      expect(await main(A, C.C2.id), 201);
      assert.deepEqual(query(ctx.db, `SELECT end_key, last_day FROM access_ends WHERE subscriber_id = ${C.C2.id}`),
        [['2027-04-30', '2027-04-30']]);
    }
    if (day === '2027-03-31') {
      const m = mails('C1', 0);
      assert.match(m.find((x) => x.lang === 'ru').text, /сегодня в полночь/);
      assert.match(m.find((x) => x.lang === 'ru').text, /отложенное продление/, 'on L: the deferred renewal is offered');
      assert.match(m.find((x) => x.lang === 'en').text, /deferred renewal/);
      // C3 takes the deferred renewal on its L, after the day's reminder
      expect(await C.C3.owner.login(C.C3.email, PW), 200);
      expect(await C.C3.owner.post('/api/v1/subscriptions', { subscriber: C.C3.id, kind: 'deferred_renewal' }), 201);
      assert.deepEqual(query(ctx.db, `SELECT end_key, last_day FROM access_ends WHERE subscriber_id = ${C.C3.id}`),
        [['2027-03-31', '2027-04-07']], 'R-SUB-5: the deferral moves L by 7 days and keeps the end');
    }
    if (day === '2027-04-05') {
      const ru = mails('C1', 5).find((x) => x.lang === 'ru');
      assert.match(ru.text, /Данные сохранены, ничего не удалено/);
    }
  }
  const c3 = reminders().filter((r) => r.c === 'C3');
  assert.deepEqual(c3.map((r) => [r.o, r.last]),
    [[-7, '2027-03-31'], [-3, '2027-03-31'], [0, '2027-03-31'], [5, '2027-04-07']],
    'R-NOT-1: a deferral keeps the offsets sent; L+5 of the new L');
  const late = mails('C5', 0).find((x) => x.lang === 'ru');
  assert.match(late.subject, /\(письмо отправлено с опозданием\)/);
  const sent = Number(query(ctx.db, "SELECT COUNT(*) FROM reminders WHERE state = 'sent'")[0][0]);
  const events = query(ctx.db, "SELECT data FROM events WHERE kind = 'access.reminder' ORDER BY id");
  assert.equal(events.length, sent, 'one access.reminder event per reminder sent');
  assert.deepEqual(Object.keys(JSON.parse(events[0][0])).sort(), ['chain', 'end_key', 'last_day', 'late', 'offset']);
});
