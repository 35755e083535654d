// session.js — the signed-in state every page shares: who is signed in (me),
// the current account, and the business date and time. Pages import it, never
// app.js, which owns the router and the layout and registers its renderer
// here (setRouter), so navigate() works without a cycle of imports.
//
// The business date and time are the server's (GET /api/v1/me answers
// `today` and `now` in the service time zone, and the test clock moves
// them): never the browser's clock, whose UTC date is wrong between 00:00 and
// 03:00 in Moscow. now() is the server's instant plus the time elapsed since
// it was read, measured by the page's monotonic clock.
import { get, setCsrf } from './api.js';

let me = null;
let readAt = 0;   // performance.now() when `me` (and its `now`) was read

export const session = {
  get me() { return me; },
  set me(v) { me = v; readAt = performance.now(); },
};

export function account() {
  if (!me) return null;
  return me.accounts.find((a) => a.id === me.current_account) || me.accounts[0] || null;
}
export function kind() { return account()?.kind || null; }

export async function refreshMe() {
  session.me = await get('/api/v1/me', { auth: false });
  if (me.csrf) setCsrf(me.csrf);
  return me;
}
export function signedIn(m) {
  session.me = m;
  setCsrf(m.csrf);
}

/** The business instant, as a Date. */
export function now() {
  if (!me || !me.now) throw new Error('no business time: not signed in');
  return new Date(Date.parse(me.now) + (performance.now() - readAt));
}

/** The business date "YYYY-MM-DD" in the service time zone. */
export function today() {
  if (!me || !me.today) throw new Error('no business date: not signed in');
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: me.time_zone || 'Europe/Moscow', year: 'numeric', month: '2-digit', day: '2-digit' })
    .formatToParts(now());
  const part = (type) => parts.find((p) => p.type === type).value;
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/** Civil-date arithmetic on "YYYY-MM-DD" (no clock involved). */
export function addDays(d, n) {
  return new Date(Date.parse(`${d}T00:00:00Z`) + n * 86400000).toISOString().slice(0, 10);
}
/** Whole days from date a to date b ("YYYY-MM-DD"). */
export function daysBetween(a, b) {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86400000);
}

export function setTitle(s) { document.title = `${s} · Oblako`; }

let router = () => {};
/** app.js gives its renderer once at start. */
export function setRouter(fn) { router = fn; }
export function render() { return router(); }
export function navigate(to, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  return router();
}
