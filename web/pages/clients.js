// The partner's clients with their access end dates: a chart of access ending
// per week, filters and sorting by end date, Renew (quote → confirm), and a
// change or cancellation request of the current main for the provider (R-SUB-2).
import { t, tn, tOr, fmtDate, fmtMoney, currentLang } from '../i18n.js';
import { get, post, withQuery, ApiError } from '../api.js';
import {
  h, clear, badge, card, button, formDialog, toast, pageHeader, form, emptyState, loading, errorBox,
} from '../ui.js';
import { setTitle, navigate, account, today as businessToday } from '../session.js';
import { all, TERMS } from './catalog.js';

const SVG = 'http://www.w3.org/2000/svg';
const ACCESS_KINDS = ['trial', 'main', 'deferred_renewal'];
const addDays = (d, n) => new Date(Date.parse(`${d}T00:00:00Z`) + n * 86400000).toISOString().slice(0, 10);
const daysBetween = (a, b) => Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86400000);

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

/** An SVG bar chart: access ended already, then per week for the next 8 weeks. */
export function endingChart(clients, today) {
  const buckets = [{ label: t('clients.chart_ended'), n: 0, past: true }];
  for (let w = 0; w < 8; w++) buckets.push({ label: fmtShort(addDays(today, w * 7)), n: 0, from: addDays(today, w * 7) });
  for (const c of clients) {
    if (!c.end) continue;
    const d = daysBetween(today, c.end); // access ends at 00:00 on `end`
    if (d <= 0) buckets[0].n++;
    else if (d <= 56) buckets[1 + Math.floor((d - 1) / 7)].n++;
  }
  const W = 640; const H = 170; const top = 18; const bottom = 34; const left = 8; const gap = 10;
  const bw = (W - left * 2 - gap * (buckets.length - 1)) / buckets.length;
  const max = Math.max(1, ...buckets.map((b) => b.n));
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('class', 'chart');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', t('clients.chart_title'));
  const el = (name, attrs, text) => {
    const e = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    svg.append(e);
    return e;
  };
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

function fmtShort(d) {
  return new Intl.DateTimeFormat(currentLang() === 'ru' ? 'ru-RU' : 'en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' }).format(new Date(`${d}T12:00:00Z`));
}

export async function clients(main, { query }) {
  setTitle(t('clients.title'));
  const acc = account();
  const filters = { from: query.get('from') || '', to: query.get('to') || '', sort: query.get('sort') === '-end' ? '-end' : 'end' };
  const body = h('div');
  main.append(pageHeader(t('clients.title'), { subtitle: t('clients.subtitle') }), body);
  body.append(loading());
  let subs;
  try { subs = await all(withQuery('/api/v1/subscriptions', { partner: acc.id, sort: 'end' })); } catch (err) { clear(body).append(errorBox(err)); return; }
  const list = groupClients(subs);
  const today = businessToday();
  clear(body);

  const f = form({
    fields: [
      { name: 'from', label: t('clients.through_from'), type: 'date' },
      { name: 'to', label: t('clients.through_to'), type: 'date' },
      { name: 'sort', label: t('clients.sort'), type: 'select', options: [{ value: 'end', label: t('clients.sort_end') }, { value: '-end', label: t('clients.sort_end_desc') }] },
    ],
    values: filters, submitLabel: t('audit.apply'), cls: 'form-filters form-filters-3',
    onSubmit: async (v) => { navigate(withQuery('/clients', { from: v.from, to: v.to, sort: v.sort === 'end' ? '' : v.sort })); },
  });
  const shown = list
    .filter((c) => (!filters.from || (c.through && c.through >= filters.from)) && (!filters.to || (c.through && c.through <= filters.to)))
    .sort((a, b) => (a.through || '9999').localeCompare(b.through || '9999') * (filters.sort === '-end' ? -1 : 1));

  const canRequest = (acc.roles || []).some((r) => r === 'owner' || r === 'operator');
  const rows = shown.map((c) => {
    const ended = c.end && c.end <= today;
    const left = c.end ? daysBetween(today, c.end) : null;
    return h('tr', { dataset: { subscriber: String(c.subscriber.id) } },
      h('td', { class: 'num' }, h('span', { class: 'mono', text: String(c.subscriber.code) })),
      h('td', {}, h('a', { href: `/subscribers/${c.subscriber.id}` }, h('strong', { text: c.subscriber.name }))),
      h('td', {}, c.current ? h('span', {}, h('span', { class: 'mono', text: c.current.tariff.code }),
        h('span', { class: 'cell-sub muted', text: c.current.kind === 'main' ? tn('clients.term_months', c.current.term_months) : tOr(`sub_kind.${c.current.kind}`, c.current.kind) })) : '—'),
      h('td', { class: 'nowrap', 'data-testid': 'through' }, c.through ? t('clients.through', { date: fmtDate(c.through) }) : '—',
        left !== null ? h('span', { class: 'cell-sub muted', text: ended ? tn('clients.ended_ago', -left) : tn('clients.days_left', left) }) : null),
      h('td', {}, ended ? badge('blocked') : left !== null && left <= 7 ? badge('ending', { tone: 'warn', label: t('clients.ending') }) : badge('active', { label: t('clients.has_access') })),
      h('td', { class: 'actions' }, c.current && c.current.tariff.code !== 'PARTNER-OWN' ? button(t('clients.renew'), () => renew(c, today), { small: true, kind: 'primary' }) : null,
        canRequest && c.current && c.current.kind === 'main' && c.current.tariff.code !== 'PARTNER-OWN'
          ? [' ', button(t('clients.request'), () => requestChange(c), { small: true })] : null));
  });
  const table = shown.length
    ? h('div', { class: 'table-scroll' }, h('table', { class: 'table' },
      h('thead', {}, h('tr', {}, [t('subscribers.code'), t('subscribers.name'), t('clients.tariff'), t('clients.access'), t('common.state'), '']
        .map((l, i) => h('th', { scope: 'col', class: i === 0 ? 'num' : i === 5 ? 'actions' : null, text: l })))),
      h('tbody', {}, rows)))
    : emptyState(list.length ? t('clients.empty_filtered') : t('clients.empty'), list.length ? null : t('clients.empty_text'));
  body.append(
    card(t('clients.chart_title'), h('div', {}, endingChart(list, today), h('p', { class: 'note', text: t('clients.chart_note', { date: fmtDate(today) }) }))),
    card('', f.el, { cls: 'card-filters' }),
    h('div', { class: 'table-wrap' }, h('div', { class: 'table-body' }, table),
      h('div', { class: 'table-foot' }, h('span', { class: 'muted', text: t('table.rows', { count: shown.length }) }))));

  async function renew(c, day) {
    const ok = await renewDialog(c, day);
    if (ok) { toast(t('clients.renewed', { name: c.subscriber.name, date: fmtDate(addDays(ok.end, -1)) })); navigate(location.pathname + location.search, { replace: true }); }
  }

  async function requestChange(c) {
    const r = await requestDialog(c);
    if (!r || !r.id) return;
    const p = { kind: tOr(`request.${r.kind}`, r.kind), name: c.subscriber.name, state: tOr(`state.${r.state}`, r.state) };
    toast(r.late ? t('clients.req_filed_late', p) : t('clients.req_filed', p));
  }
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
  const quoteBox = h('div', { class: 'quote', 'data-testid': 'quote', 'aria-live': 'polite' });
  let seq = 0;
  const bodyOf = (v) => {
    const b = { subscriber: c.subscriber.id, kind: 'main', tariff: v.tariff, term_months: Number(v.term_months), start: v.start };
    if (!paid) b.declarations = { new_client: !!v.new_client };
    return b;
  };
  const showQuote = async (v) => {
    const my = ++seq;
    clear(quoteBox).append(h('div', { class: 'muted', text: t('clients.quoting') }));
    try {
      const q = await post('/api/v1/subscriptions/quote', bodyOf(v));
      if (my !== seq) return;
      clear(quoteBox).append(h('dl', { class: 'quote-grid' },
        h('dt', { text: t('clients.q_period') }), h('dd', { text: `${fmtDate(q.start)} — ${fmtDate(q.through)}` }),
        h('dt', { text: t('clients.q_price') }), h('dd', { text: fmtMoney(q.price) }),
        h('dt', { text: t('clients.q_rule') }), h('dd', { 'data-testid': 'rule' },
          h('span', { class: 'badge badge-info', text: ruleLabel(q.discount?.rule) }), ' ',
          h('strong', { text: t('clients.q_pct', { pct: q.discount?.pct ?? 0 }) })),
        h('dt', { class: 'quote-due', text: t('clients.q_due') }), h('dd', { class: 'quote-due', 'data-testid': 'amount-due', text: fmtMoney(q.amount_due) })));
    } catch (err) {
      if (my !== seq) return;
      clear(quoteBox).append(errorBox(err));
    }
  };
  const fields = [
    { name: 'tariff', label: t('clients.tariff'), type: 'select', required: true, span: 2, options: tariffs.map((x) => ({ value: x.code, label: `${x.code} — ${currentLang() === 'ru' ? x.name_ru : x.name_en || x.name_ru}` })) },
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
        if (err instanceof ApiError && err.field && !['tariff', 'term_months', 'start'].includes(err.field)) throw new ApiError(err.status, { code: err.code, detail: err.detail });
        throw err;
      }
    },
  });
}
