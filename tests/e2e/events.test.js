// Event emails and events (R-NOT-3, issue 13; docs/events.md): a grant given,
// revoked, ended and expired tells the employee and the subscriber's owner and
// administrators, each once and in their own language; the 3rd refusal of a
// business day by the subscriber's session limit mails the owner once that day;
// a person turns off the kinds not about access or money (PATCH /api/v1/me),
// and every event site writes its row of `events`. One server, data made once,
// the SMTP sink as the mail server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startServer, runCli, bin } from './lib/server.js';
import { Client, provisionedDb } from './lib/session.js';
import { newPartner, newEmployee, questionnaire, resetApplyLimit } from './lib/accounts.js';
import { query, raw } from './lib/db.js';
import { withBackend, newClient, readyArea } from './lib/areas.js';
import { startSink } from './lib/smtp.js';
import { expect } from './lib/expect.js';
import { eventually } from './lib/wait.js';

const execFileP = promisify(execFile);

let ctx;
let sink;
let cb;
let P;          // the serving partner
let C;          // its client, owner in Russian
let emp;        // P's operator, in English
let area;

before(async () => {
  sink = await startSink();
  const env = await provisionedDb('events');
  const s = await startServer({ db: env.db, args: ['--smtp-url', sink.url] });
  const admin = new Client(s);
  expect(await admin.login(env.email, env.password), 200);
  ctx = { s, env, admin, db: env.db };
  cb = await withBackend(ctx);
  P = await newPartner(ctx);
  C = await newClient(ctx, P);
  emp = await newEmployee(ctx, P, ['operator']);
  expect(await emp.client.patch('/api/v1/me', { lang: 'en' }), 200);
  area = await readyArea(C.owner, C.id, 'Основная');
});
after(async () => {
  await cb?.stop();
  await ctx?.s.stop();
  await sink?.stop();
});

const q = (s) => `'${s.replace(/'/g, "''")}'`;

/** Outbox rows of `template` to `email`: [[lang, subject], ...]. */
function mails(template, email) {
  return query(ctx.db, `SELECT lang, subject FROM outbox WHERE template = ${q(template)}
    AND to_addr = ${q(email)} ORDER BY id`);
}

/** Events of `kind` about subscriber `sub` (0: any): [{partner, subscriber, data}]. */
function events(kind, sub = 0) {
  return query(ctx.db, `SELECT COALESCE(partner_id, 0), COALESCE(subscriber_id, 0), data FROM events
    WHERE kind = ${q(kind)} ${sub ? `AND subscriber_id = ${sub}` : ''} ORDER BY id`)
    .map(([partner, subscriber, data]) => ({ partner: Number(partner), subscriber: Number(subscriber), data: JSON.parse(data) }));
}

/** The text of the newest mail of `template` to `email`. */
function textOf(template, email) {
  return raw(ctx.db, `SELECT body_text FROM outbox WHERE template = ${q(template)}
    AND to_addr = ${q(email)} ORDER BY id DESC LIMIT 1`);
}

/** `oblako jobs run NAME` on the test clock. */
function job(name) {
  const r = runCli(['jobs', 'run', name, '--db', ctx.db, '--test-clock']);
  assert.equal(r.status, 0, r.stderr);
  return r;
}

/** Signs in again those whose sign-in the clock ended. */
async function relogin(...who) {
  for (const [client, email, password = 'a-good-password-1'] of who) {
    expect(await client.login(email, password), 200);
  }
}

/** Waits until the sink has a mail to `email` whose subject matches `re`. */
async function delivered(email, re) {
  return eventually(() => {
    const m = sink.messages.filter((x) => x.to.includes(email) && re.test(x.subject));
    assert.equal(m.length, 1, `${email}: ${sink.messages.filter((x) => x.to.includes(email)).map((x) => x.subject).join(' | ')}`);
    return m[0];
  }, { what: `a mail to ${email} matching ${re}`, timeout: 15_000 });
}

async function clock() {
  return (await ctx.s.fetch('/api/v1/test/clock').then((r) => r.json())).now;
}

async function clockTo(iso) {
  const r = await ctx.s.fetch('/api/v1/test/clock', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ now: iso }),
  });
  assert.equal(r.status, 200, await r.text());
}

function addDays(day, n) {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86400_000).toISOString().slice(0, 10);
}

async function today() {
  return (await C.owner.get('/api/v1/me')).body.today;
}

test('R-NOT-3: a grant given and revoked tells the employee and the owner once each, in their language', async () => {
  const until = addDays(await today(), 3);
  const g = await C.owner.post('/api/v1/grants', { area: area.id, email: emp.email, until });
  expect(g, 201);
  // the employee reads English, the owner Russian; the date as each language writes it
  assert.deepEqual(mails('grant_given', emp.email).map((m) => m[0]), ['en']);
  assert.deepEqual(mails('grant_given_owner', C.email).map((m) => m[0]), ['ru']);
  const [y, mo, d] = until.split('-');
  await delivered(emp.email, /^Oblako: access to the data of /);
  assert.match(textOf('grant_given', emp.email), new RegExp(`through ${Number(d)} [A-Z][a-z]{2} ${y}`));
  await delivered(C.email, /^Облако: сотруднику партнёра открыт доступ/);
  const ru = textOf('grant_given_owner', C.email);
  assert.match(ru, new RegExp(`по ${d}\\.${mo}\\.${y} включительно`));
  assert.ok(ru.includes(emp.email), ru);
  const given = events('grant.given', C.id);
  assert.equal(given.length, 1);
  assert.equal(given[0].partner, P.id);
  assert.equal(given[0].data.grant, g.body.id);
  assert.equal(given[0].data.until, until);
  assert.equal(given[0].data.email, emp.email);

  expect(await C.owner.del(`/api/v1/grants/${g.body.id}`), 200);
  assert.deepEqual(mails('grant_revoked', emp.email).map((m) => m[0]), ['en']);
  assert.deepEqual(mails('grant_revoked_owner', C.email).map((m) => m[0]), ['ru']);
  await delivered(emp.email, /^Oblako: your access to the data of .* is closed/);
  assert.match(textOf('grant_revoked', emp.email), /the subscriber's owner closed it/);
  const revoked = events('grant.revoked', C.id);
  assert.equal(revoked.length, 1);
  assert.equal(revoked[0].data.reason, 'revoked');
  // a second revocation changes nothing and tells nobody
  expect(await C.owner.del(`/api/v1/grants/${g.body.id}`), 409);
  assert.equal(mails('grant_revoked', emp.email).length, 1);
  assert.equal(events('grant.revoked', C.id).length, 1);
});

test('R-NOT-3: PATCH /me mail_off turns off only the kinds not about access or money', async () => {
  // unknown kinds and kinds about access or money are refused by field
  let r = await emp.client.patch('/api/v1/me', { mail_off: ['grant.given', 'nope'] });
  expect(r, 400, 'invalid', 'mail_off');
  assert.equal(r.body.reason, 'person.mail_off_kind');
  expect(await emp.client.patch('/api/v1/me', { mail_off: ['request.decided'] }), 400, 'invalid', 'mail_off');
  expect(await emp.client.patch('/api/v1/me', { mail_off: 'grant.given' }), 400, 'invalid', 'mail_off');
  assert.deepEqual((await emp.client.get('/api/v1/me')).body.mail_off, []);
  // kept in a canonical order, each once
  r = await emp.client.patch('/api/v1/me', { mail_off: ['grant.revoked', 'grant.given', 'grant.given'] });
  expect(r, 200);
  assert.deepEqual(r.body.mail_off, ['grant.given', 'grant.revoked']);
  assert.deepEqual((await emp.client.get('/api/v1/me')).body.mail_off, ['grant.given', 'grant.revoked']);

  // an API token acts for its own person only, and never changes the login
  const t = await C.owner.post('/api/v1/tokens', { account: C.id, roles: 'owner', name: 'обмен' });
  expect(t, 201);
  const viaToken = (method, body) => ctx.s.fetch('/api/v1/me', {
    method, headers: { authorization: `Bearer ${t.body.token}`, 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  }).then(async (x) => ({ status: x.status, body: await x.json() }));
  const me = await viaToken('GET');
  expect(me, 200);
  assert.equal(me.body.email, C.email);
  assert.deepEqual(me.body.mail_off, []);
  assert.equal((await viaToken('PATCH', { mail_off: ['grant.given'] })).status, 403);
  assert.deepEqual((await C.owner.get('/api/v1/me')).body.mail_off, []);
  assert.deepEqual((await emp.client.get('/api/v1/me')).body.mail_off, ['grant.given', 'grant.revoked']);

  // a grant given now: the employee, who turned it off, gets nothing; the owner still does
  const g = await C.owner.post('/api/v1/grants', { area: area.id, email: emp.email, until: await today() });
  expect(g, 201);
  assert.equal(mails('grant_given', emp.email).length, 1, 'only the first grant told the employee');
  assert.equal(mails('grant_given_owner', C.email).length, 2);
  assert.equal(events('grant.given', C.id).length, 2, 'the event is written whoever reads mail');
  // a mail about access cannot be turned off: the password link still goes
  const before = mails('password_reset', emp.email).length;
  expect(await new Client(ctx.s).post('/api/v1/auth/password-reset', { email: emp.email }), 202);
  assert.equal(mails('password_reset', emp.email).length, before + 1);
  lastGrant = g.body.id;
});

let lastGrant;  // given through today: it expires in the session-limit test's next day

test('events: every site writes its row in its transaction', async () => {
  // a partner application approved (newPartner) and one rejected
  assert.ok(events('partner.application_decided').some((e) => e.partner === P.id && e.data.decision === 'approved'));
  resetApplyLimit(ctx.db);
  const a = await new Client(ctx.s).post('/api/v1/partner-applications', questionnaire());
  expect(a, 201);
  expect(await ctx.admin.post(`/api/v1/partner-applications/${a.body.id}/reject`, { reason: 'не подходит' }), 200);
  const rej = events('partner.application_decided').filter((e) => e.data.application === a.body.id);
  assert.deepEqual(rej.map((e) => [e.partner, e.data.decision, e.data.reason]), [[0, 'rejected', 'не подходит']]);
  // members added to a partner and to a subscriber
  assert.ok(events('member.added').some((e) => e.partner === P.id && e.data.person === emp.person));
  assert.ok(events('member.added', C.id).length >= 1);
  // a subscription posted: no price, discount or amount in its data
  const s = await P.owner.post('/api/v1/subscriptions', { subscriber: C.id, kind: 'main', tariff: 'ITSaaS-BASIC', term_months: 1 });
  expect(s, 201);
  const posted = events('subscription.posted', C.id).filter((e) => e.data.subscription === s.body.id);
  assert.equal(posted.length, 1);
  assert.equal(posted[0].partner, P.id);
  for (const k of ['price', 'partner_price', 'discount_pct', 'amount_due']) assert.ok(!(k in posted[0].data), k);
  // a request decided
  const r = await P.owner.post('/api/v1/requests', { kind: 'subscription_cancel', subscription: s.body.id, reason: 'клиент передумал' });
  expect(r, 201);
  expect(await ctx.admin.post(`/api/v1/requests/${r.body.id}/decision`, { decision: 'reject', note: 'нет' }), 200);
  const dec = events('request.decided', C.id);
  assert.deepEqual(dec.map((e) => [e.partner, e.data.request, e.data.decision]), [[P.id, r.body.id, 'rejected']]);
});

test('R-NOT-3: the 3rd refusal of a day by the session limit mails the owner once; the next day again', async () => {
  const D = await newClient(ctx, P, 'ООО Тесно');
  const a = await readyArea(D.owner, D.id, 'Тесная');
  const ent = await D.owner.get(`/api/v1/subscribers/${D.id}/entitlement`);
  const max = ent.body.sessions;
  const open = async () => D.owner.post('/api/v1/sessions', { area: a.id });
  for (let i = 0; i < max; i++) expect(await open(), 201);
  const refuse = async () => {
    const r = await open();
    expect(r, 409, 'limit_exceeded');
    assert.equal(r.body.limit, 'subscriber');
  };
  await refuse();
  await refuse();
  assert.equal(mails('session_limit', D.email).length, 0, 'two refusals: no mail');
  await refuse();
  assert.deepEqual(mails('session_limit', D.email).map((m) => m[0]), ['ru'], 'the 3rd refusal mails');
  await delivered(D.email, /^Облако: у .* не хватает сеансов/);
  assert.match(textOf('session_limit', D.email), new RegExp(`заняты все одновременные сеансы \\(${max}\\)`));
  await refuse();
  await refuse();
  assert.equal(mails('session_limit', D.email).length, 1, '4th and 5th: nothing');
  const day = await today();
  assert.deepEqual(query(ctx.db, `SELECT day, hits FROM session_limit_hits WHERE subscriber_id = ${D.id}`),
    [[day, '5']]);
  let ev = events('session.limit_reached', D.id);
  assert.equal(ev.length, 1);
  assert.equal(ev[0].partner, P.id);
  assert.deepEqual([ev[0].data.day, ev[0].data.refusals, ev[0].data.max], [day, 3, max]);

  // the next business day (the sessions went stale overnight)
  await clockTo(`${addDays(day, 1)}T10:00:00+03:00`);
  await relogin([D.owner, D.email]);

  // R-NOT-3: the grant given through yesterday expired; the daily job tells it once however
  // often it runs (two at once, then again), to the employee (who turned off only
  // grant.given and grant.revoked) and to the owner
  const runs = await Promise.allSettled([1, 2].map(() => execFileP(bin, ['jobs', 'run', 'grants-expired', '--db', ctx.db, '--test-clock'])));
  for (const x of runs) {
    // the job's lease lets one run at a time: the other waits its turn or says so
    if (x.status === 'rejected') assert.match(x.reason.stderr, /is running on another node/);
  }
  job('grants-expired');
  const exp = events('grant.expired', C.id);
  assert.deepEqual(exp.map((e) => [e.data.grant, e.data.until]), [[lastGrant, day]]);
  assert.deepEqual(mails('grant_expired', emp.email).map((x) => x[0]), ['en']);
  assert.deepEqual(mails('grant_expired_owner', C.email).map((x) => x[0]), ['ru']);
  await delivered(emp.email, /^Oblako: your access to the data of .* has expired/);

  // fill the sessions again and refuse five at once: one mail
  for (let i = 0; i < max; i++) expect(await open(), 201);
  const rs = await Promise.all(Array.from({ length: 5 }, open));
  assert.deepEqual(rs.map((r) => r.status), [409, 409, 409, 409, 409]);
  assert.equal(mails('session_limit', D.email).length, 2);
  ev = events('session.limit_reached', D.id);
  assert.equal(ev.length, 2);
  assert.equal(ev[1].data.day, addDays(day, 1));
  // the owner turns the kind off: the day after, no mail, the event still written
  expect(await D.owner.patch('/api/v1/me', { mail_off: ['session.limit_reached'] }), 200);
  await clockTo(`${addDays(day, 2)}T10:00:00+03:00`);
  await relogin([D.owner, D.email]);
  for (let i = 0; i < max; i++) expect(await open(), 201);
  for (let i = 0; i < 3; i++) await refuse();
  assert.equal(mails('session_limit', D.email).length, 2);
  assert.equal(events('session.limit_reached', D.id).length, 3);
});

test('events: an employee removed ends their grant; the owner is told, not the ex-employee', async () => {
  await relogin([C.owner, C.email], [P.owner, P.email]);
  const g = await C.owner.post('/api/v1/grants', { area: area.id, email: emp.email, until: await today() });
  expect(g, 201);
  const toEmp = mails('grant_revoked', emp.email).length;
  const toOwner = mails('grant_revoked_owner', C.email).length;
  expect(await P.owner.del(`/api/v1/partners/${P.id}/employees/${emp.person}`), 204);
  assert.equal(mails('grant_revoked', emp.email).length, toEmp);
  assert.equal(mails('grant_revoked_owner', C.email).length, toOwner + 1);
  assert.match(textOf('grant_revoked_owner', C.email), /сотрудник больше не работает у партнёра/);
  const ended = events('grant.revoked', C.id).filter((e) => e.data.grant === g.body.id);
  assert.deepEqual(ended.map((e) => e.data.reason), ['employee_removed']);
  assert.ok(events('member.removed').some((e) => e.partner === P.id && e.data.person === emp.person));
  // no event's data carries a secret or a partner's terms
  for (const [data] of query(ctx.db, 'SELECT data FROM events')) {
    assert.doesNotMatch(data, /password|token|secret|discount|amount_due|partner_price/i, data);
  }
});
