// The command: help documents every setting; bad options exit 2; settings come
// from flags, environment and a config file; the recorded time zone is
// enforced; SIGTERM lets a request in flight finish and exits 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, freshDbUrl, runCli } from './lib/server.js';
import { eventually } from './lib/wait.js';
import { Client } from './lib/session.js';

test('version and help', () => {
  const v = runCli(['version']);
  assert.equal(v.status, 0);
  assert.match(v.stdout, /^oblako \d+\.\d+\.\d+/);
  const h = runCli(['help']);
  assert.equal(h.status, 0);
  for (const c of ['serve', 'init', 'migrate', 'jobs', 'version', 'help']) assert.match(h.stdout, new RegExp(`\\b${c}\\b`));
  const hs = runCli(['help', 'serve']);
  assert.equal(hs.status, 0);
  for (const env of ['OBLAKO_DB', 'OBLAKO_LISTEN', 'OBLAKO_TZ', 'OBLAKO_PUBLIC_URL', 'OBLAKO_SMTP_URL',
    'OBLAKO_THREADS', 'OBLAKO_TEST_CLOCK', 'OBLAKO_BODY_MAX', 'OBLAKO_DRAIN_SECONDS', 'OBLAKO_CONFIG']) {
    assert.match(hs.stdout, new RegExp(env), `help serve does not document ${env}`);
  }
  assert.match(hs.stdout, /--test-clock \| --no-test-clock/);
  const bad = runCli(['help', 'nosuch']);
  assert.equal(bad.status, 2);
});

test('unknown commands and bad options exit 2 with a clear message', () => {
  const cases = [
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['serve', '--bogus'], /unknown option '--bogus'/],
    [['serve', '-x'], /unknown option '-x'/],
    [['serve', '--threads', 'many'], /'threads' wants a whole number from 1 to 256, not 'many'/],
    [['serve', '--threads', '0'], /'threads' wants a whole number/],
    [['serve', '--test-clock=perhaps'], /'test-clock' wants true or false/],
    [['serve', '--listen'], /option '--listen' needs a value/],
    [['init', '--listen', '127.0.0.1:1'], /option '--listen' does not apply here/],
    [['serve', 'extra'], /unexpected argument 'extra'/],
    [['serve', '--log-level', 'loud'], /log-level must be/],
    [['serve', '--request-log-level', 'loud'], /request-log-level must be debug, info, warn or error/],
    [['serve', '--tz', 'Mars/Olympus', '--db', 'sqlite:/nonexistent/x.db'], /unknown time zone 'Mars\/Olympus'/],
    // R-NOT-1's offsets are checked at start, not first by the daily pass
    [['serve', '--reminder-offsets', '-7,x'], /reminder-offsets/],
    [['jobs', 'run', 'reminders', '--reminder-offsets', '99'], /reminder-offsets/],
    [['jobs'], /usage: oblako jobs/],
  ];
  for (const [args, re] of cases) {
    const r = runCli(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re, args.join(' '));
  }
  const envBad = runCli(['serve'], { env: { OBLAKO_BODY_MAX: '12abc' } });
  assert.equal(envBad.status, 2);
  assert.match(envBad.stderr, /OBLAKO_BODY_MAX/);
});

test('init records the time zone; a server with another zone refuses to start', async () => {
  const db = await freshDbUrl('tz');
  let r = runCli(['init', '--db', db]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /schema version \d+, time zone Europe\/Moscow/);
  r = runCli(['init', '--db', db]);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /0 migrations applied/);
  r = runCli(['migrate', '--db', db]);
  assert.equal(r.status, 0);
  r = runCli(['serve', '--db', db, '--tz', 'Asia/Yekaterinburg', '--listen', '127.0.0.1:0']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /initialised with time zone 'Europe\/Moscow', not 'Asia\/Yekaterinburg'/);
  assert.match(r.stderr, /hint: start with --tz Europe\/Moscow/);
});

test('init names the provider by --provider-name (in Russian by default), checked like any account name, once', async () => {
  const pwDir = mkdtempSync(path.join(os.tmpdir(), 'oblako-pn-'));
  const pw = path.join(pwDir, 'pw');
  writeFileSync(pw, 'admin-password-1\n');
  const init = (db, ...more) => runCli(['init', '--db', db, '--admin-email', 'admin@example.test',
    '--admin-password-file', pw, '--test-clock', ...more]);
  const providerName = async (db) => {
    const srv = await startServer({ db });
    try {
      const c = new Client(srv);
      assert.equal((await c.login('admin@example.test', 'admin-password-1')).status, 200);
      const me = await c.get('/api/v1/me');
      const mine = me.body.accounts.filter((a) => a.kind === 'provider');
      assert.equal(mine.length, 1);
      return mine[0].name;
    } finally {
      await srv.stop();
    }
  };
  // a name that is not one: refused before anything is made, the field named, exit 2
  for (const bad of [' ООО «Вендор»', 'ООО «Вендор» ', 'x'.repeat(201)]) {
    const db = await freshDbUrl('pn-bad');
    const r = init(db, '--provider-name', bad);
    assert.equal(r.status, 2, `${JSON.stringify(bad)}: ${r.stderr}`);
    assert.match(r.stderr, /provider-name/);
  }
  const named = await freshDbUrl('pn');
  let r = init(named, '--provider-name', 'ООО «Вендор Облако»');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(await providerName(named), 'ООО «Вендор Облако»');
  // once: a second init with another name changes nothing
  r = init(named, '--provider-name', 'Другое имя');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /the provider already exists/);
  assert.equal(await providerName(named), 'ООО «Вендор Облако»');
  // unset: a Russian name, not an English word, since clients see it in a Russian cabinet
  const plain = await freshDbUrl('pn-default');
  assert.equal(init(plain).status, 0);
  assert.equal(await providerName(plain), 'Провайдер сервиса');
});

test('settings: flag over environment over config file', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'oblako-cfg-'));
  const db = await freshDbUrl('cfg');
  const file = path.join(dir, 'oblako.conf');
  writeFileSync(file, `# test config\ndb = ${db}\nbody-max = 4096\njson-depth = 3\n`);
  // body-max from the file; json-depth from the file but overridden by env, then by flag.
  const s = await startServer({ db, args: ['--config', file, '--json-depth', '5'], env: { OBLAKO_JSON_DEPTH: '4' } });
  try {
    const post = (body) => s.fetch('/api/v1/test/clock', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body,
    });
    assert.equal((await post(JSON.stringify({ advance: 0, pad: 'x'.repeat(5000) }))).status, 413);
    assert.equal((await post('{"advance":0,"a":[[[[]]]]}')).status, 200, 'depth 5 allowed by the flag');
    assert.equal((await post('{"advance":0,"a":[[[[[]]]]]}')).status, 400, 'depth 6 refused');
  } finally {
    assert.equal(await s.stop(), 0);
  }
  writeFileSync(file, 'no-such-setting = 1\n');
  const r = runCli(['serve', '--config', file]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /oblako\.conf:1: unknown setting 'no-such-setting'/);
});

/** oblako_http_in_flight, asked on a connection of its own that closes after the answer. */
function inFlight(s) {
  return new Promise((resolve, reject) => {
    http.get(`${s.url}/metrics`, { agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve(Number(/oblako_http_in_flight (\d+)/.exec(text)[1])));
    }).on('error', reject);
  });
}

test('SIGTERM drains: a request in flight is answered, then exit 0', async () => {
  const s = await startServer({ args: ['--drain-seconds', '10'] });
  const u = new URL(s.url);
  const sock = net.connect(Number(u.port), u.hostname);
  await new Promise((r) => sock.once('connect', r));
  let data = '';
  sock.on('data', (d) => { data += d; });
  const body = JSON.stringify({ advance: 1 });
  sock.write(`POST /api/v1/test/clock HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.slice(0, 5)}`);
  // in flight: the server has the request (the /metrics request itself is the other one);
  // asked on connections that close, since a kept-alive one would outlive the drain
  await eventually(async () => (await inFlight(s)) >= 2, { what: 'the partial request in flight' });
  const exit = s.stop('SIGTERM');
  await s.waitForLog({ msg: 'signal received; draining' });
  // New connections are refused while draining…
  await assert.rejects(fetch(`${s.url}/healthz`));
  // …but the request already in flight completes.
  sock.write(body.slice(5));
  await new Promise((r) => sock.once('close', r));
  assert.match(data, /^HTTP\/1\.1 200 OK/);
  assert.match(data, /"offset":/);
  assert.equal(await exit, 0);
  assert.ok(s.logs.some((e) => e.msg === 'stopped'));
});
