// bench/memory_warm.mjs - the warm-up of bench/memory.sh: the typical reads of a
// partner's staff on the big database, then many distinct people signed in, each
// with an API token, so that every per-principal cache is filled with distinct
// entries. Node 20, built-ins and tests/e2e/lib only.
//
//   node bench/memory_warm.mjs URL OWNER_EMAIL OWNER_PASSWORD PARTNER_ID PEOPLE PASSWORD
//
// The owner (its password hashed at the interactive cost): sign-in, GET /api/v1/me,
// MEM_PAGES pages of the client list (GET /api/v1/subscribers?partner=P), the
// entitlement of every client on them, the end-date list as CSV (the partner's
// 100,000 subscriptions, streamed and thrown away). Then PEOPLE persons
// p1..pPEOPLE@people.bench.example (owners of one subscriber each, password
// PASSWORD at the minimum cost), MEM_WARM_CONNS at a time: sign-in, GET /me,
// POST /api/v1/tokens, GET /me and the subscriber's entitlement with the token.
// Prints one line per phase with its requests and time; exits 1 on any unexpected
// answer.
import { Client } from '../tests/e2e/lib/session.js';

const [url, ownerEmail, ownerPassword, partner, people, password] = process.argv.slice(2);
const PAGES = Number(process.env.MEM_PAGES ?? 20);
const CONNS = Number(process.env.MEM_WARM_CONNS ?? 16);
const s = { url, fetch: (p, o) => fetch(url + p, o) };
let requests = 0;
const must = (r, status, what) => {
  requests++;
  if (r.status !== status) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body).slice(0, 400)}`);
  return r.body;
};
const phase = (name, t0) => {
  console.log(`warm: ${name}: ${requests} requests, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  requests = 0;
};

// ---- the partner's owner: the typical reads
let t0 = Date.now();
const owner = new Client(s);
must(await owner.login(ownerEmail, ownerPassword), 200, 'owner sign-in');
must(await owner.get('/api/v1/me'), 200, 'owner /me');
let next = `/api/v1/subscribers?partner=${partner}&limit=50`;
const clients = [];
for (let page = 0; page < PAGES && next; page++) {
  const body = must(await owner.get(next), 200, 'client list');
  for (const it of body.items ?? []) clients.push(it.id);
  next = body.next ?? null;
}
for (let i = 0; i < clients.length; i += CONNS) {
  await Promise.all(clients.slice(i, i + CONNS).map(async (id) =>
    must(await owner.get(`/api/v1/subscribers/${id}/entitlement`), 200, 'entitlement')));
}
phase(`owner: sign-in, /me, ${PAGES} client list pages, ${clients.length} entitlements`, t0);

t0 = Date.now();
const res = await fetch(`${url}/api/v1/subscriptions?partner=${partner}&sort=end&format=csv`,
  { headers: { cookie: `oblako_session=${owner.cookie}` } });
requests++;
if (res.status !== 200) throw new Error(`CSV export: ${res.status}`);
let bytes = 0;
for await (const chunk of res.body) bytes += chunk.length;
phase(`CSV export of the partner's subscriptions: ${(bytes / 1048576).toFixed(1)} MB`, t0);

// ---- many people, each with a session and a token of its own
t0 = Date.now();
let k = 0;
const accountOf = (me) => {
  const a = me.accounts ?? me.memberships ?? [];
  return a[0]?.id ?? a[0]?.account_id ?? a[0]?.account?.id;
};
async function person(n) {
  const c = new Client(s);
  must(await c.login(`p${n}@people.bench.example`, password), 200, `p${n} sign-in`);
  const me = must(await c.get('/api/v1/me'), 200, `p${n} /me`);
  const account = accountOf(me);
  if (!account) throw new Error(`p${n}: no account in /me: ${JSON.stringify(me).slice(0, 400)}`);
  const t = must(await c.post('/api/v1/tokens', { account, roles: 'owner', name: 'bench' }), 201, `p${n} token`);
  const bearer = { authorization: `Bearer ${t.token}` };
  must(await c.request('GET', '/api/v1/me', undefined, bearer), 200, `p${n} /me (token)`);
  must(await c.request('GET', `/api/v1/subscribers/${account}/entitlement`, undefined, bearer), 200,
    `p${n} entitlement (token)`);
}
await Promise.all(Array.from({ length: CONNS }, async () => {
  while (k < Number(people)) await person(++k);
}));
phase(`${people} people: sign-in, /me, a token, /me and entitlement with it`, t0);
