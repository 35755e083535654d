// Invitation codes in the cabinet and the public sign-up page, in Russian (issue 14 items 1, 2,
// 6): a partner's owner makes a code with an email and sees it big and grouped with a copy
// button; a client, signed out, opens the mailed /signup link (the code filled in), gets each
// refusal under its field, signs up and is told to check the mail; the mailed link confirms the
// address and signs in without asking for the password again, landing on the welcome page ("Пробный период по … включительно", the partner's contacts).
// The partner's list then shows the client and the activation date; an open code is revoked
// after a confirmation. Screenshots at 1366 and 390 px: build/screenshots/<engine>-inv-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { browserAndServer, openPage, shot, signIn, inviteLink, outboxBodies } from './lib/browser.js';
import { Client } from './lib/session.js';
import { newPartner, uniqueEmail } from './lib/accounts.js';

let browser, env, ctx, P;
const PASSWORD = 'a-good-password-1';
const CLIENT_PW = 'romashka-secret-7';

before(async () => {
  [browser, env] = await browserAndServer();
  const admin = new Client(env.server);
  assert.equal((await admin.login(env.admin.email, env.admin.password)).status, 200);
  ctx = { s: env.server, db: env.db, admin };
  P = await newPartner(ctx, { name: 'ООО «Альфа Софт»', phone: '+7 495 123-45-67', email: 'help@alfasoft.test', lang: 'ru' });
  assert.equal((await P.owner.patch('/api/v1/me', { name: 'Пётр Владельцев', lang: 'ru' })).status, 200);
});
after(async () => {
  await browser?.close();
  await env?.server.stop();
});

/** Latin words on a Russian page, besides the brand, export formats and invitation codes. */
async function latinWords(page) {
  const text = await page.locator('main').innerText();
  return (text.replace(/[2-9A-HJ-NP-Z]{4}(-[2-9A-HJ-NP-Z]{4}){3}/g, '').replace(/\S+@\S+/g, '')
    .match(/[A-Za-z]{3,}/g) || []).filter((w) => !['Oblako', 'CSV', 'XLSX'].includes(w));
}

async function noOverflow(page) {
  const wide = await page.evaluate(() => [...document.querySelectorAll('main *')]
    .filter((e) => !e.closest('.table-scroll') && e.getBoundingClientRect().right > window.innerWidth + 1)
    .map((e) => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`).slice(0, 5));
  assert.deepEqual(wide, [], `wider than ${await page.evaluate(() => window.innerWidth)} px`);
}

test('R-ONB-1..3 a partner makes a code, a client signs up with it and lands on the welcome page (ru, 1366 and 390 px)', async () => {
  const email = uniqueEmail('romashka');
  const owner = await openPage(browser, env.server.url, { locale: 'ru-RU', width: 1366, height: 900 });
  await signIn(owner, P.email, PASSWORD);
  await owner.getByRole('link', { name: 'Приглашения' }).click();
  await owner.getByRole('heading', { name: 'Приглашения для регистрации' }).waitFor();
  await owner.getByText('Кодов приглашения пока нет').waitFor();
  await owner.getByTestId('invitation-new').click();
  const dlg = owner.locator('dialog[open]');
  await dlg.locator('input[name=email]').fill(email);
  await shot(owner, 'inv-new-1366');
  await dlg.locator('button[type=submit]').click();
  const code = (await owner.getByTestId('invitation-code').innerText()).trim();
  assert.match(code, /^[2-9A-HJ-NP-Z]{4}(-[2-9A-HJ-NP-Z]{4}){3}$/);
  await owner.getByTestId('invitation-copy').waitFor();
  await owner.locator('tr', { hasText: code }).getByText('Действует').waitFor();
  assert.deepEqual(await latinWords(owner), []);
  await shot(owner, 'inv-made-1366');
  await owner.setViewportSize({ width: 390, height: 844 });
  await noOverflow(owner);
  await shot(owner, 'inv-made-390');

  // The client, signed out, follows the mailed link: the code is filled in.
  const mail = (await outboxBodies(env.db, email)).pop();
  const link = /https?:\/\/\S+\/signup\?code=[A-Z0-9-]+/.exec(mail)[0];
  const client = await openPage(browser, env.server.url, { locale: 'ru-RU', width: 1366, height: 900 });
  await client.goto(new URL(link).pathname + new URL(link).search);
  await client.getByRole('heading', { name: 'Регистрация в Облаке' }).waitFor();
  assert.equal(await client.locator('input[name=code]').inputValue(), code);
  await client.locator('input[name=name]').fill('ООО «Ромашка»');
  await client.locator('input[name=email]').fill(email);
  await client.locator('input[name=phone]').fill('12');
  await client.locator('input[name=password]').fill(CLIENT_PW);
  await client.locator('form button[type=submit]').click();
  // the refusal under its field, in Russian
  await client.locator('.field', { has: client.locator('input[name=phone]') }).locator('.field-error').waitFor();
  await shot(client, 'inv-signup-error-1366');
  await client.locator('input[name=phone]').fill('+7 900 123-45-67');
  await client.locator('form button[type=submit]').click();
  await client.getByTestId('signup-done').waitFor();
  await client.getByText('Проверьте почту').waitFor();
  assert.deepEqual(await latinWords(client), []);
  await shot(client, 'inv-signup-done-1366');
  await client.setViewportSize({ width: 390, height: 844 });
  await noOverflow(client);
  await shot(client, 'inv-signup-done-390');

  // The mailed link confirms the address and signs in: the password is not asked again.
  await client.goto(await inviteLink(env.db, email));
  await client.getByRole('button', { name: 'Подтвердить адрес и войти' }).waitFor();
  assert.equal(await client.locator('input[name=password]').count(), 0, 'the password is not asked again');
  await shot(client, 'inv-confirm-390');
  await client.locator('form button[type=submit]').click();
  await client.waitForURL(/\/welcome\/\d+$/);
  await client.getByTestId('welcome-trial').waitFor();
  const trial = await client.getByTestId('welcome-trial').innerText();
  assert.match(trial, /^Пробный период по \d\d\.\d\d\.\d{4} включительно$/);
  await client.getByText('ООО «Альфа Софт»').waitFor();
  await client.getByText('+7 495 123-45-67').waitFor();
  assert.deepEqual(await latinWords(client), []);
  await noOverflow(client);
  await shot(client, 'inv-welcome-390');
  await client.setViewportSize({ width: 1366, height: 900 });
  await shot(client, 'inv-welcome-1366');
  assert.deepEqual(client.problems, []);
  await client.context().close();

  // The partner's list: the client and the activation date; another code revoked after a confirmation.
  await owner.setViewportSize({ width: 1366, height: 900 });
  await owner.goto('/invitations');
  const row = owner.locator('tr', { hasText: code });
  await row.getByText('Активирован').waitFor();
  await row.getByText('ООО «Ромашка»').waitFor();
  // R-ONB-3: «Дата активации» is a date written like «Создан», in the service's time zone (the
  // code was made and used the same day).
  const cells = await row.locator('td').allInnerTexts();
  assert.match(cells[5], /^\d\d\.\d\d\.\d{4}$/, JSON.stringify(cells));
  assert.equal(cells[5], cells[2], JSON.stringify(cells));
  await owner.getByTestId('invitation-new').click();
  await owner.locator('dialog[open] button[type=submit]').click();
  const second = (await owner.getByTestId('invitation-code').innerText()).trim();
  const open = owner.locator('tr', { hasText: second });
  await open.getByRole('button', { name: 'Отозвать' }).click();
  await owner.locator('dialog[open]').getByText('Отозвать код приглашения?').waitFor();
  await shot(owner, 'inv-revoke-1366');
  await owner.locator('dialog[open] button[type=submit]').click();
  await open.getByText('Отозван').waitFor();
  assert.deepEqual(await latinWords(owner), []);
  await shot(owner, 'inv-list-1366');
  await owner.setViewportSize({ width: 390, height: 844 });
  await noOverflow(owner);
  await shot(owner, 'inv-list-390');
  assert.deepEqual(owner.problems, []);
  await owner.context().close();
});
