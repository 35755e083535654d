-- 0023 digests: the Monday digest to a partner's operators (R-NOT-2, issue 13).
--
-- One row per partner and Monday once its digest is made, so a second run of
-- the job (by hand, or another node) sends nothing more: the row is inserted
-- first in the digest's transaction, and a run that finds it there already
-- stops. An empty digest that is not sent (--digest-when-empty off) leaves no
-- row. ending and ended count the rows of the two lists.
CREATE TABLE digests (
    partner_id BIGINT NOT NULL REFERENCES accounts (id),
    monday TEXT NOT NULL,
    ending BIGINT NOT NULL,
    ended BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (partner_id, monday)
);

-- The mails of a digest, one per operator.
CREATE TABLE digest_mails (
    partner_id BIGINT NOT NULL,
    monday TEXT NOT NULL,
    person_id BIGINT NOT NULL REFERENCES persons (id),
    outbox_id BIGINT NOT NULL REFERENCES outbox (id),
    PRIMARY KEY (partner_id, monday, person_id),
    FOREIGN KEY (partner_id, monday) REFERENCES digests (partner_id, monday)
);
