// Registration pages under attack (R-ONB-6, reliability T11): one address
// posting 1,000 forms registers at most --signup-limit-page clients and is
// answered 429 with Retry-After; another address is limited apart; 50
// parallel posts register at most the limit; a token's reach (docs/decisions.md).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, newPartner, uniqueEmail } from './lib/accounts.js';
import { query } from './lib/db.js';

const LIMIT = 5;
let ctx, A, page;
const count = (sql) => Number(query(ctx.db, sql)[0][0]);

function post(body, xff) {
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  if (xff) headers['x-forwarded-for'] = xff;
  return fetch(`${ctx.s.url}/r/${page.slug}`, {
    method: 'POST', redirect: 'manual', headers, body: new URLSearchParams(body).toString(),
  });
}
const person = (i) => ({ name: `Клиент ${i}`, email: uniqueEmail(`flood${i}-`), phone: '+79001234567' });

async function pool(n, size, fn) {
  const out = [];
  let next = 0;
  await Promise.all(Array.from({ length: size }, async () => {
    while (next < n) { const i = next++; out[i] = await fn(i); }
  }));
  return out;
}

before(async () => {
  ctx = await setup('regpages-abuse', { args: ['--signup-limit-page', String(LIMIT), '--trusted-proxies', '127.0.0.1'] });
  A = await newPartner(ctx);
  const prof = (await ctx.admin.get('/api/v1/tariffs?limit=500')).body.items.find((t) => t.code === 'ITSaaS-PROF');
  page = (await A.owner.post('/api/v1/regpages', { name: 'Поток', tariff_id: prof.id, trial_days: 30 })).body;
});

after(async () => { assert.equal(await ctx.s.stop(), 0); });

test(`R-ONB-6: 1,000 form posts from one address register at most ${LIMIT}; the rest get 429 + Retry-After`, async () => {
  const res = await pool(1000, 16, async (i) => {
    const r = await post(person(i), '203.0.113.7');
    const body = await r.text();
    return { status: r.status, retry: r.headers.get('retry-after'), body };
  });
  const made = count(`SELECT COUNT(*) FROM signups WHERE regpage_id = ${page.id}`);
  assert.equal(made, LIMIT, 'exactly the limit registered');
  assert.equal(res.filter((r) => r.status === 303).length, LIMIT);
  const limited = res.filter((r) => r.status === 429);
  assert.equal(limited.length, 1000 - LIMIT);
  assert.ok(Number(limited[0].retry) > 0);
  assert.match(limited[0].body, /слишком много регистраций/);
});

test('R-ONB-6: another address is limited apart; 50 parallel posts of it register at most the limit', async () => {
  const res = await Promise.all(Array.from({ length: 50 }, (_, i) => post(person(1000 + i), '198.51.100.9')));
  assert.equal(res.filter((r) => r.status === 303).length, LIMIT);
  assert.equal(res.filter((r) => r.status === 429).length, 50 - LIMIT);
  assert.equal(count(`SELECT COUNT(*) FROM signups WHERE regpage_id = ${page.id}`), 2 * LIMIT);
});

test('R-ONB-6: bad input and the honeypot from a third address make nothing', async () => {
  const before = count('SELECT COUNT(*) FROM signups');
  for (const b of [{}, { name: 'x' }, { name: 'x', email: 'bad' }, { name: 'x', email: 'a@b.test', phone: 'abc' }]) {
    assert.equal((await post(b, '192.0.2.1')).status, 400);
  }
  const bot = await post({ ...person(2000), website: 'spam' }, '192.0.2.2');
  assert.equal(bot.status, 303);
  assert.equal(count('SELECT COUNT(*) FROM signups'), before);
});

test('an API token of the partner owner manages its pages like the cabinet (docs/decisions.md)', async () => {
  const tok = await A.owner.post('/api/v1/tokens', { name: 'site', roles: 'owner', account: A.id });
  assert.equal(tok.status, 201, JSON.stringify(tok.body));
  const auth = { authorization: `Bearer ${tok.body.token}`, 'content-type': 'application/json' };
  const list = await fetch(`${ctx.s.url}/api/v1/regpages`, { headers: auth });
  assert.equal(list.status, 200);
  const ch = await fetch(`${ctx.s.url}/api/v1/regpages/${page.id}`, { method: 'PATCH', headers: auth, body: JSON.stringify({ name: 'Поток 2' }) });
  assert.equal(ch.status, 200);
});
