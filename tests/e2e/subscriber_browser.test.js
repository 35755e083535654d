// The client's Подписка page tells the truth about each subscription's state
// (issue 11, item 3): a trial that a paid main stopped (R-SUB-4) reads
// "Прекращена", never "Предстоит", which is kept for what has not begun.
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
  P = await newPartner(ctx, { name: 'ООО «Альфа Софт»', lang: 'ru' });
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
    await shot(page, `subscriber-01-trial-stopped-${width}`);
    assert.deepEqual(page.problems, []);
    await page.context().close();
  }
});
