-- 0005 idempotency keys: the answers of creating POSTs sent with an
-- Idempotency-Key header (model/idempotency.c), kept 24 hours of business
-- time so that a retried request gets the first answer instead of making a
-- second object.

-- One row per (actor, key). The key itself is not kept, only a hash of it:
-- the stored body is encrypted with another hash of the key (an answer may
-- carry a secret shown once, such as a new API token), so the table alone
-- does not reveal it. A row is 'pending' while the first request runs (its
-- holder until locked_until, real time; a holder that died is taken over
-- after that) and 'done' with the answer once it has finished.
CREATE TABLE idempotency_keys (
    actor TEXT NOT NULL,
    key_hash TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done')),
    holder TEXT NOT NULL,
    locked_until BIGINT NOT NULL,
    status BIGINT,
    content_type TEXT,
    body TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (actor, key_hash)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
