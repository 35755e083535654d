// Reading a test server's database directly, for what the API does not show
// (the outbox's links, the audit table): the sqlite3 and psql command lines.
import { execFileSync } from 'node:child_process';

/** The raw output of a statement: fields split by tabs, rows by newlines. */
export function raw(dbUrl, sql) {
  if (dbUrl.startsWith('sqlite:')) {
    // the server's own jobs (the audit seal, the monthly statements) may hold the write lock
    // a moment: wait for it as the server does, instead of failing at once
    return execFileSync('sqlite3', ['-cmd', '.timeout 10000', '-separator', '\t', dbUrl.slice(7), sql],
      { encoding: 'utf8' });
  }
  return execFileSync('psql', [dbUrl, '-v', 'ON_ERROR_STOP=1', '-qAt', '-F', '\t', '-c', sql],
    { encoding: 'utf8' });
}

/** Rows of a SELECT of one-line values as arrays of strings (NULL as ''). */
export function query(dbUrl, sql) {
  return raw(dbUrl, sql).split('\n').filter((l) => l.length > 0).map((l) => l.split('\t'));
}

/** The token of the newest emailed link to `email` (…?token=XYZ). */
export function lastLinkToken(dbUrl, email) {
  return lastLink(dbUrl, email)?.token ?? null;
}

/** The newest emailed link to `email`: {page: '/password' or '/invite', token}, or null. */
export function lastLink(dbUrl, email) {
  const text = raw(dbUrl, `SELECT body_text FROM outbox WHERE to_addr = '${email.replace(/'/g, "''")}' ORDER BY id DESC LIMIT 1`);
  const m = /(\/[a-z]+)\?token=([A-Za-z0-9_-]+)/.exec(text);
  return m ? { page: m[1], token: m[2] } : null;
}
