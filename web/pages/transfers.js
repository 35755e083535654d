// transfers.js — a client's move to another partner (R-TRF-1), as each side
// sees it: the new partner files it with the client's letter and follows its
// step; the current partner agrees or objects before the deadline; the
// provider forwards it and decides, with the answer and the letter in the
// dialog. One table serves all three, its buttons by who looks.
import { t, fmtDate, fmtDateTime } from '../i18n.js';
import { post, sendFile, withQuery } from '../api.js';
import { h, badge, card, details, dataTable, button, confirmDialog, formDialog, toast } from '../ui.js';
import { account } from '../session.js';
import { roleGate } from '../roles.js';

const TONE = { filed: 'warn', forwarded: 'warn', approved: 'ok', rejected: 'bad' };
const ANSWER_TONE = { waiting: 'warn', agreed: 'ok', silent: 'ok', objected: 'bad' };

/** The step a transfer is at, in words. */
const step = (x) => badge(x.state, { tone: TONE[x.state], label: t(`transfers.step_${x.state}`) });

/** The current partner's answer: waiting (with the deadline), agreed, objected (with the comment), silent. */
function answer(x) {
  const a = x.answer || {};
  if (!a.state) return h('span', { class: 'muted', text: t('transfers.answer_none') });
  return h('span', {},
    badge(a.state, { tone: ANSWER_TONE[a.state], label: t(`transfers.answer_${a.state}`) }),
    a.state === 'waiting' ? h('span', { class: 'cell-sub nowrap', text: t('transfers.due', { date: fmtDateTime(a.due) }) }) : null,
    a.state === 'silent' ? h('span', { class: 'cell-sub', text: t('transfers.silent_note') }) : null,
    a.comment ? h('span', { class: 'cell-sub muted', text: a.comment }) : null);
}

const letterLink = (x) => h('a', { href: x.letter.url, download: '', text: t('transfers.letter_open') });

/** What the provider weighs before deciding: the client, both partners, the reason, the answer, the letter. */
function transferDetails(x) {
  return details([
    [t('transfers.client'), `${x.subscriber.name} (${x.subscriber.reporting_number})`],
    [t('transfers.from'), x.from_partner.name],
    [t('transfers.to'), x.to_partner.name],
    [t('transfers.reason'), x.reason],
    [t('transfers.answer'), answer(x)],
    [t('transfers.letter'), letterLink(x)],
  ]);
}

/** The provider's buttons: forward a filed transfer; approve or reject a forwarded one. */
function providerActions(x, reload) {
  const gate = roleGate(['admin', 'operator']);
  const out = [];
  if (x.state === 'filed') {
    out.push(button(t('transfers.forward'), async () => {
      const ok = await confirmDialog({
        title: t('transfers.forward_title', { client: x.subscriber.name }), text: t('transfers.forward_text', { partner: x.from_partner.name }),
        body: transferDetails(x), confirm: t('transfers.forward'),
        onConfirm: () => post(`/api/v1/transfers/${x.id}/forward`),
      });
      if (ok) { toast(t('transfers.forwarded')); reload(); }
    }, { small: true, kind: 'primary', ...gate }));
  }
  if (x.state === 'forwarded') {
    const waiting = x.answer?.state === 'waiting';
    out.push(button(t('transfers.approve'), async () => {
      const ok = await confirmDialog({
        title: t('transfers.approve_title', { client: x.subscriber.name }), text: t('transfers.approve_text', { from: x.from_partner.name, to: x.to_partner.name }),
        body: transferDetails(x), confirm: t('transfers.approve'), reason: { label: t('transfers.note') },
        onConfirm: (v) => post(`/api/v1/transfers/${x.id}/decision`, { decision: 'approve', note: v.reason || undefined }),
      });
      if (ok) { toast(t('transfers.approved')); reload(); }
    }, { small: true, kind: 'primary', ...(waiting ? { disabled: true, title: t('transfers.approve_waits') } : gate) }));
  }
  if (x.state === 'filed' || x.state === 'forwarded') {
    out.push(button(t('transfers.reject'), async () => {
      const ok = await confirmDialog({
        title: t('transfers.reject_title', { client: x.subscriber.name }), text: t('transfers.reject_text'), body: transferDetails(x),
        confirm: t('transfers.reject'), danger: true, reason: { label: t('transfers.reject_reason'), required: true },
        onConfirm: (v) => post(`/api/v1/transfers/${x.id}/decision`, { decision: 'reject', note: v.reason }),
      });
      if (ok) { toast(t('transfers.rejected')); reload(); }
    }, { small: true, kind: 'danger-ghost', ...gate }));
  }
  return out;
}

/** The current partner's buttons: agree or object, while the answer is waited for. */
function currentPartnerActions(x, reload) {
  if (x.answer?.state !== 'waiting' || x.from_partner.id !== account()?.id) return [];
  const gate = roleGate(['owner', 'operator']);
  const words = {
    agree: { title: 'transfers.agree_title', text: 'transfers.agree_text', confirm: 'transfers.agree' },
    object: { title: 'transfers.object_title', text: 'transfers.object_text', confirm: 'transfers.object' },
  };
  const send = async (what) => {
    const w = words[what];
    const ok = await confirmDialog({
      title: t(w.title, { client: x.subscriber.name }),
      text: t(w.text, { partner: x.to_partner.name, date: fmtDateTime(x.answer.due) }),
      body: details([[t('transfers.reason'), x.reason], [t('transfers.letter'), letterLink(x)]]),
      confirm: t(w.confirm), danger: what === 'object',
      reason: { label: t(what === 'object' ? 'transfers.object_comment' : 'transfers.comment'), required: what === 'object' },
      onConfirm: (v) => post(`/api/v1/transfers/${x.id}/answer`, { answer: what, comment: v.reason || undefined }),
    });
    if (ok) { toast(t('transfers.answered')); reload(); }
  };
  return [button(t('transfers.agree'), () => send('agree'), { small: true, kind: 'primary', ...gate }),
    button(t('transfers.object'), () => send('object'), { small: true, kind: 'danger-ghost', ...gate })];
}

/** The transfers the viewer sees, newest first, with the viewer's buttons. */
export function transfersTable({ provider: isProvider, state }) {
  let table;
  const reload = () => table.reload();
  const columns = [
    { key: 'filed_at', label: t('transfers.filed'), render: (x) => h('span', { class: 'nowrap', text: fmtDate(x.filed_at) }) },
    { key: 'client', label: t('transfers.client'), sort: (x) => x.subscriber.name, render: (x) => h('span', {},
      h('strong', { text: x.subscriber.name }), h('span', { class: 'cell-sub muted', text: x.subscriber.reporting_number })) },
    { key: 'from', label: t('transfers.from'), sort: (x) => x.from_partner.name, render: (x) => x.from_partner.name },
    { key: 'to', label: t('transfers.to'), sort: (x) => x.to_partner.name, render: (x) => x.to_partner.name },
    { key: 'reason', label: t('transfers.reason'), cls: 'wrap' },
    { key: 'state', label: t('transfers.step'), render: (x) => h('span', {}, step(x),
      x.decision_note ? h('span', { class: 'cell-sub muted', text: x.decision_note }) : null) },
    { key: 'answer', label: t('transfers.answer'), sort: false, render: answer },
    { key: 'letter', label: t('transfers.letter'), sort: false, render: letterLink },
    { key: '', label: '', sort: false, cls: 'actions', render: (x) => h('span', { class: 'row-actions' },
      isProvider ? providerActions(x, reload) : currentPartnerActions(x, reload)) },
  ];
  table = dataTable({
    url: withQuery('/api/v1/transfers', { state: state === 'all' ? '' : state }),
    columns,
    empty: { title: t('transfers.empty'), text: t(isProvider ? 'transfers.empty_provider' : 'transfers.empty_partner') },
  });
  return table;
}

/** The browser's own file control speaks the browser's language: a button of ours, the name chosen beside it. */
function pickerOf(input) {
  const name = h('span', { class: 'muted', text: t('transfers.letter_none') });
  input.hidden = true;
  input.addEventListener('change', () => { name.textContent = input.files[0]?.name || t('transfers.letter_none'); });
  input.after(h('div', { class: 'row-actions' }, button(t('transfers.letter_pick'), () => input.click(), { small: true }), name));
}

/** The new partner's form: the client's code, the reason and the letter; the letter goes first. */
export async function fileTransfer(partnerId) {
  let inputs = null;
  return formDialog({
    title: t('transfers.file_title'), text: t('transfers.file_text'), wide: true,
    fields: [
      { name: 'subscriber', label: t('transfers.code'), required: true, placeholder: 'FR1234', hint: t('transfers.code_hint') },
      { name: 'letter', label: t('transfers.letter_file'), type: 'file', required: true, hint: t('transfers.letter_hint') },
      { name: 'reason', label: t('transfers.reason'), type: 'textarea', required: true, span: 2 },
    ],
    onChange: (v, i) => {
      if (!inputs) pickerOf(i.letter);
      inputs = i;
    },
    submitLabel: t('transfers.send'),
    onSubmit: async (v) => {
      const file = inputs.letter.files[0];
      const letter = await sendFile(withQuery('/api/v1/transfer-letters', { partner: partnerId, name: file.name }), file);
      return post('/api/v1/transfers', { partner: partnerId, subscriber: v.subscriber, reason: v.reason, letter: letter.id });
    },
  });
}

/** The partner's section of its Requests page: transfers it filed and those it is asked about. */
export function partnerTransfersCard(partnerId) {
  const table = transfersTable({ provider: false, state: 'all' });
  const file = button(t('transfers.file'), async () => {
    const ok = await fileTransfer(partnerId);
    if (ok) { toast(t('transfers.filed_ok')); table.reload(); }
  }, { kind: 'primary', ...roleGate(['owner', 'operator']) });
  return card(t('transfers.title'), h('div', {}, h('p', { class: 'muted', text: t('transfers.subtitle_partner') }),
    h('p', {}, file), table.el));
}

/** The provider's section of its Requests page. */
export function providerTransfersCard() {
  const table = transfersTable({ provider: true, state: 'all' });
  return card(t('transfers.title'), h('div', {}, h('p', { class: 'muted', text: t('transfers.subtitle_provider') }), table.el));
}
