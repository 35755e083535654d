// The route table is the truth: every route the binary serves must be in
// docs/openapi.yaml with its method, and must declare how the isolation tests
// try it across tenants.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runCli, repoRoot, startServer } from './lib/server.js';

const TENANCY = new Set(['public', 'ops', 'test', 'self', 'provider', 'partner', 'subscriber', 'scoped', 'object']);

function routes() {
  const r = runCli(['routes']);
  assert.equal(r.status, 0, r.stderr);
  const list = JSON.parse(r.stdout);
  assert.ok(Array.isArray(list) && list.length > 0);
  return list;
}

// The paths and methods of an OpenAPI document, read from its YAML text: the
// keys two spaces deep under `paths:` and the HTTP methods four spaces deep.
function documented() {
  const text = readFileSync(path.join(repoRoot, 'docs', 'openapi.yaml'), 'utf8');
  const out = new Map();
  let inPaths = false;
  let current = null;
  for (const line of text.split('\n')) {
    if (/^paths:\s*$/.test(line)) { inPaths = true; continue; }
    if (inPaths && /^\S/.test(line)) { inPaths = false; current = null; }
    if (!inPaths) continue;
    let m = /^ {2}(['"]?)(\/[^'":]*)\1:\s*$/.exec(line);
    if (m) { current = m[2]; out.set(current, new Set()); continue; }
    m = /^ {4}(get|put|post|patch|delete|head|options):\s*$/.exec(line);
    if (m && current) out.get(current).add(m[1].toUpperCase());
  }
  return { out, text };
}

test('openapi.yaml is OpenAPI 3.1', () => {
  const { text } = documented();
  assert.match(text, /^openapi: ['"]?3\.1\.\d+['"]?\s*$/m);
});

test('every route is documented in docs/openapi.yaml', () => {
  const { out } = documented();
  const missing = routes()
    .filter((r) => !out.get(r.path)?.has(r.method))
    .map((r) => `${r.method} ${r.path}`);
  assert.deepEqual(missing, [], `routes missing from docs/openapi.yaml: ${missing.join(', ')}`);
});

test('nothing is documented that the server does not serve', () => {
  const served = new Set(routes().map((r) => `${r.method} ${r.path}`));
  const extra = [];
  for (const [p, methods] of documented().out) {
    for (const m of methods) if (!served.has(`${m} ${p}`)) extra.push(`${m} ${p}`);
  }
  assert.deepEqual(extra, []);
});

// The text of one operation of docs/openapi.yaml: from its method line, four
// spaces deep under its path, to the next line as shallow.
function operationText(text, p, method) {
  const lines = text.split('\n');
  let i = lines.findIndex((l) => l === `  ${p}:` || l === `  '${p}':`);
  if (i < 0) return null;
  for (i++; i < lines.length && !/^ {0,2}\S/.test(lines[i]); i++) {
    if (lines[i] !== `    ${method.toLowerCase()}:`) continue;
    let end = i + 1;
    while (end < lines.length && (lines[end] === '' || /^ {5}/.test(lines[end]))) end++;
    return lines.slice(i, end).join('\n');
  }
  return null;
}

test('the routes that honour Idempotency-Key, and only they, say so in docs/openapi.yaml', () => {
  const { text } = documented();
  const list = routes();
  assert.ok(list.some((r) => r.idempotent), 'oblako routes marks no route idempotent');
  for (const r of list) {
    const op = operationText(text, r.path, r.method);
    assert.ok(op, `${r.method} ${r.path}`);
    const param = op.includes("$ref: '#/components/parameters/IdempotencyKey'");
    assert.equal(param, r.idempotent, `${r.method} ${r.path}: the IdempotencyKey parameter`);
    if (!r.idempotent) continue;
    // each success answer lists the header a replayed answer carries
    const answers = op.split(/\n(?= {8}'2\d\d':)/).slice(1).map((a) => a.split(/\n(?= {8}\S)/)[0]);
    assert.ok(answers.length > 0, `${r.method} ${r.path}: no 2xx answer`);
    for (const a of answers) {
      assert.match(a, /\n {12}Idempotent-Replayed: /, `${r.method} ${r.path} ${a.trim().split('\n')[0]}`);
    }
  }
});

test('every route declares its tenancy class', () => {
  for (const r of routes()) {
    assert.ok(TENANCY.has(r.tenancy), `${r.method} ${r.path} has tenancy '${r.tenancy}'`);
    assert.equal(r.test_only, r.tenancy === 'test', `${r.method} ${r.path}`);
  }
});

test('test-only routes do not exist without --test-clock', async () => {
  const s = await startServer({ testClock: false, jobs: false });
  try {
    for (const r of routes().filter((x) => x.test_only)) {
      const p = r.path.replace(/\{[^}]+\}/g, '1');
      const res = await s.fetch(p, { method: r.method });
      assert.equal(res.status, 404, `${r.method} ${p}`);
    }
  } finally {
    assert.equal(await s.stop(), 0);
  }
});
