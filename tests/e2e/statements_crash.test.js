// The statement run survives being killed (issue 12 item 6, R-OPS-3): a month
// big enough that a run lasts seconds is drafted by `oblako jobs run
// statements` while its process is killed with SIGKILL mid-run, again and
// again; each new process takes the run over where it stopped (its node's
// process is gone). Progress is read from outside, in the database, while it
// runs. Before each fresh run every statement is marked stale, so a partner a
// resumed run skipped would show; each finished run must come out as the
// clean run made it: the same content hash for every partner, every line once.
// OBLAKO_STATEMENTS_KILLS sets how many kills (5; tests/run.sh --full: 200).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { freshDbUrl, runCli, bin, repoRoot, engine } from './lib/server.js';
import { raw } from './lib/db.js';

const M = '2031-03';
const KILLS = Number(process.env.OBLAKO_STATEMENTS_KILLS || 5);
// Sized so that a run lasts 2 to 4 seconds on either engine: SQLite's time goes
// mostly to each partner's commit, PostgreSQL's to the lines.
const PARTNERS = engine === 'postgres' ? 100 : 200;
const PER_PARTNER = engine === 'postgres' ? 30 : 40; // subscribers
const PER_SUBSCRIBER = 4;         // subscriptions posted in M
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

/** Every partner's statement of M (partner, hash, lines, total due) and the lines in all. */
function outcome(db) {
  const rows = raw(db, `SELECT partner_id, content_hash, lines, total_due FROM statements WHERE month = '${M}' ORDER BY partner_id`);
  const lines = Number(raw(db, `SELECT COUNT(*) FROM statement_lines l JOIN statements s ON s.id = l.statement_id WHERE s.month = '${M}'`).trim());
  return { rows, lines };
}

/** The latest run of M as read from outside: {id, state, done, total}, or null. */
function lastRun(db) {
  const r = raw(db, `SELECT id, state, done, total FROM statement_runs WHERE month = '${M}' ORDER BY id DESC LIMIT 1`).trim();
  if (!r) return null;
  const [id, state, done, total] = r.split('\t');
  return { id: Number(id), state, done: Number(done), total: Number(total) };
}

function start(db) {
  const p = spawn(bin, ['jobs', 'run', 'statements', '--month', M, '--db', db], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  p.stderr.on('data', (c) => { err += c; });
  p.done = new Promise((res) => p.on('close', (code, signal) => res({ code, signal, err })));
  return p;
}

test(`R-OPS-3: a run killed ${KILLS} times mid-run comes out as a clean run`, { timeout: 60 * 60_000 }, async () => {
  const db = await freshDbUrl('statements_crash');
  assert.equal(runCli(['init', '--db', db]).status, 0);
  raw(db, BULK);
  // The clean run: what every run must come to.
  const clean = runCli(['jobs', 'run', 'statements', '--month', M, '--db', db]);
  assert.equal(clean.status, 0, clean.stderr);
  const want = outcome(db);
  assert.equal(want.lines, LINES, 'every line once');
  assert.equal(want.rows.trim().split('\n').length, PARTNERS);
  const stale = () => raw(db, `UPDATE statements SET content_hash = 'stale' WHERE month = '${M}'`);
  stale();
  let lastDone = 0;
  let runId = 0;
  let kills = 0;
  let runs = 0;
  while (kills < KILLS) {
    const p = start(db);
    // From outside: wait until the run has moved on since the last kill, and is not over.
    let r;
    let ended = null;
    p.done.then((x) => { ended = x; });
    for (;;) {
      r = lastRun(db);
      if (ended || (r && r.state === 'running' && r.id === runId && r.done > lastDone && r.done < r.total)) break;
      if (r && r.state === 'running' && r.id !== runId && r.done > 0 && r.done < r.total) break;
      await new Promise((res) => setTimeout(res, 5));
    }
    if (ended) {
      // it got to the end first: it must have made what the clean run made
      assert.equal(ended.code, 0, ended.err);
      assert.deepEqual(outcome(db), want, `run ${r.id} after ${kills} kills`);
      runs++;
      stale();
      runId = 0;
      lastDone = 0;
      continue;
    }
    runId = r.id;
    lastDone = r.done;
    p.kill('SIGKILL');
    const x = await p.done;
    assert.equal(x.signal, 'SIGKILL');
    kills++;
    // What a killed run leaves is whole: every statement's lines are its count.
    const torn = raw(db, `SELECT s.id FROM statements s WHERE s.month = '${M}' AND s.lines <> (SELECT COUNT(*) FROM statement_lines l WHERE l.statement_id = s.id)`).trim();
    assert.equal(torn, '', `kill ${kills}: statements torn`);
  }
  // The last run killed is taken over and finished by the next process.
  const last = runCli(['jobs', 'run', 'statements', '--month', M, '--db', db]);
  assert.equal(last.status, 0, last.stderr);
  assert.deepEqual(outcome(db), want);
  const r = lastRun(db);
  assert.deepEqual([r.state, r.done], ['done', r.total]);
  assert.ok(runs >= 0);
});
