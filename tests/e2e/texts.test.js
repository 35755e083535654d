// The cabinet's texts that state a rule's number say the number the server
// uses: the deferred renewal's length (R-SUB-5, 7 days: OB_PLAN_DEFER_DAYS in
// src/model/subscriptions/planner.h). The page once offered "на 30 дней".
// No server: it reads the sources, so it is the same on both engines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './lib/server.js';

const read = (p) => fs.readFileSync(path.join(repoRoot, p), 'utf8');

test('R-SUB-5 the deferred renewal is offered for the days the planner gives it', () => {
  const m = /#define OB_PLAN_DEFER_DAYS (\d+)/.exec(read('src/model/subscriptions/planner.h'));
  assert.ok(m, 'OB_PLAN_DEFER_DAYS is defined');
  const days = Number(m[1]);
  assert.equal(days, 7, 'the guide: "продлить подписку на 7 дней как отложенный платеж"');
  for (const lang of ['ru', 'en']) {
    const texts = JSON.parse(read(`web/i18n/${lang}.json`));
    const keys = Object.keys(texts).filter((k) => k.startsWith('mysub.deferred_'));
    assert.ok(keys.length >= 3, `${lang}: the deferred renewal's texts`);
    for (const k of keys) {
      for (const n of texts[k].match(/\d+/g) || []) {
        assert.equal(Number(n), days, `${lang} ${k}: "${texts[k]}" names ${n} days`);
      }
    }
    for (const k of ['mysub.deferred_btn', 'mysub.deferred_done', 'mysub.deferred_text']) {
      assert.match(texts[k], new RegExp(`\\b${days}\\b`), `${lang} ${k} names the ${days} days`);
    }
  }
});
