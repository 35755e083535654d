// Pieces shared by the provider's and the partner's pages.
import { t, tOr, fmtDate, fmtDateTime, fmtMoney, localName, currentLang } from '../i18n.js';
import { auditSentence, actorOf, changeLabel, changeValue } from './sentences.js';
import { get, post, del, patch, withQuery } from '../api.js';
import { today } from '../session.js';
import { roleGate } from '../roles.js';
import {
  h, clear, badge, roleBadges, card, details, dataTable, button, confirmDialog, formDialog, toast, toastError, loading, errorBox,
} from '../ui.js';

export const STATUS_CODES = ['csk', 'erp_cc', 'corp_list', 'cso'];
export const PARTNER_ROLES = ['owner', 'operator', 'consultant', 'developer'];
export const SUBSCRIBER_ROLES = ['owner', 'administrator', 'user'];
export const REQUISITES = ['name', 'inn', 'kpp', 'phone', 'email', 'site', 'address', 'region'];

export const roleOptions = (roles) => roles.map((r) => ({ value: r, label: t(`role.${r}`) }));
export const requisiteLabel = (k) => t(k === 'name' ? 'field.org_name' : k === 'email' ? 'field.org_email' : `field.${k}`);

export function requisitesDetails(p) {
  return details(REQUISITES.map((k) => [requisiteLabel(k), k === 'site' && p.site ? h('a', { href: p.site, target: '_blank', rel: 'noopener noreferrer', text: p.site }) : p[k]]));
}

export function statusBadges(statuses) {
  const active = (statuses || []).filter((s) => s.active);
  if (!active.length) return null;
  return h('span', { class: 'roles' }, active.map((s) => h('span', { class: 'badge badge-info', title: t(`status.${s.status}.long`) }, t(`status.${s.status}`))));
}

/** A partner's statuses with validity; the provider adds and withdraws them. */
export function statusesCard(partnerId, { canEdit }) {
  const url = `/api/v1/partners/${partnerId}/statuses`;
  let table;
  const add = canEdit ? button(t('statuses.add'), async () => {
    const ok = await formDialog({
      title: t('statuses.add'),
      fields: [
        { name: 'status', label: t('statuses.status'), type: 'select', required: true, options: STATUS_CODES.map((s) => ({ value: s, label: `${t(`status.${s}`)} — ${t(`status.${s}.long`)}` })) },
        { name: 'valid_from', label: t('statuses.valid_from'), type: 'date', required: true },
        { name: 'valid_to', label: t('statuses.valid_to'), type: 'date', hint: t('statuses.valid_to_hint') },
        { name: 'note', label: t('field.note'), type: 'textarea' },
      ],
      values: { valid_from: today() },
      submitLabel: t('statuses.grant'),
      onSubmit: async (v) => {
        const body = { status: v.status, valid_from: v.valid_from };
        if (v.valid_to) body.valid_to = v.valid_to;
        if (v.note) body.note = v.note;
        await post(url, body);
      },
    });
    if (ok) { toast(t('statuses.added')); table.reload(); }
  }, { kind: 'primary', small: true }) : null;
  const columns = [
    { key: 'status', label: t('statuses.status'), render: (s) => h('span', {}, h('strong', { text: t(`status.${s.status}`) }), h('span', { class: 'muted cell-sub', text: t(`status.${s.status}.long`) })) },
    { key: 'valid_from', label: t('statuses.valid_from'), cls: 'nowrap', render: (s) => fmtDate(s.valid_from) },
    { key: 'valid_to', label: t('statuses.valid_to'), cls: 'nowrap', render: (s) => (s.valid_to ? fmtDate(s.valid_to) : t('statuses.open_ended')) },
    { key: 'active', label: t('common.state'), render: (s) => badge(s.active ? 'active' : 'expired', { label: s.active ? t('statuses.active') : t('statuses.inactive') }) },
    { key: 'note', label: t('field.note') },
  ];
  if (canEdit) {
    columns.push({ key: '', label: '', sort: false, cls: 'actions', render: (s) => button(t('statuses.withdraw'), async () => {
      const ok = await confirmDialog({
        title: t('statuses.withdraw_title', { status: t(`status.${s.status}`) }), text: t('statuses.withdraw_text'), confirm: t('statuses.withdraw'), danger: true,
        onConfirm: () => del(`${url}/${s.id}`),
      });
      if (ok) { toast(t('statuses.withdrawn')); table.reload(); }
    }, { small: true, kind: 'danger-ghost' }) });
  }
  table = dataTable({ url, columns, exportable: false, empty: { title: t('statuses.empty'), text: canEdit ? t('statuses.empty_provider') : t('statuses.empty_partner') } });
  return card(t('statuses.title'), table.el, { actions: add });
}

/**
 * An account's open invitations (pending or expired): who, which roles, sent,
 * valid until; managers send one again or withdraw it. canEditRow says which
 * rows the viewer may touch (a subscriber's administrator: not owner ones).
 */
export function invitesCard(accountId, { canEdit, withLimit = false, canEditRow = () => true, title, note }) {
  const url = `/api/v1/member-invites?account=${accountId}`;
  let table;
  const columns = [
    { key: 'email', label: t('field.email'), render: (i) => h('strong', { text: i.email }) },
    { key: 'roles', label: t('field.roles'), render: (i) => roleBadges(i.roles), sort: (i) => i.roles.join(',') },
    withLimit ? { key: 'session_limit', label: t('users.session_limit'), cls: 'num',
      render: (i) => (i.session_limit === null ? h('span', { class: 'muted', text: t('users.no_limit') }) : String(i.session_limit)) } : null,
    { key: 'created_at', label: t('invites.sent'), cls: 'nowrap', render: (i) => fmtDate(i.created_at) },
    { key: 'expires_at', label: t('invites.expires'), cls: 'nowrap', render: (i) => (i.state === 'expired'
      ? h('span', {}, badge('expired', { label: t('invites.expired') }), h('span', { class: 'cell-sub muted', text: fmtDateTime(i.expires_at) }))
      : fmtDateTime(i.expires_at)) },
  ].filter(Boolean);
  if (canEdit) {
    columns.push({ key: '', label: '', sort: false, cls: 'actions', render: (i) => (!canEditRow(i) ? null : h('span', { class: 'row-actions' },
      button(t('invites.resend'), async () => {
        try {
          await post(`/api/v1/member-invites/${i.id}/resend`);
          toast(t('invites.resent'));
          table.reload();
        } catch (err) { toastError(err); }
      }, { small: true, kind: 'ghost' }),
      button(t('invites.withdraw'), async () => {
        const ok = await confirmDialog({
          title: t('invites.withdraw_title', { email: i.email }), text: t('invites.withdraw_text'), confirm: t('invites.withdraw'), danger: true,
          onConfirm: () => del(`/api/v1/member-invites/${i.id}`),
        });
        if (ok) { toast(t('invites.withdrawn')); table.reload(); }
      }, { small: true, kind: 'danger-ghost' }))) });
  }
  table = dataTable({ url, columns, empty: { title: t('invites.empty') } });
  const el = card(title || t('invites.title'), h('div', { class: 'invites' }, h('p', { class: 'note', text: note || t('invites.note') }), table.el));
  return { el, table };
}

/** A partner's employees: the owner invites, changes roles, removes; pending invitations below. */
export function employeesTable(partnerId, { canEdit }) {
  const url = `/api/v1/partners/${partnerId}/employees`;
  let table;
  const invites = canEdit ? invitesCard(partnerId, { canEdit }) : null;
  const roleFields = (values) => [{ name: 'roles', label: t('field.roles'), type: 'checkboxes', required: true, options: roleOptions(PARTNER_ROLES), span: 2 }];
  const invite = canEdit ? button(t('employees.invite'), async () => {
    const ok = await formDialog({
      title: t('employees.invite'), text: t('employees.invite_text'),
      fields: [
        { name: 'email', label: t('field.email'), type: 'email', required: true },
        { name: 'name', label: t('field.person_name') },
        ...roleFields(),
      ],
      values: { roles: ['operator'] },
      submitLabel: t('employees.send'),
      onSubmit: async (v) => { await post(url, { email: v.email, name: v.name || undefined, roles: v.roles }); },
    });
    if (ok) { toast(t('employees.invited')); invites.table.reload(); }
  }, { kind: 'primary' }) : null;
  const columns = [
    { key: 'name', label: t('field.person_name'), render: (e) => e.name || h('span', { class: 'muted', text: t('common.no_name') }) },
    { key: 'email', label: t('field.email') },
    { key: 'roles', label: t('field.roles'), render: (e) => roleBadges(e.roles), sort: (e) => e.roles.join(',') },
  ];
  if (canEdit) {
    columns.push({ key: '', label: '', sort: false, cls: 'actions', render: (e) => h('span', { class: 'row-actions' },
      button(t('common.edit_roles'), async () => {
        const ok = await formDialog({
          title: t('employees.roles_title', { who: e.name || e.email }), fields: roleFields(), values: { roles: e.roles },
          onSubmit: async (v) => { await patch(`${url}/${e.person}`, { roles: v.roles }); },
        });
        if (ok) { toast(t('common.saved')); table.reload(); }
      }, { small: true, kind: 'ghost' }),
      button(t('common.remove'), async () => {
        const ok = await confirmDialog({
          title: t('employees.remove_title', { who: e.name || e.email }), text: t('employees.remove_text'), confirm: t('common.remove'), danger: true,
          onConfirm: () => del(`${url}/${e.person}`),
        });
        if (ok) { toast(t('employees.removed')); table.reload(); }
      }, { small: true, kind: 'danger-ghost' })) });
  }
  table = dataTable({ url, columns, empty: { title: t('employees.empty') } });
  return { table, invite, invites };
}

/** The changes a request asks, "field: value" lines with people's words for both. */
export function changesList(changes) {
  // the payer's kind before the distributor it names (the server keeps the keys sorted)
  const entries = Object.entries(changes || {}).sort(([a], [b]) => (a === 'settle_with' ? -1 : b === 'settle_with' ? 1 : 0));
  if (!entries.length) return null;
  return h('ul', { class: 'changes' }, entries.map(([k, v]) => h('li', {}, h('span', { class: 'muted', text: `${changeLabel(k)}: ` }), h('span', { text: changeValue(k, v) }))));
}

export const REQUEST_STATES = ['open', 'applied', 'rejected'];

/** The last day of [start, end): people are shown "through" (R-SUB-0). */
const through = (end) => (end ? new Date(Date.parse(`${end}T12:00:00Z`) - 86400000).toISOString().slice(0, 10) : end);

/** The subscription a request is about: the client by name, the tariff by its name, the period. */
function requestSubject(r) {
  const s = r.subscription;
  if (!s) return null;
  return h('span', { class: 'request-subject' },
    h('strong', { text: s.subscriber?.name || '' }),
    h('span', { class: 'cell-sub', text: `${localName({ name_ru: s.tariff_name_ru, name_en: s.tariff_name_en, code: s.tariff })} · ${tOr(`sub_kind.${s.kind}`, s.kind)}` }),
    h('span', { class: 'cell-sub muted nowrap', text: `${fmtDate(s.start)} – ${fmtDate(through(s.end))}` }));
}

/** What "quantity" counts for a subscription of this kind (R-SUB-1 quantity). */
export const quantityMeaning = (kind) => t(kind === 'extension' || kind === 'short_extension' ? 'requests.quantity_units' : 'requests.quantity_once');

/** A statement month 'YYYY-MM' as people read it: "ноябрь 2026 г.", "November 2026". */
function monthName(m) {
  const d = new Date(`${m}-15T12:00:00Z`);
  if (Number.isNaN(d.getTime())) return m;
  return new Intl.DateTimeFormat(currentLang() === 'ru' ? 'ru-RU' : 'en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(d);
}

/** One side of a quote: the period, the price, and the partner's terms. */
function quoteSide(s) {
  if (s.state === 'cancelled') return t('requests.quote_cancelled');
  return `${fmtDate(s.start)} – ${fmtDate(s.through)}, ${t('audit.period', { months: s.term_months })}${s.quantity > 1 ? ` × ${s.quantity}` : ''}; `
    + `${fmtMoney(s.price)}; ${t('requests.quote_discount', { pct: s.discount.pct, rule: tOr(`rule.${s.discount.rule}`, s.discount.rule) })}; `
    + `${t('requests.quote_due', { due: fmtMoney(s.amount_due) })}`;
}

/** The body of a subscription request's decision: what it asks, and what applying it changes (the quote). */
function requestBody(r) {
  const s = r.subscription;
  const box = h('div', { class: 'request-decision' });
  const rows = [
    [t('requests.client'), s.subscriber?.name],
    [t('change.tariff'), localName({ name_ru: s.tariff_name_ru, name_en: s.tariff_name_en, code: s.tariff })],
    [t('requests.period'), `${fmtDate(s.start)} – ${fmtDate(through(s.end))}`],
  ];
  if (Object.keys(r.changes || {}).length) rows.push([t('requests.changes'), changesList(r.changes)]);
  if (r.changes?.quantity) rows.push([t('requests.quantity_what'), quantityMeaning(s.kind)]);
  rows.push([t('requests.reason'), r.reason]);
  box.append(details(rows));
  if (r.kind === 'trial_change') return box;
  const quote = h('div', { class: 'request-quote' }, loading());
  box.append(quote);
  get(`/api/v1/requests/${r.id}/quote`).then((q) => {
    const diff = q.difference.amount_due;
    clear(quote).append(details([
      [t('requests.quote_before'), quoteSide(q.before)],
      [t('requests.quote_after'), quoteSide(q.after)],
      [t('requests.quote_change'), h('strong', { class: 'quote-change', text: `${diff > 0 ? '+' : ''}${fmtMoney(diff)}` })],
      q.statement ? [t('requests.quote_month'), t(`requests.quote_month_${q.statement.state}`, { month: monthName(q.statement.month) })] : null,
      q.statement ? [t('requests.quote_correction'), h('span', { class: q.statement.correction ? 'quote-correction' : 'muted', text: q.statement.correction ? t('requests.quote_correction_yes', { diff: `${diff > 0 ? '+' : ''}${fmtMoney(diff)}` }) : t(q.statement.state === 'closed' ? 'requests.quote_correction_same' : 'requests.quote_correction_open') })] : null,
    ].filter(Boolean)));
  }).catch((err) => { clear(quote).append(errorBox(err)); });
  return box;
}

/** The apply dialog of a request, by its kind. */
function applyDialog(r) {
  const client = r.subscription?.subscriber?.name || '';
  const tariff = r.subscription ? localName({ name_ru: r.subscription.tariff_name_ru, name_en: r.subscription.tariff_name_en, code: r.subscription.tariff }) : '';
  const kinds = {
    requisites: { title: t('requests.apply_title', { name: r.partner?.name || '' }), text: t('requests.apply_text'), body: changesList(r.changes) },
    subscription_change: { title: t('requests.apply_change_title', { client }), text: t('requests.apply_change_text') },
    subscription_cancel: { title: t('requests.apply_cancel_title', { client, tariff }), text: t(r.subscription?.kind === 'main' ? 'requests.apply_cancel_main' : 'requests.apply_cancel_text'), danger: true },
    trial_change: { title: t('requests.apply_trial_title', { client }), text: t('requests.apply_trial_text', { end: fmtDate(r.changes?.end) }) },
  };
  const k = kinds[r.kind] || kinds.requisites;
  return confirmDialog({
    title: k.title, text: k.text, body: k.body !== undefined ? k.body : requestBody(r), danger: k.danger,
    confirm: r.kind === 'subscription_cancel' ? t('requests.apply_cancel') : t('requests.apply'),
    reason: { label: t('requests.note') },
    onConfirm: (v) => post(`/api/v1/requests/${r.id}/decision`, { decision: 'apply', note: v.reason || undefined }),
  });
}

/** Requests list: the provider decides, a partner files and follows. */
export function requestsTable({ state, provider: isProvider }) {
  let table;
  const url = withQuery('/api/v1/requests', { state: state === 'all' ? '' : state });
  const columns = [
    { key: 'filed_at', label: t('requests.filed'), render: (r) => h('span', {}, h('span', { class: 'nowrap', text: fmtDateTime(r.filed_at) }),
      h('span', { class: 'cell-sub muted', text: r.filed_by?.email || '' })) },
    isProvider
      ? { key: 'partner', label: t('requests.partner'), sort: (r) => r.partner?.name, render: (r) => h('span', {},
        r.partner ? h('a', { href: `/partners/${r.partner.id}`, text: r.partner.name }) : null, h('span', { class: 'cell-sub muted', text: tOr(`request.${r.kind}`, r.kind) })) }
      : { key: 'kind', label: t('requests.kind'), render: (r) => tOr(`request.${r.kind}`, r.kind) },
    { key: 'client', label: t('requests.client'), sort: (r) => r.subscription?.subscriber?.name || '', render: (r) => requestSubject(r) },
    { key: 'changes', label: t('requests.changes'), sort: false, render: (r) => h('span', {},
      changesList(r.changes),
      r.kind === 'subscription_cancel' ? h('span', { text: t('requests.cancel_all') }) : null,
      r.late ? h('span', { class: 'badge badge-warn', text: t('requests.late') }) : null) },
    { key: 'reason', label: t('requests.reason'), cls: 'wrap' },
    { key: 'state', label: t('common.state'), render: (r) => h('span', {}, badge(r.state), r.decision_note ? h('span', { class: 'cell-sub muted', text: r.decision_note }) : null) },
  ].filter(Boolean);
  if (isProvider) {
    columns.push({ key: '', label: '', sort: false, cls: 'actions', render: (r) => (r.state !== 'open' ? null : h('span', { class: 'row-actions' },
      button(t('requests.apply'), async () => {
        const ok = await applyDialog(r);
        if (ok) { toast(t('requests.applied')); table.reload(); }
      }, { small: true, kind: 'primary', ...roleGate(['admin', 'operator']) }),
      button(t('requests.reject'), async () => {
        const ok = await confirmDialog({
          title: t('requests.reject_title', { name: r.subscription?.subscriber?.name || r.partner?.name || '' }), text: t('requests.reject_text'), confirm: t('requests.reject'), danger: true,
          reason: { label: t('requests.reject_reason'), required: true },
          onConfirm: (v) => post(`/api/v1/requests/${r.id}/decision`, { decision: 'reject', note: v.reason }),
        });
        if (ok) { toast(t('requests.rejected')); table.reload(); }
      }, { small: true, kind: 'danger-ghost', ...roleGate(['admin', 'operator']) }))) });
  }
  table = dataTable({ url, columns, empty: { title: t('requests.empty'), text: isProvider ? t('requests.empty_provider') : t('requests.empty_partner') } });
  return table;
}

/** Loads a thing, showing "loading" and an error box in place. */
export async function loadInto(el, fn) {
  clear(el).append(loading());
  try {
    const r = await fn();
    clear(el);
    return r;
  } catch (err) {
    clear(el).append(errorBox(err));
    return null;
  }
}

export function auditTable(url) {
  return dataTable({
    url,
    columns: [
      { key: 'at', label: t('audit.at'), render: (a) => h('span', {}, h('span', { class: 'nowrap', text: fmtDateTime(a.at) }),
        h('span', { class: 'cell-sub' }, a.sealed ? h('span', { class: 'seal seal-on', text: t('audit.sealed_yes') }) : h('span', { class: 'seal', text: t('audit.sealed_no') }))) },
      { key: 'actor', label: t('audit.actor'), render: (a) => h('span', {}, actorOf(a).text,
        a.actor?.person_name && a.actor?.name ? h('span', { class: 'cell-sub muted', text: a.actor.name }) : null,
        a.account_name ? h('span', { class: 'cell-sub muted', text: a.account_name }) : null), sort: (a) => actorOf(a).text },
      { key: 'summary', label: t('audit.what'), cls: 'wrap wide', render: (a) => h('span', { class: 'audit-sentence', text: auditSentence(a) }), sort: false },
      { key: 'addr', label: t('audit.addr'), render: (a) => (a.addr ? h('span', { class: 'mono', text: a.addr }) : null) },
    ],
    empty: { title: t('audit.empty'), text: t('audit.empty_text') },
  });
}

export { get };
