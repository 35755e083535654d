// The catalog: the provider's applications, tariffs (options, prices, editing)
// and local ITS contracts; the partner's own tariffs on top of standard ones.
import { t, tn, tOr, fmtDate, fmtMoney, currentLang } from '../i18n.js';
import { get, post, patch, withQuery, ApiError } from '../api.js';
import {
  h, badge, card, dataTable, button, tabs, formDialog, toast, pageHeader,
} from '../ui.js';
import { setTitle, navigate, account, today } from '../session.js';
import { roleGate } from '../roles.js';

export const TERMS = [1, 3, 6, 12];
const nameOf = (x) => (currentLang() === 'ru' ? x.name_ru : x.name_en || x.name_ru) || x.code;
const rub = (kop) => (kop === null || kop === undefined ? '' : String(kop / 100));
/** "1234.50" or "1 234,5" → kopecks, or NaN. */
export function kopecks(s) {
  const v = String(s ?? '').replace(/\s/g, '').replace(',', '.');
  if (!/^\d+(\.\d{1,2})?$/.test(v)) return NaN;
  return Math.round(Number(v) * 100);
}

/** All rows of a paged list (a catalog is small: a few pages at most). */
export async function all(url) {
  let items = [];
  let next = withQuery(url, { limit: 500 });
  for (let i = 0; next && i < 20; i++) {
    const page = await get(next);
    items = items.concat(page.items || []);
    next = page.next || null;
  }
  return items;
}

/** A one-line summary of a tariff version's options. */
export function optionsSummary(tr) {
  const o = tr.version?.options || {};
  const parts = [];
  const apps = tr.version?.apps || [];
  if (o.choose) parts.push(t('catalog.opt_choose', { n: o.choose, of: apps.length }));
  else if (apps.length) parts.push(tn('catalog.opt_apps', apps.length));
  if (o.areas === 'unlimited') parts.push(t('catalog.opt_areas_unlimited'));
  else if (Array.isArray(o.areas)) parts.push(t('catalog.opt_areas_rules', { n: o.areas.length }));
  if (o.sessions !== undefined) parts.push(tn('catalog.opt_sessions', o.sessions));
  if (o.sessions_add !== undefined) parts.push(tn('catalog.opt_sessions_add', o.sessions_add));
  if (o.days !== undefined) parts.push(tn('catalog.opt_days', o.days));
  if (Array.isArray(o.terms)) parts.push(t('catalog.opt_terms', { terms: o.terms.join(', ') }));
  if (o.requires_status) parts.push(t('catalog.opt_requires', { status: tOr(`status.${o.requires_status}`, o.requires_status) }));
  return parts.join(' · ');
}

export function pricesNow(tr) {
  const entries = Object.entries(tr.price_now || {});
  if (!entries.length) return h('span', { class: 'muted', text: t('catalog.no_price') });
  return h('span', { class: 'prices' }, entries.map(([term, amount]) => h('span', { class: 'price-chip' },
    h('span', { class: 'muted', text: term === '0' ? t('catalog.term_fixed') : tn('catalog.term_n', term) }), ' ',
    h('strong', { text: fmtMoney(amount) }))));
}

const tariffColumns = () => [
  { key: 'code', label: t('catalog.tariff_name'), sort: (tr) => nameOf(tr), render: (tr) => h('span', {}, h('strong', { text: nameOf(tr) }),
    h('span', { class: 'cell-sub muted mono', text: tr.code })) },
  { key: 'kind', label: t('catalog.kind'), render: (tr) => tOr(`tariff_kind.${tr.kind}`, tr.kind) },
  { key: 'options', label: t('catalog.options'), cls: 'wrap', sort: false, render: (tr) => h('span', { class: 'opt-summary', text: optionsSummary(tr) }) },
  { key: 'price_now', label: t('catalog.prices_now'), sort: false, render: pricesNow },
  { key: 'version', label: t('catalog.version'), cls: 'num', sort: (tr) => tr.version?.number, render: (tr) => h('span', {},
    String(tr.version?.number ?? '—'), tr.version?.in_use ? h('span', { class: 'cell-sub muted', text: t('catalog.in_use') }) : null) },
  { key: 'active', label: t('common.state'), render: (tr) => badge(tr.active ? 'active' : 'expired', { label: tr.active ? t('catalog.active') : t('catalog.inactive') }) },
];

/** Server errors name "options.sessions" or "prices[0].amount": show them under our field. */
function remap(err, map) {
  if (err instanceof ApiError && err.field) {
    for (const [prefix, field] of map) {
      if (err.field === prefix || err.field.startsWith(prefix)) {
        const e = new ApiError(err.status, { code: err.code, field, detail: err.detail, reason: err.reason, params: { field: err.field, ...err.params } });
        return e;
      }
    }
  }
  return err;
}

// ---- provider: the catalog ------------------------------------------------------
const CAT_TABS = ['tariffs', 'applications', 'promotions'];

export async function catalog(main, { query }) {
  setTitle(t('catalog.title'));
  const tab = CAT_TABS.includes(query.get('tab')) ? query.get('tab') : 'tariffs';
  let table;
  let headActions = null;
  if (tab === 'tariffs') {
    const columns = [...tariffColumns(), { key: '', label: '', sort: false, cls: 'actions', render: (tr) => h('span', { class: 'row-actions' },
      button(t('catalog.add_price'), async () => { if (await addPrice(tr)) table.reload(); }, { small: true, kind: 'ghost', ...roleGate(['admin']) }),
      button(t('common.edit'), async () => { if (await editTariff(tr)) table.reload(); }, { small: true, kind: 'ghost', ...roleGate(['admin']) })) }];
    table = dataTable({ url: '/api/v1/tariffs?limit=200', columns, exportable: false, empty: { title: t('catalog.empty_tariffs') } });
  } else if (tab === 'applications') {
    table = dataTable({
      url: '/api/v1/applications?limit=200', exportable: false,
      columns: [
        { key: 'code', label: t('catalog.application'), sort: (a) => nameOf(a), render: (a) => h('span', {}, h('strong', { text: nameOf(a) }), h('span', { class: 'cell-sub muted mono', text: a.code })) },
        { key: 'version', label: t('catalog.app_version'), cls: 'mono' },
        { key: 'lists', label: t('catalog.lists'), sort: false, render: (a) => h('span', { class: 'roles' }, String(a.lists || '').split(',').filter(Boolean).map((l) => h('span', { class: 'role', text: tOr(`catalog.list_${l}`, l) }))) },
        { key: 'restricted_to', label: t('catalog.restricted_to'), render: (a) => (a.restricted_to ? h('span', { class: 'badge badge-info', text: tOr(`status.${a.restricted_to}`, a.restricted_to) }) : null) },
        { key: 'free', label: t('catalog.free'), render: (a) => (a.free ? t('common.yes') : t('common.no')) },
        { key: 'active', label: t('common.state'), render: (a) => badge(a.active ? 'active' : 'expired', { label: a.active ? t('catalog.active') : t('catalog.inactive') }) },
      ],
      empty: { title: t('catalog.empty_apps') },
    });
  } else {
    const names = await catalogNames();
    const admin = (account()?.roles || []).includes('admin');
    const actions = (p) => h('span', { class: 'row-actions' },
      button(t('common.edit'), async () => { if (await editPromotion(p, names)) table.reload(); }, { small: true, kind: 'ghost' }));
    table = dataTable({
      url: '/api/v1/promotions?limit=200', exportable: false,
      columns: [
        { key: 'name_ru', label: t('promo.name'), cls: 'wrap', sort: (p) => nameOf(p), render: (p) => h('span', {}, h('strong', { text: nameOf(p) }),
          h('span', { class: 'cell-sub muted', text: tOr(`promo.kind.${p.kind}`, p.kind) })) },
        { key: 'tariff', label: t('promo.opens'), cls: 'wrap', sort: (p) => names.of(p), render: (p) => names.of(p) || h('span', { class: 'muted', text: '—' }) },
        { key: 'valid_from', label: t('promo.period'), cls: 'nowrap', render: (p) => periodText(p) },
        { key: 'state', label: t('common.state'), render: (p) => badge(p.state, { tone: PROMO_TONES[p.state], label: t(`promo.state.${p.state}`) }) },
        ...(admin ? [{ key: '', label: '', sort: false, cls: 'actions', render: actions }] : []),
      ],
      empty: { title: t('catalog.empty_promotions') },
    });
    if (admin) {
      headActions = button(t('promo.new'), async () => { if (await newPromotion(names)) table.reload(); }, { kind: 'primary' });
    }
  }
  main.append(pageHeader(t('catalog.title'), { subtitle: t('catalog.subtitle'), actions: headActions }),
    tabs(CAT_TABS.map((v) => ({ value: v, label: t(`catalog.tab_${v}`) })), tab, (v) => navigate(`/catalog?tab=${v}`)),
    table.el);
}

// ---- provider: promotions (R-CAT-5) ------------------------------------------------
// A promotion's valid_to is exclusive (the day it is over); people think in the last
// day it runs, as the guide does ("до 31.12.2018 г."), so the page shows and takes that.
const PROMO_KINDS = ['offer', 'free_period', 'free_units'];
const PROMO_TONES = { in_force: 'ok', upcoming: 'info', ended: 'muted' };
const WINDOW = ['2000-01-01', '2199-12-31'];   // the dates the service takes (docs/decisions.md)

const dayShift = (d, n) => new Date(Date.parse(`${d}T00:00:00Z`) + n * 86400000).toISOString().slice(0, 10);
const lastDayOf = (p) => (p.valid_to ? dayShift(p.valid_to, -1) : '');

function periodText(p) {
  const from = t('promo.from', { date: fmtDate(p.valid_from) });
  return p.valid_to ? `${from} ${t('promo.through', { date: fmtDate(lastDayOf(p)) })}` : `${from}, ${t('catalog.open_ended')}`;
}

/** Names of the catalog's tariffs and applications, to show instead of codes. */
async function catalogNames() {
  let tariffs = [];
  let apps = [];
  try {
    [tariffs, apps] = await Promise.all([all('/api/v1/tariffs'), all('/api/v1/applications')]);
  } catch { /* the table still shows what it has */ }
  const std = tariffs.filter((x) => !x.partner);
  const tariff = Object.fromEntries(std.map((x) => [x.code, nameOf(x)]));
  const app = Object.fromEntries(apps.map((x) => [x.code, nameOf(x)]));
  return {
    mains: std.filter((x) => x.kind === 'main' && !x.version?.options?.partner_own),
    of: (p) => (p.tariff ? tariff[p.tariff] || p.tariff : p.application ? app[p.application] || p.application : ''),
  };
}

function dateInWindow(v) {
  return !v || (v >= WINDOW[0] && v <= WINDOW[1]) ? null : t('promo.date_window', { from: fmtDate(WINDOW[0]), to: fmtDate(WINDOW[1]) });
}

function promotionFields(names, { create } = {}) {
  return [
    ...(create ? [
      { name: 'kind', label: t('promo.kind'), type: 'select', required: true, options: PROMO_KINDS.map((k) => ({ value: k, label: t(`promo.kind.${k}`) })) },
      { name: 'code', label: t('promo.code'), required: true, mono: true, hint: t('promo.code_hint'),
        validate: (v) => (/^[A-Za-z0-9+._-]{1,40}$/.test(v) ? null : t('promo.code_hint')) },
    ] : []),
    { name: 'name_ru', label: t('catalog.name_ru'), required: true, span: 2 },
    { name: 'name_en', label: t('catalog.name_en'), required: true, span: 2 },
    { name: 'tariff', label: t('promo.tariff'), type: 'select', span: 2, hint: t('promo.tariff_hint'),
      options: [{ value: '', label: t('promo.no_tariff') }, ...names.mains.map((x) => ({ value: x.code, label: nameOf(x) }))],
      validate: (v, a) => ((a.kind || names.kind) === 'offer' && !v ? t('promo.offer_needs_tariff') : null) },
    { name: 'valid_from', label: t('catalog.valid_from'), type: 'date', required: true, validate: dateInWindow },
    { name: 'last_day', label: t('promo.last_day'), type: 'date', hint: t('catalog.valid_to_hint'),
      validate: (v, a) => dateInWindow(v) || (v && a.valid_from && v < a.valid_from ? t('promo.last_before_first') : null) },
  ];
}

/** The server names its fields; say the same in the person's language. */
function promotionError(err) {
  if (!(err instanceof ApiError) || !err.field) return err;
  const field = err.field === 'valid_to' ? 'last_day' : err.field;
  const known = { code: err.code === 'conflict' ? 'promo.code_taken' : 'promo.code_hint', tariff: 'promo.offer_needs_tariff',
    valid_from: 'promo.date_window', last_day: 'promo.bad_last_day' };
  if (!known[field]) return err;
  return new ApiError(err.status, { code: err.code, field,
    detail: t(known[field], { from: fmtDate(WINDOW[0]), to: fmtDate(WINDOW[1]) }) });
}

function promotionBody(v) {
  return {
    name_ru: v.name_ru, name_en: v.name_en, tariff: v.tariff || null,
    valid_from: v.valid_from, valid_to: v.last_day ? dayShift(v.last_day, 1) : null,
  };
}

async function editPromotion(p, names) {
  return formDialog({
    title: t('promo.edit_title', { name: nameOf(p) }), text: t(`promo.edit_text.${p.kind}`), wide: true,
    fields: promotionFields({ ...names, kind: p.kind }),
    values: { name_ru: p.name_ru, name_en: p.name_en, tariff: p.tariff || '', valid_from: p.valid_from, last_day: lastDayOf(p) },
    onSubmit: async (v) => {
      const body = promotionBody(v);
      if (p.kind !== 'offer' && !p.tariff && !body.tariff) delete body.tariff;
      try { await patch(`/api/v1/promotions/${encodeURIComponent(p.code)}`, body); } catch (err) { throw promotionError(err); }
      toast(t('promo.saved'));
    },
  });
}

async function newPromotion(names) {
  return formDialog({
    title: t('promo.new'), text: t('promo.new_text'), wide: true,
    fields: promotionFields(names, { create: true }),
    values: { kind: 'offer', valid_from: today() },
    submitLabel: t('promo.create'),
    onSubmit: async (v) => {
      const body = { code: v.code, kind: v.kind, ...promotionBody(v) };
      if (!body.tariff) delete body.tariff;
      if (!body.valid_to) delete body.valid_to;
      try { await post('/api/v1/promotions', body); } catch (err) { throw promotionError(err); }
      toast(t('promo.created'));
    },
  });
}

function priceFields(tr, { standard } = {}) {
  const terms = tr.kind === 'trial' || tr.kind === 'short_extension' ? [0] : (tr.version?.options?.terms || TERMS);
  return terms;
}

async function addPrice(tr) {
  const terms = priceFields(tr);
  return formDialog({
    title: t('catalog.add_price_title', { code: nameOf(tr) }), text: t('catalog.add_price_text'),
    fields: [
      { name: 'term', label: t('catalog.term'), type: 'select', required: true, options: terms.map((n) => ({ value: n, label: n ? tn('catalog.term_n', n) : t('catalog.term_fixed') })) },
      { name: 'amount', label: t('catalog.amount_rub'), required: true, inputmode: 'decimal', hint: t('catalog.amount_hint'),
        validate: (v) => (Number.isNaN(kopecks(v)) ? t('catalog.bad_amount') : null) },
      { name: 'valid_from', label: t('catalog.valid_from'), type: 'date', required: true },
      { name: 'valid_to', label: t('catalog.valid_to'), type: 'date', hint: t('catalog.valid_to_hint'),
        validate: (v, all_) => (v && all_.valid_from && v <= all_.valid_from ? t('catalog.to_after_from') : null) },
    ],
    values: { valid_from: today(), amount: rub(tr.price_now?.[String(terms[0])]) },
    submitLabel: t('catalog.add_price'),
    onSubmit: async (v) => {
      try {
        await post(`/api/v1/tariffs/${tr.id}/prices`, { term: Number(v.term), amount: kopecks(v.amount), valid_from: v.valid_from, valid_to: v.valid_to || null });
      } catch (err) { throw remap(err, [['term', 'term'], ['amount', 'amount'], ['valid_from', 'valid_from'], ['valid_to', 'valid_to']]); }
      toast(t('catalog.price_added'));
    },
  });
}

async function editTariff(tr) {
  return formDialog({
    title: t('catalog.edit_title', { code: nameOf(tr) }),
    text: tr.version?.in_use ? t('catalog.edit_in_use') : t('catalog.edit_text'),
    wide: true,
    fields: [
      { name: 'name_ru', label: t('catalog.name_ru'), required: true },
      { name: 'name_en', label: t('catalog.name_en'), required: true },
      { name: 'options', label: t('catalog.options_json'), type: 'textarea', rows: 10, span: 2, required: true, hint: t('catalog.options_hint'),
        validate: (v) => { try { const o = JSON.parse(v); return o && typeof o === 'object' && !Array.isArray(o) ? null : t('catalog.options_object'); } catch (e) { return t('catalog.options_bad_json', { msg: e.message }); } } },
      { name: 'active', label: t('catalog.active_check'), type: 'checkbox' },
    ],
    values: { name_ru: tr.name_ru, name_en: tr.name_en, options: JSON.stringify(tr.version?.options || {}, null, 2), active: tr.active },
    onSubmit: async (v) => {
      const body = { name_ru: v.name_ru, name_en: v.name_en, active: v.active };
      const opts = JSON.parse(v.options);
      if (JSON.stringify(opts) !== JSON.stringify(tr.version?.options || {})) body.options = opts;
      let r;
      try { r = await patch(`/api/v1/tariffs/${tr.id}`, body); } catch (err) { throw remap(err, [['options', 'options'], ['name_ru', 'name_ru'], ['name_en', 'name_en']]); }
      toast(r?.version && tr.version && r.version.number !== tr.version.number ? t('catalog.saved_new_version', { n: r.version.number }) : t('common.saved'));
    },
  });
}

// ---- provider: ITS contracts ------------------------------------------------------
export async function itsContracts(main) {
  setTitle(t('its.title'));
  let table;
  // ITS contracts are recorded by the provider's admins and operators (ob_its_create)
  const add = button(t('its.add'), async () => {
    let partners = [];
    try { partners = await all('/api/v1/partners'); } catch { /* typed by id then */ }
    const ok = await formDialog({
      title: t('its.add'), text: t('its.add_text'), wide: true,
      fields: [
        { name: 'number', label: t('its.number'), required: true, mono: true },
        { name: 'level', label: t('its.level'), type: 'select', required: true, options: ['PROF', 'TEHNO'].map((l) => ({ value: l, label: l })) },
        { name: 'partner', label: t('its.partner'), type: 'select', required: true, span: 2,
          options: [{ value: '', label: t('its.pick_partner') }, ...partners.map((p) => ({ value: p.id, label: `${p.name} · ${p.inn}` }))] },
        { name: 'inn', label: t('its.inn'), inputmode: 'numeric', hint: t('its.inn_hint') },
        { name: 'subscriber', label: t('its.subscriber'), inputmode: 'numeric', hint: t('its.subscriber_hint') },
        { name: 'valid_from', label: t('its.valid_from'), type: 'date', required: true },
        { name: 'valid_to', label: t('its.valid_to'), type: 'date', required: true,
          validate: (v, a) => (v && a.valid_from && v <= a.valid_from ? t('catalog.to_after_from') : null) },
        { name: 'note', label: t('field.note'), type: 'textarea', span: 2 },
      ],
      values: { valid_from: today(), level: 'PROF' },
      submitLabel: t('its.save'),
      onSubmit: async (v) => {
        if (!v.inn && !v.subscriber) throw new ApiError(400, { code: 'invalid', field: 'inn', detail: t('its.inn_or_subscriber') });
        const body = { number: v.number, level: v.level, partner: Number(v.partner), valid_from: v.valid_from, valid_to: v.valid_to };
        if (v.inn) body.inn = v.inn;
        if (v.subscriber) body.subscriber = Number(v.subscriber);
        if (v.note) body.note = v.note;
        await post('/api/v1/its-contracts', body);
      },
    });
    if (ok) { toast(t('its.added')); table.reload(); }
  }, { kind: 'primary', ...roleGate(['admin', 'operator']) });
  table = dataTable({
    url: '/api/v1/its-contracts',
    columns: [
      { key: 'number', label: t('its.number'), render: (c) => h('strong', { class: 'mono', text: c.number }) },
      { key: 'level', label: t('its.level'), render: (c) => h('span', { class: 'badge badge-info', text: c.level }) },
      { key: 'partner', label: t('its.partner'), sort: (c) => c.partner?.name, render: (c) => (c.partner ? h('a', { href: `/partners/${c.partner.id}`, text: c.partner.name }) : null) },
      { key: 'inn', label: t('its.client'), render: (c) => h('span', {}, c.inn ? h('span', { class: 'mono', text: c.inn }) : null,
        c.subscriber ? h('span', { class: 'cell-sub muted', text: c.subscriber_name || '' }) : null) },
      { key: 'valid_from', label: t('its.valid'), cls: 'nowrap', render: (c) => `${fmtDate(c.valid_from)} — ${fmtDate(c.valid_to)}` },
      { key: 'note', label: t('field.note'), cls: 'wrap' },
    ],
    empty: { title: t('its.empty'), text: t('its.empty_text') },
  });
  main.append(pageHeader(t('its.title'), { subtitle: t('its.subtitle'), actions: add }), table.el);
}

// ---- partner: its tariffs ---------------------------------------------------------
export async function partnerTariffs(main) {
  setTitle(t('ptariffs.title'));
  const acc = account();
  let table;
  // a partner's tariffs are made by its owner and operators (ob_partner_tariff_create)
  const create = button(t('ptariffs.new'), async () => {
    let std = [];
    try { std = (await all('/api/v1/tariffs')).filter((x) => !x.partner && x.kind === 'main' && x.active && !x.version?.options?.partner_own); } catch { std = []; }
    const byCode = Object.fromEntries(std.map((x) => [x.code, x]));
    const termField = (n) => ({
      name: `price_${n}`, label: t('ptariffs.price_term', { n }), inputmode: 'decimal',
      validate: (v, a) => {
        const base = byCode[a.base];
        const allowed = base && (base.version?.options?.terms || TERMS).includes(n);
        if (!v) return null;
        if (!allowed) return t('ptariffs.term_not_allowed');
        const k = kopecks(v);
        if (Number.isNaN(k)) return t('catalog.bad_amount');
        const floor = base.price_now?.[String(n)];
        if (floor !== undefined && k < floor) return t('ptariffs.below_standard', { amount: fmtMoney(floor) });
        return null;
      },
    });
    const ok = await formDialog({
      title: t('ptariffs.new'), text: t('ptariffs.new_text'), wide: true,
      fields: [
        { name: 'base', label: t('ptariffs.base'), type: 'select', required: true, span: 2, options: std.map((x) => ({ value: x.code, label: nameOf(x) })) },
        { name: 'code', label: t('catalog.code'), required: true, mono: true, hint: t('ptariffs.code_hint') },
        { name: 'name_ru', label: t('catalog.name_ru'), required: true },
        ...TERMS.map(termField),
      ],
      values: { base: std[0]?.code },
      submitLabel: t('ptariffs.create'),
      onChange: (v, inputs) => {
        const base = byCode[v.base];
        for (const n of TERMS) {
          const input = inputs[`price_${n}`];
          const floor = base?.price_now?.[String(n)];
          const allowed = base && (base.version?.options?.terms || TERMS).includes(n);
          input.disabled = !allowed;
          input.placeholder = floor !== undefined ? rub(floor) : '';
          const hint = input.parentElement.querySelector('.hint') || input.parentElement.insertBefore(h('div', { class: 'hint' }), input.nextSibling);
          hint.textContent = !allowed ? t('ptariffs.term_not_allowed') : floor !== undefined ? t('ptariffs.standard', { amount: fmtMoney(floor) }) : '';
        }
      },
      onSubmit: async (v) => {
        const base = byCode[v.base];
        const prices = TERMS.filter((n) => v[`price_${n}`]).map((n) => ({ term: n, amount: kopecks(v[`price_${n}`]) }));
        if (!prices.length) throw new ApiError(400, { code: 'invalid', field: `price_${(base?.version?.options?.terms || TERMS)[0]}`, detail: t('ptariffs.one_price') });
        try {
          await post('/api/v1/partner-tariffs', { partner: acc.id, base: v.base, code: v.code, name_ru: v.name_ru, prices });
        } catch (err) {
          const m = /^prices\[(\d+)\]/.exec(err.field || '');
          if (m && prices[Number(m[1])]) throw new ApiError(err.status, { code: err.code, field: `price_${prices[Number(m[1])].term}`, detail: err.detail, reason: err.reason, params: { field: err.field, ...err.params } });
          throw remap(err, [['prices', `price_${prices[0].term}`]]);
        }
      },
    });
    if (ok) { toast(t('ptariffs.created')); table.reload(); }
  }, { kind: 'primary', ...roleGate(['owner', 'operator']) });
  /* the base by its name: the standard tariffs are a short list */
  let stdNames = {};
  const baseName = (x) => stdNames[x.base?.code] || x.base?.code || '';
  try { stdNames = Object.fromEntries((await all('/api/v1/tariffs')).filter((x) => !x.partner).map((x) => [x.code, nameOf(x)])); } catch { /* codes then */ }
  table = dataTable({
    url: withQuery('/api/v1/partner-tariffs', { partner: acc.id }),
    columns: [
      ...tariffColumns().filter((c) => c.key !== 'version'),
      { key: 'base', label: t('ptariffs.base'), sort: (x) => baseName(x), render: (x) => (x.base ? h('span', { text: baseName(x) }) : null) },
    ],
    empty: { title: t('ptariffs.empty'), text: t('ptariffs.empty_text') },
  });
  main.append(pageHeader(t('ptariffs.title'), { subtitle: t('ptariffs.subtitle'), actions: create }), table.el);
}
