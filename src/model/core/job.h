/*
 * job.h — leases and history of periodic jobs.
 *
 * Only one node runs a periodic job at a time: it must hold the job's lease
 * row (holder + expiry in real time). A lease row, not an advisory lock,
 * because advisory locks do not survive pgbouncer's transaction pooling. A
 * completed period is recorded in job_runs, unique per (name, period), and in
 * the lease row's last_period, so a node arriving late skips it.
 */
#ifndef OB_MODEL_CORE_JOB_H
#define OB_MODEL_CORE_JOB_H

#include <stdbool.h>
#include <stdint.h>

struct ob_ctx;

struct ob_job_row {
    const char *name, *holder, *last_period;
    int64_t expires_at;
};

struct ob_job_run {
    const char *name, *period, *node, *result, *detail;
    int64_t started_at, finished_at;
};

/* Take the lease of `name` for ttl_s seconds unless another node holds an
 * unexpired one or `period` (when not NULL) is not after the last one done.
 * *got says whether it was taken. */
int ob_job_lease(struct ob_ctx *ctx, const char *name, const char *node, int ttl_s,
                 const char *period, bool *got);
/* Is `period` of `name` done (its lease row's last period is not before
 * it)? A read: no lock is taken. */
bool ob_job_done(struct ob_ctx *ctx, const char *name, const char *period);
/* Record the run of `period` and release the lease; a scheduled run that
 * went well also completes the period (a run by hand does not). */
int ob_job_complete(struct ob_ctx *ctx, const char *name, const char *node, const char *period,
                    bool scheduled, int64_t started_at, const char *result, const char *detail);
int ob_job_list(struct ob_ctx *ctx, int (*fn)(const struct ob_job_row *, void *), void *arg);
/* Runs of one job (or all when name is NULL), newest first, at most limit. */
int ob_job_runs(struct ob_ctx *ctx, const char *name, int limit,
                int (*fn)(const struct ob_job_run *, void *), void *arg);
/* Delete run records that started before `before`. */
int ob_job_prune(struct ob_ctx *ctx, int64_t before, int64_t *deleted);

#endif
