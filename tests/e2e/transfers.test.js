// R-TRF-1: a client moves to another partner. The new partner uploads the
// client's letter (its type read from its bytes) and files the transfer; the
// provider forwards it; the current partner agrees or objects by a deadline
// (silence agrees); the provider approves or rejects. On approval the old
// partner loses the client, its employees' grants end with their sessions,
// and the new partner's next posting continues the client's chain. One
// server, data made once; the test clock moves forward only in the last test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { setup, newPartner, newEmployee, audits } from './lib/accounts.js';
import { withBackend, newClient, readyArea } from './lib/areas.js';
import { query } from './lib/db.js';
import { runCli } from './lib/server.js';
import { expect } from './lib/expect.js';

let ctx;
let cb;
let OLD; // the partner serving the clients now (no status)
let NEW; // the partner the clients ask to move to (csk)
let OTHER; // a partner with nothing to do with it
let today;

// Small files of each kind, made here.
const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(32, 1)]);
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(32, 2)]);
const HTML = Buffer.from('<!doctype html><script>alert(1)</script>');

/** Uploads bytes as the client's letter: by a signed-in Client or an API token. */
async function upload(who, partner, bytes, name = 'letter.pdf', type = 'application/pdf') {
  const headers = { 'content-type': type };
  if (typeof who === 'string') headers.authorization = `Bearer ${who}`;
  else {
    headers.cookie = `oblako_session=${who.cookie}`;
    headers['x-csrf-token'] = who.csrf;
  }
  const res = await ctx.s.fetch(`/api/v1/transfer-letters?partner=${partner}&name=${encodeURIComponent(name)}`,
    { method: 'POST', headers, body: bytes });
  return { status: res.status, body: await res.json() };
}

async function bearer(token, method, path, body) {
  const res = await ctx.s.fetch(path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json() };
}

/** A client of OLD with a paid year of ITSaaS-PROF posted by OLD. */
async function paidClient(name) {
  const c = await newClient(ctx, OLD, name);
  const m = await OLD.owner.post('/api/v1/subscriptions',
    { subscriber: c.id, kind: 'main', tariff: 'ITSaaS-PROF', term_months: 12, declarations: { new_client: true } });
  expect(m, 201);
  const code = (await OLD.owner.get(`/api/v1/subscribers/${c.id}`)).body.reporting_number;
  return { ...c, code, main: m.body };
}

/** Files a transfer of client c to NEW by NEW's owner; returns the transfer. */
async function file(c, reason = 'Переходим к партнёру ближе к офису') {
  const l = await upload(NEW.owner, NEW.id, PDF);
  expect(l, 201);
  const t = await NEW.owner.post('/api/v1/transfers', { partner: NEW.id, subscriber: c.code, reason, letter: l.body.id });
  expect(t, 201);
  return t.body;
}

before(async () => {
  ctx = await setup('transfers');
  cb = await withBackend(ctx);
  today = (await (await ctx.s.fetch('/api/v1/test/clock')).json()).date;
  OLD = await newPartner(ctx, { name: 'Бета Консалтинг', lang: 'ru' });
  NEW = await newPartner(ctx, { name: 'Альфа Софт', lang: 'ru' });
  OTHER = await newPartner(ctx, { name: 'Гамма' });
  expect(await ctx.admin.post(`/api/v1/partners/${NEW.id}/statuses`, { status: 'csk', valid_from: today }), 201);
});
after(async () => {
  await cb?.stop();
  assert.equal(await ctx.s.stop(), 0);
});

test('R-TRF-1: the whole path — file, forward, object, approve; the old partner loses the client, its grants end, the chain goes on', async () => {
  const c = await paidClient('ООО Переезд');
  const area = await readyArea(c.owner, c.id, 'Бухгалтерия');
  const emp = await newEmployee(ctx, OLD, ['consultant']);
  expect(await c.owner.post('/api/v1/grants', { area: area.id, email: emp.email, until: today }), 201);
  const session = await emp.client.post('/api/v1/sessions', { area: area.id });
  expect(session, 201);

  // before approval the new partner may not post for the client
  const renewal = { subscriber: c.id, kind: 'main', tariff: 'ITSaaS-PROF', term_months: 1 };
  expect(await NEW.owner.post('/api/v1/subscriptions/quote', renewal), 404, 'not_found');

  const t = await file(c);
  assert.equal(t.state, 'filed');
  assert.equal(t.subscriber.reporting_number, c.code);
  assert.equal(t.from_partner.id, OLD.id);
  assert.equal(t.to_partner.id, NEW.id);
  assert.equal(t.letter.content_type, 'application/pdf');
  assert.equal(t.answer.state, '');
  // a second transfer of the same client while one is under way
  const l2 = await upload(NEW.owner, NEW.id, PDF);
  expect(await NEW.owner.post('/api/v1/transfers', { partner: NEW.id, subscriber: c.code, reason: 'ещё раз', letter: l2.body.id }), 409, 'conflict');
  // the current partner knows nothing of it until the provider forwards it
  expect(await OLD.owner.get(`/api/v1/transfers/${t.id}`), 404, 'not_found');
  expect(await OLD.owner.get(`/api/v1/transfers/${t.id}/letter`), 404, 'not_found');
  assert.ok(!(await OLD.owner.get('/api/v1/transfers')).body.items.some((x) => x.id === t.id));
  expect(await OTHER.owner.get(`/api/v1/transfers/${t.id}`), 404, 'not_found');
  expect(await c.owner.get(`/api/v1/transfers/${t.id}`), 404, 'not_found');
  assert.deepEqual((await c.owner.get('/api/v1/transfers')).body.items, []);
  // the provider cannot approve before forwarding; partners cannot forward
  expect(await ctx.admin.post(`/api/v1/transfers/${t.id}/decision`, { decision: 'approve' }), 409, 'conflict');
  expect(await NEW.owner.post(`/api/v1/transfers/${t.id}/forward`), 403, 'forbidden');

  const f = await ctx.admin.post(`/api/v1/transfers/${t.id}/forward`);
  expect(f, 200);
  assert.equal(f.body.state, 'forwarded');
  assert.equal(f.body.answer.state, 'waiting');
  // R-TRF-1: the deadline is --transfer-answer-days (5) after forwarding
  assert.equal(Date.parse(f.body.answer.due) - Date.parse(f.body.forwarded_at), 5 * 86400 * 1000);
  expect(await ctx.admin.post(`/api/v1/transfers/${t.id}/forward`), 409, 'conflict');
  // now the current partner sees it and its letter, served as stored
  expect(await OLD.owner.get(`/api/v1/transfers/${t.id}`), 200);
  const letter = await ctx.s.fetch(`/api/v1/transfers/${t.id}/letter`,
    { headers: { cookie: `oblako_session=${OLD.owner.cookie}` } });
  assert.equal(letter.status, 200);
  assert.equal(letter.headers.get('content-type'), 'application/pdf');
  assert.match(letter.headers.get('content-disposition'), /^attachment; filename="letter-\d+\.pdf"$/);
  assert.equal(letter.headers.get('x-content-type-options'), 'nosniff');
  assert.deepEqual(Buffer.from(await letter.arrayBuffer()), PDF);
  expect(await OTHER.owner.get(`/api/v1/transfers/${t.id}/letter`), 404, 'not_found');
  // approval waits for the answer or the deadline; the new partner cannot answer for the old
  expect(await ctx.admin.post(`/api/v1/transfers/${t.id}/decision`, { decision: 'approve' }), 409, 'conflict');
  expect(await NEW.owner.post(`/api/v1/transfers/${t.id}/answer`, { answer: 'agree' }), 403, 'forbidden');
  expect(await OTHER.owner.post(`/api/v1/transfers/${t.id}/answer`, { answer: 'agree' }), 404, 'not_found');
  // an objection needs a comment
  expect(await OLD.owner.post(`/api/v1/transfers/${t.id}/answer`, { answer: 'object' }), 400, 'invalid', 'comment');
  const o = await OLD.owner.post(`/api/v1/transfers/${t.id}/answer`, { answer: 'object', comment: 'Клиент не оплатил доработку' });
  expect(o, 200);
  assert.equal(o.body.answer.state, 'objected');
  expect(await OLD.owner.post(`/api/v1/transfers/${t.id}/answer`, { answer: 'agree' }), 409, 'conflict');

  // an objection does not forbid approval: the provider sees it and decides
  const seen = await ctx.admin.get(`/api/v1/transfers/${t.id}`);
  assert.equal(seen.body.answer.comment, 'Клиент не оплатил доработку');
  const a = await ctx.admin.post(`/api/v1/transfers/${t.id}/decision`, { decision: 'approve', note: 'письмо клиента в порядке' });
  expect(a, 200);
  assert.equal(a.body.state, 'approved');

  // the client is NEW's from now: OLD gets 404 on the client, its areas, its subscriptions
  assert.equal((await ctx.admin.get(`/api/v1/subscribers/${c.id}`)).body.partner.id, NEW.id);
  expect(await OLD.owner.get(`/api/v1/subscribers/${c.id}`), 404, 'not_found');
  expect(await OLD.owner.get(`/api/v1/areas/${area.id}`), 404, 'not_found');
  expect(await OLD.owner.get(`/api/v1/subscriptions/${c.main.id}`), 404, 'not_found');
  assert.ok(!(await OLD.owner.get('/api/v1/subscribers?limit=500')).body.items.some((x) => x.id === c.id));
  // its employee's grant ended with the reason, the session closed
  const g = (await c.owner.get(`/api/v1/grants?subscriber=${c.id}`)).body.items[0];
  assert.equal(g.state, 'ended');
  assert.equal(g.ended_reason, 'partner_changed');
  const s = await c.owner.get(`/api/v1/sessions/${session.body.id}`);
  assert.equal(s.body.state, 'closed');
  expect(await emp.client.post('/api/v1/sessions', { area: area.id }), 404, 'not_found');
  // R-BIL-2 after a transfer: the client's chain goes on, so NEW's next main is its first
  // continuous renewal (60% with csk), not a new client's 65%
  const q = await NEW.owner.post('/api/v1/subscriptions/quote', renewal);
  expect(q, 200);
  assert.deepEqual(q.body.discount, { pct: 60, rule: 'first_continuous_renewal' });
  expect(await OLD.owner.post('/api/v1/subscriptions/quote', renewal), 404, 'not_found');
  // the past subscription stays OLD's (statements attribute by posting); NEW sees it, but not
  // OLD's discount and amount due
  assert.equal(Number(query(ctx.db, `SELECT partner_id FROM subscriptions WHERE id = ${c.main.id}`)[0][0]), OLD.id);
  const past = await NEW.owner.get(`/api/v1/subscriptions/${c.main.id}`);
  expect(past, 200);
  assert.equal(past.body.price, c.main.price);
  assert.ok(!('discount' in past.body) && !('amount_due' in past.body), JSON.stringify(past.body));
  assert.deepEqual((await ctx.admin.get(`/api/v1/subscriptions/${c.main.id}`)).body.discount, c.main.discount);

  // every step audited, and mailed to both partners (the filing only to the new one)
  for (const action of ['transfer.filed', 'transfer.forwarded', 'transfer.objected', 'transfer.approved']) {
    assert.equal(audits(ctx.db, action).filter((x) => Number(x[1]) === t.id).length, 1, action);
  }
  assert.equal(audits(ctx.db, 'subscriber.partner_changed').filter((x) => Number(x[0]) === c.id).length, 1);
  const mails = (email) => query(ctx.db, `SELECT subject FROM outbox WHERE to_addr = '${email}' AND template = 'transfer_step' ORDER BY id`).map((r) => r[0]);
  assert.equal(mails(NEW.email).filter((x) => x.includes(c.code)).length, 4);
  assert.equal(mails(OLD.email).filter((x) => x.includes(c.code)).length, 3);
  assert.match(mails(OLD.email)[0], /перевод абонента/);
  // R-NOT-3 (docs/events.md): an event "transfer.step" for each partner told of each step
  const steps = query(ctx.db, `SELECT partner_id, data FROM events WHERE kind = 'transfer.step' AND subscriber_id = ${c.id} ORDER BY id`)
    .map(([p, d]) => [Number(p), JSON.parse(d).step, JSON.parse(d).side]);
  assert.deepEqual(steps, [[NEW.id, 'filed', 'to'], [NEW.id, 'forwarded', 'to'], [OLD.id, 'forwarded', 'from'],
    [NEW.id, 'object', 'to'], [OLD.id, 'object', 'from'], [NEW.id, 'approved', 'to'], [OLD.id, 'approved', 'from']]);
  // the grant the move ended: the client's owner is told, and the event says why
  const ended = query(ctx.db, `SELECT data FROM events WHERE kind = 'grant.revoked' AND subscriber_id = ${c.id}`)
    .map(([d]) => JSON.parse(d).reason);
  assert.deepEqual(ended, ['partner_changed']);
  assert.equal(query(ctx.db, `SELECT COUNT(*) FROM outbox WHERE template = 'grant_revoked_owner' AND to_addr = '${c.email}'`)[0][0], '1');
});

test('R-TRF-1: the letter\'s type is read from its bytes; a bad file is refused with a reason', async () => {
  const png = await upload(NEW.owner, NEW.id, PNG, 'letter.pdf', 'application/pdf');
  expect(png, 201);
  assert.equal(png.body.content_type, 'image/png', 'a .pdf name holding a PNG is a PNG');
  assert.equal(png.body.size, PNG.length);
  assert.match(png.body.sha256, /^[0-9a-f]{64}$/);
  const jpg = await upload(NEW.owner, NEW.id, JPEG, 'scan.jpg', 'image/jpeg');
  assert.equal(jpg.body.content_type, 'image/jpeg');
  const html = await upload(NEW.owner, NEW.id, HTML, 'letter.pdf', 'application/pdf');
  expect(html, 400, 'invalid', 'letter');
  assert.equal(html.body.reason, 'transfer.letter_type');
  const empty = await upload(NEW.owner, NEW.id, Buffer.alloc(0));
  expect(empty, 400, 'invalid', 'letter');
  const big = Buffer.concat([PDF, Buffer.alloc(10 * 1024 * 1024 + 1 - PDF.length)]);
  const tooBig = await upload(NEW.owner, NEW.id, big);
  expect(tooBig, 400, 'invalid', 'letter');
  assert.equal(tooBig.body.reason, 'transfer.letter_too_large');
  // past the upload route's own cap (11 MB) the body is not even read: answered on the head
  const huge = await new Promise((resolve, reject) => {
    const u = new URL(`/api/v1/transfer-letters?partner=${NEW.id}`, ctx.s.url);
    const req = http.request(u, {
      method: 'POST',
      headers: { 'content-length': 11 * 1024 * 1024 + 1, cookie: `oblako_session=${NEW.owner.cookie}`, 'x-csrf-token': NEW.owner.csrf },
    }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.flushHeaders();
  });
  expect(huge, 413, 'too_large');
  assert.equal(Number(huge.body.params.body_max), 11 * 1024 * 1024, 'the upload cap, not --body-max');
  // the Russian cabinet gets the reason in Russian
  const ru = await ctx.s.fetch(`/api/v1/transfer-letters?partner=${NEW.id}`, {
    method: 'POST', body: HTML,
    headers: { cookie: `oblako_session=${NEW.owner.cookie}`, 'x-csrf-token': NEW.owner.csrf, 'accept-language': 'ru' },
  });
  assert.match((await ru.json()).detail ?? '', /PDF, JPEG или PNG|PDF, JPEG or PNG/);
  // a letter of one partner cannot be used by another
  const c = await paidClient('ООО Чужое письмо');
  const other = await OTHER.owner.post('/api/v1/transfers', { partner: OTHER.id, subscriber: c.code, reason: 'x', letter: png.body.id });
  expect(other, 400, 'invalid', 'letter');
  expect(await upload(OTHER.owner, NEW.id, PDF), 404, 'not_found');
  // filing names a real client of another partner
  expect(await NEW.owner.post('/api/v1/transfers', { partner: NEW.id, subscriber: 'FR99999999', reason: 'x', letter: png.body.id }), 400, 'invalid', 'subscriber');
  expect(await NEW.owner.post('/api/v1/transfers', { partner: NEW.id, subscriber: 'Ромашка', reason: 'x', letter: png.body.id }), 400, 'invalid', 'subscriber');
});

test('R-TRF-1: who may file — an operator\'s API token yes; a consultant no; a removed employee 404', async () => {
  const c = await paidClient('ООО Токен');
  const op = await newEmployee(ctx, NEW, ['operator']);
  const tok = await op.client.post('/api/v1/tokens', { account: NEW.id, roles: 'operator', name: 'crm' });
  expect(tok, 201);
  const l = await upload(tok.body.token, NEW.id, PDF);
  expect(l, 201);
  const t = await bearer(tok.body.token, 'POST', '/api/v1/transfers', { partner: NEW.id, subscriber: c.code.toLowerCase(), reason: 'по письму', letter: l.body.id });
  expect(t, 201);
  expect(await bearer(tok.body.token, 'GET', `/api/v1/transfers/${t.body.id}`), 200);
  expect(await ctx.admin.post(`/api/v1/transfers/${t.body.id}/decision`, { decision: 'reject', note: 'нет подписи' }), 200);

  const cons = await newEmployee(ctx, NEW, ['consultant']);
  expect(await upload(cons.client, NEW.id, PDF), 403, 'forbidden');

  const gone = await newEmployee(ctx, NEW, ['operator']);
  const l2 = await upload(gone.client, NEW.id, PDF);
  expect(l2, 201);
  expect(await NEW.owner.del(`/api/v1/partners/${NEW.id}/employees/${gone.person}`), 204);
  expect(await gone.client.post('/api/v1/transfers', { partner: NEW.id, subscriber: c.code, reason: 'x', letter: l2.body.id }), 404, 'not_found');
  expect(await upload(gone.client, NEW.id, PDF), 404, 'not_found');
});

test('R-TRF-1: parallel approvals — exactly one wins', async () => {
  const c = await paidClient('ООО Гонка');
  const t = await file(c);
  expect(await ctx.admin.post(`/api/v1/transfers/${t.id}/forward`), 200);
  expect(await OLD.owner.post(`/api/v1/transfers/${t.id}/answer`, { answer: 'agree' }), 200);
  const all = await Promise.all(Array.from({ length: 6 }, (_, i) => ctx.admin.post(`/api/v1/transfers/${t.id}/decision`,
    { decision: i % 2 ? 'reject' : 'approve' })));
  assert.deepEqual(all.map((r) => r.status).sort(), [200, 409, 409, 409, 409, 409], JSON.stringify(all.map((r) => r.body)));
  assert.equal(audits(ctx.db, 'transfer.approved').concat(audits(ctx.db, 'transfer.rejected'))
    .filter((x) => Number(x[1]) === t.id).length, 1);
});

test('R-TRF-1: silence past the deadline counts as agreement (test clock)', async () => {
  const c = await paidClient('ООО Молчание');
  const t = await file(c);
  const unfiled = await upload(NEW.owner, NEW.id, PDF);
  expect(unfiled, 201);
  const f = await ctx.admin.post(`/api/v1/transfers/${t.id}/forward`);
  expect(f, 200);
  // half a minute before the deadline: still waiting
  const now = Date.parse((await (await ctx.s.fetch('/api/v1/test/clock')).json()).now);
  const left = Math.floor((Date.parse(f.body.answer.due) - now) / 1000);
  // sign-in sessions expire as the clock jumps: sign in again after each jump
  const clock = async (advance) => {
    const r = await ctx.s.fetch('/api/v1/test/clock', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance }) });
    expect(await OLD.owner.login(OLD.email, 'a-good-password-1'), 200);
    expect(await ctx.admin.login(ctx.env.email, ctx.env.password), 200);
    return r;
  };
  assert.equal((await clock(left - 30)).status, 200);
  assert.equal((await OLD.owner.get(`/api/v1/transfers/${t.id}`)).body.answer.state, 'waiting');
  assert.equal((await clock(31)).status, 200);
  assert.equal((await OLD.owner.get(`/api/v1/transfers/${t.id}`)).body.answer.state, 'silent');
  expect(await OLD.owner.post(`/api/v1/transfers/${t.id}/answer`, { answer: 'object', comment: 'поздно' }), 409, 'conflict');
  expect(await ctx.admin.post(`/api/v1/transfers/${t.id}/decision`, { decision: 'approve' }), 200);
  assert.equal((await ctx.admin.get(`/api/v1/subscribers/${c.id}`)).body.partner.id, NEW.id);
  // the daily prune deletes a letter no transfer took a day after its upload, and only those
  // (the server's runner may prune first: the clock passed 03:00)
  const r = runCli(['jobs', 'run', 'prune', '--db', ctx.db, '--test-clock']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /\d+ unfiled transfer letters/);
  assert.deepEqual(query(ctx.db, `SELECT id FROM transfer_letters WHERE id = ${unfiled.body.id}`), []);
  assert.equal(Number(query(ctx.db, 'SELECT COUNT(*) FROM transfer_letters l WHERE NOT EXISTS (SELECT 1 FROM transfers t WHERE t.letter_id = l.id)')[0][0]), 0);
  expect(await ctx.admin.get(`/api/v1/transfers/${t.id}`), 200);
  const kept = await ctx.s.fetch(`/api/v1/transfers/${t.id}/letter`, { headers: { cookie: `oblako_session=${ctx.admin.cookie}` } });
  assert.equal(kept.status, 200, 'a filed transfer keeps its letter');
});
