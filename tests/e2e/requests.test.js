// Requests (R-ACC-3): a partner cannot change its requisites; it files a
// change request, and a provider operator applies or rejects it, once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from './lib/session.js';
import { query } from './lib/db.js';
import { setup, newPartner, newEmployee, lastMail, audits, inn10 } from './lib/accounts.js';

let ctx;
let p1;
let p2;
before(async () => {
  ctx = await setup('requests');
  p1 = await newPartner(ctx, { name: 'Requesting Partner' });
  p2 = await newPartner(ctx, { name: 'Other Partner' });
});
after(async () => { assert.equal(await ctx.s.stop(), 0); });

const file = (c, partner, changes, reason = 'we moved') =>
  c.post('/api/v1/requests', { kind: 'requisites', partner, changes, reason });

test('R-ACC-3 the owner files a change; the provider applies it; both are audited and mailed', async () => {
  const newInn = inn10(777001);
  const r = await file(p1.owner, p1.id,
    { name: 'Requesting Partner LLC', inn: newInn, phone: '+7 812 000 00 00', email: 'New@Req.test' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.kind, 'requisites');
  assert.deepEqual(r.body.partner, { id: p1.id, name: 'Requesting Partner' });
  assert.deepEqual(r.body.changes,
    { name: 'Requesting Partner LLC', inn: newInn, phone: '+7 812 000 00 00', email: 'new@req.test' });
  assert.equal(r.body.state, 'open');
  assert.equal(r.body.reason, 'we moved');
  assert.equal(r.body.filed_by.email, p1.email);
  assert.equal(r.body.decided_at, null);
  const before = (await p1.owner.get(`/api/v1/partners/${p1.id}`)).body;
  assert.equal(before.name, 'Requesting Partner');
  const d = await ctx.admin.post(`/api/v1/requests/${r.body.id}/decision`, { decision: 'apply', note: 'checked' });
  assert.equal(d.status, 200, JSON.stringify(d.body));
  assert.equal(d.body.state, 'applied');
  assert.equal(d.body.decision_note, 'checked');
  assert.ok(d.body.decided_at);
  const after = (await p1.owner.get(`/api/v1/partners/${p1.id}`)).body;
  assert.equal(after.name, 'Requesting Partner LLC');
  assert.equal(after.inn, newInn);
  assert.equal(after.email, 'new@req.test');
  assert.equal(after.kpp, before.kpp);
  assert.equal(after.site, before.site);
  const me = await p1.owner.get('/api/v1/me');
  assert.equal(me.body.accounts.find((a) => a.kind === 'partner').name, 'Requesting Partner LLC');
  const changed = audits(ctx.db, 'partner.requisites_changed').find((x) => x[0] === String(p1.id));
  assert.ok(changed);
  assert.match(changed[2], /name 'Requesting Partner' → 'Requesting Partner LLC'/);
  assert.ok(audits(ctx.db, 'request.decided').some((x) => x[1] === String(r.body.id)));
  assert.equal(lastMail(ctx.db, p1.email).template, 'request_decided');
  const again = await ctx.admin.post(`/api/v1/requests/${r.body.id}/decision`, { decision: 'reject' });
  assert.equal(again.status, 409);
  assert.equal(again.body.code, 'conflict');
});

test('R-ACC-3 a rejected request changes nothing', async () => {
  const op = await newEmployee(ctx, p1, ['operator']);
  const r = await file(op.client, p1.id, { site: 'https://elsewhere.test' }, 'new site');
  assert.equal(r.status, 201);
  const d = await ctx.admin.post(`/api/v1/requests/${r.body.id}/decision`, { decision: 'reject', note: 'no proof' });
  assert.equal(d.status, 200);
  assert.equal(d.body.state, 'rejected');
  assert.notEqual((await ctx.admin.get(`/api/v1/partners/${p1.id}`)).body.site, 'https://elsewhere.test');
  assert.equal(lastMail(ctx.db, op.email).template, 'request_decided');
  assert.equal((await ctx.admin.post(`/api/v1/requests/${r.body.id}/decision`, { decision: 'apply' })).status, 409);
});

test('R-ACC-3 bad requests are refused by field and store nothing', async () => {
  const count = () => Number(query(ctx.db, 'SELECT COUNT(*) FROM requests')[0][0]);
  const n0 = count();
  for (const [body, field] of [
    [{ kind: 'requisites', partner: p1.id, changes: { inn: '1234567890' }, reason: 'x' }, 'changes.inn'],
    [{ kind: 'requisites', partner: p1.id, changes: { kpp: '1' }, reason: 'x' }, 'changes.kpp'],
    [{ kind: 'requisites', partner: p1.id, changes: { phone: '12' }, reason: 'x' }, 'changes.phone'],
    [{ kind: 'requisites', partner: p1.id, changes: { email: 'nope' }, reason: 'x' }, 'changes.email'],
    [{ kind: 'requisites', partner: p1.id, changes: { name: '' }, reason: 'x' }, 'changes.name'],
    [{ kind: 'requisites', partner: p1.id, changes: { colour: 'red' }, reason: 'x' }, 'changes.colour'],
    [{ kind: 'requisites', partner: p1.id, changes: {}, reason: 'x' }, 'changes'],
    [{ kind: 'requisites', partner: p1.id, changes: 'all', reason: 'x' }, 'changes'],
    [{ kind: 'requisites', partner: p1.id, changes: { site: 'a' } }, 'reason'],
    [{ kind: 'requisites', partner: p1.id, changes: { site: 'a' }, reason: '' }, 'reason'],
    [{ kind: 'requisites', changes: { site: 'a' }, reason: 'x' }, 'partner'],
    [{ kind: 'holiday', partner: p1.id, changes: { site: 'a' }, reason: 'x' }, 'kind'],
  ]) {
    const r = await p1.owner.post('/api/v1/requests', body);
    assert.equal(r.status, 400, `${JSON.stringify(body)} ${JSON.stringify(r.body)}`);
    assert.equal(r.body.field, field, JSON.stringify(body));
  }
  const open = await file(p1.owner, p1.id, { region: 'Kazan' });
  for (const [body, field] of [[{}, 'decision'], [{ decision: 'maybe' }, 'decision']]) {
    const r = await ctx.admin.post(`/api/v1/requests/${open.body.id}/decision`, body);
    assert.equal(r.status, 400);
    assert.equal(r.body.field, field);
  }
  assert.equal(count(), n0 + 1);
});

test('R-ACC-3 who may file, see and decide', async () => {
  const anon = new Client(ctx.s);
  const cons = await newEmployee(ctx, p1, ['consultant']);
  assert.equal((await file(anon, p1.id, { site: 'a' })).status, 401);
  assert.equal((await anon.get('/api/v1/requests')).status, 401);
  assert.equal((await file(cons.client, p1.id, { site: 'a' })).status, 403);
  assert.equal((await file(p2.owner, p1.id, { site: 'a' })).status, 404);
  assert.equal((await file(ctx.admin, p1.id, { site: 'a' })).status, 403);
  const mine = await file(p2.owner, p2.id, { region: 'Omsk' });
  assert.equal(mine.status, 201);
  const l1 = await p1.owner.get('/api/v1/requests?limit=500');
  assert.equal(l1.status, 200);
  assert.ok(l1.body.items.length > 0);
  assert.ok(l1.body.items.every((x) => x.partner.id === p1.id));
  const l2 = await p2.owner.get('/api/v1/requests');
  assert.deepEqual(l2.body.items.map((x) => x.id), [mine.body.id]);
  const cl = await cons.client.get('/api/v1/requests');
  assert.equal(cl.status, 200);
  const all = await ctx.admin.get('/api/v1/requests?state=open&kind=requisites&limit=500');
  assert.ok(all.body.items.some((x) => x.id === mine.body.id));
  assert.ok(all.body.items.every((x) => x.state === 'open'));
  assert.equal((await ctx.admin.get('/api/v1/requests?state=closed')).status, 400);
  const applied = await ctx.admin.get('/api/v1/requests?state=applied');
  assert.ok(applied.body.items.every((x) => x.state === 'applied'));
  const csv = await ctx.s.fetch('/api/v1/requests?format=csv', { headers: { cookie: `oblako_session=${p2.owner.cookie}` } });
  assert.equal(csv.status, 200);
  assert.match(await csv.text(), /Omsk/);
  // Partners cannot decide; unknown requests are 404.
  assert.equal((await p2.owner.post(`/api/v1/requests/${mine.body.id}/decision`, { decision: 'apply' })).status, 403);
  assert.equal((await anon.post(`/api/v1/requests/${mine.body.id}/decision`, { decision: 'apply' })).status, 401);
  assert.equal((await ctx.admin.post('/api/v1/requests/999999/decision', { decision: 'apply' })).status, 404);
});
