-- 0033 the principal's generation (issue 16 item 2; model/identity/principal.h).
--
-- Every node keeps the sessions, API tokens and memberships it has seen in memory. A cached
-- one is good only while its person's auth_gen is the number it was read with: each request
-- re-reads this column (one read by primary key), and every change that must end or narrow
-- access at once bumps it in the same transaction: a session ended or switched to another
-- account, a token revoked, a membership added, changed or removed, a password, name,
-- language or second factor changed, an account renamed. A person disabled or deleted is
-- refused by the same read, bump or not.
ALTER TABLE persons ADD COLUMN auth_gen BIGINT NOT NULL DEFAULT 0;
