-- Access that ends with its reason (issue 9).

-- The time step (30 s) of the last second-factor code accepted for the
-- person: a code is accepted once, and never one of an earlier step.
ALTER TABLE persons ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;

-- Why a grant ended when its owner did not revoke it: the employee left the
-- partner ('employee_removed'), the client moved to another partner or left
-- it ('partner_changed'). NULL for a grant revoked by the owner or still on.
ALTER TABLE area_grants ADD COLUMN ended_reason TEXT;
