// Data areas, application sessions and partner access (docs/rules.md §6, R-ACT-4):
// the subscriber's areas (open, create, delete by name, the bin, restore),
// who holds the concurrent sessions now and why an opening was refused, the
// session history, the owner's grants to partner employees, and the partner
// employee's list of client areas granted to them.
import { t, tn, tOr, fmtDate, fmtDateTime, currentLang } from '../i18n.js';
import { api, get, post, del, ApiError, errorMessage, serverMessage } from '../api.js';
import {
  h, clear, badge, card, dataTable, button, tabs, formDialog, confirmDialog, toast, toastError, pageHeader, form,
  emptyState, loading, errorBox, icon,
} from '../ui.js';
import { setTitle, navigate, account, session, now } from '../session.js';
import { exportButton, uploadButton } from './area_copy.js';

const MANAGE = ['owner', 'administrator'];
const rolesOf = () => account()?.roles || [];
const canManage = () => rolesOf().some((r) => MANAGE.includes(r));
const isOwner = () => rolesOf().includes('owner');
const ru = () => currentLang() === 'ru';

// ---- small pieces ---------------------------------------------------------------------

/** An area's application {code, name_ru, name_en} in the person's language. */
const appName = (a) => (a ? (ru() ? a.name_ru : a.name_en) || a.name_en || a.name_ru || a.code : '');
/** A session's application name. */
const sessionApp = (s) => (ru() ? s.area.application_name_ru : s.area.application_name) || s.area.application_name || s.area.application;

let appCache = null;
/** The catalog's application names by code (grants carry only the code). */
export async function appNames() {
  if (!appCache) {
    appCache = get('/api/v1/applications?limit=200').then((r) => {
      const m = new Map();
      for (const a of r.items || []) m.set(a.code, a);
      return m;
    }).catch(() => { appCache = null; return new Map(); });
  }
  return appCache;
}

/** "5 min ago" for an instant within the last day, else null. */
function ago(iso) {
  const ms = now().getTime() - Date.parse(iso);
  if (!Number.isFinite(ms) || ms < -60_000 || ms > 86_400_000) return null;
  const min = Math.max(0, Math.floor(ms / 60_000));
  if (min < 1) return t('time.just_now');
  if (min < 60) return t('time.min_ago', { n: min });
  return t('time.h_min_ago', { h: Math.floor(min / 60), m: min % 60 });
}
/** An instant with "N min ago" under it. */
function when(iso) {
  if (!iso) return null;
  const rel = ago(iso);
  return h('span', {}, h('span', { class: 'nowrap', text: fmtDateTime(iso) }), rel ? h('span', { class: 'cell-sub muted', text: rel }) : null);
}
const personCell = (p, ...marks) => h('span', {}, h('strong', { text: p?.name || p?.email || t('audit.actor_unknown') }), marks,
  p?.name && p?.email ? h('span', { class: 'cell-sub muted', text: p.email }) : null);
const youBadge = () => h('span', { class: 'badge badge-info badge-inline', text: t('sessions.you') });

const AREA_TONES = { creating: 'warn', ready: 'ok', failed: 'bad', deleting: 'muted', deleted: 'muted' };
function areaState(a) {
  if (a.phase) {
    // what the area is doing besides its state (restored, updated, archived): no session opens meanwhile
    const p = badge(a.phase, { tone: a.phase === 'archived' ? 'muted' : 'warn', label: tOr(`area_phase.${a.phase}`, a.phase) });
    if (a.phase !== 'archived') { p.prepend(h('span', { class: 'spinner', 'aria-hidden': 'true' })); p.classList.add('badge-busy'); }
    return h('span', { 'data-testid': 'area-state' }, p);
  }
  const b = badge(a.state, { tone: AREA_TONES[a.state], label: tOr(`area_state.${a.state}`, a.state) });
  if (a.state === 'creating') {
    b.prepend(h('span', { class: 'spinner', 'aria-hidden': 'true' }));
    b.classList.add('badge-busy');
    return h('span', { 'data-testid': 'area-state' }, b, h('span', { class: 'cell-sub muted', text: t('areas.creating_hint') }));
  }
  // the backend's reason is its own words (often English): a sentence in the page's language,
  // the reason itself on hover for whoever must report it
  if (a.state === 'failed') return h('span', { 'data-testid': 'area-state' }, b, h('span', { class: 'cell-sub reason-bad', title: a.reason || null, text: t('areas.failed_hint') }));
  return h('span', { 'data-testid': 'area-state' }, b);
}
const testBadge = () => h('span', { class: 'badge badge-info badge-inline', text: t('areas.test') });

/** A plain table (no paging) in the cabinet's look: columns {label, render, cls}. */
function simpleTable(columns, rows, { empty, testid } = {}) {
  if (!rows.length) return empty ? emptyState(empty.title, empty.text) : null;
  return h('div', { class: 'table-scroll' }, h('table', { class: 'table', 'data-testid': testid || null },
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { class: c.cls, scope: 'col' }, c.label)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, columns.map((c) => {
      let v = c.render(r);
      if ((v === null || v === undefined || v === '') && c.cls !== 'actions') v = h('span', { class: 'muted', text: '—' });
      return h('td', { class: c.cls }, v);
    }))))));
}

/** Runs fn every ms while el stays in the page. */
function every(el, ms, fn) {
  const id = setInterval(() => { if (!el.isConnected) clearInterval(id); else fn(); }, ms);
}

// ---- opening an area and the refusal notice -------------------------------------------

/**
 * A notice box on top of a page: what happened when an area was opened
 * (the session limit with who holds the sessions, blocked, not allowed).
 * open(area) opens it: the window is made once Oblako admits, straight at the
 * launch URL, so a refusal shows no empty window; the click's user activation
 * still holds then (browsers keep it for seconds), and if the browser blocks
 * the window anyway, a link to the launch URL is shown instead.
 */
export function opener({ onChange } = {}) {
  const el = h('div', { class: 'notice-slot', 'aria-live': 'polite' });

  async function open(area, { takeOver } = {}) {
    try {
      const s = await post('/api/v1/sessions', takeOver ? { area: area.id, take_over: takeOver } : { area: area.id });
      clear(el);
      const w = window.open(s.launch_url, '_blank');
      if (w) {
        w.opener = null;
        toast(t('areas.opened', { name: area.name }));
      } else {
        // the browser refused the window: a link still works for 2 minutes
        el.append(h('div', { class: 'notice notice-info', role: 'status' }, icon('info'),
          h('div', { class: 'notice-body' }, h('p', { class: 'notice-title', text: t('areas.popup_blocked') }),
            h('a', { class: 'btn btn-primary btn-sm', href: s.launch_url, target: '_blank', rel: 'noopener', text: t('areas.open_named', { name: area.name }) }))));
      }
    } catch (err) {
      await show(err, area);
    }
    onChange?.();
  }

  async function show(err, area) {
    const apps = await appNames();
    clear(el);
    const p = err instanceof ApiError ? err.problem || {} : {};
    const dismiss = h('button', { type: 'button', class: 'notice-x', 'aria-label': t('common.close'), title: t('common.close'), onclick: () => clear(el) }, '×');
    const again = button(t('areas.try_again'), () => open(area), { small: true });
    if (err instanceof ApiError && err.code === 'limit_exceeded' && Array.isArray(p.holders)) {
      const holders = p.holders;
      const mine = p.limit === 'user';
      const title = mine ? t('refusal.user_title', { max: p.max }) : t('refusal.sub_title', { max: p.max });
      const rows = simpleTable([
        { label: t('sessions.person'), render: (x) => personCell(x.person, x.yours ? youBadge() : null) },
        { label: t('sessions.area'), render: (x) => h('span', {}, h('span', { text: x.area?.name || '' }), h('span', { class: 'cell-sub muted', text: apps.get(x.area?.application) ? appName(apps.get(x.area.application)) : x.area?.application || '' })) },
        { label: t('sessions.since'), render: (x) => when(x.opened_at) },
        { label: t('sessions.seen'), render: (x) => when(x.seen_at) },
        { label: '', cls: 'actions', render: (x) => (x.yours
          ? button(t('refusal.take_over'), () => open(area, { takeOver: x.session }), { small: true, kind: 'primary', title: t('refusal.take_over_hint') })
          : canManage() ? button(t('sessions.close'), async () => {
            try { await del(`/api/v1/sessions/${x.session}`); toast(t('sessions.closed_ok')); await open(area); } catch (e) { toastError(e); }
          }, { small: true, kind: 'danger-ghost', title: t('refusal.close_hint') }) : null) },
      ], holders, { testid: 'holders' });
      el.append(h('div', { class: 'notice notice-warn', role: 'alert', 'data-testid': 'refusal' }, icon('alert'),
        h('div', { class: 'notice-body' },
          h('p', { class: 'notice-title', text: title }),
          h('p', { class: 'notice-text', text: t('refusal.area', { name: area.name }) + ' '
            + (holders.length === 1 ? t('refusal.held_one') : tn('refusal.held_many', holders.length)) }),
          rows,
          h('p', { class: 'notice-text muted', text: holders.some((x) => x.yours) ? (holders.length === 1 ? t('refusal.hint_yours_one') : t('refusal.hint_yours')) : mine ? t('refusal.hint_user') : t('refusal.hint_sub', { minutes: Math.max(1, Math.round((p.idle_seconds || 300) / 60)) }) }),
          h('div', { class: 'notice-actions' }, again)),
        dismiss));
      return;
    }
    const blocked = err instanceof ApiError && err.code === 'blocked';
    const forbidden = err instanceof ApiError && (err.code === 'forbidden' || err.code === 'not_found');
    const title = blocked ? t('refusal.blocked_title') : forbidden ? t('refusal.forbidden_title') : t('refusal.other_title');
    const detail = blocked || forbidden ? (serverMessage(err) || '') : errorMessage(err);
    el.append(h('div', { class: ['notice', blocked || forbidden ? 'notice-bad' : 'notice-warn'], role: 'alert', 'data-testid': 'refusal' }, icon('alert'),
      h('div', { class: 'notice-body' },
        h('p', { class: 'notice-title', text: title }),
        h('p', { class: 'notice-text', text: t('refusal.area', { name: area.name }) }),
        detail ? h('p', { class: 'notice-text', text: detail }) : null,
        blocked && account()?.kind === 'subscriber' ? h('p', { class: 'notice-text' }, h('a', { href: '/subscription', text: t('refusal.blocked_link') })) : null,
        h('div', { class: 'notice-actions' }, again)),
      dismiss));
  }

  return { el, open, show };
}

// ---- sessions now -----------------------------------------------------------------------

/**
 * "Sessions now": the subscriber's concurrent-session limit, how many are in
 * use, and who holds them (owner and administrators see everyone's, others
 * their own), with Close.
 */
export function sessionsPanel(acc, { onChange } = {}) {
  const manage = canManage();
  const body = h('div', { class: 'sessions-body' }, loading());
  const meter = h('div', { class: 'meter-wrap' });
  const refresh = button(t('common.refresh'), () => reload(), { small: true, kind: 'ghost' });
  const el = card(t('sessions.now_title'), h('div', {}, meter, body), { actions: refresh, cls: 'sessions-card' });
  el.dataset.testid = 'sessions-now';

  async function reload() {
    let ent; let list; let areas;
    try {
      [ent, list, areas] = await Promise.all([
        get(`/api/v1/subscribers/${acc.id}/entitlement`),
        get(`/api/v1/sessions?subscriber=${acc.id}&state=open&limit=200`),
        manage ? null : get(`/api/v1/areas?subscriber=${acc.id}&limit=200`),
      ]);
    } catch (err) { clear(body).append(errorBox(err)); return; }
    const rows = list.items || [];
    const max = ent.blocked ? 0 : ent.sessions;
    const used = manage ? rows.length : (areas.items || []).reduce((n, a) => n + (a.sessions || 0), 0);
    // one slot per session of the limit (at most 20, scaled beyond)
    const slots = Math.max(1, Math.min(max, 20));
    const filled = max <= 20 ? Math.min(used, slots) : Math.min(slots, Math.round((used / max) * slots));
    clear(meter).append(
      h('div', { class: 'meter-line' },
        h('span', { class: 'meter-count', 'data-testid': 'sessions-used' }, h('strong', { text: String(used) }), ' ', t('sessions.of_max', { max })),
        h('span', { class: 'muted', text: ent.blocked ? t('sessions.blocked_note') : t('sessions.limit_note') })),
      h('div', { class: ['meter', used >= max && 'meter-full'], role: 'meter', 'aria-valuemin': '0', 'aria-valuemax': String(max), 'aria-valuenow': String(used), 'aria-label': t('sessions.now_title') },
        Array.from({ length: slots }, (_, i) => h('span', { class: ['meter-slot', i < filled && 'meter-on'] }))));
    clear(body);
    const table = simpleTable([
      { label: t('sessions.person'), render: (s) => personCell(s.person,
        s.person.id === session.me?.id ? youBadge() : null,
        s.via_grant ? h('span', { class: 'badge badge-muted badge-inline', text: t('sessions.via_grant') }) : null) },
      { label: t('sessions.area'), render: (s) => h('span', {}, h('span', { text: s.area.name }), s.area.test ? testBadge() : null, h('span', { class: 'cell-sub muted', text: sessionApp(s) })) },
      { label: t('sessions.since'), render: (s) => when(s.opened_at) },
      { label: t('sessions.seen'), render: (s) => when(s.seen_at) },
      { label: '', cls: 'actions', render: (s) => (manage || s.person.id === session.me?.id ? button(t('sessions.close'), async () => {
        const ok = await confirmDialog({
          title: t('sessions.close_title', { who: s.person.name || s.person.email }),
          text: t('sessions.close_text', { area: s.area.name }), confirm: t('sessions.close'), danger: true,
          onConfirm: () => del(`/api/v1/sessions/${s.id}`),
        });
        if (ok) { toast(t('sessions.closed_ok')); reload(); onChange?.(); }
      }, { small: true, kind: 'danger-ghost' }) : null) },
    ], rows, { testid: 'sessions-table', empty: manage ? { title: t('sessions.none'), text: t('sessions.none_text') } : { title: t('sessions.none_mine') } });
    if (!manage) body.append(h('p', { class: 'note', text: t('sessions.only_yours') }));
    body.append(table);
  }
  reload();
  every(el, 20_000, reload);
  return { el, reload };
}

// ---- the data areas page ---------------------------------------------------------------

export async function areas(main, { query }) {
  const acc = account();
  const manage = canManage();
  const tab = manage && query.get('tab') === 'bin' ? 'bin' : 'areas';
  setTitle(t('areas.title'));
  let table;
  let panel = null;
  const reloadAll = () => { table?.reload(); panel?.reload(); };
  const op = opener({ onChange: () => { table?.reload(); panel?.reload(); } });
  const create = manage && tab === 'areas' ? button(t('areas.new'), () => createArea(acc, () => table.reload()), { kind: 'primary' }) : null;
  const upload = manage && tab === 'areas' ? uploadButton(acc, () => table.reload()) : null;
  main.append(pageHeader(t('areas.title'), { subtitle: t('areas.subtitle'), actions: create ? [upload, create] : null }), op.el);
  if (manage) {
    main.append(tabs([{ value: 'areas', label: t('areas.tab_areas') }, { value: 'bin', label: t('areas.tab_bin') }], tab,
      (v) => navigate(v === 'bin' ? '/areas?tab=bin' : '/areas')));
  }
  if (tab === 'bin') {
    table = binTable(acc);
    main.append(h('p', { class: 'note', text: t('areas.bin_note') }), table.el);
    return;
  }
  const watch = watcher(main, () => table.reload());
  const columns = [
    // the phase is said once, in the state column
    { key: 'name', label: t('areas.name'), render: (a) => h('span', {}, h('a', { href: `/areas/${a.id}` }, h('strong', { text: a.name })), a.test ? testBadge() : null) },
    { key: 'application', label: t('areas.application'), sort: (a) => appName(a.application), render: (a) => h('span', {}, h('span', { text: appName(a.application) }),
      a.version ? h('span', { class: 'cell-sub muted', 'data-testid': 'area-version', text: t('areas.version', { v: a.version }) }) : null,
      manage && a.test && a.state === 'ready' && !a.phase ? h('span', { class: 'cell-sub' },
        button(t('areas.change_version'), () => changeVersion(a, () => table.reload()), { small: true, kind: 'ghost' })) : null) },
    { key: 'state', label: t('common.state'), cls: 'area-state-col', render: (a) => { if (a.state === 'creating' || a.phase === 'updating') watch(a); return areaState(a); } },
    { key: 'sessions', label: t('areas.sessions'), cls: 'num wide-only', render: (a) => (a.sessions ? h('strong', { text: String(a.sessions) }) : h('span', { class: 'muted', text: '0' })) },
    { key: 'created_at', label: t('areas.created'), cls: 'nowrap wide-only', render: (a) => fmtDate(a.created_at) },
    { key: '', label: '', sort: false, cls: 'actions', render: (a) => h('span', { class: 'row-actions' },
      button(t('areas.open'), () => op.open(a), { small: true, kind: 'primary', disabled: a.state !== 'ready' || null, title: a.state === 'ready' ? t('areas.open_hint') : t('areas.not_ready') }),
      manage && a.state === 'ready' ? exportButton(a) : null,
      manage ? button(t('areas.delete'), () => deleteArea(a, reloadAll), { small: true, kind: 'danger-ghost' }) : null) },
  ];
  table = dataTable({
    url: `/api/v1/areas?subscriber=${acc.id}`,
    columns,
    empty: { title: t('areas.empty'), text: manage ? t('areas.empty_manage') : t('areas.empty_user') },
  });
  table.el.dataset.testid = 'areas';
  table.el.classList.add('areas-list');
  panel = sessionsPanel(acc, { onChange: () => table.reload() });
  main.append(table.el, panel.el);
}

/** Polls the areas being created until each is ready or failed, then redraws. */
function watcher(main, redraw) {
  const pending = new Map();
  let timer = null;
  async function poll() {
    timer = null;
    if (!main.isConnected) return;
    let changed = false;
    await Promise.all([...pending.values()].map(async (a) => {
      try {
        const x = await get(`/api/v1/areas/${a.id}`);
        if (a.phase === 'updating' && x.phase !== 'updating') {
          pending.delete(a.id);
          changed = true;
          if (x.version !== a.version) toast(t('areas.version_toast', { name: x.name, v: x.version }));
          else toast(t('areas.version_failed_toast', { name: x.name, v: x.version }), 'error');
        } else if (a.phase !== 'updating' && x.state !== 'creating') {
          pending.delete(a.id);
          changed = true;
          if (x.state === 'ready') toast(t('areas.ready_toast', { name: x.name }));
          else if (x.state === 'failed') toast(t('areas.failed_toast', { name: x.name, reason: x.reason || '' }), 'error');
        }
      } catch { pending.delete(a.id); }
    }));
    if (changed) redraw();
    if (pending.size && !timer) timer = setTimeout(poll, 1000);
  }
  return (a) => {
    pending.set(a.id, a);
    if (!timer) timer = setTimeout(poll, 1000);
  };
}

async function createArea(acc, done) {
  let ent; let apps;
  try {
    [ent, apps] = await Promise.all([get(`/api/v1/subscribers/${acc.id}/entitlement`), appNames()]);
  } catch (err) { toastError(err); return; }
  if (ent.blocked) { toast(t('areas.create_blocked', { reason: ent.reason || '' }), 'error'); return; }
  const codes = ent.applications || [];
  const options = codes.map((c) => ({ value: c, label: apps.get(c) ? appName(apps.get(c)) : c }))
    .sort((a, b) => a.label.localeCompare(b.label));
  const a = await formDialog({
    title: t('areas.new'), text: t('areas.new_text'),
    fields: [
      { name: 'name', label: t('areas.name'), required: true, span: 2, placeholder: t('areas.name_placeholder') },
      { name: 'application', label: t('areas.application'), type: 'select', required: true, span: 2, options,
        hint: ent.choose ? tn('areas.choose_hint', ent.choose) : null },
      { name: 'test', label: t('areas.test_label'), type: 'checkbox', span: 2, hint: t('areas.test_hint') },
    ],
    values: { application: options[0]?.value },
    submitLabel: t('areas.create'),
    onSubmit: (v) => post('/api/v1/areas', { subscriber: acc.id, name: v.name, application: v.application, test: !!v.test }),
  });
  if (a && a.id) { toast(t('areas.created_toast', { name: a.name })); done(); }
}

/** Move a test area to a test release (or back to a released version) of its
 * application: the partner guide's «проверять доработку, не дожидаясь
 * публикации новой версии». Its open windows are closed. */
export async function changeVersion(a, done) {
  let versions;
  try {
    versions = (await get(`/api/v1/versions?application=${encodeURIComponent(a.application.code)}&limit=50`)).items
      .filter((v) => v.version !== a.version);
  } catch (err) { toastError(err); return; }
  if (!versions.length) { toast(t('areas.no_versions')); return; }
  const label = (v) => `${v.version} · ${t(v.state === 'test' ? 'areas.version_test' : 'areas.version_released')}`;
  const ok = await formDialog({
    title: t('areas.change_version_title', { name: a.name }),
    text: a.sessions ? `${t('areas.change_version_text')} ${tn('areas.delete_sessions', a.sessions)}` : t('areas.change_version_text'),
    fields: [{ name: 'version', label: t('areas.new_version'), type: 'select', required: true, span: 2,
      options: versions.map((v) => ({ value: v.version, label: label(v) })) }],
    submitLabel: t('areas.change_version_go'),
    onSubmit: (v) => api('PUT', `/api/v1/areas/${a.id}/version`, { version: v.version }),
  });
  if (ok) { toast(t('areas.version_started', { name: a.name, v: ok.target })); done(); }
}

async function deleteArea(a, done) {
  const ok = await formDialog({
    title: t('areas.delete_title', { name: a.name }),
    text: a.sessions ? `${t('areas.delete_text')} ${tn('areas.delete_sessions', a.sessions)}` : t('areas.delete_text'),
    fields: [{ name: 'confirm', label: t('areas.delete_type', { name: a.name }), required: true, span: 2, autocomplete: 'off',
      validate: (v) => (v === a.name ? null : t('areas.delete_mismatch')) }],
    submitLabel: t('areas.delete_confirm'),
    danger: true,
    onSubmit: (v) => api('DELETE', `/api/v1/areas/${a.id}`, { confirm: v.confirm }),
  });
  if (ok) { toast(t('areas.deleted_toast', { name: a.name, date: ok.purge_at ? fmtDateTime(ok.purge_at) : '—' })); done(); }
}

function binTable(acc) {
  const manage = canManage();
  let table;
  table = dataTable({
    url: `/api/v1/areas?subscriber=${acc.id}&state=bin`,
    columns: [
      { key: 'name', label: t('areas.name'), render: (a) => h('span', {}, h('strong', { text: a.name }), a.test ? testBadge() : null) },
      { key: 'application', label: t('areas.application'), sort: (a) => appName(a.application), render: (a) => appName(a.application) },
      { key: 'deleted_at', label: t('areas.deleted_at'), render: (a) => when(a.deleted_at) },
      { key: 'purge_at', label: t('areas.restorable_until'), cls: 'nowrap', render: (a) => h('span', {}, h('strong', { text: fmtDateTime(a.purge_at) }),
        h('span', { class: 'cell-sub muted', text: tn('areas.days_left', Math.max(0, Math.ceil((Date.parse(a.purge_at) - now().getTime()) / 86400000))) })) },
      { key: '', label: '', sort: false, cls: 'actions', render: (a) => (manage ? button(t('areas.restore'), async () => {
        try {
          await post(`/api/v1/areas/${a.id}/restore`);
          toast(t('areas.restored_toast', { name: a.name }));
          table.reload();
        } catch (err) { toastError(err); }
      }, { small: true, kind: 'primary' }) : null) },
    ],
    empty: { title: t('areas.bin_empty'), text: t('areas.bin_empty_text') },
  });
  table.el.dataset.testid = 'bin';
  return table;
}

// ---- sessions page: now and the history ----------------------------------------------------

const EVENT_TONES = { open: 'ok', close: 'muted', expire: 'warn' };

export async function sessions(main) {
  const acc = account();
  setTitle(t('sessions.title'));
  main.append(pageHeader(t('sessions.title'), { subtitle: canManage() ? t('sessions.subtitle_manage') : t('sessions.subtitle') }));
  const panel = sessionsPanel(acc);
  main.append(panel.el);
  if (!canManage()) return;
  const table = dataTable({
    url: `/api/v1/subscribers/${acc.id}/session-history`,
    columns: [
      { key: 'at', label: t('history.at'), render: (x) => h('span', { class: 'nowrap', text: fmtDateTime(x.at) }) },
      { key: 'event', label: t('history.event'), render: (x) => badge(x.event, { tone: EVENT_TONES[x.event], label: tOr(`history.event_${x.event}`, x.event) }) },
      { key: 'person', label: t('sessions.person'), sort: (x) => x.person?.name, render: (x) => x.person?.name || x.person?.email || '' },
      { key: 'area', label: t('sessions.area'), sort: (x) => x.area?.name, render: (x) => x.area?.name },
      { key: 'reason', label: t('history.reason'), render: (x) => (x.reason ? tOr(`close_reason.${x.reason}`, x.reason) : null) },
      { key: 'session_limit', label: t('history.limits'), cls: 'nowrap', render: (x) => (x.event !== 'open' ? null : h('span', {},
        x.session_limit !== null ? t('history.sub_limit', { n: x.session_limit }) : null,
        x.user_limit !== null ? h('span', { class: 'cell-sub muted', text: t('history.user_limit', { n: x.user_limit }) }) : null)) },
      { key: 'session', label: t('history.session'), cls: 'num', render: (x) => h('span', { class: 'mono', text: String(x.session) }) },
    ],
    empty: { title: t('history.empty'), text: t('history.empty_text') },
  });
  table.el.dataset.testid = 'history';
  main.append(card(t('history.title'), h('div', {}, h('p', { class: 'note', text: t('history.note') }), table.el)));
}

// ---- grants: the owner gives partner employees access -------------------------------------

const addDays = (d, n) => new Date(Date.parse(`${d}T00:00:00Z`) + n * 86400000).toISOString().slice(0, 10);
const GRANT_TONES = { active: 'ok', expired: 'muted', revoked: 'bad', ended: 'muted' };

export async function grants(main) {
  const acc = account();
  const owner = isOwner();
  setTitle(t('grants.title'));
  main.append(pageHeader(t('grants.title'), { subtitle: t('grants.subtitle') }));
  let table;
  const apps = await appNames();
  if (owner) {
    const box = h('div', {}, loading());
    main.append(card(t('grants.new'), box));
    let ent; let list;
    try {
      [ent, list] = await Promise.all([get(`/api/v1/subscribers/${acc.id}/entitlement`), get(`/api/v1/areas?subscriber=${acc.id}&limit=200`)]);
    } catch (err) { clear(box).append(errorBox(err)); ent = null; }
    if (ent) {
      clear(box);
      const today = ent.date;
      const last = addDays(today, 90);
      const ready = (list.items || []).filter((a) => a.state === 'ready');
      if (!ready.length) {
        box.append(emptyState(t('grants.no_areas'), t('grants.no_areas_text')));
      } else {
        const f = form({
          fields: [
            { name: 'area', label: t('grants.area'), type: 'select', required: true, options: ready.map((a) => ({ value: a.id, label: `${a.name} — ${appName(a.application)}` })) },
            { name: 'email', label: t('grants.email'), type: 'email', required: true, autocomplete: 'off', hint: t('grants.email_hint') },
            { name: 'until', label: t('grants.until_field'), type: 'date', required: true, min: today, hint: t('grants.until_hint', { date: fmtDate(last) }),
              validate: (v) => (v < today ? t('grants.until_past') : v > last ? t('grants.until_far', { date: fmtDate(last) }) : null) },
          ],
          values: { area: ready[0].id, until: addDays(today, 7) },
          submitLabel: t('grants.grant'),
          cls: 'form-filters-3',
          onSubmit: async (v) => {
            const g = await post('/api/v1/grants', { area: Number(v.area), email: v.email, until: v.until });
            toast(t('grants.granted', { who: g.person.name || g.person.email, area: g.area.name }));
            f.inputs.email.value = '';
            table.reload();
          },
        });
        box.append(h('p', { class: 'note', text: t('grants.note') }), f.el);
      }
    }
  }
  table = dataTable({
    url: `/api/v1/grants?subscriber=${acc.id}`,
    columns: [
      { key: 'person', label: t('grants.employee'), sort: (g) => g.person.name || g.person.email, render: (g) => h('span', {}, personCell(g.person), h('span', { class: 'cell-sub muted', text: g.partner?.name || '' })) },
      { key: 'area', label: t('grants.area'), sort: (g) => g.area.name, render: (g) => h('span', {}, h('span', { text: g.area.name }),
        h('span', { class: 'cell-sub muted', text: apps.get(g.area.application) ? appName(apps.get(g.area.application)) : g.area.application })) },
      { key: 'until', label: t('grants.until'), cls: 'nowrap', render: (g) => fmtDate(g.until) },
      { key: 'state', label: t('common.state'), render: (g) => h('span', {}, badge(g.state, { tone: GRANT_TONES[g.state], label: tOr(`grant_state.${g.state}`, g.state) }),
        g.ended_reason ? h('span', { class: 'cell-sub muted', text: t(`grant_ended.${g.ended_reason}`) }) : null,
        g.revoked_at ? h('span', { class: 'cell-sub muted', text: fmtDateTime(g.revoked_at) }) : null) },
      { key: 'created_at', label: t('grants.created'), cls: 'nowrap', render: (g) => fmtDate(g.created_at) },
      { key: '', label: '', sort: false, cls: 'actions', render: (g) => (owner && g.state === 'active' ? button(t('grants.revoke'), async () => {
        const ok = await confirmDialog({
          title: t('grants.revoke_title', { who: g.person.name || g.person.email }), text: t('grants.revoke_text', { area: g.area.name }),
          confirm: t('grants.revoke'), danger: true,
          onConfirm: () => del(`/api/v1/grants/${g.id}`),
        });
        if (ok) { toast(t('grants.revoked')); table.reload(); }
      }, { small: true, kind: 'danger-ghost' }) : null) },
    ],
    empty: { title: t('grants.empty'), text: t('grants.empty_text') },
  });
  table.el.dataset.testid = 'grants';
  main.append(card(t('grants.list'), table.el));
}

// ---- the partner employee: client areas granted to me ------------------------------------

export async function granted(main) {
  setTitle(t('granted.title'));
  const op = opener({ onChange: () => load() });
  const box = h('div', { class: 'table-wrap' }, loading());
  main.append(pageHeader(t('granted.title'), { subtitle: t('granted.subtitle') }), op.el, box);
  async function load() {
    let list; let apps;
    try {
      [list, apps] = await Promise.all([get('/api/v1/grants?limit=200'), appNames()]);
    } catch (err) { clear(box).append(errorBox(err)); return; }
    const me = session.me?.id;
    const rows = (list.items || []).filter((g) => g.person.id === me)
      .sort((a, b) => (b.state === 'active') - (a.state === 'active') || b.id - a.id);
    clear(box).append(simpleTable([
      { label: t('granted.client'), render: (g) => h('span', {}, h('strong', { text: g.subscriber.name }), h('span', { class: 'cell-sub muted', text: `${t('header.code')} ${g.subscriber.code}` })) },
      { label: t('grants.area'), render: (g) => h('span', {}, h('span', { text: g.area.name }), h('span', { class: 'cell-sub muted', text: apps.get(g.area.application) ? appName(apps.get(g.area.application)) : g.area.application })) },
      { label: t('grants.until'), cls: 'nowrap', render: (g) => fmtDate(g.until) },
      { label: t('common.state'), render: (g) => badge(g.state, { tone: GRANT_TONES[g.state], label: tOr(`grant_state.${g.state}`, g.state) }) },
      { label: '', cls: 'actions', render: (g) => (g.state === 'active'
        ? button(t('areas.open'), () => op.open({ id: g.area.id, name: g.area.name }), { small: true, kind: 'primary', title: t('areas.open_hint') }) : null) },
    ], rows, { testid: 'granted', empty: { title: t('granted.empty'), text: t('granted.empty_text') } }));
  }
  load();
}

