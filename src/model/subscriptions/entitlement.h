/*
 * entitlement.h — what a subscriber may do at a date (R-SUB-7), as one
 * pure function over the subscriptions in force.
 *
 * The caller (the subscription engine) loads the subscriber's subscriptions
 * with their tariff options; this file only decides:
 *   - a subscription is in force on day D when start <= D < end (R-SUB-0);
 *   - mains of different tariffs add up: sessions, applications, data areas;
 *   - extensions and short extensions add to their main, and only while
 *     their main is in force;
 *   - a trial counts until the first day a paid main is in force (R-SUB-1a): a
 *     main at price 0 (a free CRM-START or KASSA) is not one;
 *   - a deferred renewal entitles as the main it defers (R-SUB-5); a local
 *     ITS subscription entitles as its tariff (R-SUB-6);
 *   - with nothing in force the subscriber is blocked, and why is said
 *     (computed, never stored; nothing is deleted).
 * For "N of the client's choice" and one-application area rules, the
 * client's choice is the application of its first working area (R-CAT-2)
 * among the applications that choice is about: the tariff's for "choose",
 * the rule's own for a one-application rule (SPEC: an Accounting SPEC area
 * is no choice of its PROF-list rule). The caller gives the applications of
 * the client's working areas, oldest first; without one yet, the whole list
 * is open to choose from.
 */
#ifndef OB_MODEL_SUBSCRIPTIONS_ENTITLEMENT_H
#define OB_MODEL_SUBSCRIPTIONS_ENTITLEMENT_H

#include <stdbool.h>
#include <stdint.h>

#include "model/catalog/catalog.h"

struct ob_arena;

enum ob_sub_kind {
    OB_SUB_TRIAL,
    OB_SUB_MAIN,
    OB_SUB_EXTENSION,
    OB_SUB_SHORT_EXTENSION,
    OB_SUB_DEFERRED_RENEWAL,
    OB_SUB_ITS_LOCAL,
};

struct ob_ent_sub {
    int64_t id;
    enum ob_sub_kind kind;
    const char *tariff;             /* the tariff's code */
    int64_t main;                   /* extensions: the main they add to */
    int32_t start, end;             /* [start, end) */
    int quantity;                   /* per-unit tariffs; else 1 */
    const char *const *working;     /* the apps of the client's working areas, oldest
                                       first, NULL-terminated; NULL: none */
    bool free;                      /* a main at price 0 (CRM-START, KASSA, PARTNER-OWN): not a
                                       paid main, so a trial beside it goes on (R-SUB-1a) */
    const struct ob_tariff_options *opt;
};

struct ob_ent_area {
    const char *app;                /* application code */
    bool unlimited;
    int areas, working, test;       /* OB_UNLIMITED where a rule does not limit it */
};

/* A self-service action (R-SUB-4, R-SUB-5) and whether it applies on the
 * day: reason NULL when it does, else a stable id such as
 * "deferred_renewal.too_early" with the dates it names (0 when none), so
 * the cabinet disables the button and says why (issue 11). */
struct ob_ent_action {
    const char *name;               /* "short_extension", "deferred_renewal" */
    const char *reason;
    int32_t from, through;
};

struct ob_entitlement {
    bool blocked;
    const char *reason;             /* when blocked: why, for people */
    int sessions;
    const char *services;           /* "prof", "basic" or NULL */
    const char **apps;              /* allowed applications (codes) */
    int napps;
    int choose;                     /* > 0: the client still chooses this many of apps */
    struct ob_ent_area *areas;      /* per application */
    int nareas;
    int areas_add;                  /* areas added by extensions, any application */
    int64_t in_force[32];           /* ids of the subscriptions that count */
    int nin_force;
    bool has_through;               /* there is or was access: */
    int32_t through;                /* the last day of access in a row from the day on
                                       (R-SUB-0's L), or, blocked, the last day it had */
    struct ob_ent_action actions[2];    /* filled by the subscription engine */
    int nactions;
};

/* Compute the entitlement on `day` from subs (any order). Memory from a. */
void ob_entitlement_compute(const struct ob_ent_sub *subs, int n, int32_t day,
                            struct ob_arena *a, struct ob_entitlement *out);
/* R-CAT-2: the client's choice for the options o: the first of `working`
 * among the applications of area rule r, or of the tariff when r is NULL
 * ("choose"). NULL when it has not chosen yet. */
const char *ob_entitlement_choice(const struct ob_tariff_options *o, const struct ob_area_rule *r,
                                  const char *const *working);
const char *ob_sub_kind_name(enum ob_sub_kind k);
int ob_sub_kind_parse(const char *s, enum ob_sub_kind *out);

#endif
