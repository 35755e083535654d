/*
 * leads.c — the `leads` interval job (R-ONB-7, model/onboarding/lead.h).
 *
 * First the offers not accepted within --lead-accept-days go back to the
 * pool (their partners are told), then the pool's leads are offered by the
 * rules. Each lead moves in a transaction of its own, so a run repeated by
 * hand, or on two nodes, finds nothing left to do for what is done.
 */
#include <stdio.h>

#include "base/ctx.h"
#include "jobs/jobs.h"
#include "model/onboarding/lead.h"
#include "base/banned.h"

int
ob_job_leads_run(struct ob_ctx *ctx, char *detail, size_t size)
{
    int lapsed = 0, offered = 0;
    int rc = ob_lead_expire(ctx, &lapsed);

    if (rc == 0)
        rc = ob_lead_route(ctx, &offered);
    snprintf(detail, size, "%d offers lapsed, %d leads offered", lapsed, offered);
    return rc;
}
