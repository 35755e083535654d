// Every message key the cabinet uses is in both catalogs (issue 11, item 8):
//   - literal keys: every string in web/*.js and web/pages/*.js shaped like a
//     key under a prefix the catalogs use ('mysub.tariff', in t(), in a
//     ternary, in a table of keys), and nav labels;
//   - plural keys: tn('x', n) needs x.<form> for every form Intl.PluralRules
//     has in the language (ru: one, few, many, other; en: one, other);
//   - built keys: t(`status.${s}`) needs its pattern declared in web/keys.js
//     with every value, and each expansion in ru and en; where the server
//     holds the list (sql/ CHECKs, src/ tables) the declared list must hold
//     all of it.
// No server: it reads the sources, so it is the same on both engines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './lib/server.js';

const read = (p) => fs.readFileSync(path.join(repoRoot, p), 'utf8');
const LANGS = { ru: 'ru-RU', en: 'en-GB' };
const catalogs = Object.fromEntries(Object.keys(LANGS).map((l) => [l, JSON.parse(read(`web/i18n/${l}.json`))]));
const forms = (lang) => new Intl.PluralRules(LANGS[lang]).resolvedOptions().pluralCategories;
const { BUILT_KEYS } = await import(path.join(repoRoot, 'web/keys.js'));

function sources() {
  const files = fs.readdirSync(path.join(repoRoot, 'web')).filter((f) => f.endsWith('.js')).filter((f) => f !== 'keys.js')
    .concat(fs.readdirSync(path.join(repoRoot, 'web/pages')).filter((f) => f.endsWith('.js')).map((f) => `pages/${f}`));
  return files.map((f) => ({ file: f, src: read(`web/${f}`) }));
}

// Comments name keys by way of example: only code counts.
const stripComments = (src) => src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|\s)\/\/.*$/gm, '$1');

// The prefixes keys have in the catalogs: a string under one of them is a key.
const prefixes = (cat) => new Set(Object.keys(cat).map((k) => k.split('.')[0]));

/** What is missing from the catalogs for the sources [{file, src}]: a list of "file: …" lines. */
function missing(sources_, cats, built) {
  const files = sources_.map(({ file, src }) => ({ file, src: stripComments(src) }));
  const out = [];
  const pre = prefixes(cats.en);
  const plurals = new Set();
  for (const { file, src } of files) {
    for (const m of src.matchAll(/\btn\(\s*'([a-z_.0-9]+)'/g)) plurals.add(m[1]);
  }
  for (const { file, src } of files) {
    // plural keys: every form of the language
    for (const m of src.matchAll(/\btn\(\s*'([a-z_.0-9]+)'/g)) {
      for (const [lang, cat] of Object.entries(cats)) {
        for (const f of forms(lang)) if (!(`${m[1]}.${f}` in cat)) out.push(`${file}: ${lang} has no ${m[1]}.${f}`);
      }
    }
    // literal keys: any quoted string shaped like a key under a catalog prefix
    for (const m of src.matchAll(/'([a-z][a-z_0-9]*(?:\.[a-z0-9_]+)+)'/g)) {
      const k = m[1];
      if (!pre.has(k.split('.')[0]) || plurals.has(k) || /\.(js|json|css|svg|html)$/.test(k)) continue;
      for (const [lang, cat] of Object.entries(cats)) if (!(k in cat)) out.push(`${file}: ${lang} has no ${k}`);
    }
    // built keys: `prefix.${…}` declared in keys.js, every value in both catalogs
    for (const m of src.matchAll(/`([a-z][a-z_0-9.]*\$\{[^`]*)`/g)) {
      const pattern = m[1].replace(/\$\{[^}]*\}/g, '*');
      if (!/^[a-z_0-9.*]+$/.test(pattern) || !pattern.includes('.') || !pre.has(pattern.split('.')[0])) continue;
      const values = built[pattern];
      if (values === null) continue; // declared as checked by its own test (keys.js says which)
      if (!values) { out.push(`${file}: the values of \`${m[1]}\` are not declared in web/keys.js ('${pattern}')`); continue; }
      for (const v of values) {
        const k = pattern.replace('*', v);
        for (const [lang, cat] of Object.entries(cats)) if (!(k in cat)) out.push(`${file}: ${lang} has no ${k} (built as \`${m[1]}\`)`);
      }
    }
  }
  return [...new Set(out)];
}

test('the checker fails on a missing literal, plural or built key, and on an undeclared pattern', () => {
  const cats = { ru: { 'a.b': 'б', 'n.x.one': '1', 'n.x.other': 'x', 's.ok': 'ok', 'q.a': 'a' }, en: { 'a.b': 'b', 'n.x.one': '1', 'n.x.other': 'x', 's.ok': 'ok', 'q.a': 'a' } };
  const src = "t('a.b'); t('a.c'); tn('n.x', 2); t(`s.${v}`); t(`q.${w}`); x = 'style.css'; // t('a.z')\n/* t('a.y') */ y = `http_${s}`;";
  assert.deepEqual(missing([{ file: 'f.js', src }], cats, { 's.*': ['ok', 'no'] }), [
    'f.js: ru has no n.x.few', 'f.js: ru has no n.x.many',
    'f.js: ru has no a.c', 'f.js: en has no a.c',
    'f.js: ru has no s.no (built as `s.${v}`)', 'f.js: en has no s.no (built as `s.${v}`)',
    "f.js: the values of `q.${w}` are not declared in web/keys.js ('q.*')",
  ]);
});

test('every message key the cabinet uses, literal, plural or built, is in ru and en', () => {
  const files = sources();
  assert.ok(files.some((f) => f.file === 'pages/subscriber.js') && files.length >= 10, 'the cabinet\'s sources are read');
  assert.deepEqual(missing(files, catalogs, BUILT_KEYS), []);
});

test('no catalog has a plural form the other language lacks the base of, nor a form Intl does not give', () => {
  for (const [lang, cat] of Object.entries(catalogs)) {
    for (const k of Object.keys(cat)) {
      const m = /^(.*)\.(zero|one|two|few|many|other)$/.exec(k);
      if (!m) continue;
      assert.ok(forms(lang).includes(m[2]), `${lang}: ${k} is no plural form of ${lang}`);
      const other = lang === 'ru' ? 'en' : 'ru';
      assert.ok(`${m[1]}.other` in catalogs[other], `${other} has no ${m[1]}.other`);
    }
  }
});

// The lists the server holds: a CHECK (… IN ('a', 'b')) in sql/, or a C table.
function sqlCheck(file, column) {
  const m = new RegExp(`\\b${column} TEXT[^,]*?CHECK \\(${column} IN \\(([^)]*)\\)`, 's').exec(read(file));
  assert.ok(m, `${file}: CHECK on ${column}`);
  return [...m[1].matchAll(/'([a-z_]+)'/g)].map((x) => x[1]);
}
const cStrings = (file, re) => [...read(file).matchAll(re)].map((x) => x[1]);

test('the declared values hold every value the server has for them', () => {
  const server = {
    'kind.*': sqlCheck('sql/0002_accounts.sql', 'kind'),
    'lang.*': sqlCheck('sql/0002_accounts.sql', 'lang'),
    'status.*': sqlCheck('sql/0002_accounts.sql', 'status'),
    'sub_kind.*': sqlCheck('sql/0007_subscriptions.sql', 'kind'),
    'tariff_kind.*': sqlCheck('sql/0006_catalog.sql', 'kind'),
    'area_state.*': sqlCheck('sql/0009_areas_sessions.sql', 'state'),
    'history.event_*': sqlCheck('sql/0009_areas_sessions.sql', 'event'),
    'role.*': cStrings('src/model/identity/role.c', /\{ OB_ROLE_[A-Z]+, "([a-z_]+)"/g),
    'err.*': cStrings('src/base/err.c', /\{ OB_E[A-Z]+, "([a-z_]+)", \d+ \}/g),
  };
  for (const [pattern, values] of Object.entries(server)) {
    assert.ok(values.length >= 2, `${pattern}: the server's list is read`);
    for (const v of values) assert.ok(BUILT_KEYS[pattern].includes(v), `web/keys.js '${pattern}' lacks the server's '${v}'`);
  }
});
