// What was mailed (issue 13 item 7): the reminders of the end of access sent
// about a subscriber's account (a section of its subscription page, for its
// owner and administrators), the last reminder of a client (the partner's
// client card), and the provider's outbox ("Почта": filters, pages, export,
// re-send by an administrator). Bodies that carry a single-use link are never
// shown (the server leaves them out).
import { t, tn, tOr, fmtDate, fmtDateTime } from '../i18n.js';
import { get, post, withQuery } from '../api.js';
import {
  h, badge, card, details, dataTable, button, toast, toastError, pageHeader, form, loading, errorBox,
} from '../ui.js';
import { setTitle, navigate } from '../session.js';
import { mayUse } from '../roles.js';

export const MAIL_STATES = ['queued', 'sent', 'failed'];
// the templates the service mails, each with a name in the cabinet's words
export const TEMPLATES = ['access_reminder', 'partner_digest', 'password_reset', 'member_invited', 'partner_approved',
  'partner_rejected', 'request_decided', 'statement_closed', 'transfer_step', 'invitation_code', 'signup_confirm',
  'signup_sign_in', 'signup_partner'];
// a template added later without a name here is called "another message", never by its code
const templateName = (x) => tOr(`mail.template.${x}`, t('mail.template_other'));

/** The offset of a reminder in words: "за 7 дней", "в последний день", "через 5 дней после". */
export function offsetWords(days) {
  if (days === 0) return t('reminders.offset_zero');
  return days < 0 ? tn('reminders.offset_before', -days) : tn('reminders.offset_after', days);
}

/** What the mail server said of a reminder's mails (no reading is tracked). */
export function mailStateBadge(state) {
  return badge(state, { tone: { sent: 'ok', queued: 'warn', failed: 'bad', none: 'muted' }[state], label: t(`mail.state.${state}`) });
}

const recipients = (r) => h('span', {}, (r.mails || []).map((m, i) => h('span', { class: i ? 'cell-sub' : null },
  m.name || m.to, m.name ? h('span', { class: 'muted', text: ` ${m.to}` }) : null)));

/** The reminders sent about subscriber `sub` (its owner and administrators). */
export function remindersCard(sub) {
  const table = dataTable({
    url: `/api/v1/subscribers/${sub}/reminders`,
    columns: [
      { key: 'sent_day', label: t('reminders.sent'), cls: 'nowrap', render: (r) => h('span', {}, fmtDate(r.sent_day),
        r.late ? h('span', { class: 'cell-sub' }, badge('late', { tone: 'warn', label: t('reminders.late') })) : null) },
      { key: 'offset_days', label: t('reminders.when'), cls: 'nowrap', render: (r) => offsetWords(r.offset_days) },
      { key: 'last_day', label: t('reminders.through'), cls: 'nowrap', render: (r) => t('reminders.through_date', { date: fmtDate(r.last_day) }) },
      { key: 'mails', label: t('reminders.to'), sort: false, render: recipients },
      { key: 'mail_state', label: t('reminders.delivery'), render: (r) => (r.state === 'skipped'
        ? badge('skipped', { tone: 'muted', label: t('reminders.skipped') }) : mailStateBadge(r.mail_state)) },
    ],
    empty: { title: t('reminders.empty'), text: t('reminders.empty_text') },
  });
  return card(t('reminders.title'), h('div', {}, h('p', { class: 'note', text: t('reminders.note') }), table.el), { cls: 'reminders-card' });
}

/** The last reminder sent to a client, in the partner's client card. */
export function lastReminderCard(partner, sub) {
  const body = h('div', {}, loading());
  get(`/api/v1/partners/${partner}/reminders?subscriber=${sub}&limit=1`).then((p) => {
    const r = (p.items || [])[0];
    body.replaceChildren(r ? details([
      [t('reminders.sent'), h('span', {}, fmtDate(r.sent_day), ' ', r.late ? badge('late', { tone: 'warn', label: t('reminders.late') }) : null)],
      [t('reminders.when'), `${offsetWords(r.offset_days)} · ${t('reminders.through_date', { date: fmtDate(r.last_day) })}`],
      [t('reminders.to'), recipients(r)],
      [t('reminders.delivery'), h('span', { 'data-testid': 'last-reminder-state' }, mailStateBadge(r.mail_state))],
    ]) : h('p', { class: 'muted', text: t('reminders.none_yet') }));
  }).catch((err) => body.replaceChildren(errorBox(err)));
  return card(t('reminders.last_title'), h('div', {}, body, h('p', { class: 'note reminder-note', text: t('reminders.partner_note') })), { cls: 'card-fit' });
}

/** The partner's clients' last reminders, one row per client. */
export function partnerRemindersTable(partner) {
  return dataTable({
    url: `/api/v1/partners/${partner}/reminders`,
    rowHref: (r) => `/subscribers/${r.subscriber.id}`,
    columns: [
      { key: 'subscriber', label: t('reminders.client'), sort: (r) => r.subscriber.name, render: (r) => r.subscriber.name },
      { key: 'sent_day', label: t('reminders.sent'), cls: 'nowrap', render: (r) => fmtDate(r.sent_day) },
      { key: 'offset_days', label: t('reminders.when'), render: (r) => h('span', {}, offsetWords(r.offset_days),
        h('span', { class: 'cell-sub muted', text: t('reminders.through_date', { date: fmtDate(r.last_day) }) })) },
      { key: 'mail_state', label: t('reminders.delivery'), render: (r) => mailStateBadge(r.mail_state) },
    ],
    empty: { title: t('reminders.empty'), text: t('reminders.partner_empty_text') },
  });
}

// ---- the provider's outbox ---------------------------------------------------

/** "Почта": every outbound message, filtered, paged, exported. */
export async function outbox(main, { query }) {
  setTitle(t('mail.title'));
  const keys = ['state', 'template', 'to', 'from', 'to_date'];
  const filters = Object.fromEntries(keys.map((k) => [k, query.get(k) || '']));
  if (query.get('account')) filters.account = query.get('account');
  const f = form({
    fields: [
      { name: 'state', label: t('mail.state_label'), type: 'select',
        options: [{ value: '', label: t('common.all') }, ...MAIL_STATES.map((s) => ({ value: s, label: t(`mail.state.${s}`) }))] },
      { name: 'template', label: t('mail.template_label'), type: 'select',
        options: [{ value: '', label: t('common.all') }, ...TEMPLATES.map((x) => ({ value: x, label: templateName(x) }))] },
      { name: 'to', label: t('mail.to'), type: 'email' },
      { name: 'from', label: t('mail.from'), type: 'date' },
      { name: 'to_date', label: t('mail.to_date'), type: 'date' },
    ],
    values: filters,
    submitLabel: t('audit.apply'),
    cls: 'form-filters mail-filters',
    onSubmit: async (v) => { navigate(withQuery('/mail', { ...v, account: filters.account })); },
  });
  const table = dataTable({
    url: withQuery('/api/v1/outbox', filters),
    rowHref: (m) => `/mail/${m.id}`,
    columns: [
      { key: 'created_at', label: t('mail.created'), cls: 'nowrap', render: (m) => fmtDateTime(m.created_at) },
      { key: 'to', label: t('mail.to'), render: (m) => h('span', {}, m.to, m.account ? h('span', { class: 'cell-sub muted', text: m.account.name }) : null) },
      { key: 'subject', label: t('mail.subject'), cls: 'wrap wide', render: (m) => h('span', {}, m.subject,
        h('span', { class: 'cell-sub muted', text: templateName(m.template) })) },
      { key: 'state', label: t('mail.state_label'), render: (m) => h('span', {}, mailStateBadge(m.state),
        m.resent_from ? h('span', { class: 'cell-sub muted', text: t('mail.is_copy') }) : null) },
    ],
    empty: { title: t('mail.empty'), text: t('mail.empty_text') },
  });
  main.append(pageHeader(t('mail.title'), { subtitle: t('mail.subtitle') }), card('', f.el, { cls: 'card-filters' }), table.el);
}

/** One message: its headers, its text (unless it carries a single-use link), re-send. */
export async function message(main, { params }) {
  const id = encodeURIComponent(params.id);
  main.append(loading());
  let m;
  try { m = await get(`/api/v1/outbox/${id}`); } catch (err) { main.replaceChildren(errorBox(err)); return; }
  main.replaceChildren();
  setTitle(m.subject);
  // a failed or sent message, not re-sent yet, without a single-use link: a provider admin re-sends it
  const canResend = mayUse(['admin']) && m.state !== 'queued' && !m.resent_as && !m.body_hidden;
  const resend = canResend ? button(t('mail.resend'), async (ev) => {
    ev.currentTarget.disabled = true;
    try {
      const copy = await post(`/api/v1/outbox/${id}/resend`, {});
      toast(t('mail.resent'));
      navigate(`/mail/${copy.id}`);
    } catch (err) { toastError(err); ev.target.disabled = false; }
  }, { kind: 'primary', 'data-testid': 'mail-resend' }) : null;
  const link = (to, text) => h('a', { href: `/mail/${to}`, text });
  main.append(
    pageHeader(m.subject, { back: { href: '/mail', label: t('mail.title') }, actions: resend }),
    card(t('mail.about'), details([
      [t('mail.state_label'), h('span', {}, mailStateBadge(m.state), m.last_error ? h('span', { class: 'cell-sub muted', text: m.last_error }) : null)],
      [t('mail.to'), m.to],
      [t('mail.account'), m.account ? m.account.name : ''],
      [t('mail.template_label'), templateName(m.template)],
      [t('mail.created'), fmtDateTime(m.created_at)],
      [t('mail.sent_at'), m.sent_at ? fmtDateTime(m.sent_at) : ''],
      [t('mail.message_id'), h('span', { class: 'mono', text: m.message_id })],
      ...(m.resent_from ? [[t('mail.copy_of'), link(m.resent_from, t('mail.original'))]] : []),
      ...(m.resent_as ? [[t('mail.resent_as'), link(m.resent_as, t('mail.the_copy'))]] : []),
    ])),
    card(t('mail.body'), m.body_hidden
      ? h('p', { class: 'note', 'data-testid': 'mail-hidden', text: t('mail.hidden') })
      : h('pre', { class: 'mail-text', 'data-testid': 'mail-text', text: m.text })));
}
