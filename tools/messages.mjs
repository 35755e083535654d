#!/usr/bin/env node
// tools/messages.mjs — every error reason the code raises has its message in every language.
//
//   node tools/messages.mjs        (run by `make check` and `make test`)
//
// Reads the calls ob_err_set(err, rc, "reason", "name=%s …", …) and
// ob_err_field(err, rc, field, "reason", …) in src/, and the reasons kept in tables,
// OB_REASON("reason") (whose params the code that raises it gives), then checks data/messages.en.json and data/messages.ru.json:
//   1. every reason the code uses has a template in both catalogs;
//   2. the two templates of a reason name the same placeholders;
//   3. a template names only params every call of its reason gives ({field} needs a field);
//   4. a catalog has no reason the code does not use (label.* are the labels of fields,
//      value.* the words of codes a param may hold).
// Exits 1 with one line per problem.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const langs = ['en', 'ru'];
const REASON = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/;

function files(dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /\.[ch]$/.test(n) ? [p] : [];
  });
}

// The arguments of the call whose '(' is at open: [text of each argument].
function args(src, open) {
  const out = [];
  let depth = 0, cur = '', quote = null;
  for (let i = open + 1; i < src.length; i++) {
    const c = src[i];
    if (quote) {
      cur += c;
      if (c === '\\') cur += src[++i];
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") { quote = c; cur += c; }
    else if ('([{'.includes(c)) { depth++; cur += c; }
    else if (')]}'.includes(c)) {
      if (depth === 0) { out.push(cur.trim()); return out; }
      depth--; cur += c;
    } else if (c === ',' && depth === 0) { out.push(cur.trim()); cur = ''; }
    else cur += c;
  }
  return out;
}

const literals = (s) => [...(s || '').matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]);

// reason -> [{ where, params: Set, field: bool }]
function uses(files, say) {
  const found = new Map();
  const add = (reason, use) => {
    if (!found.has(reason)) found.set(reason, []);
    found.get(reason).push(use);
  };
  for (const f of files) {
    const src = readFileSync(f, 'utf8');
    const at = (i) => `${f.slice(root.length + 1)}:${src.slice(0, i).split('\n').length}`;
    for (const m of src.matchAll(/\bob_err_(set|field)\s*\(/g)) {
      const a = args(src, m.index + m[0].length - 1);
      const k = m[1] === 'set' ? 2 : 3;
      if (a.length <= k || /^(struct|int|const)\b/.test(a[0])) continue;   /* the prototype */
      const reasons = literals(a[k]).filter((r) => REASON.test(r));
      const params = new Set(a[k + 1] && a[k + 1].startsWith('"')
        ? literals(a[k + 1]).join('').split(' ').filter(Boolean).map((p) => p.split('=')[0]) : []);
      if (!reasons.length && !/^whys?\[|reason/.test(a[k])) {
        say(`${at(m.index)}: the reason of ob_err_${m[1]} is not a literal: ${a[k]}`);
      }
      for (const r of reasons) add(r, { where: at(m.index), params, field: m[1] === 'field' });
    }
    for (const m of src.matchAll(/\bOB_REASON\("([^"]+)"\)/g))
      add(m[1], { where: at(m.index), params: null, field: true });   /* its params: the code's */
  }
  return found;
}

export function check(dir = root, log = console.log) {
  const problems = [];
  const say = (s) => { problems.push(s); log(s); };
  const cat = Object.fromEntries(langs.map((l) =>
    [l, JSON.parse(readFileSync(join(dir, 'data', `messages.${l}.json`), 'utf8'))]));
  const holes = (t) => new Set([...t.matchAll(/\{([a-z0-9_]+)\}/g)].map((m) => m[1]));
  const used = uses(files(join(dir, 'src')).filter((f) => !/base\/err\.[ch]$/.test(f)), say);
  for (const [reason, list] of used) {
    for (const l of langs)
      if (typeof cat[l][reason] !== 'string') say(`${list[0].where}: '${reason}' has no message in messages.${l}.json`);
    if (typeof cat.en[reason] !== 'string' || typeof cat.ru[reason] !== 'string') continue;
    const en = holes(cat.en[reason]), ru = holes(cat.ru[reason]);
    const diff = [...en].filter((h) => !ru.has(h)).concat([...ru].filter((h) => !en.has(h)));
    if (diff.length) say(`'${reason}': the en and ru templates differ in {${diff.join('}, {')}}`);
    for (const use of list.filter((u) => u.params))
      for (const h of new Set([...en, ...ru]))
        if (!(h === 'field' ? use.field || use.params.has(h) : use.params.has(h)))
          say(`${use.where}: '${reason}' names {${h}}, which this call does not give`);
  }
  for (const l of langs)
    for (const k of Object.keys(cat[l]))
      if (!/^(label|value)\./.test(k) && !used.has(k)) say(`messages.${l}.json: '${k}' is used nowhere in src/`);
  return problems;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const n = check().length;
  if (n) { console.log(`tools/messages.mjs: ${n} problem(s)`); process.exitCode = 1; }
}
