/*
 * regpage.h — registration pages (R-ONB-5): a partner's form, hosted at
 * /r/{slug} or pasted into the partner's own site, through which a client
 * registers itself and starts working at once.
 *
 * A page names a tariff (a standard main tariff or the partner's own), the
 * trial's days (1–30), optionally an application whose data area is
 * created at registration, the origins allowed to post by fetch (CORS) and
 * whether the address must be confirmed first. Its slug is 12 random bytes
 * in base64url: unguessable, so a page is found only through its link.
 *
 * Who: the partner's owners and operators manage its pages; provider
 * admins and operators manage the provider's own pages (partner 0), whose
 * registrations are leads (R-ONB-7), and may read every page. Another
 * partner's page is OB_ENOTFOUND.
 *
 * Registering (ob_regpage_register) is one transaction: the subscriber and
 * its trial (ob_subscriber_insert_trial), the `signups` row, the `leads`
 * row of a provider's page, the owner, the event and the partner's mail.
 * The owner: an address nobody uses yet becomes a person without a
 * password, the subscriber's owner at once, signed in by a single-use link
 * (model/onboarding/signin.h) and mailed a link to set a password. An
 * address that is a person already is never signed in by whoever typed
 * it: that person is invited as the owner (model/parties/invite.h) and
 * the answer says "check your mail" (docs/decisions.md).
 */
#ifndef OB_MODEL_ONBOARDING_REGPAGE_H
#define OB_MODEL_ONBOARDING_REGPAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/identity/authn.h"

struct ob_ctx;

#define OB_REGPAGE_SLUG_LEN 16      /* 12 random bytes in base64url */
#define OB_REGPAGE_ORIGINS_MAX 20

struct ob_regpage {
    int64_t id, partner, tariff, app, created_at, updated_at;
    int trial_days;
    bool confirm_email;
    const char *slug, *name, *origins, *state;
    const char *partner_name, *tariff_code, *tariff_name_ru, *tariff_name_en;
    const char *app_code, *app_name_ru, *app_name_en;
};

/* What POST creates and PATCH changes: NULL strings, tariff 0, trial_days
 * 0, confirm_email -1 and app_set false leave a field as it is (creation
 * requires name and tariff; trial_days defaults to 30). */
struct ob_regpage_change {
    int64_t partner;            /* creation only: 0 = the provider's own page */
    const char *name, *origins, *state, *app;
    int64_t tariff;
    int64_t trial_days;
    int confirm_email;
    bool app_set, trial_set;    /* app NULL or "" with app_set: none */
};

int ob_regpage_create(struct ob_ctx *ctx, const struct ob_regpage_change *in,
                      struct ob_regpage *out);
int ob_regpage_get(struct ob_ctx *ctx, int64_t id, struct ob_regpage *out);
/* Change a page (state: "active"/"disabled", audited as
 * regpage.disabled/enabled; other changes as regpage.updated). */
int ob_regpage_update(struct ob_ctx *ctx, int64_t id, const struct ob_regpage_change *ch,
                      struct ob_regpage *out);
/* The pages the actor manages or reads, by id after `after`; partner > 0:
 * that partner's only (-1: the provider's own). */
int ob_regpage_list(struct ob_ctx *ctx, int64_t partner, int64_t after, int limit,
                    int (*fn)(const struct ob_regpage *, void *), void *arg);

/* A page's statistics: totals and per month ("YYYY-MM", oldest first). */
struct ob_regpage_month {
    char month[8];
    int64_t visits, registrations, confirmed, paid;
};
struct ob_regpage_stats {
    int64_t visits, registrations, confirmed, paid;
    struct ob_regpage_month *months;
    int nmonths;
};
int ob_regpage_stats(struct ob_ctx *ctx, int64_t id, struct ob_regpage_stats *out);

/* ---- the public side: no access check -------------------------------------------------- */

/* The page of a slug, active or not; OB_ENOTFOUND for anything else. */
int ob_regpage_by_slug(struct ob_ctx *ctx, const char *slug, struct ob_regpage *out);
/* Count one visit of the hosted page today (one upsert). Its own
 * transaction. */
int ob_regpage_visit(struct ob_ctx *ctx, int64_t id);

struct ob_regpage_signup {
    const char *name, *email, *phone, *lang;
    const char *region;     /* optional; the provider's own pages ask it (lead rules, R-ONB-7) */
};
/* Check the form field by field: OB_EINVAL naming the first bad one
 * ("name", "email", "phone"); the email normalised into email (size
 * bytes). */
int ob_regpage_signup_check(struct ob_ctx *ctx, const struct ob_regpage_signup *in, char *email,
                            size_t size);
/* Reserve one registration of the caller's address (key regpage:addr:IP,
 * --signup-limit-page per --signup-limit-page-minutes): OB_ERATE with
 * retry_after past the limit. Its own transaction. */
int ob_regpage_reserve(struct ob_ctx *ctx);

struct ob_regpage_result {
    int64_t subscriber, person;
    int64_t area;                       /* the page's application's data area, 0: none */
    bool signed_in;                     /* a new person: link holds the sign-in link's secret */
    char link[OB_SECRET_LEN];
};
/* Register through page (checked input): see the top of this file.
 * OB_ECONFLICT "regpage.closed" when the page is disabled. */
int ob_regpage_register(struct ob_ctx *ctx, const struct ob_regpage *page,
                        const struct ob_regpage_signup *in, struct ob_regpage_result *out);

/* The mailed link of a page that asks for a confirmed address was
 * followed (model/onboarding/signin.c): _tx, in the link's transaction,
 * marks the registration confirmed and mails person the link to set a
 * password; after the commit, ob_regpage_confirmed starts the page's data
 * area (on the service's behalf; a failure is logged, not returned). */
int ob_regpage_confirm_tx(struct ob_ctx *ctx, int64_t person, int64_t subscriber);
void ob_regpage_confirmed(struct ob_ctx *ctx, int64_t subscriber);

/* ---- parsers (unit-tested) ----------------------------------------------------------- */

/* Is s a slug as ob_regpage_create makes them (16 base64url characters)? */
bool ob_regpage_slug_valid(const char *s);
/* Normalise one origin "scheme://host[:port]" (http or https, lower case,
 * the scheme's default port dropped, one trailing "/" allowed, no path,
 * query, user or fragment) into out; -1 when it is not one. */
int ob_regpage_origin_norm(const char *in, char *out, size_t size);
/* Normalise a list of origins (separated by newlines, commas or spaces)
 * into "a\nb" in ctx's arena: OB_EINVAL on "origins" naming a bad one or
 * past OB_REGPAGE_ORIGINS_MAX. */
int ob_regpage_origins_parse(struct ob_ctx *ctx, const char *in, const char **out);
/* Is the request's Origin header one of the page's origins? */
bool ob_regpage_origin_listed(const char *origins, const char *origin);

#endif
