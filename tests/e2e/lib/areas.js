// Helpers for the tests of data areas and sessions: the reference cash book
// as every demo application's backend, subscribers with complete
// information, ready areas, and signed calls as a backend makes them.
import assert from 'node:assert/strict';
import { startCashbook, sign } from './app.js';
import { activate, uniqueEmail } from './accounts.js';
import { eventually } from './wait.js';

export const SECRET = 'a-test-backend-secret-of-32-chars-or-more';
export const APPS = ['accounting', 'small_business', 'entrepreneur', 'payroll_hr', 'crm', 'kassa', 'accounting_spec'];

export const INFO = {
  legal_name: 'ООО Ромашка', inn: '7707083893', kpp: '770701001', contact_person: 'Иван',
  phone: '+7 495 111-11-11', email: 'buh@romashka.test', region: 'Москва', leave_reason: null,
  leave_comment: '',
};

/** Starts the cash book against server s and points the applications at it. */
export async function withBackend(ctx, s = ctx.s) {
  const cb = await startCashbook({ oblakoUrl: s.url, secret: SECRET });
  for (const code of APPS) {
    const r = await ctx.admin.patch(`/api/v1/applications/${code}`,
      { backend_url: cb.url, backend_secret: SECRET });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.has_secret, true);
  }
  return cb;
}

/** A new client of partner p (information complete), its owner signed in. */
export async function newClient(ctx, p, name = 'ООО Клиент') {
  const email = uniqueEmail('owner');
  const r = await p.owner.post('/api/v1/subscribers', { name, owner_email: email });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const i = await p.owner.put(`/api/v1/subscribers/${r.body.id}/info`, INFO);
  assert.equal(i.status, 200, JSON.stringify(i.body));
  return { id: r.body.id, email, owner: await activate(ctx.s, ctx.db, email) };
}

/** Waits until area `id` leaves 'creating' (the jobs runner calls the backend). */
export async function settled(client, id, timeoutMs = 20_000) {
  return eventually(async () => {
    const r = await client.get(`/api/v1/areas/${id}`);
    if (r.status !== 200) throw new Error(`GET /api/v1/areas/${id}: ${r.status} ${JSON.stringify(r.body)}`);
    assert.notEqual(r.body.state, 'creating', `area ${id} still creating`);
    return r.body;
  }, { what: `area ${id} to leave 'creating'`, timeout: timeoutMs });
}

/** Creates an area and waits for it to be ready. */
export async function readyArea(client, sub, name = 'Основная', application = 'accounting', test = false) {
  const r = await client.post('/api/v1/areas', { subscriber: sub, name, application, test });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.state, 'creating');
  const a = await settled(client, r.body.id);
  assert.equal(a.state, 'ready', JSON.stringify(a));
  return a;
}

/** A signed call to Oblako as the backend of `app` makes it. */
export async function signed(s, app, method, pathq, body, secret = SECRET) {
  const text = body === undefined ? '' : JSON.stringify(body);
  const headers = sign(secret, app, method, pathq, text);
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await s.fetch(pathq, { method, headers, body: body === undefined ? undefined : text });
  const type = res.headers.get('content-type') || '';
  return { status: res.status, body: type.includes('json') ? await res.json() : await res.text() };
}

/** The query string of a launch URL as an object. */
export function launchParams(url) {
  return Object.fromEntries(new URL(url).searchParams);
}
