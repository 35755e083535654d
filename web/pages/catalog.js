// The catalog: the provider's applications, tariffs (options, prices, editing)
// and local ITS contracts; the partner's own tariffs on top of standard ones.
import { t, tOr, fmtDate, fmtMoney, currentLang } from '../i18n.js';
import { get, post, patch, withQuery, ApiError } from '../api.js';
import {
  h, badge, card, dataTable, button, tabs, formDialog, toast, pageHeader,
} from '../ui.js';
import { setTitle, navigate, account } from '../app.js';

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
  else if (apps.length) parts.push(t('catalog.opt_apps', { n: apps.length }));
  if (o.areas === 'unlimited') parts.push(t('catalog.opt_areas_unlimited'));
  else if (Array.isArray(o.areas)) parts.push(t('catalog.opt_areas_rules', { n: o.areas.length }));
  if (o.sessions !== undefined) parts.push(t('catalog.opt_sessions', { n: o.sessions }));
  if (o.sessions_add !== undefined) parts.push(t('catalog.opt_sessions_add', { n: o.sessions_add }));
  if (o.days !== undefined) parts.push(t('catalog.opt_days', { n: o.days }));
  if (Array.isArray(o.terms)) parts.push(t('catalog.opt_terms', { terms: o.terms.join(', ') }));
  if (o.requires_status) parts.push(t('catalog.opt_requires', { status: tOr(`status.${o.requires_status}`, o.requires_status) }));
  return parts.join(' · ');
}

export function pricesNow(tr) {
  const entries = Object.entries(tr.price_now || {});
  if (!entries.length) return h('span', { class: 'muted', text: t('catalog.no_price') });
  return h('span', { class: 'prices' }, entries.map(([term, amount]) => h('span', { class: 'price-chip' },
    h('span', { class: 'muted', text: term === '0' ? t('catalog.term_fixed') : t('catalog.term_n', { n: term }) }), ' ',
    h('strong', { text: fmtMoney(amount) }))));
}

const tariffColumns = () => [
  { key: 'code', label: t('catalog.code'), render: (tr) => h('span', {}, h('strong', { class: 'mono', text: tr.code }),
    h('span', { class: 'cell-sub muted', text: nameOf(tr) })) },
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
        const e = new ApiError(err.status, { code: err.code, field, detail: err.detail });
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
  if (tab === 'tariffs') {
    const columns = [...tariffColumns(), { key: '', label: '', sort: false, cls: 'actions', render: (tr) => h('span', { class: 'row-actions' },
      button(t('catalog.add_price'), async () => { if (await addPrice(tr)) table.reload(); }, { small: true, kind: 'ghost' }),
      button(t('common.edit'), async () => { if (await editTariff(tr)) table.reload(); }, { small: true, kind: 'ghost' })) }];
    table = dataTable({ url: '/api/v1/tariffs?limit=200', columns, exportable: false, empty: { title: t('catalog.empty_tariffs') } });
  } else if (tab === 'applications') {
    table = dataTable({
      url: '/api/v1/applications?limit=200', exportable: false,
      columns: [
        { key: 'code', label: t('catalog.code'), render: (a) => h('span', {}, h('strong', { class: 'mono', text: a.code }), h('span', { class: 'cell-sub muted', text: nameOf(a) })) },
        { key: 'version', label: t('catalog.app_version'), cls: 'mono' },
        { key: 'lists', label: t('catalog.lists'), sort: false, render: (a) => h('span', { class: 'roles' }, String(a.lists || '').split(',').filter(Boolean).map((l) => h('span', { class: 'role', text: l }))) },
        { key: 'restricted_to', label: t('catalog.restricted_to'), render: (a) => (a.restricted_to ? h('span', { class: 'badge badge-info', text: tOr(`status.${a.restricted_to}`, a.restricted_to) }) : null) },
        { key: 'free', label: t('catalog.free'), render: (a) => (a.free ? t('common.yes') : t('common.no')) },
        { key: 'active', label: t('common.state'), render: (a) => badge(a.active ? 'active' : 'expired', { label: a.active ? t('catalog.active') : t('catalog.inactive') }) },
      ],
      empty: { title: t('catalog.empty_apps') },
    });
  } else {
    table = dataTable({
      url: '/api/v1/promotions?limit=200', exportable: false,
      columns: [
        { key: 'code', label: t('catalog.code'), render: (p) => h('span', {}, h('strong', { class: 'mono', text: p.code }), h('span', { class: 'cell-sub muted', text: nameOf(p) })) },
        { key: 'tariff', label: t('catalog.tariff'), render: (p) => p.tariff || p.application },
        { key: 'valid_from', label: t('catalog.valid_from'), cls: 'nowrap', render: (p) => fmtDate(p.valid_from) },
        { key: 'valid_to', label: t('catalog.valid_to'), cls: 'nowrap', render: (p) => (p.valid_to ? fmtDate(p.valid_to) : t('catalog.open_ended')) },
      ],
      empty: { title: t('catalog.empty_promotions') },
    });
  }
  main.append(pageHeader(t('catalog.title'), { subtitle: t('catalog.subtitle') }),
    tabs(CAT_TABS.map((v) => ({ value: v, label: t(`catalog.tab_${v}`) })), tab, (v) => navigate(`/catalog?tab=${v}`)),
    table.el);
}

function priceFields(tr, { standard } = {}) {
  const terms = tr.kind === 'trial' || tr.kind === 'short_extension' ? [0] : (tr.version?.options?.terms || TERMS);
  return terms;
}

async function addPrice(tr) {
  const terms = priceFields(tr);
  return formDialog({
    title: t('catalog.add_price_title', { code: tr.code }), text: t('catalog.add_price_text'),
    fields: [
      { name: 'term', label: t('catalog.term'), type: 'select', required: true, options: terms.map((n) => ({ value: n, label: n ? t('catalog.term_n', { n }) : t('catalog.term_fixed') })) },
      { name: 'amount', label: t('catalog.amount_rub'), required: true, inputmode: 'decimal', hint: t('catalog.amount_hint'),
        validate: (v) => (Number.isNaN(kopecks(v)) ? t('catalog.bad_amount') : null) },
      { name: 'valid_from', label: t('catalog.valid_from'), type: 'date', required: true },
      { name: 'valid_to', label: t('catalog.valid_to'), type: 'date', hint: t('catalog.valid_to_hint'),
        validate: (v, all_) => (v && all_.valid_from && v <= all_.valid_from ? t('catalog.to_after_from') : null) },
    ],
    values: { valid_from: new Date().toISOString().slice(0, 10), amount: rub(tr.price_now?.[String(terms[0])]) },
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
    title: t('catalog.edit_title', { code: tr.code }),
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
  const add = button(t('its.add'), async () => {
    let partners = [];
    try { partners = await all('/api/v1/partners'); } catch { /* typed by id then */ }
    const today = new Date().toISOString().slice(0, 10);
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
      values: { valid_from: today, level: 'PROF' },
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
  }, { kind: 'primary' });
  table = dataTable({
    url: '/api/v1/its-contracts',
    columns: [
      { key: 'number', label: t('its.number'), render: (c) => h('strong', { class: 'mono', text: c.number }) },
      { key: 'level', label: t('its.level'), render: (c) => h('span', { class: 'badge badge-info', text: c.level }) },
      { key: 'partner', label: t('its.partner'), sort: (c) => c.partner?.name, render: (c) => (c.partner ? h('a', { href: `/partners/${c.partner.id}`, text: c.partner.name }) : null) },
      { key: 'inn', label: t('its.client'), render: (c) => h('span', {}, c.inn ? h('span', { class: 'mono', text: c.inn }) : null,
        c.subscriber ? h('span', { class: 'cell-sub muted', text: t('its.subscriber_n', { id: c.subscriber }) }) : null) },
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
        { name: 'base', label: t('ptariffs.base'), type: 'select', required: true, span: 2, options: std.map((x) => ({ value: x.code, label: `${x.code} — ${nameOf(x)}` })) },
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
          if (m && prices[Number(m[1])]) throw new ApiError(err.status, { code: err.code, field: `price_${prices[Number(m[1])].term}`, detail: err.detail });
          throw remap(err, [['prices', `price_${prices[0].term}`]]);
        }
      },
    });
    if (ok) { toast(t('ptariffs.created')); table.reload(); }
  }, { kind: 'primary' });
  table = dataTable({
    url: withQuery('/api/v1/partner-tariffs', { partner: acc.id }),
    columns: [
      ...tariffColumns().filter((c) => c.key !== 'version'),
      { key: 'base', label: t('ptariffs.base'), sort: (x) => x.base?.code, render: (x) => (x.base ? h('span', { class: 'mono', text: x.base.code }) : null) },
    ],
    empty: { title: t('ptariffs.empty'), text: t('ptariffs.empty_text') },
  });
  main.append(pageHeader(t('ptariffs.title'), { subtitle: t('ptariffs.subtitle'), actions: create }), table.el);
}
