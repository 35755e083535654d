/*
 * usage.c — metered usage of cash registers (R-CAT-6).
 *
 * The statement run calls ob_usage_statement_lines inside a partner's
 * transaction after the correcting lines. The body is the usage part's; until
 * it lands there are no usage lines.
 */
#include "base/ctx.h"
#include "model/usage/usage.h"
#include "base/banned.h"

int
ob_usage_statement_lines(struct ob_ctx *ctx, const char *month, int64_t partner,
                         int64_t statement, int64_t *seq)
{
    (void)ctx, (void)month, (void)partner, (void)statement, (void)seq;
    return 0;
}
