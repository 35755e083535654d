// The provider's pages: partner applications, partners, requests, audit log.
import { t, fmtDate } from '../i18n.js';
import { get, post, withQuery } from '../api.js';
import {
  h, badge, card, details, dataTable, button, tabs, confirmDialog, toast, pageHeader, form,
} from '../ui.js';
import { setTitle, navigate } from '../session.js';
import { mayUse } from '../roles.js';
import { AUDIT_GROUPS } from '../keys.js';
import {
  requisitesDetails, statusesCard, employeesTable, statusBadges, requestsTable, REQUEST_STATES, loadInto, auditTable,
} from './common.js';
import { providerTransfersCard } from './transfers.js';
import { payerCard } from './statements.js';

const APP_STATES = ['submitted', 'approved', 'rejected'];

export async function applications(main, { query }) {
  setTitle(t('applications.title'));
  const state = APP_STATES.includes(query.get('state')) ? query.get('state') : 'submitted';
  let table;
  const approve = async (a) => {
    const ok = await confirmDialog({
      title: t('applications.approve_title', { name: a.name }),
      text: t('applications.approve_text', { email: a.contact_email }),
      confirm: t('applications.approve'),
      onConfirm: () => post(`/api/v1/partner-applications/${a.id}/approve`),
    });
    if (ok) { toast(t('applications.approved', { name: a.name })); table.reload(); }
  };
  const reject = async (a) => {
    const ok = await confirmDialog({
      title: t('applications.reject_title', { name: a.name }),
      text: t('applications.reject_text'),
      confirm: t('applications.reject'), danger: true,
      reason: { label: t('applications.reason'), required: true },
      onConfirm: (v) => post(`/api/v1/partner-applications/${a.id}/reject`, { reason: v.reason }),
    });
    if (ok) { toast(t('applications.rejected', { name: a.name })); table.reload(); }
  };
  const columns = [
    { key: 'created_at', label: t('applications.received'), render: (a) => h('span', { class: 'nowrap', text: fmtDate(a.created_at) }) },
    { key: 'name', label: t('field.org_name'), render: (a) => h('span', {}, h('strong', { text: a.name }),
      [a.region, a.site].filter(Boolean).length ? h('span', { class: 'cell-sub muted', text: [a.region, a.site].filter(Boolean).join(' · ') }) : null) },
    { key: 'inn', label: t('applications.inn_kpp'), render: (a) => h('span', { class: 'mono' }, a.inn, a.kpp ? h('span', { class: 'cell-sub muted', text: a.kpp }) : null) },
    { key: 'contact_name', label: t('applications.contact'), render: (a) => h('span', {}, a.contact_name,
      h('span', { class: 'cell-sub muted', text: a.contact_email }), h('span', { class: 'cell-sub muted nowrap', text: a.phone })) },
    { key: 'comment', label: t('field.comment'), cls: 'wrap clamp', render: (a) => (a.comment ? h('span', { class: 'clamp-3', title: a.comment, text: a.comment }) : null) },
    state === 'submitted' ? null : { key: 'state', label: t('common.state'), render: (a) => h('span', {}, badge(a.state),
      a.reason ? h('span', { class: 'cell-sub muted', text: a.reason }) : null,
      a.partner_id ? h('a', { class: 'cell-sub', href: `/partners/${a.partner_id}`, text: t('applications.open_partner') }) : null) },
  ].filter(Boolean);
  if (state === 'submitted') {
    columns.push({ key: '', label: '', sort: false, cls: 'actions', render: (a) => h('span', { class: 'row-actions' },
      button(t('applications.approve'), () => approve(a), { small: true, kind: 'primary' }),
      button(t('applications.reject'), () => reject(a), { small: true, kind: 'danger-ghost' })) });
  }
  table = dataTable({
    url: withQuery('/api/v1/partner-applications', { state }),
    columns,
    empty: { title: t(`applications.empty_${state}`), text: state === 'submitted' ? t('applications.empty_text') : null },
  });
  main.append(
    pageHeader(t('applications.title'), { subtitle: t('applications.subtitle'),
      actions: h('a', { class: 'btn btn-secondary', href: '/apply', target: '_blank', text: t('applications.public_form') }) }),
    tabs(APP_STATES.map((s) => ({ value: s, label: t(`tab.${s}`) })), state, (s) => navigate(`/applications?state=${s}`)),
    table.el);
}

export async function partners(main) {
  setTitle(t('partners.title'));
  const table = dataTable({
    url: '/api/v1/partners',
    rowHref: (p) => `/partners/${p.id}`,
    columns: [
      { key: 'name', label: t('field.org_name'), render: (p) => h('strong', { text: p.name }) },
      { key: 'inn', label: t('field.inn'), render: (p) => h('span', { class: 'mono', text: p.inn }) },
      { key: 'region', label: t('field.region') },
      { key: 'statuses', label: t('partners.statuses'), render: (p) => statusBadges(p.statuses), sort: (p) => (p.statuses || []).filter((s) => s.active).length },
      { key: 'own_subscriber', label: t('partners.own_code'), render: (p) => (p.own_subscriber ? h('span', { class: 'mono', text: String(p.own_subscriber.code) }) : null), sort: (p) => p.own_subscriber?.code },
      { key: 'state', label: t('common.state'), render: (p) => badge(p.state) },
      { key: 'created_at', label: t('partners.since'), cls: 'nowrap', render: (p) => fmtDate(p.created_at) },
    ],
    empty: { title: t('partners.empty'), text: t('partners.empty_text'), action: h('a', { class: 'btn btn-secondary', href: '/applications', text: t('nav.applications') }) },
  });
  main.append(pageHeader(t('partners.title'), { subtitle: t('partners.subtitle') }), table.el);
}

export async function partner(main, { params }) {
  const box = h('div');
  main.append(box);
  const p = await loadInto(box, () => get(`/api/v1/partners/${encodeURIComponent(params.id)}`));
  if (!p) return;
  setTitle(p.name);
  // statuses are given and withdrawn, employees listed, by the provider's admins and operators
  const staff = mayUse(['admin', 'operator']);
  const emp = staff ? employeesTable(p.id, { canEdit: false }) : null;
  box.append(
    pageHeader(p.name, {
      back: { href: '/partners', label: t('nav.partners') },
      subtitle: h('span', { class: 'head-meta' }, badge(p.state), statusBadges(p.statuses),
        p.own_subscriber ? h('span', { class: 'muted', text: t('partners.own_subscriber', { code: p.own_subscriber.code }) }) : null,
        h('span', { class: 'muted', text: t('partners.since_date', { date: fmtDate(p.created_at) }) })),
    }),
    h('div', { class: 'grid-2' },
      card(t('partners.requisites'), requisitesDetails(p), { actions: h('a', { class: 'btn btn-ghost btn-sm', href: '/requests', text: t('nav.requests') }) }),
      card(t('partners.summary'), details([
        [t('partners.own_code'), p.own_subscriber ? String(p.own_subscriber.code) : ''],
        [t('header.reporting'), p.own_subscriber ? `FR${p.own_subscriber.code}` : ''],
        [t('common.state'), badge(p.state)],
      ]))),
    payerCard(p),
    statusesCard(p.id, { canEdit: staff }));
  if (emp) box.append(card(t('employees.title'), emp.table.el));
}

export async function requests(main, { query }) {
  setTitle(t('requests.title'));
  const state = [...REQUEST_STATES, 'all'].includes(query.get('state')) ? query.get('state') : 'open';
  const table = requestsTable({ state, provider: true });
  main.append(pageHeader(t('requests.title'), { subtitle: t('requests.subtitle_provider') }),
    tabs([...REQUEST_STATES, 'all'].map((s) => ({ value: s, label: s === 'all' ? t('common.all') : t(`tab.${s}`) })), state,
      (s) => navigate(`/requests?state=${s}`)),
    table.el,
    providerTransfersCard());
}

/** The audit log's kinds of action, by the prefix of their names (a filter takes "area.*"). */

export async function audit(main, { query }) {
  setTitle(t('audit.title'));
  const keys = ['account', 'action', 'from', 'to', 'q'];
  const filters = Object.fromEntries(keys.map((k) => [k, query.get(k) || '']));
  const f = form({
    fields: [
      { name: 'q', label: t('audit.q'), placeholder: t('audit.q_ph') },
      { name: 'action', label: t('audit.action'), type: 'select',
        options: [{ value: '', label: t('common.all') }, ...AUDIT_GROUPS.map((g) => ({ value: `${g}.*`, label: t(`audit.group.${g}`) }))] },
      { name: 'account', label: t('audit.account'), inputmode: 'numeric' },
      { name: 'from', label: t('audit.from'), type: 'date' },
      { name: 'to', label: t('audit.to'), type: 'date' },
    ],
    values: filters,
    submitLabel: t('audit.apply'),
    cls: 'form-filters',
    onSubmit: async (v) => { navigate(withQuery('/audit', v)); },
  });
  const table = auditTable(withQuery('/api/v1/audit', filters));
  main.append(pageHeader(t('audit.title'), { subtitle: t('audit.subtitle') }), card('', f.el, { cls: 'card-filters' }), table.el);
}
