-- 0031 copies of data areas to download and upload (issue 15; R-DA-5, R-SUB-7).
-- A download link: a random token (only its SHA-256 is kept) that serves one stored copy of an
-- area (area_backups: an export, a backup, an archive) for a day. The link is not a bearer of
-- rights of its own: every request re-checks that the person who made it (and the API token it
-- was made with, if any) may still manage the area's subscriber, so a removed administrator's
-- link stops at once. expires_at = created_at + 24 h; a link exactly 24 h old is expired.
CREATE TABLE download_links (
    id ID_PK,
    token_hash TEXT NOT NULL UNIQUE,
    backup_id BIGINT NOT NULL REFERENCES area_backups (id),
    created_by BIGINT NOT NULL REFERENCES persons (id),
    token_id BIGINT REFERENCES api_tokens (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX download_links_backup ON download_links (backup_id);
CREATE INDEX download_links_expires ON download_links (expires_at);
