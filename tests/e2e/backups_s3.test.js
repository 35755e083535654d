// The backup store on S3 (issue 15 item 2, R-DA-5): backups, their read-back check and a restore
// through the npm package s3rver on loopback, whose own check of AWS Signature Version 4 is not
// implemented, so a middleware put in front of it here checks every request's signature with
// node:crypto (an implementation of its own, not the server's) and refuses a wrong one as S3
// does. Also: plain http only for a loopback host, and `serve` on PostgreSQL refusing a
// node-local backup folder unless it is declared shared.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import S3rver from 's3rver';
import { runCli } from './lib/server.js';
import { setup, newPartner } from './lib/accounts.js';
import { query } from './lib/db.js';
import { withBackend, newClient, settled } from './lib/areas.js';
import { expect } from './lib/expect.js';
import { eventually } from './lib/wait.js';

const KEY = 'S3RVER';
const SECRET = 'S3RVER';
let s3;
let s3dir;
let spool;
let secretFile;     // the secret is read from a file, as a deployment should
let ctx;
let cb;
let C;
let area;
const seen = { signed: 0, refused: 0, ranges: 0, puts: 0 };
let refuse = 0;     // requests to refuse although signed right (S3 answering 403)

const hmac = (k, s) => crypto.createHmac('sha256', k).update(s).digest();
const sha256 = (s) => crypto.createHash('sha256').update(s).digest('hex');

/** AWS Signature Version 4 of a request, checked as S3 checks it (header form only). */
function signatureOk(req) {
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/
    .exec(req.headers.authorization || '');
  if (!m) return false;
  const [, key, day, region, signed, signature] = m;
  const date = req.headers['x-amz-date'] || '';
  const at = Date.parse(date.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'));
  if (key !== KEY || !date.startsWith(day) || !(Math.abs(Date.now() - at) < 15 * 60_000)) return false;
  const names = signed.split(';');
  if (!names.includes('host') || !names.includes('x-amz-content-sha256')) return false;
  const [p, q = ''] = req.url.split('?');
  const query = q.split('&').filter(Boolean).map((kv) => (kv.includes('=') ? kv : `${kv}=`)).sort().join('&');
  const headers = names.map((n) => `${n}:${String(req.headers[n] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const canonical = [req.method, p, query, headers, signed, req.headers['x-amz-content-sha256']].join('\n');
  const toSign = ['AWS4-HMAC-SHA256', date, `${day}/${region}/s3/aws4_request`, sha256(canonical)].join('\n');
  let k = hmac(`AWS4${SECRET}`, day);
  for (const part of [region, 's3', 'aws4_request']) k = hmac(k, part);
  return hmac(k, toSign).toString('hex') === signature;
}

async function backups(id) {
  const r = await C.owner.get(`/api/v1/areas/${id}/backups`);
  expect(r, 200);
  return r.body;
}

function entries(key) {
  return Number(execFileSync('sqlite3', ['-cmd', '.timeout 5000', path.join(cb.dataDir, 'areas', `${key}.db`),
    'SELECT COUNT(*) FROM entries'], { encoding: 'utf8' }).trim());
}
const keyOf = (id) => query(ctx.db, `SELECT area_key FROM areas WHERE id = ${id}`)[0][0];
/** The bytes s3rver keeps for an object of the bucket. */
const objectFile = (name) => {
  const parts = name.split('/');
  const last = parts.pop();
  return path.join(s3dir, 'backups', ...parts, `${last}._S3rver_object`);
};

before(async () => {
  s3dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oblako-s3rver-'));
  spool = fs.mkdtempSync(path.join(os.tmpdir(), 'oblako-s3-spool-'));
  secretFile = path.join(spool, 'secret');
  fs.writeFileSync(secretFile, `${SECRET}\n`, { mode: 0o600 });
  s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: s3dir, configureBuckets: [{ name: 'backups' }] });
  s3.middleware.unshift(async (k, next) => {
    const ok = signatureOk(k.req);
    if (!ok || (refuse > 0 && k.req.method === 'PUT')) {
      if (ok) refuse--;
      else seen.refused++;
      k.status = 403;
      k.type = 'application/xml';
      k.body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SignatureDoesNotMatch</Code>'
        + '<Message>The request signature we calculated does not match the signature you provided.</Message></Error>';
      return;
    }
    seen.signed++;
    if (k.req.headers.range) seen.ranges++;
    if (k.req.method === 'PUT') seen.puts++;
    await next();
  });
  const { port } = await s3.run();
  ctx = await setup('backups_s3', {
    args: ['--jobs-interval-ms', '50', '--backup-dir', spool,
      '--backup-s3-url', `http://127.0.0.1:${port}/backups`, '--backup-s3-access-key', KEY,
      '--backup-s3-secret-file', secretFile],
  });
  cb = await withBackend(ctx);
  const P = await newPartner(ctx);
  C = await newClient(ctx, P);
  const r = await C.owner.post('/api/v1/areas', { subscriber: C.id, name: 'Касса в облаке', application: 'accounting', demo: true });
  expect(r, 201);
  area = await settled(C.owner, r.body.id);
  assert.equal(area.state, 'ready');
});
after(async () => {
  await cb?.stop();
  await ctx?.s.stop();
  await s3?.close();
  for (const d of [s3dir, spool]) if (d) fs.rmSync(d, { recursive: true, force: true });
});

let copy;

test('R-DA-5 on S3: a manual backup is PUT signed, read back in Range blocks and verified', async () => {
  const r = await C.owner.post(`/api/v1/areas/${area.id}/backups`);
  expect(r, 202);
  copy = await eventually(async () => {
    const b = (await backups(area.id)).items.find((x) => x.id === r.body.id);
    assert.ok(b?.verified_at, 'not verified yet');
    return b;
  }, { what: 'the backup stored and verified', interval: 50 });
  const [[object, sha]] = query(ctx.db, `SELECT object, sha256 FROM area_backups WHERE id = ${copy.id}`);
  assert.equal(object, `areas/${keyOf(area.id)}/${copy.id}.bin`);
  const bytes = fs.readFileSync(objectFile(object));
  assert.equal(sha256(bytes), sha, 'the object in the bucket is the copy the backend made');
  assert.equal(bytes.length, copy.size);
  assert.ok(seen.puts >= 1 && seen.ranges >= 1, JSON.stringify(seen));
  assert.equal(seen.refused, 0, 'every request was signed right');
  assert.ok(!fs.readdirSync(path.join(spool, '.spool')).length, 'no spool file left');
});

test('R-DA-5 on S3: a restore brings the copy back from the bucket', async () => {
  const key = keyOf(area.id);
  const before = entries(key);
  assert.ok(before > 0, 'the demo area has entries');
  execFileSync('sqlite3', ['-cmd', '.timeout 5000', path.join(cb.dataDir, 'areas', `${key}.db`), 'DELETE FROM entries']);
  assert.equal(entries(key), 0);
  expect(await C.owner.post(`/api/v1/areas/${area.id}/backups/${copy.id}/restore`, { confirm: 'Касса в облаке' }), 202);
  await eventually(async () => {
    const b = await backups(area.id);
    assert.equal(b.restore?.state, 'done', JSON.stringify(b.restore));
    return true;
  }, { what: 'the restore done', interval: 50 });
  assert.equal(entries(key), before);
});

test('R-DA-5 on S3: a PUT S3 refuses fails the attempt with S3\'s reason, shown, and is retried', async () => {
  refuse = 1;       // the next request is refused as a bad signature
  const r = await C.owner.post(`/api/v1/areas/${area.id}/backups`);
  expect(r, 202);
  const pending = await eventually(async () => {
    const p = (await backups(area.id)).pending.find((x) => x.id === r.body.id);
    assert.match(p?.error || '', /403 SignatureDoesNotMatch The request signature we calculated/);
    return p;
  }, { what: 'the refusal shown on the backup', interval: 50 });
  assert.notEqual(pending.state, 'failed', 'one refusal is retried, not the end');
  await eventually(async () => {
    assert.ok((await backups(area.id)).items.find((x) => x.id === r.body.id)?.verified_at, 'not stored yet');
    return true;
  }, { what: 'the retry stored', interval: 50 });
});

test('the S3 URL: plain http only for a loopback host', () => {
  const r = runCli(['jobs', 'run', 'backups', '--db', ctx.db, '--backup-dir', spool,
    '--backup-s3-url', 'http://s3.example.ru/backups', '--backup-s3-access-key', KEY,
    '--backup-s3-secret-key', SECRET]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /plain http is allowed for a loopback host only/);
});

test('PostgreSQL: serve refuses a node-local backup folder unless it is declared shared', () => {
  const url = 'postgres://nobody@127.0.0.1:1/none';
  const r = runCli(['serve', '--db', url, '--backup-dir', spool, '--no-backup-dir-shared']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /on PostgreSQL the backup folder must be shared by every node: set --backup-dir-shared/);
  const shared = runCli(['serve', '--db', url, '--backup-dir', spool, '--backup-dir-shared']);
  assert.doesNotMatch(shared.stderr, /must be shared/, 'declared shared: it goes on (and finds no database)');
  const onS3 = runCli(['serve', '--db', url, '--backup-dir', spool, '--no-backup-dir-shared', '--backup-s3-url', 'https://s3.example.ru/backups',
    '--backup-s3-access-key', KEY, '--backup-s3-secret-key', SECRET]);
  assert.doesNotMatch(onS3.stderr, /must be shared/, 'S3 is shared by every node');
});
