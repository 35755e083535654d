// Joining by invitation in the cabinet, in Russian: the partner's owner
// invites an employee, the invitee opens the emailed link, sets a password,
// accepts and is in the partner's cabinet; a subscriber's owner sees pending
// invitations, sends one again and withdraws one; a spent link says why.
// Screenshots at 1366 and 390 px go to build/screenshots/<engine>-inv-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { browserAndServer, openPage, shot, signIn, inviteLink } from './lib/browser.js';
import { Client } from './lib/session.js';
import { newPartner, activate, uniqueEmail } from './lib/accounts.js';

let browser;
let env;
let ctx;
let P;
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

const ruPage = (width = 1366) => openPage(browser, env.server.url, { locale: 'ru-RU', width, height: 900 });

/** Words in Latin letters on a Russian page, besides emails, the brand, the
 * export formats and the cabinet's "Email" column (its Russian catalog says so). */
async function latinWords(page) {
  const text = await page.locator('body').innerText();
  return (text.replace(/\S+@\S+/g, '').match(/[A-Za-z]{3,}/g) || [])
    .filter((w) => !['Oblako', 'CSV', 'XLSX', 'EMAIL', 'Email'].includes(w));
}

test('the owner invites an employee; the invitee sets a password, accepts and works in the partner', async () => {
  const owner = await ruPage();
  await signIn(owner, P.email, PASSWORD);
  await owner.goto('/employees');
  await owner.getByRole('button', { name: 'Пригласить сотрудника' }).click();
  const dlg = owner.locator('dialog[open]');
  await dlg.getByText('Мы отправим приглашение на этот адрес').waitFor();
  const email = uniqueEmail('olga');
  await dlg.locator('input[name=email]').fill(email);
  await dlg.locator('input[name=name]').fill('Ольга Операторова');
  await dlg.locator('input[type=checkbox][value=operator]').check();
  await dlg.locator('button[type=submit]').click();
  await owner.locator('.toast', { hasText: 'Приглашение отправлено' }).waitFor();
  const row = owner.locator('.invites tr', { hasText: email });
  await row.locator('.role', { hasText: 'Оператор' }).waitFor();
  await row.getByRole('button', { name: 'Отправить снова' }).waitFor();
  // the employee list itself has no row for someone who has not accepted
  assert.equal(await owner.locator('.table-wrap').first().locator('tr', { hasText: email }).count(), 0);
  assert.deepEqual(await latinWords(owner), []);
  await owner.waitForFunction(() => !document.querySelector('.toast'));
  await shot(owner, 'inv-01-employees-invited-1366');
  await owner.setViewportSize({ width: 390, height: 844 });
  await shot(owner, 'inv-02-employees-invited-390');

  // the invitee, in another browser, follows the link from the email
  const link = await inviteLink(env.db, email);
  const guest = await ruPage();
  await guest.goto(link);
  await guest.locator('h1', { hasText: 'Приглашение' }).waitFor();
  await guest.getByText('Пётр Владельцев приглашает вас в ООО «Альфа Софт».').waitFor();
  await guest.locator('.invite-card .role', { hasText: 'Оператор' }).waitFor();
  assert.equal(await guest.locator('input[name=name]').inputValue(), 'Ольга Операторова');
  assert.deepEqual(await latinWords(guest), []);
  await shot(guest, 'inv-03-invite-page-1366');
  await guest.setViewportSize({ width: 390, height: 844 });
  const overflow = await guest.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the invitation page scrolls sideways by ${overflow}px at 390 px`);
  await shot(guest, 'inv-04-invite-page-390');
  await guest.setViewportSize({ width: 1366, height: 900 });
  await guest.locator('input[name=password]').fill('olga-password-1');
  await guest.locator('input[name=repeat]').fill('olga-password-2');
  await guest.locator('form button[type=submit]').click();
  await guest.getByText('Пароли не совпадают').waitFor();
  await guest.locator('input[name=repeat]').fill('olga-password-1');
  await guest.locator('form button[type=submit]').click();
  // signed in with the new password, in the partner's cabinet
  await guest.locator('[data-testid=person]', { hasText: 'Ольга Операторова' }).waitFor();
  await guest.locator('nav.side').getByText('Заявки').waitFor();
  await guest.locator('.head-account', { hasText: 'ООО «Альфа Софт»' }).waitFor();
  await shot(guest, 'inv-05-invitee-signed-in');
  assert.deepEqual(guest.problems, []);

  // the owner sees them among the employees now, and no pending invitation
  await owner.setViewportSize({ width: 1366, height: 900 });
  await owner.reload();
  await owner.locator('tr', { hasText: 'Ольга Операторова' }).waitFor();
  await owner.locator('.invites').getByText('Нет ожидающих приглашений').waitFor();
  // the spent link says so, in Russian
  const again = await ruPage();
  await again.goto(link);
  await again.getByText('Приглашение уже принято. Войдите с вашим адресом и паролем.').waitFor();
  await shot(again, 'inv-06-invite-used');
  assert.deepEqual(owner.problems, []);
  for (const p of [owner, guest, again]) await p.context().close();
});

test("a subscriber's owner sees pending invitations, sends one again and withdraws one", async () => {
  const ownerEmail = uniqueEmail('director');
  const sub = await P.owner.post('/api/v1/subscribers', { name: 'ООО «Ромашка»', owner_email: ownerEmail, owner_name: 'Ирина Директорова' });
  assert.equal(sub.status, 201, JSON.stringify(sub.body));
  await activate(ctx.s, ctx.db, ownerEmail, PASSWORD);
  const page = await ruPage();
  await signIn(page, ownerEmail, PASSWORD);
  await page.goto('/users');
  for (const [email, limit] of [[uniqueEmail('buh'), '2'], [uniqueEmail('kassa'), '']]) {
    await page.getByRole('button', { name: 'Пригласить пользователя' }).click();
    const dlg = page.locator('dialog[open]');
    await dlg.locator('input[name=email]').fill(email);
    if (limit) await dlg.locator('input[name=session_limit]').fill(limit);
    await dlg.locator('button[type=submit]').click();
    await page.locator('.invites tr', { hasText: email }).waitFor();
  }
  const rows = page.locator('.invites tbody tr');
  assert.equal(await rows.count(), 2);
  await page.locator('.invites td.num', { hasText: '2' }).waitFor();
  assert.deepEqual(await latinWords(page), []);
  await page.waitForFunction(() => !document.querySelector('.toast'));
  await shot(page, 'inv-07-users-invited-1366');
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, 'inv-08-users-invited-390');
  await page.setViewportSize({ width: 1366, height: 900 });
  const first = rows.first();
  const email = (await first.locator('strong').textContent()).trim();
  await first.getByRole('button', { name: 'Отправить снова' }).click();
  await page.locator('.toast', { hasText: 'Приглашение отправлено снова' }).waitFor();
  await page.locator('.invites tr', { hasText: email }).getByRole('button', { name: 'Отозвать' }).click();
  const dlg = page.locator('dialog[open]');
  await dlg.getByText(`Отозвать приглашение для ${email}?`).waitFor();
  await dlg.getByRole('button', { name: 'Отозвать' }).click();
  await page.locator('.toast', { hasText: 'Приглашение отозвано' }).waitFor();
  await page.locator('.invites tbody tr').nth(1).waitFor({ state: 'detached' });
  assert.equal(await page.locator('.invites tr', { hasText: email }).count(), 0);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('the partner sees the owner invitation of a new client on its page', async () => {
  const ownerEmail = uniqueEmail('vasilek');
  const sub = await P.owner.post('/api/v1/subscribers', { name: 'ООО «Василёк»', owner_email: ownerEmail });
  const page = await ruPage();
  await signIn(page, P.email, PASSWORD);
  await page.goto(`/subscribers/${sub.body.id}`);
  const box = page.locator('.card', { hasText: 'Приглашение владельца' });
  await box.locator('tr', { hasText: ownerEmail }).waitFor();
  await box.locator('.role', { hasText: 'Владелец' }).waitFor();
  assert.deepEqual(await latinWords(page), []);
  await shot(page, 'inv-09-partner-client-owner-invited');
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, 'inv-09-partner-client-owner-invited-390');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('someone with a login already just accepts, then signs in as usual', async () => {
  const email = uniqueEmail('known');
  const sub = await P.owner.post('/api/v1/subscribers', { name: 'ООО «Лютик»', owner_email: email });
  assert.equal(sub.status, 201);
  await activate(ctx.s, ctx.db, email, PASSWORD);
  assert.equal((await P.owner.post(`/api/v1/partners/${P.id}/employees`, { email, roles: ['consultant'] })).status, 202);
  const page = await ruPage();
  await page.goto(await inviteLink(env.db, email));
  await page.getByText(`У адреса ${email} уже есть пароль в Облаке`).waitFor();
  assert.equal(await page.locator('input[type=password]').count(), 0, 'no password is asked for');
  await shot(page, 'inv-10-invite-known-person');
  await page.getByRole('button', { name: 'Принять приглашение' }).click();
  await page.getByText('Приглашение принято').waitFor();
  await page.getByText('ООО «Альфа Софт» теперь среди ваших учётных записей.').waitFor();
  await page.getByRole('link', { name: 'Войти' }).click();
  await page.locator('input[name=email]').fill(email);
  await page.locator('input[name=password]').fill(PASSWORD);
  await page.locator('form button[type=submit]').click();
  await page.locator('[data-testid=person]').waitFor();
  const options = await page.locator('.acc-select option').allTextContents();
  assert.ok(options.some((o) => o.includes('ООО «Альфа Софт»')), options.join(' | '));
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
