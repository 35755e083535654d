// The audit log (R-OPS-2): records of sign-in, tokens, profile and password
// changes; GET /api/v1/audit with its filters, pages and exports; the
// subscriber's view; no secret ever in a record; the 'audit-seal' job and
// `oblako audit verify` catching a changed and a deleted record. Both engines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, runCli } from './lib/server.js';
import { Client, provisionedDb } from './lib/session.js';
import { lastLinkToken, query } from './lib/db.js';
import { activate, newPartner, setup, uniqueEmail } from './lib/accounts.js';
import { eventually } from './lib/wait.js';

const sq = (s) => `'${String(s).replace(/'/g, "''")}'`;

function cli(...args) {
  return runCli(args);
}

function verify(db) {
  return cli('audit', 'verify', '--db', db);
}

// Every record's text, for the secret scan.
function auditText(db) {
  return query(db, 'SELECT id, actor_name, action, object_type, object_id, summary, addr, request_id FROM audit')
    .map((r) => r.join('\t')).join('\n');
}

// A person with the admin's password hash (so it signs in with the same
// password) and the given roles in a new subscriber account. The subscriber
// routes belong to another part of the work; until they exist the rows are
// written directly, as `oblako init` writes the provider's.
function addSubscriber(db, name, code) {
  query(db, `INSERT INTO accounts (kind, name, created_at, updated_at) VALUES ('subscriber', ${sq(name)}, 0, 0)`);
  const [[id]] = query(db, `SELECT id FROM accounts WHERE name = ${sq(name)}`);
  query(db, `INSERT INTO subscribers (account_id, code) VALUES (${id}, ${code})`);
  return Number(id);
}

function addPerson(db, email, adminEmail, account, roles) {
  query(db, `INSERT INTO persons (email, name, lang, password_hash, created_at, updated_at)
             SELECT ${sq(email)}, '', 'en', password_hash, 0, 0 FROM persons WHERE email = ${sq(adminEmail)}`);
  const [[id]] = query(db, `SELECT id FROM persons WHERE email = ${sq(email)}`);
  query(db, `INSERT INTO memberships (person_id, account_id, roles, created_at) VALUES (${id}, ${account}, ${sq(roles)}, 0)`);
  return Number(id);
}

function addRecord(db, account, action, summary) {
  query(db, `INSERT INTO audit (at, actor_name, account_id, action, object_type, object_id, summary)
             VALUES (1800000000, 'system', ${account}, ${sq(action)}, 'account', ${sq(account)}, ${sq(summary)})`);
}

async function allItems(c, p) {
  const out = [];
  let next = p;
  while (next) {
    const r = await c.get(next);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    out.push(...r.body.items);
    next = r.body.next ? r.body.next.replace(/^https?:\/\/[^/]+/, '') : null;
  }
  return out;
}

test('audit records: filters, pages, exports, access, no secrets, sealing and verify', async () => {
  const env = await provisionedDb('audit', 'admin@example.test', 'admin-password-1');
  const { db, email, password } = env;
  const s = await startServer({ db, jobs: false });
  try {
    const admin = new Client(s);
    const anon = new Client(s);
    assert.equal((await anon.get('/api/v1/audit')).status, 401);

    const login = await admin.login(email, password);
    assert.equal(login.status, 200);
    const me = login.body;
    const provider = me.accounts.find((a) => a.kind === 'provider').id;
    assert.equal((await admin.patch('/api/v1/me', { name: 'Audit Admin' })).status, 200);
    const created = await admin.post('/api/v1/tokens', { name: 'ci', roles: 'admin', account: provider });
    assert.equal(created.status, 201);
    const secret = created.body.token;
    assert.equal((await admin.del(`/api/v1/tokens/${created.body.id}`)).status, 204);
    assert.equal((await anon.post('/api/v1/auth/password-reset', { email })).status, 202);
    const link = lastLinkToken(db, email);
    assert.ok(link, 'a reset link was mailed');
    const newPassword = 'brand-new-password-2';
    assert.equal((await anon.post('/api/v1/auth/password-reset/confirm', { token: link, password: newPassword })).status, 200);
    // The reset ended every session: sign in again, with a fresh cookie jar.
    const admin2 = new Client(s);
    assert.equal((await admin2.login(email, newPassword)).status, 200);

    // Never a password, token, code or link in a record.
    const text = auditText(db);
    for (const [what, v] of [['password', password], ['new password', newPassword], ['token secret', secret], ['link token', link]]) {
      assert.ok(!text.includes(v), `the ${what} is in the audit table`);
    }

    // Newest first, the item's shape.
    const all = await allItems(admin2, '/api/v1/audit?limit=500');
    const actions = all.map((x) => x.action);
    for (const a of ['provider.created', 'auth.login', 'person.updated', 'token.created', 'token.revoked',
      'auth.reset_requested', 'auth.password_set']) {
      assert.ok(actions.includes(a), `no ${a} record in ${actions.join(', ')}`);
    }
    for (let i = 1; i < all.length; i++) assert.ok(all[i - 1].id > all[i].id, 'newest first');
    const tok = all.find((x) => x.action === 'token.created');
    assert.deepEqual(Object.keys(tok).sort(),
      ['account', 'account_name', 'action', 'actor', 'addr', 'at', 'id', 'object', 'params', 'request_id', 'sealed', 'summary']);
    assert.deepEqual(tok.actor, { person: me.id, token: null, name: email, person_name: tok.actor.person_name });
    assert.equal(tok.account, provider);
    assert.deepEqual(tok.object, { type: 'token', id: String(created.body.id), name: null });
    assert.match(tok.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(tok.addr, '127.0.0.1');
    assert.ok(tok.request_id.length > 0);
    assert.equal(tok.sealed, false);

    // Filters.
    const only = async (q) => (await allItems(admin2, `/api/v1/audit?${q}`)).map((x) => x.action);
    assert.deepEqual(await only('action=token.*'), ['token.revoked', 'token.created']);
    assert.deepEqual(await only('action=token.created'), ['token.created']);
    assert.deepEqual(await only('action=auth.*&actor=' + me.id),
      all.filter((x) => x.action.startsWith('auth.') && x.actor.person === me.id).map((x) => x.action));
    assert.deepEqual(await only(`actor_email=${encodeURIComponent(email.toUpperCase())}&action=person.updated`), ['person.updated']);
    assert.deepEqual(await only(`account=${provider}&action=token.*`), ['token.revoked', 'token.created']);
    assert.deepEqual(await only('q=' + encodeURIComponent("API token 'ci'")), ['token.created']);
    assert.deepEqual(await only('q=nothing-like-this'), []);
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Moscow' }).format(new Date());
    const dayAfter = (d, n) => new Date(Date.parse(d) + n * 86400_000).toISOString().slice(0, 10);
    assert.equal((await only(`from=${today}&to=${dayAfter(today, 1)}`)).length, all.length);
    assert.equal((await only(`from=${dayAfter(today, 1)}`)).length, 0);
    assert.equal((await only(`to=${today}`)).length, 0, 'to is exclusive');
    for (const [q, field] of [['from=2026-13-01', 'from'], ['to=yesterday', 'to'], ['action=a*b', 'action'],
      ['actor=x', 'actor'], ['account=-1', 'account'], ['actor_email=nope', 'actor_email'],
      [`from=${today}&to=${today}`, 'to'], ['format=pdf', 'format']]) {
      const r = await admin2.get(`/api/v1/audit?${q}`);
      assert.equal(r.status, 400, q);
      assert.equal(r.body.code, 'invalid', q);
      assert.equal(r.body.field, field, q);
    }

    // Pages by id.
    const p1 = await admin2.get('/api/v1/audit?limit=2');
    assert.equal(p1.body.items.length, 2);
    assert.match(p1.body.next, /after=\d+/);
    const paged = await allItems(admin2, '/api/v1/audit?limit=2');
    assert.deepEqual(paged.map((x) => x.id), all.map((x) => x.id));

    // Exports: every matching row.
    const csv = await admin2.get('/api/v1/audit?format=csv');
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type'), /text\/csv/);
    const lines = csv.body.replace(/^\uFEFF/, '').trim().split(/\r?\n/);
    assert.match(lines[0], /^id;at;actor_person;actor_token;actor_name;account;action;object_type;object_id;summary;addr;request_id;sealed;params$/);
    assert.equal(lines.length - 1, all.length);
    assert.ok(lines.some((l) => l.includes(';token.created;')));
    const tokCsv = await admin2.get('/api/v1/audit?format=csv&action=token.*');
    assert.equal(tokCsv.body.trim().split(/\r?\n/).length, 3);
    const xlsx = await admin2.get('/api/v1/audit?format=xlsx');
    assert.equal(xlsx.status, 200);
    assert.match(xlsx.headers.get('content-type'), /spreadsheetml/);

    // The subscriber's view, and who may see it.
    const subA = addSubscriber(db, 'Subscriber A', 5001);
    const subB = addSubscriber(db, 'Subscriber B', 5002);
    addRecord(db, subA, 'subscriber.updated', 'about A');
    addRecord(db, subB, 'subscriber.updated', 'about B');
    addPerson(db, 'owner-a@example.test', email, subA, 'owner');
    addPerson(db, 'user-a@example.test', email, subA, 'user');
    addPerson(db, 'owner-b@example.test', email, subB, 'owner');
    const ownerA = new Client(s);
    assert.equal((await ownerA.login('owner-a@example.test', newPassword)).status, 200);
    const mine = await ownerA.get(`/api/v1/subscribers/${subA}/audit`);
    assert.equal(mine.status, 200, JSON.stringify(mine.body));
    assert.deepEqual(mine.body.items.map((x) => x.summary), ['about A']);
    assert.equal(mine.body.items[0].account, subA);
    const mineCsv = await ownerA.get(`/api/v1/subscribers/${subA}/audit?format=csv`);
    assert.equal(mineCsv.status, 200);
    assert.ok(mineCsv.body.includes('about A') && !mineCsv.body.includes('about B'));
    assert.equal((await ownerA.get(`/api/v1/subscribers/${subA}/audit?action=other.*`)).body.items.length, 0);
    assert.equal((await ownerA.get(`/api/v1/subscribers/${subB}/audit`)).status, 404, "another's subscriber is not found");
    assert.equal((await ownerA.get('/api/v1/subscribers/999999/audit')).status, 404);
    assert.equal((await ownerA.get('/api/v1/audit')).status, 403, 'no provider role');
    const userA = new Client(s);
    assert.equal((await userA.login('user-a@example.test', newPassword)).status, 200);
    assert.equal((await userA.get(`/api/v1/subscribers/${subA}/audit`)).status, 403, 'a plain user');
    assert.equal((await anon.get(`/api/v1/subscribers/${subA}/audit`)).status, 401);
    const staff = await admin2.get(`/api/v1/subscribers/${subB}/audit`);
    assert.equal(staff.status, 200);
    assert.deepEqual(staff.body.items.map((x) => x.summary), ['about B']);

    // Sealing by hand, then verifying.
    let v = verify(db);
    assert.equal(v.status, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /^audit log intact: 0 sealed records, \d+ not yet sealed$/m);
    const sealed = cli('audit', 'seal', '--db', db);
    assert.equal(sealed.status, 0, sealed.stderr);
    assert.match(sealed.stdout, /audit-seal: sealed \d+ records/);
    const total = Number(query(db, 'SELECT COUNT(*) FROM audit')[0][0]);
    v = verify(db);
    assert.equal(v.status, 0, v.stdout + v.stderr);
    assert.equal(v.stdout.trim(), `audit log intact: ${total} sealed records, 0 not yet sealed`);
    assert.ok((await allItems(admin2, '/api/v1/audit?limit=500')).every((x) => x.sealed));
    const again = cli('jobs', 'run', 'audit-seal', '--db', db);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /sealed 0 records/);

    // A changed record, then a deleted one.
    const ids = query(db, 'SELECT id FROM audit ORDER BY id').map((r) => Number(r[0]));
    const changed = ids[3];
    query(db, `UPDATE audit SET summary = 'nothing happened' WHERE id = ${changed}`);
    v = verify(db);
    assert.equal(v.status, 1, v.stdout);
    assert.match(v.stdout, new RegExp(`^record ${changed} was changed$`, 'm'));
    assert.match(v.stdout, /audit log NOT intact: 1 problem/);
    const gone = ids[6];
    query(db, `DELETE FROM audit WHERE id = ${gone}`);
    v = verify(db);
    assert.equal(v.status, 1, v.stdout);
    assert.match(v.stdout, new RegExp(`^record ${changed} was changed$`, 'm'));
    assert.match(v.stdout, new RegExp(`^records deleted between ${ids[5]} and ${ids[7]}$`, 'm'));
  } finally {
    assert.equal(await s.stop(), 0);
  }
});

test('the job runner seals new records by itself, once per period', async () => {
  const { db, email, password } = await provisionedDb('auditjob', 'admin@example.test', 'admin-password-1');
  const s = await startServer({ db, args: ['--jobs-interval-ms', '50'] });
  try {
    const admin = new Client(s);
    assert.equal((await admin.login(email, password)).status, 200);
    // The job runs once per 10-second period of the service clock: move it on.
    assert.equal((await s.fetch('/api/v1/test/clock', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: 10 }),
    })).status, 200);
    await eventually(async () => {
      const { items } = (await admin.get('/api/v1/audit')).body;
      assert.ok(items.length >= 2 && items.every((x) => x.sealed), JSON.stringify(items));
      return true;
    }, { what: 'every record sealed' });
    const runs = cli('jobs', 'runs', 'audit-seal', '--db', db);
    assert.equal(runs.status, 0, runs.stderr);
    assert.match(runs.stdout, /audit-seal\t\S+\tok\t/);
    const v = verify(db);
    assert.equal(v.status, 0, v.stdout + v.stderr);
  } finally {
    assert.equal(await s.stop(), 0);
  }
});

test("a subscriber's audit through the real routes: owner, partner owner, staff; users and strangers refused", async () => {
  const ctx = await setup('auditsub');
  const { s, db, admin } = ctx;
  try {
    const partner = await newPartner(ctx);
    const ownerEmail = uniqueEmail('sub-owner');
    const created = await partner.owner.post('/api/v1/subscribers', { name: 'Audited LLC', owner_email: ownerEmail });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const sub = created.body.id;
    const owner = await activate(s, db, ownerEmail);
    const userEmail = uniqueEmail('sub-user');
    const added = await owner.post(`/api/v1/subscribers/${sub}/users`, { email: userEmail, roles: ['user'] });
    assert.equal(added.status, 202, JSON.stringify(added.body));
    const user = await activate(s, db, userEmail);
    const other = await admin.post('/api/v1/subscribers', { name: 'Other LLC', owner_email: uniqueEmail('other') });
    assert.equal(other.status, 201, JSON.stringify(other.body));

    const seen = await allItems(owner, `/api/v1/subscribers/${sub}/audit`);
    const actions = seen.map((x) => x.action);
    for (const a of ['subscriber.created', 'member.invited', 'subscriber.user_added']) assert.ok(actions.includes(a), actions.join(', '));
    assert.ok(seen.every((x) => x.account === sub));
    const byPartner = await allItems(partner.owner, `/api/v1/subscribers/${sub}/audit?action=subscriber.*`);
    assert.deepEqual(byPartner.map((x) => x.id), seen.filter((x) => x.action.startsWith('subscriber.')).map((x) => x.id));
    assert.deepEqual((await allItems(admin, `/api/v1/subscribers/${sub}/audit`)).map((x) => x.id), seen.map((x) => x.id));
    const csv = await owner.get(`/api/v1/subscribers/${sub}/audit?format=csv`);
    assert.equal(csv.status, 200);
    assert.equal(csv.body.trim().split(/\r?\n/).length, seen.length + 1);
    assert.equal((await user.get(`/api/v1/subscribers/${sub}/audit`)).status, 403);
    assert.equal((await owner.get(`/api/v1/subscribers/${other.body.id}/audit`)).status, 404);
    assert.equal((await partner.owner.get(`/api/v1/subscribers/${other.body.id}/audit`)).status, 404);
    assert.equal((await partner.owner.get('/api/v1/audit')).status, 403);
    assert.equal((await owner.get('/api/v1/audit')).status, 403);
  } finally {
    assert.equal(await s.stop(), 0);
  }
});
