-- 0018 notices: the ends of access that reminders are about (R-NOT-1), the
-- ledger of reminders, and the events that emails and webhooks tell
-- (R-NOT-3, issue 13).

-- One row per chain of a subscriber: the mains of one tariff that follow one
-- another with their deferrals (chain = the tariff's code), or the trial
-- (chain = 'trial'). Rewritten, in the transaction that changes the
-- subscriber's subscriptions, by model/notices (the dates are computed in C,
-- R-SUB-0). last_day is L, the last day of access of the chain including a
-- deferral; end_key is L of the paid chain without deferrals, so a deferral
-- keeps the end (and the offsets already sent), and a renewal makes a new
-- one. The daily reminder job finds what is due through access_ends_day
-- (O(due), never a scan of every subscriber).
CREATE TABLE access_ends (
    subscriber_id BIGINT NOT NULL REFERENCES accounts (id),
    chain TEXT NOT NULL,
    end_key TEXT NOT NULL,
    last_day TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (subscriber_id, chain)
);
CREATE INDEX access_ends_day ON access_ends (last_day);

-- Each reminder of an end, once: sent (with its mails in reminder_mails) or
-- skipped (an outage passed its day and a later offset of the same end was
-- sent instead, marked late).
CREATE TABLE reminders (
    id ID_PK,
    subscriber_id BIGINT NOT NULL REFERENCES accounts (id),
    chain TEXT NOT NULL,
    end_key TEXT NOT NULL,
    offset_days INTEGER NOT NULL,      -- -7, -3, 0, 5: the day L + offset_days
    last_day TEXT NOT NULL,            -- L as the mail said it ("through L")
    due_day TEXT NOT NULL,             -- L + offset_days
    sent_day TEXT NOT NULL,            -- the business day the job ran
    state TEXT NOT NULL CHECK (state IN ('sent', 'skipped')),
    late BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    UNIQUE (subscriber_id, chain, end_key, offset_days)
);
CREATE INDEX reminders_subscriber ON reminders (subscriber_id, id);

-- The mails of a reminder, one per recipient (the owner and administrators).
CREATE TABLE reminder_mails (
    reminder_id BIGINT NOT NULL REFERENCES reminders (id),
    outbox_id BIGINT NOT NULL REFERENCES outbox (id),
    person_id BIGINT NOT NULL REFERENCES persons (id),
    PRIMARY KEY (reminder_id, outbox_id)
);

-- What happened, as webhooks tell it (model/core/event.h). Written in the
-- event's own transaction; partner_id is the partner the event concerns
-- (the client's serving partner), NULL when it concerns only the provider.
CREATE TABLE events (
    id ID_PK,
    kind TEXT NOT NULL,
    at BIGINT NOT NULL,
    partner_id BIGINT REFERENCES accounts (id),
    subscriber_id BIGINT REFERENCES accounts (id),
    data TEXT NOT NULL
);
CREATE INDEX events_partner ON events (partner_id, id);
