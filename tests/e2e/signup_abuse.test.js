// Guessing invitation codes (R-ONB-6, reliability T11): POST /api/v1/signup is public, so
// every attempt is counted for the client's address and for the code before the code is looked
// up. 2,000 random well-formed codes from one address find nothing, and the server looks up no
// more of them than the per-address limit (oblako_signup_codes_checked_total); another address is
// counted on its own. Requests go out from 127.0.0.1 and 127.0.0.2 (both loopback: the server
// sees the socket's peer, as for any client without a trusted proxy; issue 6).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { setup, newPartner, uniqueEmail } from './lib/accounts.js';

const LIMIT = 20;       // --signup-limit-address (the default)
const CODE_LIMIT = 5;   // --signup-limit-code (the default)
let ctx;
let A;

before(async () => {
  // Passwords hashed at the real cost (no --test-clock): the attempts past the look-up then wait
  // for the hash together, so the parallel activations below race at the code's one conditional
  // update and not only at its look-up.
  ctx = await setup('signup_abuse', { testClock: false });
  A = await newPartner(ctx, { name: 'Abuse Partner' });
});
after(async () => { assert.equal(await ctx.s.stop(), 0); });

const ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
const randomCode = () => Array.from({ length: 4 }, () => Array.from({ length: 4 },
  () => ALPHABET[Math.floor(Math.random() * 32)]).join('')).join('-');

/** POST /api/v1/signup from localAddress over a keep-alive agent of a few sockets. */
function poster(localAddress) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8, localAddress });
  const url = new URL(ctx.s.url ?? `http://127.0.0.1:${ctx.s.port}`);
  const send = (body) => new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = http.request({
      host: '127.0.0.1', port: url.port, path: '/api/v1/signup', method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c) => { text += c; }).on('end', () => {
        resolve({ status: res.statusCode, headers: res.headers, body: text ? JSON.parse(text) : null });
      });
    });
    req.on('error', reject);
    req.end(data);
  });
  return { send, close: () => agent.destroy() };
}

const form = (code) => ({
  name: 'ООО Подбор', email: uniqueEmail('guess'), phone: '+7 900 000-00-00', password: 'a-good-password-1', code,
});

async function checked() {
  const text = await (await ctx.s.fetch('/metrics')).text();
  return Number(/^oblako_signup_codes_checked_total (\d+)/m.exec(text)[1]);
}

test('R-ONB-6 2,000 random codes from one address: none works, at most the limit are looked up; another address is limited on its own', async () => {
  const start = await checked();
  const one = poster('127.0.0.1');
  const statuses = { };
  let retryAfter = null;
  const queue = Array.from({ length: 2000 }, randomCode);
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (queue.length) {
      const r = await one.send(form(queue.pop()));
      statuses[r.status] = (statuses[r.status] || 0) + 1;
      if (r.status === 429) retryAfter = r.headers['retry-after'];
      else assert.equal(r.body.field, 'code', JSON.stringify(r.body));
      assert.ok(await checked() - start <= LIMIT, 'the metric never passes the per-address limit');
    }
  }));
  one.close();
  assert.equal(statuses[202], undefined, 'no code worked');
  assert.equal(statuses[400], LIMIT, JSON.stringify(statuses));
  assert.equal(statuses[429], 2000 - LIMIT);
  assert.ok(Number(retryAfter) > 0, `Retry-After: ${retryAfter}`);
  assert.equal(await checked() - start, LIMIT);
  // 127.0.0.2 has its own count: its codes are looked up (and refused) until its own limit.
  const two = poster('127.0.0.2');
  const r2 = await two.send(form(randomCode()));
  assert.equal(r2.status, 400, JSON.stringify(r2.body));
  assert.equal(r2.body.reason, 'signup.code_not_valid');
  assert.equal(await checked() - start, LIMIT + 1);
  two.close();
});

test('R-ONB-6 one code is tried at most --signup-limit-code times, from any number of addresses', async () => {
  const made = await A.owner.post('/api/v1/invitations', { partner: A.id });
  assert.equal(made.status, 201);
  const code = made.body.code;
  const revoked = await A.owner.post(`/api/v1/invitations/${made.body.id}/revoke`);
  assert.equal(revoked.status, 200);
  const seen = [];
  for (let i = 0; i < CODE_LIMIT + 2; i++) {
    const p = poster(`127.0.1.${i + 1}`);
    seen.push((await p.send(form(code))).status);
    p.close();
  }
  assert.deepEqual(seen, [...Array(CODE_LIMIT).fill(400), 429, 429]);
});

test('R-ONB-2 fifty parallel activations of one valid code from many addresses make exactly one subscriber', async () => {
  const made = await A.owner.post('/api/v1/invitations', { partner: A.id });
  const posters = Array.from({ length: 50 }, (_, i) => poster(`127.0.2.${i + 1}`));
  const rs = await Promise.all(posters.map((p) => p.send(form(made.body.code))));
  posters.forEach((p) => p.close());
  const counts = {};
  for (const r of rs) counts[r.status] = (counts[r.status] || 0) + 1;
  assert.equal(counts[202], 1, JSON.stringify(counts));
  // at most the per-code limit were evaluated; the rest were refused before the look-up
  assert.equal((counts[400] || 0) + 1, CODE_LIMIT, JSON.stringify(counts));
  assert.equal(counts[429], 50 - CODE_LIMIT);
  const list = await A.owner.get(`/api/v1/invitations?partner=${A.id}&state=activated`);
  assert.equal(list.body.items.filter((x) => x.id === made.body.id).length, 1);
});

test('R-ONB-6 bad input is refused before anything is counted or looked up', async () => {
  const start = await checked();
  const p = poster('127.0.3.1');
  for (const [over, field] of [[{ code: 'not a code' }, 'code'], [{ email: 'x' }, 'email'], [{ phone: '1' }, 'phone'], [{ name: '' }, 'name']]) {
    for (let i = 0; i < LIMIT + 1; i++) {
      const r = await p.send({ ...form(randomCode()), ...over });
      assert.equal(r.status, 400);
      assert.equal(r.body.field, field);
    }
  }
  p.close();
  assert.equal(await checked(), start);
});
