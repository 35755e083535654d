/*
 * model/core/ — what every other part of the domain stands on.
 *
 * Settings (setting.c), periodic jobs with their leases and run records (job.c),
 * durable tasks claimed by one node at a time (task.c), the mail outbox
 * (outbox.c), idempotency keys (idempotency.c), rate limits (ratelimit.c) and
 * the audit record that every change writes in its own transaction (audit.c).
 * None of it knows a partner, a subscriber or a tariff: a job, a task or an
 * outbox row carries a kind and a payload, and the folders above give them a
 * meaning. Everything here is safe on several nodes at once: a lease, a claim
 * or a unique key decides who does a thing, never a node's memory.
 *
 * This file is the folder's main one: jobs are how the service does anything
 * on its own.
 */
/*
 * job.c — lease rows and run records of periodic jobs.
 */
#include <string.h>

#include "base/ctx.h"
#include "db/db.h"
#include "model/core/job.h"
#include "base/banned.h"

struct lease_args {
    const char *name, *node, *period;
    int ttl_s;
    bool *got;
};

static int
lease(struct ob_ctx *ctx, void *arg)
{
    struct lease_args *a = arg;
    int64_t now = ob_clock_real(), n;

    n = ob_db_run(ctx->db, "INSERT INTO job_leases (name) VALUES (?) ON CONFLICT (name) DO NOTHING",
                  "t", a->name);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    n = ob_db_run(ctx->db,
                  "UPDATE job_leases SET holder = ?, expires_at = ? WHERE name = ? "
                  "AND (holder = '' OR holder = ? OR expires_at < ?) AND (? = '' OR last_period < ?)",
                  "tittitt", a->node, now + a->ttl_s, a->name, a->node, now,
                  a->period ? a->period : "", a->period ? a->period : "");
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    *a->got = n == 1;
    return 0;
}

int
ob_job_lease(struct ob_ctx *ctx, const char *name, const char *node, int ttl_s,
             const char *period, bool *got)
{
    struct lease_args a = { name, node, period, ttl_s, got };

    *got = false;
    return ob_db_tx(ctx, OB_DB_WRITE, lease, &a);
}

bool
ob_job_done(struct ob_ctx *ctx, const char *name, const char *period)
{
    char last[64] = "";
    int rc = ob_db_get_text(ctx->db, last, sizeof(last),
                            "SELECT last_period FROM job_leases WHERE name = ?", "t", name);

    return rc == OB_DB_ROW && last[0] && strcmp(last, period) >= 0;
}

struct complete_args {
    const char *name, *node, *period, *result, *detail;
    int64_t started_at;
    bool scheduled;
};

static int
complete(struct ob_ctx *ctx, void *arg)
{
    struct complete_args *a = arg;
    int64_t n;

    n = ob_db_run(ctx->db,
                  "INSERT INTO job_runs (name, period, node, started_at, finished_at, result, "
                  "detail) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name, period) DO NOTHING",
                  "tttiitt", a->name, a->period, a->node, a->started_at, ob_clock_real(),
                  a->result, a->detail ? a->detail : "");
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    n = ob_db_run(ctx->db,
                  "UPDATE job_leases SET holder = '', expires_at = 0, "
                  "last_period = CASE WHEN ? = 'ok' AND ? = 1 THEN ? ELSE last_period END "
                  "WHERE name = ? AND holder = ?",
                  "titt" "t", a->result, (int64_t)a->scheduled, a->period, a->name, a->node);
    return n < 0 ? ob_db_err(ctx, (int)n) : 0;
}

int
ob_job_complete(struct ob_ctx *ctx, const char *name, const char *node, const char *period,
                bool scheduled, int64_t started_at, const char *result, const char *detail)
{
    struct complete_args a = { name, node, period, result, detail, started_at, scheduled };

    return ob_db_tx(ctx, OB_DB_WRITE, complete, &a);
}

struct job_fn {
    int (*lease)(const struct ob_job_row *, void *);
    int (*run)(const struct ob_job_run *, void *);
    void *arg;
};

static int
lease_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    const struct job_fn *f = arg;
    struct ob_job_row r = { ob_stmt_dup(ctx, st, 0), ob_stmt_dup(ctx, st, 1),
                            ob_stmt_dup(ctx, st, 3), ob_stmt_int(st, 2) };

    return f->lease(&r, f->arg);
}

int
ob_job_list(struct ob_ctx *ctx, int (*fn)(const struct ob_job_row *, void *), void *arg)
{
    struct job_fn f = { .lease = fn, .arg = arg };

    return ob_db_each(ctx, lease_row, &f,
                      "SELECT name, holder, expires_at, last_period FROM job_leases ORDER BY name",
                      NULL);
}

static int
run_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    const struct job_fn *f = arg;
    struct ob_job_run r = { ob_stmt_dup(ctx, st, 0), ob_stmt_dup(ctx, st, 1),
                            ob_stmt_dup(ctx, st, 2), ob_stmt_dup(ctx, st, 3),
                            ob_stmt_dup(ctx, st, 4), ob_stmt_int(st, 5),
                            ob_stmt_int(st, 6) };

    return f->run(&r, f->arg);
}

int
ob_job_runs(struct ob_ctx *ctx, const char *name, int limit,
            int (*fn)(const struct ob_job_run *, void *), void *arg)
{
    struct job_fn f = { .run = fn, .arg = arg };

    return ob_db_each(ctx, run_row, &f,
                      "SELECT name, period, node, result, detail, started_at, finished_at "
                      "FROM job_runs WHERE (? IS NULL OR name = ?) ORDER BY id DESC LIMIT ?",
                      "tti", name, name, (int64_t)limit);
}

int
ob_job_prune(struct ob_ctx *ctx, int64_t before, int64_t *deleted)
{
    int64_t n = ob_db_run(ctx->db, "DELETE FROM job_runs WHERE started_at < ?", "i", before);

    if (n < 0)
        return ob_db_err(ctx, (int)n);
    *deleted = n;
    return 0;
}
