// The public sign-up page, /signup?code=…: a client activates the invitation code a partner gave
// (R-ONB-2). Name, email, phone, password and the code; each refusal is shown under its field.
// The code may be typed as read aloud (any case, with or without dashes or spaces). The answer is
// the same whether the address has a login or not: "check your mail" with what comes next.
import { t, currentLang } from '../i18n.js';
import { post } from '../api.js';
import { h, form, icon } from '../ui.js';
import { setTitle } from '../session.js';

export async function page(main, { query }) {
  setTitle(t('signup.title'));
  const holder = h('div');
  const f = form({
    fields: [
      { name: 'code', label: t('signup.code'), required: true, span: 2, autocomplete: 'off', placeholder: 'K7QF-2MXD-9TAB-W4HP', hint: t('signup.code_hint') },
      { name: 'name', label: t('signup.name'), required: true, span: 2, autocomplete: 'organization', hint: t('signup.name_hint') },
      { name: 'email', label: t('field.email'), type: 'email', required: true, autocomplete: 'email' },
      { name: 'phone', label: t('field.phone'), type: 'tel', required: true, autocomplete: 'tel', placeholder: '+7 900 123-45-67' },
      { name: 'password', label: t('signup.password'), type: 'password', required: true, span: 2, autocomplete: 'new-password', hint: t('setpw.hint') },
    ],
    values: { code: query.get('code') || '' },
    submitLabel: t('signup.submit'),
    cls: 'form-wide form-signup',
    onSubmit: async (v) => {
      const r = await post('/api/v1/signup', { ...v, lang: currentLang() }, { auth: false });
      holder.replaceChildren(h('div', { class: 'success success-big', 'data-testid': 'signup-done' }, icon('mail', 'success-icon'),
        h('h2', { class: 'success-title', text: t('signup.done_title') }),
        h('p', { text: t('signup.done', { email: r.email }) }),
        h('ol', { class: 'steps' }, h('li', { text: t('signup.next1') }), h('li', { text: t('signup.next2') }), h('li', { text: t('signup.next3') })),
        h('p', { class: 'note', text: t('signup.no_mail') })));
      history.replaceState(null, '', '/signup');
      window.scrollTo(0, 0);
    },
  });
  holder.append(h('p', { class: 'lead', text: t('signup.lead') }), f.el,
    h('p', { class: 'note signup-legal', text: t('signup.trial_note') }));
  main.append(h('div', { class: 'auth-card auth-wide signup-card' }, h('h1', { text: t('signup.title') }), holder,
    h('div', { class: 'auth-links' }, h('a', { href: '/signin', text: t('signup.have_login') }))));
}
