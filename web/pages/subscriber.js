// The subscriber's pages: users (invite, roles, per-user session limit,
// remove; pending invitations) and, for its owner and administrators, the
// audit log.
import { t, tn, tOr, fmtDate, fmtMoney, localName } from '../i18n.js';
import { get, post, patch, del, serverMessage, loadMessages } from '../api.js';
import {
  h, dataTable, button, formDialog, confirmDialog, toast, pageHeader, roleBadges, card, details, badge, loading, errorBox, clear,
} from '../ui.js';
import { setTitle, account, daysBetween } from '../session.js';
import { SUBSCRIBER_ROLES, roleOptions, auditTable, invitesCard } from './common.js';
import { appNames } from './areas.js';
import { registersCard } from './registers.js';
import { remindersCard } from './mail.js';

const canManage = () => (account()?.roles || []).some((r) => r === 'owner' || r === 'administrator');

function limitField() {
  return { name: 'session_limit', label: t('users.session_limit'), type: 'number', min: 0, inputmode: 'numeric', hint: t('users.session_limit_hint') };
}
const limitValue = (v) => (v === '' || v === undefined || v === null ? null : Number(v));

export async function users(main) {
  const acc = account();
  setTitle(t('users.title'));
  const url = `/api/v1/subscribers/${acc.id}/users`;
  const isOwner = (acc.roles || []).includes('owner');
  const invites = canManage()
    ? invitesCard(acc.id, { canEdit: true, withLimit: true, canEditRow: (i) => isOwner || !i.roles.includes('owner') })
    : null;
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
    if (ok) { toast(t('users.invited')); invites.table.reload(); }
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
  if (invites) main.append(invites.el);
}

export async function audit(main) {
  setTitle(t('audit.title'));
  const table = auditTable(`/api/v1/subscribers/${account().id}/audit`);
  main.append(pageHeader(t('audit.title'), { subtitle: t('audit.subtitle_subscriber') }), table.el);
}

// ---- the subscription: tariff, access through, blocked, self-service -----------------
// The tariffs in force are the entitlement's (its in_force ids): mains, their stand-ins
// (a deferred renewal, a local ITS subscription) and the trial while it counts.
export const BASE_KINDS = ['main', 'deferred_renewal', 'its_local', 'trial'];
// The banner shows from 7 days before the last day of access (R-SUB-0's L) through it.
export const ENDING_DAYS = 7;
// the server says why in English words (no code yet): the known ones are translated
const REASONS = { 'the subscriber has no subscription': 'block.no_subscription', 'no subscription is in force: access has ended': 'block.ended' };
const blockReason = (r) => (REASONS[r] ? t(REASONS[r]) : r || '');

/** A reason the server gives ({reason, params}) in the person's language; its dates
 * formatted. The reasons it may give are declared in keys.js (`reason.*`). */
function reasonText(a) {
  const text = serverMessage({ reason: a.reason, params: a.params || {}, detail: '' });
  // a sentence ends with one full stop, also after a date that ends in «г.»
  return text ? `${text[0].toUpperCase()}${text.slice(1)}${text.endsWith('.') ? '' : '.'}` : '';
}

/** Who to ask for a renewal: the serving partner's name, phone and email. */
function partnerContacts(sub) {
  const p = sub && sub.partner;
  if (!p) return h('p', { text: t('mysub.contact_provider') });
  return h('p', { class: 'contacts', 'data-testid': 'partner-contacts' },
    t('mysub.contact_partner'), ' ', h('strong', { text: p.name }),
    p.phone ? [' · ', h('a', { href: `tel:${p.phone.replace(/[^\d+]/g, '')}`, text: p.phone })] : null,
    p.email ? [' · ', h('a', { href: `mailto:${p.email}`, text: p.email })] : null);
}

/** From L - 7 through L: access ends soon; blocked: it has ended. Else nothing. */
function endingBanner(ent, sub) {
  if (ent.blocked) {
    return h('section', { class: ['card', 'ending', 'ending-over'], role: 'alert', 'data-testid': 'ended-banner' },
      h('h2', { text: ent.through ? t('mysub.ended_on', { date: fmtDate(ent.through) }) : t('mysub.no_access') }), partnerContacts(sub));
  }
  const left = ent.through ? daysBetween(ent.date, ent.through) : null;
  if (left === null || left < 0 || left > ENDING_DAYS) return null;
  return h('section', { class: ['card', 'ending'], role: 'status', 'data-testid': 'ending-banner' },
    h('h2', { text: left === 0 ? t('mysub.ending_today') : tn('mysub.ending_in', left, { date: fmtDate(ent.through) }) }),
    partnerContacts(sub));
}

const kindName = (s) => tOr(`sub_kind.${s.kind}`, s.kind);
/** "Пробный период" and "пробный  период" are the same words: the kind is not said twice. */
const sameWords = (a, b) => String(a || '').toLowerCase().replace(/\s+/g, ' ').trim() === String(b || '').toLowerCase().replace(/\s+/g, ' ').trim();
/** A date that does not break across lines («7 дек. 2026 г.»). */
const wholeDate = (d) => fmtDate(d).replace(/ /g, '\u00a0');

export async function subscription(main) {
  const acc = account();
  setTitle(t('mysub.title'));
  const box = h('div');
  main.append(pageHeader(t('mysub.title'), { subtitle: t('mysub.subtitle') }), box);
  box.append(loading());
  let ent; let subs; let sub; let apps;
  try {
    [ent, subs, sub, apps] = await Promise.all([get(`/api/v1/subscribers/${acc.id}/entitlement`),
      get(`/api/v1/subscriptions?subscriber=${acc.id}&sort=-end&limit=200`), get(`/api/v1/subscribers/${acc.id}`), appNames(), loadMessages()]);
  } catch (err) { clear(box).append(errorBox(err)); return; }
  clear(box);
  const items = subs.items || [];
  const today = ent.date;
  const inForce = (s) => (ent.in_force || []).includes(s.id);
  const current = items.filter((s) => inForce(s) && BASE_KINDS.includes(s.kind));

  const state = ent.blocked
    ? h('span', { class: 'access-state', 'data-testid': 'access-state' }, badge('blocked'),
      h('span', { class: 'access-reason', text: blockReason(ent.reason) }))
    : h('span', { class: 'access-state', 'data-testid': 'access-state' }, badge('active', { label: t('mysub.access_on') }));
  const tariffs = current.length
    ? h('span', { class: 'current-tariffs', 'data-testid': 'current-tariff' }, current.map((s, i) => [i ? ', ' : null,
      h('strong', { text: localName(s.tariff) }), sameWords(localName(s.tariff), kindName(s)) ? null : [' ', h('span', { class: 'muted', text: `(${kindName(s)})` })]]))
    : '';
  const hero = h('section', { class: ['card', 'access-card', ent.blocked && 'access-blocked'] },
    h('div', { class: 'access-main' },
      h('div', { class: 'access-label', text: t('mysub.access_through') }),
      h('div', { class: 'access-date', 'data-testid': 'access-through', text: ent.through ? fmtDate(ent.through) : '—' }),
      state),
    details([
      [t('mysub.tariff'), tariffs],
      [t('mysub.sessions'), h('span', {}, ent.blocked ? '0' : String(ent.sessions), ' ', h('a', { class: 'muted-link', href: '/sessions', text: t('mysub.sessions_now') }))],
      [t('mysub.services'), ent.services ? tOr(`services.${ent.services}`, ent.services) : ''],
      [t('mysub.applications'), (ent.applications || []).length
        ? h('span', { class: 'roles' }, ent.choose ? h('span', { class: 'muted', text: t('mysub.choose', { n: ent.choose }) }) : null,
          ent.applications.map((a) => h('span', { class: 'role', text: localName(apps.get(a)) || a }))) : ''],
    ]));

  // each button as the server answers for it: disabled, with the reason, when it cannot apply
  const ssItem = (kind, title, text, label, primary) => {
    const a = ent.actions?.[kind] || { available: false, reason: 'self_service.not_allowed' };
    return h('div', { class: 'ss-item' },
      h('div', {}, h('h3', { text: t(title) }), h('p', { class: 'note', text: t(text) }),
        a.available ? null : h('p', { class: 'note ss-reason', 'data-testid': `ss-reason-${kind}`, text: reasonText(a) })),
      button(t(label), () => act(kind), { kind: primary ? 'primary' : 'secondary', disabled: a.available ? null : true, 'data-testid': `ss-${kind}` }));
  };
  const selfService = h('div', { class: 'self-service' },
    ssItem('short_extension', 'mysub.short_ext', 'mysub.short_ext_text', 'mysub.short_ext_btn', false),
    ssItem('deferred_renewal', 'mysub.deferred', 'mysub.deferred_text', 'mysub.deferred_btn', ent.blocked));

  async function act(kind) {
    const ok = await confirmDialog({
      title: t(kind === 'short_extension' ? 'mysub.short_ext' : 'mysub.deferred'),
      text: t(kind === 'short_extension' ? 'mysub.short_ext_confirm' : 'mysub.deferred_confirm', { date: ent.through ? fmtDate(ent.through) : '—' }),
      confirm: t('common.confirm'),
      onConfirm: () => post('/api/v1/subscriptions', { subscriber: acc.id, kind }),
    });
    if (ok) { toast(t(kind === 'short_extension' ? 'mysub.short_ext_done' : 'mysub.deferred_done')); clear(main); subscription(main); }
  }

  const table = dataTable({
    url: `/api/v1/subscriptions?subscriber=${acc.id}&sort=-end`,
    columns: [
      { key: 'kind', label: t('mysub.kind'), render: (s) => tOr(`sub_kind.${s.kind}`, s.kind) },
      // the tariff by its name: its code is the partner's word, not the client's
      { key: 'tariff', label: t('mysub.tariff'), sort: (s) => localName(s.tariff), render: (s) => localName(s.tariff) },
      // each date kept whole, the period free to wrap between them; below 600 px each row is a
      // block (.ro-stack): the kind on its line, the state on its own, the rest between
      { key: 'start', label: t('mysub.period'), render: (s) => `${wholeDate(s.start)} — ${wholeDate(s.through)}` },
      { key: 'quantity', label: t('mysub.quantity'), cls: 'num', render: (s) => h('span', {}, h('span', { class: 'narrow-only muted', text: `${t('mysub.quantity')}: ` }), String(s.quantity)) },
      // The retail price of the tariff (the partner tariff's own, else the standard one), never
      // what the partner owes after its discount: the API leaves that out here (issue 11).
      { key: 'price', label: t('mysub.price'), cls: 'num nowrap', render: (s) => h('span', {}, h('span', { class: 'narrow-only muted', text: `${t('mysub.price')}: ` }), fmtMoney(s.partner_price ?? s.price)) },
      { key: 'state', label: t('common.state'), render: (s) => (inForce(s) ? badge('active', { label: t('mysub.in_force') })
        : s.end <= today ? badge('expired', { label: t('mysub.ended') })
          : s.start > today ? badge('pending', { label: t('mysub.upcoming') })
            : badge('expired', { label: t('mysub.stopped') })) },
    ],
    empty: { title: t('mysub.empty') },
  });
  box.append(...[endingBanner(ent, sub)].filter(Boolean), hero, card(t('mysub.self_service'), selfService), card(t('mysub.history'), h('div', { class: 'ro-stack' }, table.el)));
  // cash registers (R-CAT-6) of a client with Kassa: its owner and administrators, as the API allows
  if (canManage() && (ent.applications || []).includes('kassa')) box.append(registersCard(acc.id, today.slice(0, 7)));
  // the reminders of the end of access sent about the account: its owner and administrators
  if (canManage()) box.append(remindersCard(acc.id));
}
