// app.js — the cabinet: session, router on history.pushState (real paths),
// the header with the person and the account switcher, the left navigation
// for the current account's kind.
import { t, setLang, detectLang, rememberLang, currentLang, LANGS } from './i18n.js';
import { patch, post, setCsrf, setUnauthorizedHandler } from './api.js';
import { h, clear, toast, toastError, errorBox } from './ui.js';
import * as auth from './pages/auth.js';
import * as apply from './pages/apply.js';
import * as invite from './pages/invite.js';
import * as provider from './pages/provider.js';
import * as partner from './pages/partner.js';
import * as subscriber from './pages/subscriber.js';
import * as profile from './pages/profile.js';
import * as catalog from './pages/catalog.js';
import * as clients from './pages/clients.js';
import * as areas from './pages/areas.js';
import * as area from './pages/area.js';
import * as statements from './pages/statements.js';
import * as webhooks from './pages/webhooks.js';
import * as mail from './pages/mail.js';
import * as invitations from './pages/invitations.js';
import * as regpages from './pages/regpages.js';
import * as signup from './pages/signup.js';
import * as welcome from './pages/welcome.js';
import * as leads from './pages/leads.js';
import * as versions from './pages/versions.js';

import { session, account, kind, refreshMe, navigate, setRouter } from './session.js';

// ---- routes -----------------------------------------------------------------
// public: shown without a session (in the public layout). kinds: account kinds
// that see the page; a path shared by kinds names a view per kind.
const ROUTES = [
  { path: '/signin', public: 'guest', view: auth.signin },
  { path: '/forgot', public: 'guest', view: auth.forgot },
  { path: '/password', public: 'any', view: auth.setPassword },
  { path: '/invite', public: 'any', view: invite.page },
  { path: '/apply', public: 'any', view: apply.questionnaire },
  { path: '/signup', public: 'any', view: signup.page },
  { path: '/welcome/:id', kinds: { subscriber: welcome.page } },
  { path: '/invitations', kinds: { partner: invitations.invitations } },
  { path: '/profile', view: profile.page },
  { path: '/applications', kinds: { provider: provider.applications } },
  { path: '/partners', kinds: { provider: provider.partners } },
  { path: '/partners/:id', kinds: { provider: provider.partner } },
  { path: '/requests', kinds: { provider: provider.requests, partner: partner.requests } },
  { path: '/audit', kinds: { provider: provider.audit, subscriber: subscriber.audit } },
  { path: '/mail', kinds: { provider: mail.outbox } },
  { path: '/mail/:id', kinds: { provider: mail.message } },
  { path: '/organization', kinds: { partner: partner.organization } },
  { path: '/employees', kinds: { partner: partner.employees } },
  { path: '/subscribers', kinds: { partner: partner.subscribers } },
  { path: '/subscribers/:id', kinds: { partner: partner.subscriber } },
  { path: '/users', kinds: { subscriber: subscriber.users } },
  { path: '/catalog', kinds: { provider: catalog.catalog } },
  { path: '/its-contracts', kinds: { provider: catalog.itsContracts } },
  { path: '/tariffs', kinds: { partner: catalog.partnerTariffs } },
  { path: '/clients', kinds: { partner: clients.clients } },
  { path: '/subscription', kinds: { subscriber: subscriber.subscription } },
  { path: '/areas', kinds: { subscriber: areas.areas } },
  { path: '/areas/:id', kinds: { subscriber: area.page } },
  { path: '/sessions', kinds: { subscriber: areas.sessions } },
  { path: '/grants', kinds: { subscriber: areas.grants } },
  { path: '/granted', kinds: { partner: areas.granted } },
  { path: '/distributors', kinds: { provider: statements.distributors } },
  { path: '/statements', kinds: { provider: statements.months, partner: statements.statements } },
  { path: '/statements/months/:month', kinds: { provider: statements.month } },
  { path: '/statements/:id', kinds: { provider: statements.statement, partner: statements.statement } },
  { path: '/webhooks', kinds: { provider: webhooks.webhooks, partner: webhooks.webhooks } },
  { path: '/webhooks/:id', kinds: { provider: webhooks.webhook, partner: webhooks.webhook } },
  { path: '/regpages', kinds: { provider: regpages.regpages, partner: regpages.regpages } },
  { path: '/regpages/:id', kinds: { provider: regpages.regpage, partner: regpages.regpage } },
  { path: '/leads', kinds: { provider: leads.providerPage, partner: leads.partnerPage } },
  { path: '/versions', kinds: { provider: versions.versions } },
  { path: '/versions/rollouts/:id', kinds: { provider: versions.rollout } },
];

// Each item names the roles that may open it, as the server checks them
// (src/model: ob_access_provider/partner/subscriber of what the page loads);
// an item without `roles` is open to every role of its kind of account. A
// menu item never leads to a refusal.
const NAV = {
  provider: [
    { href: '/applications', label: 'nav.applications', roles: ['admin', 'operator'] },
    { href: '/partners', label: 'nav.partners' },
    { href: '/leads', label: 'nav.leads' },
    { href: '/catalog', label: 'nav.catalog' },
    { href: '/versions', label: 'nav.versions' },
    { href: '/its-contracts', label: 'nav.its' },
    { href: '/requests', label: 'nav.requests' },
    { href: '/statements', label: 'nav.statements' },
    { href: '/distributors', label: 'nav.distributors' },
    { href: '/audit', label: 'nav.audit' },
    { href: '/webhooks', label: 'nav.webhooks', roles: ['admin'] },
    { href: '/regpages', label: 'nav.regpages', roles: ['admin', 'operator', 'auditor', 'support'] },
    { href: '/mail', label: 'nav.mail' },
  ],
  partner: [
    { href: '/subscribers', label: 'nav.subscribers' },
    { href: '/invitations', label: 'nav.invitations', roles: ['owner', 'operator', 'consultant'] },
    { href: '/leads', label: 'nav.new_clients' },
    { href: '/granted', label: 'nav.granted' },
    { href: '/tariffs', label: 'nav.tariffs' },
    { href: '/employees', label: 'nav.employees', roles: ['owner'] },
    { href: '/requests', label: 'nav.requests' },
    { href: '/statements', label: 'nav.statements' },
    { href: '/organization', label: 'nav.organization' },
    { href: '/webhooks', label: 'nav.webhooks', roles: ['owner'] },
    { href: '/regpages', label: 'nav.regpages', roles: ['owner', 'operator'] },
  ],
  subscriber: [
    { href: '/subscription', label: 'nav.subscription' },
    { href: '/areas', label: 'nav.areas' },
    { href: '/sessions', label: 'nav.sessions' },
    { href: '/users', label: 'nav.users', roles: ['owner', 'administrator'] },
    { href: '/grants', label: 'nav.grants', roles: ['owner', 'administrator'] },
    { href: '/audit', label: 'nav.audit', roles: ['owner', 'administrator'] },
  ],
};

function navFor(acc) {
  if (!acc) return [];
  return (NAV[acc.kind] || []).filter((n) => !n.roles || n.roles.some((r) => acc.roles.includes(r)));
}
/** Is this path one of the account's menu pages, or under one? A page the menu leaves out is not shown. */
function inMenu(acc, pathname) {
  const all = NAV[acc?.kind] || [];
  const item = all.find((n) => pathname === n.href || pathname.startsWith(`${n.href}/`));
  return !item || navFor(acc).includes(item);
}
function home() { return navFor(account())[0]?.href || '/profile'; }

function match(pathname) {
  const parts = pathname.replace(/\/+$/, '').split('/').filter(Boolean);
  for (const r of ROUTES) {
    const rp = r.path.split('/').filter(Boolean);
    if (rp.length !== parts.length) continue;
    const params = {};
    let ok = true;
    for (let i = 0; i < rp.length; i++) {
      if (rp[i].startsWith(':')) params[rp[i].slice(1)] = decodeURIComponent(parts[i]);
      else if (rp[i] !== parts[i]) { ok = false; break; }
    }
    if (ok) return { route: r, params };
  }
  return null;
}

// ---- layouts ----------------------------------------------------------------
const root = () => document.getElementById('app');

function brand(href) {
  return h('a', { class: 'brand', href }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), h('span', { class: 'brand-name', text: 'Oblako' }));
}

function langSwitch(onPick) {
  return h('div', { class: 'lang', role: 'group', 'aria-label': t('header.language') }, LANGS.map((l) => h('button', {
    type: 'button', class: ['lang-btn', l === currentLang() && 'lang-on'], 'aria-pressed': String(l === currentLang()),
    lang: l, title: t(`lang.${l}`), onclick: () => { if (l !== currentLang()) onPick(l); },
  }, l.toUpperCase())));
}

async function pickLangPublic(l) {
  rememberLang(l);
  await setLang(l);
  render();
}

async function pickLangSignedIn(l) {
  try {
    const me = await patch('/api/v1/me', { lang: l });
    session.me = { ...me, csrf: me.csrf || session.me.csrf };
    rememberLang(l);
    await setLang(l);
    render();
    toast(t('profile.lang_saved'));
  } catch (err) { toastError(err); }
}

function publicLayout(main) {
  document.body.className = 'public';
  return h('div', { class: 'public-wrap' },
    h('header', { class: 'public-head' }, brand('/'), langSwitch(pickLangPublic)),
    main,
    h('footer', { class: 'public-foot' }, h('span', { text: t('footer.tagline') })));
}

function accountLabel(a) { return `${a.name} · ${t(`kind.${a.kind}`)}`; }

async function switchAccount(id) {
  try {
    const me = await patch('/api/v1/me', { account: id });
    session.me = { ...me, csrf: me.csrf || session.me.csrf };
    navigate(home());
    toast(t('header.switched', { name: account().name }));
  } catch (err) { toastError(err); }
}

async function signOut() {
  try { await post('/api/v1/auth/logout', {}, { auth: false }); } catch { /* ended anyway */ }
  session.me = null;
  setCsrf(null);
  navigate('/signin');
}

function header() {
  const me = session.me;
  const acc = account();
  const many = me.accounts.length > 1;
  const switcher = many
    ? h('label', { class: 'acc-switch' }, h('span', { class: 'sr-only', text: t('header.account') }),
      h('select', { class: 'input acc-select', 'aria-label': t('header.account'), onchange: (e) => switchAccount(Number(e.target.value)) },
        me.accounts.map((a) => h('option', { value: a.id, selected: a.id === acc?.id }, accountLabel(a)))))
    : acc ? h('span', { class: 'acc-name' }, accountLabel(acc)) : null;
  const codes = acc && acc.kind === 'subscriber' && acc.code
    ? h('div', { class: 'acc-codes', 'data-testid': 'subscriber-code' },
      h('span', { class: 'code-chip' }, h('span', { class: 'muted', text: t('header.code') }), ' ', h('strong', { text: String(acc.code) })),
      h('span', { class: 'code-chip' }, h('span', { class: 'muted', text: t('header.reporting') }), ' ', h('strong', { text: acc.reporting_number || `FR${acc.code}` })))
    : null;
  const who = me.name || me.email;
  const initials = (me.name || me.email).split(/[\s@.]+/).filter(Boolean).slice(0, 2).map((s) => s[0].toUpperCase()).join('');
  return h('header', { class: 'app-head' },
    menuToggle(),
    brand(home()),
    h('div', { class: 'head-account' }, switcher, codes),
    h('div', { class: 'head-right' },
      langSwitch(pickLangSignedIn),
      h('a', { class: 'person', href: '/profile', title: me.email },
        h('span', { class: 'avatar', 'aria-hidden': 'true', text: initials }),
        h('span', { class: 'person-text' }, h('span', { class: 'person-name', 'data-testid': 'person', text: who }),
          me.name ? h('span', { class: 'person-mail', text: me.email }) : null)),
      h('button', { type: 'button', class: 'btn btn-ghost btn-sm', onclick: signOut }, t('header.signout'))));
}

// Narrow windows (app.css, max-width 900px) hide the menu behind this button;
// each page is drawn afresh, so the menu is closed again after a click in it.
function menuToggle() {
  const btn = h('button', {
    type: 'button', class: 'menu-toggle', 'data-testid': 'menu-toggle', 'aria-controls': 'side-nav', 'aria-expanded': 'false',
    'aria-label': t('nav.menu'), title: t('nav.menu'),
    onclick: () => {
      const open = btn.closest('.shell').classList.toggle('nav-open');
      btn.setAttribute('aria-expanded', String(open));
    },
  }, h('span', { class: 'menu-bars', 'aria-hidden': 'true' }));
  return btn;
}

function sidebar(pathname) {
  const acc = account();
  const items = navFor(acc);
  const link = (href, label) => h('a', {
    href, class: ['nav-link', (pathname === href || pathname.startsWith(`${href}/`)) && 'nav-on'],
    'aria-current': pathname === href || pathname.startsWith(`${href}/`) ? 'page' : null,
  }, t(label));
  return h('nav', { class: 'side', id: 'side-nav', 'aria-label': t('nav.main') },
    acc ? h('div', { class: 'side-kind', text: t(`kind.${acc.kind}`) }) : null,
    items.map((n) => link(n.href, n.label)),
    h('div', { class: 'side-sep' }),
    link('/profile', 'nav.profile'));
}

function appLayout(pathname, main) {
  document.body.className = 'app';
  const banner = session.me.mfa_required
    ? h('div', { class: 'banner' }, t('mfa.required'), ' ', h('a', { href: '/profile#totp', text: t('mfa.setup') }))
    : null;
  return h('div', { class: 'shell' }, header(), h('div', { class: 'body' }, sidebar(pathname), h('div', { class: 'main-col' }, banner, main)));
}

// ---- render -----------------------------------------------------------------
let renderSeq = 0;
async function render() {
  const seq = ++renderSeq;
  const { pathname } = location;
  const m = match(pathname);
  const me = session.me;

  if (pathname === '/' || pathname === '/index.html') { navigate(me ? home() : '/signin', { replace: true }); return; }
  if (m && m.route.public === 'guest' && me) { navigate(home(), { replace: true }); return; }
  if ((!m || !m.route.public) && !me) {
    navigate(`/signin?next=${encodeURIComponent(pathname + location.search)}`, { replace: true });
    return;
  }
  const main = h('main', { class: 'main', id: 'main', tabindex: '-1' });
  let view = null;
  if (m && (m.route.public || inMenu(account(), pathname))) view = m.route.view || m.route.kinds?.[kind()] || null;
  const page = m && m.route.public && (m.route.public === 'guest' || !me) ? publicLayout(main) : appLayout(pathname, main);
  clear(root()).append(page);
  document.title = 'Oblako';
  if (!view) {
    main.append(h('div', { class: 'notfound' }, h('h1', { text: t('notfound.title') }), h('p', { text: t('notfound.text') }),
      h('a', { class: 'btn btn-primary', href: me ? home() : '/signin', text: t('notfound.home') })));
    return;
  }
  // busy until the view has loaded what it shows (assistive technology, and the tests, wait for it)
  main.setAttribute('aria-busy', 'true');
  try {
    await view(main, { params: m.params, query: new URLSearchParams(location.search), isCurrent: () => seq === renderSeq });
  } catch (err) {
    if (seq !== renderSeq) return;
    console.error(err);
    main.append(errorBox(err));
  }
  main.removeAttribute('aria-busy');
}

// ---- boot -------------------------------------------------------------------
document.addEventListener('click', (ev) => {
  if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
  const a = ev.target.closest('a[href]');
  if (!a || a.hasAttribute('download') || a.target || a.origin !== location.origin) return;
  const path = a.pathname;
  if (path.startsWith('/api/') || /\.\w+$/.test(path) || ['/healthz', '/readyz', '/metrics'].includes(path)) return;
  ev.preventDefault();
  if (a.hash && path === location.pathname) return;
  navigate(path + a.search + a.hash);
});
window.addEventListener('popstate', () => render());

setUnauthorizedHandler(() => {
  if (!session.me) return;
  session.me = null;
  setCsrf(null);
  toast(t('err.session_ended'), 'error');
  navigate(`/signin?next=${encodeURIComponent(location.pathname + location.search)}`, { replace: true });
});

async function boot() {
  try {
    await refreshMe();
  } catch { session.me = null; }
  await setLang(session.me ? session.me.lang : detectLang());
  await render();
  document.body.classList.add('ready');
}

setRouter(render);
boot();
