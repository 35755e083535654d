// api.js — the one way the cabinet talks to the server: JSON in and out, the
// CSRF header on every change, problem+json turned into an ApiError.
import { t, has, currentLang, fmtDate } from './i18n.js';

let csrf = null;
let onUnauthorized = () => {};

export function setCsrf(value) { csrf = value || null; }
/** The CSRF token, for a request api() cannot make (an upload with its progress). */
export const csrfToken = () => csrf;
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.code = problem.code || `http_${status}`;
    this.detail = problem.detail || '';
    this.field = problem.field || null;
    this.reason = problem.reason || null;
    this.params = problem.params || {};
    this.hint = problem.hint || null;
    this.retryAfter = problem.retry_after ?? null;
    this.requestId = problem.request_id || null;
    this.problem = problem; // the whole problem: some carry extra members (a refused session's holders)
  }
}

/**
 * api(method, path, body, {auth}) → parsed JSON (null for 204).
 * auth=false: a 401 is the caller's business (sign-in form); otherwise a 401
 * sends the person to the sign-in page.
 */
export async function api(method, path, body, { auth = true } = {}) {
  const headers = { Accept: 'application/json', 'Accept-Language': currentLang() };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrf) headers['X-CSRF-Token'] = csrf;
  let res;
  try {
    res = await fetch(path, {
      method, headers, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, { code: 'network', detail: e.message });
  }
  if (res.status === 204) return null;
  const type = res.headers.get('Content-Type') || '';
  let data = null;
  if (type.includes('json')) data = await res.json().catch(() => null);
  else data = await res.text().catch(() => '');
  if (!res.ok) {
    const problem = data && typeof data === 'object' ? data : { detail: String(data || '') };
    const err = new ApiError(res.status, problem);
    await loadMessages(currentLang());
    if (res.status === 401 && auth) onUnauthorized(err);
    throw err;
  }
  return data;
}

/** Sends a file as the raw body (the client's letter, R-TRF-1): JSON back, problems as ApiError. */
export async function sendFile(path, file) {
  const headers = { Accept: 'application/json', 'Accept-Language': currentLang(), 'Content-Type': file.type || 'application/octet-stream' };
  if (csrf) headers['X-CSRF-Token'] = csrf;
  let res;
  try {
    res = await fetch(path, { method: 'POST', headers, credentials: 'same-origin', body: file });
  } catch (e) {
    throw new ApiError(0, { code: 'network', detail: e.message });
  }
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    await loadMessages(currentLang());
    throw new ApiError(res.status, data && typeof data === 'object' ? data : { detail: '' });
  }
  return data;
}

export const get = (p, o) => api('GET', p, undefined, o);
export const post = (p, b, o) => api('POST', p, b === undefined ? {} : b, o);
export const put = (p, b, o) => api('PUT', p, b, o);
export const patch = (p, b, o) => api('PATCH', p, b, o);
export const del = (p, o) => api('DELETE', p, undefined, o);

/** A path with query parameters; empty values are left out. */
export function withQuery(path, params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  if (!s) return path;
  return path + (path.includes('?') ? '&' : '?') + s;
}

// The server's message catalogs (data/messages.<lang>.json, served at
// /i18n/): the same templates the server renders its `detail` from, so a
// refusal reads in the language of the page even when the server guessed another.
const messages = {};

/** Loads the catalog of `lang` (the UI language by default) once; a page that shows
 * reasons the server gives outside an error (entitlement actions) awaits it. */
export async function loadMessages(lang = currentLang()) {
  if (messages[lang]) return;
  try {
    const res = await fetch(`/i18n/messages.${lang}.json`, { credentials: 'same-origin' });
    messages[lang] = res.ok ? await res.json() : {};
  } catch { messages[lang] = {}; }
}

/** The server's message of an error (its reason and params) in the UI language, else its detail. */
export function serverMessage(err) {
  const cat = messages[currentLang()] || {};
  const tmpl = err.reason && cat[err.reason];
  if (!tmpl) return err.detail;
  return tmpl.replace(/\{([a-z0-9_]+)\}/g, (m, k) => {
    const v = k === 'field' ? (err.params.field ?? err.field) : err.params[k];
    if (v === undefined || v === null) return m;
    if (k === 'field') return cat[`label.${v}`] ?? cat[`label.${String(v).split('.').pop()}`] ?? String(v);
    if (/^\d{4}-\d{2}-\d{2}$/.test(String(v))) return fmtDate(v);
    return cat[`value.${k}.${v}`] ?? String(v);
  });
}

/** A readable message for an error, in the person's language. */
export function errorMessage(err) {
  if (!(err instanceof ApiError)) return t('err.unexpected');
  if (err.code === 'rate_limited') {
    return t('err.rate_limited', { s: err.retryAfter ?? 60 });
  }
  const title = has(`err.${err.code}`) ? t(`err.${err.code}`) : t('err.unexpected');
  if (err.code === 'internal' || err.code === 'network' || !err.detail) return title;
  return `${title}: ${serverMessage(err)}`;
}
