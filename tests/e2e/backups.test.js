// Backups of data areas and restores from them (issue 15, R-DA-2, R-DA-5): the cash book's
// backup and restore calls as the real backend, a manual backup stored, verified and listed,
// the daily job's one copy per ready area and day, a restore into the area (its state backed
// up first, its name typed, its sessions closed, the phase shown meanwhile) and into a new
// area, the retention ladder over 120 days of the test clock, and the attacker's side: two
// restores at once, a removed administrator, an API token, another tenant, a user of the
// subscriber.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { Client } from './lib/session.js';
import { setup, newPartner, uniqueEmail, activate } from './lib/accounts.js';
import { query } from './lib/db.js';
import { withBackend, newClient, readyArea, settled, signed, launchParams } from './lib/areas.js';
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

test('R-DA-5: a manual backup is stored, verified against its checksum and listed', async () => {
  const n = entries(area.key ?? (await keyOf(area.id)));
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
});

async function keyOf(id) {
  return query(ctx.db, `SELECT area_key FROM areas WHERE id = ${id}`)[0][0];
}
