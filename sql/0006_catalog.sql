-- 0006 catalog: applications, tariffs with versioned options, prices with
-- validity, promotions, and the local ITS contracts the provider keeps
-- (R-CAT-1..5, R-SUB-6). The standard catalog is not here: it is data
-- (data/catalog.json), loaded by `oblako init` (model/catalog.c).
--
-- Civil dates are TEXT 'YYYY-MM-DD'; every valid_to is exclusive and NULL
-- means open-ended. Money is BIGINT kopecks.

-- Applications (R-CAT-1). lists is a comma-separated set of named lists the
-- application belongs to ("prof" is the PROF list); restricted_to is the
-- partner status needed to connect clients to it (R-CAT-4).
CREATE TABLE applications (
    id ID_PK,
    code TEXT NOT NULL UNIQUE,
    name_ru TEXT NOT NULL,
    name_en TEXT NOT NULL,
    version TEXT NOT NULL DEFAULT '',
    backend_url TEXT NOT NULL DEFAULT '',
    restricted_to TEXT CHECK (restricted_to IN ('csk', 'erp_cc', 'corp_list', 'cso')),
    free BIGINT NOT NULL DEFAULT 0,
    lists TEXT NOT NULL DEFAULT '',
    active BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Tariffs (R-CAT-2). A standard tariff has partner_id NULL; a partner tariff
-- (R-CAT-3) names its partner and the standard tariff it is built on, whose
-- options it shares. current_version_id is the version new subscriptions
-- get; what a tariff entitles lives in tariff_versions.options (JSON,
-- docs/catalog.md).
CREATE TABLE tariffs (
    id ID_PK,
    code TEXT NOT NULL,
    name_ru TEXT NOT NULL,
    name_en TEXT NOT NULL,
    kind TEXT NOT NULL
        CHECK (kind IN ('trial', 'main', 'extension', 'short_extension', 'per_unit')),
    partner_id BIGINT REFERENCES accounts (id),
    base_tariff_id BIGINT REFERENCES tariffs (id),
    current_version_id BIGINT,
    active BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- A code is unique among the standard tariffs and within each partner's.
CREATE UNIQUE INDEX tariffs_code ON tariffs (COALESCE(partner_id, 0), code);
CREATE INDEX tariffs_partner ON tariffs (partner_id, id);

-- Versions of a tariff's options. A change of a tariff that some
-- subscription references (subscriptions.tariff_version_id) makes a new
-- version; one no subscription references is changed in place.
CREATE TABLE tariff_versions (
    id ID_PK,
    tariff_id BIGINT NOT NULL REFERENCES tariffs (id),
    version BIGINT NOT NULL,
    options TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by BIGINT,
    UNIQUE (tariff_id, version)
);

-- Prices of a tariff per term, in force [valid_from, valid_to). term is in
-- months; 0 is the price of the tariff's fixed period in days (trial, short
-- extension). placeholder marks a price the seed does not give (*cfg*).
CREATE TABLE tariff_prices (
    id ID_PK,
    tariff_id BIGINT NOT NULL REFERENCES tariffs (id),
    term BIGINT NOT NULL CHECK (term IN (0, 1, 3, 6, 12)),
    amount BIGINT NOT NULL CHECK (amount >= 0),
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    placeholder BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    created_by BIGINT
);
CREATE INDEX tariff_prices_tariff ON tariff_prices (tariff_id, term, valid_from);

-- Promotions with validity dates (R-CAT-5): a free period, a free first
-- cash register, an offer. params is JSON the rule that applies it reads.
CREATE TABLE promotions (
    id ID_PK,
    code TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    name_ru TEXT NOT NULL,
    name_en TEXT NOT NULL,
    tariff_id BIGINT REFERENCES tariffs (id),
    application_id BIGINT REFERENCES applications (id),
    params TEXT NOT NULL DEFAULT '{}',
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    created_at BIGINT NOT NULL
);

-- Levels of a local ITS contract and the tariff each is connected with
-- (R-SUB-6: PROF → ITSaaS-PROF, TEHNO → ITSaaS-BASIC).
CREATE TABLE its_levels (
    code TEXT PRIMARY KEY,
    name_ru TEXT NOT NULL,
    name_en TEXT NOT NULL,
    tariff_code TEXT NOT NULL
);

-- Local ITS contracts kept by the provider (R-SUB-6): with a partner, for a
-- client named by its INN or by its subscriber account.
CREATE TABLE its_contracts (
    id ID_PK,
    number TEXT NOT NULL UNIQUE,
    level TEXT NOT NULL REFERENCES its_levels (code),
    partner_id BIGINT NOT NULL REFERENCES accounts (id),
    subscriber_inn TEXT NOT NULL DEFAULT '',
    subscriber_id BIGINT REFERENCES accounts (id),
    valid_from TEXT NOT NULL,
    valid_to TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    created_by BIGINT
);
CREATE INDEX its_contracts_partner ON its_contracts (partner_id, id);
CREATE INDEX its_contracts_subscriber ON its_contracts (subscriber_id);
CREATE INDEX its_contracts_inn ON its_contracts (subscriber_inn);
