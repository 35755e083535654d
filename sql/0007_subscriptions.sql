-- 0007 subscriptions (R-SUB-0..8, R-BIL-2): what binds a subscriber to
-- a tariff for [start, end). Dates are TEXT 'YYYY-MM-DD', end exclusive, and
-- computed in C (model/subscription.c), never in SQL. Money is BIGINT
-- kopecks. A paid row keeps the snapshot billing needs: the tariff version,
-- the retail price of the standard tariff on the posting date (and a partner
-- tariff's own retail), the discount and the rule that chose it, the amount
-- due, and the partner's declarations.
CREATE TABLE subscriptions (
    id ID_PK,
    subscriber_id BIGINT NOT NULL REFERENCES accounts (id),
    kind TEXT NOT NULL CHECK (kind IN ('trial', 'main', 'extension', 'short_extension',
                                       'deferred_renewal', 'its_local')),
    tariff_id BIGINT NOT NULL REFERENCES tariffs (id),
    tariff_version_id BIGINT NOT NULL REFERENCES tariff_versions (id),
    partner_id BIGINT REFERENCES accounts (id),
    main_id BIGINT REFERENCES subscriptions (id),
    start TEXT NOT NULL,
    "end" TEXT NOT NULL,
    term_months BIGINT NOT NULL DEFAULT 0,
    quantity BIGINT NOT NULL DEFAULT 1,
    price BIGINT NOT NULL DEFAULT 0,
    partner_price BIGINT,
    discount_pct BIGINT NOT NULL DEFAULT 0,
    discount_rule TEXT NOT NULL DEFAULT '',
    amount_due BIGINT NOT NULL DEFAULT 0,
    declared_new_client BIGINT NOT NULL DEFAULT 0,
    declared_from_local_its BIGINT NOT NULL DEFAULT 0,
    its_contract_id BIGINT REFERENCES its_contracts (id),
    state TEXT NOT NULL DEFAULT 'posted' CHECK (state IN ('posted', 'cancelled')),
    posted_at BIGINT NOT NULL,
    posted_by BIGINT REFERENCES persons (id),
    reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX subscriptions_subscriber ON subscriptions (subscriber_id, start);
CREATE INDEX subscriptions_partner_end ON subscriptions (partner_id, "end");
CREATE INDEX subscriptions_version ON subscriptions (tariff_version_id);
