/*
 * appsession.c — application sessions: atomic admission, launch,
 * heartbeats, closes and the session history (R-DA-3, R-DA-4).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "base/config.h"
#include "base/ctx.h"
#include "base/date.h"
#include "db/db.h"
#include "model/identity/access.h"
#include "model/areas/appsession.h"
#include "model/core/audit.h"
#include "model/identity/authn.h"
#include "model/areas/backend.h"
#include "model/subscriptions/entitlement.h"
#include "model/areas/grant.h"
#include "model/identity/member.h"
#include "model/parties/subscriber.h"
#include "model/subscriptions/subscription.h"
#include "base/banned.h"

#define MANAGE (OB_ROLE_OWNER | OB_ROLE_ADMINISTRATOR)

#define SESSION_SELECT                                                                         \
    "SELECT x.id, x.subscriber_id, s.code, x.area_id, ar.application_id, x.person_id, "        \
    "COALESCE(x.grant_id, 0), x.opened_at, x.seen_at, COALESCE(x.launched_at, 0), "            \
    "COALESCE(x.closed_at, 0), COALESCE(x.blocked_since, 0), COALESCE(x.close_reason, ''), "   \
    "ar.name, ar.area_key, ap.code, ap.name_ru, ap.name_en, p.name, p.email, sa.name, ar.test " \
    "FROM app_sessions x JOIN areas ar ON ar.id = x.area_id "                                  \
    "JOIN applications ap ON ap.id = ar.application_id JOIN persons p ON p.id = x.person_id "  \
    "JOIN subscribers s ON s.account_id = x.subscriber_id "                                    \
    "JOIN accounts sa ON sa.id = x.subscriber_id "

static int64_t
idle(struct ob_ctx *ctx)
{
    return ctx->cfg->app_idle_seconds;
}

static const char *
dup(struct ob_ctx *ctx, const char *s)
{
    return ob_arena_strdup(&ctx->arena, s ? s : "");
}

static void
read_session(struct ob_ctx *ctx, struct ob_stmt *st, struct ob_appsession *x)
{
    int64_t cutoff = ob_clock_now(ctx) - idle(ctx);

    x->id = ob_stmt_int(st, 0);
    x->subscriber = ob_stmt_int(st, 1);
    x->subscriber_code = ob_stmt_int(st, 2);
    x->area = ob_stmt_int(st, 3);
    x->app = ob_stmt_int(st, 4);
    x->person = ob_stmt_int(st, 5);
    x->grant = ob_stmt_int(st, 6);
    x->opened_at = ob_stmt_int(st, 7);
    x->seen_at = ob_stmt_int(st, 8);
    x->launched_at = ob_stmt_int(st, 9);
    x->closed_at = ob_stmt_int(st, 10);
    x->blocked_since = ob_stmt_int(st, 11);
    x->close_reason = dup(ctx, ob_stmt_text(st, 12));
    x->area_name = dup(ctx, ob_stmt_text(st, 13));
    x->area_key = dup(ctx, ob_stmt_text(st, 14));
    x->app_code = dup(ctx, ob_stmt_text(st, 15));
    x->app_name_ru = dup(ctx, ob_stmt_text(st, 16));
    x->app_name_en = dup(ctx, ob_stmt_text(st, 17));
    x->person_name = dup(ctx, ob_stmt_text(st, 18));
    x->person_email = dup(ctx, ob_stmt_text(st, 19));
    x->subscriber_name = dup(ctx, ob_stmt_text(st, 20));
    x->area_test = ob_stmt_int(st, 21) != 0;
    if (x->closed_at)
        x->state = !strcmp(x->close_reason, "expired") ? "expired" : "closed";
    else if (x->seen_at <= cutoff) {
        x->state = "expired";
        x->close_reason = "expired";
    } else {
        x->state = "open";
    }
}

static int
load(struct ob_ctx *ctx, int64_t id, struct ob_appsession *out)
{
    struct ob_stmt *st;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = ob_db_prepare(ctx->db, SESSION_SELECT "WHERE x.id = ?", &st)) != 0)
        return ob_db_err(ctx, rc);
    if ((rc = ob_stmt_bind_int(st, 1, id)) == 0 && (rc = ob_stmt_step(st)) == OB_DB_ROW) {
        read_session(ctx, st, out);
        rc = 0;
    } else if (rc == OB_DB_DONE) {
        rc = OB_ENOTFOUND;
    }
    ob_stmt_finalize(st);
    if (rc == OB_ENOTFOUND)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "session %" PRId64 " not found", id);
    return rc < 0 ? ob_db_err(ctx, rc) : 0;
}

/* Only what access checks need: subscriber, person, application, closed. */
static int
load_brief(struct ob_ctx *ctx, int64_t id, struct ob_appsession *out)
{
    struct ob_stmt *st;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = ob_db_prepare(ctx->db,
                            "SELECT x.subscriber_id, x.person_id, ar.application_id, "
                            "COALESCE(x.closed_at, 0) FROM app_sessions x "
                            "JOIN areas ar ON ar.id = x.area_id WHERE x.id = ?",
                            &st)) != 0)
        return ob_db_err(ctx, rc);
    if ((rc = ob_stmt_bind_int(st, 1, id)) == 0 && (rc = ob_stmt_step(st)) == OB_DB_ROW) {
        out->id = id;
        out->subscriber = ob_stmt_int(st, 0);
        out->person = ob_stmt_int(st, 1);
        out->app = ob_stmt_int(st, 2);
        out->closed_at = ob_stmt_int(st, 3);
        rc = 0;
    } else if (rc == OB_DB_DONE) {
        rc = OB_ENOTFOUND;
    }
    ob_stmt_finalize(st);
    if (rc == OB_ENOTFOUND)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "session %" PRId64 " not found", id);
    return rc < 0 ? ob_db_err(ctx, rc) : 0;
}

/* ---- ending sessions ------------------------------------------------------------------ */

static int
history(struct ob_ctx *ctx, int64_t session, int64_t sub, int64_t person, int64_t area,
        const char *event, const char *reason, int64_t at, int64_t sub_limit, int64_t user_limit)
{
    int64_t n = ob_db_run(ctx->db,
                          "INSERT INTO session_history (session_id, subscriber_id, person_id, "
                          "area_id, event, reason, at, session_limit, user_limit) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          "iiiitti" "mm", session, sub, person, area, event, reason, at,
                          sub_limit, user_limit);

    return n < 0 ? ob_db_err(ctx, (int)n) : 0;
}

/* End one session if it is still open: closed with `reason` now, or, when
 * it was stale already, expired at its last sighting plus the idle time. */
static int
end_one(struct ob_ctx *ctx, int64_t id, const char *reason, bool *ended)
{
    int64_t now = ob_clock_now(ctx), cutoff = now - idle(ctx);
    int64_t sub = 0, person = 0, area = 0, seen = 0, at, n;
    struct ob_stmt *st;
    bool stale;
    int rc;

    *ended = false;
    if ((rc = ob_db_prepare(ctx->db,
                            "SELECT subscriber_id, person_id, area_id, seen_at FROM app_sessions "
                            "WHERE id = ? AND closed_at IS NULL",
                            &st)) != 0)
        return ob_db_err(ctx, rc);
    if ((rc = ob_stmt_bind_int(st, 1, id)) == 0 && (rc = ob_stmt_step(st)) == OB_DB_ROW) {
        sub = ob_stmt_int(st, 0);
        person = ob_stmt_int(st, 1);
        area = ob_stmt_int(st, 2);
        seen = ob_stmt_int(st, 3);
        rc = 0;
    }
    ob_stmt_finalize(st);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (!sub)
        return 0;
    /* PostgreSQL: every change of a subscriber's open sessions holds its lock,
     * so that its history's id order is its commit order (admissions hold it
     * already; taking it again is a no-op) */
    if ((rc = ob_subscriber_lock(ctx, sub)) != 0)
        return rc;
    stale = seen <= cutoff;
    at = stale ? seen + idle(ctx) : now;
    n = ob_db_run(ctx->db,
                  "UPDATE app_sessions SET closed_at = ?, close_reason = ?, launch_hash = NULL "
                  "WHERE id = ? AND closed_at IS NULL",
                  "iti", at, stale ? "expired" : reason, id);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if (n == 0)
        return 0;
    *ended = true;
    return history(ctx, id, sub, person, area, stale ? "expire" : "close",
                   stale ? "idle" : reason, at, -1, -1);
}

/* End every session a query over app_sessions ids selects (one or two ints
 * bound: `b` only when the query has a second placeholder). */
static int
end_where(struct ob_ctx *ctx, const char *sql, int64_t a, int64_t b, const char *reason,
          int *count)
{
    int64_t *ids = NULL;
    int n = 0, cap = 0, rc;
    struct ob_stmt *st;

    *count = 0;
    if ((rc = ob_db_prepare(ctx->db, sql, &st)) != 0)
        return ob_db_err(ctx, rc);
    rc = ob_stmt_bind_int(st, 1, a);
    if (rc == 0 && strchr(strchr(sql, '?') + 1, '?'))
        rc = ob_stmt_bind_int(st, 2, b);
    while (rc == 0 && (rc = ob_stmt_step(st)) == OB_DB_ROW) {
        if (n == cap) {
            int64_t *more = ob_arena_alloc(&ctx->arena, (size_t)(cap ? cap * 2 : 16) * sizeof(*ids));

            if (n)
                memcpy(more, ids, (size_t)n * sizeof(*ids));
            ids = more;
            cap = cap ? cap * 2 : 16;
        }
        ids[n++] = ob_stmt_int(st, 0);
        rc = 0;
    }
    ob_stmt_finalize(st);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    for (int i = 0; i < n; i++) {
        bool ended;

        if ((rc = end_one(ctx, ids[i], reason, &ended)) != 0)
            return rc;
        *count += ended;
    }
    return 0;
}

int
ob_appsession_close_area(struct ob_ctx *ctx, int64_t area, const char *reason, int *n)
{
    return end_where(ctx, "SELECT id FROM app_sessions WHERE area_id = ? AND closed_at IS NULL",
                     area, 0, reason, n);
}

int
ob_appsession_close_grant(struct ob_ctx *ctx, int64_t grant, const char *reason, int *n)
{
    return end_where(ctx, "SELECT id FROM app_sessions WHERE grant_id = ? AND closed_at IS NULL",
                     grant, 0, reason, n);
}

int
ob_appsession_close_person(struct ob_ctx *ctx, int64_t sub, int64_t person, const char *reason,
                           int *n)
{
    return end_where(ctx,
                     "SELECT id FROM app_sessions WHERE person_id = ? AND subscriber_id = ? "
                     "AND closed_at IS NULL",
                     person, sub, reason, n);
}

/* Expire the subscriber's stale sessions (admission, under its lock). */
static int
expire_stale(struct ob_ctx *ctx, int64_t sub)
{
    int64_t cutoff = ob_clock_now(ctx) - idle(ctx), ids[64];
    struct ob_stmt *st;
    int n = 0, rc;

    do {
        n = 0;
        if ((rc = ob_db_prepare(ctx->db,
                                "SELECT id FROM app_sessions WHERE subscriber_id = ? AND "
                                "closed_at IS NULL AND seen_at <= ? ORDER BY seen_at, id LIMIT 64",
                                &st)) != 0)
            return ob_db_err(ctx, rc);
        rc = ob_stmt_bindf(st, "ii", sub, cutoff);
        while (rc == 0 && (rc = ob_stmt_step(st)) == OB_DB_ROW) {
            ids[n++] = ob_stmt_int(st, 0);
            rc = 0;
        }
        ob_stmt_finalize(st);
        if (rc < 0)
            return ob_db_err(ctx, rc);
        for (int i = 0; i < n; i++) {
            bool ended;

            if ((rc = end_one(ctx, ids[i], "expired", &ended)) != 0)
                return rc;
        }
    } while (n == 64);
    return 0;
}

static int
expire_all_tx(struct ob_ctx *ctx, void *arg)
{
    int *count = arg;
    int64_t cutoff = ob_clock_now(ctx) - idle(ctx), ids[256];
    struct ob_stmt *st;
    int n = 0, rc;

    if ((rc = ob_db_prepare(ctx->db,
                            "SELECT id FROM app_sessions WHERE closed_at IS NULL AND seen_at <= ? "
                            "ORDER BY id LIMIT 256",
                            &st)) != 0)
        return ob_db_err(ctx, rc);
    rc = ob_stmt_bind_int(st, 1, cutoff);
    while (rc == 0 && (rc = ob_stmt_step(st)) == OB_DB_ROW) {
        ids[n++] = ob_stmt_int(st, 0);
        rc = 0;
    }
    ob_stmt_finalize(st);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    *count = 0;
    for (int i = 0; i < n; i++) {
        bool ended;

        if ((rc = end_one(ctx, ids[i], "expired", &ended)) != 0)
            return rc;
        *count += ended;
    }
    return 0;
}

int
ob_appsession_expire_stale(struct ob_ctx *ctx, int *n)
{
    int total = 0, got, rc;

    do {
        got = 0;
        if ((rc = ob_db_tx(ctx, OB_DB_WRITE, expire_all_tx, &got)) != 0)
            return rc;
        total += got;
    } while (got == 256);
    *n = total;
    return 0;
}

/* ---- admission ------------------------------------------------------------------------ */

struct admit {
    int64_t area, sub, app, grant, take_over;
    int64_t sub_limit, user_limit;      /* user_limit -1: none */
    const char *area_name, *url, *code;
    struct ob_admitted *out;
    struct ob_refusal *why;
    char hash[65];
};

static int
holders(struct ob_ctx *ctx, int64_t sub, int64_t person, struct ob_refusal *why)
{
    struct ob_stmt *st;
    int rc;

    why->holders = ob_arena_alloc(&ctx->arena, OB_HOLDERS_MAX * sizeof(*why->holders));
    why->nholders = 0;
    if ((rc = ob_db_prepare(ctx->db,
                            SESSION_SELECT "WHERE x.subscriber_id = ? AND x.closed_at IS NULL "
                                           "AND (? = 0 OR x.person_id = ?) "
                                           "ORDER BY x.opened_at, x.id LIMIT 50",
                            &st)) != 0)
        return ob_db_err(ctx, rc);
    rc = ob_stmt_bindf(st, "iii", sub, person, person);
    while (rc == 0 && (rc = ob_stmt_step(st)) == OB_DB_ROW) {
        read_session(ctx, st, &why->holders[why->nholders++]);
        rc = 0;
    }
    ob_stmt_finalize(st);
    return rc < 0 ? ob_db_err(ctx, rc) : 0;
}

/* Who may open the area, and within what: the area and what the answer
 * shows, the actor's membership (or grant), the entitlement. Run inside the
 * admission's transaction, on the batch's warm connection. */
static int
admission_checks(struct ob_ctx *ctx, struct admit *a)
{
    struct ob_appsession *x = &a->out->session;
    const struct ob_member *m;
    struct ob_entitlement e;
    struct ob_stmt *st;
    const char *state = "";
    bool allowed = false;
    int64_t area = a->area;
    int rc;

    a->sub = 0;
    a->grant = 0;
    a->user_limit = -1;
    /* everything the answer shows, in one query */
    if ((rc = ob_db_prepare(ctx->db,
                            "SELECT ar.subscriber_id, ar.application_id, ar.name, ar.state, "
                            "ap.code, ap.backend_url, ar.area_key, ap.name_ru, ap.name_en, ar.test, "
                            "s.code, ac.name, p.name, p.email FROM areas ar "
                            "JOIN applications ap ON ap.id = ar.application_id "
                            "JOIN subscribers s ON s.account_id = ar.subscriber_id "
                            "JOIN accounts ac ON ac.id = ar.subscriber_id "
                            "JOIN persons p ON p.id = ? WHERE ar.id = ?",
                            &st)) != 0)
        return ob_db_err(ctx, rc);
    if ((rc = ob_stmt_bindf(st, "ii", ctx->actor.person, area)) == 0 &&
        (rc = ob_stmt_step(st)) == OB_DB_ROW) {
        a->sub = ob_stmt_int(st, 0);
        a->app = ob_stmt_int(st, 1);
        x->area_name = dup(ctx, ob_stmt_text(st, 2));
        state = dup(ctx, ob_stmt_text(st, 3));
        a->code = x->app_code = dup(ctx, ob_stmt_text(st, 4));
        a->url = dup(ctx, ob_stmt_text(st, 5));
        x->area_key = dup(ctx, ob_stmt_text(st, 6));
        x->app_name_ru = dup(ctx, ob_stmt_text(st, 7));
        x->app_name_en = dup(ctx, ob_stmt_text(st, 8));
        x->area_test = ob_stmt_int(st, 9) != 0;
        x->subscriber_code = ob_stmt_int(st, 10);
        x->subscriber_name = dup(ctx, ob_stmt_text(st, 11));
        x->person_name = dup(ctx, ob_stmt_text(st, 12));
        x->person_email = dup(ctx, ob_stmt_text(st, 13));
        rc = 0;
    }
    ob_stmt_finalize(st);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (!a->sub)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "data area %" PRId64 " not found", area);
    a->area_name = x->area_name;
    /* who: a member of the subscriber, or a partner employee with a grant */
    m = ob_access_member(ctx, a->sub);
    if (!m || !(m->roles & (MANAGE | OB_ROLE_USER))) {
        if (ob_grant_active(ctx, area, ctx->actor.person, &a->grant) != 0) {
            if (ctx->err.rc)
                return ctx->err.rc;
            return ob_err_set(&ctx->err, OB_ENOTFOUND, "data area %" PRId64 " not found", area);
        }
    } else {
        a->user_limit = m->session_limit;
    }
    if (strcmp(state, "ready"))
        return ob_err_field(&ctx->err, OB_ECONFLICT, "area", "data area '%s' is %s, not ready",
                            x->area_name, state);
    if ((rc = ob_subscription_entitlement_load(ctx, a->sub,
                                               ob_clock_today(ctx), &e)) != 0)
        return rc;
    if (e.blocked)
        return ob_err_set(&ctx->err, OB_EBLOCKED, "the subscriber is blocked: %s", e.reason);
    for (int i = 0; i < e.napps && !allowed; i++)
        allowed = !strcmp(e.apps[i], a->code);
    if (!allowed)
        return ob_err_set(&ctx->err, OB_EPERM,
                          "the subscription in force does not include application '%s'", a->code);
    a->sub_limit = e.sessions;
    return 0;
}

static int
admit_tx(struct ob_ctx *ctx, void *arg)
{
    struct admit *a = arg;
    int64_t now = ob_clock_now(ctx), open = 0, mine = 0;
    int rc;

    /* PostgreSQL: the area's row is read again after the subscriber's lock,
     * so a deletion that committed meanwhile is seen */
    if ((rc = admission_checks(ctx, a)) != 0 || (rc = ob_subscriber_lock(ctx, a->sub)) != 0 ||
        (ob_db_row_locks(ctx->db) && (rc = admission_checks(ctx, a)) != 0))
        return rc;
    if ((rc = expire_stale(ctx, a->sub)) != 0)
        return rc;
    if (a->take_over) {
        int64_t owner = 0;
        bool ended;

        rc = ob_db_get_int(ctx->db, &owner,
                           "SELECT person_id FROM app_sessions WHERE id = ? AND subscriber_id = ?",
                           "ii", a->take_over, a->sub);
        if (rc < 0)
            return ob_db_err(ctx, rc);
        if (rc != OB_DB_ROW || owner != ctx->actor.person)
            return ob_err_field(&ctx->err, OB_EINVAL, "take_over",
                                "'take_over' must be one of your own sessions of this subscriber");
        if ((rc = end_one(ctx, a->take_over, "taken_over", &ended)) != 0)
            return rc;
    }
    {
        struct ob_stmt *st;

        if ((rc = ob_db_prepare(ctx->db,
                                "SELECT COUNT(*), COALESCE(SUM(CASE WHEN person_id = ? THEN 1 "
                                "ELSE 0 END), 0) FROM app_sessions "
                                "WHERE subscriber_id = ? AND closed_at IS NULL",
                                &st)) != 0)
            return ob_db_err(ctx, rc);
        if ((rc = ob_stmt_bindf(st, "ii", ctx->actor.person, a->sub)) == 0 &&
            (rc = ob_stmt_step(st)) == OB_DB_ROW) {
            open = ob_stmt_int(st, 0);
            mine = ob_stmt_int(st, 1);
            rc = 0;
        }
        ob_stmt_finalize(st);
        if (rc < 0)
            return ob_db_err(ctx, rc);
    }
    if (open >= a->sub_limit) {
        a->why->limit = "subscriber";
        a->why->max = (int)a->sub_limit;
        if ((rc = holders(ctx, a->sub, 0, a->why)) != 0)
            return rc;
        ob_err_set(&ctx->err, OB_ELIMIT,
                   "all %" PRId64 " concurrent sessions of the subscriber are in use",
                   a->sub_limit);
        ob_err_hint(&ctx->err, "ask a colleague to close a window, or the owner to close a "
                               "session; more sessions come with the tariff");
        return OB_ELIMIT;
    }
    if (a->user_limit >= 0) {
        if (mine >= a->user_limit) {
            a->why->limit = "user";
            a->why->max = (int)a->user_limit;
            if ((rc = holders(ctx, a->sub, ctx->actor.person, a->why)) != 0)
                return rc;
            ob_err_set(&ctx->err, OB_ELIMIT,
                       "your limit of %" PRId64 " concurrent sessions is reached", a->user_limit);
            ob_err_hint(&ctx->err, "close one of your windows, or take over a stale one");
            return OB_ELIMIT;
        }
    }
    rc = ob_db_get_int(ctx->db, &a->out->id,
                       "INSERT INTO app_sessions (subscriber_id, area_id, person_id, grant_id, "
                       "launch_hash, launch_until, opened_at, seen_at) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                       "iiiztiii", a->sub, a->area, ctx->actor.person, a->grant, a->hash,
                       now + OB_LAUNCH_SECONDS, now, now);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if ((rc = history(ctx, a->out->id, a->sub, ctx->actor.person, a->area, "open", "", now,
                      a->sub_limit, a->user_limit)) != 0)
        return rc;
    a->out->opened_at = now;
    if (a->grant)
        return ob_audit(ctx, a->sub, "session.opened_by_grant", "area", a->area,
                        "partner employee %s opened data area '%s' by grant %" PRId64,
                        ctx->actor.name ? ctx->actor.name : "?", a->area_name, a->grant);
    return 0;
}

int
ob_appsession_open(struct ob_ctx *ctx, int64_t area, int64_t take_over,
                   struct ob_admitted *out, struct ob_refusal *why)
{
    struct admit a = { .area = area, .take_over = take_over, .out = out, .why = why,
                       .user_limit = -1 };
    struct ob_appsession *x;
    int rc;

    memset(out, 0, sizeof(*out));
    memset(why, 0, sizeof(*why));
    if ((rc = ob_access_person(ctx)) != 0)
        return rc;
    ob_auth_new_secret(out->token);
    ob_auth_hash(out->token, a.hash);
    if ((rc = ob_db_tx_group(ctx, admit_tx, &a)) != 0)
        return rc;
    out->launch_url = ob_arena_printf(&ctx->arena, "%s%slaunch?app=%s&session=%" PRId64
                                                   "&token=%s",
                                      a.url, a.url[0] && a.url[strlen(a.url) - 1] == '/' ? "" : "/",
                                      a.code, out->id, out->token);
    x = &out->session;
    x->id = out->id;
    x->subscriber = a.sub;
    x->area = area;
    x->app = a.app;
    x->person = ctx->actor.person;
    x->grant = a.grant;
    x->opened_at = x->seen_at = out->opened_at;
    x->state = "open";
    x->close_reason = "";
    return 0;
}

/* ---- the backend's side --------------------------------------------------------------- */

static bool
may_see(struct ob_ctx *ctx, const struct ob_appsession *x)
{
    if (ctx->actor.app)
        return ctx->actor.app == x->app;
    if (ctx->actor.person && ctx->actor.person == x->person)
        return true;
    return ob_access_subscriber(ctx, x->subscriber, MANAGE, 0, OB_ROLES_ANY) == 0;
}

struct launch {
    int64_t id;
    char hash[65];
};

static int
launch_tx(struct ob_ctx *ctx, void *arg)
{
    struct launch *l = arg;
    int64_t now = ob_clock_now(ctx), launched = 0, until = 0, closed = 0, seen = 0;
    char hash[80] = "";
    struct ob_stmt *st;
    int rc, n;

    if ((rc = ob_db_prepare(ctx->db,
                            "SELECT COALESCE(launch_hash, ''), COALESCE(launched_at, 0), "
                            "COALESCE(launch_until, 0), COALESCE(closed_at, 0), seen_at "
                            "FROM app_sessions WHERE id = ?",
                            &st)) != 0)
        return ob_db_err(ctx, rc);
    if ((rc = ob_stmt_bind_int(st, 1, l->id)) == 0 && (rc = ob_stmt_step(st)) == OB_DB_ROW) {
        snprintf(hash, sizeof(hash), "%s", ob_stmt_text(st, 0));
        launched = ob_stmt_int(st, 1);
        until = ob_stmt_int(st, 2);
        closed = ob_stmt_int(st, 3);
        seen = ob_stmt_int(st, 4);
        rc = 0;
    }
    ob_stmt_finalize(st);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (launched)
        return ob_err_field(&ctx->err, OB_ECONFLICT, "launch",
                            "the launch link was used already: open the area again");
    if (strlen(hash) != 64 || sodium_memcmp(hash, l->hash, 64) != 0)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "session %" PRId64 " not found", l->id);
    if (closed || now > until || seen <= now - idle(ctx))
        return ob_err_field(&ctx->err, OB_ECONFLICT, "launch",
                            "the launch link has expired: open the area again");
    n = (int)ob_db_run(ctx->db,
                       "UPDATE app_sessions SET launched_at = ?, launch_hash = NULL, seen_at = ? "
                       "WHERE id = ? AND launched_at IS NULL AND closed_at IS NULL",
                       "iii", now, now, l->id);
    if (n < 0)
        return ob_db_err(ctx, n);
    if (n == 0)
        return ob_err_field(&ctx->err, OB_ECONFLICT, "launch",
                            "the launch link was used already: open the area again");
    return 0;
}

int
ob_appsession_get(struct ob_ctx *ctx, int64_t id, const char *launch, struct ob_appsession *out)
{
    int rc;

    if ((rc = load(ctx, id, out)) != 0)
        return rc;
    if (!may_see(ctx, out)) {
        ob_err_clear(&ctx->err);
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "session %" PRId64 " not found", id);
    }
    if (launch) {
        struct launch l = { .id = id };

        if (!ctx->actor.app)
            return ob_err_field(&ctx->err, OB_EPERM, "launch",
                                "only the application's backend redeems a launch token");
        ob_auth_hash(launch, l.hash);
        if ((rc = ob_db_tx(ctx, OB_DB_WRITE, launch_tx, &l)) != 0)
            return rc;
        return load(ctx, id, out);
    }
    return 0;
}

struct beat {
    int64_t id;
    bool blocked;
    struct ob_heartbeat *out;
    const char *ended;          /* set when the session is over */
    bool grant_ok;
};

static int
beat_tx(struct ob_ctx *ctx, void *arg)
{
    struct beat *b = arg;
    int64_t now = ob_clock_now(ctx), n;
    struct ob_appsession x;
    bool ended;
    int rc;

    if ((rc = load(ctx, b->id, &x)) != 0)
        return rc;
    if (ctx->actor.app != x.app)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "session %" PRId64 " not found", b->id);
    if (!strcmp(x.state, "open")) {
        struct ob_entitlement e;

        if ((rc = ob_subscription_entitlement_load(ctx, x.subscriber,
                                                   ob_date_of_instant(now), &e)) != 0)
            return rc;
        b->blocked = e.blocked;
        b->grant_ok = !x.grant || ob_grant_active(ctx, x.area, x.person, NULL) == 0;
        if (ctx->err.rc < 0)
            return ctx->err.rc;
    }
    if (strcmp(x.state, "open")) {
        if (!x.closed_at && (rc = end_one(ctx, x.id, "expired", &ended)) != 0)
            return rc;
        b->ended = x.state;
        ob_err_field(&ctx->err, OB_ECONFLICT, "state", "the session is %s (%s)", x.state,
                     x.close_reason);
        return 0;
    }
    if (!b->grant_ok) {
        if ((rc = end_one(ctx, x.id, "grant_expired", &ended)) != 0)
            return rc;
        b->ended = "closed";
        ob_err_field(&ctx->err, OB_ECONFLICT, "state",
                     "the session is closed (the partner's access grant has expired)");
        return 0;
    }
    if (b->blocked) {
        int64_t since = x.blocked_since ? x.blocked_since : now;

        if (now - since >= (int64_t)ctx->cfg->app_grace_minutes * 60) {
            if ((rc = end_one(ctx, x.id, "blocked", &ended)) != 0)
                return rc;
            b->ended = "blocked";
            ob_err_field(&ctx->err, OB_EBLOCKED, "state",
                         "the subscriber is blocked: the session is closed");
            return 0;
        }
        b->out->blocked_since = since;
        b->out->grace_until = since + (int64_t)ctx->cfg->app_grace_minutes * 60;
    }
    n = ob_db_run(ctx->db,
                  "UPDATE app_sessions SET seen_at = ?, blocked_since = ? "
                  "WHERE id = ? AND closed_at IS NULL",
                  "imi", now, b->blocked ? b->out->blocked_since : -1, x.id);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    b->out->seen_at = now;
    b->out->expires_at = now + idle(ctx);
    return 0;
}

int
ob_appsession_heartbeat(struct ob_ctx *ctx, int64_t id, struct ob_heartbeat *out)
{
    struct beat b = { .id = id, .out = out, .grant_ok = true };
    int rc;

    memset(out, 0, sizeof(*out));
    if (!ctx->actor.app)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "session %" PRId64 " not found", id);
    if ((rc = ob_db_tx_group(ctx, beat_tx, &b)) != 0)
        return rc;
    return b.ended ? ctx->err.rc : 0;
}

struct close_one {
    int64_t id;
};

static int
close_tx(struct ob_ctx *ctx, void *arg)
{
    struct close_one *c = arg;
    struct ob_appsession x;
    bool ended;
    int rc;

    if ((rc = load_brief(ctx, c->id, &x)) != 0)
        return rc;
    if (!may_see(ctx, &x)) {
        ob_err_clear(&ctx->err);
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "session %" PRId64 " not found", c->id);
    }
    if (!ctx->actor.app && ctx->actor.person != x.person &&
        (rc = ob_access_subscriber(ctx, x.subscriber, MANAGE, 0, 0)) != 0)
        return rc;
    if (x.closed_at)
        return 0;
    return end_one(ctx, c->id,
                   ctx->actor.app                   ? "closed"
                   : ctx->actor.person == x.person ? "closed_by_user"
                                                    : "closed_by_owner",
                   &ended);
}

int
ob_appsession_close(struct ob_ctx *ctx, int64_t id)
{
    struct close_one c = { .id = id };

    return ob_db_tx_group(ctx, close_tx, &c);
}

/* ---- lists ---------------------------------------------------------------------------- */

int
ob_appsession_list(struct ob_ctx *ctx, const struct ob_appsession_filter *f, int64_t before,
                   int limit, int (*fn)(const struct ob_appsession *, void *), void *arg)
{
    int64_t person = ctx->actor.person, cutoff = ob_clock_now(ctx) - idle(ctx);
    struct ob_stmt *st;
    char *sql;
    int rc;

    if ((rc = ob_access_person(ctx)) != 0)
        return rc;
    if (f->subscriber) {
        rc = ob_access_subscriber(ctx, f->subscriber, OB_ROLES_ANY, 0, OB_ROLES_ANY);
        if (rc == OB_ENOTFOUND) {
            /* a granted partner employee lists their own sessions there */
            ob_err_clear(&ctx->err);
            rc = 0;
        } else if (rc != 0) {
            return rc;
        } else if ((ob_access_roles(ctx, f->subscriber) & MANAGE) ||
                   ob_access_provider_roles(ctx)) {
            person = 0;
        }
    }
    /* the filters that are given, as plain equalities, so that an index
     * serves them (ids are numbers: written into the text) */
    sql = ob_arena_printf(&ctx->arena, SESSION_SELECT "WHERE 1 = 1");
    if (f->subscriber)
        sql = ob_arena_printf(&ctx->arena, "%s AND x.subscriber_id = %" PRId64, sql,
                              f->subscriber);
    if (person)
        sql = ob_arena_printf(&ctx->arena, "%s AND x.person_id = %" PRId64, sql, person);
    if (f->area)
        sql = ob_arena_printf(&ctx->arena, "%s AND x.area_id = %" PRId64, sql, f->area);
    if ((rc = ob_db_prepare(ctx->db,
                            ob_arena_printf(&ctx->arena,
                                            "%s AND (? = 0 OR x.id < ?) AND (? = 0 OR "
                                            "(x.closed_at IS NULL AND x.seen_at > ?)) "
                                            "ORDER BY x.id DESC LIMIT ?",
                                            sql),
                            &st)) != 0)
        return ob_db_err(ctx, rc);
    rc = ob_stmt_bindf(st, "iiiii", before, before, (int64_t)f->open_only, cutoff, (int64_t)limit);
    while (rc == 0 && (rc = ob_stmt_step(st)) == OB_DB_ROW) {
        struct ob_appsession x;

        read_session(ctx, st, &x);
        rc = fn(&x, arg);
    }
    ob_stmt_finalize(st);
    return ob_db_rows_end(ctx, rc);
}

int
ob_appsession_history(struct ob_ctx *ctx, int64_t sub, int64_t after, int limit, bool newest,
                      int (*fn)(const struct ob_history_row *, void *), void *arg)
{
    struct ob_stmt *st;
    int rc;

    if ((rc = ob_access_subscriber(ctx, sub, MANAGE, 0, OB_ROLES_ANY)) != 0)
        return rc;
#define HISTORY_SELECT                                                                         \
    "SELECT h.id, h.session_id, h.person_id, h.area_id, h.at, COALESCE(h.session_limit, -1), " \
    "COALESCE(h.user_limit, -1), h.event, h.reason, p.name, ar.name, p.email "                 \
    "FROM session_history h JOIN persons p ON p.id = h.person_id "                             \
    "JOIN areas ar ON ar.id = h.area_id WHERE h.subscriber_id = ? "
    if ((rc = ob_db_prepare(ctx->db,
                            newest ? HISTORY_SELECT "AND (? = 0 OR h.id < ?) "
                                                    "ORDER BY h.id DESC LIMIT ?"
                                   : HISTORY_SELECT "AND h.id > ? AND ? >= 0 ORDER BY h.id LIMIT ?",
                            &st)) != 0)
        return ob_db_err(ctx, rc);
    rc = ob_stmt_bindf(st, "iiii", sub, after, after, (int64_t)limit);
    while (rc == 0 && (rc = ob_stmt_step(st)) == OB_DB_ROW) {
        struct ob_history_row h = {
            .id = ob_stmt_int(st, 0), .session = ob_stmt_int(st, 1),
            .person = ob_stmt_int(st, 2), .area = ob_stmt_int(st, 3), .at = ob_stmt_int(st, 4),
            .session_limit = ob_stmt_int(st, 5), .user_limit = ob_stmt_int(st, 6),
            .event = dup(ctx, ob_stmt_text(st, 7)), .reason = dup(ctx, ob_stmt_text(st, 8)),
            .person_name = dup(ctx, ob_stmt_text(st, 9)), .area_name = dup(ctx, ob_stmt_text(st, 10)),
            .person_email = dup(ctx, ob_stmt_text(st, 11)),
        };

        rc = fn(&h, arg);
    }
    ob_stmt_finalize(st);
    return ob_db_rows_end(ctx, rc);
}
