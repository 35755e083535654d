-- 0012 audit params: what a record's sentence needs, as JSON text (issue 11).
-- The summary stays the record's plain-text account for people reading the
-- table or an export; params holds the same facts structured (the object's
-- name, the tariff with its names in both languages, prices in kopecks,
-- dates, the discount, roles) so the cabinet can say it in the reader's
-- language. NULL for records written before it and for writers with nothing
-- to add. It is part of the hash chain when present: a record without it
-- hashes exactly as before (docs/decisions.md, "Audit records as sentences").
ALTER TABLE audit ADD COLUMN params TEXT;
