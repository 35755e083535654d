// The job runner: queued tasks run exactly once with retries and back-off;
// periodic jobs run once per period across nodes; the command line runs them
// by hand. Two servers share one database on both engines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, startServers, freshDbUrl, runCli } from './lib/server.js';
import { eventually, never } from './lib/wait.js';
import { enqueueNote, taskOf, metric, runnersPassed } from './lib/runner.js';

const post = (body) => ({
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
});

async function waitTask(s, id, pred) {
  return eventually(async () => {
    const t = await taskOf(s, id);
    assert.ok(pred(t), JSON.stringify(t));
    return t;
  }, { what: `task ${id} to reach the state` });
}

const enqueue = enqueueNote;

function runs(db, name) {
  const r = runCli(['jobs', 'runs', name, '--db', db]);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n').filter(Boolean).map((l) => {
    const [job, period, result, started, node, detail] = l.split('\t');
    return { job, period, result, started, node, detail };
  });
}

const promCount = metric;

/** How often each server's log says it ran job `name` for `period`, summed. */
const ranFor = (servers, name, period) => servers.reduce((n, s) => n + s.logs.filter((e) =>
  e && e.msg === 'job' && e.job === name && e.period === period).length, 0);

test('a task that fails is retried with back-off and its last error kept', async () => {
  const s = await startServer({ args: ['--jobs-interval-ms', '100'] });
  try {
    const retried = await enqueue(s, { note: 'retry me', fail_times: 2 });
    const permanent = await enqueue(s, { note: 'never', permanent: true });
    const exhausted = await enqueue(s, { note: 'too many', fail_times: 5, max_attempts: 2 });
    const t1 = await waitTask(s, retried, (t) => t.state === 'done');
    assert.equal(t1.attempts, 3);
    assert.equal(t1.notes, 1);
    assert.equal(t1.last_error, 'planned failure 2 of 2');
    const t2 = await waitTask(s, permanent, (t) => t.state === 'failed');
    assert.equal(t2.attempts, 1);
    assert.equal(t2.notes, 0);
    assert.equal(t2.last_error, 'permanent failure requested');
    const t3 = await waitTask(s, exhausted, (t) => t.state === 'failed');
    assert.equal(t3.attempts, 2);
    assert.equal(t3.last_error, 'planned failure 2 of 5');
    assert.equal(t3.notes, 0);
  } finally {
    assert.equal(await s.stop(), 0);
  }
});

test('enqueueing with the same unique key gives the same task', async () => {
  const s = await startServer({ jobs: false });
  try {
    const a = await enqueue(s, { note: 'once', unique_key: 'k-1' });
    const b = await enqueue(s, { note: 'once', unique_key: 'k-1' });
    assert.equal(a, b);
    const bad = await s.fetch('/api/v1/test/tasks', post({ note: 1 }));
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).field, 'note');
    const missing = await s.fetch('/api/v1/test/tasks/999999');
    assert.equal(missing.status, 404);
  } finally {
    assert.equal(await s.stop(), 0);
  }
});

test('two servers on one database: each queued task runs once, each period once', async () => {
  const db = await freshDbUrl('two');
  const [a, b] = await startServers(2, { db, args: ['--jobs-interval-ms', '50'] });
  try {
    // A fixed business day, after the daily job's 03:00 start.
    let r = await a.fetch('/api/v1/test/clock', post({ now: '2031-03-10T12:00:00+03:00' }));
    assert.equal(r.status, 200);
    const ids = [];
    for (let i = 0; i < 60; i++) ids.push(await enqueue(i % 2 ? a : b, { note: `n${i}` }));
    for (const id of ids) {
      const t = await waitTask(a, id, (x) => x.state === 'done');
      assert.equal(t.notes, 1, `task ${id} took effect ${t.notes} times`);
      assert.equal(t.attempts, 1);
    }
    const recorded = (period) => eventually(() => runs(db, 'prune').some((x) => x.period === period),
      { what: `the prune run of ${period} recorded` });
    const nextDay = async () => assert.equal((await a.fetch('/api/v1/test/clock', post({ advance: 86400 }))).status, 200);
    await recorded('2031-03-10');
    await nextDay();
    await recorded('2031-03-11');
    // No period runs twice. The signal that a second run would have happened by now: the
    // run of the next day is recorded. A node that ran a period a second time held the
    // job's lease while it did, so nobody could take it for the next day before it was done.
    await never(() => ['2031-03-10', '2031-03-11'].find((p) => ranFor([a, b], 'prune', p) > 1), {
      what: 'a second prune run of one period',
      until: async () => { await nextDay(); await recorded('2031-03-12'); },
    });
    const rows = runs(db, 'prune');
    for (const period of ['2031-03-10', '2031-03-11', '2031-03-12']) {
      assert.equal(rows.filter((x) => x.period === period).length, 1, period);
    }
    // The bodies ran exactly as often as runs were recorded, summed over both nodes.
    const re = /oblako_jobs_total\{kind="periodic",name="prune",result="ok"\} (\d+)/;
    const executed = (await promCount(a, re)) + (await promCount(b, re));
    assert.equal(executed, rows.length, JSON.stringify(rows));
    const done = /oblako_jobs_total\{kind="task",name="test.note",result="done"\} (\d+)/;
    assert.equal((await promCount(a, done)) + (await promCount(b, done)), 60);
  } finally {
    assert.equal(await a.stop(), 0);
    assert.equal(await b.stop(), 0);
  }
});

test('jobs by hand: list, run, runs, tasks; a second run does nothing new', async () => {
  const db = await freshDbUrl('cli');
  const s = await startServer({ db, jobs: false });
  const id = await enqueue(s, { note: 'by hand' });
  assert.equal(await s.stop(), 0);

  let r = runCli(['jobs', 'run', 'tasks', '--db', db, '--test-clock']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /ran 1 task/);
  r = runCli(['jobs', 'run', 'tasks', '--db', db, '--test-clock']);
  assert.match(r.stdout, /ran 0 tasks/);

  r = runCli(['jobs', 'run', 'prune', '--db', db]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^prune: deleted 0 tasks and 0 job records/);
  r = runCli(['jobs', 'list', '--db', db]);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^prune\s+last period/m);
  const rows = runs(db, 'prune');
  assert.equal(rows.length, 1);
  assert.match(rows[0].period, /^manual /);
  assert.equal(rows[0].result, 'ok');

  r = runCli(['jobs', 'run', 'nosuch', '--db', db]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /no job named 'nosuch'/);
  r = runCli(['jobs', 'frobnicate', '--db', db]);
  assert.equal(r.status, 2);

  const s2 = await startServer({ db, jobs: false });
  try {
    const t = await (await s2.fetch(`/api/v1/test/tasks/${id}`)).json();
    assert.equal(t.state, 'done');
    assert.equal(t.notes, 1);
  } finally {
    assert.equal(await s2.stop(), 0);
  }
});

test('an idle node asks for no lease of a period it knows is done: its commits do not grow with its job count', async () => {
  const s = await startServer({ args: ['--jobs-interval-ms', '20'] });
  try {
    const COMMITS = /^oblako_db_commits_total (\d+)/m;
    await runnersPassed([s]);         // the first tick's runs are over
    const before = await metric(s, COMMITS);
    // each pass is at least one whole tick: every periodic job's period is looked at before
    // the runner claims the pass's marker task
    const passes = 10;
    for (let i = 0; i < passes; i++) await runnersPassed([s]);
    const commits = (await metric(s, COMMITS)) - before;
    // The markers' own writes (enqueue, claim, completion) are 3 a pass: 20 were counted on
    // both engines. A lease asked for at every tick for every job whose period has begun
    // was a write transaction each, 12 or more a tick: the runner before this counted 538.
    // What may add to the markers' is a period turning meanwhile (a few 10-second jobs).
    assert.ok(commits < passes * 3 + 40, `${commits} commits in ${passes} passes of the runner`);
  } finally {
    assert.equal(await s.stop(), 0);
  }
});
