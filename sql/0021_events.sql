-- 0021 events: a person's mail preferences, the session-limit refusals of a
-- day, and the grants whose expiry was mailed (R-NOT-3, issue 13; the kinds
-- and who receives them are in docs/events.md).

-- The kinds of event mail a person turned off (PATCH /api/v1/me mail_off):
-- a comma-separated list, canonical order, only kinds that may be turned off
-- (model/identity/mailpref.c). Mails about access or money ignore it.
ALTER TABLE persons ADD COLUMN mail_off TEXT NOT NULL DEFAULT '';

-- Refusals because the subscriber's concurrent-session limit was full, per
-- business day: one upsert per refusal (never on admission). The owner is
-- mailed on the 3rd of the day, in the transaction that counts it; mailed_at
-- says it went (once a day).
CREATE TABLE session_limit_hits (
    subscriber_id BIGINT NOT NULL REFERENCES accounts (id),
    day TEXT NOT NULL,
    hits BIGINT NOT NULL,
    first_at BIGINT NOT NULL,
    last_at BIGINT NOT NULL,
    mailed_at BIGINT,
    PRIMARY KEY (subscriber_id, day)
);

-- A grant whose day `until` passed is mailed once, by the daily job
-- "grants-expired", which sets expiry_noticed_at (revoked and ended grants
-- are mailed when that happens and never get here). The partial index keeps
-- the job O(due).
ALTER TABLE area_grants ADD COLUMN expiry_noticed_at BIGINT;
CREATE INDEX area_grants_expiry ON area_grants (until)
    WHERE revoked_at IS NULL AND expiry_noticed_at IS NULL;
