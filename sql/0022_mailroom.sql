-- 0022 mailroom (issue 13 item 7): the provider's view of the outbox and its
-- re-send. A re-send is a new message copying the rendered one with a new
-- Message-ID; resent_from names the message it copies. Each message is
-- re-sent at most once (a double click makes one copy): a later re-send goes
-- from the newest copy, so the chain of copies is the message's history.
ALTER TABLE outbox ADD COLUMN resent_from BIGINT REFERENCES outbox (id);
CREATE UNIQUE INDEX outbox_resent_from ON outbox (resent_from);

-- The provider's filters: by template, address or account, newest first.
CREATE INDEX outbox_template ON outbox (template, id);
CREATE INDEX outbox_to ON outbox (to_addr, id);
CREATE INDEX outbox_account ON outbox (account_id, id);
-- The mails of a reminder by message (the partner's and the owner's lists).
CREATE INDEX reminder_mails_outbox ON reminder_mails (outbox_id);
