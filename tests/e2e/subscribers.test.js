// Subscribers: creation by the provider or a partner, codes (R-ACC-1), who
// serves whom and who sees what (R-ACC-2), additional information (R-ACC-5),
// reasons for leaving, and users with roles and session limits.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from './lib/session.js';
import {
  setup, newPartner, newEmployee, newUser, activate, lastMail, audits, inn10, uniqueEmail,
} from './lib/accounts.js';

let ctx;
let p1;
let p2;
before(async () => {
  ctx = await setup('subscribers');
  p1 = await newPartner(ctx, { name: 'First Partner' });
  p2 = await newPartner(ctx, { name: 'Second Partner' });
});
after(async () => { assert.equal(await ctx.s.stop(), 0); });

const anon = () => new Client(ctx.s);

test('R-ACC-1/2 the provider creates subscribers, served by a partner or by itself', async () => {
  const email = uniqueEmail('client');
  const r = await ctx.admin.post('/api/v1/subscribers',
    { name: 'Roga i Kopyta', partner: p1.id, owner_email: email, owner_name: 'Ivan', lang: 'en' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.ok(r.body.code > 1000);
  assert.equal(r.body.reporting_number, `FR${r.body.code}`);
  // the serving partner with the contacts its client is shown (issue 11), nothing else of it
  assert.deepEqual(Object.keys(r.body.partner).sort(), ['email', 'id', 'name', 'phone']);
  assert.equal(r.body.partner.id, p1.id);
  assert.equal(r.body.partner.name, 'First Partner');
  assert.equal(r.body.own_partner, false);
  assert.equal(r.body.state, 'active');
  assert.equal(r.body.owner_invited, email);
  const mail = lastMail(ctx.db, email);
  assert.equal(mail.template, 'member_invited');
  assert.equal(mail.lang, 'en');
  const owner = await activate(ctx.s, ctx.db, email);
  const me = await owner.get('/api/v1/me');
  assert.deepEqual(me.body.accounts.map((a) => [a.id, a.roles]), [[r.body.id, ['owner']]]);
  assert.equal(me.body.name, 'Ivan');
  assert.equal(me.body.lang, 'en');
  const direct = await ctx.admin.post('/api/v1/subscribers', { name: 'Direct Client' });
  assert.equal(direct.status, 201);
  assert.equal(direct.body.partner, null);
  assert.equal(direct.body.code, r.body.code + 1);
  assert.equal(direct.body.owner_invited, null);
  assert.ok(audits(ctx.db, 'subscriber.created').some((x) => x[0] === String(r.body.id)));
  for (const [body, field, status] of [[{}, 'name', 400], [{ name: '' }, 'name', 400],
    [{ name: 'X', owner_email: 'bad' }, 'owner_email', 400], [{ name: 'X', lang: 'fr' }, 'lang', 400],
    [{ name: 'X', partner: 'one' }, 'partner', 400], [{ name: 'X', partner: 999999 }, undefined, 404]]) {
    const bad = await ctx.admin.post('/api/v1/subscribers', body);
    assert.equal(bad.status, status, JSON.stringify(body));
    assert.equal(bad.body.field, field);
  }
  assert.equal((await anon().post('/api/v1/subscribers', { name: 'X' })).status, 401);
});

test('R-ACC-2 a partner creates subscribers it serves; others cannot', async () => {
  const op = await newEmployee(ctx, p1, ['operator']);
  const cons = await newEmployee(ctx, p1, ['consultant']);
  const r = await op.client.post('/api/v1/subscribers', { name: 'Served by First' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.partner.id, p1.id);
  const explicit = await p1.owner.post('/api/v1/subscribers', { name: 'Also First', partner: p1.id });
  assert.equal(explicit.status, 201);
  const foreign = await p1.owner.post('/api/v1/subscribers', { name: 'Not mine', partner: p2.id });
  assert.equal(foreign.status, 404);
  assert.equal((await cons.client.post('/api/v1/subscribers', { name: 'Nope' })).status, 403);
  // A subscriber's own owner is not a partner: forbidden.
  const email = uniqueEmail('own');
  await ctx.admin.post('/api/v1/subscribers', { name: 'Lonely', owner_email: email });
  const lonely = await activate(ctx.s, ctx.db, email);
  assert.equal((await lonely.post('/api/v1/subscribers', { name: 'Child' })).status, 403);
});

test('R-ACC-2 lists by scope, with q, partner filters, pages and exports; 404 outside', async () => {
  const a = await p1.owner.post('/api/v1/subscribers', { name: 'Scope Alpha' });
  const b = await p2.owner.post('/api/v1/subscribers', { name: 'Scope Beta' });
  const l1 = await p1.owner.get('/api/v1/subscribers?limit=500');
  assert.equal(l1.status, 200);
  assert.ok(l1.body.items.some((x) => x.id === a.body.id));
  assert.ok(!l1.body.items.some((x) => x.id === b.body.id));
  assert.ok(l1.body.items.every((x) => x.partner && x.partner.id === p1.id));
  const own1 = l1.body.items.find((x) => x.own_partner);
  assert.ok(own1, "the partner's own account is served by it");
  assert.equal((await p1.owner.get(`/api/v1/subscribers/${b.body.id}`)).status, 404);
  assert.equal((await p1.owner.get(`/api/v1/subscribers/${a.body.id}`)).status, 200);
  const all = await ctx.admin.get(`/api/v1/subscribers?partner=${p2.id}&limit=500`);
  assert.ok(all.body.items.every((x) => x.partner.id === p2.id));
  assert.ok(all.body.items.some((x) => x.id === b.body.id));
  const q = await ctx.admin.get('/api/v1/subscribers?q=scope%20al');
  assert.deepEqual(q.body.items.map((x) => x.id), [a.body.id]);
  const code = await ctx.admin.get(`/api/v1/subscribers?q=${b.body.code}`);
  assert.deepEqual(code.body.items.map((x) => x.id), [b.body.id]);
  const page = await ctx.admin.get('/api/v1/subscribers?limit=2');
  assert.equal(page.body.items.length, 2);
  const next = await ctx.admin.get(page.body.next);
  assert.ok(next.body.items.length >= 1);
  assert.ok(next.body.items[0].id < page.body.items[1].id);
  assert.equal((await ctx.admin.get('/api/v1/subscribers?partner=x')).status, 400);
  const csv = await ctx.s.fetch(`/api/v1/subscribers?format=csv&partner=${p1.id}`,
    { headers: { cookie: `oblako_session=${p1.owner.cookie}` } });
  assert.equal(csv.status, 200);
  const text = await csv.text();
  assert.match(text, /Scope Alpha/);
  assert.doesNotMatch(text, /Scope Beta/);
  // A subscriber's member sees only its own account.
  const email = uniqueEmail('m');
  const mine = await ctx.admin.post('/api/v1/subscribers', { name: 'Member View', partner: p2.id, owner_email: email });
  const member = await activate(ctx.s, ctx.db, email);
  const ml = await member.get('/api/v1/subscribers');
  assert.deepEqual(ml.body.items.map((x) => x.id), [mine.body.id]);
  assert.equal((await member.get(`/api/v1/subscribers/${a.body.id}`)).status, 404);
  assert.equal((await anon().get('/api/v1/subscribers')).status, 401);
  assert.equal((await anon().get(`/api/v1/subscribers/${a.body.id}`)).status, 401);
});

test('R-ACC-5 additional information: kept by the serving partner, validated, complete', async () => {
  const email = uniqueEmail('info');
  const s = await p1.owner.post('/api/v1/subscribers', { name: 'Info Client', owner_email: email });
  const id = s.body.id;
  const empty = await p1.owner.get(`/api/v1/subscribers/${id}/info`);
  assert.equal(empty.status, 200);
  assert.equal(empty.body.complete, false);
  assert.equal(empty.body.leave_reason, null);
  assert.equal(empty.body.updated_at, null);
  const full = {
    legal_name: 'OOO Info', inn: inn10(9001), kpp: '770101001', contact_person: 'Anna',
    phone: '+7 999 000-11-22', email: 'Anna@Info.test', region: 'Tver',
  };
  const put = await p1.owner.put(`/api/v1/subscribers/${id}/info`, full);
  assert.equal(put.status, 200, JSON.stringify(put.body));
  assert.equal(put.body.complete, true);
  assert.equal(put.body.email, 'anna@info.test');
  assert.ok(put.body.updated_at);
  const partial = await p1.owner.put(`/api/v1/subscribers/${id}/info`, { ...full, region: '' });
  assert.equal(partial.body.complete, false);
  for (const [over, field] of [[{ inn: '1234567890' }, 'inn'], [{ kpp: '12' }, 'kpp'],
    [{ phone: 'call me' }, 'phone'], [{ email: 'x@' }, 'email'], [{ leave_reason: 'bored' }, 'leave_reason'],
    [{ legal_name: 'x'.repeat(301) }, 'legal_name'], [{ owner: 1 }, 'owner'], [{ inn: 7 }, 'inn']]) {
    const bad = await p1.owner.put(`/api/v1/subscribers/${id}/info`, { ...full, ...over });
    assert.equal(bad.status, 400, JSON.stringify(over));
    assert.equal(bad.body.field, field);
  }
  assert.equal((await p1.owner.get(`/api/v1/subscribers/${id}/info`)).body.region, '');
  const left = await p1.owner.put(`/api/v1/subscribers/${id}/info`,
    { ...full, leave_reason: 'price', leave_comment: 'found cheaper' });
  assert.equal(left.body.leave_reason, 'price');
  assert.ok(audits(ctx.db, 'subscriber.info_changed').some((x) => x[0] === String(id) && x[2].includes("leave_reason '' → 'price'")));
  // A consultant reads, cannot write; the subscriber itself sees nothing; another partner: 404.
  const cons = await newEmployee(ctx, p1, ['consultant']);
  assert.equal((await cons.client.get(`/api/v1/subscribers/${id}/info`)).status, 200);
  assert.equal((await cons.client.put(`/api/v1/subscribers/${id}/info`, full)).status, 403);
  const owner = await activate(ctx.s, ctx.db, email);
  assert.equal((await owner.get(`/api/v1/subscribers/${id}/info`)).status, 403);
  assert.equal((await owner.put(`/api/v1/subscribers/${id}/info`, full)).status, 403);
  assert.equal((await p2.owner.get(`/api/v1/subscribers/${id}/info`)).status, 404);
  assert.equal((await p2.owner.put(`/api/v1/subscribers/${id}/info`, full)).status, 404);
  assert.equal((await ctx.admin.get(`/api/v1/subscribers/${id}/info`)).status, 200);
  assert.equal((await anon().get(`/api/v1/subscribers/${id}/info`)).status, 401);
  assert.equal((await ctx.admin.get('/api/v1/subscribers/999999/info')).status, 404);
});

test('R-ACC-5 reasons for leaving are listed for anyone signed in', async () => {
  const r = await p1.owner.get('/api/v1/leave-reasons');
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.items[0], { code: 'price', name_ru: 'Дорого', name_en: 'Too expensive' });
  assert.ok(r.body.items.some((x) => x.code === 'other'));
  const page = await p1.owner.get('/api/v1/leave-reasons?limit=2');
  assert.equal(page.body.items.length, 2);
  const next = await p1.owner.get(page.body.next);
  assert.equal(next.body.items[0].code, r.body.items[2].code);
  assert.equal((await anon().get('/api/v1/leave-reasons')).status, 401);
});

test('users: the owner and administrators manage them; owner rights stay with owners', async () => {
  const ownerEmail = uniqueEmail('so');
  const s = await ctx.admin.post('/api/v1/subscribers', { name: 'Users Inc', partner: p1.id, owner_email: ownerEmail });
  const id = s.body.id;
  const owner = await activate(ctx.s, ctx.db, ownerEmail);
  const ownerId = (await owner.get('/api/v1/me')).body.id;
  const adminEmail = uniqueEmail('sa');
  const a = await owner.post(`/api/v1/subscribers/${id}/users`,
    { email: adminEmail, name: 'Admin', roles: ['administrator', 'user'], session_limit: 2 });
  assert.equal(a.status, 202, JSON.stringify(a.body));
  assert.deepEqual(a.body.roles, ['administrator', 'user']);
  assert.equal(a.body.session_limit, 2);
  assert.equal(lastMail(ctx.db, adminEmail).template, 'member_invited');
  const adm = await activate(ctx.s, ctx.db, adminEmail);
  const admId = (await adm.get('/api/v1/me')).body.id;
  const mine = (await owner.get(`/api/v1/subscribers/${id}/users`)).body.items.find((x) => x.person === admId);
  assert.deepEqual([mine.roles, mine.session_limit], [['administrator', 'user'], 2], 'joined as invited');
  // An administrator adds users, not owners, and cannot touch the owner.
  const u = await newUser(ctx, adm, id, { email: uniqueEmail('su'), roles: ['user'] });
  assert.equal((await adm.post(`/api/v1/subscribers/${id}/users`, { email: uniqueEmail(), roles: ['owner'] })).status, 403);
  assert.equal((await adm.patch(`/api/v1/subscribers/${id}/users/${u.person}`, { roles: ['owner'] })).status, 403);
  assert.equal((await adm.del(`/api/v1/subscribers/${id}/users/${ownerId}`)).status, 403);
  const lim = await adm.patch(`/api/v1/subscribers/${id}/users/${u.person}`, { session_limit: 1 });
  assert.equal(lim.status, 200);
  assert.equal(lim.body.session_limit, 1);
  assert.deepEqual(lim.body.roles, ['user']);
  const unl = await adm.patch(`/api/v1/subscribers/${id}/users/${u.person}`, { session_limit: null });
  assert.equal(unl.body.session_limit, null);
  for (const [body, field] of [[{ roles: ['operator'] }, 'roles'], [{ session_limit: -1 }, 'session_limit'],
    [{ session_limit: 'many' }, 'session_limit'], [{ roles: [] }, 'roles'], [{}, 'roles']]) {
    const bad = await adm.patch(`/api/v1/subscribers/${id}/users/${u.person}`, body);
    assert.equal(bad.status, 400, JSON.stringify(body));
    assert.equal(bad.body.field, field);
  }
  const dup = await owner.post(`/api/v1/subscribers/${id}/users`, { email: adminEmail, roles: ['user'] });
  assert.equal(dup.status, 409);
  // The last owner can be neither demoted nor removed.
  assert.equal((await owner.patch(`/api/v1/subscribers/${id}/users/${ownerId}`, { roles: ['user'] })).status, 409);
  assert.equal((await owner.del(`/api/v1/subscribers/${id}/users/${ownerId}`)).status, 409);
  const promote = await owner.patch(`/api/v1/subscribers/${id}/users/${admId}`, { roles: ['owner'] });
  assert.equal(promote.status, 200);
  assert.equal((await owner.del(`/api/v1/subscribers/${id}/users/${ownerId}`)).status, 204);
  const list = await adm.get(`/api/v1/subscribers/${id}/users`);
  assert.equal(list.status, 200);
  assert.deepEqual(list.body.items.map((x) => x.email).sort(), [adminEmail, u.email].sort());
  assert.equal((await adm.del(`/api/v1/subscribers/${id}/users/${u.person}`)).status, 204);
  assert.equal((await adm.del(`/api/v1/subscribers/${id}/users/${u.person}`)).status, 404);
  // A plain user, the serving partner and strangers cannot manage users; the serving
  // partner's employees read them (the client card, issue 11).
  const plainEmail = uniqueEmail('pu');
  await adm.post(`/api/v1/subscribers/${id}/users`, { email: plainEmail, roles: ['user'] });
  const plain = await activate(ctx.s, ctx.db, plainEmail);
  assert.equal((await plain.get(`/api/v1/subscribers/${id}/users`)).status, 403);
  assert.equal((await p1.owner.get(`/api/v1/subscribers/${id}/users`)).status, 200);
  assert.equal((await p1.owner.post(`/api/v1/subscribers/${id}/users`, { email: uniqueEmail(), roles: ['user'] })).status, 403);
  assert.equal((await p2.owner.get(`/api/v1/subscribers/${id}/users`)).status, 404);
  assert.equal((await p2.owner.post(`/api/v1/subscribers/${id}/users`, { email: uniqueEmail(), roles: ['user'] })).status, 404);
  assert.equal((await anon().get(`/api/v1/subscribers/${id}/users`)).status, 401);
  assert.ok(audits(ctx.db, 'subscriber.user_removed').some((x) => x[0] === String(id)));
  // Someone with a login already is invited the same way (tests/e2e/invites.test.js).
  const known = await adm.post(`/api/v1/subscribers/${id}/users`, { email: p2.email, roles: ['user'] });
  assert.equal(known.status, 202);
  assert.equal(lastMail(ctx.db, p2.email).template, 'member_invited');
});

test('the list of reasons for leaving is configured by the provider', async () => {
  const ctx = await setup('reasons');
  try {
    const p = await newPartner(ctx);
    let r = await ctx.admin.post('/api/v1/leave-reasons', { code: 'no_internet', name_ru: 'Нет интернета', name_en: 'No internet' });
    assert.equal(r.status, 201);
    let list = await p.owner.get('/api/v1/leave-reasons');
    assert.ok(list.body.items.some((x) => x.code === 'no_internet' && x.name_ru === 'Нет интернета'));
    assert.equal((await ctx.admin.post('/api/v1/leave-reasons', { code: 'no_internet', name_ru: 'x', name_en: 'y' })).status, 409);
    for (const [body, field] of [[{ code: 'Bad Code', name_ru: 'a', name_en: 'b' }, 'code'],
      [{ code: 'x1', name_ru: 'a' }, 'name_en'], [{ code: 'x2', name_ru: '', name_en: 'b' }, 'name_ru']]) {
      r = await ctx.admin.post('/api/v1/leave-reasons', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.field, field);
    }
    assert.equal((await p.owner.post('/api/v1/leave-reasons', { code: 'mine', name_ru: 'a', name_en: 'b' })).status, 403);
    assert.equal((await p.owner.patch('/api/v1/leave-reasons/price', { active: false })).status, 403);
    assert.equal((await ctx.admin.patch('/api/v1/leave-reasons/no_internet', { active: false, name_en: 'No Internet' })).status, 204);
    assert.equal((await ctx.admin.patch('/api/v1/leave-reasons/nosuch', { active: false })).status, 404);
    assert.equal((await ctx.admin.patch('/api/v1/leave-reasons/price', { active: 'no' })).status, 400);
    list = await p.owner.get('/api/v1/leave-reasons');
    assert.ok(!list.body.items.some((x) => x.code === 'no_internet'), 'no longer offered');
  } finally {
    assert.equal(await ctx.s.stop(), 0);
  }
});
