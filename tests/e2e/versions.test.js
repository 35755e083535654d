// Application versions (issue 15, item 4): the cash book's version calls, a test release that
// only test areas take (the partner guide: «публиковать тестовые релизы … проверять доработку,
// не дожидаясь публикации новой версии»), its release rolled out in waves of --rollout-wave with
// a status per area, an area with an open session warned through the heartbeat and updated
// after --rollout-deadline-minutes, pause/resume, a broken version's failures with the backend's
// reason, and a retry. One server, one cash book, areas made once; the jobs are run by hand.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, newPartner, newEmployee, audits } from './lib/accounts.js';
import { newClient, settled, signed, launchParams, SECRET, APPS } from './lib/areas.js';
import { startCashbook, sign } from './lib/app.js';
import { query } from './lib/db.js';
import { expect } from './lib/expect.js';
import { eventually } from './lib/wait.js';

let ctx;
let cb;
let P;          // the serving partner
let Q;          // another partner
let c;          // P's client
let W = [];     // c's working areas, by id
let T;          // c's test area

before(async () => {
  ctx = await setup('versions', { args: ['--rollout-wave', '2', '--rollout-deadline-minutes', '30'] });
  cb = await startCashbook({ oblakoUrl: ctx.s.url, secret: SECRET, args: ['--versions', '1.0.0,1.1.0,1.2.0-broken'] });
  for (const code of APPS) {
    expect(await ctx.admin.patch(`/api/v1/applications/${code}`, { backend_url: cb.url, backend_secret: SECRET }), 200);
  }
  P = await newPartner(ctx);
  Q = await newPartner(ctx);
  c = await newClient(ctx, P);
  // made together: the runner creates them in one pass
  const made = [];
  for (const [name, test] of [['Первая', false], ['Вторая', false], ['Третья', false], ['Тестовая', true]]) {
    const r = await c.owner.post('/api/v1/areas', { subscriber: c.id, name, application: 'accounting', test });
    expect(r, 201);
    made.push(r.body.id);
  }
  for (const id of made) assert.equal((await settled(c.owner, id)).state, 'ready');
  W = await Promise.all(made.slice(0, 3).map(async (id) => (await c.owner.get(`/api/v1/areas/${id}`)).body));
  T = (await c.owner.get(`/api/v1/areas/${made[3]}`)).body;
});
after(async () => {
  await cb?.stop();
  await ctx?.s.stop();
});

/** Runs the jobs now. The server's own runner may hold a job's lease for a moment (it runs the
 * same jobs on its schedule): then again, shortly. */
async function jobs(...names) {
  for (let i = 0; ; i++) {
    const r = await ctx.s.fetch('/api/v1/test/jobs', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ names }),
    });
    const text = await r.text();
    if (r.status === 200) return;
    assert.ok(r.status === 409 && text.includes('job.running_elsewhere') && i < 100, `${r.status} ${text}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

async function clockBy(seconds) {
  const now = await ctx.s.fetch('/api/v1/test/clock').then((r) => r.json());
  const at = new Date(Date.parse(now.now) + seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const r = await ctx.s.fetch('/api/v1/test/clock', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ now: at }),
  });
  assert.equal(r.status, 200, await r.text());
}

/** A signed call straight to the cash book, as Oblako makes it. */
async function toBackend(method, pathq, body) {
  const text = body === undefined ? '' : JSON.stringify(body);
  const headers = sign(SECRET, 'accounting', method, pathq, text);
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(cb.url + pathq, { method, headers, body: body === undefined ? undefined : text });
  return { status: r.status, body: await r.json() };
}

const area = async (id) => (await c.owner.get(`/api/v1/areas/${id}`)).body;
const keyOf = (id) => query(ctx.db, `SELECT area_key FROM areas WHERE id = ${id}`)[0][0];

test('the cash book: its versions, an area\'s version, a version it lacks or that breaks (422)', async () => {
  const v = await toBackend('GET', '/oblako/version');
  assert.deepEqual(v.body, { version: '1.0.0', versions: ['1.0.0', '1.1.0', '1.2.0-broken'] });
  const key = keyOf(T.id);
  assert.deepEqual((await toBackend('GET', `/oblako/areas/${key}/version`)).body, { version: '1.0.0' });
  assert.equal(T.version, '1.0.0', 'the area was created at the first version of --versions');
  const lacking = await toBackend('PUT', `/oblako/areas/${key}/version`, { version: '2.0.0' });
  assert.equal(lacking.status, 422);
  const broken = await toBackend('PUT', `/oblako/areas/${key}/version`, { version: '1.2.0-broken' });
  assert.equal(broken.status, 422);
  assert.match(broken.body.detail, /failed/);
  assert.deepEqual((await toBackend('GET', `/oblako/areas/${key}/version`)).body, { version: '1.0.0' }, 'a failed update leaves the area as it was');
  assert.equal((await toBackend('GET', '/oblako/areas/00000000000000ff/version')).status, 404);
});

test('publishing: provider staff only, a version name, newer than the released, once', async () => {
  expect(await P.owner.post('/api/v1/versions', { application: 'accounting', version: '1.1.0' }), 403);
  expect(await c.owner.post('/api/v1/versions', { application: 'accounting', version: '1.1.0' }), 403);
  expect(await ctx.admin.post('/api/v1/versions', { application: 'accounting', version: 'v1.1' }), 400, 'invalid', 'version');
  expect(await ctx.admin.post('/api/v1/versions', { application: 'nope', version: '1.1.0' }), 400, 'invalid', 'application');
  const r = await ctx.admin.post('/api/v1/versions', { application: 'accounting', version: '1.1.0', notes: 'Новый отчёт' });
  expect(r, 201);
  assert.equal(r.body.state, 'test');
  const again = await ctx.admin.post('/api/v1/versions', { application: 'accounting', version: '1.1.0' });
  expect(again, 409);
  assert.equal(again.body.reason, 'version.exists');
  // anyone signed in sees the versions (partners check their work on test releases)
  const list = await P.owner.get('/api/v1/versions?application=accounting');
  expect(list, 200);
  assert.deepEqual(list.body.items.map((x) => [x.version, x.state]), [['1.1.0', 'test']]);
  assert.equal(audits(ctx.db, 'version.published').length, 1);
  // the versions the areas run: 1.0.0, which the backend reported and nobody published here
  expect(await P.owner.get('/api/v1/versions/in-use'), 403);
  const use = await ctx.admin.get('/api/v1/versions/in-use');
  expect(use, 200);
  const at = query(ctx.db, "SELECT COUNT(*) FROM areas ar JOIN applications ap ON ap.id = ar.application_id "
    + "WHERE ap.code = 'accounting' AND ar.state = 'ready' AND ar.version = '1.0.0'")[0][0];
  assert.deepEqual(use.body.items.filter((u) => u.application.code === 'accounting').map((u) => [u.version, u.areas, u.published]),
    [['1.0.0', Number(at), false]]);
});

test('a test release goes into test areas only, by the client or its serving partner', async () => {
  // R-DA-2 and the guide: a working area waits for the release
  const working = await c.owner.put(`/api/v1/areas/${W[0].id}/version`, { version: '1.1.0' });
  expect(working, 403);
  assert.equal(working.body.reason, 'version.test_areas_only');
  // another partner's people do not see the area
  expect(await Q.owner.put(`/api/v1/areas/${T.id}/version`, { version: '1.1.0' }), 404, 'not_found');
  // a consultant of the serving partner may not; its operator may
  const consultant = await newEmployee(ctx, P, ['consultant']);
  expect(await consultant.client.put(`/api/v1/areas/${T.id}/version`, { version: '1.1.0' }), 403);
  expect(await c.owner.put(`/api/v1/areas/${T.id}/version`, { version: '9.9.9' }), 400, 'invalid', 'version');
  // the session open in it is closed; two requests at once move it once
  const s = await c.owner.post('/api/v1/sessions', { area: T.id });
  expect(s, 201);
  // an operator removed from the partner is no longer related to the client: 404
  const gone = await newEmployee(ctx, P, ['operator']);
  assert.ok((await P.owner.del(`/api/v1/partners/${P.id}/employees/${gone.person}`)).status < 300);
  expect(await gone.client.put(`/api/v1/areas/${T.id}/version`, { version: '1.1.0' }), 404, 'not_found');
  // an operator's API token may (a partner's script checks its customisation on the test
  // release); with the owner at the same moment, one of the two moves it
  const operator = await newEmployee(ctx, P, ['operator']);
  const tok = await operator.client.post('/api/v1/tokens', { account: P.id, roles: 'operator', name: 'CI' });
  expect(tok, 201);
  const both = await Promise.all([
    ctx.s.fetch(`/api/v1/areas/${T.id}/version`, {
      method: 'PUT', headers: { authorization: `Bearer ${tok.body.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ version: '1.1.0' }),
    }).then(async (r) => ({ status: r.status, body: await r.json() })),
    c.owner.put(`/api/v1/areas/${T.id}/version`, { version: '1.1.0' }),
  ]);
  assert.deepEqual(both.map((r) => r.status).sort(), [202, 409], JSON.stringify(both.map((r) => r.body)));
  assert.equal((await c.owner.get(`/api/v1/sessions/${s.body.id}`)).body.state, 'closed');
  const done = await eventually(async () => {
    const a = await area(T.id);
    assert.equal(a.version, '1.1.0');
    return a;
  }, { what: 'the test area at 1.1.0' });
  assert.equal(query(ctx.db, `SELECT COUNT(*) FROM areas WHERE id = ${T.id} AND phase = ''`)[0][0], '1');
  assert.equal(done.state, 'ready');
  assert.deepEqual((await toBackend('GET', `/oblako/areas/${keyOf(T.id)}/version`)).body, { version: '1.1.0' });
  assert.equal(audits(ctx.db, 'area.version_install').length, 1);
  assert.equal(audits(ctx.db, 'area.version_changed').length, 1);
});

let R;      // the roll-out of 1.1.0

test('the release rolls out in waves; an open session delays its area until the deadline, warned', async () => {
  const v = (await ctx.admin.get('/api/v1/versions?application=accounting')).body.items[0];
  expect(await P.owner.post(`/api/v1/versions/${v.id}/release`), 403);
  const rel = await ctx.admin.post(`/api/v1/versions/${v.id}/release`);
  expect(rel, 200);
  R = rel.body;
  // the three working areas; the test area is at 1.1.0 already
  assert.deepEqual(R.counts, { total: 3, pending: 3, waiting: 0, updating: 0, updated: 0, failed: 0 });
  expect(await ctx.admin.post(`/api/v1/versions/${v.id}/release`), 409);
  expect(await P.owner.get(`/api/v1/rollouts/${R.id}`), 404, 'not_found');
  // a window open in the first area of the first wave
  const o = await c.owner.post('/api/v1/sessions', { area: W[0].id });
  expect(o, 201);
  const q = launchParams(o.body.launch_url);
  expect(await signed(ctx.s, 'accounting', 'GET', `/api/v1/sessions/${q.session}?launch=${q.token}`), 200);
  const beat = () => signed(ctx.s, 'accounting', 'POST', `/api/v1/sessions/${q.session}/heartbeat`);
  assert.equal((await beat()).body.warning, undefined);
  // the test clock moves with real time: the deadline is 30 minutes after the job's run, which
  // is between these two readings (a second may pass between them on a slow build)
  const clockNow = async () => Date.parse((await ctx.s.fetch('/api/v1/test/clock').then((r) => r.json())).now);
  const before = await clockNow();
  await jobs('rollout');
  const after = await clockNow();
  // wave 1 = the first two areas (--rollout-wave 2): W0 waits for its window, W1 updates
  const h = await beat();
  assert.equal(h.body.warning, 'update');
  const ranAt = Date.parse(h.body.update_at) - 30 * 60 * 1000;
  assert.ok(ranAt >= Math.floor(before / 1000) * 1000 && ranAt <= after,
    `the deadline is --rollout-deadline-minutes after the run: ${h.body.update_at}, run between ${new Date(before).toISOString()} and ${new Date(after).toISOString()}`);
  // the area's page says it too; one not waiting says nothing
  assert.equal((await area(W[0].id)).update_at, h.body.update_at);
  assert.equal((await area(W[2].id)).update_at, null);
  await eventually(async () => { assert.equal((await area(W[1].id)).version, '1.1.0'); return true; }, { what: 'W1 updated' });
  let r = (await ctx.admin.get(`/api/v1/rollouts/${R.id}`)).body;
  assert.deepEqual([r.counts.updated, r.counts.waiting, r.counts.pending, r.waves], [1, 1, 2, 1]);
  // the areas' filter splits pending as the counts do: waiting for the window, and queued
  const of = async (state) => (await ctx.admin.get(`/api/v1/rollouts/${R.id}/areas?state=${state}`)).body.items.map((x) => x.id);
  assert.deepEqual(await of('waiting'), [W[0].id]);
  assert.deepEqual(await of('queued'), [W[2].id]);
  assert.deepEqual(await of('pending'), [W[0].id, W[2].id]);
  expect(await ctx.admin.get(`/api/v1/rollouts/${R.id}/areas?state=later`), 400);
  // the wave is not over: the third area waits, the window goes on
  await jobs('rollout');
  assert.equal((await area(W[2].id)).version, '1.0.0');
  assert.equal((await beat()).status, 200);
  // the deadline's edge, the window kept alive by its heartbeats (the idle time is shorter):
  // three seconds before it the area still waits (the test clock is the real one plus an
  // offset, in whole seconds: the sign-ins and the job between setting it and the check may see
  // a second or two turn on a loaded machine)
  const deadline = Date.parse(h.body.update_at);
  while (await clockNow() + 240_000 < deadline - 3000) {
    await clockBy(4 * 60);
    assert.equal((await beat()).status, 200);
  }
  await clockBy((deadline - 3000 - await clockNow()) / 1000);
  await ctx.admin.login(ctx.env.email, ctx.env.password);
  await c.owner.login(c.email, 'a-good-password-1');
  await P.owner.login(P.email, 'a-good-password-1');
  await jobs('rollout');
  assert.equal((await beat()).body.warning, 'update', 'three seconds before the deadline it waits');
  // pausing stops the starts, even at the deadline; resuming goes on
  expect(await ctx.admin.post(`/api/v1/rollouts/${R.id}/pause`), 200);
  expect(await ctx.admin.post(`/api/v1/rollouts/${R.id}/pause`), 409);
  await clockBy((deadline - await clockNow()) / 1000);
  await jobs('rollout');
  const paused = await beat();
  assert.equal(paused.status, 200, 'paused: the window is left open');
  assert.equal(paused.body.warning, undefined, 'a paused roll-out warns nobody');
  expect(await ctx.admin.post(`/api/v1/rollouts/${R.id}/resume`), 200);
  await jobs('rollout');
  // at the deadline (--rollout-deadline-minutes after the wave reached it): the window is closed
  // and the area updated
  assert.equal((await beat()).status, 409);
  await eventually(async () => { assert.equal((await area(W[0].id)).version, '1.1.0'); return true; }, { what: 'W0 updated' });
  await jobs('rollout');  // wave 2
  await eventually(async () => { assert.equal((await area(W[2].id)).version, '1.1.0'); return true; }, { what: 'W2 updated' });
  await jobs('rollout');  // nothing left: done
  r = (await ctx.admin.get(`/api/v1/rollouts/${R.id}`)).body;
  assert.equal(r.state, 'done');
  assert.deepEqual(r.counts, { total: 3, pending: 0, waiting: 0, updating: 0, updated: 3, failed: 0 });
  assert.equal(r.waves, 2);
  assert.equal(query(ctx.db, "SELECT COUNT(*) FROM events WHERE kind = 'rollout.done'")[0][0], '1');
  assert.equal(query(ctx.db, "SELECT COUNT(*) FROM areas WHERE phase <> ''")[0][0], '0');
});

test("a broken version fails with the backend's reason and leaves the areas as they were; a deleted area leaves the roll-out; a retry queues the failed again", async () => {
  const p = await ctx.admin.post('/api/v1/versions', { application: 'accounting', version: '1.2.0-broken' });
  expect(p, 201);
  const rel = await ctx.admin.post(`/api/v1/versions/${p.body.id}/release`);
  expect(rel, 200);
  const id = rel.body.id;
  assert.equal(rel.body.counts.total, 4);
  // the third area goes to the bin before its wave (the second) reaches it
  expect(await c.owner.del(`/api/v1/areas/${W[2].id}?confirm=${encodeURIComponent(W[2].name)}`), 200);
  const rollout = async () => (await ctx.admin.get(`/api/v1/rollouts/${id}`)).body;
  for (const failed of [2, 3]) {
    await jobs('rollout');
    await eventually(async () => { assert.equal((await rollout()).counts.failed, failed); return true; }, { what: `${failed} failed` });
  }
  await jobs('rollout');
  let r = await rollout();
  assert.equal(r.state, 'done');
  assert.deepEqual(r.counts, { total: 3, pending: 0, waiting: 0, updating: 0, updated: 0, failed: 3 });
  const failed = (await ctx.admin.get(`/api/v1/rollouts/${id}/areas?state=failed&limit=2`)).body;
  assert.equal(failed.items.length, 2);
  assert.ok(failed.next, 'the list pages by cursor');
  assert.equal(failed.items[0].reason, 'the update to 1.2.0-broken failed; the data area is left at 1.1.0', "the backend's own detail");
  assert.equal((await area(failed.items[0].id)).version, '1.1.0', 'a failed update leaves the area at its version');
  assert.equal(query(ctx.db, "SELECT COUNT(*) FROM areas WHERE phase <> ''")[0][0], '0');
  expect(await P.owner.post(`/api/v1/rollouts/${id}/retry`), 404);
  expect(await ctx.admin.post(`/api/v1/rollouts/${id}/retry`), 200);
  r = await rollout();
  assert.equal(r.state, 'running');
  assert.deepEqual([r.counts.pending, r.counts.failed], [3, 0]);
  expect(await ctx.admin.post(`/api/v1/rollouts/${id}/retry`), 409);
  assert.equal(audits(ctx.db, 'area.version_failed').length, 3);
  assert.equal(audits(ctx.db, 'rollout.retried').length, 1);
});
