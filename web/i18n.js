// i18n.js — message catalogs (i18n/ru.json, i18n/en.json). Every visible
// string goes through t(). The language is the person's own once signed in;
// before that, the browser's (or the one picked on a public page).
export const LANGS = ['ru', 'en'];
const catalogs = {};
let lang = 'en';
let cat = {};

async function load(l) {
  if (!catalogs[l]) {
    const res = await fetch(`/i18n/${l}.json`, { credentials: 'same-origin' });
    catalogs[l] = await res.json();
  }
  return catalogs[l];
}

export function detectLang() {
  try {
    const saved = localStorage.getItem('oblako.lang');
    if (LANGS.includes(saved)) return saved;
  } catch { /* storage may be off */ }
  const prefs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || 'en'];
  for (const p of prefs) {
    const base = String(p).toLowerCase().slice(0, 2);
    if (LANGS.includes(base)) return base;
  }
  return 'en';
}

export function rememberLang(l) {
  try { localStorage.setItem('oblako.lang', l); } catch { /* ignore */ }
}

export async function setLang(l) {
  if (!LANGS.includes(l)) l = 'en';
  cat = await load(l);
  lang = l;
  document.documentElement.lang = l;
}

export function currentLang() { return lang; }
export function has(key) { return Object.prototype.hasOwnProperty.call(cat, key); }

/** t('key', {name: 'x'}) with {name} placeholders; a missing key shows itself. */
export function t(key, params) {
  let s = has(key) ? cat[key] : key;
  if (params) s = s.replace(/\{(\w+)\}/g, (m, k) => (params[k] !== undefined ? String(params[k]) : m));
  return s;
}

/** A count and its noun in the language's plural form (Intl.PluralRules):
 * tn('x', 3) reads x.few in Russian, x.other in English; {n} is the count.
 * Every form the language has must be in the catalog (the key test checks). */
export function tn(key, n, params) {
  const form = new Intl.PluralRules(locale()).select(Number(n));
  const k = has(`${key}.${form}`) ? `${key}.${form}` : `${key}.other`;
  return t(k, { ...params, n });
}

/** The translation of key, or fallback when the catalog has none (server-side values). */
export function tOr(key, fallback) { return has(key) ? t(key) : fallback; }

/** An object's name in the person's language: {name_ru, name_en} (tariffs,
 * applications, promotions), else its name, else its code. */
export function localName(o) {
  if (!o) return '';
  const own = lang === 'ru' ? o.name_ru : o.name_en;
  return own || o.name_ru || o.name_en || o.name || o.code || '';
}

const locale = () => (lang === 'ru' ? 'ru-RU' : 'en-GB');

export function fmtDate(v) {
  if (!v) return '—';
  const d = /^\d{4}-\d{2}-\d{2}$/.test(v) ? new Date(`${v}T12:00:00Z`) : new Date(v);
  if (Number.isNaN(d.getTime())) return String(v);
  return new Intl.DateTimeFormat(locale(), { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(d);
}

export function fmtDateTime(v) {
  if (!v) return '—';
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) return String(v);
  return new Intl.DateTimeFormat(locale(), { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' }).format(d);
}

/** Kopecks as roubles: 247200 → "2 472,00 ₽". */
export function fmtMoney(kop) {
  if (kop === null || kop === undefined || Number.isNaN(Number(kop))) return '—';
  return new Intl.NumberFormat(locale(), { style: 'currency', currency: 'RUB', minimumFractionDigits: 2 }).format(Number(kop) / 100);
}
