/*
 * digest.c — the Monday digest job (R-NOT-2, model/notices/digest.h).
 *
 * Scheduled weekly (OB_SCHED_WEEKLY: a period only on Mondays); run by hand
 * (`oblako jobs run digest`) on another day it does nothing and says so, so
 * no digest goes out on a Tuesday. Running it again on the same Monday is
 * safe: the ledger makes each partner's digest once.
 */
#include <stdio.h>

#include "base/config.h"
#include "base/ctx.h"
#include "base/date.h"
#include "jobs/jobs.h"
#include "model/notices/digest.h"
#include "base/banned.h"

int
ob_job_digest_run(struct ob_ctx *ctx, char *detail, size_t size)
{
    int32_t today = ob_date_of_instant(ob_clock_now(ctx));
    char day[OB_DATE_LEN];
    struct ob_digest_stats st;
    int rc;

    ob_date_format(today, day);
    if (ob_date_weekday(today) != 1) {
        snprintf(detail, size, "%s is not a Monday: no digest", day);
        return 0;
    }
    rc = ob_digest_run(ctx, today, ctx->cfg && ctx->cfg->digest_when_empty, &st);
    if (rc == 0)
        snprintf(detail, size, "%s: %lld of %lld partners, %lld mails", day,
                 (long long)st.digests, (long long)st.partners, (long long)st.mails);
    return rc;
}
