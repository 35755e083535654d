// Members join by invitation (issue 9 item 4): adding someone by email to a
// partner or a subscriber never says who they are and never enrols a person
// of another tenant without their consent. The add answers the same for any
// address and mails a single-use link; only following it makes a member.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from './lib/session.js';
import { lastLink, query, raw } from './lib/db.js';
import {
  setup, newPartner, newEmployee, activate, acceptInvite, lastMail, audits, uniqueEmail,
} from './lib/accounts.js';

let ctx;
let p1;         // the inviting partner
let p2;         // another partner: its owner is a person with a password
before(async () => {
  ctx = await setup('invites');
  p1 = await newPartner(ctx, { name: 'Inviting Partner' });
  p2 = await newPartner(ctx, { name: 'Other Partner' });
});
after(async () => { assert.equal(await ctx.s.stop(), 0); });

const anon = () => new Client(ctx.s);
const invite = (who, partner, email, roles = ['developer']) =>
  who.post(`/api/v1/partners/${partner}/employees`, { email, roles });
const accountsOf = async (c) => (await c.get('/api/v1/me')).body.accounts.map((a) => a.id);
const memberships = (person, account) => Number(query(ctx.db,
  `SELECT COUNT(*) FROM memberships WHERE person_id = ${person} AND account_id = ${account}`)[0][0]);
const personId = (email) => query(ctx.db, `SELECT id FROM persons WHERE email = '${email}'`)[0]?.[0];
const token = (email) => lastLink(ctx.db, email).token;

test('adding a known and an unknown address answers alike and names nobody', async () => {
  const unknown = uniqueEmail('nobody');
  const a = await invite(p1.owner, p1.id, unknown);
  const b = await invite(p1.owner, p1.id, p2.email);
  for (const r of [a, b]) {
    assert.equal(r.status, 202, JSON.stringify(r.body));
    assert.equal(r.body.status, 'invited');
    assert.equal(r.body.person, undefined);
    assert.equal(r.body.name, undefined);
  }
  assert.deepEqual(Object.keys(a.body).sort(), Object.keys(b.body).sort());
  assert.deepEqual(Object.keys(a.body).sort(), ['email', 'expires_at', 'id', 'roles', 'status']);
  assert.equal(b.body.email, p2.email);
  // Both get the same invitation mail; neither address got a person out of it.
  assert.equal(lastMail(ctx.db, unknown).template, 'member_invited');
  assert.equal(lastMail(ctx.db, p2.email).template, 'member_invited');
  assert.equal(personId(unknown), undefined, 'no person is created by an add');
  // The same for a subscriber's users, and for the owner of a new subscriber.
  const sub = await p1.owner.post('/api/v1/subscribers', { name: 'Known Or Not', owner_email: p2.email });
  const sub2 = await p1.owner.post('/api/v1/subscribers', { name: 'Known Or Not 2', owner_email: uniqueEmail('nobody') });
  assert.equal(sub.status, 201);
  assert.deepEqual(Object.keys(sub.body).sort(), Object.keys(sub2.body).sort());
  assert.equal(sub.body.owner_invited, p2.email);
  assert.equal(sub.body.owner, undefined);
  const owner = await activate(ctx.s, ctx.db, sub2.body.owner_invited);
  const u1 = await owner.post(`/api/v1/subscribers/${sub2.body.id}/users`, { email: p2.email, roles: ['user'] });
  const u2 = await owner.post(`/api/v1/subscribers/${sub2.body.id}/users`, { email: uniqueEmail('nobody'), roles: ['user'] });
  assert.equal(u1.status, 202);
  assert.equal(u2.status, 202);
  assert.deepEqual(Object.keys(u1.body).sort(), Object.keys(u2.body).sort());
  assert.equal(u1.body.person, undefined);
  // The audit record of the invitation names the address, not a person.
  const rec = audits(ctx.db, 'member.invited').find((x) => x[2].includes(p2.email) && x[0] === String(p1.id));
  assert.ok(rec);
  assert.equal(rec[1], String(b.body.id));
});

test("another tenant's person is not a member after the add, only once they accept", async () => {
  const before_ = await accountsOf(p2.owner);
  const r = await invite(p1.owner, p1.id, p2.email, ['consultant']);
  assert.equal(r.status, 202);
  assert.deepEqual(await accountsOf(p2.owner), before_, 'the add enrolled nobody');
  const list = await p1.owner.get(`/api/v1/partners/${p1.id}/employees`);
  assert.ok(!list.body.items.some((e) => e.email === p2.email));
  // A person with a password does not set one through the link.
  const t = token(p2.email);
  const pw = await anon().post('/api/v1/auth/invite/accept', { token: t, password: 'another-password-1' });
  assert.equal(pw.status, 400);
  assert.equal(pw.body.field, 'password');
  assert.deepEqual(await accountsOf(p2.owner), before_);
  const ok = await anon().post('/api/v1/auth/invite/accept', { token: t });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.deepEqual(ok.body.account, { id: p1.id, name: 'Inviting Partner', kind: 'partner' });
  const me = (await p2.owner.get('/api/v1/me')).body.accounts;
  assert.deepEqual(me.find((a) => a.id === p1.id).roles, ['consultant']);
  // …and a user of the partner's own books (R-ACT-1).
  const own = (await p1.owner.get(`/api/v1/partners/${p1.id}`)).body.own_subscriber.id;
  assert.deepEqual(me.find((a) => a.id === own).roles, ['user']);
  // Their own password still signs them in; the audit says who joined.
  assert.equal((await new Client(ctx.s).login(p2.email, 'a-good-password-1')).status, 200);
  const added = audits(ctx.db, 'partner.employee_added').find((x) => x[0] === String(p1.id) && x[2].includes(p2.email));
  assert.equal(added[1], personId(p2.email));
});

test('an invitation link works once', async () => {
  const email = uniqueEmail('once');
  await invite(p1.owner, p1.id, email);
  const t = token(email);
  const first = await anon().post('/api/v1/auth/invite/accept', { token: t, password: 'a-good-password-1', name: 'Once' });
  assert.equal(first.status, 200, JSON.stringify(first.body));
  for (const again of [await anon().post('/api/v1/auth/invite/accept', { token: t, password: 'a-good-password-2' }),
    await anon().get(`/api/v1/auth/invite?token=${t}`)]) {
    assert.equal(again.status, 400);
    assert.equal(again.body.code, 'invalid');
    assert.equal(again.body.field, 'token');
    assert.equal(again.body.reason, 'accepted');
  }
  // The password set by the first acceptance is the one that works.
  assert.equal((await new Client(ctx.s).login(email, 'a-good-password-2')).status, 401);
  assert.equal((await new Client(ctx.s).login(email, 'a-good-password-1')).status, 200);
  const bogus = await anon().post('/api/v1/auth/invite/accept', { token: 'x'.repeat(43), password: 'a-good-password-1' });
  assert.equal(bogus.status, 400);
  assert.equal(bogus.body.reason, 'unknown');
});

test("a cancelled invitation's link fails, and so does a replaced one's", async () => {
  const email = uniqueEmail('gone');
  const r = await invite(p1.owner, p1.id, email);
  const cancelled = token(email);
  assert.equal((await p1.owner.del(`/api/v1/member-invites/${r.body.id}`)).status, 204);
  assert.equal((await p1.owner.del(`/api/v1/member-invites/${r.body.id}`)).status, 404);
  let a = await anon().post('/api/v1/auth/invite/accept', { token: cancelled, password: 'a-good-password-1' });
  assert.equal(a.status, 400);
  assert.equal(a.body.reason, 'cancelled');
  assert.ok(audits(ctx.db, 'member.invite_cancelled').some((x) => x[1] === String(r.body.id)));
  // Inviting again replaces the pending invitation; so does "send again".
  await invite(p1.owner, p1.id, email);
  const replaced = token(email);
  const second = await invite(p1.owner, p1.id, email, ['operator']);
  const resent = await p1.owner.post(`/api/v1/member-invites/${second.body.id}/resend`);
  assert.equal(resent.status, 201, JSON.stringify(resent.body));
  assert.deepEqual(resent.body.roles, ['operator']);
  assert.notEqual(resent.body.id, second.body.id);
  for (const t of [replaced, lastLinkBefore(email, 1)]) {
    a = await anon().post('/api/v1/auth/invite/accept', { token: t, password: 'a-good-password-1' });
    assert.equal(a.status, 400);
    assert.equal(a.body.reason, 'replaced');
  }
  const pending = (await p1.owner.get(`/api/v1/member-invites?account=${p1.id}`)).body.items.filter((i) => i.email === email);
  assert.deepEqual(pending.map((i) => i.id), [resent.body.id]);
  a = await anon().post('/api/v1/auth/invite/accept', { token: token(email), password: 'a-good-password-1' });
  assert.equal(a.status, 200);
  assert.deepEqual(a.body.roles, ['operator']);
});

/** The token of the n-th newest mail to email (0: the newest). */
function lastLinkBefore(email, n) {
  const text = raw(ctx.db, `SELECT body_text FROM outbox WHERE to_addr = '${email}' ORDER BY id DESC LIMIT 1 OFFSET ${n}`);
  return /token=([A-Za-z0-9_-]+)/.exec(text)[1];
}

test('20 parallel accepts of one link make one membership', async () => {
  const email = uniqueEmail('race');
  await invite(p1.owner, p1.id, email);
  const t = token(email);
  const rs = await Promise.all(Array.from({ length: 20 },
    (_, i) => anon().post('/api/v1/auth/invite/accept', { token: t, password: `a-good-password-${i}` })));
  const ok = rs.filter((r) => r.status === 200);
  assert.equal(ok.length, 1, rs.map((r) => `${r.status} ${r.body.reason || r.body.code || ''}`).join(', '));
  for (const r of rs.filter((x) => x.status !== 200)) {
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.reason, 'accepted');
  }
  assert.equal(memberships(personId(email), p1.id), 1);
  assert.equal(audits(ctx.db, 'partner.employee_added').filter((x) => x[2].includes(email)).length, 1);
});

test("a partner's owner cannot see, cancel or resend another partner's invitations", async () => {
  const p3 = await newPartner(ctx, { name: 'Stranger Partner' });
  const r = await invite(p1.owner, p1.id, uniqueEmail('mine'));
  const mine = await invite(p3.owner, p3.id, uniqueEmail('theirs'));
  for (const res of [await p3.owner.get(`/api/v1/member-invites?account=${p1.id}`),
    await p3.owner.del(`/api/v1/member-invites/${r.body.id}`),
    await p3.owner.post(`/api/v1/member-invites/${r.body.id}/resend`)]) {
    assert.equal(res.status, 404, JSON.stringify(res.body));
    assert.equal(res.body.code, 'not_found');
  }
  const all = await p3.owner.get('/api/v1/member-invites?limit=500');
  assert.equal(all.status, 200);
  assert.ok(!all.body.items.some((i) => i.id === r.body.id || i.account === p1.id));
  assert.ok(all.body.items.some((i) => i.id === mine.body.id), 'the check above is not vacuous');
  const csv = await p3.owner.get('/api/v1/member-invites?format=csv');
  assert.equal(csv.status, 200);
  assert.ok(!csv.body.includes(`\r\n${r.body.id};`));
  // The invitation is still pending for its own partner.
  const own = await p1.owner.get(`/api/v1/member-invites?account=${p1.id}&limit=500`);
  assert.ok(own.body.items.some((i) => i.id === r.body.id && i.state === 'pending'));
  assert.equal((await anon().get('/api/v1/member-invites')).status, 401);
});

test('an operator cannot invite, see or cancel invitations; an administrator cannot touch owner ones', async () => {
  const op = await newEmployee(ctx, p1, ['operator']);
  assert.equal((await invite(op.client, p1.id, uniqueEmail('byop'), ['operator'])).status, 403);
  const r = await invite(p1.owner, p1.id, uniqueEmail('opsee'));
  assert.equal((await op.client.get(`/api/v1/member-invites?account=${p1.id}`)).status, 403);
  assert.equal((await op.client.del(`/api/v1/member-invites/${r.body.id}`)).status, 403);
  // A subscriber's administrator manages user invitations, not owner ones.
  const s = await p1.owner.post('/api/v1/subscribers', { name: 'Admin Limits', owner_email: uniqueEmail('so') });
  const owner = await activate(ctx.s, ctx.db, s.body.owner_invited);
  const admEmail = uniqueEmail('sa');
  await owner.post(`/api/v1/subscribers/${s.body.id}/users`, { email: admEmail, roles: ['administrator'] });
  const adm = await activate(ctx.s, ctx.db, admEmail);
  const co = await owner.post(`/api/v1/subscribers/${s.body.id}/users`, { email: uniqueEmail('co'), roles: ['owner'] });
  const u = await adm.post(`/api/v1/subscribers/${s.body.id}/users`, { email: uniqueEmail('su'), roles: ['user'], session_limit: 2 });
  assert.equal(u.status, 202);
  assert.equal(u.body.session_limit, 2);
  const seen = (await adm.get(`/api/v1/member-invites?account=${s.body.id}`)).body.items.map((i) => i.id);
  assert.ok(seen.includes(co.body.id) && seen.includes(u.body.id));
  assert.equal((await adm.del(`/api/v1/member-invites/${co.body.id}`)).status, 403);
  assert.equal((await adm.post(`/api/v1/member-invites/${co.body.id}/resend`)).status, 403);
  assert.equal((await adm.del(`/api/v1/member-invites/${u.body.id}`)).status, 204);
  // The serving partner does not see a client's invitations once the client has an owner.
  assert.equal((await p1.owner.get(`/api/v1/member-invites?account=${s.body.id}`)).status, 403);
  assert.equal((await p1.owner.del(`/api/v1/member-invites/${co.body.id}`)).status, 404);
});

test('the link tells what it offers and nothing else about the person', async () => {
  const s = await p1.owner.post('/api/v1/subscribers', { name: 'ООО Приглашение', owner_email: p2.email, owner_name: 'Given Name' });
  const t = token(p2.email);
  const v = await anon().get(`/api/v1/auth/invite?token=${t}`);
  assert.equal(v.status, 200, JSON.stringify(v.body));
  assert.deepEqual(Object.keys(v.body).sort(),
    ['account', 'email', 'expires_at', 'invited_by', 'name', 'needs_password', 'roles', 'session_limit']);
  assert.deepEqual(v.body.account, { name: 'ООО Приглашение', kind: 'subscriber' });
  assert.deepEqual(v.body.roles, ['owner']);
  assert.equal(v.body.email, p2.email);
  assert.equal(v.body.needs_password, false);
  assert.equal(v.body.name, 'Given Name', 'the name the inviter gave, not the person\'s');
  const me = (await p1.owner.get('/api/v1/me')).body;
  assert.equal(v.body.invited_by, me.name || me.email);
  const fresh = uniqueEmail('fresh');
  await invite(p1.owner, p1.id, fresh);
  assert.equal((await anon().get(`/api/v1/auth/invite?token=${token(fresh)}`)).body.needs_password, true);
  // The new subscriber has nobody until its owner accepts; its partner may resend meanwhile.
  const pending = await p1.owner.get(`/api/v1/member-invites?account=${s.body.id}`);
  assert.equal(pending.status, 200, JSON.stringify(pending.body));
  assert.deepEqual(pending.body.items.map((i) => [i.email, i.roles, i.state]), [[p2.email, ['owner'], 'pending']]);
  const again = await p1.owner.post(`/api/v1/member-invites/${pending.body.items[0].id}/resend`);
  assert.equal(again.status, 201);
  assert.equal((await anon().get(`/api/v1/auth/invite?token=${t}`)).body.reason, 'replaced');
  assert.ok(!(await accountsOf(p2.owner)).includes(s.body.id));
  assert.equal((await acceptInvite(ctx.s, ctx.db, p2.email)).status, 200);
  assert.ok((await accountsOf(p2.owner)).includes(s.body.id));
});

test('a new person must set a good password to accept', async () => {
  const email = uniqueEmail('newbie');
  await invite(p1.owner, p1.id, email);
  const t = token(email);
  for (const [body, field] of [[{ token: t }, 'password'], [{ token: t, password: 'short' }, 'password'],
    [{ token: t, password: 'a-good-password-1', name: 5 }, 'name'], [{}, 'token']]) {
    const r = await anon().post('/api/v1/auth/invite/accept', body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.body.field, field, JSON.stringify(r.body));
  }
  assert.equal(personId(email), undefined);
  const ok = await anon().post('/api/v1/auth/invite/accept', { token: t, password: 'a-good-password-1', name: 'Новичок' });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get('set-cookie'), null, 'accepting does not sign in');
  const c = new Client(ctx.s);
  assert.equal((await c.login(email, 'a-good-password-1')).status, 200);
  assert.equal((await c.get('/api/v1/me')).body.name, 'Новичок');
});

test('the invitation mail is in the invitee\'s language when known', async () => {
  const en = await newEmployee(ctx, p2, ['consultant']);
  assert.equal((await en.client.patch('/api/v1/me', { lang: 'en' })).status, 200);
  await invite(p1.owner, p1.id, en.email);
  assert.deepEqual(lastMail(ctx.db, en.email), { template: 'member_invited', subject: 'Oblako: an invitation to Inviting Partner', lang: 'en' });
  const ru = uniqueEmail('ru');
  await invite(p1.owner, p1.id, ru);
  assert.equal(lastMail(ctx.db, ru).lang, 'ru');
  const s = await p1.owner.post('/api/v1/subscribers', { name: 'English Client', owner_email: uniqueEmail('en'), lang: 'en' });
  assert.equal(lastMail(ctx.db, s.body.owner_invited).lang, 'en');
});

test('an address that is a member already is refused as today', async () => {
  const r = await invite(p1.owner, p1.id, p1.email, ['operator']);
  assert.equal(r.status, 409);
  assert.equal(r.body.field, 'email');
});

test('a token of a person who owns more clients than the principal cache holds acts in its one account only', async () => {
  // more memberships than OB_PRINCIPAL_MEMBERS (8): the token's membership is read alone
  const email = uniqueEmail('many');
  const subs = [];
  for (let i = 0; i < 10; i++) {
    const r = await p1.owner.post('/api/v1/subscribers', { name: `Many ${i}`, owner_email: email });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    subs.push(r.body.id);
    if (i === 0) await activate(ctx.s, ctx.db, email);
    else assert.equal((await acceptInvite(ctx.s, ctx.db, email)).status, 200);
  }
  const c = new Client(ctx.s);
  assert.equal((await c.login(email, 'a-good-password-1')).status, 200);
  assert.deepEqual((await accountsOf(c)).filter((id) => subs.includes(id)).sort(), [...subs].sort());
  const t = await c.post('/api/v1/tokens', { account: subs[3], roles: 'owner', name: 'one' });
  assert.equal(t.status, 201, JSON.stringify(t.body));
  const bearer = (path) => ctx.s.fetch(path, { headers: { authorization: `Bearer ${t.body.token}` } });
  const me = await (await bearer('/api/v1/me')).json();
  assert.deepEqual(me.accounts.map((a) => a.id), [subs[3]]);
  assert.equal((await bearer(`/api/v1/subscribers/${subs[3]}`)).status, 200);
  assert.ok([403, 404].includes((await bearer(`/api/v1/subscribers/${subs[4]}`)).status));
});

// Last: it moves the business clock past the invitations' expiry.
test('an expired invitation fails and can be sent again', async () => {
  const email = uniqueEmail('late');
  const r = await invite(p1.owner, p1.id, email);
  const t = token(email);
  const clock = await (await ctx.s.fetch('/api/v1/test/clock', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: 8 * 86400 }),
  })).json();
  assert.ok(clock.now);
  const v = await anon().get(`/api/v1/auth/invite?token=${t}`);
  assert.equal(v.status, 400);
  assert.equal(v.body.reason, 'expired');
  const a = await anon().post('/api/v1/auth/invite/accept', { token: t, password: 'a-good-password-1' });
  assert.equal(a.body.reason, 'expired');
  assert.equal(personId(email), undefined);
  // Sign-in sessions ended with the move: sign in again.
  const c = new Client(ctx.s);
  assert.equal((await c.login(p1.email, 'a-good-password-1')).status, 200);
  const listed = (await c.get(`/api/v1/member-invites?account=${p1.id}&limit=500`)).body.items.find((i) => i.id === r.body.id);
  assert.equal(listed.state, 'expired');
  const again = await c.post(`/api/v1/member-invites/${r.body.id}/resend`);
  assert.equal(again.status, 201);
  assert.equal((await anon().post('/api/v1/auth/invite/accept', { token: token(email), password: 'a-good-password-1' })).status, 200);
});
