// The partner's pages: its clients (one list with access and state; the
// client card with subscriptions, postings, usage, users, areas, grants,
// additional information and reason for leaving), employees, requests, its
// organisation.
import { t, tn, tOr, fmtDate, fmtMoney, currentLang, localName } from '../i18n.js';
import { get, post, put, withQuery, ApiError } from '../api.js';
import {
  h, badge, card, details, dataTable, button, tabs, formDialog, toast, toastError, pageHeader, form, roleBadges, loading, errorBox, svgChart,
} from '../ui.js';
import { setTitle, navigate, account } from '../session.js';
import { mayUse, roleReason, roleGate } from '../roles.js';
import {
  requisitesDetails, statusesCard, employeesTable, invitesCard, requestsTable, REQUEST_STATES, REQUISITES, requisiteLabel, loadInto,
} from './common.js';
import { partnerTransfersCard } from './transfers.js';
import { changeVersion } from './areas.js';
import {
  endingChart, fmtShort, daysBetween, loadClient, renewDialog, requestDialog, extensionDialog, withInfo, INFO_FIELDS,
} from './clients.js';
import { all } from './catalog.js';
import { registersCard } from './registers.js';
import { payerCard } from './statements.js';
import { lastReminderCard } from './mail.js';

const isOwner = () => (account()?.roles || []).includes('owner');

export async function organization(main) {
  const acc = account();
  setTitle(t('org.title'));
  const box = h('div');
  main.append(box);
  const p = await loadInto(box, () => get(`/api/v1/partners/${acc.id}`));
  if (!p) return;
  box.append(
    pageHeader(p.name, { subtitle: t('org.subtitle'), actions: fileButton(() => fileRequest(p)) }),
    h('div', { class: 'grid-2' },
      card(t('partners.requisites'), h('div', {}, requisitesDetails(p), h('p', { class: 'note', text: t('org.requisites_note') }))),
      card(t('partners.summary'), details([
        [t('common.state'), badge(p.state)],
        [t('partners.own_code'), p.own_subscriber ? String(p.own_subscriber.code) : ''],
        [t('header.reporting'), p.own_subscriber ? `FR${p.own_subscriber.code}` : ''],
        [t('partners.since'), fmtDate(p.created_at)],
      ]))),
    payerCard(p, { note: t('payer.note') }),
    statusesCard(p.id, { canEdit: false }));
}

// Requests are filed by the partner's owner and operators (ob_request_create):
// for the other roles the button stays, disabled, saying so.
function fileButton(onclick) {
  const why = roleReason(['owner', 'operator']);
  return button(t('requests.file'), onclick, { kind: 'primary', disabled: !!why, title: why });
}

/** File a requisites change request (R-ACC-3); only changed fields are sent. The
 * payer (R-BIL-1) is chosen among the provider and the active distributors. */
export async function fileRequest(p) {
  let payers = [];
  try { payers = (await get(`/api/v1/partners/${p.id}/payers`)).items || []; } catch { /* the requisites alone */ }
  const payerValue = p.settle_with === 'distributor' && p.distributor ? `d${p.distributor.id}` : 'provider';
  const payerOptions = payers.map((x) => (x.kind === 'provider' ? { value: 'provider', label: t('stmt.payer_provider') }
    : { value: `d${x.id}`, label: t('payer.via', { name: x.name }) }));
  if (!payerOptions.some((o) => o.value === payerValue)) {
    payerOptions.push({ value: payerValue, label: p.distributor ? t('payer.via', { name: p.distributor.name }) : t('stmt.payer_provider') });
  }
  const ok = await formDialog({
    title: t('requests.file'), text: t('requests.file_text'), wide: true,
    fields: [
      ...['name', 'inn', 'kpp', 'phone', 'email', 'site', 'region', 'address'].map((k) => ({ name: k, label: requisiteLabel(k), span: k === 'name' || k === 'address' ? 2 : 1 })),
      { name: 'payer', label: t('payer.settle'), type: 'select', options: payerOptions, span: 2, hint: t('payer.hint') },
      { name: 'reason', label: t('requests.reason'), type: 'textarea', required: true, span: 2 },
    ],
    values: { ...p, payer: payerValue },
    submitLabel: t('requests.send'),
    onSubmit: async (v) => {
      const changes = {};
      for (const k of REQUISITES) if ((v[k] || '') !== (p[k] || '')) changes[k] = v[k];
      if (v.payer && v.payer !== payerValue) {
        changes.settle_with = v.payer === 'provider' ? 'provider' : 'distributor';
        if (v.payer !== 'provider') changes.distributor = Number(v.payer.slice(1));
      }
      if (!Object.keys(changes).length) {
        throw new ApiError(400, { code: 'invalid', field: 'name', detail: t('requests.no_changes') });
      }
      await post('/api/v1/requests', { kind: 'requisites', partner: p.id, changes, reason: v.reason });
    },
  });
  if (ok) { toast(t('requests.filed_ok')); navigate('/requests?state=open'); }
}

export async function requests(main, { query }) {
  setTitle(t('requests.title'));
  const state = [...REQUEST_STATES, 'all'].includes(query.get('state')) ? query.get('state') : 'all';
  const table = requestsTable({ state, provider: false });
  const file = fileButton(async () => {
    try { await fileRequest(await get(`/api/v1/partners/${account().id}`)); } catch (err) { toastError(err); }
  });
  main.append(pageHeader(t('requests.title'), { subtitle: t('requests.subtitle_partner'), actions: file }),
    tabs(['all', ...REQUEST_STATES].map((s) => ({ value: s, label: s === 'all' ? t('common.all') : t(`tab.${s}`) })), state,
      (s) => navigate(`/requests?state=${s}`)),
    table.el,
    partnerTransfersCard(account().id));
}

export async function employees(main) {
  setTitle(t('employees.title'));
  const { table, invite, invites } = employeesTable(account().id, { canEdit: isOwner() });
  main.append(pageHeader(t('employees.title'), { subtitle: isOwner() ? t('employees.subtitle_owner') : t('employees.subtitle'), actions: invite }), table.el);
  if (invites) main.append(invites.el);
}

const CLIENT_STATES = ['active', 'blocked', 'left'];
const SORTS = ['name', 'code', 'through', 'state'];
const SVG = 'http://www.w3.org/2000/svg';

/** A client's state, one badge for the list and the card: the server's state, "ending" within 7 days. */
export function clientState(s, today) {
  if (s.state === 'active' && !s.own_partner && s.access_through && today && daysBetween(today, s.access_through) < 7) {
    return badge('ending', { tone: 'warn', label: t('clients.ending') });
  }
  return badge(s.state, { label: s.state === 'active' ? t('clients.has_access') : undefined });
}

/** Access through a date with the days left; the partner's own books have no end. */
function accessCell(s, today) {
  if (s.own_partner) return h('span', { 'data-testid': 'through' }, t('client.own_books'), h('span', { class: 'cell-sub muted', text: t('client.no_end') }));
  if (!s.access_through) return h('span', { class: 'muted', text: '—' });
  const left = today ? daysBetween(today, s.access_through) + 1 : null;
  return h('span', { class: 'nowrap', 'data-testid': 'through' }, t('clients.through', { date: fmtDate(s.access_through) }),
    left === null ? null : h('span', { class: 'cell-sub muted', text: left <= 0 ? tn('clients.ended_ago', -left) : tn('clients.days_left', left) }));
}

function tariffCell(s) {
  if (!s.tariff) return h('span', { class: 'muted', text: '—' });
  return h('span', {}, localName(s.tariff), s.access_kind && s.access_kind !== 'main'
    ? h('span', { class: 'cell-sub muted', text: tOr(`sub_kind.${s.access_kind}`, '') }) : null);
}

/** Who fills a client's additional information and reason for leaving (ob_subscriber_info_put). */
const INFO_WRITERS = ['owner', 'operator'];

/** Who posts subscriptions and files requests: the partner's owner and operators. */
const canRequest = () => (account()?.roles || []).some((r) => r === 'owner' || r === 'operator');

/** Renew (or post a first main): the quote, then confirm; the information asked for when it is missing. */
async function renewClient(s, today) {
  const c = await loadClient(s);
  const ok = await withInfo(s, () => renewDialog(c, today));
  if (ok && ok.end) toast(t('clients.renewed', { name: s.name, date: fmtDate(ok.through || ok.end) }));
  return ok;
}

async function requestChange(s) {
  const c = await loadClient(s);
  if (!c.current || c.current.kind !== 'main') return null;
  const r = await requestDialog(c);
  if (!r || !r.id) return null;
  const p = { kind: tOr(`request.${r.kind}`, r.kind), name: s.name, state: tOr(`state.${r.state}`, r.state) };
  toast(r.late ? t('clients.req_filed_late', p) : t('clients.req_filed', p));
  return r;
}

/** The one client list: search, filters, server-side sorting and pages, the chart of access ending. */
export async function subscribers(main, { query }) {
  setTitle(t('subscribers.title'));
  const f = {
    q: query.get('q') || '',
    state: CLIENT_STATES.includes(query.get('state')) ? query.get('state') : '',
    ends_within: /^\d+$/.test(query.get('ends_within') || '') ? query.get('ends_within') : '',
  };
  const sp = query.get('sort') || '';
  const sort = SORTS.includes(sp.replace(/^-/, '')) ? { key: sp.replace(/^-/, ''), dir: sp.startsWith('-') ? -1 : 1 } : { key: null, dir: 1 };
  const sortParam = (key, dir) => (key ? `${dir < 0 ? '-' : ''}${key}` : '');
  const here = (over) => withQuery('/subscribers', { ...f, sort: sortParam(sort.key, sort.dir), ...over });
  // clients are made by the partner's owner and operators (ob_subscriber_create)
  const create = button(t('subscribers.new'), async () => {
    const s = await formDialog({
      title: t('subscribers.new'), text: t('subscribers.new_text'),
      fields: [
        { name: 'name', label: t('subscribers.name'), required: true, span: 2 },
        { name: 'owner_email', label: t('subscribers.owner_email'), type: 'email', hint: t('subscribers.owner_hint') },
        { name: 'owner_name', label: t('subscribers.owner_name') },
      ],
      submitLabel: t('subscribers.create'),
      onSubmit: async (v) => post('/api/v1/subscribers', {
        name: v.name, owner_email: v.owner_email || undefined, owner_name: v.owner_name || undefined,
      }),
    });
    if (s && s.id) { toast(t('subscribers.created', { code: s.code })); navigate(`/subscribers/${s.id}`); }
  }, { kind: 'primary', ...roleGate(['owner', 'operator']) });
  const chartBox = h('div', { class: 'chart-box' });
  let today = null;
  try {
    const ends = await get('/api/v1/subscribers/access-ends');
    today = ends.date;
    chartBox.append(endingChart(ends), h('p', { class: 'note', text: t('clients.chart_note', { date: fmtDate(today) }) }));
  } catch (err) { chartBox.append(errorBox(err)); }
  const filters = form({
    fields: [
      { name: 'q', label: t('clients.search'), placeholder: t('clients.search_hint'), autocomplete: 'off' },
      { name: 'state', label: t('common.state'), type: 'select', options: [{ value: '', label: t('common.all') }, ...CLIENT_STATES.map((s) => ({ value: s, label: t(`state.${s}`) }))] },
      { name: 'ends_within', label: t('clients.ends_within'), type: 'number', min: 0, inputmode: 'numeric', placeholder: t('clients.ends_within_hint') },
    ],
    values: f, submitLabel: t('audit.apply'), cls: 'form-filters form-filters-3',
    onSubmit: async (v) => { navigate(here({ q: (v.q || '').trim(), state: v.state, ends_within: v.ends_within })); },
  });
  const filtered = f.q || f.state || f.ends_within;
  const table = dataTable({
    url: withQuery('/api/v1/subscribers', { q: f.q, state: f.state, ends_within: f.ends_within, sort: sortParam(sort.key, sort.dir) }),
    sort: { key: sort.key, dir: sort.dir, onSort: (key, dir) => navigate(here({ sort: sortParam(key, dir) })) },
    // the card reads the client's additional information: not a developer's (ob_subscriber_info_get)
    rowHref: mayUse(['owner', 'operator', 'consultant']) ? (s) => `/subscribers/${s.id}` : null,
    columns: [
      { key: 'code', sortKey: 'code', label: t('subscribers.code'), render: (s) => h('span', { class: 'mono', text: String(s.code) }), cls: 'num' },
      { key: 'name', sortKey: 'name', label: t('subscribers.name'), render: (s) => h('span', {}, h('strong', { text: s.name }), s.own_partner ? h('span', { class: 'badge badge-info badge-inline', text: t('subscribers.own') }) : null) },
      { key: 'tariff', label: t('clients.tariff'), render: tariffCell },
      { key: 'access_through', sortKey: 'through', label: t('clients.access'), render: (s) => accessCell(s, today) },
      { key: 'state', sortKey: 'state', label: t('common.state'), render: (s) => clientState(s, today) },
      { key: 'actions', label: '', cls: 'actions', render: (s) => (s.own_partner || !canRequest() ? null : h('span', {},
        button(t('clients.renew'), async () => { if (await renewClient(s, today)) table.reload(); }, { small: true, kind: 'primary' }),
        s.access_kind === 'main' ? [' ', button(t('clients.request'), () => requestChange(s), { small: true })] : null)) },
    ],
    empty: filtered ? { title: t('clients.empty_filtered') } : { title: t('subscribers.empty'), text: t('subscribers.empty_text') },
  });
  main.append(pageHeader(t('subscribers.title'), { subtitle: t('subscribers.subtitle'), actions: create }),
    card(t('clients.chart_title'), chartBox),
    card('', filters.el, { cls: 'card-filters' }),
    table.el);
}

/** Sessions used against the limit: the daily peak as bars, the limit as a line. */
export function usageChart(days) {
  const W = 640; const H = 150; const top = 14; const bottom = 26; const left = 26; const right = 6;
  const max = Math.max(1, ...days.map((d) => Math.max(d.peak, d.limit ?? 0)));
  const bw = (W - left - right) / days.length;
  const y = (v) => H - bottom - ((H - top - bottom) * v) / max;
  const { svg, el } = svgChart(W, H, 'chart chart-usage', t('client.usage_title'));
  el('line', { x1: left, x2: W - right, y1: H - bottom, y2: H - bottom, class: 'chart-axis' });
  el('text', { x: left - 4, y: y(max) + 4, class: 'chart-label', 'text-anchor': 'end' }, String(max));
  el('text', { x: left - 4, y: H - bottom, class: 'chart-label', 'text-anchor': 'end' }, '0');
  days.forEach((d, i) => {
    const x = left + i * bw;
    const bh = H - bottom - y(d.peak);
    const r = el('rect', { x: x + 1, y: y(d.peak), width: Math.max(1, bw - 2), height: bh, rx: 1, class: d.limit !== null && d.peak >= d.limit ? 'chart-bar chart-bar-past' : 'chart-bar', 'data-peak': d.peak });
    const title = document.createElementNS(SVG, 'title');
    title.textContent = t('client.usage_tip', { date: fmtDate(d.date), peak: d.peak, limit: d.limit ?? '—' });
    r.append(title);
    if (d.limit !== null) el('line', { x1: x, x2: x + bw, y1: y(d.limit), y2: y(d.limit), class: 'chart-limit' });
    if (i === 0 || i === days.length - 1 || i % 7 === 0) el('text', { x: x + bw / 2, y: H - bottom + 16, class: 'chart-label', 'text-anchor': 'middle' }, fmtShort(d.date));
  });
  return svg;
}

function subPeriod(x, own) {
  return own ? `${fmtDate(x.start)} — ${t('client.no_end')}` : `${fmtDate(x.start)} — ${fmtDate(x.through)}`;
}

/** The client card: access, subscriptions and postings, usage, users, areas, grants, information. */
export async function subscriber(main, { params }) {
  const box = h('div');
  main.append(box);
  const id = encodeURIComponent(params.id);
  const data = await loadInto(box, () => Promise.all([
    get(`/api/v1/subscribers/${id}`), get(`/api/v1/subscribers/${id}/info`), get('/api/v1/leave-reasons').catch(() => ({ items: [] })),
    // the owner invitation, while the client has no owner: among the invitations the partner's
    // owner and operators see (asking for this client's alone is refused once it has an owner)
    mayUse(['owner', 'operator']) ? get('/api/v1/member-invites?limit=200') : { items: [] },
    get(`/api/v1/subscribers/${id}/entitlement`),
  ]));
  if (!data) return;
  const [s, info, reasons, invites, ent] = data;
  const ownerInvites = { items: (invites.items || []).filter((i) => i.account === s.id) };
  const today = ent.date;
  setTitle(s.name);
  const reload = () => navigate(location.pathname, { replace: true });
  const completeBadge = h('span');
  const drawComplete = (c) => completeBadge.replaceChildren(c ? badge('complete', { label: t('info.complete') }) : badge('incomplete', { label: t('info.incomplete') }));
  drawComplete(info.complete);
  const infoForm = form({
    fields: INFO_FIELDS.map((f) => ({ ...f, label: f.label() })),
    values: info,
    submitLabel: t('info.save'),
    submitGate: roleGate(INFO_WRITERS),
    onSubmit: async (v) => {
      const r = await put(`/api/v1/subscribers/${id}/info`, { ...pick(info), ...v });
      Object.assign(info, r || v);
      drawComplete(info.complete);
      toast(t('info.saved'));
    },
  });
  const nameKey = currentLang() === 'ru' ? 'name_ru' : 'name_en';
  const leaveForm = form({
    fields: [
      { name: 'leave_reason', label: t('info.leave_reason'), type: 'select', options: [{ value: '', label: t('info.not_leaving') },
        ...(reasons.items || []).map((r) => ({ value: r.code, label: r[nameKey] || r.name_en || r.code }))] },
      { name: 'leave_comment', label: t('info.leave_comment'), type: 'textarea', span: 2 },
    ],
    values: info,
    submitLabel: t('info.save_leave'),
    submitGate: roleGate(INFO_WRITERS),
    onSubmit: async (v) => {
      const r = await put(`/api/v1/subscribers/${id}/info`, { ...pick(info), leave_reason: v.leave_reason || null, leave_comment: v.leave_comment });
      Object.assign(info, r || v);
      toast(t('info.saved'));
    },
  });

  // access and subscriptions
  const access = details([
    [t('common.state'), clientState(s, today)],
    [t('clients.access'), accessCell(s, today)],
    [t('clients.tariff'), tariffCell(s)],
    [t('client.sessions_limit'), h('strong', { 'data-testid': 'ent-sessions', text: ent.blocked ? '0' : String(ent.sessions) })],
  ]);
  const subsBox = h('div', {}, loading());
  // posting and requests: the partner's owner and operators (R-SUB-1, R-SUB-2)
  const actions = s.own_partner || !canRequest() ? null : h('span', { class: 'card-actions-row' },
    button(t('client.post_main'), async () => { if (await renewClient(s, today)) reload(); }, { small: true, kind: 'primary' }),
    ' ', button(t('client.ext_add'), async () => {
      const c = await loadClient(s);
      const ok = await withInfo(s, () => extensionDialog(c));
      if (ok && ok.id) { toast(t('client.ext_done', { name: s.name })); reload(); }
    }, { small: true }),
    s.access_kind === 'main' ? [' ', button(t('clients.request'), () => requestChange(s), { small: true })] : null);
  Promise.all([loadClient(s), all('/api/v1/tariffs').catch(() => [])]).then(([c, tariffs]) => {
    const tariffName = (x) => localName(tariffs.find((y) => y.code === x.code) || x);
    const rows = [...c.subs].sort((a, b) => (b.start.localeCompare(a.start)) || b.id - a.id);
    subsBox.replaceChildren(rows.length ? h('div', { class: 'table-scroll' }, h('table', { class: 'table', 'data-testid': 'subscriptions' },
      h('thead', {}, h('tr', {}, [t('clients.tariff'), t('client.kind'), t('clients.q_period'), t('client.quantity'), t('clients.q_due')]
        .map((l, i) => h('th', { scope: 'col', class: i >= 3 ? 'num' : null, text: l })))),
      h('tbody', {}, rows.map((x) => h('tr', { class: x.state === 'cancelled' ? 'muted' : null },
        h('td', {}, tariffName(x.tariff)),
        h('td', {}, tOr(`sub_kind.${x.kind}`, ''), x.state === 'cancelled' ? h('span', { class: 'cell-sub muted', text: t('client.cancelled') }) : null),
        h('td', { class: 'nowrap' }, subPeriod(x, s.own_partner)),
        h('td', { class: 'num' }, String(x.quantity ?? 1)),
        h('td', { class: 'num nowrap' }, x.amount_due !== undefined ? fmtMoney(x.amount_due) : '—'))))))
      : h('p', { class: 'muted', text: t('client.no_subs') }));
  }).catch((err) => subsBox.replaceChildren(errorBox(err)));

  // usage, users, areas, grants: each in its own card, each may fail alone
  const usageBox = h('div', {}, loading());
  get(`/api/v1/subscribers/${id}/session-usage?days=30`).then((u) => {
    const peak = Math.max(0, ...u.days.map((d) => d.peak));
    usageBox.replaceChildren(usageChart(u.days), h('p', { class: 'note', text: t('client.usage_note', { peak, limit: ent.blocked ? 0 : ent.sessions }) }));
  }).catch((err) => usageBox.replaceChildren(errorBox(err)));
  const listCard = (title, url, columns, emptyText) => {
    const body = h('div', {}, loading());
    get(url).then((r) => {
      const items = r.items || [];
      body.replaceChildren(items.length ? h('div', { class: 'table-scroll' }, h('table', { class: 'table' },
        h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', text: c.label })))),
        h('tbody', {}, items.map((x) => h('tr', {}, columns.map((c) => h('td', { class: c.cls }, c.render(x))))))))
        : h('p', { class: 'muted', text: emptyText }));
    }).catch((err) => body.replaceChildren(errorBox(err)));
    return card(title, body, { cls: 'card-fit' });
  };
  const usersCard = listCard(t('client.users'), `/api/v1/subscribers/${id}/users?limit=100`, [
    { label: t('client.person'), render: (u) => h('span', {}, u.name || u.email, u.name ? h('span', { class: 'cell-sub muted', text: u.email }) : null) },
    { label: t('client.roles'), render: (u) => roleBadges(u.roles) },
  ], t('client.no_users'));
  const areasCard = listCard(t('client.areas'), `/api/v1/areas?subscriber=${id}&limit=100`, [
    { label: t('client.area'), render: (a) => h('span', {}, a.name, a.test ? h('span', { class: 'cell-sub muted', text: t('client.test_area') }) : null) },
    { label: t('client.application'), render: (a) => h('span', {}, localName(a.application),
      a.version ? h('span', { class: 'cell-sub muted', text: t('areas.version', { v: a.version }) }) : null) },
    { label: t('common.state'), render: (a) => badge(a.state, { label: tOr(`area_state.${a.state}`, '') }) },
    // a test area moves to a test release: the partner checks its customisation (issue 15)
    { label: '', cls: 'actions', render: (a) => (a.test && a.state === 'ready' && !a.phase
      ? button(t('areas.change_version'), () => changeVersion(a, () => {}), { small: true, kind: 'ghost', ...roleGate(['owner', 'operator']) })
      : null) },
  ], t('client.no_areas'));
  const grantsCard = listCard(t('client.grants'), `/api/v1/grants?subscriber=${id}&limit=100`, [
    { label: t('client.person'), render: (g) => h('span', {}, g.person.name || g.person.email, g.person.name ? h('span', { class: 'cell-sub muted', text: g.person.email }) : null) },
    { label: t('client.area'), render: (g) => g.area.name },
    { label: t('client.until'), cls: 'nowrap', render: (g) => fmtDate(g.until) },
    { label: t('common.state'), render: (g) => badge(g.state, { label: tOr(`grant_state.${g.state}`, '') }) },
  ], t('client.no_grants'));

  box.append(
    pageHeader(s.name, {
      back: { href: '/subscribers', label: t('nav.subscribers') },
      subtitle: h('span', { class: 'head-meta' }, clientState(s, today),
        h('span', { class: 'code-chip' }, h('span', { class: 'muted', text: t('header.code') }), ' ', h('strong', { text: String(s.code) })),
        h('span', { class: 'code-chip' }, h('span', { class: 'muted', text: t('header.reporting') }), ' ', h('strong', { text: s.reporting_number || `FR${s.code}` })),
        h('span', { class: 'muted', text: t('partners.since_date', { date: fmtDate(s.created_at) }) })),
    }),
    h('div', { class: 'grid-2' },
      card(t('client.access_title'), access, { cls: 'card-fit' }),
      card(t('client.usage_title'), usageBox, { cls: 'card-fit' })),
    card(t('client.subs_title'), h('div', {}, s.own_partner ? h('p', { class: 'note', text: t('client.own_note') }) : null, subsBox), { actions }),
    h('div', { class: 'grid-2' }, usersCard, areasCard),
    h('div', { class: 'grid-2' }, grantsCard, lastReminderCard(account().id, s.id)),
    // Element.append writes a null as the text "null": spread nothing instead
    ...((ent.applications || []).includes('kassa') ? [registersCard(s.id, today.slice(0, 7))] : []),
    card(t('info.title'), h('div', {}, h('p', { class: 'note', text: t('info.note') }), infoForm.el), { actions: completeBadge }),
    card(t('info.leave_title'), h('div', {}, h('p', { class: 'note', text: t('info.leave_note') }), leaveForm.el)));
  if (ownerInvites.items?.length) {
    box.append(invitesCard(s.id, { canEdit: true, title: t('invites.owner_title'), note: t('invites.owner_note') }).el);
  }
}

function pick(info) {
  const out = {};
  for (const k of ['legal_name', 'inn', 'kpp', 'contact_person', 'phone', 'email', 'region', 'leave_reason', 'leave_comment']) {
    if (info[k] !== undefined && info[k] !== null) out[k] = info[k];
  }
  return out;
}
