// Everyone's profile: name, language, password, second factor, API tokens.
import { t, tOr, fmtDateTime, setLang, rememberLang, LANGS } from '../i18n.js';
import { post, patch, del } from '../api.js';
import {
  h, card, dataTable, button, formDialog, confirmDialog, revealDialog, toast, pageHeader, form, badge, roleBadges, details,
} from '../ui.js';
import { setTitle, session, render, account } from '../session.js';

function mergeMe(me) { session.me = { ...me, csrf: me.csrf || session.me.csrf }; }

export async function page(main) {
  const me = session.me;
  setTitle(t('profile.title'));
  const nameForm = form({
    fields: [
      { name: 'name', label: t('field.person_name'), autocomplete: 'name' },
      { name: 'lang', label: t('profile.language'), type: 'select', options: LANGS.map((l) => ({ value: l, label: t(`lang.${l}`) })) },
    ],
    values: { name: me.name, lang: me.lang },
    onSubmit: async (v) => {
      const changed = v.lang !== me.lang;
      mergeMe(await patch('/api/v1/me', { name: v.name, lang: v.lang }));
      if (changed) { rememberLang(v.lang); await setLang(v.lang); }
      toast(t('common.saved'));
      render();
    },
  });
  const pwForm = form({
    fields: [
      { name: 'current_password', label: t('profile.current_password'), type: 'password', required: true, autocomplete: 'current-password' },
      { name: 'password', label: t('setpw.new'), type: 'password', required: true, autocomplete: 'new-password', hint: t('setpw.hint') },
      { name: 'repeat', label: t('setpw.repeat'), type: 'password', required: true, autocomplete: 'new-password', validate: (v, all) => (v !== all.password ? t('setpw.mismatch') : null) },
      { name: 'keep_tokens', label: t('profile.keep_tokens'), type: 'checkbox' },
    ],
    submitLabel: t('profile.change_password'),
    onSubmit: async (v) => {
      mergeMe(await patch('/api/v1/me', { current_password: v.current_password, password: v.password, keep_tokens: v.keep_tokens }));
      for (const el of pwForm.el.querySelectorAll('input')) { el.value = ''; el.checked = false; }
      toast(t('profile.password_changed'));
    },
  });

  main.append(
    pageHeader(t('profile.title'), { subtitle: me.email }),
    h('div', { class: 'grid-2' },
      card(t('profile.about'), nameForm.el),
      card(t('profile.password'), h('div', {}, h('p', { class: 'note', text: t('profile.password_note') }), pwForm.el))),
    totpCard(),
    mailCard(),
    card(t('profile.accounts'), details(me.accounts.map((a) => [
      h('span', {}, a.name, h('span', { class: 'cell-sub muted', text: t(`kind.${a.kind}`) + (a.code ? ` · ${t('header.code')} ${a.code} · ${a.reporting_number || `FR${a.code}`}` : '') })),
      roleBadges(a.roles)]))),
    tokensCard());
}

// The kinds of event mail a person may turn off (R-NOT-3; docs/events.md): the rest,
// about access or money, always come.
const MAIL_KINDS = () => [
  ['grant.given', t('profile.mail_grant_given')],
  ['grant.revoked', t('profile.mail_grant_revoked')],
  ['grant.expired', t('profile.mail_grant_expired')],
  ['session.limit_reached', t('profile.mail_session_limit')],
  ['transfer.step', t('profile.mail_transfer_step')],
  ['subscriber.registered', t('profile.mail_subscriber_registered')],
];

function mailCard() {
  const off = new Set(session.me.mail_off || []);
  const has = (kind) => (session.me.accounts || []).some((a) => a.kind === kind);
  // a session limit is a subscriber's, a transfer's steps a partner's
  const kinds = MAIL_KINDS().filter(([k]) => (k !== 'session.limit_reached' || has('subscriber')) && (k !== 'transfer.step' || has('partner'))
    && (k !== 'subscriber.registered' || has('partner')));
  const f = form({
    fields: [{
      name: 'on', label: t('profile.mail_label'), type: 'checkboxes', span: 2,
      options: kinds.map(([value, label]) => ({ value, label })),
    }],
    values: { on: kinds.map(([k]) => k).filter((k) => !off.has(k)) },
    submitLabel: t('common.save'),
    onSubmit: async (v) => {
      const on = new Set(v.on || []);
      const hidden = [...off].filter((k) => !kinds.some(([x]) => x === k));
      mergeMe(await patch('/api/v1/me', { mail_off: hidden.concat(kinds.map(([k]) => k).filter((k) => !on.has(k))) }));
      toast(t('common.saved'));
    },
  });
  return h('div', { id: 'mail' }, card(t('profile.mail'), h('div', {}, h('p', { class: 'note', text: t('profile.mail_note') }), f.el)));
}

function totpCard() {
  const me = session.me;
  const body = h('div');
  const draw = () => {
    body.replaceChildren(
      h('p', { class: 'note' }, session.me.totp_enabled ? badge('active', { label: t('totp.on') }) : badge('expired', { label: t('totp.off') }), ' ', t('totp.about')),
      session.me.totp_enabled
        ? button(t('totp.disable'), async () => {
          const ok = await formDialog({
            title: t('totp.disable'), fields: [{ name: 'code', label: t('signin.otp'), required: true, inputmode: 'numeric', mono: true }],
            submitLabel: t('totp.disable'),
            onSubmit: async (v) => { mergeMe(await post('/api/v1/me/totp/disable', { code: v.code })); },
          });
          if (ok) { toast(t('totp.disabled')); draw(); }
        }, { kind: 'secondary' })
        : button(t('totp.enable'), async () => {
          let started;
          try { started = await post('/api/v1/me/totp'); } catch (err) { toast(err.message, 'error'); return; }
          const ok = await formDialog({
            title: t('totp.enable'), text: t('totp.scan'),
            fields: [{ name: 'code', label: t('signin.otp'), required: true, inputmode: 'numeric', mono: true, hint: t('totp.secret', { secret: started.secret }) }],
            submitLabel: t('totp.confirm'),
            onSubmit: async (v) => { mergeMe(await post('/api/v1/me/totp/confirm', { code: v.code })); },
          });
          if (ok) { toast(t('totp.enabled')); render(); }
        }, { kind: me.mfa_required ? 'primary' : 'secondary' }));
  };
  draw();
  return h('div', { id: 'totp' }, card(t('totp.title'), body));
}

function tokensCard() {
  const me = session.me;
  const accName = (id) => me.accounts.find((a) => a.id === id)?.name || `#${id}`;
  let table;
  const create = button(t('tokens.create'), async () => {
    const allRoles = [...new Set(me.accounts.flatMap((a) => a.roles))];
    const created = await formDialog({
      title: t('tokens.create'), text: t('tokens.create_text'),
      fields: [
        { name: 'name', label: t('tokens.name'), required: true, placeholder: t('tokens.name_ph') },
        { name: 'account', label: t('tokens.account'), type: 'select', required: true, options: me.accounts.map((a) => ({ value: a.id, label: `${a.name} · ${t(`kind.${a.kind}`)}` })) },
        { name: 'roles', label: t('field.roles'), type: 'checkboxes', required: true, span: 2, options: allRoles.map((r) => ({ value: r, label: tOr(`role.${r}`, r) })) },
      ],
      values: { account: account()?.id },
      submitLabel: t('tokens.create'),
      onChange: (v, inputs) => {
        const acc = me.accounts.find((a) => String(a.id) === String(v.account));
        for (const box of inputs.roles.querySelectorAll('input')) {
          const allowed = acc && acc.roles.includes(box.value);
          box.closest('label').hidden = !allowed;
          if (!allowed) box.checked = false;
        }
      },
      onSubmit: async (v) => post('/api/v1/tokens', { name: v.name, account: Number(v.account), roles: v.roles.join(',') }),
    });
    if (created && created.token) {
      await revealDialog({ title: t('tokens.created_title'), text: t('tokens.created_text'), value: created.token });
      table.reload();
    }
  }, { kind: 'primary', small: true });
  table = dataTable({
    url: '/api/v1/tokens',
    exportable: false,
    columns: [
      { key: 'name', label: t('tokens.name'), render: (k) => h('span', {}, h('strong', { text: k.name }), h('span', { class: 'cell-sub muted mono', text: `${k.prefix}…` })) },
      { key: 'account', label: t('tokens.account'), render: (k) => accName(k.account) },
      { key: 'roles', label: t('field.roles'), render: (k) => roleBadges(String(k.roles || '').split(',').filter(Boolean)) },
      { key: 'created_at', label: t('tokens.created'), render: (k) => h('span', {}, h('span', { class: 'nowrap', text: fmtDateTime(k.created_at) }),
        h('span', { class: 'cell-sub muted', text: k.last_used_at ? `${t('tokens.last_used')}: ${fmtDateTime(k.last_used_at)}` : t('tokens.never') })) },
      { key: 'revoked_at', label: t('common.state'), render: (k) => (k.revoked_at ? badge('revoked') : badge('active')) },
      { key: '', label: '', sort: false, cls: 'actions', render: (k) => (k.revoked_at ? null : button(t('tokens.revoke'), async () => {
        const ok = await confirmDialog({
          title: t('tokens.revoke_title', { name: k.name }), text: t('tokens.revoke_text'), confirm: t('tokens.revoke'), danger: true,
          onConfirm: () => del(`/api/v1/tokens/${k.id}`),
        });
        if (ok) { toast(t('tokens.revoked')); table.reload(); }
      }, { small: true, kind: 'danger-ghost' })) },
    ],
    empty: { title: t('tokens.empty'), text: t('tokens.empty_text') },
  });
  return card(t('tokens.title'), table.el, { actions: create });
}

