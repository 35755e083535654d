-- 0024 onboarding: how clients bring themselves in (issue 14, R-ONB-1..7):
-- invitation codes a partner hands out, registration pages (hosted, or a
-- snippet on the partner's own site), the record of every sign-up, the
-- single-use sign-in links a registration answers with, and the leads the
-- provider's own pages bring.

-- An invitation code (R-ONB-1..3). code is what the client types, kept
-- normalised (upper case, dashes in place: K7QF-2MXD-9TAB-W4HP-…); it is
-- shown to the partner in its list, so it is kept as is. tariff_id is the
-- trial tariff (TRIAL-30 by default). Single-use: activated_at and
-- subscriber_id are set once, by one conditional update. Open while not
-- activated, not revoked and expires_at is in the future.
CREATE TABLE signup_invitations (
    id ID_PK,
    partner_id BIGINT NOT NULL REFERENCES accounts (id),
    code TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL DEFAULT '',
    tariff_id BIGINT NOT NULL REFERENCES tariffs (id),
    created_by BIGINT REFERENCES persons (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT,
    revoked_by BIGINT REFERENCES persons (id),
    activated_at BIGINT,
    subscriber_id BIGINT REFERENCES accounts (id)
);
CREATE INDEX signup_invitations_partner ON signup_invitations (partner_id, id);

-- A registration page (R-ONB-5). partner_id NULL: the provider's own page,
-- whose registrations are leads (R-ONB-7). tariff_id is a standard tariff or
-- the partner's own; the trial gives its options for trial_days days at
-- price 0. application_id: the application whose data area is created at
-- registration (NULL: none). origins: the sites allowed to post by fetch
-- (CORS), one origin per line. confirm_email = 1: the first data area waits
-- until the client confirms the address.
CREATE TABLE regpages (
    id ID_PK,
    partner_id BIGINT REFERENCES accounts (id),
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    tariff_id BIGINT NOT NULL REFERENCES tariffs (id),
    trial_days BIGINT NOT NULL CHECK (trial_days BETWEEN 1 AND 30),
    application_id BIGINT REFERENCES applications (id),
    origins TEXT NOT NULL DEFAULT '',
    confirm_email BIGINT NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'disabled')),
    created_by BIGINT REFERENCES persons (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX regpages_partner ON regpages (partner_id, id);

-- Visits of a hosted page per day (the page's statistics): one upsert per
-- visit, never a row per visit.
CREATE TABLE regpage_visits (
    regpage_id BIGINT NOT NULL REFERENCES regpages (id),
    day TEXT NOT NULL,
    visits BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (regpage_id, day)
);

-- Every client that brought itself in: by a code (invitation_id) or a page
-- (regpage_id). partner_id is who served it at registration (NULL: the
-- provider, a lead). confirmed_at: the address was confirmed (the emailed
-- link followed). Conversions to paid are read from subscriptions.
CREATE TABLE signups (
    id ID_PK,
    subscriber_id BIGINT NOT NULL UNIQUE REFERENCES accounts (id),
    partner_id BIGINT REFERENCES accounts (id),
    invitation_id BIGINT REFERENCES signup_invitations (id),
    regpage_id BIGINT REFERENCES regpages (id),
    email TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    region TEXT NOT NULL DEFAULT '',
    lang TEXT NOT NULL DEFAULT 'ru' CHECK (lang IN ('ru', 'en')),
    created_at BIGINT NOT NULL,
    confirmed_at BIGINT
);
CREATE INDEX signups_regpage ON signups (regpage_id, created_at);
CREATE INDEX signups_partner ON signups (partner_id, created_at);

-- A single-use sign-in link a registration answers with (R-ONB-5): the
-- browser opens it by top-level navigation within 10 minutes and gets a
-- session of person_id, landing on subscriber_id's welcome page. Only the
-- BLAKE2b hash of its secret is kept.
CREATE TABLE signin_links (
    token_hash TEXT PRIMARY KEY,
    person_id BIGINT NOT NULL REFERENCES persons (id),
    subscriber_id BIGINT NOT NULL REFERENCES accounts (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);

-- A lead (R-ONB-7): a client registered on a provider's page. pool: nobody
-- has it (the provider serves it); offered: partner_id was asked at
-- offered_at and has not answered; accepted: partner_id serves it now. A
-- declined or unanswered offer puts it back in the pool.
CREATE TABLE leads (
    id ID_PK,
    subscriber_id BIGINT NOT NULL UNIQUE REFERENCES accounts (id),
    region TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'pool' CHECK (state IN ('pool', 'offered', 'accepted')),
    partner_id BIGINT REFERENCES accounts (id),
    offered_at BIGINT,
    accepted_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX leads_state ON leads (state, offered_at);
CREATE INDEX leads_partner ON leads (partner_id, state);
