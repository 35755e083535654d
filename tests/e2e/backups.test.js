// Backups of data areas and restores from them (issue 15, R-DA-2, R-DA-5): the cash book's
// backup and restore calls as the real backend, a manual backup stored, verified and listed,
// the daily job's one copy per ready area and day, a restore into the area (its state backed
// up first, its name typed, its sessions closed, the phase shown meanwhile) and into a new
// area, the retention ladder over 120 days of the test clock, and the attacker's side: a
// removed administrator, an API token, another tenant, a user of the subscriber (requests at
// once are in backups_crash.test.js, where the backend can be held while they race).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { Client } from './lib/session.js';
import { setup, newPartner, newEmployee, uniqueEmail, activate, audits } from './lib/accounts.js';
import { query } from './lib/db.js';
import { withBackend, newClient, readyArea, settled } from './lib/areas.js';
import { expect } from './lib/expect.js';
import { eventually } from './lib/wait.js';

let ctx;
let cb;
let P;
let C;          // the client: its owner signed in
let area;       // a ready area of C with the cash book's demo entries

/** The entries of an area in the cash book's own file. */
function entries(key) {
  const file = path.join(cb.dataDir, 'areas', `${key}.db`);
  return Number(execFileSync('sqlite3', ['-cmd', '.timeout 5000', file, 'SELECT COUNT(*) FROM entries'],
    { encoding: 'utf8' }).trim());
}
function wipe(key) {
  const file = path.join(cb.dataDir, 'areas', `${key}.db`);
  execFileSync('sqlite3', ['-cmd', '.timeout 5000', file, 'DELETE FROM entries'], { encoding: 'utf8' });
}

async function backups(client, id) {
  const r = await client.get(`/api/v1/areas/${id}/backups`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

/** Waits for a backup (id) of area `id` to be stored and verified. */
async function storedBackup(client, id, bid) {
  return eventually(async () => {
    const b = await backups(client, id);
    const got = b.items.find((x) => x.id === bid);
    const pend = b.pending.find((x) => x.id === bid);
    assert.ok(!pend || pend.state !== 'failed', `backup ${bid} failed: ${pend?.error}`);
    assert.ok(got, `backup ${bid} not stored yet`);
    assert.ok(got.verified_at, `backup ${bid} not verified yet`);
    return got;
  }, { what: `backup ${bid} stored`, interval: 50 });
}

async function areaNow(client, id) {
  const r = await client.get(`/api/v1/areas/${id}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

before(async () => {
  ctx = await setup('backups', { args: ['--jobs-interval-ms', '50'] });
  cb = await withBackend(ctx);
  P = await newPartner(ctx);
  C = await newClient(ctx, P);
  const r = await C.owner.post('/api/v1/areas', { subscriber: C.id, name: 'Касса магазина', application: 'accounting', demo: true });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  area = await settled(C.owner, r.body.id);
  assert.equal(area.state, 'ready');
});
after(async () => {
  await cb?.stop();
  await ctx?.s.stop();
});

let manual;     // the first test's manual backup

test('R-DA-5: a manual backup is stored, verified against its checksum and listed', async () => {
  const n = entries(await keyOf(area.id));
  assert.ok(n > 0, 'the demo area has entries');
  const r = await C.owner.post(`/api/v1/areas/${area.id}/backups`);
  expect(r, 202);
  assert.equal(r.body.kind, 'manual');
  assert.equal(r.body.state, 'queued');
  const b = await storedBackup(C.owner, area.id, r.body.id);
  assert.match(b.sha256, /^[0-9a-f]{64}$/);
  assert.ok(b.size > 0);
  assert.equal(b.version, '1.0.0');
  // the object in the store is exactly what was announced
  const [[object, sha]] = query(ctx.db, `SELECT object, sha256 FROM area_backups WHERE id = ${b.id}`);
  assert.equal(object, `areas/${await keyOf(area.id)}/${b.id}.bin`);
  const bytes = execFileSync('sha256sum', [path.join(process.env.OBLAKO_BACKUP_DIR, object)], { encoding: 'utf8' });
  assert.equal(bytes.split(' ')[0], sha);
  manual = b;
});

async function keyOf(id) {
  return query(ctx.db, `SELECT area_key FROM areas WHERE id = ${id}`)[0][0];
}

/** An API token of the client's owner, and a request made with it. */
async function bearer(token, method, p, body) {
  const res = await ctx.s.fetch(p, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const type = res.headers.get('content-type') || '';
  return { status: res.status, body: type.includes('json') ? await res.json() : await res.text() };
}

/** Waits for the newest restore of area `id` to finish; returns it. */
async function restoreDone(client, id) {
  return eventually(async () => {
    const b = await backups(client, id);
    assert.ok(b.restore, 'no restore');
    assert.notEqual(b.restore.state, 'running', 'restore still running');
    return b.restore;
  }, { what: `the restore of area ${id} to finish`, interval: 50 });
}

test('R-DA-5: a restore puts the backup back: the current state is backed up first, the name typed, sessions closed, audited', async () => {
  const key = await keyOf(area.id);
  const before = entries(key);
  const session = await C.owner.post('/api/v1/sessions', { area: area.id });
  expect(session, 201);
  wipe(key);                                  // the client's later work, lost by mistake
  assert.equal(entries(key), 0);
  // the name must be typed
  const wrong = await C.owner.post(`/api/v1/areas/${area.id}/backups/${manual.id}/restore`, { confirm: 'Касса' });
  expect(wrong, 400);
  assert.equal(wrong.body.field, 'confirm');
  // (restores at once: tests/e2e/backups_crash.test.js, where the backend is held meanwhile)
  // the area has moved on to another version since the copy was made (a roll-out): the copy
  // brings its own version back with its data
  query(ctx.db, `UPDATE areas SET version = '0.9.9' WHERE id = ${area.id}`);
  const posted = await C.owner.post(`/api/v1/areas/${area.id}/backups/${manual.id}/restore`, { confirm: 'Касса магазина' });
  expect(posted, 202);
  const r = posted.body;
  assert.equal(r.state, 'running');
  assert.ok(r.before, 'the current state is backed up first');
  const s = (await C.owner.get(`/api/v1/sessions/${session.body.id}`)).body;
  assert.equal(s.state, 'closed');
  assert.equal(s.close_reason, 'area_restoring');
  const done = await restoreDone(C.owner, area.id);
  assert.equal(done.state, 'done', done.error);
  assert.equal(entries(key), before, 'the entries are back');
  const a = await areaNow(C.owner, area.id);
  assert.equal(a.phase, '');
  assert.equal(a.state, 'ready');
  assert.equal(a.version, manual.version, 'the area runs the version its copy was made at');
  // the state before the restore is kept as a backup of its own (empty: it was wiped)
  const list = await backups(C.owner, area.id);
  const kept = list.items.find((x) => x.id === r.before);
  assert.equal(kept?.kind, 'before_restore');
  assert.equal(audits(ctx.db, 'area.backup_restore').length, 1);
  assert.equal(audits(ctx.db, 'area.backup_restored').length, 1);
  const ev = query(ctx.db, "SELECT data FROM events WHERE kind = 'area.restored'");
  assert.equal(ev.length, 1);
  assert.equal(JSON.parse(ev[0][0]).backup, manual.id);
  // and the restore of the empty state takes them away again: it is the chosen copy that counts
  const back = await C.owner.post(`/api/v1/areas/${area.id}/backups/${r.before}/restore`, { confirm: 'Касса магазина' });
  expect(back, 202);
  assert.equal((await restoreDone(C.owner, area.id)).state, 'done');
  assert.equal(entries(key), 0);
  expect(await C.owner.post(`/api/v1/areas/${area.id}/backups/${manual.id}/restore`, { confirm: 'Касса магазина' }), 202);
  assert.equal((await restoreDone(C.owner, area.id)).state, 'done');
  assert.equal(entries(key), before);
});

test('R-DA-5: a backup restored into a new area, within the entitlement', async () => {
  const r = await C.owner.post(`/api/v1/areas/${area.id}/backups/${manual.id}/restore`, { into: 'new', name: 'Касса: копия' });
  expect(r, 201);
  assert.equal(r.body.area.phase, 'restoring');
  const id = r.body.area.id;
  const done = await restoreDone(C.owner, id);
  assert.equal(done.state, 'done', done.error);
  assert.equal(done.into_new, true);
  const a = await areaNow(C.owner, id);
  assert.equal(a.state, 'ready');
  assert.equal(a.phase, '');
  assert.equal(entries(await keyOf(id)), entries(await keyOf(area.id)));
});

test('a restore that cannot be done leaves every phase: the area as it was, a new area failed', async () => {
  const r = await C.owner.post(`/api/v1/areas/${area.id}/backups`);
  expect(r, 202);
  const b = await storedBackup(C.owner, area.id, r.body.id);
  const [[object]] = query(ctx.db, `SELECT object FROM area_backups WHERE id = ${b.id}`);
  execFileSync('rm', [path.join(process.env.OBLAKO_BACKUP_DIR, object)]);    // lost from the store
  const key = await keyOf(area.id);
  const n = entries(key);
  expect(await C.owner.post(`/api/v1/areas/${area.id}/backups/${b.id}/restore`, { confirm: 'Касса магазина' }), 202);
  const failed = await restoreDone(C.owner, area.id);
  assert.equal(failed.state, 'failed');
  assert.match(failed.error, /missing from the store/);
  const a = await areaNow(C.owner, area.id);
  assert.equal(a.phase, '');
  assert.equal(a.state, 'ready');
  assert.equal(entries(key), n, 'the data is as it was');
  assert.equal(audits(ctx.db, 'area.backup_restore_failed').length, 1);
  // into a new area: the area it made holds nothing of use, so it is failed, not left restoring
  const nr = await C.owner.post(`/api/v1/areas/${area.id}/backups/${b.id}/restore`, { into: 'new', name: 'Касса: пустая' });
  expect(nr, 201);
  const nf = await restoreDone(C.owner, nr.body.area.id);
  assert.equal(nf.state, 'failed');
  const na = await areaNow(C.owner, nr.body.area.id);
  assert.equal(na.phase, '');
  assert.equal(na.state, 'failed');
});

test('attackers: another tenant, a user, a removed administrator, an API token, a partner operator', async () => {
  const url = `/api/v1/areas/${area.id}/backups`;
  const restore = `${url}/${manual.id}/restore`;
  // another client's owner: the area does not exist for them
  const D = await newClient(ctx, P, 'ООО Чужой');
  expect(await D.owner.get(url), 404);
  expect(await D.owner.post(url), 404);
  expect(await D.owner.post(restore, { confirm: 'Касса магазина' }), 404);
  // a user of the client sees the area but not its backups
  const userEmail = uniqueEmail('user');
  expect(await C.owner.post(`/api/v1/subscribers/${C.id}/users`, { email: userEmail, roles: ['user'] }), 202);
  const user = await activate(ctx.s, ctx.db, userEmail);
  expect(await user.get(url), 403);
  expect(await user.post(restore, { confirm: 'Касса магазина' }), 403);
  // an administrator can, until removed
  const adminEmail = uniqueEmail('adm');
  expect(await C.owner.post(`/api/v1/subscribers/${C.id}/users`, { email: adminEmail, roles: ['administrator'] }), 202);
  const adm = await activate(ctx.s, ctx.db, adminEmail);
  expect(await adm.get(url), 200);
  const who = (await adm.get('/api/v1/me')).body.id;
  expect(await C.owner.del(`/api/v1/subscribers/${C.id}/users/${who}`), 204);
  expect(await adm.get(url), 404);
  expect(await adm.post(url), 404);
  expect(await adm.post(restore, { confirm: 'Касса магазина' }), 404);
  // an API token lists and backs up (scripts), but never restores: a restore replaces the data
  const t = await C.owner.post('/api/v1/tokens', { account: C.id, roles: 'owner', name: 'скрипт копий' });
  expect(t, 201);
  expect(await bearer(t.body.token, 'GET', url), 200);
  const byToken = await bearer(t.body.token, 'POST', url);
  expect(byToken, 202);
  await storedBackup(C.owner, area.id, byToken.body.id);
  const tr = await bearer(t.body.token, 'POST', restore, { confirm: 'Касса магазина' });
  expect(tr, 403);
  assert.equal(tr.body.reason ?? tr.body.code, tr.body.reason ? 'backup.restore_needs_session' : 'forbidden');
  // the serving partner's operator sees the list, and cannot back up or restore
  const op = await newEmployee(ctx, P, ['operator']);
  expect(await op.client.get(url), 200);
  expect(await op.client.post(url), 403);
  expect(await op.client.post(restore, { confirm: 'Касса магазина' }), 403);
});

test('R-DA-5: 7 daily, 4 weekly, 3 monthly kept after 120 days: on Monday 1 March 2027 ten daily copies stay, the rest and an old manual copy leave the store', async () => {
  const other = await readyArea(C.owner, C.id, 'Склад');
  const key = await keyOf(other.id);
  // 120 days of daily copies up to 1 March 2027 (made as the job would have: one a day)
  const end = Date.UTC(2027, 2, 1);
  const values = [];
  for (let i = 0; i < 120; i++) {
    const day = new Date(end - i * 86400_000).toISOString().slice(0, 10);
    const at = Math.floor((end - i * 86400_000) / 1000) + 3600;
    values.push(`(${other.id}, 'daily', 'stored', '${day}', 'areas/${key}/old-${i}.bin', 1, '${'0'.repeat(64)}', ${at}, ${at}, ${at})`);
  }
  query(ctx.db, `INSERT INTO area_backups (area_id, kind, state, day, object, size, sha256, created_at, stored_at, verified_at) VALUES ${values.join(', ')}`);
  const manualFile = path.join(process.env.OBLAKO_BACKUP_DIR, `areas/${await keyOf(area.id)}/${manual.id}.bin`);
  execFileSync('test', ['-f', manualFile]);
  const set = await ctx.s.fetch('/api/v1/test/clock', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ now: '2027-03-01T12:00:00Z' }),
  });
  assert.equal(set.status, 200, await set.text());
  // the job runs by the runner (the clock entered a new day) and by hand, perhaps at once: it
  // is done once (a run that finds the other holding the job's lease is refused, 409)
  let runs = 0;
  await eventually(async () => {
    const r = await ctx.s.fetch('/api/v1/test/jobs', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ names: ['backups'] }),
    });
    assert.ok(r.status === 200 || r.status === 409, await r.text());
    if (r.status === 200) runs++;
    assert.ok(runs >= 2, 'run by hand twice');
    const kept = query(ctx.db, `SELECT day FROM area_backups WHERE area_id = ${other.id} AND kind = 'daily' AND state = 'stored' ORDER BY day DESC`).map((x) => x[0]);
    assert.deepEqual(kept, ['2027-03-01', '2027-02-28', '2027-02-27', '2027-02-26', '2027-02-25', '2027-02-24',
      '2027-02-23', '2027-02-21', '2027-02-14', '2027-01-31']);
    return true;
  }, { what: 'the backups job of 1 March 2027', interval: 50 });
  const left = query(ctx.db, `SELECT COUNT(*) FROM area_backups WHERE area_id = ${other.id} AND state = 'deleted' AND object = ''`);
  assert.equal(Number(left[0][0]), 110, 'the dropped copies are marked deleted and their objects removed');
  // the manual copy of 6 December is older than the ladder reaches (1 January): gone, from the store too
  const [[state]] = query(ctx.db, `SELECT state FROM area_backups WHERE id = ${manual.id}`);
  assert.equal(state, 'deleted');
  assert.throws(() => execFileSync('test', ['-f', manualFile]));
  // a phase nothing can finish (no restore running, set long ago) is left by the job
  const stuck = other;
  query(ctx.db, `UPDATE areas SET phase = 'restoring', phase_at = 1 WHERE id = ${stuck.id}`);
  await eventually(async () => {
    const r = await ctx.s.fetch('/api/v1/test/jobs', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ names: ['backups'] }),
    });
    assert.equal(r.status, 200, await r.text());
    return true;
  }, { what: 'the backups job run', interval: 50 });
  assert.equal(query(ctx.db, `SELECT COUNT(*) FROM areas WHERE id = ${stuck.id} AND phase = '' AND phase_at IS NULL`)[0][0], '1');
  // one daily copy of the first area for the day, however often the job ran
  const daily = query(ctx.db, `SELECT COUNT(*) FROM area_backups WHERE area_id = ${area.id} AND kind = 'daily' AND day = '2027-03-01'`);
  assert.equal(Number(daily[0][0]), 1);
});

test("the cash book's backup and restore calls: signed, streamed, checked (docs/app-backend.md)", async () => {
  const { sign } = await import('./lib/app.js');
  const { createHash } = await import('node:crypto');
  const { SECRET } = await import('./lib/areas.js');
  const key = await keyOf(area.id);
  const sha = (b) => createHash('sha256').update(b).digest('hex');
  const call = (method, p, body, extra = {}) => cb.fetch(p, {
    method, body, headers: { ...sign(SECRET, 'accounting', method, p, body ?? ''), ...extra },
  });
  const r = await call('POST', `/oblako/areas/${key}/backup`);
  assert.equal(r.status, 200);
  const archive = Buffer.from(await r.arrayBuffer());
  assert.equal(r.headers.get('x-oblako-sha256'), sha(archive));
  assert.equal(r.headers.get('x-oblako-version'), '1.0.0');
  assert.equal(archive.subarray(0, 15).toString(), 'SQLite format 3');
  // unsigned, or another application's area: refused
  assert.equal((await cb.fetch(`/oblako/areas/${key}/backup`, { method: 'POST' })).status, 401);
  const other = `/oblako/areas/${key}/backup`;
  assert.equal((await cb.fetch(other, { method: 'POST', headers: sign(SECRET, 'crm', 'POST', other, '') })).status, 404);
  assert.equal((await call('POST', '/oblako/areas/0000000000000000/backup')).status, 404);
  // a restore signed with the announced hash whose bytes were damaged: 422 "checksum" (retried)
  const damaged = Buffer.from(archive);
  damaged[archive.length - 1] ^= 1;
  const p = `/oblako/areas/${key}/restore`;
  const bad = await cb.fetch(p, { method: 'PUT', body: damaged, headers: { ...sign(SECRET, 'accounting', 'PUT', p, archive), 'x-oblako-sha256': sha(archive) } });
  assert.equal(bad.status, 422);
  assert.equal((await bad.json()).detail, 'checksum');
  // not a cash book area: 422 with the reason (permanent)
  const junk = Buffer.from('not a database');
  const j = await cb.fetch(p, { method: 'PUT', body: junk, headers: { ...sign(SECRET, 'accounting', 'PUT', p, junk), 'x-oblako-sha256': sha(junk) } });
  assert.equal(j.status, 422);
  assert.match((await j.json()).detail, /not an intact SQLite database/);
  // the real archive: 204, and the area holds what it held
  const before = entries(key);
  const ok = await cb.fetch(p, { method: 'PUT', body: archive, headers: { ...sign(SECRET, 'accounting', 'PUT', p, archive), 'x-oblako-sha256': sha(archive) } });
  assert.equal(ok.status, 204);
  assert.equal(entries(key), before);
});
