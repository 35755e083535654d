// Backups when things break (issue 15 item 6): the server killed with -9 in the middle of a
// backup's transfer and of a restore, and the backend answering 500 or not answering at all.
// A small proxy in front of the real cash book injects the faults; while it holds a transfer,
// 20 backups or 20 restores of the area asked at once make one. After the restart no copy
// is listed half-stored, no area is left 'restoring', and the interrupted work is done over;
// a backend that fails is retried with back-off, and every failed attempt is shown with its
// reason until one succeeds.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { startServer } from './lib/server.js';
import { Client } from './lib/session.js';
import { setup, newPartner } from './lib/accounts.js';
import { query } from './lib/db.js';
import { withBackend, newClient, SECRET } from './lib/areas.js';
import { expect } from './lib/expect.js';
import { eventually } from './lib/wait.js';

const PASSWORD = 'a-good-password-1';
let ctx;
let cb;
let proxy;
let s;          // the server now running
let owner;      // the client's owner, signed in to s
let C;
let area;

/**
 * A proxy to the cash book. mode: 'pass'; 'fail' (500 with a detail, `left` times, then pass);
 * 'hang' (never answers); 'hold' (a backup's answer: the head and half its body, then nothing
 * until release(); a restore: the body read, no answer until release()).
 */
function startProxy(target) {
  const p = { mode: 'pass', left: 0, calls: [], held: [], reached: null };
  let reached;
  p.reachedHold = () => new Promise((r) => { reached = r; });
  p.release = () => { for (const f of p.held.splice(0)) f(); };
  const server = http.createServer((req, res) => {
    p.calls.push(`${req.method} ${req.url}`);
    const copyCall = /\/(backup|restore)$/.test(req.url);
    if (copyCall && p.mode === 'hang') { req.resume(); return; }
    if (copyCall && p.mode === 'fail' && p.left > 0) {
      p.left--;
      req.resume();
      res.writeHead(500, { 'content-type': 'application/problem+json' });
      res.end(JSON.stringify({ status: 500, detail: 'disk full' }));
      return;
    }
    const up = http.request(new URL(req.url, target), { method: req.method, headers: req.headers }, (ur) => {
      if (copyCall && p.mode === 'hold' && req.method === 'POST') {
        const chunks = [];
        ur.on('data', (c) => chunks.push(c));
        ur.on('end', () => {
          const body = Buffer.concat(chunks);
          res.writeHead(ur.statusCode, ur.headers);
          res.write(body.subarray(0, body.length >> 1));
          p.held.push(() => res.end(body.subarray(body.length >> 1)));
          reached?.();
        });
        return;
      }
      res.writeHead(ur.statusCode, ur.headers);
      ur.pipe(res);
    });
    up.on('error', () => { res.destroy(); });
    if (copyCall && p.mode === 'hold' && req.method === 'PUT') {
      // the restore's body goes to the cash book only when released
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => { p.held.push(() => up.end(Buffer.concat(chunks))); reached?.(); });
      return;
    }
    req.pipe(up);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    p.url = `http://127.0.0.1:${server.address().port}`;
    p.close = () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); });
    resolve(p);
  }));
}

async function backups(id) {
  const r = await owner.get(`/api/v1/areas/${id}/backups`);
  expect(r, 200);
  return r.body;
}

/** Restart the server on the same database (killed with -9 before), signed in again. */
async function restart(args = []) {
  s = await startServer({ db: ctx.db, args: ['--jobs-interval-ms', '50', ...args] });
  owner = new Client(s);
  expect(await owner.login(C.email, PASSWORD), 200);
}

/** The lease of the killed server's task runs out (real time; here, at once). */
function leaseOver(kind) {
  query(ctx.db, `UPDATE tasks SET locked_until = 0 WHERE kind = '${kind}' AND state = 'running'`);
}

before(async () => {
  ctx = await setup('backups-crash', { args: ['--jobs-interval-ms', '50'] });
  s = ctx.s;
  cb = await withBackend(ctx);
  proxy = await startProxy(cb.url);
  expect(await ctx.admin.patch('/api/v1/applications/accounting', { backend_url: proxy.url, backend_secret: SECRET }), 200);
  const P = await newPartner(ctx);
  C = await newClient(ctx, P);
  owner = C.owner;
  const r = await owner.post('/api/v1/areas', { subscriber: C.id, name: 'Основная', application: 'accounting', demo: true });
  expect(r, 201);
  area = await eventually(async () => {
    const a = (await owner.get(`/api/v1/areas/${r.body.id}`)).body;
    assert.equal(a.state, 'ready');
    return a;
  }, { what: 'the area ready' });
});
after(async () => {
  await s?.stop();
  await proxy?.close();
  await cb?.stop();
});

test('issue 15: kill -9 in the middle of a backup: nothing half-stored is listed, the backup is made over after the restart', async () => {
  proxy.mode = 'hold';
  const reached = proxy.reachedHold();
  // asked 20 times at once: one backup (the area's row lock makes them see each other)
  const all = await Promise.all(Array.from({ length: 20 }, () => owner.post(`/api/v1/areas/${area.id}/backups`)));
  assert.deepEqual(all.map((x) => x.status).filter((x) => x !== 409), [202], JSON.stringify(all.map((x) => x.status)));
  const r = all.find((x) => x.status === 202);
  await reached;                                  // half the archive is on its way
  const before = await backups(area.id);
  assert.equal(before.items.length, 0);
  assert.equal(before.pending[0]?.id, r.body.id);
  assert.equal(before.pending[0].state, 'storing', 'the step under way is shown');
  // and again while it is under way
  const again = await owner.post(`/api/v1/areas/${area.id}/backups`);
  expect(again, 409);
  assert.equal(again.body.reason, 'backup.under_way');
  await s.stop('SIGKILL');
  proxy.mode = 'pass';
  proxy.release();
  const [[state, object]] = query(ctx.db, `SELECT state, object FROM area_backups WHERE id = ${r.body.id}`);
  assert.equal(state, 'storing');
  assert.ok(!existsSync(path.join(process.env.OBLAKO_BACKUP_DIR, object)), 'no object stored yet');
  await restart();
  // listed nowhere as stored until its task is taken up again
  assert.equal((await backups(area.id)).items.length, 0);
  leaseOver('area.backup');
  const done = await eventually(async () => {
    const b = await backups(area.id);
    assert.equal(b.items[0]?.id, r.body.id);
    assert.ok(b.items[0].verified_at);
    return b.items[0];
  }, { what: 'the backup made over', interval: 50 });
  assert.ok(done.size > 0);
  // the spool keeps no part of the interrupted transfer
  const spool = path.join(process.env.OBLAKO_BACKUP_DIR, '.spool');
  assert.deepEqual(readdirSync(spool).filter((f) => f.startsWith(`backup-${r.body.id}`)), []);
});

test('issue 15: kill -9 in the middle of a restore: the area does not stay restoring, the restore is done after the restart', async () => {
  const [b] = (await backups(area.id)).items;
  proxy.mode = 'hold';
  const reached = proxy.reachedHold();
  // 20 restores at once: one (the phase is taken by one transaction), the others 409
  const all = await Promise.all(Array.from({ length: 20 }, () =>
    owner.post(`/api/v1/areas/${area.id}/backups/${b.id}/restore`, { confirm: area.name })));
  assert.deepEqual(all.map((x) => x.status).filter((x) => x !== 409), [202], JSON.stringify(all.map((x) => x.status)));
  const r = all.find((x) => x.status === 202);
  // the copy of the state before is made first (held too: let it through), then the restore
  await reached;
  let restoreHeld = proxy.calls.at(-1).endsWith('/restore');
  if (!restoreHeld) {
    const again = proxy.reachedHold();
    proxy.release();
    await again;
    restoreHeld = true;
  }
  const now = (await owner.get(`/api/v1/areas/${area.id}`)).body;
  assert.equal(now.phase, 'restoring', 'the area shows the restore under way');
  const opened = await owner.post('/api/v1/sessions', { area: area.id });
  expect(opened, 409);
  await s.stop('SIGKILL');
  proxy.mode = 'pass';
  proxy.held.splice(0);     // the killed server's request is dropped
  await restart();
  assert.equal((await owner.get(`/api/v1/areas/${area.id}`)).body.phase, 'restoring');
  leaseOver('area.restore');
  const res = await eventually(async () => {
    const x = await backups(area.id);
    assert.equal(x.restore?.state, 'done', JSON.stringify(x.restore));
    return x;
  }, { what: 'the restore finished', interval: 50 });
  assert.equal(res.restore.id, r.body.id);
  const a = (await owner.get(`/api/v1/areas/${area.id}`)).body;
  assert.equal(a.phase, '');
  expect(await owner.post('/api/v1/sessions', { area: area.id }), 201);
  // one copy of the state before, not two
  assert.equal(res.items.filter((x) => x.kind === 'before_restore').length, 1);
});

test('issue 15: a backend answering 500 is retried with back-off, each failure shown, until it works', async () => {
  proxy.mode = 'fail';
  proxy.left = 1;
  const r = await owner.post(`/api/v1/areas/${area.id}/backups`);
  expect(r, 202);
  const shown = await eventually(async () => {
    const p = (await backups(area.id)).pending.find((x) => x.id === r.body.id);
    assert.ok(p?.error, 'no failure shown yet');
    return p;
  }, { what: 'the failed attempt shown', interval: 20 });
  assert.match(shown.error, /500: disk full/);
  assert.notEqual(shown.state, 'failed', 'a 500 is not the end');
  const done = await eventually(async () => {
    const b = await backups(area.id);
    assert.equal(b.items[0]?.id, r.body.id);
    return b;
  }, { what: 'the backup stored after the retries', interval: 50 });
  assert.equal(proxy.left, 0);
  const [[attempts, error]] = query(ctx.db, `SELECT attempts, error FROM area_backups WHERE id = ${r.body.id}`);
  assert.equal(Number(attempts), 2);
  assert.equal(error, '');
  assert.equal(done.pending.find((x) => x.id === r.body.id), undefined);
});

test('issue 15: a backend that does not answer is given up after the timeout, retried, and the backup fails for good at the end, shown', async () => {
  await s.stop();
  await restart(['--backend-timeout-seconds', '1']);
  proxy.mode = 'hang';
  const r = await owner.post(`/api/v1/areas/${area.id}/backups`);
  expect(r, 202);
  const retry = await eventually(async () => {
    const p = (await backups(area.id)).pending.find((x) => x.id === r.body.id);
    assert.ok(p?.attempts >= 2 && p.error, 'not retried yet');
    return p;
  }, { what: 'the hanging backend retried', interval: 50 });
  assert.match(retry.error, /did not answer/);
  // no answer ever: after its attempts (the ones in between skipped here: the back-off was seen
  // above) it fails for good, shown, and told as an event
  query(ctx.db, `UPDATE tasks SET attempts = max_attempts - 1, run_after = 0 WHERE kind = 'area.backup' AND payload LIKE '%${r.body.id}}'`);
  const failed = await eventually(async () => {
    const p = (await backups(area.id)).pending.find((x) => x.id === r.body.id);
    assert.equal(p?.state, 'failed');
    return p;
  }, { what: 'the backup failed for good', timeout: 30_000, interval: 100 });
  assert.match(failed.error, /did not answer/);
  const ev = query(ctx.db, "SELECT data FROM events WHERE kind = 'area.backup_failed'");
  assert.equal(ev.length, 1);
  assert.equal(JSON.parse(ev[0][0]).backup, r.body.id);
  proxy.mode = 'pass';
});
