// Every audit action written anywhere in src/ reads as a sentence in both
// languages: web/i18n/{ru,en}.json hold `audit.say.<action>` for each (the
// cabinet's web/pages/sentences.js fills it from the record's params), with
// the same placeholders in both. No server: it reads the sources, so it is
// the same on both engines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './lib/server.js';

const read = (p) => fs.readFileSync(path.join(repoRoot, p), 'utf8');

function sources(dir) {
  const out = [];
  for (const e of fs.readdirSync(path.join(repoRoot, dir), { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (p.endsWith('.c')) out.push(p);
  }
  return out;
}

/** The action names of every ob_audit()/ob_audit_with() call: the literals before the object type. */
function actions() {
  const found = new Map();
  for (const file of sources('src')) {
    const text = read(file);
    for (const m of text.matchAll(/\bob_audit(?:_with)?\s*\(/g)) {
      const call = text.slice(m.index, text.indexOf(';', m.index));
      if (/^ob_audit(_with)?\s*\(struct ob_ctx/.test(call)) continue; /* the definitions */
      for (const a of call.matchAll(/"([a-z_]+\.[a-z_]+)"/g)) found.set(a[1], file);
    }
  }
  return found;
}

const placeholders = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('issue 11 every audit action has a sentence in Russian and English', () => {
  const all = actions();
  assert.ok(all.size >= 50, `only ${all.size} actions found: the scan is broken`);
  for (const a of ['subscription.posted', 'session.opened_by_grant', 'auth.totp_off', 'request.decided']) {
    assert.ok(all.has(a), `${a} is found`);
  }
  const cats = { ru: JSON.parse(read('web/i18n/ru.json')), en: JSON.parse(read('web/i18n/en.json')) };
  for (const [action, file] of all) {
    for (const [lang, cat] of Object.entries(cats)) {
      assert.ok(cat[`audit.say.${action}`], `${lang}: no sentence audit.say.${action} for the action written in ${file}`);
    }
    assert.deepEqual(placeholders(cats.en[`audit.say.${action}`]), placeholders(cats.ru[`audit.say.${action}`]),
      `audit.say.${action}: ru and en name the same values`);
  }
  for (const [lang, cat] of Object.entries(cats)) {
    assert.ok(cat['audit.say._generic'], `${lang}: the generic sentence`);
    for (const [k, v] of Object.entries(cat)) {
      if (!k.startsWith('audit.say.') || k === 'audit.say._generic') continue;
      assert.ok(all.has(k.slice('audit.say.'.length)), `${lang}: ${k} is for no action the server writes`);
      assert.ok(!/#\{?\w*\}?\d*/.test(v), `${lang} ${k}: no "#id" in a sentence: ${v}`);
      if (lang === 'en') assert.ok(!/\[[^\]]*\|/.test(v), `en ${k}: gendered forms are for Russian`);
    }
  }
  // Russian past tense agrees with the actor: [masculine|feminine], both filled.
  for (const [k, v] of Object.entries(cats.ru)) {
    for (const m of v.matchAll(/\[([^|\]]*)\|([^\]]*)\]/g)) assert.ok(m[1] && m[2], `ru ${k}: ${m[0]}`);
  }
});

test('issue 11 the audit filter offers every kind of action, by name in both languages', async () => {
  const { AUDIT_GROUPS: groups } = await import(path.join(repoRoot, 'web/keys.js'));
  assert.ok(groups.length > 5, 'AUDIT_GROUPS in web/keys.js');
  const cats = { ru: JSON.parse(read('web/i18n/ru.json')), en: JSON.parse(read('web/i18n/en.json')) };
  for (const [action, file] of actions()) {
    assert.ok(groups.includes(action.split('.')[0]), `${action} (${file}) is in no group of the filter`);
  }
  for (const g of groups) {
    for (const [lang, cat] of Object.entries(cats)) assert.ok(cat[`audit.group.${g}`], `${lang}: audit.group.${g}`);
  }
});
