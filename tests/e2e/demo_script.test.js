// scripts/demo.sh, what `make demo` runs (issue 11 item 10): the logins come
// last, once the server answers, and are kept in var/demo-logins.txt; the
// requests of a visitor add no log line (the per-request line is at debug);
// the mail it cannot send is read with the command it prints. The demo is
// SQLite by design, so the script runs the same under either engine's run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { bin, runCli } from './lib/server.js';
import { cashbookBin, repoRoot } from './lib/app.js';
import { Client } from './lib/session.js';
import { eventually } from './lib/wait.js';

/** A port nobody listens on now. */
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

const MARK = '(these logins are kept in';

test('make demo: the logins come last and stay there; mail is read with oblako mail', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'oblako-demo-'));
  const [port, appPort] = [await freePort(), await freePort()];
  const env = { ...process.env, OBLAKO_DEMO_VAR: dir, OBLAKO_BIN: bin, OBLAKO_CASHBOOK_BIN: cashbookBin,
    OBLAKO_DEMO_LISTEN: `127.0.0.1:${port}`, OBLAKO_DEMO_APP_LISTEN: `127.0.0.1:${appPort}` };
  for (const k of ['OBLAKO_REQUEST_LOG_LEVEL', 'OBLAKO_LOG_LEVEL', 'OBLAKO_PUBLIC_URL', 'OBLAKO_SMTP_URL', 'OBLAKO_DB']) delete env[k];
  // one stream, in the order a terminal shows it
  const proc = spawn('bash', ['-c', 'exec scripts/demo.sh 2>&1'], { cwd: repoRoot, env, detached: true });
  let out = '';
  proc.stdout.on('data', (d) => { out += d; });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  try {
    await eventually(() => out.includes(MARK), { what: 'the logins shown by scripts/demo.sh', timeout: 60_000 });
    const file = readFileSync(path.join(dir, 'demo-logins.txt'), 'utf8');
    assert.match(file, /^ {4}director@romashka\.test +Ирина Кузнецова, /m);
    const shown = out.slice(out.indexOf('Demo data created.') - 2);
    assert.ok(shown.startsWith(file), `the logins shown are the file's:\n${shown}`);
    assert.match(out, /OBLAKO_REQUEST_LOG_LEVEL=info make demo/);

    // a visitor signs in and asks for a password link
    const url = `http://127.0.0.1:${port}`;
    const s = { url, fetch: (p, o) => fetch(url + p, o) };
    const c = new Client(s);
    assert.equal((await c.login('director@romashka.test', 'demo-password')).status, 200);
    assert.equal((await c.get('/api/v1/me')).body.name, 'Ирина Кузнецова');
    assert.equal((await new Client(s).post('/api/v1/auth/password-reset', { email: 'buh@romashka.test' })).status, 202);
    await new Promise((r) => setTimeout(r, 1500));
    // nothing after the logins but, at most, a periodic job's line
    const after = out.slice(out.indexOf(MARK)).split('\n').slice(1).filter(Boolean);
    const noise = after.filter((l) => !/"msg":"job"/.test(l));
    assert.deepEqual(noise, [], 'lines after the logins');

    // the printed way to read the mail finds the link, pointing at the demo's address
    const cmd = /^ +(\S+) mail list --db (\S+)$/m.exec(out);
    assert.ok(cmd, out);
    const db = cmd[2];
    const list = runCli(['mail', 'list', '--db', db]);
    assert.equal(list.status, 0, list.stderr);
    const [id, , state, to] = list.stdout.split('\n')[0].split('\t');
    assert.deepEqual([state, to], ['queued', 'buh@romashka.test']);
    const msg = runCli(['mail', 'show', id, '--db', db]);
    assert.ok(msg.stdout.includes(`${url}/password?token=`), msg.stdout);
  } finally {
    try { process.kill(-proc.pid, 'SIGINT'); } catch { /* gone */ }
  }
  const { code } = await exited;
  assert.equal(code, 0, out.slice(-2000));
  if (process.env.OBLAKO_TEST_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
});
