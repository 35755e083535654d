// versions.js — the provider's «Версии приложений» and «Обновление баз»
// (model/areas/version.h): the versions of each application with their
// state (a test release only test areas take, or released), the versions the
// areas run (published here or not), publishing a
// test release, releasing it (which begins its roll-out), and a roll-out's
// progress as a bar with the counts per status, the failed areas (the
// backend's own words in a title), pause, resume and retry. Below 600 px the
// tables lay each row out as a block, with the actions under the name.
import { t, tn, fmtDate, fmtDateTime, localName } from '../i18n.js';
import { get, post, withQuery } from '../api.js';
import {
  h, clear, badge, card, dataTable, button, formDialog, confirmDialog, toast, toastError, pageHeader,
  loading, errorBox, tabs,
} from '../ui.js';
import { setTitle } from '../session.js';
import { roleGate } from '../roles.js';

const STAFF = ['admin', 'operator'];
const VERSION_TONE = { test: 'info', released: 'ok' };
const ROLLOUT_TONE = { running: 'info', paused: 'warn', done: 'ok' };
// the parts of the bar, in the order they are drawn
const PARTS = [
  { key: 'updated', cls: 'ro-updated' },
  { key: 'failed', cls: 'ro-failed' },
  { key: 'updating', cls: 'ro-updating' },
  { key: 'waiting', cls: 'ro-waiting' },
  { key: 'queued', cls: 'ro-queued' },
];
// the tabs of a roll-out's areas, as its count cards: `waiting` and `queued` split `pending`
const AREA_TABS = ['failed', 'updating', 'waiting', 'queued', 'updated', ''];

/** The counts with `queued`: pending areas not waiting for their sessions. */
function parts(c) {
  return { ...c, queued: Math.max(0, c.pending - c.waiting) };
}

/** A roll-out's progress: a bar of its parts and a line of what is done. The bar's value,
 * its spoken text and the line are one number: the areas processed (updated or failed), with
 * the failed ones said apart. */
const SVG = 'http://www.w3.org/2000/svg';
/** The bar's parts as SVG rectangles side by side: their widths are attributes, not styles. */
function segments(c, total) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'ro-svg');
  svg.setAttribute('aria-hidden', 'true');
  let x = 0;
  for (const p of PARTS.filter((q) => c[q.key] > 0)) {
    const w = (100 * c[p.key]) / total;
    const rect = document.createElementNS(SVG, 'rect');
    rect.setAttribute('class', `ro-part ${p.cls}`);
    rect.setAttribute('x', `${x}%`);
    rect.setAttribute('width', `${w}%`);
    rect.setAttribute('height', '100%');
    const tip = document.createElementNS(SVG, 'title');
    tip.textContent = `${t(`rollout.count_${p.key}`)}: ${c[p.key]}`;
    rect.append(tip);
    svg.append(rect);
    x += w;
  }
  return svg;
}

export function progressBar(r, { compact } = {}) {
  const c = parts(r.counts);
  const total = Math.max(1, c.total);
  const done = c.updated + c.failed;
  const pct = Math.floor((100 * done) / total);
  const line = c.failed ? t('rollout.done_failed', { done, total: c.total, pct, failed: c.failed })
    : t('rollout.done_of', { done, total: c.total, pct });
  const bar = h('div', {
    class: ['ro-bar', compact && 'ro-bar-compact'], role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': String(c.total),
    'aria-valuenow': String(done), 'aria-valuetext': line, 'aria-label': t('rollout.progress'),
  }, segments(c, total));
  return h('div', { class: 'ro-progress' }, bar, h('span', { class: 'ro-line muted', text: line }));
}

function versionState(v) {
  return badge(v.state, { tone: VERSION_TONE[v.state], label: t(`versions.state_${v.state}`) });
}

function rolloutState(r) {
  return badge(r.state, { tone: ROLLOUT_TONE[r.state], label: t(`rollout.state_${r.state}`) });
}

async function publish(reload) {
  let apps;
  try { apps = (await get('/api/v1/applications?limit=500')).items.filter((a) => a.active !== false); } catch (err) { toastError(err); return; }
  const ok = await formDialog({
    title: t('versions.publish_title'),
    text: t('versions.publish_text'),
    fields: [
      { name: 'application', label: t('versions.application'), type: 'select', required: true, span: 2,
        options: [{ value: '', label: t('versions.choose_app') }, ...apps.map((a) => ({ value: a.code, label: localName(a) }))] },
      { name: 'version', label: t('versions.version'), required: true, placeholder: '1.1.0', hint: t('versions.version_hint') },
      { name: 'notes', label: t('versions.notes'), type: 'textarea', span: 2 },
    ],
    submitLabel: t('versions.publish'),
    onSubmit: (v) => post('/api/v1/versions', { application: v.application, version: v.version.trim(), notes: v.notes || '' }),
  });
  if (ok) { toast(t('versions.published')); reload(); }
}

async function release(v, reload) {
  const ok = await confirmDialog({
    title: t('versions.release_title', { version: v.version, app: localName(v.application) }),
    text: t('versions.release_text'),
    confirm: t('versions.release'),
    onConfirm: () => post(`/api/v1/versions/${v.id}/release`),
  });
  if (ok) { toast(t('versions.released')); reload(); }
}

/** The versions; released() runs after a release (the cards of the roll-outs and the
 * versions in use show it). */
function versionsCard(released) {
  const gate = roleGate(STAFF);
  let table;
  const reload = () => table.reload();
  table = dataTable({
    url: '/api/v1/versions',
    columns: [
      { key: 'application', label: t('versions.application'), sort: (v) => localName(v.application), render: (v) => localName(v.application) },
      { key: 'version', label: t('versions.version'), render: (v) => h('span', {}, h('strong', { class: 'mono', text: v.version }),
        v.notes ? h('span', { class: 'cell-sub muted', text: v.notes }) : null) },
      { key: 'state', label: t('common.state'), render: versionState },
      { key: 'areas', label: t('versions.areas'), cls: 'num', render: (v) => h('span', {},
        h('span', { class: 'narrow-only muted', text: `${t('versions.areas')}: ` }), String(v.areas)) },
      { key: 'created_at', label: t('versions.published_at'), cls: 'nowrap', render: (v) => h('span', {},
        h('span', { class: 'narrow-only muted', text: `${t('versions.published_at')} ` }), fmtDate(v.created_at),
        v.released_at ? h('span', { class: 'cell-sub muted', text: t('versions.released_on', { date: fmtDate(v.released_at) }) }) : null) },
      { key: '', label: '', sort: false, cls: 'actions', render: (v) => h('span', { class: 'row-actions' },
        v.state === 'test' ? button(t('versions.release'), () => release(v, () => { reload(); released(); }), { small: true, kind: 'primary', ...gate }) : null,
        v.rollout ? h('a', { class: 'btn btn-secondary btn-sm', href: `/versions/rollouts/${v.rollout}`, text: t('versions.rollout_link') }) : null) },
    ],
    empty: { title: t('versions.empty'), text: t('versions.empty_text') },
  });
  return card(t('versions.list_title'), h('div', { class: 'ro-stack' }, h('p', { class: 'muted', text: t('versions.list_text') }), table.el),
    { actions: button(t('versions.publish'), () => publish(reload), { kind: 'primary', ...gate }) });
}

/** The versions the areas run, published here or not (an area made before the application's
 * versions were published runs what its backend reported). */
function inUseCard() {
  const table = dataTable({
    url: '/api/v1/versions/in-use',
    exportable: false,
    columns: [
      { key: 'application', label: t('versions.application'), sort: (u) => localName(u.application), render: (u) => localName(u.application) },
      { key: 'version', label: t('versions.version'), render: (u) => h('span', {}, h('strong', { class: 'mono', text: u.version }),
        u.published ? null : h('span', { class: 'cell-sub muted', text: t('versions.unpublished') })) },
      { key: 'areas', label: t('versions.areas_count'), cls: 'num', render: (u) => h('span', {},
        h('span', { class: 'narrow-only muted', text: `${t('versions.areas_count')}: ` }), String(u.areas)) },
    ],
    empty: { title: t('versions.in_use_empty') },
  });
  return { table, el: card(t('versions.in_use_title'), h('div', { class: 'ro-stack' }, h('p', { class: 'muted', text: t('versions.in_use_text') }), table.el)) };
}

function rolloutsCard() {
  const table = dataTable({
    url: '/api/v1/rollouts',
    rowHref: (r) => `/versions/rollouts/${r.id}`,
    exportable: false,
    columns: [
      { key: 'application', label: t('versions.application'), sort: (r) => localName(r.application),
        render: (r) => h('span', {}, localName(r.application), h('span', { class: 'cell-sub muted', text: t('rollout.to_version', { version: r.version }) })) },
      { key: 'state', label: t('common.state'), render: rolloutState },
      { key: 'progress', label: t('rollout.progress'), sort: false, render: (r) => progressBar(r, { compact: true }) },
      { key: 'failed', label: t('rollout.count_failed'), cls: 'num', sort: (r) => r.counts.failed,
        render: (r) => h('span', {}, h('span', { class: 'narrow-only muted', text: `${t('rollout.count_failed')}: ` }),
          r.counts.failed ? h('strong', { class: 'reason-bad', text: String(r.counts.failed) }) : '0') },
      { key: 'created_at', label: t('rollout.began'), cls: 'nowrap', render: (r) => h('span', {},
        h('span', { class: 'narrow-only muted', text: `${t('rollout.began')} ` }), fmtDate(r.created_at)) },
    ],
    empty: { title: t('rollout.empty'), text: t('rollout.empty_text') },
  });
  return { table, el: card(t('rollout.list_title'), h('div', { class: 'ro-stack' }, table.el)) };
}

/** The provider's «Версии приложений». */
export async function versions(main) {
  setTitle(t('versions.title'));
  const inUse = inUseCard();
  const rollouts = rolloutsCard();
  main.append(pageHeader(t('versions.title'), { subtitle: t('versions.subtitle') }),
    versionsCard(() => { inUse.table.reload(); rollouts.table.reload(); }), inUse.el, rollouts.el);
}

// ---- one roll-out -----------------------------------------------------------------

function counts(r) {
  const c = parts(r.counts);
  return h('div', { class: 'ro-counts' }, ['updated', 'failed', 'updating', 'waiting', 'queued'].map((k) => h('div', { class: ['ro-count', `ro-count-${k}`] },
    h('span', { class: 'ro-count-n', text: String(c[k]) }), h('span', { class: 'ro-count-label', text: t(`rollout.count_${k}`) }))));
}

function areaState(x) {
  const key = x.state === 'pending' && x.update_at ? 'waiting' : x.state;
  const tone = { updated: 'ok', failed: 'bad', updating: 'info', waiting: 'warn', pending: 'muted' }[key];
  return h('span', {}, badge(key, { tone, label: t(`rollout.area_${key}`) }),
    key === 'waiting' ? h('span', { class: 'cell-sub muted nowrap', text: t('rollout.update_at', { at: fmtDateTime(x.update_at) }) }) : null,
    // the backend's own words are English and name the area's key: in the title, for support
    x.retry ? h('span', { class: 'cell-sub muted', title: x.retry.error || null, text: t('rollout.retrying', { n: x.retry.attempts }) }) : null,
    x.reason ? h('span', { class: 'cell-sub reason-bad ro-reason', title: x.reason, text: t('rollout.refused') }) : null);
}

function areasTable(id, state) {
  return dataTable({
    url: withQuery(`/api/v1/rollouts/${id}/areas`, { state }),
    columns: [
      { key: 'name', label: t('rollout.area'), render: (x) => h('span', {}, h('strong', { text: x.name }),
        x.test ? h('span', { class: 'badge badge-info badge-inline', text: t('areas.test') }) : null) },
      { key: 'subscriber', label: t('rollout.subscriber'), sort: (x) => x.subscriber.name,
        render: (x) => h('span', {}, x.subscriber.name, h('span', { class: 'cell-sub muted', text: t('rollout.code', { code: x.subscriber.code }) })) },
      { key: 'from_version', label: t('rollout.from_version'), render: (x) => h('span', {},
        h('span', { class: 'narrow-only muted', text: `${t('rollout.from_version')}: ` }), h('span', { class: 'mono', text: x.from_version || '—' })) },
      { key: 'wave', label: t('rollout.wave'), cls: 'num', render: (x) => h('span', {},
        h('span', { class: 'narrow-only muted', text: `${t('rollout.wave')}: ` }), x.wave ? String(x.wave) : '—') },
      { key: 'state', label: t('common.state'), render: areaState },
    ],
    empty: { title: t('rollout.areas_empty') },
  });
}

/** «Обновление баз»: one roll-out, refreshed while it runs. */
export async function rollout(main, { params }) {
  const id = Number(params.id);
  const gate = roleGate(STAFF);
  const head = h('div', {});
  const body = h('div', {}, loading());
  const list = h('div', {});
  let state = 'failed';
  let timer = null;
  main.append(head, body, list);

  const drawList = () => {
    const table = areasTable(id, state);
    clear(list).append(card(t('rollout.areas_title'), h('div', { class: 'ro-stack ro-areas' },
      tabs(AREA_TABS.map((s) => ({ value: s, label: t(`rollout.tab_${s || 'all'}`) })), state, (s) => { state = s; drawList(); }),
      table.el)));
  };
  const act = async (what) => {
    try {
      await post(`/api/v1/rollouts/${id}/${what}`);
      toast(t(`rollout.${what}_done`));
      load();
      drawList();
    } catch (err) { toastError(err); }
  };
  async function load() {
    clearTimeout(timer);
    if (!main.isConnected && timer) return;
    let r;
    try { r = await get(`/api/v1/rollouts/${id}`); } catch (err) { clear(body).append(errorBox(err)); return; }
    const title = t('rollout.title', { app: localName(r.application), version: r.version });
    setTitle(title);
    clear(head).append(pageHeader(title, {
      back: { href: '/versions', label: t('versions.title') },
      subtitle: [t('rollout.began_at', { date: fmtDateTime(r.created_at) }), tn('rollout.per_wave', r.wave_size),
        r.waves ? t('rollout.wave_begun', { n: r.waves }) : t('rollout.no_wave')].join(' · '),
      actions: h('span', { class: 'row-actions' },
        r.state === 'running' ? button(t('rollout.pause'), () => act('pause'), gate) : null,
        r.state === 'paused' ? button(t('rollout.resume'), () => act('resume'), { kind: 'primary', ...gate }) : null,
        r.counts.failed ? button(tn('rollout.retry', r.counts.failed), () => act('retry'), gate) : null),
    }));
    clear(body).append(card(t('rollout.progress'), h('div', {},
      h('p', {}, rolloutState(r), ' ', h('span', { class: 'muted', text: t(`rollout.state_text_${r.state}`) })),
      progressBar(r), counts(r))));
    if (r.state === 'running' && main.isConnected) timer = setTimeout(load, 5000);
  }
  await load();
  drawList();
}
