/*
 * appsession.c — application sessions: atomic admission, launch,
 * heartbeats, closes and the session history (R-DA-3, R-DA-4).
 *
 * This file is the database half: it loads, locks and writes. What to
 * decide from what it loaded (admit or refuse, and why; keep a heartbeat's
 * session or end it) is model/areas/admission.c, pure functions with a
 * table test. Admission runs in one write transaction (ob_db_tx_group): the
 * subscriber's lock (PostgreSQL: found through the area in the same
 * statement), the area's facts and the gate, the counts (with the stale
 * sessions, expired first when there are any), the decision, then the
 * writes; every end of a session takes the same lock, so the history's
 * id order is its commit order. Ids to end are read first and ended after
 * the read (ending runs statements of its own). Rows are read with
 * ob_db_one/ob_db_each; their strings live in the request's arena (db.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "base/config.h"
#include "base/ctx.h"
#include "base/date.h"
#include "base/log.h"
#include "base/metrics.h"
#include "db/db.h"
#include "model/identity/access.h"
#include "model/areas/admission.h"
#include "model/areas/appsession.h"
#include "model/core/audit.h"
#include "model/core/event.h"
#include "model/identity/authn.h"
#include "model/areas/backend.h"
#include "model/subscriptions/entitlement.h"
#include "model/areas/grant.h"
#include "model/identity/mailpref.h"
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

static void
read_session(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    struct ob_appsession *x = out;
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
    x->close_reason = ob_stmt_dup(ctx, st, 12);
    x->area_name = ob_stmt_dup(ctx, st, 13);
    x->area_key = ob_stmt_dup(ctx, st, 14);
    x->app_code = ob_stmt_dup(ctx, st, 15);
    x->app_name_ru = ob_stmt_dup(ctx, st, 16);
    x->app_name_en = ob_stmt_dup(ctx, st, 17);
    x->person_name = ob_stmt_dup(ctx, st, 18);
    x->person_email = ob_stmt_dup(ctx, st, 19);
    x->subscriber_name = ob_stmt_dup(ctx, st, 20);
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
    int rc;

    memset(out, 0, sizeof(*out));
    rc = ob_db_one(ctx, read_session, out, SESSION_SELECT "WHERE x.id = ?", "i", id);
    if (rc == OB_ENOTFOUND)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "session.not_found", "id=%ld", id);
    return rc;
}

static void
read_brief(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    struct ob_appsession *x = out;

    (void)ctx;
    x->subscriber = ob_stmt_int(st, 0);
    x->person = ob_stmt_int(st, 1);
    x->app = ob_stmt_int(st, 2);
    x->closed_at = ob_stmt_int(st, 3);
    x->area = ob_stmt_int(st, 4);
    x->seen_at = ob_stmt_int(st, 5);
}

/* What access checks need (subscriber, person, application, closed) and
 * what a close needs besides (area, last sighting). */
static int
load_brief(struct ob_ctx *ctx, int64_t id, struct ob_appsession *out)
{
    int rc;

    memset(out, 0, sizeof(*out));
    out->id = id;
    rc = ob_db_one(ctx, read_brief, out,
                   "SELECT x.subscriber_id, x.person_id, ar.application_id, "
                   "COALESCE(x.closed_at, 0), x.area_id, x.seen_at FROM app_sessions x "
                   "JOIN areas ar ON ar.id = x.area_id WHERE x.id = ?",
                   "i", id);
    if (rc == OB_ENOTFOUND)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "session.not_found", "id=%ld", id);
    return rc;
}

/* A list of session ids, read before any of them is ended (ending one runs
 * statements of its own), in ctx's arena. */
struct ids {
    int64_t *v;
    int n, cap;
};

static int
collect_id(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct ids *ids = arg;

    if (ids->n == ids->cap) {
        int cap = ids->cap ? ids->cap * 2 : 16;
        int64_t *more = ob_arena_alloc(&ctx->arena, (size_t)cap * sizeof(*more));

        if (ids->n)
            memcpy(more, ids->v, (size_t)ids->n * sizeof(*more));
        ids->v = more;
        ids->cap = cap;
    }
    ids->v[ids->n++] = ob_stmt_int(st, 0);
    return 0;
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

struct open_row {
    int64_t sub, person, area, seen;
};

static void
read_open(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    struct open_row *o = out;

    (void)ctx;
    o->sub = ob_stmt_int(st, 0);
    o->person = ob_stmt_int(st, 1);
    o->area = ob_stmt_int(st, 2);
    o->seen = ob_stmt_int(st, 3);
}

/* End session `id`, read as open (o), if it still is: closed with `reason`
 * now, or, when it was stale already, expired at its last sighting plus the
 * idle time. */
static int
end_read(struct ob_ctx *ctx, int64_t id, const struct open_row *o, const char *reason,
         bool *ended)
{
    int64_t now = ob_clock_now(ctx), cutoff = now - idle(ctx), at, n;
    bool stale;
    int rc;

    *ended = false;
    /* PostgreSQL: every change of a subscriber's open sessions holds its lock,
     * so that its history's id order is its commit order (admissions hold it
     * already; taking it again is a no-op) */
    if ((rc = ob_subscriber_lock(ctx, o->sub)) != 0)
        return rc;
    stale = o->seen <= cutoff;
    at = stale ? o->seen + idle(ctx) : now;
    n = ob_db_run(ctx->db,
                  "UPDATE app_sessions SET closed_at = ?, close_reason = ?, launch_hash = NULL "
                  "WHERE id = ? AND closed_at IS NULL",
                  "iti", at, stale ? "expired" : reason, id);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if (n == 0)
        return 0;
    *ended = true;
    return history(ctx, id, o->sub, o->person, o->area, stale ? "expire" : "close",
                   stale ? "idle" : reason, at, -1, -1);
}

/* End one session if it is still open (end_read). */
static int
end_one(struct ob_ctx *ctx, int64_t id, const char *reason, bool *ended)
{
    struct open_row o = { 0 };
    int rc;

    *ended = false;
    rc = ob_db_one(ctx, read_open, &o,
                   "SELECT subscriber_id, person_id, area_id, seen_at FROM app_sessions "
                   "WHERE id = ? AND closed_at IS NULL",
                   "i", id);
    if (rc == OB_ENOTFOUND || (rc == 0 && !o.sub))
        return 0;
    if (rc != 0)
        return rc;
    return end_read(ctx, id, &o, reason, ended);
}

/* End the sessions of a list with `reason`; *count: how many it ended. */
static int
end_ids(struct ob_ctx *ctx, const struct ids *ids, const char *reason, int *count)
{
    *count = 0;
    for (int i = 0; i < ids->n; i++) {
        bool ended;
        int rc;

        if ((rc = end_one(ctx, ids->v[i], reason, &ended)) != 0)
            return rc;
        *count += ended;
    }
    return 0;
}

int
ob_appsession_close_area(struct ob_ctx *ctx, int64_t area, const char *reason, int *n)
{
    struct ids ids = { 0 };
    int rc;

    *n = 0;
    rc = ob_db_each(ctx, collect_id, &ids,
                    "SELECT id FROM app_sessions WHERE area_id = ? AND closed_at IS NULL", "i",
                    area);
    return rc != 0 ? rc : end_ids(ctx, &ids, reason, n);
}

int
ob_appsession_close_grant(struct ob_ctx *ctx, int64_t grant, const char *reason, int *n)
{
    struct ids ids = { 0 };
    int rc;

    *n = 0;
    rc = ob_db_each(ctx, collect_id, &ids,
                    "SELECT id FROM app_sessions WHERE grant_id = ? AND closed_at IS NULL", "i",
                    grant);
    return rc != 0 ? rc : end_ids(ctx, &ids, reason, n);
}

int
ob_appsession_close_person(struct ob_ctx *ctx, int64_t sub, int64_t person, const char *reason,
                           int *n)
{
    struct ids ids = { 0 };
    int rc;

    *n = 0;
    rc = ob_db_each(ctx, collect_id, &ids,
                    "SELECT id FROM app_sessions WHERE person_id = ? AND subscriber_id = ? "
                    "AND closed_at IS NULL",
                    "ii", person, sub);
    return rc != 0 ? rc : end_ids(ctx, &ids, reason, n);
}

/* Expire the subscriber's stale sessions (admission, under its lock), 64 at
 * a time. */
static int
expire_stale(struct ob_ctx *ctx, int64_t sub)
{
    int64_t cutoff = ob_clock_now(ctx) - idle(ctx);
    struct ids ids;
    int rc, ended;

    do {
        memset(&ids, 0, sizeof(ids));
        if ((rc = ob_db_each(ctx, collect_id, &ids,
                             "SELECT id FROM app_sessions WHERE subscriber_id = ? AND "
                             "closed_at IS NULL AND seen_at <= ? ORDER BY seen_at, id LIMIT 64",
                             "ii", sub, cutoff)) != 0 ||
            (rc = end_ids(ctx, &ids, "expired", &ended)) != 0)
            return rc;
    } while (ids.n == 64);
    return 0;
}

/* Up to 256 stale sessions of any subscriber; *count: how many ended. */
static int
expire_all_tx(struct ob_ctx *ctx, void *arg)
{
    int64_t cutoff = ob_clock_now(ctx) - idle(ctx);
    struct ids ids = { 0 };
    int *count = arg, rc;

    rc = ob_db_each(ctx, collect_id, &ids,
                    "SELECT id FROM app_sessions WHERE closed_at IS NULL AND seen_at <= ? "
                    "ORDER BY id LIMIT 256",
                    "i", cutoff);
    return rc != 0 ? rc : end_ids(ctx, &ids, "expired", count);
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

/* Admission is decided by model/areas/admission.c over the facts loaded
 * here; this part loads them in order, under the subscriber's lock, and
 * carries out the decision. */
struct admit {
    int64_t area, take_over;
    int64_t sub, app;
    int64_t stale;              /* the subscriber's open sessions past the idle time */
    const char *url;
    struct ob_admission_in in;
    struct ob_admission d;
    struct ob_admitted *out;
    struct ob_refusal *why;
    char hash[65];
};

static int
holder_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct ob_refusal *why = arg;

    read_session(ctx, st, &why->holders[why->nholders++]);
    return 0;
}

/* The open sessions that hold the limit: the subscriber's, or `person`'s
 * (not 0), oldest first, but not `skip`, the session being taken over. */
static int
holders(struct ob_ctx *ctx, int64_t sub, int64_t person, int64_t skip, struct ob_refusal *why)
{
    why->holders = ob_arena_alloc(&ctx->arena, OB_HOLDERS_MAX * sizeof(*why->holders));
    why->nholders = 0;
    return ob_db_each(ctx, holder_row, why,
                      SESSION_SELECT "WHERE x.subscriber_id = ? AND x.closed_at IS NULL "
                                     "AND (? = 0 OR x.person_id = ?) AND x.id <> ? "
                                     "ORDER BY x.opened_at, x.id LIMIT 50",
                      "iiii", sub, person, person, skip);
}

/* The area, with everything the answer shows, in one query. */
static void
read_area(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct admit *a = arg;
    struct ob_appsession *x = &a->out->session;

    a->sub = ob_stmt_int(st, 0);
    a->app = ob_stmt_int(st, 1);
    a->in.area_name = x->area_name = ob_stmt_dup(ctx, st, 2);
    a->in.area_state = ob_stmt_dup(ctx, st, 3);
    a->in.app_code = x->app_code = ob_stmt_dup(ctx, st, 4);
    a->url = ob_stmt_dup(ctx, st, 5);
    x->area_key = ob_stmt_dup(ctx, st, 6);
    x->app_name_ru = ob_stmt_dup(ctx, st, 7);
    x->app_name_en = ob_stmt_dup(ctx, st, 8);
    x->area_test = ob_stmt_int(st, 9) != 0;
    x->subscriber_code = ob_stmt_int(st, 10);
    x->subscriber_name = ob_stmt_dup(ctx, st, 11);
    x->person_name = ob_stmt_dup(ctx, st, 12);
    x->person_email = ob_stmt_dup(ctx, st, 13);
    a->in.area_found = true;
}

/* What the gate asks: the area, the actor's membership (or grant), the
 * entitlement today. Run inside the admission's transaction, on the
 * batch's warm connection. */
static int
load_facts(struct ob_ctx *ctx, struct admit *a)
{
    struct ob_admission_in *in = &a->in;
    const struct ob_member *m;
    struct ob_entitlement e;
    int rc;

    memset(in, 0, sizeof(*in));
    in->area = a->area;
    in->person = ctx->actor.person;
    in->member_limit = -1;
    in->take_over = a->take_over;
    a->sub = 0;
    rc = ob_db_one(ctx, read_area, a,
                   /* a phase (sql/0028) stands for the state: no session opens during it */
                   "SELECT ar.subscriber_id, ar.application_id, ar.name, "
                   "CASE WHEN ar.phase <> '' THEN ar.phase ELSE ar.state END, "
                   "ap.code, ap.backend_url, ar.area_key, ap.name_ru, ap.name_en, ar.test, "
                   "s.code, ac.name, p.name, p.email FROM areas ar "
                   "JOIN applications ap ON ap.id = ar.application_id "
                   "JOIN subscribers s ON s.account_id = ar.subscriber_id "
                   "JOIN accounts ac ON ac.id = ar.subscriber_id "
                   "JOIN persons p ON p.id = ? WHERE ar.id = ?",
                   "ii", ctx->actor.person, a->area);
    if (rc != 0)
        return rc == OB_ENOTFOUND ? 0 : rc;
    if ((m = ob_access_member(ctx, a->sub)) != NULL) {
        in->roles = m->roles;
        in->member_limit = m->session_limit;
    }
    /* a grant is looked up only for whom membership does not open the area */
    if (!(in->roles & OB_ADMISSION_ROLES) &&
        ob_grant_active(ctx, a->area, ctx->actor.person, &in->grant) != 0 && ctx->err.rc)
        return ctx->err.rc;
    if ((rc = ob_subscription_entitlement_load(ctx, a->sub, ob_clock_today(ctx), &e)) != 0)
        return rc;
    in->blocked = e.blocked;
    in->blocked_reason = e.reason;
    in->sessions = e.sessions;
    in->apps = e.apps;
    in->napps = e.napps;
    return 0;
}

static void
read_take_over(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct ob_admission_in *in = arg;

    (void)ctx;
    in->take_over_found = true;
    in->take_over_person = ob_stmt_int(st, 0);
    in->take_over_open = ob_stmt_int(st, 1) != 0;
}

static void
read_counts(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct admit *a = arg;

    (void)ctx;
    a->in.open = ob_stmt_int(st, 0);
    a->in.mine = ob_stmt_int(st, 1);
    a->stale = ob_stmt_int(st, 2);
}

/* The session to take over, and the open sessions: the subscriber's, the
 * actor's, and how many of them are stale (to be expired, then counted
 * again: admit_tx). */
static int
load_counts(struct ob_ctx *ctx, struct admit *a)
{
    int64_t cutoff = ob_clock_now(ctx) - idle(ctx);
    int rc;

    if (a->take_over &&
        (rc = ob_db_one(ctx, read_take_over, &a->in,
                        "SELECT person_id, CASE WHEN closed_at IS NULL THEN 1 ELSE 0 END "
                        "FROM app_sessions WHERE id = ? AND subscriber_id = ?",
                        "ii", a->take_over, a->sub)) != 0 &&
        rc != OB_ENOTFOUND)
        return rc;
    a->stale = 0;
    rc = ob_db_one(ctx, read_counts, a,
                   "SELECT COUNT(*), COALESCE(SUM(CASE WHEN person_id = ? THEN 1 ELSE 0 END), 0), "
                   "COALESCE(SUM(CASE WHEN seen_at <= ? THEN 1 ELSE 0 END), 0) "
                   "FROM app_sessions WHERE subscriber_id = ? AND closed_at IS NULL",
                   "iii", ctx->actor.person, cutoff, a->sub);
    return rc == OB_ENOTFOUND ? 0 : rc;
}

/* Refuse as decided: the error, and for a limit who holds it. */
static int
refused(struct ob_ctx *ctx, struct admit *a)
{
    const struct ob_admission *d = &a->d;
    int rc;

    if (d->rc == OB_ELIMIT) {
        a->why->limit = d->limit;
        a->why->max = (int)d->max;
        if ((rc = holders(ctx, a->sub, d->holders_of, d->take_over ? a->take_over : 0,
                          a->why)) != 0)
            return rc;
    }
    ctx->err = d->err;
    if (d->hint)
        ob_err_hint(&ctx->err, "%s", d->hint);
    return d->rc;
}

/* Load the facts and pass the gate, or refuse. */
static int
gate(struct ob_ctx *ctx, struct admit *a)
{
    int rc = load_facts(ctx, a);

    if (rc == 0 && ob_admission_gate(&a->in, &a->d) != 0)
        rc = refused(ctx, a);
    return rc;
}

/* Admit as decided: the taken-over session closed, the new one and its
 * history row written. */
static int
admit(struct ob_ctx *ctx, struct admit *a)
{
    int64_t now = ob_clock_now(ctx);
    bool ended;
    int rc;

    if (a->d.take_over && (rc = end_one(ctx, a->take_over, "taken_over", &ended)) != 0)
        return rc;
    rc = ob_db_get_int(ctx->db, &a->out->id,
                       "INSERT INTO app_sessions (subscriber_id, area_id, person_id, grant_id, "
                       "launch_hash, launch_until, opened_at, seen_at) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                       "iiiztiii", a->sub, a->area, ctx->actor.person, a->d.grant, a->hash,
                       now + OB_LAUNCH_SECONDS, now, now);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if ((rc = history(ctx, a->out->id, a->sub, ctx->actor.person, a->area, "open", "", now,
                      a->d.sub_limit, a->d.user_limit)) != 0)
        return rc;
    a->out->opened_at = now;
    if (a->d.grant)
        return ob_audit_with(ctx, a->sub, "session.opened_by_grant", "area", a->area,
                             json_pack("{s:s}", "area", a->in.area_name),
                        "partner employee %s opened data area '%s' by grant %" PRId64,
                        ctx->actor.name ? ctx->actor.name : "?", a->in.area_name, a->d.grant);
    return 0;
}

static int
admit_tx(struct ob_ctx *ctx, void *arg)
{
    struct admit *a = arg;
    int64_t locked = 0;
    int rc;

    /* PostgreSQL: the area's subscriber is found and locked in one statement
     * first, and everything the gate reads is read under that lock, so a
     * deletion or a posting that committed meanwhile is seen. (A caller the
     * gate refuses holds the lock for its reads too, a few statements.)
     * SQLite: the write transaction holds the whole database already. */
    if (ob_db_row_locks(ctx->db) &&
        (rc = ob_db_lock_row_of(ctx->db, "subscribers", "account_id",
                                "SELECT subscriber_id FROM areas WHERE id = ?", a->area,
                                &locked)) < 0)
        return ob_db_err(ctx, rc);
    if ((rc = gate(ctx, a)) != 0)
        return rc;
    /* an area that was not there at the lock but is now (or, were an area to
     * change hands, its new subscriber): that subscriber locked, read again */
    if (ob_db_row_locks(ctx->db) && a->sub != locked &&
        ((rc = ob_subscriber_lock(ctx, a->sub)) != 0 || (rc = gate(ctx, a)) != 0))
        return rc;
    /* the stale sessions are expired first only when the count finds any */
    if ((rc = load_counts(ctx, a)) != 0 ||
        (a->stale && ((rc = expire_stale(ctx, a->sub)) != 0 || (rc = load_counts(ctx, a)) != 0)))
        return rc;
    if (ob_admission_decide(&a->in, &a->d) != 0)
        return refused(ctx, a);
    return admit(ctx, a);
}

/* ---- a full session limit, told once a day (R-NOT-3) ---------------------------------- */

#define LIMIT_HITS_MAIL 3       /* the refusal of the day that mails the owner */

struct limit_hit {
    int64_t sub, max, hits;
};

static void
read_hits(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    (void)ctx;
    *(int64_t *)out = ob_stmt_int(st, 0);
}

struct sub_names {
    const char *name;
    int64_t code, partner;
};

static void
read_sub_names(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    struct sub_names *n = out;

    n->name = ob_stmt_dup(ctx, st, 0);
    n->code = ob_stmt_int(st, 1);
    n->partner = ob_stmt_int(st, 2);
}

/* The owner's mail and the event, on the day's 3rd refusal: once, as the
 * row's mailed_at says. */
static int
limit_tell(struct ob_ctx *ctx, struct limit_hit *h, const char *day)
{
    struct sub_names sn = { 0 };
    int64_t changed = ob_db_run(ctx->db,
                                "UPDATE session_limit_hits SET mailed_at = ? "
                                "WHERE subscriber_id = ? AND day = ? AND mailed_at IS NULL",
                                "iit", ob_clock_now(ctx), h->sub, day);
    json_t *data, *vars;
    int rc;

    if (changed <= 0)
        return changed < 0 ? ob_db_err(ctx, (int)changed) : 0;
    if ((rc = ob_db_one(ctx, read_sub_names, &sn,
                        "SELECT a.name, s.code, COALESCE(s.partner_id, 0) FROM subscribers s "
                        "JOIN accounts a ON a.id = s.account_id WHERE s.account_id = ?",
                        "i", h->sub)) != 0)
        return rc == OB_ENOTFOUND ? 0 : rc;
    data = json_pack("{s:s, s:I, s:I, s:I, s:s}", "day", day, "refusals", (json_int_t)h->hits,
                     "max", (json_int_t)h->max, "subscriber_code", (json_int_t)sn.code,
                     "subscriber_name", sn.name);
    rc = ob_event_emit(ctx, "session.limit_reached", sn.partner, h->sub, data, NULL);
    json_decref(data);
    if (rc != 0)
        return rc;
    vars = json_pack("{s:s, s:I, s:I}", "subscriber",
                     ob_arena_printf(&ctx->arena, "%s (FR%lld)", sn.name, (long long)sn.code),
                     "hits", (json_int_t)h->hits, "max", (json_int_t)h->max);
    ob_mail_day(vars, "day", ob_clock_today(ctx));
    rc = ob_mail_members(ctx, h->sub, OB_ROLE_OWNER, "session.limit_reached", "session_limit",
                         vars, NULL);
    json_decref(vars);
    return rc;
}

/* Count a refusal by the subscriber's limit: one upsert; the mail only on
 * the day's 3rd. */
static int
limit_hit_tx(struct ob_ctx *ctx, void *arg)
{
    struct limit_hit *h = arg;
    char day[OB_DATE_LEN];
    int64_t now = ob_clock_now(ctx);
    int rc;

    ob_date_format(ob_clock_today(ctx), day);
    rc = ob_db_one(ctx, read_hits, &h->hits,
                   "INSERT INTO session_limit_hits (subscriber_id, day, hits, first_at, last_at) "
                   "VALUES (?, ?, 1, ?, ?) ON CONFLICT (subscriber_id, day) DO UPDATE "
                   "SET hits = session_limit_hits.hits + 1, last_at = excluded.last_at "
                   "RETURNING hits",
                   "itii", h->sub, day, now, now);
    if (rc != 0)
        return rc;
    return h->hits >= LIMIT_HITS_MAIL ? limit_tell(ctx, h, day) : 0;
}

/* After a refusal by the subscriber's limit (its transaction rolled back):
 * count it, keeping the refusal's error for the caller. A failure to count
 * is logged, never turned into another answer. */
static void
limit_hit(struct ob_ctx *ctx, int64_t sub, int64_t max)
{
    struct limit_hit h = { sub, max, 0 };
    struct ob_err refusal = ctx->err;

    if (ob_db_tx_group(ctx, limit_hit_tx, &h) != 0)
        ob_log(OB_LOG_WARN, "session limit refusal not counted", "{s:I, s:s}", "subscriber",
               (json_int_t)sub, "error", ctx->err.message);
    ctx->err = refusal;
}

int
ob_appsession_open(struct ob_ctx *ctx, int64_t area, int64_t take_over,
                   struct ob_admitted *out, struct ob_refusal *why)
{
    struct admit a = { .area = area, .take_over = take_over, .out = out, .why = why };
    struct ob_appsession *x;
    int rc;

    memset(out, 0, sizeof(*out));
    memset(why, 0, sizeof(*why));
    if ((rc = ob_access_person(ctx)) != 0)
        return rc;
    ob_auth_new_secret(out->token);
    ob_auth_hash(out->token, a.hash);
    if ((rc = ob_db_tx_group(ctx, admit_tx, &a)) != 0) {
        /* an admission's refusal (not a database error), once per request */
        if (a.d.rc != 0 && rc == a.d.rc)
            ob_metrics_session_refused(ctx->err.reason);
        if (rc == OB_ELIMIT && why->limit && !strcmp(why->limit, "subscriber") && a.sub)
            limit_hit(ctx, a.sub, why->max);
        return rc;
    }
    out->launch_url = ob_arena_printf(&ctx->arena, "%s%slaunch?app=%s&session=%" PRId64
                                                   "&token=%s",
                                      a.url, a.url[0] && a.url[strlen(a.url) - 1] == '/' ? "" : "/",
                                      a.in.app_code, out->id, out->token);
    x = &out->session;
    x->id = out->id;
    x->subscriber = a.sub;
    x->area = area;
    x->app = a.app;
    x->person = ctx->actor.person;
    x->grant = a.d.grant;
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

struct launch_row {
    char hash[80];
    int64_t launched, until, closed, seen;
};

static void
read_launch(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    struct launch_row *r = out;

    (void)ctx;
    snprintf(r->hash, sizeof(r->hash), "%s", ob_stmt_text(st, 0));
    r->launched = ob_stmt_int(st, 1);
    r->until = ob_stmt_int(st, 2);
    r->closed = ob_stmt_int(st, 3);
    r->seen = ob_stmt_int(st, 4);
}

static int
launch_tx(struct ob_ctx *ctx, void *arg)
{
    struct launch *l = arg;
    struct launch_row r = { .hash = "" };
    int64_t now = ob_clock_now(ctx);
    int rc, n;

    rc = ob_db_one(ctx, read_launch, &r,
                   "SELECT COALESCE(launch_hash, ''), COALESCE(launched_at, 0), "
                   "COALESCE(launch_until, 0), COALESCE(closed_at, 0), seen_at "
                   "FROM app_sessions WHERE id = ?",
                   "i", l->id);
    if (rc != 0 && rc != OB_ENOTFOUND)
        return rc;
    if (r.launched)
        return ob_err_field(&ctx->err, OB_ECONFLICT, "launch", "session.launch_used");
    if (strlen(r.hash) != 64 || sodium_memcmp(r.hash, l->hash, 64) != 0)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "session.not_found", "id=%ld", l->id);
    if (r.closed || now > r.until || r.seen <= now - idle(ctx))
        return ob_err_field(&ctx->err, OB_ECONFLICT, "launch", "session.launch_expired");
    n = (int)ob_db_run(ctx->db,
                       "UPDATE app_sessions SET launched_at = ?, launch_hash = NULL, seen_at = ? "
                       "WHERE id = ? AND launched_at IS NULL AND closed_at IS NULL",
                       "iii", now, now, l->id);
    if (n < 0)
        return ob_db_err(ctx, n);
    if (n == 0)
        return ob_err_field(&ctx->err, OB_ECONFLICT, "launch", "session.launch_used");
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
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "session.not_found", "id=%ld", id);
    }
    if (launch) {
        struct launch l = { .id = id };

        if (!ctx->actor.app)
            return ob_err_field(&ctx->err, OB_EPERM, "launch", "session.backend_only");
        ob_auth_hash(launch, l.hash);
        if ((rc = ob_db_tx(ctx, OB_DB_WRITE, launch_tx, &l)) != 0)
            return rc;
        return load(ctx, id, out);
    }
    return 0;
}

struct beat {
    int64_t id;
    struct ob_heartbeat *out;
    const char *ended;          /* set when the session is over */
};

/* What the heartbeat decision asks of session x: for an open one, whether
 * its grant still holds and whether its subscriber is blocked now. */
static int
beat_facts(struct ob_ctx *ctx, const struct ob_appsession *x, int64_t now, struct ob_beat_in *in)
{
    struct ob_entitlement e;
    int rc;

    *in = (struct ob_beat_in){ .now = now, .state = x->state, .close_reason = x->close_reason,
                               .closed = x->closed_at != 0, .grant_holds = true,
                               .blocked_since = x->blocked_since,
                               .grace_seconds = (int64_t)ctx->cfg->app_grace_minutes * 60 };
    if (strcmp(x->state, "open"))
        return 0;
    if ((rc = ob_subscription_entitlement_load(ctx, x->subscriber, ob_date_of_instant(now),
                                               &e)) != 0)
        return rc;
    in->blocked = e.blocked;
    in->grant_holds = !x->grant || ob_grant_active(ctx, x->area, x->person, NULL) == 0;
    return ctx->err.rc < 0 ? ctx->err.rc : 0;
}

static int
beat_tx(struct ob_ctx *ctx, void *arg)
{
    struct beat *b = arg;
    int64_t now = ob_clock_now(ctx), n;
    struct ob_appsession x;
    struct ob_beat_in in;
    struct ob_beat d;
    bool ended;
    int rc;

    if ((rc = load(ctx, b->id, &x)) != 0)
        return rc;
    if (ctx->actor.app != x.app)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "session.not_found", "id=%ld", b->id);
    if ((rc = beat_facts(ctx, &x, now, &in)) != 0)
        return rc;
    ob_admission_beat(&in, &d);
    if (d.end && (rc = end_one(ctx, x.id, d.end, &ended)) != 0)
        return rc;
    if (d.ended) {
        /* the end is committed; the caller answers with the error */
        b->ended = d.ended;
        ctx->err = d.err;
        snprintf(ctx->err.field, sizeof(ctx->err.field), "state");
        return 0;
    }
    b->out->blocked_since = d.blocked_since;
    b->out->grace_until = d.grace_until;
    n = ob_db_run(ctx->db,
                  "UPDATE app_sessions SET seen_at = ?, blocked_since = ? "
                  "WHERE id = ? AND closed_at IS NULL",
                  "imi", now, d.blocked_since ? d.blocked_since : -1, x.id);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    b->out->seen_at = now;
    b->out->expires_at = now + idle(ctx);
    return 0;
}

int
ob_appsession_heartbeat(struct ob_ctx *ctx, int64_t id, struct ob_heartbeat *out)
{
    struct beat b = { .id = id, .out = out };
    int rc;

    memset(out, 0, sizeof(*out));
    if (!ctx->actor.app)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "session.not_found", "id=%ld", id);
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
    struct open_row o;
    bool ended;
    int rc;

    if ((rc = load_brief(ctx, c->id, &x)) != 0)
        return rc;
    if (!may_see(ctx, &x)) {
        ob_err_clear(&ctx->err);
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "session.not_found", "id=%ld", c->id);
    }
    if (!ctx->actor.app && ctx->actor.person != x.person &&
        (rc = ob_access_subscriber(ctx, x.subscriber, MANAGE, 0, 0)) != 0)
        return rc;
    if (x.closed_at)
        return 0;
    /* the row as load_brief read it: the update ends it only if it is still open */
    o = (struct open_row){ x.subscriber, x.person, x.area, x.seen_at };
    return end_read(ctx, c->id, &o,
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

struct session_rows {
    int (*fn)(const struct ob_appsession *, void *);
    void *arg;
};

static int
session_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct session_rows *r = arg;
    struct ob_appsession x;

    read_session(ctx, st, &x);
    return r->fn(&x, r->arg);
}

/* Whose sessions the actor lists in f->subscriber (0: only their own). */
static int
list_person(struct ob_ctx *ctx, const struct ob_appsession_filter *f, int64_t *person)
{
    int rc;

    *person = ctx->actor.person;
    if (!f->subscriber)
        return 0;
    rc = ob_access_subscriber(ctx, f->subscriber, OB_ROLES_ANY, 0, OB_ROLES_ANY);
    if (rc == OB_ENOTFOUND) {
        /* a granted partner employee lists their own sessions there */
        ob_err_clear(&ctx->err);
        return 0;
    }
    if (rc != 0)
        return rc;
    if ((ob_access_roles(ctx, f->subscriber) & MANAGE) || ob_access_provider_roles(ctx))
        *person = 0;
    return 0;
}

int
ob_appsession_list(struct ob_ctx *ctx, const struct ob_appsession_filter *f, int64_t before,
                   int limit, int (*fn)(const struct ob_appsession *, void *), void *arg)
{
    int64_t person, cutoff = ob_clock_now(ctx) - idle(ctx);
    struct session_rows r = { fn, arg };
    char *sql;
    int rc;

    if ((rc = ob_access_person(ctx)) != 0 || (rc = list_person(ctx, f, &person)) != 0)
        return rc;
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
    sql = ob_arena_printf(&ctx->arena,
                          "%s AND (? = 0 OR x.id < ?) AND (? = 0 OR "
                          "(x.closed_at IS NULL AND x.seen_at > ?)) ORDER BY x.id DESC LIMIT ?",
                          sql);
    return ob_db_each(ctx, session_row, &r, sql, "iiiii", before, before, (int64_t)f->open_only,
                      cutoff, (int64_t)limit);
}

struct history_rows {
    int (*fn)(const struct ob_history_row *, void *);
    void *arg;
};

static int
history_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct history_rows *r = arg;
    struct ob_history_row h = {
        .id = ob_stmt_int(st, 0), .session = ob_stmt_int(st, 1),
        .person = ob_stmt_int(st, 2), .area = ob_stmt_int(st, 3), .at = ob_stmt_int(st, 4),
        .session_limit = ob_stmt_int(st, 5), .user_limit = ob_stmt_int(st, 6),
        .event = ob_stmt_dup(ctx, st, 7), .reason = ob_stmt_dup(ctx, st, 8),
        .person_name = ob_stmt_dup(ctx, st, 9), .area_name = ob_stmt_dup(ctx, st, 10),
        .person_email = ob_stmt_dup(ctx, st, 11),
    };

    return r->fn(&h, r->arg);
}

int
ob_appsession_history(struct ob_ctx *ctx, int64_t sub, int64_t after, int limit, bool newest,
                      int (*fn)(const struct ob_history_row *, void *), void *arg)
{
    struct history_rows r = { fn, arg };
    int rc;

    if ((rc = ob_access_subscriber(ctx, sub, MANAGE, 0, OB_ROLES_ANY)) != 0)
        return rc;
#define HISTORY_SELECT                                                                         \
    "SELECT h.id, h.session_id, h.person_id, h.area_id, h.at, COALESCE(h.session_limit, -1), " \
    "COALESCE(h.user_limit, -1), h.event, h.reason, p.name, ar.name, p.email "                 \
    "FROM session_history h JOIN persons p ON p.id = h.person_id "                             \
    "JOIN areas ar ON ar.id = h.area_id WHERE h.subscriber_id = ? "
    return ob_db_each(ctx, history_row, &r,
                      newest ? HISTORY_SELECT "AND (? = 0 OR h.id < ?) ORDER BY h.id DESC LIMIT ?"
                             : HISTORY_SELECT "AND h.id > ? AND ? >= 0 ORDER BY h.id LIMIT ?",
                      "iiii", sub, after, after, (int64_t)limit);
}

/* ---- usage: the daily peak against the limit ------------------------------------------ */

struct usage {
    struct ob_usage_day *out;
    int days, open, k;              /* k: the day being replayed */
    int32_t from;
};

static int
usage_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct usage *u = arg;

    (void)ctx;
    u->open += strcmp(ob_stmt_text(st, 0), "open") ? -1 : 1;
    if (u->open < 0)
        u->open = 0;
    if (u->open > u->out[u->k].peak)
        u->out[u->k].peak = u->open;
    return 0;
}

static void
open_count(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    (void)ctx;
    *(int64_t *)out = ob_stmt_int(st, 0);
}

int
ob_appsession_usage(struct ob_ctx *ctx, int64_t sub, int days, struct ob_usage_day *out)
{
    int32_t today = ob_date_of_instant(ob_clock_now(ctx));
    struct usage u = { out, days, 0, 0, today - days + 1 };
    struct ob_entitlement e;
    int64_t before = 0;
    int rc;

    if (days < 1 || days > OB_USAGE_MAX_DAYS)
        return ob_err_field(&ctx->err, OB_EINVAL, "days", "field.number_range", "min=%d max=%d", 1,
                            OB_USAGE_MAX_DAYS);
    if ((rc = ob_access_subscriber(ctx, sub, MANAGE, OB_ROLES_ANY, OB_ROLES_ANY)) != 0)
        return rc;
    memset(out, 0, sizeof(*out) * (size_t)days);
    /* open at the window's start: opens less closes and expiries before it */
    rc = ob_db_one(ctx, open_count, &before,
                   "SELECT COALESCE(SUM(CASE WHEN event = 'open' THEN 1 ELSE -1 END), 0) "
                   "FROM session_history WHERE subscriber_id = ? AND at < ?",
                   "ii", sub, ob_date_start(u.from));
    if (rc != 0)
        return rc;
    u.open = before > 0 ? (int)before : 0;
    /* day by day in commit order: a day starts with what the day before ended with */
    for (int k = 0; k < days && rc == 0; k++) {
        out[k].day = u.from + k;
        out[k].peak = u.open;
        u.k = k;
        rc = ob_db_each(ctx, usage_row, &u,
                        "SELECT event, at FROM session_history WHERE subscriber_id = ? "
                        "AND at >= ? AND at < ? ORDER BY id",
                        "iii", sub, ob_date_start(u.from + k), ob_date_start(u.from + k + 1));
    }
    for (int k = 0; k < days && rc == 0; k++) {
        rc = ob_subscription_entitlement_load(ctx, sub, u.from + k, &e);
        out[k].limit = e.blocked ? -1 : e.sessions;
    }
    return rc;
}

static void
read_count(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    (void)ctx;
    *(int64_t *)out = ob_stmt_int(st, 0);
}

int
ob_appsession_count_open(struct ob_ctx *ctx, int64_t *n)
{
    *n = 0;
    return ob_db_one(ctx, read_count, n, "SELECT COUNT(*) FROM app_sessions WHERE closed_at IS NULL",
                     NULL);
}
