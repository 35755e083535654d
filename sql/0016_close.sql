-- 0016: the correcting lines of the first open month (R-BIL-3) start from the
-- partner's subscriptions a request touched (request_id set, a few among
-- many): without this index a run read every subscription the partner ever
-- had, for each partner, to find them (model/statements/correction.c).
CREATE INDEX subscriptions_partner_request ON subscriptions (partner_id, request_id);
