// The reminders ledger written as the daily reminder job writes it
// (sql/0018_notices.sql): an outbox message per recipient and a reminder
// that names them. For the readers' tests (mailroom*.test.js), which try the
// lists apart from the job.
import { raw, query } from './db.js';

/** An outbox message in `state` (queued, sent, failed); its id. */
export function outboxRow(db, to, account, state, { template = 'access_reminder', text = 'Доступ по 31.03.2027', subject = 'Доступ заканчивается' } = {}) {
  const mid = `<mr${Math.random().toString(36).slice(2)}@test>`;
  raw(db, `INSERT INTO outbox (created_at, to_addr, lang, template, subject, body_text, body_html, message_id, state, account_id)
    VALUES (${Math.floor(Date.now() / 1000)}, '${to}', 'ru', '${template}', '${subject}', '${text}', '<p>${text}</p>', '${mid}', '${state}', ${account})`);
  return Number(query(db, `SELECT id FROM outbox WHERE message_id = '${mid}'`)[0][0]);
}

/** A reminder of offset `off` days from L = `last`, with its mails [[outbox, person], …]; its id. */
export function reminderRow(db, sub, off, last, mails, { late = 0, state = 'sent', chain = 'ITSaaS-PROF' } = {}) {
  const due = new Date(Date.parse(`${last}T00:00:00Z`) + off * 86400000).toISOString().slice(0, 10);
  raw(db, `INSERT INTO reminders (subscriber_id, chain, end_key, offset_days, last_day, due_day, sent_day, state, late, created_at)
    VALUES (${sub}, '${chain}', '${last}', ${off}, '${last}', '${due}', '${due}', '${state}', ${late}, 0)`);
  const id = Number(query(db, `SELECT id FROM reminders WHERE subscriber_id = ${sub} AND chain = '${chain}' AND end_key = '${last}' AND offset_days = ${off}`)[0][0]);
  for (const [outbox, person] of mails) raw(db, `INSERT INTO reminder_mails (reminder_id, outbox_id, person_id) VALUES (${id}, ${outbox}, ${person})`);
  return id;
}
