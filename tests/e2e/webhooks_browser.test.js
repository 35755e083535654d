// Webhooks in the cabinet, in Russian (issue 13): a partner's owner adds an
// endpoint with two kinds of events, sees the signing secret once with a copy
// button, sends a test event and reads the delivery log; an operator has no
// menu item. Screenshots at 1366 and 390 px go to
// build/screenshots/<engine>-wh-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { browserAndServer, openPage, shot, signIn } from './lib/browser.js';
import { Client } from './lib/session.js';
import { newPartner, newEmployee } from './lib/accounts.js';

let browser, env, ctx, P;
const PASSWORD = 'a-good-password-1';

before(async () => {
  [browser, env] = await browserAndServer();
  const admin = new Client(env.server);
  assert.equal((await admin.login(env.admin.email, env.admin.password)).status, 200);
  ctx = { s: env.server, db: env.db, admin };
  P = await newPartner(ctx, { name: 'ООО «Альфа Софт»', lang: 'ru' });
  assert.equal((await P.owner.patch('/api/v1/me', { name: 'Пётр Владельцев', lang: 'ru' })).status, 200);
});
after(async () => {
  await browser?.close();
  await env?.server.stop();
});

/** Latin words on a Russian page, besides URLs, the brand and export formats. */
async function latinWords(page) {
  const text = await page.locator('main').innerText();
  return (text.replace(/https:\/\/\S+/g, '').match(/[A-Za-z]{3,}/g) || []).filter((w) => !['Oblako', 'CSV', 'XLSX'].includes(w));
}

test('the owner adds an endpoint, keeps the secret, tests it and reads the log (ru, 1366 and 390 px)', async () => {
  const page = await openPage(browser, env.server.url, { locale: 'ru-RU', width: 1366, height: 900 });
  await signIn(page, P.email, PASSWORD);
  await page.getByRole('link', { name: 'Веб-хуки' }).click();
  await page.getByText('Адресов пока нет').waitFor();
  await page.getByTestId('add-webhook').click();
  const dlg = page.locator('dialog[open]');
  await dlg.locator('input[name=url]').fill('https://10.0.0.1/hook');
  await dlg.getByText('Напоминание об окончании доступа').click();
  await dlg.getByText('Отчёт закрыт').click();
  await shot(page, 'wh-add-1366');
  await dlg.locator('button[type=submit]').click();
  // the SSRF guard's refusal, under the field, in Russian
  await dlg.getByText('ведёт на адрес, куда веб-хуки не отправляются', { exact: false }).waitFor();
  await dlg.locator('input[name=url]').fill('https://hooks.example/oblako');
  await dlg.locator('button[type=submit]').click();
  const reveal = page.locator('dialog[open]');
  await reveal.getByText('Ключ подписи').waitFor();
  const secret = await reveal.locator('input.mono').inputValue();
  assert.match(secret, /^whsec_/);
  await reveal.getByRole('button', { name: 'Копировать' }).waitFor();
  await shot(page, 'wh-secret-1366');
  await reveal.getByRole('button', { name: 'Готово' }).click();
  const row = page.locator('tr', { hasText: 'https://hooks.example/oblako' });
  await row.locator('.cell-wrap', { hasText: 'Напоминание об окончании доступа, Отчёт закрыт' }).waitFor();
  assert.ok(!(await page.locator('main').innerText()).includes(secret), 'the secret is shown once');
  await row.getByTestId('test').click();
  await page.getByText('Проверочное событие поставлено в очередь').waitFor();
  assert.deepEqual(await latinWords(page), []);
  await shot(page, 'wh-list-1366');
  await row.getByTestId('log').click();
  await page.getByRole('heading', { name: 'Журнал отправок' }).waitFor();
  await page.locator('tr', { hasText: 'Проверка' }).waitFor();
  assert.deepEqual(await latinWords(page), []);
  await shot(page, 'wh-log-1366');
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, 'wh-log-390');
  await page.goto('/webhooks');
  await page.locator('tr', { hasText: 'https://hooks.example/oblako' }).waitFor();
  await shot(page, 'wh-list-390');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('an operator of the partner has no webhooks in the menu', async () => {
  const op = await newEmployee(ctx, P, ['operator']);
  const page = await openPage(browser, env.server.url, { locale: 'ru-RU', width: 1366, height: 900 });
  await signIn(page, op.email, PASSWORD);
  await page.getByRole('link', { name: 'Отчёты' }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'Веб-хуки' }).count(), 0);
  await page.context().close();
});
