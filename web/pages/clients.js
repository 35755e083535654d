// The partner's dialogs about a client's subscriptions, shared by the one
// client list (/subscribers) and the client card: the chart of access ending
// per week (counted by the server), Renew or post a main (quote → confirm), a
// partner-entered extension such as SESSIONS+1 (R-SUB-3), a change or
// cancellation request of the current main (R-SUB-2), and the additional
// information a posting needs, asked for in place when it is incomplete (R-ACC-5).
import { t, tn, tOr, fmtDate, fmtMoney, currentLang, localName } from '../i18n.js';
import { get, post, put, withQuery, ApiError } from '../api.js';
import {
  h, clear, formDialog, errorBox, svgChart,
} from '../ui.js';
import { navigate, account } from '../session.js';
import { all, TERMS } from './catalog.js';

const SVG = 'http://www.w3.org/2000/svg';
const ACCESS_KINDS = ['trial', 'main', 'deferred_renewal', 'its_local'];
const addDays = (d, n) => new Date(Date.parse(`${d}T00:00:00Z`) + n * 86400000).toISOString().slice(0, 10);
export const daysBetween = (a, b) => Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86400000);

export const RULES = ['new_client', 'first_continuous_renewal', 'later_renewal', 'renewal_after_gap', 'from_local_its',
  'partner_without_csk', 'individual_terms', 'first_paid_not_new_client', 'direct'];
export const ruleLabel = (r) => tOr(`rule.${r}`, r || '—');

/** Per client: the subscriptions, access through (max end − 1), the main to renew. */
export function groupClients(subs) {
  const by = new Map();
  for (const s of subs) {
    const c = by.get(s.subscriber.id) || { subscriber: s.subscriber, subs: [], end: null, current: null };
    c.subs.push(s);
    if (ACCESS_KINDS.includes(s.kind) && s.state !== 'cancelled') {
      if (!c.end || s.end > c.end) c.end = s.end;
      const better = !c.current || (s.kind === 'main' && (c.current.kind !== 'main' || s.end > c.current.end))
        || (s.kind !== 'main' && c.current.kind !== 'main' && s.end > c.current.end);
      if (better) c.current = s;
    }
    by.set(s.subscriber.id, c);
  }
  return [...by.values()].map((c) => ({ ...c, through: c.end ? addDays(c.end, -1) : null }));
}

/** The client's subscriptions, grouped as the dialogs want them. */
export async function loadClient(sub) {
  const subs = await all(withQuery('/api/v1/subscriptions', { subscriber: sub.id, sort: '-end' }));
  return groupClients(subs)[0] || { subscriber: sub, subs: [], end: null, current: null, through: null };
}

/** An SVG bar chart from GET /api/v1/subscribers/access-ends: ended, then per week. */
export function endingChart(data) {
  const buckets = [{ label: t('clients.chart_ended'), n: data.ended, past: true },
    ...data.weeks.map((w) => ({ label: fmtShort(w.from), n: w.count, from: w.from }))];
  const W = 640; const H = 170; const top = 18; const bottom = 34; const left = 8; const gap = 10;
  const bw = (W - left * 2 - gap * (buckets.length - 1)) / buckets.length;
  const max = Math.max(1, ...buckets.map((b) => b.n));
  const { svg, el } = svgChart(W, H, 'chart', t('clients.chart_title'));
  el('line', { x1: 0, x2: W, y1: H - bottom, y2: H - bottom, class: 'chart-axis' });
  buckets.forEach((b, i) => {
    const x = left + i * (bw + gap);
    const bh = b.n ? Math.max(3, ((H - top - bottom) * b.n) / max) : 0;
    const r = el('rect', { x, y: H - bottom - bh, width: bw, height: bh, rx: 3, class: b.past ? 'chart-bar chart-bar-past' : 'chart-bar' });
    const title = document.createElementNS(SVG, 'title');
    title.textContent = b.past ? tn('clients.chart_tip_ended', b.n) : tn('clients.chart_tip_week', b.n, { date: fmtDate(b.from) });
    r.append(title);
    el('text', { x: x + bw / 2, y: H - bottom - bh - 5, class: 'chart-value', 'text-anchor': 'middle' }, String(b.n));
    el('text', { x: x + bw / 2, y: H - bottom + 16, class: b.past ? 'chart-label chart-label-past' : 'chart-label', 'text-anchor': 'middle' }, b.label);
  });
  return svg;
}

export function fmtShort(d) {
  return new Intl.DateTimeFormat(currentLang() === 'ru' ? 'ru-RU' : 'en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' }).format(new Date(`${d}T12:00:00Z`));
}

/** The old Clients page is the one client list now. */
export function clients() {
  navigate(`/subscribers${location.search}`, { replace: true });
}

// ---- additional information, asked for where a posting needs it (R-ACC-5) ----
export const INFO_REQUIRED = ['legal_name', 'inn', 'contact_person', 'phone', 'email', 'region'];
export const INFO_FIELDS = [
  { name: 'legal_name', label: () => t('info.legal_name'), span: 2 },
  { name: 'inn', label: () => t('field.inn'), inputmode: 'numeric' },
  { name: 'kpp', label: () => t('field.kpp'), inputmode: 'numeric' },
  { name: 'contact_person', label: () => t('info.contact_person') },
  { name: 'phone', label: () => t('field.phone'), type: 'tel' },
  { name: 'email', label: () => t('field.email'), type: 'email' },
  { name: 'region', label: () => t('field.region') },
];

/** A posting refused for incomplete information: the fields still empty, else null. */
export async function infoMissing(err, id) {
  if (!(err instanceof ApiError) || err.status !== 400 || err.field !== 'subscriber') return null;
  try {
    const info = await get(`/api/v1/subscribers/${id}/info`);
    if (info.complete) return null;
    return { info, missing: INFO_REQUIRED.filter((k) => !info[k]) };
  } catch { return null; }
}

/** The form of the missing fields; true once saved complete. */
export async function infoDialog(sub, { info, missing }) {
  const fields = INFO_FIELDS.filter((f) => missing.includes(f.name))
    .map((f) => ({ ...f, label: f.label(), required: true, span: f.span || (missing.length === 1 ? 2 : 1) }));
  const ok = await formDialog({
    title: t('client.info_needed_title', { name: sub.name }),
    text: t('client.info_needed_text'),
    wide: true,
    fields,
    values: info,
    submitLabel: t('client.info_save_continue'),
    onSubmit: async (v) => {
      const body = {};
      for (const k of ['legal_name', 'inn', 'kpp', 'contact_person', 'phone', 'email', 'region', 'leave_reason', 'leave_comment']) {
        if (info[k] !== undefined && info[k] !== null) body[k] = info[k];
      }
      return put(`/api/v1/subscribers/${sub.id}/info`, { ...body, ...v });
    },
  });
  return !!(ok && ok.complete);
}

/** Run a posting dialog; when it is refused for incomplete information, ask for it and run it again. */
export async function withInfo(sub, open) {
  for (let i = 0; i < 3; i++) {
    const r = await open();
    if (!r || !r.needInfo) return r;
    if (!(await infoDialog(sub, r.needInfo))) return null;
  }
  return null;
}

/** A quote shown live in a dialog: show(v) posts bodyOf(v) to the quote route and draws it
 * with render(q, v) into box; a later call wins over an earlier one still in flight, and a
 * refusal is drawn by failed(err) (or as an error box). */
function quoter(bodyOf, render, failed = async (err) => errorBox(err)) {
  const box = h('div', { class: 'quote', 'data-testid': 'quote', 'aria-live': 'polite' });
  let seq = 0;
  const show = async (v) => {
    const my = ++seq;
    clear(box).append(h('div', { class: 'muted', text: t('clients.quoting') }));
    try {
      const q = await post('/api/v1/subscriptions/quote', bodyOf(v));
      if (my === seq) clear(box).append(render(q, v));
    } catch (err) {
      const shown = await failed(err);
      if (my === seq) clear(box).append(shown);
    }
  };
  return { box, show };
}

/** A partner-entered extension of the main (R-SUB-3): SESSIONS+1 and the like, quote first. */
export async function extensionDialog(c) {
  let tariffs = [];
  try { tariffs = (await all('/api/v1/tariffs')).filter((x) => x.kind === 'extension' && x.active !== false); } catch { tariffs = []; }
  const bodyOf = (v) => ({ subscriber: c.subscriber.id, kind: 'extension', tariff: v.tariff, quantity: Number(v.quantity) || 1 });
  const { box: quoteBox, show: showQuote } = quoter(bodyOf, (q, v) => {
    const x = tariffs.find((y) => y.code === v.tariff);
    const add = (x?.version?.options?.sessions_add || 0) * (Number(v.quantity) || 1);
    return h('dl', { class: 'quote-grid' },
      h('dt', { text: t('clients.q_period') }), h('dd', { text: `${fmtDate(q.start)} — ${fmtDate(q.through)}` }),
      add ? [h('dt', { text: t('client.ext_adds') }), h('dd', { 'data-testid': 'adds', text: t('client.ext_sessions', { n: add }) })] : null,
      h('dt', { text: t('clients.q_price') }), h('dd', { text: fmtMoney(q.price) }),
      h('dt', { class: 'quote-due', text: t('clients.q_due') }), h('dd', { class: 'quote-due', 'data-testid': 'amount-due', text: fmtMoney(q.amount_due) }));
  });
  return formDialog({
    title: t('client.ext_title', { name: c.subscriber.name }),
    text: t('client.ext_text'),
    wide: true,
    fields: [
      { name: 'tariff', label: t('clients.tariff'), type: 'select', required: true, options: tariffs.map((x) => ({ value: x.code, label: localName(x) })) },
      { name: 'quantity', label: t('client.ext_quantity'), type: 'number', min: 1, inputmode: 'numeric', required: true, hint: t('client.ext_quantity_hint') },
    ],
    values: { tariff: (tariffs.find((x) => x.code === 'SESSIONS+1') || tariffs[0])?.code, quantity: 1 },
    submitLabel: t('client.ext_confirm'),
    onChange: (v, inputs) => {
      if (!quoteBox.parentNode) inputs.tariff.closest('.form-grid').after(quoteBox);
      showQuote(v);
    },
    onSubmit: async (v) => {
      try { return await post('/api/v1/subscriptions', bodyOf(v)); } catch (err) {
        const need = await infoMissing(err, c.subscriber.id);
        if (need) return { needInfo: need };
        if (err instanceof ApiError && err.field && !['tariff', 'quantity'].includes(err.field)) throw new ApiError(err.status, { code: err.code, detail: err.detail, reason: err.reason, params: { field: err.field, ...err.params } });
        throw err;
      }
    },
  });
}

const CHANGE_FIELDS = ['term_months', 'start', 'tariff', 'quantity'];

/**
 * A change or cancellation request of the current main subscription (R-SUB-2):
 * the change fields are prefilled with the current values and only those
 * edited are sent; the provider applies or rejects the request later.
 */
export function requestDialog(c) {
  const cur = c.current;
  const now = { term_months: cur.term_months, start: cur.start, tariff: cur.tariff.code, quantity: cur.quantity ?? 1 };
  const terms = TERMS.includes(cur.term_months) ? TERMS : [...TERMS, cur.term_months].sort((a, b) => a - b);
  const fields = [
    { name: 'kind', label: t('clients.req_kind'), type: 'select', required: true, span: 2, options: ['subscription_change', 'subscription_cancel'].map((k) => ({ value: k, label: t(`request.${k}`) })) },
    { name: 'term_months', label: t('clients.term'), type: 'select', options: terms.map((n) => ({ value: n, label: tn('clients.term_months', n) })) },
    { name: 'start', label: t('clients.start'), type: 'date' },
    { name: 'tariff', label: t('clients.req_tariff'), mono: true },
    { name: 'quantity', label: t('clients.req_quantity'), type: 'number', min: 1, inputmode: 'numeric' },
    { name: 'reason', label: t('requests.reason'), type: 'textarea', required: true, span: 2 },
  ];
  return formDialog({
    title: t('clients.req_title', { name: c.subscriber.name }),
    text: t('clients.req_text', { tariff: cur.tariff.code, from: fmtDate(cur.start), through: fmtDate(addDays(cur.end, -1)) }),
    wide: true,
    fields,
    values: { kind: 'subscription_change', ...now, reason: '' },
    submitLabel: t('requests.send'),
    onChange: (v, inputs) => {
      for (const name of CHANGE_FIELDS) inputs[name].closest('.field').hidden = v.kind !== 'subscription_change';
    },
    onSubmit: async (v) => {
      const body = { kind: v.kind, subscription: cur.id, reason: v.reason };
      if (v.kind === 'subscription_change') {
        const changes = {};
        if (v.term_months && Number(v.term_months) !== now.term_months) changes.term_months = Number(v.term_months);
        if (v.start && v.start !== now.start) changes.start = v.start;
        if (v.tariff && v.tariff !== now.tariff) changes.tariff = v.tariff;
        if (v.quantity !== '' && Number(v.quantity) !== now.quantity) changes.quantity = Number(v.quantity);
        if (!Object.keys(changes).length) throw new ApiError(400, { code: 'invalid', detail: t('requests.no_changes') });
        body.changes = changes;
      }
      try { return await post('/api/v1/requests', body); } catch (err) {
        // 'changes.term_months' → under the term field; a field the form lacks → above the buttons
        if (err instanceof ApiError && err.field) {
          const name = err.field.replace(/^changes\./, '');
          throw new ApiError(err.status, { ...err.problem, code: err.code, field: fields.some((f) => f.name === name) ? name : null });
        }
        throw err;
      }
    },
  });
}

/** Renew: prefilled with the current tariff, term and start = current end; quote first. */
export async function renewDialog(c, today) {
  const acc = account();
  let tariffs = [];
  try {
    tariffs = (await all('/api/v1/tariffs')).filter((x) => x.kind === 'main' && x.active && !x.version?.options?.partner_own
      && (!x.partner || x.partner === acc.id));
  } catch { tariffs = []; }
  const cur = c.current;
  const paid = c.subs.some((s) => s.kind === 'main');
  const tariff = cur.kind === 'main' ? cur.tariff.code : (tariffs.find((x) => x.code === 'ITSaaS-PROF') || tariffs[0])?.code;
  const term = cur.kind === 'main' ? cur.term_months : 12;
  const termsOf = (code) => tariffs.find((x) => x.code === code)?.version?.options?.terms || TERMS;
  const bodyOf = (v) => {
    const b = { subscriber: c.subscriber.id, kind: 'main', tariff: v.tariff, term_months: Number(v.term_months), start: v.start };
    if (!paid) b.declarations = { new_client: !!v.new_client };
    return b;
  };
  const { box: quoteBox, show: showQuote } = quoter(bodyOf, (q) => h('dl', { class: 'quote-grid' },
    h('dt', { text: t('clients.q_period') }), h('dd', { text: `${fmtDate(q.start)} — ${fmtDate(q.through)}` }),
    h('dt', { text: t('clients.q_price') }), h('dd', { text: fmtMoney(q.price) }),
    h('dt', { text: t('clients.q_rule') }), h('dd', { 'data-testid': 'rule' },
      h('span', { class: 'badge badge-info', text: ruleLabel(q.discount?.rule) }), ' ',
      h('strong', { text: t('clients.q_pct', { pct: q.discount?.pct ?? 0 }) })),
    h('dt', { class: 'quote-due', text: t('clients.q_due') }), h('dd', { class: 'quote-due', 'data-testid': 'amount-due', text: fmtMoney(q.amount_due) })),
  async (err) => {
    const need = await infoMissing(err, c.subscriber.id);
    return need ? h('div', { class: 'alert alert-warn', 'data-testid': 'info-needed', text: t('client.info_needed_quote') }) : errorBox(err);
  });
  const fields = [
    { name: 'tariff', label: t('clients.tariff'), type: 'select', required: true, span: 2, options: tariffs.map((x) => ({ value: x.code, label: localName(x) })) },
    { name: 'term_months', label: t('clients.term'), type: 'select', required: true, options: TERMS.map((n) => ({ value: n, label: tn('clients.term_months', n) })) },
    { name: 'start', label: t('clients.start'), type: 'date', required: true, hint: cur.end && cur.end <= today ? t('clients.start_hint_gap') : t('clients.start_hint') },
  ];
  if (!paid) fields.push({ name: 'new_client', label: t('clients.decl_new_client'), type: 'checkbox', span: 2 });
  return formDialog({
    title: t('clients.renew_title', { name: c.subscriber.name }),
    text: t('clients.renew_text', { date: c.through ? fmtDate(c.through) : '—' }),
    wide: true,
    fields,
    values: { tariff, term_months: term, start: cur.end && cur.end > today ? cur.end : today, new_client: !paid },
    submitLabel: t('clients.confirm'),
    onChange: (v, inputs) => {
      const allowed = termsOf(v.tariff);
      for (const o of inputs.term_months.options) o.disabled = !allowed.includes(Number(o.value));
      if (!allowed.includes(Number(v.term_months))) { inputs.term_months.value = String(allowed[allowed.length - 1]); v.term_months = inputs.term_months.value; }
      if (!quoteBox.parentNode) {
        const grid = inputs.tariff.closest('.form-grid');
        grid.after(quoteBox);
      }
      showQuote(v);
    },
    onSubmit: async (v) => {
      try { return await post('/api/v1/subscriptions', bodyOf(v)); } catch (err) {
        const need = await infoMissing(err, c.subscriber.id);
        if (need) return { needInfo: need };
        if (err instanceof ApiError && err.field && !['tariff', 'term_months', 'start'].includes(err.field)) throw new ApiError(err.status, { code: err.code, detail: err.detail, reason: err.reason, params: { field: err.field, ...err.params } });
        throw err;
      }
    },
  });
}
