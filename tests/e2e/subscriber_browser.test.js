// The client's Подписка page tells the truth (issue 11, item 3): about each
// subscription's state (a trial that a paid main stopped, R-SUB-4, reads
// "Прекращена", never "Предстоит", which is kept for what has not begun);
// about the tariff in force, which is the entitlement's (a client on a local
// ITS contract is not shown its trial); about the self-service buttons, each
// disabled with the server's reason when it cannot apply; and it warns from
// 7 days before the last day of access (R-SUB-0's L), naming the partner to
// call, by the server's date: the test clock moves it, the browser's does not.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, openPage, shot, signIn } from './lib/browser.js';
import { setup, newPartner } from './lib/accounts.js';
import { newClient } from './lib/areas.js';

const PASSWORD = 'a-good-password-1';
let browser;
let ctx;
let P;

before(async () => {
  browser = await launchBrowser();
  ctx = await setup('subscriber-browser');
  P = await newPartner(ctx, { name: 'ООО «Альфа Софт»', lang: 'ru', phone: '+7 (495) 765-43-21', email: 'office@alfa-soft.test' });
});
after(async () => {
  await browser?.close();
  await ctx?.s.stop();
});

test('R-SUB-4 a trial stopped by a paid main reads "Прекращена" on the client\'s page', async () => {
  const c = await newClient(ctx, P, 'ООО Ромашка');
  const r = await P.owner.post('/api/v1/subscriptions', { subscriber: c.id, kind: 'main', tariff: 'ITSaaS-PROF', term_months: 1 });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const subs = await c.owner.get(`/api/v1/subscriptions?subscriber=${c.id}`);
  const trial = subs.body.items.find((s) => s.kind === 'trial');
  assert.ok(trial, 'the client had its trial');
  for (const width of [1366, 390]) {
    const page = await openPage(browser, ctx.s.url, { locale: 'ru-RU', width, height: 900 });
    await signIn(page, c.email, PASSWORD);
    await page.goto('/subscription');
    const row = page.locator('tr', { hasText: 'Пробный' }).first();
    await row.waitFor();
    await row.locator('.badge', { hasText: 'Прекращена' }).waitFor();
    assert.equal(await row.locator('.badge', { hasText: 'Предстоит' }).count(), 0);
    // the client reads tariffs by name, not by the partner's codes
    const history = page.locator('table', { hasText: 'Пробный' }).first();
    assert.doesNotMatch(await history.textContent(), /TRIAL-30|ITSaaS-PROF/);
    // the history fits the screen: at 390 px the period wraps between its two dates
    const fit = await history.evaluate((el) => ({ table: el.scrollWidth, box: el.parentElement.clientWidth, page: document.documentElement.scrollWidth, view: window.innerWidth }));
    assert.ok(fit.table <= fit.box + 1 && fit.page <= fit.view, `the history fits at ${width} px: ${JSON.stringify(fit)}`);
    await shot(page, `subscriber-01-trial-stopped-${width}`);
    assert.deepEqual(page.problems, []);
    await page.context().close();
  }
});

test('a client on its trial reads «Пробный период» once, not «Пробный период (Пробный период)»', async () => {
  const c = await newClient(ctx, P, 'ООО Ландыш');
  for (const width of [1366, 390]) {
    const page = await openPage(browser, ctx.s.url, { locale: 'ru-RU', width, height: 900 });
    await signIn(page, c.email, PASSWORD);
    await page.goto('/subscription');
    const tariff = page.locator('[data-testid=current-tariff]');
    await tariff.waitFor();
    const text = (await tariff.textContent()).trim();
    assert.match(text, /Пробный период/);
    assert.equal(text.match(/Пробный период/gi).length, 1, text);
    await shot(page, `subscriber-00-trial-${width}`);
    assert.deepEqual(page.problems, []);
    await page.context().close();
  }
});

const addDays = (d, n) => new Date(Date.parse(`${d}T00:00:00Z`) + n * 86400000).toISOString().slice(0, 10);
const serverToday = async () => (await (await ctx.s.fetch('/api/v1/test/clock')).json()).date;

async function openAs(c, width = 1366) {
  const page = await openPage(browser, ctx.s.url, { locale: 'ru-RU', width, height: 900 });
  await signIn(page, c.email, PASSWORD);
  await page.goto('/subscription');
  await page.locator('[data-testid=access-through]').waitFor();
  return page;
}

test('R-SUB-6 a client on a local ITS contract sees that tariff in force, not its trial', async () => {
  const today = await serverToday();
  const c = await newClient(ctx, P, 'ООО Лютик');
  const its = await ctx.admin.post('/api/v1/its-contracts', {
    number: `ITS-A-${c.id}`, level: 'PROF', partner: P.id, subscriber: c.id, valid_from: today, valid_to: addDays(today, 90),
  });
  assert.equal(its.status, 201, JSON.stringify(its.body));
  const r = await P.owner.post('/api/v1/subscriptions', { subscriber: c.id, kind: 'its_local' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const page = await openAs(c);
  const tariff = page.locator('[data-testid=current-tariff]');
  await tariff.getByText(r.body.tariff.name_ru).waitFor(); // the Russian page names it in Russian
  assert.match(await tariff.textContent(), /Локальный договор ИТС/);
  assert.doesNotMatch(await tariff.textContent(), /Пробный|Trial/);
  assert.equal(await page.locator('[data-testid=access-through]').textContent(), await page.evaluate((d) => new Intl.DateTimeFormat('ru-RU', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${d}T12:00:00Z`)), addDays(today, 89)));
  await shot(page, 'subscriber-02-its-local');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('R-SUB-4/5 a self-service button that cannot apply is disabled, with the server\'s reason in Russian', async () => {
  const today = await serverToday();
  const c = await newClient(ctx, P, 'ООО Ромашка-2');
  for (const width of [1366, 390]) {
    const page = await openAs(c, width);
    const short = page.locator('[data-testid=ss-short_extension]');
    const defer = page.locator('[data-testid=ss-deferred_renewal]');
    assert.equal(await short.isDisabled(), true);
    assert.equal(await defer.isDisabled(), true);
    assert.equal(await page.locator('[data-testid=ss-reason-short_extension]').textContent(), 'Нужна действующая платная подписка.');
    const ru = (d) => page.evaluate((x) => new Intl.DateTimeFormat('ru-RU', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${x}T12:00:00Z`)), d);
    // R-SUB-5: from the last day of access (the trial's 30th day) through 30 days after its end
    const from = await ru(addDays(today, 29));
    const through = await ru(addDays(today, 60));
    assert.equal(await page.locator('[data-testid=ss-reason-deferred_renewal]').textContent(), `Отложить продление можно с ${from}, последнего дня доступа, по ${through.endsWith('.') ? through : `${through}.`}`, 'one full stop at the end, also after «г.»');
    await shot(page, `subscriber-03-buttons-disabled-${width}`);
    assert.deepEqual(page.problems, []);
    await page.context().close();
  }
  // a paid main: the short extension is offered, and taken from the page
  const m = await P.owner.post('/api/v1/subscriptions', { subscriber: c.id, kind: 'main', tariff: 'ITSaaS-PROF', term_months: 1 });
  assert.equal(m.status, 201, JSON.stringify(m.body));
  const page = await openAs(c);
  const short = page.locator('[data-testid=ss-short_extension]');
  assert.equal(await short.isDisabled(), false);
  assert.equal(await page.locator('[data-testid=ss-reason-short_extension]').count(), 0);
  await short.click();
  await page.locator('dialog button', { hasText: 'Подтвердить' }).click();
  await page.locator('[data-testid=ss-reason-short_extension]').getByText(/уже действует по/).waitFor();
  assert.equal(await page.locator('[data-testid=ss-short_extension]').isDisabled(), true);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

// Last: it moves the server's clock forward.
test('R-SUB-0 from L − 7 the page warns that access ends and names the partner; at L − 8 it does not', async () => {
  const c = await newClient(ctx, P, 'ООО Колокольчик');
  const e = (await c.owner.get(`/api/v1/subscribers/${c.id}/entitlement`)).body;
  const L = e.through;   // the trial's last day
  const advance = async (days) => {
    const r = await ctx.s.fetch('/api/v1/test/clock', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: days * 86400 }) });
    assert.equal(r.status, 200);
  };
  await advance(Math.round((Date.parse(L) - Date.parse(e.date)) / 86400000) - 8);
  assert.equal(await serverToday(), addDays(L, -8));
  let page = await openAs(c);
  await page.locator('[data-testid=current-tariff]').waitFor();
  assert.equal(await page.locator('[data-testid=ending-banner]').count(), 0, 'no banner 8 days before L');
  await page.context().close();

  await advance(1);
  for (const width of [1366, 390]) {
    page = await openAs(c, width);
    const banner = page.locator('[data-testid=ending-banner]');
    await banner.waitFor();
    assert.match(await banner.locator('h2').textContent(), /^Доступ заканчивается через 7 дней: последний день доступа — /);
    const contacts = banner.locator('[data-testid=partner-contacts]');
    assert.match(await contacts.textContent(), /ООО «Альфа Софт»/);
    assert.equal(await contacts.locator('a[href^="tel:"]').textContent(), '+7 (495) 765-43-21');
    assert.equal(await contacts.locator('a[href^="mailto:"]').textContent(), 'office@alfa-soft.test');
    await shot(page, `subscriber-04-ending-banner-${width}`);
    assert.deepEqual(page.problems, []);
    await page.context().close();
  }

  await advance(6);
  page = await openAs(c);
  assert.match(await page.locator('[data-testid=ending-banner] h2').textContent(), /^Доступ заканчивается через 1 день/);
  await page.context().close();
  await advance(1);
  page = await openAs(c);
  assert.equal(await page.locator('[data-testid=ending-banner] h2').textContent(), 'Сегодня последний день доступа');
  await page.context().close();
  await advance(1);
  page = await openAs(c);
  await page.locator('[data-testid=ended-banner] [data-testid=partner-contacts]').waitFor();
  assert.equal(await page.locator('[data-testid=ending-banner]').count(), 0);
  await shot(page, 'subscriber-05-ended-banner');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
