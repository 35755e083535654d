// Access that ends, in the cabinet, in Russian (issue 9, items 1 and 3): the
// profile's password form says what a change ends and offers to keep the API
// tokens; a change signs every other browser out; a reset link's page offers
// the same choice and a first-password page does not; a client's owner sees
// a grant ended by the partner, and why. Screenshots at 1366 and 390 px go to
// build/screenshots/<engine>-access-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, openPage, shot, signIn, passwordLink } from './lib/browser.js';
import { setup, newPartner, newEmployee } from './lib/accounts.js';
import { withBackend, newClient, readyArea } from './lib/areas.js';

const PASSWORD = 'a-good-password-1';
let browser;
let ctx;
let cb;
let P;

before(async () => {
  browser = await launchBrowser();
  ctx = await setup('access-browser');
  cb = await withBackend(ctx);
  P = await newPartner(ctx, { name: 'ООО «Альфа Софт»', lang: 'ru' });
});
after(async () => {
  await browser?.close();
  await cb?.stop();
  await ctx?.s.stop();
});

const ruPage = (width = 1366) => openPage(browser, ctx.s.url, { locale: 'ru-RU', width, height: 900 });

test('the profile: a password change ends the other browser sessions; the tokens are revoked unless kept', async () => {
  const c = await newClient(ctx, P, 'ООО Ромашка');
  expect200(await c.owner.patch('/api/v1/me', { name: 'Анна Владельцева', lang: 'ru' }));
  const token = await c.owner.post('/api/v1/tokens', { account: c.id, roles: 'owner', name: '1С:Бухгалтерия — обмен' });
  assert.equal(token.status, 201);
  const here = await ruPage();
  const there = await ruPage();
  await signIn(here, c.email, PASSWORD);
  await signIn(there, c.email, PASSWORD);
  await here.goto('/profile');
  const card = here.locator('.card', { hasText: 'Пароль' }).filter({ has: here.locator('input[name=current_password]') });
  await card.getByText('После смены пароля все другие ваши сеансы в браузерах завершатся').waitFor();
  const keep = card.getByLabel('Оставить мои API-токены действующими');
  assert.equal(await keep.isChecked(), false, 'the tokens are revoked unless the person chooses');
  // R-NOT-3: the mail preferences, in Russian; a box cleared is a kind turned off
  const mail = here.locator('#mail');
  await mail.getByText('Уведомления по почте').waitFor();
  const limit = mail.getByLabel('Не хватает одновременных сеансов (не чаще раза в день)');
  assert.equal(await limit.isChecked(), true, 'every kind is on until the person turns it off');
  await limit.uncheck();
  await mail.locator('button[type=submit]').click();
  await here.locator('.toast', { hasText: 'Сохранено' }).waitFor();
  assert.deepEqual((await c.owner.get('/api/v1/me')).body.mail_off, ['session.limit_reached']);
  await shot(here, 'access-01-profile');
  await card.locator('input[name=current_password]').fill(PASSWORD);
  await card.locator('input[name=password]').fill('сквозняк-над-рекой-7');
  await card.locator('input[name=repeat]').fill('сквозняк-над-рекой-7');
  await card.locator('button[type=submit]').click();
  await here.locator('.toast', { hasText: 'Пароль изменён, другие сеансы завершены' }).waitFor();
  // the other browser is out at its next request; the token row says revoked
  await there.reload();
  await there.locator('input[name=password]').waitFor();
  assert.match(there.url(), /\/signin/);
  await here.reload();
  const row = here.locator('tr', { hasText: '1С:Бухгалтерия — обмен' });
  await row.getByText('Отозван').waitFor();
  const phone = await ruPage(390);
  await signIn(phone, c.email, 'сквозняк-над-рекой-7');
  await phone.goto('/profile');
  await phone.getByLabel('Оставить мои API-токены действующими').waitFor();
  await shot(phone, 'access-02-profile-390');
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
  for (const p of [here, there, phone]) assert.deepEqual(p.problems, []);
});

test('a reset link\'s page offers to keep the tokens; a first password\'s page does not', async () => {
  const c = await newClient(ctx, P, 'ООО Колокольчик');
  const page = await ruPage(390);
  await page.goto('/forgot');
  await page.locator('input[name=email]').fill(c.email);
  await page.locator('form button[type=submit]').click();
  await page.locator('.success').waitFor();
  const link = await passwordLink(ctx.db, c.email);
  const full = await outboxResetLink(c.email);
  assert.match(full, /reset=1/);
  await page.goto(full);
  await page.getByText('Все ваши сеансы в браузерах завершатся').waitFor();
  await page.getByLabel('Оставить мои API-токены действующими').waitFor();
  await shot(page, 'access-03-reset-390');
  // the same page without the mark (a first password) asks nothing about tokens
  await page.goto(link);
  await page.locator('input[name=repeat]').waitFor();
  assert.equal(await page.getByLabel('Оставить мои API-токены действующими').count(), 0);
  assert.deepEqual(page.problems, []);
});

test('the owner sees a grant the partner ended by removing its employee, and why', async () => {
  const c = await newClient(ctx, P, 'ООО Незабудка');
  const a = await readyArea(c.owner, c.id, 'Основная база');
  const emp = await newEmployee(ctx, P, ['consultant']);
  const today = (await ctx.s.fetch('/api/v1/test/clock').then((r) => r.json())).date;
  assert.equal((await c.owner.post('/api/v1/grants', { area: a.id, email: emp.email, until: today })).status, 201);
  assert.equal((await P.owner.del(`/api/v1/partners/${P.id}/employees/${emp.person}`)).status, 204);
  for (const width of [1366, 390]) {
    const page = await ruPage(width);
    await signIn(page, c.email, PASSWORD);
    await page.goto('/grants');
    const row = page.locator('[data-testid=grants] tr', { hasText: emp.email });
    await row.getByText('Прекращён').waitFor();
    await row.getByText('сотрудник больше не работает у партнёра').waitFor();
    assert.equal(await row.getByRole('button', { name: 'Отозвать' }).count(), 0, 'nothing to revoke');
    await shot(page, `access-04-grants-${width}`);
    assert.deepEqual(page.problems, []);
  }
});

function expect200(r) {
  assert.equal(r.status, 200, JSON.stringify(r.body));
}

/** The newest reset link emailed to an address, with its query as sent. */
async function outboxResetLink(email) {
  const { outboxBodies } = await import('./lib/browser.js');
  const bodies = await outboxBodies(ctx.db, email);
  const m = /\/password\?token=[A-Za-z0-9_-]+&reset=1/.exec(bodies.at(-1));
  assert.ok(m, bodies.at(-1));
  return m[0];
}
