/*
 * task.h — the durable queue of tasks (a mail to send, a call to an
 * application backend).
 *
 * A task is claimed by one runner at a time: the claim sets state
 * 'running', the runner's node id and a lock expiry (real time); a runner
 * that dies leaves the lock to expire and another claims the task again.
 * On PostgreSQL the claim skips rows other nodes hold (FOR UPDATE SKIP
 * LOCKED); on SQLite the write lock serialises claims. A failed attempt goes
 * back to 'queued' with a back-off of 1, 2, 4 … seconds (capped at an hour)
 * until max_attempts, then 'failed'; the last error is kept either way.
 */
#ifndef OB_MODEL_CORE_TASK_H
#define OB_MODEL_CORE_TASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ob_ctx;

struct ob_task {
    int64_t id;
    const char *kind;       /* in ctx's arena */
    const char *payload;    /* JSON text, in ctx's arena */
    int attempts, max_attempts;
};

struct ob_task_stats {
    int64_t queued, running, done, failed;
};

/* Enqueue; with a unique_key, a second enqueue of the same key is a no-op
 * that returns the first task's id. Joins the caller's transaction. */
int ob_task_enqueue(struct ob_ctx *ctx, const char *kind, const char *payload,
                    const char *unique_key, int max_attempts, int64_t *id);
/* Claim the next due task for `node`, locked for lease_s seconds, passing
 * over tasks of the nskip kinds in skip (at most OB_TASK_SKIP_MAX): kinds
 * this node cannot run (jobs.h gates). Returns 0 with *out filled, or
 * OB_ENOTFOUND when nothing is due. */
#define OB_TASK_SKIP_MAX 8
int ob_task_claim_except(struct ob_ctx *ctx, const char *node, int lease_s,
                         const char *const *skip, int nskip, struct ob_task *out);
/* Hold the task `lease_s` seconds more from now (real time), if `node`
 * still holds it: a handler whose work is long (a backup's transfer) takes
 * a longer lease than the runner's claim, so no other runner takes the
 * task over mid-way. OB_ECONFLICT when the task was lost. */
int ob_task_extend(struct ob_ctx *ctx, const char *node, const struct ob_task *t, int lease_s);
/* Mark the task done inside the caller's transaction, if `node` still holds
 * it (OB_ECONFLICT otherwise: its lease expired and another runner took it). */
/* The positive integer `name` of the task's JSON payload into *id; OB_EINVAL
 * with the reason in error when it has none. */
int ob_task_payload_id(const struct ob_task *t, const char *name, int64_t *id, char *error,
                       size_t size);
int ob_task_finish(struct ob_ctx *ctx, const char *node, const struct ob_task *t);
/* ob_task_finish in a transaction of its own. */
int ob_task_done(struct ob_ctx *ctx, const char *node, const struct ob_task *t);
/* Record a failed attempt: back to the queue with back-off, or 'failed'
 * when permanent or out of attempts. */
int ob_task_fail(struct ob_ctx *ctx, const char *node, const struct ob_task *t,
                 const char *error, bool permanent);
struct ob_task_info {
    int64_t id, run_after;
    const char *kind, *state, *last_error;  /* in ctx's arena; last_error may be NULL */
    int attempts, max_attempts;
};
/* One task by id; OB_ENOTFOUND when there is none. */
int ob_task_get(struct ob_ctx *ctx, int64_t id, struct ob_task_info *out);
int ob_task_stats(struct ob_ctx *ctx, struct ob_task_stats *out);
/* Failed tasks still kept (not yet pruned), by kind: fn per kind (/metrics). */
int ob_task_failed_by_kind(struct ob_ctx *ctx, int (*fn)(const char *kind, int64_t n, void *),
                           void *arg);
/* Delete finished tasks that finished before `before` (UTC seconds). */
int ob_task_prune(struct ob_ctx *ctx, int64_t before, int64_t *deleted);

#endif
