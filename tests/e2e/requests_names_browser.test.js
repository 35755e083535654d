// Requests and the audit log read as what they are (issue 11 items 2 and 5),
// in Russian, in a real browser: the provider admin opens a partner's
// subscription-change request and sees the client's name, the fields in
// people's words (never `field.quantity: 3`), what quantity means, and what
// applying it changes in the amount due with the discount rule (the quote);
// then the audit log shows sentences that name people ("Анна Бухгалтерова
// подала заявку …") and no `#<digits>`. Screenshots go to
// build/screenshots/<engine>-names-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, openPage, shot, signIn } from './lib/browser.js';
import { setup, newPartner } from './lib/accounts.js';
import { newClient } from './lib/areas.js';

let browser;
let ctx;
let P;
let C;
let change;
let extra;

before(async () => {
  browser = await launchBrowser();
  ctx = await setup('names-browser');
  assert.equal((await ctx.admin.patch('/api/v1/me', { lang: 'ru', name: 'Пётр Провайдеров' })).status, 200);
  P = await newPartner(ctx);
  assert.equal((await ctx.admin.post(`/api/v1/partners/${P.id}/statuses`, { status: 'csk', valid_from: '2020-01-01' })).status, 201);
  assert.equal((await P.owner.patch('/api/v1/me', { name: 'Анна Бухгалтерова' })).status, 200);
  C = await newClient(ctx, P, 'ООО Ромашка');
  const m = await P.owner.post('/api/v1/subscriptions', { subscriber: C.id, kind: 'main', tariff: 'ITSaaS-PROF', term_months: 1, declarations: { new_client: true } });
  assert.equal(m.status, 201, JSON.stringify(m.body));
  const x = await P.owner.post('/api/v1/subscriptions', { subscriber: C.id, kind: 'extension', tariff: 'SESSIONS+1' });
  assert.equal(x.status, 201, JSON.stringify(x.body));
  const r = await P.owner.post('/api/v1/requests', { kind: 'subscription_change', subscription: m.body.id, changes: { term_months: 12 }, reason: 'клиент платит за год' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  change = r.body;
  const q = await P.owner.post('/api/v1/requests', { kind: 'subscription_change', subscription: x.body.id, changes: { quantity: 3 }, reason: 'ещё два бухгалтера' });
  assert.equal(q.status, 201, JSON.stringify(q.body));
  extra = q.body;
});

after(async () => {
  await browser?.close();
  await ctx?.s.stop();
});

const money = (page, kop) => page.evaluate((v) => new Intl.NumberFormat('ru-RU',
  { style: 'currency', currency: 'RUB', minimumFractionDigits: 2 }).format(v / 100), kop);

test('issue 11 a subscription-change request names the client, its fields in words, and the change in the amount due', async () => {
  const page = await openPage(browser, ctx.s.url, { locale: 'ru-RU', width: 1366, height: 900 });
  await signIn(page, ctx.env.email, ctx.env.password);
  await page.goto('/requests');
  const row = page.locator('tr', { hasText: 'клиент платит за год' });
  await row.waitFor();
  const text = await row.textContent();
  assert.match(text, /ООО Ромашка/);
  assert.match(text, /1С:ИТС ПРОФ в облаке/);
  assert.match(text, /Срок: 12 мес\./);
  assert.doesNotMatch(text, /field\.|term_months|ITSaaS-PROF|\d{4}-\d\d-\d\d/);
  await row.getByRole('button', { name: 'Применить' }).click();
  const dlg = page.locator('dialog[open]');
  await dlg.locator('.dialog-title', { hasText: 'Изменить подписку «ООО Ромашка»?' }).waitFor();
  assert.doesNotMatch(await dlg.textContent(), /реквизит/i, 'not a requisites dialog');
  const api = await ctx.admin.get(`/api/v1/requests/${change.id}/quote`);
  assert.equal(api.status, 200);
  const diff = api.body.difference.amount_due;
  assert.ok(diff > 0);
  const q = dlg.locator('.request-quote');
  await q.locator('.quote-change').waitFor();
  assert.equal((await q.locator('.quote-change').textContent()).trim(), `+${await money(page, diff)}`);
  const qt = await q.textContent();
  assert.match(qt, /скидка 65 % \(Новый клиент\)/);
  // issue 12: the statement month of the posting, open: no correcting line, the draft shows the new amount
  assert.match(qt, /Месяц ведомости[а-яё]+ \d{4} г\. — открыт.*Поправкане будет/s, qt);
  assert.ok(qt.includes(await money(page, api.body.after.amount_due)), qt);
  assert.match(await dlg.textContent(), /Срок: 12 мес\./);
  await shot(page, 'names-01-change-dialog');
  await dlg.locator('button[type=submit]').click();
  await page.locator('.toast').first().waitFor();
  await dlg.waitFor({ state: 'detached' });

  // A change of an extension's quantity says what the quantity counts.
  const xrow = page.locator('tr', { hasText: 'ещё два бухгалтера' });
  assert.match(await xrow.textContent(), /Количество: 3/);
  await xrow.getByRole('button', { name: 'Применить' }).click();
  const xd = page.locator('dialog[open]');
  await xd.locator('.request-quote .quote-change').waitFor();
  assert.match(await xd.textContent(), /Что значит количество.*3 сеанса сверх основного тарифа/s);
  await shot(page, 'names-02-quantity-dialog');
  await xd.getByRole('button', { name: 'Отмена' }).click();
  assert.deepEqual(page.problems, []);
  assert.equal(extra.state, 'open');
});

test('issue 11 the audit log reads as sentences naming people, never #id', async () => {
  const page = await openPage(browser, ctx.s.url, { locale: 'ru-RU', width: 1366, height: 900 });
  await signIn(page, ctx.env.email, ctx.env.password);
  await page.goto('/audit');
  const filed = page.locator('.audit-sentence', { hasText: 'Анна Бухгалтерова подала заявку «Изменение подписки» («ООО Ромашка», 1С:ИТС ПРОФ в облаке): Срок: 12 мес.' });
  await filed.first().waitFor();
  await page.locator('.audit-sentence', { hasText: /^Пётр Провайдеров изменил подписку «ООО Ромашка» на тариф «1С:ИТС ПРОФ в облаке»/ }).first().waitFor();
  await page.locator('.audit-sentence', { hasText: /^Анна Бухгалтерова оформила подписку «ООО Ромашка» на тариф «1С:ИТС ПРОФ в облаке»/ }).first().waitFor();
  const table = await page.locator('main table').first().textContent();
  assert.doesNotMatch(table, /#\d/, 'no "#<digits>" on the page');
  assert.doesNotMatch(table, /subscription\.|request\.filed|person #|kopecks|through|month\(s\)|trial '/, 'no server English');
  await shot(page, 'names-03-audit');
  // The filter offers kinds of action by name, not codes.
  await page.locator('select[name=action]').selectOption({ label: 'Заявки' });
  await page.locator('.form-filters button[type=submit]').click();
  await page.waitForURL(/action=request\.\*/);
  await page.locator('.audit-sentence').first().waitFor();
  for (const x of await page.locator('.audit-sentence').allTextContents()) assert.match(x, /заявк/, x);
  assert.deepEqual(page.problems, []);
});
