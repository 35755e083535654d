-- 0002 accounts: the provider, partners and subscribers; persons and their
-- roles in accounts; sign-in sessions, API tokens and single-use links;
-- partner applications, statuses and requests; the audit log and the outbox.

-- Every account: the one provider, each partner, each subscriber.
CREATE TABLE accounts (
    id ID_PK,
    kind TEXT NOT NULL CHECK (kind IN ('provider', 'partner', 'subscriber')),
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX accounts_kind ON accounts (kind, id);

-- Small named counters taken under the row lock (subscriber codes).
CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('subscriber_code', 1000);

-- A partner's requisites (R-ACC-3: only the provider changes them) and
-- settlement settings. own_subscriber_id is its own books' account (R-ACC-2).
CREATE TABLE partners (
    account_id BIGINT PRIMARY KEY REFERENCES accounts (id),
    inn TEXT NOT NULL,
    kpp TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL,
    email TEXT NOT NULL,
    site TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    region TEXT NOT NULL DEFAULT '',
    own_subscriber_id BIGINT REFERENCES accounts (id),
    settle_with TEXT NOT NULL DEFAULT 'provider' CHECK (settle_with IN ('provider', 'distributor')),
    distributor TEXT NOT NULL DEFAULT '',
    individual_discount BIGINT,
    state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'suspended'))
);

-- A subscriber: its code (R-ACC-1) and who serves it (R-ACC-2: at most one
-- partner; NULL is the provider directly). own_partner_id marks a partner's
-- own books.
CREATE TABLE subscribers (
    account_id BIGINT PRIMARY KEY REFERENCES accounts (id),
    code BIGINT NOT NULL UNIQUE,
    partner_id BIGINT REFERENCES accounts (id),
    own_partner_id BIGINT UNIQUE REFERENCES accounts (id),
    state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'left')),
    left_at BIGINT
);
CREATE INDEX subscribers_partner ON subscribers (partner_id, account_id);

-- Additional information kept by the partner (R-ACC-5).
CREATE TABLE subscriber_info (
    account_id BIGINT PRIMARY KEY REFERENCES accounts (id),
    legal_name TEXT NOT NULL DEFAULT '',
    inn TEXT NOT NULL DEFAULT '',
    kpp TEXT NOT NULL DEFAULT '',
    contact_person TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    region TEXT NOT NULL DEFAULT '',
    leave_reason TEXT,
    leave_comment TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL,
    updated_by BIGINT
);

-- The configurable list of reasons for leaving (R-ACC-5).
CREATE TABLE leave_reasons (
    code TEXT PRIMARY KEY,
    name_ru TEXT NOT NULL,
    name_en TEXT NOT NULL,
    position BIGINT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1
);
INSERT INTO leave_reasons (code, name_ru, name_en, position) VALUES
    ('price', 'Дорого', 'Too expensive', 1),
    ('on_premises', 'Переход на локальную версию', 'Moved to an on-premises installation', 2),
    ('other_partner', 'Переход к другому партнёру', 'Moved to another partner', 3),
    ('business_closed', 'Закрытие бизнеса', 'Business closed', 4),
    ('other_vendor', 'Переход на продукт другого производителя', 'Moved to another vendor', 5),
    ('other', 'Другое', 'Other', 6);

-- A person signs in once (R-ACT-1). email is stored normalised (trimmed,
-- lower case), so it is unique case-insensitively.
CREATE TABLE persons (
    id ID_PK,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL DEFAULT '',
    lang TEXT NOT NULL DEFAULT 'ru' CHECK (lang IN ('ru', 'en')),
    password_hash TEXT,
    totp_secret TEXT,
    totp_enabled BIGINT NOT NULL DEFAULT 0,
    disabled BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Roles of a person in an account (R-ACT-2), a comma-separated set.
CREATE TABLE memberships (
    person_id BIGINT NOT NULL REFERENCES persons (id),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    roles TEXT NOT NULL,
    session_limit BIGINT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (person_id, account_id)
);
CREATE INDEX memberships_account ON memberships (account_id, person_id);

-- Signed-in browser sessions. Only a hash of the cookie's secret is stored.
CREATE TABLE auth_sessions (
    id_hash TEXT PRIMARY KEY,
    person_id BIGINT NOT NULL REFERENCES persons (id),
    account_id BIGINT REFERENCES accounts (id),
    csrf TEXT NOT NULL,
    mfa_ok BIGINT NOT NULL DEFAULT 0,
    addr TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    seen_at BIGINT NOT NULL
);
CREATE INDEX auth_sessions_person ON auth_sessions (person_id);

-- API tokens for one account and a subset of the person's roles there.
CREATE TABLE api_tokens (
    id ID_PK,
    person_id BIGINT NOT NULL REFERENCES persons (id),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    roles TEXT NOT NULL,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX api_tokens_person ON api_tokens (person_id, id);

-- Single-use links sent by email: password reset, first password, invitation.
CREATE TABLE person_links (
    token_hash TEXT PRIMARY KEY,
    person_id BIGINT NOT NULL REFERENCES persons (id),
    purpose TEXT NOT NULL CHECK (purpose IN ('reset', 'activate')),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);

-- Failed sign-ins per key ('email:…' or 'addr:…') in the current window.
CREATE TABLE login_failures (
    key TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    failures BIGINT NOT NULL,
    blocked_until BIGINT NOT NULL DEFAULT 0
);

-- The public questionnaire of a would-be partner (R-ACC-6).
CREATE TABLE partner_applications (
    id ID_PK,
    name TEXT NOT NULL,
    inn TEXT NOT NULL,
    kpp TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL,
    email TEXT NOT NULL,
    site TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    region TEXT NOT NULL DEFAULT '',
    contact_name TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    lang TEXT NOT NULL DEFAULT 'ru',
    state TEXT NOT NULL DEFAULT 'submitted' CHECK (state IN ('submitted', 'approved', 'rejected')),
    reason TEXT NOT NULL DEFAULT '',
    partner_id BIGINT REFERENCES accounts (id),
    created_at BIGINT NOT NULL,
    decided_at BIGINT,
    decided_by BIGINT REFERENCES persons (id)
);
CREATE INDEX partner_applications_state ON partner_applications (state, id);

-- Partner statuses with validity dates (R-ACC-4); dates are civil dates,
-- valid_to exclusive like subscriptions, NULL for open-ended.
CREATE TABLE partner_statuses (
    id ID_PK,
    partner_id BIGINT NOT NULL REFERENCES accounts (id),
    status TEXT NOT NULL CHECK (status IN ('csk', 'erp_cc', 'corp_list', 'cso')),
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    note TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    created_by BIGINT REFERENCES persons (id),
    withdrawn_at BIGINT
);
CREATE INDEX partner_statuses_partner ON partner_statuses (partner_id, status);

-- Requests a partner files and the provider decides (R-ACC-3, R-SUB-2, …).
CREATE TABLE requests (
    id ID_PK,
    kind TEXT NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    subject_id BIGINT,
    payload TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'applied', 'rejected')),
    decision_note TEXT NOT NULL DEFAULT '',
    late BIGINT NOT NULL DEFAULT 0,
    filed_by BIGINT REFERENCES persons (id),
    filed_at BIGINT NOT NULL,
    decided_by BIGINT REFERENCES persons (id),
    decided_at BIGINT
);
CREATE INDEX requests_account ON requests (account_id, id);
CREATE INDEX requests_state ON requests (state, id);

-- The audit log (R-OPS-2). Written in the transaction of each change;
-- sealed later, in id order, into a hash chain (seal_hash).
CREATE TABLE audit (
    id ID_PK,
    at BIGINT NOT NULL,
    actor_person BIGINT,
    actor_token BIGINT,
    actor_name TEXT NOT NULL DEFAULT '',
    account_id BIGINT,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL DEFAULT '',
    object_id TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '',
    addr TEXT NOT NULL DEFAULT '',
    request_id TEXT NOT NULL DEFAULT '',
    seal_hash TEXT
);
CREATE INDEX audit_account ON audit (account_id, id);
CREATE INDEX audit_at ON audit (at, id);

-- Email written with its event, sent later by the job runner (R-NOT-4).
CREATE TABLE outbox (
    id ID_PK,
    created_at BIGINT NOT NULL,
    to_addr TEXT NOT NULL,
    lang TEXT NOT NULL,
    template TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    message_id TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'failed')),
    sent_at BIGINT,
    last_error TEXT,
    account_id BIGINT
);
CREATE INDEX outbox_state ON outbox (state, id);
