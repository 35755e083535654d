// Long run (make test-full): the partner's subscription list exported whole,
// 100,000 rows as CSV and as XLSX, in bounded memory (R-SUB-8, §14:
// exports stream every matching row). The rows are inserted with SQL, the
// export goes through the real server, and the server's peak resident
// memory (VmHWM) must not grow with the size of the export.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setup, newPartner } from '../lib/accounts.js';
import { raw, query } from '../lib/db.js';

const ROWS = 100_000;

function vmhwmKb(pid) {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]);
}

test('100,000 subscriptions export as CSV and XLSX in bounded memory', { timeout: 600_000 }, async () => {
  const ctx = await setup('export100k');
  try {
    const p = await newPartner(ctx);
    const sub = await p.owner.post('/api/v1/subscribers', { name: 'ООО Большой' });
    assert.equal(sub.status, 201, JSON.stringify(sub.body));
    const [trial] = query(ctx.db, `SELECT tariff_id, tariff_version_id FROM subscriptions WHERE subscriber_id = ${sub.body.id}`);
    assert.ok(trial, 'the trial row exists');
    const already = (await p.owner.get(`/api/v1/subscriptions?partner=${p.id}&limit=500`)).body.items.length;
    assert.ok(already >= 1);
    raw(ctx.db, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS})
      INSERT INTO subscriptions (subscriber_id, kind, tariff_id, tariff_version_id, partner_id, start, "end",
        term_months, price, amount_due, posted_at)
      SELECT ${sub.body.id}, 'main', ${trial[0]}, ${trial[1]}, ${p.id}, '2027-01-01', '2027-02-01', 1, 247200, 86520, 0
      FROM n`);
    const before = vmhwmKb(ctx.s.proc.pid);

    const csv = await p.owner.get(`/api/v1/subscriptions?partner=${p.id}&format=csv`);
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type'), /^text\/csv/);
    const lines = csv.body.split('\r\n').filter((l) => l.length > 0);
    assert.equal(lines.length, 1 + ROWS + already, 'the header, every inserted row and those before');

    const xlsx = await ctx.s.fetch(`/api/v1/subscriptions?partner=${p.id}&format=xlsx`, {
      headers: { cookie: `oblako_session=${p.owner.cookie}` },
    });
    assert.equal(xlsx.status, 200);
    const bytes = Buffer.from(await xlsx.arrayBuffer());
    assert.equal(bytes.subarray(0, 2).toString(), 'PK', 'an XLSX file is a zip');
    assert.ok(bytes.length > 1_000_000, `an XLSX of ${ROWS} rows, got ${bytes.length} bytes`);

    const grown = vmhwmKb(ctx.s.proc.pid) - before;
    // The CSV alone is ~15 MB: holding it, or the rows, in memory would show here.
    assert.ok(grown < 12 * 1024, `peak memory grew by ${grown} kB during the exports`);
  } finally {
    assert.equal(await ctx.s.stop(), 0);
  }
});
