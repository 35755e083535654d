// What was mailed (issue 13 item 7): the reminders sent about a subscriber's
// account (its owner and administrators), the last reminder of each client
// (its partner), the provider's outbox with filters, paging, export and
// re-send. The reminders ledger is written here as the daily job writes it
// (sql/0018_notices.sql: a reminder and one outbox message per recipient),
// so the readers are tried apart from the job (tests/e2e/reminders.test.js).
// Runs on both engines.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, newPartner, newUser, activate, uniqueEmail } from './lib/accounts.js';
import { Client } from './lib/session.js';
import { query } from './lib/db.js';
import { outboxRow, reminderRow } from './lib/mailroom.js';

let ctx;
const w = {};
const q1 = (sql) => query(ctx.db, sql)[0]?.[0];

const mail = (to, account, state, template) => outboxRow(ctx.db, to, account, state, template ? { template } : {});
const reminder = (sub, off, last, mails, opts) => ({ id: reminderRow(ctx.db, sub, off, last, mails, opts) });

const bearer = (secret) => ({ get: (p) => new Client(ctx.s).get(p, { authorization: `Bearer ${secret}` }) });

before(async () => {
  ctx = await setup('mailroom');
  w.A = await newPartner(ctx, { name: 'Альфа' });
  w.B = await newPartner(ctx, { name: 'Бета' });
  for (const [k, p] of [['S1', w.A], ['S2', w.A], ['T1', w.B]]) {
    const email = uniqueEmail(k.toLowerCase());
    const r = await p.owner.post('/api/v1/subscribers', { name: `ООО ${k}`, owner_email: email });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    w[k] = { id: r.body.id, email, owner: await activate(ctx.s, ctx.db, email) };
    w[k].person = (await w[k].owner.get('/api/v1/me')).body.id;
  }
  // a plain user of S1, and that user's API token
  w.user = await newUser(ctx, w.S1.owner, w.S1.id, { email: uniqueEmail('user'), roles: ['user'] });
  const tok = await w.user.client.post('/api/v1/tokens', { account: w.S1.id, roles: 'user', name: 'probe' });
  assert.equal(tok.status, 201, JSON.stringify(tok.body));
  w.userToken = bearer(tok.body.token);
  // R-NOT-1: S1's end through 2027-03-31: L−7 on 03-24 (accepted), L−3 on 03-28 (failed, late)
  w.m7 = mail(w.S1.email, w.S1.id, 'sent');
  w.m3 = mail(w.S1.email, w.S1.id, 'failed');
  w.r7 = reminder(w.S1.id, -7, '2027-03-31', [[w.m7, w.S1.person]]);
  w.r3 = reminder(w.S1.id, -3, '2027-03-31', [[w.m3, w.S1.person]], { late: 1 });
  w.s2 = reminder(w.S2.id, 0, '2027-02-28', [[mail(w.S2.email, w.S2.id, 'queued'), w.S2.person]]);
  w.t1 = reminder(w.T1.id, 5, '2027-01-31', [[mail(w.T1.email, w.T1.id, 'sent'), w.T1.person]]);
});

after(async () => {
  assert.equal(await ctx.s.stop(), 0);
});

test("R-NOT-1: the owner reads its account's reminders, newest first, with the offset in words; paged and exported", async () => {
  const r = await w.S1.owner.get(`/api/v1/subscribers/${w.S1.id}/reminders`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.items.map((x) => [x.offset_days, x.offset, x.due_day, x.last_day, x.late, x.mail_state]), [
    [-3, 'за 3 дня', '2027-03-28', '2027-03-31', true, 'failed'],
    [-7, 'за 7 дней', '2027-03-24', '2027-03-31', false, 'sent'],
  ]);
  assert.deepEqual(r.body.items[1].mails.map((m) => [m.to, m.state]), [[w.S1.email, 'sent']]);
  const p1 = await w.S1.owner.get(`/api/v1/subscribers/${w.S1.id}/reminders?limit=1`);
  assert.equal(p1.body.items[0].id, w.r3.id);
  const p2 = await w.S1.owner.get(p1.body.next);
  assert.deepEqual(p2.body.items.map((x) => x.id), [w.r7.id]);
  assert.equal(p2.body.next, null);
  const csv = await w.S1.owner.get(`/api/v1/subscribers/${w.S1.id}/reminders?format=csv`);
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get('content-type'), /text\/csv/);
  const lines = csv.body.trim().split(/\r?\n/);
  assert.equal(lines.length, 3, csv.body);
  assert.match(lines[0], /sent_day.*last_day.*offset/);
  assert.match(lines[1], /за 3 дня/);
  assert.match(lines[2], new RegExp(`${w.S1.email} \\(sent\\)`));
  // the words for the other offsets, in the reader's language
  const s2 = await w.S2.owner.get(`/api/v1/subscribers/${w.S2.id}/reminders`);
  assert.equal(s2.body.items[0].offset, 'в последний день');
  const t1 = await w.T1.owner.get(`/api/v1/subscribers/${w.T1.id}/reminders`);
  assert.equal(t1.body.items[0].offset, 'через 5 дней после');
  assert.equal((await w.A.owner.patch('/api/v1/me', { lang: 'en' })).status, 200);
  const en = await w.A.owner.get(`/api/v1/subscribers/${w.S1.id}/reminders`);
  assert.deepEqual(en.body.items.map((x) => x.offset), ['3 days before the end', '7 days before the end']);
});

test('reminders of another account do not exist; a plain user and its token are refused', async () => {
  assert.equal((await w.S1.owner.get(`/api/v1/subscribers/${w.S2.id}/reminders`)).status, 404);
  assert.equal((await w.B.owner.get(`/api/v1/subscribers/${w.S1.id}/reminders`)).status, 404);
  assert.equal((await w.user.client.get(`/api/v1/subscribers/${w.S1.id}/reminders`)).status, 403);
  assert.equal((await w.userToken.get(`/api/v1/subscribers/${w.S1.id}/reminders`)).status, 403);
  assert.equal((await w.userToken.get(`/api/v1/partners/${w.A.id}/reminders`)).status, 404);
  assert.equal((await w.userToken.get('/api/v1/outbox')).status, 403);
  assert.equal((await w.S1.owner.get(`/api/v1/partners/${w.A.id}/reminders`)).status, 404);
});

test("the partner sees each client's last reminder and whether the mail server took it; another partner's are 404", async () => {
  const r = await w.A.owner.get(`/api/v1/partners/${w.A.id}/reminders`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.items.map((x) => [x.subscriber.id, x.offset_days, x.mail_state]),
    [[w.S2.id, 0, 'queued'], [w.S1.id, -3, 'failed']]);
  const one = await w.A.owner.get(`/api/v1/partners/${w.A.id}/reminders?subscriber=${w.S1.id}`);
  assert.deepEqual(one.body.items.map((x) => x.id), [w.r3.id]);
  const page = await w.A.owner.get(`/api/v1/partners/${w.A.id}/reminders?limit=1`);
  assert.deepEqual((await w.A.owner.get(page.body.next)).body.items.map((x) => x.id), [w.r3.id]);
  const x = await w.A.owner.get(`/api/v1/partners/${w.A.id}/reminders?format=xlsx`);
  assert.equal(x.status, 200);
  assert.match(x.headers.get('content-type'), /spreadsheetml/);
  assert.equal((await w.B.owner.get(`/api/v1/partners/${w.A.id}/reminders`)).status, 404);
  assert.deepEqual((await w.B.owner.get(`/api/v1/partners/${w.B.id}/reminders`)).body.items.map((i) => i.id), [w.t1.id]);
});

test('the outbox is the provider staff\'s: filters, paging, export; the partner and the subscriber are refused', async () => {
  assert.equal((await w.A.owner.get('/api/v1/outbox')).status, 403);
  assert.equal((await w.S1.owner.get('/api/v1/outbox')).status, 403);
  assert.equal((await w.A.owner.get(`/api/v1/outbox/${w.m3}`)).status, 403);
  const failed = await ctx.admin.get('/api/v1/outbox?state=failed');
  assert.equal(failed.status, 200, JSON.stringify(failed.body));
  assert.deepEqual(failed.body.items.map((m) => m.id), [w.m3]);
  const mine = await ctx.admin.get(`/api/v1/outbox?to=${encodeURIComponent(w.S1.email.toUpperCase())}&template=access_reminder`);
  assert.deepEqual(mine.body.items.map((m) => m.id), [w.m3, w.m7]);
  const acc = await ctx.admin.get(`/api/v1/outbox?account=${w.S1.id}&limit=1`);
  assert.deepEqual(acc.body.items.map((m) => m.id), [w.m3]);
  assert.deepEqual((await ctx.admin.get(acc.body.next)).body.items.map((m) => m.id).slice(0, 1), [w.m7]);
  const today = new Date().toISOString().slice(0, 10);
  assert.equal((await ctx.admin.get(`/api/v1/outbox?to_date=2000-01-02&template=access_reminder`)).body.items.length, 0);
  assert.ok((await ctx.admin.get(`/api/v1/outbox?from=2000-01-01&to_date=2199-01-01&template=access_reminder`)).body.items.length >= 4, today);
  assert.equal((await ctx.admin.get('/api/v1/outbox?state=lost')).status, 400);
  const csv = await ctx.admin.get('/api/v1/outbox?format=csv&state=failed');
  assert.equal(csv.status, 200);
  assert.equal(csv.body.trim().split(/\r?\n/).length, 2, csv.body);
  assert.equal(csv.body.includes('Доступ по'), false, 'no bodies in the list');
});

test('a mail with a single-use link has no body for the provider; a reminder has its text', async () => {
  const reset = await ctx.admin.get('/api/v1/outbox?template=partner_approved&limit=1');
  const hidden = await ctx.admin.get(`/api/v1/outbox/${reset.body.items[0].id}`);
  assert.equal(hidden.status, 200);
  assert.equal(hidden.body.body_hidden, true);
  assert.equal(hidden.body.text, null);
  assert.equal(JSON.stringify(hidden.body).includes('token='), false);
  const invite = (await ctx.admin.get('/api/v1/outbox?template=member_invited&limit=1')).body.items[0];
  assert.equal((await ctx.admin.get(`/api/v1/outbox/${invite.id}`)).body.text, null);
  assert.equal((await ctx.admin.post(`/api/v1/outbox/${invite.id}/resend`)).status, 409);
  const shown = await ctx.admin.get(`/api/v1/outbox/${w.m3}`);
  assert.equal(shown.body.text, 'Доступ по 31.03.2027');
  assert.equal(shown.body.body_hidden, false);
});

test('re-send: two clicks at once make one new message, audited; a queued copy is not re-sent; a partner cannot', async () => {
  const [a, b] = await Promise.all([ctx.admin.post(`/api/v1/outbox/${w.m3}/resend`), ctx.admin.post(`/api/v1/outbox/${w.m3}/resend`)]);
  assert.deepEqual([a.status, b.status].sort(), [200, 201], JSON.stringify([a.body, b.body]));
  assert.equal(a.body.id, b.body.id);
  assert.equal(q1(`SELECT COUNT(*) FROM outbox WHERE resent_from = ${w.m3}`), '1');
  const copy = await ctx.admin.get(`/api/v1/outbox/${a.body.id}`);
  assert.equal(copy.body.state, 'queued');
  assert.equal(copy.body.resent_from, w.m3);
  assert.equal(copy.body.text, 'Доступ по 31.03.2027');
  assert.notEqual(copy.body.message_id, (await ctx.admin.get(`/api/v1/outbox/${w.m3}`)).body.message_id);
  assert.equal((await ctx.admin.get(`/api/v1/outbox/${w.m3}`)).body.resent_as, a.body.id);
  assert.equal(q1(`SELECT COUNT(*) FROM audit WHERE action = 'mail.resent' AND object_id = '${a.body.id}'`), '1');
  assert.equal((await ctx.admin.post(`/api/v1/outbox/${a.body.id}/resend`)).status, 409, 'still queued');
  assert.equal((await w.A.owner.post(`/api/v1/outbox/${w.m7}/resend`)).status, 403);
  assert.equal(q1(`SELECT COUNT(*) FROM outbox WHERE resent_from = ${w.m7}`), '0');
});
