/*
 * discount.h — the partner's discount off the retail price (R-BIL-2),
 * as one function, and the dates of a subscription's place in the client's
 * chain of paid subscriptions.
 *
 * The rule, in order:
 *   - a partner with individual terms (outside the franchise network): its
 *     own percentage;
 *   - a partner without the csk status on the posting date: 20% on every line;
 *   - with csk: a client moved from a local ITS contract: 50%; the first paid
 *     subscription of a new client (no ITS PROF contract or PROF registration
 *     before): 65%; its first continuous renewal: 60%; the second and later
 *     renewals, and a renewal after a gap (a day without access): 50%.
 * The first paid subscription of a client who is not new (it had ITS PROF
 * before) is not named by the rules or the partner guide; it gets the renewal
 * rate, 50%, and its own rule name (docs/decisions.md).
 *
 * The chain a new main is placed in is the client's *paid* mains (price >
 * 0) of its family: the tariff option "chain" ("its" on ITSaaS-PROF, -SPEC,
 * -BASIC, so partner tariffs on them too); a tariff of no family chains with
 * the paid mains of its own standard tariff. A free CRM-START month, a Kassa
 * main or PARTNER-OWN is never a paid predecessor of an ITS subscription
 * (docs/decisions.md).
 *
 * Money is int64 kopecks; the discount is applied by integer arithmetic,
 * rounded half up to the kopeck.
 */
#ifndef OB_MODEL_SUBSCRIPTIONS_DISCOUNT_H
#define OB_MODEL_SUBSCRIPTIONS_DISCOUNT_H

#include <stdbool.h>
#include <stdint.h>

/* Where a paid main subscription stands in the client's chain. */
enum ob_chain_place {
    OB_CHAIN_FIRST,         /* the client's first paid main subscription */
    OB_CHAIN_FIRST_RENEWAL, /* the second, continuous with the first */
    OB_CHAIN_LATER,         /* any later one, or one after a gap */
};

struct ob_discount_in {
    bool csk;               /* the partner holds csk on the posting date */
    int individual_pct;     /* the partner's individual terms, or -1 */
    enum ob_chain_place place;
    bool after_gap;         /* its start is after the previous one's end */
    bool new_client;        /* the partner's declaration (R-SUB-1) */
    bool from_local_its;    /* the partner's declaration (R-SUB-1) */
};

struct ob_discount {
    int pct;
    const char *rule;       /* a stable name, recorded on the statement line */
};

struct ob_period {
    int32_t start, end;     /* [start, end), civil days */
};

/* A main subscription of the client, as the chain sees it. */
struct ob_chain_main {
    int32_t start, end;     /* [start, end) */
    int64_t price;          /* the standard retail price posted, kopecks */
    int64_t tariff;         /* the standard tariff (a partner tariff's base) */
    const char *family;     /* the tariff's "chain" option, or NULL */
    bool partner_own;       /* PARTNER-OWN: never in a client's chain */
};

/* The discount for a subscription. */
struct ob_discount ob_discount_rule(const struct ob_discount_in *in);
/* The amount due: price less pct percent, rounded half up to the kopeck. */
int64_t ob_discount_apply(int64_t price, int pct);
/* R-BIL-2: the periods of the client's mains (any order) that are paid
 * predecessors of `next` by the family rule above, copied to out (room for
 * n). Returns how many. Whether they came before `next` is
 * ob_discount_place's to judge. */
int ob_discount_chain(const struct ob_chain_main *mains, int n, const struct ob_chain_main *next,
                      struct ob_period *out);
/* The place of a new paid main starting on `start` after the client's
 * earlier paid mains `prev` (any order). Deferred renewals are not in prev:
 * the next paid main starts at the deferral's start, so continuity is judged
 * as if there had been none (R-SUB-5). */
enum ob_chain_place ob_discount_place(const struct ob_period *prev, int n, int32_t start,
                                      bool *after_gap);

#endif
