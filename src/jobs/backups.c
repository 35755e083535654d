/*
 * backups.c — the transfers of backups and restores, as queued tasks, and
 * the daily `backups` job (model/areas/backup.h keeps the books).
 *
 *   area.backup    POST {backend}/oblako/areas/{key}/backup into a spool
 *                  file (hashed and checked on the way, backend_io.c), put
 *                  into the store as areas/<key>/<id>.bin, the row marked
 *                  stored with the task's end, then read back and verified
 *   area.restore   the area's current state backed up first (its
 *                  'before_restore' copy), then the chosen copy fetched
 *                  from the store, checked against its hash and PUT to
 *                  {backend}/oblako/areas/{key}/restore; the area leaves
 *                  'restoring' in the transaction that ends the task
 *   backups        daily: lost restores and copies finished, today's daily
 *                  copies queued (one per ready area), the retention ladder
 *                  applied, deleted copies' objects removed from the store,
 *                  copies never verified read back
 *
 * A transfer may be long: each handler takes a lease of LEASE_S on its
 * task (the runner's claim is shorter) and bounds its backend call below
 * it, so another runner never takes a task over while it is still moving
 * bytes. A task whose server died is claimed again after the lease and
 * starts over: the spool file has a fixed name per copy and is truncated,
 * and the row goes back through 'storing'. Nothing is listed until it is
 * stored: a copy half-written when the server died is never shown.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "base/config.h"
#include "base/ctx.h"
#include "base/date.h"
#include "base/log.h"
#include "db/db.h"
#include "jobs/backend_io.h"
#include "jobs/jobs.h"
#include "model/areas/area.h"
#include "model/areas/backend.h"
#include "model/areas/backup.h"
#include "model/core/task.h"
#include "store/store.h"
#include "base/banned.h"

#define LEASE_S (30 * 60)
#define TRANSFER_S (LEASE_S - 5 * 60)   /* a backend call ends well before the lease */

static int
sha256_file(const char *path, char out[OB_SHA256_HEX])
{
    crypto_hash_sha256_state h;
    unsigned char buf[64 * 1024], d[crypto_hash_sha256_BYTES];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0)
        return -1;
    crypto_hash_sha256_init(&h);
    while ((n = read(fd, buf, sizeof(buf))) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            close(fd);
            return -1;
        }
        crypto_hash_sha256_update(&h, buf, (unsigned long long)n);
    }
    close(fd);
    crypto_hash_sha256_final(&h, d);
    sodium_bin2hex(out, OB_SHA256_HEX, d, sizeof(d));
    return 0;
}

/* ---- one copy into the store --------------------------------------------------------- */

struct copy {
    int64_t id;
    const struct ob_task *t;    /* the task to finish with the stored row, or NULL */
    const char *node;
    int64_t size;
    const char *sha256, *version, *object, *error;
    bool final;
};

static int
storing_tx(struct ob_ctx *ctx, void *arg)
{
    struct copy *c = arg;

    return ob_backup_storing(ctx, c->id, c->object);
}

static int
stored_tx(struct ob_ctx *ctx, void *arg)
{
    struct copy *c = arg;
    int rc = ob_backup_stored(ctx, c->id, c->size, c->sha256, c->version);

    if (rc == 0 && c->t)
        rc = ob_task_finish(ctx, c->node, c->t);
    return rc;
}

static int
failed_tx(struct ob_ctx *ctx, void *arg)
{
    struct copy *c = arg;

    return ob_backup_failed(ctx, c->id, c->error, c->final);
}

/* Record a failed attempt (shown on the area) and say how it ends: the
 * task's error, OB_EINVAL when it is over for good. */
static int
attempt_failed(struct ob_ctx *ctx, struct copy *c, const char *why, bool permanent, bool last,
               char *error, size_t size)
{
    snprintf(error, size, "%s", why);
    c->error = error;
    c->final = permanent || last;
    if (ob_db_tx(ctx, OB_DB_WRITE, failed_tx, c) != 0)
        ob_err_clear(&ctx->err);
    ob_log(OB_LOG_WARN, "backup failed", "{s:I, s:s, s:b}", "backup", (json_int_t)c->id, "error",
           why, "final", c->final);
    return c->final ? OB_EINVAL : OB_EUNAVAIL;
}

static int
verified_tx(struct ob_ctx *ctx, void *arg)
{
    struct copy *c = arg;

    return ob_backup_verified(ctx, c->id, c->final);
}

/* Read the stored object back and compare its hash (verified_at). */
static void
verify(struct ob_ctx *ctx, int64_t id, const char *object, const char *sha256)
{
    struct ob_store *s = ctx->cfg->store;
    char got[OB_SHA256_HEX];
    struct copy c = { .id = id };
    struct ob_err err = { 0 };

    if (ob_store_sha256(s, object, got, &err) != 0) {
        if (err.rc != OB_ENOTFOUND) {   /* unreachable now: the next job's pass tries again */
            ob_log(OB_LOG_WARN, "backup not verified", "{s:I, s:s}", "backup", (json_int_t)id,
                   "error", err.message);
            return;
        }
        got[0] = '\0';
    }
    c.final = !strcmp(got, sha256);
    if (!c.final)
        ob_log(OB_LOG_ERROR, "stored backup does not match its checksum", "{s:I, s:s}", "backup",
               (json_int_t)id, "object", object);
    if (ob_db_tx(ctx, OB_DB_WRITE, verified_tx, &c) != 0)
        ob_err_clear(&ctx->err);
}

/* Make copy `id` of its area: 0 when it is stored (or was already), a
 * task error otherwise (error says why). t: the task ended with the row
 * (area.backup), or NULL when the caller goes on (area.restore). */
static int
make_copy(struct ob_ctx *ctx, const char *node, const struct ob_task *t, int64_t id, bool last,
          char *error, size_t size)
{
    struct copy c = { .id = id, .t = t, .node = node };
    struct ob_backend be;
    struct ob_backup b;
    struct ob_area a;
    struct ob_backend_io *io = NULL;
    struct ob_err err = { 0 };
    char object[160], path[4200], call[96];
    int rc;

    if ((rc = ob_backup_load(ctx, id, &b)) != 0) {
        snprintf(error, size, "%s", ctx->err.message);
        return OB_EINVAL;
    }
    if (strcmp(b.state, "queued") && strcmp(b.state, "storing")) {
        if (!strcmp(b.state, "stored"))
            return t ? ob_task_done(ctx, node, t) : 0;
        snprintf(error, size, "the backup is %s", b.state);
        return OB_EINVAL;
    }
    if ((rc = ob_area_load(ctx, b.area, &a)) == 0 && !strcmp(a.state, "creating") && !last) {
        snprintf(error, size, "waiting for the data area to be created");
        return OB_EUNAVAIL;
    }
    if (rc != 0 || strcmp(a.state, "ready") || !strcmp(a.phase, "archived"))
        return attempt_failed(ctx, &c, "the data area is not ready", true, last, error, size);
    if (ob_backend_load(ctx, a.app, &be) != 0)
        return attempt_failed(ctx, &c, "the application has no backend", false, last, error,
                              size);
    snprintf(object, sizeof(object), "areas/%s/%" PRId64 ".bin", a.key, id);
    c.object = object;
    if ((rc = ob_db_tx(ctx, OB_DB_WRITE, storing_tx, &c)) != 0) {
        snprintf(error, size, "%s", ctx->err.message);
        return rc;
    }
    snprintf(path, sizeof(path), "%s/backup-%" PRId64 ".part", ob_store_spool(ctx->cfg->store),
             id);
    snprintf(call, sizeof(call), "/oblako/areas/%s/backup", a.key);
    io = ob_xmalloc(sizeof(*io));
    rc = ob_backend_fetch(ctx->cfg, &be, "POST", call, NULL, path, TRANSFER_S, io);
    if (rc != 0) {
        rc = attempt_failed(ctx, &c, io->error, io->permanent, last, error, size);
        free(io);
        return rc;
    }
    rc = ob_store_put(ctx->cfg->store, object, path, io->sha256, &err);
    unlink(path);
    if (rc != 0) {
        free(io);
        return attempt_failed(ctx, &c, err.message, false, last, error, size);
    }
    c.size = io->bytes;
    c.sha256 = io->sha256;
    c.version = io->version;
    if ((rc = ob_db_tx(ctx, OB_DB_WRITE, stored_tx, &c)) != 0) {
        snprintf(error, size, "%s", ctx->err.message);
        free(io);
        return rc;
    }
    ob_log(OB_LOG_DEBUG, "backup stored", "{s:I, s:I, s:s, s:I}", "backup", (json_int_t)id,
           "area", (json_int_t)a.id, "kind", b.kind, "bytes", (json_int_t)c.size);
    verify(ctx, id, object, io->sha256);
    free(io);
    return 0;
}

int
ob_task_area_backup(struct ob_ctx *ctx, const char *node, const struct ob_task *t, char *error,
                    size_t size)
{
    int64_t id = 0;
    int rc;

    if ((rc = ob_task_payload_id(t, "backup", &id, error, size)) != 0)
        return rc;
    if (!ctx->cfg->store) {
        snprintf(error, size, "no backup store on this node");
        return OB_EUNAVAIL;
    }
    if ((rc = ob_task_extend(ctx, node, t, LEASE_S)) != 0) {
        snprintf(error, size, "%s", ctx->err.message);
        return rc;
    }
    return make_copy(ctx, node, t, id, t->attempts >= t->max_attempts, error, size);
}

/* ---- a restore ------------------------------------------------------------------------ */

struct end {
    int64_t id;
    const struct ob_task *t;
    const char *node, *error;
    bool ok;
};

static int
end_tx(struct ob_ctx *ctx, void *arg)
{
    struct end *e = arg;
    int rc = ob_restore_finished(ctx, e->id, e->ok, e->error);

    if (rc == 0 && e->ok)
        rc = ob_task_finish(ctx, e->node, e->t);
    return rc;
}

/* The restore is over: done (the task ends with it) or failed for good
 * (OB_EINVAL: the runner marks the task failed). */
static int
end_restore(struct ob_ctx *ctx, struct end *e, char *error, size_t size)
{
    int rc = ob_db_tx(ctx, OB_DB_WRITE, end_tx, e);

    if (rc != 0) {
        snprintf(error, size, "%s", ctx->err.message);
        return rc;
    }
    if (!e->ok)
        snprintf(error, size, "%s", e->error);
    return e->ok ? 0 : OB_EINVAL;
}

/* Put the stored copy b back into area a through its backend. */
static int
put_back(struct ob_ctx *ctx, const struct ob_backup *b, const struct ob_area *a, int64_t rid,
         struct ob_backend_io *io, bool *permanent)
{
    struct ob_backend be;
    struct ob_err err = { 0 };
    char path[4200], got[OB_SHA256_HEX], call[96];
    int rc;

    *permanent = false;
    if (ob_backend_load(ctx, a->app, &be) != 0) {
        snprintf(io->error, sizeof(io->error), "the application has no backend");
        return OB_EUNAVAIL;
    }
    snprintf(path, sizeof(path), "%s/restore-%" PRId64 ".part", ob_store_spool(ctx->cfg->store),
             rid);
    if ((rc = ob_store_get(ctx->cfg->store, b->object, path, &err)) != 0) {
        unlink(path);
        *permanent = rc == OB_ENOTFOUND;
        snprintf(io->error, sizeof(io->error), "%s",
                 rc == OB_ENOTFOUND ? "the backup is missing from the store" : err.message);
        return rc;
    }
    if (sha256_file(path, got) != 0 || strcmp(got, b->sha256)) {
        unlink(path);
        *permanent = true;  /* the stored copy itself is damaged: another try reads the same */
        snprintf(io->error, sizeof(io->error), "the backup is damaged: its checksum differs");
        return OB_EINVAL;
    }
    snprintf(call, sizeof(call), "/oblako/areas/%s/restore", a->key);
    rc = ob_backend_send(ctx->cfg, &be, call, path, b->sha256, TRANSFER_S, io);
    unlink(path);
    *permanent = rc != 0 && io->permanent;
    return rc;
}

int
ob_task_area_restore(struct ob_ctx *ctx, const char *node, const struct ob_task *t, char *error,
                     size_t size)
{
    struct end e = { .t = t, .node = node };
    struct ob_restore r;
    struct ob_backup b;
    struct ob_area a;
    struct ob_backend_io *io;
    bool last = t->attempts >= t->max_attempts, permanent;
    int rc;

    if ((rc = ob_task_payload_id(t, "restore", &e.id, error, size)) != 0)
        return rc;
    if (!ctx->cfg->store) {
        snprintf(error, size, "no backup store on this node");
        return OB_EUNAVAIL;
    }
    if ((rc = ob_task_extend(ctx, node, t, LEASE_S)) != 0 ||
        (rc = ob_restore_load(ctx, e.id, &r)) != 0 || (rc = ob_area_load(ctx, r.area, &a)) != 0) {
        snprintf(error, size, "%s", ctx->err.message);
        return rc == OB_ENOTFOUND ? OB_EINVAL : rc;
    }
    if (strcmp(r.state, "running"))
        return ob_task_done(ctx, node, t);
    if (!strcmp(a.state, "creating") && !last) {
        snprintf(error, size, "waiting for the data area to be created");
        return OB_EUNAVAIL;
    }
    if (strcmp(a.state, "ready")) {
        e.error = "the data area is not ready";
        return end_restore(ctx, &e, error, size);
    }
    /* the current state first: nothing is changed unless it is kept */
    if (r.before && (rc = make_copy(ctx, node, NULL, r.before, last, error, size)) != 0) {
        if (rc != OB_EINVAL)
            return rc;
        e.error = "the current state could not be backed up first; nothing was changed";
        return end_restore(ctx, &e, error, size);
    }
    if ((rc = ob_backup_load(ctx, r.backup, &b)) != 0 || strcmp(b.state, "stored")) {
        e.error = "the backup is no longer kept";
        return end_restore(ctx, &e, error, size);
    }
    io = ob_xmalloc(sizeof(*io));
    memset(io, 0, sizeof(*io));
    rc = put_back(ctx, &b, &a, r.id, io, &permanent);
    if (rc != 0 && !permanent && !last) {
        snprintf(error, size, "%s", io->error);
        free(io);
        return OB_EUNAVAIL;
    }
    e.ok = rc == 0;
    e.error = e.ok ? NULL : io->error;
    rc = end_restore(ctx, &e, error, size);
    free(io);
    return rc;
}

/* ---- the daily job -------------------------------------------------------------------- */

/* Rows read first, handled after the read is over (a statement is not
 * left open across the store's calls and the writes). */
struct later {
    int64_t id[100];
    char object[100][160], sha[100][OB_SHA256_HEX];
    int n;
};

static int
later_one(const struct ob_backup *b, void *arg)
{
    struct later *l = arg;

    if (l->n >= 100)
        return 1;
    l->id[l->n] = b->id;
    snprintf(l->object[l->n], sizeof(l->object[0]), "%s", b->object);
    snprintf(l->sha[l->n], sizeof(l->sha[0]), "%s", b->sha256);
    l->n++;
    return 0;
}

/* Remove the objects of deleted copies: *n removed. */
static int
unlink_objects(struct ob_ctx *ctx, struct later *l, int *n)
{
    int rc;

    l->n = 0;
    if ((rc = ob_backup_unlinked(ctx, 100, later_one, l)) != 0)
        return rc;
    for (int i = 0; i < l->n; i++) {
        struct ob_err err = { 0 };

        if (ob_store_delete(ctx->cfg->store, l->object[i], &err) != 0) {
            ob_log(OB_LOG_WARN, "backup object not deleted", "{s:I, s:s}", "backup",
                   (json_int_t)l->id[i], "error", err.message);
            continue;   /* the next pass tries again */
        }
        if ((rc = ob_backup_unlinked_done(ctx, l->id[i])) != 0)
            return rc;
        (*n)++;
    }
    return 0;
}

int
ob_job_backups_run(struct ob_ctx *ctx, char *detail, size_t size)
{
    struct ob_backup_keep keep;
    struct later *l;
    char day[OB_DATE_LEN];
    int32_t today = ob_clock_today(ctx);
    int recovered = 0, queued = 0, deleted = 0, removed = 0, verified = 0, rc;

    if (!ctx->cfg->store)
        return ob_err_set(&ctx->err, OB_EUNAVAIL, "store.unavailable", "reason=%s",
                          "no backup store on this node");
    if ((rc = ob_backup_keep_parse(ctx->cfg->backup_keep, &keep, &ctx->err)) != 0)
        return rc;
    ob_date_format(today, day);
    if ((rc = ob_restore_recover(ctx, &recovered)) != 0 ||
        (rc = ob_backup_queue_daily(ctx, day, &queued)) != 0 ||
        (rc = ob_backup_retain(ctx, &keep, today, &deleted)) != 0)
        return rc;
    l = ob_xmalloc(sizeof(*l));
    /* outside a transaction: each object removed, then its row told */
    rc = unlink_objects(ctx, l, &removed);
    l->n = 0;
    if (rc == 0 && (rc = ob_backup_unverified(ctx, 100, later_one, l)) == 0)
        for (int i = 0; i < l->n; i++, verified++)
            verify(ctx, l->id[i], l->object[i], l->sha[i]);
    snprintf(detail, size,
             "%d daily backups queued, %d dropped by retention, %d objects removed, %d verified, "
             "%d lost steps finished",
             queued, deleted, removed, verified, recovered);
    free(l);
    return rc;
}
