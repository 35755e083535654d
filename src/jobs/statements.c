/*
 * statements.c — the monthly statements job, its run by hand and its task.
 *
 * On the 1st (after the job's minute) the 'statements' job drafts last
 * month's statements; `oblako jobs run statements --month YYYY-MM` does the
 * same by hand for any open month, printing progress; the 'statements.run'
 * task runs a run the API queued (POST /api/v1/statement-months/{m}/runs).
 * All three go through ob_statement_run, which takes over a run that died
 * and refuses while another is alive, so running twice is safe (R-OPS-3).
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "base/config.h"
#include "base/ctx.h"
#include "jobs/jobs.h"
#include "model/core/task.h"
#include "model/statements/statement.h"
#include "base/banned.h"

static void
progress(const struct ob_statement_run *r, void *arg)
{
    FILE *out = arg;

    fprintf(out, "statements %s: %lld of %lld partners\n", r->month, (long long)r->done,
            (long long)r->total);
    fflush(out);
}

int
ob_jobs_statements(struct ob_ctx *ctx, const char *node, const char *month, void *out,
                   char *detail, size_t size)
{
    char last[8];
    struct ob_statement_run r = { 0 };
    int rc;

    if (!month || !month[0]) {
        ob_statement_month_of(ob_clock_now(ctx), last);
        if (ob_statement_month_prev(last, last) != 0)
            return ob_err_set(&ctx->err, OB_EINTERNAL, "statement.month_invalid", "month=%s",
                              last);
        month = last;
    }
    rc = ob_statement_run(ctx, month, node, out ? progress : NULL, out, &r);
    if (rc == 0)
        snprintf(detail, size, "%s: %lld of %lld partners, run %lld", month, (long long)r.done,
                 (long long)r.total, (long long)r.id);
    return rc;
}

/* The scheduled run: a month already closed, or drafted right now by a run
 * of its own (by hand, or the API's), is nothing left for this period to do,
 * so the period completes instead of failing at every tick. */
int
ob_job_statements_run(struct ob_ctx *ctx, char *detail, size_t size)
{
    char node[128];
    int rc;

    ob_jobs_node_id(node, sizeof(node));
    rc = ob_jobs_statements(ctx, node, ctx->cfg ? ctx->cfg->month : NULL, NULL, detail, size);
    if (rc == OB_ECONFLICT && (!strcmp(ctx->err.reason, "statement.month_closed") ||
                               !strcmp(ctx->err.reason, "statement.run_running"))) {
        snprintf(detail, size, "%s", ctx->err.message);
        ob_err_clear(&ctx->err);
        rc = 0;
    }
    return rc;
}

int
ob_task_statements_run(struct ob_ctx *ctx, const char *node, const struct ob_task *t,
                       char *error, size_t size)
{
    json_t *p = json_loads(t->payload, 0, NULL);
    json_int_t run = json_integer_value(json_object_get(p, "run"));
    int rc;

    json_decref(p);
    if (run <= 0) {
        snprintf(error, size, "payload has no 'run'");
        return OB_EINVAL;
    }
    rc = ob_statement_run_id(ctx, run, node, NULL, NULL, NULL);
    if (rc == OB_ECONFLICT || rc == OB_EINVAL || rc == OB_ENOTFOUND) {
        /* another node runs it, it was taken over, or the month is closed:
         * nothing for this task to do again */
        snprintf(error, size, "%s", ctx->err.message);
        ob_err_clear(&ctx->err);
        rc = 0;
    } else if (rc != 0) {
        snprintf(error, size, "%s", ctx->err.message);
    }
    if (rc == 0)
        rc = ob_task_done(ctx, node, t);
    return rc;
}
