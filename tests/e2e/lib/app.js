// Helpers for tests of application backends (docs/app-backend.md): start the
// reference cash book (`oblako-cashbook`) on a free port with a temp data
// folder, and sign or check calls the way Oblako and backends do. Node
// built-ins only.
//
// Environment:
//   OBLAKO_CASHBOOK_BIN   path to the cash book binary
//   OBLAKO_BIN            when set (and OBLAKO_CASHBOOK_BIN is not), the cash book
//                         next to it is preferred (build/asan/oblako → build/asan/oblako-cashbook)
//   OBLAKO_TEST_KEEP=1    keep the temp data folders
//   OBLAKO_TEST_VERBOSE=1 echo the cash book's log lines to stderr

import { spawn } from 'node:child_process';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { liveProcs, tempDirs } from './server.js';

export const repoRoot = path.resolve(fileURLToPath(import.meta.url), '../../../..');

function pickBin() {
  if (process.env.OBLAKO_CASHBOOK_BIN) return path.resolve(process.env.OBLAKO_CASHBOOK_BIN);
  if (process.env.OBLAKO_BIN) {
    const sibling = path.join(path.dirname(path.resolve(process.env.OBLAKO_BIN)), 'oblako-cashbook');
    if (existsSync(sibling)) return sibling;
  }
  return path.join(repoRoot, 'build', 'oblako-cashbook');
}
export const cashbookBin = pickBin();

const LISTEN_TIMEOUT_MS = Number(process.env.OBLAKO_TEST_LISTEN_TIMEOUT_MS) || 20_000;
const STOP_KILL_AFTER_MS = 10_000;

const sha256hex = (body) => createHash('sha256').update(body ?? '').digest('hex');

/** The v1 signature of one request (docs/app-backend.md, Signatures). */
export function signature(secret, method, pathAndQuery, timestamp, body = '') {
  const message = [method.toUpperCase(), pathAndQuery, String(timestamp), sha256hex(body)].join('\n');
  return `v1=${createHmac('sha256', secret).update(message).digest('hex')}`;
}

/**
 * The three headers of a signed call: X-Oblako-App, X-Oblako-Timestamp,
 * X-Oblako-Signature. pathAndQuery is the request target exactly as sent;
 * body a string or Buffer ('' when none); timestamp defaults to now.
 */
export function sign(secret, app, method, pathAndQuery, body = '',
  timestamp = Math.floor(Date.now() / 1000)) {
  return {
    'X-Oblako-App': app,
    'X-Oblako-Timestamp': String(timestamp),
    'X-Oblako-Signature': signature(secret, method, pathAndQuery, timestamp, body),
  };
}

/**
 * Checks a signed request as a receiver must: headers (a Node IncomingHttpHeaders, lower-case
 * names), method, the raw request target (req.url), the body. Returns null when it is good, or
 * the reason.
 */
export function verify(secret, headers, method, pathAndQuery, body = '',
  now = Math.floor(Date.now() / 1000), windowSeconds = 300) {
  const app = headers['x-oblako-app'];
  const ts = headers['x-oblako-timestamp'];
  const sig = headers['x-oblako-signature'];
  if (!app || !ts || !sig) return 'missing signature headers';
  if (!/^\d{1,18}$/.test(ts)) return 'timestamp is not a number';
  if (Math.abs(Number(ts) - now) > windowSeconds) return 'timestamp outside the window';
  const want = Buffer.from(signature(secret, method, pathAndQuery, ts, body));
  const got = Buffer.from(String(sig));
  if (want.length !== got.length || !timingSafeEqual(want, got)) return 'signature mismatch';
  return null;
}

/**
 * Starts oblako-cashbook on 127.0.0.1:0 with a fresh data folder.
 * Returns {url, dataDir, proc, logs, stderr, fetch(path, opts), stop(signal), exited}.
 * logs: the stderr lines, JSON-parsed when possible.
 */
export async function startCashbook({ oblakoUrl, secret, args = [], env = {}, dataDir } = {}) {
  if (!oblakoUrl || !secret) throw new Error('startCashbook needs oblakoUrl and secret');
  if (!dataDir) {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'oblako-cashbook-'));
    tempDirs.push(dataDir);
  }
  const argv = ['--listen', '127.0.0.1:0', '--oblako', oblakoUrl, '--data', dataDir, ...args];
  const proc = spawn(cashbookBin, argv, {
    cwd: repoRoot,
    env: { ...process.env, CASHBOOK_SECRET: secret, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  liveProcs.add(proc);

  const logs = [];
  const stderrLines = [];
  let errBuf = '';
  let outBuf = '';
  let exitCode;
  proc.stderr.setEncoding('utf8').on('data', (chunk) => {
    errBuf += chunk;
    let i;
    while ((i = errBuf.indexOf('\n')) >= 0) {
      const line = errBuf.slice(0, i);
      errBuf = errBuf.slice(i + 1);
      stderrLines.push(line);
      if (process.env.OBLAKO_TEST_VERBOSE === '1') process.stderr.write(`[cashbook] ${line}\n`);
      try { logs.push(JSON.parse(line)); } catch { logs.push(line); }
    }
  });
  const exited = new Promise((resolve) => {
    proc.on('close', (code, signal) => {
      liveProcs.delete(proc);
      exitCode = code ?? 128 + (os.constants.signals[signal] || 0);
      resolve(exitCode);
    });
  });

  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      try { proc.kill('SIGKILL'); } catch { /* ignore */ }
      reject(new Error(`oblako-cashbook did not start within ${LISTEN_TIMEOUT_MS} ms\n` +
        stderrLines.join('\n')));
    }, LISTEN_TIMEOUT_MS);
    proc.stdout.setEncoding('utf8').on('data', (chunk) => {
      outBuf += chunk;
      const m = /cashbook listening on (http:\/\/\S+)\n/.exec(outBuf);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot start ${cashbookBin}: ${err.message}`));
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`oblako-cashbook exited (${code}) before listening\n${stderrLines.join('\n')}`));
    });
  });
  proc.unref();
  proc.stdout.unref?.();
  proc.stderr.unref?.();

  return {
    url,
    dataDir,
    proc,
    logs,
    stderr: stderrLines,
    exited,
    get exitCode() { return exitCode; },
    fetch(p, opts) {
      return fetch(url + p, opts);
    },
    /** Sends signal (default SIGTERM); resolves with the exit code. */
    async stop(signal = 'SIGTERM') {
      if (exitCode !== undefined) return exitCode;
      proc.ref();
      try { proc.kill(signal); } catch { /* already gone */ }
      const t = setTimeout(() => { try { proc.kill('SIGKILL'); } catch { /* ignore */ } },
        STOP_KILL_AFTER_MS);
      try {
        return await exited;
      } finally {
        clearTimeout(t);
      }
    },
  };
}
