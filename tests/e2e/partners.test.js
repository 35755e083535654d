// Partners: the public questionnaire and its decision (R-ACC-6), partners and
// their statuses (R-ACC-4), employees and their roles (R-ACT-3).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.js';
import { Client } from './lib/session.js';
import { query } from './lib/db.js';
import {
  setup, questionnaire, newPartner, newEmployee, activate, acceptInvite, lastMail, audits, resetApplyLimit,
  inn10, inn12, uniqueEmail,
} from './lib/accounts.js';

let ctx;
before(async () => { ctx = await setup('partners'); });
after(async () => { assert.equal(await ctx.s.stop(), 0); });

const anon = () => new Client(ctx.s);

test('R-ACC-6 a questionnaire is accepted from anyone and stored normalised', async () => {
  resetApplyLimit(ctx.db);
  const body = questionnaire({ contact_email: '  Boss@Partner.TEST ', email: 'Office@Partner.test' });
  const r = await anon().post('/api/v1/partner-applications', body);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.state, 'submitted');
  assert.equal(r.body.contact_email, 'boss@partner.test');
  assert.equal(r.body.email, 'office@partner.test');
  assert.equal(r.body.inn, body.inn);
  assert.equal(r.body.partner_id, null);
  assert.equal(r.body.decided_at, null);
  assert.match(r.body.created_at, /^\d{4}-\d\d-\d\dT/);
  for (const k of ['id', 'name', 'inn', 'kpp', 'phone', 'email', 'site', 'address', 'region',
    'contact_name', 'contact_email', 'comment', 'lang', 'state', 'reason', 'partner_id',
    'created_at', 'decided_at']) assert.ok(k in r.body, k);
  const a = audits(ctx.db, 'partner_application.submitted').find((x) => x[1] === String(r.body.id));
  assert.ok(a, 'an audit record');
  // A sole trader's 12-digit INN without a KPP is fine too.
  const st = await anon().post('/api/v1/partner-applications',
    questionnaire({ inn: inn12(7), kpp: undefined }));
  assert.equal(st.status, 201, JSON.stringify(st.body));
  assert.equal(st.body.kpp, '');
});

test('R-ACC-6 every bad field of a questionnaire is refused by name, and nothing is stored', async () => {
  resetApplyLimit(ctx.db);
  const count = () => Number(query(ctx.db, 'SELECT COUNT(*) FROM partner_applications')[0][0]);
  const n0 = count();
  const cases = [
    [{ inn: '7707083894' }, 'inn'],              // wrong check digit
    [{ inn: '770708389' }, 'inn'],               // 9 digits
    [{ inn: '50010073225' }, 'inn'],             // 11 digits
    [{ inn: '500100732258' }, 'inn'],            // 12 digits, wrong check digit
    [{ inn: '77070838a3' }, 'inn'],
    [{ inn: undefined }, 'inn'],
    [{ kpp: '77070100' }, 'kpp'],
    [{ kpp: '7707010011' }, 'kpp'],
    [{ phone: '12345' }, 'phone'],
    [{ phone: '+7 495 abc 45 67' }, 'phone'],
    [{ phone: '1'.repeat(21) }, 'phone'],
    [{ phone: undefined }, 'phone'],
    [{ email: 'not-an-email' }, 'email'],
    [{ contact_email: 'a@b' }, 'contact_email'],
    [{ contact_email: undefined }, 'contact_email'],
    [{ contact_name: '' }, 'contact_name'],
    [{ name: '' }, 'name'],
    [{ name: ' padded' }, 'name'],
    [{ name: 'x'.repeat(201) }, 'name'],
    [{ site: 'x'.repeat(201) }, 'site'],
    [{ lang: 'de' }, 'lang'],
    [{ comment: 5 }, 'comment'],
    [{ surprise: 'field' }, 'surprise'],
  ];
  for (const [over, field] of cases) {
    const r = await anon().post('/api/v1/partner-applications', questionnaire(over));
    assert.equal(r.status, 400, `${JSON.stringify(over)}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.code, 'invalid');
    assert.equal(r.body.field, field, JSON.stringify(over));
  }
  const arr = await anon().post('/api/v1/partner-applications', []);
  assert.equal(arr.status, 400);
  assert.equal(count(), n0);
});

test('R-ONB-6 questionnaires are rate-limited per address: 429 with retry_after', async () => {
  resetApplyLimit(ctx.db);
  for (let i = 0; i < 10; i++) {
    const r = await anon().post('/api/v1/partner-applications', questionnaire());
    assert.equal(r.status, 201, `submission ${i + 1}`);
  }
  const r = await anon().post('/api/v1/partner-applications', questionnaire());
  assert.equal(r.status, 429);
  assert.equal(r.body.code, 'rate_limited');
  assert.ok(r.body.retry_after > 0 && r.body.retry_after <= 3600);
  assert.ok(Number(r.headers.get('retry-after')) > 0);
  resetApplyLimit(ctx.db);
});

test('R-ACC-6 only provider admins and operators list and decide questionnaires', async () => {
  resetApplyLimit(ctx.db);
  const a = await anon().post('/api/v1/partner-applications', questionnaire());
  assert.equal((await anon().get('/api/v1/partner-applications')).status, 401);
  assert.equal((await anon().post(`/api/v1/partner-applications/${a.body.id}/approve`)).status, 401);
  const p = await newPartner(ctx);
  const l = await p.owner.get('/api/v1/partner-applications');
  assert.equal(l.status, 403);
  assert.equal(l.body.code, 'forbidden');
  assert.equal((await p.owner.post(`/api/v1/partner-applications/${a.body.id}/approve`)).status, 403);
  assert.equal((await p.owner.post(`/api/v1/partner-applications/${a.body.id}/reject`, { reason: 'x' })).status, 403);
  const sub = await ctx.admin.get('/api/v1/partner-applications?state=submitted&limit=500');
  assert.equal(sub.status, 200);
  assert.ok(sub.body.items.some((x) => x.id === a.body.id));
  assert.ok(sub.body.items.every((x) => x.state === 'submitted'));
  const bad = await ctx.admin.get('/api/v1/partner-applications?state=maybe');
  assert.equal(bad.status, 400);
  assert.equal(bad.body.field, 'state');
  const page = await ctx.admin.get('/api/v1/partner-applications?limit=1');
  assert.equal(page.body.items.length, 1);
  assert.match(page.body.next, /after=/);
  const csv = await ctx.s.fetch('/api/v1/partner-applications?format=csv&state=approved',
    { headers: { cookie: `oblako_session=${ctx.admin.cookie}` } });
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get('content-type'), /text\/csv/);
  assert.match(await csv.text(), new RegExp(p.email));
});

test('R-ACC-6 approving creates the partner, its own account and owner, and mails a link', async () => {
  resetApplyLimit(ctx.db);
  const body = questionnaire({ lang: 'ru' });
  const a = await anon().post('/api/v1/partner-applications', body);
  const r = await ctx.admin.post(`/api/v1/partner-applications/${a.body.id}/approve`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.state, 'approved');
  assert.ok(r.body.partner_id > 0);
  assert.ok(r.body.decided_at);
  const mail = lastMail(ctx.db, body.contact_email);
  assert.equal(mail.template, 'partner_approved');
  assert.equal(mail.lang, 'ru');
  const owner = await activate(ctx.s, ctx.db, body.contact_email);
  const me = await owner.get('/api/v1/me');
  const kinds = me.body.accounts.map((x) => [x.kind, x.roles.join(',')]).sort();
  assert.deepEqual(kinds, [['partner', 'owner'], ['subscriber', 'owner']]);
  const p = await owner.get(`/api/v1/partners/${r.body.partner_id}`);
  assert.equal(p.status, 200);
  assert.equal(p.body.name, body.name);
  assert.equal(p.body.inn, body.inn);
  assert.equal(p.body.kpp, body.kpp);
  assert.equal(p.body.state, 'active');
  assert.deepEqual(p.body.statuses, []);
  const own = me.body.accounts.find((x) => x.kind === 'subscriber');
  assert.equal(p.body.own_subscriber.id, own.id);
  assert.equal(p.body.own_subscriber.code, own.code);
  const sub = await owner.get(`/api/v1/subscribers/${own.id}`);
  assert.equal(sub.status, 200);
  assert.equal(sub.body.own_partner, true);
  assert.equal(sub.body.partner.id, r.body.partner_id);
  assert.equal(sub.body.name, body.name);
  assert.ok(audits(ctx.db, 'partner.created').some((x) => x[0] === String(r.body.partner_id)));
  assert.ok(audits(ctx.db, 'partner_application.approved').some((x) => x[1] === String(a.body.id)));
  // Deciding again is a conflict; so is approving a second questionnaire with the same INN/KPP.
  const again = await ctx.admin.post(`/api/v1/partner-applications/${a.body.id}/approve`);
  assert.equal(again.status, 409);
  assert.equal(again.body.code, 'conflict');
  assert.equal((await ctx.admin.post(`/api/v1/partner-applications/${a.body.id}/reject`, { reason: 'x' })).status, 409);
  const twin = await anon().post('/api/v1/partner-applications', questionnaire({ inn: body.inn, kpp: body.kpp }));
  assert.equal((await ctx.admin.post(`/api/v1/partner-applications/${twin.body.id}/approve`)).status, 409);
  assert.equal((await ctx.admin.post('/api/v1/partner-applications/999999/approve')).status, 404);
});

test('R-ACC-6 rejecting needs a reason and mails it', async () => {
  resetApplyLimit(ctx.db);
  const body = questionnaire();
  const a = await anon().post('/api/v1/partner-applications', body);
  const none = await ctx.admin.post(`/api/v1/partner-applications/${a.body.id}/reject`, {});
  assert.equal(none.status, 400);
  assert.equal(none.body.field, 'reason');
  const r = await ctx.admin.post(`/api/v1/partner-applications/${a.body.id}/reject`, { reason: 'no certified staff' });
  assert.equal(r.status, 200);
  assert.equal(r.body.state, 'rejected');
  assert.equal(r.body.reason, 'no certified staff');
  assert.equal(r.body.partner_id, null);
  assert.equal(lastMail(ctx.db, body.contact_email).template, 'partner_rejected');
  assert.equal((await ctx.admin.post(`/api/v1/partner-applications/${a.body.id}/approve`)).status, 409);
  assert.equal(query(ctx.db, `SELECT COUNT(*) FROM persons WHERE email = '${body.contact_email}'`)[0][0], '0');
});

test('R-ACC-4 partners: provider staff see all, a partner only itself; another partner is 404', async () => {
  const p1 = await newPartner(ctx, { name: 'Alpha Soft' });
  const p2 = await newPartner(ctx, { name: 'Beta Systems' });
  const mine = await p1.owner.get('/api/v1/partners');
  assert.equal(mine.status, 200);
  assert.deepEqual(mine.body.items.map((x) => x.id), [p1.id]);
  const other = await p1.owner.get(`/api/v1/partners/${p2.id}`);
  assert.equal(other.status, 404);
  assert.equal(other.body.code, 'not_found');
  assert.equal((await p1.owner.get(`/api/v1/partners/${p2.id}/statuses`)).status, 404);
  assert.equal((await p1.owner.get(`/api/v1/partners/${p2.id}/employees`)).status, 404);
  const all = await ctx.admin.get('/api/v1/partners?limit=500');
  assert.ok(all.body.items.some((x) => x.id === p1.id) && all.body.items.some((x) => x.id === p2.id));
  const q = await ctx.admin.get('/api/v1/partners?q=alpha');
  assert.deepEqual(q.body.items.map((x) => x.id), [p1.id]);
  const byInn = await ctx.admin.get(`/api/v1/partners?q=${p2.app.inn}`);
  assert.deepEqual(byInn.body.items.map((x) => x.id), [p2.id]);
  assert.equal((await anon().get('/api/v1/partners')).status, 401);
  assert.equal((await ctx.admin.get('/api/v1/partners/999999')).status, 404);
  const x = await ctx.s.fetch('/api/v1/partners?format=xlsx', { headers: { cookie: `oblako_session=${ctx.admin.cookie}` } });
  assert.equal(x.status, 200);
  assert.match(x.headers.get('content-type'), /spreadsheetml/);
});

test('R-ACC-4 statuses: granted with dates by the provider, active by today, withdrawn once', async () => {
  const p = await newPartner(ctx);
  const clock = await (await ctx.s.fetch('/api/v1/test/clock')).json();
  const today = clock.date;
  const r = await ctx.admin.post(`/api/v1/partners/${p.id}/statuses`,
    { status: 'csk', valid_from: today, valid_to: '2199-01-01', note: 'first line' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.status, 'csk');
  assert.equal(r.body.active, true);
  const future = await ctx.admin.post(`/api/v1/partners/${p.id}/statuses`,
    { status: 'cso', valid_from: '2199-01-01' });
  assert.equal(future.status, 201);
  assert.equal(future.body.active, false);
  assert.equal(future.body.valid_to, null);
  const overlap = await ctx.admin.post(`/api/v1/partners/${p.id}/statuses`,
    { status: 'csk', valid_from: '2198-01-01', valid_to: '2199-12-31' });
  assert.equal(overlap.status, 409);
  for (const [body, field] of [
    [{ status: 'gold', valid_from: today }, 'status'],
    [{ status: 'csk' }, 'valid_from'],
    [{ status: 'csk', valid_from: '2026-02-30' }, 'valid_from'],
    [{ status: 'csk', valid_from: '2026-03-01', valid_to: '2026-03-01' }, 'valid_to'],
    [{ status: 'csk', valid_from: '2026-03-01', valid_to: 'soon' }, 'valid_to'],
  ]) {
    const bad = await ctx.admin.post(`/api/v1/partners/${p.id}/statuses`, body);
    assert.equal(bad.status, 400, JSON.stringify(body));
    assert.equal(bad.body.field, field);
  }
  const byPartner = await p.owner.post(`/api/v1/partners/${p.id}/statuses`, { status: 'erp_cc', valid_from: today });
  assert.equal(byPartner.status, 403);
  assert.equal((await p.owner.del(`/api/v1/partners/${p.id}/statuses/${r.body.id}`)).status, 403);
  const got = await p.owner.get(`/api/v1/partners/${p.id}`);
  assert.deepEqual(got.body.statuses.map((s) => [s.status, s.active]), [['csk', true], ['cso', false]]);
  const w = await ctx.admin.del(`/api/v1/partners/${p.id}/statuses/${r.body.id}`);
  assert.equal(w.status, 204);
  assert.equal((await ctx.admin.del(`/api/v1/partners/${p.id}/statuses/${r.body.id}`)).status, 409);
  assert.equal((await ctx.admin.del(`/api/v1/partners/${p.id}/statuses/999999`)).status, 404);
  const list = await p.owner.get(`/api/v1/partners/${p.id}/statuses`);
  assert.equal(list.status, 200);
  const csk = list.body.items.find((s) => s.id === r.body.id);
  assert.equal(csk.active, false);
  assert.ok(csk.withdrawn_at);
  assert.deepEqual((await p.owner.get(`/api/v1/partners/${p.id}`)).body.statuses.map((s) => s.status), ['cso']);
  // A withdrawn period no longer blocks a new grant.
  const again = await ctx.admin.post(`/api/v1/partners/${p.id}/statuses`, { status: 'csk', valid_from: today });
  assert.equal(again.status, 201);
  assert.equal(audits(ctx.db, 'partner.status_withdrawn').filter((x) => x[0] === String(p.id)).length, 1);
  assert.equal((await ctx.admin.post('/api/v1/partners/999999/statuses', { status: 'csk', valid_from: today })).status, 404);
});

test('R-ACT-3 the owner invites employees; they join by accepting', async () => {
  const p = await newPartner(ctx);
  const email = uniqueEmail('op');
  const r = await p.owner.post(`/api/v1/partners/${p.id}/employees`, { email, name: 'Olga', roles: ['operator', 'consultant'] });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  assert.equal(r.body.status, 'invited');
  assert.deepEqual(r.body.roles, ['operator', 'consultant']);
  assert.equal(r.body.email, email);
  assert.equal(lastMail(ctx.db, email).template, 'member_invited');
  const op = await activate(ctx.s, ctx.db, email);
  const me = await op.get('/api/v1/me');
  assert.equal(me.body.name, 'Olga', 'a new person gets the name the owner gave');
  const roles = Object.fromEntries(me.body.accounts.map((a) => [a.kind, a.roles.join(',')]));
  assert.deepEqual(roles, { partner: 'operator,consultant', subscriber: 'user' });
  const opId = me.body.id;
  // Someone who already has a login (another partner's owner) is invited the same way.
  const other = await newPartner(ctx);
  const added = await p.owner.post(`/api/v1/partners/${p.id}/employees`, { email: other.email, roles: ['developer'] });
  assert.equal(added.status, 202);
  assert.equal(lastMail(ctx.db, other.email).template, 'member_invited');
  assert.equal((await acceptInvite(ctx.s, ctx.db, other.email)).status, 200);
  const dup = await p.owner.post(`/api/v1/partners/${p.id}/employees`, { email, roles: ['developer'] });
  assert.equal(dup.status, 409);
  for (const [body, field] of [[{ email, roles: ['admin'] }, 'roles'], [{ email, roles: [] }, 'roles'],
    [{ email }, 'roles'], [{ email: 'nope', roles: ['operator'] }, 'email'], [{ email, roles: 'operator' }, 'roles']]) {
    const bad = await p.owner.post(`/api/v1/partners/${p.id}/employees`, body);
    assert.equal(bad.status, 400, JSON.stringify(body));
    assert.equal(bad.body.field, field);
  }
  const list = await p.owner.get(`/api/v1/partners/${p.id}/employees`);
  assert.equal(list.status, 200);
  assert.deepEqual(list.body.items.map((e) => e.email).sort(), [p.email, email, other.email].sort());
  // An operator is an employee but not the owner: 403; a stranger partner: 404.
  assert.equal((await op.get(`/api/v1/partners/${p.id}/employees`)).status, 403);
  assert.equal((await op.post(`/api/v1/partners/${p.id}/employees`, { email: uniqueEmail(), roles: ['operator'] })).status, 403);
  // other's owner is now p's developer: related, without the role.
  assert.equal((await other.owner.patch(`/api/v1/partners/${p.id}/employees/${opId}`, { roles: ['owner'] })).status, 403);
  const stranger = await newPartner(ctx);
  assert.equal((await stranger.owner.patch(`/api/v1/partners/${p.id}/employees/${opId}`, { roles: ['owner'] })).status, 404);
  assert.equal((await stranger.owner.del(`/api/v1/partners/${p.id}/employees/${opId}`)).status, 404);
  assert.ok(audits(ctx.db, 'partner.employee_added').some((x) => x[0] === String(p.id) && x[1] === String(opId)));
  // The provider admin may invite employees too.
  const byAdmin = await ctx.admin.post(`/api/v1/partners/${p.id}/employees`, { email: uniqueEmail(), roles: ['consultant'] });
  assert.equal(byAdmin.status, 202);
});

test('R-ACT-3 roles change, employees leave, and the last owner stays', async () => {
  const p = await newPartner(ctx);
  const e = await newEmployee(ctx, p, ['operator']);
  const ownerId = (await p.owner.get('/api/v1/me')).body.id;
  const demote = await p.owner.patch(`/api/v1/partners/${p.id}/employees/${ownerId}`, { roles: ['operator'] });
  assert.equal(demote.status, 409);
  assert.equal(demote.body.code, 'conflict');
  assert.equal((await p.owner.del(`/api/v1/partners/${p.id}/employees/${ownerId}`)).status, 409);
  const up = await p.owner.patch(`/api/v1/partners/${p.id}/employees/${e.person}`, { roles: ['owner', 'operator'] });
  assert.equal(up.status, 200);
  assert.deepEqual(up.body.roles, ['owner', 'operator']);
  const meE = await e.client.get('/api/v1/me');
  assert.deepEqual(meE.body.accounts.find((a) => a.kind === 'subscriber').roles, ['owner']);
  // Now there are two owners: the first may step down.
  const down = await p.owner.patch(`/api/v1/partners/${p.id}/employees/${ownerId}`, { roles: ['consultant'] });
  assert.equal(down.status, 200);
  assert.equal((await p.owner.get(`/api/v1/partners/${p.id}/employees`)).status, 403);
  const bad = await e.client.patch(`/api/v1/partners/${p.id}/employees/${ownerId}`, { roles: ['nobody'] });
  assert.equal(bad.status, 400);
  assert.equal((await e.client.patch(`/api/v1/partners/${p.id}/employees/999999`, { roles: ['operator'] })).status, 404);
  const gone = await e.client.del(`/api/v1/partners/${p.id}/employees/${ownerId}`);
  assert.equal(gone.status, 204);
  const me = await p.owner.get('/api/v1/me');
  assert.deepEqual(me.body.accounts, []);
  assert.equal((await p.owner.get(`/api/v1/partners/${p.id}`)).status, 404);
  assert.ok(audits(ctx.db, 'partner.employee_removed').some((x) => x[1] === String(ownerId)));
  assert.equal((await e.client.del(`/api/v1/partners/${p.id}/employees/${e.person}`)).status, 409);
});

test('R-ACT-3 partner routes refuse anonymous callers', async () => {
  const p = await newPartner(ctx);
  for (const [m, path] of [['GET', `/api/v1/partners/${p.id}`], ['GET', `/api/v1/partners/${p.id}/employees`],
    ['POST', `/api/v1/partners/${p.id}/employees`], ['PATCH', `/api/v1/partners/${p.id}/employees/1`],
    ['DELETE', `/api/v1/partners/${p.id}/employees/1`], ['GET', `/api/v1/partners/${p.id}/statuses`],
    ['POST', `/api/v1/partners/${p.id}/statuses`], ['DELETE', `/api/v1/partners/${p.id}/statuses/1`]]) {
    const r = await anon().request(m, path, m === 'GET' || m === 'DELETE' ? undefined : {});
    assert.equal(r.status, 401, `${m} ${path}`);
  }
});

test('INN helpers used by these tests agree with the server', async () => {
  resetApplyLimit(ctx.db);
  for (const inn of [inn10(1), inn10(424242), inn12(3), '7707083893', '500100732259']) {
    const r = await anon().post('/api/v1/partner-applications', questionnaire({ inn }));
    assert.equal(r.status, 201, inn);
  }
  resetApplyLimit(ctx.db);
});

test('a fresh server without a provider still refuses questionnaire decisions properly', async () => {
  const s = await startServer();
  try {
    const c = new Client(s);
    assert.equal((await c.get('/api/v1/partner-applications')).status, 401);
  } finally {
    assert.equal(await s.stop(), 0);
  }
});
