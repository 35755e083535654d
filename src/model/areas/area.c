/*
 * model/areas/ — where clients work: data areas, grants, sessions.
 *
 * Data areas created within the entitlement (this file), grants of a partner's
 * employee to a client's area (grant.c), application sessions admitted within
 * the limit of concurrent sessions (appsession.c loads and writes; what it
 * decides is admission.c, pure functions with a table test), the backends
 * that run the applications (backend.c), and what a membership's end means here
 * (membership.c: grants end with their reason). An area, its grants and its
 * sessions are one aggregate: they change together, and admitting a session
 * holds the subscriber's row lock (ob_subscriber_lock) so the limit holds on
 * every node.
 */
/*
 * area.c — data areas (R-DA-1): creation within the entitlement, the bin,
 * and the backend's answers.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/ctx.h"
#include "base/date.h"
#include "base/config.h"
#include "base/rand.h"
#include "db/db.h"
#include "model/identity/access.h"
#include "model/areas/appsession.h"
#include "model/areas/area.h"
#include "model/core/audit.h"
#include "model/catalog/catalog.h"
#include "model/subscriptions/entitlement.h"
#include "model/areas/grant.h"
#include "model/identity/member.h"
#include "model/parties/partner.h"
#include "model/parties/subscriber.h"
#include "model/subscriptions/subscription.h"
#include "model/core/task.h"
#include "model/parties/requisites.h"
#include "base/banned.h"

#define MANAGE (OB_ROLE_OWNER | OB_ROLE_ADMINISTRATOR)
#define TASK_ATTEMPTS 8

#define AREA_SELECT                                                                            \
    "SELECT ar.id, ar.subscriber_id, s.code, ar.application_id, ar.created_at, "               \
    "COALESCE(ar.created_by, 0), COALESCE(ar.ready_at, 0), COALESCE(ar.deleted_at, 0), "       \
    "COALESCE(ar.purge_at, 0), ar.area_key, ar.name, ar.state, ar.reason, ar.version, "        \
    "ap.code, ap.name_ru, ap.name_en, ac.name, ar.test, ar.demo, "                                     \
    "(SELECT COUNT(*) FROM app_sessions x WHERE x.area_id = ar.id AND x.closed_at IS NULL "   \
    "AND x.seen_at > ?), ar.phase, COALESCE(ar.phase_at, 0) "                                  \
    "FROM areas ar JOIN applications ap ON ap.id = ar.application_id "                         \
    "JOIN subscribers s ON s.account_id = ar.subscriber_id "                                   \
    "JOIN accounts ac ON ac.id = ar.subscriber_id "

static int64_t
idle_cutoff(struct ob_ctx *ctx)
{
    return ob_clock_now(ctx) - ctx->cfg->app_idle_seconds;
}

static void
read_area(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    struct ob_area *a = out;

    a->id = ob_stmt_int(st, 0);
    a->subscriber = ob_stmt_int(st, 1);
    a->subscriber_code = ob_stmt_int(st, 2);
    a->app = ob_stmt_int(st, 3);
    a->created_at = ob_stmt_int(st, 4);
    a->created_by = ob_stmt_int(st, 5);
    a->ready_at = ob_stmt_int(st, 6);
    a->deleted_at = ob_stmt_int(st, 7);
    a->purge_at = ob_stmt_int(st, 8);
    a->key = ob_stmt_dup(ctx, st, 9);
    a->name = ob_stmt_dup(ctx, st, 10);
    a->state = ob_stmt_dup(ctx, st, 11);
    a->reason = ob_stmt_dup(ctx, st, 12);
    a->version = ob_stmt_dup(ctx, st, 13);
    a->app_code = ob_stmt_dup(ctx, st, 14);
    a->app_name_ru = ob_stmt_dup(ctx, st, 15);
    a->app_name_en = ob_stmt_dup(ctx, st, 16);
    a->subscriber_name = ob_stmt_dup(ctx, st, 17);
    a->test = ob_stmt_int(st, 18) != 0;
    a->demo = ob_stmt_int(st, 19) != 0;
    a->sessions = (int)ob_stmt_int(st, 20);
    a->phase = ob_stmt_dup(ctx, st, 21);
    a->phase_at = ob_stmt_int(st, 22);
}

int
ob_area_load(struct ob_ctx *ctx, int64_t id, struct ob_area *out)
{
    int rc;

    memset(out, 0, sizeof(*out));
    rc = ob_db_one(ctx, read_area, out, AREA_SELECT "WHERE ar.id = ?", "ii", idle_cutoff(ctx),
                   id);
    if (rc == OB_ENOTFOUND)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "area.not_found", "id=%ld", id);
    return rc;
}

int
ob_area_get(struct ob_ctx *ctx, int64_t id, struct ob_area *out)
{
    int rc;

    if ((rc = ob_area_load(ctx, id, out)) != 0)
        return rc;
    rc = ob_access_subscriber(ctx, out->subscriber, OB_ROLES_ANY, OB_ROLES_ANY, OB_ROLES_ANY);
    if (rc == OB_ENOTFOUND && ob_grant_active(ctx, id, ctx->actor.person, NULL) == 0) {
        ob_err_clear(&ctx->err);
        return 0;
    }
    if (rc == OB_ENOTFOUND)
        ob_err_set(&ctx->err, OB_ENOTFOUND, "area.not_found", "id=%ld", id);
    return rc;
}

struct area_rows {
    int (*fn)(const struct ob_area *, void *);
    void *arg;
};

static int
area_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct area_rows *r = arg;
    struct ob_area a;

    read_area(ctx, st, &a);
    return r->fn(&a, r->arg);
}

int
ob_area_list(struct ob_ctx *ctx, const struct ob_area_filter *f, int64_t after, int limit,
             int (*fn)(const struct ob_area *, void *), void *arg)
{
    const char *states = "'creating', 'ready', 'failed'", *scope = "";
    struct area_rows r = { fn, arg };
    char *sql;
    int rc;

    if (f->state && !strcmp(f->state, "bin"))
        states = "'deleting'";
    else if (f->state && !strcmp(f->state, "all"))
        states = "'creating', 'ready', 'failed', 'deleting', 'deleted'";
    else if (f->state && *f->state && strcmp(f->state, "active"))
        return ob_err_field(&ctx->err, OB_EINVAL, "state", "field.active_bin_all");
    if (f->subscriber) {
        if ((rc = ob_access_subscriber(ctx, f->subscriber, OB_ROLES_ANY, OB_ROLES_ANY,
                                       OB_ROLES_ANY)) != 0)
            return rc;
    } else {
        const char *cond;

        if ((rc = ob_access_scope(ctx, "s.partner_id", "ar.subscriber_id", &cond)) != 0)
            return rc;
        scope = ob_arena_printf(&ctx->arena, "AND %s ", cond);
    }
    sql = ob_arena_printf(&ctx->arena,
                          AREA_SELECT "WHERE ar.state IN (%s) AND (? = 0 OR ar.subscriber_id = ?) "
                                      "AND ar.id > ? %sORDER BY ar.id LIMIT ?",
                          states, scope);
    return ob_db_each(ctx, area_row, &r, sql, "iiiii", idle_cutoff(ctx), f->subscriber,
                      f->subscriber, after, (int64_t)limit);
}

/* ---- limits --------------------------------------------------------------------------- */

struct counts {
    const char *app[64];
    int total[64], working[64], test[64];
    int n;
};

static int
count_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct counts *c = arg;
    const char *code = ob_stmt_text(st, 0);
    int i;

    for (i = 0; i < c->n && strcmp(c->app[i], code); i++)
        ;
    if (i == c->n) {
        if (c->n == 64)
            return 0;
        c->app[c->n++] = ob_stmt_dup(ctx, st, 0);
    }
    c->total[i]++;
    if (ob_stmt_int(st, 1))
        c->test[i]++;
    else
        c->working[i]++;
    return 0;
}

static int
count_areas(struct ob_ctx *ctx, int64_t sub, struct counts *c)
{
    memset(c, 0, sizeof(*c));
    return ob_db_each(ctx, count_row, c,
                      "SELECT ap.code, ar.test FROM areas ar "
                      "JOIN applications ap ON ap.id = ar.application_id "
                      "WHERE ar.subscriber_id = ? AND ar.state IN ('creating', 'ready')",
                      "i", sub);
}

static const struct ob_ent_area *
ent_area(const struct ob_entitlement *e, const char *app)
{
    for (int i = 0; i < e->nareas; i++)
        if (!strcmp(e->areas[i].app, app))
            return &e->areas[i];
    return NULL;
}

static bool
ent_app(const struct ob_entitlement *e, const char *app)
{
    for (int i = 0; i < e->napps; i++)
        if (!strcmp(e->apps[i], app))
            return true;
    return false;
}

/* Areas of every application beyond what its own rules allow: they use
 * the "any application" areas that extensions add. */
static int
extra_used(const struct ob_entitlement *e, const struct counts *c)
{
    int extra = 0;

    for (int i = 0; i < c->n; i++) {
        const struct ob_ent_area *x = ent_area(e, c->app[i]);
        int allowed = !x ? 0 : x->unlimited || x->areas == OB_UNLIMITED ? c->total[i] : x->areas;

        if (c->total[i] > allowed)
            extra += c->total[i] - allowed;
    }
    return extra;
}

/* Which limit of data areas is reached. */
enum area_limit { LIMIT_ALL, LIMIT_WORKING, LIMIT_TEST };

static int
limit_error(struct ob_ctx *ctx, enum area_limit which, int max, const char *app)
{
    static const char *const what[] = { "data areas", "working data areas", "test data areas" };

    if (which == LIMIT_TEST)
        ob_err_field(&ctx->err, OB_ELIMIT, "application", "area.limit_test", "max=%d app=%s", max,
                     app);
    else if (which == LIMIT_WORKING)
        ob_err_field(&ctx->err, OB_ELIMIT, "application", "area.limit_working", "max=%d app=%s",
                     max, app);
    else
        ob_err_field(&ctx->err, OB_ELIMIT, "application", "area.limit_all", "max=%d app=%s", max,
                     app);
    ob_err_detail(&ctx->err, "%s", what[which]);
    ob_err_hint(&ctx->err, "delete an area you no longer need, or ask your partner for a "
                           "tariff with more data areas");
    return OB_ELIMIT;
}

/* R-DA-1: may subscriber `sub` have one more (test) area of `app` on the
 * day? Called under the subscriber's lock. */
static int
check_limits(struct ob_ctx *ctx, int64_t sub, int64_t app_id, const char *app, bool test)
{
    struct ob_entitlement e;
    const struct ob_ent_area *x;
    struct counts c;
    int64_t partner = 0;
    int i, rc;

    if ((rc = ob_subscription_entitlement(ctx, sub, ob_clock_today(ctx), &e)) != 0)
        return rc;
    if (e.blocked)
        return ob_err_set(&ctx->err, OB_EBLOCKED, "area.subscriber_blocked", "reason=%s", e.reason);
    if (!ent_app(&e, app))
        return ob_err_field(&ctx->err, OB_EPERM, "application", "area.app_not_included", "app=%s",
                            app);
    rc = ob_db_get_int(ctx->db, &partner,
                       "SELECT COALESCE(partner_id, 0) FROM subscribers WHERE account_id = ?",
                       "i", sub);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if ((rc = ob_catalog_app_allowed_for_partner(ctx, app_id, partner, ob_clock_today(ctx))) != 0)
        return rc;
    if ((rc = count_areas(ctx, sub, &c)) != 0)
        return rc;
    x = ent_area(&e, app);
    if (x && x->unlimited)
        return 0;
    for (i = 0; i < c.n && strcmp(c.app[i], app); i++)
        ;
    {
        int total = i < c.n ? c.total[i] : 0, working = i < c.n ? c.working[i] : 0;
        int tests = i < c.n ? c.test[i] : 0;
        bool extra_ok = !test && extra_used(&e, &c) < e.areas_add;

        if (!x && !extra_ok)
            return limit_error(ctx, test ? LIMIT_TEST : LIMIT_ALL, 0, app);
        if (!x)
            return 0;
        if (test && x->test != OB_UNLIMITED && tests >= x->test)
            return limit_error(ctx, LIMIT_TEST, x->test, app);
        if (!test && x->working != OB_UNLIMITED && working >= x->working && !extra_ok)
            return limit_error(ctx, LIMIT_WORKING, x->working, app);
        if (x->areas != OB_UNLIMITED && total >= x->areas && !extra_ok)
            return limit_error(ctx, LIMIT_ALL, x->areas, app);
    }
    return 0;
}

/* ---- creating ------------------------------------------------------------------------- */

struct create {
    const struct ob_area_new *in;
    int64_t sub, app_id, id;
    const char *app_code, *app_ru, *app_en; /* the application, for the audit record */
};

static int
enqueue(struct ob_ctx *ctx, const char *kind, int64_t id)
{
    char payload[64], key[64];
    int64_t task;

    snprintf(payload, sizeof(payload), "{\"area\": %" PRId64 "}", id);
    snprintf(key, sizeof(key), "%s:%" PRId64, kind, id);
    return ob_task_enqueue(ctx, kind, payload, key, TASK_ATTEMPTS, &task);
}

static int
create_tx(struct ob_ctx *ctx, void *arg)
{
    struct create *c = arg;
    char key[17];
    int64_t now = ob_clock_now(ctx);
    int rc;

    if ((rc = ob_subscriber_lock(ctx, c->sub)) != 0 ||
        (rc = check_limits(ctx, c->sub, c->app_id, c->app_code, c->in->test)) != 0)
        return rc;
    ob_rand_hex(key, 8);
    rc = ob_db_get_int(ctx->db, &c->id,
                       "INSERT INTO areas (subscriber_id, application_id, area_key, name, test, demo, "
                       "state, created_at, created_by, updated_at) "
                       "VALUES (?, ?, ?, ?, ?, ?, 'creating', ?, ?, ?) RETURNING id",
                       "iitti" "iizi", c->sub, c->app_id, key, c->in->name,
                       (int64_t)c->in->test, (int64_t)c->in->demo, now, ctx->actor.person, now);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if ((rc = enqueue(ctx, "area.create", c->id)) != 0)
        return rc;
    if (c->in->then && (rc = c->in->then(ctx, c->id, c->in->then_arg)) != 0)
        return rc;
    return ob_audit_with(ctx, c->sub, "area.created", "area", c->id,
                         json_pack("{s:s, s:{s:s, s:s?, s:s?}, s:b}", "area", c->in->name, "app",
                                   "code", c->app_code, "name_ru", c->app_ru, "name_en",
                                   c->app_en, "test", c->in->test),
                    "%sdata area '%s' of '%s' created", c->in->test ? "test " : "", c->in->name,
                    c->app_code);
}

int
ob_area_create(struct ob_ctx *ctx, const struct ob_area_new *in, int64_t *id)
{
    struct create c = { .in = in, .sub = in->subscriber ? in->subscriber : ctx->actor.account };
    struct ob_app app;
    int rc;

    if ((rc = ob_access_subscriber(ctx, c.sub, MANAGE, 0, 0)) != 0)
        return rc;
    if ((rc = ob_check_text(ctx, in->name, 100, true, "name")) != 0)
        return rc;
    if (!in->app || !*in->app)
        return ob_err_field(&ctx->err, OB_EINVAL, "application", "field.required");
    if ((rc = ob_catalog_app_find(ctx, in->app, &app)) != 0) {
        if (rc == OB_ENOTFOUND)
            return ob_err_field(&ctx->err, OB_EINVAL, "application", "area.no_app", "app=%.40s",
                                in->app);
        return rc;
    }
    if (!app.active)
        return ob_err_field(&ctx->err, OB_EINVAL, "application", "area.app_withdrawn", "code=%s",
                            app.code);
    if (!app.backend_url || !*app.backend_url)
        return ob_err_field(&ctx->err, OB_EUNAVAIL, "application", "area.app_no_backend", "code=%s",
                            app.code);
    c.app_id = app.id;
    c.app_code = app.code;
    c.app_ru = app.name_ru;
    c.app_en = app.name_en;
    if ((rc = ob_db_tx(ctx, OB_DB_WRITE, create_tx, &c)) != 0)
        return rc;
    *id = c.id;
    return 0;
}

/* ---- the bin -------------------------------------------------------------------------- */

struct change {
    int64_t id;
    const char *confirm;
    struct ob_area a;
};

static int
delete_tx(struct ob_ctx *ctx, void *arg)
{
    struct change *c = arg;
    int64_t now = ob_clock_now(ctx);
    int64_t purge = now + (int64_t)ctx->cfg->area_restore_days * 86400;
    int64_t changed;
    int closed = 0, rc;

    if ((rc = ob_subscriber_lock(ctx, c->a.subscriber)) != 0)
        return rc;
    changed = ob_db_run(ctx->db,
                        "UPDATE areas SET state = 'deleting', deleted_at = ?, deleted_by = ?, "
                        "purge_at = ?, updated_at = ? "
                        "WHERE id = ? AND state IN ('creating', 'ready', 'failed')",
                        "izii" "i", now, ctx->actor.person, purge, now, c->id);
    if (changed < 0)
        return ob_db_err(ctx, (int)changed);
    if (changed == 0)
        return ob_err_set(&ctx->err, OB_ECONFLICT, "area.already_in_state", "name=%s state=%s",
                          c->a.name, c->a.state);
    if ((rc = ob_appsession_close_area(ctx, c->id, "area_deleted", &closed)) != 0)
        return rc;
    return ob_audit_with(ctx, c->a.subscriber, "area.deleted", "area", c->id,
                         json_pack("{s:s, s:i}", "area", c->a.name, "days",
                                   ctx->cfg->area_restore_days),
                    "data area '%s' deleted (restorable for %d days; %d sessions closed)",
                    c->a.name, ctx->cfg->area_restore_days, closed);
}

int
ob_area_delete(struct ob_ctx *ctx, int64_t id, const char *confirm)
{
    struct change c = { .id = id, .confirm = confirm };
    int rc;

    if ((rc = ob_area_get(ctx, id, &c.a)) != 0 ||
        (rc = ob_access_subscriber(ctx, c.a.subscriber, MANAGE, 0, 0)) != 0)
        return rc;
    if (!confirm || strcmp(confirm, c.a.name))
        return ob_err_field(&ctx->err, OB_EINVAL, "confirm", "area.type_name_to_delete", "name=%s",
                            c.a.name);
    return ob_db_tx(ctx, OB_DB_WRITE, delete_tx, &c);
}

static int
restore_tx(struct ob_ctx *ctx, void *arg)
{
    struct change *c = arg;
    int64_t now = ob_clock_now(ctx), changed;
    int rc;

    if ((rc = ob_subscriber_lock(ctx, c->a.subscriber)) != 0)
        return rc;
    if ((rc = check_limits(ctx, c->a.subscriber, c->a.app, c->a.app_code, c->a.test)) != 0)
        return rc;
    changed = ob_db_run(ctx->db,
                        "UPDATE areas SET state = CASE WHEN ready_at IS NULL THEN 'failed' "
                        "ELSE 'ready' END, deleted_at = NULL, deleted_by = NULL, purge_at = NULL, "
                        "updated_at = ? WHERE id = ? AND state = 'deleting' AND purge_at > ?",
                        "iii", now, c->id, now);
    if (changed < 0)
        return ob_db_err(ctx, (int)changed);
    if (changed == 0)
        return ob_err_set(&ctx->err, OB_ECONFLICT, "area.not_in_bin_any_more", "name=%s",
                          c->a.name);
    return ob_audit_with(ctx, c->a.subscriber, "area.restored", "area", c->id,
                         json_pack("{s:s}", "area", c->a.name),
                    "data area '%s' restored from the bin", c->a.name);
}

int
ob_area_restore(struct ob_ctx *ctx, int64_t id)
{
    struct change c = { .id = id };
    int rc;

    if ((rc = ob_area_get(ctx, id, &c.a)) != 0 ||
        (rc = ob_access_subscriber(ctx, c.a.subscriber, MANAGE, 0, 0)) != 0)
        return rc;
    if (strcmp(c.a.state, "deleting"))
        return ob_err_set(&ctx->err, OB_ECONFLICT, "area.not_in_bin", "name=%s state=%s", c.a.name,
                          c.a.state);
    return ob_db_tx(ctx, OB_DB_WRITE, restore_tx, &c);
}

/* ---- the backend's answers (system) --------------------------------------------------- */

int
ob_area_created(struct ob_ctx *ctx, int64_t id, bool ok, const char *version,
                const char *reason)
{
    int64_t now = ob_clock_now(ctx), changed, sub = 0;
    int rc;

    changed = ok ? ob_db_run(ctx->db,
                             "UPDATE areas SET state = 'ready', ready_at = ?, version = ?, "
                             "reason = '', updated_at = ? WHERE id = ? AND state = 'creating'",
                             "itii", now, version ? version : "", now, id)
                 : ob_db_run(ctx->db,
                             "UPDATE areas SET state = 'failed', reason = ?, updated_at = ? "
                             "WHERE id = ? AND state = 'creating'",
                             "tii", reason ? reason : "the backend refused", now, id);
    if (changed < 0)
        return ob_db_err(ctx, (int)changed);
    if (changed == 0)
        return 0;
    if ((rc = ob_db_get_int(ctx->db, &sub, "SELECT subscriber_id FROM areas WHERE id = ?", "i",
                            id)) < 0)
        return ob_db_err(ctx, rc);
    return ok ? ob_audit(ctx, sub, "area.ready", "area", id, "data area ready (version %s)",
                         version && *version ? version : "unknown")
              : ob_audit(ctx, sub, "area.failed", "area", id, "data area failed: %s",
                         reason ? reason : "the backend refused");
}

struct purge {
    int64_t ids[256];
    int n;
};

static int
purge_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct purge *p = arg;

    (void)ctx;
    p->ids[p->n++] = ob_stmt_int(st, 0);
    return 0;
}

/* Queue the deletion of up to 256 areas whose time in the bin is over (read
 * first: queueing runs statements of its own). */
static int
purge_tx(struct ob_ctx *ctx, void *arg)
{
    struct purge *p = arg;
    int rc;

    p->n = 0;
    if ((rc = ob_db_each(ctx, purge_row, p,
                         "SELECT id FROM areas WHERE state = 'deleting' AND purge_at <= ? "
                         "ORDER BY purge_at, id LIMIT 256",
                         "i", ob_clock_now(ctx))) != 0)
        return rc;
    for (int i = 0; i < p->n; i++)
        if ((rc = enqueue(ctx, "area.delete", p->ids[i])) != 0)
            return rc;
    return 0;
}

int
ob_area_purge_due(struct ob_ctx *ctx, int *queued)
{
    struct purge p;
    int rc = ob_db_tx(ctx, OB_DB_WRITE, purge_tx, &p);

    *queued = rc == 0 ? p.n : 0;
    return rc;
}

int
ob_area_purged(struct ob_ctx *ctx, int64_t id)
{
    int64_t now = ob_clock_now(ctx), changed, sub = 0;
    int rc;

    changed = ob_db_run(ctx->db,
                        "UPDATE areas SET state = 'deleted', updated_at = ? "
                        "WHERE id = ? AND state = 'deleting' AND purge_at <= ?",
                        "iii", now, id, now);
    if (changed <= 0)
        return changed < 0 ? ob_db_err(ctx, (int)changed) : 0;
    if ((rc = ob_db_get_int(ctx->db, &sub, "SELECT subscriber_id FROM areas WHERE id = ?", "i",
                            id)) < 0)
        return ob_db_err(ctx, rc);
    return ob_audit(ctx, sub, "area.purged", "area", id,
                    "data area deleted by its application's backend");
}
