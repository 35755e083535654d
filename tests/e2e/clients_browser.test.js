// The partner's one client list and client card in a real browser (issue 11,
// item 4), in Russian at 1366 and 390 px: find a client by INN, open its card,
// sell SESSIONS+1 from it (the quote first) and see the entitlement's sessions
// grow, see the usage chart; a posting refused for incomplete additional
// information opens the missing fields instead of an error; /clients leads to
// the one list; the partner's own account reads as its own books without an
// end. Screenshots: build/screenshots/<engine>-clients-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, openPage, shot, signIn } from './lib/browser.js';
import { setup, newPartner, newEmployee, inn10 } from './lib/accounts.js';
import { withBackend, newClient, readyArea } from './lib/areas.js';
import { expect } from './lib/expect.js';

const PASSWORD = 'a-good-password-1';
let browser;
let ctx;
let cb;
let P;
let C;
let INN;

before(async () => {
  browser = await launchBrowser();
  ctx = await setup('clients-browser');
  cb = await withBackend(ctx);
  P = await newPartner(ctx, { name: 'ООО Партнёр Карточки' });
  expect(await P.owner.patch('/api/v1/me', { lang: 'ru' }), 200);
  C = await newClient(ctx, P, 'ООО Ромашка');
  INN = (await P.owner.get(`/api/v1/subscribers/${C.id}/info`)).body.inn;
  expect(await P.owner.post('/api/v1/subscriptions', { subscriber: C.id, kind: 'main', tariff: 'ITSaaS-PROF', term_months: 1 }), 201);
  const a = await readyArea(C.owner, C.id, 'Бухгалтерия');
  expect(await C.owner.post('/api/v1/sessions', { area: a.id }), 201);
  for (let i = 0; i < 3; i++) expect(await P.owner.post('/api/v1/subscribers', { name: `ООО Другой ${i}` }), 201);
});

after(async () => {
  await browser?.close();
  await cb?.stop();
  await ctx?.s.stop();
});

/** Nothing of this page's own content wider than the viewport (tables scroll inside their card). */
async function noOverflow(page) {
  const wide = await page.evaluate(() => [...document.querySelectorAll('main *')]
    .filter((e) => !e.closest('.table-scroll') && e.getBoundingClientRect().right > window.innerWidth + 1)
    .map((e) => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`).slice(0, 5));
  assert.deepEqual(wide, [], `wider than ${await page.evaluate(() => window.innerWidth)} px`);
}

for (const width of [1366, 390]) {
  test(`at ${width} px: find by INN, open the card, sell SESSIONS+1, see the sessions grow and the usage chart`, async () => {
    const page = await openPage(browser, ctx.s.url, { locale: 'ru-RU', width });
    await signIn(page, P.email, PASSWORD);
    await page.goto('/clients');
    await page.waitForURL(/\/subscribers$/);
    const nav = page.locator('nav');
    assert.equal(await nav.locator('a[href="/clients"]').count(), 0, 'one menu item');
    await page.locator('svg.chart').first().waitFor();
    await page.locator('input[name=q]').fill(INN);
    await page.locator('form', { has: page.locator('input[name=q]') }).locator('button[type=submit]').click();
    await page.waitForURL(new RegExp(`q=${INN}`));
    const rows = page.locator('tbody tr');
    await rows.first().locator('text=ООО Ромашка').waitFor();
    assert.equal(await rows.count(), 1);
    assert.match(await rows.first().textContent(), /ИТС|ITS/);
    assert.match(await rows.first().locator('[data-testid=through]').textContent(), /по \d/);
    await shot(page, `clients-01-search-inn-${width}`);
    if (width === 390) await noOverflow(page);
    await rows.first().locator('a').first().click();
    await page.waitForURL(new RegExp(`/subscribers/${C.id}$`));
    await page.locator('h1', { hasText: 'ООО Ромашка' }).waitFor();
    const before = Number(await page.locator('[data-testid=ent-sessions]').textContent());
    await page.locator('svg.chart-usage').waitFor();
    assert.ok(await page.locator('svg.chart-usage rect[data-peak="1"]').count() >= 1, 'today: one session open');
    await page.locator('[data-testid=subscriptions] tbody tr').first().waitFor();
    await shot(page, `clients-02-card-${width}`);
    if (width === 390) await noOverflow(page);
    await page.getByRole('button', { name: 'Расширить тариф' }).click();
    const dlg = page.locator('dialog[open]');
    await dlg.locator('[data-testid=quote] dl').waitFor();
    assert.match(await dlg.locator('[data-testid=adds]').textContent(), /\+1/);
    assert.match(await dlg.locator('[data-testid=amount-due]').textContent(), /₽/);
    assert.match(await dlg.locator('select[name=tariff]').evaluate((s) => s.options[s.selectedIndex].text), /Дополнительный сеанс/);
    await shot(page, `clients-03-extension-quote-${width}`);
    await dlg.locator('button[type=submit]').click();
    await page.locator('.toast', { hasText: 'расширение проведено' }).waitFor();
    await page.locator('[data-testid=ent-sessions]', { hasText: String(before + 1) }).waitFor();
    await page.locator('[data-testid=subscriptions] td', { hasText: 'Дополнительный сеанс' }).first().waitFor();
    await shot(page, `clients-04-card-after-${width}`);
    assert.deepEqual(page.problems, []);
    await page.context().close();
  });
}

test('a posting refused for incomplete information opens the missing fields, then goes on', async () => {
  const bare = await P.owner.post('/api/v1/subscribers', { name: 'ООО Без сведений' });
  expect(bare, 201);
  const page = await openPage(browser, ctx.s.url, { locale: 'ru-RU', width: 1366 });
  await signIn(page, P.email, PASSWORD);
  await page.goto(`/subscribers/${bare.body.id}`);
  await page.locator('h1', { hasText: 'ООО Без сведений' }).waitFor();
  await page.getByRole('button', { name: 'Продлить или провести основную' }).click();
  let dlg = page.locator('dialog[open]');
  await dlg.locator('[data-testid=info-needed]').waitFor();
  await dlg.locator('button[type=submit]').click();
  dlg = page.locator('dialog[open]', { hasText: 'Дополнительные сведения' });
  await dlg.waitFor();
  for (const f of ['legal_name', 'inn', 'contact_person', 'phone', 'email', 'region']) await dlg.locator(`[name=${f}]`).waitFor();
  assert.equal(await dlg.locator('[name=kpp]').count(), 0, 'only the missing fields');
  await shot(page, 'clients-05-info-needed');
  await dlg.locator('[name=legal_name]').fill('ООО «Без сведений»');
  await dlg.locator('[name=inn]').fill(inn10(990001));
  await dlg.locator('[name=contact_person]').fill('Ольга Петрова');
  await dlg.locator('[name=phone]').fill('+7 495 000-00-00');
  await dlg.locator('[name=email]').fill('olga@bez.example');
  await dlg.locator('[name=region]').fill('Москва');
  await dlg.locator('button[type=submit]').click();
  // the posting dialog again: now it goes through
  dlg = page.locator('dialog[open]', { hasText: 'Продление' });
  await dlg.locator('[data-testid=quote] dl').waitFor();
  await dlg.locator('button[type=submit]').click();
  await page.locator('.toast', { hasText: 'продлено' }).waitFor();
  const subs = (await P.owner.get(`/api/v1/subscriptions?subscriber=${bare.body.id}`)).body.items;
  assert.ok(subs.some((x) => x.kind === 'main'), JSON.stringify(subs));
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test("the partner's own account reads as its own books without an end", async () => {
  const own = (await P.owner.get(`/api/v1/partners/${P.id}`)).body.own_subscriber;
  const page = await openPage(browser, ctx.s.url, { locale: 'ru-RU', width: 1366 });
  await signIn(page, P.email, PASSWORD);
  await page.goto(`/subscribers/${own.id}`);
  await page.locator('h1').waitFor();
  await page.locator('[data-testid=subscriptions] tbody tr').first().waitFor();
  const text = await page.locator('main').textContent();
  assert.match(text, /Собственный учёт партнёра/);
  assert.match(text, /без срока/);
  assert.doesNotMatch(text, /1200 мес|36\s?5\d\d/);
  assert.equal(await page.getByRole('button', { name: 'Расширить тариф' }).count(), 0);
  await shot(page, 'clients-06-own-books');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a consultant reads the list and the card but is offered no posting it could not make', async () => {
  const emp = await newEmployee(ctx, P, ['consultant']);
  const page = await openPage(browser, ctx.s.url, { locale: 'ru-RU', width: 1366 });
  await signIn(page, emp.email, PASSWORD);
  await page.goto('/subscribers');
  await page.locator('tbody tr', { hasText: 'ООО Ромашка' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Продлить' }).count(), 0);
  await page.goto(`/subscribers/${C.id}`);
  await page.locator('[data-testid=subscriptions] tbody tr').first().waitFor();
  await page.locator('svg.chart-usage').waitFor();
  for (const name of ['Продлить или провести основную', 'Расширить тариф', 'Запросить изменение']) {
    assert.equal(await page.getByRole('button', { name }).count(), 0, name);
  }
  // the additional information is read, not saved: the server would refuse a consultant
  for (const name of ['Сохранить сведения', 'Сохранить причину']) {
    const b = page.getByRole('button', { name });
    assert.equal(await b.isDisabled(), true, name);
    assert.match(await b.getAttribute('title'), /Владелец/, name);
  }
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
