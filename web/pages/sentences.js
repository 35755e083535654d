// sentences.js — an audit record as a sentence in the reader's language.
//
// The server gives each record its params (docs/decisions.md, "Audit records
// as sentences"): the object's name, a tariff with name_ru/name_en, money in
// kopecks, dates, roles. Each action has one template, i18n key
// `audit.say.<action>`, with {placeholders} and, in Russian, the past tense
// for both genders as [masculine|feminine] picked by the actor's name. A
// record whose template needs something its params lack (one written before
// params existed) falls back to `audit.say._generic`.
import { t, tOr, has, currentLang, localName, fmtDate, fmtMoney } from '../i18n.js';

const DATES = new Set(['start', 'through', 'through_before', 'from', 'to', 'until', 'last_day', 'archive_day', 'delete_day']);
const MONEY = new Set(['price', 'amount_due']);
const NAMED = new Set(['tariff', 'app', 'promotion', 'base']);
const MALE_A = new Set(['никита', 'илья', 'кузьма', 'фома', 'лука', 'савва', 'данила', 'гаврила', 'михаила']);

/** Is this Russian name a woman's? By the patronymic, else the surname, else the first name. */
export function feminine(name) {
  const words = String(name || '').toLowerCase().split(/\s+/).filter((w) => /^[а-яё-]+$/.test(w));
  if (!words.length) return false;
  if (words.some((w) => /(вна|чна|кызы)$/.test(w))) return true;
  if (words.some((w) => /(вич|ич|оглы)$/.test(w))) return false;
  for (const w of words) {
    if (/(ова|ева|ёва|ина|ына|ская|цкая|ая)$/.test(w)) return true;
    if (/(ов|ев|ёв|ин|ын|ский|цкий|ой|ий)$/.test(w)) return false;
  }
  const first = words[0];
  return /[ая]$/.test(first) && !MALE_A.has(first);
}

const roles = (v) => String(v || '').split(/[\s,]+/).filter(Boolean).map((r) => tOr(`role.${r}`, r)).join(', ');

/** The actor as a reader names it, and whether the Russian verb is feminine. */
export function actorOf(a) {
  const person = a.actor?.person_name || a.actor?.name;
  if (person && person !== 'system') return { text: person, fem: feminine(a.actor?.person_name) };
  if (a.actor?.token) return { text: t('audit.actor_token'), fem: false };
  if (a.actor?.name === 'system' || (!a.actor?.person && !a.actor?.token)) return { text: t('audit.actor_system'), fem: currentLang() === 'ru' };
  return { text: t('audit.actor_unknown'), fem: false };
}

/** A subscription in a few words: period, units, price, and the partner's terms when given. */
function terms(s) {
  if (!s || typeof s !== 'object') return undefined;
  if (!s.price && !s.amount_due) return t('audit.free');
  const period = s.term_months ? t('audit.period', { months: s.term_months }) : t('audit.fixed_period');
  const price = fmtMoney(s.price);
  if (s.discount_pct !== undefined && s.amount_due !== undefined) {
    return t('audit.terms_due', { period, price, pct: s.discount_pct, rule: tOr(`rule.${s.discount_rule}`, s.discount_rule || ''), due: fmtMoney(s.amount_due) });
  }
  return s.quantity > 1 ? t('audit.terms_units', { quantity: s.quantity, period, price }) : t('audit.terms', { period, price });
}

/** The label of a requested change's field, and its value as people read it. */
export function changeLabel(k) {
  return tOr(`change.${k}`, tOr(k === 'name' ? 'field.org_name' : k === 'email' ? 'field.org_email' : `field.${k}`, k));
}
export function changeValue(k, v) {
  if (k === 'start' || k === 'end') return fmtDate(v);
  if (k === 'term_months') return t('audit.period', { months: v });
  if (k === 'settle_with') return tOr(`payer.${v}`, String(v));
  if (k === 'distributor' && v && typeof v === 'object') return v.name || '';
  if (k === 'declarations' && v && typeof v === 'object') {
    return Object.entries(v).map(([d, on]) => `${tOr(`change.${d}`, d)}: ${t(on ? 'common.yes' : 'common.no')}`).join('; ');
  }
  return String(v);
}
const changesText = (c) => Object.entries(c || {}).map(([k, v]) => `${changeLabel(k)}: ${changeValue(k, v)}`).join('; ');

/** The values a template may name, formatted for the reader. */
function values(a) {
  const p = { ...(a.params || {}) };
  if (!p.tariff && p.after?.tariff) p.tariff = p.after.tariff;
  const v = {};
  for (const [k, x] of Object.entries(p)) {
    if (x === null || x === undefined) continue;
    if (DATES.has(k)) v[k] = fmtDate(x);
    else if (MONEY.has(k)) v[k] = fmtMoney(x);
    else if (NAMED.has(k) || (k === 'reason' && typeof x === 'object')) v[k] = localName(x);
    else if (k === 'roles' || k === 'roles_before') v[k] = roles(x);
    else if (k === 'status') v[k] = tOr(`status.${x}`, x);
    else if (k === 'before' || k === 'after') v[k] = terms(x);
    else if (k === 'changes') v[k] = changesText(x) || '—';
    else if (typeof x !== 'object') v[k] = String(x);
  }
  if (a.action?.startsWith('subscription.')) v.terms = terms(p);
  if (a.action?.startsWith('request.')) {
    v.request = tOr(`request.${p.kind}`, p.kind);
    v.state = tOr(`state.${p.state}`, p.state);
    v.about = p.subscriber ? `«${p.subscriber}», ${localName(p.tariff)}` : (p.partner || '');
    if (currentLang() !== 'ru' && p.subscriber) v.about = `“${p.subscriber}”, ${localName(p.tariff)}`;
  }
  /* R-BIL-1: who the partner's statements are addressed to */
  if (p.settle_with) v.payer = p.settle_with === 'distributor' && p.distributor ? t('payer.via', { name: p.distributor }) : tOr(`payer.${p.settle_with}`, '');
  if (a.account_name) v.account = a.account_name;
  /* a subscription's account is its client: records without the name in params still have it */
  if (a.action?.startsWith('subscription.') && !v.subscriber && a.account_name) v.subscriber = a.account_name;
  if (a.object?.name) v.object = a.object.name;
  return v;
}

/** The record as one sentence; '' when its params cannot fill any template. */
export function auditSentence(a) {
  const actor = actorOf(a);
  const v = { ...values(a), actor: actor.text };
  const key = `audit.say.${a.action}`;
  let tpl = has(key) ? t(key) : null;
  const missing = (s) => [...s.matchAll(/\{(\w+)\}/g)].some((m) => v[m[1]] === undefined || v[m[1]] === '');
  if (!tpl || missing(tpl)) tpl = t('audit.say._generic');
  v.action = a.summary || a.action;
  const s = tpl.replace(/\[([^|\]]*)\|([^\]]*)\]/g, (m, male, fem) => (actor.fem ? fem : male));
  return s.replace(/\{(\w+)\}/g, (m, k) => (v[k] !== undefined ? v[k] : ''));
}
