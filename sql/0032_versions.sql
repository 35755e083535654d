-- 0032 application versions and their roll-out (issue 15; docs/rules.md R-DA-2,
-- model/areas/version.h).

-- A version of an application the provider published: first a test release ('test': only
-- test areas may be moved to it, by the subscriber's owner or administrators or the serving
-- partner's owners and operators), then released ('released': a roll-out moves every area of
-- the application to it). One row per application and version name.
CREATE TABLE app_versions (
    id ID_PK,
    application_id BIGINT NOT NULL REFERENCES applications (id),
    version TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'test' CHECK (state IN ('test', 'released')),
    notes TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    created_by BIGINT REFERENCES persons (id),
    released_at BIGINT,
    released_by BIGINT REFERENCES persons (id),
    UNIQUE (application_id, version)
);

-- A roll-out of a released version to the areas of its application, in waves of wave_size
-- areas (--rollout-wave when it began). running → done, or paused and resumed by people;
-- one roll-out of an application at a time (the partial unique index).
CREATE TABLE rollouts (
    id ID_PK,
    application_id BIGINT NOT NULL REFERENCES applications (id),
    version_id BIGINT NOT NULL REFERENCES app_versions (id),
    state TEXT NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'paused', 'done')),
    wave_size BIGINT NOT NULL,
    waves BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    created_by BIGINT REFERENCES persons (id),
    updated_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE UNIQUE INDEX rollouts_active ON rollouts (application_id) WHERE state <> 'done';
CREATE INDEX rollouts_state ON rollouts (state, id);

-- One area of a roll-out: pending (wave 0: not reached yet; wave > 0: its wave began, it
-- waits for its sessions to close until update_at, when they are closed) → updating (the
-- area's phase is 'updating' and an area.version task runs) → updated, or failed with the
-- backend's reason (a retry puts it back to pending in a new wave). tries counts the tasks.
CREATE TABLE rollout_areas (
    rollout_id BIGINT NOT NULL REFERENCES rollouts (id),
    area_id BIGINT NOT NULL REFERENCES areas (id),
    state TEXT NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'updating', 'updated', 'failed')),
    wave BIGINT NOT NULL DEFAULT 0,
    from_version TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    update_at BIGINT,
    tries BIGINT NOT NULL DEFAULT 0,
    task_id BIGINT,
    started_at BIGINT,
    finished_at BIGINT,
    PRIMARY KEY (rollout_id, area_id)
);
CREATE INDEX rollout_areas_state ON rollout_areas (rollout_id, state, wave, area_id);
CREATE INDEX rollout_areas_area ON rollout_areas (area_id, state);
CREATE INDEX areas_app_version ON areas (application_id, version);
