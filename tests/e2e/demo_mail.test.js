// The demo's mail (issue 11 item 10): `make demo` runs without --smtp-url, so
// every message waits in the outbox, and `oblako mail list` / `oblako mail
// show ID` read it there. A password reset asked for in the demo and a newly
// approved partner's first link are found that way and work. Runs on both
// engines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshDbUrl, runCli, startServer } from './lib/server.js';
import { Client } from './lib/session.js';
import { questionnaire } from './lib/accounts.js';

/** `oblako mail list`: the newest messages, newest first. */
function mailList(db) {
  const r = runCli(['mail', 'list', '--db', db]);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean).map((l) => {
    const [id, at, state, to, subject] = l.split('\t');
    return { id: Number(id), at, state, to, subject };
  });
}

/** `oblako mail show ID`: the headers and the text of one message. */
function mailShow(db, id) {
  const r = runCli(['mail', 'show', String(id), '--db', db]);
  assert.equal(r.status, 0, r.stderr);
  const [head, ...body] = r.stdout.split('\n\n');
  const headers = Object.fromEntries(head.split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]));
  return { headers, text: body.join('\n\n') };
}

/** The link of the newest message to `to`, found through the mail commands. */
function linkFor(db, to, subject) {
  const m = mailList(db).find((x) => x.to === to);
  assert.ok(m, `no mail to ${to} in ${JSON.stringify(mailList(db))}`);
  assert.match(m.subject, subject);
  assert.equal(m.state, 'queued', 'the demo sends nothing');
  const shown = mailShow(db, m.id);
  assert.equal(shown.headers.To, to);
  assert.equal(shown.headers.Subject, m.subject);
  const link = /http:\/\/[^/\s]+\/(password|invite)\?token=([A-Za-z0-9_-]+)/.exec(shown.text);
  assert.ok(link, shown.text);
  return { page: link[1], token: link[2] };
}

test('demo mail: a password reset and a new partner\'s link are read with oblako mail list/show', async () => {
  const db = await freshDbUrl('demomail');
  assert.equal(runCli(['init', '--db', db]).status, 0);
  // seeded before the server starts, as `make demo` does (scripts/demo.sh): the demo's mail is
  // made by the jobs' passes on past days, before the server's own jobs run today's
  const seeded = runCli(['demo', '--db', db, '--test-clock']);
  assert.equal(seeded.status, 0, seeded.stderr);
  const s = await startServer({ db });
  try {
    // the demo's own invitations are there, one per invited person
    const first = mailList(db);
    assert.ok(first.some((m) => m.to === 'buh@romashka.test' && /«ООО Ромашка»/.test(m.subject)), JSON.stringify(first));

    // Issue 13 item 8: ООО Финиш, whose access ends in 3 days (L = today + 2), had the reminders
    // of L−7 and L−3 (R-NOT-1, the guide's «за 7 и 3 суток»), and Альфа Софт's operator has this
    // Monday's digest listing it (R-NOT-2), all in the mail catcher
    const today = (await (await s.fetch('/api/v1/test/clock')).json()).date;
    const day = (n) => new Date(Date.parse(`${today}T00:00:00Z`) + n * 86400000).toISOString().slice(0, 10);
    const L = day(2).split('-').reverse().join('.');
    const finish = first.filter((m) => m.to === 'owner@finish.test' && m.subject.includes(`доступ по ${L}`));
    assert.equal(finish.length, 2, JSON.stringify(first.filter((m) => m.to === 'owner@finish.test')));
    assert.match(mailShow(db, finish[0].id).text, /Альфа Софт/, 'how to renew: the partner');
    const digest = first.find((m) => m.to === 'operator@alfa-soft.test' && /неделя с/.test(m.subject));
    assert.ok(digest, JSON.stringify(first.filter((m) => m.to === 'operator@alfa-soft.test')));
    assert.match(mailShow(db, digest.id).text, /ООО Финиш/);
    assert.equal(first.filter((m) => m.to === 'owner@alfa-soft.test' && /неделя с/.test(m.subject)).length, 0, 'operators only');
    // the same in the cabinet's lists: the owner's reminders, the partner's last one per client
    const fin = new Client(s);
    assert.equal((await fin.login('owner@finish.test', 'demo-password')).status, 200);
    const me = (await fin.get('/api/v1/me')).body;
    const sub = me.accounts.find((a) => a.kind === 'subscriber').id;
    const mine = await fin.get(`/api/v1/subscribers/${sub}/reminders`);
    assert.deepEqual(mine.body.items.filter((r) => r.state === 'sent').map((r) => [r.offset_days, r.due_day, r.sent_day]),
      [[-3, day(-1), day(-1)], [-7, day(-5), day(-5)]]);
    const alfa = new Client(s);
    assert.equal((await alfa.login('owner@alfa-soft.test', 'demo-password')).status, 200);
    const partnerId = (await alfa.get('/api/v1/me')).body.accounts.find((a) => a.kind === 'partner').id;
    const last = await alfa.get(`/api/v1/partners/${partnerId}/reminders?subscriber=${sub}`);
    assert.deepEqual(last.body.items.map((r) => [r.offset_days, r.mail_state]), [[-3, 'queued']]);

    const anon = new Client(s);
    const asked = await anon.post('/api/v1/auth/password-reset', { email: 'buh@romashka.test' });
    assert.equal(asked.status, 202);
    const reset = linkFor(db, 'buh@romashka.test', /пароль/i);
    assert.equal(reset.page, 'password');
    const set = await anon.post('/api/v1/auth/password-reset/confirm', { token: reset.token, password: 'новый-пароль-42' });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.equal((await new Client(s).login('buh@romashka.test', 'новый-пароль-42')).status, 200);
    assert.equal((await new Client(s).login('buh@romashka.test', 'demo-password')).status, 401);

    // a partner that applies and is approved by the demo's admin gets its first link the same way
    const body = questionnaire({ lang: 'ru', contact_name: 'Пётр Партнёров' });
    const applied = await anon.post('/api/v1/partner-applications', body);
    assert.equal(applied.status, 201, JSON.stringify(applied.body));
    const admin = new Client(s);
    assert.equal((await admin.login('admin@demo.oblako.test', 'demo-password')).status, 200);
    const ok = await admin.post(`/api/v1/partner-applications/${applied.body.id}/approve`);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const invited = linkFor(db, body.contact_email, /одобрена/);
    const owner = new Client(s);
    const r = invited.page === 'invite'
      ? await owner.post('/api/v1/auth/invite/accept', { token: invited.token, password: 'партнёр-пароль-7' })
      : await owner.post('/api/v1/auth/password-reset/confirm', { token: invited.token, password: 'партнёр-пароль-7' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal((await owner.login(body.contact_email, 'партнёр-пароль-7')).status, 200);
    assert.equal((await owner.get('/api/v1/me')).body.name, 'Пётр Партнёров');

    // usage errors and a message that is not there
    assert.equal(runCli(['mail', 'show', 'x', '--db', db]).status, 2);
    assert.equal(runCli(['mail', '--db', db]).status, 2);
    const none = runCli(['mail', 'show', '999999', '--db', db]);
    assert.equal(none.status, 1);
    assert.match(none.stderr, /message 999999 not found/);
  } finally {
    assert.equal(await s.stop(), 0);
  }
});
