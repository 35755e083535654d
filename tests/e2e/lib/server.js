// Helpers for end-to-end tests (node:test): start the real `oblako serve` on a free port
// with a fresh database. Node built-ins only.
//
// Environment:
//   OBLAKO_BIN            path to the oblako binary (default: <repo>/build/oblako)
//   OBLAKO_TEST_ENGINE    sqlite (default) | postgres
//   OBLAKO_TEST_PG_URL    postgres://postgres@127.0.0.1:PORT/postgres (engine postgres)
//   OBLAKO_TEST_PG_TEMPLATE  a database on that server with the migrations applied and nothing
//                         else (tests/run.sh makes one with `oblako migrate`): fresh databases
//                         are copies of it instead of empty ones (CREATE DATABASE … TEMPLATE)
//   OBLAKO_TEST_KEEP=1    keep sqlite temp dirs after the test process exits
//   OBLAKO_TEST_VERBOSE=1 echo every server log line to stderr
//   OBLAKO_TEST_LISTEN_TIMEOUT_MS  how long startServer waits for "listening" (default 20000)
//   OBLAKO_TEST_CLUSTER=1 every startServer() is a cluster: three nodes with the test's options
//                         through pgbouncer, haproxy in front (tests/cluster/lib.mjs; run the
//                         file under tests/cluster/cluster.sh run DIR …)
//   OBLAKO_PG_PREPARE     the servers' --pg-prepare (default: true on PostgreSQL, false under
//                         tests/cluster/cluster.sh)

import { spawn, spawnSync, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(fileURLToPath(import.meta.url), '../../../..');
export const bin = process.env.OBLAKO_BIN
  ? path.resolve(process.env.OBLAKO_BIN)
  : path.join(repoRoot, 'build', 'oblako');
export const engine = process.env.OBLAKO_TEST_ENGINE || 'sqlite';
export const pgUrl = process.env.OBLAKO_TEST_PG_URL || '';

if (engine !== 'sqlite' && engine !== 'postgres') {
  throw new Error(`OBLAKO_TEST_ENGINE must be sqlite or postgres, not ${JSON.stringify(engine)}`);
}

const LISTEN_TIMEOUT_MS = Number(process.env.OBLAKO_TEST_LISTEN_TIMEOUT_MS) || 20_000;
const STOP_KILL_AFTER_MS = 10_000;

// Child processes and temp folders of this test process (also lib/app.js's),
// killed and removed at exit whatever happens.
export const liveProcs = new Set();
export const tempDirs = [];

function killLeftovers() {
  for (const p of liveProcs) {
    try { p.kill('SIGKILL'); } catch { /* already gone */ }
  }
  liveProcs.clear();
  if (process.env.OBLAKO_TEST_KEEP !== '1') {
    for (const d of tempDirs) {
      try { rmSync(d, { recursive: true, force: true }); } catch { /* ignore */ }
    }
  }
}
process.on('exit', killLeftovers);

// The servers and commands of a test process keep their backup store in a temp folder of their
// own (inherited through the environment), never in ./backups of the checkout.
if (!process.env.OBLAKO_BACKUP_DIR) {
  process.env.OBLAKO_BACKUP_DIR = mkdtempSync(path.join(os.tmpdir(), 'oblako-backups-'));
  tempDirs.push(process.env.OBLAKO_BACKUP_DIR);
}
// One machine: its backup folder is "shared" by every server and command of a test on
// PostgreSQL, where `serve` refuses an undeclared local folder (a test of that refusal says
// --no-backup-dir-shared).
if (engine === 'postgres' && !process.env.OBLAKO_BACKUP_DIR_SHARED) process.env.OBLAKO_BACKUP_DIR_SHARED = 'true';
// The servers and commands on PostgreSQL prepare their statements (--pg-prepare): they reach it
// directly. Not under tests/cluster/cluster.sh: its nodes go through pgbouncer in transaction
// mode, which cannot carry them (docs/deploy.md). OBLAKO_PG_PREPARE=false runs the suite with
// unnamed statements.
if (engine === 'postgres' && !process.env.OBLAKO_PG_PREPARE) {
  const cluster = process.env.OBLAKO_TEST_CLUSTER === '1' || !!process.env.OBLAKO_CLUSTER_DIR;
  process.env.OBLAKO_PG_PREPARE = cluster ? 'false' : 'true';
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => {
    killLeftovers();
    process.kill(process.pid, sig); // re-raise with the default action
  });
}

function execFileP(file, args, opts = {}) {
  return new Promise((resolve, reject) => {
    execFile(file, args, { encoding: 'utf8', timeout: 30_000, ...opts }, (err, stdout, stderr) => {
      if (err) {
        err.message += `\n${stderr}`;
        reject(err);
      } else {
        resolve({ stdout, stderr });
      }
    });
  });
}

/** Runs SQL on the test PostgreSQL server (engine postgres only); returns stdout. */
export async function psql(sql, url = pgUrl) {
  if (!url) throw new Error('OBLAKO_TEST_PG_URL is not set');
  const { stdout } = await execFileP('psql', [url, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql]);
  return stdout;
}

/**
 * A fresh, empty database URL.
 * sqlite:   sqlite:/tmp/oblako-e2e-XXXX/<name>.db (directory removed at process exit)
 * postgres: a new database t_<random> on OBLAKO_TEST_PG_URL's server (a copy of
 *           OBLAKO_TEST_PG_TEMPLATE when set: migrated, with no data).
 */
export async function freshDbUrl(name = 'x') {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'oblako-e2e-'));
    tempDirs.push(dir);
    const file = String(name).replace(/[^A-Za-z0-9_.-]/g, '_') || 'x';
    return `sqlite:${path.join(dir, file.endsWith('.db') ? file : `${file}.db`)}`;
  }
  if (!pgUrl) throw new Error('OBLAKO_TEST_ENGINE=postgres needs OBLAKO_TEST_PG_URL');
  const db = `t_${randomBytes(8).toString('hex')}`;
  const template = process.env.OBLAKO_TEST_PG_TEMPLATE;
  if (template && !/^[a-z_][a-z0-9_]*$/.test(template)) {
    throw new Error(`OBLAKO_TEST_PG_TEMPLATE must be a plain database name, not ${JSON.stringify(template)}`);
  }
  await psql(template ? `CREATE DATABASE ${db} TEMPLATE ${template}` : `CREATE DATABASE ${db}`);
  const m = /^(postgres(?:ql)?:\/\/[^/?#]*)(?:\/[^?#]*)?(\?[^#]*)?$/.exec(pgUrl);
  if (!m) throw new Error(`cannot parse OBLAKO_TEST_PG_URL ${pgUrl}`);
  return `${m[1]}/${db}${m[2] || ''}`;
}

function lineSplitter(onLine) {
  let buf = '';
  return {
    push(chunk) {
      buf += chunk;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        onLine(buf.slice(0, i).replace(/\r$/, ''));
        buf = buf.slice(i + 1);
      }
    },
    flush() {
      if (buf) onLine(buf);
      buf = '';
    },
  };
}

/**
 * Starts `oblako serve` and resolves once it logs {"msg":"listening","url":...}.
 * Returns {url, db, proc, logs, stderr, stdout, stop(signal), fetch(path, opts),
 *          waitForLog(pred, timeoutMs), exited}.
 * logs: stderr lines, JSON-parsed when possible (else the raw string).
 */
export async function startServer({ db, args = [], env = {}, testClock = true, jobs = true, direct = false } = {}) {
  if (!db) db = await freshDbUrl();
  if (process.env.OBLAKO_TEST_CLUSTER === '1' && !direct) {
    const { startCluster } = await import('../../cluster/lib.mjs');
    return startCluster({ db, args, env, testClock, jobs });
  }
  const argv = ['serve', '--db', db, '--listen', '127.0.0.1:0'];
  if (testClock) argv.push('--test-clock');
  if (!jobs) argv.push('--no-jobs');
  argv.push(...args);

  const proc = spawn(bin, argv, {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  liveProcs.add(proc);

  const logs = [];
  const stderrLines = [];
  const stdoutLines = [];
  const logWaiters = new Set();
  let exitCode;
  let exitInfo;

  const onStderrLine = (line) => {
    stderrLines.push(line);
    if (process.env.OBLAKO_TEST_VERBOSE === '1') process.stderr.write(`[oblako ${proc.pid}] ${line}\n`);
    let entry = line;
    try {
      const j = JSON.parse(line);
      if (j && typeof j === 'object') entry = j;
    } catch { /* keep raw */ }
    logs.push(entry);
    for (const w of logWaiters) w(entry);
  };
  const errSplit = lineSplitter(onStderrLine);
  const outSplit = lineSplitter((l) => stdoutLines.push(l));
  proc.stderr.setEncoding('utf8').on('data', (c) => errSplit.push(c));
  proc.stdout.setEncoding('utf8').on('data', (c) => outSplit.push(c));

  const exited = new Promise((resolve) => {
    proc.on('close', (code, signal) => {
      errSplit.flush();
      outSplit.flush();
      liveProcs.delete(proc);
      exitInfo = { code, signal };
      exitCode = code ?? 128 + (os.constants.signals[signal] || 0);
      resolve(exitCode);
    });
  });

  const listening = await new Promise((resolve, reject) => {
    let done = false;
    const finish = (fn, v) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      logWaiters.delete(check);
      fn(v);
    };
    const check = (e) => {
      if (e && typeof e === 'object' && e.msg === 'listening' && typeof e.url === 'string') {
        finish(resolve, e.url);
      }
    };
    const timer = setTimeout(() => {
      try { proc.kill('SIGKILL'); } catch { /* ignore */ }
      finish(reject, new Error(
        `oblako serve did not log "listening" within ${LISTEN_TIMEOUT_MS} ms\n` +
        `argv: ${bin} ${argv.join(' ')}\nstderr:\n${stderrLines.join('\n')}`));
    }, LISTEN_TIMEOUT_MS);
    logWaiters.add(check);
    for (const e of logs) check(e);
    proc.on('error', (err) => finish(reject, new Error(`cannot start ${bin}: ${err.message}`)));
    exited.then(() => finish(reject, new Error(
      `oblako serve exited (${exitInfo.signal || exitInfo.code}) before listening\n` +
      `argv: ${bin} ${argv.join(' ')}\nstderr:\n${stderrLines.join('\n')}`)));
  });

  const url = listening.replace(/\/+$/, '');
  // A server nobody stops must not keep the test file alive: the exit hook kills it.
  proc.unref();
  proc.stdout.unref?.();
  proc.stderr.unref?.();

  const server = {
    url,
    db,
    proc,
    logs,
    stderr: stderrLines,
    stdout: stdoutLines,
    exited,
    get exitCode() { return exitCode; },
    fetch(p, opts) {
      return fetch(url + p, opts);
    },
    /** Resolves with the first log entry (past or future) for which pred(entry) is true. */
    waitForLog(pred, timeoutMs = 10_000) {
      const match = typeof pred === 'function' ? pred
        : (e) => typeof e === 'object' && Object.entries(pred).every(([k, v]) => e[k] === v);
      const found = logs.find((e) => { try { return match(e); } catch { return false; } });
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const w = (e) => {
          let ok = false;
          try { ok = match(e); } catch { /* ignore */ }
          if (ok) { clearTimeout(t); logWaiters.delete(w); resolve(e); }
        };
        const t = setTimeout(() => {
          logWaiters.delete(w);
          reject(new Error(`no matching log line within ${timeoutMs} ms\n${stderrLines.join('\n')}`));
        }, timeoutMs);
        logWaiters.add(w);
      });
    },
    /** Sends signal (default SIGTERM); resolves with the exit code (128+N if killed by signal N). */
    async stop(signal = 'SIGTERM') {
      if (exitCode !== undefined) return exitCode;
      proc.ref();
      try { proc.kill(signal); } catch { /* already gone */ }
      const t = setTimeout(() => { try { proc.kill('SIGKILL'); } catch { /* ignore */ } }, STOP_KILL_AFTER_MS);
      try {
        return await exited;
      } finally {
        clearTimeout(t);
      }
    },
  };
  return server;
}

/** n servers on the same fresh database (the first one starts alone: it migrates). */
export async function startServers(n, opts = {}) {
  const db = opts.db || await freshDbUrl();
  const first = await startServer({ ...opts, db });
  const rest = await Promise.all(
    Array.from({ length: n - 1 }, () => startServer({ ...opts, db })));
  return [first, ...rest];
}

/** Runs the oblako binary synchronously: {status, signal, stdout, stderr}. */
export function runCli(args, { env = {}, input, timeout = 60_000 } = {}) {
  const r = spawnSync(bin, args, {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    input,
    timeout,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw new Error(`cannot run ${bin}: ${r.error.message}`);
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}
