// A server refusal in the Russian cabinet reads in Russian (issue 11, item 1):
// the form shows the refusal beside its field, rendered from the server's
// catalog (/i18n/messages.ru.json) by the problem's reason, never the English
// text of the server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launchBrowser, openPage, shot, signIn } from './lib/browser.js';
import { setup, newPartner } from './lib/accounts.js';
import { newClient } from './lib/areas.js';

const PASSWORD = 'a-good-password-1';
const ru = JSON.parse(readFileSync(new URL('../../data/messages.ru.json', import.meta.url), 'utf8'));
let browser;
let ctx;
let P;

before(async () => {
  browser = await launchBrowser();
  ctx = await setup('messages-browser');
  P = await newPartner(ctx, { name: 'ООО «Альфа Софт»', lang: 'ru' });
});
after(async () => {
  await browser?.close();
  await ctx?.s.stop();
});

test('the Russian cabinet shows a server refusal in Russian, beside the field it names', async () => {
  const c = await newClient(ctx, P, 'ООО Ромашка');
  const page = await openPage(browser, ctx.s.url, { locale: 'ru-RU', width: 1366, height: 900 });
  await signIn(page, c.email, PASSWORD);
  await page.goto('/profile');
  const answer = page.waitForResponse((r) => r.url().endsWith('/api/v1/me') && r.request().method() === 'PATCH');
  await page.locator('input[name=current_password]').fill(PASSWORD);
  await page.locator('input[name=password]').fill('qwerty12345');
  await page.locator('input[name=repeat]').fill('qwerty12345');
  await page.locator('input[name=repeat]').press('Enter');
  const problem = await (await answer).json();
  assert.equal(problem.reason, 'person.password_common', JSON.stringify(problem));
  const error = page.locator('input[name=password]').locator('xpath=..').locator('.field-error');
  await error.filter({ hasText: ru['person.password_common'] }).waitFor();
  const text = await error.innerText();
  assert.doesNotMatch(text, /[a-z]{4,}/i, `no English beside the field: ${text}`);
  await shot(page, 'messages-01-refusal-in-russian');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
