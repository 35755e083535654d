// Helpers for the account tests (partners, subscribers, requests): a server
// with a signed-in provider admin, valid INNs, questionnaires, and partners
// made the real way (questionnaire → approval → the owner sets a password
// from the emailed link), and members who join by accepting an invitation.
import { execFileSync } from 'node:child_process';
import { startServer } from './server.js';
import { Client, provisionedDb } from './session.js';
import { lastLink, query, raw } from './db.js';

/** A 10-digit organisation INN with a valid checksum, distinct per n. */
export function inn10(n) {
  const body = `77${String(n).padStart(7, '0')}`;
  const w = [2, 4, 10, 3, 5, 9, 4, 6, 8];
  const c = w.reduce((s, k, i) => s + k * Number(body[i]), 0) % 11 % 10;
  return body + c;
}

/** A 12-digit sole trader INN with valid checksums, distinct per n. */
export function inn12(n) {
  const body = `50${String(n).padStart(8, '0')}`;
  const w11 = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
  const w12 = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
  const d11 = w11.reduce((s, k, i) => s + k * Number(body[i]), 0) % 11 % 10;
  const b11 = body + d11;
  const d12 = w12.reduce((s, k, i) => s + k * Number(b11[i]), 0) % 11 % 10;
  return b11 + d12;
}

let seq = 0;
const uniq = () => `${process.pid}${++seq}`;

export function questionnaire(over = {}) {
  const n = ++seq;
  return {
    name: `Partner ${n}`,
    inn: inn10(process.pid % 1000 * 1000 + n),
    kpp: '770701001',
    phone: '+7 (495) 123-45-67',
    email: `office${n}@partner.test`,
    site: 'https://partner.test',
    address: 'Moscow',
    region: 'Moscow',
    contact_name: `Contact ${n}`,
    contact_email: `owner${uniq()}@partner.test`,
    comment: 'we sell accounting',
    lang: 'en',
    ...over,
  };
}

/** A server on a fresh provisioned database with the provider admin signed in
 * (server: more options of startServer, such as args and jobs). */
export async function setup(name, server = {}) {
  const env = await provisionedDb(name);
  const s = await startServer({ ...server, db: env.db });
  const admin = new Client(s);
  const r = await admin.login(env.email, env.password);
  if (r.status !== 200) throw new Error(`admin login: ${JSON.stringify(r.body)}`);
  return { s, env, admin, db: env.db };
}

/**
 * Follows the newest link mailed to `email` with a password and signs in: an
 * invitation link (/invite) is accepted, setting the password of a new
 * person; a password link (/password, a partner's approved owner) sets it.
 */
export async function activate(s, db, email, password = 'a-good-password-1') {
  const link = lastLink(db, email);
  if (!link) throw new Error(`no link mailed to ${email}`);
  const c = new Client(s);
  const r = link.page === '/invite'
    ? await c.post('/api/v1/auth/invite/accept', { token: link.token, password })
    : await c.post('/api/v1/auth/password-reset/confirm', { token: link.token, password });
  if (r.status >= 300) throw new Error(`${link.page}: ${r.status} ${JSON.stringify(r.body)}`);
  const l = await c.login(email, password);
  if (l.status !== 200) throw new Error(`login ${email}: ${JSON.stringify(l.body)}`);
  return c;
}

/** Accepts the newest invitation mailed to `email` (someone with a password already). */
export async function acceptInvite(s, db, email) {
  const link = lastLink(db, email);
  if (!link || link.page !== '/invite') throw new Error(`no invitation mailed to ${email}`);
  return new Client(s).post('/api/v1/auth/invite/accept', { token: link.token });
}

/** Forget the questionnaire rate limit of the test's address (tests make many). */
export function resetApplyLimit(db) {
  const sql = "DELETE FROM login_failures WHERE key LIKE 'apply:%'";
  // The server may hold SQLite's write lock for a moment (the job runner): wait for it.
  if (db.startsWith('sqlite:')) execFileSync('sqlite3', ['-cmd', '.timeout 10000', db.slice(7), sql]);
  else raw(db, sql);
}

/** A partner made through a questionnaire; returns {id, app, owner (signed-in Client), email}. */
export async function newPartner(ctx, over = {}) {
  resetApplyLimit(ctx.db);
  const body = questionnaire(over);
  const anon = new Client(ctx.s);
  const a = await anon.post('/api/v1/partner-applications', body);
  if (a.status !== 201) throw new Error(`apply: ${a.status} ${JSON.stringify(a.body)}`);
  const ok = await ctx.admin.post(`/api/v1/partner-applications/${a.body.id}/approve`);
  if (ok.status !== 200) throw new Error(`approve: ${ok.status} ${JSON.stringify(ok.body)}`);
  const owner = await activate(ctx.s, ctx.db, body.contact_email);
  return { id: ok.body.partner_id, app: ok.body, owner, email: body.contact_email };
}

/** Invites an employee to a partner (by its owner); they accept, set a password, sign in. */
export async function newEmployee(ctx, partner, roles, email = `emp${uniq()}@partner.test`) {
  const r = await partner.owner.post(`/api/v1/partners/${partner.id}/employees`, { email, roles });
  if (r.status !== 202) throw new Error(`employee: ${r.status} ${JSON.stringify(r.body)}`);
  const c = await activate(ctx.s, ctx.db, email);
  return { person: (await c.get('/api/v1/me')).body.id, email, client: c };
}

/** Invites a user to a subscriber (by `by`, its owner or administrator); they accept and sign in. */
export async function newUser(ctx, by, sub, body) {
  const r = await by.post(`/api/v1/subscribers/${sub}/users`, body);
  if (r.status !== 202) throw new Error(`user: ${r.status} ${JSON.stringify(r.body)}`);
  const c = await activate(ctx.s, ctx.db, body.email);
  return { person: (await c.get('/api/v1/me')).body.id, email: body.email, client: c };
}

/** The newest outbox message to an address: {template, subject, body_text}. */
export function lastMail(db, email) {
  const rows = query(db, `SELECT template, subject, lang FROM outbox WHERE to_addr = '${email}' ORDER BY id DESC LIMIT 1`);
  return rows.length ? { template: rows[0][0], subject: rows[0][1], lang: rows[0][2] } : null;
}

/** Audit records of an action: [[account_id, object_id, summary], ...]. */
export function audits(db, action) {
  return query(db, `SELECT COALESCE(account_id, 0), object_id, summary FROM audit WHERE action = '${action}' ORDER BY id`);
}

export const uniqueEmail = (p = 'x') => `${p}${uniq()}@example.test`;
