// What was mailed, in the cabinet in Russian (issue 13 item 7): the
// provider's «Почта» (a failed message found by its state, opened and sent
// again), the reminders section of a client's subscription page (its owner)
// and the last reminder on the partner's client card. Screenshots at 1366
// and 390 px go to build/screenshots/<engine>-mailroom-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, openPage, shot, signIn } from './lib/browser.js';
import { setup, newPartner } from './lib/accounts.js';
import { newClient } from './lib/areas.js';
import { outboxRow, reminderRow } from './lib/mailroom.js';

const PASSWORD = 'a-good-password-1';
let browser;
let ctx;
let P;
let C;
let failed;

before(async () => {
  browser = await launchBrowser();
  ctx = await setup('mailroom-browser');
  P = await newPartner(ctx, { name: 'ООО «Альфа Софт»', lang: 'ru' });
  C = await newClient(ctx, P, 'ООО Финиш');
  const person = (await C.owner.get('/api/v1/me')).body.id;
  // R-NOT-1: the end through 2027-03-31: L−7 accepted by the mail server, L−3 not delivered
  reminderRow(ctx.db, C.id, -7, '2027-03-31', [[outboxRow(ctx.db, C.email, C.id, 'sent'), person]]);
  failed = outboxRow(ctx.db, C.email, C.id, 'failed');
  reminderRow(ctx.db, C.id, -3, '2027-03-31', [[failed, person]]);
});
after(async () => {
  await browser?.close();
  await ctx?.s.stop();
});

const ruPage = (width) => openPage(browser, ctx.s.url, { locale: 'ru-RU', width, height: 900 });

test('«Почта»: the provider finds a failed message, reads it and sends it again once', async () => {
  const page = await ruPage(1366);
  await signIn(page, ctx.env.email, ctx.env.password);
  await page.goto('/mail?state=failed');
  const row = page.locator('tr', { hasText: C.email });
  await row.getByText('Не доставлено').waitFor();
  assert.equal(await page.locator('tbody tr').count(), 1);
  await shot(page, 'mailroom-01-outbox');
  await row.locator('a').first().click();
  await page.getByTestId('mail-text').getByText('Доступ по 31.03.2027').waitFor();
  await page.getByTestId('mail-resend').click();
  await page.locator('.toast', { hasText: 'Письмо поставлено в очередь повторно' }).waitFor();
  await page.getByText('исходное письмо').waitFor();
  await shot(page, 'mailroom-02-copy');
  // an invitation's text is the addressee's alone
  await page.goto('/mail?template=member_invited');
  await page.locator('tbody tr a').first().click();
  await page.getByTestId('mail-hidden').waitFor();
  assert.equal(await page.getByTestId('mail-resend').count(), 0);
  await page.setViewportSize({ width: 390, height: 900 });
  await page.goto('/mail');
  await page.locator('tbody tr').first().waitFor();
  await shot(page, 'mailroom-03-outbox-390');
  assert.deepEqual(page.problems, []);
});

test("the client's owner sees the reminders sent; the partner sees the last one on the client's card", async () => {
  const page = await ruPage(1366);
  await signIn(page, C.email, PASSWORD);
  await page.goto('/subscription');
  const card = page.locator('.reminders-card');
  await card.getByText('за 7 дней').waitFor();
  await card.getByText('за 3 дня').waitFor();
  await card.getByText(/^по 31 мар\.? 2027( г\.)? включительно$/).first().waitFor();
  await card.getByText('Не доставлено').waitFor();
  const partner = await ruPage(1366);
  await signIn(partner, P.email, PASSWORD);
  await partner.goto(`/subscribers/${C.id}`);
  await partner.getByTestId('last-reminder-state').getByText('Не доставлено').waitFor();
  await partner.getByText(/^за 3 дня · по 31 мар\.? 2027( г\.)? включительно$/).waitFor();
  for (const width of [1366, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await partner.setViewportSize({ width, height: 900 });
    await shot(page, `mailroom-04-subscriber-${width}`);
    await shot(partner, `mailroom-05-partner-${width}`);
  }
  assert.deepEqual([...page.problems, ...partner.problems], []);
});
