// Copies of data areas in a real browser (R-DA-5; issue 15 item 7): the owner downloads a copy
// of an area from the areas list (the copy is made, then saved by its day's link), uploads the
// downloaded file as a new area with the upload's progress and then the backend's import shown,
// opens the new area and sees the same cash book entries. In Russian, at 1366 px, then 390 px.
// Screenshots go to build/screenshots/<engine>-copies-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launchBrowser, openPage, shot, signIn } from './lib/browser.js';
import { setup, newPartner } from './lib/accounts.js';
import { withBackend, newClient, settled } from './lib/areas.js';

const PASSWORD = 'a-good-password-1';
let browser;
let ctx;
let cb;
let C;
let area;

before(async () => {
  browser = await launchBrowser();
  ctx = await setup('copies-browser', { args: ['--jobs-interval-ms', '100'] });
  cb = await withBackend(ctx);
  const P = await newPartner(ctx);
  C = await newClient(ctx, P, 'ООО Ромашка');
  const r = await C.owner.post('/api/v1/areas', { subscriber: C.id, name: 'Основная', application: 'accounting', demo: true });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  area = await settled(C.owner, r.body.id);
  assert.equal(area.state, 'ready');
});

after(async () => {
  await browser?.close();
  await cb?.stop();
  await ctx?.s.stop();
});

/** The entries the cash book page shows of an area opened from the areas list. */
async function entriesShown(page, name) {
  const row = page.locator('[data-testid=areas] tr', { hasText: name });
  await row.locator('.badge', { hasText: 'Готова' }).waitFor({ timeout: 20_000 });
  const [popup] = await Promise.all([page.waitForEvent('popup'), row.getByRole('button', { name: 'Открыть', exact: true }).click()]);
  await popup.waitForURL((u) => u.href.startsWith(cb.url), { timeout: 15_000 });
  await popup.locator('#area-name', { hasText: name }).waitFor({ timeout: 15_000 });
  await popup.locator('#entries tbody tr').first().waitFor();
  const rows = await popup.locator('#entries tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')]
    .slice(0, 3).map((td) => td.textContent.trim()).join(' | ')));
  const total = await popup.locator('#total').textContent();
  await popup.close({ runBeforeUnload: true });
  return { rows, total };
}

test('R-DA-5: the owner downloads a copy, uploads it as a new area, and sees the same entries in the cash book', async () => {
  const page = await openPage(browser, ctx.s.url, { locale: 'ru-RU', width: 1366, height: 860 });
  await signIn(page, C.email, PASSWORD);
  await page.goto('/areas');
  const before = await entriesShown(page, 'Основная');
  assert.ok(before.rows.length >= 5, JSON.stringify(before));

  // download: the copy is made, then saved by its link
  await page.locator('[data-testid=areas] tr', { hasText: 'Основная' }).getByRole('button', { name: 'Скачать копию' }).click();
  const dialog = page.locator('dialog.copy-dialog');
  await dialog.getByRole('button', { name: 'Скачать файл' }).waitFor({ timeout: 20_000 });
  assert.match(await dialog.locator('[data-testid=copy-status]').textContent(), /Копия готова: [\d,]+ КБ/);
  await shot(page, 'copies-01-export-ready');
  const [download] = await Promise.all([page.waitForEvent('download'), dialog.getByRole('button', { name: 'Скачать файл' }).click()]);
  const file = await download.path();
  const bytes = readFileSync(file);
  assert.equal(bytes.subarray(0, 16).toString('latin1'), 'SQLite format 3\0');
  assert.match(download.suggestedFilename(), /^Основная \d{4}-\d\d-\d\d\.bin$/, 'named for the area and the day');
  await dialog.locator('[data-testid=copy-status]', { hasText: 'Скачивание началось' }).waitFor();
  await dialog.getByRole('button', { name: 'Закрыть' }).click();

  // upload the downloaded file as a new area
  await page.getByRole('button', { name: 'Загрузить копию' }).click();
  const up = page.locator('dialog.copy-dialog');
  await up.locator('[data-testid=copy-file]').setInputFiles({ name: 'копия.bin', mimeType: 'application/octet-stream', buffer: bytes });
  await up.getByLabel('Название').fill('Из копии');
  assert.equal(await up.getByLabel('Приложение').inputValue(), 'accounting', 'the application the client works in');
  await up.locator('.copy-file-name', { hasText: /копия\.bin · [\d,]+ КБ/ }).waitFor();
  await shot(page, 'copies-02-upload-form');
  await up.getByRole('button', { name: 'Загрузить', exact: true }).click();
  await up.locator('[data-testid=copy-status]', { hasText: /Создаём базу «Из копии»|База «Из копии» готова/ }).waitFor({ timeout: 20_000 });
  await up.locator('[data-testid=copy-status]', { hasText: 'База «Из копии» готова к работе' }).waitFor({ timeout: 20_000 });
  await shot(page, 'copies-03-upload-done');
  await up.getByRole('button', { name: 'Закрыть' }).click();

  const after = await entriesShown(page, 'Из копии');
  assert.deepEqual(after.rows, before.rows, 'the same entries');
  assert.equal(after.total, before.total, 'the same balance');

  // the same at 390 px (a phone): the list with both areas, and the upload dialog
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/areas');
  await page.locator('[data-testid=areas] tr', { hasText: 'Из копии' }).waitFor();
  await shot(page, 'copies-04-list-390');
  await page.getByRole('button', { name: 'Загрузить копию' }).click();
  await page.locator('dialog.copy-dialog').waitFor();
  await shot(page, 'copies-05-upload-390');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
