// The cluster's nodes and balancer for the tests: PostgreSQL and pgbouncer run already
// (tests/cluster/cluster.sh run DIR … exports OBLAKO_CLUSTER_DIR, OBLAKO_CLUSTER_BOUNCER_PORT
// and the engine's variables); startCluster() starts `oblako serve` nodes on a database through
// pgbouncer and haproxy in front of them, from tests/cluster/haproxy.cfg.in.
//
// tests/e2e/lib/server.js hands its startServer() here when OBLAKO_TEST_CLUSTER=1, so any e2e
// file runs against a cluster unchanged: its "server" is haproxy's address, its database URL
// stays the direct one (the tests' psql reads), and every node gets the test's options.
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, liveProcs, tempDirs } from '../e2e/lib/server.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const clusterDir = process.env.OBLAKO_CLUSTER_DIR || '';
export const bouncerPort = Number(process.env.OBLAKO_CLUSTER_BOUNCER_PORT) || 0;

function need() {
  if (!clusterDir || !bouncerPort) {
    throw new Error('run under tests/cluster/cluster.sh run DIR … (OBLAKO_CLUSTER_DIR is not set)');
  }
}

/** The database URL `db` (direct to PostgreSQL) as the nodes reach it: through pgbouncer. */
export function viaBouncer(db) {
  need();
  return db.replace(/^(postgres(?:ql)?:\/\/[^/:]*)(:\d+)?\//, `$1:${bouncerPort}/`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

/** Restarts pgbouncer (SIGTERM: it stops at once, every connection cut) on its port. */
export function restartBouncer(signal = 'TERM') {
  need();
  return new Promise((resolve, reject) => {
    execFile(path.join(here, 'cluster.sh'), ['bouncer-restart', clusterDir, signal],
      { timeout: 30_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve()));
  });
}

/** haproxy's view of the servers through its stats socket: {name: 'UP' | 'DOWN' | …}. */
async function haproxyStates(sock) {
  const out = await new Promise((resolve, reject) => {
    const c = net.createConnection(sock);
    let buf = '';
    c.on('data', (d) => { buf += d; });
    c.on('end', () => resolve(buf));
    c.on('error', reject);
    c.end('show stat\n');
  });
  const states = {};
  for (const line of out.split('\n')) {
    const f = line.split(',');
    if (f[0] === 'oblako' && f[1] !== 'BACKEND' && f[1] !== 'FRONTEND') states[f[1]] = f[17];
  }
  return states;
}

/**
 * Starts `nodes` nodes on database `db` (direct URL; they use it through pgbouncer) with the
 * options of startServer, each with --trusted-proxies 127.0.0.1, and haproxy in front.
 * Returns {url, db, nodes, kill(i, signal), restart(i), states(), waitStates(pred), stop(),
 * and what e2e/lib/server.js's servers have: fetch, logs, stderr, stdout, waitForLog, exited}.
 */
export async function startCluster({ db, nodes = 3, args = [], ...opts } = {}) {
  need();
  const nodeDb = viaBouncer(db);
  const nodeArgs = ['--trusted-proxies', '127.0.0.1', ...args];
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const withPublic = args.includes('--public-url') ? nodeArgs : [...nodeArgs, '--public-url', url];
  const start = () => startServer({ ...opts, args: withPublic, db: nodeDb, direct: true });
  // the first alone (it applies migrations, if any), the rest together
  const list = [await start()];
  list.push(...await Promise.all(Array.from({ length: nodes - 1 }, start)));

  const dir = mkdtempSync(path.join(os.tmpdir(), 'oblako-haproxy-'));
  tempDirs.push(dir);
  const sock = path.join(dir, 'haproxy.sock');
  const servers = () => list.map((n, i) => `    server n${i + 1} ${new URL(n.url).host}`).join('\n');
  const writeCfg = () => {
    const cfg = readFileSync(path.join(here, 'haproxy.cfg.in'), 'utf8')
      .replaceAll('@PORT@', String(port)).replaceAll('@DIR@', dir).replace('@SERVERS@', servers());
    writeFileSync(path.join(dir, 'haproxy.cfg'), cfg);
  };
  writeCfg();
  const hap = spawn('haproxy', ['-f', path.join(dir, 'haproxy.cfg'), '-db', '-q'], { stdio: ['ignore', 'ignore', 'pipe'] });
  liveProcs.add(hap);
  let hapErr = '';
  hap.stderr.setEncoding('utf8').on('data', (c) => { hapErr += c; });
  const hapExited = new Promise((resolve) => hap.on('close', (code, signal) => { liveProcs.delete(hap); resolve(code ?? signal); }));
  hap.unref();
  hap.stderr.unref?.();

  const states = () => haproxyStates(sock);
  async function waitStates(pred, what, timeoutMs = 20_000) {
    const t0 = Date.now();
    let last;
    for (;;) {
      try { last = await states(); if (pred(last)) return last; } catch (e) { last = e.message; }
      if (Date.now() - t0 > timeoutMs) throw new Error(`haproxy: ${what} not reached in ${timeoutMs} ms: ${JSON.stringify(last)}\n${hapErr}`);
      await sleep(100);
    }
  }
  await waitStates((s) => Object.keys(s).length === list.length && Object.values(s).every((v) => v === 'UP'),
    'every node UP');

  const killed = [];   // nodes replaced by restart(): their logs stay readable
  const cluster = {
    url,
    db,
    nodeDb,
    nodes: list,
    haproxy: hap,
    get proc() { return list[0].proc; },
    get logs() { return list.flatMap((n) => n.logs); },
    get killedLogs() { return killed.flatMap((n) => n.logs); },
    get stderr() { return list.flatMap((n) => n.stderr); },
    get stdout() { return list.flatMap((n) => n.stdout); },
    get exitCode() { return list[0].exitCode; },
    get exited() { return Promise.all(list.map((n) => n.exited)).then((c) => c[0]); },
    states,
    waitStates,
    fetch(p, o) { return fetch(url + p, o); },
    /** The first log line of any node for which pred holds. */
    waitForLog(pred, timeoutMs = 10_000) {
      return Promise.any(list.map((n) => n.waitForLog(pred, timeoutMs)));
    },
    /** Kills node i (0-based) with signal (SIGKILL by default); resolves with its exit code. */
    kill(i, signal = 'SIGKILL') { return list[i].stop(signal); },
    /** Starts node i again (on a new port; haproxy's server is moved to it). */
    async restart(i) {
      const n = await start();
      killed.push(list[i]);
      list[i] = n;
      const { host } = new URL(n.url);
      const [addr, p] = host.split(':');
      await haproxyCommand(sock, `set server oblako/n${i + 1} addr ${addr} port ${p}`);
      await haproxyCommand(sock, `enable server oblako/n${i + 1}`);
      return n;
    },
    /** Stops haproxy and every node (SIGTERM); resolves with the nodes' exit codes. */
    async stop(signal = 'SIGTERM') {
      hap.ref();   // keep the test process alive until haproxy is gone
      hap.stderr.ref?.();
      try { hap.kill('SIGTERM'); } catch { /* gone */ }
      await hapExited;
      const codes = await Promise.all(list.map((n) => n.stop(signal)));
      return codes.every((c) => c === 0) ? 0 : codes.find((c) => c !== 0);
    },
  };
  return cluster;
}

function haproxyCommand(sock, cmd) {
  return new Promise((resolve, reject) => {
    const c = net.createConnection(sock);
    let buf = '';
    c.on('data', (d) => { buf += d; });
    c.on('end', () => resolve(buf));
    c.on('error', reject);
    c.end(`${cmd}\n`);
  });
}
