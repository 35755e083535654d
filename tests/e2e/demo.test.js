// `oblako demo`: the demo data of `make demo` — made once, and its logins work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshDbUrl, runCli, startServer } from './lib/server.js';
import { Client } from './lib/session.js';

test('demo data: partners, subscribers and people whose printed logins work', async () => {
  const db = await freshDbUrl('demo');
  assert.equal(runCli(['init', '--db', db]).status, 0);
  const first = runCli(['demo', '--db', db]);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, /Demo data created/);
  const logins = [...first.stdout.matchAll(/^ {4}(\S+@\S+)\s/mg)].map((m) => m[1]);
  assert.ok(logins.length >= 6);
  const again = runCli(['demo', '--db', db]);
  assert.equal(again.status, 0);
  assert.match(again.stdout, /were there already/);
  const s = await startServer({ db });
  try {
    for (const email of logins) {
      const c = new Client(s);
      const r = await c.login(email, 'demo-password');
      assert.equal(r.status, 200, email);
    }
    const admin = new Client(s);
    await admin.login('admin@demo.oblako.test', 'demo-password');
    const partners = await admin.get('/api/v1/partners');
    assert.equal(partners.body.items.length, 2);
    assert.ok(partners.body.items.some((p) => p.statuses.some((st) => st.status === 'csk' && st.active)));
    const subs = await admin.get('/api/v1/subscribers');
    assert.ok(subs.body.items.filter((x) => !x.own_partner).length >= 3);
  } finally {
    assert.equal(await s.stop(), 0);
  }
});
