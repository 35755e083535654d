-- 0014 transfers of a client to another partner (R-TRF-1).
--
-- The client writes a letter to the partner it wants; that (new) partner
-- uploads the scan and files a transfer. The provider forwards it to the
-- partner serving the client now, who agrees or objects by a deadline
-- (silence counts as agreement); the provider then approves or rejects.
-- Approval moves subscribers.partner_id; posted subscriptions keep the
-- partner that posted them.

-- The client's letter, kept in the database so that every node serves it.
-- Uploaded by an employee of the new partner before filing; a transfer
-- takes it once (transfers.letter_id is unique).
CREATE TABLE transfer_letters (
    id ID_PK,
    partner_id BIGINT NOT NULL REFERENCES accounts (id),
    uploaded_by BIGINT REFERENCES persons (id),
    uploaded_at BIGINT NOT NULL,
    file_name TEXT NOT NULL DEFAULT '',
    content_type TEXT NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png')),
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX transfer_letters_partner ON transfer_letters (partner_id, id);

CREATE TABLE transfers (
    id ID_PK,
    subscriber_id BIGINT NOT NULL REFERENCES accounts (id),
    from_partner_id BIGINT NOT NULL REFERENCES accounts (id),
    to_partner_id BIGINT NOT NULL REFERENCES accounts (id),
    letter_id BIGINT NOT NULL UNIQUE REFERENCES transfer_letters (id),
    reason TEXT NOT NULL,
    -- filed → forwarded → approved | rejected (rejected also straight from filed)
    state TEXT NOT NULL DEFAULT 'filed'
        CHECK (state IN ('filed', 'forwarded', 'approved', 'rejected')),
    filed_by BIGINT REFERENCES persons (id),
    filed_at BIGINT NOT NULL,
    forwarded_by BIGINT REFERENCES persons (id),
    forwarded_at BIGINT,
    answer_due BIGINT,                -- the instant the current partner's answer is due
    answer TEXT CHECK (answer IN ('agree', 'object')),
    answer_comment TEXT NOT NULL DEFAULT '',
    answered_by BIGINT REFERENCES persons (id),
    answered_at BIGINT,
    decided_by BIGINT REFERENCES persons (id),
    decided_at BIGINT,
    decision_note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX transfers_to ON transfers (to_partner_id, id);
CREATE INDEX transfers_from ON transfers (from_partner_id, id);
CREATE INDEX transfers_subscriber ON transfers (subscriber_id, state);
