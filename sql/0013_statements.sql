-- 0013 monthly partner statements (R-BIL-1..4, R-SUB-2, R-OPS-3).
--
-- A statement is partner P's account of month M ('YYYY-MM', service time
-- zone): one line per paid subscription posted in M for a client P served
-- at posting (subscriptions.partner_id), charged for its whole term, plus
-- correcting lines and metered usage lines. While M is open its statements
-- are drafts, re-made by each run (a run replaces a partner's lines in one
-- transaction, so a run killed half-way leaves every statement whole); when
-- the provider closes M the last run's result is frozen: numbered, never
-- changed again. Every line keeps what it was charged for as text and
-- numbers, so a closed statement does not move when a name changes.

-- Distributors the provider keeps: a partner's statement is addressed to one
-- of them or to the provider's billing company (partners.settle_with).
CREATE TABLE distributors (
    id ID_PK,
    name TEXT NOT NULL,
    inn TEXT NOT NULL DEFAULT '',
    kpp TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'archived')),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- partners.distributor (free text, 0002) is superseded by distributor_id.
ALTER TABLE partners ADD COLUMN distributor_id BIGINT REFERENCES distributors (id);

-- The last applied request (R-SUB-2) that changed a subscription, or whose
-- decision re-derived its discount; a correcting line names it.
ALTER TABLE subscriptions ADD COLUMN request_id BIGINT REFERENCES requests (id);
CREATE INDEX subscriptions_partner_posted ON subscriptions (partner_id, posted_at);

-- A month's state. A month with no row is open.
CREATE TABLE statement_months (
    month TEXT PRIMARY KEY,
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
    closed_at BIGINT,
    closed_by BIGINT REFERENCES persons (id)
);

-- One run over a month's partners: its progress is readable while it runs
-- (done of total partners); a run that died stays 'running' until the next
-- run of the month takes over (beat_at, real time, is its heartbeat: each
-- partner committed advances it).
CREATE TABLE statement_runs (
    id ID_PK,
    month TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'done', 'failed')),
    total BIGINT NOT NULL DEFAULT 0,
    done BIGINT NOT NULL DEFAULT 0,
    node TEXT NOT NULL DEFAULT '',
    error TEXT NOT NULL DEFAULT '',
    started_at BIGINT NOT NULL,
    beat_at BIGINT NOT NULL DEFAULT 0,
    finished_at BIGINT
);
CREATE INDEX statement_runs_month ON statement_runs (month, id);

-- The day before a subscription's end (its last day, a line's `through`),
-- computed in C (base/date.c) for the ends a run meets, so that the lines'
-- INSERT … SELECT takes it by a join: no date arithmetic in SQL.
CREATE TABLE statement_days (
    day TEXT PRIMARY KEY,
    prev TEXT NOT NULL
);

-- Partner P's statement of month M. The payer and the partner's requisites
-- are copied at each run and frozen with the statement.
CREATE TABLE statements (
    id ID_PK,
    month TEXT NOT NULL,
    partner_id BIGINT NOT NULL REFERENCES accounts (id),
    state TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'closed')),
    number TEXT UNIQUE,
    payer_kind TEXT NOT NULL CHECK (payer_kind IN ('provider', 'distributor')),
    distributor_id BIGINT REFERENCES distributors (id),
    payer_name TEXT NOT NULL DEFAULT '',
    payer_email TEXT NOT NULL DEFAULT '',
    partner_name TEXT NOT NULL DEFAULT '',
    partner_inn TEXT NOT NULL DEFAULT '',
    partner_kpp TEXT NOT NULL DEFAULT '',
    partner_address TEXT NOT NULL DEFAULT '',
    lines BIGINT NOT NULL DEFAULT 0,
    total_price BIGINT NOT NULL DEFAULT 0,
    total_due BIGINT NOT NULL DEFAULT 0,
    content_hash TEXT NOT NULL DEFAULT '',
    drafted_at BIGINT NOT NULL,
    closed_at BIGINT,
    UNIQUE (month, partner_id)
);
CREATE INDEX statements_partner ON statements (partner_id, month);

-- A statement's lines in their order (seq from 1). line_kind: 'charge' (a
-- subscription posted in the month), 'correction' (the difference a later
-- decision made to what a closed month charged: corrects_* name the
-- original line, request_id the decision) or 'usage' (a chargeable cash
-- register's month, R-CAT-6). Money in kopecks; price is the retail price of
-- the standard tariff times quantity, amount_due after the discount.
CREATE TABLE statement_lines (
    statement_id BIGINT NOT NULL REFERENCES statements (id),
    seq BIGINT NOT NULL,
    line_kind TEXT NOT NULL CHECK (line_kind IN ('charge', 'correction', 'usage')),
    subscription_id BIGINT REFERENCES subscriptions (id),
    subscriber_id BIGINT NOT NULL REFERENCES accounts (id),
    subscriber_code BIGINT NOT NULL,
    subscriber_name TEXT NOT NULL,
    tariff_code TEXT NOT NULL,
    partner_tariff_name TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL,
    start TEXT NOT NULL,
    through TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    price BIGINT NOT NULL,
    discount_pct BIGINT NOT NULL,
    rule TEXT NOT NULL,
    amount_due BIGINT NOT NULL,
    corrects_statement_id BIGINT REFERENCES statements (id),
    corrects_seq BIGINT,
    request_id BIGINT REFERENCES requests (id),
    register_id TEXT NOT NULL DEFAULT '',
    usage_month TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (statement_id, seq)
);
CREATE INDEX statement_lines_subscription ON statement_lines (subscription_id);
