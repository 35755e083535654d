/*
 * reminders.c — the daily job of end-of-access reminders (R-NOT-1).
 *
 * First the one-time backfill of access_ends for data posted before the
 * subscription engine kept it (nothing after the first run), then the pass
 * of model/notices/reminder.c over the business days since the last one.
 * Safe to run twice: the second finds today done, and the ledger's unique
 * key keeps two passes at once from sending one reminder twice.
 */
#include <stdio.h>

#include "base/config.h"
#include "base/ctx.h"
#include "base/date.h"
#include "jobs/jobs.h"
#include "model/notices/reminder.h"
#include "model/subscriptions/ends.h"
#include "base/banned.h"

int
ob_job_reminders_run(struct ob_ctx *ctx, char *detail, size_t size)
{
    struct ob_reminder_pass p;
    char from[OB_DATE_LEN], to[OB_DATE_LEN];
    int64_t backfilled = 0;
    int rc;

    if ((rc = ob_access_ends_backfill(ctx, &backfilled)) != 0 ||
        (rc = ob_reminders_run(ctx, ctx->cfg && ctx->cfg->reminder_offsets[0]
                                        ? ctx->cfg->reminder_offsets
                                        : NULL,
                               &p)) != 0)
        return rc;
    ob_date_format(p.from + 1, from);
    ob_date_format(p.to, to);
    if (p.from >= p.to)
        snprintf(detail, size, "%s done already", to);
    else
        snprintf(detail, size, "%s..%s: %lld sent (%lld mails), %lld skipped%s", from, to,
                 (long long)p.sent, (long long)p.mails, (long long)p.skipped,
                 backfilled ? "; ends of access computed for existing subscribers" : "");
    return 0;
}
