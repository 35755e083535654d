// Sign in (with the second-factor step and the rate-limit message), forgot
// password, set a password from an emailed link.
import { t, setLang, rememberLang } from '../i18n.js';
import { post, ApiError } from '../api.js';
import { h, form, icon } from '../ui.js';
import { navigate, signedIn, setTitle, session } from '../session.js';

function authCard(title, lead, ...body) {
  return h('div', { class: 'auth-card' }, h('h1', { text: title }), lead ? h('p', { class: 'lead', text: lead }) : null, ...body);
}

function safeNext(q) {
  const n = q.get('next');
  return n && n.startsWith('/') && !n.startsWith('//') && !n.startsWith('/signin') ? n : '/';
}

export async function signin(main, { query }) {
  setTitle(t('signin.title'));
  let creds = null;
  const done = async (me) => {
    signedIn(me);
    rememberLang(me.lang);
    await setLang(me.lang);
    navigate(safeNext(query), { replace: true });
  };
  const failure = (err, setError, otp) => {
    if (err instanceof ApiError && err.code === 'rate_limited') {
      setError(null, t('signin.rate_limited', { s: err.retryAfter ?? 60 }));
      return true;
    }
    if (err instanceof ApiError && err.code === 'unauthorized') {
      if (err.field === 'otp' && !otp) return 'otp';
      setError(otp ? 'otp' : null, otp ? t('signin.wrong_otp') : t('signin.wrong'));
      return true;
    }
    return false;
  };
  const step1 = form({
    fields: [
      { name: 'email', label: t('field.email'), type: 'email', required: true, autocomplete: 'username' },
      { name: 'password', label: t('field.password'), type: 'password', required: true, autocomplete: 'current-password' },
    ],
    submitLabel: t('signin.submit'),
    cls: 'form-auth',
    onSubmit: async (v, { setError }) => {
      try {
        await done(await post('/api/v1/auth/login', { email: v.email, password: v.password }, { auth: false }));
      } catch (err) {
        const r = failure(err, setError, false);
        if (r === 'otp') { creds = v; showOtp(); return; }
        if (!r) throw err;
      }
    },
  });
  const step2 = form({
    fields: [{ name: 'otp', label: t('signin.otp'), required: true, autocomplete: 'one-time-code', inputmode: 'numeric', mono: true, hint: t('signin.otp_hint') }],
    submitLabel: t('signin.verify'),
    cls: 'form-auth',
    onCancel: () => { creds = null; showCreds(); },
    onSubmit: async (v, { setError }) => {
      try {
        await done(await post('/api/v1/auth/login', { ...creds, otp: v.otp }, { auth: false }));
      } catch (err) { if (!failure(err, setError, true)) throw err; }
    },
  });
  const lead = h('p', { class: 'lead', text: t('signin.lead') });
  const links = h('div', { class: 'auth-links' },
    h('a', { href: '/forgot', text: t('signin.forgot') }),
    h('span', {}, t('signin.partner_q'), ' ', h('a', { href: '/apply', text: t('signin.apply') })));
  const card = h('div', { class: 'auth-card' }, h('h1', { text: t('signin.title') }), lead, step1.el, links);
  function showOtp() {
    lead.textContent = t('signin.otp_lead');
    step1.el.replaceWith(step2.el);
    links.hidden = true;
    step2.inputs.otp.focus();
  }
  function showCreds() {
    lead.textContent = t('signin.lead');
    step2.el.replaceWith(step1.el);
    links.hidden = false;
  }
  main.append(card);
  step1.inputs.email.focus();
}

export async function forgot(main) {
  setTitle(t('forgot.title'));
  const holder = h('div');
  const f = form({
    fields: [{ name: 'email', label: t('field.email'), type: 'email', required: true, autocomplete: 'username' }],
    submitLabel: t('forgot.submit'),
    cls: 'form-auth',
    onSubmit: async (v) => {
      await post('/api/v1/auth/password-reset', { email: v.email }, { auth: false });
      holder.replaceChildren(h('div', { class: 'success' }, icon('mail', 'success-icon'),
        h('p', { class: 'success-title', text: t('forgot.sent_title') }),
        h('p', { text: t('forgot.sent', { email: v.email }) })));
    },
  });
  holder.append(f.el);
  main.append(authCard(t('forgot.title'), t('forgot.lead'), holder,
    h('div', { class: 'auth-links' }, h('a', { href: '/signin', text: t('forgot.back') }))));
}

export async function setPassword(main, { query }) {
  setTitle(t('setpw.title'));
  const token = query.get('token') || '';
  if (!token) {
    main.append(authCard(t('setpw.title'), t('setpw.no_token'), h('div', { class: 'auth-links' }, h('a', { href: '/forgot', text: t('setpw.ask_new') }))));
    return;
  }
  // a reset link (not a first password): other access ends, tokens by choice
  const reset = query.get('reset') === '1';
  const holder = h('div');
  const f = form({
    fields: [
      { name: 'password', label: t('setpw.new'), type: 'password', required: true, autocomplete: 'new-password', hint: t('setpw.hint') },
      { name: 'repeat', label: t('setpw.repeat'), type: 'password', required: true, autocomplete: 'new-password',
        validate: (v, all) => (v !== all.password ? t('setpw.mismatch') : null) },
      ...(reset ? [{ name: 'keep_tokens', label: t('profile.keep_tokens'), type: 'checkbox' }] : []),
    ],
    submitLabel: t('setpw.submit'),
    cls: 'form-auth',
    onSubmit: async (v, { setError }) => {
      try {
        await post('/api/v1/auth/password-reset/confirm', { token, password: v.password, keep_tokens: !!v.keep_tokens }, { auth: false });
      } catch (err) {
        if (err instanceof ApiError && (err.field === 'token' || err.code === 'not_found' || err.code === 'unauthorized')) {
          setError(null, t('setpw.bad_token'));
          return;
        }
        throw err;
      }
      history.replaceState(null, '', '/password');
      holder.replaceChildren(h('div', { class: 'success' }, icon('check', 'success-icon'),
        h('p', { class: 'success-title', text: t('setpw.done_title') }), h('p', { text: t('setpw.done') }),
        h('a', { class: 'btn btn-primary', href: session.me ? '/' : '/signin', text: session.me ? t('setpw.continue') : t('signin.submit') })));
    },
  });
  if (reset) holder.append(h('p', { class: 'note', text: t('setpw.reset_note') }));
  holder.append(f.el);
  main.append(authCard(t('setpw.title'), t('setpw.lead'), holder));
}
