// A signed-in client for the e2e tests: keeps the session cookie and sends
// the CSRF token on every state-changing request, like the cabinet does.
import { writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freshDbUrl, runCli } from './server.js';

/**
 * Whether fetch failed because it reused a kept-alive connection that the server had
 * closed while it was idle: the server's head deadline counts idle time (10 s), and a test
 * that blocks its event loop in synchronous psql or sqlite3 calls under load can outlast it
 * and then write to the socket before it has seen the close. Such a connection had answered
 * before (it has read bytes); the request never reached the server, so it may be sent again.
 */
function closedWhileIdle(e) {
  const c = e?.cause;
  return c?.code === 'UND_ERR_SOCKET' && /other side closed/.test(c.message) && c.socket?.bytesRead > 0;
}

export class Client {
  constructor(server) {
    this.server = server;
    this.cookie = null;
    this.csrf = null;
  }

  async request(method, p, body, headers = {}) {
    const h = { ...headers };
    if (this.cookie) h.cookie = `oblako_session=${this.cookie}`;
    if (this.csrf && method !== 'GET' && method !== 'HEAD') h['x-csrf-token'] = this.csrf;
    if (body !== undefined) h['content-type'] = 'application/json';
    const opts = { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) };
    // A test that blocked the event loop (a synchronous psql or sqlite3 call
    // under load) longer than the server's head timeout finds the pooled
    // connections shut by the server; their ends are only read when the loop
    // turns, so let it turn twice before sending.
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    let res;
    for (let attempt = 0; ; attempt++) {
      try {
        res = await this.server.fetch(p, opts);
        break;
      } catch (e) {
        // each pooled connection the server shut while idle fails once;
        // send again, at last on a new connection
        if (!closedWhileIdle(e) || attempt >= 8) throw e;
      }
    }
    // The last Set-Cookie for the session wins, as in a browser (a stale
    // cookie is cleared and a new one set in the same answer at sign-in).
    for (const set of res.headers.getSetCookie()) {
      const m = /^oblako_session=([^;]*)/.exec(set);
      if (m) this.cookie = m[1] || null;
    }
    const type = res.headers.get('content-type') || '';
    const data = type.includes('json') ? await res.json() : await res.text();
    return { status: res.status, headers: res.headers, body: data };
  }

  get(p, headers) { return this.request('GET', p, undefined, headers); }
  post(p, body, headers) { return this.request('POST', p, body ?? {}, headers); }
  put(p, body, headers) { return this.request('PUT', p, body ?? {}, headers); }
  patch(p, body, headers) { return this.request('PATCH', p, body ?? {}, headers); }
  del(p, headers) { return this.request('DELETE', p, undefined, headers); }

  async login(email, password, otp) {
    const r = await this.post('/api/v1/auth/login', otp ? { email, password, otp } : { email, password });
    if (r.status === 200) this.csrf = r.body.csrf;
    return r;
  }
}

/** A fresh database with the provider and its first admin; returns {db, email, password}. */
export async function provisionedDb(name = 'x', email = 'admin@example.test', password = 'admin-password-1') {
  const db = await freshDbUrl(name);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'oblako-pw-'));
  const file = path.join(dir, 'pw');
  writeFileSync(file, `${password}\n`);
  // --test-clock: the admin's password is hashed at the minimum cost, as the test servers hash
  const r = runCli(['init', '--db', db, '--admin-email', email, '--admin-password-file', file, '--test-clock']);
  if (r.status !== 0) throw new Error(`init failed: ${r.stderr}`);
  return { db, email, password };
}

/** RFC 6238 TOTP (SHA-1, 30 s, 6 digits) of a base32 secret at time t (seconds). */
export async function totp(secret32, t) {
  const { createHmac } = await import('node:crypto');
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret32.replace(/=+$/, '')) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.alloc(Math.floor(bits.length / 8));
  for (let i = 0; i < key.length; i++) key[i] = parseInt(bits.slice(i * 8, i * 8 + 8), 2);
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(t / 30)));
  const h = createHmac('sha1', key).update(counter).digest();
  const o = h[h.length - 1] & 0xf;
  const code = ((h.readUInt32BE(o) & 0x7fffffff) % 1_000_000).toString().padStart(6, '0');
  return code;
}
