// «Приглашения для регистрации» (R-ONB-1..3): a partner's invitation codes. The owner and the
// operators make a code (with an email it is mailed; the trial tariff is TRIAL-30 unless the
// partner picks another trial tariff) and see it big, grouped for reading aloud, with a copy
// button; they revoke an open one after a confirmation. The list shows each code's state at a
// glance and, once used, the client and the activation date (empty until then); it filters,
// pages and exports like every list.
import { t, fmtDate, localName, currentLang } from '../i18n.js';
import { get, post, withQuery } from '../api.js';
import { h, badge, button, card, dataTable, form, formDialog, confirmDialog, pageHeader, toast, toastError } from '../ui.js';
import { account, navigate, setTitle, session } from '../session.js';
import { mayUse } from '../roles.js';

export const INVITATION_STATES = ['open', 'activated', 'expired', 'revoked'];
const TONES = { open: 'ok', activated: 'info', expired: 'muted', revoked: 'warn' };

const stateBadge = (s) => badge(s, { tone: TONES[s], label: t(`invitations.state.${s}`) });
/** The last day a code works, as the rules write days ("30.03.2027"; "30 Mar 2027"): it stops at
 * 00:00 of the day after, in the service's time zone. */
const lastDay = (expiresAt) => dayOf(new Date(Date.parse(expiresAt) - 1000).toISOString());
function dayOf(instant) {
  const iso = new Intl.DateTimeFormat('en-CA', {
    timeZone: session.me?.time_zone || 'Europe/Moscow', year: 'numeric', month: '2-digit', day: '2-digit',
  }).format(new Date(instant));
  const [y, m, dd] = iso.split('-');
  return currentLang() === 'ru' ? `${dd}.${m}.${y}` : fmtDate(iso);
}

/** The code as the partner reads it out: big, grouped, with a copy button. */
function codeBox(code) {
  const copy = button(t('common.copy'), async () => {
    try { await navigator.clipboard.writeText(code); toast(t('common.copied')); } catch { toast(code); }
  }, { small: true, 'data-testid': 'invitation-copy' });
  return h('div', { class: 'invitation-code' },
    h('span', { class: 'invitation-code-text mono', 'data-testid': 'invitation-code', text: code }), copy);
}

async function trialTariffs(partner) {
  try {
    const page = await get(withQuery('/api/v1/tariffs', { kind: 'trial', partner, limit: 100 }));
    return (page.items || []).filter((x) => x.kind === 'trial' && x.active !== false);
  } catch {
    return [];
  }
}

function createdDialogBody(made) {
  return h('div', {}, codeBox(made.code), h('p', { class: 'note', text: t('invitations.valid_through', { date: lastDay(made.expires_at) }) }));
}

async function revoke(row, reload) {
  const ok = await confirmDialog({
    title: t('invitations.revoke_title'),
    text: t('invitations.revoke_text', { code: row.code }),
    confirm: t('invitations.revoke'),
    danger: true,
    onConfirm: async () => { await post(`/api/v1/invitations/${row.id}/revoke`, {}); },
  });
  if (ok) { toast(t('invitations.revoked')); reload(); return true; }
  return false;
}

export async function invitations(main, { query }) {
  setTitle(t('invitations.title'));
  const partner = account().id;
  const writer = mayUse(['owner', 'operator']);
  const filters = { partner, state: query.get('state') || '', q: query.get('q') || '' };
  const fl = form({
    fields: [
      { name: 'state', label: t('invitations.state_label'), type: 'select',
        options: [{ value: '', label: t('common.all') }, ...INVITATION_STATES.map((s) => ({ value: s, label: t(`invitations.state.${s}`) }))] },
      { name: 'q', label: t('invitations.search'), placeholder: t('invitations.search_hint') },
    ],
    values: filters,
    submitLabel: t('audit.apply'),
    cls: 'form-filters inv-filters',
    onSubmit: async (v) => navigate(withQuery('/invitations', v)),
  });
  let table;
  const reload = () => table.reload();
  table = dataTable({
    url: withQuery('/api/v1/invitations', filters),
    columns: [
      { key: 'code', label: t('invitations.code'), cls: 'nowrap', render: (r) => h('span', { class: 'mono', text: r.code }) },
      { key: 'email', label: t('invitations.email') },
      { key: 'created_at', label: t('invitations.created'), cls: 'nowrap', render: (r) => dayOf(r.created_at) },
      { key: 'expires_at', label: t('invitations.expires'), cls: 'nowrap', render: (r) => t('invitations.through', { date: lastDay(r.expires_at) }) },
      { key: 'subscriber_name', label: t('invitations.subscriber'), render: (r) => (r.subscriber_id
        ? h('span', {}, h('a', { href: `/subscribers/${r.subscriber_id}`, text: r.subscriber_name }),
          h('span', { class: 'cell-sub muted', text: t('invitations.subscriber_code', { code: r.subscriber_code }) }))
        : '') },
      { key: 'activated_at', label: t('invitations.activated'), cls: 'nowrap', render: (r) => (r.activated_at ? dayOf(r.activated_at) : '') },
      { key: 'state', label: t('invitations.state_label'), render: (r) => stateBadge(r.state) },
      writer ? { key: 'actions', label: '', cls: 'actions', sort: false, render: (r) => (r.state === 'open'
        ? button(t('invitations.revoke'), () => revoke(r, reload).then((done) => {
          if (done && shown.textContent.includes(r.code)) shown.replaceChildren();
        }).catch(toastError), { small: true, 'data-testid': `revoke-${r.id}` }) : '') } : null,
    ].filter(Boolean),
    empty: { title: t('invitations.empty'), text: t('invitations.empty_text') },
  });
  const makeBtn = writer ? button(t('invitations.new'), async () => {
    try {
      const tariffs = await trialTariffs(partner);
      const made = await formDialog({
        title: t('invitations.new'),
        text: t('invitations.new_text'),
        fields: [
          { name: 'email', label: t('invitations.email'), type: 'email', hint: t('invitations.email_hint'), autocomplete: 'off' },
          { name: 'lang', label: t('invitations.lang'), type: 'select', options: [{ value: 'ru', label: 'Русский' }, { value: 'en', label: 'English' }] },
          tariffs.length > 1 ? {
            name: 'tariff', label: t('invitations.tariff'), type: 'select',
            options: tariffs.map((x) => ({ value: String(x.id), label: localName(x) })),
          } : null,
        ].filter(Boolean),
        values: { lang: 'ru', tariff: String(tariffs.find((x) => x.code === 'TRIAL-30')?.id || tariffs[0]?.id || '') },
        submitLabel: t('invitations.make'),
        onSubmit: (v) => post('/api/v1/invitations', {
          partner, email: v.email || undefined, lang: v.lang, tariff: v.tariff ? Number(v.tariff) : undefined,
        }),
      });
      if (!made || made === true) return;
      reload();
      shown.replaceChildren(card(t('invitations.made_title'), h('div', {},
        h('p', { class: 'note', text: made.email ? t('invitations.made_mailed', { email: made.email }) : t('invitations.made_text') }),
        createdDialogBody(made)), { cls: 'invitation-made' }));
    } catch (err) { toastError(err); }
  }, { kind: 'primary', 'data-testid': 'invitation-new' }) : null;
  const shown = h('div');
  main.append(
    pageHeader(t('invitations.title'), { subtitle: t('invitations.subtitle'), actions: makeBtn }),
    shown,
    card('', fl.el, { cls: 'card-filters' }),
    table.el,
  );
}
