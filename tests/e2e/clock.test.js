// The test clock: only with --test-clock, only forward, stored in the database
// so that every node (and a restarted one) sees the same business time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, startServers, freshDbUrl } from './lib/server.js';

const json = (body) => ({
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
});

test('without --test-clock the route does not exist', async () => {
  const s = await startServer({ testClock: false });
  try {
    const res = await s.fetch('/api/v1/test/clock', json({ advance: 10 }));
    assert.equal(res.status, 404);
    assert.equal((await res.json()).code, 'not_found');
    assert.equal((await s.fetch('/api/v1/test/clock')).status, 404);
  } finally {
    assert.equal(await s.stop(), 0);
  }
});

test('set, advance, refuse to go back; dates are civil dates in Moscow', async () => {
  const s = await startServer();
  try {
    const now = await (await s.fetch('/api/v1/test/clock')).json();
    assert.equal(now.time_zone, 'Europe/Moscow');
    assert.equal(now.offset, 0);
    // 23:30 Moscow on Jan 31 is 20:30 UTC: still Jan 31 in Moscow. Set far ahead so it's forward.
    let r = await s.fetch('/api/v1/test/clock', json({ now: '2031-01-31T23:30:00+03:00' }));
    assert.equal(r.status, 200);
    let c = await r.json();
    assert.equal(c.now, '2031-01-31T20:30:00Z');
    assert.equal(c.date, '2031-01-31');
    // The offset is kept, and real time goes on between the requests: allow a few seconds.
    r = await s.fetch('/api/v1/test/clock', json({ advance: 1800 }));
    c = await r.json();
    const t = Date.parse(c.now) - Date.parse('2031-01-31T21:00:00Z');
    assert.ok(t >= 0 && t < 5000, c.now);
    assert.equal(c.date, '2031-02-01', '00:00 Moscow is already Feb 1');
    r = await s.fetch('/api/v1/test/clock', json({ now: '2031-01-01T00:00:00Z' }));
    assert.equal(r.status, 400);
    const p = await r.json();
    assert.equal(p.code, 'invalid');
    assert.equal(p.field, 'now');
    assert.match(p.detail, /cannot go back/);
    // Nothing changed.
    c = await (await s.fetch('/api/v1/test/clock')).json();
    assert.ok(c.now >= '2031-01-31T21:00:00Z');
  } finally {
    assert.equal(await s.stop(), 0);
  }
});

test('bad clock bodies are 400 invalid naming the field', async () => {
  const s = await startServer();
  try {
    for (const [body, field] of [
      [{}, 'now'], [{ now: 'yesterday' }, 'now'], [{ now: '2031-02-30T00:00:00Z' }, 'now'],
      [{ advance: -5 }, 'advance'], [{ advance: 'x' }, 'advance'], [{ now: '2031-01-01T00:00:00Z', advance: 1 }, 'now'],
    ]) {
      const r = await s.fetch('/api/v1/test/clock', json(body));
      assert.equal(r.status, 400, JSON.stringify(body));
      const p = await r.json();
      assert.equal(p.code, 'invalid');
      assert.equal(p.field, field, JSON.stringify(body));
    }
    const empty = await s.fetch('/api/v1/test/clock', { method: 'POST' });
    assert.equal(empty.status, 400);
  } finally {
    assert.equal(await s.stop(), 0);
  }
});

test('the offset lives in the database: another node and a restart see it', async () => {
  const db = await freshDbUrl('clock');
  const [a, b] = await startServers(2, { db });
  try {
    const r = await a.fetch('/api/v1/test/clock', json({ advance: 10 * 86400 }));
    assert.equal(r.status, 200);
    const seen = await (await b.fetch('/api/v1/test/clock')).json();
    assert.ok(seen.offset >= 10 * 86400 - 5 && seen.offset <= 10 * 86400 + 5, JSON.stringify(seen));
  } finally {
    assert.equal(await a.stop(), 0);
    assert.equal(await b.stop(), 0);
  }
  const c = await startServer({ db });
  try {
    const seen = await (await c.fetch('/api/v1/test/clock')).json();
    assert.ok(seen.offset >= 10 * 86400 - 5);
  } finally {
    assert.equal(await c.stop(), 0);
  }
});
