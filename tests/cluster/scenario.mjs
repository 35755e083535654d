// The node-kill scenario of the cluster tests (cluster.test.js runs it short, soak.test.js for
// ten minutes): the session load of bench/sessions_load.mjs and writers through haproxy while
// nodes are killed with SIGKILL (and started again); then every acknowledged write must be in
// the database, the session history's replay must find no admission over a limit, and each
// period of a periodic job must have run on one node only, periods running on after the kills.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { query } from '../e2e/lib/db.js';
import { Client } from '../e2e/lib/session.js';
import { newPartner } from '../e2e/lib/accounts.js';
import { startCashbook } from '../e2e/lib/app.js';
import { SECRET } from '../e2e/lib/areas.js';
import { eventually } from '../e2e/lib/wait.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function runLoad(mode, env) {
  const p = spawn(process.execPath, [path.join(root, 'bench/sessions_load.mjs'), mode], {
    env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const worldReady = new Promise((resolve, reject) => {
    p.stderr.setEncoding('utf8').on('data', (c) => {
      err += c;
      if (/world ready/.test(err)) resolve();
    });
    p.on('close', () => reject(new Error(`the session load ended before its world was ready:\n${err}`)));
  });
  worldReady.catch(() => {});
  p.stdout.setEncoding('utf8').on('data', (c) => { out += c; });
  const done = new Promise((resolve) => p.on('close', (code) => resolve({ code, out, err })));
  return { proc: p, worldReady, done };
}

/**
 * c: a cluster of startCluster (nodes started with --log-level debug, so every run of a
 * frequent periodic job is a line); env: {db, email, password} of its provisioned database.
 * seconds: the length of the load; kills: how many times a node is killed (evenly spread).
 */
export async function killScenario(t, c, env, { seconds, kills }) {
  const admin = new Client(c);
  assert.equal((await admin.login(env.email, env.password)).status, 200);
  const cb = await startCashbook({ oblakoUrl: c.url, secret: SECRET });
  const P = await newPartner({ s: c, db: env.db, admin });

  const load = runLoad('load', {
    LOAD_URL: c.url, LOAD_DB: env.db, LOAD_BACKEND_URL: cb.url, LOAD_SECRET: SECRET,
    LOAD_ADMIN_EMAIL: env.email, LOAD_ADMIN_PASSWORD: env.password, LOAD_SECONDS: String(seconds),
    LOAD_CONNS: '12', LOAD_SUBSCRIBERS: '10', LOAD_BUILD_CONNS: '6', LOAD_WINDOWS: '4',
  });
  await load.worldReady;

  // Writers: clients made by the partner; every 201 is an acknowledged write.
  const acked = [];
  const statuses = new Map();
  let writing = true;
  let n = 0;
  const writer = async (w) => {
    while (writing) {
      const i = ++n;
      let r;
      try {
        r = await P.owner.post('/api/v1/subscribers', { name: `ООО Запись ${w}-${i}`, owner_email: `w${w}-${i}@write.test` });
      } catch (e) {
        r = { status: `fetch: ${e.cause?.code || e.message}` };
      }
      statuses.set(r.status, (statuses.get(r.status) || 0) + 1);
      if (r.status === 201) acked.push(r.body.id);
    }
  };
  const writers = Promise.all([1, 2, 3, 4].map(writer));

  const t0 = Date.now();
  const killedAt = [];
  for (let k = 0; k < kills; k++) {
    await sleep(Math.max(0, t0 + ((k + 1) * seconds * 1000) / (kills + 1) - Date.now()) * 0.8);
    const i = k % c.nodes.length;
    const name = `n${i + 1}`;
    killedAt.push(Math.floor(Date.now() / 1000));
    assert.equal(await c.kill(i, 'SIGKILL'), 128 + 9, `${name} killed`);
    // haproxy's health check takes it out, and the others answer
    await c.waitStates((s) => s[name] === 'DOWN' && Object.values(s).filter((v) => v === 'UP').length === c.nodes.length - 1,
      `${name} DOWN, the others UP`);
    const probes = await Promise.all(Array.from({ length: 12 }, () => admin.get('/api/v1/me')));
    assert.deepEqual(probes.map((r) => r.status), probes.map(() => 200), `every request answered with ${name} dead`);
    // started again, it takes traffic again
    await c.restart(i);
    await c.waitStates((s) => s[name] === 'UP', `${name} UP again`);
  }
  const loadResult = await load.done;
  writing = false;
  await writers;
  t.diagnostic(`writes: ${JSON.stringify(Object.fromEntries(statuses))}; ${acked.length} acknowledged; ` +
    `${kills} kill(s)`);
  t.diagnostic(loadResult.out.split('\n').filter((l) => /admitted|errors|opens|^\s+\d+\s+\w/.test(l)).slice(0, 12).join('\n'));

  // 1. no acknowledged write is lost
  assert.ok(acked.length > 0, 'some writes were acknowledged');
  const found = new Set(query(env.db, `SELECT account_id FROM subscribers WHERE account_id IN (${acked.join(',')})`).map(([id]) => Number(id)));
  assert.deepEqual(acked.filter((id) => !found.has(id)), [], 'every acknowledged write is in the database');
  // what was not 201 is what the requests a node was answering when it died get: a 502 from
  // haproxy, a 503, or the connection cut; never a 500 or another refusal
  for (const k of statuses.keys()) assert.ok([201, 502, 503].includes(k) || /^fetch/.test(k), `writer got ${k}`);
  // the session load's errors are the same kinds only
  // (its lines: "  N  KIND STATUS CODE-OR-BODY", KIND open, heartbeat, close (signed|person), request)
  for (const m of loadResult.out.matchAll(/^\s+\d+\s+(open|heartbeat|close \(\w+\)|request) (\S+)/gm)) {
    assert.ok(['502', '503', 'fetch'].includes(m[2]), `session load error: ${m[0].trim()}`);
  }

  // 2. no session limit exceeded: the replay of session_history
  const replay = runLoad('replay', { LOAD_DB: env.db });
  const rr = await replay.done;
  t.diagnostic(rr.out.trim().split('\n').slice(-3).join('\n'));
  assert.match(rr.out, /no admission exceeded its limit/, rr.out + rr.err);
  assert.match(rr.out, /\badmissions\b/);
  assert.ok(!/EXCEEDED/.test(rr.out), rr.out);

  // 3. periodic jobs: each (job, period) ran on one node, and periods ran after the last kill
  const last = killedAt[killedAt.length - 1];
  // (both jobs of 10 s: a node killed while it ran one leaves its lease to expire, 300 s, so
  // one of the two is enough)
  await eventually(() => Number(query(env.db, `SELECT COUNT(*) FROM job_runs WHERE name IN ('audit-seal', 'webhooks') AND started_at > ${last}`)[0][0]) > 0,
    { what: 'a periodic job to run after the last kill', timeout: 30_000 });
  const runs = new Map();
  for (const e of c.logs.concat(c.killedLogs)) {
    if (typeof e === 'object' && e.msg === 'job' && e.job && e.period) {
      const key = `${e.job} ${e.period}`;
      runs.set(key, (runs.get(key) || 0) + 1);
    }
  }
  assert.ok(runs.size > 0, 'job runs are in the nodes\' logs (--log-level debug)');
  assert.deepEqual([...runs].filter(([, k]) => k > 1), [], 'no period of a job ran twice');
  const rows = query(env.db, 'SELECT name, period, COUNT(*) FROM job_runs GROUP BY name, period HAVING COUNT(*) > 1');
  assert.deepEqual(rows, []);
  t.diagnostic(`${runs.size} job periods, each run once`);
  await cb.stop?.();
}
