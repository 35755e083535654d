// The area page in a real browser (issue 15, R-DA-5): the owner opens a data area from the
// list, sees its backups in Russian (kind, date, size as «12,4 КБ», checked), makes one now,
// restores the area from a backup by typing its name and follows the restore to its end,
// with the copy of the state before it listed. A failed backup is shown with its reason.
// Screenshots at 1366 and 390 px: build/screenshots/<engine>-area-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, openPage, shot, signIn } from '../lib/browser.js';
import { setup, newPartner } from '../lib/accounts.js';
import { query } from '../lib/db.js';
import { withBackend, newClient } from '../lib/areas.js';
import { eventually } from '../lib/wait.js';

let browser;
let ctx;
let cb;
let C;
let area;

before(async () => {
  [browser, ctx] = await Promise.all([launchBrowser(), setup('backups-browser', { args: ['--jobs-interval-ms', '50'] })]);
  cb = await withBackend(ctx);
  const P = await newPartner(ctx);
  C = await newClient(ctx, P, 'ООО Ромашка');
  const r = await C.owner.post('/api/v1/areas', { subscriber: C.id, name: 'Бухгалтерия 2026', application: 'accounting', demo: true });
  assert.equal(r.status, 201);
  area = r.body;
  await eventually(async () => (await C.owner.get(`/api/v1/areas/${area.id}`)).body.state === 'ready', { what: 'area ready' });
  // a nightly copy made by the job, and a failed attempt the page must show
  const j = await ctx.s.fetch('/api/v1/test/jobs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ names: ['backups'] }) });
  assert.equal(j.status, 200, await j.text());
  await eventually(async () => (await C.owner.get(`/api/v1/areas/${area.id}/backups`)).body.items.length === 1, { what: 'the nightly copy' });
});
after(async () => {
  await browser?.close();
  await cb?.stop();
  await ctx?.s.stop();
});

test('R-DA-5: the owner sees the backups of an area and restores it by typing its name', async () => {
  const page = await openPage(browser, ctx.s.url, { locale: 'ru-RU', width: 1366, height: 900 });
  await signIn(page, C.email, 'a-good-password-1');
  await page.goto('/areas');
  await page.getByRole('link', { name: 'Бухгалтерия 2026' }).click();
  await page.waitForURL(`**/areas/${area.id}`);
  const rows = page.locator('[data-testid=backups] tbody tr');
  await rows.first().waitFor();
  assert.equal(await rows.count(), 1);
  const first = await rows.first().innerText();
  assert.match(first, /Ночная/);
  assert.match(first, /\d+(,\d)? КБ/);
  assert.match(first, /Проверена/);
  // make one now; it is followed until it is listed
  await page.getByRole('button', { name: 'Сделать копию сейчас' }).click();
  await eventually(async () => (await rows.count()) === 2, { what: 'the manual copy listed', interval: 100 });
  assert.match(await rows.first().innerText(), /По запросу/);
  await shot(page, 'area-backups-1366');
  // restore the nightly copy into the area
  await rows.nth(1).getByRole('button', { name: 'Восстановить…' }).click();
  await page.getByRole('button', { name: 'Далее' }).click();
  const confirm = page.locator('input[name=confirm]');
  await confirm.fill('Бухгалтерия');
  await page.getByRole('button', { name: 'Восстановить', exact: true }).click();
  await page.getByText('Название не совпадает').waitFor();
  await confirm.fill('Бухгалтерия 2026');
  await page.getByRole('button', { name: 'Восстановить', exact: true }).click();
  await page.locator('[data-testid=restore-state]').getByText(/База восстановлена/).waitFor({ timeout: 20_000 });
  await page.getByText('Перед восстановлением').first().waitFor();
  const body = await page.locator('main').innerText();
  assert.doesNotMatch(body, /before_restore|restoring|stored|daily|manual/, 'no raw states in the Russian page');
  await shot(page, 'area-restored-1366');
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, 'area-restored-390');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a failed backup is shown with its reason', async () => {
  // the backend refuses: the area is unknown to it (a permanent 404), so the copy fails at once
  query(ctx.db, `UPDATE areas SET area_key = 'ffffffffffffffff' WHERE id = ${area.id}`);
  expectStatus(await C.owner.post(`/api/v1/areas/${area.id}/backups`), 202);
  const page = await openPage(browser, ctx.s.url, { locale: 'ru-RU', width: 390, height: 844 });
  await signIn(page, C.email, 'a-good-password-1');
  await page.goto(`/areas/${area.id}`);
  const failed = page.locator('[data-testid=backup-pending]');
  await failed.getByText('Не удалась').waitFor({ timeout: 20_000 });
  assert.match(await failed.innerText(), /Сервер программы не сделал копию/);
  await shot(page, 'area-failed-390');
  await page.context().close();
});

function expectStatus(r, status) {
  assert.equal(r.status, status, JSON.stringify(r.body));
}
