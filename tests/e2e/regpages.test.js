// Registration pages (R-ONB-5): a partner's page, the hosted form, a
// registration by a plain form post and by fetch, the single-use sign-in
// link, CORS for the listed origins only, the account-takeover door (an
// address with a login is never signed in by whoever types it), the
// provider's own page making a lead, statistics.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, newPartner, newEmployee, uniqueEmail, lastMail } from './lib/accounts.js';
import { query, lastLink } from './lib/db.js';
import { Client } from './lib/session.js';

let ctx, A, B, page, tariffs;
const form = (o) => new URLSearchParams(o).toString();
const count = (sql) => Number(query(ctx.db, sql)[0][0]);

async function post(slug, body, headers = {}) {
  return ctx.s.fetch(`/r/${slug}`, {
    method: 'POST', redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: form(body),
  });
}

before(async () => {
  ctx = await setup('regpages', { args: ['--signup-limit-page', '1000'] });
  [A, B] = [await newPartner(ctx), await newPartner(ctx)];
  tariffs = (await ctx.admin.get('/api/v1/tariffs?limit=500')).body.items;
  const prof = tariffs.find((t) => t.code === 'ITSaaS-PROF');
  const r = await A.owner.post('/api/v1/regpages', {
    name: 'Сайт', tariff_id: prof.id, trial_days: 14, origins: ['https://partner.example/', 'http://localhost:5001'],
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  page = r.body;
});

after(async () => { assert.equal(await ctx.s.stop(), 0); });

test('R-ONB-5: a page has an unguessable slug, its snippet and normalised origins', () => {
  assert.match(page.slug, /^[A-Za-z0-9_-]{16}$/);
  assert.equal(page.partner_id, A.id);
  assert.equal(page.trial_days, 14);
  assert.deepEqual(page.origins, ['https://partner.example', 'http://localhost:5001']);
  assert.match(page.snippet, new RegExp(`action="[^"]+/r/${page.slug}"`));
  assert.match(page.snippet, /name="website"/);
});

test('R-ONB-5: every bad page input is a clear error on its field', async () => {
  const prof = tariffs.find((t) => t.code === 'ITSaaS-PROF');
  for (const [body, status, field] of [
    [{ name: 'x', tariff_id: prof.id, trial_days: 0 }, 400, 'trial_days'],
    [{ name: 'x', tariff_id: prof.id, trial_days: 31 }, 400, 'trial_days'],
    [{ name: 'x', tariff_id: 999999 }, 404, 'tariff_id'],
    [{ name: 'x', tariff_id: prof.id, origins: 'https://site.ru/path' }, 400, 'origins'],
    [{ name: 'x', tariff_id: prof.id, origins: 'ftp://site.ru' }, 400, 'origins'],
    [{ tariff_id: prof.id }, 400, 'name'],
  ]) {
    const r = await A.owner.post('/api/v1/regpages', body);
    assert.equal(r.status, status, JSON.stringify([body, r.body]));
    assert.equal(r.body.field, field);
  }
  // days 1 and 30 are the edges that pass
  for (const d of [1, 30]) {
    assert.equal((await A.owner.post('/api/v1/regpages', { name: `d${d}`, tariff_id: prof.id, trial_days: d })).status, 201);
  }
});

test("R-ONB-5: another partner's tariff is 404; B cannot read or change A's page", async () => {
  const prof = tariffs.find((t) => t.code === 'ITSaaS-PROF');
  const own = await B.owner.post('/api/v1/partner-tariffs', {
    partner: B.id, base: 'ITSaaS-PROF', code: 'B-PROF', name_ru: 'Проф Б', prices: [{ term: 1, amount: 300000 }],
  });
  assert.equal(own.status, 201, JSON.stringify(own.body));
  const r = await A.owner.post('/api/v1/regpages', { name: 'x', tariff_id: own.body.id });
  assert.equal(r.status, 404);
  assert.equal(r.body.field, 'tariff_id');
  assert.equal((await B.owner.post('/api/v1/regpages', { name: 'Своя', tariff_id: own.body.id })).status, 201);
  for (const res of [await B.owner.get(`/api/v1/regpages/${page.id}`),
    await B.owner.patch(`/api/v1/regpages/${page.id}`, { state: 'disabled' }),
    await B.owner.get(`/api/v1/regpages/${page.id}/stats`),
    await B.owner.post('/api/v1/regpages', { partner_id: A.id, name: 'x', tariff_id: prof.id })]) {
    assert.equal(res.status, 404, JSON.stringify(res.body));
  }
  const list = await B.owner.get('/api/v1/regpages');
  assert.ok(!list.body.items.some((p) => p.id === page.id));
});

test('R-ONB-5: a removed operator can no longer manage the pages', async () => {
  const op = await newEmployee(ctx, A, ['operator']);
  assert.equal((await op.client.patch(`/api/v1/regpages/${page.id}`, { name: 'Сайт' })).status, 200);
  assert.equal((await A.owner.del(`/api/v1/partners/${A.id}/employees/${op.person}`)).status, 204);
  const r = await op.client.patch(`/api/v1/regpages/${page.id}`, { name: 'Чужое' });
  assert.equal(r.status, 404, JSON.stringify(r.body));
});

test('R-ONB-5: the hosted page shows the partner, tariff and days, ru and en, and counts visits', async () => {
  const ru = await ctx.s.fetch(`/r/${page.slug}`, { headers: { 'accept-language': 'ru-RU' } });
  assert.equal(ru.status, 200);
  const html = await ru.text();
  assert.match(html, /Регистрация в сервисе/);
  assert.match(html, /на 14 дней/);
  assert.ok(html.includes(A.app.name));
  const en = await (await ctx.s.fetch(`/r/${page.slug}?lang=en`)).text();
  assert.match(en, /free for 14 days/);
  assert.equal((await ctx.s.fetch('/r/AAAAAAAAAAAAAAAA')).status, 404);
  assert.equal((await ctx.s.fetch('/r/short')).status, 404);
  const st = await A.owner.get(`/api/v1/regpages/${page.id}/stats`);
  assert.equal(st.body.visits, 2);
});

test('R-ONB-5: a form post registers, 303 to a single-use sign-in link that opens the welcome page', async () => {
  const email = uniqueEmail('new');
  const r = await post(page.slug, { name: 'Иван Петров', email, phone: '+7 900 123-45-67', website: '' });
  assert.equal(r.status, 303);
  const next = new URL(r.headers.get('location'));
  assert.equal(next.pathname, '/auth/link');
  const sub = count(`SELECT subscriber_id FROM signups WHERE email = '${email}'`);
  assert.ok(sub > 0);
  assert.equal(count(`SELECT COUNT(*) FROM memberships WHERE account_id = ${sub}`), 1);
  assert.equal(count(`SELECT COUNT(*) FROM leads WHERE subscriber_id = ${sub}`), 0, 'a partner page makes no lead');
  // the trial: 14 days through the right last day (R-SUB-0 "through")
  const trial = query(ctx.db, `SELECT start, "end", kind FROM subscriptions WHERE subscriber_id = ${sub}`);
  assert.equal(trial.length, 1);
  // "end" is the first day without the trial: 14 days are start … start + 13 inclusive
  const days = (Date.parse(trial[0][1]) - Date.parse(trial[0][0])) / 86400000;
  assert.equal(days, 14, JSON.stringify(trial));
  assert.equal(trial[0][2], 'trial');
  // the partner's owner is told; the person gets a set-a-password link
  assert.equal(lastMail(ctx.db, A.email).template, 'regpage_registered');
  assert.equal(lastMail(ctx.db, email).template, 'regpage_welcome');
  const open = await ctx.s.fetch(next.pathname + next.search, { redirect: 'manual' });
  assert.equal(open.status, 303);
  assert.equal(open.headers.get('location'), `/welcome/${sub}`);
  const c = new Client(ctx.s);
  c.cookie = /oblako_session=([^;]+)/.exec(open.headers.get('set-cookie'))[1];
  const me = await c.get('/api/v1/me');
  assert.equal(me.status, 200);
  assert.equal(me.body.email, email);
  assert.deepEqual(me.body.accounts.map((a) => a.id), [sub]);
  // used once: a second time is refused, signs nobody in
  const again = await ctx.s.fetch(next.pathname + next.search, { redirect: 'manual' });
  assert.equal(again.status, 400);
  assert.equal(again.headers.get('set-cookie'), null);
});

test("R-ONB-5: whoever typed a new address loses its session once the mailbox's owner sets the first password", async () => {
  // The attacker registers the victim's address, which has no login yet: the
  // answer signs the attacker in as that new login (nothing proves the mailbox).
  const victim = uniqueEmail('victim');
  const r = await post(page.slug, { name: 'Чужой', email: victim, phone: '+79001234567' });
  const next = new URL(r.headers.get('location'));
  const open = await ctx.s.fetch(next.pathname + next.search, { redirect: 'manual' });
  assert.equal(open.status, 303);
  const attacker = new Client(ctx.s);
  attacker.cookie = /oblako_session=([^;]+)/.exec(open.headers.get('set-cookie'))[1];
  assert.equal((await attacker.get('/api/v1/me')).status, 200);
  // A second link for the same login, made before the password (another
  // registration would invite instead: the address is known now).
  const later = query(ctx.db, `SELECT COUNT(*) FROM signin_links l JOIN persons p ON p.id = l.person_id WHERE p.email = '${victim}' AND l.used_at IS NULL`);
  assert.equal(Number(later[0][0]), 0, 'the only link was used');
  // The victim's company invites the address; the victim accepts from the
  // mailbox and sets the login's first password.
  const company = await B.owner.post('/api/v1/subscribers', { name: 'Компания жертвы', owner_email: victim });
  assert.equal(company.status, 201, JSON.stringify(company.body));
  const link = lastLink(ctx.db, victim);
  assert.equal(link.page, '/invite');
  const accepted = await new Client(ctx.s).post('/api/v1/auth/invite/accept', { token: link.token, password: 'жертва-пароль-надёжный-7' });
  assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
  // The attacker's session ended with the first password: it sees neither
  // the company nor its own registration any more.
  const me = await attacker.get('/api/v1/me');
  assert.equal(me.status, 401, JSON.stringify(me.body));
  assert.equal((await attacker.get(`/api/v1/subscribers/${company.body.id}`)).status, 401);
  // The victim signs in with the password and sees both accounts.
  const v = new Client(ctx.s);
  assert.equal((await v.post('/api/v1/auth/login', { email: victim, password: 'жертва-пароль-надёжный-7' })).status, 200);
  assert.ok((await v.get('/api/v1/me')).body.accounts.some((a) => a.id === company.body.id));
});

test('R-ONB-5: a sign-in link kept unused is refused once the mailbox set the password', async () => {
  const victim = uniqueEmail('victim2');
  const r = await post(page.slug, { name: 'Чужой', email: victim, phone: '+79001234567' });
  const held = new URL(r.headers.get('location'));
  // The welcome mail's link sets the first password (the mailbox's owner).
  const link = lastLink(ctx.db, victim);
  assert.equal(link.page, '/password');
  const set = await new Client(ctx.s).post('/api/v1/auth/password-reset/confirm', { token: link.token, password: 'жертва-пароль-надёжный-8' });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  const open = await ctx.s.fetch(held.pathname + held.search, { redirect: 'manual' });
  assert.equal(open.status, 400);
  assert.equal(open.headers.get('set-cookie'), null);
});

test('R-ONB-5: a sign-in link expires after 10 minutes (test clock)', async () => {
  const r = await post(page.slug, { name: 'Поздний', email: uniqueEmail('late'), phone: '+79001234567' });
  const next = new URL(r.headers.get('location'));
  const clock = await ctx.s.fetch('/api/v1/test/clock', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: 601 }),
  });
  assert.equal(clock.status, 200);
  const open = await ctx.s.fetch(next.pathname + next.search, { redirect: 'manual' });
  assert.equal(open.status, 400);
  assert.match(await open.text(), /Ссылка недействительна|not valid/);
});

test('R-ONB-5: an address with a login is never signed in by whoever types it: an owner invitation, "check your mail"', async () => {
  const r = await post(page.slug, { name: 'Захватчик', email: A.email, phone: '+79001234567' });
  assert.equal(r.status, 303);
  const next = new URL(r.headers.get('location'));
  assert.equal(next.pathname, `/r/${page.slug}`);
  assert.equal(next.searchParams.get('sent'), '1');
  assert.equal(r.headers.get('set-cookie'), null);
  const sub = count(`SELECT MAX(subscriber_id) FROM signups WHERE email = '${A.email}'`);
  assert.equal(count(`SELECT COUNT(*) FROM memberships WHERE account_id = ${sub}`), 0, 'nobody is its member yet');
  const mails = query(ctx.db, `SELECT template FROM outbox WHERE to_addr = '${A.email}' ORDER BY id DESC LIMIT 2`).map((r) => r[0]);
  assert.ok(mails.includes('member_invited'), JSON.stringify(mails));
  const sent = await (await ctx.s.fetch(next.pathname + next.search)).text();
  assert.match(sent, /Проверьте почту/);
});

test('R-ONB-5: a fetch from a listed origin gets {next} and CORS; an unlisted one gets neither and makes nothing', async () => {
  const pre = await ctx.s.fetch(`/r/${page.slug}`, {
    method: 'OPTIONS', headers: { origin: 'https://partner.example', 'access-control-request-method': 'POST' },
  });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('access-control-allow-origin'), 'https://partner.example');
  const email = uniqueEmail('fetch');
  const r = await ctx.s.fetch(`/r/${page.slug}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', origin: 'https://partner.example' },
    body: JSON.stringify({ name: 'Ольга', email, phone: '+7 (495) 000-00-00' }),
  });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('access-control-allow-origin'), 'https://partner.example');
  assert.match((await r.json()).next, /\/auth\/link\?token=/);
  const before = count('SELECT COUNT(*) FROM signups');
  const evil = await ctx.s.fetch(`/r/${page.slug}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', origin: 'https://evil.example' },
    body: JSON.stringify({ name: 'Зло', email: uniqueEmail('evil'), phone: '+79001234567' }),
  });
  assert.equal(evil.status, 403);
  assert.equal(evil.headers.get('access-control-allow-origin'), null);
  assert.equal(count('SELECT COUNT(*) FROM signups'), before);
  const pre2 = await ctx.s.fetch(`/r/${page.slug}`, { method: 'OPTIONS', headers: { origin: 'https://evil.example' } });
  assert.equal(pre2.headers.get('access-control-allow-origin'), null);
});

test('R-ONB-6: bad form input re-renders the page with the error by its field; a fetch gets JSON errors', async () => {
  for (const [body, field, text] of [
    [{ email: 'a@b.test', phone: '+79001234567' }, 'name', /введите имя/],
    [{ name: 'X', email: 'not-an-email', phone: '+79001234567' }, 'email', /не адрес почты/],
    [{ name: 'X', email: 'a@b.test', phone: '12' }, 'phone', /Телефон/],
    [{ name: 'X', email: 'a@b.test' }, 'phone', /Телефон/],
  ]) {
    const r = await post(page.slug, body, { 'accept-language': 'ru' });
    assert.equal(r.status, 400, field);
    const html = await r.text();
    assert.match(html, text);
    assert.match(html, /role="alert"/);
    const j = await ctx.s.fetch(`/r/${page.slug}`, {
      method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body),
    });
    assert.equal(j.status, 400);
    assert.equal((await j.json()).field, field);
  }
});

test('R-ONB-6: the honeypot answers as if accepted and makes nothing', async () => {
  const before = count('SELECT COUNT(*) FROM signups');
  const r = await post(page.slug, { name: 'Бот', email: uniqueEmail('bot'), phone: '+79001234567', website: 'http://spam' });
  assert.equal(r.status, 303);
  assert.match(r.headers.get('location'), /sent=1/);
  assert.equal(count('SELECT COUNT(*) FROM signups'), before);
});

test('R-ONB-5: a disabled page says «Регистрация закрыта» and refuses posts; enabling is audited', async () => {
  assert.equal((await A.owner.patch(`/api/v1/regpages/${page.id}`, { state: 'disabled' })).status, 200);
  const g = await ctx.s.fetch(`/r/${page.slug}`);
  assert.equal(g.status, 410);
  assert.match(await g.text(), /Регистрация закрыта/);
  const before = count('SELECT COUNT(*) FROM signups');
  const r = await post(page.slug, { name: 'X', email: uniqueEmail('closed'), phone: '+79001234567' });
  assert.equal(r.status, 410);
  assert.equal(count('SELECT COUNT(*) FROM signups'), before);
  assert.equal((await A.owner.patch(`/api/v1/regpages/${page.id}`, { state: 'active' })).status, 200);
  assert.equal(count(`SELECT COUNT(*) FROM audit WHERE action IN ('regpage.disabled', 'regpage.enabled') AND object_id = '${page.id}'`), 2);
});

test("R-ONB-7: the provider's own page makes a lead in the pool", async () => {
  const prof = tariffs.find((t) => t.code === 'ITSaaS-PROF');
  const r = await ctx.admin.post('/api/v1/regpages', { partner_id: null, name: 'Сайт провайдера', tariff_id: prof.id, trial_days: 30 });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.partner_id, null);
  assert.equal((await A.owner.get(`/api/v1/regpages/${r.body.id}`)).status, 404);
  const email = uniqueEmail('lead');
  assert.equal((await post(r.body.slug, { name: 'Лид', email, phone: '+79001234567' })).status, 303);
  const sub = count(`SELECT subscriber_id FROM signups WHERE email = '${email}'`);
  assert.equal(query(ctx.db, `SELECT state FROM leads WHERE subscriber_id = ${sub}`)[0][0], 'pool');
  assert.equal(count(`SELECT COUNT(*) FROM subscribers WHERE account_id = ${sub} AND partner_id IS NULL`), 1);
  // The provider's page asks the region (the lead rules route by it), a partner's does not.
  assert.match(await (await ctx.s.fetch(`/r/${r.body.slug}`)).text(), /<label for="region">Регион<\/label>/);
  assert.doesNotMatch(await (await ctx.s.fetch(`/r/${page.slug}`)).text(), /name="region"/);
  assert.match(r.body.snippet, /name="region"/);
  assert.doesNotMatch(page.snippet, /name="region"/);
  const email2 = uniqueEmail('lead');
  assert.equal((await post(r.body.slug, { name: 'Лид из Сибири', email: email2, phone: '+79001234567', region: 'Новосибирская область' })).status, 303);
  const sub2 = count(`SELECT subscriber_id FROM signups WHERE email = '${email2}'`);
  assert.deepEqual(query(ctx.db, `SELECT l.region, s.region FROM leads l JOIN signups s ON s.subscriber_id = l.subscriber_id WHERE l.subscriber_id = ${sub2}`)[0],
    ['Новосибирская область', 'Новосибирская область']);
  // Too long a region is an error by its field, and nothing is made.
  const long = await post(r.body.slug, { name: 'Лид', email: uniqueEmail('lead'), phone: '+79001234567', region: 'я'.repeat(101) });
  assert.equal(long.status, 400);
  assert.match(await long.text(), /<label for="region">Регион<\/label>\n<input[^>]*value="я+"[^>]*>\n<p class="err" role="alert">/);
  // A partner's page ignores a region it did not ask.
  const email3 = uniqueEmail('noregion');
  assert.equal((await post(page.slug, { name: 'Клиент', email: email3, phone: '+79001234567', region: 'Москва' })).status, 303);
  assert.equal(count(`SELECT COUNT(*) FROM signups WHERE email = '${email3}' AND region = ''`), 1);
});

test('R-ONB-5: statistics count registrations per month', async () => {
  const st = await A.owner.get(`/api/v1/regpages/${page.id}/stats`);
  assert.equal(st.status, 200);
  assert.equal(st.body.registrations, count(`SELECT COUNT(*) FROM signups WHERE regpage_id = ${page.id}`));
  assert.ok(st.body.registrations >= 4);
  assert.equal(st.body.months.reduce((s, m) => s + m.registrations, 0), st.body.registrations);
  const list = await A.owner.get('/api/v1/regpages');
  assert.equal(list.body.items.find((p) => p.id === page.id).stats.registrations, st.body.registrations);
});

test("R-ONB-5: a page's application gets its data area at registration («добавится и запустится»)", async () => {
  const prof = tariffs.find((t) => t.code === 'ITSaaS-PROF');
  const set = await ctx.admin.patch('/api/v1/applications/accounting',
    { backend_url: 'http://127.0.0.1:9', backend_secret: 'a-test-backend-secret-of-32-chars-or-more' });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  const p = await A.owner.post('/api/v1/regpages', { name: 'С базой', tariff_id: prof.id, application: 'accounting' });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  assert.equal(p.body.application.code, 'accounting');
  const email = uniqueEmail('area');
  assert.equal((await post(p.body.slug, { name: 'С базой', email, phone: '+79001234567' })).status, 303);
  const sub = count(`SELECT subscriber_id FROM signups WHERE email = '${email}'`);
  assert.equal(count(`SELECT COUNT(*) FROM areas WHERE subscriber_id = ${sub}`), 1);
  // an application the catalog lacks is refused on its field
  const bad = await A.owner.post('/api/v1/regpages', { name: 'x', tariff_id: prof.id, application: 'nope' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.field, 'application');
});

test('R-ONB-5: a page that asks for a confirmed address: «Проверьте почту», the mailed link confirms, signs in and starts the area', async () => {
  const prof = tariffs.find((t) => t.code === 'ITSaaS-PROF');
  const p = (await A.owner.post('/api/v1/regpages', { name: 'С подтверждением', tariff_id: prof.id, application: 'accounting', confirm_email: true })).body;
  assert.equal(p.confirm_email, true);
  const email = uniqueEmail('confirm');
  const r = await post(p.slug, { name: 'Осторожный', email, phone: '+79001234567' });
  assert.equal(r.status, 303);
  assert.match(r.headers.get('location'), /sent=1/, 'not signed in by the answer');
  const sub = count(`SELECT subscriber_id FROM signups WHERE email = '${email}'`);
  assert.equal(count(`SELECT COUNT(*) FROM areas WHERE subscriber_id = ${sub}`), 0, 'no area before the address is confirmed');
  assert.equal(lastMail(ctx.db, email).template, 'regpage_confirm');
  const link = lastLink(ctx.db, email);
  assert.equal(link.page, '/link');
  // valid for hours, not 10 minutes (the clock moved 601 s in an earlier test; move 20 minutes more)
  await ctx.s.fetch('/api/v1/test/clock', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: 1200 }) });
  const open = await ctx.s.fetch(`/auth/link?token=${link.token}`, { redirect: 'manual' });
  assert.equal(open.status, 303);
  assert.equal(open.headers.get('location'), `/welcome/${sub}`);
  assert.equal(count(`SELECT COUNT(*) FROM signups WHERE subscriber_id = ${sub} AND confirmed_at IS NOT NULL`), 1);
  assert.equal(count(`SELECT COUNT(*) FROM areas WHERE subscriber_id = ${sub}`), 1);
  assert.equal(lastMail(ctx.db, email).template, 'regpage_welcome', 'then the link to set a password');
  const st = await A.owner.get(`/api/v1/regpages/${p.id}/stats`);
  assert.equal(st.body.confirmed, 1);
});

test('R-ONB-5: the form takes no cookie: a signed-in visitor of the same site posting without a CSRF token registers as anybody', async () => {
  const email = uniqueEmail('samesite');
  const r = await ctx.s.fetch(`/r/${page.slug}`, {
    method: 'POST', redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `oblako_session=${A.owner.cookie}`, origin: 'https://partner.example' },
    body: form({ name: 'Сосед', email, phone: '+79001234567' }),
  });
  assert.equal(r.status, 303);
  const sub = count(`SELECT subscriber_id FROM signups WHERE email = '${email}'`);
  assert.equal(count(`SELECT COUNT(*) FROM memberships m JOIN persons p ON p.id = m.person_id WHERE m.account_id = ${sub} AND p.email = '${email}'`), 1,
    'the owner is the typed address, not the signed-in visitor');
});

test("R-ONB-5 / R-NOT-1: the reminders of a page's trial offer the page's tariff at its retail price («ИТСaaS ПРОФ (от 2 472 руб/мес)»)", async () => {
  const email = uniqueEmail('remind');
  const r = await post(page.slug, { name: 'Напомнить', email, phone: '+79001234567' });
  assert.equal(r.status, 303);
  const sub = count(`SELECT subscriber_id FROM signups WHERE email = '${email}'`);
  const [[start, end]] = query(ctx.db, `SELECT start, "end" FROM subscriptions WHERE subscriber_id = ${sub}`);
  // 14 days: L = start + 13, and L−7 = start + 6 (R-SUB-0, R-NOT-1).
  const day = (iso, n) => new Date(Date.parse(`${iso}T00:00:00Z`) + n * 86400000).toISOString().slice(0, 10);
  assert.equal(end, day(start, 14));
  const advance = await ctx.s.fetch('/api/v1/test/clock', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: 6 * 86400 }),
  });
  assert.equal(advance.status, 200);
  const run = await ctx.s.fetch('/api/v1/test/jobs', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ names: ['reminders'] }),
  });
  assert.equal(run.status, 200, await run.text());
  // (the body is read by LIKE: the query helper reads one line per row)
  const [[id, template]] = query(ctx.db, `SELECT id, template FROM outbox WHERE to_addr = '${email}' ORDER BY id DESC LIMIT 1`);
  assert.equal(template, 'access_reminder');
  const has = (like) => count(`SELECT COUNT(*) FROM outbox WHERE id = ${id} AND body_text LIKE '${like}'`) === 1;
  const last = day(start, 13).split('-').reverse().join('.');
  assert.ok(has(`%скоро закончится: он есть по ${last} включительно%`), `L = ${last}`);
  assert.ok(has('%на тарифе «1С:ИТС ПРОФ в облаке» — 2 472 ₽ в месяц%'), 'the offer at the retail price');
});
