// The welcome page, /welcome/{subscriber}: where a client lands after signing up (an
// invitation code, a registration page). It says who the client is (name and code), that the
// trial runs "по DD.MM.YYYY включительно" (R-SUB-0/1a), who serves it and how to reach them, the
// tariff offered after the trial at its retail price when the trial is of a main tariff (a
// registration page's, R-ONB-5), and the data areas with their state and an «Открыть» button once
// ready. With ?open=1 the first area is opened as soon as it is ready (a registration page that
// creates an application's area); the browser may ask to allow the window, so the button stays.
import { t, fmtDate, fmtMoney, localName, tOr, currentLang } from '../i18n.js';
import { get } from '../api.js';
import { h, badge, button, card, details, errorBox, loading, pageHeader } from '../ui.js';
import { setTitle, account } from '../session.js';
import { opener } from './areas.js';

const AREA_TONES = { creating: 'warn', ready: 'ok', failed: 'bad' };

/** A day as the rules write it: "12.03.2027" in Russian, "12 Mar 2027" in English. */
function day(iso) {
  const [y, m, d] = String(iso).slice(0, 10).split('-');
  return currentLang() === 'ru' ? `${d}.${m}.${y}` : fmtDate(iso);
}

/** The trial and the tariff offered after it (a main tariff's trial offers that tariff). */
async function trialOf(sub) {
  const page = await get(`/api/v1/subscriptions?subscriber=${sub}&limit=50`);
  const trial = (page.items || []).find((s) => s.kind === 'trial') || null;
  let offer = null;
  if (trial) {
    try {
      const list = await get('/api/v1/tariffs?limit=500');
      const tariff = (list.items || []).find((x) => x.id === trial.tariff.id);
      if (tariff?.kind === 'main') offer = tariff;
    } catch { /* a tariff the client may not read (a partner's own): nothing to offer */ }
  }
  return { trial, offer };
}

function trialCard({ trial, offer }) {
  if (!trial) return null;
  const month = offer?.price_now?.['1'];
  return card(t('welcome.trial'), h('div', {},
    h('p', { class: 'welcome-trial', 'data-testid': 'welcome-trial', text: t('welcome.trial_through', { date: day(trial.through) }) }),
    h('p', { class: 'note', text: t('welcome.trial_free', { tariff: localName(trial.tariff) }) }),
    offer ? h('p', { 'data-testid': 'welcome-offer' }, t('welcome.offer', { tariff: localName(offer) }),
      month ? h('strong', { text: ` ${t('welcome.per_month', { price: fmtMoney(month) })}` }) : null) : null));
}

function partnerCard(sub) {
  if (!sub.partner) return card(t('welcome.support'), h('p', { text: t('welcome.provider_serves') }));
  const p = sub.partner;
  return card(t('welcome.support'), details([
    [t('welcome.partner'), h('strong', { text: p.name })],
    p.phone ? [t('welcome.phone'), h('a', { href: `tel:${p.phone.replace(/[^+\d]/g, '')}`, text: p.phone })] : null,
    p.email ? [t('welcome.email'), h('a', { href: `mailto:${p.email}`, text: p.email })] : null,
  ].filter(Boolean)), { cls: 'welcome-partner' });
}

function areasCard(sub, autoOpen) {
  const op = opener();
  const body = h('div', {}, loading());
  let opened = false;
  let timer = null;
  const draw = (items) => {
    if (!items.length) {
      body.replaceChildren(h('p', { class: 'note', text: t('welcome.no_areas') }),
        h('a', { class: 'btn btn-secondary', href: '/areas', text: t('welcome.to_areas') }));
      return;
    }
    body.replaceChildren(h('ul', { class: 'welcome-areas' }, items.map((a) => h('li', { class: 'welcome-area', 'data-testid': 'welcome-area' },
      h('span', { class: 'welcome-area-name', text: a.name }),
      badge(a.state, { tone: AREA_TONES[a.state] || 'muted', label: tOr(`area_state.${a.state}`, a.state) }),
      a.state === 'ready' ? button(t('areas.open'), () => op.open(a), { small: true, kind: 'primary' }) : null))));
  };
  const load = async () => {
    try {
      const page = await get(`/api/v1/areas?subscriber=${sub}&limit=50`);
      const items = page.items || [];
      draw(items);
      const ready = items.find((a) => a.state === 'ready');
      if (autoOpen && ready && !opened) { opened = true; op.open(ready); }
      if (items.some((a) => a.state === 'creating') && document.body.contains(body)) timer = setTimeout(load, 2000);
    } catch (err) {
      body.replaceChildren(errorBox(err));
    }
  };
  load();
  return { el: card(t('welcome.areas'), h('div', {}, op.el, body)), stop: () => clearTimeout(timer) };
}

export async function page(main, { params, query }) {
  const sub = Number(params.id) || account()?.id;
  setTitle(t('welcome.title'));
  main.append(loading());
  let s;
  let trial;
  try {
    [s, trial] = await Promise.all([get(`/api/v1/subscribers/${sub}`), trialOf(sub)]);
  } catch (err) {
    main.replaceChildren(errorBox(err));
    return;
  }
  const areas = areasCard(sub, query.get('open') === '1');
  main.replaceChildren(
    pageHeader(t('welcome.hello', { name: s.name }), { subtitle: t('welcome.code', { code: s.code }) }),
    h('div', { class: 'welcome-grid' }, trialCard(trial), partnerCard(s)),
    areas.el,
  );
}
