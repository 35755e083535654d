// The walker (issue 11, item 9): every role, every page of its menu and the cards one click
// deep, in Russian and English, at 1366 and 390 px, on the demo data. It runs once, as its
// own suite of `make test` (SQLite, the normal build: tests/run.sh, suite "walk"), and fails
// on what a person would see as a defect:
//   - a raw i18n key: a text equal to a key of web/i18n/*.json, or a word shaped like one
//     (`status.active`, `a.b_c`);
//   - a `#<digits>` label (an object shown by its id instead of its name), or a text that is a
//     snake_case code (`small_business`) where a name belongs;
//   - English in the Russian cabinet: three or more Latin words in a row in a text (server
//     messages such as "your roles do not allow this"), after the allowed words below;
//   - a page wider than the window (document.scrollingElement.scrollWidth > innerWidth);
//   - a console error, an uncaught exception or an unhandled rejection;
//   - an API answer of 403 (a menu item or card the role cannot open) or 5xx.
// A page with a finding is kept as a screenshot, build/walk/<role>-<lang>-<width>-<page>.png
// (its top 2400 px); with OBLAKO_WALK_SHOTS=all (`make test-full`) every page is, for a
// person to look through. The findings are printed in short and written, one a line, to
// build/walk/findings.txt before it fails. An error in a page's own code, caught or not, is
// counted where it shows: the page open when it happened.
//
// The demo has a provider admin, a partner owner and operator, a subscriber owner and user;
// the roles it lacks (provider operator, auditor, support; partner consultant, developer;
// subscriber administrator) are added here, each a person with a Russian name and the demo
// password, so every role of every kind of account is walked.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchBrowser, signIn } from '../e2e/lib/browser.js';
import { startServer, runCli, repoRoot, tempDirs } from '../e2e/lib/server.js';
import { eventually } from '../e2e/lib/wait.js';

const PASSWORD = 'demo-password';
const OUT = path.join(repoRoot, 'build', 'walk');
const LANGS = ['ru', 'en'];
const WIDTHS = [1366, 390];
// Roles walked at once: each is a browser context of its own; the machine has 2 cores.
const JOBS = Number(process.env.OBLAKO_WALK_JOBS) || 3;
const SHOT_MAX_PX = 2400;
// Screenshots of every page took most of the walk's time (about 140 s of the contexts' time for
// 522 pages) and no check reads them: `make test` keeps those of pages with findings only.
const ALL_SHOTS = process.env.OBLAKO_WALK_SHOTS === 'all';

// Every role of every kind of account: the demo's people, and the ones added below.
const ROLES = [
  { name: 'provider-admin', email: 'admin@demo.oblako.test' },
  { name: 'provider-operator', email: 'operator@demo.oblako.test', add: { account: 'provider', roles: 'operator', who: 'Полина Журавлёва' } },
  { name: 'provider-auditor', email: 'auditor@demo.oblako.test', add: { account: 'provider', roles: 'auditor', who: 'Артём Ревизоров' } },
  { name: 'provider-support', email: 'support@demo.oblako.test', add: { account: 'provider', roles: 'support', who: 'Сергей Помогаев' } },
  { name: 'partner-owner', email: 'owner@alfa-soft.test' },
  { name: 'partner-operator', email: 'operator@alfa-soft.test' },
  { name: 'partner-consultant', email: 'consultant@alfa-soft.test', add: { account: 'Альфа Софт', roles: 'consultant', who: 'Кирилл Советов' } },
  { name: 'partner-developer', email: 'developer@alfa-soft.test', add: { account: 'Альфа Софт', roles: 'developer', who: 'Денис Кодов' } },
  { name: 'subscriber-owner', email: 'director@romashka.test' },
  { name: 'subscriber-administrator', email: 'admin@romashka.test', add: { account: 'ООО Ромашка', roles: 'administrator', who: 'Мария Админова' } },
  { name: 'subscriber-user', email: 'buh@romashka.test' },
];

// Words in Latin letters that are allowed in the Russian cabinet, each for a reason. Short on
// purpose: anything else in English is a finding.
const LATIN_ALLOWED = [
  /\S+@\S+/g,                 // e-mail addresses (logins, contacts)
  /\bhttps?:\/\/\S+/g,        // links
  /\bOblako\b/g,              // the product's name, shown as a brand
  /\bITSaaS\b/g,              // the provider's product line, a trademark used in tariff names
  /\b[A-Z0-9][A-Za-z0-9]*(-[A-Z0-9]+)+\b/g, // codes people type and quote: TRIAL-30, ITS-DEMO-0001, 9XYT-95ZK-4AAX-AWKW
];

const catalogs = ['ru', 'en'].map((l) => JSON.parse(readFileSync(path.join(repoRoot, 'web', 'i18n', `${l}.json`), 'utf8')));
const KEYS = [...new Set(catalogs.flatMap((c) => Object.keys(c)))];
const NAMESPACES = [...new Set(KEYS.map((k) => k.split('.')[0]))];

let server;
let browser;
const findings = [];

function sqlite(file, sql) {
  return execFileSync('sqlite3', ['-batch', '-noheader', file, sql], { encoding: 'utf8' }).trim();
}

// The roles the demo lacks: a person (the demo password: the hash is the admin's, salt and
// all) with a membership of the account named.
function addPeople(file) {
  const q = (s) => `'${String(s).replace(/'/g, "''")}'`;
  const sql = ['BEGIN;'];
  for (const r of ROLES.filter((x) => x.add)) {
    const acc = r.add.account === 'provider' ? "(SELECT id FROM accounts WHERE kind = 'provider')"
      : `(SELECT id FROM accounts WHERE name = ${q(r.add.account)})`;
    sql.push(`INSERT INTO persons (email, name, lang, password_hash, created_at, updated_at)
      SELECT ${q(r.email)}, ${q(r.add.who)}, 'ru', password_hash, created_at, updated_at
      FROM persons WHERE email = 'admin@demo.oblako.test';`);
    sql.push(`INSERT INTO memberships (person_id, account_id, roles, created_at)
      SELECT (SELECT id FROM persons WHERE email = ${q(r.email)}), ${acc}, ${q(r.add.roles)}, created_at
      FROM persons WHERE email = 'admin@demo.oblako.test';`);
  }
  sql.push('COMMIT;');
  sqlite(file, sql.join('\n'));
}

before(async () => {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  // SQLite whatever OBLAKO_TEST_ENGINE says: the walk is about what the cabinet shows
  const dir = mkdtempSync(path.join(os.tmpdir(), 'oblako-walk-'));
  tempDirs.push(dir);
  const db = `sqlite:${path.join(dir, 'walk.db')}`;
  // --test-clock: the demo's passwords hashed at the minimum cost (the walk signs in 11 people)
  const r = runCli(['demo', '--db', db, '--test-clock']);
  assert.equal(r.status, 0, r.stderr);
  addPeople(db.slice('sqlite:'.length));
  server = await startServer({ db });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

// ---- one page ---------------------------------------------------------------------------------

// What the page shows that breaks a rule; runs in the page. Texts of hidden elements are left
// out (the closed menu at 390 px), the options of a select are kept.
function inspect({ keys, namespaces, lang, allowed }) {
  const out = [];
  const keySet = new Set(keys);
  const nsSet = new Set(namespaces);
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || ['SCRIPT', 'STYLE', 'NOSCRIPT'].includes(el.tagName)) continue;
    const s = n.nodeValue.replace(/\s+/g, ' ').trim();
    if (!s) continue;
    if (el.tagName !== 'OPTION' && !el.checkVisibility()) continue;
    texts.push({ s, code: !!el.closest('code, kbd, pre') });
  }
  for (const el of document.querySelectorAll('[placeholder], [title], [aria-label]')) {
    for (const a of ['placeholder', 'title', 'aria-label']) {
      const v = el.getAttribute(a);
      if (v && v.trim()) texts.push({ s: v.trim(), attr: a });
    }
  }
  for (const { s, code, attr } of texts) {
    const where = attr ? ` (${attr})` : '';
    const looksLikeKey = (w) => keySet.has(w) || (/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/.test(w) && (w.includes('_') || nsSet.has(w.split('.')[0])));
    if (keySet.has(s) || s.split(/[\s:,;()«»"]+/).some(looksLikeKey)) out.push(`raw i18n key${where}: "${s}"`);
    if (/(^|[^&\w])#\d+\b/.test(s)) out.push(`#id label${where}: "${s}"`);
    if (!code && /^[a-z][a-z0-9]*(_[a-z0-9]+)+$/.test(s) && !keySet.has(s)) out.push(`a code where a name belongs${where}: "${s}"`);
    if (lang === 'ru' && !code) {
      let rest = s;
      for (const re of allowed) rest = rest.replace(new RegExp(re.source, re.flags), ' ');
      // three Latin words in a row, whatever stands between them short of a letter (a code such
      // as kamin_state_payroll is one word: the check above sees it)
      if (/[A-Za-z][A-Za-z_'’-]*[^A-Za-zА-яЁё_]+[A-Za-z][A-Za-z_'’-]*[^A-Za-zА-яЁё_]+[A-Za-z][A-Za-z_'’-]*/.test(rest)) {
        out.push(`English in the Russian UI${where}: "${s}"`);
      }
    }
  }
  const se = document.scrollingElement;
  if (se.scrollWidth > window.innerWidth) out.push(`wider than the window: ${se.scrollWidth} px > ${window.innerWidth} px`);
  return out;
}

async function settle(page) {
  await eventually(async () => {
    if (page.inflight.size) return false;
    return page.evaluate(() => {
      const main = document.getElementById('main');
      return !!main && !main.hasAttribute('aria-busy') && !main.querySelector('.loading');
    });
  }, { what: 'the page to load what it shows', timeout: 15_000, interval: 50 });
}

async function check(page, where, slug) {
  await settle(page);
  // the allowed words go as sources: RegExp objects do not cross into the page
  const allowed = LATIN_ALLOWED.map((r) => ({ source: r.source, flags: r.flags }));
  const found = await page.evaluate(inspect, { keys: KEYS, namespaces: NAMESPACES, lang: where.lang, allowed })
    .catch((e) => [`could not inspect: ${e.message}`]);
  for (const p of page.problems.splice(0)) found.push(p);
  for (const r of page.refused.splice(0)) found.push(r);
  const uniq = [...new Set(found)];
  for (const f of uniq) findings.push({ ...where, page: slug, what: f });
  stats.pages += 1;
  if (!ALL_SHOTS && uniq.length === 0) return;
  await page.evaluate(() => window.scrollTo(0, 0));
  const t0 = Date.now();
  // the page from its top, at most SHOT_MAX_PX tall: the checks above read all of it, and a
  // screenshot of a long audit log costs seconds on a loaded machine
  const height = Math.min(SHOT_MAX_PX, await page.evaluate(() => document.scrollingElement.scrollHeight));
  await page.screenshot({ path: path.join(OUT, `${where.role}-${where.lang}-${where.width}-${slug}.png`), fullPage: true,
    clip: { x: 0, y: 0, width: where.width, height } });
  stats.shotMs += Date.now() - t0;
  stats.shots += 1;
}
const stats = { pages: 0, shots: 0, shotMs: 0 };

const slugOf = (href) => href.replace(/^\/+/, '').replace(/[^A-Za-z0-9]+/g, '-') || 'home';

// The menu: at 390 px it is behind the header's menu button.
async function openMenu(page) {
  const toggle = page.locator('[data-testid=menu-toggle]');
  if (await toggle.isVisible() && (await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
}

async function menuLinks(page) {
  return page.locator('nav.side a.nav-link').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
}

async function walkWidth(page, role, lang, width) {
  await page.setViewportSize({ width, height: 900 });
  const where = { role: role.name, lang, width };
  const hrefs = await menuLinks(page);
  if (width < 900) {
    // the menu itself, opened by its button
    await openMenu(page);
    await page.locator('nav.side a.nav-link').first().waitFor();
    await check(page, where, 'menu');
  }
  for (const href of hrefs) {
    await openMenu(page);
    await page.locator(`nav.side a.nav-link[href="${href}"]`).click();
    await check(page, where, slugOf(href));
    // one click deep: the first card the list links to (a partner, a client)
    const card = page.locator(`#main a[href^="${href}/"]`).first();
    if (await card.count()) {
      const to = await card.getAttribute('href');
      await card.click();
      await page.waitForURL((u) => u.pathname === to);
      await check(page, where, `${slugOf(href)}-card`);
    }
  }
}

async function walkRole(role) {
  const context = await browser.newContext({ baseURL: server.url, locale: 'ru-RU', viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.problems = [];
  page.refused = [];
  page.inflight = new Set();
  await page.addInitScript(() => {
    window.addEventListener('unhandledrejection', (e) => console.error(`unhandled rejection: ${e.reason?.message || e.reason}`));
  });
  page.on('pageerror', (e) => page.problems.push(`uncaught: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) page.problems.push(`console error: ${m.text()}`);
  });
  page.on('request', (r) => page.inflight.add(r));
  page.on('requestfinished', (r) => page.inflight.delete(r));
  page.on('requestfailed', (r) => page.inflight.delete(r));
  page.on('response', (res) => {
    const u = new URL(res.url());
    if (!u.pathname.startsWith('/api/')) return;
    if (res.status() === 403 || res.status() >= 500) page.refused.push(`${res.status()} from ${res.request().method()} ${u.pathname}${u.search}`);
  });
  try {
    await signIn(page, role.email, PASSWORD);
    for (const lang of LANGS) {
      const btn = page.locator(`.app-head .lang-btn[lang=${lang}]`);
      if ((await btn.getAttribute('aria-pressed')) !== 'true') {
        await btn.click();
        await page.locator(`html[lang=${lang}]`).waitFor({ state: 'attached' });
      }
      for (const width of WIDTHS) await walkWidth(page, role, lang, width);
    }
  } catch (e) {
    findings.push({ role: role.name, lang: '-', width: '-', page: page.url(), what: `the walk stopped: ${e.message.split('\n')[0]}` });
    await page.screenshot({ path: path.join(OUT, `${role.name}-stopped.png`), fullPage: true }).catch(() => {});
  } finally {
    await context.close();
  }
}

test('the walker: every role, page and card, ru and en, 1366 and 390 px, shows no defect', async () => {
  const queue = [...ROLES];
  await Promise.all(Array.from({ length: JOBS }, async () => {
    for (let r = queue.shift(); r; r = queue.shift()) await walkRole(r);
  }));
  console.log(`walked ${stats.pages} pages; ${stats.shots} screenshots took ${(stats.shotMs / 1000).toFixed(1)} s of the contexts' time`);
  const key = (f) => `${f.role} ${f.page} ${f.lang} ${String(f.width).padStart(4)}`;
  findings.sort((a, b) => key(a).localeCompare(key(b)));
  const lines = findings.map((f) => `${f.role} ${f.lang} ${f.width} ${f.page}: ${f.what}`);
  writeFileSync(path.join(OUT, 'findings.txt'), lines.length ? `${lines.join('\n')}\n` : '');
  assert.ok(lines.length === 0, `${lines.length} findings, every one in build/walk/findings.txt, the screenshots beside it; in short:\n${summary(findings)}`);
});

// The findings in short: one line per role, page and finding, with the languages and widths
// it was seen at; of many findings of one kind on a page (an audit log's rows), the first 3.
function summary(list) {
  const byWhat = new Map();
  for (const f of list) {
    const k = `${f.role} ${f.page}: ${f.what}`;
    if (!byWhat.has(k)) byWhat.set(k, { f, at: [] });
    byWhat.get(k).at.push(`${f.lang} ${f.width}`);
  }
  const out = [];
  const perKind = new Map();
  for (const [k, { f, at }] of byWhat) {
    const kind = `${f.role} ${f.page} ${f.what.split(':')[0]}`;
    const n = (perKind.get(kind) || 0) + 1;
    perKind.set(kind, n);
    if (n <= 3) out.push(`${k}  [${at.join(', ')}]`);
  }
  for (const [kind, n] of perKind) if (n > 3) out.push(`${kind}: ${n - 3} more`);
  return out.join('\n');
}
