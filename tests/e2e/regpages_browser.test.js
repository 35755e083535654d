// Registration pages in the browser, in Russian (issue 14, R-ONB-5): a
// partner's owner creates a page in the cabinet and reads its tabs (the ready
// page, the HTML code, the instructions); a small site of the partner on
// http://localhost:P2 serves the snippet, which posts to the service on
// http://127.0.0.1:P1 as a plain form (the top-level navigation ends signed in
// on the welcome page) and by fetch (then top-level navigation to `next`); the
// same script on an origin the page does not list gets no answer and makes
// nothing; the hosted page at 390 px. Screenshots: build/screenshots/<engine>-rp-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { browserAndServer, openPage, shot, signIn } from './lib/browser.js';
import { Client } from './lib/session.js';
import { newPartner } from './lib/accounts.js';
import { query } from './lib/db.js';

let browser, env, ctx, P, site, sitePort, regpage;
const PASSWORD = 'a-good-password-1';
const count = (sql) => Number(query(ctx.db, sql)[0][0]);

// The partner's own site: /form is the snippet as pasted, /fetch posts it by script.
function sitePage(kind) {
  if (kind === 'form') return `<!doctype html><meta charset="utf-8"><title>Партнёр</title><h1>Наш сайт</h1>${regpage.snippet}`;
  return `<!doctype html><meta charset="utf-8"><title>Партнёр</title>${regpage.snippet}
<p id="out"></p>
<script>
document.querySelector('form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const body = Object.fromEntries(new FormData(e.target));
  try {
    const r = await fetch(e.target.action, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify(body) });
    const j = await r.json();
    if (r.ok) window.location.href = j.next; else document.getElementById('out').textContent = 'error ' + j.field;
  } catch (err) { document.getElementById('out').textContent = 'blocked'; }
});
</script>`;
}

before(async () => {
  [browser, env] = await browserAndServer();
  const admin = new Client(env.server);
  assert.equal((await admin.login(env.admin.email, env.admin.password)).status, 200);
  ctx = { s: env.server, db: env.db, admin };
  P = await newPartner(ctx, { name: 'ООО «Альфа Софт»', lang: 'ru' });
  assert.equal((await P.owner.patch('/api/v1/me', { name: 'Пётр Владельцев', lang: 'ru' })).status, 200);
  site = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(sitePage(req.url.startsWith('/fetch') ? 'fetch' : 'form'));
  });
  await new Promise((r) => site.listen(0, '127.0.0.1', r));
  sitePort = site.address().port;
});
after(async () => {
  await browser?.close();
  site?.close();
  await env?.server.stop();
});

test('the owner creates a page and reads its tabs (ru, 1366 and 390 px)', async () => {
  const page = await openPage(browser, env.server.url, { locale: 'ru-RU', width: 1366, height: 900 });
  await signIn(page, P.email, PASSWORD);
  await page.getByRole('link', { name: 'Страницы регистрации' }).click();
  await page.getByText('Страниц пока нет').waitFor();
  await page.getByTestId('new-regpage').click();
  const dlg = page.locator('dialog[open]');
  await dlg.locator('input[name=name]').fill('Сайт компании');
  await dlg.locator('input[name=trial_days]').fill('31');
  await dlg.locator('textarea[name=origins]').fill(`http://localhost:${sitePort}`);
  await shot(page, 'rp-new-1366');
  await dlg.locator('button[type=submit]').click();
  await dlg.locator('.field-error', { hasText: 'от 1 до 30 дней, а не 31' }).waitFor();
  await dlg.locator('input[name=trial_days]').fill('14');
  await dlg.locator('button[type=submit]').click();
  await page.getByText('Готовая страница').waitFor();
  await page.locator('iframe.regpage-preview').waitFor();
  const id = Number(new URL(page.url()).pathname.split('/').pop());
  regpage = (await P.owner.get(`/api/v1/regpages/${id}`)).body;
  await page.frameLocator('iframe.regpage-preview').getByText('Регистрация в сервисе').waitFor();
  await shot(page, 'rp-ready-1366');
  await page.getByRole('tab', { name: 'Код html' }).click();
  await page.getByTestId('copy').first().waitFor();
  await shot(page, 'rp-code-1366');
  await page.getByRole('tab', { name: 'Инструкция по внедрению' }).click();
  await page.getByText('Отправка скриптом (fetch)').waitFor();
  assert.ok((await page.locator('main').innerText()).includes(`http://localhost:${sitePort}`));
  await shot(page, 'rp-guide-1366');
  await page.goto('/regpages');
  await page.locator('tr', { hasText: 'Сайт компании' }).waitFor();
  await shot(page, 'rp-list-1366');
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, 'rp-list-390');
  await page.goto(`/regpages/${id}?tab=guide`);
  await page.getByText('Отправка скриптом (fetch)').waitFor();
  await shot(page, 'rp-guide-390');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test("R-ONB-5: the snippet on the partner's site as a plain form: the navigation ends signed in on the welcome page", async () => {
  const page = await openPage(browser, `http://localhost:${sitePort}`, { locale: 'ru-RU', width: 1366, height: 900 });
  await page.goto('/form');
  await page.locator('input[name=name]').fill('Анна Клиентова');
  await page.locator('input[name=email]').fill('anna@client.test');
  await page.locator('input[name=phone]').fill('+7 900 111-22-33');
  await page.locator('button[type=submit]').click();
  await page.waitForURL(/\/welcome\/\d+$/);
  const url = new URL(page.url());
  assert.equal(url.origin, env.server.url);
  const sub = count("SELECT subscriber_id FROM signups WHERE email = 'anna@client.test'");
  assert.equal(url.pathname, `/welcome/${sub}`);
  const me = await page.evaluate(async () => (await fetch('/api/v1/me')).json());
  assert.equal(me.email, 'anna@client.test');
  assert.deepEqual(me.accounts.map((a) => a.id), [sub]);
  await page.context().close();
});

test('R-ONB-5: the snippet posted by fetch from the listed origin, then navigation to next; an unlisted origin gets nothing', async () => {
  const page = await openPage(browser, `http://localhost:${sitePort}`, { locale: 'ru-RU', width: 1366, height: 900 });
  await page.goto('/fetch');
  await page.locator('input[name=name]').fill('Борис Скриптов');
  await page.locator('input[name=email]').fill('boris@client.test');
  await page.locator('input[name=phone]').fill('+7 900 444-55-66');
  await page.locator('button[type=submit]').click();
  await page.waitForURL(/\/welcome\/\d+$/);
  const me = await page.evaluate(async () => (await fetch('/api/v1/me')).json());
  assert.equal(me.email, 'boris@client.test');
  // the same page from http://127.0.0.1:P2, an origin the page does not list
  const before = count('SELECT COUNT(*) FROM signups');
  const other = await openPage(browser, `http://127.0.0.1:${sitePort}`, { locale: 'ru-RU' });
  await other.goto('/fetch');
  await other.locator('input[name=name]').fill('Чужой');
  await other.locator('input[name=email]').fill('other@client.test');
  await other.locator('input[name=phone]').fill('+7 900 777-88-99');
  await other.locator('button[type=submit]').click();
  await other.locator('#out', { hasText: 'blocked' }).waitFor();
  assert.equal(count('SELECT COUNT(*) FROM signups'), before, 'nothing was made');
  await page.context().close();
  await other.context().close();
});

test('the hosted page at 390 px in Russian, with an error by its field, and closed', async () => {
  const page = await openPage(browser, env.server.url, { locale: 'ru-RU', width: 390, height: 844 });
  await page.goto(`/r/${regpage.slug}`);
  await page.getByText('Регистрация в сервисе').waitFor();
  await shot(page, 'rp-hosted-390');
  await page.locator('input[name=name]').fill('Вера');
  await page.locator('input[name=email]').fill('не почта');
  await page.locator('input[name=phone]').fill('+7 900 000-00-00');
  await page.locator('button[type=submit]').click();
  await page.locator('#email + .err', { hasText: 'почты' }).waitFor();
  assert.equal(await page.locator('input[name=name]').inputValue(), 'Вера', 'the values stay');
  await shot(page, 'rp-hosted-error-390');
  await page.setViewportSize({ width: 1366, height: 900 });
  await shot(page, 'rp-hosted-error-1366');
  assert.equal((await P.owner.patch(`/api/v1/regpages/${regpage.id}`, { state: 'disabled' })).status, 200);
  await page.goto(`/r/${regpage.slug}`);
  await page.getByText('Регистрация закрыта').waitFor();
  await shot(page, 'rp-closed-1366');
  await page.context().close();
});
