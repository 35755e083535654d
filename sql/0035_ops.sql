-- 0035 what an operator watches (issue 16, docs/deploy.md "Operating").
--
-- /metrics counts the sessions open now at every scrape (oblako_app_sessions_open). Sessions
-- are never deleted, so a count over app_sessions grows with every session ever opened; this
-- partial index holds only the open ones, so the count reads as many entries as there are
-- open sessions. Its cost: one index entry written when a session opens and removed when it
-- closes (docs/decisions.md, "Business metrics read at scrape time"). Keyed by closed_at itself,
-- so the planners search it for `closed_at IS NULL` (keyed by id, SQLite preferred a scan of a
-- whole covering index).
CREATE INDEX app_sessions_not_closed ON app_sessions (closed_at) WHERE closed_at IS NULL;
