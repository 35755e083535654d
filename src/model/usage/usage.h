/*
 * usage.h — metered usage of cash registers (R-CAT-6) and its statement lines.
 */
#ifndef OB_MODEL_USAGE_USAGE_H
#define OB_MODEL_USAGE_USAGE_H

#include <stdint.h>

struct ob_ctx;

/* Append partner's usage lines of `month` to statement `statement` from
 * *seq+1, advancing *seq; called inside the statement run's transaction. */
int ob_usage_statement_lines(struct ob_ctx *ctx, const char *month, int64_t partner,
                             int64_t statement, int64_t *seq);

#endif
