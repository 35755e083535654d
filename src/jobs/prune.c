/*
 * prune.c — the daily clean-up: finished tasks after 30 days, job records
 * after 90, expired idempotency keys, and the clients' letters uploaded for
 * a transfer that was never filed, after a day (R-TRF-1). Running it twice
 * deletes nothing the second time.
 *
 * The records it deletes carry real (wall-clock) instants — they are the
 * runner's bookkeeping, not business facts — so their age is measured in
 * real time too; moving the test clock forward must not erase them.
 * Idempotency keys expire in business time (model/core/idempotency.h), as the
 * clients that retry see it; so do the letters, which are business data.
 */
#include <stdio.h>

#include "base/ctx.h"
#include "db/db.h"
#include "jobs/jobs.h"
#include "model/core/idempotency.h"
#include "model/core/job.h"
#include "model/core/task.h"
#include "model/requests/transfer.h"
#include "base/banned.h"

struct prune_args {
    int64_t now, tasks, runs, keys, letters;
};

static int
prune(struct ob_ctx *ctx, void *arg)
{
    struct prune_args *a = arg;
    int rc = ob_task_prune(ctx, a->now - 30 * 86400, &a->tasks);

    if (rc == 0)
        rc = ob_job_prune(ctx, a->now - 90 * 86400, &a->runs);
    if (rc == 0)
        rc = ob_idem_prune(ctx, ob_clock_now(ctx), &a->keys);
    if (rc == 0)
        rc = ob_transfer_letters_prune(ctx, ob_clock_now(ctx) - 86400, &a->letters);
    return rc;
}

int
ob_job_prune_run(struct ob_ctx *ctx, char *detail, size_t size)
{
    struct prune_args a = { ob_clock_real(), 0, 0, 0, 0 };
    int rc = ob_db_tx(ctx, OB_DB_WRITE, prune, &a);

    if (rc == 0)
        snprintf(detail, size,
                 "deleted %lld tasks and %lld job records, %lld idempotency keys, "
                 "%lld unfiled transfer letters",
                 (long long)a.tasks, (long long)a.runs, (long long)a.keys, (long long)a.letters);
    return rc;
}
