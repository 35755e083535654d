// The money pages in a real browser (Debian's Chromium through playwright-core), in Russian
// first (R-BIL-1..4): the provider keeps a distributor, a partner settles through it; the
// provider sees the month (every partner's total, totals by payer, the run, a year's chart by
// rule) and closes it after a confirmation that says what closing does; the partner opens its
// «Отчёты», sees the closed month with its number and its lines with the rule by name, filters
// them, and downloads the PDF; it never sees another partner's statement; a client has no such
// menu item. Every page added is shot at 1366 and 390 px in Russian
// (build/screenshots/<engine>-stmt-*.png) and checked for codes, #ids, English and overflow.
// One server, data made once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launchBrowser, openPage, shot } from './lib/browser.js';
import { setup, newPartner, inn10 } from './lib/accounts.js';
import { newClient } from './lib/areas.js';
import { eventually } from './lib/wait.js';

const PASSWORD = 'a-good-password-1';
let browser;
let ctx;
let A;      // the partner settling through the distributor
let B;      // another partner, settling with the provider
let CA;     // A's client
let month;  // the month posted in, 'YYYY-MM'
let dist;

async function clock(body) {
  const r = await ctx.s.fetch('/api/v1/test/clock', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await r.text();
  assert.equal(r.status, 200, text);
  return JSON.parse(text);
}

before(async () => {
  browser = await launchBrowser();
  ctx = await setup('statements-browser');
  assert.equal((await ctx.admin.patch('/api/v1/me', { lang: 'ru', name: 'Ольга Петрова' })).status, 200);
  A = await newPartner(ctx, { name: 'ООО «Альфа Софт»', lang: 'ru' });
  B = await newPartner(ctx, { name: 'ООО «Бета Консалтинг»', lang: 'ru' });
  for (const p of [A, B]) assert.equal((await p.owner.patch('/api/v1/me', { lang: 'ru' })).status, 200);
  dist = (await ctx.admin.post('/api/v1/distributors', {
    name: 'ООО «Региональный дистрибьютор»', inn: inn10(990001), kpp: '770101001', address: 'Москва, ул. Складская, 1', email: 'billing@distr.test',
  })).body;
  const req = await A.owner.post('/api/v1/requests', {
    kind: 'requisites', partner: A.id, changes: { settle_with: 'distributor', distributor: dist.id }, reason: 'договор с дистрибьютором',
  });
  assert.equal(req.status, 201, JSON.stringify(req.body));
  assert.equal((await ctx.admin.post(`/api/v1/requests/${req.body.id}/decision`, { decision: 'apply' })).status, 200);
  // a month of postings: A's client a year, B's client a month
  month = (await clock({ advance: 0 })).date.slice(0, 7);
  CA = await newClient(ctx, A, 'ООО Ромашка');
  const CB = await newClient(ctx, B, 'ООО Лютик');
  for (const [p, c, term] of [[A, CA, 12], [B, CB, 1]]) {
    const m = await p.owner.post('/api/v1/subscriptions', { subscriber: c.id, kind: 'main', tariff: 'ITSaaS-PROF', term_months: term });
    assert.equal(m.status, 201, JSON.stringify(m.body));
  }
  const run = await ctx.admin.post(`/api/v1/statement-months/${month}/runs`);
  assert.equal(run.status, 202, JSON.stringify(run.body));
  // the run is the job runner's: wait for its end, so the month is closed after a whole draft
  await eventually(async () => {
    const m = await ctx.admin.get(`/api/v1/statement-months/${month}`);
    assert.equal(m.body.run?.state, 'done', JSON.stringify(m.body.run));
    return m.body;
  }, { what: `the run of ${month}`, timeout: 20_000, interval: 200 });
  // the month is over: it may be closed
  const [y, mo] = month.split('-').map(Number);
  const next = `${mo === 12 ? y + 1 : y}-${String(mo === 12 ? 1 : mo + 1).padStart(2, '0')}-01T09:00:00Z`;
  await clock({ now: next });
  // weeks later: the API sessions of the setup have ended; the partners' and the client's too
  assert.equal((await ctx.admin.login(ctx.env.email, ctx.env.password)).status, 200);
  for (const [c, email] of [[A.owner, A.email], [B.owner, B.email], [CA.owner, CA.email]]) {
    assert.equal((await c.login(email, PASSWORD)).status, 200);
  }
});

after(async () => {
  await browser?.close();
  await ctx?.s.stop();
});

/** What a person would see as a defect on a Russian page: codes, #ids, English, a page wider than the window. */
async function looksRussian(page, what) {
  const found = await page.evaluate(() => {
    const main = document.querySelector('main');
    const text = main.innerText
      .replace(/\S+@\S+/g, ' ')
      .replace(/\b(PDF|XLSX|CSV|ITSaaS-PROF|Oblako)\b/g, ' ');
    const out = [];
    if (document.scrollingElement.scrollWidth > window.innerWidth + 1) out.push(`page ${document.scrollingElement.scrollWidth}px wide in ${window.innerWidth}px`);
    const hash = /#\d+/.exec(text);
    if (hash) out.push(`an id: ${hash[0]}`);
    const code = /\b[a-z]+_[a-z_]+\b/.exec(text);
    if (code) out.push(`a code: ${code[0]}`);
    const latin = /\b[A-Za-z]{2,}\b(\s+\b[A-Za-z]{2,}\b){1,}/.exec(text);
    if (latin) out.push(`English: ${latin[0]}`);
    return out;
  });
  assert.deepEqual(found, [], `${what}: ${found.join('; ')}`);
}

/** Shots of the page at 1366 and 390 px, each looked at. */
async function shots(page, name) {
  for (const width of [1366, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.waitForTimeout(50);
    await looksRussian(page, `${name} at ${width}px`);
    await shot(page, `stmt-${name}-${width}`);
  }
  await page.setViewportSize({ width: 1366, height: 900 });
}

/** A page signed in as an API client's person: its session cookie, no second password check
 * (each sign-in hashes a password; browser.test.js tests the form). */
async function openAs(client) {
  const page = await openPage(browser, ctx.s.url, { locale: 'ru-RU' });
  await page.context().addCookies([{ name: 'oblako_session', value: client.cookie, url: ctx.s.url }]);
  await page.goto('/');
  await page.locator('[data-testid=person]').waitFor();
  return page;
}

const ready = (page) => page.locator('main:not([aria-busy])').waitFor();

test('R-BIL-1 the provider keeps the distributor; the partner card shows its payer', async () => {
  const page = await openAs(ctx.admin);
  await page.locator('nav.side a', { hasText: 'Дистрибьюторы' }).click();
  await page.locator('tr', { hasText: 'ООО «Региональный дистрибьютор»' }).waitFor();
  assert.match(await page.locator('tr', { hasText: 'ООО «Региональный дистрибьютор»' }).innerText(), /billing@distr\.test[\s\S]*1/);
  await shots(page, 'distributors');
  await page.getByRole('button', { name: 'Добавить дистрибьютора' }).click();
  const dlg = page.locator('dialog[open]');
  await dlg.locator('input[name=name]').fill('ООО «Второй дистрибьютор»');
  await dlg.locator('input[name=inn]').fill('7707083894');
  await dlg.locator('input[name=email]').fill('second@distr.test');
  await dlg.locator('button[type=submit]').click();
  // the INN's checksum: a field error under the INN, in Russian
  await dlg.locator('[data-field=inn] .field-error').waitFor();
  assert.match(await dlg.locator('[data-field=inn] .field-error').innerText(), /[а-я]/);
  await shot(page, 'stmt-distributor-inn-error');
  await dlg.locator('input[name=inn]').fill(inn10(990002));
  await dlg.locator('button[type=submit]').click();
  await page.locator('tr', { hasText: 'ООО «Второй дистрибьютор»' }).waitFor();
  await page.goto(`/partners/${A.id}`);
  await page.locator('[data-testid=payer]', { hasText: 'ООО «Региональный дистрибьютор»' }).waitFor();
  await shots(page, 'partner-card');

  // B asks to settle through the new distributor: its «Организация» page and the request form
  const bp = await openAs(B.owner);
  await bp.locator('nav.side a', { hasText: 'Организация' }).click();
  await bp.locator('[data-testid=payer]', { hasText: 'провайдер напрямую' }).waitFor();
  await shots(bp, 'organization');
  await bp.getByRole('button', { name: 'Заявка на изменение реквизитов' }).click();
  const form = bp.locator('dialog[open]');
  // the choices come from /payers after the dialog opens: wait for all three
  await form.locator('select[name=payer] option').nth(2).waitFor({ state: 'attached' });
  const options = await form.locator('select[name=payer] option').allInnerTexts();
  assert.deepEqual(options.sort(), ['провайдер напрямую', 'через дистрибьютора «ООО «Второй дистрибьютор»»',
    'через дистрибьютора «ООО «Региональный дистрибьютор»»'].sort());
  await form.locator('select[name=payer]').selectOption({ label: 'через дистрибьютора «ООО «Второй дистрибьютор»»' });
  await form.locator('textarea[name=reason]').fill('договор с дистрибьютором');
  await shot(bp, 'stmt-organization-request');
  await form.locator('button[type=submit]').click();
  await bp.waitForURL(/\/requests/);
  assert.deepEqual(bp.problems, []);
  await bp.context().close();
  // the provider sees the payer asked, by name, before deciding (and leaves it open)
  await page.goto('/requests?state=open');
  const req = page.locator('tr', { hasText: 'ООО «Бета Консалтинг»' });
  await req.waitFor();
  assert.match(await req.innerText(), /Расчёты: через дистрибьютора[\s\S]*Дистрибьютор: ООО «Второй дистрибьютор»/);
  await req.getByRole('button', { name: 'Применить' }).click();
  const apply = page.locator('dialog[open]');
  assert.match(await apply.innerText(), /ООО «Второй дистрибьютор»/);
  await shot(page, 'stmt-request-payer-dialog');
  await apply.getByRole('button', { name: 'Отмена' }).click();
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('R-BIL-1..4 the provider closes the month with a confirmation; the partner downloads the PDF', async () => {
  const page = await openAs(ctx.admin);
  await page.locator('nav.side a', { hasText: 'Отчёты' }).click();
  await page.locator('svg.chart-year').waitFor();
  await shots(page, 'months');
  await page.locator(`a[href="/statements/months/${month}"]`).click();
  await ready(page);
  const partners = page.locator('tr', { hasText: 'ООО «Альфа Софт»' });
  await partners.waitFor();
  assert.match(await partners.innerText(), /ООО «Региональный дистрибьютор»/);
  assert.match(await page.locator('main').innerText(), /провайдер напрямую/, 'B settles with the provider');
  await shots(page, 'month-draft');
  await page.locator('[data-testid=close-month]').click();
  const dlg = page.locator('dialog[open]');
  assert.match(await dlg.innerText(), /нельзя отменить[\s\S]*номер[\s\S]*письма/);
  await shot(page, 'stmt-month-close-dialog');
  await dlg.locator('button[type=submit]').click();
  await page.locator('.toast', { hasText: 'месяц закрыт' }).waitFor();
  await page.locator('main .badge', { hasText: 'Закрыт' }).first().waitFor();
  await shots(page, 'month-closed');
  await page.context().close();

  // the partner: its months, the closed one numbered, its lines with the rule by name
  const pp = await openAs(A.owner);
  await pp.locator('nav.side a', { hasText: 'Отчёты' }).click();
  const row = pp.locator('tr', { hasText: 'Закрыт' });
  await row.waitFor();
  const number = (await row.locator('.mono').innerText()).trim();
  assert.match(number, new RegExp(`^${month}/`), 'numbered YYYY-MM/<partner code>');
  assert.match(await row.innerText(), /ООО «Региональный дистрибьютор»/);
  await shots(pp, 'partner-statements');
  await row.locator('a').first().click();
  await pp.locator('[data-testid=stmt-number]').waitFor();
  const line = pp.locator('tr', { hasText: 'ООО Ромашка' });
  await line.waitFor();
  const rule = (await line.locator('.rule-badge').innerText()).trim();
  assert.ok(rule && /[а-я]/.test(rule) && !/_/.test(rule), `the rule by its Russian name: '${rule}'`);
  await shots(pp, 'statement');
  // filters: by the rule shown, then by a rule no line has
  await pp.locator('select[name=rule]').selectOption({ label: rule });
  await pp.locator('form.form-filters button[type=submit]').click();
  await pp.locator('tr', { hasText: 'ООО Ромашка' }).waitFor();
  assert.match(pp.url(), /rule=/);
  // the PDF: its name and its first bytes
  const href = await pp.locator('a[data-format=pdf]').first().getAttribute('href');
  const head = await pp.evaluate(async (u) => { const r = await fetch(u); return `${r.status} ${r.headers.get('content-type')} ${r.headers.get('content-disposition')} ${r.ok ? '' : await r.text()}`; }, href);
  assert.match(head, /^200 application\/pdf attachment; filename="statement-/, head);
  const [download] = await Promise.all([pp.waitForEvent('download'), pp.locator('a[data-format=pdf]').first().click()]);
  const name = download.suggestedFilename();
  assert.match(name, /\.pdf$/i, name);
  const bytes = readFileSync(await download.path());
  assert.equal(bytes.subarray(0, 4).toString(), '%PDF');
  assert.deepEqual(pp.problems, []);
  await pp.context().close();
});

test('R-BIL-1 a partner sees no other partner\'s statement; a client has no «Отчёты»', async () => {
  const list = await ctx.admin.get(`/api/v1/statements?partner=${B.id}&month=${month}`);
  assert.equal(list.status, 200, JSON.stringify(list.body));
  const other = list.body.items[0];
  assert.ok(other, 'B has a statement');
  const page = await openAs(A.owner);
  await page.goto('/statements');
  await page.locator('tr', { hasText: 'Закрыт' }).waitFor();
  assert.doesNotMatch(await page.locator('main').innerText(), /Бета|Лютик/);
  await page.goto(`/statements/${other.id}`);
  await page.locator('main .alert, main .error, main [role=alert]').first().waitFor();
  assert.doesNotMatch(await page.locator('main').innerText(), /Лютик|Бета/);
  const direct = await page.evaluate(async (id) => (await fetch(`/api/v1/statements/${id}?format=pdf`)).status, other.id);
  assert.equal(direct, 404);
  await page.context().close();

  const sp = await openAs(CA.owner);
  assert.equal(await sp.locator('nav.side a', { hasText: 'Отчёты' }).count(), 0);
  await sp.goto('/statements');
  await sp.locator('.notfound').waitFor();
  await sp.context().close();
});
