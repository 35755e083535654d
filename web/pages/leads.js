// leads.js — the clients of the provider's own registration page (R-ONB-7).
// The provider's «Лиды»: the funnel per month of registration as a chart
// drawn here (registered → offered → accepted → first paid), the leads with
// their state at a glance (in the pool, offered to whom and until when,
// accepted), a pool lead handed to a chosen partner by hand, and the rules
// the `leads` job routes by (region, partners in order, csk first, a
// promotion). The partner's «Новые клиенты»: the clients offered to it, with
// the deadline, to accept or decline, and those it took.
import { t, fmtDate, fmtDateTime, currentLang, localName } from '../i18n.js';
import { get, post, patch, del, withQuery } from '../api.js';
import {
  h, clear, badge, card, dataTable, button, tabs, formDialog, confirmDialog, toast, toastError, pageHeader,
  loading, errorBox, svgChart, emptyState,
} from '../ui.js';
import { setTitle, today, account } from '../session.js';
import { roleGate } from '../roles.js';

const STATE_TONE = { pool: 'warn', offered: 'info', accepted: 'ok' };
const SERIES = [
  { key: 'registered', color: '#9fb3c8', label: 'leads.series_registered' },
  { key: 'assigned', color: '#5b8def', label: 'leads.series_assigned' },
  { key: 'accepted', color: '#1f4fb0', label: 'leads.series_accepted' },
  { key: 'first_paid', color: '#1a7f37', label: 'leads.series_first_paid' },
];
const STATE_LABEL = { pool: 'leads.state_pool', offered: 'leads.state_offered', accepted: 'leads.state_accepted' };
const TABS = [['pool', 'leads.tab_pool', 'leads.empty_pool'], ['offered', 'leads.tab_offered', 'leads.empty_offered'],
  ['accepted', 'leads.tab_accepted', 'leads.empty_accepted'], ['all', 'leads.tab_all', 'leads.empty_all']];
const ANSWER = {
  accept: { title: 'leads.accept_title', text: 'leads.accept_text', confirm: 'leads.accept', done: 'leads.accept_done' },
  decline: { title: 'leads.decline_title', text: 'leads.decline_text', confirm: 'leads.decline', done: 'leads.decline_done' },
};
const PARTNER_EMPTY = {
  offered: ['leads.partner_empty_offered', 'leads.partner_empty_offered_text'],
  accepted: ['leads.partner_empty_accepted', 'leads.partner_empty_accepted_text'],
};

/** "YYYY-MM" of a "YYYY-MM-DD", moved by n months. */
function monthOf(day, n = 0) {
  const y = Number(day.slice(0, 4)); const m = Number(day.slice(5, 7)) - 1 + n;
  const yy = y + Math.floor(m / 12); const mm = ((m % 12) + 12) % 12 + 1;
  return `${yy}-${String(mm).padStart(2, '0')}`;
}

function monthLabel(ym) {
  const d = new Date(`${ym}-15T12:00:00Z`);
  return new Intl.DateTimeFormat(currentLang() === 'ru' ? 'ru-RU' : 'en-GB', { month: 'short', year: '2-digit', timeZone: 'UTC' }).format(d);
}

/** The funnel as grouped bars, one group per month, the number over each bar. */
export function funnelChart(all) {
  // a phone gets the last three months drawn at a size whose numbers read; the table below has them all
  const narrow = window.matchMedia('(max-width: 600px)').matches;
  const months = narrow ? all.slice(-3) : all;
  const W = narrow ? 360 : 720; const H = narrow ? 200 : 220; const top = 22; const bottom = 30; const left = 6; const gap = 18;
  const gw = (W - left * 2 - gap * (months.length - 1)) / Math.max(1, months.length);
  const bw = (gw - 6) / SERIES.length;
  const max = Math.max(1, ...months.flatMap((m) => SERIES.map((s) => m[s.key])));
  const { svg, el } = svgChart(W, H, 'chart leads-chart', t('leads.funnel_title'));
  el('line', { x1: 0, x2: W, y1: H - bottom, y2: H - bottom, class: 'chart-axis' });
  months.forEach((m, i) => {
    const x0 = left + i * (gw + gap);
    SERIES.forEach((s, k) => {
      const n = m[s.key];
      const bh = n ? Math.max(3, ((H - top - bottom) * n) / max) : 0;
      const x = x0 + k * bw;
      const r = el('rect', { x, y: H - bottom - bh, width: bw - 2, height: bh, rx: 2, fill: s.color, class: 'chart-seg' });
      const tip = document.createElementNS('http://www.w3.org/2000/svg', 'title');
      tip.textContent = `${t(s.label)}: ${n}`;
      r.append(tip);
      el('text', { x: x + (bw - 2) / 2, y: H - bottom - bh - 5, class: 'chart-value', 'text-anchor': 'middle' }, String(n));
    });
    el('text', { x: x0 + gw / 2, y: H - bottom + 18, class: 'chart-label', 'text-anchor': 'middle' }, monthLabel(m.month));
  });
  return svg;
}

function legend() {
  return h('div', { class: 'chart-legend' }, SERIES.map((s) => {
    const d = svgChart(10, 10, 'legend-dot', '');
    d.el('rect', { x: 0, y: 0, width: 10, height: 10, rx: 2, fill: s.color });
    return h('span', { class: 'legend-item' }, d.svg, t(s.label));
  }));
}

/** The same numbers as a table: readable on a phone, and for a screen reader. */
function funnelTable(months) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'table leads-funnel-table' },
    h('thead', {}, h('tr', {}, h('th', { text: t('leads.month') }), SERIES.map((s) => h('th', { class: 'num', text: t(s.label) })))),
    h('tbody', {}, [...months].reverse().map((m) => h('tr', {}, h('td', { class: 'nowrap', text: monthLabel(m.month) }),
      SERIES.map((s) => h('td', { class: 'num', text: String(m[s.key]) })))))));
}

async function funnelCard() {
  const body = h('div', { class: 'chart-box' }, loading());
  const to = monthOf(today());
  const from = monthOf(today(), -5);
  try {
    const f = await get(withQuery('/api/v1/leads/funnel', { from, to }));
    clear(body).append(funnelChart(f.months), legend(), funnelTable(f.months));
  } catch (err) {
    clear(body).append(errorBox(err));
  }
  return card(t('leads.funnel_title'), h('div', {}, h('p', { class: 'muted', text: t('leads.funnel_text') }), body));
}

/** Where the lead is: in the pool, offered to whom and until when, accepted by whom. */
function stateCell(x) {
  const b = badge(x.state, { tone: STATE_TONE[x.state], label: t(STATE_LABEL[x.state]) });
  if (x.state === 'offered') {
    return h('span', {}, b, h('span', { class: 'cell-sub', text: x.partner.name }),
      h('span', { class: 'cell-sub muted nowrap', text: t('leads.due', { date: fmtDateTime(x.due_at) }) }));
  }
  if (x.state === 'accepted') {
    return h('span', {}, b, h('span', { class: 'cell-sub', text: x.partner.name }),
      h('span', { class: 'cell-sub muted nowrap', text: fmtDate(x.accepted_at) }));
  }
  return b;
}

const clientCell = (x) => h('span', {}, h('strong', { text: x.subscriber.name }),
  x.email ? h('span', { class: 'cell-sub muted', text: [x.email, x.phone].filter(Boolean).join(' · ') }) : null);
const trialCell = (x) => (x.trial_through ? h('span', { class: 'nowrap', text: t('leads.trial_through', { date: fmtDate(x.trial_through) }) }) : '—');

async function partnersList() {
  const r = await get('/api/v1/partners?limit=500');
  return r.items.filter((p) => p.state === 'active')
    .map((p) => ({ id: p.id, name: p.name, csk: (p.statuses || []).some((s) => (s.status || s) === 'csk') }));
}

async function assign(x, reload) {
  let partners;
  try { partners = await partnersList(); } catch (err) { toastError(err); return; }
  const ok = await formDialog({
    title: t('leads.assign_title', { client: x.subscriber.name }),
    text: t('leads.assign_text'),
    fields: [{
      name: 'partner', label: t('leads.partner'), type: 'select', required: true, span: 2,
      options: [{ value: '', label: t('leads.choose_partner') },
        ...partners.map((p) => ({ value: p.id, label: p.csk ? `${p.name} · ${t('leads.csk')}` : p.name }))],
    }],
    submitLabel: t('leads.assign'),
    onSubmit: (v) => post(`/api/v1/leads/${x.id}/assign`, { partner: Number(v.partner) }),
  });
  if (ok) { toast(t('leads.assigned')); reload(); }
}

function leadsCard() {
  const wrap = h('div', {});
  let state = 'pool';
  let table;
  const draw = () => {
    const columns = [
      { key: 'client', label: t('leads.client'), sort: (x) => x.subscriber.name, render: clientCell },
      { key: 'region', label: t('leads.region'), render: (x) => x.region || h('span', { class: 'muted', text: t('leads.no_region') }) },
      { key: 'registered_at', label: t('leads.registered'), render: (x) => h('span', { class: 'nowrap', text: fmtDate(x.registered_at) }) },
      { key: 'trial_through', label: t('leads.trial'), render: trialCell },
      { key: 'state', label: t('leads.state'), render: stateCell },
      { key: '', label: '', sort: false, cls: 'actions', render: (x) => (x.state === 'pool'
        ? h('span', { class: 'row-actions' }, button(t('leads.assign'), () => assign(x, () => table.reload()), { small: true, kind: 'primary', ...roleGate(['admin', 'operator']) }))
        : null) },
    ];
    table = dataTable({
      url: withQuery('/api/v1/leads', { state: state === 'all' ? '' : state }),
      columns,
      empty: { title: t(TABS.find((x) => x[0] === state)[2]), text: t('leads.empty_text') },
    });
    clear(wrap).append(
      tabs(TABS.map(([value, label]) => ({ value, label: t(label) })), state, (s) => { state = s; draw(); }),
      table.el,
    );
  };
  draw();
  return card(t('leads.list_title'), h('div', {}, h('p', { class: 'muted', text: t('leads.list_text') }), wrap));
}

// ---- the rules ------------------------------------------------------------------

/** An ordered pick of partners: the chosen in order, each moved up or removed, one more added from a list. */
function partnerPicker(all, chosen, onchange) {
  const el = h('div', { class: 'lead-picker' });
  const byId = new Map(all.map((p) => [p.id, p]));
  const draw = () => {
    const rest = all.filter((p) => !chosen.includes(p.id));
    const sel = h('select', { class: 'input', 'aria-label': t('leads.add_partner') },
      h('option', { value: '', text: t('leads.choose_partner') }), rest.map((p) => h('option', { value: p.id, text: p.name })));
    const list = chosen.length
      ? h('ol', { class: 'lead-order' }, chosen.map((id, i) => h('li', {},
        h('span', { class: 'lead-order-no', text: `${i + 1}.` }),
        h('span', { class: 'lead-order-name', text: byId.get(id)?.name || '—' }),
        byId.get(id)?.csk ? badge('csk', { tone: 'ok', label: t('leads.csk') }) : null,
        h('span', { class: 'row-actions' },
          i > 0 ? button('↑', () => { [chosen[i - 1], chosen[i]] = [chosen[i], chosen[i - 1]]; onchange(chosen); draw(); }, { small: true, title: t('leads.move_up'), 'aria-label': t('leads.move_up') }) : null,
          button('✕', () => { chosen.splice(i, 1); onchange(chosen); draw(); }, { small: true, kind: 'danger-ghost', title: t('leads.remove_partner'), 'aria-label': t('leads.remove_partner') })))))
      : h('p', { class: 'muted', text: t('leads.no_partners_yet') });
    clear(el).append(list, h('div', { class: 'row-actions lead-add' }, sel,
      button(t('leads.add_partner'), () => { if (sel.value) { chosen.push(Number(sel.value)); onchange(chosen); draw(); } }, { small: true })));
  };
  draw();
  return el;
}

async function ruleDialog(rule, reload) {
  let partners; let promotions;
  try {
    [partners, promotions] = await Promise.all([partnersList(), get('/api/v1/promotions?limit=500').then((r) => r.items)]);
  } catch (err) { toastError(err); return; }
  const chosen = rule ? rule.partners.map((p) => p.id) : [];
  let mounted = false;
  const ok = await formDialog({
    title: rule ? t('leads.rule_edit_title', { n: rule.position }) : t('leads.rule_new_title'),
    text: t('leads.rule_text'),
    wide: true,
    fields: [
      { name: 'region', label: t('leads.region'), placeholder: t('leads.region_any'), hint: t('leads.region_hint') },
      { name: 'position', label: t('leads.position'), type: 'number', min: 1, inputmode: 'numeric', hint: t('leads.position_hint') },
      {
        name: 'promotion', label: t('leads.promotion'), type: 'select', span: 2,
        options: [{ value: '', label: t('leads.promotion_none') }, ...promotions.map((p) => ({ value: p.code, label: localName(p) }))],
      },
      { name: 'csk_first', label: t('leads.csk_first'), type: 'checkbox', span: 2 },
      { name: 'partners', label: t('leads.partners_in_order'), span: 2, hint: t('leads.partners_hint') },
    ],
    values: rule ? { region: rule.region, position: rule.position, promotion: rule.promotion || '', csk_first: rule.csk_first, partners: chosen.join(',') } : { partners: '' },
    onChange: (v, inputs) => {
      if (mounted) return;
      mounted = true;
      const input = inputs.partners;
      input.hidden = true;
      input.after(partnerPicker(partners, chosen, (c) => { input.value = c.join(','); }));
    },
    submitLabel: t('common.save'),
    onSubmit: (v) => {
      const body = {
        region: v.region, csk_first: v.csk_first, promotion: v.promotion || null,
        partners: v.partners ? v.partners.split(',').map(Number) : [],
      };
      if (v.position) body.position = Number(v.position);
      return rule ? patch(`/api/v1/lead-rules/${rule.id}`, body) : post('/api/v1/lead-rules', body);
    },
  });
  if (ok) { toast(t('leads.rule_saved')); reload(); }
}

async function rulesCard() {
  const body = h('div', {});
  const gate = roleGate(['admin', 'operator']);
  const load = async () => {
    clear(body).append(loading());
    try {
      const [rules, promos] = await Promise.all([get('/api/v1/lead-rules').then((x) => x.items),
        get('/api/v1/promotions?limit=500').then((x) => x.items)]);
      const promoName = (code) => localName(promos.find((p) => p.code === code)) || code;
      if (!rules.length) { clear(body).append(emptyState(t('leads.rules_empty'), t('leads.rules_empty_text'))); return; }
      clear(body).append(h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
        h('thead', {}, h('tr', {}, ['leads.rule_no', 'leads.region', 'leads.partners_in_order', 'leads.conditions', ''].map((k) => h('th', { text: k ? t(k) : '' })))),
        h('tbody', {}, rules.map((r) => h('tr', {},
          h('td', { class: 'num', text: String(r.position) }),
          h('td', {}, r.region || h('span', { class: 'muted', text: t('leads.region_any') })),
          h('td', { class: 'wrap' }, h('ol', { class: 'lead-order lead-order-compact' }, r.partners.map((p) => h('li', {},
            p.name, r.last_partner === p.id ? h('span', { class: 'muted', text: ` · ${t('leads.last_turn')}` }) : null)))),
          h('td', {}, h('span', { class: 'prices' },
            r.csk_first ? badge('csk', { tone: 'ok', label: t('leads.csk_first_short') }) : null,
            r.promotion ? badge('promo', { tone: 'info', label: t('leads.promotion_short', { name: promoName(r.promotion) }) }) : null,
            !r.csk_first && !r.promotion ? h('span', { class: 'muted', text: t('leads.round_robin') }) : null)),
          h('td', { class: 'actions' }, h('span', { class: 'row-actions' },
            button(t('common.edit'), () => ruleDialog(r, load), { small: true, ...gate }),
            button(t('leads.delete'), async () => {
              const ok = await confirmDialog({
                title: t('leads.rule_delete_title', { n: r.position }), text: t('leads.rule_delete_text'), confirm: t('leads.delete'), danger: true,
                onConfirm: () => del(`/api/v1/lead-rules/${r.id}`),
              });
              if (ok) { toast(t('leads.rule_deleted')); load(); }
            }, { small: true, kind: 'danger-ghost', ...gate })))))))));
    } catch (err) {
      clear(body).append(errorBox(err));
    }
  };
  await load();
  return card(t('leads.rules_title'), h('div', {}, h('p', { class: 'muted', text: t('leads.rules_text') }), body),
    { actions: button(t('leads.rule_add'), () => ruleDialog(null, load), { kind: 'primary', ...gate }) });
}

/** The provider's «Лиды». */
export async function providerPage(main) {
  setTitle(t('leads.title'));
  main.append(pageHeader(t('leads.title'), { subtitle: t('leads.subtitle') }));
  const slots = [h('div', {}), h('div', {}), h('div', {})];
  main.append(...slots);
  slots[1].append(leadsCard());
  const [f, r] = await Promise.all([funnelCard(), rulesCard()]);
  slots[0].append(f);
  slots[2].append(r);
}

// ---- the partner's side --------------------------------------------------------

async function answer(x, what, reload) {
  const w = ANSWER[what];
  const ok = await confirmDialog({
    title: t(w.title, { client: x.subscriber.name }),
    text: t(w.text, { date: fmtDateTime(x.due_at) }),
    confirm: t(w.confirm), danger: what === 'decline',
    onConfirm: () => post(`/api/v1/leads/${x.id}/${what}`),
  });
  if (ok) { toast(t(w.done, { client: x.subscriber.name })); reload(); }
}

function offersTable(state, reload) {
  const gate = roleGate(['owner', 'operator']);
  const columns = [
    { key: 'client', label: t('leads.client'), sort: (x) => x.subscriber.name, render: clientCell },
    { key: 'region', label: t('leads.region'), render: (x) => x.region || h('span', { class: 'muted', text: t('leads.no_region') }) },
    { key: 'registered_at', label: t('leads.registered'), render: (x) => h('span', { class: 'nowrap', text: fmtDate(x.registered_at) }) },
    { key: 'trial_through', label: t('leads.trial'), render: trialCell },
    state === 'offered'
      ? { key: 'due_at', label: t('leads.deadline'), render: (x) => h('span', { class: 'nowrap', text: fmtDateTime(x.due_at) }) }
      : { key: 'accepted_at', label: t('leads.accepted_at'), render: (x) => h('span', { class: 'nowrap', text: fmtDate(x.accepted_at) }) },
    state === 'offered' ? {
      key: '', label: '', sort: false, cls: 'actions', render: (x) => h('span', { class: 'row-actions' },
        button(t('leads.accept'), () => answer(x, 'accept', reload), { small: true, kind: 'primary', ...gate }),
        button(t('leads.decline'), () => answer(x, 'decline', reload), { small: true, kind: 'danger-ghost', ...gate })),
    } : null,
  ].filter(Boolean);
  return dataTable({
    url: withQuery('/api/v1/leads', { state }),
    columns,
    exportable: state === 'accepted',
    empty: { title: t(PARTNER_EMPTY[state][0]), text: t(PARTNER_EMPTY[state][1]) },
  });
}

/** The partner's «Новые клиенты». */
export function partnerPage(main) {
  setTitle(t('leads.partner_title'));
  main.append(pageHeader(t('leads.partner_title'), { subtitle: t('leads.partner_subtitle', { partner: account()?.name || '' }) }));
  let offers; let taken;
  const reload = () => { offers.reload(); taken.reload(); };
  offers = offersTable('offered', reload);
  taken = offersTable('accepted', reload);
  main.append(card(t('leads.offers_title'), h('div', {}, h('p', { class: 'muted', text: t('leads.offers_text') }), offers.el)),
    card(t('leads.taken_title'), taken.el));
}
