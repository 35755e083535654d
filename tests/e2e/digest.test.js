// The Monday digest (R-NOT-2; the guide: «Каждый понедельник приходит рассылка
// пользователям партнера с правами «Оператор обслуживающей организации»»).
// One server (its runner off: the test runs the job by hand, as
// `oblako jobs run digest`), one story on the test clock, which only goes
// forward: Sunday 7 March 2027 → Monday 8 March → Monday 15 March → Tuesday 16.
// The windows, inclusive, from the Monday M: "ending" is L in [M, M+14],
// "ended" is L in [M−14, M−1]. The ends of access are written into
// access_ends directly (the reminders part keeps them from subscriptions).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Client, provisionedDb } from './lib/session.js';
import { raw, query } from './lib/db.js';
import { newPartner, uniqueEmail } from './lib/accounts.js';
import { expect } from './lib/expect.js';
import { startServer, runCli, bin, repoRoot } from './lib/server.js';

let ctx;
let A, B, C;                 // partners: A has the list, B another tenant, C nothing to say
let opA, opAen, consA, goneA, opB, opC;
const clients = {};          // name → {id, code}
const sq = (s) => `'${String(s).replace(/'/g, "''")}'`;

async function clock(now) {
  const req = () => ctx.s.fetch('/api/v1/test/clock', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ now }),
  });
  // The server closes a keep-alive connection idle for 10 s (--head-timeout-seconds); the job
  // runs between two moves of the clock may take that long: a closed connection is tried again.
  const r = await req().catch(req);
  assert.equal(r.status, 200, await r.text());
}

const jobArgs = (extra = []) => ['jobs', 'run', 'digest', '--db', ctx.db, '--test-clock', ...extra];
function runDigest(extra) {
  const r = runCli(jobArgs(extra));
  assert.equal(r.status, 0, r.stderr);
  return r.stdout + r.stderr;
}
/** A run in the background: resolves with {code, err}. */
function runDigestAsync() {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, jobArgs(), { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => { err += d; });
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, err }));
  });
}

/** The digests mailed to `email`, oldest first: [{subject, text, html, lang}] (one query:
 * the bodies' line ends travel as ¶). */
function digestsTo(email) {
  const nl = (col) => `REPLACE(${col}, '\n', '¶')`;
  return query(ctx.db, `SELECT lang, subject, ${nl('body_text')}, ${nl('body_html')} FROM outbox
                        WHERE template = 'partner_digest' AND to_addr = ${sq(email)} ORDER BY id`)
    .map(([lang, subject, text, html]) => ({ lang, subject, text: text.replaceAll('¶', '\n'), html: html.replaceAll('¶', '\n') }));
}
const allDigests = () => Number(query(ctx.db, "SELECT COUNT(*) FROM outbox WHERE template = 'partner_digest'")[0][0]);

async function client(p, name) {
  const r = await p.owner.post('/api/v1/subscribers', { name, owner_email: uniqueEmail('owner') });
  expect(r, 201);
  clients[name] = { id: r.body.id, code: String(r.body.code) };
  return r.body.id;
}

/** Employees written as accepted invitations leave them: recipients only (nobody signs in
 * here, so no password is hashed). specs: [[partner, roles, lang]]; one statement for all
 * (each command line costs). Returns [{person, email}] in order. */
function employees(specs) {
  const people = specs.map(([p, roles, lang = 'ru']) => ({ p, roles, lang, email: uniqueEmail('emp') }));
  raw(ctx.db, people.map((e) => `INSERT INTO persons (email, name, lang, created_at, updated_at)
      VALUES (${sq(e.email)}, '', ${sq(e.lang)}, 0, 0);
    INSERT INTO memberships (person_id, account_id, roles, created_at)
      SELECT id, ${e.p.id}, ${sq(e.roles)}, 0 FROM persons WHERE email = ${sq(e.email)};`).join('\n'));
  const ids = new Map(query(ctx.db, `SELECT email, id FROM persons WHERE email IN (${people.map((e) => sq(e.email)).join(', ')})`));
  return people.map((e) => ({ person: ids.get(e.email), email: e.email }));
}

/** Each client's one end of access, in place of what the subscription engine keeps for it
 * (its trial from onboarding), so the edges are set exactly: [[subscriber, chain, L]]. */
function ends(rows) {
  raw(ctx.db, rows.map(([sub, chain, last]) => `DELETE FROM access_ends WHERE subscriber_id = ${sub};
    INSERT INTO access_ends (subscriber_id, chain, end_key, last_day, updated_at)
      VALUES (${sub}, ${sq(chain)}, ${sq(last)}, ${sq(last)}, 0);`).join('\n'));
}

before(async () => {
  const env = await provisionedDb('digest');
  const s = await startServer({ db: env.db, jobs: false });
  ctx = { s, env, db: env.db };
  await clock('2027-03-07T12:00:00+03:00');      // a Sunday (sessions start after the clock moved)
  ctx.admin = new Client(s);
  expect(await ctx.admin.login(env.email, env.password), 200);
  [A, B, C] = [await newPartner(ctx), await newPartner(ctx), await newPartner(ctx)];
  [opA, opAen, consA, goneA, opB, opC] = employees([
    [A, 'operator'], [A, 'consultant,operator', 'en'], [A, 'consultant'], [A, 'operator'],
    [B, 'operator'], [C, 'operator']]);
  expect(await A.owner.del(`/api/v1/partners/${A.id}/employees/${goneA.person}`), 204);
  // Monday M = 2027-03-08. A's clients, each at an edge of a window.
  ends([
    [await client(A, 'ООО Через14'), 'ITSaaS-PROF', '2027-03-22'],     // M+14: in
    [await client(A, 'ООО Через15'), 'ITSaaS-PROF', '2027-03-23'],     // M+15: out
    [await client(A, 'ООО Сегодня'), 'trial', '2027-03-08'],            // M: in, 0 days left
    [await client(A, 'ООО Вчера'), 'ITSaaS-PROF', '2027-03-07'],       // M−1: ended 1 day ago
    [await client(A, 'ООО Назад14'), 'ITSaaS-PROF', '2027-02-22'],     // M−14: in
    [await client(A, 'ООО Назад15'), 'ITSaaS-PROF', '2027-02-21'],     // M−15: out
    [await client(B, 'ООО Чужой'), 'ITSaaS-PROF', '2027-03-10'],       // B's client
  ]);
});

after(async () => { assert.equal(await ctx.s.stop(), 0); });

test('R-OPS-3: `oblako jobs list` shows the digest before it ever ran', () => {
  const r = runCli(['jobs', 'list', '--db', ctx.db]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^digest +last period - +never ran\n +on Mondays, mail each partner's operators/m);
});

test('R-NOT-2: on a Sunday the job sends nothing', () => {
  assert.match(runDigest(), /not a Monday/);
  assert.equal(allDigests(), 0);
});

test('R-NOT-2: on Monday each operator of A gets one digest with the ends in [M−14, M+14], in their language; nobody else', async () => {
  await clock('2027-03-08T09:00:00+03:00');
  runDigest();
  const [ru] = digestsTo(opA.email);
  assert.ok(ru, 'the operator got the digest');
  assert.equal(ru.lang, 'ru');
  assert.equal(digestsTo(opA.email).length, 1);
  const esc = (t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const c = (n) => esc(`«${n}» (код ${clients[n].code})`);
  // The edges, inclusive: M+14 and M−14 in, M+15 and M−15 out; M itself is "ending", M−1 "ended".
  assert.match(ru.text, new RegExp(`- ${c('ООО Через14')}, 1С:ИТС ПРОФ в облаке: доступ по 22\\.03\\.2027 включительно, осталось дней: 14`));
  assert.match(ru.text, new RegExp(`- ${c('ООО Сегодня')}, Пробный период: доступ по 08\\.03\\.2027 включительно, осталось дней: 0`));
  assert.match(ru.text, new RegExp(`- ${c('ООО Вчера')}, 1С:ИТС ПРОФ в облаке: доступ был по 07\\.03\\.2027 включительно, прошло дней: 1`));
  assert.match(ru.text, new RegExp(`- ${c('ООО Назад14')}, 1С:ИТС ПРОФ в облаке: доступ был по 22\\.02\\.2027 включительно, прошло дней: 14`));
  for (const out of ['ООО Через15', 'ООО Назад15', 'ООО Чужой']) assert.ok(!ru.text.includes(out), `${out} is not in A's digest`);
  assert.match(ru.text, /ближайшие 14 дней \(2\):\n- «ООО Сегодня»[^\n]*\n[^\n]*\n- «ООО Через14»/, 'ending: soonest first');
  assert.match(ru.text, /последние 14 дней \(2\):\n- «ООО Назад14»[^\n]*\n[^\n]*\n- «ООО Вчера»/, 'ended: by date');
  assert.ok(ru.text.includes(`/subscribers/${clients['ООО Через14'].id}`), 'a link to the client card');
  assert.ok(ru.html.includes(`<a href="http://127.0.0.1:8080/subscribers/${clients['ООО Вчера'].id}">ООО Вчера</a>`));
  const [en] = digestsTo(opAen.email);
  assert.equal(en.lang, 'en');
  assert.match(en.text, /access through 22 Mar 2027, days left: 14/);
  assert.match(en.subject, /week of 8 Mar 2027/);
  // Operators only: not the owner (no operator role), a consultant, nor a removed operator.
  for (const who of [A.email, consA.email, goneA.email]) assert.equal(digestsTo(who).length, 0, who);
  // Tenant isolation: B's operator sees only B's client.
  const [b] = digestsTo(opB.email);
  assert.match(b.text, /ООО Чужой/);
  for (const n of Object.keys(clients).filter((n) => n !== 'ООО Чужой')) assert.ok(!b.text.includes(n), n);
  // C has nothing to say: no digest (the setting is off).
  assert.equal(digestsTo(opC.email).length, 0);
  const ev = query(ctx.db, `SELECT data FROM events WHERE kind = 'partner.digest' AND partner_id = ${A.id}`);
  assert.deepEqual(ev.map(([d]) => JSON.parse(d)), [{ monday: '2027-03-08', ending: 2, ended: 2 }]);
});

test('R-NOT-2: run again on the same Monday: nothing more; with --digest-when-empty only the empty one goes', () => {
  const before = allDigests();
  runDigest();
  assert.equal(allDigests(), before);
  runDigest(['--digest-when-empty']);
  assert.equal(allDigests(), before + 1);
  const [c] = digestsTo(opC.email);
  assert.match(c.text, /ближайшие 14 дней \(0\):\n- нет\n/);
  assert.match(c.text, /последние 14 дней \(0\):\n- нет\n/);
});

test('R-NOT-2: two runs at once on the next Monday make one digest per operator', async () => {
  await clock('2027-03-15T09:00:00+03:00');
  const before = digestsTo(opA.email).length;
  const runs = await Promise.all([runDigestAsync(), runDigestAsync()]);
  // Each run either makes what is not made yet, or finds the job's lease held by the other
  // and stops (exit 1): never an error of another kind, and at least one ran.
  for (const r of runs) assert.ok(r.code === 0 || /job 'digest' is running on another node/.test(r.err), r.err);
  assert.ok(runs.some((r) => r.code === 0));
  assert.equal(digestsTo(opA.email).length, before + 1);
  assert.equal(digestsTo(opB.email).length, 2);
  const [[n]] = query(ctx.db, `SELECT COUNT(*) FROM digests WHERE partner_id = ${A.id} AND monday = '2027-03-15'`);
  assert.equal(n, '1');
  // M = 2027-03-15: 22 March is 7 days ahead, 7 March ended 8 days ago, 22 Feb (M−21) is out.
  const last = digestsTo(opA.email).at(-1).text;
  assert.match(last, /ООО Через14[^\n]*осталось дней: 7/);
  assert.match(last, /ООО Вчера[^\n]*прошло дней: 8/);
  assert.ok(!last.includes('ООО Назад14'));
});

test('R-NOT-2: on a Tuesday nothing is sent, not even a missed Monday', async () => {
  await clock('2027-03-16T09:00:00+03:00');
  const before = allDigests();
  assert.match(runDigest(), /not a Monday/);
  assert.equal(allDigests(), before);
});
