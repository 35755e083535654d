// Backups an operator takes and restores (issue 16, docs/deploy.md "Operating").
// SQLite: `oblako db backup` under a write load holds every write acknowledged before it
// started and passes integrity_check; `oblako db restore` is refused over a running
// server's file, refuses a file that is not an Oblako database, keeps the replaced file
// aside, and the server starts on what it restored. PostgreSQL: the documented
// pg_dump -Fc / pg_restore way, with a pg_dump of the server's major version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bin, engine, freshDbUrl, pgUrl, psql, repoRoot, runCli, startServer } from './lib/server.js';

const post = (body) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

function runAsync(args) {
  return new Promise((resolve) => {
    execFile(bin, args, { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ status: err ? (err.code ?? 1) : 0, stdout, stderr }));
  });
}

/** Writers that each enqueue test tasks one after the other; acked: keys the server answered 201 for. */
function writeLoad(s, writers = 4) {
  const acked = [];
  let stop = false;
  let n = 0;
  const loops = Array.from({ length: writers }, async () => {
    while (!stop) {
      const key = `k${n++}`;
      const r = await s.fetch('/api/v1/test/tasks', post({ note: 'load', unique_key: key }));
      if (r.status === 201) acked.push(key);
      else throw new Error(`write ${key}: ${r.status} ${await r.text()}`);
    }
  });
  return { acked, stop: async () => { stop = true; await Promise.all(loops); } };
}

const sqlite = (file, sql) => execFileSync('sqlite3', [file, sql], { encoding: 'utf8' }).trim();

// Each engine has its own way, so each runs its own test (defined for it only: a skipped test
// would prove nothing and tests/run.sh refuses skips).
if (engine === 'sqlite') test('SQLite: a backup under writes has every acknowledged write and passes integrity; restore is refused while a server holds the file', async () => {
  const db = await freshDbUrl('live');
  const file = db.slice('sqlite:'.length);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'oblako-backup-'));
  const copy = path.join(dir, 'copy.db');
  const s = await startServer({ db, jobs: false });
  let load;
  try {
    load = writeLoad(s);
    while (load.acked.length < 40) await new Promise((r) => setTimeout(r, 10));
    const before = new Set(load.acked);
    const b = await runAsync(['db', 'backup', copy, '--db', db]);
    const afterCount = load.acked.length;
    await load.stop();
    assert.equal(b.status, 0, b.stderr);
    assert.match(b.stdout, /integrity ok/);
    assert.ok(load.acked.length > before.size, 'no write went on during the backup');
    assert.ok(!existsSync(`${copy}.part`), 'the .part file is left behind');
    assert.equal(sqlite(copy, 'PRAGMA integrity_check'), 'ok');
    const keys = new Set(sqlite(copy, "SELECT unique_key FROM tasks WHERE kind = 'test.note'").split('\n'));
    const lost = [...before].filter((k) => !keys.has(k));
    assert.deepEqual(lost, [], 'writes acknowledged before the backup started are missing from it');
    assert.ok(keys.size <= afterCount + 4, 'the copy has writes nobody was told of');

    // the server holds its file: a restore over it is refused, and the server goes on
    const r = runCli(['db', 'restore', copy, '--db', db]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /open in a server or another oblako command/);
    assert.equal((await s.fetch('/readyz')).status, 200);
    assert.equal(readdirSync(path.dirname(file)).filter((f) => f.includes('before-restore')).length, 0);
  } finally {
    await load?.stop();
    assert.equal(await s.stop(), 0);
  }

  // not an Oblako database: refused before anything is touched
  const junk = path.join(dir, 'junk.db');
  writeFileSync(junk, 'not a database at all');
  const j = runCli(['db', 'restore', junk, '--db', db]);
  assert.equal(j.status, 2);
  assert.match(j.stderr, /not an intact Oblako database/);
  const other = path.join(dir, 'other.db');
  sqlite(other, 'CREATE TABLE t (x); INSERT INTO t VALUES (1);');
  assert.equal(runCli(['db', 'restore', other, '--db', db]).status, 2);

  // stopped: the restore replaces the file and keeps the old one aside
  const written = Number(sqlite(file, 'SELECT COUNT(*) FROM tasks'));
  const r2 = runCli(['db', 'restore', copy, '--db', db]);
  assert.equal(r2.status, 0, r2.stderr);
  const aside = readdirSync(path.dirname(file)).filter((f) => f.includes('.before-restore-'));
  assert.equal(aside.length, 1);
  assert.equal(Number(sqlite(path.join(path.dirname(file), aside[0]), 'SELECT COUNT(*) FROM tasks')), written,
    'the file kept aside is not the whole old database');
  const s2 = await startServer({ db, jobs: false });
  try {
    const n = Number(sqlite(file, 'SELECT COUNT(*) FROM tasks'));
    assert.equal(n, Number(sqlite(copy, 'SELECT COUNT(*) FROM tasks')));
    assert.ok(n < written, 'the restored database has writes made after the backup');
    const one = sqlite(file, "SELECT id FROM tasks WHERE unique_key = 'k0'");
    assert.equal((await s2.fetch(`/api/v1/test/tasks/${one}`)).status, 200);
    // a server holds it again: a second restore is refused
    assert.equal(runCli(['db', 'restore', copy, '--db', db]).status, 1);
  } finally {
    assert.equal(await s2.stop(), 0);
  }
});

if (engine === 'postgres') test('PostgreSQL: oblako db backup points to pg_dump; pg_dump -Fc and pg_restore as docs/deploy.md says restore the data', async () => {
  const db = await freshDbUrl('pgdump');
  const b = runCli(['db', 'backup', '/tmp/never.db', '--db', db]);
  assert.equal(b.status, 2);
  assert.match(b.stderr, /pg_dump -Fc/);

  // the client tools must be the server's major version (docs/deploy.md)
  const server = Number((await psql('SHOW server_version_num')).trim());
  const dumpVersion = /(\d+)\.\d+/.exec(execFileSync('pg_dump', ['--version'], { encoding: 'utf8' }));
  assert.equal(Number(dumpVersion[1]), Math.floor(server / 10000), 'pg_dump is not the server major version');

  const s = await startServer({ db, jobs: false });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'oblako-pgdump-'));
  const dump = path.join(dir, 'oblako.dump');
  let load;
  try {
    load = writeLoad(s);
    while (load.acked.length < 40) await new Promise((r) => setTimeout(r, 10));
    const before = new Set(load.acked);
    // the commands of docs/deploy.md, "Backups"
    execFileSync('pg_dump', ['-Fc', '--no-owner', '-f', dump, db]);
    await load.stop();
    // an empty database, as a new server would be given (not the migrated test template)
    const name = `t_restored_${process.pid}_${Date.now()}`;
    await psql(`CREATE DATABASE ${name}`);
    const target = db.replace(/\/[^/?#]*(\?|$)/, `/${name}$1`);
    execFileSync('pg_restore', ['--no-owner', '--exit-on-error', '-d', target, dump]);
    const keys = new Set((await psql("SELECT unique_key FROM tasks WHERE kind = 'test.note'", target)).trim().split('\n'));
    assert.deepEqual([...before].filter((k) => !keys.has(k)), [], 'acknowledged writes missing from the dump');
    const s2 = await startServer({ db: target, jobs: false });
    try {
      assert.equal((await s2.fetch('/readyz')).status, 200);
      const id = (await psql("SELECT id FROM tasks WHERE unique_key = 'k0'", target)).trim();
      assert.equal((await s2.fetch(`/api/v1/test/tasks/${id}`)).status, 200);
      // ids go on after the restored ones (the sequences came with the dump)
      const r = await s2.fetch('/api/v1/test/tasks', post({ note: 'after' }));
      assert.equal(r.status, 201);
    } finally {
      await s2.stop();
    }
  } finally {
    await load?.stop();
    await s.stop();
  }
  assert.ok(pgUrl);
});
