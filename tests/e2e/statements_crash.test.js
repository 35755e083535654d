// The statement run survives being killed (issue 12 item 6, R-OPS-3): a month
// big enough that a run lasts seconds is drafted while the server is killed
// with SIGKILL mid-run, again and again; each restarted server takes the run
// over where it stopped. Each time, the statements must come out as a clean
// run makes them: the same content hash for every partner, every line once.
// OBLAKO_STATEMENTS_KILLS sets how many kills (5; tests/run.sh --full: 200).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup } from './lib/accounts.js';
import { startServer, engine } from './lib/server.js';
import { raw } from './lib/db.js';

const M = '2031-03';
const KILLS = Number(process.env.OBLAKO_STATEMENTS_KILLS || 5);
const PARTNERS = 100;
// Sized so that a run lasts 2 to 3 seconds on either engine: SQLite's time goes
// mostly to each partner's commit, PostgreSQL's to the lines.
const PER_PARTNER = engine === 'postgres' ? 25 : 40;  // subscribers
const PER_SUBSCRIBER = engine === 'postgres' ? 4 : 5; // subscriptions posted in M
const LINES = PARTNERS * PER_PARTNER * PER_SUBSCRIBER;
const MARCH = Math.floor(Date.parse('2031-03-02T00:00:00+03:00') / 1000);

// Bulk rows by SQL, the same text on both engines.
const BULK = `
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${PARTNERS})
INSERT INTO accounts (kind, name, created_at, updated_at) SELECT 'partner', 'Bulk partner ' || i, 0, 0 FROM n;
INSERT INTO partners (account_id, inn, phone, email)
SELECT id, '7707083893', '+7 495 000-00-00', 'bulk@partner.test' FROM accounts WHERE name LIKE 'Bulk partner %';
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${PARTNERS * PER_PARTNER})
INSERT INTO accounts (kind, name, created_at, updated_at) SELECT 'subscriber', 'ООО Клиент ' || i, 0, 0 FROM n;
INSERT INTO subscribers (account_id, code, partner_id)
SELECT a.id, 500000 + a.id, (SELECT MIN(id) FROM accounts WHERE name LIKE 'Bulk partner %') + a.id % ${PARTNERS}
FROM accounts a WHERE a.name LIKE 'ООО Клиент %';
WITH RECURSIVE k(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM k WHERE j < ${PER_SUBSCRIBER})
INSERT INTO subscriptions (subscriber_id, kind, tariff_id, tariff_version_id, partner_id, start, "end",
  term_months, quantity, price, discount_pct, discount_rule, amount_due, state, posted_at)
SELECT s.account_id, 'main', t.id, t.current_version_id, s.partner_id, '2031-03-01',
  CASE WHEN k.j % 2 = 0 THEN '2031-04-01' ELSE '2031-06-01' END, 1, 1, 247200 * k.j, 50,
  'later_renewal', 123600 * k.j, 'posted', ${MARCH} + k.j * 3600 + s.account_id
FROM subscribers s CROSS JOIN k JOIN tariffs t ON t.code = 'ITSaaS-PROF' AND t.partner_id IS NULL
WHERE s.code >= 500000;
`;

let ctx;
let server;
after(async () => { if (server) assert.equal(await server.stop(), 0); });

let token;                        // the provider admin's API token: no sign-in after each restart

async function api(method, p) {
  const r = await server.fetch(p, { method, headers: { authorization: `Bearer ${token}` } });
  return { status: r.status, body: await r.json() };
}

async function month() {
  const r = await api('GET', `/api/v1/statement-months/${M}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

async function startRun() {
  const r = await api('POST', `/api/v1/statement-months/${M}/runs`);
  assert.equal(r.status, 202, JSON.stringify(r.body));
  return r.body;
}

async function finish() {
  const run = await startRun();
  const deadline = Date.now() + 60_000;
  for (;;) {
    const m = await month();
    if (m.run.id >= run.id && m.run.state !== 'running') {
      assert.equal(m.run.state, 'done', JSON.stringify(m.run));
      return m;
    }
    assert.ok(Date.now() < deadline, JSON.stringify(m.run));
    await new Promise((res) => setTimeout(res, 50));
  }
}

/** Every partner's statement as partner id → [hash, lines, total due]. */
function outcome(db) {
  const rows = raw(db, `SELECT partner_id, content_hash, lines, total_due FROM statements WHERE month = '${M}' ORDER BY partner_id`);
  const lines = Number(raw(db, `SELECT COUNT(*) FROM statement_lines l JOIN statements s ON s.id = l.statement_id WHERE s.month = '${M}'`).trim());
  return { rows, lines };
}

test(`R-OPS-3: a run killed ${KILLS} times mid-run comes out as a clean run`, { timeout: 30 * 60_000 }, async () => {
  ctx = await setup('statements_crash');
  server = ctx.s;
  raw(ctx.db, BULK);
  const tok = await ctx.admin.post('/api/v1/tokens', { account: 1, roles: 'admin', name: 'crash test' });
  assert.equal(tok.status, 201, JSON.stringify(tok.body));
  token = tok.body.token;
  let runId = 0;
  let lastDone = 0;
  for (let k = 0; k < KILLS; k++) {
    const run = await startRun();
    if (run.id !== runId) { runId = run.id; lastDone = 0; }
    // Wait from outside until the run has moved on since the last kill, and is not over.
    let m;
    for (;;) {
      m = await month();
      if (m.run.id === runId && m.run.done > lastDone && m.run.done < m.run.total) break;
      if (m.run.state === 'done') break;   // it got to the end first: a new run next time
      await new Promise((res) => setTimeout(res, 5));
    }
    if (m.run.state === 'done') { runId = 0; continue; }
    lastDone = m.run.done;
    assert.equal(await server.stop('SIGKILL'), 137);
    server = await startServer({ db: ctx.db });
    // What a killed run leaves is whole: every statement's lines are its count.
    const torn = raw(ctx.db, `SELECT s.id FROM statements s WHERE s.month = '${M}' AND s.lines <> (SELECT COUNT(*) FROM statement_lines l WHERE l.statement_id = s.id)`).trim();
    assert.equal(torn, '', `kill ${k + 1}: statements torn`);
  }
  const taken = await finish();
  assert.equal(taken.run.done, taken.run.total);
  const crashed = outcome(ctx.db);
  assert.equal(crashed.lines, LINES, 'every line once');
  assert.equal(crashed.rows.trim().split('\n').length, PARTNERS);
  // A clean run over the same month: the same statements, hash for hash.
  await finish();
  assert.deepEqual(outcome(ctx.db), crashed);
});
