-- 0020 webhooks: the endpoints partners and the provider register, and the
-- durable deliveries of events to them (issue 13, R-NOT-3).

-- An endpoint of an account (a partner or the provider). The secret signs
-- every delivery (Standard Webhooks, "whsec_" + base64 of 24 random bytes);
-- it is kept as is because signing needs it, and shown only when made or
-- rotated. all_kinds = 1 takes every kind; else the kinds are the rows of
-- webhook_endpoint_kinds. failing_since is the first failed attempt since
-- the last success: three days of failures disable the endpoint.
CREATE TABLE webhook_endpoints (
    id ID_PK,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    url TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    secret TEXT NOT NULL,
    all_kinds BIGINT NOT NULL DEFAULT 1,
    state TEXT NOT NULL CHECK (state IN ('active', 'disabled', 'deleted')),
    failing_since BIGINT,
    disabled_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX webhook_endpoints_account ON webhook_endpoints (account_id, state, id);

CREATE TABLE webhook_endpoint_kinds (
    endpoint_id BIGINT NOT NULL REFERENCES webhook_endpoints (id),
    kind TEXT NOT NULL,
    PRIMARY KEY (endpoint_id, kind)
);

-- One event to one endpoint. pending: not tried yet or waiting for its next
-- attempt at next_at (the business clock); delivered; dead: given up. A
-- re-send is a new row of the same event (the same webhook-id). Deliveries
-- of an endpoint go in id order: the next waits while an earlier one is
-- pending.
CREATE TABLE webhook_deliveries (
    id ID_PK,
    endpoint_id BIGINT NOT NULL REFERENCES webhook_endpoints (id),
    event_id BIGINT NOT NULL REFERENCES events (id),
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed', 'dead')),
    attempt INTEGER NOT NULL DEFAULT 0,
    next_at BIGINT NOT NULL,
    last_status INTEGER NOT NULL DEFAULT 0,
    answer_ms INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '',
    resent_from BIGINT,
    delivered_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_at);

-- Each attempt, for the delivery log.
CREATE TABLE webhook_attempts (
    id ID_PK,
    delivery_id BIGINT NOT NULL REFERENCES webhook_deliveries (id),
    at BIGINT NOT NULL,
    status INTEGER NOT NULL,
    answer_ms INTEGER NOT NULL,
    error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);
