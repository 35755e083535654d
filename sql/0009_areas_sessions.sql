-- 0009 data areas, application sessions and partner access grants
-- (docs/rules.md R-DA-1..4, R-ACT-4; the protocol with application backends is in
-- docs/app-backend.md).

-- The secret an application's backend and Oblako sign their calls with
-- (HMAC-SHA256). Never shown again once set.
ALTER TABLE applications ADD COLUMN backend_secret TEXT NOT NULL DEFAULT '';

-- A data area: one database of one application for one subscriber. area_key
-- names it to the backend. An area in the deleted-areas bin is 'deleting'
-- with purge_at; after purge_at the backend is told to delete it and it
-- becomes 'deleted'. demo: made with the application's demo content.
CREATE TABLE areas (
    id ID_PK,
    subscriber_id BIGINT NOT NULL REFERENCES accounts (id),
    application_id BIGINT NOT NULL REFERENCES applications (id),
    area_key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    test BIGINT NOT NULL DEFAULT 0,
    demo BIGINT NOT NULL DEFAULT 0,
    state TEXT NOT NULL CHECK (state IN ('creating', 'ready', 'failed', 'deleting', 'deleted')),
    reason TEXT NOT NULL DEFAULT '',
    version TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    created_by BIGINT REFERENCES persons (id),
    ready_at BIGINT,
    deleted_at BIGINT,
    deleted_by BIGINT REFERENCES persons (id),
    purge_at BIGINT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX areas_subscriber ON areas (subscriber_id, id);
CREATE INDEX areas_purge ON areas (state, purge_at);

-- A partner employee's access to one area until a day (inclusive).
CREATE TABLE area_grants (
    id ID_PK,
    subscriber_id BIGINT NOT NULL REFERENCES accounts (id),
    area_id BIGINT NOT NULL REFERENCES areas (id),
    person_id BIGINT NOT NULL REFERENCES persons (id),
    partner_id BIGINT NOT NULL REFERENCES accounts (id),
    until TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by BIGINT REFERENCES persons (id),
    revoked_at BIGINT,
    revoked_by BIGINT REFERENCES persons (id)
);
CREATE INDEX area_grants_subscriber ON area_grants (subscriber_id, id);
CREATE INDEX area_grants_person ON area_grants (person_id, area_id);

-- An application window open by one person in one area. It is open while
-- closed_at is NULL and it was seen (opened, launched, heartbeat) within the
-- idle time; admission closes stale ones as 'expired' before it counts.
-- Only a hash of the single-use launch token is kept.
CREATE TABLE app_sessions (
    id ID_PK,
    subscriber_id BIGINT NOT NULL REFERENCES accounts (id),
    area_id BIGINT NOT NULL REFERENCES areas (id),
    person_id BIGINT NOT NULL REFERENCES persons (id),
    grant_id BIGINT REFERENCES area_grants (id),
    launch_hash TEXT,
    launch_until BIGINT,
    launched_at BIGINT,
    opened_at BIGINT NOT NULL,
    seen_at BIGINT NOT NULL,
    blocked_since BIGINT,
    closed_at BIGINT,
    close_reason TEXT
);
CREATE INDEX app_sessions_open ON app_sessions (subscriber_id, closed_at, seen_at);
CREATE INDEX app_sessions_area ON app_sessions (area_id, closed_at);
CREATE INDEX app_sessions_person ON app_sessions (person_id, closed_at);
CREATE INDEX app_sessions_subscriber ON app_sessions (subscriber_id, id);
CREATE INDEX app_sessions_grant ON app_sessions (grant_id, closed_at) WHERE grant_id IS NOT NULL;

-- Every admission, close and expiry, written in the transaction that made
-- it. Per subscriber, id order is commit order (every change of its open
-- sessions holds its lock: SQLite's write lock, PostgreSQL's row lock on
-- subscribers), so replaying it gives the concurrent count at every moment;
-- session_limit and user_limit are the limits the admission was checked
-- against (NULL: none).
CREATE TABLE session_history (
    id ID_PK,
    session_id BIGINT NOT NULL REFERENCES app_sessions (id),
    subscriber_id BIGINT NOT NULL REFERENCES accounts (id),
    person_id BIGINT NOT NULL REFERENCES persons (id),
    area_id BIGINT NOT NULL REFERENCES areas (id),
    event TEXT NOT NULL CHECK (event IN ('open', 'close', 'expire')),
    reason TEXT NOT NULL DEFAULT '',
    at BIGINT NOT NULL,
    session_limit BIGINT,
    user_limit BIGINT
);
CREATE INDEX session_history_subscriber ON session_history (subscriber_id, id);
