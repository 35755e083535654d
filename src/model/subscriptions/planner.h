/*
 * planner.h — the dates and places of a posting by the rules
 * R-SUB-0..6, as pure functions over inputs the caller has loaded.
 *
 * The caller (subscription.c) reads the subscriber's posted subscriptions,
 * the tariff and its options, the contract of an ITS posting; it asks the
 * database what only the database knows (prices, statuses, offers) and
 * holds the rows it must. These functions only decide, and each returns 0
 * or an error code with err filled (message, field, hint), in the order the
 * rules are checked:
 *   - a term is one the tariff allows; "at most N months in all" counts the
 *     client's mains of the standard tariff (R-CAT-2);
 *   - a main starts at a pending deferral's start (R-SUB-5), else at the end
 *     of the latest main of its tariff not passed (a renewal), else today;
 *     it ends N months later (R-SUB-0: Jan 31 + 1 month is Mar 1) and may
 *     not overlap a main of its tariff (R-SUB-7);
 *   - an extension takes its main's period (R-SUB-3), and a renewal carries
 *     the previous main's extensions;
 *   - a short extension needs a paid main in force, one at a time, for the
 *     tariff's days or 14 (R-SUB-4);
 *   - a deferred renewal adds 7 days from the last period's end (or the day
 *     it is taken), may be taken from its L until 30 days after its end,
 *     once until a paid main is posted, and is cut where that main starts
 *     (R-SUB-5);
 *   - a local ITS subscription runs for the contract's validity, clipped to
 *     the posting's start, a year when the contract has no end (R-SUB-6);
 *   - a trial is once per subscriber; a trial stops counting when a paid main
 *     is in force, and a main at price 0 or PARTNER-OWN is not one (R-SUB-1a).
 * Messages name dates as people read them (L = end - 1), formatted into a.
 */
#ifndef OB_MODEL_SUBSCRIPTIONS_PLANNER_H
#define OB_MODEL_SUBSCRIPTIONS_PLANNER_H

#include <stdbool.h>
#include <stdint.h>

#include "model/catalog/catalog.h"
#include "model/subscriptions/entitlement.h"
#include "model/subscriptions/subscription.h"

struct ob_arena;
struct ob_err;

#define OB_PLAN_DEFER_DAYS 7        /* R-SUB-5 */
#define OB_PLAN_DEFER_WINDOW 30     /* R-SUB-5: until end + 30 days */
#define OB_PLAN_SHORT_DAYS 14       /* R-SUB-4, when the tariff does not say */
#define OB_PLAN_TRIAL_DAYS 30       /* R-SUB-1a, when the tariff does not say */
#define OB_PLAN_RULE_OWN "partner_own"  /* marks PARTNER-OWN rows: in no client's chain */

/* What a plan is made from. */
struct ob_plan_in {
    int32_t day;                            /* the posting's day: today, or a change's
                                               posting date */
    const struct ob_subscription *rows;     /* the subscriber's posted subscriptions in id
                                               order, a re-planned row left out */
    int nrows;
    const struct ob_tariff_options *opt;    /* the tariff's options (its version's) */
    const char *code;                       /* the tariff's code, for messages */
    const char *base_code;                  /* the standard tariff's code, for messages */
    const char *start;                      /* the start asked (input text); NULL: default */
    int32_t kept_start;                     /* a re-planned change keeping its start: it */
    int term_months;                        /* asked; 0: the tariff's only term */
    int64_t main;                           /* extension: the main asked; 0: the one in force */
};

/* R-SUB-5: where deferral rows[i] ends: at the start of a paid main posted
 * after it (not before its own start), else at its end. */
int32_t ob_plan_deferral_end(const struct ob_subscription *rows, int n, int i);
/* What entitlement needs of rows[i] (R-SUB-7): all but opt and working;
 * a main that is not paid (price 0, PARTNER-OWN) is free: a trial beside it
 * goes on (R-SUB-1a). */
void ob_plan_ent_sub(const struct ob_subscription *rows, int n, int i, struct ob_ent_sub *e);

/* R-SUB-1 quantity: how many units a posting of kind k takes. An extension
 * or short extension counts its units (SESSIONS+1 × 3 is three more
 * sessions, priced three times); every other kind is the client's one
 * tariff, taken once: more sessions are sold as an extension. 0 asks the
 * default (1). Sets err (field quantity) and returns OB_EINVAL otherwise. */
int ob_plan_quantity(enum ob_sub_kind k, int quantity, struct ob_err *err);

/* A main's term: the one asked, or the tariff's only one; allowed by the
 * tariff; within "at most N months in all" (out->base_tariff set). */
int ob_plan_main_term(const struct ob_plan_in *in, struct ob_subscription *out,
                      struct ob_err *err);
/* A main's [start, end) (out->base_tariff and term_months set). */
int ob_plan_main_period(const struct ob_plan_in *in, struct ob_subscription *out,
                        struct ob_arena *a, struct ob_err *err);
/* R-SUB-3: an extension's main (*main) and period (opt: the extension's). */
int ob_plan_extension(const struct ob_plan_in *in, struct ob_subscription *out,
                      const struct ob_subscription **main, struct ob_arena *a,
                      struct ob_err *err);
/* R-SUB-4: a short extension's paid main in force (*main) and period. */
int ob_plan_short(const struct ob_plan_in *in, struct ob_subscription *out,
                  const struct ob_subscription **main, struct ob_arena *a, struct ob_err *err);
/* An extension's link and discount are its main's (amount due off out->price). */
void ob_plan_take_main(struct ob_subscription *out, const struct ob_subscription *main);
/* R-SUB-5: the period deferred (*last: its main or trial) and the deferral. */
int ob_plan_deferral(const struct ob_plan_in *in, struct ob_subscription *out,
                     const struct ob_subscription **last, struct ob_arena *a, struct ob_err *err);
/* Whether the client may take a short extension (R-SUB-4) or a deferred
 * renewal (R-SUB-5) on in->day, asked before it asks (issue 11): NULL when
 * it may, else why as a stable id ("short_extension.no_paid_main",
 * "deferred_renewal.too_early", …) with the dates the reason names in
 * *from and *through (0 when it names none). They agree with ob_plan_short
 * and ob_plan_deferral (tests/unit/test_planner.c checks it). */
const char *ob_plan_short_refusal(const struct ob_plan_in *in, int32_t *from, int32_t *through);
const char *ob_plan_deferral_refusal(const struct ob_plan_in *in, int32_t *from,
                                     int32_t *through);
/* R-SUB-6: the period of a local ITS posting from the contract's validity
 * (stored dates; to "" or NULL: none) and the start asked. */
int ob_plan_its_period(const struct ob_plan_in *in, const char *valid_from, const char *valid_to,
                       const char *number, struct ob_subscription *out, struct ob_arena *a,
                       struct ob_err *err);
/* R-SUB-1a: a trial by hand, once per subscriber (code: the subscriber's). */
int ob_plan_trial_once(const struct ob_plan_in *in, int64_t code, struct ob_err *err);
/* R-SUB-1a: a trial's period: the start asked or today, for the tariff's days. */
int ob_plan_trial_period(const struct ob_plan_in *in, struct ob_subscription *out,
                         struct ob_arena *a, struct ob_err *err);
/* R-SUB-3: the main that main m renews (same standard tariff, ending where m
 * starts), whose extensions m carries; NULL when m is no renewal. */
const struct ob_subscription *ob_plan_renewed(const struct ob_subscription *rows, int n,
                                              const struct ob_subscription *m);

#endif
