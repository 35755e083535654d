// bench/capacity.mjs - the per-route figures of docs/deploy.md's capacity table, run by
// bench/capacity.sh against a running server on the big database. Node 20, built-ins and
// tests/e2e/lib only.
//
//   node bench/capacity.mjs URL PID OWNER_EMAIL OWNER_PASSWORD PARTNER_ID WORLD_FILE SECRET
//
// For each hot route: CAP_CONNS loops, one request at a time each, for CAP_SECONDS. Before
// and after, the server's CPU time (utime + stime of /proc/PID/stat) and its counters on
// /metrics (oblako_db_statements_total, oblako_db_commits_total). Prints one row per route:
// requests, client-side req/s with p50/p99, the server's CPU per request, and so its
// requests a second per core (1 / CPU per request), statements and commits per request.
// A request a second per core is the server alone: the load generator runs on the same
// cores but its CPU is not counted.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '../tests/e2e/lib/session.js';
import { sign } from '../tests/e2e/lib/app.js';

const [url, pid, ownerEmail, ownerPassword, partner, worldFile, secret] = process.argv.slice(2);
const SECONDS = Number(process.env.CAP_SECONDS ?? 10);
const CONNS = Number(process.env.CAP_CONNS ?? 16);
const ONLY = process.env.CAP_ONLY ? new RegExp(process.env.CAP_ONLY) : null;
const HZ = 100;     // USER_HZ on Linux
const s = { url, fetch: (p, o) => fetch(url + p, o) };

const cpuOf = (p) => {
  try {
    const f = readFileSync(`/proc/${p}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return { ppid: Number(f[1]), s: (Number(f[11]) + Number(f[12])) / HZ };
  } catch { return { ppid: 0, s: 0 }; }
};
const cpu = () => cpuOf(pid).s;
// PostgreSQL (CAP_PG_PID, the postmaster): the CPU of its children, the server processes
// of the node's connections (they live as long as the connections, so the deltas hold)
const PG = process.env.CAP_PG_PID;
const pgCpu = () => {
  if (!PG) return 0;
  let sum = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const c = cpuOf(d);
    if (String(c.ppid) === PG) sum += c.s;
  }
  return sum;
};
async function counters() {
  const text = await (await fetch(`${url}/metrics`)).text();
  const get = (name) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  return { st: get('oblako_db_statements_total'), co: get('oblako_db_commits_total'), pg: pgCpu() };
}
// what one /metrics read itself costs in statements and commits, taken off each delta
const m0 = await counters();
const m1 = await counters();
const own = { st: m1.st - m0.st, co: m1.co - m0.co };

const pct = (a, p) => a[Math.min(a.length - 1, Math.floor(a.length * p))];
const rows = [];
// the server's own background (the job runner's ticks) per second, taken off each route
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// wait until the server's own work (the job runner's first passes over a fresh database:
// reminders, access ends) is done: less than 2 % of a core over 2 s, at most 5 minutes
let settleTries = 150;     // 5 minutes the first time, then 30 s before each route
async function settle() {
  for (let k = 0, n = settleTries; k < n; k++) {
    settleTries = 15;
    const t0 = cpu() + pgCpu();
    await sleep(2000);
    if (cpu() + pgCpu() - t0 < 0.04) return;
  }
  console.log('cap: the server did not settle; the figures include its background');
}
await settle();
const idle = await (async () => {
  const c0 = await counters(), t0 = cpu(), w0 = Date.now();
  await sleep(Math.min(SECONDS, 5) * 1000);
  const c1 = await counters(), wall = (Date.now() - w0) / 1000;
  return { cpu: (cpu() - t0) / wall, st: (c1.st - c0.st - own.st) / wall, co: (c1.co - c0.co - own.co) / wall,
    pg: (c1.pg - c0.pg) / wall };
})();
console.log(`cap: idle server: ${(idle.cpu * 1000).toFixed(1)} ms CPU, ${idle.st.toFixed(1)} statements, ` +
  `${idle.co.toFixed(2)} commits a second (taken off every route)`);
function row(name, n, wall, cpuS, c0, c1, p50, p99, bad, conns, client) {
  const cpuReq = Math.max(cpuS - idle.cpu * wall, 0) / Math.max(n, 1);
  const pgReq = Math.max((c1.pg ?? 0) - (c0.pg ?? 0) - idle.pg * wall, 0) / Math.max(n, 1);
  const x = {
    name, n, rps: n / wall, p50, p99, cpuUs: cpuReq * 1e6, perCore: 1 / cpuReq, pgUs: pgReq * 1e6,
    st: (c1.st - c0.st - own.st - idle.st * wall) / Math.max(n, 1),
    co: Math.max(c1.co - c0.co - own.co - idle.co * wall, 0) / Math.max(n, 1), bad, conns, client,
  };
  rows.push(x);
  return x;
}
// GET routes through wrk (-t2 -c CAP_WRK_CONNS): the load a busy node sees; PATHS cycle
async function measureWrk(name, paths, headers = {}) {
  if (ONLY && !ONLY.test(name)) return;
  await settle();
  const lua = path.join(os.tmpdir(), `capacity-${process.pid}.lua`);
  const hdr = Object.entries(headers).map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`);
  writeFileSync(lua, `${hdr.join('\n')}\nlocal paths, i = {${paths.map((p) => JSON.stringify(p)).join(',')}}, 0\n` +
    'function request() i = i % #paths + 1; return wrk.format("GET", paths[i]) end\n');
  const conns = Number(process.env.CAP_WRK_CONNS ?? 32);
  const c0 = await counters(), t0 = cpu(), w0 = Date.now();
  const { stdout: out } = await promisify(execFile)('wrk', ['-t2', `-c${conns}`, `-d${SECONDS}s`, '--latency', '-s', lua, url], { encoding: 'utf8' });
  const wall = (Date.now() - w0) / 1000, t1 = cpu(), c1 = await counters();
  const n = Number(/(\d+) requests in/.exec(out)[1]);
  const bad = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const ms = (q) => { const m = new RegExp(`${q}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
    return m ? Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]] : NaN; };
  row(name, n, wall, t1 - t0, c0, c1, ms(50), ms(99), bad, conns, 'wrk');
  console.log(`cap: ${name} (wrk): ${n} requests in ${wall.toFixed(1)} s (${bad} not 2xx)`);
}
async function measure(name, step, conns = CONNS) {
  if (ONLY && !ONLY.test(name)) return;
  await settle();
  const lat = [];
  let n = 0, bad = 0, sample = '';
  const c0 = await counters(), t0 = cpu(), w0 = Date.now();
  const until = w0 + SECONDS * 1000;
  await Promise.all(Array.from({ length: conns }, async (_, k) => {
    for (let i = 0; Date.now() < until; i++) {
      const a = performance.now();
      const r = await step(k, i);         // the number of requests it made, or an error text
      lat.push((performance.now() - a) / (typeof r === 'number' ? r : 1));
      if (typeof r === 'number') n += r; else { bad++; if (!sample) sample = r; }
    }
  }));
  const wall = (Date.now() - w0) / 1000, t1 = cpu(), c1 = await counters();
  lat.sort((x, y) => x - y);
  row(name, n, wall, t1 - t0, c0, c1, pct(lat, 0.5), pct(lat, 0.99), bad, conns, 'node');
  console.log(`cap: ${name}: ${n} requests in ${wall.toFixed(1)} s (${bad} failed${sample ? `: ${sample}` : ''})`);
}

// ---- principals: the partner's owner (cookie and a token), the clients of the world
const owner = new Client(s);
let r = await owner.login(ownerEmail, ownerPassword);
if (r.status !== 200) throw new Error(`owner sign-in: ${r.status}`);
r = await owner.post('/api/v1/tokens', { account: Number(partner), roles: 'owner', name: 'capacity' });
if (r.status !== 201) throw new Error(`owner token: ${r.status} ${JSON.stringify(r.body)}`);
const bearer = { authorization: `Bearer ${r.body.token}` };
const cookie = { cookie: `oblako_session=${owner.cookie}` };
const world = readFileSync(worldFile, 'utf8').trim().split('\n').map((l) => {
  const [area, token] = l.split(' ');
  return { area: Number(area), auth: `Bearer ${token}` };
});
const clients = [];
for (let next = `/api/v1/subscribers?partner=${partner}&limit=500`; clients.length < 1000 && next;) {
  r = await owner.get(next);
  clients.push(...r.body.items.map((it) => it.id));
  next = r.body.next;
}

await measureWrk('GET /healthz (no database)', ['/healthz']);
await measureWrk('GET /api/v1/me (bearer token)', ['/api/v1/me'], bearer);
await measureWrk('GET /api/v1/me (cookie)', ['/api/v1/me'], cookie);
await measureWrk('GET /api/v1/subscribers/{id}/entitlement (bearer, 1M subscriptions)',
  clients.map((id) => `/api/v1/subscribers/${id}/entitlement`), bearer);
await measureWrk('GET /api/v1/subscribers?partner=P&limit=50 (client list page, cookie)',
  [`/api/v1/subscribers?partner=${partner}&limit=50`], cookie);
await measure('POST /api/v1/auth/login (argon2id, interactive cost)', async () => {
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: ownerEmail, password: ownerPassword }),
  });
  await res.arrayBuffer();
  return res.status === 200 ? 1 : `login: ${res.status}`;
}, 2);
// one client per loop: an open and its close (two requests, the admission and the close)
await measure('POST /api/v1/sessions + DELETE (open and close, bearer)', async (k) => {
  const c = world[k % world.length];
  const o = await fetch(`${url}/api/v1/sessions`, {
    method: 'POST', headers: { authorization: c.auth, 'content-type': 'application/json' },
    body: JSON.stringify({ area: c.area }),
  });
  const body = await o.json();
  if (o.status !== 201) return `open: ${o.status} ${body.code ?? ''}`;
  const d = await fetch(`${url}/api/v1/sessions/${body.id}`, { method: 'DELETE', headers: { authorization: c.auth } });
  await d.arrayBuffer();
  return d.status === 204 ? 2 : `close: ${d.status}`;
}, Math.min(CONNS, world.length));
// heartbeats, signed by the backend, on one open session per client
const open = [];
for (const c of world.slice(0, CONNS)) {
  const o = await fetch(`${url}/api/v1/sessions`, {
    method: 'POST', headers: { authorization: c.auth, 'content-type': 'application/json' },
    body: JSON.stringify({ area: c.area }),
  });
  const body = await o.json();
  if (o.status === 201) open.push(body.id);
}
await measure('POST /api/v1/sessions/{id}/heartbeat (signed by the backend)', async (k) => {
  const path = `/api/v1/sessions/${open[k % open.length]}/heartbeat`;
  const res = await fetch(url + path, { method: 'POST', headers: sign(secret, 'accounting', 'POST', path, '') });
  await res.arrayBuffer();
  return res.status === 200 ? 1 : `heartbeat: ${res.status}`;
}, Math.min(CONNS, open.length));

const f = (x, d = 0) => x.toFixed(d).padStart(8);
console.log(`\nper route, ${SECONDS} s each; wrk -t2 -c${process.env.CAP_WRK_CONNS ?? 32}, or Node with ${CONNS} loops (sign-in 2); server CPU counted alone:`);
console.log(`  ${'route'.padEnd(72)} ${'client'.padStart(6)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'CPU us'.padStart(8)} ${'/s/core'.padStart(8)} ${'stmts'.padStart(8)} ${'commits'.padStart(8)}${PG ? ' PG CPU us' : ''}`);
for (const x of rows) {
  console.log(`  ${x.name.padEnd(72)} ${x.client.padStart(6)} ${f(x.rps)} ${f(x.p50, 2)} ${f(x.p99, 2)} ${f(x.cpuUs)} ${f(x.perCore)} ${f(x.st, 2)} ${f(x.co, 2)}${PG ? ` ${f(x.pgUs).padStart(9)}` : ''}`);
}
if (rows.some((x) => x.bad)) process.exit(1);
