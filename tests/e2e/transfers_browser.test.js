// R-TRF-1 in a real browser, in Russian: the new partner files a transfer from
// its Заявки page with the client's letter (an HTML file named letter.pdf is
// refused under the letter field), the provider forwards it, the current
// partner objects on a phone-sized screen before the deadline it is shown,
// and the provider approves with the objection and the letter in the dialog.
// Screenshots go to build/screenshots/<engine>-transfers-*.png (1366 and 390 px).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, openPage, shot, signIn } from './lib/browser.js';
import { setup, newPartner } from './lib/accounts.js';
import { newClient } from './lib/areas.js';

const PASSWORD = 'a-good-password-1';
let browser;
let ctx;
let OLD;
let NEW;
let C;

before(async () => {
  browser = await launchBrowser();
  ctx = await setup('transfers-browser');
  OLD = await newPartner(ctx, { name: 'Бета Консалтинг', lang: 'ru' });
  NEW = await newPartner(ctx, { name: 'Альфа Софт', lang: 'ru' });
  C = await newClient(ctx, OLD, 'ООО Вектор');
  C.code = (await OLD.owner.get(`/api/v1/subscribers/${C.id}`)).body.reporting_number;
});

after(async () => {
  await browser?.close();
  await ctx?.s.stop();
});

const ruPage = (width = 1366) => openPage(browser, ctx.s.url, { locale: 'ru-RU', width, height: 900 });

test('R-TRF-1 the whole path in the Russian cabinet: file with a letter, forward, object, approve', async () => {
  // the new partner files it
  const p = await ruPage();
  await signIn(p, NEW.email, PASSWORD);
  await p.goto('/requests');
  const card = p.locator('section.card', { hasText: 'Переводы клиентов между партнёрами' });
  await card.getByRole('button', { name: 'Перевести клиента от другого партнёра' }).click();
  const dlg = p.locator('dialog[open]');
  await dlg.locator('input[name=subscriber]').fill(C.code);
  await dlg.locator('textarea[name=reason]').fill('Переезд офиса, обслуживание рядом');
  await dlg.locator('input[name=letter]').setInputFiles({ name: 'letter.pdf', mimeType: 'application/pdf', buffer: Buffer.from('<html>not a scan</html>') });
  await dlg.locator('button[type=submit]').click();
  await dlg.locator('[data-field=letter] .field-error', { hasText: 'PDF, JPEG или PNG' }).waitFor();
  await shot(p, 'transfers-01-letter-refused');
  await dlg.locator('input[name=letter]').setInputFiles({ name: 'letter.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n%%EOF\n') });
  await dlg.locator('button[type=submit]').click();
  await p.locator('.toast', { hasText: 'Запрос на перевод подан' }).waitFor();
  const row = card.locator('tr', { hasText: 'ООО Вектор' });
  await row.locator('.badge', { hasText: 'Подан поставщику' }).waitFor();
  await shot(p, 'transfers-02-filed');

  // the provider forwards it
  const a = await ruPage();
  await signIn(a, ctx.env.email, ctx.env.password);
  await a.goto('/requests');
  const arow = a.locator('section.card', { hasText: 'Переводы клиентов' }).locator('tr', { hasText: 'ООО Вектор' });
  await arow.getByRole('button', { name: 'Направить партнёру' }).click();
  await a.locator('dialog[open] .dialog-text', { hasText: 'Бета Консалтинг' }).waitFor();
  await a.locator('dialog[open] button[type=submit]').click();
  await a.locator('.toast', { hasText: 'Запрос направлен действующему партнёру' }).waitFor();

  // the current partner objects, on a phone
  const o = await ruPage(390);
  await signIn(o, OLD.email, PASSWORD);
  await o.goto('/requests');
  const orow = o.locator('tr', { hasText: 'ООО Вектор' });
  await orow.locator('.badge', { hasText: 'Ждём ответа' }).waitFor();
  assert.match(await orow.textContent(), /ответ до/);
  await shot(o, 'transfers-03-current-partner-390');
  await orow.getByRole('button', { name: 'Возразить' }).click();
  await o.locator('dialog[open] textarea[name=reason]').fill('Клиент не закрыл долг за доработку');
  await shot(o, 'transfers-04-object-dialog-390');
  await o.locator('dialog[open] button[type=submit]').click();
  await o.locator('.toast', { hasText: 'Ответ отправлен' }).waitFor();
  await orow.locator('.badge', { hasText: 'Возражает' }).waitFor();

  // the provider approves, seeing the objection and the letter
  await a.reload();
  await arow.getByRole('button', { name: 'Одобрить' }).click();
  const ad = a.locator('dialog[open]');
  await ad.locator('dd', { hasText: 'Клиент не закрыл долг за доработку' }).waitFor();
  assert.equal(await ad.getByRole('link', { name: 'Скачать письмо' }).count(), 1);
  await shot(a, 'transfers-05-approve-dialog');
  await ad.locator('button[type=submit]').click();
  await a.locator('.toast', { hasText: 'Перевод одобрен' }).waitFor();
  await arow.locator('.badge', { hasText: 'Одобрен' }).waitFor();
  await shot(a, 'transfers-06-approved');

  // no English, codes or #ids on the Russian page's transfers card
  const text = await a.locator('section.card', { hasText: 'Переводы клиентов' }).textContent();
  assert.doesNotMatch(text, /#\d|forwarded|approved|objected|transfer\./);
  assert.equal((await ctx.admin.get(`/api/v1/subscribers/${C.id}`)).body.partner.id, NEW.id);
  for (const pg of [p, a, o]) assert.deepEqual(pg.problems, []);
});
