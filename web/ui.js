// ui.js — the cabinet's components: elements, badges, toasts, dialogs,
// forms with inline errors, sortable paged tables with export links.
import { t, tn, tOr } from './i18n.js';
import { get, ApiError, errorMessage, serverMessage, withQuery } from './api.js';

/** h('div', {class: 'x', onclick: fn, text: '…'}, child, …) — DOM nodes only, never HTML strings. */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = Array.isArray(v) ? v.filter(Boolean).join(' ') : v;
      else if (k === 'text') el.textContent = v;
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'value' && 'value' in el) el.value = v;
      else if (k === 'checked') el.checked = !!v;
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else el.setAttribute(k, v === true ? '' : v);
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el) { while (el.firstChild) el.firstChild.remove(); return el; }

const SVG = 'http://www.w3.org/2000/svg';
const ICONS = {
  empty: 'M4 7h16v12H4zM4 7l3-3h10l3 3M9 12h6',
  check: 'M5 12l5 5L20 7',
  alert: 'M12 8v5M12 16.5v.5M3 20h18L12 4z',
  info: 'M12 11v6M12 7.5v.5M12 3a9 9 0 100 18 9 9 0 000-18z',
  mail: 'M3 6h18v12H3zM3 6l9 7 9-7',
};
export function icon(name, cls = 'icon') {
  const s = document.createElementNS(SVG, 'svg');
  s.setAttribute('viewBox', '0 0 24 24');
  s.setAttribute('class', cls);
  s.setAttribute('aria-hidden', 'true');
  const p = document.createElementNS(SVG, 'path');
  p.setAttribute('d', ICONS[name] || ICONS.info);
  s.append(p);
  return s;
}

// ---- badges ---------------------------------------------------------------
const TONES = {
  active: 'ok', approved: 'ok', applied: 'ok', done: 'ok', complete: 'ok', sent: 'ok',
  submitted: 'warn', open: 'warn', pending: 'warn', suspended: 'bad', trial: 'warn', queued: 'warn', incomplete: 'warn',
  rejected: 'bad', blocked: 'bad', left: 'bad', revoked: 'bad', failed: 'bad', expired: 'muted',
};
export function badge(value, { tone, label } = {}) {
  return h('span', { class: `badge badge-${tone || TONES[value] || 'muted'}` }, label ?? tOr(`state.${value}`, value));
}
export function roleBadges(roles) {
  return h('span', { class: 'roles' }, (roles || []).map((r) => h('span', { class: 'role' }, tOr(`role.${r}`, r))));
}

// ---- toasts -----------------------------------------------------------------
let toastBox;
export function toast(message, kind = 'ok') {
  if (!toastBox || !toastBox.isConnected) {
    toastBox = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' });
    document.body.append(toastBox);
  }
  const el = h('div', { class: `toast toast-${kind}` }, icon(kind === 'error' ? 'alert' : 'check'), h('span', { text: message }));
  toastBox.append(el);
  setTimeout(() => { el.classList.add('toast-out'); setTimeout(() => el.remove(), 300); }, kind === 'error' ? 7000 : 4000);
}
export function toastError(err) { toast(errorMessage(err), 'error'); }

// ---- empty states, loading, page header -------------------------------------
export function emptyState(title, text, action) {
  return h('div', { class: 'empty' }, icon('empty', 'empty-icon'), h('p', { class: 'empty-title', text: title }),
    text ? h('p', { class: 'empty-text', text }) : null, action || null);
}
export function loading() { return h('div', { class: 'loading', text: t('common.loading') }); }
export function errorBox(err) {
  return h('div', { class: 'alert alert-error', role: 'alert' }, icon('alert'), h('span', { text: errorMessage(err) }));
}

export function pageHeader(title, { subtitle, actions, back } = {}) {
  return h('div', { class: 'page-head' },
    h('div', { class: 'page-title' },
      back ? h('a', { href: back.href, class: 'back' }, `← ${back.label}`) : null,
      h('h1', { text: title }),
      subtitle ? h('p', { class: 'subtitle' }, subtitle) : null),
    actions ? h('div', { class: 'page-actions' }, actions) : null);
}

export function button(label, onclick, { kind = 'secondary', type = 'button', small, ...rest } = {}) {
  return h('button', { type, class: ['btn', `btn-${kind}`, small && 'btn-sm'], onclick, ...rest }, label);
}

export function card(title, body, { actions, cls } = {}) {
  return h('section', { class: ['card', cls] },
    title || actions ? h('div', { class: 'card-head' }, h('h2', { text: title || '' }), actions ? h('div', { class: 'card-actions' }, actions) : null) : null,
    body);
}

/** A definition list of [label, value] pairs. */
export function details(pairs) {
  return h('dl', { class: 'details' }, pairs.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v === '' || v === null || v === undefined ? '—' : v)]));
}

/** Segmented tabs: [{value, label}], the current value, onchange. */
export function tabs(items, current, onchange) {
  return h('div', { class: 'tabs', role: 'tablist' }, items.map((it) => h('button', {
    type: 'button', role: 'tab', class: ['tab', it.value === current && 'tab-on'], 'aria-selected': String(it.value === current),
    onclick: () => onchange(it.value),
  }, it.label)));
}

// ---- dialogs ----------------------------------------------------------------
function openDialog(build, { wide } = {}) {
  return new Promise((resolve) => {
    const dlg = h('dialog', { class: ['dialog', wide && 'dialog-wide'] });
    let result = null;
    const close = (value) => { result = value; dlg.close(); };
    dlg.addEventListener('close', () => { dlg.remove(); resolve(result); });
    dlg.addEventListener('cancel', () => { result = null; });
    append(dlg, [build(close)]);
    document.body.append(dlg);
    dlg.showModal();
    const first = dlg.querySelector('input:not([type=hidden]),select,textarea');
    if (first) first.focus();
  });
}

/**
 * confirmDialog({title, text, confirm, danger, reason: {label, required}})
 * → resolves {reason} when confirmed, null when cancelled.
 */
export function confirmDialog({ title, text, body, confirm, danger, reason, onConfirm }) {
  return openDialog((close) => {
    const fields = reason ? [{ name: 'reason', label: reason.label, type: 'textarea', required: reason.required }] : [];
    const f = form({
      fields,
      submitLabel: confirm || t('common.confirm'),
      submitKind: danger ? 'danger' : 'primary',
      onCancel: () => close(null),
      onSubmit: async (v) => { if (onConfirm) await onConfirm(v); close({ reason: v.reason || '' }); },
    });
    return [h('h2', { class: 'dialog-title', text: title }), text ? h('p', { class: 'dialog-text', text }) : null, body || null, f.el];
  });
}

/** A form in a dialog; resolves with onSubmit's result, or null when cancelled. */
export function formDialog({ title, text, fields, values, submitLabel, onSubmit, onChange, wide, danger }) {
  return openDialog((close) => {
    const f = form({
      fields, values, submitLabel, submitKind: danger ? 'danger' : 'primary', onChange, onCancel: () => close(null),
      onSubmit: async (v) => { const r = await onSubmit(v); close(r === undefined ? true : r); },
    });
    return [h('h2', { class: 'dialog-title', text: title }), text ? h('p', { class: 'dialog-text', text }) : null, f.el];
  }, { wide });
}

/** Show something once (a new API token): a read-only value with a copy button. */
export function revealDialog({ title, text, value }) {
  return openDialog((close) => {
    const input = h('input', { class: 'input mono', readonly: true, value, 'aria-label': title, onfocus: (e) => e.target.select() });
    return [h('h2', { class: 'dialog-title', text: title }), h('p', { class: 'dialog-text', text }),
      h('div', { class: 'reveal' }, input, button(t('common.copy'), async () => {
        input.select();
        try { await navigator.clipboard.writeText(value); toast(t('common.copied')); } catch { document.execCommand('copy'); }
      })),
      h('div', { class: 'form-actions' }, button(t('common.done'), () => close(true), { kind: 'primary' }))];
  });
}

// ---- forms ------------------------------------------------------------------
let uid = 0;
/**
 * form({fields, values, submitLabel, onSubmit, onCancel}) → {el, values(), setError}
 * field: {name, label, type: text|email|password|textarea|select|checkboxes|number|date,
 *         required, options: [{value, label}], hint, autocomplete, placeholder, span}
 * onSubmit(values) may throw an ApiError: a field error is shown under its
 * field, anything else above the buttons. The submit button is disabled while sending.
 */
export function form({ fields, values = {}, submitLabel, submitKind = 'primary', submitGate = {}, onSubmit, onCancel, onChange, cls }) {
  const inputs = {};
  const errors = {};
  const formEl = h('form', { class: ['form', cls], novalidate: true });
  const top = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const grid = h('div', { class: 'form-grid' });
  for (const f of fields) {
    const id = `f${++uid}-${f.name}`;
    let input;
    const v = values[f.name];
    if (f.type === 'textarea') {
      input = h('textarea', { id, name: f.name, class: 'input', rows: f.rows || 3, required: f.required, placeholder: f.placeholder });
      input.value = v ?? '';
    } else if (f.type === 'select') {
      input = h('select', { id, name: f.name, class: 'input', required: f.required },
        (f.options || []).map((o) => h('option', { value: o.value, selected: String(o.value) === String(v ?? '') }, o.label)));
      if (v !== undefined && v !== null) input.value = String(v);
    } else if (f.type === 'checkboxes') {
      const chosen = new Set(v || []);
      input = h('div', { class: 'checks', id, role: 'group', 'aria-labelledby': `${id}-l` },
        (f.options || []).map((o) => h('label', { class: 'check' },
          h('input', { type: 'checkbox', name: f.name, value: o.value, checked: chosen.has(o.value) }), h('span', { text: o.label }))));
    } else if (f.type === 'checkbox') {
      input = h('input', { id, type: 'checkbox', name: f.name, checked: !!v });
    } else {
      input = h('input', {
        id, name: f.name, class: ['input', f.mono && 'mono'], type: f.type || 'text', required: f.required,
        autocomplete: f.autocomplete, placeholder: f.placeholder, inputmode: f.inputmode, min: f.min, value: v ?? '',
      });
    }
    inputs[f.name] = input;
    const err = h('div', { class: 'field-error', id: `${id}-e`, hidden: true });
    errors[f.name] = err;
    if (input.tagName !== 'DIV') input.setAttribute('aria-describedby', `${id}-e`);
    const label = f.type === 'checkbox'
      ? h('label', { class: 'check', for: id }, input, h('span', { text: f.label }))
      : h(f.type === 'checkboxes' ? 'span' : 'label', { class: 'label', for: f.type === 'checkboxes' ? null : id, id: `${id}-l` },
        f.label, f.required ? h('span', { class: 'req', 'aria-hidden': 'true', text: ' *' }) : null);
    grid.append(h('div', { class: ['field', f.span === 2 && 'span-2', f.type === 'checkbox' && 'field-check'], dataset: { field: f.name } },
      label, f.type === 'checkbox' ? null : input, f.hint ? h('div', { class: 'hint', text: f.hint }) : null, err));
  }
  // submitGate: {disabled, title} when the roles may not save (roles.js roleGate)
  const submit = h('button', { type: 'submit', class: `btn btn-${submitKind}`, ...submitGate }, submitLabel || t('common.save'));
  const actions = h('div', { class: 'form-actions' },
    onCancel ? button(t('common.cancel'), onCancel) : null, submit);
  formEl.append(top, grid, actions);

  function read() {
    const out = {};
    for (const f of fields) {
      const input = inputs[f.name];
      if (f.type === 'checkboxes') out[f.name] = [...input.querySelectorAll('input:checked')].map((c) => c.value);
      else if (f.type === 'checkbox') out[f.name] = input.checked;
      else out[f.name] = input.value.trim ? (f.type === 'password' ? input.value : input.value.trim()) : input.value;
    }
    return out;
  }
  function clearErrors() {
    top.hidden = true; top.textContent = '';
    for (const [name, e] of Object.entries(errors)) {
      e.hidden = true; e.textContent = '';
      inputs[name].removeAttribute('aria-invalid');
      e.parentElement.classList.remove('has-error');
    }
  }
  function setError(name, message) {
    if (name && errors[name]) {
      errors[name].textContent = message;
      errors[name].hidden = false;
      errors[name].parentElement.classList.add('has-error');
      inputs[name].setAttribute('aria-invalid', 'true');
      (inputs[name].querySelector ? inputs[name].querySelector('input') || inputs[name] : inputs[name]).focus?.();
    } else {
      top.textContent = message;
      top.hidden = false;
    }
  }
  if (onChange) {
    formEl.addEventListener('change', () => onChange(read(), inputs));
    onChange(read(), inputs);
  }
  formEl.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors();
    const vals = read();
    for (const f of fields) {
      const v = vals[f.name];
      if (f.required && (v === '' || (Array.isArray(v) && !v.length))) { setError(f.name, t('form.required')); return; }
      if (f.type === 'email' && v && !/^[^@\s]+@[^@\s]+$/.test(v)) { setError(f.name, t('form.bad_email')); return; }
      if (f.validate) { const m = f.validate(v, vals); if (m) { setError(f.name, m); return; } }
    }
    submit.disabled = true;
    formEl.classList.add('sending');
    submit.setAttribute('aria-busy', 'true');
    try {
      await onSubmit(vals, { setError });
    } catch (err) {
      if (err instanceof ApiError && err.field && errors[err.field]) setError(err.field, serverMessage(err) || errorMessage(err));
      else if (err instanceof ApiError) setError(null, errorMessage(err));
      else { setError(null, t('err.unexpected')); console.error(err); }
    } finally {
      submit.disabled = false;
      formEl.classList.remove('sending');
      submit.removeAttribute('aria-busy');
    }
  });
  return { el: formEl, read, setError, clearErrors, inputs };
}

// ---- tables -----------------------------------------------------------------
/**
 * dataTable({url, columns, empty: {title, text}, rowHref, exportable})
 * column: {key, label, render(row) → node|string, sort: (row) → value | false, cls}
 * Loads {items, next} pages; "Next" follows next, "Previous" goes back. Sorting
 * is by the loaded page. Export links fetch every row (?format=csv|xlsx).
 * Returns {el, reload()}.
 */
// sort: { key, dir, onSort(key, dir) } sorts on the server: a column with
// `sortKey` is clickable, the rows are drawn as the server ordered them.
export function dataTable({ url, columns, empty, rowHref, exportable = true, toolbar, sort: server }) {
  const el = h('div', { class: 'table-wrap' });
  const state = { pages: [url], index: 0, rows: [], next: null, sortKey: null, dir: 1 };
  const body = h('div', { class: 'table-body' });
  const foot = h('div', { class: 'table-foot' });
  const tools = h('div', { class: 'table-tools', hidden: !toolbar && !exportable }, toolbar || null, h('span', { class: 'spacer' }),
    exportable ? h('span', { class: 'exports' }, h('span', { class: 'muted', text: t('table.export') }),
      h('a', { class: 'export', href: withQuery(url, { format: 'csv' }), download: '' }, 'CSV'),
      h('a', { class: 'export', href: withQuery(url, { format: 'xlsx' }), download: '' }, 'XLSX')) : null);
  el.append(tools, body, foot);

  const valueOf = (col, row) => {
    if (col.sort) return col.sort(row);
    const v = row[col.key];
    return v && typeof v === 'object' ? JSON.stringify(v) : v;
  };
  function draw() {
    clear(body); clear(foot);
    if (!state.rows.length) {
      body.append(emptyState(empty?.title || t('table.empty'), empty?.text, empty?.action));
    } else {
      let rows = state.rows;
      if (state.sortKey && !server) {
        const col = columns.find((c) => c.key === state.sortKey);
        rows = [...rows].sort((a, b) => {
          const x = valueOf(col, a); const y = valueOf(col, b);
          if (x === y) return 0;
          if (x === null || x === undefined || x === '') return 1;
          if (y === null || y === undefined || y === '') return -1;
          return (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), undefined, { numeric: true })) * state.dir;
        });
      }
      const thead = h('thead', {}, h('tr', {}, columns.map((c) => {
        const sortable = server ? !!c.sortKey : c.sort !== false && c.key;
        const on = server ? server.key === c.sortKey : state.sortKey === c.key;
        const dir = server ? server.dir : state.dir;
        const click = server ? () => server.onSort(c.sortKey, on ? -dir : 1)
          : () => { if (state.sortKey === c.key) state.dir = -state.dir; else { state.sortKey = c.key; state.dir = 1; } draw(); };
        return h('th', { class: c.cls, scope: 'col', 'aria-sort': on ? (dir > 0 ? 'ascending' : 'descending') : null },
          sortable ? h('button', {
            type: 'button', class: ['sort', on && 'sort-on'], onclick: click,
          }, c.label, h('span', { class: 'sort-mark', 'aria-hidden': 'true', text: on ? (dir > 0 ? '▲' : '▼') : '↕' })) : c.label);
      })));
      const tbody = h('tbody', {}, rows.map((r) => {
        const href = rowHref ? rowHref(r) : null;
        return h('tr', { class: href ? 'row-link' : null, dataset: href ? { href } : null }, columns.map((c, i) => {
          let v = c.render ? c.render(r) : r[c.key];
          if ((v === null || v === undefined || v === '') && c.cls !== 'actions') v = h('span', { class: 'muted', text: '—' });
          if (href && i === 0) v = h('a', { href }, v);
          return h('td', { class: c.cls }, v);
        }));
      }));
      tbody.addEventListener('click', (ev) => {
        const tr = ev.target.closest('tr.row-link');
        if (!tr || ev.target.closest('a,button,input,select')) return;
        const a = tr.querySelector('a[href]');
        if (a) a.click();
      });
      body.append(h('div', { class: 'table-scroll' }, h('table', { class: 'table' }, thead, tbody)));
    }
    if (!state.rows.length && state.index === 0) return;
    const paged = state.index > 0 || state.next;
    append(foot, [
      h('span', { class: 'muted' }, paged ? tn('table.page', state.rows.length, { page: state.index + 1 }) : t('table.rows', { count: state.rows.length })),
      !paged ? null : h('span', { class: 'pager' },
        button(t('table.prev'), () => go(state.index - 1), { small: true, disabled: state.index === 0 || null }),
        button(t('table.next'), () => go(state.index + 1), { small: true, disabled: !state.next || null }))]);
  }
  async function go(i) {
    if (i > state.index) { state.pages = state.pages.slice(0, state.index + 1); state.pages.push(state.next); }
    state.index = i;
    await load();
  }
  async function load() {
    body.classList.add('busy');
    if (!state.rows.length) { clear(body); body.append(loading()); }
    try {
      const page = await get(state.pages[state.index]);
      state.rows = page.items || [];
      state.next = page.next || null;
      body.classList.remove('busy');
      draw();
    } catch (err) {
      body.classList.remove('busy');
      clear(body); clear(foot);
      body.append(errorBox(err));
    }
  }
  load();
  return { el, reload: () => { state.pages = [url]; state.index = 0; return load(); } };
}

/** An SVG chart of viewBox W×H with class cls and an accessible label: {svg, el}, where
 * el(name, attrs, text) appends a child element and returns it. */
export function svgChart(W, H, cls, label) {
  const NS = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('class', cls);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  const el = (name, attrs, text) => {
    const e = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    svg.append(e);
    return e;
  };
  return { svg, el };
}
