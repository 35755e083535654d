// Closing months and correcting lines (R-BIL-1, R-BIL-2, R-BIL-3, R-SUB-2):
// one story across three months on the test clock, which only goes forward.
//   January: a csk partner posts a new client's first paid month (65%).
//   February: its continuous renewal is posted (60%); January is closed; the
//     January month is cancelled late: February's draft gets a correcting line
//     of minus January's amount naming the request and January's line, and the
//     renewal, now the client's first paid month, is re-derived to 65% in its
//     own (open) line. February is closed.
//   March: the renewal is changed to 12 months: March gets the difference.
// Closed statements' content hashes never move. The attackers: an operator
// and a partner cannot close; two closes at once: one wins; a month that has
// not ended, or is closed, is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from './lib/session.js';
import { query } from './lib/db.js';
import { setup, newPartner, activate, audits, lastMail, uniqueEmail } from './lib/accounts.js';
import { expect } from './lib/expect.js';
import { runCli } from './lib/server.js';

let ctx;
let admin;
let operator;   // the provider's operator: decides requests, never closes a month
let A;          // a csk partner
const PROF = 247200;
const DISTRIBUTOR = uniqueEmail('distributor');
const due = (price, pct) => Math.round(price * (100 - pct) / 100);

const INFO = {
  legal_name: 'ООО Ромашка', inn: '7707083893', kpp: '770701001', contact_person: 'Иван',
  phone: '+7 495 111-11-11', email: 'buh@romashka.test', region: 'Москва', leave_reason: null, leave_comment: '',
};
const sq = (s) => `'${String(s).replace(/'/g, "''")}'`;

/** Move the test clock forward; sessions end over weeks, so everyone signs in again. */
async function clock(now) {
  const r = await ctx.s.fetch('/api/v1/test/clock', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ now }),
  });
  assert.equal(r.status, 200, await r.text());
  for (const [c, email, pw] of signedIn) assert.equal((await c.login(email, pw)).status, 200, email);
}
const signedIn = [];

/** A provider operator: written like `oblako init` writes the admin (no route adds provider staff). */
async function providerOperator() {
  const email = uniqueEmail('operator');
  query(ctx.db, `INSERT INTO persons (email, name, lang, password_hash, created_at, updated_at)
                 SELECT ${sq(email)}, 'Оператор', 'ru', password_hash, 0, 0 FROM persons WHERE email = ${sq(ctx.env.email)}`);
  const [[person]] = query(ctx.db, `SELECT id FROM persons WHERE email = ${sq(email)}`);
  const [[provider]] = query(ctx.db, "SELECT id FROM accounts WHERE kind = 'provider'");
  query(ctx.db, `INSERT INTO memberships (person_id, account_id, roles, created_at) VALUES (${person}, ${provider}, 'operator', 0)`);
  const c = new Client(ctx.s);
  const r = await c.login(email, ctx.env.password);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  signedIn.push([c, email, ctx.env.password]);
  return c;
}

async function newClient(p) {
  const email = uniqueEmail('client');
  const r = await p.owner.post('/api/v1/subscribers', { name: 'ООО Клиент', owner_email: email });
  expect(r, 201);
  expect(await p.owner.put(`/api/v1/subscribers/${r.body.id}/info`, INFO), 200);
  return { id: r.body.id, email, owner: await activate(ctx.s, ctx.db, email) };
}

const main = (c, sub, term = 1, extra = {}) =>
  c.post('/api/v1/subscriptions', { subscriber: sub, kind: 'main', tariff: 'ITSaaS-PROF', term_months: term, ...extra });
const file = (c, body) => c.post('/api/v1/requests', { reason: 'the client asked', ...body });
const decide = (id) => operator.post(`/api/v1/requests/${id}/decision`, { decision: 'apply', note: 'ok' });
const close = (c, month) => c.post(`/api/v1/statement-months/${month}/close`);

/** Draft `month` as the monthly job does, by hand (`oblako jobs run statements`). */
function run(month) {
  return runCli(['jobs', 'run', 'statements', '--month', month, '--db', ctx.db]);
}
function draft(month) {
  const r = run(month);
  assert.equal(r.status, 0, r.stderr);
}

/** Partner A's statement of `month`, through the API. */
async function statementOf(month) {
  const r = await admin.get(`/api/v1/statements?month=${month}&partner=${A.id}`);
  expect(r, 200);
  assert.equal(r.body.items.length, 1, `${month}: ${JSON.stringify(r.body)}`);
  return r.body.items[0];
}

async function linesOf(st) {
  const r = await admin.get(`/api/v1/statements/${st.id}/lines?limit=500`);
  expect(r, 200);
  return r.body.items;
}

before(async () => {
  ctx = await setup('corrections');
  admin = ctx.admin;
  signedIn.push([admin, ctx.env.email, ctx.env.password]);
  await clock('2033-01-10T10:00:00+03:00');
  operator = await providerOperator();
  A = await newPartner(ctx);
  signedIn.push([A.owner, A.email, 'a-good-password-1']);
  expect(await admin.post(`/api/v1/partners/${A.id}/statuses`, { status: 'csk', valid_from: '2033-01-01' }), 201);
  // A's statements are addressed to a distributor, who is mailed at closing too.
  query(ctx.db, `INSERT INTO distributors (name, email, created_at, updated_at) VALUES ('ООО Дистрибьютор', ${sq(DISTRIBUTOR)}, 0, 0)`);
  query(ctx.db, `UPDATE partners SET settle_with = 'distributor', distributor_id = (SELECT id FROM distributors WHERE email = ${sq(DISTRIBUTOR)}) WHERE account_id = ${A.id}`);
});

after(async () => { assert.equal(await ctx.s.stop(), 0); });

test('R-BIL-3 three months: a late cancellation and a late change become correcting lines; closed statements never move', async () => {
  // January: a new client's first paid month.
  const c = await newClient(A);
  const jan = await main(A.owner, c.id, 1, { declarations: { new_client: true } });
  expect(jan, 201);
  assert.deepEqual(jan.body.discount, { pct: 65, rule: 'new_client' }, 'R-BIL-2: csk, new client → 65%');

  // February: its continuous renewal.
  await clock('2033-02-03T10:00:00+03:00');
  const feb = await main(A.owner, c.id);
  expect(feb, 201);
  assert.equal(feb.body.start, jan.body.end);
  assert.deepEqual(feb.body.discount, { pct: 60, rule: 'first_continuous_renewal' }, 'R-BIL-2: first continuous renewal → 60%');
  expect(await close(admin, '2033-02'), 409, 'conflict');     // February has not ended

  // Close January: one of two closes at once wins.
  const both = await Promise.all([close(admin, '2033-01'), close(admin, '2033-01')]);
  assert.deepEqual(both.map((r) => r.status).sort(), [200, 409], JSON.stringify(both.map((r) => r.body)));
  const won = both.find((r) => r.status === 200).body;
  assert.equal(won.month, '2033-01');
  assert.equal(won.state, 'closed');
  const lost = both.find((r) => r.status === 409).body;
  assert.equal(lost.code, 'conflict');
  const again = await close(admin, '2033-01');
  expect(again, 409, 'conflict');
  assert.equal(again.body.reason, 'statement_month.already_closed');
  const sJan = await statementOf('2033-01');
  assert.equal(sJan.state, 'closed');
  assert.equal(sJan.number, `2033-01/${A.id}`);
  assert.equal(sJan.total_due, due(PROF, 65));
  const jan1 = await linesOf(sJan);
  assert.equal(jan1.length, 1);
  assert.equal(jan1[0].line_kind, 'charge');
  assert.equal(jan1[0].amount_due, due(PROF, 65));
  assert.equal(lastMail(ctx.db, A.email).template, 'statement_closed');
  const toPayer = lastMail(ctx.db, DISTRIBUTOR);
  assert.equal(toPayer.template, 'statement_closed');
  assert.match(toPayer.subject, new RegExp(`№ 2033-01/${A.id} за январь 2033`));
  // R-NOT-3 (docs/events.md): one event "statement.closed" per statement, its partner's, once
  // though two closes raced
  const closedEv = query(ctx.db, `SELECT partner_id, data FROM events WHERE kind = 'statement.closed'
    AND partner_id = ${A.id}`).map(([p, d]) => [Number(p), JSON.parse(d)]);
  assert.deepEqual(closedEv.map(([p, d]) => [p, d.month, d.number, d.total_due]),
    [[A.id, '2033-01', `2033-01/${A.id}`, due(PROF, 65)]]);

  // The late cancellation of January's month, decided in February.
  const k = await file(A.owner, { kind: 'subscription_cancel', subscription: jan.body.id });
  expect(k, 201);
  const qk = await operator.get(`/api/v1/requests/${k.body.id}/quote`);
  expect(qk, 200);
  assert.deepEqual(qk.body.statement, { month: '2033-01', state: 'closed', correction: true });
  const kf = await file(A.owner, { kind: 'subscription_change', subscription: feb.body.id, changes: { term_months: 3 } });
  expect(kf, 201);
  const qf = await operator.get(`/api/v1/requests/${kf.body.id}/quote`);
  assert.deepEqual(qf.body.statement, { month: '2033-02', state: 'open', correction: false }, 'an open month has no correction');
  expect(await operator.post(`/api/v1/requests/${kf.body.id}/decision`, { decision: 'reject', note: 'no' }), 200);
  expect(await decide(k.body.id), 200);
  const renewal = (await admin.get(`/api/v1/subscriptions/${feb.body.id}`)).body;
  assert.deepEqual(renewal.discount, { pct: 65, rule: 'new_client' },
    'R-BIL-2, R-SUB-2: the first paid month cancelled, its renewal is the new client\'s first → 65%');
  assert.equal(renewal.amount_due, due(PROF, 65));
  assert.ok(audits(ctx.db, 'subscription.rederived').some((a) => Number(a[1]) === feb.body.id));
  assert.deepEqual(query(ctx.db, `SELECT request_id FROM subscriptions WHERE id IN (${jan.body.id}, ${feb.body.id}) ORDER BY id`),
    [[String(k.body.id)], [String(k.body.id)]]);

  // February's draft: the renewal's own line at 65%, then minus January's line.
  draft('2033-02');
  const sFeb = await statementOf('2033-02');
  assert.equal(sFeb.state, 'draft');
  const feb1 = await linesOf(sFeb);
  assert.equal(feb1.length, 2, JSON.stringify(feb1));
  assert.equal(feb1[0].line_kind, 'charge');
  assert.equal(feb1[0].discount_pct, 65);
  assert.equal(feb1[0].rule, 'new_client');
  assert.equal(feb1[0].amount_due, due(PROF, 65));
  assert.equal(feb1[1].line_kind, 'correction');
  assert.equal(feb1[1].amount_due, -due(PROF, 65), 'R-BIL-3: minus what January charged');
  assert.equal(feb1[1].corrects.statement, sJan.id);
  assert.equal(feb1[1].corrects.number, sJan.number);
  assert.equal(feb1[1].corrects.seq, 1);
  assert.equal(feb1[1].request, k.body.id);
  assert.equal(feb1[1].rule, 'new_client', 'a correcting line keeps the rule of the line it corrects');
  assert.equal(sFeb.total_due, 0);
  // A closed month never changes: the run refuses it; its hash and lines stay.
  assert.notEqual(run('2033-01').status, 0, 'a closed month is not run again');
  expect(await admin.post('/api/v1/statement-months/2033-01/runs'), 409, 'conflict');
  assert.equal((await statementOf('2033-01')).content_hash, sJan.content_hash);
  assert.deepEqual(await linesOf(sJan), jan1);

  // March: close February; then change the renewal.
  await clock('2033-03-01T00:00:00+03:00');   // the first instant after February, Moscow time
  expect(await close(A.owner, '2033-02'), 403, 'forbidden');
  expect(await close(operator, '2033-02'), 403, 'forbidden');
  expect(await close(admin, '2033-02'), 200);
  const sFebClosed = await statementOf('2033-02');
  assert.equal(sFebClosed.number, `2033-02/${A.id}`);
  const ch = await file(A.owner, { kind: 'subscription_change', subscription: feb.body.id, changes: { term_months: 12 } });
  expect(ch, 201);
  const qc = await operator.get(`/api/v1/requests/${ch.body.id}/quote`);
  assert.deepEqual(qc.body.statement, { month: '2033-02', state: 'closed', correction: true });
  expect(await decide(ch.body.id), 200);
  const year = (await admin.get(`/api/v1/subscriptions/${feb.body.id}`)).body;
  assert.equal(year.term_months, 12);
  assert.deepEqual(year.discount, { pct: 65, rule: 'new_client' });
  draft('2033-03');
  const mar = await linesOf(await statementOf('2033-03'));
  assert.equal(mar.length, 1, JSON.stringify(mar));
  assert.equal(mar[0].line_kind, 'correction');
  assert.equal(mar[0].amount_due, due(PROF * 12, 65) - due(PROF, 65), 'R-BIL-3: what it owes now less what February charged');
  assert.equal(mar[0].corrects.statement, sFeb.id);
  assert.equal(mar[0].corrects.seq, 1);
  assert.equal(mar[0].request, ch.body.id);
  // A second run gives the same lines; the closed months have not moved.
  draft('2033-03');
  assert.deepEqual(await linesOf(await statementOf('2033-03')), mar);
  assert.equal((await statementOf('2033-01')).content_hash, sJan.content_hash);
  assert.equal((await statementOf('2033-02')).content_hash, sFebClosed.content_hash);
  assert.deepEqual(await linesOf(sFebClosed), feb1);
});

test('R-BIL-3 months close in order, by the provider\'s administrator only; bad months are refused', async () => {
  expect(await close(admin, '2033-13'), 400, 'invalid');
  expect(await close(admin, 'march'), 400, 'invalid');
  await clock('2033-03-31T23:59:00+03:00');   // the clock runs on: a minute to spare
  const early = await close(admin, '2033-03');
  expect(early, 409, 'conflict');
  assert.equal(early.body.reason, 'statement_month.not_ended', 'the last minute of March is still March');
  await clock('2033-05-02T10:00:00+03:00');
  // An API token closes no more than its login may: a partner owner's token and the provider
  // operator's token are refused; the administrator's token closes.
  const [[provider]] = query(ctx.db, "SELECT id FROM accounts WHERE kind = 'provider'");
  const viaToken = (tok, month) => ctx.s.fetch(`/api/v1/statement-months/${month}/close`,
    { method: 'POST', headers: { authorization: `Bearer ${tok.body.token}` } });
  const ownerTok = await A.owner.post('/api/v1/tokens', { account: A.id, roles: 'owner', name: 'close' });
  const operatorTok = await operator.post('/api/v1/tokens', { account: Number(provider), roles: 'operator', name: 'close' });
  const adminTok = await admin.post('/api/v1/tokens', { account: Number(provider), roles: 'admin', name: 'close' });
  for (const tok of [ownerTok, operatorTok, adminTok]) expect(tok, 201);
  for (const tok of [ownerTok, operatorTok]) {
    const t = await viaToken(tok, '2033-03');
    assert.ok(t.status === 403 || t.status === 404, `a token refused, not ${t.status}`);
  }
  const r = await close(admin, '2033-04');
  expect(r, 409, 'conflict');
  assert.equal(r.body.reason, 'statement_month.earlier_open');
  assert.match(JSON.stringify(r.body), /2033-03/, 'March, with statements, is still open');
  expect(await close(admin, '2033-03'), 200);
  expect(await close(admin, '2033-04'), 200);
  // After the last closed month the next to close is the month after it, with statements or not.
  await clock('2033-07-02T10:00:00+03:00');
  const gap = await close(admin, '2033-06');
  expect(gap, 409, 'conflict');
  assert.equal(gap.body.reason, 'statement_month.earlier_open');
  assert.match(JSON.stringify(gap.body.params), /2033-05/);
  assert.equal((await viaToken(adminTok, '2033-05')).status, 200, "the administrator's admin token closes");
  expect(await close(admin, '2033-06'), 200);
});
