-- 0017 distributors: one INN is one firm (R-BIL-1).
--
-- Two distributors with one INN would split a firm's statements between two
-- records; the model checks first and says so by field, and this index keeps
-- it true when two admins add the same firm at once.
CREATE UNIQUE INDEX distributors_inn ON distributors (inn) WHERE inn <> '';
