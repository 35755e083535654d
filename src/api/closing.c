/*
 * closing.c — POST /api/v1/statement-months/{month}/close (R-BIL-1,
 * R-BIL-3): the provider's administrator freezes a month's statements
 * (model/statements/close.h). The answer names the month, when it closed,
 * how many statements it froze and their total due.
 */
#include "api/api.h"
#include "api/handlers.h"
#include "base/ctx.h"
#include "model/statements/close.h"
#include "base/banned.h"

int
ob_api_statement_month_close(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_statement_closed c;
    int rc;

    if ((rc = ob_statement_close(req->ctx, ob_req_param(req, "month"), &c)) != 0)
        return rc;
    return ob_resp_json(resp, 200,
                        json_pack("{s:s, s:s, s:o, s:I, s:I}", "month", c.month, "state",
                                  "closed", "closed_at", ob_api_instant(c.closed_at),
                                  "statements", (json_int_t)c.statements, "total_due",
                                  (json_int_t)c.total_due));
}
