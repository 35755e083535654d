// The partner questionnaire (R-ACC-6): public, with its own language switch.
import { t, currentLang } from '../i18n.js';
import { post } from '../api.js';
import { h, form, icon } from '../ui.js';
import { setTitle } from '../session.js';

export async function questionnaire(main) {
  setTitle(t('apply.title'));
  const holder = h('div');
  const f = form({
    fields: [
      { name: 'name', label: t('field.org_name'), required: true, span: 2, autocomplete: 'organization' },
      { name: 'inn', label: t('field.inn'), required: true, inputmode: 'numeric', hint: t('field.inn_hint') },
      { name: 'kpp', label: t('field.kpp'), inputmode: 'numeric' },
      { name: 'phone', label: t('field.phone'), type: 'tel', required: true, autocomplete: 'tel' },
      { name: 'email', label: t('field.org_email'), type: 'email', required: true },
      { name: 'site', label: t('field.site'), placeholder: 'https://' },
      { name: 'region', label: t('field.region') },
      { name: 'address', label: t('field.address'), span: 2, autocomplete: 'street-address' },
      { name: 'contact_name', label: t('field.contact_name'), required: true, autocomplete: 'name' },
      { name: 'contact_email', label: t('field.contact_email'), type: 'email', required: true, autocomplete: 'email', hint: t('apply.contact_hint') },
      { name: 'comment', label: t('field.comment'), type: 'textarea', span: 2 },
    ],
    submitLabel: t('apply.submit'),
    cls: 'form-wide',
    onSubmit: async (v) => {
      const body = { lang: currentLang() };
      for (const [k, val] of Object.entries(v)) if (val !== '') body[k] = val;
      await post('/api/v1/partner-applications', body, { auth: false });
      holder.replaceChildren(h('div', { class: 'success success-big', 'data-testid': 'apply-thanks' }, icon('check', 'success-icon'),
        h('h2', { class: 'success-title', text: t('apply.thanks_title') }),
        h('p', { text: t('apply.thanks', { email: v.contact_email }) }),
        h('ol', { class: 'steps' }, h('li', { text: t('apply.next1') }), h('li', { text: t('apply.next2') }), h('li', { text: t('apply.next3') })),
        h('a', { class: 'btn btn-secondary', href: '/signin', text: t('apply.to_signin') })));
      window.scrollTo(0, 0);
    },
  });
  holder.append(h('p', { class: 'lead', text: t('apply.lead') }), f.el);
  main.append(h('div', { class: 'auth-card auth-wide' }, h('h1', { text: t('apply.title') }), holder));
}
