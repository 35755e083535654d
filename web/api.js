// api.js — the one way the cabinet talks to the server: JSON in and out, the
// CSRF header on every change, problem+json turned into an ApiError.
import { t, has } from './i18n.js';

let csrf = null;
let onUnauthorized = () => {};

export function setCsrf(value) { csrf = value || null; }
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.code = problem.code || `http_${status}`;
    this.detail = problem.detail || '';
    this.field = problem.field || null;
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
  const headers = { Accept: 'application/json' };
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
    if (res.status === 401 && auth) onUnauthorized(err);
    throw err;
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

/** A readable message for an error, in the person's language. */
export function errorMessage(err) {
  if (!(err instanceof ApiError)) return t('err.unexpected');
  if (err.code === 'rate_limited') {
    return t('err.rate_limited', { s: err.retryAfter ?? 60 });
  }
  const title = has(`err.${err.code}`) ? t(`err.${err.code}`) : t('err.unexpected');
  if (err.code === 'internal' || err.code === 'network' || !err.detail) return title;
  return `${title}: ${err.detail}`;
}
