// The cabinet in a real browser (Debian's Chromium through playwright-core):
// sign-in, the partner questionnaire through approval to the new owner's
// first sign-in, language switching, the profile. Screenshots go to
// build/screenshots/<engine>-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './lib/server.js';
import { browserAndServer, openPage, shot, passwordLink, signIn } from './lib/browser.js';
import { Client } from './lib/session.js';
import { newPartner, activate, uniqueEmail } from './lib/accounts.js';

let browser;
let env;

before(async () => {
  [browser, env] = await browserAndServer();
});
after(async () => {
  await browser?.close();
  await env?.server.stop();
});

let ownerCreds = null; // the partner owner made by the questionnaire test: {email, password, name}

/** A 10-digit INN with valid check digits from 9 digits. */
function inn10(nine) {
  const w = [2, 4, 10, 3, 5, 9, 4, 6, 8];
  const sum = [...nine].reduce((a, d, i) => a + Number(d) * w[i], 0);
  return nine + String((sum % 11) % 10);
}

test('both message catalogs have the same keys and every literal key the code uses', () => {
  const web = path.join(repoRoot, 'web');
  const en = JSON.parse(readFileSync(path.join(web, 'i18n/en.json'), 'utf8'));
  const ru = JSON.parse(readFileSync(path.join(web, 'i18n/ru.json'), 'utf8'));
  // plural forms differ by language (ru: one/few/many/other, en: one/other): i18n_keys.test.js checks them
  const base = (c) => [...new Set(Object.keys(c).map((k) => k.replace(/\.(zero|one|two|few|many|other)$/, '')))].sort();
  assert.deepEqual(base(ru), base(en));
  for (const [k, v] of Object.entries(ru)) assert.ok(v.trim(), `ru.json: empty ${k}`);
  const files = ['app.js', 'ui.js', 'api.js', ...readdirSync(path.join(web, 'pages')).map((f) => `pages/${f}`)];
  for (const f of files) {
    const src = readFileSync(path.join(web, f), 'utf8');
    for (const m of src.matchAll(/\bt\('([a-z_.0-9]+)'/g)) assert.ok(m[1] in en, `${f}: no message ${m[1]}`);
    for (const m of src.matchAll(/label: '(nav\.[a-z_.]+)'/g)) assert.ok(m[1] in en, `${f}: no message ${m[1]}`);
    assert.doesNotMatch(src, /innerHTML|insertAdjacentHTML|\.style\./, `${f} must build the DOM without HTML strings or inline styles`);
  }
});

test('sign-in: a wrong password is explained, then the cabinet opens with the person in the header', async () => {
  const page = await openPage(browser, env.server.url);
  await page.goto('/partners');
  await page.waitForURL(/\/signin\?next=%2Fpartners/);
  await page.locator('input[name=email]').fill(env.admin.email);
  await page.locator('input[name=password]').fill('not-the-password');
  await page.locator('form button[type=submit]').click();
  await assert.doesNotReject(page.getByText('Wrong email or password.').waitFor());
  await shot(page, '01-signin-wrong-password');

  await page.locator('input[name=password]').fill(env.admin.password);
  await page.locator('form button[type=submit]').click();
  await page.waitForURL(/\/partners$/);
  assert.equal(await page.locator('[data-testid=person]').textContent(), env.admin.email);
  // the provider's own language is Russian (the default of a new person)
  assert.equal(await page.locator('html').getAttribute('lang'), 'ru');
  await page.locator('nav.side').getByText('Анкеты партнёров').waitFor();
  await shot(page, '02-provider-partners');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('sign-in: the second-factor step and the rate-limit message', async () => {
  const page = await openPage(browser, env.server.url);
  // answers the server gives in those cases, played back to the page
  let calls = 0;
  await page.route('**/api/v1/auth/login', (route) => {
    calls++;
    const body = JSON.parse(route.request().postData());
    if (calls === 1) {
      assert.equal(body.otp, undefined);
      return route.fulfill({ status: 401, contentType: 'application/problem+json', body: JSON.stringify({ code: 'unauthorized', field: 'otp', detail: 'a code is needed' }) });
    }
    assert.equal(body.otp, '123456');
    assert.equal(body.password, 'pw-1234567890');
    return route.fulfill({ status: 429, contentType: 'application/problem+json', body: JSON.stringify({ code: 'rate_limited', detail: 'slow down', retry_after: 42 }) });
  });
  await page.goto('/signin');
  await page.locator('input[name=email]').fill('someone@example.com');
  await page.locator('input[name=password]').fill('pw-1234567890');
  await page.locator('form button[type=submit]').click();
  await page.locator('input[name=otp]').waitFor();
  await page.locator('input[name=otp]').fill('123456');
  await page.locator('form button[type=submit]').click();
  await page.getByText('Too many attempts. Try again in 42 s.').waitFor();
  await shot(page, '03-signin-otp-rate-limited');
  assert.equal(calls, 2);
  await page.context().close();
});

test('forgot password and a stale link are explained', async () => {
  const page = await openPage(browser, env.server.url);
  await page.goto('/signin');
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await page.waitForURL(/\/forgot$/);
  await page.locator('input[name=email]').fill('nobody@example.com');
  await page.locator('form button[type=submit]').click();
  await page.getByText('Check your mail').waitFor();
  await shot(page, '08-forgot-sent');
  await page.goto('/password?token=not-a-real-token');
  await page.locator('input[name=password]').fill('another-pass-1');
  await page.locator('input[name=repeat]').fill('another-pass-2');
  await page.locator('form button[type=submit]').click();
  await page.getByText('The passwords differ').waitFor();
  await page.locator('input[name=repeat]').fill('another-pass-1');
  await page.locator('form button[type=submit]').click();
  await page.locator('.form-error').waitFor();
  assert.match(await page.locator('.form-error').textContent(), /expired|used|Check the data|invalid/i);
  await shot(page, '09-password-bad-link');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('switching the language changes the visible texts and persists after a reload', async () => {
  const page = await openPage(browser, env.server.url);
  await signIn(page, env.admin.email, env.admin.password);
  const nav = page.locator('nav.side');
  await nav.getByText('Профиль').waitFor();
  await page.locator('.app-head .lang-btn', { hasText: 'EN' }).click();
  await nav.getByText('Profile').waitFor();
  await page.locator('.toast', { hasText: 'Language saved' }).waitFor();
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  await page.reload();
  await nav.getByText('Partner applications').waitFor();
  assert.equal(await page.locator('h1').first().textContent(), 'Partner applications');
  await shot(page, '04-provider-applications-en');

  // and back, through the profile form this time
  await page.goto('/profile');
  await page.locator('select[name=lang]').selectOption('ru');
  await page.locator('input[name=name]').fill('Ирина Админова');
  await page.locator('form', { has: page.locator('select[name=lang]') }).locator('button[type=submit]').click();
  await nav.getByText('Профиль').waitFor();
  await page.locator('[data-testid=person]', { hasText: 'Ирина Админова' }).waitFor();
  await page.reload();
  await page.locator('h1', { hasText: 'Профиль' }).waitFor();
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('profile: an API token is shown once and can be revoked', async () => {
  const page = await openPage(browser, env.server.url);
  await signIn(page, env.admin.email, env.admin.password);
  await page.goto('/profile');
  await page.getByRole('button', { name: 'Новый токен' }).click();
  const dlg = page.locator('dialog[open]');
  await dlg.locator('input[name=name]').fill('выгрузка');
  await dlg.locator('input[type=checkbox][value=admin]').check();
  await dlg.locator('button[type=submit]').click();
  const secret = await page.locator('dialog[open] .reveal input').inputValue();
  assert.ok(secret.length >= 20, `token shown: ${secret}`);
  await shot(page, '05-profile-token-shown-once');
  await page.locator('dialog[open]').getByRole('button', { name: 'Готово' }).click();
  const row = page.locator('tr', { hasText: 'выгрузка' });
  await row.waitFor();
  await row.getByRole('button', { name: 'Отозвать' }).click();
  await page.locator('dialog[open] button[type=submit]').click();
  await row.locator('.badge', { hasText: 'Отозван' }).waitFor();
  await shot(page, '06-profile');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('audit log: filters and export links', async () => {
  const page = await openPage(browser, env.server.url);
  await signIn(page, env.admin.email, env.admin.password);
  await page.goto('/audit');
  await page.locator('.table-wrap').waitFor();
  await page.locator('.table-body .table, .table-body .empty').first().waitFor();
  await page.locator('input[name=q]').fill('token');
  await page.locator('.form-filters button[type=submit]').click();
  await page.waitForURL(/\/audit\?q=token/);
  const csv = await page.locator('a.export', { hasText: 'CSV' }).getAttribute('href');
  assert.equal(csv, '/api/v1/audit?q=token&format=csv');
  await page.locator('.table-body .table, .table-body .empty').first().waitFor();
  await shot(page, '07-provider-audit');
  const res = await page.request.get(csv);
  assert.equal(res.status(), 200);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a partner applies in the browser, the provider approves, the owner sets a password and signs in', async () => {
  const firm = { name: 'ООО «Ромашка Софт»', inn: '7707083893', kpp: '773601001', phone: '+7 495 123-45-67', email: 'office@romashka.example', contact: 'Пётр Петров', contactEmail: 'petr@romashka.example' };

  // 1. the questionnaire, public, in English (the browser's language)
  const guest = await openPage(browser, env.server.url);
  await guest.goto('/apply');
  await guest.locator('h1', { hasText: 'Become a partner' }).waitFor();
  await guest.locator('form button[type=submit]').click();
  await guest.locator('.field.has-error input[name=name]').waitFor(); // required fields are checked first
  await guest.locator('input[name=name]').fill(firm.name);
  await guest.locator('input[name=inn]').fill('7701234567'); // check digits wrong
  await guest.locator('input[name=kpp]').fill(firm.kpp);
  await guest.locator('input[name=phone]').fill(firm.phone);
  await guest.locator('input[name=email]').fill(firm.email);
  await guest.locator('input[name=region]').fill('Москва');
  await guest.locator('input[name=contact_name]').fill(firm.contact);
  await guest.locator('input[name=contact_email]').fill(firm.contactEmail);
  await guest.locator('textarea[name=comment]').fill('Обслуживаем 40 клиентов на 1С:Бухгалтерии.');
  await guest.locator('form button[type=submit]').click();
  // the server's answer lands under the field it names
  await guest.locator('.field.has-error input[name=inn][aria-invalid=true]').waitFor();
  assert.match(await guest.locator('.field.has-error .field-error').textContent(), /INN/);
  await shot(guest, '10-apply-inline-error');
  await guest.locator('input[name=inn]').fill(firm.inn);
  await guest.locator('form button[type=submit]').click();
  await guest.locator('[data-testid=apply-thanks]').waitFor();
  assert.match(await guest.locator('[data-testid=apply-thanks]').textContent(), /Thank you/);
  await shot(guest, '11-apply-thanks');
  assert.deepEqual(guest.problems, []);
  await guest.context().close();

  // 2. the provider approves it
  const prov = await openPage(browser, env.server.url);
  await signIn(prov, env.admin.email, env.admin.password);
  await prov.goto('/applications');
  const row = prov.locator('tr', { hasText: firm.name });
  await row.waitFor();
  await shot(prov, '12-provider-applications');
  await row.getByRole('button', { name: 'Одобрить' }).click();
  await prov.locator('dialog[open]').getByText(firm.contactEmail).waitFor();
  await prov.locator('dialog[open] button[type=submit]').click();
  await prov.locator('.toast', { hasText: firm.name }).waitFor();
  await prov.locator('.empty').waitFor();
  await prov.goto('/partners');
  await prov.locator('tr', { hasText: firm.name }).locator('a').click();
  await prov.waitForURL(/\/partners\/\d+$/);
  await prov.locator('h1', { hasText: firm.name }).waitFor();
  await prov.locator('.details').getByText(firm.inn).first().waitFor();
  await shot(prov, '13-provider-partner-detail');
  assert.deepEqual(prov.problems, []);
  await prov.context().close();

  // 3. the owner follows the emailed link, sets a password, signs in
  const link = await passwordLink(env.db, firm.contactEmail);
  const owner = await openPage(browser, env.server.url);
  await owner.goto(link);
  await owner.locator('input[name=password]').fill('romashka-pass-1');
  await owner.locator('input[name=repeat]').fill('romashka-pass-1');
  await owner.locator('form button[type=submit]').click();
  await owner.locator('.success').waitFor();
  await shot(owner, '14-password-set');
  await signIn(owner, firm.contactEmail, 'romashka-pass-1');
  ownerCreds = { email: firm.contactEmail, password: 'romashka-pass-1', name: firm.name };
  const nav = owner.locator('nav.side');
  await nav.locator('a[href="/subscribers"]').waitFor();
  await nav.locator('a[href="/employees"]').waitFor();
  await shot(owner, '15-partner-home');
  await owner.goto('/employees');
  await owner.locator('tr', { hasText: firm.contactEmail }).waitFor();
  await shot(owner, '16-partner-employees');
  await owner.goto('/organization');
  await owner.locator('h1', { hasText: firm.name }).waitFor();
  await shot(owner, '17-partner-organization');
  // the partner's own subscriber account, with its code in the header
  if (await owner.locator('.acc-select').count()) {
    const values = await owner.locator('.acc-select option').evaluateAll((os) => os.map((o) => [o.value, o.textContent]));
    const sub = values.find(([, label]) => /Subscriber|Абонент/.test(label));
    if (sub) {
      await owner.locator('.acc-select').selectOption(sub[0]);
      await owner.locator('[data-testid=subscriber-code]').waitFor();
      assert.match(await owner.locator('[data-testid=subscriber-code]').textContent(), /FR\d+/);
      await shot(owner, '18-own-subscriber-header');
    }
  }
  assert.deepEqual(owner.problems, []);
  await owner.context().close();
});

test('the partner files a requisites change, the provider applies it and grants a status', async () => {
  assert.ok(ownerCreds, 'needs the partner of the questionnaire test, which did not get that far');
  const part = await openPage(browser, env.server.url);
  await signIn(part, ownerCreds.email, ownerCreds.password);
  await part.goto('/requests');
  await part.getByRole('button', { name: 'Request a requisites change' }).click();
  const dlg = part.locator('dialog[open]');
  assert.equal(await dlg.locator('input[name=inn]').inputValue(), '7707083893'); // today's values, to edit
  await dlg.locator('textarea[name=reason]').fill('Сменили номер телефона');
  await dlg.locator('button[type=submit]').click();
  await dlg.locator('.field-error', { hasText: 'Change at least one field' }).waitFor();
  await dlg.locator('input[name=phone]').fill('+7 495 765-43-21');
  await dlg.locator('button[type=submit]').click();
  await part.locator('.toast', { hasText: 'Request filed' }).waitFor();
  await part.locator('tr', { hasText: '+7 495 765-43-21' }).waitFor();
  await shot(part, '21-partner-requests');

  const prov = await openPage(browser, env.server.url);
  await signIn(prov, env.admin.email, env.admin.password);
  await prov.goto('/requests');
  const row = prov.locator('tr', { hasText: ownerCreds.name });
  await row.waitFor();
  await shot(prov, '22-provider-requests');
  await row.getByRole('button', { name: 'Применить' }).click();
  await prov.locator('dialog[open] button[type=submit]').click();
  await prov.locator('.toast', { hasText: 'Изменения применены' }).waitFor();
  await prov.goto('/partners');
  await prov.locator('tr', { hasText: ownerCreds.name }).locator('a').click();
  await prov.locator('.details').getByText('+7 495 765-43-21').waitFor();

  await prov.getByRole('button', { name: 'Присвоить статус' }).click();
  await prov.locator('dialog[open] select[name=status]').selectOption('csk');
  await prov.locator('dialog[open] button[type=submit]').click();
  await prov.locator('.toast', { hasText: 'Статус присвоен' }).waitFor();
  const st = prov.locator('tr', { hasText: 'ЦСК' });
  await st.locator('.badge', { hasText: 'Действует' }).waitFor();
  await shot(prov, '23-provider-partner-status');
  await st.getByRole('button', { name: 'Отозвать' }).click();
  await prov.locator('dialog[open] button[type=submit]').click();
  await prov.locator('.toast', { hasText: 'Статус отозван' }).waitFor();
  assert.deepEqual(prov.problems, []);
  assert.deepEqual(part.problems, []);
  await prov.context().close();
  await part.context().close();
});

test('the partner creates a subscriber, keeps its information, invites staff; the subscriber invites a user', async () => {
  assert.ok(ownerCreds, 'needs the partner of the questionnaire test, which did not get that far');
  const page = await openPage(browser, env.server.url);
  await signIn(page, ownerCreds.email, ownerCreds.password);
  await page.goto('/subscribers');
  await page.getByRole('button', { name: 'New subscriber' }).click();
  let dlg = page.locator('dialog[open]');
  await dlg.locator('input[name=name]').fill('ООО «Василёк»');
  await dlg.locator('input[name=owner_email]').fill('boss@vasilek.example');
  await dlg.locator('input[name=owner_name]').fill('Мария Цветкова');
  await dlg.locator('button[type=submit]').click();
  await page.waitForURL(/\/subscribers\/\d+$/);
  await page.locator('h1', { hasText: 'ООО «Василёк»' }).waitFor();
  await page.locator('input[name=legal_name]').fill('ООО «Василёк»');
  await page.locator('input[name=inn]').fill(inn10('772801234'));
  await page.locator('input[name=kpp]').fill('772801001');
  await page.locator('input[name=contact_person]').fill('Мария Цветкова');
  await page.locator('input[name=phone]').fill('+7 916 000-00-01');
  await page.locator('input[name=email]').fill('buh@vasilek.example');
  await page.locator('input[name=region]').fill('Москва');
  await page.locator('form', { has: page.locator('input[name=legal_name]') }).locator('button[type=submit]').click();
  await page.locator('.toast', { hasText: 'Information saved' }).first().waitFor();
  await page.locator('select[name=leave_reason]').selectOption('price');
  await page.locator('textarea[name=leave_comment]').fill('Нашли дешевле');
  await page.locator('form', { has: page.locator('select[name=leave_reason]') }).locator('button[type=submit]').click();
  await page.locator('.toast', { hasText: 'Information saved' }).nth(1).waitFor();
  await shot(page, '24-partner-subscriber-detail');
  await page.reload();
  assert.equal(await page.locator('select[name=leave_reason]').inputValue(), 'price');
  await page.goto('/subscribers');
  await page.locator('tr', { hasText: 'ООО «Василёк»' }).waitFor();
  await shot(page, '25-partner-subscribers');

  await page.goto('/employees');
  await page.getByRole('button', { name: 'Invite an employee' }).click();
  dlg = page.locator('dialog[open]');
  await dlg.locator('input[name=email]').fill('anna@romashka.example');
  await dlg.locator('input[name=name]').fill('Анна Консультант');
  await dlg.locator('input[type=checkbox][value=consultant]').check();
  await dlg.locator('button[type=submit]').click();
  await page.locator('.toast', { hasText: 'Invitation sent' }).waitFor();
  const anna = page.locator('tr', { hasText: 'anna@romashka.example' });
  await anna.locator('.role', { hasText: 'Consultant' }).waitFor();
  await shot(page, '26-partner-employees-invited');

  // the partner's own subscriber account: its code in the header, its users
  const sub = await page.locator('.acc-select option').evaluateAll((os) => os.find((o) => /Subscriber/.test(o.textContent))?.value);
  assert.ok(sub, 'the owner also works in the partner\'s own subscriber account');
  await page.locator('.acc-select').selectOption(sub);
  await page.locator('[data-testid=subscriber-code]', { hasText: /FR\d+/ }).waitFor();
  await page.waitForURL(/\/subscription$/);
  await page.goto('/users');
  await page.getByRole('button', { name: 'Invite a user' }).click();
  dlg = page.locator('dialog[open]');
  await dlg.locator('input[name=email]').fill('buh@romashka.example');
  await dlg.locator('input[name=session_limit]').fill('2');
  await dlg.locator('button[type=submit]').click();
  await page.locator('.toast', { hasText: 'Invitation sent' }).last().waitFor();
  const buh = page.locator('tr', { hasText: 'buh@romashka.example' });
  await buh.locator('td.num', { hasText: '2' }).waitFor();
  await shot(page, '27-subscriber-users');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('unknown paths show a clear page; pages keep working at 1024 px', async () => {
  const page = await openPage(browser, env.server.url, { width: 1024, height: 768 });
  await signIn(page, env.admin.email, env.admin.password);
  await page.goto('/no/such/page');
  await page.locator('.notfound').waitFor();
  await page.goto('/profile');
  await page.locator('h1').first().waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px at 1024 px`);
  await shot(page, '20-profile-1024');
  await page.context().close();
});

test('the provider\'s catalog and ITS contracts; a partner renews a blocked client, whose cabinet shows access restored', async () => {
  // the provider's catalog: tariffs with options and prices, a clear validation message
  const prov = await openPage(browser, env.server.url);
  await signIn(prov, env.admin.email, env.admin.password);
  await prov.locator('.app-head .lang-btn', { hasText: 'EN' }).click();
  await prov.locator('nav.side').getByText('Catalog').waitFor();
  await prov.goto('/catalog');
  const prof = prov.locator('tr', { hasText: 'ITSaaS-PROF' }).first();
  await prof.locator('.price-chip').first().waitFor();
  await shot(prov, '28-provider-catalog');
  await prof.getByRole('button', { name: 'Add price' }).click();
  let dlg = prov.locator('dialog[open]');
  await dlg.locator('input[name=amount]').fill('12,3,4');
  await dlg.locator('button[type=submit]').click();
  await dlg.locator('.field-error', { hasText: 'Enter an amount in roubles' }).waitFor();
  await shot(prov, '29-provider-price-invalid');
  await dlg.getByRole('button', { name: 'Cancel' }).click();
  await prof.getByRole('button', { name: 'Edit' }).click();
  dlg = prov.locator('dialog[open]');
  await dlg.locator('textarea[name=options]').fill('{"sessions": ');
  await dlg.locator('button[type=submit]').click();
  await dlg.locator('.field-error', { hasText: 'Not valid JSON' }).waitFor();
  await dlg.getByRole('button', { name: 'Cancel' }).click();
  await prov.goto('/catalog?tab=applications');
  await prov.locator('.table tbody tr').first().waitFor();

  // the API: a partner with CSK and a client whose information is complete
  const s = env.server;
  const admin = new Client(s);
  assert.equal((await admin.login(env.admin.email, env.admin.password)).status, 200);
  const ctx = { s, db: env.db, admin };
  const today = (await (await s.fetch('/api/v1/test/clock')).json()).date;
  const P = await newPartner(ctx, { name: 'ООО «Лютик»' });
  assert.equal((await admin.post(`/api/v1/partners/${P.id}/statuses`, { status: 'csk', valid_from: today })).status, 201);
  const clientEmail = uniqueEmail('lutik-client');
  const c = await P.owner.post('/api/v1/subscribers', { name: 'ООО «Колокольчик»', owner_email: clientEmail });
  assert.equal(c.status, 201, JSON.stringify(c.body));
  const info = await P.owner.put(`/api/v1/subscribers/${c.body.id}/info`, {
    legal_name: 'ООО «Колокольчик»', inn: '7707083893', kpp: '770701001', contact_person: 'Ольга', phone: '+7 495 222-22-22',
    email: 'buh@kolokol.example', region: 'Москва',
  });
  assert.equal(info.status, 200, JSON.stringify(info.body));
  await activate(s, env.db, clientEmail);

  // the ITS contracts page: add one for this partner
  await prov.goto('/its-contracts');
  await prov.getByRole('button', { name: 'Add a contract' }).click();
  dlg = prov.locator('dialog[open]');
  await dlg.locator('input[name=number]').fill('ITS-LUTIK-1');
  await dlg.locator('select[name=partner]').selectOption(String(P.id));
  await dlg.locator('input[name=valid_to]').fill(`${Number(today.slice(0, 4)) + 1}${today.slice(4)}`);
  await dlg.locator('button[type=submit]').click();
  await dlg.locator('.field-error', { hasText: 'INN' }).waitFor(); // the client is named by INN or subscriber
  await dlg.locator('input[name=inn]').fill('7707083893');
  await dlg.locator('button[type=submit]').click();
  await prov.locator('tr', { hasText: 'ITS-LUTIK-1' }).waitFor();
  await shot(prov, '30-provider-its-contracts');
  assert.deepEqual(prov.problems, []);
  await prov.context().close();

  // 31 days on: the trial has ended, the client is blocked
  const adv = await s.fetch('/api/v1/test/clock', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: 31 * 86400 }) });
  assert.equal(adv.status, 200);

  const cli = await openPage(browser, env.server.url);
  await signIn(cli, clientEmail, 'a-good-password-1');
  await cli.waitForURL(/\/subscription$/);
  await cli.locator('[data-testid=access-state] .badge-bad').waitFor(); // blocked, in the client's language (Russian)
  assert.match(await cli.locator('.access-reason').textContent(), /Доступ закончился/);
  await shot(cli, '31-subscriber-blocked');

  // the partner renews it in the browser: Renew → the rule and amount → confirm
  const part = await openPage(browser, env.server.url);
  await signIn(part, P.email, 'a-good-password-1');
  await part.goto('/subscribers');
  const row = part.locator('tr', { hasText: 'ООО «Колокольчик»' });
  await row.locator('.badge', { hasText: 'Blocked' }).waitFor();
  await part.locator('svg.chart').waitFor();
  await shot(part, '32-partner-client-list');
  await row.getByRole('button', { name: 'Renew' }).click();
  dlg = part.locator('dialog[open]');
  await dlg.locator('[data-testid=quote] dl, [data-testid=quote] .alert').first().waitFor();
  await shot(part, '33-partner-renew-quote');
  await dlg.locator('[data-testid=rule]', { hasText: 'New client' }).waitFor();
  assert.match(await dlg.locator('[data-testid=amount-due]').textContent(), /₽|RUB/);
  await shot(part, '33-partner-renew-quote');
  await dlg.locator('button[type=submit]').click();
  await part.locator('.toast', { hasText: 'renewed' }).waitFor();
  await row.locator('.badge', { hasText: 'Access' }).waitFor();
  assert.deepEqual(part.problems, []);

  // the partner's tariffs: a price below the standard is refused under its field
  await part.goto('/tariffs');
  await part.getByRole('button', { name: 'New tariff' }).click();
  dlg = part.locator('dialog[open]');
  await dlg.locator('select[name=base]').selectOption('ITSaaS-PROF');
  await dlg.locator('input[name=code]').fill('LUTIK-PROF');
  await dlg.locator('input[name=name_ru]').fill('Лютик ПРОФ');
  await dlg.locator('input[name=price_1]').fill('1');
  await dlg.locator('button[type=submit]').click();
  await dlg.locator('.field-error', { hasText: 'Below the standard price' }).waitFor();
  await shot(part, '34-partner-tariff-below-standard');
  const floor = await dlg.locator('input[name=price_1]').getAttribute('placeholder');
  await dlg.locator('input[name=price_1]').fill(String(Number(floor) + 100));
  await dlg.locator('button[type=submit]').click();
  await part.locator('tr', { hasText: 'LUTIK-PROF' }).waitFor();
  assert.deepEqual(part.problems, []);
  await part.context().close();

  // the client's cabinet: access restored
  await cli.reload();
  await cli.locator('[data-testid=access-state] .badge-ok', { hasText: 'Доступ открыт' }).waitFor();
  assert.notEqual(await cli.locator('[data-testid=access-through]').textContent(), '—');
  await shot(cli, '35-subscriber-restored');
  // the history shows the renewal's retail price, never what the partner owes after its
  // discount (issue 11): the cells' digits are kopecks
  const partner = new Client(s);   // the sessions of before the month's jump have expired
  assert.equal((await partner.login(P.email, 'a-good-password-1')).status, 200);
  const subs = await partner.get(`/api/v1/subscriptions?subscriber=${c.body.id}&sort=-end`);
  assert.equal(subs.status, 200, JSON.stringify(subs.body));
  const renewal = subs.body.items.find((x) => x.kind === 'main');
  assert.ok(renewal && renewal.amount_due < renewal.price, JSON.stringify(subs.body));
  // (the client reads the tariff by its name, not by its code)
  const hist = cli.locator('tr', { hasText: renewal.tariff.name_ru || renewal.tariff.name });
  await hist.first().waitFor();
  const cells = (await hist.first().locator('td').allTextContents()).map((x) => x.replace(/\D/g, ''));
  assert.ok(cells.includes(String(renewal.partner_price ?? renewal.price)), cells.join(' | '));
  assert.ok(!cells.includes(String(renewal.amount_due)), cells.join(' | '));
  assert.deepEqual(cli.problems, []);
  await cli.context().close();
});
