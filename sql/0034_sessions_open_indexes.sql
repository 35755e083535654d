-- 0034 fewer index entries moved by a session's close (issue 16; bench/README.md,
-- "Session admission through HTTP").
--
-- The open-session indexes of 0009 held closed_at in their keys, so every close moved
-- three entries (delete at "open", insert at "closed at T") in trees that grew with
-- every session ever opened, each on a page of its own: most of the pages a batch of
-- admissions and closes wrote to the log. The open sessions are what admission, the
-- heartbeat, the expiry and the area's count ask for: they get partial indexes that
-- hold only the open rows (a close deletes the entry from a tree as small as the open
-- sessions, usually on a page the batch writes anyway). A person's listing of every
-- session, closed ones included, keeps an index whose entry never moves: (person_id, id),
-- which also serves its newest-first order.
DROP INDEX app_sessions_open;
DROP INDEX app_sessions_area;
DROP INDEX app_sessions_person;
CREATE INDEX app_sessions_open ON app_sessions (subscriber_id, seen_at) WHERE closed_at IS NULL;
CREATE INDEX app_sessions_area_open ON app_sessions (area_id) WHERE closed_at IS NULL;
CREATE INDEX app_sessions_person_open ON app_sessions (person_id, subscriber_id) WHERE closed_at IS NULL;
CREATE INDEX app_sessions_person ON app_sessions (person_id, id);
