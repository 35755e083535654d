-- 0019 reminders: a partner's own list of reminder offsets (R-NOT-1, issue
-- 13). NULL: the provider's list (--reminder-offsets). Text such as
-- '-7,-3,0,5': days from L, the last day of access; the provider sets it
-- (PATCH /api/v1/partners/{id}, reminder_offsets).
ALTER TABLE partners ADD COLUMN reminder_offsets TEXT;
