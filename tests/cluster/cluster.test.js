// The cluster on loopback (tests/cluster/cluster.sh run DIR node --test tests/cluster/…):
// three nodes through pgbouncer (transaction pooling) behind haproxy, PostgreSQL only.
//   - pgbouncer restarted: the requests in flight get 503 (problem+json, Retry-After), later
//     ones succeed on every node and every thread's connection, no node exits;
//   - two clients behind haproxy are limited apart (X-Forwarded-For from the trusted proxy);
//   - a node killed with SIGKILL under writes and session opens (scenario.mjs).
// The isolation test and the session-limit proof run against a cluster through
// OBLAKO_TEST_CLUSTER=1 (tests/run.sh's suite "cluster").
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { startCluster, restartBouncer } from './lib.mjs';
import { killScenario } from './scenario.mjs';
import { withBackend, newClient, readyArea } from '../e2e/lib/areas.js';
import { newPartner } from '../e2e/lib/accounts.js';
import { provisionedDb, Client } from '../e2e/lib/session.js';
import { query } from '../e2e/lib/db.js';
import { eventually } from '../e2e/lib/wait.js';

let env;
let c;

before(async () => {
  env = await provisionedDb('cluster');
  // debug: every run of a frequent periodic job is a log line (the kill scenario counts them)
  c = await startCluster({ db: env.db, args: ['--log-level', 'debug', '--request-log-level', 'info'] });
});

after(async () => {
  if (c) assert.equal(await c.stop(), 0, 'every node stops cleanly');
});

function fiveHundreds() {
  return c.logs.filter((e) => typeof e === 'object' && e.msg === 'request' && e.status >= 500 && e.status !== 503);
}

test('pgbouncer restarted: the requests in flight get 503 with Retry-After, later ones succeed on every node', async (t) => {
  const admin = new Client(c);
  let back = 0;
  assert.equal((await admin.login(env.email, env.password)).status, 200);
  assert.equal((await admin.get('/api/v1/partners')).status, 200);
  // Requests held in flight: a session straight to PostgreSQL locks the table they read.
  const locker = spawn('psql', [env.db, '-qAtc',
    "SET application_name = 'cluster-locker'; BEGIN; LOCK TABLE partners IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(60)"],
  { stdio: 'ignore' });
  try {
    await eventually(() => Number(query(env.db,
      "SELECT COUNT(*) FROM pg_locks l JOIN pg_class r ON r.oid = l.relation WHERE r.relname = 'partners' AND l.mode = 'AccessExclusiveLock' AND l.granted")[0][0]) === 1,
    { what: 'the lock taken' });
    const N = 6;
    const inFlight = Array.from({ length: N }, () => admin.get('/api/v1/partners'));
    await eventually(() => Number(query(env.db,
      "SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND application_name <> 'cluster-locker'")[0][0]) >= N,
    { what: `${N} requests waiting on the lock` });
    await restartBouncer('TERM');
    back = Date.now();
    const answers = await Promise.all(inFlight);
    for (const r of answers) {
      assert.equal(r.status, 503, JSON.stringify(r.body));
      assert.match(r.headers.get('content-type'), /^application\/problem\+json/);
      assert.equal(r.body.code, 'unavailable');
      assert.ok(Number(r.headers.get('retry-after')) >= 1, `Retry-After ${r.headers.get('retry-after')}`);
    }
  } finally {
    try {
      query(env.db, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'cluster-locker'");
    } catch { /* gone */ }
    locker.kill('SIGKILL');
  }
  // Later requests succeed: through haproxy, and on each node's every thread (a connection
  // that died idle is reconnected before it is used, /readyz included, so no node is left
  // out of the balancer)
  await c.waitStates((s) => Object.values(s).every((v) => v === 'UP'), 'every node UP after the restart');
  const later = await Promise.all(Array.from({ length: 30 }, (_, i) => admin.get(i % 2 ? '/api/v1/partners' : '/api/v1/me')));
  assert.deepEqual(later.map((r) => r.status), later.map(() => 200));
  for (const n of c.nodes) {
    const direct = await Promise.all(Array.from({ length: 16 }, () => fetch(`${n.url}/readyz`).then((r) => r.status)));
    assert.deepEqual(direct, direct.map(() => 200), `${n.url}: every thread's connection back`);
  }
  // not one request that came after pgbouncer was back failed, haproxy's checks included:
  // a connection that died idle was reconnected before its first statement, not after
  const late503 = c.logs.filter((e) => typeof e === 'object' && e.msg === 'request' && e.status === 503 &&
    Date.parse(e.ts) - e.us / 1000 > back + 50);
  assert.deepEqual(late503, [], 'no 503 to a request that started after the restart');
  for (const n of c.nodes) assert.equal(n.exitCode, undefined, 'no node exited');
  assert.deepEqual(fiveHundreds(), [], 'no 5xx but 503');
  t.diagnostic(`503 to the ${answers_count(c)} requests cut in flight`);
});

function answers_count(cl) {
  return cl.logs.filter((e) => typeof e === 'object' && e.msg === 'request' && e.status === 503 && e.route === '/api/v1/partners').length;
}

/** A failed sign-in through haproxy from localAddress (X-Forwarded-For as given, if any). */
function signIn(email, localAddress, forwardedFor) {
  const port = Number(new URL(c.url).port);
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ email, password: 'wrong-password' });
    const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    if (forwardedFor) headers['x-forwarded-for'] = forwardedFor;
    const req = http.request({ host: '127.0.0.1', port, localAddress, method: 'POST', path: '/api/v1/auth/login', headers, agent: false },
      (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
    req.on('error', reject);
    req.end(body);
  });
}

test('two clients behind haproxy are limited apart; what a client puts in X-Forwarded-For counts for nothing', async () => {
  // 30 failed sign-ins per address in 15 minutes (distinct emails: the per-account limit is 5)
  for (let i = 0; i < 30; i++) assert.equal(await signIn(`a${i}@limits.test`, '127.0.0.2'), 401, `failure ${i + 1}`);
  assert.equal(await signIn('a-last@limits.test', '127.0.0.2'), 429, 'the first client is limited');
  assert.equal(await signIn('b0@limits.test', '127.0.0.3'), 401, 'the second is not');
  // haproxy appends the address it got the request from: the node takes that one
  assert.equal(await signIn('a-spoof@limits.test', '127.0.0.2', '127.0.0.3'), 429);
  assert.equal(await signIn('b1@limits.test', '127.0.0.3'), 401);
  // the nodes log each client under its own address (a line may come a moment after its answer)
  const logged = (addr) => c.logs.filter((e) => typeof e === 'object' && e.msg === 'request' &&
    e.route === '/api/v1/auth/login' && e.addr === addr).length;
  await eventually(() => logged('127.0.0.2') >= 32 && logged('127.0.0.3') >= 2, { what: 'the sign-ins logged' });
  assert.equal(logged('127.0.0.2'), 32);
  assert.equal(logged('127.0.0.3'), 2);
});

// tests/e2e/areas.test.js's proof, through haproxy: the 50 opens land on all three nodes
test('50 simultaneous opens through haproxy against a limit of 5 admit exactly 5', async () => {
  const admin = new Client(c);
  assert.equal((await admin.login(env.email, env.password)).status, 200);
  const ctx = { s: c, db: env.db, admin };
  const cb = await withBackend(ctx);
  try {
    const P = await newPartner(ctx);
    const k = await newClient(ctx, P);
    const a = await readyArea(k.owner, k.id);
    assert.equal((await k.owner.get(`/api/v1/subscribers/${k.id}/entitlement`)).body.sessions, 5);
    const rs = await Promise.all(Array.from({ length: 50 }, () => k.owner.post('/api/v1/sessions', { area: a.id })));
    assert.equal(rs.filter((r) => r.status === 201).length, 5, rs.map((r) => r.status).join(','));
    for (const r of rs.filter((x) => x.status !== 201)) {
      assert.equal(r.status, 409);
      assert.equal(r.body.code, 'limit_exceeded');
    }
    const served = c.nodes.map((n) => n.logs.filter((e) => typeof e === 'object' && e.msg === 'request' &&
      e.method === 'POST' && e.route === '/api/v1/sessions').length);
    assert.equal(served.reduce((x, y) => x + y, 0), 50);
    assert.ok(served.every((n) => n > 0), `opens per node: ${served}`);
    // the history: never more than 5 open
    let open = 0;
    let high = 0;
    for (const [event] of query(env.db, `SELECT event FROM session_history WHERE subscriber_id = ${k.id} ORDER BY id`)) {
      open += event === 'open' ? 1 : -1;
      high = Math.max(high, open);
    }
    assert.deepEqual({ open, high }, { open: 5, high: 5 });
  } finally {
    await cb.stop();
  }
});

test('a node killed with SIGKILL under writes and session opens: no acknowledged write lost, no limit exceeded, jobs once per period', async (t) => {
  await killScenario(t, c, env, { seconds: Number(process.env.OBLAKO_CLUSTER_LOAD_SECONDS) || 12, kills: 1 });
  assert.deepEqual(fiveHundreds(), [], 'no 5xx but 503');
});
