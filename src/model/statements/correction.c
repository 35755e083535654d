/*
 * correction.c — the correcting lines of a statement (R-SUB-2, R-BIL-3).
 *
 * The run calls ob_statement_corrections inside a partner's transaction after
 * the charge lines. The body is the close part's; until it lands there are no
 * correcting lines.
 */
#include "base/ctx.h"
#include "model/statements/statement.h"
#include "base/banned.h"

int
ob_statement_corrections(struct ob_ctx *ctx, const char *month, int64_t partner,
                         int64_t statement, int64_t *seq)
{
    (void)ctx, (void)month, (void)partner, (void)statement, (void)seq;
    return 0;
}
