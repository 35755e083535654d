/*
 * subscription.h — the subscription lifecycle (R-SUB-0..8) and the
 * discount shown when posting (R-BIL-2).
 *
 * A subscription binds a subscriber to a tariff for [start, end), end
 * exclusive (R-SUB-0); it is posted when saved and never changed by a
 * partner afterwards (R-SUB-2). Who posts what:
 *   trial             at the subscriber's creation, by the service
 *                     (ob_subscription_trial_start); the provider may post
 *                     one or move its end with a reason; partners never;
 *   main              the serving partner's owner or operator (or provider
 *                     staff), once the client's information is complete;
 *   extension         the same, onto a main, for the main's period;
 *   short_extension   the client's owner or administrator, with a paid main
 *                     in force, one at a time;
 *   deferred_renewal  the client's owner or administrator, from L of its
 *                     last period until 30 days after its end, once until a
 *                     paid main is posted since;
 *   its_local         the serving partner, against a matching local ITS
 *                     contract held with it, for the contract's validity.
 * A posting that breaks a rule is refused with the rule's reason; every
 * posting is audited in its transaction.
 */
#ifndef OB_MODEL_SUBSCRIPTIONS_SUBSCRIPTION_H
#define OB_MODEL_SUBSCRIPTIONS_SUBSCRIPTION_H

#include <stdbool.h>
#include <stdint.h>

#include "model/subscriptions/entitlement.h"

struct ob_ctx;

struct ob_subscription {
    int64_t id, subscriber, subscriber_code, tariff, version, partner, main, its_contract;
    int64_t base_tariff;        /* the standard tariff (a partner tariff's base) */
    int64_t posted_at, posted_by;
    const char *subscriber_name, *kind, *tariff_code, *tariff_name, *discount_rule, *state;
    const char *reason;
    const char *tariff_name_ru; /* tariff_name is the English one */
    int32_t start, end;         /* [start, end), civil days */
    int term_months, quantity, discount_pct;
    int64_t price, partner_price, amount_due;   /* kopecks; partner_price -1: none */
    bool new_client, from_local_its;
};

struct ob_subscription_new {
    int64_t subscriber;
    const char *kind;
    const char *tariff;         /* a code, or an id as text; NULL where the kind implies it */
    int term_months;            /* 0: not given */
    const char *start;          /* NULL: the rule's default */
    int quantity;               /* 0: 1 */
    int64_t main;               /* extensions: the main they add to (0: the one in force) */
    bool new_client, from_local_its;
    int64_t its_contract;       /* its_local: 0 to find the matching one */
    const char *reason;         /* trials posted by the provider */
};

/* What posting `in` would store, computed without posting: the dates, the
 * price snapshot, the discount rule and the amount due. Every check of
 * posting is made, so a quote that succeeds posts. */
int ob_subscription_quote(struct ob_ctx *ctx, const struct ob_subscription_new *in,
                          struct ob_subscription *out);
/* Post `in` in its own transaction; *id of the new row. */
int ob_subscription_post(struct ob_ctx *ctx, const struct ob_subscription_new *in, int64_t *id);
/* Start a new subscriber's trial as `spec` says (model/parties/subscriber.h:
 * TRIAL-30 by default, a given tariff for given days), or PARTNER-OWN for
 * a partner's own account, from today. No access check; joins the caller's
 * transaction. Does nothing when the catalog has no TRIAL-30 or PARTNER-OWN;
 * a given tariff that does not exist is OB_EINVAL on "tariff". */
struct ob_trial_spec;
int ob_subscription_trial_start(struct ob_ctx *ctx, int64_t subscriber,
                                const struct ob_trial_spec *spec);
/* The provider moves a trial's end, with a reason (R-SUB-1a). */
int ob_subscription_trial_set_end(struct ob_ctx *ctx, int64_t id, const char *end,
                                  const char *reason);

/* R-SUB-2: what a change or cancellation request asks (NULL, 0 or -1:
 * unchanged). */
struct ob_subscription_change {
    const char *tariff, *start;     /* subscription_change */
    const char *end;                /* trial_change: the trial's new end */
    int term_months, quantity;
    int new_client, from_local_its; /* -1: unchanged */
};

/* Check a request of kind "subscription_change", "subscription_cancel" or
 * "trial_change" about subscription `id`, filed by the actor: the serving
 * partner's owner or operator (OB_ENOTFOUND outside its scope, OB_EPERM
 * otherwise), the subscription posted, the changes valid by the posting
 * rules as of its posting date. Fills *s with the subscription and
 * *partner with its serving partner. Joins the caller's transaction. */
int ob_subscription_request_check(struct ob_ctx *ctx, int64_t id, const char *kind,
                                  const struct ob_subscription_change *ch,
                                  struct ob_subscription *s, int64_t *partner);
/* Apply such a request (the provider's decision): re-plan and write the
 * change, cancel, or move the trial's end; audited before → after. The rows
 * it changes name `request` (subscriptions.request_id). A change or
 * cancellation of a main re-derives the discount of the client's other paid
 * mains starting on or after it, each by the rules as of its own posting
 * date (R-BIL-2), writing only those whose discount moves (audited
 * "subscription.rederived", with the request). Joins the caller's
 * transaction. OB_ECONFLICT when the subscription is no longer posted; a
 * change that breaks a rule now is refused with the rule's error. */
int ob_subscription_request_apply(struct ob_ctx *ctx, int64_t id, const char *kind,
                                  const struct ob_subscription_change *ch, int64_t request,
                                  const char *reason);

/* What applying such a request would make of subscription `id`, written
 * nowhere: *before as it stands, *after re-planned by the same posting code
 * as the decision (a change), with its price and amount due gone (a
 * cancellation: after->state "cancelled"), or with the trial's new end.
 * Joins the caller's (read) transaction; the caller checks who may see it. */
int ob_subscription_request_quote(struct ob_ctx *ctx, int64_t id, const char *kind,
                                  const struct ob_subscription_change *ch,
                                  struct ob_subscription *before, struct ob_subscription *after);

/* A subscription the actor may see (its subscriber in scope). */
int ob_subscription_get(struct ob_ctx *ctx, int64_t id, struct ob_subscription *out);

struct ob_subscription_filter {
    int64_t subscriber, partner;        /* 0: any */
    int32_t end_from, end_to;           /* inclusive; -1: open */
    bool by_end, desc;                  /* sort by end (then id); else by id descending */
    const char *after;                  /* the cursor of the previous page, or NULL */
};

/* Subscriptions in the actor's scope (R-SUB-8): provider staff all, a
 * partner's employees those of the clients it serves, a subscriber's
 * members its own. fn gets each row and its cursor. */
int ob_subscription_list(struct ob_ctx *ctx, const struct ob_subscription_filter *f, int limit,
                         int (*fn)(const struct ob_subscription *, const char *cursor, void *),
                         void *arg);

/* R-SUB-7: what subscriber `sub` may do on `day` (anyone who may see it),
 * and which self-service actions the actor may take then (out->actions). */
int ob_subscription_entitlement(struct ob_ctx *ctx, int64_t sub, int32_t day,
                                struct ob_entitlement *out);
/* What an entitlement answer for the actor may be cached under (issue 16,
 * sql/0035): the same access checks as ob_subscription_entitlement, made
 * with one statement that reads the serving partner and the subscriber's
 * ent_gen, which every write to the answer's inputs bumps. *self: whether
 * the actor may take the self-service actions (they differ by it). */
int ob_subscription_entitlement_gen(struct ob_ctx *ctx, int64_t sub, int64_t *gen, bool *self);
/* The same without an access check (model code: admissions, heartbeats). */
int ob_subscription_entitlement_load(struct ob_ctx *ctx, int64_t sub, int32_t day,
                                     struct ob_entitlement *out);

#endif
