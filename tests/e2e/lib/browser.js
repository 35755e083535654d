// Browser helpers for the cabinet's e2e tests: Debian's Chromium driven by
// playwright-core (never a downloaded browser), one browser per test file,
// a fresh server with a provider admin, screenshots, the outbox.
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, freshDbUrl, runCli, psql, repoRoot, engine } from './server.js';
import { eventually } from './wait.js';

export const shotsDir = path.join(repoRoot, 'build', 'screenshots');

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launchBrowser() {
  return chromium.launch({ executablePath: process.env.OBLAKO_CHROMIUM || '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/**
 * A new browser context and page on the server; console errors and failed
 * page scripts are collected in page.problems (a test can assert none).
 */
export async function openPage(browser, baseURL, { locale = 'en-US', width = 1280, height = 860 } = {}) {
  const context = await browser.newContext({ baseURL, locale, viewport: { width, height }, acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) page.problems.push(`console: ${m.text()}`);
  });
  return page;
}

export async function shot(page, name) {
  // A page looks the same on either engine: its screenshot is taken on SQLite only (full-page
  // PNGs were a good part of the browser files' CPU), on both with OBLAKO_TEST_SHOTS=all.
  if (engine === 'postgres' && process.env.OBLAKO_TEST_SHOTS !== 'all') return null;
  mkdirSync(shotsDir, { recursive: true });
  const file = path.join(shotsDir, `${engine}-${name}.png`);
  // a sticky header would be drawn where the page was scrolled to
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** A fresh database with a provider admin, and a server on it. */
/**
 * A browser and a server with a provider admin, started side by side. If one
 * of them fails the other is stopped before the error is thrown: a browser
 * left running would keep the test file's process alive for ever.
 */
export async function browserAndServer(opts) {
  const [b, e] = await Promise.allSettled([launchBrowser(), serverWithAdmin(opts)]);
  if (b.status === 'fulfilled' && e.status === 'fulfilled') return [b.value, e.value];
  if (b.status === 'fulfilled') await b.value.close().catch(() => {});
  if (e.status === 'fulfilled') await e.value.server.stop().catch(() => {});
  throw b.status === 'rejected' ? b.reason : e.reason;
}

export async function serverWithAdmin({ email = 'admin@example.com', password = 'provider-secret-1' } = {}) {
  const db = await freshDbUrl('web');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'oblako-web-'));
  const pwFile = path.join(dir, 'pw');
  writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
  // --test-clock: the admin's password is hashed at the minimum cost, as the test servers hash
  const r = runCli(['init', '--db', db, '--admin-email', email, '--admin-password-file', pwFile, '--test-clock']);
  if (r.status !== 0) throw new Error(`init failed: ${r.stderr}`);
  const server = await startServer({ db });
  return { server, db, admin: { email, password } };
}

function sqliteQuery(file, sql) {
  return new Promise((resolve, reject) => {
    execFile('sqlite3', ['-batch', '-noheader', file, sql], { encoding: 'utf8' }, (err, out, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`)); else resolve(out);
    });
  });
}

/** The bodies (text) of the outbox messages to an address, newest last. */
export async function outboxBodies(db, to) {
  const q = (s) => `'${String(s).replace(/'/g, "''")}'`;
  // one message per line: newlines in the body are replaced so rows stay apart
  const sql = `SELECT replace(replace(body_text, char(13), ' '), char(10), ' ') FROM outbox WHERE lower(to_addr) = lower(${q(to)}) ORDER BY id`;
  let out;
  if (db.startsWith('sqlite:')) out = await sqliteQuery(db.slice('sqlite:'.length), sql);
  else out = await psql(sql.replace(/char\((\d+)\)/g, 'chr($1)'), db);
  return out.split('\n').filter(Boolean);
}

/** The newest "/password?token=…" link emailed to an address (waits for it). */
export async function passwordLink(db, to, timeoutMs = 10_000) {
  return eventually(async () => {
    const bodies = await outboxBodies(db, to);
    for (let i = bodies.length - 1; i >= 0; i--) {
      const m = /(https?:\/\/\S*?)?(\/password\?token=[A-Za-z0-9_-]+)/.exec(bodies[i]);
      if (m) return m[2];
    }
    assert.fail(`outbox: ${bodies.join('\n---\n')}`);
  }, { what: `a password link emailed to ${to}`, timeout: timeoutMs, interval: 200 });
}

/** The newest "/invite?token=…" link emailed to an address (waits for it). */
export async function inviteLink(db, to, timeoutMs = 10_000) {
  return eventually(async () => {
    const bodies = await outboxBodies(db, to);
    for (let i = bodies.length - 1; i >= 0; i--) {
      const m = /\/invite\?token=[A-Za-z0-9_-]+/.exec(bodies[i]);
      if (m) return m[0];
    }
    return null;
  }, { what: `an invitation emailed to ${to}`, timeout: timeoutMs, interval: 200 });
}

/** Signs in through the form and waits for the cabinet's header. */
export async function signIn(page, email, password) {
  await page.goto('/signin');
  await page.locator('input[name=email]').fill(email);
  await page.locator('input[name=password]').fill(password);
  await page.locator('form button[type=submit]').click();
  await page.locator('[data-testid=person]').waitFor();
}
