// One data area (/areas/:id, R-DA-2, R-DA-5): its state, what it is doing now (restored,
// updated, archived), its application version, and its backups: made each night and on
// request, each with a download and a restore into this area (its name typed; the state
// before kept as a copy of its own) or into a new area. What is under way or failed is shown
// with the reason; the page follows a backup or a restore until it is done.
import { t, tn, tOr, fmtDate, fmtDateTime, currentLang } from '../i18n.js';
import { get, post, ApiError } from '../api.js';
import {
  h, clear, badge, card, button, formDialog, toast, toastError, pageHeader, emptyState, loading, errorBox, icon,
  details,
} from '../ui.js';
import { setTitle, navigate, account, now } from '../session.js';

const MANAGE = ['owner', 'administrator'];
const canManage = () => (account()?.roles || []).some((r) => MANAGE.includes(r));
const ru = () => currentLang() === 'ru';
const appName = (a) => (a ? (ru() ? a.name_ru : a.name_en) || a.name_en || a.name_ru || a.code : '');

const AREA_TONES = { creating: 'warn', ready: 'ok', failed: 'bad', deleting: 'muted', deleted: 'muted' };
const PHASE_TONES = { restoring: 'warn', updating: 'warn', archiving: 'warn', archived: 'muted', unarchiving: 'warn' };

/** Bytes for people: «12,4 МБ», "12.4 MB". */
export function fmtSize(n) {
  const units = ['size.b', 'size.kb', 'size.mb', 'size.gb'];
  let v = Number(n) || 0;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  const num = new Intl.NumberFormat(ru() ? 'ru-RU' : 'en-GB', { maximumFractionDigits: i === 0 || v >= 100 ? 0 : 1 }).format(v);
  return t(units[i], { n: num });
}

/** A roll-out's wave updates the area at `at`: «Будет обновлена в 14:00» today, else with the date. */
function updatePlanned(at) {
  const d = new Date(at);
  const day = (x) => x.toLocaleDateString('en-CA');
  if (day(d) !== day(now())) return t('area_page.update_planned_on', { at: fmtDateTime(at) });
  const time = new Intl.DateTimeFormat(ru() ? 'ru-RU' : 'en-GB', { hour: '2-digit', minute: '2-digit' }).format(d);
  return t('area_page.update_planned', { at: time });
}

/** The area's state, or what it is doing now instead (restored, updated): «Готова» beside
 * «Обновляется» would say two things at once. */
function stateBadges(a) {
  if (!a.phase) {
    return h('span', { class: 'badges', 'data-testid': 'area-phase' }, badge(a.state, { tone: AREA_TONES[a.state], label: tOr(`area_state.${a.state}`, a.state) }),
      a.update_at ? badge('planned', { tone: 'warn', label: updatePlanned(a.update_at) }) : null);
  }
  const b = badge(a.phase, { tone: PHASE_TONES[a.phase], label: t(`area_phase.${a.phase}`) });
  if (a.phase !== 'archived') { b.prepend(h('span', { class: 'spinner', 'aria-hidden': 'true' })); b.classList.add('badge-busy'); }
  return h('span', { class: 'badges', 'data-testid': 'area-phase' }, b);
}

/** The backup's kind and when it was made: "Ежедневная, 5 дек. 2026 г., 01:00". */
const kindLabel = (b) => t(`backups.kind.${b.kind}`);

async function download(area, b) {
  // the copies part serves downloads: a link valid for a day (POST …/link → {url} or {token})
  try {
    const r = await post(`/api/v1/areas/${area.id}/backups/${b.id}/link`, {});
    const url = r.url || (r.token ? `/api/v1/downloads/${r.token}` : null);
    if (!url) throw new Error(t('backups.download_failed'));
    const a = h('a', { href: url, download: '' });
    document.body.append(a);
    a.click();
    a.remove();
  } catch (err) { toastError(err); }
}

async function restore(area, b, done) {
  const day = fmtDateTime(b.stored_at || b.created_at);
  const where = await formDialog({
    title: t('backups.restore_title', { date: day }),
    text: t('backups.restore_text'),
    fields: [{
      name: 'into', label: t('backups.restore_into'), type: 'select', required: true, span: 2,
      options: [{ value: 'this', label: t('backups.into_this', { name: area.name }) }, { value: 'new', label: t('backups.into_new') }],
    }],
    values: { into: 'this' },
    submitLabel: t('backups.next'),
    onSubmit: (v) => v,
  });
  if (!where) return;
  if (where.into === 'new') {
    const r = await formDialog({
      title: t('backups.new_title'), text: t('backups.new_text', { date: day }),
      fields: [{ name: 'name', label: t('backups.new_name'), required: true, span: 2, placeholder: t('backups.new_placeholder', { name: area.name }) }],
      values: { name: t('backups.new_placeholder', { name: area.name }) },
      submitLabel: t('backups.new_submit'),
      onSubmit: (v) => post(`/api/v1/areas/${area.id}/backups/${b.id}/restore`, { into: 'new', name: v.name }),
    });
    if (r && r.area) { toast(t('backups.new_started', { name: r.area.name })); navigate(`/areas/${r.area.id}`); }
    return;
  }
  const r = await formDialog({
    title: t('backups.this_title', { name: area.name }),
    text: area.sessions ? `${t('backups.this_text', { date: day })} ${tn('backups.this_sessions', area.sessions)}` : t('backups.this_text', { date: day }),
    fields: [{ name: 'confirm', label: t('backups.type_name', { name: area.name }), required: true, span: 2, autocomplete: 'off',
      validate: (v) => (v === area.name ? null : t('backups.name_mismatch')) }],
    submitLabel: t('backups.this_submit'),
    danger: true,
    onSubmit: (v) => post(`/api/v1/areas/${area.id}/backups/${b.id}/restore`, { confirm: v.confirm }),
  });
  // the page's notice says it is under way and then that it is done: a toast would outlive it
  if (r && r.id) done();
}

function pendingRow(b) {
  const failed = b.state === 'failed';
  const tone = failed ? 'bad' : 'warn';
  const label = failed ? t('backups.failed') : b.attempts > 1 ? t('backups.retrying', { n: b.attempts }) : t('backups.making');
  const st = badge(b.state, { tone, label });
  if (!failed) { st.prepend(h('span', { class: 'spinner', 'aria-hidden': 'true' })); st.classList.add('badge-busy'); }
  return h('div', { class: ['notice', failed ? 'notice-bad' : 'notice-info'], role: failed ? 'alert' : 'status', 'data-testid': 'backup-pending' },
    icon(failed ? 'alert' : 'info'),
    h('div', { class: 'notice-body' },
      h('p', { class: 'notice-title' }, h('span', { text: `${kindLabel(b)} · ${fmtDateTime(b.created_at)} ` }), st),
      // the backend's own words stay in English: kept for support as the title, not shown
      b.error ? h('p', { class: 'notice-text', title: b.error, text: failed ? t('backups.failed_why') : t('backups.retry_why') }) : null));
}

/** An update under way: the area cannot be opened meanwhile. */
function updateNotice(area) {
  if (area.phase !== 'updating') return null;
  return h('div', { class: 'notice notice-info', role: 'status', 'data-testid': 'update-state' }, icon('info'),
    h('div', { class: 'notice-body' },
      h('p', { class: 'notice-title', text: t('area_page.updating') }),
      h('p', { class: 'notice-text', text: t('area_page.updating_text') })));
}

function restoreNotice(r, area) {
  if (!r) return null;
  if (r.state === 'running') {
    return h('div', { class: 'notice notice-info', role: 'status', 'data-testid': 'restore-state' }, icon('info'),
      h('div', { class: 'notice-body' },
        h('p', { class: 'notice-title', text: r.into_new && r.area === area.id ? t('backups.making_from_copy') : t('backups.restoring') }),
        h('p', { class: 'notice-text', text: t('backups.restoring_text') })));
  }
  // a finished restore is news for a day
  if (!r.finished_at || now().getTime() - Date.parse(r.finished_at) > 86400_000) return null;
  const ok = r.state === 'done';
  return h('div', { class: ['notice', ok ? 'notice-ok' : 'notice-bad'], role: ok ? 'status' : 'alert', 'data-testid': 'restore-state' },
    icon(ok ? 'check' : 'alert'),
    h('div', { class: 'notice-body' },
      h('p', { class: 'notice-title', text: ok ? t('backups.restored', { date: fmtDateTime(r.finished_at) }) : t('backups.restore_failed') }),
      !ok ? h('p', { class: 'notice-text', title: r.error || null, text: t('backups.restore_failed_text') }) : null,
      ok && r.before ? h('p', { class: 'notice-text', text: t('backups.before_kept') }) : null));
}

function backupsTable(area, list, reload) {
  const manage = canManage();
  const rows = list.items || [];
  // «or make one now» only where the button beside it can be pressed
  const canMake = manage && area.state === 'ready' && !area.phase;
  if (!rows.length) return emptyState(t('backups.empty'), t(canMake ? 'backups.empty_text' : 'backups.empty_text_tonight'));
  return h('div', { class: 'table-scroll' }, h('table', { class: 'table backups-table', 'data-testid': 'backups' },
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col', text: t('backups.made') }),
      h('th', { scope: 'col', class: 'num', text: t('backups.size') }),
      h('th', { scope: 'col', class: 'wide-only', text: t('backups.version') }),
      h('th', { scope: 'col', class: 'wide-only', text: t('backups.check') }),
      h('th', { scope: 'col', class: 'actions' }))),
    h('tbody', {}, rows.map((b) => h('tr', { dataset: { id: String(b.id) } },
      h('td', {}, h('strong', { class: 'nowrap', text: fmtDateTime(b.stored_at || b.created_at) }),
        h('span', { class: 'cell-sub muted', text: kindLabel(b) })),
      h('td', { class: 'num nowrap', text: fmtSize(b.size) }),
      h('td', { class: 'wide-only', text: b.version || '—' }),
      h('td', { class: 'wide-only' }, b.verified_at ? badge('ok', { tone: 'ok', label: t('backups.verified') }) : h('span', { class: 'muted', text: t('backups.not_verified') })),
      h('td', { class: 'actions' }, h('span', { class: 'row-actions' },
        manage ? button(t('backups.download'), () => download(area, b), { small: true }) : null,
        manage && area.state === 'ready' && !area.phase
          ? button(t('backups.restore'), () => restore(area, b, reload), { small: true, kind: 'primary' }) : null)))))));
}

export async function page(main, { params }) {
  const id = Number(params.id);
  const manage = canManage();
  const head = h('div', {});
  const about = h('div', {}, loading());
  const notices = h('div', { class: 'notice-slot', 'aria-live': 'polite' });
  const body = h('div', {}, loading());
  const make = manage ? button(t('backups.make_now'), async () => {
    try {
      await post(`/api/v1/areas/${id}/backups`, {});
      toast(t('backups.make_started'));
      reload();
    } catch (err) { toastError(err); }
  }, { kind: 'primary', small: true }) : null;
  main.append(head, notices, card(t('area_page.about'), about), card(t('backups.title'), h('div', {},
    h('p', { class: 'note', text: t('backups.note') }), body), { actions: make }));
  let timer = null;

  async function reload() {
    clearTimeout(timer);
    timer = null;
    let area; let list;
    try {
      [area, list] = await Promise.all([get(`/api/v1/areas/${id}`), get(`/api/v1/areas/${id}/backups?limit=100`)]);
    } catch (err) {
      clear(head); clear(about); clear(body);
      if (err instanceof ApiError && (err.code === 'not_found' || err.code === 'forbidden')) {
        setTitle(t('area_page.missing'));
        head.append(pageHeader(t('area_page.missing'), { back: { href: '/areas', label: t('areas.title') } }));
        about.append(emptyState(t('area_page.missing'), t('area_page.missing_text')));
        return;
      }
      about.append(errorBox(err));
      return;
    }
    if (!main.isConnected) return;
    setTitle(area.name);
    clear(head).append(pageHeader(area.name, {
      subtitle: appName(area.application),
      back: { href: '/areas', label: t('areas.title') },
    }));
    if (make) make.disabled = area.state !== 'ready' || !!area.phase || null;
    clear(about).append(details([
      [t('common.state'), stateBadges(area)],
      [t('areas.application'), appName(area.application)],
      [t('area_page.version'), area.version || '—'],
      [t('areas.created'), fmtDate(area.created_at)],
      [t('areas.sessions'), String(area.sessions || 0)],
      [t('area_page.last_backup'), (list.items || [])[0] ? fmtDateTime(list.items[0].stored_at) : t('area_page.no_backup')],
    ].concat(area.test ? [[t('areas.test'), t('common.yes')]] : [])));
    clear(notices).append(...[updateNotice(area), restoreNotice(list.restore, area), ...(list.pending || []).map(pendingRow)].filter(Boolean));
    clear(body).append(backupsTable(area, list, reload));
    // follow what is under way
    const busy = area.phase || area.state === 'creating' || (list.pending || []).some((b) => b.state !== 'failed')
      || list.restore?.state === 'running';
    if (busy) timer = setTimeout(() => { if (main.isConnected) reload(); }, 2000);
  }
  reload();
}
