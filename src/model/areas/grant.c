/*
 * grant.c — partner employees' access to a data area (R-ACT-4).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/ctx.h"
#include "base/date.h"
#include "db/db.h"
#include "model/identity/access.h"
#include "model/areas/appsession.h"
#include "model/areas/area.h"
#include "model/core/audit.h"
#include "model/core/event.h"
#include "model/areas/grant.h"
#include "model/identity/mailpref.h"
#include "model/identity/member.h"
#include "model/identity/person.h"
#include "base/banned.h"

/* A grant holds while its person is an employee of the partner serving the
 * subscriber: the condition every use checks. */
#define GRANT_HOLDS                                                                            \
    "(s.partner_id = g.partner_id AND EXISTS (SELECT 1 FROM memberships m "                   \
    "WHERE m.account_id = g.partner_id AND m.person_id = g.person_id))"

#define GRANT_SELECT                                                                           \
    "SELECT g.id, g.subscriber_id, s.code, g.area_id, g.person_id, g.partner_id, g.created_at, " \
    "COALESCE(g.revoked_at, 0), g.until, sa.name, ar.name, ap.code, p.name, p.email, pa.name, " \
    "ap.name_ru, ap.name_en, COALESCE(g.ended_reason, ''), "                                   \
    "CASE WHEN " GRANT_HOLDS " THEN 1 ELSE 0 END, COALESCE(s.partner_id, 0) "               \
    "FROM area_grants g JOIN subscribers s ON s.account_id = g.subscriber_id "                 \
    "JOIN accounts sa ON sa.id = g.subscriber_id JOIN areas ar ON ar.id = g.area_id "          \
    "JOIN applications ap ON ap.id = ar.application_id JOIN persons p ON p.id = g.person_id "  \
    "JOIN accounts pa ON pa.id = g.partner_id "

static void
read_grant(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    struct ob_grant *g = out;

    g->id = ob_stmt_int(st, 0);
    g->subscriber = ob_stmt_int(st, 1);
    g->subscriber_code = ob_stmt_int(st, 2);
    g->area = ob_stmt_int(st, 3);
    g->person = ob_stmt_int(st, 4);
    g->partner = ob_stmt_int(st, 5);
    g->created_at = ob_stmt_int(st, 6);
    g->revoked_at = ob_stmt_int(st, 7);
    if (ob_date_parse(ob_stmt_text(st, 8), &g->until) != 0)
        g->until = 0;
    g->subscriber_name = ob_stmt_dup(ctx, st, 9);
    g->area_name = ob_stmt_dup(ctx, st, 10);
    g->app_code = ob_stmt_dup(ctx, st, 11);
    g->person_name = ob_stmt_dup(ctx, st, 12);
    g->person_email = ob_stmt_dup(ctx, st, 13);
    g->partner_name = ob_stmt_dup(ctx, st, 14);
    g->app_name_ru = ob_stmt_dup(ctx, st, 15);
    g->app_name_en = ob_stmt_dup(ctx, st, 16);
    g->ended_reason = ob_stmt_dup(ctx, st, 17);
    if (!*g->ended_reason && !g->revoked_at && !ob_stmt_int(st, 18))
        /* the relation is gone though nothing ended the grant: it does not hold */
        g->ended_reason = ob_stmt_int(st, 19) == g->partner ? "employee_removed"
                                                            : "partner_changed";
    g->state = *g->ended_reason ? "ended"
               : g->revoked_at ? "revoked"
               : g->until < ob_clock_today(ctx) ? "expired"
                                                : "active";
}

/* The words of why a grant stopped, by language (the mails' {{reason_*}}). */
static void
reason_words(json_t *vars, const char *reason)
{
    static const struct {
        const char *reason, *ru, *en;
    } w[] = {
        { "revoked", "его закрыл владелец абонента", "the subscriber's owner closed it" },
        { "employee_removed", "сотрудник больше не работает у партнёра",
          "the person is no longer an employee of the partner" },
        { "partner_changed", "абонента больше не обслуживает этот партнёр",
          "the partner no longer serves the subscriber" },
    };

    for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
        if (!strcmp(w[i].reason, reason)) {
            json_object_set_new(vars, "reason_ru", json_string(w[i].ru));
            json_object_set_new(vars, "reason_en", json_string(w[i].en));
            return;
        }
    json_object_set_new(vars, "reason_ru", json_string(reason));
    json_object_set_new(vars, "reason_en", json_string(reason));
}

/* Tell what happened to grant g (kind "grant.given", "grant.revoked",
 * "grant.expired"; reason for a revoked one): the event, a mail to the
 * employee (not when they were removed from the partner: the client's data
 * is no business of theirs any more) and one to each owner and
 * administrator of the subscriber, whose data it is (docs/events.md).
 * Joins the caller's transaction. */
static int
grant_notify(struct ob_ctx *ctx, const struct ob_grant *g, const char *kind, const char *reason)
{
    char until[OB_DATE_LEN];
    const char *tmpl = !strcmp(kind, "grant.given")     ? "grant_given"
                       : !strcmp(kind, "grant.revoked") ? "grant_revoked"
                                                        : "grant_expired";
    json_t *data, *vars;
    int rc;

    ob_date_format(g->until, until);
    data = json_pack("{s:I, s:I, s:s, s:s, s:s, s:I, s:s, s:I, s:s}", "grant", (json_int_t)g->id,
                     "area", (json_int_t)g->area, "area_name", g->area_name, "app", g->app_code,
                     "until", until, "person", (json_int_t)g->person, "email", g->person_email,
                     "subscriber_code", (json_int_t)g->subscriber_code, "subscriber_name",
                     g->subscriber_name);
    if (reason)
        json_object_set_new(data, "reason", json_string(reason));
    rc = ob_event_emit(ctx, kind, g->partner, g->subscriber, data, NULL);
    json_decref(data);
    if (rc != 0)
        return rc;
    vars = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "subscriber",
                     ob_arena_printf(&ctx->arena, "%s (FR%lld)", g->subscriber_name,
                                     (long long)g->subscriber_code),
                     "area", g->area_name, "app_ru", g->app_name_ru, "app_en", g->app_name_en,
                     "partner", g->partner_name, "employee",
                     *g->person_name ? ob_arena_printf(&ctx->arena, "%s (%s)", g->person_name,
                                                       g->person_email)
                                     : g->person_email);
    ob_mail_day(vars, "until", g->until);
    reason_words(vars, reason ? reason : "revoked");
    rc = 0;
    if (!reason || strcmp(reason, "employee_removed"))
        rc = ob_mail_person(ctx, g->person, kind, tmpl, vars, g->subscriber, NULL);
    if (rc == 0)
        rc = ob_mail_members(ctx, g->subscriber, OB_ROLE_OWNER | OB_ROLE_ADMINISTRATOR, kind,
                             ob_arena_printf(&ctx->arena, "%s_owner", tmpl), vars, NULL);
    json_decref(vars);
    return rc;
}

int
ob_grant_active(struct ob_ctx *ctx, int64_t area, int64_t person, int64_t *grant)
{
    char day[OB_DATE_LEN];
    int64_t id = 0;
    int rc;

    if (!person)
        return OB_ENOTFOUND;
    ob_date_format(ob_clock_today(ctx), day);
    rc = ob_db_get_int(ctx->db, &id,
                       "SELECT g.id FROM area_grants g "
                       "JOIN subscribers s ON s.account_id = g.subscriber_id "
                       "WHERE g.area_id = ? AND g.person_id = ? AND g.revoked_at IS NULL "
                       "AND g.until >= ? AND " GRANT_HOLDS " ORDER BY g.id DESC LIMIT 1",
                       "iit", area, person, day);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (rc != OB_DB_ROW)
        return OB_ENOTFOUND;
    if (grant)
        *grant = id;
    return 0;
}

static int one(struct ob_ctx *ctx, int64_t id, struct ob_grant *out);

struct create {
    struct ob_area a;
    int64_t person, partner, id;
    const char *email, *until;
};

static int
create_tx(struct ob_ctx *ctx, void *arg)
{
    struct create *c = arg;
    int rc = ob_db_get_int(ctx->db, &c->id,
                           "INSERT INTO area_grants (subscriber_id, area_id, person_id, partner_id, "
                           "until, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?) "
                           "RETURNING id",
                           "iiiit" "iz", c->a.subscriber, c->a.id, c->person, c->partner,
                           c->until, ob_clock_now(ctx), ctx->actor.person);

    struct ob_grant g;

    if (rc < 0)
        return ob_db_err(ctx, rc);
    if ((rc = ob_audit_with(ctx, c->a.subscriber, "grant.created", "grant", c->id,
                            json_pack("{s:s, s:s, s:s}", "area", c->a.name, "email", c->email,
                                      "until", c->until),
                            "access to data area '%s' granted to partner employee %s until %s",
                            c->a.name, c->email, c->until)) != 0 ||
        (rc = one(ctx, c->id, &g)) != 0)
        return rc;
    return grant_notify(ctx, &g, "grant.given", NULL);
}

int
ob_grant_create(struct ob_ctx *ctx, int64_t area, const char *email, const char *until,
                int64_t *id)
{
    struct create c = { .email = email, .until = until };
    int32_t day, now = ob_clock_today(ctx);
    char norm[256];
    int rc;

    if ((rc = ob_area_get(ctx, area, &c.a)) != 0 ||
        (rc = ob_access_subscriber(ctx, c.a.subscriber, OB_ROLE_OWNER, 0, 0)) != 0)
        return rc;
    if (strcmp(c.a.state, "ready"))
        return ob_err_field(&ctx->err, OB_ECONFLICT, "area", "area.not_ready", "name=%s state=%s",
                            c.a.name, c.a.state);
    if (!until || ob_date_parse_input(until, &day) != 0)
        return ob_err_field(&ctx->err, OB_EINVAL, "until", "field.date");
    if (day < now || day > now + OB_GRANT_MAX_DAYS)
        return ob_err_field(&ctx->err, OB_EINVAL, "until", "grant.until_range", "grant_max_days=%d",
                            OB_GRANT_MAX_DAYS);
    if (!email || !*email)
        return ob_err_field(&ctx->err, OB_EINVAL, "email", "grant.employee_required");
    if ((rc = ob_email_normalize(ctx, email, norm, sizeof(norm), "email")) != 0)
        return rc;
    rc = ob_db_get_int(ctx->db, &c.partner,
                       "SELECT COALESCE(partner_id, 0) FROM subscribers WHERE account_id = ?",
                       "i", c.a.subscriber);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (!c.partner)
        return ob_err_field(&ctx->err, OB_EINVAL, "email", "grant.no_partner");
    rc = ob_db_get_int(ctx->db, &c.person,
                       "SELECT p.id FROM persons p JOIN memberships m ON m.person_id = p.id "
                       "WHERE p.email = ? AND m.account_id = ? AND p.disabled = 0",
                       "ti", norm, c.partner);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (rc != OB_DB_ROW)
        return ob_err_field(&ctx->err, OB_EINVAL, "email", "grant.not_your_employee",
                            "email=%.100s", email);
    c.until = until;
    if ((rc = ob_db_tx(ctx, OB_DB_WRITE, create_tx, &c)) != 0)
        return rc;
    *id = c.id;
    return 0;
}

static int
one(struct ob_ctx *ctx, int64_t id, struct ob_grant *out)
{
    int rc;

    memset(out, 0, sizeof(*out));
    rc = ob_db_one(ctx, read_grant, out, GRANT_SELECT "WHERE g.id = ?", "i", id);
    if (rc == OB_ENOTFOUND)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "grant.not_found", "id=%ld", id);
    return rc;
}

int
ob_grant_get(struct ob_ctx *ctx, int64_t id, struct ob_grant *out)
{
    int rc;

    if ((rc = one(ctx, id, out)) != 0)
        return rc;
    if (ctx->actor.person && out->person == ctx->actor.person)
        return 0;
    rc = ob_access_subscriber(ctx, out->subscriber, OB_ROLE_OWNER | OB_ROLE_ADMINISTRATOR, 0,
                              OB_ROLES_ANY);
    if (rc == OB_EPERM || rc == OB_ENOTFOUND)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "grant.not_found", "id=%ld", id);
    return rc;
}

struct grant_rows {
    int (*fn)(const struct ob_grant *, void *);
    void *arg;
};

static int
grant_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct grant_rows *r = arg;
    struct ob_grant g;

    read_grant(ctx, st, &g);
    /* a subscriber's users who are not its owner or administrators see
     * only their own (none): the scope of ob_grant_list lists every
     * subscriber; a partner's employees see those given by its clients to
     * the partner's people (the client card) */
    if (g.person != ctx->actor.person && !ob_access_provider_roles(ctx) &&
        !(ob_access_roles(ctx, g.subscriber) & (OB_ROLE_OWNER | OB_ROLE_ADMINISTRATOR)) &&
        !(g.partner && ob_access_roles(ctx, g.partner)))
        return 0;
    return r->fn(&g, r->arg);
}

int
ob_grant_list(struct ob_ctx *ctx, const struct ob_grant_filter *f, int64_t after, int limit,
              int (*fn)(const struct ob_grant *, void *), void *arg)
{
    struct grant_rows r = { fn, arg };
    const char *scope = "";
    char day[OB_DATE_LEN];
    char *sql;
    int rc;

    if ((rc = ob_access_person(ctx)) != 0)
        return rc;
    if (f->state && *f->state && strcmp(f->state, "active") && strcmp(f->state, "all"))
        return ob_err_field(&ctx->err, OB_EINVAL, "state", "field.active_or_all");
    if (f->subscriber) {
        /* the serving partner's employees see the grants to them on the client card */
        if ((rc = ob_access_subscriber(ctx, f->subscriber, OB_ROLE_OWNER | OB_ROLE_ADMINISTRATOR,
                                       OB_ROLES_ANY, OB_ROLES_ANY)) != 0)
            return rc;
    } else {
        /* the grants to me, and those of the subscribers I am in */
        const char *subs;

        if ((rc = ob_access_scope(ctx, NULL, "g.subscriber_id", &subs)) != 0)
            return rc;
        scope = ob_arena_printf(&ctx->arena, "AND (g.person_id = %" PRId64 " OR %s) ",
                                ctx->actor.person, subs);
    }
    ob_date_format(ob_clock_today(ctx), day);
    sql = ob_arena_printf(&ctx->arena,
                          GRANT_SELECT "WHERE (? = 0 OR g.subscriber_id = ?) "
                                       "AND (? = 0 OR g.area_id = ?) AND g.id > ? "
                                       "AND (? = 0 OR (g.revoked_at IS NULL AND g.until >= ? "
                                       "AND " GRANT_HOLDS ")) "
                                       "AND (? = 0 OR g.person_id = ?) %sORDER BY g.id LIMIT ?",
                          scope);
    return ob_db_each(ctx, grant_row, &r, sql, "iiiiiitiii", f->subscriber, f->subscriber,
                      f->area, f->area, after, (int64_t)(f->state && !strcmp(f->state, "active")),
                      day, (int64_t)f->mine, ctx->actor.person, (int64_t)limit);
}

struct revoke {
    struct ob_grant g;
    int closed;
};

static int
revoke_tx(struct ob_ctx *ctx, void *arg)
{
    struct revoke *r = arg;
    int64_t changed = ob_db_run(ctx->db,
                                "UPDATE area_grants SET revoked_at = ?, revoked_by = ? "
                                "WHERE id = ? AND revoked_at IS NULL",
                                "izi", ob_clock_now(ctx), ctx->actor.person, r->g.id);
    int rc;

    if (changed < 0)
        return ob_db_err(ctx, (int)changed);
    if (changed == 0)
        return ob_err_set(&ctx->err, OB_ECONFLICT, "grant.revoked_already");
    if ((rc = ob_appsession_close_grant(ctx, r->g.id, "grant_revoked", &r->closed)) != 0 ||
        (rc = ob_audit_with(ctx, r->g.subscriber, "grant.revoked", "grant", r->g.id,
                            json_pack("{s:s, s:s}", "area", r->g.area_name, "email",
                                      r->g.person_email),
                            "access to data area '%s' of %s revoked (%d sessions closed)",
                            r->g.area_name, r->g.person_email, r->closed)) != 0)
        return rc;
    return grant_notify(ctx, &r->g, "grant.revoked", "revoked");
}

int
ob_grant_revoke(struct ob_ctx *ctx, int64_t id)
{
    struct revoke r = { 0 };
    int rc;

    if ((rc = one(ctx, id, &r.g)) != 0)
        return rc;
    rc = ob_access_subscriber(ctx, r.g.subscriber, OB_ROLE_OWNER, 0, 0);
    if (rc == OB_ENOTFOUND || (rc == OB_EPERM && r.g.person == ctx->actor.person))
        return rc == OB_ENOTFOUND
                   ? ob_err_set(&ctx->err, OB_ENOTFOUND, "grant.not_found", "id=%" PRId64, id)
                   : ob_err_set(&ctx->err, OB_EPERM, "grant.owner_revokes", "id=%" PRId64, id);
    if (rc != 0)
        return rc;
    return ob_db_tx(ctx, OB_DB_WRITE, revoke_tx, &r);
}

struct ended {
    struct ob_grant *v;
    int n, cap;
};

static int
held_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct ended *e = arg;

    if (e->n == e->cap) {
        struct ob_grant *more;

        e->cap = e->cap ? e->cap * 2 : 8;
        more = ob_arena_alloc(&ctx->arena, (size_t)e->cap * sizeof(*more));
        if (e->n)
            memcpy(more, e->v, (size_t)e->n * sizeof(*more));
        e->v = more;
    }
    read_grant(ctx, st, &e->v[e->n++]);
    return 0;
}

/* The grants a relation held that are still on, read before any is ended. */
static int
grants_held(struct ob_ctx *ctx, int64_t partner, int64_t person, int64_t sub, struct ended *e)
{
    char day[OB_DATE_LEN];

    ob_date_format(ob_clock_today(ctx), day);
    return ob_db_each(ctx, held_row, e,
                      GRANT_SELECT "WHERE g.partner_id = ? AND (? = 0 OR g.person_id = ?) "
                                   "AND (? = 0 OR g.subscriber_id = ?) "
                                   "AND g.revoked_at IS NULL AND g.until >= ? ORDER BY g.id",
                      "iiiiit", partner, person, person, sub, sub, day);
}

int
ob_grant_end_for(struct ob_ctx *ctx, int64_t partner, int64_t person, int64_t sub,
                 const char *reason, int *n)
{
    struct ended e = { 0 };
    int rc;

    *n = 0;
    if ((rc = grants_held(ctx, partner, person, sub, &e)) != 0)
        return rc;
    for (int i = 0; i < e.n; i++) {
        const struct ob_grant *g = &e.v[i];
        int closed = 0;
        int64_t changed = ob_db_run(ctx->db,
                                    "UPDATE area_grants SET revoked_at = ?, revoked_by = ?, "
                                    "ended_reason = ? WHERE id = ? AND revoked_at IS NULL",
                                    "izti", ob_clock_now(ctx), ctx->actor.person, reason, g->id);

        if (changed < 0)
            return ob_db_err(ctx, (int)changed);
        if (changed == 0)
            continue;
        if ((rc = ob_appsession_close_grant(ctx, g->id, "grant_ended", &closed)) != 0 ||
            (rc = ob_audit_with(ctx, g->subscriber, "grant.ended", "grant", g->id,
                                json_pack("{s:s, s:s, s:s}", "area", g->area_name, "email",
                                          g->person_email, "reason", reason),
                           "access of %s to data area '%s' ended: %s '%s' (%d sessions closed)",
                           g->person_email, g->area_name,
                           !strcmp(reason, "employee_removed")
                               ? "no longer an employee of partner"
                               : "the client is no longer served by partner",
                           g->partner_name, closed)) != 0 ||
            (rc = grant_notify(ctx, g, "grant.revoked", reason)) != 0)
            return rc;
        (*n)++;
    }
    return 0;
}

/* ---- expiry -------------------------------------------------------------------------- */

struct expire {
    int64_t id;
    int told;
};

static int
expire_tx(struct ob_ctx *ctx, void *arg)
{
    struct expire *x = arg;
    struct ob_grant g;
    int64_t changed;
    int rc;

    x->told = 0;
    changed = ob_db_run(ctx->db,
                        "UPDATE area_grants SET expiry_noticed_at = ? "
                        "WHERE id = ? AND revoked_at IS NULL AND expiry_noticed_at IS NULL",
                        "ii", ob_clock_now(ctx), x->id);
    if (changed < 0)
        return ob_db_err(ctx, (int)changed);
    if (changed == 0)   /* another run told it, or it was revoked meanwhile */
        return 0;
    if ((rc = one(ctx, x->id, &g)) != 0)
        return rc;
    /* a grant whose relation is gone ended (and was told) when it went; an
     * old one is only marked */
    if (strcmp(g.state, "expired") || g.until < ob_clock_today(ctx) - 1 - OB_GRANT_NOTICE_DAYS)
        return 0;
    x->told = 1;
    return grant_notify(ctx, &g, "grant.expired", NULL);
}

static int
collect_due(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct ended *e = arg;

    (void)ctx;
    if (e->n == e->cap)
        return 1;
    e->v[e->n++].id = ob_stmt_int(st, 0);
    return 0;
}

int
ob_grant_expire_due(struct ob_ctx *ctx, int *n)
{
    char day[OB_DATE_LEN];
    struct ended e = { 0 };
    int rc;

    *n = 0;
    ob_date_format(ob_clock_today(ctx), day);
    e.cap = 200;
    e.v = ob_arena_alloc(&ctx->arena, (size_t)e.cap * sizeof(*e.v));
    do {
        e.n = 0;
        /* area_grants_expiry: only the grants not yet told */
        if ((rc = ob_db_each(ctx, collect_due, &e,
                             "SELECT id FROM area_grants WHERE until < ? AND revoked_at IS NULL "
                             "AND expiry_noticed_at IS NULL ORDER BY until, id LIMIT 200",
                             "t", day)) != 0)
            return rc;
        for (int i = 0; i < e.n; i++) {
            struct expire x = { e.v[i].id, 0 };

            if ((rc = ob_db_tx(ctx, OB_DB_WRITE, expire_tx, &x)) != 0)
                return rc;
            *n += x.told;
        }
    } while (e.n == e.cap);
    return 0;
}
