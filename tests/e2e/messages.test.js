// Localized errors: every problem carries its stable code, a reason and its
// params; the detail is rendered from data/messages.<lang>.json in the
// signed-in person's language, else in the Accept-Language of the request (an
// API token, a public page), else in English. The cabinet reads the same
// catalogs at /i18n/messages.<lang>.json.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Client } from './lib/session.js';
import { setup, newPartner, uniqueEmail, activate } from './lib/accounts.js';
import { expect } from './lib/expect.js';

const catalogs = Object.fromEntries(['en', 'ru'].map((l) =>
  [l, JSON.parse(readFileSync(new URL(`../../data/messages.${l}.json`, import.meta.url), 'utf8'))]));
const INFO = {
  legal_name: 'ООО Ромашка', inn: '7707083893', kpp: '770701001', contact_person: 'Иван',
  phone: '+7 495 111-11-11', email: 'buh@romashka.test', region: 'Москва', leave_reason: null, leave_comment: '',
};
const CYRILLIC = /[А-Яа-яЁё]/;

let ctx, A, client;

before(async () => {
  ctx = await setup('messages');
  A = await newPartner(ctx);                      // the partner's owner speaks English (questionnaire lang 'en')
  const email = uniqueEmail('client');
  const r = await A.owner.post('/api/v1/subscribers', { name: 'ООО Клиент', owner_email: email });
  expect(r, 201);
  expect(await A.owner.put(`/api/v1/subscribers/${r.body.id}/info`, INFO), 200);
  client = { id: r.body.id, owner: await activate(ctx.s, ctx.db, email) };
  expect(await client.owner.patch('/api/v1/me', { lang: 'ru' }), 200);
  const m = await A.owner.post('/api/v1/subscriptions', { subscriber: client.id, kind: 'main', tariff: 'ITSaaS-PROF', term_months: 1 });
  expect(m, 201);
});

after(async () => { assert.equal(await ctx.s.stop(), 0); });

/** The template of a reason with the problem's params put in (labels left aside). */
function rendered(lang, p) {
  return catalogs[lang][p.reason].replace(/\{([a-z0-9_]+)\}/g, (m, k) =>
    (k === 'field' ? catalogs[lang][`label.${p.field}`] ?? p.field : String(p.params[k])));
}

test('a Russian person gets a Russian detail for a validation error, with the field named by its label', async () => {
  const R = await newPartner(ctx, { lang: 'ru' });
  const sub = await R.owner.post('/api/v1/subscribers', { name: 'ООО Второй', owner_email: uniqueEmail('client') });
  expect(sub, 201);
  const r = await R.owner.put(`/api/v1/subscribers/${sub.body.id}/info`, { ...INFO, inn: '12345' });
  expect(r, 400, 'invalid', 'inn');
  assert.equal(r.body.reason, 'requisites.inn_digits');
  assert.deepEqual(r.body.params, {});
  assert.match(r.body.detail, CYRILLIC, r.body.detail);
  assert.match(r.body.detail, /ИНН/, 'the label, not the member name');
  assert.doesNotMatch(r.body.detail, /'inn'/);
  assert.equal(r.body.detail, rendered('ru', r.body));
});

test('a Russian person gets a Russian detail for a conflict: a deferred renewal taken too early', async () => {
  const r = await client.owner.post('/api/v1/subscriptions', { subscriber: client.id, kind: 'deferred_renewal' });
  expect(r, 409, 'conflict');
  assert.equal(r.body.reason, 'deferred_renewal.too_early');
  assert.match(r.body.params.from, /^\d{4}-\d{2}-\d{2}$/);
  assert.match(r.body.params.through, /^\d{4}-\d{2}-\d{2}$/);
  assert.deepEqual(Object.keys(r.body.params).sort(), ['from', 'through'], 'the same params as the entitlement\'s button');
  assert.match(r.body.detail, /^отложить продление можно с \d{4}-/);
  const gone = await client.owner.get('/api/v1/subscriptions/987654321');
  expect(gone, 404, 'not_found');
  assert.equal(typeof gone.body.params.id, 'number', 'a whole number is a JSON number');
  assert.equal(r.body.detail, rendered('ru', r.body));
});

test('an English person gets English; an API token gets the language of Accept-Language, English by default', async () => {
  const en = await A.owner.post('/api/v1/subscriptions', { subscriber: client.id, kind: 'deferred_renewal' });
  expect(en, 403, 'forbidden');
  assert.doesNotMatch(en.body.detail, CYRILLIC, en.body.detail);
  const t = await client.owner.post('/api/v1/tokens', { account: client.id, roles: 'owner', name: 'exchange' });
  expect(t, 201);
  const bearer = (lang) => client.owner.server.fetch('/api/v1/subscriptions', {
    method: 'POST',
    headers: { authorization: `Bearer ${t.body.token}`, 'content-type': 'application/json', ...(lang ? { 'accept-language': lang } : {}) },
    body: JSON.stringify({ subscriber: client.id, kind: 'deferred_renewal' }),
  }).then(async (res) => ({ status: res.status, body: await res.json() }));
  const plain = await bearer();
  expect(plain, 409, 'conflict');
  assert.equal(plain.body.reason, 'deferred_renewal.too_early');
  assert.match(plain.body.detail, /^a deferred renewal may be taken from /, 'the token ignores the person\'s Russian');
  assert.equal(plain.body.detail, rendered('en', plain.body));
  const ru = await bearer('ru-RU,ru;q=0.9,en;q=0.8');
  assert.equal(ru.body.detail, rendered('ru', ru.body));
  assert.deepEqual(ru.body.params, plain.body.params, 'the params do not depend on the language');
  assert.match((await bearer('de-DE, en;q=0.5')).body.detail, /^a deferred renewal/);
});

test('public pages and the server\'s own refusals (404, 405, 415) have reasons and follow Accept-Language', async () => {
  const anon = new Client(ctx.s);
  const wrong = await anon.request('POST', '/api/v1/auth/login', { email: 'nobody@example.test', password: 'wrong-password-1' }, { 'accept-language': 'ru' });
  expect(wrong, 401, 'unauthorized');
  assert.equal(wrong.body.reason, 'auth.wrong_credentials');
  assert.equal(wrong.body.detail, catalogs.ru['auth.wrong_credentials']);
  const nf = await anon.request('GET', '/api/v1/no-such-thing', undefined, { 'accept-language': 'ru' });
  expect(nf, 404, 'not_found');
  assert.equal(nf.body.reason, 'http.not_found');
  assert.equal(nf.body.params.path, '/api/v1/no-such-thing');
  assert.match(nf.body.detail, CYRILLIC);
  const m = await anon.request('DELETE', '/api/v1/me');
  expect(m, 405, 'method_not_allowed');
  assert.equal(m.body.reason, 'http.method_not_allowed');
  assert.equal(m.body.detail, rendered('en', m.body));
  const res = await ctx.s.fetch('/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
  const media = await res.json();
  assert.equal(media.code, 'unsupported_media_type');
  assert.equal(media.reason, 'http.media_type');
  assert.equal(media.params.type, 'text/plain');
});

test('the cabinet reads the same catalogs at /i18n/messages.<lang>.json', async () => {
  for (const lang of ['ru', 'en']) {
    const res = await ctx.s.fetch(`/i18n/messages.${lang}.json`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /json/);
    assert.deepEqual(await res.json(), catalogs[lang]);
  }
  assert.equal((await ctx.s.fetch('/i18n/messages.de.json')).status, 404);
  assert.equal((await ctx.s.fetch('/i18n/catalog.json')).status, 404, 'only the message catalogs of data/');
});
