-- 0004 audit seal: what the 'audit-seal' job (jobs/audit_seal.c) keeps
-- beside the hash chain in audit.seal_hash, so that `oblako audit verify`
-- can tell a deleted record from an id that was never committed.

-- One row per sealed batch: the records with prev_upto < id <= upto_id that
-- carry a seal_hash, how many they were, and the seal_hash of the last one.
-- prev_upto is unique, so two sealers can never both extend the same chain.
CREATE TABLE audit_seals (
    id ID_PK,
    prev_upto BIGINT NOT NULL UNIQUE,
    upto_id BIGINT NOT NULL UNIQUE,
    records BIGINT NOT NULL,
    hash TEXT NOT NULL,
    sealed_at BIGINT NOT NULL
);

-- Holes in the audit ids seen by the sealer: ids after_id < id < before_id
-- were missing when it first looked (seen_at, real time). A hole is sealed
-- over (accepted = 1) only once it has stayed empty for a safety margin;
-- until then sealing stops before it. Unaccepted rows are dropped when the
-- hole fills.
CREATE TABLE audit_gaps (
    before_id BIGINT PRIMARY KEY,
    after_id BIGINT NOT NULL,
    seen_at BIGINT NOT NULL,
    accepted BIGINT NOT NULL DEFAULT 0
);

-- ?actor= of GET /api/v1/audit.
CREATE INDEX audit_actor ON audit (actor_person, id);
