// The invitation page, /invite?token=…: who invites you to which account
// with which roles, until when; a person new to Oblako gives a name and a
// password, a person with a password just accepts. Accepting does not sign
// in on the server: a new person is then signed in by the ordinary sign-in
// with the password just chosen (limits and the second factor apply as
// always); a person with a password signs in as usual.
import { t, fmtDateTime, setLang, rememberLang, currentLang } from '../i18n.js';
import { get, post, patch, setCsrf, ApiError } from '../api.js';
import { h, form, icon, details, roleBadges, loading, clear } from '../ui.js';
import { navigate, signedIn, setTitle, session, refreshMe } from '../session.js';

const REASONS = ['unknown', 'expired', 'cancelled', 'replaced', 'accepted'];

/** An account's name in running Russian text: in «» unless it has quotes of its own. */
const named = (name) => (currentLang() === 'ru' && !/[«"]/.test(name) ? `«${name}»` : name);

function inviteCard(...body) {
  return h('div', { class: 'auth-card invite-card' }, h('h1', { text: t('invite.title') }), ...body);
}

function refusal(err) {
  const reason = err instanceof ApiError && err.field === 'token' ? err.problem.reason : null;
  if (!reason) return null;
  return t(`invite.bad.${REASONS.includes(reason) ? reason : 'unknown'}`);
}

function badLink(text) {
  return inviteCard(h('p', { class: 'lead', text }),
    h('div', { class: 'auth-links' }, h('a', { href: '/signin', text: t('invite.to_signin') })));
}

/** Where an accepted invitation lands: a subscriber's owner on its welcome page (a client who
 * signed up, or one a partner made), anyone else on the account's first page. */
const landing = (done) => (done.account.kind === 'subscriber' && (done.roles || []).includes('owner')
  ? `/welcome/${done.account.id}` : '/');

/** Sign in as the invitee and open the invited account. */
async function enter(email, password, accountId, to = '/') {
  let me = await post('/api/v1/auth/login', { email, password }, { auth: false });
  signedIn(me);
  if (accountId && me.current_account !== accountId) me = await patch('/api/v1/me', { account: accountId });
  session.me = { ...me, csrf: me.csrf || session.me.csrf };
  rememberLang(me.lang);
  await setLang(me.lang);
  navigate(to, { replace: true });
}

/** A sign-up's link (R-ONB-2): the server signed the new login in; open the account's welcome. */
async function confirmed(done) {
  setCsrf(done.csrf);
  let me = await refreshMe();
  if (me.current_account !== done.account.id) me = await patch('/api/v1/me', { account: done.account.id });
  session.me = { ...me, csrf: me.csrf || done.csrf };
  rememberLang(me.lang);
  await setLang(me.lang);
  navigate(landing(done), { replace: true });
}

/** Already signed in as the invitee: open the account just joined. */
async function reenter(accountId, to = '/') {
  const me = await patch('/api/v1/me', { account: accountId });
  session.me = { ...me, csrf: me.csrf || session.me.csrf };
  navigate(to, { replace: true });
}

export async function page(main, { query }) {
  setTitle(t('invite.title'));
  const token = query.get('token') || '';
  if (!token) { main.append(badLink(t('invite.no_token'))); return; }
  const box = h('div');
  main.append(box);
  box.append(loading());
  let offer;
  try {
    offer = await get(`/api/v1/auth/invite?token=${encodeURIComponent(token)}`, { auth: false });
  } catch (err) {
    clear(box).append(badLink(refusal(err) || t('err.unexpected')));
    return;
  }
  const kind = t(`invite.kind.${offer.account.kind}`);
  const lead = offer.invited_by
    ? t('invite.lead', { who: offer.invited_by, account: named(offer.account.name) })
    : t('invite.lead_service', { account: named(offer.account.name) });
  const facts = details([
    [t('invite.account'), h('span', {}, h('strong', { text: offer.account.name }), h('span', { class: 'muted', text: ` · ${kind}` }))],
    [t('invite.roles'), roleBadges(offer.roles)],
    offer.session_limit !== null ? [t('users.session_limit'), String(offer.session_limit)] : null,
    [t('invite.email'), offer.email],
    [t('invite.until'), fmtDateTime(offer.expires_at)],
  ].filter(Boolean));
  const other = session.me && session.me.email !== offer.email
    ? h('p', { class: 'note', text: t('invite.other_person', { me: session.me.email, email: offer.email }) }) : null;
  const holder = h('div');
  const fields = offer.needs_password
    ? [
      { name: 'name', label: t('field.person_name'), autocomplete: 'name' },
      { name: 'password', label: t('setpw.new'), type: 'password', required: true, autocomplete: 'new-password', hint: t('setpw.hint') },
      { name: 'repeat', label: t('setpw.repeat'), type: 'password', required: true, autocomplete: 'new-password',
        validate: (v, all) => (v !== all.password ? t('setpw.mismatch') : null) },
    ]
    : [];
  const accepted = (done) => holder.replaceChildren(h('div', { class: 'success' }, icon('check', 'success-icon'),
    h('p', { class: 'success-title', text: t('invite.done_title') }),
    h('p', { text: t('invite.done', { account: named(offer.account.name) }) }),
    h('a', { class: 'btn btn-primary', href: done && landing(done) !== '/' ? `/signin?next=${encodeURIComponent(landing(done))}` : '/signin', text: t('signin.submit') })));
  const f = form({
    fields,
    values: { name: offer.name || '' },
    submitLabel: offer.signed_up ? t('invite.confirm_signup') : t('invite.accept'),
    cls: 'form-auth',
    onSubmit: async (v, { setError }) => {
      let done;
      try {
        done = await post('/api/v1/auth/invite/accept', offer.needs_password
          ? { token, password: v.password, name: v.name || undefined }
          : { token }, { auth: false });
      } catch (err) {
        const why = refusal(err);
        if (why) { setError(null, why); return; }
        throw err;
      }
      history.replaceState(null, '', '/invite');
      try {
        if (done.signed_in) await confirmed(done);
        else if (offer.needs_password) await enter(offer.email, v.password, done.account.id, landing(done));
        else if (session.me && session.me.email === offer.email) await reenter(done.account.id, landing(done));
        else accepted(done);
      } catch {
        accepted(done); // a limit or a second factor: the ordinary sign-in page says which
      }
    },
  });
  holder.append(f.el);
  clear(box).append(inviteCard(
    h('p', { class: 'lead', text: lead }),
    facts,
    other,
    h('p', { class: 'note', text: offer.signed_up ? t('invite.signed_up') : offer.needs_password ? t('invite.new_lead') : t('invite.have_password', { email: offer.email }) }),
    holder));
}
