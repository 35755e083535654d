-- 0025 invitations (issue 14, R-ONB-1..3): the owner invitation a sign-up
-- by code sends keeps the password the client typed, so that following the
-- emailed link confirms the address and the login works with that password
-- without asking for it again. Only its argon2id hash is kept, and only for
-- an address that had no password (an existing login keeps its own); it is
-- used once, when the invitation is accepted.
ALTER TABLE member_invites ADD COLUMN password_hash TEXT;

-- The list «Приглашения для регистрации» reads a partner's codes newest
-- first (signup_invitations_partner); activation looks a code up by its
-- UNIQUE index.
