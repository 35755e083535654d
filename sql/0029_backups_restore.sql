-- 0029 backups and restores of data areas (issue 15, part backups; R-DA-2, R-DA-5).
--
-- A restore puts a stored copy (area_backups) back into an area: into the area it was made
-- of (its current state first backed up as a 'before_restore' copy, before_id) or into a new
-- area of the same subscriber and application (into_new). The area's phase is 'restoring'
-- while the row is 'running'; the task `area.restore` ends both in one transaction: 'done',
-- or 'failed' with the error (the area is left as it was: the backend's restore is all or
-- nothing). A restore whose server died is taken up again by its task after the lease.
CREATE TABLE area_restores (
    id ID_PK,
    area_id BIGINT NOT NULL REFERENCES areas (id),
    backup_id BIGINT NOT NULL REFERENCES area_backups (id),
    before_id BIGINT REFERENCES area_backups (id),
    into_new BIGINT NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'done', 'failed')),
    error TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    created_by BIGINT REFERENCES persons (id),
    finished_at BIGINT
);
CREATE INDEX area_restores_area ON area_restores (area_id, id);
CREATE INDEX area_restores_state ON area_restores (state, id);

-- Copies deleted by retention whose object is still to be removed from the store (object is
-- emptied once it is): the backups job finds them through this index, O(to delete).
CREATE INDEX area_backups_unlinked ON area_backups (id) WHERE state = 'deleted' AND object <> '';

-- The daily job's copies of one day, to give each its task (O(areas) a day).
CREATE INDEX area_backups_day ON area_backups (day, id) WHERE kind = 'daily';
