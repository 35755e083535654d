/*
 * backup.h — backups of data areas and restores from them (R-DA-2, R-DA-5;
 * sql/0028 area_backups, sql/0029 area_restores).
 *
 * This is the bookkeeping only: the transfers (the backend's archive to the
 * store and back) are made by jobs/backups.c, which calls here to record
 * each step, since model/ never calls the store.
 *
 * A copy is queued (a row and a task `area.backup` in one transaction),
 * then 'storing' while its task runs (a task whose server died starts over:
 * the row goes back through 'storing'), then 'stored' with its size and
 * hash, verified by reading it back (verified_at), or 'failed' when its
 * task gives up. Only stored copies are listed. The daily job queues one
 * daily copy per ready area and service day (a unique index) and applies
 * the retention ladder (--backup-keep).
 *
 * A restore (owner and administrators of the subscriber, in a browser
 * session: an API token cannot restore — it is destructive) sets the
 * area's phase 'restoring' (no session opens; open ones are closed), queues
 * a 'before_restore' copy of the current state and the task
 * `area.restore`, which backs the area up first, then puts the chosen copy
 * back; the phase is left in the transaction that ends the task, done or
 * failed. Restoring into a new area creates it within the entitlement in
 * the same transaction, in phase 'restoring' until the copy is in.
 */
#ifndef OB_MODEL_AREAS_BACKUP_H
#define OB_MODEL_AREAS_BACKUP_H

#include <stdbool.h>
#include <stdint.h>

struct ob_ctx;
struct ob_err;

struct ob_backup {
    int64_t id, area, size, created_at, created_by, stored_at, verified_at, task_id;
    const char *kind, *state, *day, *object, *sha256, *version, *error;  /* in ctx's arena */
    int attempts;
};

/* ---- the retention ladder (pure) ---- */

/* The newest daily copy of each of the last `days` days, of each of the
 * last `weeks` ISO weeks and of each of the last `months` months is kept
 * (today's day, week and month count as the first). */
struct ob_backup_keep {
    int days, weeks, months;
};
/* Parse "7d,4w,3m": each unit at most once, in any order, at least one;
 * days 0..3660, weeks 0..520, months 0..120. OB_EINVAL with err naming
 * the setting --backup-keep. */
int ob_backup_keep_parse(const char *s, struct ob_backup_keep *out, struct ob_err *err);
/* Which of n daily copies to keep on `today`: day[i] is the service day of
 * copy i, the copies ordered newest first (by day, then by id). keep[i] is
 * set for the kept ones. */
void ob_backup_keep_decide(const struct ob_backup_keep *k, int32_t today, const int32_t *day,
                           int n, bool *keep);
/* The first day the ladder reaches back to on `today`: copies of other
 * kinds made by people (manual, before_restore, before_update) are kept
 * until they are older than it. */
int32_t ob_backup_keep_first_day(const struct ob_backup_keep *k, int32_t today);

/* ---- for people ---- */

/* The stored copies of area `id`, newest first, after cursor `after` (0:
 * from the newest); the owner and administrators of its subscriber, its
 * serving partner's owners and operators, provider staff. */
int ob_backup_list(struct ob_ctx *ctx, int64_t area, int64_t after, int limit,
                   int (*fn)(const struct ob_backup *, void *), void *arg);
/* The copies of area `id` not stored yet or failed since the last stored
 * one (what the area page shows as under way or failed), newest first. */
int ob_backup_pending(struct ob_ctx *ctx, int64_t area,
                      int (*fn)(const struct ob_backup *, void *), void *arg);
/* Queue a manual copy of a ready area (owner, administrators). */
int ob_backup_request(struct ob_ctx *ctx, int64_t area, int64_t *id);

struct ob_restore {
    int64_t id, area, backup, before, created_at, finished_at;
    bool into_new;
    const char *state, *error;
};
/* Restore stored copy `backup` of area `area` into it: `confirm` must be
 * the area's name. *restore gets the restore's id. OB_ECONFLICT when the
 * area is not ready or is busy (a phase: another restore, an update). */
int ob_restore_start(struct ob_ctx *ctx, int64_t area, int64_t backup, const char *confirm,
                     int64_t *restore);
/* Restore it into a new area named `name` (within the entitlement);
 * *new_area gets the new area's id. */
int ob_restore_into_new(struct ob_ctx *ctx, int64_t area, int64_t backup, const char *name,
                        int64_t *new_area, int64_t *restore);
/* The newest restore of area `area` (into it or making it), OB_ENOTFOUND
 * when there was none; access as ob_backup_list. */
int ob_restore_last(struct ob_ctx *ctx, int64_t area, struct ob_restore *out);

/* ---- for the jobs (system) ---- */

/* Queue today's daily copies: one per ready area without a phase that has
 * none for `day` ("YYYY-MM-DD"). */
int ob_backup_queue_daily(struct ob_ctx *ctx, const char *day, int *queued);
/* Queue a copy of `kind` of area `area` (the system's: the demo's, an
 * archive, a copy before an update); `day` is a daily copy's service day
 * (NULL for the other kinds). Joins the caller's transaction. A copy of an
 * area still being created waits for it. */
int ob_backup_queue(struct ob_ctx *ctx, int64_t area, const char *kind, const char *day,
                    int64_t *id);
/* Load copy `id` with no access check. */
int ob_backup_load(struct ob_ctx *ctx, int64_t id, struct ob_backup *out);
/* The task took the copy up: 'storing', its object name set
 * ("areas/<key>/<id>.bin"), attempts counted. */
int ob_backup_storing(struct ob_ctx *ctx, int64_t id, const char *object);
/* The copy is in the store: 'stored' with its size, hash and the
 * application version. Joins the caller's transaction. */
int ob_backup_stored(struct ob_ctx *ctx, int64_t id, int64_t size, const char *sha256,
                     const char *version);
/* An attempt failed: the error kept on the row (shown); `final` makes it
 * 'failed' and emits area.backup_failed. Joins the caller's transaction. */
int ob_backup_failed(struct ob_ctx *ctx, int64_t id, const char *error, bool final);
/* The read-back hash matched (ok) or not: verified_at, or 'failed'. */
int ob_backup_verified(struct ob_ctx *ctx, int64_t id, bool ok);
/* Stored copies never verified (their server died before), at most `limit`. */
int ob_backup_unverified(struct ob_ctx *ctx, int limit,
                         int (*fn)(const struct ob_backup *, void *), void *arg);
/* Apply the retention ladder on `today` to every area with stored copies:
 * the copies it drops become 'deleted' (their objects still to remove). */
int ob_backup_retain(struct ob_ctx *ctx, const struct ob_backup_keep *k, int32_t today,
                     int *deleted);
/* Deleted copies whose object is still in the store, at most `limit`. */
int ob_backup_unlinked(struct ob_ctx *ctx, int limit,
                       int (*fn)(const struct ob_backup *, void *), void *arg);
/* The object of deleted copy `id` is gone from the store. */
int ob_backup_unlinked_done(struct ob_ctx *ctx, int64_t id);

/* A restore's task: load it with its area's key, the copy to restore and
 * the 'before' copy. */
int ob_restore_load(struct ob_ctx *ctx, int64_t id, struct ob_restore *out);
/* The restore is over: 'done' or 'failed' with the error; the area leaves
 * 'restoring'; audited and, when done, area.restored emitted. Joins the
 * caller's transaction. */
int ob_restore_finished(struct ob_ctx *ctx, int64_t id, bool ok, const char *error);
/* Restores whose area is 'restoring' but whose task is over for good
 * (failed, or lost), finished as failed so the phase is left; copies
 * queued or storing whose task is over, marked failed. */
int ob_restore_recover(struct ob_ctx *ctx, int *recovered);

#endif
