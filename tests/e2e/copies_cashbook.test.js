// The reference cash book's copy calls (docs/app-backend.md, "Copies of an area and its
// version"): GET /oblako/areas/{key}/export answers the area as a standalone SQLite file with
// its SHA-256 and version; PUT …/import takes such a file (spooled, its hash checked against
// X-Oblako-Sha256, which the signature covers) and refuses anything that is not a cash book
// with 422. No Oblako is needed: the calls are made here, signed as Oblako signs them.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { signature, startCashbook } from './lib/app.js';

const SECRET = 'copies-test-secret-0123456789abcdef!';
const APP = 'cashbook';
const KEY = '00000000000000c1';
const NEW_KEY = '00000000000000c2';
let cb;

/** The entries of a cash book file, read by the sqlite3 shell. */
function entries(file) {
  const f = path.join(cb.dataDir, `check-${process.hrtime.bigint()}.db`);
  writeFileSync(f, file);
  const r = spawnSync('sqlite3', [f, 'SELECT date, amount, comment FROM entries ORDER BY id'],
    { encoding: 'utf8' });
  unlinkSync(f);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

const sha = (b) => createHash('sha256').update(b).digest('hex');

function call(method, p, { body, json, hash, app = APP } = {}) {
  const ts = Math.floor(Date.now() / 1000);
  const headers = { 'X-Oblako-App': app, 'X-Oblako-Timestamp': String(ts) };
  if (json !== undefined) {
    body = JSON.stringify(json);
    headers['Content-Type'] = 'application/json';
  }
  if (body !== undefined && json === undefined) {
    // a file body: the signature covers the hash it announces
    hash ??= sha(body);
    headers['X-Oblako-Sha256'] = hash;
    headers['Content-Type'] = 'application/octet-stream';
    const message = [method, p, String(ts), hash].join('\n');
    headers['X-Oblako-Signature'] = `v1=${createHmac('sha256', SECRET).update(message).digest('hex')}`;
  } else {
    headers['X-Oblako-Signature'] = signature(SECRET, method, p, ts, body ?? '');
  }
  return cb.fetch(p, { method, headers, body });
}

async function area(key) {
  const r = await call('POST', '/oblako/areas', { json: { area: key, application: APP, name: 'Firm',
    demo: key === KEY } });
  assert.ok(r.status === 201 || r.status === 200, await r.text());
}

before(async () => {
  cb = await startCashbook({ secret: SECRET, oblakoUrl: 'http://127.0.0.1:9', args: ['--versions', '1.0.0,1.1.0'] });
  await area(KEY);
  await area(NEW_KEY);
});

after(async () => { if (cb) await cb.stop(); });

test('R-DA-5: the export is the area as a SQLite file with its hash; the import of it into a new area gives the same file, and the spool is left empty', async () => {
  let r = await call('GET', `/oblako/areas/${KEY}/export`);
  assert.equal(r.status, 200, await r.clone().text());
  assert.equal(r.headers.get('content-type'), 'application/vnd.sqlite3');
  const file = Buffer.from(await r.arrayBuffer());
  assert.equal(file.subarray(0, 16).toString('latin1'), 'SQLite format 3\0');
  assert.equal(r.headers.get('x-oblako-sha256'), sha(file), 'the announced hash is the bytes\'');
  assert.match(r.headers.get('x-oblako-version'), /^\d+\.\d+\.\d+/);
  assert.equal(Number(r.headers.get('content-length')), file.length);

  r = await call('PUT', `/oblako/areas/${NEW_KEY}/import`, { body: file });
  assert.equal(r.status, 200, await r.clone().text());
  assert.equal((await r.json()).area, NEW_KEY);
  // the new area exports the same entries
  r = await call('GET', `/oblako/areas/${NEW_KEY}/export`);
  const again = Buffer.from(await r.arrayBuffer());
  assert.equal(entries(again), entries(file));
  assert.match(entries(file), /Выручка за день/);
  assert.deepEqual(readdirSync(path.join(cb.dataDir, 'spool')), [], 'no spool file is left');
});

test('a copy names the version its area runs, not the server\'s default, and an import answers the version that came in with it', async () => {
  const key = '00000000000000c3', into = '00000000000000c4';
  await area(key);
  await area(into);
  let r = await call('PUT', `/oblako/areas/${key}/version`, { json: { version: '1.1.0' } });
  assert.ok(r.status === 200 || r.status === 202 || r.status === 204, await r.text());
  for (const what of ['export', 'backup']) {
    r = await call(what === 'export' ? 'GET' : 'POST', `/oblako/areas/${key}/${what}`);
    assert.equal(r.status, 200, await r.clone().text());
    assert.equal(r.headers.get('x-oblako-version'), '1.1.0', what);
  }
  const file = Buffer.from(await r.arrayBuffer());
  r = await call('GET', `/oblako/areas/${into}/version`);
  assert.equal((await r.json()).version, '1.0.0', 'a new area runs the default version');
  r = await call('PUT', `/oblako/areas/${into}/import`, { body: file });
  assert.equal(r.status, 200, await r.clone().text());
  assert.equal((await r.json()).version, '1.1.0');
  r = await call('GET', `/oblako/areas/${into}/version`);
  assert.equal((await r.json()).version, '1.1.0');
});

test('an import that is not a cash book, or whose bytes are not the announced ones, is 422 and leaves the area as it was', async () => {
  const before = entries(Buffer.from(await (await call('GET', `/oblako/areas/${NEW_KEY}/export`)).arrayBuffer()));
  const text = Buffer.from('just some text, not a database at all');
  let r = await call('PUT', `/oblako/areas/${NEW_KEY}/import`, { body: text });
  assert.equal(r.status, 422);
  assert.match((await r.json()).detail, /not an intact SQLite database/);
  // a SQLite file without the entries table
  const other = Buffer.alloc(4096);
  other.write('SQLite format 3\0', 'latin1');
  r = await call('PUT', `/oblako/areas/${NEW_KEY}/import`, { body: other });
  assert.equal(r.status, 422);
  // a good file under another hash: the signature covers the hash, the bytes do not match it
  const good = Buffer.from(await (await call('GET', `/oblako/areas/${KEY}/export`)).arrayBuffer());
  r = await call('PUT', `/oblako/areas/${NEW_KEY}/import`, { body: good, hash: sha('other') });
  assert.equal(r.status, 422);
  assert.equal((await r.json()).detail, 'checksum');
  const after = entries(Buffer.from(await (await call('GET', `/oblako/areas/${NEW_KEY}/export`)).arrayBuffer()));
  assert.equal(after, before);
  assert.deepEqual(readdirSync(path.join(cb.dataDir, 'spool')), []);
});

test('an unknown area, another application\'s area, and an unsigned file are refused', async () => {
  assert.equal((await call('GET', '/oblako/areas/00000000000000ff/export')).status, 404);
  assert.equal((await call('GET', `/oblako/areas/${KEY}/export`, { app: 'accounting' })).status, 404);
  const r = await cb.fetch(`/oblako/areas/${NEW_KEY}/import`, { method: 'PUT', body: 'x',
    headers: { 'X-Oblako-App': APP } });
  assert.equal(r.status, 401);
});
