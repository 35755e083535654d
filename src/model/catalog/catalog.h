/*
 * catalog.h — applications, tariffs, prices and promotions as data
 * (R-CAT-1..5).
 *
 * The catalog is rows, never constants in C: the standard catalog of
 * R-CAT-2 is a data file compiled into the binary (data/catalog.json, see
 * docs/catalog.md) that ob_catalog_load_standard inserts once; the provider
 * edits it through the API afterwards.
 *
 * A tariff's options (what it entitles) live in versions. Changing the
 * options of a tariff whose current version some subscription references
 * (ob_catalog_version_in_use) makes a new version, and the subscriptions
 * keep theirs; a version nobody references is changed in place. Prices are
 * per tariff and term with validity dates, not per version: a subscription
 * stores the price it was posted at.
 *
 * A partner tariff (R-CAT-3) is a tariff row with the partner and the
 * standard tariff it is built on: it has the base's options (its versions
 * are the base's) and its own retail prices, never below the base's price
 * for the same term on the day they are set.
 *
 * What the subscription engine calls:
 *   ob_catalog_tariff_find      a tariff by code (standard or a partner's)
 *   ob_catalog_tariff_load      a tariff by id, no access check
 *   ob_catalog_version_load     a version with its options parsed
 *   ob_catalog_price            the price of a term on a date (yearly rule)
 *   ob_catalog_app_allowed_for_partner   R-CAT-4 on a date
 *   ob_catalog_promotion_active a promotion in force on a date
 *   ob_catalog_version_in_use   does a subscription reference a version
 * Functions without an access check say so; they are for model code that
 * has checked its actor already.
 */
#ifndef OB_MODEL_CATALOG_CATALOG_H
#define OB_MODEL_CATALOG_CATALOG_H

#include <stdbool.h>
#include <stdint.h>

struct ob_ctx;
struct ob_arena;
struct ob_err;

#define OB_UNLIMITED (-1)

enum ob_tariff_kind {
    OB_TARIFF_TRIAL,
    OB_TARIFF_MAIN,
    OB_TARIFF_EXTENSION,
    OB_TARIFF_SHORT_EXTENSION,
    OB_TARIFF_PER_UNIT,
};

const char *ob_tariff_kind_name(enum ob_tariff_kind k);
/* 0 and *out, or -1 for an unknown name. */
int ob_tariff_kind_parse(const char *s, enum ob_tariff_kind *out);

/* ---- applications (R-CAT-1) ----------------------------------------------------------- */

struct ob_app {
    int64_t id, created_at, updated_at;
    const char *code, *name_ru, *name_en, *version, *backend_url;
    const char *restricted_to;      /* a partner status, or NULL */
    const char *lists;              /* "prof" or "" (comma-separated) */
    bool free, active;
    bool has_secret;                /* a backend secret is set (never shown) */
};

/* What PATCH /applications/{code} changes (NULL / -1: unchanged). */
struct ob_app_change {
    const char *name_ru, *name_en, *version, *backend_url, *backend_secret;
    int active;
};
#define OB_APP_SECRET_MIN 32
/* Change an application (provider admins); audited without the secret. */
int ob_catalog_app_update(struct ob_ctx *ctx, const char *code, const struct ob_app_change *ch);

/* Applications in id order after `after` (anyone signed in). */
int ob_catalog_apps(struct ob_ctx *ctx, int64_t after, int limit,
                    int (*fn)(const struct ob_app *, void *), void *arg);
/* An application by code, no access check. OB_ENOTFOUND naming it. */
int ob_catalog_app_find(struct ob_ctx *ctx, const char *code, struct ob_app *out);
/* Add an application (provider admins). in->id is set. 409 on a taken code. */
int ob_catalog_app_create(struct ob_ctx *ctx, struct ob_app *in);

/* R-CAT-4: may partner `partner` connect clients to application `app` on
 * civil day `day`? 0 when it may (the application is not restricted, or the
 * partner holds the status on that day: granted, valid_from <= day <
 * valid_to, not withdrawn before that day); OB_EPERM naming the status
 * when it may not; OB_ENOTFOUND for an unknown application. partner 0 is the
 * provider serving a client directly, which may connect everything. No
 * access check: it is a rule the caller applies for whoever acts. */
int ob_catalog_app_allowed_for_partner(struct ob_ctx *ctx, int64_t app, int64_t partner,
                                       int32_t day);

/* ---- tariff options ------------------------------------------------------------------- */

/* A limit on data areas for some applications: at most `areas` in all, of
 * which at most `working` working and `test` test ones (OB_UNLIMITED when
 * not limited). one_app: all areas of the rule are of one application, the
 * client's choice (the application of its first working area, R-CAT-2). */
struct ob_area_rule {
    const char **apps;          /* application codes; NULL: every app of the tariff */
    int napps;
    const char *apps_list;      /* the named list apps come from, or NULL */
    int areas, working, test;
    bool one_app;
};

struct ob_tariff_options {
    const char *services;       /* "prof", "basic", or NULL (extensions) */
    const char **apps;          /* the applications, lists expanded (after load) */
    int napps;
    const char *apps_list;      /* the named list the apps come from, or NULL */
    int choose;                 /* 0: all of apps; N: N of the client's choice */
    bool areas_unlimited;
    struct ob_area_rule *areas;
    int nareas;
    int sessions;               /* main, trial: the concurrent-session limit */
    int sessions_add;           /* extension, short extension: sessions added */
    int areas_add;              /* extension: data areas added */
    int terms[4];               /* allowed terms in months, ascending */
    int nterms;
    int days;                   /* trial, short extension: fixed length; else 0 */
    int max_term_months;        /* 0: no limit */
    const char **extends;       /* extension, per-unit: the mains it adds to; NULL: any */
    int nextends;
    const char *unit;           /* per-unit: what a unit is ("register") */
    const char *requires_status;/* a partner status needed to post it, or NULL */
    bool once_per_partner;      /* CSO-FREE */
    const char *chain;          /* main: the family of R-BIL-2's chain ("its"), or NULL */
    bool partner_own;           /* PARTNER-OWN: posted by the service, not sold */
    const char *metering;       /* R-CAT-6 settings as compact JSON, or NULL */
    const char *cfg;            /* the placeholder fields as "areas,sessions", or "" */
};

/* Parse and check an options JSON text for a tariff of kind k. Strings
 * point into arena a. Lists ("list": "prof") are kept by name in apps_list
 * and expanded by ob_catalog_version_load. On error fills err (OB_EINVAL,
 * the field named "options.<key>"). */
int ob_tariff_options_parse(const char *json, enum ob_tariff_kind k, struct ob_arena *a,
                            struct ob_tariff_options *out, struct ob_err *err);
/* May a subscription of these options run for `months`? */
bool ob_tariff_term_allowed(const struct ob_tariff_options *o, int months);

/* ---- prices --------------------------------------------------------------------------- */

struct ob_price {
    int64_t id, tariff;
    int term;                   /* months; 0: the tariff's fixed period in days */
    int64_t amount;             /* kopecks */
    int32_t from, to;           /* civil days, [from, to); to OB_UNLIMITED: open-ended */
    bool placeholder;
};

/* The price rule of R-CAT-2 over price rows: among the rows in force on
 * `day`, the price of exactly `term` where one exists (a yearly price for
 * 12), else the monthly price × term. OB_ENOTFOUND when neither is in
 * force. Pure: no database. */
int ob_price_pick(const struct ob_price *rows, int n, int term, int32_t day, int64_t *amount);
/* The price of tariff `tariff` for `term` months (0: its fixed period) on
 * `day`, by ob_price_pick over its rows. No access check. OB_ENOTFOUND
 * (field "term") when the tariff has no price for it on that day. */
int ob_catalog_price(struct ob_ctx *ctx, int64_t tariff, int term, int32_t day,
                     int64_t *amount);
/* Every price row of a tariff, by term and start. No access check. */
int ob_catalog_prices(struct ob_ctx *ctx, int64_t tariff,
                      int (*fn)(const struct ob_price *, void *), void *arg);

/* ---- tariffs -------------------------------------------------------------------------- */

struct ob_tariff {
    int64_t id, partner, base, version_id, created_at, updated_at;
    const char *code, *name_ru, *name_en, *base_code;
    enum ob_tariff_kind kind;
    bool active;
};

struct ob_tariff_version {
    int64_t id, tariff, created_at;
    int version;
    const char *options_json;
    struct ob_tariff_options opt;   /* parsed, lists expanded */
};

/* Tariffs the actor may see, in id order: the standard ones, and partner
 * tariffs of the partners the actor works for (all for provider staff;
 * `partner` filters on one). partner_only lists only partner tariffs. */
int ob_catalog_tariffs(struct ob_ctx *ctx, int64_t partner, bool partner_only, int64_t after,
                       int limit, int (*fn)(const struct ob_tariff *, void *), void *arg);
/* A tariff the actor may see; another partner's is OB_ENOTFOUND. */
int ob_catalog_tariff_get(struct ob_ctx *ctx, int64_t id, struct ob_tariff *out);
/* No access check. */
int ob_catalog_tariff_load(struct ob_ctx *ctx, int64_t id, struct ob_tariff *out);
/* A tariff by code: a standard one (partner 0) or partner's own. No access
 * check. */
int ob_catalog_tariff_find(struct ob_ctx *ctx, const char *code, int64_t partner,
                           struct ob_tariff *out);
/* A version with its options parsed and lists expanded. No access check. */
int ob_catalog_version_load(struct ob_ctx *ctx, int64_t version_id,
                            struct ob_tariff_version *out);
/* Forget the versions this process keeps parsed (ob_catalog_version_load):
 * the catalog was changed by other means than this file's functions (the
 * standard catalog's loader). */
void ob_catalog_cache_drop(void);
/* Does any subscription reference version `version_id`? Reads the column
 * subscriptions.tariff_version_id when the subscriptions table exists;
 * without it nothing is in use. */
int ob_catalog_version_in_use(struct ob_ctx *ctx, int64_t version_id, bool *in_use);

struct ob_price_new {
    int term;
    int64_t amount;
    const char *valid_from, *valid_to;  /* valid_from NULL: today */
    bool placeholder;
};

struct ob_tariff_new {
    const char *code, *name_ru, *name_en, *kind, *options;  /* options: JSON text */
    const struct ob_price_new *prices;
    int nprices;
};

/* Create a standard tariff with version 1 and its prices (provider admins). */
int ob_catalog_tariff_create(struct ob_ctx *ctx, const struct ob_tariff_new *in, int64_t *id);

struct ob_tariff_change {
    const char *name_ru, *name_en;  /* NULL: unchanged */
    const char *options;            /* JSON text, NULL: unchanged */
    int active;                     /* -1: unchanged */
};

/* Change a standard tariff (provider admins). New options make a new
 * version when the current one is in use (*new_version set), else replace
 * it in place. */
int ob_catalog_tariff_update(struct ob_ctx *ctx, int64_t id, const struct ob_tariff_change *in,
                             bool *new_version);
/* Replace the options of standard tariff `tariff` by the rule above (in
 * place while its current version is in use by no subscription, else a new
 * version), checked like a change through the API. No access check and no
 * audit record: for the standard catalog's loader, which audits what it did
 * (*what: a summary). In the caller's transaction. */
int ob_catalog_options_set(struct ob_ctx *ctx, int64_t tariff, const char *options,
                           bool *new_version, const char **what);
/* Add a price with validity to a tariff: provider admins for standard
 * tariffs, the partner's owner or operator (and provider admins) for a
 * partner tariff, where it may not be below the base price. An open-ended
 * price that started earlier is closed at the new one's start; any other
 * overlap with a price of the same term is OB_ECONFLICT. */
int ob_catalog_price_add(struct ob_ctx *ctx, int64_t tariff, const struct ob_price_new *p,
                         int64_t *id);
/* May the actor add prices to `tariff`? (The check ob_catalog_price_add
 * makes first; another partner's tariff is OB_ENOTFOUND.) */
int ob_catalog_price_access(struct ob_ctx *ctx, int64_t tariff);

struct ob_partner_tariff_new {
    int64_t partner;                /* 0: the actor's only partner */
    const char *base;               /* the standard tariff's code */
    const char *code, *name_ru, *name_en;
    const struct ob_price_new *prices;
    int nprices;
};

/* R-CAT-3: a partner's owner or operator (or provider admins) defines a
 * partner tariff on a standard main tariff. Every price must be at least
 * the base's price for its term on its valid_from day: OB_EINVAL naming
 * "prices[i].amount" otherwise. */
int ob_catalog_partner_tariff_create(struct ob_ctx *ctx, struct ob_partner_tariff_new *in,
                                     int64_t *id);

/* ---- promotions (R-CAT-5) ------------------------------------------------------------- */

/* Kinds: "free_period" (ERP-PILOT free until 2018-12-31), "free_units" (one
 * free cash register), "offer" (a tariff that may be posted only while one
 * of its offers is in force: CSO-FREE). */
struct ob_promotion {
    int64_t id;
    const char *code, *kind, *name_ru, *name_en, *tariff_code, *app_code, *params;
    const char *valid_from, *valid_to;  /* valid_to exclusive, NULL: open-ended */
    bool in_force;                      /* today, by the service clock */
    const char *state;                  /* "in_force", "upcoming" or "ended", today */
};

/* Every promotion, in id order (anyone signed in). */
int ob_catalog_promotions(struct ob_ctx *ctx, int (*fn)(const struct ob_promotion *, void *),
                          void *arg);
/* A promotion by code, or by id (anyone signed in). OB_ENOTFOUND naming it. */
int ob_catalog_promotion_get(struct ob_ctx *ctx, const char *ref, struct ob_promotion *out);
/* Is promotion `code` in force on `day`? *out and 0; OB_ENOTFOUND for an
 * unknown code. No access check. */
int ob_catalog_promotion_active(struct ob_ctx *ctx, const char *code, int32_t day, bool *out);

/* What POST /promotions takes. tariff and application are codes (a standard
 * tariff; an offer must name a main one); params a JSON object's text (NULL:
 * {}); dates civil, in the input window, valid_to exclusive (NULL: no end). */
struct ob_promotion_new {
    const char *code, *kind, *name_ru, *name_en, *tariff, *application, *params;
    const char *valid_from, *valid_to;
};
/* Add a promotion (provider admins), audited. 409 on a taken code. */
int ob_catalog_promotion_create(struct ob_ctx *ctx, const struct ob_promotion_new *in,
                                int64_t *id);

/* What PATCH /promotions/{code} changes: NULL leaves a member as it is; the
 * *_null flags clear one. A promotion keeps its code and kind. */
struct ob_promotion_change {
    const char *name_ru, *name_en, *tariff, *application, *params, *valid_from, *valid_to;
    bool tariff_null, application_null, valid_to_null;
};
/* Change promotion `ref` (code or id; provider admins): the result is checked
 * as a whole, audited before → after. *id is set. */
int ob_catalog_promotion_update(struct ob_ctx *ctx, const char *ref,
                                const struct ob_promotion_change *ch, int64_t *id);

/* R-CAT-5: may a main of standard tariff `tariff` be posted on `day`? 0 when
 * no offer names it or one of its offers is in force that day; else
 * OB_EINVAL (field "tariff") naming the offer and its last day (or its first
 * day, when it has not begun). No access check. */
int ob_catalog_offer_check(struct ob_ctx *ctx, int64_t tariff, int32_t day);

/* ---- the standard catalog ------------------------------------------------------------- */

struct ob_catalog_load_stats {
    int apps, tariffs, prices, promotions, its_levels;
    int amended;                /* tariffs given options by an amendment */
    bool already;               /* this version of the data was loaded before */
};

/* Insert what is missing of the standard catalog compiled into the binary
 * (data/catalog.json), by code, apply its amendments not applied yet (each
 * once: options added to tariffs present, docs/catalog.md), and record the
 * data's version, so a second run does nothing. Its own write transaction. */
int ob_catalog_load_standard(struct ob_ctx *ctx, struct ob_catalog_load_stats *st);
/* The same from a JSON text (for tests). */
int ob_catalog_load_json(struct ob_ctx *ctx, const char *json, struct ob_catalog_load_stats *st);

#endif
