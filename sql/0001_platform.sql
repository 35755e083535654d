-- 0001 platform: settings, the job runner's leases and history, queued tasks.
--
-- Portable SQL: ID_PK is an auto-increment int64 key, instants are BIGINT UTC
-- seconds, civil dates are TEXT 'YYYY-MM-DD'.

-- Installation-wide settings: the service time zone (recorded by init) and
-- the test clock's offset.
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- One row per periodic job: who holds it now and until when (real time), and
-- the last period it completed, so another node skips a period already done.
CREATE TABLE job_leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL DEFAULT '',
    expires_at BIGINT NOT NULL DEFAULT 0,
    last_period TEXT NOT NULL DEFAULT ''
);

-- What each run did. (name, period) is unique: a period runs once.
CREATE TABLE job_runs (
    id ID_PK,
    name TEXT NOT NULL,
    period TEXT NOT NULL,
    node TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT NOT NULL,
    result TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    UNIQUE (name, period)
);

-- Queued tasks: claimed by one runner (FOR UPDATE SKIP LOCKED on
-- PostgreSQL), retried with back-off until max_attempts, the last error kept.
-- unique_key makes enqueueing idempotent.
CREATE TABLE tasks (
    id ID_PK,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'running', 'done', 'failed')),
    unique_key TEXT UNIQUE,
    attempts BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL DEFAULT 8,
    run_after BIGINT NOT NULL,
    locked_by TEXT,
    locked_until BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX tasks_due ON tasks (state, run_after);

-- Written only by the 'test.note' task kind, which exists only on servers
-- started with --test-clock: it lets the tests prove that each task runs
-- exactly once across nodes.
CREATE TABLE test_notes (
    id ID_PK,
    task_id BIGINT NOT NULL,
    note TEXT NOT NULL,
    node TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
