/*
 * close.h — closing a month of statements (R-BIL-1, R-BIL-3).
 *
 * The provider's administrator closes month M once it has ended, every
 * earlier month with statements is closed, and M follows the last closed
 * month (months close in order, so the month after the last closed one is
 * the first open month, the one that carries the corrections). Closing re-runs M through the run's own code and
 * freezes that result in the same write transaction: each statement gets its
 * number 'YYYY-MM/<partner code>' (the partner's account id,
 * docs/decisions.md), state closed, and the month's row says closed; the
 * partner's owners and a distributor payer are emailed through the outbox.
 * A closed month is never written again: the run refuses it, and a request's
 * decision about one of its subscriptions becomes a correcting line of the
 * first open month instead.
 */
#ifndef OB_MODEL_STATEMENTS_CLOSE_H
#define OB_MODEL_STATEMENTS_CLOSE_H

#include <stdbool.h>
#include <stdint.h>

struct ob_ctx;

struct ob_statement_closed {
    const char *month;
    int64_t closed_at, statements, total_due;
};

/* Close `month` (provider admin). OB_EINVAL for a month that is not
 * 'YYYY-MM'; OB_ECONFLICT when it has not ended ("statement_month.not_ended"),
 * is closed already ("statement_month.already_closed"), or an earlier month must
 * close first ("statement_month.earlier_open"). Of two closes at
 * once one wins, the other gets "statement_month.already_closed". */
int ob_statement_close(struct ob_ctx *ctx, const char *month, struct ob_statement_closed *out);

/* Is `month` closed? No access check; joins the caller's transaction. */
int ob_statement_month_closed(struct ob_ctx *ctx, const char *month, bool *closed);

#endif
