// Change and cancellation requests of a posted subscription (R-SUB-2) in a
// real browser (Debian's Chromium through playwright-core): the partner owner
// opens the client list (Абоненты), "Request a change" on a client with a paid main, files a
// change (term 12) and a cancellation; a missing reason and an unknown tariff
// are shown under their fields; the requests are then checked through the API.
// Screenshots go to build/screenshots/<engine>-requests-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, openPage, shot, signIn } from './lib/browser.js';
import { setup, newPartner } from './lib/accounts.js';
import { newClient } from './lib/areas.js';

const PASSWORD = 'a-good-password-1';
let browser;
let ctx;
let P;   // the serving partner: {id, owner, email}
let C;   // its client with a paid main
let M;   // the main subscription

before(async () => {
  browser = await launchBrowser();
  ctx = await setup('requests-browser');
  P = await newPartner(ctx);
  C = await newClient(ctx, P, 'ООО Ромашка');
  const m = await P.owner.post('/api/v1/subscriptions', { subscriber: C.id, kind: 'main', tariff: 'ITSaaS-PROF', term_months: 1 });
  assert.equal(m.status, 201, JSON.stringify(m.body));
  M = m.body;
});

after(async () => {
  await browser?.close();
  await ctx?.s.stop();
});

test('R-SUB-2 the partner owner files a change and a cancellation request from the client list', async () => {
  const page = await openPage(browser, ctx.s.url);
  await signIn(page, P.email, PASSWORD);
  await page.goto('/subscribers');
  const row = page.locator('tr', { hasText: 'ООО Ромашка' });
  await row.getByRole('button', { name: 'Request a change' }).click();
  let dlg = page.locator('dialog[open]');
  await dlg.locator('.dialog-title', { hasText: 'Change or cancel the subscription of ООО Ромашка' }).waitFor();
  assert.match(await dlg.locator('.dialog-text').textContent(), /ITSaaS-PROF.*provider, who applies or rejects it/);
  // prefilled with the current values
  assert.equal(await dlg.locator('select[name=kind]').inputValue(), 'subscription_change');
  assert.equal(await dlg.locator('select[name=term_months]').inputValue(), '1');
  assert.equal(await dlg.locator('input[name=start]').inputValue(), M.start);
  assert.equal(await dlg.locator('input[name=tariff]').inputValue(), 'ITSaaS-PROF');
  assert.equal(await dlg.locator('input[name=quantity]').inputValue(), '1');

  // a change with no reason: refused under the reason field, nothing is sent
  let sent = 0;
  page.on('request', (r) => { if (r.method() === 'POST' && r.url().endsWith('/api/v1/requests')) sent++; });
  await dlg.locator('select[name=term_months]').selectOption('12');
  await dlg.locator('button[type=submit]').click();
  await dlg.locator('[data-field=reason] .field-error', { hasText: 'Fill this in' }).waitFor();
  assert.equal(sent, 0);
  // an unknown tariff: the server's 400 is shown under the tariff field
  await dlg.locator('textarea[name=reason]').fill('the client pays for a year');
  await dlg.locator('input[name=tariff]').fill('NO-SUCH');
  await dlg.locator('button[type=submit]').click();
  await dlg.locator('[data-field=tariff] .field-error').waitFor();
  assert.equal(sent, 1);
  assert.equal(await dlg.locator('[data-field=reason] .field-error').isHidden(), true);
  await shot(page, 'requests-01-change-field-error');
  // back to the current tariff: only the term is requested
  await dlg.locator('input[name=tariff]').fill('ITSaaS-PROF');
  await shot(page, 'requests-02-change-dialog');
  await dlg.locator('button[type=submit]').click();
  await page.locator('.toast', { hasText: 'Subscription change, ООО Ромашка: Awaiting decision' }).waitFor();
  assert.equal(await page.locator('.toast', { hasText: 'late' }).count(), 0);
  await dlg.waitFor({ state: 'detached' });

  // a cancellation: the change fields are hidden
  await row.getByRole('button', { name: 'Request a change' }).click();
  dlg = page.locator('dialog[open]');
  await dlg.locator('select[name=kind]').selectOption('subscription_cancel');
  assert.equal(await dlg.locator('[data-field=term_months]').isHidden(), true);
  assert.equal(await dlg.locator('[data-field=tariff]').isHidden(), true);
  await dlg.locator('textarea[name=reason]').fill('posted by mistake');
  await shot(page, 'requests-03-cancel-dialog');
  await dlg.locator('button[type=submit]').click();
  await page.locator('.toast', { hasText: 'Subscription cancellation, ООО Ромашка: Awaiting decision' }).waitFor();
  assert.equal(sent, 3);
  assert.deepEqual(page.problems, []);
  await page.context().close();

  // through the API: both requests, open, with the right kind and changes
  const r = await P.owner.get('/api/v1/requests?limit=500');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const mine = r.body.items.filter((x) => x.subscription?.id === M.id);
  const change = mine.find((x) => x.kind === 'subscription_change');
  const cancel = mine.find((x) => x.kind === 'subscription_cancel');
  assert.equal(mine.length, 2, JSON.stringify(mine));
  assert.ok(change && cancel, JSON.stringify(mine));
  assert.deepEqual(change.changes, { term_months: 12 });
  assert.equal(change.reason, 'the client pays for a year');
  assert.equal(change.state, 'open');
  assert.equal(change.late, false);
  assert.deepEqual(cancel.changes, {});
  assert.equal(cancel.reason, 'posted by mistake');
  assert.equal(cancel.state, 'open');
  // nothing changes before the provider decides
  assert.equal((await P.owner.get(`/api/v1/subscriptions/${M.id}`)).body.term_months, 1);
});

test('R-SUB-2 the Russian dialog: texts in Russian, an unchanged change is refused before sending', async () => {
  assert.equal((await P.owner.patch('/api/v1/me', { lang: 'ru' })).status, 200);
  const page = await openPage(browser, ctx.s.url, { locale: 'ru-RU' });
  await signIn(page, P.email, PASSWORD);
  await page.goto('/subscribers');
  await page.locator('tr', { hasText: 'ООО Ромашка' }).getByRole('button', { name: 'Запросить изменение' }).click();
  const dlg = page.locator('dialog[open]');
  await dlg.locator('.dialog-title', { hasText: 'Изменение или отмена подписки: ООО Ромашка' }).waitFor();
  assert.match(await dlg.locator('.dialog-text').textContent(), /только поставщик/);
  await dlg.locator('textarea[name=reason]').fill('просто так');
  await dlg.locator('button[type=submit]').click();
  await dlg.locator('.form-error', { hasText: 'Измените хотя бы одно поле' }).waitFor();
  await shot(page, 'requests-04-ru-no-changes');
  assert.deepEqual(page.problems, []);
  await page.context().close();
  assert.equal((await P.owner.patch('/api/v1/me', { lang: 'en' })).status, 200);
});
