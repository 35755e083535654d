-- 0015 usage metering of cash registers (R-CAT-6).
--
-- An application backend reports, signed, the receipts each cash register
-- of a data area sent on a day. usage_reports keeps each report once per
-- application and report id (a retry answers the stored one; the same id
-- with another body is refused); usage_days keeps one row per (subscriber,
-- register, day): the count of the latest report that named it. Whether a
-- register is chargeable for a month is computed from these rows and the
-- catalog's dated allowances at each statement run, never stored.
CREATE TABLE usage_reports (
    id ID_PK,
    application_id BIGINT NOT NULL REFERENCES applications (id),
    report_key TEXT NOT NULL,
    body_hash TEXT NOT NULL,
    subscriber_id BIGINT NOT NULL REFERENCES accounts (id),
    area_id BIGINT NOT NULL REFERENCES areas (id),
    day TEXT NOT NULL,
    registers BIGINT NOT NULL,
    receipts BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    UNIQUE (application_id, report_key)
);

CREATE TABLE usage_days (
    subscriber_id BIGINT NOT NULL REFERENCES accounts (id),
    register_id TEXT NOT NULL,
    day TEXT NOT NULL,
    model TEXT NOT NULL,
    receipts BIGINT NOT NULL,
    area_id BIGINT NOT NULL REFERENCES areas (id),
    report_id BIGINT NOT NULL REFERENCES usage_reports (id),
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (subscriber_id, register_id, day)
);
CREATE INDEX usage_days_day ON usage_days (day, subscriber_id);

-- What closed statements charged a client for a register-month: the usage
-- and correcting lines of that usage_month (model/usage/lines.c).
CREATE INDEX statement_lines_usage ON statement_lines (subscriber_id, usage_month);
