// Monthly partner statements (R-BIL-1..4): the lines of a month by rule, with
// the amounts derived from the partner guide's percentages, totals, a re-run
// that gives the same content hash, attribution by posting, and who may read
// them. One server, data made once in month M = 2031-03 with the test clock;
// the run is asked for through the API and waited for.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from './lib/session.js';
import { setup, newPartner, activate, uniqueEmail } from './lib/accounts.js';
import { raw, query } from './lib/db.js';
import { runCli } from './lib/server.js';
import { expect } from './lib/expect.js';

const M = '2031-03';
const PROF = 247200;              // ITSaaS-PROF, one month, retail (the standard catalog)
const due = (price, pct) => price - Math.round(price * pct / 100);
const INFO = {
  legal_name: 'ООО Ромашка', inn: '7707083893', kpp: '770701001', contact_person: 'Иван',
  phone: '+7 495 111-11-11', email: 'buh@romashka.test', region: 'Москва', leave_reason: null, leave_comment: '',
};
let ctx;
const P = {};                     // partners by letter
const S = {};                     // subscriptions by name: {id, subscriber}
let cl = {};                      // clients by name

async function clock(now) {
  const r = await ctx.s.fetch('/api/v1/test/clock', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ now }),
  });
  assert.equal(r.status, 200, await r.text());
}

async function signIn(email, password = 'a-good-password-1') {
  const c = new Client(ctx.s);
  const r = await c.login(email, password);
  assert.equal(r.status, 200, `${email}: ${JSON.stringify(r.body)}`);
  return c;
}

/** After the clock jumps every session has idled out: sign everyone in again. */
async function relogin() {
  ctx.admin = await signIn(ctx.env.email, ctx.env.password);
  for (const p of Object.values(P)) p.owner = await signIn(p.email);
}

async function newClient(p) {
  const email = uniqueEmail('client');
  const r = await p.owner.post('/api/v1/subscribers', { name: `ООО Клиент ${email.slice(6, 12)}`, owner_email: email });
  expect(r, 201);
  expect(await p.owner.put(`/api/v1/subscribers/${r.body.id}/info`, INFO), 200);
  return { id: r.body.id, email, owner: await activate(ctx.s, ctx.db, email) };
}

async function post(p, name, body, by = p.owner) {
  const r = await by.post('/api/v1/subscriptions', body);
  expect(r, 201);
  S[name] = { id: r.body.id, subscriber: body.subscriber, body: r.body };
  return r.body;
}

/** Ask for a run of `month` and wait until it is done; returns the month view. */
async function draft(month = M) {
  const r = await ctx.admin.post(`/api/v1/statement-months/${month}/runs`);
  expect(r, 202);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const m = await ctx.admin.get(`/api/v1/statement-months/${month}`);
    expect(m, 200);
    if (m.body.run && m.body.run.id >= r.body.id && m.body.run.state !== 'running') {
      assert.equal(m.body.run.state, 'done', JSON.stringify(m.body.run));
      return m.body;
    }
    assert.ok(Date.now() < deadline, `run of ${month} not done: ${JSON.stringify(m.body.run)}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

async function statementOf(client, partner, month = M) {
  const r = await client.get(`/api/v1/statements?partner=${partner}&month=${month}`);
  expect(r, 200);
  assert.equal(r.body.items.length, 1, JSON.stringify(r.body));
  return r.body.items[0];
}

async function linesOf(client, id, q = '') {
  const r = await client.get(`/api/v1/statements/${id}/lines?limit=500${q}`);
  expect(r, 200);
  return r.body.items;
}

const bySub = (lines, name) => lines.filter((l) => l.subscription === S[name].id);

before(async () => {
  ctx = await setup('statements');
  await clock('2031-03-02T10:00:00+03:00');
  await relogin();
  for (const k of ['A', 'B', 'C', 'D']) {
    P[k] = await newPartner(ctx, { name: `Партнёр ${k}` });
  }
  await relogin();
  for (const k of ['A', 'D']) {
    expect(await ctx.admin.post(`/api/v1/partners/${P[k].id}/statuses`, { status: 'csk', valid_from: '2031-03-01' }), 201);
  }
  // individual terms (R-BIL-2): a percentage set on the partner; no API sets it yet
  raw(ctx.db, `UPDATE partners SET individual_discount = 30 WHERE account_id = ${P.C.id}`);
  for (const n of ['a1', 'a2', 'a3', 'a4', 'a5']) cl[n] = await newClient(P.A);
  cl.b1 = await newClient(P.B);
  cl.c1 = await newClient(P.C);
  cl.d1 = await newClient(P.D);
  cl.d2 = await newClient(P.D);
  const main = (c, extra = {}) => ({ subscriber: cl[c].id, kind: 'main', tariff: 'ITSaaS-PROF', term_months: 1, ...extra });
  // a1: a new client, its continuous renewal, a later renewal, a short extension
  await post(P.A, 'a1_new', main('a1', { declarations: { new_client: true } }));
  await post(P.A, 'a1_ren1', main('a1'));
  await post(P.A, 'a1_ren2', main('a1'));
  await post(P.A, 'a1_short', { subscriber: cl.a1.id, kind: 'short_extension' }, cl.a1.owner);
  // a2: moved from a local ITS contract
  await post(P.A, 'a2_its', main('a2', { declarations: { from_local_its: true } }));
  // a3: its_local against a contract with A: a line at 0
  expect(await ctx.admin.post('/api/v1/its-contracts', {
    number: `ITS-${cl.a3.id}`, level: 'PROF', partner: P.A.id, subscriber: cl.a3.id, valid_from: '2031-03-01', valid_to: '2031-06-01',
  }), 201);
  await post(P.A, 'a3_local', { subscriber: cl.a3.id, kind: 'its_local' });
  // a4: a free main (CRM-START) is no line; its trial neither
  await post(P.A, 'a4_free', { subscriber: cl.a4.id, kind: 'main', tariff: 'CRM-START', term_months: 1 });
  // a5: a partner tariff: the standard price is the amount, its name beside
  expect(await P.A.owner.post('/api/v1/partner-tariffs', {
    base: 'ITSaaS-PROF', code: 'A-PROF', name_ru: 'Свой ПРОФ', prices: [{ term: 1, amount: 300000 }],
  }), 201);
  await post(P.A, 'a5_pt', { subscriber: cl.a5.id, kind: 'main', tariff: 'A-PROF', term_months: 1, declarations: { new_client: true } });
  await post(P.B, 'b1', main('b1'));
  await post(P.C, 'c1', main('c1'));
  await post(P.D, 'd1_csk', main('d1', { declarations: { new_client: true } }));
  // Mid-month D loses csk: what it posts from then on gets 20% (docs/decisions.md).
  await clock('2031-03-20T10:00:00+03:00');
  await relogin();
  const sts = await ctx.admin.get(`/api/v1/partners/${P.D.id}/statuses`);
  const csk = sts.body.items.find((x) => x.status === 'csk');
  expect(await ctx.admin.del(`/api/v1/partners/${P.D.id}/statuses/${csk.id}`), 204);
  await post(P.D, 'd2_nocsk', main('d2', { declarations: { new_client: true } }));
  // The month's edges in Moscow: 23:59:59 on the 31st is March, 00:00:00 on April 1 is not.
  const edge = (t) => Math.floor(Date.parse(t) / 1000);
  await post(P.B, 'b_last_second', { subscriber: cl.b1.id, kind: 'main', tariff: 'ITSaaS-BASIC', term_months: 1 });
  await post(P.B, 'b_next_month', { subscriber: cl.b1.id, kind: 'main', tariff: 'ITSaaS-SPEC', term_months: 1 });
  raw(ctx.db, `UPDATE subscriptions SET posted_at = ${edge('2031-03-31T23:59:59+03:00')} WHERE id = ${S.b_last_second.id}`);
  raw(ctx.db, `UPDATE subscriptions SET posted_at = ${edge('2031-04-01T00:00:00+03:00')} WHERE id = ${S.b_next_month.id}`);
  // A transfer after posting: a2 is now served by B, its March line stays A's (by posting).
  raw(ctx.db, `UPDATE subscribers SET partner_id = ${P.B.id} WHERE account_id = ${cl.a2.id}`);
  await clock('2031-04-02T10:00:00+03:00');
  await relogin();
});

after(async () => { assert.equal(await ctx.s.stop(), 0); });

test('R-BIL-1/2: the lines of partner A by rule, amounts from the guide, in subscriber code order', async () => {
  const view = await draft();
  assert.equal(view.state, 'open');
  const st = await statementOf(P.A.owner, P.A.id);
  assert.equal(st.state, 'draft');
  assert.equal(st.number, null);
  assert.equal(st.payer.kind, 'provider');
  assert.match(st.content_hash, /^[0-9a-f]{64}$/);
  const lines = await linesOf(P.A.owner, st.id);
  const one = (name) => { const l = bySub(lines, name); assert.equal(l.length, 1, name); return l[0]; };
  // "65% от розничных цен получают партнеры 1С:ЦСК за нового платного клиента"
  let l = one('a1_new');
  assert.deepEqual([l.rule, l.discount_pct, l.price, l.amount_due], ['new_client', 65, PROF, due(PROF, 65)]);
  // "60% ... за первое непрерывное продление нового клиента"
  l = one('a1_ren1');
  assert.deepEqual([l.rule, l.discount_pct, l.amount_due], ['first_continuous_renewal', 60, due(PROF, 60)]);
  // 50%: later renewals, and a client moved from a local ITS contract
  l = one('a1_ren2');
  assert.deepEqual([l.rule, l.discount_pct, l.amount_due], ['later_renewal', 50, due(PROF, 50)]);
  l = one('a2_its');
  assert.deepEqual([l.rule, l.discount_pct, l.amount_due], ['from_local_its', 50, due(PROF, 50)]);
  assert.equal(l.subscriber.id, cl.a2.id, 'R-TRF: attributed by posting, not by the current partner');
  // R-SUB-6: its_local at 0
  l = one('a3_local');
  assert.deepEqual([l.kind, l.price, l.amount_due], ['its_local', 0, 0]);
  // a short extension at its own price, the row's snapshot
  l = one('a1_short');
  assert.equal(l.kind, 'short_extension');
  assert.ok(l.price > 0);
  const [price, pct, amount] = query(ctx.db, `SELECT price, discount_pct, amount_due FROM subscriptions WHERE id = ${S.a1_short.id}`)[0].map(Number);
  assert.deepEqual([l.price, l.discount_pct, l.amount_due], [price, pct, amount]);
  assert.equal(amount, due(price, pct));
  // a partner tariff: the standard tariff's code and price; its own name beside
  l = one('a5_pt');
  assert.deepEqual([l.tariff.code, l.partner_tariff_name, l.price, l.amount_due],
    ['ITSaaS-PROF', 'Свой ПРОФ', PROF, due(PROF, 65)]);
  assert.equal(l.tariff.name_ru.length > 0, true);
  // absent: trials, the free main, PARTNER-OWN (price 0)
  assert.equal(bySub(lines, 'a4_free').length, 0);
  assert.ok(lines.every((x) => x.kind !== 'trial' && x.kind !== 'deferred_renewal' && (x.price > 0 || x.kind === 'its_local')));
  assert.equal(lines.length, 7);
  // seq from 1, ordered by subscriber code then subscription id
  assert.deepEqual(lines.map((x) => x.seq), lines.map((_, i) => i + 1));
  const keys = lines.map((x) => [x.subscriber.code, x.subscription]);
  assert.deepEqual(keys, [...keys].sort((a, b) => a[0] - b[0] || a[1] - b[1]));
  // totals, in all and by rule
  assert.equal(st.lines, 7);
  assert.equal(st.total_price, lines.reduce((s, x) => s + x.price, 0));
  assert.equal(st.total_due, lines.reduce((s, x) => s + x.amount_due, 0));
  const one_ = await P.A.owner.get(`/api/v1/statements/${st.id}`);
  expect(one_, 200);
  const rules = Object.fromEntries(one_.body.by_rule.map((r) => [r.rule, r]));
  for (const [rule, r] of Object.entries(rules)) {
    const of = lines.filter((x) => x.rule === rule);
    assert.deepEqual([r.lines, r.amount_due], [of.length, of.reduce((s, x) => s + x.amount_due, 0)], rule);
  }
  assert.ok(rules.new_client.lines >= 2);
  assert.equal(one_.body.by_rule.reduce((s, r) => s + r.amount_due, 0), st.total_due);
  // filters and paging
  const only = await linesOf(P.A.owner, st.id, '&rule=new_client');
  assert.deepEqual(only.map((x) => x.seq), lines.filter((x) => x.rule === 'new_client').map((x) => x.seq));
  assert.ok(only.some((x) => x.subscription === S.a1_new.id) && only.some((x) => x.subscription === S.a5_pt.id));
  const sub = await linesOf(P.A.owner, st.id, `&subscriber=${cl.a1.id}`);
  assert.equal(sub.length, 4);
  const page = await P.A.owner.get(`/api/v1/statements/${st.id}/lines?limit=3`);
  assert.equal(page.body.items.length, 3);
  const next = await P.A.owner.get(page.body.next.replace(/^https?:\/\/[^/]+/, ''));
  assert.deepEqual(next.body.items.map((x) => x.seq), [4, 5, 6]);
  const csv = await P.A.owner.get(`/api/v1/statements/${st.id}/lines?format=csv`);
  expect(csv, 200);
  assert.equal(csv.body.replace(/^\uFEFF/, '').trim().split('\r\n').length, 8);
});

test('R-BIL-2: without csk 20%, individual terms, csk withdrawn mid-month, the month edges in Moscow', async () => {
  const b = await linesOf(P.B.owner, (await statementOf(P.B.owner, P.B.id)).id);
  const bl = bySub(b, 'b1')[0];
  assert.deepEqual([bl.rule, bl.discount_pct, bl.amount_due], ['partner_without_csk', 20, due(PROF, 20)]);
  assert.equal(bySub(b, 'b_last_second').length, 1, '23:59:59 Moscow on the 31st is in March');
  assert.equal(bySub(b, 'b_next_month').length, 0, '00:00:00 Moscow on April 1 is not');
  assert.equal(bySub(b, 'a2_its').length, 0, 'the transferred client\'s March line is A\'s');
  const c = await linesOf(P.C.owner, (await statementOf(P.C.owner, P.C.id)).id);
  assert.deepEqual([c[0].rule, c[0].discount_pct, c[0].amount_due], ['individual_terms', 30, due(PROF, 30)]);
  // "Если партнер получил скидку от 50% и не консультирует своих клиентов, то скидку можем
  // уменьшить": judged on the posting date; a posting before the withdrawal keeps its csk rule.
  const d = await linesOf(P.D.owner, (await statementOf(P.D.owner, P.D.id)).id);
  assert.deepEqual([bySub(d, 'd1_csk')[0].rule, bySub(d, 'd1_csk')[0].discount_pct], ['new_client', 65]);
  assert.deepEqual([bySub(d, 'd2_nocsk')[0].rule, bySub(d, 'd2_nocsk')[0].discount_pct], ['partner_without_csk', 20]);
  // April holds the posting of 00:00:00 on the 1st
  await draft('2031-04');
  const apr = await linesOf(P.B.owner, (await statementOf(P.B.owner, P.B.id, '2031-04')).id);
  assert.equal(bySub(apr, 'b_next_month').length, 1);
});

test('R-BIL-3: a re-run of an open month gives the same lines and hash; runs in parallel agree', async () => {
  const before_ = (await ctx.admin.get(`/api/v1/statements?month=${M}&limit=500`)).body.items;
  const snapshot = (items) => Object.fromEntries(items.map((s) => [s.partner.id, [s.id, s.content_hash, s.lines, s.total_due]]));
  const lineDump = () => raw(ctx.db, `SELECT l.* FROM statement_lines l JOIN statements s ON s.id = l.statement_id WHERE s.month = '${M}' ORDER BY l.statement_id, l.seq`);
  const dump = lineDump();
  await draft();
  const again = (await ctx.admin.get(`/api/v1/statements?month=${M}&limit=500`)).body.items;
  assert.deepEqual(snapshot(again), snapshot(before_));
  assert.equal(lineDump(), dump, 'byte-identical lines');
  // Two API runs and one by hand at once: one consistent result (R-OPS-3).
  const [r1, r2] = await Promise.all([
    ctx.admin.post(`/api/v1/statement-months/${M}/runs`), ctx.admin.post(`/api/v1/statement-months/${M}/runs`),
  ]);
  expect(r1, 202);
  expect(r2, 202);
  const cli = runCli(['jobs', 'run', 'statements', '--month', M, '--db', ctx.db]);
  assert.ok(cli.status === 0 || /being drafted/.test(cli.stderr), cli.stderr);
  await draft();
  const last = (await ctx.admin.get(`/api/v1/statements?month=${M}&limit=500`)).body.items;
  assert.deepEqual(snapshot(last), snapshot(before_));
  assert.equal(lineDump(), dump);
  const view = await ctx.admin.get(`/api/v1/statement-months/${M}`);
  assert.equal(view.body.partners.length, 4);
  assert.equal(view.body.total_due, last.reduce((s, x) => s + x.total_due, 0));
  assert.equal(view.body.by_payer[0].kind, 'provider');
  assert.equal(view.body.by_rule.reduce((s, x) => s + x.amount_due, 0), view.body.total_due);
  const months = await ctx.admin.get('/api/v1/statement-months?last=3');
  expect(months, 200);
  assert.ok(months.body.items.some((m) => m.month === M && m.total_due === view.body.total_due));
});

test('access: another partner 404, a subscriber none, a token as its owner, months for provider staff only', async () => {
  const a = await statementOf(ctx.admin, P.A.id);
  expect(await P.B.owner.get(`/api/v1/statements/${a.id}`), 404, 'not_found');
  expect(await P.B.owner.get(`/api/v1/statements/${a.id}/lines`), 404, 'not_found');
  expect(await P.B.owner.get(`/api/v1/statements/${a.id}?format=csv`), 404, 'not_found');
  // R-BIL-4: its own partner downloads it, after the same check
  for (const [format, type] of [['csv', /^text\/csv/], ['xlsx', /spreadsheetml/]]) {
    const doc = await P.A.owner.get(`/api/v1/statements/${a.id}?format=${format}`);
    assert.equal(doc.status, 200, `${format}: ${JSON.stringify(doc.body).slice(0, 300)}`);
    assert.match(doc.headers.get('content-type'), type);
    assert.match(doc.headers.get('content-disposition'), new RegExp(`statement-${M}-draft-${a.id}\\.${format}`));
  }
  expect(await P.A.owner.get(`/api/v1/statements/${a.id}?format=doc`), 400, 'invalid', 'format');
  const mine = await P.B.owner.get('/api/v1/statements?limit=500');
  assert.ok(mine.body.items.length > 0 && mine.body.items.every((s) => s.partner.id === P.B.id));
  assert.equal((await P.B.owner.get(`/api/v1/statements?partner=${P.A.id}`)).body.items.length, 0);
  const subscriber = await signIn(cl.a1.email);
  const none = await subscriber.get('/api/v1/statements');
  expect(none, 200);
  assert.equal(none.body.items.length, 0, 'a subscriber never sees its partner\'s statement');
  expect(await subscriber.get(`/api/v1/statements/${a.id}`), 404, 'not_found');
  for (const c of [P.A.owner, subscriber]) {
    const r = await c.get(`/api/v1/statement-months/${M}`);
    assert.ok(r.status === 403 || r.status === 404, String(r.status));
    const p = await c.post(`/api/v1/statement-months/${M}/runs`);
    assert.ok(p.status === 403 || p.status === 404, String(p.status));
  }
  const tok = await P.A.owner.post('/api/v1/tokens', { account: P.A.id, roles: 'owner', name: 'statements' });
  expect(tok, 201);
  const bearer = { authorization: `Bearer ${tok.body.token}` };
  const viaToken = await ctx.s.fetch(`/api/v1/statements/${a.id}`, { headers: bearer });
  assert.equal(viaToken.status, 200);
  const b = await statementOf(ctx.admin, P.B.id);
  assert.equal((await ctx.s.fetch(`/api/v1/statements/${b.id}`, { headers: bearer })).status, 404);
  assert.equal((await ctx.s.fetch(`/api/v1/statement-months/${M}`, { headers: bearer })).status, 403);
  expect(await ctx.admin.get('/api/v1/statement-months/2031-13'), 400, 'invalid', 'month');
});

test('a closed month is never touched: a run is refused', async () => {
  raw(ctx.db, "INSERT INTO statement_months (month, state, closed_at) VALUES ('2031-01', 'closed', 1)");
  expect(await ctx.admin.post('/api/v1/statement-months/2031-01/runs'), 409, 'conflict');
  const cli = runCli(['jobs', 'run', 'statements', '--month', '2031-01', '--db', ctx.db]);
  assert.notEqual(cli.status, 0);
  assert.match(cli.stderr, /closed/);
});
