// The Leads pages in a real browser (R-ONB-7), in Russian at 1366 and 390 px:
// the provider reads the funnel per month (the chart and its numbers), the
// pool with each client's region, registration and trial's end, hands a pool
// lead to a chosen partner, and adds a rule (region, partners in order, csk
// first); the partner sees the offer with its deadline on «Новые клиенты»
// and accepts it. Screenshots go to build/screenshots/<engine>-leads-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, openPage, shot, signIn } from './lib/browser.js';
import { setup, newPartner } from './lib/accounts.js';

let browser;
let ctx;
let today;
let P1; let P2; let P3;
const leads = {};

let slug; // the provider's own registration page

/** A client registers on the provider's page (POST /r/{slug}); its region, when given, is its
 * additional information's (the form asks none). */
async function register(name, region) {
  const email = `c${Object.keys(leads).length}.${process.pid}@client.test`;
  const r = await ctx.s.fetch(`/r/${slug}`, {
    method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ name, email, phone: '+79001234567' }).toString(),
  });
  assert.equal(r.status, 303);
  const l = (await ctx.admin.get('/api/v1/leads?limit=1')).body.items[0];
  assert.equal(l.subscriber.name, name);
  if (region) {
    assert.equal((await ctx.admin.put(`/api/v1/subscribers/${l.subscriber.id}/info`, {
      legal_name: name, inn: '7707083893', kpp: '770701001', contact_person: 'Иван', phone: '+7 495 111-11-11', email, region,
    })).status, 200);
  }
  leads[name] = l;
  return l;
}

before(async () => {
  const [b, c] = await Promise.allSettled([launchBrowser(), setup('leads-browser')]);
  browser = b.value;
  ctx = c.value;
  if (b.status === 'rejected' || c.status === 'rejected') throw b.reason || c.reason;
  today = (await (await ctx.s.fetch('/api/v1/test/clock')).json()).date;
  assert.equal((await ctx.admin.patch('/api/v1/me', { lang: 'ru' })).status, 200);
  P1 = await newPartner(ctx, { name: 'ООО «Альфа Софт»', lang: 'ru' });
  P2 = await newPartner(ctx, { name: 'ООО «Бета Консалт»', lang: 'ru' });
  P3 = await newPartner(ctx, { name: 'ООО «Гамма ЦСК»', lang: 'ru' });
  assert.equal((await ctx.admin.post(`/api/v1/partners/${P3.id}/statuses`, { status: 'csk', valid_from: today })).status, 201);
  const prof = (await ctx.admin.get('/api/v1/tariffs?limit=500')).body.items.find((x) => x.code === 'ITSaaS-PROF');
  slug = (await ctx.admin.post('/api/v1/regpages', { partner_id: null, name: 'Сайт поставщика', tariff_id: prof.id, trial_days: 30 })).body.slug;
  await register('ООО «Ромашка»', 'Тверская область');
  await register('ИП Сидоров Пётр Ильич', 'Казань');
  await register('ООО «Вектор»', 'Самара');
  await register('ООО «Лотос»', '');
  // one offered by hand to P1 and accepted, with its first paid year
  const v = leads['ООО «Вектор»'];
  assert.equal((await ctx.admin.post(`/api/v1/leads/${v.id}/assign`, { partner: P1.id })).status, 200);
  assert.equal((await P1.owner.post(`/api/v1/leads/${v.id}/accept`)).status, 200);
  assert.equal((await P1.owner.put(`/api/v1/subscribers/${v.subscriber.id}/info`, {
    legal_name: 'ООО «Вектор»', inn: '7707083893', kpp: '770701001', contact_person: 'Иван', phone: '+7 495 111-11-11', email: 'buh@vector.test', region: 'Самара',
  })).status, 200);
  assert.equal((await P1.owner.post('/api/v1/subscriptions', { subscriber: v.subscriber.id, kind: 'main', tariff: 'ITSaaS-PROF', term_months: 12, declarations: { new_client: true } })).status, 201);
});

after(async () => {
  await browser?.close();
  if (ctx) assert.equal(await ctx.s.stop(), 0);
});

async function providerPage(width, height) {
  const page = await openPage(browser, ctx.s.url, { locale: 'ru-RU', width, height });
  await signIn(page, ctx.env.email, ctx.env.password);
  await page.goto('/leads');
  await page.getByRole('heading', { name: 'Воронка по месяцам регистрации' }).waitFor();
  await page.locator('table.leads-funnel-table').waitFor();
  return page;
}

test('R-ONB-7 the provider\'s «Лиды» in Russian: the funnel with its numbers, the pool at a glance, a lead handed to a partner, a rule added', async () => {
  const page = await providerPage(1366, 900);
  // the funnel of this month: 4 registered, 1 offered, 1 accepted, 1 paid
  const row = page.locator('table.leads-funnel-table tbody tr').first();
  assert.deepEqual((await row.locator('td.num').allTextContents()).map(Number), [4, 1, 1, 1]);
  assert.equal(await page.locator('svg.leads-chart rect.chart-seg').count(), 6 * 4);
  // the pool: client, region, registration, the trial through its last day
  const pool = page.locator('tr', { hasText: 'ООО «Ромашка»' });
  await pool.getByText('Тверская область').waitFor();
  await pool.getByText('В пуле').waitFor();
  assert.match(await pool.textContent(), /по \d{1,2} [а-я]+\.? \d{4}/);
  await page.locator('tr', { hasText: 'ООО «Лотос»' }).getByText('не указан').waitFor();
  const main = await page.locator('main').textContent();
  assert.doesNotMatch(main, /#\d|\bpool\b|offered|accepted|csk_first|TRIAL-30/, main);
  await shot(page, 'leads-01-provider-1366');

  // hand «Ромашка» to Бета by hand
  await pool.getByRole('button', { name: 'Передать партнёру' }).click();
  const dlg = page.locator('dialog');
  await dlg.getByLabel('Партнёр').selectOption({ label: 'ООО «Бета Консалт»' });
  await dlg.getByRole('button', { name: 'Передать партнёру' }).click();
  await page.getByText('Клиент предложен партнёру').waitFor();
  await page.getByRole('tab', { name: 'Предложены' }).click();
  const offered = page.locator('tr', { hasText: 'ООО «Ромашка»' });
  await offered.getByText('ООО «Бета Консалт»').waitFor();
  await offered.getByText(/ответ до/).waitFor();

  // a rule: Самара, Альфа then Гамма, csk first
  await page.getByRole('button', { name: 'Добавить правило' }).click();
  const rd = page.locator('dialog');
  await rd.getByLabel('Регион').fill('Самара');
  await rd.getByLabel('Сначала партнёры со статусом ЦСК').check();
  for (const name of ['ООО «Альфа Софт»', 'ООО «Гамма ЦСК»']) {
    await rd.locator('.lead-add select').selectOption({ label: name });
    await rd.locator('.lead-add').getByRole('button', { name: 'Добавить' }).click();
  }
  await rd.getByLabel('Порядок').fill('1');
  await shot(page, 'leads-05-rule-dialog-1366');
  await rd.getByRole('button', { name: 'Сохранить' }).click();
  await page.getByText('Правило сохранено').waitFor();
  const rule = page.locator('tr', { hasText: 'Самара' }).filter({ hasText: 'Сначала ЦСК' });
  await rule.waitFor();
  assert.deepEqual(await rule.locator('ol li').allTextContents(), ['ООО «Альфа Софт»', 'ООО «Гамма ЦСК»']);
  const rules = (await ctx.admin.get('/api/v1/lead-rules')).body.items;
  assert.deepEqual(rules.map((r) => [r.region, r.csk_first, r.partners.map((p) => p.id)]), [['Самара', true, [P1.id, P3.id]]]);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('R-ONB-7 the provider\'s «Лиды» at 390 px: nothing wider than the screen', async () => {
  const page = await providerPage(390, 844);
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 390, `the page is ${wide}px wide`);
  await shot(page, 'leads-02-provider-390');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('R-ONB-7 the partner\'s «Новые клиенты»: the offer with its deadline, accepted from the page', async () => {
  for (const [width, height, name] of [[1366, 800, 'leads-03-partner-1366'], [390, 844, 'leads-04-partner-390']]) {
    const page = await openPage(browser, ctx.s.url, { locale: 'ru-RU', width, height });
    await signIn(page, P2.email, 'a-good-password-1');
    await page.goto('/leads');
    const row = page.locator('tr', { hasText: 'ООО «Ромашка»' });
    await row.waitFor();
    await row.getByText('Тверская область').waitFor();
    assert.ok(!(await page.locator('main').textContent()).includes('ИП Сидоров'), 'the pool is not the partner\'s');
    await shot(page, name);
    if (width === 1366) {
      await row.getByRole('button', { name: 'Принять' }).click();
      await page.locator('dialog').getByRole('button', { name: 'Принять' }).click();
      await page.getByText('Клиент ООО «Ромашка» теперь ваш').waitFor();
      await page.locator('section', { hasText: 'Принятые клиенты' }).locator('tr', { hasText: 'ООО «Ромашка»' }).waitFor();
    }
    assert.deepEqual(page.problems, []);
    await page.context().close();
  }
  const l = (await ctx.admin.get('/api/v1/leads?state=accepted')).body.items.find((x) => x.subscriber.name === 'ООО «Ромашка»');
  assert.equal(l.partner.id, P2.id);
});
