#!/usr/bin/env node
// bench/sessions_load.mjs - the session admission load test (run by bench/sessions_load.sh).
// Node 20, built-ins only, plus the e2e helpers in tests/e2e/lib.
//
//   node bench/sessions_load.mjs load    builds the world through the public API, then runs
//                                        the load and writes its statistics (LOAD_STATS)
//   node bench/sessions_load.mjs replay  replays session_history offline (the server stopped)
//                                        and checks every admission against its limits
//   node bench/sessions_load.mjs log F   summarises the server's stderr log F (5xx, warnings)
//
// Environment (set by sessions_load.sh):
//   LOAD_URL          the server, http://127.0.0.1:PORT                       (load)
//   LOAD_DB           sqlite:FILE or postgres://... (outbox links; the replay)  (both)
//   LOAD_BACKEND_URL  the reference cash book                                  (load)
//   LOAD_SECRET       the backend secret (CASHBOOK_SECRET)                     (load)
//   LOAD_ADMIN_EMAIL, LOAD_ADMIN_PASSWORD   the provider admin                 (load)
//   LOAD_SECONDS (60), LOAD_CONNS (64), LOAD_SUBSCRIBERS (500)               (load)
//   LOAD_BUILD_CONNS (24)   concurrency of the world building                  (load)
//   LOAD_WINDOWS (32)       application windows each connection keeps open at most
//   LOAD_ABANDON (0.1)      the share of admitted sessions left to expire
//   LOAD_STATS        a JSON file the load writes and the replay reads          (both)

import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { Client } from '../tests/e2e/lib/session.js';
import { sign } from '../tests/e2e/lib/app.js';
import { INFO } from '../tests/e2e/lib/areas.js';
import { newPartner } from '../tests/e2e/lib/accounts.js';

const env = process.env;
const num = (name, dflt) => {
  const v = env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, not ${v}`);
  return n;
};
const APP = 'accounting';
const PASSWORD = 'load-test-password-1';
const LIMITS = 10;                       // BENCH-1 .. BENCH-10

const log = (...a) => console.error('load:', ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rand = (n) => Math.floor(Math.random() * n);

// ---------------------------------------------------------------- database reads

/** Rows of a SELECT, fields split by tabs (NULL as ''), via the sqlite3 or psql CLI. */
function query(db, sql) {
  return new Promise((resolve, reject) => {
    const [file, args] = db.startsWith('sqlite:')
      ? ['sqlite3', ['-readonly', '-separator', '\t', '-cmd', '.timeout 10000', db.slice(7), sql]]
      : ['psql', [db, '-v', 'ON_ERROR_STOP=1', '-qAt', '-F', '\t', '-c', sql]];
    execFile(file, args, { encoding: 'utf8', maxBuffer: 1 << 30 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file}: ${err.message}\n${stderr}`));
      else resolve(stdout.split('\n').filter((l) => l.length > 0).map((l) => l.split('\t')));
    });
  });
}

// ---------------------------------------------------------------- statistics

class Stats {
  constructor() { this.kinds = new Map(); this.errors = new Map(); this.samples = []; }
  add(kind, ms) {
    let k = this.kinds.get(kind);
    if (!k) this.kinds.set(kind, k = { n: 0, ms: [] });
    k.n++;
    k.ms.push(ms);
  }
  error(kind, status, body) {
    const code = body && typeof body === 'object' ? body.code ?? body.state ?? '' : String(body).slice(0, 60);
    const key = `${kind} ${status} ${code}`;
    this.errors.set(key, (this.errors.get(key) || 0) + 1);
    if (this.samples.length < 10) this.samples.push(`${key}: ${JSON.stringify(body).slice(0, 300)}`);
  }
  count(kind) { return this.kinds.get(kind)?.n ?? 0; }
}

function pct(sorted, p) {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p / 100))];
}

// ---------------------------------------------------------------- helpers

/** Runs fn(item, i) over items with at most n at once; the first failure stops it. */
async function pool(n, items, fn) {
  let next = 0;
  let failed = null;
  async function worker() {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        await fn(items[i], i);
      } catch (e) {
        failed = failed || e;
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  if (failed) throw failed;
}

function must(r, status, what) {
  if (r.status !== status) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body).slice(0, 400)}`);
  return r.body;
}

async function timed(stats, kind, p) {
  const t = performance.now();
  const r = await p;
  stats.add(kind, performance.now() - t);
  return r;
}

// ---------------------------------------------------------------- the world

async function buildWorld(server) {
  const N = num('LOAD_SUBSCRIBERS', 500);
  const C = num('LOAD_BUILD_CONNS', 24);
  const db = env.LOAD_DB;
  const secret = env.LOAD_SECRET;
  const t0 = performance.now();

  const admin = new Client(server);
  must(await admin.login(env.LOAD_ADMIN_EMAIL, env.LOAD_ADMIN_PASSWORD), 200, 'admin login');
  const app = must(await admin.patch(`/api/v1/applications/${APP}`,
    { backend_url: env.LOAD_BACKEND_URL, backend_secret: secret }), 200, 'point the application at the backend');
  if (!app.has_secret) throw new Error('the application has no backend secret');
  for (let k = 1; k <= LIMITS; k++) {
    must(await admin.post('/api/v1/tariffs', {
      code: `BENCH-${k}`, name_ru: `Нагрузка ${k}`, name_en: `Load ${k}`, kind: 'main',
      options: { services: 'prof', apps: [APP], areas: 'unlimited', sessions: k, terms: [1, 12] },
      prices: [{ term: 1, amount: 150000 }, { term: 12, amount: 1500000 }],
    }), 201, `tariff BENCH-${k}`);
  }
  const P = await newPartner({ s: server, db, admin });
  log(`catalog and partner ready (${((performance.now() - t0) / 1000).toFixed(1)} s)`);

  // Subscribers (by the partner): information complete, a posted main BENCH-k.
  const subs = Array.from({ length: N }, (_, i) => ({ i, k: 1 + i % LIMITS, persons: [] }));
  const tag = `${process.pid}`;
  await pool(C, subs, async (s) => {
    const owner = `o${s.i}-${tag}@load.test`;
    s.id = must(await P.owner.post('/api/v1/subscribers', { name: `ООО Нагрузка ${s.i}`, owner_email: owner }),
      201, 'subscriber').id;
    s.persons.push({ email: owner, limit: null });
    must(await P.owner.put(`/api/v1/subscribers/${s.id}/info`, INFO), 200, 'subscriber info');
    must(await P.owner.post('/api/v1/subscriptions',
      { subscriber: s.id, kind: 'main', tariff: `BENCH-${s.k}`, term_months: 1 }), 201, 'main subscription');
  });
  log(`${N} subscribers created (${((performance.now() - t0) / 1000).toFixed(1)} s)`);

  // A person accepts the emailed invitation (read from the outbox), setting a
  // password, and signs in.
  const tokenSql = db.startsWith('sqlite:')
    ? "SELECT to_addr, replace(substr(body_text, instr(body_text, 'token=') + 6, 80), char(10), ' ') "
    : "SELECT to_addr, replace(substr(body_text, strpos(body_text, 'token=') + 6, 80), chr(10), ' ') ";
  async function signIn(people) {
    const rows = await query(db, `${tokenSql} FROM outbox WHERE to_addr LIKE '%-${tag}@load.test' ORDER BY id`);
    const tokens = new Map(rows.map(([to, t]) => [to, /^[A-Za-z0-9_-]+/.exec(t)?.[0]]));
    await pool(C, people, async (p) => {
      const token = tokens.get(p.email);
      if (!token) throw new Error(`no link mailed to ${p.email}`);
      const c = new Client(server);
      must(await c.post('/api/v1/auth/invite/accept', { token, password: PASSWORD }), 200, `accept ${p.email}`);
      must(await c.login(p.email, PASSWORD), 200, `login ${p.email}`);
      p.client = c;
    });
  }
  await signIn(subs.map((s) => s.persons[0]));
  log(`${N} owners signed in (${((performance.now() - t0) / 1000).toFixed(1)} s)`);

  // Each owner creates the data area and adds one or two users.
  await pool(C, subs, async (s) => {
    const owner = s.persons[0].client;
    s.area = must(await owner.post('/api/v1/areas',
      { subscriber: s.id, name: 'Основная', application: APP, test: false }), 201, 'area').id;
    const users = 1 + s.i % 2;             // two or three persons per subscriber
    for (let j = 1; j <= users; j++) {
      const email = `u${s.i}-${j}-${tag}@load.test`;
      // every fourth user has a limit of their own (1 or 2), the rest none
      const limit = (s.i + j) % 4 === 0 ? 1 + Math.floor((s.i + j) / 4) % 2 : null;
      const body = { email, roles: ['user'] };
      if (limit !== null) body.session_limit = limit;
      must(await owner.post(`/api/v1/subscribers/${s.id}/users`, body), 202, 'user invited');
      s.persons.push({ email, limit });
    }
  });
  const users = subs.flatMap((s) => s.persons.slice(1));
  await signIn(users);
  const people = subs.flatMap((s) => s.persons);
  log(`${users.length} users signed in (${((performance.now() - t0) / 1000).toFixed(1)} s)`);

  // The areas are made by the server's job runner calling the backend.
  const ids = subs.map((s) => s.area).join(',');
  for (let tries = 0; ; tries++) {
    const st = await query(db, `SELECT state, COUNT(*) FROM areas WHERE id IN (${ids}) GROUP BY state`);
    const by = Object.fromEntries(st.map(([s, n]) => [s, Number(n)]));
    if (!by.creating) {
      if ((by.ready || 0) !== N) throw new Error(`areas not ready: ${JSON.stringify(by)}`);
      break;
    }
    if (tries > 600) throw new Error(`areas still creating after 120 s: ${JSON.stringify(by)}`);
    await sleep(200);
  }
  // Each subscriber's limit is its tariff's (the trial stops counting).
  await pool(C, subs, async (s) => {
    const e = must(await P.owner.get(`/api/v1/subscribers/${s.id}/entitlement`), 200, 'entitlement');
    if (e.sessions !== s.k) throw new Error(`subscriber ${s.id}: ${e.sessions} sessions, expected ${s.k}`);
  });
  const secs = (performance.now() - t0) / 1000;
  log(`world ready: ${N} subscribers, ${people.length} persons, ${N} areas in ${secs.toFixed(1)} s`);
  return { subs, secs };
}

// ---------------------------------------------------------------- the load

async function runLoad(server, subs) {
  const seconds = num('LOAD_SECONDS', 60);
  const conns = num('LOAD_CONNS', 64);
  const maxWindows = Math.max(1, num('LOAD_WINDOWS', 32));
  const abandonShare = num('LOAD_ABANDON', 0.1);
  const idleMs = 30_000;                   // the server's --app-idle-seconds
  const secret = env.LOAD_SECRET;
  const stats = new Stats();
  const refusals = { subscriber: 0, user: 0 };
  let admitted = 0;
  let abandoned = 0;
  let late = 0;
  let leftOpen = 0;

  async function signed(method, path) {
    const res = await fetch(server.url + path, { method, headers: sign(secret, APP, method, path, '') });
    const type = res.headers.get('content-type') || '';
    return { status: res.status, body: type.includes('json') ? await res.json() : await res.text() };
  }

  // One virtual user: one keep-alive connection's worth of requests, one at a time. It keeps up
  // to LOAD_WINDOWS application windows open, as a backend serving many pages would: each step
  // either opens a new window (a random subscriber and person; more likely the fewer are open)
  // or takes the next step of its oldest window (a heartbeat, then the close or the
  // abandonment). With LOAD_WINDOWS=1 it opens, beats and closes one session after another.
  const t0 = performance.now();
  const until = t0 + seconds * 1000;
  async function vu() {
    const windows = [];                    // FIFO: {id, path, person, beats, sent}
    while (performance.now() < until) {
      try {
        // Open with the odds of a free window slot, or at once when none is open; the oldest
        // window comes first anyway once it has waited a third of the idle time.
        const now = performance.now();
        if (!windows.length || (windows.length < maxWindows && Math.random() >= windows.length / maxWindows &&
            now - windows[0].sent < idleMs / 3)) {
          const s = subs[rand(subs.length)];
          const p = s.persons[rand(s.persons.length)];
          const sent = performance.now();
          const r = await timed(stats, 'open', p.client.post('/api/v1/sessions', { area: s.area }));
          if (r.status === 409 && r.body.code === 'limit_exceeded') {
            refusals[r.body.limit] = (refusals[r.body.limit] || 0) + 1;
          } else if (r.status !== 201) {
            stats.error('open', r.status, r.body);
          } else {
            admitted++;
            windows.push({ id: r.body.id, path: `/api/v1/sessions/${r.body.id}`, person: p, beats: rand(4), sent });
          }
          continue;
        }
        const w = windows.shift();
        const sent = performance.now();
        if (w.beats > 0) {
          w.beats--;
          const h = await timed(stats, 'heartbeat', signed('POST', `${w.path}/heartbeat`));
          if (h.status === 200 && h.body.state === 'open') {
            w.sent = sent;
            windows.push(w);
          } else if (h.status === 409 && h.body.state === 'expired' && sent - w.sent >= idleMs) {
            late++;                        // not seen for the idle time: expired, as it should
          } else {
            stats.error('heartbeat', h.status, h.body);
          }
        } else if (Math.random() < abandonShare) {
          abandoned++;                     // the window died: the slot frees itself after the idle time
        } else if (Math.random() < 0.5) {
          const d = await timed(stats, 'close (signed)', signed('DELETE', w.path));
          if (d.status !== 204) stats.error('close (signed)', d.status, d.body);
        } else {
          const d = await timed(stats, 'close (person)', w.person.client.del(w.path));
          if (d.status !== 204) stats.error('close (person)', d.status, d.body);
        }
      } catch (e) {
        stats.error('request', 'fetch', e.message);
        await sleep(10);                   // the server is gone or refusing: do not spin
      }
    }
    leftOpen += windows.length;
  }
  const ticker = setInterval(() => {
    const t = (performance.now() - t0) / 1000;
    log(`${t.toFixed(0)} s: ${stats.count('open')} opens, ${admitted} admitted, ` +
      `${refusals.subscriber + refusals.user} refused, ${[...stats.errors.values()].reduce((a, b) => a + b, 0)} errors`);
  }, 10_000);
  await Promise.all(Array.from({ length: conns }, vu));
  clearInterval(ticker);
  const wall = (performance.now() - t0) / 1000;

  let total = 0;
  const kinds = [];
  const order = ['open', 'heartbeat', 'close (signed)', 'close (person)'];
  const rank = (x) => (order.indexOf(x) + 1 || order.length + 1);
  for (const [kind, k] of [...stats.kinds].sort((a, b) => rank(a[0]) - rank(b[0]))) {
    k.ms.sort((a, b) => a - b);
    total += k.n;
    kinds.push({ kind, n: k.n, rps: k.n / wall, p50: pct(k.ms, 50), p99: pct(k.ms, 99), max: k.ms[k.ms.length - 1] });
  }
  const errors = Object.fromEntries(stats.errors);
  const nerr = Object.values(errors).reduce((a, b) => a + b, 0);

  console.log(`\nload: ${conns} connections, ${wall.toFixed(1)} s, ${subs.length} subscribers, ` +
    `${subs.reduce((a, s) => a + s.persons.length, 0)} persons`);
  console.log(`  ${'kind'.padEnd(16)} ${'requests'.padStart(9)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'max ms'.padStart(8)}`);
  for (const k of kinds) {
    console.log(`  ${k.kind.padEnd(16)} ${String(k.n).padStart(9)} ${k.rps.toFixed(1).padStart(8)} ` +
      `${k.p50.toFixed(1).padStart(8)} ${k.p99.toFixed(1).padStart(8)} ${k.max.toFixed(1).padStart(8)}`);
  }
  console.log(`  ${'all'.padEnd(16)} ${String(total).padStart(9)} ${(total / wall).toFixed(1).padStart(8)}`);
  const opens = stats.count('open');
  console.log(`  opens: ${admitted} admitted (201), ${refusals.subscriber} refused at the subscriber's limit, ` +
    `${refusals.user} at a user's limit (409 limit_exceeded; ${(100 * (refusals.subscriber + refusals.user) / Math.max(1, opens)).toFixed(1)}% of opens)`);
  console.log(`  windows per connection: up to ${maxWindows}; admitted sessions abandoned to expire: ${abandoned}; ` +
    `left open when the load stopped: ${leftOpen}` +
    `${late ? `; ${late} windows found expired after ${idleMs / 1000} s without a heartbeat` : ''}`);
  const cpu = process.cpuUsage();
  console.log(`  the load generator used ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s of CPU in all (world building included)`);
  console.log(`  errors: ${nerr}${nerr ? '' : ' (every answer was 201/409 limit_exceeded, 200 or 204)'}`);
  for (const [key, n] of Object.entries(errors)) console.log(`    ${String(n).padStart(6)}  ${key}`);
  for (const s of stats.samples) console.log(`    e.g. ${s}`);
  return { admitted, abandoned, leftOpen, late, refusals, errors: nerr, kinds, wall };
}

// ---------------------------------------------------------------- the replay

async function replay() {
  const db = env.LOAD_DB;
  const stats = env.LOAD_STATS && existsSync(env.LOAD_STATS) ? JSON.parse(readFileSync(env.LOAD_STATS, 'utf8')) : null;
  const rows = await query(db, 'SELECT subscriber_id, id, session_id, person_id, event, ' +
    'COALESCE(session_limit, -1), COALESCE(user_limit, -1) FROM session_history ORDER BY subscriber_id, id');
  const table = await query(db, 'SELECT id, subscriber_id, person_id, CASE WHEN closed_at IS NULL THEN 0 ELSE 1 END ' +
    'FROM app_sessions');
  const problems = [];
  const problem = (m) => { if (problems.length < 20) problems.push(m); problems.n = (problems.n || 0) + 1; };

  const bySub = new Map();   // subscriber -> {limits: Set, admissions, high, reached, exceeded}
  const byLimit = new Map(); // limit -> {subs: Set, admissions, high, reachedSubs: Set, exceeded}
  const userLimits = new Map(); // user limit -> {admissions, high, exceeded}
  const seen = new Map();    // session -> {sub, person, state: 'open' | 'ended'}
  const events = { open: 0, close: 0, expire: 0 };
  let cur = null;
  let open = 0;
  let perPerson = new Map();
  for (const [sub, , session, person, event, limitText, userText] of rows) {
    if (sub !== cur) { cur = sub; open = 0; perPerson = new Map(); }
    events[event] = (events[event] || 0) + 1;
    const limit = Number(limitText);
    const userLimit = Number(userText);
    const x = seen.get(session);
    if (event === 'open') {
      if (x) { problem(`session ${session} opened twice`); continue; }
      seen.set(session, { sub, person, state: 'open' });
      open++;
      const mine = (perPerson.get(person) || 0) + 1;
      perPerson.set(person, mine);
      let L = byLimit.get(limit);
      if (!L) byLimit.set(limit, L = { subs: new Set(), admissions: 0, high: 0, reached: new Set(), exceeded: 0 });
      L.subs.add(sub);
      L.admissions++;
      L.high = Math.max(L.high, open);
      if (limit < 0) problem(`session ${session} admitted with no subscriber limit recorded`);
      else if (open > limit) { L.exceeded++; problem(`subscriber ${sub}: ${open} open after admitting session ${session} against a limit of ${limit}`); }
      else if (open === limit) L.reached.add(sub);
      if (userLimit >= 0) {
        let U = userLimits.get(userLimit);
        if (!U) userLimits.set(userLimit, U = { admissions: 0, high: 0, reached: new Set(), exceeded: 0 });
        U.admissions++;
        U.high = Math.max(U.high, mine);
        if (mine > userLimit) { U.exceeded++; problem(`person ${person}: ${mine} open after admitting session ${session} against their limit of ${userLimit}`); }
        else if (mine === userLimit) U.reached.add(person);
      }
      let S = bySub.get(sub);
      if (!S) bySub.set(sub, S = new Set());
      S.add(limit);
    } else if (event === 'close' || event === 'expire') {
      if (!x) { problem(`session ${session} ${event}d before it was opened`); continue; }
      if (x.state !== 'open') { problem(`session ${session} ${event}d while not open`); continue; }
      if (x.sub !== sub || x.person !== person) problem(`session ${session}: ${event} row names another subscriber or person`);
      x.state = 'ended';
      open--;
      perPerson.set(person, perPerson.get(person) - 1);
    } else {
      problem(`unknown event ${event}`);
    }
  }
  for (const [sub, limits] of bySub) {
    if (limits.size > 1) problem(`subscriber ${sub}: admissions against several limits ${[...limits].join(', ')}`);
  }
  // The history agrees with the sessions table.
  let stillOpen = 0;
  for (const [id, sub, person, closed] of table) {
    const x = seen.get(id);
    if (!x) { problem(`session ${id} has no 'open' row in the history`); continue; }
    if (x.sub !== sub || x.person !== person) problem(`session ${id}: the history names another subscriber or person`);
    if ((x.state === 'open') !== (closed === '0')) problem(`session ${id}: history says ${x.state}, the table says ${closed === '0' ? 'open' : 'closed'}`);
    if (x.state === 'open') stillOpen++;
  }
  if (table.length !== seen.size) problem(`${table.length} sessions in app_sessions, ${seen.size} in the history`);
  // The history agrees with what the clients were told.
  if (stats) {
    if (stats.admitted !== events.open) problem(`the clients got ${stats.admitted} admissions (201), the history has ${events.open}`);
    const want = new Map(stats.limits.map(([id, k]) => [String(id), k]));
    for (const [sub, limits] of bySub) {
      const k = want.get(sub);
      if (k !== undefined && !limits.has(k)) problem(`subscriber ${sub}: limit ${[...limits]} recorded, its tariff has ${k}`);
    }
  }

  console.log(`\nreplay of session_history (database order per subscriber): ${rows.length} events ` +
    `(${events.open} open, ${events.close} close, ${events.expire} expire), ${seen.size} sessions, ` +
    `${stillOpen} still open at the end`);
  console.log(`  ${'limit'.padStart(5)} ${'subscribers'.padStart(11)} ${'admissions'.padStart(10)} ${'reached'.padStart(7)} ${'highest'.padStart(7)}  result`);
  let exceeded = 0;
  for (const limit of [...byLimit.keys()].sort((a, b) => a - b)) {
    const L = byLimit.get(limit);
    exceeded += L.exceeded;
    console.log(`  ${String(limit < 0 ? 'none' : limit).padStart(5)} ${String(L.subs.size).padStart(11)} ` +
      `${String(L.admissions).padStart(10)} ${String(L.reached.size).padStart(7)} ${String(L.high).padStart(7)}  ` +
      `${L.exceeded ? `EXCEEDED ${L.exceeded} times` : 'OK'}`);
  }
  for (const limit of [...userLimits.keys()].sort((a, b) => a - b)) {
    const U = userLimits.get(limit);
    exceeded += U.exceeded;
    console.log(`  user limit ${limit}: ${U.admissions} admissions, ${U.reached.size} persons reached it, ` +
      `highest ${U.high} per person  ${U.exceeded ? `EXCEEDED ${U.exceeded} times` : 'OK'}`);
  }
  console.log('  (reached: subscribers whose concurrent count stood at the limit at some admission; ' +
    'highest: the most sessions open at once after any admission)');
  if (problems.n) {
    console.log(`  ${problems.n} problem(s):`);
    for (const p of problems) console.log(`    ${p}`);
  }
  const inconsistent = (problems.n || 0) - exceeded;
  console.log(`replay: ${exceeded ? `FAILED: ${exceeded} admissions over a limit` : 'no admission exceeded its limit'}` +
    `${inconsistent > 0 ? `; ${inconsistent} inconsistencies` : '; the history is consistent'}`);
  return problems.n ? 1 : 0;
}

// ---------------------------------------------------------------- the server's log

/** Summarises the server's stderr (one JSON line per request and event): answers by route
 * and status, 5xx, and every line above info. Returns 1 when any answer was 5xx. */
function serverLog(file) {
  const routes = new Map();
  const notes = new Map();
  const samples = [];
  let lines = 0;
  let fivexx = 0;
  let jobsFailed = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    lines++;
    let o;
    try { o = JSON.parse(line); } catch { o = { level: 'text', msg: line }; }
    if (o.msg === 'request') {
      const key = `${o.method} ${o.route}`;
      let r = routes.get(key);
      if (!r) routes.set(key, r = { n: 0, status: new Map(), us: [] });
      r.n++;
      r.status.set(o.status, (r.status.get(o.status) || 0) + 1);
      r.us.push(o.us || 0);
      if (o.status >= 500) { fivexx++; if (samples.length < 10) samples.push(line); }
    } else if (o.msg === 'job' && o.result !== 'ok') {
      jobsFailed++;
      if (samples.length < 10) samples.push(line);
    }
    if (o.level !== 'info' && o.level !== 'debug') {
      const key = `${o.level}: ${String(o.msg).slice(0, 100)}`;
      notes.set(key, (notes.get(key) || 0) + 1);
      if (samples.length < 10) samples.push(line.slice(0, 400));
    }
  }
  console.log(`\nserver log: ${lines} lines; answers by route (the whole run, world building included), ` +
    'and the server\'s own time (ms):');
  console.log(`  ${'requests'.padStart(8)}  ${'route'.padEnd(46)} ${'p50'.padStart(6)} ${'p99'.padStart(6)} ${'max'.padStart(6)}  statuses`);
  for (const [key, r] of [...routes].sort((a, b) => b[1].n - a[1].n)) {
    const st = [...r.status].sort((a, b) => a[0] - b[0]).map(([c, n]) => `${c}:${n}`).join(' ');
    r.us.sort((a, b) => a - b);
    const ms = (p) => (pct(r.us, p) / 1000).toFixed(1).padStart(6);
    console.log(`  ${String(r.n).padStart(8)}  ${key.padEnd(46)} ${ms(50)} ${ms(99)} ${ms(100)}  ${st}`);
  }
  console.log(`  5xx answers: ${fivexx}; failed job runs: ${jobsFailed}; lines above info: ` +
    `${[...notes.values()].reduce((a, b) => a + b, 0)}`);
  for (const [key, n] of notes) console.log(`    ${String(n).padStart(6)}  ${key}`);
  for (const l of samples) console.log(`    e.g. ${l}`);
  return fivexx ? 1 : 0;
}

// ---------------------------------------------------------------- main

async function main() {
  const mode = process.argv[2];
  if (mode === 'replay') return replay();
  if (mode === 'log' && process.argv[3]) return serverLog(process.argv[3]);
  if (mode !== 'load') {
    console.error('usage: node bench/sessions_load.mjs load | replay | log FILE   (see bench/sessions_load.sh)');
    return 2;
  }
  for (const v of ['LOAD_URL', 'LOAD_DB', 'LOAD_BACKEND_URL', 'LOAD_SECRET', 'LOAD_ADMIN_EMAIL', 'LOAD_ADMIN_PASSWORD']) {
    if (!env[v]) throw new Error(`${v} is not set (run bench/sessions_load.sh)`);
  }
  const server = { url: env.LOAD_URL, fetch: (p, o) => fetch(env.LOAD_URL + p, o) };
  const { subs, secs } = await buildWorld(server);
  const res = await runLoad(server, subs);
  if (env.LOAD_STATS) {
    writeFileSync(env.LOAD_STATS, JSON.stringify({
      ...res, build_seconds: secs, limits: subs.map((s) => [s.id, s.k]),
    }));
  }
  return res.errors ? 1 : 0;
}

main().then((rc) => { process.exitCode = rc; }, (e) => {
  console.error(`load: error: ${e.stack || e.message}`);
  process.exitCode = 1;
});
