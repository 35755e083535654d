// Webhooks (issue 13, R-NOT-3): endpoints of a partner and of the provider,
// Standard Webhooks signatures checked here by recomputing the HMAC, retries
// by the business clock through a six-hour outage, order per endpoint, the
// SSRF guard at registration and at delivery, no redirects, re-send with the
// same webhook-id, and an endpoint failing for three days disabled with a
// mail to its owners. The receiver is a real HTTPS server whose certificate
// an openssl-made CA signs; the server trusts that CA (--webhook-ca-file)
// and lets webhooks reach 127.0.0.1 (--webhook-allow). The server runs no
// jobs: each delivery round is `oblako jobs run webhooks`, after the test
// clock moved.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { bin, repoRoot, tempDirs } from './lib/server.js';
import { setup, newPartner, newEmployee, uniqueEmail, activate } from './lib/accounts.js';
import { query } from './lib/db.js';
import { expect } from './lib/expect.js';

let ctx, dir, ca, P, Q, PB, QB, op, sub;
const got = [];          // what the receiver was sent: {path, headers, body}
let receiver, port, closedPort;

function makeCerts() {
  dir = mkdtempSync(path.join(os.tmpdir(), 'oblako-wh-'));
  tempDirs.push(dir);
  const o = (...a) => execFileSync('openssl', a, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];
  o('req', '-x509', ...ec, '-nodes', '-days', '2', '-subj', '/CN=Oblako test CA',
    '-keyout', 'ca.key', '-out', 'ca.pem');
  o('req', ...ec, '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', 'srv.key', '-out', 'srv.csr');
  writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  o('x509', '-req', '-in', 'srv.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2',
    '-extfile', 'ext.cnf', '-out', 'srv.pem');
  ca = path.join(dir, 'ca.pem');
}

/** The receiver: /ok answers 204, /redirect 302 to /ok. */
function listen(p = 0) {
  receiver = https.createServer({ key: readFileSync(path.join(dir, 'srv.key')), cert: readFileSync(path.join(dir, 'srv.pem')) },
    (req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        got.push({ path: req.url, headers: req.headers, body });
        if (req.url.startsWith('/redirect')) {
          res.writeHead(302, { location: `https://127.0.0.1:${port}/ok` });
          res.end();
        } else {
          res.writeHead(204);
          res.end();
        }
      });
    });
  return new Promise((resolve) => receiver.listen(p, '127.0.0.1', () => { port = receiver.address().port; resolve(); }));
}
const down = () => new Promise((resolve) => { receiver.closeAllConnections(); receiver.close(resolve); });

async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const p = s.address().port;
  await new Promise((r) => s.close(r));
  return p;
}

/** One delivery round, as the server's runner would run it (asynchronously:
 * the receiver answers from this process's event loop). */
function deliver(allow = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    execFile(bin, ['jobs', 'run', 'webhooks', '--db', ctx.db, '--test-clock', '--webhook-ca-file', ca, '--webhook-allow', allow],
      { cwd: repoRoot, timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}: ${stderr}`)) : resolve(stdout)));
  });
}

/** Move the test clock forward by `s` seconds (sessions lapse: the owners act by API tokens). */
async function advance(s) {
  const r = await ctx.s.fetch('/api/v1/test/clock', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: s }),
  });
  assert.equal(r.status, 200, await r.text());
}

/** A client acting by an API token. */
function bearer(token) {
  const request = async (method, p, b) => {
    const res = await ctx.s.fetch(p, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(b === undefined ? {} : { 'content-type': 'application/json' }) },
      body: b === undefined ? undefined : JSON.stringify(b),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  return { request, get: (p) => request('GET', p), post: (p, b) => request('POST', p, b), del: (p) => request('DELETE', p) };
}
async function ownerToken(x) {
  const t = await x.owner.post('/api/v1/tokens', { account: x.id, roles: 'owner', name: 'webhooks' });
  expect(t, 201);
  return bearer(t.body.token);
}

/** Standard Webhooks: v1,base64(HMAC-SHA256(base64-decoded secret, id.timestamp.body)). */
function verify(secret, h, body) {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const want = createHmac('sha256', key).update(`${h['webhook-id']}.${h['webhook-timestamp']}.${body}`).digest('base64');
  return h['webhook-signature'].split(' ').includes(`v1,${want}`);
}

const deliveries = async (c, id) => {
  const r = await c.get(`/api/v1/webhooks/${id}/deliveries`);
  expect(r, 200);
  return r.body.items.slice().reverse();    // oldest first
};

before(async () => {
  makeCerts();
  await listen();
  closedPort = await freePort();
  ctx = await setup('webhooks', { jobs: false, args: ['--webhook-ca-file', ca, '--webhook-allow', '127.0.0.1'] });
  P = await newPartner(ctx, { name: 'Вебхук Софт' });
  Q = await newPartner(ctx, { name: 'Другой партнёр' });
  PB = await ownerToken(P);
  QB = await ownerToken(Q);
  op = await newEmployee(ctx, P, ['operator']);
  const subEmail = uniqueEmail('whsub');
  expect(await P.owner.post('/api/v1/subscribers', { name: 'ООО Клиент', owner_email: subEmail }), 201);
  sub = { client: await activate(ctx.s, ctx.db, subEmail), email: subEmail };
});

after(async () => {
  await new Promise((r) => receiver.close(r));
  assert.equal(await ctx.s.stop(), 0);
});

test('registration: https only, refused addresses are a field error, the secret is shown once', async () => {
  const url = (u) => P.owner.post('/api/v1/webhooks', { account: P.id, url: u });
  // SSRF guard at registration: literal addresses that are not public
  for (const u of ['https://10.0.0.1/hook', 'https://169.254.169.254/latest', 'https://[::1]/x', 'https://[fd00:ec2::254]/',
    'https://100.64.0.1/', 'https://192.168.1.1/', 'https://127.0.0.2/', 'https://0x0a000001/', 'https://167772161/', 'https://10.1/']) {
    const r = await url(u);
    expect(r, 400, undefined, 'url');
  }
  expect(await url(`http://127.0.0.1:${port}/ok`), 400, undefined, 'url');
  expect(await url('https://user:pw@hooks.example/'), 400, undefined, 'url');
  const r = await url(`https://127.0.0.1:${port}/ok`);
  expect(r, 201);
  assert.match(r.body.secret, /^whsec_[A-Za-z0-9+/]+=*$/);
  assert.equal(Buffer.from(r.body.secret.slice(6), 'base64').length, 24);
  const again = await P.owner.get(`/api/v1/webhooks/${r.body.id}`);
  expect(again, 200);
  assert.equal(again.body.secret, undefined, 'the secret is not shown again');
  assert.deepEqual(again.body.kinds, []);
  const list = await P.owner.get('/api/v1/webhooks');
  assert.ok(list.body.items.some((w) => w.id === r.body.id && w.secret === undefined));
  expect(await P.owner.del(`/api/v1/webhooks/${r.body.id}`), 204);
  expect(await P.owner.get(`/api/v1/webhooks/${r.body.id}`), 404, 'not_found');
});

test("who manages: another partner 404, an operator and its API token 403, a subscriber 404", async () => {
  const mine = await P.owner.post('/api/v1/webhooks', { url: `https://127.0.0.1:${port}/ok`, description: 'учёт' });
  expect(mine, 201);
  assert.equal(mine.body.account, P.id, "the owner's current account");
  const id = mine.body.id;
  for (const [m, p, b] of [['GET', `/api/v1/webhooks/${id}`], ['PATCH', `/api/v1/webhooks/${id}`, { description: 'x' }],
    ['DELETE', `/api/v1/webhooks/${id}`], ['POST', `/api/v1/webhooks/${id}/rotate`], ['POST', `/api/v1/webhooks/${id}/test`],
    ['GET', `/api/v1/webhooks/${id}/deliveries`], ['GET', `/api/v1/webhooks?account=${P.id}`],
    ['POST', '/api/v1/webhooks', { account: P.id, url: 'https://hooks.example/' }]]) {
    expect(await Q.owner.request(m, p, b), 404, 'not_found');
    expect(await sub.client.request(m, p, b), 404, 'not_found');
    const r = await op.client.request(m, p, b);
    assert.equal(r.status, 403, `operator ${m} ${p}: ${JSON.stringify(r.body)}`);
  }
  expect(await sub.client.get('/api/v1/webhooks'), 404, 'not_found');
  // the operator's API token
  const tok = await op.client.post('/api/v1/tokens', { account: P.id, roles: 'operator', name: 'hooks' });
  expect(tok, 201);
  const bearer = await ctx.s.fetch(`/api/v1/webhooks/${id}`, { headers: { authorization: `Bearer ${tok.body.token}` } });
  assert.equal(bearer.status, 403);
  const full = await P.owner.post('/api/v1/tokens', { account: P.id, roles: 'owner', name: 'hooks owner' });
  const ok = await ctx.s.fetch(`/api/v1/webhooks/${id}`, { headers: { authorization: `Bearer ${full.body.token}` } });
  assert.equal(ok.status, 200, 'positive control: an owner token manages');
  // the provider's admins manage the provider's, and do not see a partner's
  const prov = await ctx.admin.post('/api/v1/webhooks', { url: `https://127.0.0.1:${port}/ok?provider`, kinds: ['webhook.test'] });
  expect(prov, 201);
  expect(await ctx.admin.get(`/api/v1/webhooks/${id}`), 404, 'not_found');
  expect(await P.owner.get(`/api/v1/webhooks/${prov.body.id}`), 404, 'not_found');
  expect(await ctx.admin.del(`/api/v1/webhooks/${prov.body.id}`), 204);
  expect(await P.owner.del(`/api/v1/webhooks/${id}`), 204);
});

test('a six-hour outage: retries by the business clock, then every event once, in order, signed', async () => {
  const w = await PB.post('/api/v1/webhooks', { url: `https://127.0.0.1:${port}/ok`, kinds: ['webhook.test'] });
  expect(w, 201);
  const id = w.body.id;
  await down();
  const sent = [];
  for (let i = 0; i < 3; i++) {
    const t = await PB.post(`/api/v1/webhooks/${id}/test`);
    expect(t, 202);
    sent.push(t.body.delivery);
  }
  await deliver();
  let d = await deliveries(PB, id);
  assert.deepEqual(d.map((x) => [x.id, x.state, x.attempt]), [[sent[0], 'failed', 1], [sent[1], 'pending', 0], [sent[2], 'pending', 0]],
    'the first failed; the later ones wait behind it (order per endpoint)');
  assert.match(d[0].error, /no answer/);
  // back-off: 1 min, 5 min, 30 min, 2 h, then 5 h (the receiver is down six hours)
  for (const [step, attempt] of [[60, 2], [300, 3], [1800, 4], [7200, 5]]) {
    await advance(step - 20);          // (real seconds pass too: the test clock runs)
    await deliver();
    assert.equal((await deliveries(PB, id))[0].attempt, attempt - 1, `not yet at ${step - 20} s`);
    await advance(20);
    await deliver();
    assert.equal((await deliveries(PB, id))[0].attempt, attempt, `attempt ${attempt} after ${step} s`);
  }
  await advance(3 * 3600 + 24 * 60);   // six hours after the first attempt: still down, nothing due
  await deliver();
  assert.equal((await deliveries(PB, id))[0].attempt, 5);
  assert.equal(got.length, 0);
  await listen(port);                  // the receiver is back
  await advance(5 * 3600 - (3 * 3600 + 24 * 60));
  await deliver();
  d = await deliveries(PB, id);
  assert.deepEqual(d.map((x) => x.state), ['delivered', 'delivered', 'delivered'], JSON.stringify(d));
  assert.equal(d[0].attempt, 6);
  assert.equal(d[0].attempts.length, 6, 'the log has each attempt');
  assert.equal(d[0].attempts[0].status, 204);
  assert.equal(got.length, 3, 'every event once');
  assert.deepEqual(got.map((g) => g.headers['webhook-id']), d.map((x) => x.webhook_id), 'in order');
  for (const g of got) {
    assert.ok(verify(w.body.secret, g.headers, g.body), `signature of ${g.headers['webhook-id']}: ${w.body.secret} ${JSON.stringify(g.headers)} ${g.body}`);
    const b = JSON.parse(g.body);
    assert.equal(b.type, 'webhook.test');
    assert.equal(b.data.endpoint, id);
    assert.match(b.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(Math.abs(Number(g.headers['webhook-timestamp']) - Date.now() / 1000) < 300, 'real time, as receivers check it');
    assert.ok(!verify(w.body.secret, g.headers, g.body.replace('webhook.test', 'webhook.tesT')), 'a changed body fails');
  }
  // re-send: delivered again with the same webhook-id and a valid signature
  const first = got[0].headers['webhook-id'];
  got.length = 0;
  const rs = await PB.post(`/api/v1/webhooks/${id}/deliveries/${d[0].id}/resend`);
  expect(rs, 202);
  expect(await QB.post(`/api/v1/webhooks/${id}/deliveries/${d[0].id}/resend`), 404, 'not_found');
  await deliver();
  assert.equal(got.length, 1);
  assert.equal(got[0].headers['webhook-id'], first);
  assert.ok(verify(w.body.secret, got[0].headers, got[0].body));
  const log = await deliveries(PB, id);
  assert.equal(log.at(-1).resent_from, d[0].id);
  assert.equal(log.at(-1).state, 'delivered');
  // a rotated secret signs what follows; the old one no longer verifies
  const rot = await PB.post(`/api/v1/webhooks/${id}/rotate`);
  expect(rot, 200);
  assert.notEqual(rot.body.secret, w.body.secret);
  got.length = 0;
  expect(await PB.post(`/api/v1/webhooks/${id}/test`), 202);
  await deliver();
  assert.ok(verify(rot.body.secret, got[0].headers, got[0].body));
  assert.ok(!verify(w.body.secret, got[0].headers, got[0].body));
  expect(await PB.del(`/api/v1/webhooks/${id}`), 204);
});

test('a redirect is not followed; a name resolving to a refused address is refused at delivery', async () => {
  got.length = 0;
  const r = await PB.post('/api/v1/webhooks', { url: `https://127.0.0.1:${port}/redirect` });
  expect(r, 201);
  expect(await PB.post(`/api/v1/webhooks/${r.body.id}/test`), 202);
  await deliver();
  let [d] = await deliveries(PB, r.body.id);
  assert.equal(d.state, 'failed', JSON.stringify(d));
  assert.equal(d.last_status, 302, JSON.stringify(d));
  assert.match(d.error, /redirect/);
  assert.deepEqual(got.map((g) => g.path), ['/redirect'], 'the Location was not visited');
  expect(await PB.del(`/api/v1/webhooks/${r.body.id}`), 204);
  assert.equal((await deliveries(PB, r.body.id).catch(() => [])).length, 0);
  // "localhost" is a name: accepted at registration, resolved at each attempt
  got.length = 0;
  const n = await PB.post('/api/v1/webhooks', { url: `https://localhost:${port}/ok` });
  expect(n, 201);
  expect(await PB.post(`/api/v1/webhooks/${n.body.id}/test`), 202);
  await deliver('127.0.0.2');                // a node that does not allow 127.0.0.1
  [d] = await deliveries(PB, n.body.id);
  assert.equal(d.state, 'failed');
  assert.match(d.error, /refused address 127\.0\.0\.1 of localhost \(loopback\)/);
  assert.equal(got.length, 0, 'nothing was sent');
  await advance(60);
  await deliver();                           // positive control: allowed, it goes
  [d] = await deliveries(PB, n.body.id);
  assert.equal(d.state, 'delivered', JSON.stringify(d));
  assert.equal(got.length, 1);
  expect(await PB.del(`/api/v1/webhooks/${n.body.id}`), 204);
});

test('an endpoint failing for three days is disabled, its owners are mailed, a PATCH re-enables it', async () => {
  const w = await QB.post('/api/v1/webhooks', { account: Q.id, url: `https://127.0.0.1:${closedPort}/gone` });
  expect(w, 201);
  const id = w.body.id;
  expect(await QB.post(`/api/v1/webhooks/${id}/test`), 202);
  expect(await QB.post(`/api/v1/webhooks/${id}/test`), 202);
  await deliver();
  // 1m 5m 30m 2h 5h 10h 12h 12h 12h 12h: 65 h 36 min after the first attempt, still on
  const steps = [60, 300, 1800, 7200, 18000, 36000, 43200, 43200, 43200, 43200];
  for (const s of steps) {
    await advance(s);
    await deliver();
  }
  let e = (await QB.get(`/api/v1/webhooks/${id}`)).body;
  assert.equal(e.state, 'active', 'under three days of failures');
  const mails = () => query(ctx.db, `SELECT template FROM outbox WHERE to_addr = '${Q.email}' AND template = 'webhook_disabled'`);
  assert.equal(mails().length, 0);
  await advance(43200);                // 77 h 36 min: three days have passed
  await deliver();
  e = (await QB.get(`/api/v1/webhooks/${id}`)).body;
  assert.equal(e.state, 'disabled');
  assert.ok(e.disabled_at);
  assert.equal(mails().length, 1, 'the owner is mailed once');
  const [head, next] = await deliveries(QB, id);
  assert.equal(head.state, 'dead');
  assert.equal(head.attempt, 12, 'the first and one after each of the 11 steps');
  assert.equal(next.state, 'pending', 'the later event waits for the endpoint');
  await advance(43200);
  await deliver();
  assert.equal((await deliveries(QB, id))[1].attempt, 0, 'a disabled endpoint is not called');
  assert.equal(mails().length, 1);
  assert.equal((await ctx.admin.login(ctx.env.email, ctx.env.password)).status, 200);
  const audit = await ctx.admin.get('/api/v1/audit?limit=20');
  assert.ok(audit.body.items.some((a) => a.action === 'webhook.disabled'), 'audited');
  const on = await QB.request('PATCH', `/api/v1/webhooks/${id}`, { state: 'active' });
  expect(on, 200);
  assert.equal(on.body.state, 'active');
  assert.equal(on.body.failing_since, null);
  expect(await QB.request('PATCH', `/api/v1/webhooks/${id}`, { state: 'gone' }), 400, undefined, 'state');
});
