// The provider's «Версии приложений» and «Обновление баз» and the client's test area in a real
// browser, in Russian at 1366 and 390 px (issue 15, item 7): the provider publishes a test
// release; the client's owner moves its test area to it from «Информационные базы» and sees the
// new version; the provider releases it, and the roll-out's page shows the bar, the counts per
// status (an area waiting for its open window, which shows the update warning) and a failure
// with the backend's reason (a working area the cash book lost answers 404).
// Screenshots go to build/screenshots/<engine>-versions-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, openPage, shot, signIn } from '../lib/browser.js';
import { setup, newPartner } from '../lib/accounts.js';
import { newClient, settled, SECRET, APPS } from '../lib/areas.js';
import { startCashbook, sign } from '../lib/app.js';
import { query } from '../lib/db.js';
import { expect } from '../lib/expect.js';
import { eventually } from '../lib/wait.js';

let browser;
let ctx;
let cb;
let c;
let P;
let provider;   // the provider's page, signed in

before(async () => {
  const [b, s] = await Promise.allSettled([launchBrowser(), setup('versions-browser', { args: ['--app-idle-seconds', '30'] })]);
  browser = b.value;
  ctx = s.value;
  if (b.status === 'rejected' || s.status === 'rejected') throw b.reason || s.reason;
  cb = await startCashbook({ oblakoUrl: ctx.s.url, secret: SECRET, args: ['--versions', '1.0.0,1.1.0'] });
  for (const code of APPS) {
    expect(await ctx.admin.patch(`/api/v1/applications/${code}`, { backend_url: cb.url, backend_secret: SECRET }), 200);
  }
  expect(await ctx.admin.patch('/api/v1/me', { lang: 'ru' }), 200);
  P = await newPartner(ctx, { name: 'ООО «Альфа Софт»', lang: 'ru' });
  c = await newClient(ctx, P, 'ООО «Ромашка»');
  expect(await c.owner.patch('/api/v1/me', { lang: 'ru' }), 200);
  const made = [];
  for (const [name, test] of [['Основная', false], ['Филиал', false], ['Проверка доработок', true]]) {
    const r = await c.owner.post('/api/v1/areas', { subscriber: c.id, name, application: 'accounting', test });
    expect(r, 201);
    made.push(r.body.id);
  }
  for (const id of made) assert.equal((await settled(c.owner, id)).state, 'ready');
});

after(async () => {
  await browser?.close();
  await cb?.stop();
  if (ctx) assert.equal(await ctx.s.stop(), 0);
});

/** Runs the jobs now. The server's own runner may hold a job's lease for a moment (it runs the
 * same jobs on its schedule): then again, shortly. */
async function jobs(...names) {
  for (let i = 0; ; i++) {
    const r = await ctx.s.fetch('/api/v1/test/jobs', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ names }),
    });
    const text = await r.text();
    if (r.status === 200) return;
    assert.ok(r.status === 409 && text.includes('job.running_elsewhere') && i < 100, `${r.status} ${text}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

const noEnglish = async (page) => {
  const text = await page.locator('main').innerText();
  for (const w of ['pending', 'updating', 'updated', 'failed', 'running', 'released', 'test']) {
    assert.ok(!new RegExp(`\\b${w}\\b`).test(text), `English "${w}" on a Russian page: ${text}`);
  }
};

test('the provider publishes a test release; the client moves its test area to it', async () => {
  const page = await openPage(browser, ctx.s.url, { locale: 'ru-RU', width: 1366, height: 860 });
  await signIn(page, ctx.env.email, ctx.env.password);
  await page.getByRole('link', { name: 'Версии приложений' }).click();
  await page.getByRole('heading', { name: 'Версии приложений', level: 1 }).waitFor();
  await page.getByRole('button', { name: 'Опубликовать тестовый релиз' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.locator('select[name=application]').selectOption('accounting');
  await dialog.locator('input[name=version]').fill('1.1.0');
  await dialog.locator('textarea[name=notes]').fill('Новый отчёт о движении денег');
  await dialog.getByRole('button', { name: 'Опубликовать тестовый релиз' }).click();
  await page.getByText('Тестовый релиз опубликован').waitFor();
  await page.locator('td', { hasText: '1.1.0' }).first().waitFor();
  await page.getByText('Тестовый релиз', { exact: true }).first().waitFor();
  // the version the areas run, which nobody published here, is listed with its areas
  const inUse = page.locator('.card', { hasText: 'Версии в базах клиентов' }).locator('tr', { hasText: '1.0.0' });
  await inUse.getByText('не публиковалась здесь', { exact: false }).waitFor();
  assert.equal(await inUse.locator('td.num').innerText(), '3');
  await noEnglish(page);
  await shot(page, 'versions-list-1366');
  // at 390 px the row is a block: «Выпустить» is on the screen, not in a sideways scroll
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole('button', { name: 'Выпустить' }).waitFor();
  await shot(page, 'versions-list-390');
  assert.ok((await page.getByRole('button', { name: 'Выпустить' }).boundingBox()).x + 40 < 390, '«Выпустить» on the screen');
  await page.setViewportSize({ width: 1366, height: 860 });
  assert.deepEqual(page.problems, []);

  const owner = await openPage(browser, ctx.s.url, { locale: 'ru-RU', width: 1366, height: 860 });
  await signIn(owner, c.email, 'a-good-password-1');
  await owner.goto('/areas');
  const row = owner.locator('tr', { hasText: 'Проверка доработок' });
  await row.getByRole('button', { name: 'Сменить версию' }).click();
  const d = owner.getByRole('dialog');
  await d.locator('select[name=version]').selectOption('1.1.0');
  await d.getByRole('button', { name: 'Обновить базу' }).click();
  await owner.getByText('База «Проверка доработок» обновлена до версии 1.1.0').waitFor({ timeout: 20_000 });
  await row.getByText('версия 1.1.0').waitFor();
  // the working areas offer no change: a test release is for test areas
  assert.equal(await owner.locator('tr', { hasText: 'Основная' }).getByRole('button', { name: 'Сменить версию' }).count(), 0);
  await shot(owner, 'versions-areas-1366');
  assert.deepEqual(owner.problems, []);
  await owner.context().close();
  // the serving partner's owner sees each area's version on the client's page, and may move
  // the test area (its operators too: the API test tries them)
  const partner = await openPage(browser, ctx.s.url, { locale: 'ru-RU', width: 390, height: 860 });
  await signIn(partner, P.email, 'a-good-password-1');
  await partner.goto(`/subscribers/${c.id}`);
  const tr = partner.locator('tr', { hasText: 'Проверка доработок' });
  await tr.getByText('версия 1.1.0').waitFor();
  await tr.getByRole('button', { name: 'Сменить версию' }).waitFor();
  assert.equal(await partner.locator('tr', { hasText: 'Филиал' }).getByRole('button', { name: 'Сменить версию' }).count(), 0);
  await shot(partner, 'versions-partner-390');
  assert.deepEqual(partner.problems, []);
  await partner.context().close();
  provider = page;
});

test('the release rolls out; the roll-out page shows the bar, the counts and a failure with its reason', async () => {
  // the cash book lost one working area (deleted behind Oblako's back): its update fails with the
  // backend's 404, the other one is updated
  const lost = (await c.owner.get(`/api/v1/areas?subscriber=${c.id}`)).body.items.find((a) => a.name === 'Филиал');
  const key = query(ctx.db, `SELECT area_key FROM areas WHERE id = ${lost.id}`)[0][0];
  const path = `/oblako/areas/${key}`;
  assert.equal((await fetch(cb.url + path, { method: 'DELETE', headers: sign(SECRET, 'accounting', 'DELETE', path) })).status, 204);
  // a window of «Основная» is open in the cash book: its wave will wait for it, and warn it
  const main = (await c.owner.get(`/api/v1/areas?subscriber=${c.id}`)).body.items.find((a) => a.name === 'Основная');
  const o = await c.owner.post('/api/v1/sessions', { area: main.id });
  expect(o, 201);
  const app = await openPage(browser, cb.url, { locale: 'ru-RU', width: 1366, height: 700 });
  await app.goto(o.body.launch_url);
  await app.locator('#state', { hasText: 'сеанс открыт' }).waitFor();
  assert.equal(await app.locator('#banner').isVisible(), false);
  const page = provider;    // signed in by the test above
  await page.goto('/versions');
  await page.locator('tr', { hasText: '1.1.0' }).getByRole('button', { name: 'Выпустить' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Выпустить' }).click();
  await page.getByText('Версия выпущена, обновление баз началось').waitFor();
  await page.locator('.card', { hasText: 'Обновление баз' }).locator('tr', { hasText: 'до версии 1.1.0' }).waitFor();
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, 'versions-released-390');
  await page.setViewportSize({ width: 1366, height: 860 });
  const r = (await ctx.admin.get('/api/v1/rollouts')).body.items[0];
  assert.deepEqual([r.version, r.counts.total], ['1.1.0', 2]);
  await jobs('rollout');
  await eventually(async () => (await ctx.admin.get(`/api/v1/rollouts/${r.id}`)).body.counts.failed === 1, { what: 'one failed' });
  // the application window shows the warning its next heartbeat brings (every 6 s with the
  // server's --app-idle-seconds 30)
  const warned = app.locator('#banner', { hasText: 'Приложение будет обновлено в' });
  await warned.waitFor({ timeout: 15_000 });
  assert.match(await warned.innerText(), /обновлено в \d\d:\d\d: сеанс будет закрыт/);
  await shot(app, 'versions-app-warning');
  assert.deepEqual(app.problems, []);
  await app.context().close();
  await page.locator('a', { hasText: 'Ход обновления' }).first().click();
  await page.getByRole('heading', { name: 'Обновление «Бухгалтерия предприятия» до версии 1.1.0' }).waitFor();
  await page.getByRole('progressbar').waitFor();
  await page.locator('.ro-count-failed .ro-count-n', { hasText: '1' }).waitFor();
  await page.locator('.ro-count-waiting .ro-count-n', { hasText: '1' }).waitFor();
  // the failure in Russian, the backend's own words (English, with the area's key) in its title
  const refused = page.getByText('Сервер программы отказал в обновлении', { exact: true });
  await refused.waitFor();
  assert.equal(await refused.getAttribute('title'), `area '${key}' is not on this server`);
  // the bar, its spoken value and the line say the same: 1 processed of 2, that one failed
  const line = 'Обработано 1 из 2 (50 %), из них с ошибкой 1';
  await page.getByText(line, { exact: true }).waitFor();
  assert.equal(await page.getByRole('progressbar').getAttribute('aria-valuetext'), line);
  await page.getByText(/· по 20 баз в волне · начата волна 1$/).waitFor();
  await page.getByRole('button', { name: 'Повторить для 1 базы' }).waitFor();
  for (const width of [1366, 390]) {
    await page.setViewportSize({ width, height: 860 });
    await noEnglish(page);
    await shot(page, `versions-rollout-${width}`);
    await page.getByRole('tab', { name: 'Ждут закрытия сеансов' }).click();
    await page.locator('tr', { hasText: 'Основная' }).getByText('Ждёт закрытия сеансов').waitFor();
    assert.equal(await page.locator('tr', { hasText: 'Филиал' }).count(), 0);
    await shot(page, `versions-rollout-waiting-${width}`);
    await page.getByRole('tab', { name: 'С ошибкой' }).click();
    await page.locator('tr', { hasText: 'Филиал' }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${width} px: the page is ${overflow} px wider than the screen`);
  }
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
