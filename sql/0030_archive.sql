-- 0030 trials that were never paid (issue 15 item 5; docs/rules.md R-SUB-7a): archived after
-- --trial-archive-days, the archive deleted --trial-delete-days later, both off by default.
--
-- One row per subscriber the rule has reached: its trial ended on last_day (L, access_ends'
-- 'trial' chain) and it never had a main, extension or local ITS subscription posted.
--   state   noticed         the owner was told the areas will be archived on next_day
--           archiving       the areas are being archived (phase 'archiving', task area.archive)
--           archived        every area archived on archived_day; the deletion notice is due
--                           on next_day
--           delete_noticed  the owner was told the archive is deleted on next_day
--           deleted         the archives are deleted, the areas 'deleted' (final)
--           unarchiving     a paid main was posted: the areas come back (task area.unarchive)
--           paid            a paid main was posted; nothing is (or is any longer) archived
--                           (final)
-- next_day: the day the next step is due (TEXT YYYY-MM-DD, computed in C); the daily job reads
-- trial_archives_due (state, next_day), so a pass reads what is due only. The new candidates
-- come from access_ends_day in (the last day scanned, today - N + D] (settings key
-- 'trial_archive.scanned_through').
CREATE TABLE trial_archives (
    subscriber_id BIGINT PRIMARY KEY REFERENCES accounts (id),
    last_day TEXT NOT NULL,
    state TEXT NOT NULL
        CHECK (state IN ('noticed', 'archiving', 'archived', 'delete_noticed', 'deleted',
                         'unarchiving', 'paid')),
    next_day TEXT NOT NULL,
    noticed_day TEXT NOT NULL,
    archived_day TEXT,
    delete_noticed_day TEXT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX trial_archives_due ON trial_archives (state, next_day);
