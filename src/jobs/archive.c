/*
 * archive.c — the transfers of trials that were never paid
 * (model/areas/archive.h holds the rule and its records).
 *
 *   trial-archive        the daily pass: notices, due archiving and
 *                        deletions queued (off unless --trial-archive-days)
 *   area.archive         waits for the area's final copy (kind 'archive',
 *                        made by the backups part's task area.backup:
 *                        stored and read back), then DELETE of the
 *                        backend's area; phase 'archived'
 *   area.unarchive       POST /oblako/areas re-creates the area, PUT
 *                        …/restore loads the archive; phase ''
 *   area.archive_delete  the archive's objects deleted from the store; the
 *                        area 'deleted'
 *
 * Each task starts over cleanly after a kill: a new spool file; deleting
 * what is already deleted, or re-creating an area the backend has (200),
 * is done; the copy's own task is the backups part's, with its recovery.
 * The backend's answers and the store's failures are retried with the
 * tasks' back-off; a permanent answer, or the last attempt, ends the task
 * in the same transaction that leaves the area's phase (sql/0028).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "base/config.h"
#include "base/ctx.h"
#include "base/rand.h"
#include "db/db.h"
#include "jobs/backend_io.h"
#include "jobs/jobs.h"
#include "model/areas/archive.h"
#include "model/areas/area.h"
#include "model/areas/backup.h"
#include "model/areas/backend.h"
#include "model/core/task.h"
#include "store/store.h"
#include "base/banned.h"

/* a transfer never outlives the task's lease */
#define TRANSFER_MAX_S 240

int
ob_job_trial_archive_run(struct ob_ctx *ctx, char *detail, size_t size)
{
    struct ob_archive_settings s;
    struct ob_archive_counts c;
    int rc;

    if ((rc = ob_archive_settings(ctx->cfg, &s, &ctx->err)) != 0)
        return rc;
    rc = ob_archive_pass(ctx, &s, &c);      /* off: only phases left under way are seen to */
    if (s.archive_days == 0)
        snprintf(detail, size, "off (--trial-archive-days is empty)");
    else
        snprintf(detail, size,
                 "%d trials told of archiving, %d areas queued for archiving, %d told of "
                 "deletion, %d archives queued for deletion, %d paid meanwhile",
                 c.noticed, c.archiving, c.delete_noticed, c.deleting, c.paid);
    return rc;
}

struct work {
    const char *node;
    const struct ob_task *t;
    int64_t area;
    int (*fn)(struct ob_ctx *, int64_t);
    const char *reason;
    struct ob_archive_copy copy;
    const char *version;
    bool go;
};

/* A record and the task's end, in one transaction. */
static int
finish_tx(struct ob_ctx *ctx, void *arg)
{
    struct work *w = arg;
    int rc = w->fn(ctx, w->area);

    return rc != 0 ? rc : ob_task_finish(ctx, w->node, w->t);
}

struct fail_arg {
    struct work *w;
    int (*fn)(struct ob_ctx *, int64_t, const char *);
};

static int
fail_tx(struct ob_ctx *ctx, void *arg)
{
    struct fail_arg *f = arg;
    int rc = f->fn(ctx, f->w->area, f->w->reason);

    return rc != 0 ? rc : ob_task_finish(ctx, f->w->node, f->w->t);
}

/* A failed step: retried while attempts are left and it may pass, else
 * recorded by fn with the task's end. */
static int
failed(struct ob_ctx *ctx, struct work *w, bool permanent, const char *reason,
       int (*fn)(struct ob_ctx *, int64_t, const char *), char *error, size_t size)
{
    struct fail_arg f = { w, fn };
    int rc;

    snprintf(error, size, "%s", reason);
    if (!permanent && w->t->attempts < w->t->max_attempts)
        return OB_EUNAVAIL;
    w->reason = reason;
    if ((rc = ob_db_tx(ctx, OB_DB_WRITE, fail_tx, &f)) != 0)
        snprintf(error, size, "%s", ctx->err.message);
    return rc;
}

static void
spool_path(struct ob_store *s, const char *what, int64_t area, char *out, size_t size)
{
    char r[17];

    ob_rand_hex(r, 8);
    snprintf(out, size, "%s/%s-%lld-%s", ob_store_spool(s), what, (long long)area, r);
}

/* The area, its backend and the store: what every task here needs. */
static int
prepare(struct ob_ctx *ctx, struct work *w, struct ob_area *a, struct ob_backend *b,
        struct ob_store **store, char *error, size_t size)
{
    int rc;

    if ((rc = ob_task_payload_id(w->t, "area", &w->area, error, size)) != 0)
        return rc;
    if ((rc = ob_area_load(ctx, w->area, a)) != 0 || (rc = ob_backend_load(ctx, a->app, b)) != 0) {
        snprintf(error, size, "%s", ctx->err.message);
        return rc == OB_ENOTFOUND ? OB_EINVAL : rc;
    }
    if (!(*store = ctx->cfg->store)) {      /* opened once per process by main.c */
        snprintf(error, size, "no backup store in this process");
        return OB_EUNAVAIL;
    }
    return 0;
}

static int
check_tx(struct ob_ctx *ctx, void *arg)
{
    struct work *w = arg;

    return ob_archive_area_check(ctx, w->area, &w->go);
}

int
ob_task_area_archive(struct ob_ctx *ctx, const char *node, const struct ob_task *t, char *error,
                     size_t size)
{
    struct work w = { .node = node, .t = t };
    struct ob_backend_io io;
    struct ob_backend b;
    struct ob_backup copy;
    struct ob_area a;
    struct ob_store *store;
    char path[160], why[400];
    json_t *p;
    int64_t backup;
    int rc;

    if ((rc = prepare(ctx, &w, &a, &b, &store, error, size)) != 0)
        return rc;
    p = json_loads(t->payload, 0, NULL);
    backup = json_integer_value(json_object_get(p, "backup"));
    json_decref(p);
    if ((rc = ob_db_tx(ctx, OB_DB_WRITE, check_tx, &w)) != 0) {
        snprintf(error, size, "%s", ctx->err.message);
        return rc;
    }
    if (!w.go)
        return ob_task_done(ctx, node, t);
    if (ob_backup_load(ctx, backup, &copy) != 0)
        return failed(ctx, &w, true, "the archive copy is gone", ob_archive_area_failed, error,
                      size);
    /* the backend's area goes only once its final copy is stored and read back */
    if (!strcmp(copy.state, "failed") || !strcmp(copy.state, "deleted")) {
        snprintf(why, sizeof(why), "the archive copy failed: %s", copy.error);
        return failed(ctx, &w, true, why, ob_archive_area_failed, error, size);
    }
    if (strcmp(copy.state, "stored") || !copy.verified_at) {
        snprintf(why, sizeof(why), "waiting for the archive copy (%s)", copy.state);
        return failed(ctx, &w, false, why, ob_archive_area_failed, error, size);
    }
    snprintf(path, sizeof(path), "/oblako/areas/%s", a.key);
    rc = ob_backend_fetch(ctx->cfg, &b, "DELETE", path, NULL, NULL, TRANSFER_MAX_S, &io);
    if (rc != 0 && io.status != 404)
        return failed(ctx, &w, rc == OB_EINVAL, io.error, ob_archive_area_failed, error, size);
    w.fn = ob_archive_area_archived;
    if ((rc = ob_db_tx(ctx, OB_DB_WRITE, finish_tx, &w)) != 0)
        snprintf(error, size, "%s", ctx->err.message);
    return rc;
}

static int
back_tx(struct ob_ctx *ctx, void *arg)
{
    struct work *w = arg;
    int rc = ob_archive_area_back(ctx, w->area, w->version);

    return rc != 0 ? rc : ob_task_finish(ctx, w->node, w->t);
}

int
ob_task_area_unarchive(struct ob_ctx *ctx, const char *node, const struct ob_task *t,
                       char *error, size_t size)
{
    struct work w = { .node = node, .t = t };
    struct ob_backend_io io;
    struct ob_backend b;
    struct ob_area a;
    struct ob_store *store;
    char path[160], spool[4400];
    json_t *body;
    char *text;
    int rc;

    if ((rc = prepare(ctx, &w, &a, &b, &store, error, size)) != 0)
        return rc;
    if (strcmp(a.phase, "unarchiving")) {
        rc = ob_task_done(ctx, node, t);
        goto done;
    }
    if ((rc = ob_archive_area_copy(ctx, w.area, &w.copy)) != 0) {
        rc = failed(ctx, &w, true, "the area has no stored archive", ob_archive_area_back_failed,
                    error, size);
        goto done;
    }
    spool_path(store, "unarchive", w.area, spool, sizeof(spool));
    if ((rc = ob_store_get(store, w.copy.object, spool, &ctx->err)) != 0) {
        unlink(spool);
        rc = failed(ctx, &w, false, ctx->err.message, ob_archive_area_back_failed, error, size);
        goto done;
    }
    body = json_pack("{s:s, s:s, s:s, s:b, s:b, s:I}", "area", a.key, "application", a.app_code,
                     "name", a.name, "test", a.test, "demo", false, "subscriber",
                     (json_int_t)a.subscriber_code);
    text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    rc = ob_backend_fetch(ctx->cfg, &b, "POST", "/oblako/areas", text, NULL, TRANSFER_MAX_S, &io);
    free(text);
    if (rc != 0) {      /* an area the backend has already (a task started over) is 200 */
        unlink(spool);
        rc = failed(ctx, &w, rc == OB_EINVAL, io.error, ob_archive_area_back_failed, error, size);
        goto done;
    }
    snprintf(path, sizeof(path), "/oblako/areas/%s/restore", a.key);
    rc = ob_backend_send(ctx->cfg, &b, path, spool, w.copy.sha256, TRANSFER_MAX_S, &io);
    unlink(spool);
    if (rc != 0) {
        rc = failed(ctx, &w, rc == OB_EINVAL, io.error, ob_archive_area_back_failed, error, size);
        goto done;
    }
    w.version = io.version[0] ? ob_arena_strdup(&ctx->arena, io.version) : NULL;
    if ((rc = ob_db_tx(ctx, OB_DB_WRITE, back_tx, &w)) != 0)
        snprintf(error, size, "%s", ctx->err.message);
done:
    return rc;
}

static int
gone_tx(struct ob_ctx *ctx, void *arg)
{
    struct work *w = arg;

    return ob_archive_copy_gone(ctx, w->copy.backup);
}

int
ob_task_area_archive_delete(struct ob_ctx *ctx, const char *node, const struct ob_task *t,
                            char *error, size_t size)
{
    struct work w = { .node = node, .t = t };
    struct ob_backend b;
    struct ob_area a;
    struct ob_store *store;
    int rc;

    if ((rc = prepare(ctx, &w, &a, &b, &store, error, size)) != 0)
        return rc;
    if (strcmp(a.phase, "archived")) {
        rc = ob_task_done(ctx, node, t);
        goto done;
    }
    /* every stored archive of the area, newest first, each marked once it is gone */
    while ((rc = ob_archive_area_copy(ctx, w.area, &w.copy)) == 0) {
        if ((rc = ob_store_delete(store, w.copy.object, &ctx->err)) != 0 ||
            (rc = ob_db_tx(ctx, OB_DB_WRITE, gone_tx, &w)) != 0) {
            snprintf(error, size, "%s", ctx->err.message);
            goto done;
        }
    }
    if (rc != OB_ENOTFOUND) {
        snprintf(error, size, "%s", ctx->err.message);
        goto done;
    }
    w.fn = ob_archive_area_deleted;
    if ((rc = ob_db_tx(ctx, OB_DB_WRITE, finish_tx, &w)) != 0)
        snprintf(error, size, "%s", ctx->err.message);
done:
    return rc;
}
