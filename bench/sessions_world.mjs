// bench/sessions_world.mjs — the world of bench/sessions.sh, made through the
// public API of a running Oblako: the applications pointed at the reference
// backend, a partner, N clients each with a ready data area and an API token
// of its owner. Prints one line per client for bench/sessions.lua:
//   "<area id> <bearer token>"
//
//   node bench/sessions_world.mjs OBLAKO_URL DB_URL ADMIN_EMAIL ADMIN_PASSWORD BACKEND_URL SECRET N
import { Client } from '../tests/e2e/lib/session.js';
import { newPartner } from '../tests/e2e/lib/accounts.js';
import { query } from '../tests/e2e/lib/db.js';
import { INFO, settled } from '../tests/e2e/lib/areas.js';

const [url, db, adminEmail, adminPassword, backend, secret, n] = process.argv.slice(2);
const s = { url, fetch: (p, o) => fetch(url + p, o) };
const must = (r, status, what) => {
  if (r.status !== status) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
};

const admin = new Client(s);
must(await admin.login(adminEmail, adminPassword), 200, 'admin login');
must(await admin.patch('/api/v1/applications/accounting', { backend_url: backend, backend_secret: secret }),
  200, 'application');
const ctx = { s, admin, db };
const p = await newPartner(ctx);
const owner = 'bench-owner@bench.test';
const subs = [];
for (let i = 0; i < Number(n); i++) {
  const r = must(await p.owner.post('/api/v1/subscribers', { name: `Клиент ${i + 1}`, owner_email: owner }),
    201, 'subscriber');
  must(await p.owner.put(`/api/v1/subscribers/${r.id}/info`, INFO), 200, 'info');
  subs.push(r.id);
}
// one person owns them all: every owner invitation is accepted, the first
// with the password it sets
const tokens = query(db, `SELECT body_text FROM outbox WHERE to_addr = '${owner}' ORDER BY id`)
  .map(([body]) => /\/invite\?token=([A-Za-z0-9_-]+)/.exec(body)?.[1]).filter(Boolean);
if (tokens.length !== subs.length) throw new Error(`${tokens.length} invitations for ${subs.length} clients`);
for (const [k, token] of tokens.entries()) {
  must(await new Client(s).post('/api/v1/auth/invite/accept', k === 0 ? { token, password: 'bench-password-1' } : { token }),
    200, 'accept');
}
const person = new Client(s);
must(await person.login(owner, 'bench-password-1'), 200, 'owner login');
const lines = await Promise.all(subs.map(async (sub, i) => {
  const a = must(await person.post('/api/v1/areas', { subscriber: sub, name: `Касса ${i + 1}`, application: 'accounting' }),
    201, 'area');
  const ready = await settled(person, a.id, 60_000);
  if (ready.state !== 'ready') throw new Error(`area ${a.id}: ${JSON.stringify(ready)}`);
  const t = must(await person.post('/api/v1/tokens', { account: sub, roles: 'owner', name: 'bench' }), 201, 'token');
  return `${a.id} ${t.token ?? t.secret}`;
}));
process.stdout.write(`${lines.join('\n')}\n`);
