// A client's copies of its data areas (R-DA-5, R-SUB-7; docs/decisions.md "Copies of data
// areas"): take a copy away, and make a new area from a copy. Imported by the areas list and
// the area's page.
//
//   exportButton(area)          «Скачать копию»: asks for a copy, shows it being made, then a
//                               download link valid a day
//   downloadCopy(areaId, copy)  a stored backup or archive of the area page: a link, followed
//   uploadButton(acc, onDone)   «Загрузить копию»: a file, a name and an application; the
//                               upload's bytes as a bar, then the backend's import (the new
//                               area's state) until it is ready or failed
import { t, fmtDateTime, currentLang } from '../i18n.js';
import { get, post, ApiError, csrfToken, errorMessage } from '../api.js';
import { h, clear, button, toast, toastError, icon } from '../ui.js';

const ru = () => currentLang() === 'ru';

/** Bytes as «12,4 МБ» / "12.4 MB". */
export function fmtSize(n) {
  const units = ['size.b', 'size.kb', 'size.mb', 'size.gb'];
  let v = Number(n) || 0;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  const num = new Intl.NumberFormat(ru() ? 'ru-RU' : 'en-GB', { maximumFractionDigits: i ? 1 : 0 }).format(v);
  return t(units[i], { n: num });
}

/** A modal of our own (the upload's progress is not a form): resolves when closed. */
function modal(build) {
  return new Promise((resolve) => {
    const dlg = h('dialog', { class: 'dialog copy-dialog' });
    const close = () => dlg.close();
    dlg.addEventListener('close', () => { dlg.remove(); resolve(); });
    dlg.append(...build(close).filter(Boolean));
    document.body.append(dlg);
    dlg.showModal();
  });
}

function bar(testid) {
  // a native <progress>: no value is the busy (indeterminate) state; no inline style needed
  const el = h('progress', { class: 'copy-bar', max: '100', 'data-testid': testid });
  return {
    el,
    set(pct) { el.value = Math.max(0, Math.min(100, Math.round(pct))); },
    busy() { el.removeAttribute('value'); },
  };
}

const wait = (ms) => new Promise((r) => setTimeout(r, ms));

/** A link to a stored copy (POST …/link), then the browser downloads it (an attachment). */
async function follow(linkPath) {
  const l = await post(linkPath, {});
  const a = h('a', { href: l.path, download: '', hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  return l;
}

/** A stored backup or archive of area areaId (the area's page): downloaded by a day's link. */
export async function downloadCopy(areaId, copyId) {
  try {
    await follow(`/api/v1/areas/${areaId}/backups/${copyId}/link`);
    toast(t('areacopy.download_started'));
  } catch (err) { toastError(err); }
}

// ---- taking a copy away -------------------------------------------------------------------

/** «Скачать копию» for area (ready): the dialog that makes the copy and hands it out. */
export function exportButton(area, { small = true } = {}) {
  return button(t('areacopy.download'), () => exportDialog(area), {
    small, kind: 'ghost', disabled: area.state !== 'ready' || null,
    title: area.state === 'ready' ? t('areacopy.download_hint') : t('areas.not_ready'), 'data-testid': 'copy-download',
  });
}

function exportDialog(area) {
  return modal((close) => {
    const status = h('p', { class: 'dialog-text', 'data-testid': 'copy-status', 'aria-live': 'polite' });
    const progress = bar('copy-export-bar');
    const actions = h('div', { class: 'form-actions' });
    const cancel = button(t('common.close'), close);
    const stopped = () => !status.isConnected;
    const body = [h('h2', { class: 'dialog-title', text: t('areacopy.download_title', { name: area.name }) }),
      h('p', { class: 'dialog-text muted', text: t('areacopy.download_text') }), status, progress.el, actions];
    actions.append(cancel);

    async function run() {
      progress.busy();
      status.textContent = t('areacopy.making');
      let c;
      try {
        c = await post(`/api/v1/areas/${area.id}/exports`, {});
        while (!stopped() && (c.state === 'queued' || c.state === 'storing')) {
          await wait(1000);
          c = await get(`/api/v1/areas/${area.id}/exports/${c.id}`);
        }
      } catch (err) {
        status.textContent = errorMessage(err);
        status.classList.add('reason-bad');
        return;
      }
      if (stopped()) return;
      if (c.state !== 'stored') {
        // the backend's own words stay in English: kept for support as the title, not shown
        status.textContent = t('areacopy.failed');
        if (c.error) status.title = c.error;
        status.classList.add('reason-bad');
        clear(actions).append(cancel, button(t('areas.try_again'), () => { status.classList.remove('reason-bad'); status.removeAttribute('title'); clear(actions).append(cancel); run(); }, { kind: 'primary' }));
        return;
      }
      progress.set(100);
      status.textContent = t('areacopy.ready', { size: fmtSize(c.size), at: fmtDateTime(c.stored_at) });
      const save = button(t('areacopy.save'), async () => {
        try {
          const l = await follow(`/api/v1/areas/${area.id}/exports/${c.id}/link`);
          status.textContent = t('areacopy.saving', { until: fmtDateTime(l.expires_at) });
        } catch (err) { toastError(err); }
      }, { kind: 'primary', 'data-testid': 'copy-save' });
      clear(actions).append(cancel, save);
      save.focus();
    }
    setTimeout(run);   /* once the dialog is in the page */
    return body;
  });
}

// ---- making an area from a copy -----------------------------------------------------------

/** The file's SHA-256 in hex, when the page may compute it (a secure context), else null. */
async function sha256(file) {
  if (!window.crypto?.subtle || file.size > 512 * 1024 * 1024) return null;
  const d = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** POST the file raw with the upload's progress (fetch has none): the answer's JSON. */
function send(url, file, hash, onProgress) {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open('POST', url);
    x.setRequestHeader('Accept', 'application/json');
    x.setRequestHeader('Accept-Language', currentLang());
    x.setRequestHeader('Content-Type', 'application/octet-stream');
    if (csrfToken()) x.setRequestHeader('X-CSRF-Token', csrfToken());
    if (hash) x.setRequestHeader('X-Oblako-Sha256', hash);
    x.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded, e.total); };
    x.onerror = () => reject(new ApiError(0, { code: 'network', detail: t('areacopy.network') }));
    x.onload = () => {
      let data = null;
      try { data = JSON.parse(x.responseText); } catch { data = null; }
      if (x.status >= 200 && x.status < 300) resolve(data);
      else reject(new ApiError(x.status, data && typeof data === 'object' ? data : { detail: '' }));
    };
    x.send(file);
  });
}

/** «Загрузить копию»: for the subscriber acc's owner and administrators. */
export function uploadButton(acc, onDone) {
  return button(t('areacopy.upload'), () => uploadDialog(acc, onDone), { kind: 'secondary', 'data-testid': 'copy-upload', title: t('areacopy.upload_hint') });
}

async function uploadDialog(acc, onDone) {
  let ent; let apps; let areas;
  try {
    [ent, apps, areas] = await Promise.all([get(`/api/v1/subscribers/${acc.id}/entitlement`), get('/api/v1/applications?limit=200'),
      get(`/api/v1/areas?subscriber=${acc.id}&limit=1`)]);
  } catch (err) { toastError(err); return; }
  // a copy is most likely of the application the client already works in
  const usual = areas.items?.[0]?.application?.code;
  if (ent.blocked) { toast(t('areas.create_blocked', { reason: ent.reason || '' }), 'error'); return; }
  const names = new Map((apps.items || []).map((a) => [a.code, ru() ? a.name_ru || a.name_en : a.name_en || a.name_ru]));
  const options = (ent.applications || []).map((c) => ({ value: c, label: names.get(c) || c })).sort((a, b) => a.label.localeCompare(b.label));
  let made = null;
  await modal((close) => {
    // the browser's own file button speaks the browser's language: ours speaks the page's
    const file = h('input', { type: 'file', class: 'sr-only', id: 'copy-file', name: 'file', required: true, 'data-testid': 'copy-file' });
    const chosen = h('span', { class: 'copy-file-name muted', text: t('areacopy.no_file_chosen') });
    const picker = h('span', { class: 'copy-file' }, file,
      h('label', { for: 'copy-file', class: 'btn btn-secondary btn-sm', text: t('areacopy.choose_file') }), chosen);
    const name = h('input', { type: 'text', class: 'input', id: 'copy-name', name: 'name', required: true, maxlength: '100', placeholder: t('areas.name_placeholder') });
    const app = h('select', { class: 'input', id: 'copy-app', name: 'application' },
      options.map((o) => h('option', { value: o.value, text: o.label, selected: o.value === usual || null })));
    const error = h('div', { class: 'form-error', role: 'alert', hidden: true });
    const status = h('p', { class: 'dialog-text', 'data-testid': 'copy-status', 'aria-live': 'polite' });
    const progress = bar('copy-upload-bar');
    const steps = h('div', { class: 'copy-steps', hidden: true }, status, progress.el);
    const cancel = button(t('common.cancel'), close);
    const go = button(t('areacopy.upload_go'), () => start(), { kind: 'primary', 'data-testid': 'copy-upload-go' });
    const actions = h('div', { class: 'form-actions' }, cancel, go);
    const field = (id, label, input, hint) => h('div', { class: 'field span-2' }, h('label', { class: 'label', for: id, text: label }), input, hint ? h('div', { class: 'hint', text: hint }) : null);
    const fields = h('div', { class: 'form-grid' },
      field('copy-file', t('areacopy.file'), picker, t('areacopy.file_hint')),
      field('copy-name', t('areas.name'), name),
      field('copy-app', t('areas.application'), app));
    file.addEventListener('change', () => {
      const f = file.files[0];
      chosen.textContent = f ? `${f.name} · ${fmtSize(f.size)}` : t('areacopy.no_file_chosen');
      chosen.classList.toggle('muted', !f);
      if (f && !name.value) name.value = f.name.replace(/\.[^.]*$/, '').slice(0, 100);
    });

    async function start() {
      const f = file.files[0];
      error.hidden = true;
      if (!f) { error.textContent = t('areacopy.no_file'); error.hidden = false; return; }
      if (!name.value.trim()) { error.textContent = t('areacopy.no_name'); error.hidden = false; name.focus(); return; }
      fields.hidden = true;
      steps.hidden = false;
      go.disabled = true;
      progress.busy();
      status.textContent = t('areacopy.checking');
      let r;
      try {
        const hash = await sha256(f);
        const q = new URLSearchParams({ subscriber: acc.id, application: app.value, name: name.value.trim() });
        progress.set(0);
        r = await send(`/api/v1/areas/upload?${q}`, f, hash, (done, total) => {
          progress.set((done / total) * 100);
          status.textContent = t('areacopy.uploading', { done: fmtSize(done), total: fmtSize(total) });
        });
      } catch (err) {
        fields.hidden = false;
        steps.hidden = true;
        go.disabled = false;
        error.textContent = errorMessage(err);
        error.hidden = false;
        return;
      }
      made = r.area;
      progress.set(100);   /* the bytes are all there: what follows is the backend's */
      status.textContent = t('areacopy.importing', { name: made.name });
      cancel.textContent = t('common.close');
      go.remove();
      let a = made;
      while (a.state === 'creating' && document.body.contains(status)) {
        await wait(1000);
        try { a = await get(`/api/v1/areas/${made.id}`); } catch { /* keep polling */ }
      }
      if (a.state === 'ready') {
        progress.set(100);
        status.textContent = t('areacopy.imported', { name: a.name });
        status.prepend(icon('check'));
      } else if (a.state === 'failed') {
        status.textContent = t('areacopy.import_failed', { name: a.name });
        if (a.reason) status.title = a.reason;
        status.classList.add('reason-bad');
      }
    }
    return [h('h2', { class: 'dialog-title', text: t('areacopy.upload_title') }),
      h('p', { class: 'dialog-text muted', text: t('areacopy.upload_text') }), fields, error, steps, actions];
  });
  if (made) onDone?.();
}

