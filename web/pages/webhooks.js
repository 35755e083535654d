// webhooks.js — a partner's (its owners') or the provider's (its admins')
// webhook endpoints: add one (the signing secret shown once, with a copy
// button), choose the kinds of events, test, a new secret, turn off and on,
// delete; and each endpoint's delivery log with every attempt and a re-send.
import { t, tOr, fmtDateTime } from '../i18n.js';
import { get, post, patch, del, withQuery } from '../api.js';
import { h, clear, badge, button, card, details, pageHeader, tabs, dataTable, formDialog, confirmDialog, revealDialog, toast, toastError, loading, errorBox } from '../ui.js';
import { account, navigate, setTitle } from '../session.js';
import { WEBHOOK_KINDS } from '../keys.js';

const kindName = (k) => tOr(`webhooks.kind.${k.replace(/\./g, '_')}`, k);

function kindsText(w) {
  if (!w.kinds.length) return t('webhooks.all_kinds');
  return w.kinds.map(kindName).join(', ');
}

function stateBadge(w) {
  if (w.state === 'disabled') return badge('blocked', { label: t('webhooks.off') });
  if (w.failing_since) return badge('pending', { tone: 'warn', label: t('webhooks.failing') });
  return badge('active', { label: t('webhooks.on') });
}

function endpointFields() {
  return [
    { name: 'url', label: t('webhooks.url'), required: true, type: 'url', mono: true, placeholder: 'https://', hint: t('webhooks.url_hint'), span: 2 },
    { name: 'description', label: t('webhooks.description'), span: 2 },
    { name: 'kinds', label: t('webhooks.kinds'), type: 'checkboxes', hint: t('webhooks.kinds_hint'), span: 2,
      options: WEBHOOK_KINDS.map((k) => ({ value: k, label: kindName(k) })) },
  ];
}

function showSecret(secret) {
  return revealDialog({ title: t('webhooks.secret_title'), text: t('webhooks.secret_text'), value: secret });
}

async function addEndpoint(reload) {
  const r = await formDialog({
    title: t('webhooks.add'), fields: endpointFields(), values: { kinds: [] }, submitLabel: t('webhooks.add'), wide: true,
    onSubmit: (v) => post('/api/v1/webhooks', { account: account().id, url: v.url, description: v.description, kinds: v.kinds }),
  });
  if (!r || !r.secret) return;
  await showSecret(r.secret);
  reload();
}

async function editEndpoint(w, reload) {
  const r = await formDialog({
    title: t('webhooks.edit'), fields: endpointFields(), values: w, wide: true,
    onSubmit: (v) => patch(`/api/v1/webhooks/${w.id}`, { url: v.url, description: v.description, kinds: v.kinds }),
  });
  if (r) { toast(t('webhooks.saved')); reload(); }
}

async function act(fn, done) {
  try { await fn(); done(); } catch (err) { toastError(err); }
}

function endpointActions(w, reload) {
  return h('span', { class: 'row-actions' },
    button(t('webhooks.log'), () => navigate(`/webhooks/${w.id}`), { small: true, 'data-testid': 'log' }),
    button(t('webhooks.test'), () => act(() => post(`/api/v1/webhooks/${w.id}/test`), () => toast(t('webhooks.test_queued'))), { small: true, 'data-testid': 'test' }),
    button(t('webhooks.edit_short'), () => editEndpoint(w, reload), { small: true }),
    w.state === 'disabled'
      ? button(t('webhooks.turn_on'), () => act(() => patch(`/api/v1/webhooks/${w.id}`, { state: 'active' }), reload), { small: true, 'data-testid': 'turn-on' })
      : button(t('webhooks.turn_off'), () => act(() => patch(`/api/v1/webhooks/${w.id}`, { state: 'disabled' }), reload), { small: true }),
    button(t('webhooks.rotate'), async () => {
      const ok = await confirmDialog({ title: t('webhooks.rotate_title'), text: t('webhooks.rotate_text'), confirm: t('webhooks.rotate') });
      if (!ok) return;
      try { const r = await post(`/api/v1/webhooks/${w.id}/rotate`); await showSecret(r.secret); } catch (err) { toastError(err); }
    }, { small: true }),
    button(t('webhooks.delete'), async () => {
      const ok = await confirmDialog({ title: t('webhooks.delete_title'), text: t('webhooks.delete_text', { url: w.url }), confirm: t('webhooks.delete'), danger: true });
      if (ok) act(() => del(`/api/v1/webhooks/${w.id}`), reload);
    }, { small: true, kind: 'ghost' }));
}

/** The list of endpoints of the current account. */
export async function webhooks(main) {
  setTitle(t('webhooks.title'));
  const table = dataTable({
    url: withQuery('/api/v1/webhooks', { account: account().id }),
    exportable: false,
    columns: [
      { key: 'url', label: t('webhooks.url'), render: (w) => h('span', {}, h('span', { class: 'mono', text: w.url }),
        w.description ? h('span', { class: 'cell-sub muted', text: w.description }) : null,
        h('span', { class: 'cell-sub narrow-only', text: kindsText(w) }), h('span', { class: 'cell-sub narrow-only' }, stateBadge(w))) },
      { key: 'kinds', label: t('webhooks.kinds'), cls: 'wide-only', render: (w) => h('span', { class: 'cell-wrap', text: kindsText(w) }) },
      { key: 'state', label: t('common.state'), cls: 'wide-only', render: (w) => h('span', {}, stateBadge(w),
        w.failing_since && w.state === 'active' ? h('span', { class: 'cell-sub muted', text: t('webhooks.failing_since', { at: fmtDateTime(w.failing_since) }) }) : null,
        w.disabled_at ? h('span', { class: 'cell-sub muted', text: t('webhooks.disabled_at', { at: fmtDateTime(w.disabled_at) }) }) : null) },
      { key: '', label: '', sort: false, cls: 'actions', render: (w) => endpointActions(w, () => table.reload()) },
    ],
    empty: { title: t('webhooks.empty'), text: t('webhooks.empty_text') },
  });
  main.append(pageHeader(t('webhooks.title'), { subtitle: t('webhooks.subtitle'),
    actions: button(t('webhooks.add'), () => addEndpoint(() => table.reload()), { kind: 'primary', 'data-testid': 'add-webhook' }) }),
  h('div', { class: 'webhooks-page' }, table.el));
}

const DELIVERY_STATES = ['all', 'pending', 'failed', 'delivered', 'dead'];
const DELIVERY_TONES = { pending: 'warn', failed: 'bad', delivered: 'ok', dead: 'muted' };

function answerText(d) {
  if (!d.attempt) return t('webhooks.not_tried');
  const status = d.last_status ? t('webhooks.status', { status: d.last_status }) : t('webhooks.no_answer');
  return `${status} · ${t('webhooks.ms', { ms: d.answer_ms })}`;
}

function attemptsList(d) {
  if (!d.attempts?.length) return null;
  return h('details', { class: 'cell-sub' }, h('summary', { text: t('webhooks.attempts', { n: d.attempt }) }),
    h('ul', { class: 'plain' }, d.attempts.map((a) => h('li', {},
      h('span', { class: 'nowrap', text: fmtDateTime(a.at) }), ' — ',
      a.status ? t('webhooks.status', { status: a.status }) : t('webhooks.no_answer'), ` · ${t('webhooks.ms', { ms: a.answer_ms })}`,
      a.error ? h('span', { class: 'cell-sub muted mono', text: a.error }) : null))));
}

/** One endpoint: its settings and its delivery log. */
export async function webhook(main, { params, query }) {
  setTitle(t('webhooks.log_title'));
  const id = params.id;
  const state = DELIVERY_STATES.includes(query.get('state')) ? query.get('state') : 'all';
  const head = h('div', {}, loading());
  main.append(pageHeader(t('webhooks.log_title'), { back: { href: '/webhooks', label: t('webhooks.title') } }), head);
  let w;
  try { w = await get(`/api/v1/webhooks/${id}`); } catch (err) { clear(head).append(errorBox(err)); return; }
  clear(head).append(card(t('webhooks.endpoint'), details([
    [t('webhooks.url'), h('span', { class: 'mono', text: w.url })],
    [t('webhooks.kinds'), kindsText(w)],
    [t('common.state'), stateBadge(w)],
  ])));
  const table = dataTable({
    url: withQuery(`/api/v1/webhooks/${id}/deliveries`, { state: state === 'all' ? undefined : state }),
    columns: [
      { key: 'kind', label: t('webhooks.event'), render: (d) => h('span', {}, h('strong', { text: kindName(d.kind) }),
        h('span', { class: 'cell-sub muted', text: fmtDateTime(d.event_at) }),
        d.resent_from ? h('span', { class: 'cell-sub muted', text: t('webhooks.resent') }) : null) },
      { key: 'state', label: t('common.state'), render: (d) => h('span', {},
        badge(d.state, { tone: DELIVERY_TONES[d.state], label: t(`webhooks.state.${d.state}`) }),
        d.next_at && d.attempt ? h('span', { class: 'cell-sub muted', text: t('webhooks.next_at', { at: fmtDateTime(d.next_at) }) }) : null,
        d.delivered_at ? h('span', { class: 'cell-sub muted', text: fmtDateTime(d.delivered_at) }) : null) },
      { key: 'answer_ms', label: t('webhooks.answer'), render: (d) => h('span', {}, answerText(d), attemptsList(d)) },
      { key: '', label: '', sort: false, cls: 'actions', render: (d) => button(t('webhooks.resend'),
        () => act(() => post(`/api/v1/webhooks/${id}/deliveries/${d.id}/resend`), () => { toast(t('webhooks.resend_queued')); table.reload(); }),
        { small: true, 'data-testid': 'resend' }) },
    ],
    empty: { title: t('webhooks.log_empty'), text: t('webhooks.log_empty_text') },
  });
  main.append(tabs(DELIVERY_STATES.map((s) => ({ value: s, label: t(`webhooks.tab.${s}`) })), state,
    (s) => navigate(`/webhooks/${id}${s === 'all' ? '' : `?state=${s}`}`)), h('div', { class: 'webhooks-page' }, table.el));
}
