/*
 * task.c — the task queue's SQL.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "base/ctx.h"
#include "db/db.h"
#include "model/core/task.h"
#include "base/banned.h"

/* The claim; " AND kind <> ?" is inserted once per kind passed over. */
static const char claim_head[] =
    "UPDATE tasks SET state = 'running', locked_by = ?, locked_until = ?, attempts = attempts + 1 "
    "WHERE id = (SELECT id FROM tasks WHERE ((state = 'queued' AND run_after <= ?) "
    "OR (state = 'running' AND locked_until < ?))";
static const char claim_tail[] =
    " ORDER BY run_after, id LIMIT 1%s) RETURNING id, kind, payload, attempts, max_attempts";

static void
read_id(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    (void)ctx;
    if (out)
        *(int64_t *)out = ob_stmt_int(st, 0);
}

int
ob_task_enqueue(struct ob_ctx *ctx, const char *kind, const char *payload,
                const char *unique_key, int max_attempts, int64_t *id)
{
    int64_t now = ob_clock_real();
    int rc;

    if (unique_key) {
        rc = ob_db_get_int(ctx->db, id, "SELECT id FROM tasks WHERE unique_key = ?", "t",
                           unique_key);
        if (rc == OB_DB_ROW)
            return 0;
        if (rc < 0)
            return ob_db_err(ctx, rc);
    }
    rc = ob_db_one(ctx, read_id, id,
                   "INSERT INTO tasks (kind, payload, unique_key, max_attempts, run_after, "
                   "created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                   "tttiii", kind, payload, unique_key,
                   (int64_t)(max_attempts > 0 ? max_attempts : 8), now, now);
    return rc == OB_ENOTFOUND ? 0 : rc;
}

struct claim_args {
    const char *node;
    int lease_s;
    const char *const *skip;
    int nskip;
    struct ob_task *out;
};

/* The claim's values: the node, the lease's end, now twice, the kinds passed over. */
static int
bind_claim(struct ob_stmt *st, const void *arg)
{
    const struct claim_args *a = arg;
    int64_t now = ob_clock_real();
    int rc = ob_stmt_bindf(st, "tiii", a->node, now + a->lease_s, now, now);

    for (int i = 0; i < a->nskip && rc == 0; i++)
        rc = ob_stmt_bind_text(st, 5 + i, a->skip[i]);
    return rc;
}

static void
read_claimed(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct ob_task *out = arg;

    out->id = ob_stmt_int(st, 0);
    out->kind = ob_stmt_dup(ctx, st, 1);
    out->payload = ob_stmt_dup(ctx, st, 2);
    out->attempts = (int)ob_stmt_int(st, 3);
    out->max_attempts = (int)ob_stmt_int(st, 4);
}

/* OB_ENOTFOUND (without a message) when no task is due. */
static int
claim(struct ob_ctx *ctx, void *arg)
{
    struct claim_args *a = arg;
    char sql[sizeof(claim_head) + sizeof(claim_tail) + OB_TASK_SKIP_MAX * 16 + 32];
    size_t n = (size_t)snprintf(sql, sizeof(sql), "%s", claim_head);

    for (int i = 0; i < a->nskip; i++)
        n += (size_t)snprintf(sql + n, sizeof(sql) - n, " AND kind <> ?");
    snprintf(sql + n, sizeof(sql) - n, claim_tail, ob_db_claim_clause(ctx->db));
    return ob_db_one_bind(ctx, read_claimed, a->out, sql, bind_claim, a);
}

int
ob_task_claim_except(struct ob_ctx *ctx, const char *node, int lease_s,
                     const char *const *skip, int nskip, struct ob_task *out)
{
    struct claim_args a = { node, lease_s, skip, nskip < OB_TASK_SKIP_MAX ? nskip : OB_TASK_SKIP_MAX,
                            out };

    memset(out, 0, sizeof(*out));
    return ob_db_tx(ctx, OB_DB_WRITE, claim, &a);
}

struct extend_args {
    const char *node;
    const struct ob_task *t;
    int lease_s;
};

static int
extend(struct ob_ctx *ctx, void *arg)
{
    struct extend_args *a = arg;
    int64_t n = ob_db_run(ctx->db,
                          "UPDATE tasks SET locked_until = ? WHERE id = ? AND state = 'running' "
                          "AND locked_by = ?",
                          "iit", ob_clock_real() + a->lease_s, a->t->id, a->node);

    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if (n == 0)
        return ob_err_set(&ctx->err, OB_ECONFLICT, "task.lost", "id=%lld", (long long)a->t->id);
    return 0;
}

int
ob_task_extend(struct ob_ctx *ctx, const char *node, const struct ob_task *t, int lease_s)
{
    struct extend_args a = { node, t, lease_s };

    return ob_db_tx(ctx, OB_DB_WRITE, extend, &a);
}

int
ob_task_finish(struct ob_ctx *ctx, const char *node, const struct ob_task *t)
{
    int64_t n = ob_db_run(ctx->db,
                          "UPDATE tasks SET state = 'done', finished_at = ?, locked_by = NULL, "
                          "locked_until = NULL WHERE id = ? AND state = 'running' AND locked_by = ?",
                          "iit", ob_clock_real(), t->id, node);

    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if (n == 0)
        return ob_err_set(&ctx->err, OB_ECONFLICT, "task.lost", "id=%lld", (long long)t->id);
    return 0;
}

struct fail_args {
    const char *node, *error;
    const struct ob_task *t;
    bool permanent;
};

static int
fail(struct ob_ctx *ctx, void *arg)
{
    struct fail_args *a = arg;
    int64_t now = ob_clock_real(), delay, n;
    bool give_up = a->permanent || a->t->attempts >= a->t->max_attempts;
    int shift = a->t->attempts > 1 ? a->t->attempts - 1 : 0;

    delay = shift >= 12 ? 3600 : (int64_t)1 << shift;
    if (delay > 3600)
        delay = 3600;
    n = ob_db_run(ctx->db,
                  "UPDATE tasks SET state = ?, run_after = ?, last_error = ?, finished_at = ?, "
                  "locked_by = NULL, locked_until = NULL "
                  "WHERE id = ? AND state = 'running' AND locked_by = ?",
                  "tit" "iit", give_up ? "failed" : "queued", now + delay, a->error,
                  give_up ? now : (int64_t)0, a->t->id, a->node);
    return n < 0 ? ob_db_err(ctx, (int)n) : 0;
}

int
ob_task_fail(struct ob_ctx *ctx, const char *node, const struct ob_task *t, const char *error,
             bool permanent)
{
    struct fail_args a = { node, error, t, permanent };

    return ob_db_tx(ctx, OB_DB_WRITE, fail, &a);
}

static int
count_state(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct ob_task_stats *out = arg;
    const char *s = ob_stmt_dup(ctx, st, 0);
    int64_t n = ob_stmt_int(st, 1);

    if (!strcmp(s, "queued"))
        out->queued = n;
    else if (!strcmp(s, "running"))
        out->running = n;
    else if (!strcmp(s, "done"))
        out->done = n;
    else if (!strcmp(s, "failed"))
        out->failed = n;
    return 0;
}

int
ob_task_stats(struct ob_ctx *ctx, struct ob_task_stats *out)
{
    memset(out, 0, sizeof(*out));
    return ob_db_each(ctx, count_state, out, "SELECT state, COUNT(*) FROM tasks GROUP BY state",
                      NULL);
}

struct by_kind {
    int (*fn)(const char *kind, int64_t n, void *);
    void *arg;
};

static int
kind_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct by_kind *b = arg;

    (void)ctx;
    return b->fn(ob_stmt_text(st, 0), ob_stmt_int(st, 1), b->arg);
}

int
ob_task_failed_by_kind(struct ob_ctx *ctx, int (*fn)(const char *kind, int64_t n, void *),
                       void *arg)
{
    struct by_kind b = { fn, arg };

    /* tasks_due (state, run_after) narrows it to the failed ones */
    return ob_db_each(ctx, kind_row, &b,
                      "SELECT kind, COUNT(*) FROM tasks WHERE state = 'failed' GROUP BY kind "
                      "ORDER BY kind",
                      NULL);
}

int
ob_task_prune(struct ob_ctx *ctx, int64_t before, int64_t *deleted)
{
    int64_t n = ob_db_run(ctx->db,
                          "DELETE FROM tasks WHERE state IN ('done', 'failed') AND finished_at < ?",
                          "i", before);

    if (n < 0)
        return ob_db_err(ctx, (int)n);
    *deleted = n;
    return 0;
}

struct done_args {
    const char *node;
    const struct ob_task *t;
};

static int
done(struct ob_ctx *ctx, void *arg)
{
    struct done_args *a = arg;

    return ob_task_finish(ctx, a->node, a->t);
}

int
ob_task_done(struct ob_ctx *ctx, const char *node, const struct ob_task *t)
{
    struct done_args a = { node, t };

    return ob_db_tx(ctx, OB_DB_WRITE, done, &a);
}

static void
read_task(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct ob_task_info *out = arg;

    out->id = ob_stmt_int(st, 0);
    out->kind = ob_stmt_dup(ctx, st, 1);
    out->state = ob_stmt_dup(ctx, st, 2);
    out->attempts = (int)ob_stmt_int(st, 3);
    out->max_attempts = (int)ob_stmt_int(st, 4);
    out->run_after = ob_stmt_int(st, 5);
    out->last_error = ob_stmt_null(st, 6) ? NULL : ob_stmt_dup(ctx, st, 6);
}

int
ob_task_get(struct ob_ctx *ctx, int64_t id, struct ob_task_info *out)
{
    int rc;

    memset(out, 0, sizeof(*out));
    rc = ob_db_one(ctx, read_task, out,
                   "SELECT id, kind, state, attempts, max_attempts, run_after, last_error "
                   "FROM tasks WHERE id = ?",
                   "i", id);
    if (rc == OB_ENOTFOUND)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "task.not_found", "id=%lld", (long long)id);
    return rc;
}

int
ob_task_payload_id(const struct ob_task *t, const char *name, int64_t *id, char *error,
                   size_t size)
{
    json_t *p = json_loads(t->payload, 0, NULL);
    json_int_t v = json_integer_value(json_object_get(p, name));

    json_decref(p);
    if (v <= 0) {
        snprintf(error, size, "payload has no '%s'", name);
        return OB_EINVAL;
    }
    *id = v;
    return 0;
}
