// regpages.js — «Страницы для регистрации абонентов» (R-ONB-5): a partner's
// (its owners and operators) or the provider's registration pages: the
// list with state and statistics at a glance, creating and changing a page,
// turning it off and on, and one page's tabs: the ready page (its link and
// a preview), the HTML code (with a copy button), the instructions for the
// partner's site developer generated with the page's own addresses, and
// the statistics per month.
import { t, tn, localName, currentLang } from '../i18n.js';
import { get, post, patch } from '../api.js';
import { h, clear, badge, button, card, details, pageHeader, tabs, dataTable, formDialog, toast, toastError, loading, errorBox } from '../ui.js';
import { account, navigate, setTitle } from '../session.js';
import { roleGate } from '../roles.js';
import { all } from './catalog.js';

const MANAGE = { partner: ['owner', 'operator'], provider: ['admin', 'operator'] };
const manageRoles = () => MANAGE[account()?.kind] || ['owner'];

function stateBadge(p) {
  return p.state === 'disabled' ? badge('blocked', { label: t('regpages.off') }) : badge('active', { label: t('regpages.on') });
}

async function choices() {
  const [tariffs, apps] = await Promise.all([all('/api/v1/tariffs'), all('/api/v1/applications')]);
  const mine = account()?.kind === 'partner' ? account().id : null;
  return {
    tariffs: tariffs.filter((x) => x.kind === 'main' && x.active && (!x.partner || x.partner.id === mine || x.partner === mine)),
    apps: apps.filter((a) => a.active),
  };
}

function fields(c) {
  return [
    { name: 'name', label: t('regpages.name'), required: true, span: 2, hint: t('regpages.name_hint') },
    { name: 'tariff_id', label: t('regpages.tariff'), type: 'select', required: true,
      options: c.tariffs.map((x) => ({ value: x.id, label: localName(x) })) },
    { name: 'trial_days', label: t('regpages.days'), type: 'number', required: true, hint: t('regpages.days_hint'), inputmode: 'numeric' },
    { name: 'application', label: t('regpages.app'), type: 'select', span: 2, hint: t('regpages.app_hint'),
      options: [{ value: '', label: t('regpages.app_none') }, ...c.apps.map((a) => ({ value: a.code, label: localName(a) }))] },
    { name: 'origins', label: t('regpages.origins'), type: 'textarea', span: 2, mono: true, rows: 2,
      placeholder: 'https://partner.ru', hint: t('regpages.origins_hint') },
    { name: 'confirm_email', label: t('regpages.confirm_email'), type: 'checkbox', span: 2, hint: t('regpages.confirm_email_hint') },
  ];
}

function body(v) {
  return {
    name: v.name, tariff_id: Number(v.tariff_id), trial_days: Number(v.trial_days),
    application: v.application || null, origins: v.origins || '', confirm_email: !!v.confirm_email,
  };
}

async function editPage(p, done) {
  let c;
  try { c = await choices(); } catch (err) { toastError(err); return; }
  const values = p
    ? { name: p.name, tariff_id: p.tariff.id, trial_days: p.trial_days, application: p.application?.code || '', origins: p.origins.join('\n'), confirm_email: p.confirm_email }
    : { trial_days: 30, tariff_id: c.tariffs[0]?.id, application: '' };
  const r = await formDialog({
    title: p ? t('regpages.edit') : t('regpages.new'), fields: fields(c), values, wide: true,
    submitLabel: p ? t('common.save') : t('regpages.create'),
    onSubmit: (v) => (p ? patch(`/api/v1/regpages/${p.id}`, body(v))
      : post('/api/v1/regpages', { ...body(v), ...(account().kind === 'provider' ? { partner_id: null } : { partner_id: account().id }) })),
  });
  if (r) { toast(p ? t('regpages.saved') : t('regpages.created')); done(r); }
}

async function setState(p, state, done) {
  try { done(await patch(`/api/v1/regpages/${p.id}`, { state })); toast(state === 'disabled' ? t('regpages.turned_off') : t('regpages.turned_on')); } catch (err) { toastError(err); }
}

function statsText(s) {
  if (!s) return '';
  return [tn('regpages.n_visits', s.visits), tn('regpages.n_registrations', s.registrations), tn('regpages.n_paid', s.paid)].join(' · ');
}

/** The list of pages. */
export async function regpages(main) {
  setTitle(t('regpages.title'));
  const table = dataTable({
    url: account().kind === 'provider' ? '/api/v1/regpages?partner_id=none' : `/api/v1/regpages?partner_id=${account().id}`,
    rowHref: (p) => `/regpages/${p.id}`,
    columns: [
      { key: 'name', label: t('regpages.name'), render: (p) => h('span', {}, h('strong', { text: p.name }),
        h('span', { class: 'cell-sub muted', text: t('regpages.offer', { tariff: localName(p.tariff), days: p.trial_days }) }),
        h('span', { class: 'cell-sub narrow-only', text: statsText(p.stats) }), h('span', { class: 'cell-sub narrow-only' }, stateBadge(p))) },
      { key: 'stats', label: t('regpages.stats'), sort: false, cls: 'wide-only', render: (p) => h('span', { class: 'cell-wrap', text: statsText(p.stats) }) },
      { key: 'state', label: t('common.state'), cls: 'wide-only', render: (p) => stateBadge(p) },
    ],
    empty: { title: t('regpages.empty'), text: t('regpages.empty_text') },
  });
  main.append(pageHeader(t('regpages.title'), { subtitle: t('regpages.subtitle'),
    actions: button(t('regpages.new'), () => editPage(null, (p) => navigate(`/regpages/${p.id}`)), { kind: 'primary', 'data-testid': 'new-regpage', ...roleGate(manageRoles()) }) }),
  h('div', { class: 'regpages-page' }, table.el));
}

function copyBlock(text, label) {
  const pre = h('pre', { class: 'snippet', tabindex: '0', 'aria-label': label }, h('code', { text }));
  return h('div', { class: 'snippet-box' }, pre, h('div', { class: 'snippet-actions' }, button(t('common.copy'), async () => {
    try { await navigator.clipboard.writeText(text); toast(t('common.copied')); } catch { toast(t('regpages.copy_by_hand'), 'error'); }
  }, { small: true, 'data-testid': 'copy' })));
}

function readyTab(p) {
  return h('div', { class: 'regpage-ready' },
    h('p', {}, t('regpages.ready_text')),
    h('p', {}, h('a', { href: p.url, target: '_blank', rel: 'noopener', class: 'mono', text: p.url })),
    p.state === 'disabled' ? h('p', { class: 'note', text: t('regpages.ready_off') }) : null,
    h('iframe', { class: 'regpage-preview', src: `/r/${p.slug}?lang=${currentLang()}`, title: t('regpages.preview'), loading: 'lazy' }));
}

function codeTab(p) {
  return h('div', {}, h('p', {}, t('regpages.code_text')), copyBlock(p.snippet, t('regpages.tab_code')));
}

function fetchExample(p) {
  return [
    `const r = await fetch('${p.endpoint}', {`,
    "  method: 'POST',",
    "  headers: { 'Content-Type': 'application/json', Accept: 'application/json' },",
    "  body: JSON.stringify({ name, email, phone, website: '', lang: 'ru' }),",
    '});',
    'const answer = await r.json();',
    'if (r.ok) window.location.href = answer.next;',
    'else showError(answer.field, answer.detail);',
  ].join('\n');
}

function guideTab(p) {
  const origins = p.origins.length ? p.origins.join(', ') : t('regpages.guide_no_origins');
  const errors = [
    ['400 · name', t('regpages.err_name')], ['400 · email', t('regpages.err_email')], ['400 · phone', t('regpages.err_phone')],
    ['403', t('regpages.err_origin')], ['404', t('regpages.err_missing')], ['410', t('regpages.err_closed')], ['429', t('regpages.err_rate')],
  ];
  return h('div', { class: 'regpage-guide' },
    h('h3', { text: t('regpages.guide_1') }),
    h('p', {}, t('regpages.guide_1_text')), h('p', {}, h('span', { class: 'mono', text: p.url })),
    h('h3', { text: t('regpages.guide_2') }),
    h('p', {}, t('regpages.guide_2_text')), copyBlock(p.snippet, t('regpages.tab_code')),
    h('p', {}, t('regpages.guide_fields')),
    h('h3', { text: t('regpages.guide_3') }),
    h('p', {}, t('regpages.guide_3_text', { origins })), copyBlock(fetchExample(p), 'fetch'),
    h('p', {}, t('regpages.guide_next')),
    h('p', {}, t('regpages.guide_errors')),
    copyBlock('{ "status": 400, "code": "invalid", "field": "email",\n  "detail": "«not-an-email» — не адрес почты" }', 'JSON'),
    details(errors.map(([k, v]) => [h('span', { class: 'mono', text: k }), v])),
    h('h3', { text: t('regpages.guide_4') }),
    h('p', {}, t('regpages.guide_4_text', { days: p.trial_days, tariff: localName(p.tariff) })));
}

async function statsTab(p) {
  const el = h('div', {}, loading());
  get(`/api/v1/regpages/${p.id}/stats`).then((s) => {
    clear(el).append(details([
      [t('regpages.visits'), String(s.visits)], [t('regpages.registrations'), String(s.registrations)],
      [t('regpages.confirmed'), String(s.confirmed)], [t('regpages.paid'), String(s.paid)],
    ]));
    if (!s.months.length) return;
    el.append(h('table', { class: 'table regpage-months' },
      h('thead', {}, h('tr', {}, [t('regpages.month'), t('regpages.visits'), t('regpages.registrations'), t('regpages.paid')].map((x) => h('th', { text: x })))),
      h('tbody', {}, s.months.map((m) => h('tr', {}, [monthName(m.month), m.visits, m.registrations, m.paid].map((x) => h('td', { text: String(x) })))))));
  }).catch((err) => clear(el).append(errorBox(err)));
  return el;
}

function monthName(ym) {
  const [y, m] = ym.split('-').map(Number);
  const name = new Date(Date.UTC(y, m - 1, 1)).toLocaleDateString(currentLang() === 'ru' ? 'ru-RU' : 'en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' });
  return name.replace(/ г\.$/, '');
}

const TABS = ['ready', 'code', 'guide', 'stats'];
const tabLabel = (x) => ({ ready: t('regpages.tab_ready'), code: t('regpages.tab_code'), guide: t('regpages.tab_guide'), stats: t('regpages.tab_stats') })[x];

/** One page: its settings and tabs. */
export async function regpage(main, { params, query }) {
  setTitle(t('regpages.title'));
  const tab = TABS.includes(query.get('tab')) ? query.get('tab') : 'ready';
  const box = h('div', {}, loading());
  main.append(pageHeader(t('regpages.page_title'), { back: { href: '/regpages', label: t('regpages.title') } }), box);
  let p;
  try { p = await get(`/api/v1/regpages/${params.id}`); } catch (err) { clear(box).append(errorBox(err)); return; }
  setTitle(p.name);
  const reload = () => navigate(`/regpages/${p.id}${tab === 'ready' ? '' : `?tab=${tab}`}`, { replace: true });
  const gate = roleGate(manageRoles());
  const actions = h('span', { class: 'row-actions' },
    button(t('regpages.edit_short'), () => editPage(p, reload), { small: true, 'data-testid': 'edit', ...gate }),
    p.state === 'disabled'
      ? button(t('regpages.turn_on'), () => setState(p, 'active', reload), { small: true, 'data-testid': 'turn-on', ...gate })
      : button(t('regpages.turn_off'), () => setState(p, 'disabled', reload), { small: true, 'data-testid': 'turn-off', ...gate }));
  const view = tab === 'code' ? codeTab(p) : tab === 'guide' ? guideTab(p) : tab === 'stats' ? await statsTab(p) : readyTab(p);
  clear(box).append(
    card(p.name, details([
      [t('regpages.tariff'), localName(p.tariff)],
      [t('regpages.days'), tn('regpages.n_days', p.trial_days)],
      [t('regpages.app'), p.application ? localName(p.application) : t('regpages.app_none')],
      [t('regpages.origins'), p.origins.length ? h('span', { class: 'mono', text: p.origins.join(', ') }) : t('regpages.no_origins')],
      [t('regpages.confirm_email'), p.confirm_email ? t('regpages.yes') : t('regpages.no')],
      [t('common.state'), stateBadge(p)],
    ]), { actions }),
    tabs(TABS.map((x) => ({ value: x, label: tabLabel(x) })), tab,
      (x) => navigate(`/regpages/${p.id}${x === 'ready' ? '' : `?tab=${x}`}`)),
    view);
}
