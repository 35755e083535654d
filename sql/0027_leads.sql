-- 0027 leads: how the provider hands the clients of its own registration
-- pages to partners (issue 14, R-ONB-7). The lead itself is 0024's `leads`
-- row; here are the rules that route it, the history of every offer, and
-- the partners that take part in a promotion.

-- Who offered the current offer (NULL: the `leads` job by a rule) and by
-- which rule; both are copied into lead_offers as well.
ALTER TABLE leads ADD COLUMN rule_id BIGINT;
ALTER TABLE leads ADD COLUMN offered_by BIGINT REFERENCES persons (id);

-- The routing rules, as data the provider edits: tried in `position`
-- order; a rule applies to a lead whose region is `region` (compared
-- without case and surrounding spaces; '' is any region). Its partners are
-- lead_rule_partners in their order; csk_first puts the partners holding
-- `csk` on the day before the others; promotion_id keeps only the partners
-- taking part in that promotion. last_partner_id is the round-robin
-- cursor: the partner the rule gave the last lead to; it moves in the
-- transaction of the offer, under the rule's row lock.
CREATE TABLE lead_rules (
    id ID_PK,
    position BIGINT NOT NULL,
    region TEXT NOT NULL DEFAULT '',
    csk_first BIGINT NOT NULL DEFAULT 0,
    promotion_id BIGINT REFERENCES promotions (id),
    last_partner_id BIGINT REFERENCES accounts (id),
    turns BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE lead_rule_partners (
    rule_id BIGINT NOT NULL REFERENCES lead_rules (id),
    position BIGINT NOT NULL,
    partner_id BIGINT NOT NULL REFERENCES accounts (id),
    PRIMARY KEY (rule_id, position)
);

-- Every offer of a lead to a partner and how it ended: accepted, declined,
-- expired (not answered within --lead-accept-days) or NULL while open. A
-- partner that declined or let an offer expire is not offered that lead
-- again by the rules.
CREATE TABLE lead_offers (
    id ID_PK,
    lead_id BIGINT NOT NULL REFERENCES leads (id),
    partner_id BIGINT NOT NULL REFERENCES accounts (id),
    rule_id BIGINT,
    offered_by BIGINT REFERENCES persons (id),
    offered_at BIGINT NOT NULL,
    outcome TEXT CHECK (outcome IN ('accepted', 'declined', 'expired')),
    answered_at BIGINT,
    answered_by BIGINT REFERENCES persons (id)
);
CREATE INDEX lead_offers_lead ON lead_offers (lead_id, partner_id);

-- The partners the provider took into a promotion (the guide: «Фирма «1С»
-- проводит акции и подключает к ним активных партнеров, например, лиды с
-- сайта»).
CREATE TABLE promotion_partners (
    promotion_id BIGINT NOT NULL REFERENCES promotions (id),
    partner_id BIGINT NOT NULL REFERENCES accounts (id),
    joined_at BIGINT NOT NULL,
    joined_by BIGINT REFERENCES persons (id),
    PRIMARY KEY (promotion_id, partner_id)
);
