/*
 * ends.h — the ends of access that reminders are about (R-NOT-1, R-SUB-0),
 * kept in access_ends by the subscription engine.
 *
 * A chain is a subscriber's mains of one standard tariff (its local ITS
 * subscriptions of that tariff too) with the deferrals of their last
 * period; its end L is the last day of the latest of them, moved by a
 * deferral that still counts (ob_plan_deferral_end), and not by extensions
 * or short extensions, which only add to a main while it is in force. The
 * chain is named by the standard tariff's code. The trial is the chain
 * 'trial' and is an end only when no paid main began by the day after its L:
 * the trial stops counting the first day a paid main is in force (R-SUB-1a),
 * so from then on the main's chain is the client's end, even when the main
 * ends on the trial's L or before it. A PARTNER-OWN main is no chain.
 *
 * end_key is L without deferrals: a deferral keeps the end (the offsets
 * already sent stay sent), a paid renewal makes a new one.
 */
#ifndef OB_MODEL_SUBSCRIPTIONS_ENDS_H
#define OB_MODEL_SUBSCRIPTIONS_ENDS_H

#include <stdbool.h>
#include <stdint.h>

#include "model/subscriptions/subscription.h"

struct ob_ctx;

#define OB_ENDS_TRIAL "trial"           /* the trial's chain */

struct ob_access_end {
    const char *chain;                  /* the standard tariff's code, or "trial" */
    int32_t end_key;                    /* L without deferrals */
    int32_t last_day;                   /* L */
};

/* The ends of the posted subscriptions rows (id order; rows[i].tariff_code
 * is the standard tariff's code), at most max into out; returns how many.
 * Pure (tests/unit/test_ends.c). */
int ob_access_ends_compute(const struct ob_subscription *rows, int n, struct ob_access_end *out,
                           int max);

/* Rewrite subscriber's access_ends rows from its posted subscriptions:
 * upsert each chain's end in place, delete the rows of chains that no
 * longer have a posted subscription (cancelled) and of a trial that no
 * longer ends access. Joins the caller's transaction; no access check. */
int ob_access_ends_refresh(struct ob_ctx *ctx, int64_t subscriber);

/* Whether the client may take a deferred renewal (R-SUB-5) on day, by the
 * planner's own decision (ob_plan_deferral_refusal): the reminders of L and
 * after offer it. No access check; joins the caller's transaction. */
int ob_access_ends_deferral_open(struct ob_ctx *ctx, int64_t subscriber, int32_t day, bool *open);

/* The one-time backfill of data posted before access_ends was kept: when
 * the setting 'access_ends.backfilled' is absent, refresh every subscriber
 * with a posted subscription and record the setting. *count gets the
 * subscribers refreshed (0 when done before). Its own transactions. */
int ob_access_ends_backfill(struct ob_ctx *ctx, int64_t *count);

#endif
