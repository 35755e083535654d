// The promotions of the catalog page in a real browser (issue 9 item 16): the
// provider admin, in Russian, sees each promotion by its name, what it opens
// and its last day (the guide's "до 31.12.2018 г."), extends CSO-FREE's offer
// and adds one; refusals are shown under their fields in Russian. Then a cso
// partner can post CSO-FREE again. At 1366 and 390 px wide; screenshots go to
// build/screenshots/<engine>-catalog-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, openPage, shot, signIn } from './lib/browser.js';
import { setup, newPartner, audits } from './lib/accounts.js';
import { newClient } from './lib/areas.js';

let browser;
let ctx;
let today;

const addDays = (d, n) => new Date(Date.parse(`${d}T00:00:00Z`) + n * 86400000).toISOString().slice(0, 10);
/** A day as the Russian page writes it (the browser's own Intl, as fmtDate does). */
const ru = (page, d) => page.evaluate((v) => new Intl.DateTimeFormat('ru-RU',
  { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${v}T12:00:00Z`)), d);

before(async () => {
  browser = await launchBrowser();
  ctx = await setup('catalog-browser');
  today = (await (await ctx.s.fetch('/api/v1/test/clock')).json()).date;
  assert.equal((await ctx.admin.patch('/api/v1/me', { lang: 'ru' })).status, 200);
});

after(async () => {
  await browser?.close();
  await ctx?.s.stop();
});

async function promotionsPage(width, height) {
  const page = await openPage(browser, ctx.s.url, { locale: 'ru-RU', width, height });
  await signIn(page, ctx.env.email, ctx.env.password);
  await page.goto('/catalog?tab=promotions');
  await page.locator('tr', { hasText: 'Бесплатно для ЦСО на 3 месяца, один раз' }).waitFor();
  return page;
}

test('R-CAT-5 the promotions read in Russian: names, what they open, the last day, the state', async () => {
  const page = await promotionsPage(1366, 860);
  const row = page.locator('tr', { hasText: 'Бесплатно для ЦСО на 3 месяца, один раз' });
  await row.getByText('Предложение тарифа').waitFor();
  await row.getByText('Для ЦСО бесплатно').waitFor();                    // CSO-FREE by its name
  const period = await row.locator('td').nth(2).textContent();
  assert.ok(period.includes(await ru(page, '2018-12-31')), `the last day is shown, not valid_to: ${period}`);
  assert.ok(!period.includes(await ru(page, '2019-01-01')), period);
  await row.getByText('Завершена').waitFor();
  // no codes, kinds, states or ids in the Russian table (product names such as ERP stay)
  const text = await page.locator('main table').textContent();
  assert.doesNotMatch(text, /[A-Za-z]+[-_+.][A-Za-z0-9]|ITSaaS|offer|free_|in_force|ended/, `a code in the Russian table: ${text}`);
  assert.doesNotMatch(text, /#\d/, text);
  await shot(page, 'catalog-01-promotions-1366');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('R-CAT-5 the provider extends CSO-FREE-OFFER from the page; a cso partner then posts CSO-FREE', async () => {
  const page = await promotionsPage(1366, 860);
  const row = page.locator('tr', { hasText: 'Бесплатно для ЦСО на 3 месяца, один раз' });
  await row.getByRole('button', { name: 'Изменить' }).click();
  const dlg = page.locator('dialog[open]');
  await dlg.locator('.dialog-title', { hasText: 'Акция «Бесплатно для ЦСО на 3 месяца, один раз»' }).waitFor();
  assert.equal(await dlg.locator('input[name=last_day]').inputValue(), '2018-12-31');
  // a last day before the first: refused under its field, in Russian, nothing sent
  let sent = 0;
  page.on('request', (r) => { if (r.method() === 'PATCH') sent++; });
  await dlg.locator('input[name=last_day]').fill('2017-12-31');
  await dlg.locator('button[type=submit]').click();
  await dlg.locator('[data-field=last_day] .field-error', { hasText: 'Последний день не может быть раньше первого' }).waitFor();
  // past the window: refused too
  await dlg.locator('input[name=last_day]').fill('2200-01-01');
  await dlg.locator('button[type=submit]').click();
  await dlg.locator('[data-field=last_day] .field-error', { hasText: 'Укажите дату' }).waitFor();
  assert.equal(sent, 0);
  await shot(page, 'catalog-02-edit-refused');
  const last = addDays(today, 30);
  await dlg.locator('input[name=last_day]').fill(last);
  await dlg.locator('button[type=submit]').click();
  await page.locator('.toast', { hasText: 'Акция сохранена' }).waitFor();
  await row.getByText('Действует').waitFor();
  assert.equal(sent, 1);
  const p = (await ctx.admin.get('/api/v1/promotions')).body.items.find((x) => x.code === 'CSO-FREE-OFFER');
  assert.equal(p.valid_to, addDays(last, 1), 'the last day is stored as the exclusive end');
  assert.match(audits(ctx.db, 'catalog.promotion_changed').at(-1)[2], new RegExp(`valid_to 2019-01-01 → ${addDays(last, 1)}`));
  assert.deepEqual(page.problems, []);
  await page.context().close();

  // the point: with the offer in force, a cso partner posts CSO-FREE once
  const P = await newPartner(ctx);
  assert.equal((await ctx.admin.post(`/api/v1/partners/${P.id}/statuses`, { status: 'cso', valid_from: today })).status, 201);
  const c = await newClient(ctx, P, 'ООО Учебный центр');
  const r = await P.owner.post('/api/v1/subscriptions', { subscriber: c.id, kind: 'main', tariff: 'CSO-FREE', term_months: 3 });
  assert.equal(r.status, 201, JSON.stringify(r.body));
});

test('R-CAT-5 the provider adds an offer from the page; an offer without a tariff is refused in Russian', async () => {
  const page = await promotionsPage(1366, 860);
  await page.getByRole('button', { name: 'Новая акция' }).click();
  const dlg = page.locator('dialog[open]');
  await dlg.locator('select[name=kind]').selectOption('offer');
  await dlg.locator('input[name=code]').fill('CSO-SUMMER');
  await dlg.locator('input[name=name_ru]').fill('Летний курс для ЦСО');
  await dlg.locator('input[name=name_en]').fill('Summer course for training centres');
  await dlg.locator('input[name=valid_from]').fill(today);
  await dlg.locator('input[name=last_day]').fill(addDays(today, 90));
  await dlg.locator('button[type=submit]').click();
  await dlg.locator('[data-field=tariff] .field-error', { hasText: 'Предложение открывает тариф' }).waitFor();
  await dlg.locator('select[name=tariff]').selectOption({ label: '1С:ИТС для ЦСО' });
  await shot(page, 'catalog-03-new-offer');
  await dlg.locator('button[type=submit]').click();
  await page.locator('.toast', { hasText: 'Акция создана' }).waitFor();
  const row = page.locator('tr', { hasText: 'Летний курс для ЦСО' });
  await row.getByText('1С:ИТС для ЦСО').waitFor();
  await row.getByText('Действует').waitFor();
  const p = (await ctx.admin.get('/api/v1/promotions')).body.items.find((x) => x.code === 'CSO-SUMMER');
  assert.deepEqual([p.kind, p.tariff, p.valid_from, p.valid_to], ['offer', 'ITSaaS-CSO', today, addDays(today, 91)]);
  // the same code again: the server's 409 under the code field, in Russian
  await page.getByRole('button', { name: 'Новая акция' }).click();
  const again = page.locator('dialog[open]');
  await again.locator('input[name=code]').fill('CSO-SUMMER');
  await again.locator('input[name=name_ru]').fill('Ещё раз');
  await again.locator('input[name=name_en]').fill('Again');
  await again.locator('select[name=tariff]').selectOption({ label: '1С:ИТС для ЦСО' });
  await again.locator('button[type=submit]').click();
  await again.locator('[data-field=code] .field-error', { hasText: 'Акция с таким кодом уже есть' }).waitFor();
  await again.getByRole('button', { name: 'Отмена' }).click();
  await shot(page, 'catalog-04-promotions-after-1366');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('R-CAT-5 the promotions page at 390 px: nothing spills sideways, the dialog fits', async () => {
  const page = await promotionsPage(390, 844);
  await shot(page, 'catalog-05-promotions-390');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px at 390 px`);
  await page.locator('tr', { hasText: 'Бесплатно для ЦСО на 3 месяца, один раз' }).getByRole('button', { name: 'Изменить' }).click();
  const dlg = page.locator('dialog[open]');
  await dlg.locator('input[name=last_day]').waitFor();
  const box = await dlg.boundingBox();
  assert.ok(box.width <= 390, `the dialog is ${box.width}px wide`);
  await shot(page, 'catalog-06-edit-390');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
