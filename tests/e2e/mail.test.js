// Mail delivery (R-NOT-4): what a delivered message looks like; messages
// wait in the outbox while the SMTP server is down and each arrives exactly
// once when it is back; a 4xx is retried, a 5xx fails the message for good;
// without --smtp-url mail waits unclaimed; two servers on one database send
// each message once. The mail comes from the real public route
// POST /api/v1/auth/password-reset. Runs on both engines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, startServers, freshDbUrl, runCli } from './lib/server.js';
import { startSink, parseMessage } from './lib/smtp.js';
import { eventually, never } from './lib/wait.js';
import { runnersPassed } from './lib/runner.js';

const ADMIN = 'admin@oblako.test';
const FROM = 'Облако <noreply@oblako.test>';
const post = (body) => ({
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
});

/** Rows of a SELECT from the server's database, as arrays of strings. */
function sql(db, query) {
  const out = db.startsWith('sqlite:')
    ? execFileSync('sqlite3', ['-separator', '\t', db.slice(7), query], { encoding: 'utf8' })
    : execFileSync('psql', [db, '-v', 'ON_ERROR_STOP=1', '-qAt', '-F', '\t', '-c', query],
      { encoding: 'utf8' });
  return out.split('\n').filter(Boolean).map((l) => l.split('\t'));
}

const outbox = (db) => sql(db, 'SELECT id, state, COALESCE(last_error, \'\'), message_id FROM outbox ORDER BY id')
  .map(([id, state, error, mid]) => ({ id: Number(id), state, error, mid }));
const task = (db, id) => {
  const [[state, attempts, error]] = sql(db, `SELECT state, attempts, COALESCE(last_error, '') FROM tasks WHERE unique_key = 'mail:${id}'`);
  return { state, attempts: Number(attempts), error };
};

/** The mail tasks that are not final yet (queued, or running an attempt). */
const mailUnfinished = (db) => sql(db, 'SELECT id, state FROM tasks WHERE unique_key LIKE \'mail:%\' '
  + 'AND state NOT IN (\'done\', \'failed\')');

/** A fresh database with the provider admin (who gets the mail). */
async function initDb(name) {
  const db = await freshDbUrl(name);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'oblako-mail-'));
  const pw = path.join(dir, 'pw');
  writeFileSync(pw, 'correct horse battery\n');
  const r = runCli(['init', '--db', db, '--admin-email', ADMIN, '--admin-password-file', pw, '--test-clock']);
  assert.equal(r.status, 0, r.stderr);
  return db;
}

const serverArgs = (sink) => ['--jobs-interval-ms', '50', '--mail-from', FROM,
  ...(sink ? ['--smtp-url', sink.url] : [])];

/** Ask for n reset links; past 5 per 15 minutes, the test clock moves on. */
async function resets(s, n, done = 0) {
  for (let i = done; i < done + n; i++) {
    if (i > 0 && i % 5 === 0) {
      const c = await s.fetch('/api/v1/test/clock', post({ advance: 901 }));
      assert.equal(c.status, 200);
    }
    const r = await s.fetch('/api/v1/auth/password-reset', post({ email: ADMIN }));
    assert.equal(r.status, 202);
  }
}

/** The parts of a multipart message, each parsed (text decoded). */
function parts(msg) {
  const m = /boundary="([^"]+)"/.exec(msg.headers['content-type']);
  assert.ok(m, `no boundary in ${msg.headers['content-type']}`);
  const pieces = msg.raw.split(`--${m[1]}`);
  assert.equal(pieces[pieces.length - 1].replace(/\r\n$/, ''), '--', 'closing boundary');
  return pieces.slice(1, -1).map((p) => parseMessage(p.replace(/^\r\n/, '')));
}

const ids = (messages) => messages.map((m) => m.headers['message-id']);

/**
 * Wait for n messages at the sink, and prove no more come: every mail task is final, and
 * then the runner of each server has finished a task enqueued after that (so no send it
 * had begun is still under way, and no final message was taken up again).
 */
async function exactly(sink, n, db, servers) {
  await sink.waitFor(n, 30_000);
  await never(() => sink.messages.length > n && `${sink.messages.length} messages, want ${n}`, {
    what: 'a message more than sent',
    until: async () => {
      await eventually(() => mailUnfinished(db).length === 0, { what: 'every mail task final', timeout: 30_000 });
      await runnersPassed(servers);
    },
  });
  assert.equal(new Set(ids(sink.messages)).size, n, 'a Message-ID arrived twice');
}

test('a delivered message: headers, encoded subject, both parts in UTF-8', async () => {
  const sink = await startSink();
  const db = await initDb('look');
  const s = await startServer({ db, args: serverArgs(sink) });
  try {
    await resets(s, 1);
    await exactly(sink, 1, db, [s]);
    const msg = sink.messages[0];
    const [row] = outbox(db);
    assert.equal(msg.from, 'noreply@oblako.test');
    assert.deepEqual(msg.to, [ADMIN]);
    assert.equal(msg.subject, 'Облако: новый пароль');
    assert.match(msg.raw, /^Subject: =\?UTF-8\?B\?/m, 'the subject goes as encoded words');
    assert.equal(msg.headers.from, 'Облако <noreply@oblako.test>');
    assert.match(msg.raw, /^From: =\?UTF-8\?B\?[^?]+\?= <noreply@oblako\.test>\r$/m);
    assert.equal(msg.headers.to, ADMIN);
    assert.equal(msg.headers['message-id'], row.mid);
    assert.match(row.mid, /^<[0-9a-f]{32}@127\.0\.0\.1>$/);
    assert.match(msg.headers.date, /^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d \+0000$/);
    assert.ok(Math.abs(Date.parse(msg.headers.date) - Date.now()) < 60_000, msg.headers.date);
    assert.equal(msg.headers['mime-version'], '1.0');
    assert.match(msg.headers['content-type'], /^multipart\/alternative; boundary="=_oblako_[0-9a-f]{32}"$/);
    // Every line ends in CRLF and stays short; base64 lines are 76.
    for (const line of msg.raw.replace(/\r\n$/, '').split('\r\n')) {
      assert.ok(!line.includes('\n'), 'a bare LF');
      assert.ok(line.length <= 78, `a line of ${line.length}: ${line}`);
    }
    const [text, html] = parts(msg);
    assert.equal(text.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(html.headers['content-type'], 'text/html; charset=utf-8');
    for (const p of [text, html]) {
      assert.equal(p.headers['content-transfer-encoding'], 'base64');
      const lines = p.body.trim().split('\r\n');
      assert.ok(lines.slice(0, -1).every((l) => l.length === 76), 'base64 lines of 76');
    }
    // a reset link says so: its page offers to keep the API tokens
    const link = /http:\/\/127\.0\.0\.1:8080\/password\?token=[A-Za-z0-9_-]+&reset=1/.exec(text.text);
    assert.ok(link, text.text);
    assert.match(text.text, /^Здравствуйте, /);
    assert.match(text.text, /\r\n/, 'text in canonical form');
    assert.ok(html.text.includes(`href="${link[0].replace('&', '&amp;')}"`), html.text);
    assert.match(html.text, /Задать новый пароль/);
    const [, state] = [row.id, row.state];
    assert.equal(state, 'sent');
    assert.deepEqual(task(db, row.id), { state: 'done', attempts: 1, error: '' });
  } finally {
    assert.equal(await s.stop(), 0);
    await sink.stop();
  }
});

test('while the SMTP server is down mail waits; then each message arrives once', async () => {
  const sink = await startSink();
  const db = await initDb('down');
  const s = await startServer({ db, args: serverArgs(sink) });
  try {
    await sink.stop();
    await resets(s, 5);
    // Every message has been tried and is waiting, with why.
    const waiting = await eventually(() => {
      const rows = outbox(db);
      return rows.length === 5 && rows.every((r) => r.state === 'queued' && r.error) && rows;
    }, { what: '5 attempts that failed', timeout: 30_000 });
    for (const r of waiting) {
      assert.match(r.error, /^smtp: .*(connect|Connection refused)/i, r.error);
      const t = task(db, r.id);
      // waiting: queued for its next attempt, or claimed for it this very moment
      assert.ok(['queued', 'running'].includes(t.state), t.state);
      assert.ok(t.attempts >= 1);
    }
    // and is tried again while the server stays down (back-off: the second attempt is 1 s on)
    await eventually(() => waiting.every((r) => task(db, r.id).attempts >= 2),
      { what: 'a second attempt at each message' });
    assert.ok(outbox(db).every((r) => r.state === 'queued'), 'still waiting');
    await sink.restart();
    await exactly(sink, 5, db, [s]);
    const rows = outbox(db);
    assert.ok(rows.every((r) => r.state === 'sent'), JSON.stringify(rows));
    assert.deepEqual(new Set(ids(sink.messages)), new Set(rows.map((r) => r.mid)));
    for (const r of rows) assert.equal(task(db, r.id).state, 'done');
  } finally {
    assert.equal(await s.stop(), 0);
    await sink.stop();
  }
});

test('a 451 is retried: the message arrives once, on the second attempt', async () => {
  const sink = await startSink();
  const db = await initDb('451');
  const s = await startServer({ db, args: serverArgs(sink) });
  try {
    sink.setMode('451-then-ok', { count: 1 });
    await resets(s, 1);
    await exactly(sink, 1, db, [s]);
    assert.equal(sink.rejected.length, 1);
    assert.equal(sink.rejected[0].code, 451);
    const [row] = outbox(db);
    assert.equal(row.state, 'sent');
    assert.equal(row.error, '');
    const t = task(db, row.id);
    assert.equal(t.state, 'done');
    assert.equal(t.attempts, 2);
    assert.match(t.error, /451 4\.7\.1 Temporarily unavailable/);
  } finally {
    assert.equal(await s.stop(), 0);
    await sink.stop();
  }
});

test('a 451 after the data is retried too', async () => {
  const sink = await startSink();
  const db = await initDb('451data');
  const s = await startServer({ db, args: serverArgs(sink) });
  try {
    sink.setMode('451-then-ok', { count: 2, phase: 'data' });
    await resets(s, 1);
    await exactly(sink, 1, db, [s]);
    assert.deepEqual(sink.rejected.map((r) => [r.code, r.phase]), [[451, 'data'], [451, 'data']]);
    const [row] = outbox(db);
    assert.equal(row.state, 'sent');
    assert.equal(task(db, row.id).attempts, 3);
  } finally {
    assert.equal(await s.stop(), 0);
    await sink.stop();
  }
});

for (const phase of ['rcpt', 'data']) {
  test(`a 550 at ${phase} fails the message for good, the answer kept`, async () => {
    const sink = await startSink();
    const db = await initDb(`550${phase}`);
    const s = await startServer({ db, args: serverArgs(sink) });
    try {
      sink.setMode('550', { phase });
      await resets(s, 1);
      const row = await eventually(() => {
        const [r] = outbox(db);
        return r && r.state === 'failed' && r;
      }, { what: 'a failed message', timeout: 30_000 });
      assert.match(row.error, /^smtp: 550 5\.1\.1 Mailbox unavailable/);
      // no further attempt: by the time the runner has done a task enqueued after the
      // failure, it would have taken the message up again
      await never(() => (sink.rejected.length > 1 || sink.messages.length > 0)
        && `${sink.rejected.length} rejected, ${sink.messages.length} delivered`,
      { what: 'a further attempt', until: () => runnersPassed([s]) });
      assert.equal(sink.rejected.length, 1);
      assert.equal(sink.messages.length, 0);
      const t = task(db, row.id);
      assert.equal(t.state, 'failed');
      assert.equal(t.attempts, 1);
      assert.equal(t.error, row.error);
    } finally {
      assert.equal(await s.stop(), 0);
      await sink.stop();
    }
  });
}

test('without --smtp-url mail waits unclaimed, and goes once a server can send it', async () => {
  const sink = await startSink();
  const db = await initDb('nourl');
  let s = await startServer({ db, args: serverArgs(null) });
  try {
    await resets(s, 2);
    // unclaimed: the runner takes the oldest due task first, so by the time it has done a
    // task enqueued after the mail, it would have taken the mail if it could send it
    await never(() => sql(db, 'SELECT id FROM tasks WHERE unique_key LIKE \'mail:%\' AND attempts > 0').length,
      { what: 'a mail task claimed without --smtp-url', until: () => runnersPassed([s]) });
    const rows = outbox(db);
    assert.equal(rows.length, 2);
    for (const r of rows) {
      assert.equal(r.state, 'queued');
      assert.deepEqual(task(db, r.id), { state: 'queued', attempts: 0, error: '' });
    }
    assert.equal(await s.stop(), 0);
    s = await startServer({ db, args: serverArgs(sink) });
    await exactly(sink, 2, db, [s]);
    assert.ok(outbox(db).every((r) => r.state === 'sent'));
  } finally {
    assert.equal(await s.stop(), 0);
    await sink.stop();
  }
});

test('two servers on one database: each of 20 messages arrives exactly once', async () => {
  const sink = await startSink();
  const db = await initDb('two');
  const [a, b] = await startServers(2, { db, args: serverArgs(sink) });
  try {
    // Alternate the servers the requests go to, 5 at a time (the reset limit).
    for (let i = 0; i < 4; i++) await resets(i % 2 ? b : a, 5, i * 5);
    await exactly(sink, 20, db, [a, b]);
    const rows = outbox(db);
    assert.equal(rows.length, 20);
    assert.ok(rows.every((r) => r.state === 'sent'));
    assert.deepEqual(new Set(ids(sink.messages)), new Set(rows.map((r) => r.mid)));
    const sent = (s) => s.logs.filter((e) => e && e.msg === 'mail sent').length;
    assert.equal(sent(a) + sent(b), 20);
  } finally {
    assert.equal(await a.stop(), 0);
    assert.equal(await b.stop(), 0);
    await sink.stop();
  }
});
