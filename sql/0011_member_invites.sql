-- 0011 member invitations: how a person joins a partner as an employee or a
-- subscriber as a user or its owner (R-ACT-3, R-ACC-1/2; docs/decisions.md
-- "Members join by invitation"). Adding someone by email writes one of these
-- and mails its link; nothing about the person is created or enrolled until
-- the mailbox's owner accepts.

-- One invitation. email is normalised; roles are the account kind's role
-- names, comma-separated like memberships.roles; session_limit is for
-- subscriber users (NULL: none). Only the BLAKE2b hash of the link's 256-bit
-- secret is kept. An invitation is pending while not accepted, not cancelled
-- and not expired; a newer one for the same account and email cancels it
-- with replaced_by set. name and lang are what a new person is created with.
CREATE TABLE member_invites (
    id ID_PK,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    email TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    lang TEXT NOT NULL DEFAULT 'ru' CHECK (lang IN ('ru', 'en')),
    roles TEXT NOT NULL,
    session_limit BIGINT,
    token_hash TEXT NOT NULL UNIQUE,
    invited_by BIGINT REFERENCES persons (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    accepted_at BIGINT,
    accepted_person BIGINT REFERENCES persons (id),
    cancelled_at BIGINT,
    cancelled_by BIGINT REFERENCES persons (id),
    replaced_by BIGINT
);
CREATE INDEX member_invites_account ON member_invites (account_id, id);
CREATE INDEX member_invites_email ON member_invites (account_id, email);
