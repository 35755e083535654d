/*
 * copies.c — the transfers of a client's copies of its data areas
 * (model/areas/copy.h, docs/app-backend.md "Copies of an area"):
 *
 *   area.export   GET {backend}/oblako/areas/{key}/export streamed into a
 *                 spool file (hashed, checked against X-Oblako-Sha256),
 *                 stored as the copy's object, marked stored, read back
 *                 and verified; a permanent refusal or the last attempt
 *                 marks the copy failed with the reason
 *   copies-prune  (daily) exports asked for more than a week ago leave the
 *                 store (their links live a day), links expired a day ago
 *                 are forgotten, and spool files of these transfers that a
 *                 killed server left behind (older than a day) are removed
 *   (import)      the area.create task of an area made from an upload
 *                 (jobs/areas.c) calls ob_copy_import once the backend has
 *                 made the area: the uploaded object is fetched from the
 *                 store into a spool file and PUT to …/import
 *
 * An attempt always starts over with a new spool file, so an attempt cut by
 * a killed server leaves nothing half-made that anything would read: the
 * copy is listed and linked only once 'stored'. A transfer is bounded below
 * the runner's task lease (jobs/runner.c), so no other runner takes it over
 * mid-way.
 */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/config.h"
#include "base/ctx.h"
#include "base/log.h"
#include "base/rand.h"
#include "db/db.h"
#include "jobs/backend_io.h"
#include "jobs/jobs.h"
#include "model/areas/area.h"
#include "model/areas/backend.h"
#include "model/areas/copy.h"
#include "model/core/task.h"
#include "store/store.h"
#include "base/banned.h"

/* Below the runner's task lease of 120 s. */
#define TRANSFER_MAX_S 100

static int64_t
copy_of(const struct ob_task *t)
{
    json_t *p = json_loads(t->payload, 0, NULL);
    json_int_t v = json_integer_value(json_object_get(p, "copy"));

    json_decref(p);
    return v;
}

/* A new spool file name for this attempt. */
static void
spool_name(const struct ob_store *s, const char *what, int64_t id, char *out, size_t size)
{
    char r[17];

    ob_rand_hex(r, 8);
    snprintf(out, size, "%s/%s-%" PRId64 "-%s", ob_store_spool(s), what, id, r);
}

struct step {
    const char *node;
    const struct ob_task *t;
    int64_t id, size;
    const char *sha256, *version, *error;
};

static int
storing_tx(struct ob_ctx *ctx, void *arg)
{
    return ob_copy_storing(ctx, ((struct step *)arg)->id);
}

static int
stored_tx(struct ob_ctx *ctx, void *arg)
{
    struct step *s = arg;
    int rc = ob_copy_stored(ctx, s->id, s->size, s->sha256, s->version);

    return rc != 0 ? rc : ob_task_finish(ctx, s->node, s->t);
}

static int
failed_tx(struct ob_ctx *ctx, void *arg)
{
    struct step *s = arg;
    int rc = ob_copy_failed(ctx, s->id, s->error);

    return rc != 0 ? rc : ob_task_finish(ctx, s->node, s->t);
}

static int
verified_tx(struct ob_ctx *ctx, void *arg)
{
    struct step *s = arg;

    return ob_copy_verified(ctx, s->id, s->error == NULL);
}

/* The attempt failed: retried (OB_EUNAVAIL) unless it is permanent or the
 * last, then the copy fails with the reason and the task ends. */
static int
give_up_or_retry(struct ob_ctx *ctx, struct step *s, bool permanent, char *error, size_t size)
{
    int rc;

    if (!permanent && s->t->attempts < s->t->max_attempts)
        return OB_EUNAVAIL;
    s->error = error;
    if ((rc = ob_db_tx(ctx, OB_DB_WRITE, failed_tx, s)) != 0)
        snprintf(error, size, "%s", ctx->err.message);
    return rc;
}

int
ob_task_area_export(struct ob_ctx *ctx, const char *node, const struct ob_task *t, char *error,
                    size_t size)
{
    struct ob_store *store = ctx->cfg->store;
    struct step s = { .node = node, .t = t, .id = copy_of(t) };
    struct ob_backend_io io;
    struct ob_backend b;
    struct ob_copy c;
    struct ob_area a;
    char file[4200], path[128], back[OB_SHA256_HEX];
    int rc;

    if (s.id <= 0) {
        snprintf(error, size, "payload has no 'copy'");
        return OB_EINVAL;
    }
    if ((rc = ob_copy_load(ctx, s.id, &c)) != 0) {
        snprintf(error, size, "%s", ctx->err.message);
        return rc == OB_ENOTFOUND ? OB_EINVAL : rc;
    }
    if (strcmp(c.state, "queued") && strcmp(c.state, "storing"))
        return ob_task_done(ctx, node, t);      /* stored or failed already */
    if (!store) {
        snprintf(error, size, "the backup store is not open on this node");
        return give_up_or_retry(ctx, &s, false, error, size);
    }
    if ((rc = ob_area_load(ctx, c.area, &a)) != 0 || ob_backend_load(ctx, a.app, &b) != 0) {
        snprintf(error, size, "%s", ctx->err.message);
        return give_up_or_retry(ctx, &s, rc == OB_ENOTFOUND, error, size);
    }
    if (strcmp(a.state, "ready")) {
        snprintf(error, size, "the data area is no longer ready (%s)", a.state);
        return give_up_or_retry(ctx, &s, true, error, size);
    }
    if ((rc = ob_db_tx(ctx, OB_DB_WRITE, storing_tx, &s)) != 0) {
        snprintf(error, size, "%s", ctx->err.message);
        return rc;
    }
    spool_name(store, "export", s.id, file, sizeof(file));
    snprintf(path, sizeof(path), "/oblako/areas/%s/export", a.key);
    rc = ob_backend_fetch(ctx->cfg, &b, "GET", path, NULL, file, TRANSFER_MAX_S, &io);
    if (rc != 0) {
        snprintf(error, size, "%s", io.error);
        return give_up_or_retry(ctx, &s, rc == OB_EINVAL, error, size);
    }
    if (ob_store_put(store, c.object, file, io.sha256, &ctx->err) != 0) {
        snprintf(error, size, "%s", ctx->err.message);
        unlink(file);
        ob_err_clear(&ctx->err);
        return give_up_or_retry(ctx, &s, false, error, size);
    }
    unlink(file);
    s.size = io.bytes;
    s.sha256 = io.sha256;
    s.version = io.version;
    if ((rc = ob_db_tx(ctx, OB_DB_WRITE, stored_tx, &s)) != 0) {
        snprintf(error, size, "%s", ctx->err.message);
        return rc;
    }
    /* read it back: a copy that does not is failed, never handed out */
    if (ob_store_sha256(store, c.object, back, &ctx->err) != 0 || strcmp(back, io.sha256)) {
        ob_log(OB_LOG_WARN, "an export does not read back", "{s:I, s:s}", "copy",
               (json_int_t)s.id, "error", ctx->err.message);
        ob_err_clear(&ctx->err);
        s.error = "read back";
    }
    if (ob_db_tx(ctx, OB_DB_WRITE, verified_tx, &s) != 0)
        ob_err_clear(&ctx->err);    /* verified again by whoever reads it next */
    return 0;
}

int
ob_copy_import(struct ob_ctx *ctx, const struct ob_backend *b, const struct ob_area *a,
               const struct ob_copy *c, char *version, size_t vsize, char *error, size_t size)
{
    struct ob_store *store = ctx->cfg->store;
    struct ob_backend_io io;
    char file[4200], path[128];
    json_t *ans;
    int rc;

    if (strcmp(c->state, "stored")) {
        snprintf(error, size, "the uploaded copy could not be stored%s%s", c->error[0] ? ": " : "",
                 c->error);
        return OB_EINVAL;
    }
    if (!store) {
        snprintf(error, size, "the backup store is not open on this node");
        return OB_EUNAVAIL;
    }
    spool_name(store, "import", c->id, file, sizeof(file));
    if ((rc = ob_store_get(store, c->object, file, &ctx->err)) != 0) {
        snprintf(error, size, "%s", ctx->err.message);
        ob_err_clear(&ctx->err);
        unlink(file);
        return rc == OB_ENOTFOUND ? OB_EINVAL : OB_EUNAVAIL;
    }
    snprintf(path, sizeof(path), "/oblako/areas/%s/import", a->key);
    rc = ob_backend_send(ctx->cfg, b, path, file, c->sha256, TRANSFER_MAX_S, &io);
    unlink(file);
    if (rc != 0) {
        snprintf(error, size, "%s", io.error);
        return rc;
    }
    ans = json_loadb(io.answer, io.answer_len, 0, NULL);
    snprintf(version, vsize, "%s",
             json_string_value(json_object_get(ans, "version"))
                 ? json_string_value(json_object_get(ans, "version"))
                 : "");
    json_decref(ans);
    return 0;
}

#define PRUNE_BATCH 200

struct prune {
    struct ob_ctx *ctx;
    struct ob_store *store;
    int64_t ids[PRUNE_BATCH];
    const char *objects[PRUNE_BATCH];
    int n;
};

static int
old_export(const struct ob_copy *c, void *arg)
{
    struct prune *p = arg;

    p->ids[p->n] = c->id;
    p->objects[p->n++] = c->object;
    return 0;
}

static int
deleted_tx(struct ob_ctx *ctx, void *arg)
{
    return ob_copy_deleted(ctx, *(int64_t *)arg);
}

/* Spool files of copies' transfers (upload-, export-, import-) older than a
 * day: what a server killed mid-transfer left. Other files are not ours. */
static int
prune_spool(const struct ob_store *store)
{
    DIR *d = opendir(ob_store_spool(store));
    struct dirent *e;
    time_t old = time(NULL) - 86400;
    int n = 0;

    if (!d)
        return 0;
    while ((e = readdir(d)) != NULL) {
        char path[4400];
        struct stat st;

        if (strncmp(e->d_name, "upload-", 7) && strncmp(e->d_name, "export-", 7) &&
            strncmp(e->d_name, "import-", 7))
            continue;
        snprintf(path, sizeof(path), "%s/%s", ob_store_spool(store), e->d_name);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_mtime < old && unlink(path) == 0)
            n++;
    }
    closedir(d);
    return n;
}

int
ob_job_copies_prune_run(struct ob_ctx *ctx, char *detail, size_t size)
{
    struct prune p = { .ctx = ctx, .store = ctx->cfg->store };
    int64_t now = ob_clock_now(ctx), links = 0;
    int gone = 0, spool = 0, rc;

    if (!p.store) {
        snprintf(detail, size, "the backup store is not open on this node");
        return OB_EUNAVAIL;
    }
    do {
        p.n = 0;
        if ((rc = ob_copy_exports_old(ctx, now - OB_COPY_EXPORT_KEEP_SECONDS, PRUNE_BATCH,
                                      old_export, &p)) != 0)
            return rc;
        for (int i = 0; i < p.n; i++) {
            /* the object first: a row still 'stored' is tried again tomorrow */
            if (ob_store_delete(p.store, p.objects[i], &ctx->err) != 0 ||
                ob_db_tx(ctx, OB_DB_WRITE, deleted_tx, &p.ids[i]) != 0)
                return ctx->err.rc ? ctx->err.rc : OB_EUNAVAIL;
            gone++;
        }
    } while (p.n == PRUNE_BATCH);
    if ((rc = ob_copy_links_prune(ctx, now - 86400, &links)) != 0)
        return rc;
    spool = prune_spool(p.store);
    snprintf(detail, size, "%d exports deleted, %" PRId64 " expired links forgotten, %d spool files "
             "removed", gone, links, spool);
    return 0;
}
