// Tests the SMTP sink itself with the real curl command line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSink, decodeMimeWords } from './lib/smtp.js';

let sink;
let dir;

function mailFile(subjectEncoded, body) {
  const file = path.join(dir, `m${Math.random().toString(16).slice(2)}.eml`);
  writeFileSync(file, [
    'From: Oblako <a@x>',
    'To: b@y',
    `Subject: ${subjectEncoded}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    body,
    '',
  ].join('\r\n'));
  return file;
}

// curl runs asynchronously with respect to the sink (same event loop), so spawn it async.
function curl(file, rcpts = ['b@y']) {
  return new Promise((resolve) => {
    const args = ['-s', '-S', '--max-time', '10', `smtp://127.0.0.1:${sink.port}`,
      '--mail-from', 'a@x', ...rcpts.flatMap((r) => ['--mail-rcpt', r]), '-T', file];
    const p = spawn('curl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    p.stderr.on('data', (c) => { err += c; });
    p.on('close', (status) => resolve({ status, stderr: err }));
  });
}

before(async () => {
  assert.equal(spawnSync('curl', ['--version']).status, 0, 'curl must be installed');
  dir = mkdtempSync(path.join(os.tmpdir(), 'oblako-sink-'));
  sink = await startSink();
});

after(async () => {
  await sink?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const subjectText = 'Счёт №42 оплачен';
const subjectEncoded = `=?UTF-8?B?${Buffer.from(subjectText).toString('base64')}?=`;

test('decodeMimeWords handles B, Q and split multi-byte words', () => {
  assert.equal(decodeMimeWords(subjectEncoded), subjectText);
  assert.equal(decodeMimeWords('=?utf-8?Q?=D0=A1=D1=87=D1=91=D1=82_1?='), 'Счёт 1');
  const b = Buffer.from('Привет');
  const w1 = `=?UTF-8?B?${b.subarray(0, 3).toString('base64')}?=`;
  const w2 = `=?UTF-8?B?${b.subarray(3).toString('base64')}?=`;
  assert.equal(decodeMimeWords(`Re: ${w1}\r\n ${w2} !`), 'Re: Привет !');
  assert.equal(decodeMimeWords('plain'), 'plain');
});

test('a delivered message arrives with its Cyrillic subject decoded', async () => {
  sink.clear();
  sink.setMode('ok');
  const r = await curl(mailFile(subjectEncoded, 'Тело письма'), ['b@y', 'c@z']);
  assert.equal(r.status, 0, r.stderr);
  const msgs = await sink.waitFor(1, 5000);
  assert.equal(msgs.length, 1);
  const m = msgs[0];
  assert.equal(m.from, 'a@x');
  assert.deepEqual(m.to, ['b@y', 'c@z']);
  assert.equal(m.subject, subjectText);
  assert.match(m.raw, /^Subject: =\?UTF-8\?B\?/m);
  assert.equal(m.text.trim(), 'Тело письма');
  assert.equal(sink.rejected.length, 0);
});

test('451 mode: curl fails and nothing is stored', async () => {
  sink.clear();
  sink.setMode('451');
  const r = await curl(mailFile('hello', 'x'));
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /451/);
  assert.equal(sink.messages.length, 0);
  assert.equal(sink.rejected.length, 1);
  assert.equal(sink.rejected[0].code, 451);
  assert.deepEqual(sink.rejected[0].to, ['b@y']);
});

test('451 at the data phase: curl fails and nothing is stored', async () => {
  sink.clear();
  sink.setMode('451', { phase: 'data' });
  const r = await curl(mailFile('hello', 'x'));
  assert.notEqual(r.status, 0);
  assert.equal(sink.messages.length, 0);
  assert.equal(sink.rejected.length, 1);
  assert.equal(sink.rejected[0].phase, 'data');
});

test('550 mode: curl fails', async () => {
  sink.clear();
  sink.setMode('550');
  const r = await curl(mailFile('hello', 'x'));
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /550/);
  assert.equal(sink.messages.length, 0);
  assert.equal(sink.rejected[0].code, 550);
});

test('451-then-ok: the first N transactions fail, then delivery works', async () => {
  sink.clear();
  sink.setMode('451-then-ok', { count: 2 });
  const file = mailFile('retry', 'x');
  assert.notEqual((await curl(file)).status, 0);
  assert.notEqual((await curl(file)).status, 0);
  assert.equal(sink.messages.length, 0);
  const r = await curl(file);
  assert.equal(r.status, 0, r.stderr);
  assert.equal((await sink.waitFor(1, 5000)).length, 1);
  assert.equal(sink.rejected.length, 2);
});

test('after stop() curl cannot connect; after restart() delivery works on the same port', async () => {
  sink.clear();
  sink.setMode('ok');
  const port = sink.port;
  await sink.stop();
  const down = await curl(mailFile('down', 'x'));
  assert.equal(down.status, 7, `expected curl "couldn't connect" (7), got ${down.status} ${down.stderr}`);
  await sink.restart();
  assert.equal(sink.port, port);
  const up = await curl(mailFile(subjectEncoded, 'again'));
  assert.equal(up.status, 0, up.stderr);
  const msgs = await sink.waitFor(1, 5000);
  assert.equal(msgs[0].subject, subjectText);
});

test('waitFor rejects on timeout', async () => {
  sink.clear();
  await assert.rejects(sink.waitFor(1, 200), /0 of 1 messages/);
});
