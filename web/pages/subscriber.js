// The subscriber's pages: users (invite, roles, per-user session limit,
// remove) and, for its owner and administrators, the audit log.
import { t } from '../i18n.js';
import { post, patch, del } from '../api.js';
import { h, dataTable, button, formDialog, confirmDialog, toast, pageHeader, roleBadges } from '../ui.js';
import { setTitle, account } from '../app.js';
import { SUBSCRIBER_ROLES, roleOptions, auditTable } from './common.js';

const canManage = () => (account()?.roles || []).some((r) => r === 'owner' || r === 'administrator');

function limitField() {
  return { name: 'session_limit', label: t('users.session_limit'), type: 'number', min: 0, inputmode: 'numeric', hint: t('users.session_limit_hint') };
}
const limitValue = (v) => (v === '' || v === undefined || v === null ? null : Number(v));

export async function users(main) {
  const acc = account();
  setTitle(t('users.title'));
  const url = `/api/v1/subscribers/${acc.id}/users`;
  let table;
  const roleField = { name: 'roles', label: t('field.roles'), type: 'checkboxes', required: true, options: roleOptions(SUBSCRIBER_ROLES), span: 2 };
  const invite = canManage() ? button(t('users.invite'), async () => {
    const ok = await formDialog({
      title: t('users.invite'), text: t('users.invite_text'),
      fields: [{ name: 'email', label: t('field.email'), type: 'email', required: true }, { name: 'name', label: t('field.person_name') }, roleField, limitField()],
      values: { roles: ['user'] },
      submitLabel: t('users.send'),
      onSubmit: async (v) => {
        const body = { email: v.email, roles: v.roles };
        if (v.name) body.name = v.name;
        if (limitValue(v.session_limit) !== null) body.session_limit = limitValue(v.session_limit);
        await post(url, body);
      },
    });
    if (ok) { toast(t('users.invited')); table.reload(); }
  }, { kind: 'primary' }) : null;
  const columns = [
    { key: 'name', label: t('field.person_name'), render: (u) => u.name || h('span', { class: 'muted', text: t('common.no_name') }) },
    { key: 'email', label: t('field.email') },
    { key: 'roles', label: t('field.roles'), render: (u) => roleBadges(u.roles), sort: (u) => u.roles.join(',') },
    { key: 'session_limit', label: t('users.session_limit'), cls: 'num', render: (u) => (u.session_limit === null || u.session_limit === undefined ? h('span', { class: 'muted', text: t('users.no_limit') }) : String(u.session_limit)) },
  ];
  if (canManage()) {
    columns.push({ key: '', label: '', sort: false, cls: 'actions', render: (u) => h('span', { class: 'row-actions' },
      button(t('common.edit'), async () => {
        const ok = await formDialog({
          title: t('users.edit_title', { who: u.name || u.email }), fields: [roleField, limitField()],
          values: { roles: u.roles, session_limit: u.session_limit ?? '' },
          onSubmit: async (v) => { await patch(`${url}/${u.person}`, { roles: v.roles, session_limit: limitValue(v.session_limit) }); },
        });
        if (ok) { toast(t('common.saved')); table.reload(); }
      }, { small: true, kind: 'ghost' }),
      button(t('common.remove'), async () => {
        const ok = await confirmDialog({
          title: t('users.remove_title', { who: u.name || u.email }), text: t('users.remove_text'), confirm: t('common.remove'), danger: true,
          onConfirm: () => del(`${url}/${u.person}`),
        });
        if (ok) { toast(t('users.removed')); table.reload(); }
      }, { small: true, kind: 'danger-ghost' })) });
  }
  table = dataTable({ url, columns, empty: { title: t('users.empty'), text: t('users.empty_text') } });
  main.append(pageHeader(t('users.title'), { subtitle: t('users.subtitle'), actions: invite }), table.el);
}

export async function audit(main) {
  setTitle(t('audit.title'));
  const table = auditTable(`/api/v1/subscribers/${account().id}/audit`);
  main.append(pageHeader(t('audit.title'), { subtitle: t('audit.subtitle_subscriber') }), table.el);
}
