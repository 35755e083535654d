// The money pages (R-BIL-1..4): the provider's distributors; a partner's
// monthly statements with their lines, each with the discount rule that chose
// it as a badge; the provider's month view (every partner's total, totals by
// payer, the run's progress, closing the month, a year's totals by rule).
import { t, tn, tOr, fmtDate, fmtDateTime, fmtMoney, currentLang, localName } from '../i18n.js';
import { get, post, patch, del, withQuery } from '../api.js';
import {
  h, badge, card, details, dataTable, button, tabs, formDialog, confirmDialog, toast, toastError, pageHeader, form, svgChart,
} from '../ui.js';
import { setTitle, navigate, account, kind, today } from '../session.js';
import { roleGate } from '../roles.js';
import { loadInto } from './common.js';

// ---- shared -------------------------------------------------------------------

/** "2026-11" → "ноябрь 2026" / "November 2026". */
export function fmtMonth(m) {
  if (!/^\d{4}-\d{2}$/.test(m || '')) return m || '—';
  const s = new Intl.DateTimeFormat(currentLang() === 'ru' ? 'ru-RU' : 'en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' })
    .format(new Date(`${m}-15T12:00:00Z`));
  return s.replace(/\s*г\.$/, '');
}
const fmtMonthShort = (m) => new Intl.DateTimeFormat(currentLang() === 'ru' ? 'ru-RU' : 'en-GB', { month: 'short', timeZone: 'UTC' })
  .format(new Date(`${m}-15T12:00:00Z`)).replace('.', '');

/** A statement's or a month's state: черновик (open, re-made by each run) or закрыт. */
export function stateBadge(state) {
  return state === 'closed' ? badge('closed', { tone: 'ok', label: t('stmt.state_closed') })
    : badge('draft', { tone: 'warn', label: t('stmt.state_draft') });
}

/** A discount rule by its name, never its code (ob_discount_rule's names; pages/keys.js 'rule.*'). */
export function ruleBadge(rule) {
  return h('span', { class: 'badge badge-info rule-badge', 'data-rule': rule || '' }, tOr(`rule.${rule}`, t('stmt.rule_other')));
}

/** Who a statement is addressed to, in words. */
export function payerText(p) {
  if (!p) return '—';
  if (p.kind === 'distributor') return p.name ? t('payer.via', { name: p.name }) : t('payer.distributor');
  return t('stmt.payer_provider');
}

const money = (v) => h('span', { class: 'num nowrap', text: fmtMoney(v) });

// ---- distributors (provider) ----------------------------------------------------

const DIST_FIELDS = () => [
  { name: 'name', label: t('dist.name'), required: true, span: 2 },
  { name: 'inn', label: t('field.inn'), required: true, inputmode: 'numeric' },
  { name: 'kpp', label: t('field.kpp'), inputmode: 'numeric' },
  { name: 'email', label: t('dist.email'), type: 'email', required: true, hint: t('dist.email_hint'), span: 2 },
  { name: 'address', label: t('field.address'), type: 'textarea', span: 2 },
];

async function editDistributor(d, reload) {
  const ok = await formDialog({
    title: d ? t('dist.edit_title', { name: d.name }) : t('dist.add'), wide: true,
    fields: DIST_FIELDS(), values: d || {},
    submitLabel: d ? t('common.save') : t('dist.add_do'),
    onSubmit: async (v) => {
      if (!d) return post('/api/v1/distributors', v);
      const changed = Object.fromEntries(Object.entries(v).filter(([k, x]) => (d[k] || '') !== x));
      return Object.keys(changed).length ? patch(`/api/v1/distributors/${d.id}`, changed) : d;
    },
  });
  if (ok) { toast(d ? t('dist.saved') : t('dist.added', { name: ok.name })); reload(); }
}

async function archiveDistributor(d, reload) {
  const archiving = d.state === 'active';
  const ok = await confirmDialog({
    title: archiving ? t('dist.archive_title', { name: d.name }) : t('dist.restore_title', { name: d.name }),
    text: archiving ? tn('dist.archive_text', d.partners) : t('dist.restore_text'),
    confirm: archiving ? t('dist.archive') : t('dist.restore'),
    onConfirm: () => patch(`/api/v1/distributors/${d.id}`, { state: archiving ? 'archived' : 'active' }),
  });
  if (ok) { toast(archiving ? t('dist.archived') : t('dist.restored')); reload(); }
}

async function deleteDistributor(d, reload) {
  const ok = await confirmDialog({
    title: t('dist.delete_title', { name: d.name }), text: t('dist.delete_text'), confirm: t('dist.delete'), danger: true,
    onConfirm: () => del(`/api/v1/distributors/${d.id}`),
  });
  if (ok) { toast(t('dist.deleted')); reload(); }
}

export async function distributors(main, { query }) {
  setTitle(t('dist.title'));
  const state = query.get('state') === 'archived' ? 'archived' : 'active';
  const admin = roleGate(['admin']);
  let table;
  const reload = () => table.reload();
  const actions = (d) => h('span', { class: 'row-actions' },
    button(t('common.edit'), () => editDistributor(d, reload), { small: true, ...admin }),
    button(d.state === 'active' ? t('dist.archive') : t('dist.restore'), () => archiveDistributor(d, reload), { small: true, kind: 'ghost', ...admin }),
    d.partners === 0 ? button(t('dist.delete'), () => deleteDistributor(d, reload), { small: true, kind: 'danger-ghost', ...admin }) : null);
  table = dataTable({
    url: withQuery('/api/v1/distributors', { state }),
    columns: [
      { key: 'name', label: t('dist.name'), render: (d) => h('span', {}, h('strong', { text: d.name }),
        d.address ? h('span', { class: 'cell-sub muted', text: d.address }) : null) },
      { key: 'inn', label: t('applications.inn_kpp'), render: (d) => h('span', { class: 'mono' }, d.inn, d.kpp ? h('span', { class: 'cell-sub muted', text: d.kpp }) : null) },
      { key: 'email', label: t('dist.email'), render: (d) => h('span', { class: 'nowrap', text: d.email }) },
      { key: 'partners', label: t('dist.partners'), cls: 'num', render: (d) => String(d.partners) },
      { key: '', label: '', sort: false, cls: 'actions', render: actions },
    ],
    empty: { title: state === 'active' ? t('dist.empty') : t('dist.empty_archived'), text: state === 'active' ? t('dist.empty_text') : null },
  });
  main.append(
    pageHeader(t('dist.title'), { subtitle: t('dist.subtitle'),
      actions: button(t('dist.add'), () => editDistributor(null, reload), { kind: 'primary', ...admin }) }),
    tabs([{ value: 'active', label: t('dist.tab_active') }, { value: 'archived', label: t('dist.tab_archived') }], state,
      (s) => navigate(`/distributors?state=${s}`)),
    table.el);
}

/** The payer card of a partner: on its «Организация» page and on the provider's partner card. */
export function payerCard(p, { note } = {}) {
  const rows = [[t('payer.settle'), p.settle_with === 'distributor' ? t('payer.distributor') : t('stmt.payer_provider')]];
  if (p.settle_with === 'distributor') rows.push([t('change.distributor'), p.distributor?.name || '—']);
  return card(t('payer.title'), h('div', { 'data-testid': 'payer' }, details(rows), note ? h('p', { class: 'note', text: note }) : null));
}

// ---- statements: the list (a partner's; the provider's of one partner) ---------

function downloads(s) {
  const base = `/api/v1/statements/${s.id}`;
  const link = (format, label) => h('a', { class: 'btn btn-secondary btn-sm', href: `${base}?format=${format}`, download: '', 'data-format': format, text: label });
  return h('span', { class: 'row-actions downloads' }, link('pdf', 'PDF'), link('xlsx', 'XLSX'), link('csv', 'CSV'));
}

export async function statements(main) {
  if (kind() === 'provider') { await months(main); return; }
  setTitle(t('stmt.title'));
  const table = dataTable({
    url: withQuery('/api/v1/statements', { partner: account().id }),
    rowHref: (s) => `/statements/${s.id}`,
    exportable: false,
    columns: [
      { key: 'month', label: t('stmt.month'), render: (s) => h('strong', { text: fmtMonth(s.month) }) },
      { key: 'state', label: t('common.state'), render: (s) => stateBadge(s.state) },
      { key: 'total_due', label: t('stmt.total_due'), cls: 'num', render: (s) => h('strong', {}, money(s.total_due)) },
      { key: 'number', label: t('stmt.number'), render: (s) => (s.number ? h('span', { class: 'mono nowrap', text: s.number }) : h('span', { class: 'muted', text: t('stmt.no_number') })) },
      { key: 'payer', label: t('stmt.payer'), render: (s) => payerText(s.payer), sort: (s) => payerText(s.payer) },
      { key: 'lines', label: t('stmt.lines'), cls: 'num', render: (s) => String(s.lines) },
      { key: 'total_price', label: t('stmt.total_price'), cls: 'num', render: (s) => money(s.total_price) },
      { key: '', label: t('stmt.download'), sort: false, cls: 'actions', render: downloads },
    ],
    empty: { title: t('stmt.empty'), text: t('stmt.empty_text') },
  });
  main.append(pageHeader(t('stmt.title'), { subtitle: t('stmt.subtitle') }), table.el);
}

// ---- one statement -------------------------------------------------------------------

function lineColumns() {
  return [
    { key: 'seq', label: '№', cls: 'num', render: (l) => String(l.seq) },
    { key: 'subscriber', label: t('stmt.client'), render: (l) => h('span', {}, h('span', { text: l.subscriber?.name || '' }),
      h('span', { class: 'cell-sub muted', text: t('stmt.client_code', { code: l.subscriber?.code ?? '' }) })), sort: (l) => l.subscriber?.name },
    { key: 'tariff', label: t('stmt.tariff'), render: (l) => h('span', {},
      l.line_kind === 'usage' ? t('stmt.usage_line', { month: fmtMonth(l.usage_month) }) : localName(l.tariff),
      l.partner_tariff_name ? h('span', { class: 'cell-sub muted', text: t('stmt.partner_tariff', { name: l.partner_tariff_name }) }) : null,
      l.line_kind === 'correction' ? h('span', { class: 'cell-sub' }, badge('correction', { tone: 'warn', label: l.corrects?.number ? t('stmt.corrects', { number: l.corrects.number }) : t('stmt.correction') })) : null),
    sort: (l) => localName(l.tariff) },
    { key: 'kind', label: t('stmt.kind'), render: (l) => tOr(`sub_kind.${l.kind}`, l.line_kind === 'usage' ? t('stmt.kind_usage') : '—') },
    { key: 'start', label: t('stmt.period'), render: (l) => h('span', {}, h('span', { class: 'nowrap', text: `${fmtDate(l.start)} –` }),
      h('span', { class: 'cell-sub nowrap', text: fmtDate(l.through) })) },
    { key: 'quantity', label: t('stmt.quantity'), cls: 'num', render: (l) => String(l.quantity) },
    { key: 'price', label: t('stmt.price'), cls: 'num', render: (l) => money(l.price) },
    { key: 'discount_pct', label: t('stmt.discount'), cls: 'num', render: (l) => `${l.discount_pct}%` },
    { key: 'rule', label: t('stmt.rule'), render: (l) => ruleBadge(l.rule), sort: (l) => tOr(`rule.${l.rule}`, '') },
    { key: 'amount_due', label: t('stmt.amount_due'), cls: 'num', render: (l) => h('strong', {}, money(l.amount_due)) },
  ];
}

async function clientOptions(s) {
  // the clients of the statement's partner, for the filter (a partner's own list; the provider's of that partner)
  try {
    const page = await get(withQuery('/api/v1/subscribers', { partner: kind() === 'provider' ? s.partner.id : undefined, limit: 500, sort: 'name' }));
    return (page.items || []).map((c) => ({ value: String(c.id), label: c.name }));
  } catch { return []; }
}

export async function statement(main, { params, query }) {
  const box = h('div');
  main.append(box);
  const s = await loadInto(box, () => get(`/api/v1/statements/${encodeURIComponent(params.id)}`));
  if (!s) return;
  setTitle(t('stmt.one_title', { month: fmtMonth(s.month) }));
  const provider = kind() === 'provider';
  const rule = query.get('rule') || '';
  const subscriber = query.get('subscriber') || '';
  const back = provider ? { href: `/statements/months/${s.month}`, label: fmtMonth(s.month) } : { href: '/statements', label: t('stmt.title') };
  box.append(pageHeader(t('stmt.one_title', { month: fmtMonth(s.month) }), {
    back,
    subtitle: h('span', { class: 'head-meta' }, stateBadge(s.state),
      s.number ? h('span', { class: 'mono', 'data-testid': 'stmt-number', text: t('stmt.number_is', { number: s.number }) }) : h('span', { class: 'muted', text: t('stmt.draft_note') }),
      provider ? h('span', { class: 'muted', text: s.partner?.name || '' }) : null),
    actions: downloads(s),
  }));
  const byRule = (s.by_rule || []).map((r) => [ruleBadge(r.rule), h('span', {}, money(r.amount_due), h('span', { class: 'muted', text: ` · ${tn('stmt.n_lines', r.lines)}` }))]);
  box.append(h('div', { class: 'grid-2' },
    card(t('stmt.summary'), details([
      [t('stmt.payer'), payerText(s.payer)],
      s.payer?.email ? [t('stmt.payer_email'), s.payer.email] : null,
      [t('stmt.lines'), String(s.lines)],
      [t('stmt.total_price'), money(s.total_price)],
      [t('stmt.total_due'), h('strong', { 'data-testid': 'stmt-total' }, money(s.total_due))],
      [s.closed_at ? t('stmt.closed_at') : t('stmt.drafted_at'), fmtDateTime(s.closed_at || s.drafted_at)],
    ].filter(Boolean))),
    card(t('stmt.by_rule'), byRule.length ? details(byRule) : h('p', { class: 'muted', text: t('stmt.no_lines') }))));
  const clients = await clientOptions(s);
  const f = form({
    fields: [
      { name: 'rule', label: t('stmt.rule'), type: 'select',
        options: [{ value: '', label: t('stmt.any_rule') }, ...(s.by_rule || []).map((r) => ({ value: r.rule, label: tOr(`rule.${r.rule}`, t('stmt.rule_other')) }))] },
      { name: 'subscriber', label: t('stmt.client'), type: 'select',
        options: [{ value: '', label: t('stmt.any_client') }, ...clients] },
    ],
    values: { rule, subscriber },
    submitLabel: t('audit.apply'),
    cls: 'form-filters stmt-filters',
    onSubmit: async (v) => { navigate(withQuery(`/statements/${s.id}`, v)); },
  });
  const table = dataTable({
    url: withQuery(`/api/v1/statements/${s.id}/lines`, { rule, subscriber }),
    columns: lineColumns(),
    empty: { title: rule || subscriber ? t('stmt.no_lines_filtered') : t('stmt.no_lines') },
  });
  box.append(h('h2', { class: 'section-title', text: t('stmt.lines_title') }), card('', f.el, { cls: 'card-filters' }), table.el);
}

// ---- the provider's months -------------------------------------------------------

const RULE_TONES = ['#2f6fde', '#1f9d6b', '#d08a1c', '#8a55d6', '#d24e6a', '#3aa6b9', '#7a8699', '#b3592d', '#5a7d2a', '#444'];

/** The 12 months through `last` ('YYYY-MM'), oldest first. */
function twelveMonths(last) {
  let [y, m] = last.split('-').map(Number);
  const out = [];
  for (let i = 0; i < 12; i++) {
    out.unshift(`${y}-${String(m).padStart(2, '0')}`);
    if (--m === 0) { m = 12; y--; }
  }
  return out;
}

/** A year's totals by rule: a stacked bar per month (ui.js svgChart), months without
 * statements at zero, with a legend of the rules by name. */
export function yearChart(items, last) {
  const byMonth = new Map(items.map((m) => [m.month, m]));
  const slots = twelveMonths(last).map((month) => byMonth.get(month) || { month, total_due: 0, by_rule: [] });
  const rules = [...new Set(slots.flatMap((m) => (m.by_rule || []).filter((r) => r.amount_due > 0).map((r) => r.rule)))];
  const W = 760; const H = 220; const top = 22; const bottom = 30; const left = 6; const gap = 10;
  const bw = (W - left * 2 - gap * 11) / 12;
  const max = Math.max(1, ...slots.map((m) => (m.by_rule || []).reduce((s, r) => s + Math.max(0, r.amount_due), 0)));
  const { svg, el } = svgChart(W, H, 'chart chart-year', t('months.chart_title'));
  el('line', { x1: 0, x2: W, y1: H - bottom, y2: H - bottom, class: 'chart-axis' });
  slots.forEach((m, i) => {
    const x = left + i * (bw + gap);
    let y = H - bottom;
    for (const r of m.by_rule || []) {
      if (r.amount_due <= 0) continue;
      const bh = Math.max(2, ((H - top - bottom) * r.amount_due) / max);
      y -= bh;
      const rect = el('rect', { x, y, width: bw, height: bh, fill: RULE_TONES[rules.indexOf(r.rule) % RULE_TONES.length], class: 'chart-seg' });
      const tip = document.createElementNS('http://www.w3.org/2000/svg', 'title');
      tip.textContent = `${fmtMonth(m.month)} · ${tOr(`rule.${r.rule}`, t('stmt.rule_other'))}: ${fmtMoney(r.amount_due)}`;
      rect.append(tip);
    }
    el('text', { x: x + bw / 2, y: H - bottom + 16, class: 'chart-label', 'text-anchor': 'middle' }, fmtMonthShort(m.month));
  });
  const dot = (i) => {
    const d = svgChart(10, 10, 'legend-dot', '');
    d.svg.setAttribute('aria-hidden', 'true');
    d.el('rect', { x: 0, y: 0, width: 10, height: 10, rx: 2, fill: RULE_TONES[i % RULE_TONES.length] });
    return d.svg;
  };
  const legend = h('div', { class: 'chart-legend' }, rules.map((r, i) => h('span', { class: 'legend-item' }, dot(i),
    tOr(`rule.${r}`, t('stmt.rule_other')))));
  return h('div', { class: 'chart-box' }, svg, legend);
}

export async function months(main) {
  setTitle(t('months.title'));
  const box = h('div');
  main.append(pageHeader(t('months.title'), { subtitle: t('months.subtitle') }), box);
  const data = await loadInto(box, () => get('/api/v1/statement-months?last=12'));
  if (!data) return;
  const items = [...(data.items || [])].sort((a, b) => a.month.localeCompare(b.month));
  const last = [items.at(-1)?.month, today().slice(0, 7)].filter(Boolean).sort().at(-1);
  box.append(card(t('months.chart_title'), yearChart(items, last)));
  const rows = [...items].reverse();
  box.append(card(t('months.list'), rows.length ? h('div', { class: 'table-scroll' }, h('table', { class: 'table' },
    h('thead', {}, h('tr', {}, [t('stmt.month'), t('common.state'), t('stmt.total_due')].map((x, i) => h('th', { class: i === 2 ? 'num' : null, scope: 'col', text: x })))),
    h('tbody', {}, rows.map((m) => h('tr', { class: 'row-link' },
      h('td', {}, h('a', { href: `/statements/months/${m.month}`, text: fmtMonth(m.month) })),
      h('td', {}, stateBadge(m.state)),
      h('td', { class: 'num' }, money(m.total_due))))))) : h('p', { class: 'muted', text: t('months.empty') })));
}

function progress(run) {
  if (!run) return h('span', { class: 'muted', text: t('months.no_run') });
  const pct = run.total ? Math.round((100 * run.done) / run.total) : 100;
  return h('span', { class: 'run', 'data-testid': 'run' },
    badge(run.state, { tone: run.state === 'done' ? 'ok' : run.state === 'failed' ? 'bad' : 'warn', label: t(`months.run_${run.state}`) }),
    ' ', h('span', { text: t('months.run_progress', { done: run.done, total: run.total }) }),
    run.state === 'running' ? h('progress', { max: 100, value: pct, class: 'run-bar' }) : null,
    run.finished_at ? h('span', { class: 'cell-sub muted', text: t('months.run_at', { at: fmtDateTime(run.finished_at) }) }) : null);
}

export async function month(main, { params, isCurrent }) {
  const box = h('div');
  main.append(box);
  const m = await loadInto(box, () => get(`/api/v1/statement-months/${encodeURIComponent(params.month)}`));
  if (!m) return;
  const title = t('months.one_title', { month: fmtMonth(m.month) });
  setTitle(title);
  const open = m.state !== 'closed';
  const admin = roleGate(['admin']);
  const reload = () => navigate(`/statements/months/${m.month}`, { replace: true });
  const draft = async () => {
    try { await post(`/api/v1/statement-months/${m.month}/runs`); toast(t('months.run_started')); reload(); } catch (err) { toastError(err); }
  };
  const close = async () => {
    const ok = await confirmDialog({
      title: t('months.close_title', { month: fmtMonth(m.month) }),
      text: t('months.close_text'),
      body: h('ul', { class: 'close-what' }, [t('months.close_1', { month: fmtMonth(m.month) }), t('months.close_2'), t('months.close_3'),
        t('months.close_4')].map((x) => h('li', { text: x }))),
      confirm: t('months.close'), danger: true,
      onConfirm: () => post(`/api/v1/statement-months/${m.month}/close`),
    });
    if (ok) { toast(t('months.closed_ok', { month: fmtMonth(m.month) })); reload(); }
  };
  box.append(pageHeader(title, {
    back: { href: '/statements', label: t('months.title') },
    subtitle: h('span', { class: 'head-meta' }, stateBadge(m.state),
      m.closed_at ? h('span', { class: 'muted', text: t('months.closed_on', { at: fmtDateTime(m.closed_at) }) }) : null),
    actions: open ? h('span', { class: 'row-actions' },
      button(t('months.draft'), draft, { ...admin }),
      button(t('months.close'), close, { kind: 'primary', 'data-testid': 'close-month', ...admin })) : null,
  }));
  const total = (m.partners || []).reduce((s, p) => s + (p.total_due || 0), 0);
  box.append(h('div', { class: 'grid-2' },
    card(t('months.summary'), details([
      [t('months.run'), progress(m.run)],
      [t('months.partners'), String((m.partners || []).length)],
      [t('stmt.total_due'), h('strong', {}, money(total))],
    ])),
    card(t('months.by_payer'), (m.by_payer || []).length
      ? details(m.by_payer.map((p) => [payerText(p), money(p.total_due)])) : h('p', { class: 'muted', text: t('months.none') }))));
  if ((m.by_rule || []).length) {
    box.append(card(t('stmt.by_rule'), details(m.by_rule.map((r) => [ruleBadge(r.rule), money(r.amount_due)]))));
  }
  const rows = m.partners || [];
  box.append(card(t('months.partners_title'), rows.length ? h('div', { class: 'table-scroll' }, h('table', { class: 'table' },
    h('thead', {}, h('tr', {}, [t('months.partner'), t('stmt.total_due'), t('stmt.payer'), t('stmt.lines')]
      .map((x, i) => h('th', { scope: 'col', class: i === 1 || i === 3 ? 'num' : null, text: x })))),
    h('tbody', {}, rows.map((p) => h('tr', { class: 'row-link' },
      h('td', {}, p.statement ? h('a', { href: `/statements/${p.statement}`, text: p.partner?.name || '' }) : p.partner?.name || ''),
      h('td', { class: 'num' }, money(p.total_due)),
      h('td', { text: payerText(p.payer) }),
      h('td', { class: 'num', text: String(p.lines ?? 0) })))))) : h('p', { class: 'muted', text: t('months.no_partners') })));
  // a running run is followed until it ends
  if (m.run?.state === 'running') {
    setTimeout(() => { if (isCurrent()) reload(); }, 1500);
  }
}

