/*
 * runner.c — the job runner: a thread in the server, and the same passes for
 * `oblako jobs run` by hand.
 *
 * Each tick looks at every periodic job: if the business time has entered a
 * period the job has not completed, it takes the job's lease (one node at a
 * time), runs the body and records the period. Then it claims due tasks one
 * by one and runs their handlers. A failing job is recorded with its error
 * and tried again at the next tick of the same period (only 'ok' completes
 * a period); a failing task goes back to the queue with back-off. Kinds
 * whose gate (jobs.h) is shut on this node are not claimed at all: without
 * --smtp-url, mail waits in the outbox for a node that can send it.
 *
 * The thread owns one database connection and sleeps on a condition
 * variable between ticks, so stopping it is prompt.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/config.h"
#include "base/ctx.h"
#include "base/date.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/rand.h"
#include "db/db.h"
#include "jobs/jobs.h"
#include "model/core/job.h"
#include "model/core/setting.h"
#include "model/core/task.h"
#include "base/banned.h"

#define LEASE_S 300
#define TASK_LEASE_S 120
/* A tick stops claiming tasks after this long, so that slow tasks (a mail
 * server that does not answer takes 10 s to time out) do not keep the
 * periodic jobs waiting: the next tick comes at once and checks them first. */
#define TICK_TASKS_US (5 * 1000000LL)

void
ob_jobs_node_id(char *out, size_t size)
{
    char host[64] = "node", suffix[9];

    gethostname(host, sizeof(host) - 1);
    host[sizeof(host) - 1] = '\0';
    ob_rand_hex(suffix, 4);
    snprintf(out, size, "%s:%d:%s", host, (int)getpid(), suffix);
}

static void
reset_ctx(struct ob_ctx *ctx)
{
    ob_arena_free(&ctx->arena);
    ob_err_clear(&ctx->err);
    ctx->clock_ready = false;
}

static bool
frequent(const struct ob_job_def *j)
{
    return j->schedule == OB_SCHED_INTERVAL && j->every_s < 3600;
}

/* The period each periodic job was last found done in, by this node's run
 * or by its lease row (the runner's thread only): no lease is asked for it
 * again. A lease row's last period only grows, so a period known done stays
 * done; a job that failed, or that another node is running, is asked for
 * again at the next tick, as before. An idle node so writes nothing between
 * periods, where it took the write lock once per job a tick. */
#define DONE_JOBS_MAX 64
static char done_period[DONE_JOBS_MAX][32];

static bool
known_done(int i, const char *period)
{
    return i < DONE_JOBS_MAX && !strcmp(done_period[i], period);
}

static void
set_done(int i, const char *period)
{
    if (i < DONE_JOBS_MAX)
        snprintf(done_period[i], sizeof(done_period[i]), "%s", period);
}

/* Run job i for `period` if this node gets the lease. 1 when it ran. */
static int
run_job(struct ob_ctx *ctx, const char *node, int i, const char *period)
{
    const struct ob_job_def *j = &ob_job_defs[i];
    char detail[256] = "";
    int64_t started = ob_clock_real();
    bool got = false;
    int rc;

    if (ob_job_lease(ctx, j->name, node, LEASE_S, period, &got) != 0)
        return 0;
    if (!got) {
        if (ob_job_done(ctx, j->name, period))
            set_done(i, period);
        ob_err_clear(&ctx->err);
        return 0;
    }
    rc = j->run(ctx, detail, sizeof(detail));
    if (rc != 0)
        snprintf(detail, sizeof(detail), "%s", ctx->err.message[0] ? ctx->err.message : "failed");
    /* A job that runs every few minutes would bury the log at info: its
     * successful runs are debug lines (metrics still count them). */
    ob_log(rc ? OB_LOG_WARN : frequent(j) ? OB_LOG_DEBUG : OB_LOG_INFO, "job",
           "{s:s, s:s, s:s, s:s}", "job", j->name, "period", period, "result",
           rc ? "error" : "ok", "detail", detail);
    ob_metrics_job("periodic", j->name, rc ? "error" : "ok");
    ob_err_clear(&ctx->err);
    if (ob_job_complete(ctx, j->name, node, period, true, started, rc ? "error" : "ok",
                        detail) == 0 && rc == 0)
        set_done(i, period);
    ob_err_clear(&ctx->err);
    return 1;
}

static const struct ob_task_kind *
find_kind(const char *kind, bool test_mode)
{
    for (int i = 0; i < ob_ntask_kinds; i++)
        if (!strcmp(ob_task_kinds[i].kind, kind) && (test_mode || !ob_task_kinds[i].test_only))
            return &ob_task_kinds[i];
    return NULL;
}

/* The kinds whose gate is shut on this node's configuration: not claimed. */
static int
shut_kinds(const struct ob_config *cfg, const char **skip)
{
    int n = 0;

    for (int i = 0; i < ob_ntask_gates && n < OB_TASK_SKIP_MAX; i++)
        if (!ob_task_gates[i].ready(cfg))
            skip[n++] = ob_task_gates[i].kind;
    return n;
}

/* Claim and run one task: 1 when one ran, 0 when none was due. */
static int
run_task(struct ob_ctx *ctx, const char *node)
{
    const struct ob_task_kind *k;
    const char *skip[OB_TASK_SKIP_MAX];
    struct ob_task t = { 0 };
    char error[512] = "";
    int nskip = shut_kinds(ctx->cfg, skip);
    int rc = ob_task_claim_except(ctx, node, TASK_LEASE_S, skip, nskip, &t);

    if (rc != 0)
        return 0;
    k = find_kind(t.kind, ctx->cfg && ctx->cfg->test_clock);
    if (!k) {
        snprintf(error, sizeof(error), "unknown task kind '%s'", t.kind);
        rc = OB_EINVAL;
    } else {
        rc = k->run(ctx, node, &t, error, sizeof(error));
    }
    if (rc != 0) {
        bool permanent = rc == OB_EINVAL;
        bool last = permanent || t.attempts >= t.max_attempts;

        ob_err_clear(&ctx->err);
        ob_task_fail(ctx, node, &t, error, permanent);
        ob_log(OB_LOG_WARN, "task failed", "{s:I, s:s, s:i, s:s, s:b}", "task", (json_int_t)t.id,
               "kind", t.kind, "attempt", t.attempts, "error", error, "final", last);
        ob_metrics_job("task", t.kind, last ? "failed" : "retry");
    } else {
        ob_metrics_job("task", t.kind, "done");
    }
    return 1;
}

/* One pass: every periodic job that is due, then due tasks (at most
 * max_tasks). Returns the number of things done. */
static int
tick(struct ob_ctx *ctx, const char *node, int max_tasks)
{
    int64_t started = ob_clock_mono_us();
    int done = 0;

    for (int i = 0; i < ob_njob_defs; i++) {
        char period[32];

        reset_ctx(ctx);
        ob_jobs_period(&ob_job_defs[i], ob_clock_now(ctx), period, sizeof(period));
        if (period[0] && !known_done(i, period))
            done += run_job(ctx, node, i, period);
    }
    for (int n = 0; n < max_tasks && ob_clock_mono_us() - started < TICK_TASKS_US; n++) {
        reset_ctx(ctx);
        if (!run_task(ctx, node))
            break;
        done++;
    }
    reset_ctx(ctx);
    return done;
}

int
ob_jobs_run_now(struct ob_ctx *ctx, const char *node, const char *name, char *detail, size_t size)
{
    const struct ob_job_def *j = ob_jobs_find(name);
    char period[80], stamp[OB_INSTANT_LEN];
    int64_t started = ob_clock_real();
    bool got = false;
    int rc;

    if (!j)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "job.unknown", "name=%s", name);
    if ((rc = ob_job_lease(ctx, name, node, LEASE_S, NULL, &got)) != 0)
        return rc;
    if (!got)
        return ob_err_set(&ctx->err, OB_ECONFLICT, "job.running_elsewhere", "name=%s", name);
    rc = j->run(ctx, detail, size);
    ob_instant_format(ob_clock_real(), stamp);
    snprintf(period, sizeof(period), "manual %s %.24s", stamp, node);
    if (rc != 0)
        snprintf(detail, size, "%s", ctx->err.message);
    ob_metrics_job("periodic", name, rc ? "error" : "ok");
    {
        struct ob_err saved = ctx->err;

        ob_job_complete(ctx, name, node, period, false, started, rc ? "error" : "ok", detail);
        ctx->err = saved;
    }
    return rc;
}

int
ob_jobs_drain_tasks(struct ob_ctx *ctx, const char *node, int *count)
{
    *count = 0;
    for (;;) {
        reset_ctx(ctx);
        if (!run_task(ctx, node))
            break;
        (*count)++;
    }
    return 0;
}

struct ob_runner {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool stop;
    const struct ob_config *cfg;
    char node[128];
};

static void *
loop(void *arg)
{
    struct ob_runner *r = arg;
    struct ob_db_opts opts = { r->cfg->busy_timeout_ms, r->cfg->pg_prepare };
    struct ob_db *db = NULL;
    struct ob_ctx ctx;
    bool stop = false;

    while (!stop) {
        struct ob_err err = { 0 };
        struct timespec until;
        int did = 0;

        if (!db && ob_db_open(r->cfg->db, &opts, &db, &err) != 0)
            ob_log(OB_LOG_ERROR, "job runner cannot open database", "{s:s}", "error",
                   err.message);
        if (db) {
            ob_ctx_init(&ctx, db, r->cfg);
            ctx.actor.system = true;
            snprintf(ctx.request_id, sizeof(ctx.request_id), "jobs");
            if (r->cfg->test_clock)
                ctx.clock_load = ob_testclock_load;
            did = tick(&ctx, r->node, 50);
            ob_ctx_release(&ctx);
        }
        clock_gettime(CLOCK_REALTIME, &until);
        if (!did) {
            long ns = until.tv_nsec + (long)(r->cfg->jobs_interval_ms % 1000) * 1000000L;

            until.tv_sec += r->cfg->jobs_interval_ms / 1000 + ns / 1000000000L;
            until.tv_nsec = ns % 1000000000L;
        }
        pthread_mutex_lock(&r->lock);
        if (!r->stop && !did)
            pthread_cond_timedwait(&r->cond, &r->lock, &until);
        stop = r->stop;
        pthread_mutex_unlock(&r->lock);
    }
    ob_db_close(db);
    return NULL;
}

int
ob_runner_start(const struct ob_config *cfg, struct ob_runner **out)
{
    struct ob_runner *r = ob_xcalloc(1, sizeof(*r));

    r->cfg = cfg;
    ob_jobs_node_id(r->node, sizeof(r->node));
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->cond, NULL);
    if (pthread_create(&r->thread, NULL, loop, r) != 0) {
        free(r);
        return OB_EINTERNAL;
    }
    ob_log(OB_LOG_INFO, "job runner started", "{s:s}", "node", r->node);
    *out = r;
    return 0;
}

void
ob_runner_stop(struct ob_runner *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->lock);
    r->stop = true;
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->lock);
    pthread_join(r->thread, NULL);
    pthread_mutex_destroy(&r->lock);
    pthread_cond_destroy(&r->cond);
    free(r);
}
