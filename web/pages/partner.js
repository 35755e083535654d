// The partner's pages: its subscribers (list, create, detail with additional
// information and reason for leaving), employees, requests, its organisation.
import { t, fmtDate, currentLang } from '../i18n.js';
import { get, post, put, ApiError } from '../api.js';
import {
  h, badge, card, details, dataTable, button, tabs, formDialog, toast, toastError, pageHeader, form,
} from '../ui.js';
import { setTitle, navigate, account } from '../session.js';
import {
  requisitesDetails, statusesCard, employeesTable, invitesCard, requestsTable, REQUEST_STATES, REQUISITES, requisiteLabel, loadInto,
} from './common.js';

const isOwner = () => (account()?.roles || []).includes('owner');

export async function organization(main) {
  const acc = account();
  setTitle(t('org.title'));
  const box = h('div');
  main.append(box);
  const p = await loadInto(box, () => get(`/api/v1/partners/${acc.id}`));
  if (!p) return;
  box.append(
    pageHeader(p.name, { subtitle: t('org.subtitle'), actions: button(t('requests.file'), () => fileRequest(p), { kind: 'primary' }) }),
    h('div', { class: 'grid-2' },
      card(t('partners.requisites'), h('div', {}, requisitesDetails(p), h('p', { class: 'note', text: t('org.requisites_note') }))),
      card(t('partners.summary'), details([
        [t('common.state'), badge(p.state)],
        [t('partners.own_code'), p.own_subscriber ? String(p.own_subscriber.code) : ''],
        [t('header.reporting'), p.own_subscriber ? `FR${p.own_subscriber.code}` : ''],
        [t('partners.since'), fmtDate(p.created_at)],
      ]))),
    statusesCard(p.id, { canEdit: false }));
}

/** File a requisites change request (R-ACC-3); only changed fields are sent. */
export async function fileRequest(p) {
  const ok = await formDialog({
    title: t('requests.file'), text: t('requests.file_text'), wide: true,
    fields: [
      ...['name', 'inn', 'kpp', 'phone', 'email', 'site', 'region', 'address'].map((k) => ({ name: k, label: requisiteLabel(k), span: k === 'name' || k === 'address' ? 2 : 1 })),
      { name: 'reason', label: t('requests.reason'), type: 'textarea', required: true, span: 2 },
    ],
    values: p,
    submitLabel: t('requests.send'),
    onSubmit: async (v) => {
      const changes = {};
      for (const k of REQUISITES) if ((v[k] || '') !== (p[k] || '')) changes[k] = v[k];
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
  const file = button(t('requests.file'), async () => {
    try { await fileRequest(await get(`/api/v1/partners/${account().id}`)); } catch (err) { toastError(err); }
  }, { kind: 'primary' });
  main.append(pageHeader(t('requests.title'), { subtitle: t('requests.subtitle_partner'), actions: file }),
    tabs(['all', ...REQUEST_STATES].map((s) => ({ value: s, label: s === 'all' ? t('common.all') : t(`tab.${s}`) })), state,
      (s) => navigate(`/requests?state=${s}`)),
    table.el);
}

export async function employees(main) {
  setTitle(t('employees.title'));
  const { table, invite, invites } = employeesTable(account().id, { canEdit: isOwner() });
  main.append(pageHeader(t('employees.title'), { subtitle: isOwner() ? t('employees.subtitle_owner') : t('employees.subtitle'), actions: invite }), table.el);
  if (invites) main.append(invites.el);
}

export async function subscribers(main) {
  setTitle(t('subscribers.title'));
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
  }, { kind: 'primary' });
  const table = dataTable({
    url: '/api/v1/subscribers',
    rowHref: (s) => `/subscribers/${s.id}`,
    columns: [
      { key: 'code', label: t('subscribers.code'), render: (s) => h('span', { class: 'mono', text: String(s.code) }), cls: 'num' },
      { key: 'name', label: t('subscribers.name'), render: (s) => h('span', {}, h('strong', { text: s.name }), s.own_partner ? h('span', { class: 'badge badge-info badge-inline', text: t('subscribers.own') }) : null) },
      { key: 'reporting_number', label: t('header.reporting'), render: (s) => h('span', { class: 'mono', text: s.reporting_number || `FR${s.code}` }) },
      { key: 'state', label: t('common.state'), render: (s) => badge(s.state) },
      { key: 'created_at', label: t('subscribers.since'), cls: 'nowrap', render: (s) => fmtDate(s.created_at) },
    ],
    empty: { title: t('subscribers.empty'), text: t('subscribers.empty_text') },
  });
  main.append(pageHeader(t('subscribers.title'), { subtitle: t('subscribers.subtitle'), actions: create }), table.el);
}

export async function subscriber(main, { params }) {
  const box = h('div');
  main.append(box);
  const id = encodeURIComponent(params.id);
  const data = await loadInto(box, () => Promise.all([
    get(`/api/v1/subscribers/${id}`), get(`/api/v1/subscribers/${id}/info`), get('/api/v1/leave-reasons').catch(() => ({ items: [] })),
    // the owner invitation, while the client has no owner (refused once it has one)
    get(`/api/v1/member-invites?account=${id}`).catch(() => ({ items: [] })),
  ]));
  if (!data) return;
  const [s, info, reasons, ownerInvites] = data;
  setTitle(s.name);
  const completeBadge = h('span');
  const drawComplete = (c) => completeBadge.replaceChildren(c ? badge('complete', { label: t('info.complete') }) : badge('incomplete', { label: t('info.incomplete') }));
  drawComplete(info.complete);
  const infoForm = form({
    fields: [
      { name: 'legal_name', label: t('info.legal_name'), span: 2 },
      { name: 'inn', label: t('field.inn'), inputmode: 'numeric' },
      { name: 'kpp', label: t('field.kpp'), inputmode: 'numeric' },
      { name: 'contact_person', label: t('info.contact_person') },
      { name: 'phone', label: t('field.phone'), type: 'tel' },
      { name: 'email', label: t('field.email'), type: 'email' },
      { name: 'region', label: t('field.region') },
    ],
    values: info,
    submitLabel: t('info.save'),
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
    onSubmit: async (v) => {
      const r = await put(`/api/v1/subscribers/${id}/info`, { ...pick(info), leave_reason: v.leave_reason || null, leave_comment: v.leave_comment });
      Object.assign(info, r || v);
      toast(t('info.saved'));
    },
  });
  box.append(
    pageHeader(s.name, {
      back: { href: '/subscribers', label: t('nav.subscribers') },
      subtitle: h('span', { class: 'head-meta' }, badge(s.state),
        h('span', { class: 'code-chip' }, h('span', { class: 'muted', text: t('header.code') }), ' ', h('strong', { text: String(s.code) })),
        h('span', { class: 'code-chip' }, h('span', { class: 'muted', text: t('header.reporting') }), ' ', h('strong', { text: s.reporting_number || `FR${s.code}` })),
        h('span', { class: 'muted', text: t('partners.since_date', { date: fmtDate(s.created_at) }) })),
    }),
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
