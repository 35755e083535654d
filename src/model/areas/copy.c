/*
 * copy.c — exports, download links and uploads of data areas (copy.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "base/ctx.h"
#include "base/rand.h"
#include "db/db.h"
#include "model/areas/area.h"
#include "model/areas/copy.h"
#include "model/core/audit.h"
#include "model/core/event.h"
#include "model/core/task.h"
#include "model/identity/access.h"
#include "model/identity/authn.h"
#include "model/identity/role.h"
#include "model/parties/subscriber.h"
#include "base/banned.h"

#define MANAGE (OB_ROLE_OWNER | OB_ROLE_ADMINISTRATOR)
#define EXPORT_ATTEMPTS 6

#define COPY_SELECT                                                                            \
    "SELECT id, area_id, size, created_at, COALESCE(created_by, 0), COALESCE(stored_at, 0), " \
    "COALESCE(verified_at, 0), kind, state, object, sha256, version, error, day, attempts "  \
    "FROM area_backups "

static void
read_copy(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    struct ob_copy *c = out;

    c->id = ob_stmt_int(st, 0);
    c->area = ob_stmt_int(st, 1);
    c->size = ob_stmt_int(st, 2);
    c->created_at = ob_stmt_int(st, 3);
    c->created_by = ob_stmt_int(st, 4);
    c->stored_at = ob_stmt_int(st, 5);
    c->verified_at = ob_stmt_int(st, 6);
    c->kind = ob_stmt_dup(ctx, st, 7);
    c->state = ob_stmt_dup(ctx, st, 8);
    c->object = ob_stmt_dup(ctx, st, 9);
    c->sha256 = ob_stmt_dup(ctx, st, 10);
    c->version = ob_stmt_dup(ctx, st, 11);
    c->error = ob_stmt_dup(ctx, st, 12);
    c->day = ob_stmt_null(st, 13) ? NULL : ob_stmt_dup(ctx, st, 13);
    c->attempts = (int)ob_stmt_int(st, 14);
}

int
ob_copy_load(struct ob_ctx *ctx, int64_t id, struct ob_copy *out)
{
    int rc;

    memset(out, 0, sizeof(*out));
    rc = ob_db_one(ctx, read_copy, out, COPY_SELECT "WHERE id = ?", "i", id);
    if (rc == OB_ENOTFOUND)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "copy.not_found", "id=%" PRId64, id);
    return rc;
}

/* The area, if the actor may manage its subscriber (another tenant's is
 * OB_ENOTFOUND, a user of it OB_EPERM). */
static int
managed_area(struct ob_ctx *ctx, int64_t id, struct ob_area *a)
{
    int rc;

    if ((rc = ob_area_get(ctx, id, a)) != 0)
        return rc;
    return ob_access_subscriber(ctx, a->subscriber, MANAGE, 0, 0);
}

int
ob_copy_get(struct ob_ctx *ctx, int64_t area, int64_t id, struct ob_copy *out)
{
    struct ob_area a;
    int rc;

    if ((rc = managed_area(ctx, area, &a)) != 0)
        return rc;
    if ((rc = ob_copy_load(ctx, id, out)) != 0)
        return rc;
    if (out->area != area || !strcmp(out->state, "deleted"))
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "copy.not_found", "id=%" PRId64, id);
    return 0;
}

/* The partner serving subscriber sub (0: none), for its events. */
static int64_t
serving(struct ob_ctx *ctx, int64_t sub)
{
    int64_t p = 0;

    if (ob_db_get_int(ctx->db, &p, "SELECT COALESCE(partner_id, 0) FROM subscribers "
                                   "WHERE account_id = ?", "i", sub) < 0)
        p = 0;
    return p;
}

/* ---- exports -------------------------------------------------------------------------- */

struct ask {
    struct ob_area a;
    int64_t id;
    bool existing;
};

static int
export_tx(struct ob_ctx *ctx, void *arg)
{
    struct ask *k = arg;
    char payload[64], key[64];
    int64_t now = ob_clock_now(ctx), task = 0;
    int rc;

    /* one export of an area on its way at a time: two asks at once make one */
    if ((rc = ob_subscriber_lock(ctx, k->a.subscriber)) != 0)
        return rc;
    rc = ob_db_get_int(ctx->db, &k->id,
                       "SELECT id FROM area_backups WHERE area_id = ? AND kind = 'export' "
                       "AND state IN ('queued', 'storing') ORDER BY id LIMIT 1",
                       "i", k->a.id);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (rc != OB_DB_DONE) {
        k->existing = true;
        return 0;
    }
    rc = ob_db_get_int(ctx->db, &k->id,
                       "INSERT INTO area_backups (area_id, kind, state, created_at, created_by) "
                       "VALUES (?, 'export', 'queued', ?, ?) RETURNING id",
                       "iiz", k->a.id, now, ctx->actor.person);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (ob_db_run(ctx->db, "UPDATE area_backups SET object = ? WHERE id = ?", "ti",
                  ob_arena_printf(&ctx->arena, "areas/%s/%" PRId64 ".bin", k->a.key, k->id),
                  k->id) < 0)
        return ob_db_err(ctx, OB_EINTERNAL);
    snprintf(payload, sizeof(payload), "{\"copy\": %" PRId64 "}", k->id);
    snprintf(key, sizeof(key), "area.export:%" PRId64, k->id);
    if ((rc = ob_task_enqueue(ctx, "area.export", payload, key, EXPORT_ATTEMPTS, &task)) != 0)
        return rc;
    if (ob_db_run(ctx->db, "UPDATE area_backups SET task_id = ? WHERE id = ?", "ii", task,
                  k->id) < 0)
        return ob_db_err(ctx, OB_EINTERNAL);
    return ob_audit_with(ctx, k->a.subscriber, "area.export_asked", "area", k->a.id,
                         json_pack("{s:s, s:I}", "area", k->a.name, "copy", (json_int_t)k->id),
                         "a copy of data area '%s' asked for", k->a.name);
}

int
ob_copy_export_ask(struct ob_ctx *ctx, int64_t area, int64_t *id, bool *existing)
{
    struct ask k = { .id = 0 };
    int rc;

    if ((rc = managed_area(ctx, area, &k.a)) != 0)
        return rc;
    if (strcmp(k.a.state, "ready") || k.a.phase[0])
        return ob_err_set(&ctx->err, OB_ECONFLICT, "copy.area_busy", "state=%s phase=%s",
                          k.a.state, k.a.phase);
    if ((rc = ob_db_tx(ctx, OB_DB_WRITE, export_tx, &k)) != 0)
        return rc;
    *id = k.id;
    *existing = k.existing;
    return 0;
}

int
ob_copy_storing(struct ob_ctx *ctx, int64_t id)
{
    /* a new attempt starts over: a copy half-written by a killed server is never listed */
    int64_t n = ob_db_run(ctx->db,
                          "UPDATE area_backups SET state = 'storing', attempts = attempts + 1, "
                          "error = '' WHERE id = ? AND state IN ('queued', 'storing')",
                          "i", id);

    return n < 0 ? ob_db_err(ctx, (int)n) : 0;
}

int
ob_copy_stored(struct ob_ctx *ctx, int64_t id, int64_t size, const char *sha256,
               const char *version)
{
    struct ob_copy c;
    struct ob_area a;
    int64_t n;
    int rc;

    n = ob_db_run(ctx->db,
                  "UPDATE area_backups SET state = 'stored', size = ?, sha256 = ?, version = ?, "
                  "stored_at = ?, error = '' WHERE id = ? AND state = 'storing'",
                  "ittii", size, sha256, version ? version : "", ob_clock_now(ctx), id);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if (n == 0 || (rc = ob_copy_load(ctx, id, &c)) != 0 || strcmp(c.kind, "export") ||
        (rc = ob_area_load(ctx, c.area, &a)) != 0)
        return 0;
    {
        json_t *data = json_pack("{s:I, s:s, s:I, s:I, s:s}", "area", (json_int_t)a.id,
                                 "area_name", a.name, "copy", (json_int_t)id, "size",
                                 (json_int_t)size, "sha256", sha256);

        rc = ob_event_emit(ctx, "area.exported", serving(ctx, a.subscriber), a.subscriber, data,
                           NULL);
        json_decref(data);
    }
    return rc;
}

int
ob_copy_failed(struct ob_ctx *ctx, int64_t id, const char *error)
{
    int64_t n = ob_db_run(ctx->db,
                          "UPDATE area_backups SET state = 'failed', error = ? "
                          "WHERE id = ? AND state IN ('queued', 'storing')",
                          "ti", error, id);

    return n < 0 ? ob_db_err(ctx, (int)n) : 0;
}

int
ob_copy_verified(struct ob_ctx *ctx, int64_t id, bool ok)
{
    int64_t n = ok ? ob_db_run(ctx->db, "UPDATE area_backups SET verified_at = ? WHERE id = ?",
                               "ii", ob_clock_now(ctx), id)
                   : ob_db_run(ctx->db,
                               "UPDATE area_backups SET state = 'failed', "
                               "error = 'the stored copy does not read back as written' "
                               "WHERE id = ? AND state = 'stored'",
                               "i", id);

    return n < 0 ? ob_db_err(ctx, (int)n) : 0;
}

struct old_rows {
    int (*fn)(const struct ob_copy *, void *);
    void *arg;
};

static int
old_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct old_rows *o = arg;
    struct ob_copy c;

    read_copy(ctx, st, &c);
    return o->fn(&c, o->arg);
}

int
ob_copy_exports_old(struct ob_ctx *ctx, int64_t before, int limit,
                    int (*fn)(const struct ob_copy *, void *), void *arg)
{
    struct old_rows o = { fn, arg };

    return ob_db_each(ctx, old_row, &o,
                      COPY_SELECT "WHERE state = 'stored' AND created_at < ? AND kind = 'export' "
                                  "ORDER BY created_at, id LIMIT ?",
                      "ii", before, (int64_t)limit);
}

int
ob_copy_deleted(struct ob_ctx *ctx, int64_t id)
{
    int64_t n = ob_db_run(ctx->db,
                          "UPDATE area_backups SET state = 'deleted', deleted_at = ? "
                          "WHERE id = ? AND state = 'stored'",
                          "ii", ob_clock_now(ctx), id);

    return n < 0 ? ob_db_err(ctx, (int)n) : 0;
}

int
ob_copy_links_prune(struct ob_ctx *ctx, int64_t before, int64_t *deleted)
{
    int64_t n = ob_db_run(ctx->db, "DELETE FROM download_links WHERE expires_at < ?", "i", before);

    if (n < 0)
        return ob_db_err(ctx, (int)n);
    *deleted = n;
    return 0;
}

/* ---- links ---------------------------------------------------------------------------- */

struct link {
    struct ob_area a;
    struct ob_copy c;
    char hash[65];
    int64_t expires;
};

static int
link_tx(struct ob_ctx *ctx, void *arg)
{
    struct link *l = arg;
    int64_t now = ob_clock_now(ctx), n;

    l->expires = now + OB_COPY_LINK_SECONDS;
    n = ob_db_run(ctx->db,
                  "INSERT INTO download_links (token_hash, backup_id, created_by, token_id, "
                  "created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                  "tiizii", l->hash, l->c.id, ctx->actor.person, ctx->actor.token, now,
                  l->expires);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    return ob_audit_with(ctx, l->a.subscriber, "area.download_link", "area", l->a.id,
                         json_pack("{s:s, s:I, s:s}", "area", l->a.name, "copy",
                                   (json_int_t)l->c.id, "kind", l->c.kind),
                         "a download link to a copy of data area '%s' made", l->a.name);
}

int
ob_copy_link(struct ob_ctx *ctx, int64_t area, int64_t id, bool export,
             char token[OB_COPY_TOKEN_LEN + 1], int64_t *expires_at)
{
    struct link l;
    int rc;

    memset(&l, 0, sizeof(l));
    if (!ctx->actor.person)
        return ob_err_set(&ctx->err, OB_EUNAUTH, "auth.sign_in");
    if ((rc = managed_area(ctx, area, &l.a)) != 0 || (rc = ob_copy_get(ctx, area, id, &l.c)) != 0)
        return rc;
    if ((!strcmp(l.c.kind, "export")) != export || !strcmp(l.c.kind, "upload"))
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "copy.not_found", "id=%" PRId64, id);
    if (strcmp(l.c.state, "stored"))
        return ob_err_set(&ctx->err, OB_ECONFLICT, "copy.not_stored", "state=%s", l.c.state);
    ob_rand_hex(token, OB_COPY_TOKEN_LEN / 2);
    ob_auth_hash(token, l.hash);
    if ((rc = ob_db_tx(ctx, OB_DB_WRITE, link_tx, &l)) != 0)
        return rc;
    *expires_at = l.expires;
    return 0;
}

struct found {
    struct ob_download d;
    int64_t sub, person, token, expires;
    const char *state, *token_roles, *token_kind;
    int64_t token_account;
    bool token_revoked, disabled;
};

static void
read_found(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    struct found *f = out;

    f->d.copy = ob_stmt_int(st, 0);
    f->d.area = ob_stmt_int(st, 1);
    f->d.size = ob_stmt_int(st, 2);
    f->d.stored_at = ob_stmt_int(st, 3);
    f->d.object = ob_stmt_dup(ctx, st, 4);
    f->d.sha256 = ob_stmt_dup(ctx, st, 5);
    f->d.kind = ob_stmt_dup(ctx, st, 6);
    f->d.area_key = ob_stmt_dup(ctx, st, 7);
    f->state = ob_stmt_dup(ctx, st, 8);
    f->sub = ob_stmt_int(st, 9);
    f->person = ob_stmt_int(st, 10);
    f->token = ob_stmt_int(st, 11);
    f->expires = ob_stmt_int(st, 12);
    f->disabled = ob_stmt_int(st, 13) != 0;
    f->token_revoked = !ob_stmt_null(st, 14);
    f->token_roles = ob_stmt_dup(ctx, st, 15);
    f->token_kind = ob_stmt_dup(ctx, st, 16);
    f->token_account = ob_stmt_int(st, 17);
    f->d.area_name = ob_stmt_dup(ctx, st, 18);
}

/* May the link's maker (as they are now) manage subscriber f->sub? The
 * actor becomes the maker for the one check, through the rules every
 * request passes (model/identity/access.h), then is put back. */
static bool
maker_may(struct ob_ctx *ctx, const struct found *f)
{
    struct ob_actor saved = ctx->actor;
    bool ok;

    if (f->disabled || (f->token && f->token_revoked))
        return false;
    memset(&ctx->actor, 0, sizeof(ctx->actor));
    ctx->actor.person = f->person;
    if (f->token) {
        ctx->actor.token = f->token;
        ctx->actor.account = f->token_account;
        if (ob_roles_parse(ob_kind_parse(f->token_kind), f->token_roles,
                           &ctx->actor.token_roles, NULL) != 0)
            ctx->actor.token_roles = 0;
    }
    ok = ob_access_subscriber(ctx, f->sub, MANAGE, 0, 0) == 0;
    ctx->actor = saved;
    ob_err_clear(&ctx->err);
    return ok;
}

int
ob_copy_download(struct ob_ctx *ctx, const char *token, struct ob_download *out)
{
    struct found f;
    char hash[65];
    size_t n = token ? strspn(token, "0123456789abcdef") : 0;
    int rc;

    memset(&f, 0, sizeof(f));
    if (n != OB_COPY_TOKEN_LEN || token[n])
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "copy.link_not_found");
    ob_auth_hash(token, hash);
    rc = ob_db_one(ctx, read_found, &f,
                   "SELECT b.id, b.area_id, b.size, COALESCE(b.stored_at, 0), b.object, "
                   "b.sha256, b.kind, ar.area_key, b.state, ar.subscriber_id, l.created_by, "
                   "COALESCE(l.token_id, 0), l.expires_at, p.disabled, t.revoked_at, "
                   "COALESCE(t.roles, ''), COALESCE(ta.kind, ''), COALESCE(t.account_id, 0), "
                   "ar.name FROM download_links l JOIN area_backups b ON b.id = l.backup_id "
                   "JOIN areas ar ON ar.id = b.area_id JOIN persons p ON p.id = l.created_by "
                   "LEFT JOIN api_tokens t ON t.id = l.token_id "
                   "LEFT JOIN accounts ta ON ta.id = t.account_id "
                   "WHERE l.token_hash = ?",
                   "t", hash);
    if (rc == OB_ENOTFOUND)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "copy.link_not_found");
    if (rc != 0)
        return rc;
    if (ob_clock_now(ctx) >= f.expires)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "copy.link_expired");
    if (strcmp(f.state, "stored") || !maker_may(ctx, &f))
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "copy.link_not_found");
    *out = f.d;
    return 0;
}

/* ---- uploads -------------------------------------------------------------------------- */

struct upload {
    const struct ob_area_new *in;
    int64_t size, copy, sub;
    const char *sha256, *object;
};

/* In the area's creating transaction: its copy's row, stored already. */
static int
upload_then(struct ob_ctx *ctx, int64_t area, void *arg)
{
    struct upload *u = arg;
    int64_t now = ob_clock_now(ctx);
    int rc = ob_db_get_int(ctx->db, &u->copy,
                           "INSERT INTO area_backups (area_id, kind, state, object, size, sha256, "
                           "created_at, created_by, stored_at) "
                           "VALUES (?, 'upload', 'stored', ?, ?, ?, ?, ?, ?) RETURNING id",
                           "ititi" "zi", area, u->object, u->size, u->sha256, now,
                           ctx->actor.person, now);

    if (rc < 0)
        return ob_db_err(ctx, rc);
    rc = ob_db_get_int(ctx->db, &u->sub, "SELECT subscriber_id FROM areas WHERE id = ?", "i",
                       area);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    return ob_audit_with(ctx, u->sub, "area.uploaded", "area", area,
                         json_pack("{s:s, s:I, s:s}", "area", u->in->name, "size",
                                   (json_int_t)u->size, "sha256", u->sha256),
                         "data area '%s' made from an uploaded copy of %" PRId64 " bytes",
                         u->in->name, u->size);
}

int
ob_copy_upload_may(struct ob_ctx *ctx, int64_t sub)
{
    return ob_access_subscriber(ctx, sub ? sub : ctx->actor.account, MANAGE, 0, 0);
}

int
ob_copy_upload(struct ob_ctx *ctx, const struct ob_area_new *in, const char *object,
               int64_t size, const char *sha256, int64_t *area, int64_t *copy)
{
    struct upload u = { .in = in, .size = size, .sha256 = sha256, .object = object };
    struct ob_area_new with = *in;
    int rc;

    with.demo = false;
    with.then = upload_then;
    with.then_arg = &u;
    if ((rc = ob_area_create(ctx, &with, area)) != 0)
        return rc;
    *copy = u.copy;
    return 0;
}

int
ob_copy_upload_of(struct ob_ctx *ctx, int64_t area, struct ob_copy *out)
{
    int rc;

    memset(out, 0, sizeof(*out));
    rc = ob_db_one(ctx, read_copy, out,
                   COPY_SELECT "WHERE area_id = ? AND kind = 'upload' ORDER BY id LIMIT 1", "i",
                   area);
    if (rc == OB_ENOTFOUND)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "copy.not_found", "area=%" PRId64, area);
    return rc;
}

int
ob_copy_imported(struct ob_ctx *ctx, const struct ob_area *a, const struct ob_copy *c)
{
    json_t *data = json_pack("{s:I, s:s, s:I, s:I, s:s}", "area", (json_int_t)a->id, "area_name",
                             a->name, "copy", (json_int_t)c->id, "size", (json_int_t)c->size,
                             "sha256", c->sha256);
    int rc = ob_event_emit(ctx, "area.imported", serving(ctx, a->subscriber), a->subscriber, data,
                           NULL);

    json_decref(data);
    return rc;
}
