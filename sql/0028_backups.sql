-- 0028 the data-area lifecycle (issue 15; docs/rules.md R-DA-2, R-DA-5, R-SUB-7): what an
-- area is doing besides its state, and the copies of areas kept in the backup store.
-- Later migrations of the issue (0029 backups, 0030 archive, 0031 copies, 0032 versions) add
-- what only one part needs.

-- What an area is doing besides its state: '' (nothing), 'restoring' (a backup is being
-- restored into it), 'updating' (its backend moves it to another application version),
-- 'archiving', 'archived' (the backend's copy deleted, the archive kept in the store),
-- 'unarchiving'. No session opens while phase is not ''. phase_at: when it began (real
-- time), so a phase left by a killed server is seen and finished or undone.
ALTER TABLE areas ADD COLUMN phase TEXT NOT NULL DEFAULT '';
ALTER TABLE areas ADD COLUMN phase_at BIGINT;

-- A copy of an area in the backup store (src/store/store.h):
--   kind  daily (the daily job; one per area and service day), manual (the owner asked),
--         before_restore (the area's state just before a restore), before_update (before a
--         version roll-out changes it), archive (the last copy of an archived trial), export
--         (a copy for an on-premises installation, downloaded by a link), upload (a copy a
--         client uploaded to create a new area from; area_id is that new area)
--   state queued → storing → stored (or failed, with the error; a failed one is retried by its
--         task); deleted once retention or the archive rule removed the object. Only 'stored'
--         rows are listed as backups: a copy half-written when the server died is never listed.
--   object its name in the store; sha256 the lower-case hex of its bytes, as the backend
--         announced and the store's read-back confirmed (verified_at).
CREATE TABLE area_backups (
    id ID_PK,
    area_id BIGINT NOT NULL REFERENCES areas (id),
    kind TEXT NOT NULL
        CHECK (kind IN ('daily', 'manual', 'before_restore', 'before_update', 'archive', 'export', 'upload')),
    state TEXT NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'storing', 'stored', 'failed', 'deleted')),
    day TEXT,
    object TEXT NOT NULL DEFAULT '',
    size BIGINT NOT NULL DEFAULT 0,
    sha256 TEXT NOT NULL DEFAULT '',
    version TEXT NOT NULL DEFAULT '',
    attempts BIGINT NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '',
    task_id BIGINT,
    created_at BIGINT NOT NULL,
    created_by BIGINT REFERENCES persons (id),
    stored_at BIGINT,
    verified_at BIGINT,
    expires_at BIGINT,
    deleted_at BIGINT
);
CREATE INDEX area_backups_area ON area_backups (area_id, state, id);
CREATE INDEX area_backups_state ON area_backups (state, created_at);
-- the daily job run twice, or on two nodes, makes one daily backup per area and day
CREATE UNIQUE INDEX area_backups_daily ON area_backups (area_id, day) WHERE kind = 'daily';
