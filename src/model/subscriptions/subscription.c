/*
 * model/subscriptions/ — who may use what, until when, at what price.
 *
 * Posting subscriptions by the rules R-SUB-0..6 (this file: load, plan, write),
 * the planner's rules as pure functions (planner.c), the entitlement at a date as a pure
 * function (entitlement.c), the partner's discount (discount.c), local ITS
 * contracts (its.c), and the onboarding of a new subscriber with its trial
 * (onboarding.c, registered at start-up as the parties folder's handler).
 * Rules live in pure functions with table tests named by rule; the files that
 * touch the database only load their inputs and write their results.
 */
/*
 * subscription.c — posting subscriptions by the rules of R-SUB-0..6,
 * reading them by scope (R-SUB-8), and the entitlement at a date (R-SUB-7).
 *
 * Posting is plan-then-insert: plan() makes every check and computes what
 * the row will hold (dates, price snapshot, chain place, discount, amount
 * due), reading the subscriber's posted subscriptions once; a quote stops
 * there, a posting inserts the plan and audits it in the same write
 * transaction, so two postings of one client are judged one after the other.
 * The rules' decisions (terms, dates, overlaps, extensions, short extension,
 * deferral, ITS period, trials) are the pure functions of planner.c; this
 * file loads what they are given (the rows, the tariff, the contract), asks
 * the database what only it knows (prices, statuses, offers, the partner's
 * once-only tariffs), holds the rows a write must, and writes.
 *
 * Dates are civil days (base/date.h), stored as 'YYYY-MM-DD' and computed
 * here, never in SQL; comparing the stored text is only ever ordering, which
 * ISO dates keep.
 *
 * A change by request (R-SUB-2) is the same plan again, as of the original
 * posting date and with the row itself left out, then an UPDATE; a renewal
 * carries the previous main's extensions (R-SUB-3) in its transaction.
 *
 * A deferred renewal is replaced by the paid main that starts at its start
 * (R-SUB-5): when computing the entitlement the deferral is cut at that
 * main's start, so the two never add up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/ctx.h"
#include "base/date.h"
#include "db/db.h"
#include "model/identity/access.h"
#include "model/core/audit.h"
#include "model/core/event.h"
#include "model/catalog/catalog.h"
#include "model/subscriptions/discount.h"
#include "model/subscriptions/ends.h"
#include "model/subscriptions/planner.h"
#include "model/subscriptions/its.h"
#include "model/identity/member.h"
#include "model/parties/subscriber.h"
#include "model/parties/partner.h"
#include "model/subscriptions/subscription.h"
#include "base/banned.h"

#define STAFF_WRITE (OB_ROLE_ADMIN | OB_ROLE_OPERATOR)
#define PARTNER_WRITE (OB_ROLE_OWNER | OB_ROLE_OPERATOR)
#define CLIENT_SELF (OB_ROLE_OWNER | OB_ROLE_ADMINISTRATOR)
#define OWN_MONTHS 1200         /* PARTNER-OWN: a hundred years */

static const char *
day_text(struct ob_ctx *ctx, int32_t day)
{
    char d[OB_DATE_LEN];

    ob_date_format(day, d);
    return ob_arena_strdup(&ctx->arena, d);
}

/* What a subscription's audit sentence needs (model/core/audit.h): the
 * client, the tariff by its names, the period, the money in kopecks. The
 * partner's discount and amount due are cut for the client's own people
 * when read (api/audit.c). */
static json_t *
audit_params(struct ob_ctx *ctx, const struct ob_subscription *s)
{
    return json_pack("{s:s?, s:s?, s:{s:s?, s:s?, s:s?}, s:s, s:s, s:i, s:i, s:I, s:i, s:s?, "
                     "s:I}",
                     "subscriber", s->subscriber_name, "kind", s->kind, "tariff", "code",
                     s->tariff_code, "name_ru", s->tariff_name_ru, "name_en", s->tariff_name,
                     "start", day_text(ctx, s->start), "through", day_text(ctx, s->end - 1),
                     "term_months", s->term_months, "quantity", s->quantity, "price",
                     (json_int_t)s->price, "discount_pct", s->discount_pct, "discount_rule",
                     s->discount_rule, "amount_due", (json_int_t)s->amount_due);
}

/* The same with a reason, when there is one. */
static json_t *
audit_params_reason(struct ob_ctx *ctx, const struct ob_subscription *s, const char *reason)
{
    json_t *p = audit_params(ctx, s);

    if (p && reason && *reason)
        json_object_set_new(p, "reason", json_string(reason));
    return p;
}

/* ---- reading rows -------------------------------------------------------------------- */

#define SEL                                                                                    \
    "SELECT s.id, s.subscriber_id, sc.code, a.name, s.kind, s.tariff_id, t.code, t.name_en, " \
    "s.tariff_version_id, COALESCE(s.partner_id, 0), COALESCE(s.main_id, 0), "                \
    "COALESCE(s.its_contract_id, 0), s.start, s.\"end\", s.term_months, s.quantity, s.price, " \
    "COALESCE(s.partner_price, -1), s.discount_pct, s.discount_rule, s.amount_due, "          \
    "s.declared_new_client, s.declared_from_local_its, s.state, s.posted_at, "                \
    "COALESCE(s.posted_by, 0), s.reason, COALESCE(t.base_tariff_id, t.id), t.name_ru "      \
    "FROM subscriptions s JOIN subscribers sc ON sc.account_id = s.subscriber_id "            \
    "JOIN accounts a ON a.id = s.subscriber_id JOIN tariffs t ON t.id = s.tariff_id "

/* A row of SEL into the struct ob_subscription at out (ob_db_one's reader). */
static void
read_row(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    struct ob_subscription *s = out;

    memset(s, 0, sizeof(*s));
    s->id = ob_stmt_int(st, 0);
    s->subscriber = ob_stmt_int(st, 1);
    s->subscriber_code = ob_stmt_int(st, 2);
    s->subscriber_name = ob_stmt_dup(ctx, st, 3);
    s->kind = ob_stmt_dup(ctx, st, 4);
    s->tariff = ob_stmt_int(st, 5);
    s->tariff_code = ob_stmt_dup(ctx, st, 6);
    s->tariff_name = ob_stmt_dup(ctx, st, 7);
    s->version = ob_stmt_int(st, 8);
    s->partner = ob_stmt_int(st, 9);
    s->main = ob_stmt_int(st, 10);
    s->its_contract = ob_stmt_int(st, 11);
    if (ob_date_parse(ob_stmt_text(st, 12), &s->start) != 0 ||
        ob_date_parse(ob_stmt_text(st, 13), &s->end) != 0)
        s->start = s->end = 0;
    s->term_months = (int)ob_stmt_int(st, 14);
    s->quantity = (int)ob_stmt_int(st, 15);
    s->price = ob_stmt_int(st, 16);
    s->partner_price = ob_stmt_int(st, 17);
    s->discount_pct = (int)ob_stmt_int(st, 18);
    s->discount_rule = ob_stmt_dup(ctx, st, 19);
    s->amount_due = ob_stmt_int(st, 20);
    s->new_client = ob_stmt_int(st, 21) != 0;
    s->from_local_its = ob_stmt_int(st, 22) != 0;
    s->state = ob_stmt_dup(ctx, st, 23);
    s->posted_at = ob_stmt_int(st, 24);
    s->posted_by = ob_stmt_int(st, 25);
    s->reason = ob_stmt_dup(ctx, st, 26);
    s->base_tariff = ob_stmt_int(st, 27);
    s->tariff_name_ru = ob_stmt_dup(ctx, st, 28);
}

struct rows {
    struct ob_subscription *v;
    int n, cap;
};

static int
collect_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct rows *r = arg;

    if (r->n == r->cap) {
        struct ob_subscription *v;

        r->cap = r->cap ? r->cap * 2 : 16;
        v = ob_arena_alloc(&ctx->arena, (size_t)r->cap * sizeof(*v));
        if (r->n)
            memcpy(v, r->v, (size_t)r->n * sizeof(*v));
        r->v = v;
    }
    read_row(ctx, st, &r->v[r->n++]);
    return 0;
}

/* The posted subscriptions of a subscriber, in id order. No access check.
 * The rows are kept past their callback, so this is never read while an
 * export streams (db.h, "reading rows"): posting and entitlement only. */
static int
by_id(const void *a, const void *b)
{
    int64_t x = ((const struct ob_subscription *)a)->id, y = ((const struct ob_subscription *)b)->id;

    return (x > y) - (x < y);
}

/* In id order, sorted here: SQL's ORDER BY s.id is a temporary B-tree of
 * every row's 29 columns (no index gives that order), a fifth of the
 * statement's time (issue 16). */
static int
rows_of(struct ob_ctx *ctx, int64_t sub, struct rows *r)
{
    int rc;

    memset(r, 0, sizeof(*r));
    rc = ob_db_each(ctx, collect_row, r, SEL "WHERE s.subscriber_id = ? AND s.state = 'posted'",
                    "i", sub);
    if (rc == 0 && r->n > 1)
        qsort(r->v, (size_t)r->n, sizeof(*r->v), by_id);
    return rc;
}

static bool
is_kind(const struct ob_subscription *s, const char *kind)
{
    return !strcmp(s->kind, kind);
}

/* ---- rules' inputs ------------------------------------------------------------------- */

static int
individual_pct(struct ob_ctx *ctx, int64_t partner, int *pct)
{
    int64_t v = -1;
    int rc = ob_db_get_int(ctx->db, &v,
                           "SELECT COALESCE(individual_discount, -1) FROM partners "
                           "WHERE account_id = ?",
                           "i", partner);

    *pct = rc == OB_DB_ROW ? (int)v : -1;
    return rc < 0 ? ob_db_err(ctx, rc) : 0;
}

/* A tariff by code or id: the serving partner's own tariffs first, then the
 * standard ones; another partner's tariff is not found. */
static int
resolve_tariff(struct ob_ctx *ctx, const char *ref, int64_t partner, struct ob_tariff *t)
{
    char *endp = NULL;
    long long id = ref && *ref ? strtoll(ref, &endp, 10) : 0;
    int rc;

    if (!ref || !*ref)
        return ob_err_field(&ctx->err, OB_EINVAL, "tariff", "field.required");
    if (endp && !*endp && id > 0) {
        rc = ob_catalog_tariff_load(ctx, id, t);
        if (rc == 0 && t->partner && t->partner != partner)
            rc = OB_ENOTFOUND;
    } else {
        rc = partner ? ob_catalog_tariff_find(ctx, ref, partner, t) : OB_ENOTFOUND;
        if (rc == OB_ENOTFOUND)
            rc = ob_catalog_tariff_find(ctx, ref, 0, t);
    }
    if (rc == OB_ENOTFOUND)
        return ob_err_field(&ctx->err, OB_EINVAL, "tariff", "subscription.tariff_unknown", "ref=%s",
                            ref);
    return rc;
}

/* The version a new subscription of t gets: a partner tariff's are its base's. */
static int
tariff_version(struct ob_ctx *ctx, const struct ob_tariff *t, struct ob_tariff_version *v)
{
    struct ob_tariff base;
    int64_t vid = t->version_id;
    int rc;

    if (!vid && t->base) {
        if ((rc = ob_catalog_tariff_load(ctx, t->base, &base)) != 0)
            return rc;
        vid = base.version_id;
    }
    return ob_catalog_version_load(ctx, vid, v);
}

/* ---- the plan of a posting ----------------------------------------------------------- */

struct plan {
    const struct ob_subscription_new *in;
    struct ob_subscriber sub;
    struct ob_tariff t;
    struct ob_tariff_version v;
    struct rows rows;
    struct ob_subscription *out;
    int32_t day;
    enum ob_sub_kind kind;
    bool provider;
    int32_t as_of;              /* re-planning a change: the posting date, else 0 (today) */
    int64_t replacing;          /* re-planning a change: the row left out of rows */
    int32_t kept_start;         /* re-planning a change that keeps the start: it, else 0 */
    bool lock;                  /* a write: hold the subscriber (and partner) rows */
    struct ob_plan_in pin;      /* what the rules are given (planner.h) */
};

static int
check_kind(struct ob_ctx *ctx, const struct ob_tariff *t, enum ob_tariff_kind want)
{
    if (t->kind == want || (want == OB_TARIFF_EXTENSION && t->kind == OB_TARIFF_PER_UNIT))
        return 0;
    return ob_err_field(&ctx->err, OB_EINVAL, "tariff", "subscription.tariff_wrong_kind",
                        "code=%s kind=%s want=%s", t->code, ob_tariff_kind_name(t->kind),
                        ob_tariff_kind_name(want));
}

static int
plan_tariff(struct ob_ctx *ctx, struct plan *p, const char *ref, enum ob_tariff_kind want)
{
    int rc;

    if ((rc = resolve_tariff(ctx, ref, p->sub.partner, &p->t)) != 0 ||
        (rc = check_kind(ctx, &p->t, want)) != 0 || (rc = tariff_version(ctx, &p->t, &p->v)))
        return rc;
    if (!p->t.active)
        return ob_err_field(&ctx->err, OB_EINVAL, "tariff", "subscription.tariff_not_sold",
                            "code=%s", p->t.code);
    p->out->tariff = p->t.id;
    p->out->base_tariff = p->t.base ? p->t.base : p->t.id;
    p->out->tariff_code = p->t.code;
    p->out->tariff_name = p->t.name_en;
    p->out->tariff_name_ru = p->t.name_ru;
    p->out->version = p->v.id;
    p->pin.opt = &p->v.opt;
    p->pin.code = p->t.code;
    p->pin.base_code = p->t.base_code;
    return 0;
}

/* R-CAT-4: every application the tariff opens, for the serving partner today. */
static int
apps_allowed(struct ob_ctx *ctx, struct plan *p)
{
    for (int i = 0; i < p->v.opt.napps; i++) {
        struct ob_app a;
        int rc;

        if ((rc = ob_catalog_app_find(ctx, p->v.opt.apps[i], &a)) != 0 ||
            (rc = ob_catalog_app_allowed_for_partner(ctx, a.id, p->sub.partner, p->day)) != 0)
            return rc;
    }
    return 0;
}

/* The family of R-BIL-2's chain of standard tariff `tariff`: the "chain"
 * option of its current version. It is read from the tariff, not from the
 * version a row was posted with, so every main of PROF is of the ITS family
 * whichever version it has (docs/decisions.md). */
static int
family_of(struct ob_ctx *ctx, const struct ob_chain_main *known, int n, int64_t tariff,
          const char **out)
{
    struct ob_tariff_version v;
    struct ob_tariff t;
    int rc;

    for (int i = 0; i < n; i++)     /* each tariff is read once */
        if (known[i].tariff == tariff) {
            *out = known[i].family;
            return 0;
        }
    if ((rc = ob_catalog_tariff_load(ctx, tariff, &t)) != 0 ||
        (rc = ob_catalog_version_load(ctx, t.version_id, &v)) != 0)
        return rc;
    *out = v.opt.chain;
    return 0;
}

/* R-BIL-2: the new main's place among the client's paid mains of its family. */
static int
plan_chain(struct ob_ctx *ctx, struct plan *p, struct ob_discount_in *d)
{
    struct ob_chain_main *mains = ob_arena_alloc(&ctx->arena, sizeof(*mains) * (size_t)(p->rows.n + 1));
    struct ob_period *prev = ob_arena_alloc(&ctx->arena, sizeof(*prev) * (size_t)(p->rows.n + 1));
    struct ob_chain_main next = { p->out->start, p->out->end, p->out->price, p->out->base_tariff,
                                  NULL, false };
    int n = 0, rc;

    if ((rc = family_of(ctx, NULL, 0, next.tariff, &next.family)) != 0)
        return rc;
    for (int i = 0; i < p->rows.n; i++) {
        const struct ob_subscription *s = &p->rows.v[i];
        struct ob_chain_main *m = &mains[n];

        if (!is_kind(s, "main"))
            continue;
        *m = (struct ob_chain_main){ s->start, s->end, s->price, s->base_tariff, NULL,
                                     !strcmp(s->discount_rule, OB_PLAN_RULE_OWN) };
        if ((rc = family_of(ctx, mains, n, m->tariff, &m->family)) != 0)
            return rc;
        n++;
    }
    n = ob_discount_chain(mains, n, &next, prev);
    d->place = ob_discount_place(prev, n, p->out->start, &d->after_gap);
    return 0;
}

static int
plan_discount(struct ob_ctx *ctx, struct plan *p)
{
    struct ob_discount_in d = { 0 };
    struct ob_discount r;
    int rc;

    if ((rc = plan_chain(ctx, p, &d)) != 0)
        return rc;
    d.new_client = p->in->new_client;
    d.from_local_its = p->in->from_local_its;
    if (!p->sub.partner) {
        r = (struct ob_discount){ 0, "direct" };
    } else {
        if ((rc = ob_partner_holds(ctx, p->sub.partner, "csk", p->day, &d.csk)) != 0 ||
            (rc = individual_pct(ctx, p->sub.partner, &d.individual_pct)) != 0)
            return rc;
        r = ob_discount_rule(&d);
    }
    p->out->discount_pct = r.pct;
    p->out->discount_rule = r.rule;
    p->out->amount_due = ob_discount_apply(p->out->price, r.pct);
    return 0;
}

static int
plan_price(struct ob_ctx *ctx, struct plan *p, int term)
{
    int64_t amount = 0;
    int q = p->out->quantity;
    int rc;

    if ((rc = ob_catalog_price(ctx, p->out->base_tariff, term, p->day, &amount)) != 0)
        return rc;
    p->out->price = amount * q;
    if (p->t.base) {
        if ((rc = ob_catalog_price(ctx, p->t.id, term, p->day, &amount)) != 0)
            return rc;
        p->out->partner_price = amount * q;
    }
    return 0;
}

/* R-CAT-2: a tariff given "once per partner" (CSO-FREE, the guide: "Можно один
 * раз подключиться на бесплатный тариф") is posted at most once across all
 * the partner's clients: posted, not cancelled mains of the standard tariff
 * (partner tariffs on it included) with that partner. A write holds the
 * partner's row first, so postings for two of its clients at once are
 * judged one after the other. A client served by the provider directly is
 * nobody's. */
static int
plan_once_per_partner(struct ob_ctx *ctx, struct plan *p)
{
    int64_t id = 0, code = 0;
    int rc;

    if (!p->sub.partner)
        return 0;
    if (p->lock && (rc = ob_partner_lock(ctx, p->sub.partner)) != 0)
        return rc;
    rc = ob_db_get_int(ctx->db, &id,
                       "SELECT s.id FROM subscriptions s JOIN tariffs t ON t.id = s.tariff_id "
                       "WHERE s.partner_id = ? AND s.kind = 'main' AND s.state = 'posted' AND "
                       "COALESCE(t.base_tariff_id, t.id) = ? AND s.id <> ? ORDER BY s.id LIMIT 1",
                       "iii", p->sub.partner, p->out->base_tariff, p->replacing);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (rc == OB_DB_DONE)
        return 0;
    rc = ob_db_get_int(ctx->db, &code,
                       "SELECT sc.code FROM subscriptions s JOIN subscribers sc "
                       "ON sc.account_id = s.subscriber_id WHERE s.id = ?",
                       "i", id);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    ob_err_field(&ctx->err, OB_ECONFLICT, "tariff", "subscription.once_per_partner",
                 "code=%s code2=%lld id=%lld", p->t.base_code ? p->t.base_code : p->t.code,
                 (long long)code, (long long)id);
    ob_err_hint(&ctx->err, "a cancelled subscription gives it back; the paid tariffs stay open");
    return OB_ECONFLICT;
}

/* R-CAT-2, R-CAT-4 and the partner's statuses: what a main needs besides
 * its dates, read from the database, in the order they were always checked. */
static int
main_allowed(struct ob_ctx *ctx, struct plan *p)
{
    const struct ob_tariff_options *o = &p->v.opt;
    struct ob_subscriber_info info;
    bool held;
    int rc;

    if (o->partner_own)
        return ob_err_field(&ctx->err, OB_EINVAL, "tariff", "subscription.given_by_service",
                            "code=%s", p->t.code);
    if ((rc = ob_subscriber_info_get(ctx, p->sub.id, &info)) != 0)
        return rc;
    if (!info.complete) {
        ob_err_field(&ctx->err, OB_EINVAL, "subscriber", "subscriber.info_incomplete", "code=%lld",
                     (long long)p->sub.code);
        ob_err_hint(&ctx->err, "fill in legal name, INN, contact person, phone, email and "
                               "region first (PUT /api/v1/subscribers/{id}/info)");
        return OB_EINVAL;
    }
    if (o->requires_status) {
        if ((rc = ob_partner_holds(ctx, p->sub.partner, o->requires_status, p->day, &held)) != 0)
            return rc;
        if (!held && p->sub.partner)
            return ob_err_field(&ctx->err, OB_EPERM, "tariff", "subscription.needs_partner_status",
                                "code=%s requires_status=%s", p->t.code, o->requires_status);
    }
    if ((rc = ob_catalog_offer_check(ctx, p->out->base_tariff, p->day)) != 0)
        return rc;
    return o->once_per_partner ? plan_once_per_partner(ctx, p) : 0;
}

static int
plan_main(struct ob_ctx *ctx, struct plan *p)
{
    int rc;

    if ((rc = plan_tariff(ctx, p, p->in->tariff, OB_TARIFF_MAIN)) != 0 ||
        (rc = main_allowed(ctx, p)) != 0 ||
        (rc = ob_plan_main_term(&p->pin, p->out, &ctx->err)) != 0 ||
        (rc = apps_allowed(ctx, p)) != 0 ||
        (rc = ob_plan_main_period(&p->pin, p->out, &ctx->arena, &ctx->err)) != 0)
        return rc;
    p->out->new_client = p->in->new_client;
    p->out->from_local_its = p->in->from_local_its;
    if ((rc = plan_price(ctx, p, p->out->term_months)) != 0)
        return rc;
    return plan_discount(ctx, p);
}

/* R-SUB-3: +N onto a main, for the main's period. */
static int
plan_extension(struct ob_ctx *ctx, struct plan *p)
{
    const struct ob_subscription *m;
    int rc;

    if ((rc = plan_tariff(ctx, p, p->in->tariff, OB_TARIFF_EXTENSION)) != 0 ||
        (rc = ob_plan_extension(&p->pin, p->out, &m, &ctx->arena, &ctx->err)) != 0 ||
        (rc = plan_price(ctx, p, m->term_months)) != 0)
        return rc;
    ob_plan_take_main(p->out, m);
    return 0;
}

/* The standard short-extension tariff (the one with the lowest id). */
static int
short_tariff_code(struct ob_ctx *ctx, char *out, size_t size)
{
    int rc = ob_db_get_text(ctx->db, out, size,
                            "SELECT code FROM tariffs WHERE kind = 'short_extension' AND "
                            "partner_id IS NULL AND active = 1 ORDER BY id LIMIT 1",
                            NULL);

    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (rc == OB_DB_DONE)
        return ob_err_field(&ctx->err, OB_EINVAL, "tariff", "subscription.no_short_extension");
    return 0;
}

/* R-SUB-4: the client adds sessions for some days, beside a paid main. */
static int
plan_short(struct ob_ctx *ctx, struct plan *p)
{
    const struct ob_subscription *m;
    char code[128];
    int64_t amount = 0;
    int rc;

    if (!p->in->tariff && (rc = short_tariff_code(ctx, code, sizeof(code))) != 0)
        return rc;
    if ((rc = plan_tariff(ctx, p, p->in->tariff ? p->in->tariff : code,
                          OB_TARIFF_SHORT_EXTENSION)) != 0 ||
        (rc = ob_plan_short(&p->pin, p->out, &m, &ctx->arena, &ctx->err)) != 0)
        return rc;
    rc = ob_catalog_price(ctx, p->out->base_tariff, 0, p->day, &amount);
    if (rc != 0 && rc != OB_ENOTFOUND)
        return rc;
    ob_err_clear(&ctx->err);
    p->out->price = amount * p->out->quantity;
    ob_plan_take_main(p->out, m);
    return 0;
}

/* R-SUB-5: 7 more days of the last period, from its L to end + 30. */
static int
plan_deferral(struct ob_ctx *ctx, struct plan *p)
{
    const struct ob_subscription *last;
    int rc;

    if ((rc = ob_plan_deferral(&p->pin, p->out, &last, &ctx->arena, &ctx->err)) != 0 ||
        (rc = ob_catalog_tariff_load(ctx, last->tariff, &p->t)) != 0 ||
        (rc = ob_catalog_version_load(ctx, last->version, &p->v)) != 0)
        return rc;
    return 0;
}

/* R-SUB-6: connect a client holding a local ITS contract with this partner. */
static int
plan_its(struct ob_ctx *ctx, struct plan *p)
{
    struct ob_subscriber_info info;
    struct ob_its_contract c;
    char code[128];
    int rc;

    if ((rc = ob_subscriber_info_get(ctx, p->sub.id, &info)) != 0)
        return rc;
    rc = ob_its_match(ctx, p->sub.id, info.inn, p->sub.partner, p->day, &c);
    if (rc == OB_ENOTFOUND || rc == OB_ECONFLICT || (rc == 0 && p->in->its_contract &&
                                                     c.id != p->in->its_contract)) {
        ob_err_clear(&ctx->err);
        return rc == OB_ECONFLICT
                   ? ob_err_field(&ctx->err, OB_EINVAL, "its_contract", "its.other_partner")
                   : ob_err_field(&ctx->err, OB_EINVAL, "its_contract", "its.none_with_partner",
                                  "day=%s", day_text(ctx, p->day));
    }
    if (rc != 0 || (rc = ob_its_level_tariff(ctx, c.level, code, sizeof(code))) != 0 ||
        (rc = plan_tariff(ctx, p, code, OB_TARIFF_MAIN)) != 0 ||
        (rc = ob_plan_its_period(&p->pin, c.valid_from, c.valid_to, c.number, p->out,
                                 &ctx->arena, &ctx->err)) != 0)
        return rc;
    p->out->its_contract = c.id;
    p->out->discount_rule = "its_local";
    return 0;
}

/* R-SUB-1a: the provider posts a trial by hand, once per subscriber. */
static int
plan_trial(struct ob_ctx *ctx, struct plan *p)
{
    int rc;

    if (!p->in->reason || !*p->in->reason)
        return ob_err_field(&ctx->err, OB_EINVAL, "reason", "subscription.trial_field_required");
    if ((rc = ob_plan_trial_once(&p->pin, p->sub.code, &ctx->err)) != 0 ||
        (rc = plan_tariff(ctx, p, p->in->tariff, OB_TARIFF_TRIAL)) != 0 ||
        (rc = ob_plan_trial_period(&p->pin, p->out, &ctx->arena, &ctx->err)) != 0)
        return rc;
    p->out->reason = p->in->reason;
    p->out->discount_rule = "trial";
    return 0;
}

/* Who may post a kind: refusals say the rule, not just "forbidden". */
static int
plan_access(struct ob_ctx *ctx, struct plan *p)
{
    int64_t sub = p->in->subscriber;
    int rc;

    switch (p->kind) {
    case OB_SUB_TRIAL:
        rc = ob_access_subscriber(ctx, sub, 0, 0, STAFF_WRITE);
        if (rc == OB_EPERM)
            return ob_err_set(&ctx->err, OB_EPERM, "subscription.trials_by_service");
        return rc;
    case OB_SUB_SHORT_EXTENSION:
    case OB_SUB_DEFERRED_RENEWAL:
        rc = ob_access_subscriber(ctx, sub, CLIENT_SELF, 0, STAFF_WRITE);
        if (rc == OB_EPERM)
            return ob_err_set(&ctx->err, OB_EPERM, "subscription.taken_by_client", "kind=%s",
                              ob_sub_kind_name(p->kind));
        return rc;
    default:
        rc = ob_access_subscriber(ctx, sub, 0, PARTNER_WRITE, STAFF_WRITE);
        if (rc == OB_EPERM)
            return ob_err_set(&ctx->err, OB_EPERM, "subscription.posted_by_partner", "kind=%s",
                              ob_sub_kind_name(p->kind));
        return rc;
    }
}

static int
plan(struct ob_ctx *ctx, struct plan *p)
{
    static int (*const by_kind[])(struct ob_ctx *, struct plan *) = {
        plan_trial, plan_main, plan_extension, plan_short, plan_deferral, plan_its,
    };
    int rc;

    if (!p->in->subscriber)
        return ob_err_field(&ctx->err, OB_EINVAL, "subscriber", "field.required");
    if (ob_sub_kind_parse(p->in->kind, &p->kind) != 0)
        return ob_err_field(&ctx->err, OB_EINVAL, "kind", "field.subscription_kind");
    if ((rc = ob_plan_quantity(p->kind, p->in->quantity, &ctx->err)) != 0)
        return rc;
    /* A write holds the subscriber's row before reading its subscriptions,
     * so two postings of one client are judged one after the other on
     * PostgreSQL too (SQLite: the write transaction is the lock). */
    if ((rc = ob_access_person(ctx)) != 0 || (rc = plan_access(ctx, p)) != 0 ||
        (p->lock && (rc = ob_subscriber_lock(ctx, p->in->subscriber)) != 0) ||
        (rc = ob_subscriber_get(ctx, p->in->subscriber, &p->sub)) != 0 ||
        (rc = rows_of(ctx, p->sub.id, &p->rows)) != 0)
        return rc;
    for (int i = 0; i < p->rows.n; i++)
        if (p->rows.v[i].id == p->replacing) {
            memmove(&p->rows.v[i], &p->rows.v[i + 1], (size_t)(p->rows.n - i - 1) *
                                                          sizeof(p->rows.v[0]));
            p->rows.n--;
            break;
        }
    memset(p->out, 0, sizeof(*p->out));
    p->day = p->as_of ? p->as_of : ob_clock_today(ctx);
    p->out->subscriber = p->sub.id;
    p->out->subscriber_code = p->sub.code;
    p->out->subscriber_name = p->sub.name;
    p->out->kind = ob_sub_kind_name(p->kind);
    p->out->partner = p->sub.partner;
    p->out->quantity = p->in->quantity ? p->in->quantity : 1;
    p->out->partner_price = -1;
    p->out->discount_rule = "";
    p->out->state = "posted";
    p->out->reason = "";
    p->pin = (struct ob_plan_in){ .day = p->day, .rows = p->rows.v, .nrows = p->rows.n,
                                  .start = p->in->start, .kept_start = p->kept_start,
                                  .term_months = p->in->term_months, .main = p->in->main };
    return by_kind[p->kind](ctx, p);
}

struct quote_args {
    const struct ob_subscription_new *in;
    struct ob_subscription *out;
};

static int
quote(struct ob_ctx *ctx, void *arg)
{
    struct quote_args *a = arg;
    struct plan p = { .in = a->in, .out = a->out };

    return plan(ctx, &p);
}

int
ob_subscription_quote(struct ob_ctx *ctx, const struct ob_subscription_new *in,
                      struct ob_subscription *out)
{
    struct quote_args a = { in, out };

    return ob_db_tx(ctx, OB_DB_READ, quote, &a);
}

/* ---- posting ------------------------------------------------------------------------- */

static void
read_id(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    (void)ctx;
    *(int64_t *)out = ob_stmt_int(st, 0);
}

/* The event "subscription.posted" (docs/events.md): what and when, never a
 * price, discount or amount (a subscriber-facing reader must not see the
 * partner's terms). */
static int
posted_event(struct ob_ctx *ctx, const struct ob_subscription *s)
{
    json_t *data = json_pack("{s:I, s:s, s:s, s:s, s:s, s:i, s:i}", "subscription",
                             (json_int_t)s->id, "kind", s->kind, "tariff", s->tariff_code,
                             "start", day_text(ctx, s->start), "last_day",
                             day_text(ctx, s->end - 1), "term_months", s->term_months,
                             "quantity", s->quantity);
    int rc;

    if (s->main)
        json_object_set_new(data, "main", json_integer(s->main));
    rc = ob_event_emit(ctx, "subscription.posted", s->partner, s->subscriber, data, NULL);
    json_decref(data);
    return rc;
}

static int
insert(struct ob_ctx *ctx, struct ob_subscription *s)
{
    int rc;

    s->posted_at = ob_clock_now(ctx);
    s->posted_by = ctx->actor.person;
    rc = ob_db_one(ctx, read_id, &s->id,
                   "INSERT INTO subscriptions (subscriber_id, kind, tariff_id, "
                   "tariff_version_id, partner_id, main_id, start, \"end\", term_months, "
                   "quantity, price, partner_price, discount_pct, discount_rule, "
                   "amount_due, declared_new_client, declared_from_local_its, "
                   "its_contract_id, state, posted_at, posted_by, reason) VALUES (?, ?, "
                   "?, ?, NULLIF(?, 0), NULLIF(?, 0), ?, ?, ?, ?, ?, NULLIF(?, -1), ?, ?, "
                   "?, ?, ?, NULLIF(?, 0), 'posted', ?, NULLIF(?, 0), ?) RETURNING id",
                   "itiiiittiiiiitiiiiiit", s->subscriber, s->kind, s->tariff, s->version,
                   s->partner, s->main, day_text(ctx, s->start), day_text(ctx, s->end),
                   (int64_t)s->term_months, (int64_t)s->quantity, s->price, s->partner_price,
                   (int64_t)s->discount_pct, s->discount_rule, s->amount_due,
                   (int64_t)s->new_client, (int64_t)s->from_local_its, s->its_contract,
                   s->posted_at, s->posted_by, s->reason);
    if (rc == OB_ENOTFOUND)
        return ob_db_err(ctx, OB_EINTERNAL);
    if (rc != 0)
        return rc;
    if ((rc = ob_audit_with(ctx, s->subscriber, "subscription.posted", "subscription", s->id,
                            audit_params_reason(ctx, s, s->reason),
                    "%s '%s' %s through %s, %d month(s) × %d, price %lld, %d%% (%s), due %lld%s%s",
                    s->kind, s->tariff_code, day_text(ctx, s->start), day_text(ctx, s->end - 1),
                    s->term_months, s->quantity, (long long)s->price, s->discount_pct,
                    s->discount_rule, (long long)s->amount_due, *s->reason ? "; reason: " : "",
                    s->reason)) != 0)
        return rc;
    return posted_event(ctx, s);
}

struct post_args {
    const struct ob_subscription_new *in;
    struct ob_subscription s;
};

/* R-SUB-3: a renewal `m` (a main starting at the end of the previous main
 * of its tariff) carries the previous main's extensions that are not
 * cancelled, posted again for its period by the same rules. An extension
 * whose tariff is no longer sold is not carried (docs/decisions.md). */
static int
carry_extensions(struct ob_ctx *ctx, const struct plan *p, const struct ob_subscription *m)
{
    const struct ob_subscription *prev = ob_plan_renewed(p->rows.v, p->rows.n, m);
    int rc;

    for (int i = 0; prev && i < p->rows.n; i++) {
        const struct ob_subscription *x = &p->rows.v[i];
        struct ob_subscription_new in = { 0 };
        struct ob_subscription out;
        struct plan q = { .in = &in, .out = &out, .lock = true };
        struct ob_tariff t;

        if (!is_kind(x, "extension") || x->main != prev->id)
            continue;
        if ((rc = ob_catalog_tariff_load(ctx, x->tariff, &t)) != 0)
            return rc;
        if (!t.active)
            continue;
        in.subscriber = m->subscriber;
        in.kind = "extension";
        in.tariff = ob_arena_printf(&ctx->arena, "%lld", (long long)x->tariff);
        in.quantity = x->quantity;
        in.main = m->id;
        if ((rc = plan(ctx, &q)) != 0 || (rc = insert(ctx, &out)) != 0)
            return rc;
    }
    return 0;
}

static int
post(struct ob_ctx *ctx, void *arg)
{
    struct post_args *a = arg;
    struct plan p = { .in = a->in, .out = &a->s, .lock = true };
    int rc = plan(ctx, &p);

    if (rc == 0)
        rc = insert(ctx, &a->s);
    if (rc == 0)
        rc = carry_extensions(ctx, &p, &a->s);
    return rc ? rc : ob_access_ends_refresh(ctx, a->s.subscriber);
}

int
ob_subscription_post(struct ob_ctx *ctx, const struct ob_subscription_new *in, int64_t *id)
{
    struct post_args a = { in, { 0 } };
    int rc = ob_db_tx(ctx, OB_DB_WRITE, post, &a);

    *id = rc == 0 ? a.s.id : 0;
    return rc;
}

int
ob_subscription_trial_start(struct ob_ctx *ctx, int64_t subscriber,
                            const struct ob_trial_spec *spec)
{
    struct ob_subscription s = { 0 };
    struct ob_tariff_version v;
    struct ob_tariff t;
    bool partner_own = spec->partner_own;
    int rc;

    if (!partner_own && spec->tariff > 0) {
        rc = ob_catalog_tariff_load(ctx, spec->tariff, &t);
        if (rc == OB_ENOTFOUND) {
            ob_err_clear(&ctx->err);
            return ob_err_set(&ctx->err, OB_EINVAL, "subscription.trial_tariff_unknown",
                              "field=tariff");
        }
    } else {
        rc = ob_catalog_tariff_find(ctx, partner_own ? "PARTNER-OWN" : "TRIAL-30", 0, &t);
        if (rc == OB_ENOTFOUND) {       /* a database without the standard catalog */
            ob_err_clear(&ctx->err);
            return 0;
        }
    }
    if (rc != 0 || (rc = ob_catalog_version_load(ctx, t.version_id, &v)) != 0)
        return rc;
    s.subscriber = subscriber;
    s.kind = partner_own ? "main" : "trial";
    s.tariff = t.id;
    s.tariff_code = t.code;
    s.tariff_name = t.name_en;
    s.tariff_name_ru = t.name_ru;
    s.version = v.id;
    s.start = ob_clock_today(ctx);
    if (partner_own) {
        s.term_months = OWN_MONTHS;
        if (ob_date_add_months(s.start, OWN_MONTHS, &s.end) != 0)
            return ob_err_set(&ctx->err, OB_EINTERNAL, "subscription.past_last_date");
    } else {
        s.end = s.start + (spec->days > 0    ? spec->days
                           : v.opt.days > 0 ? v.opt.days
                                            : OB_PLAN_TRIAL_DAYS);
    }
    s.quantity = 1;
    s.partner_price = -1;
    s.discount_rule = partner_own ? OB_PLAN_RULE_OWN : "trial";
    s.reason = "";
    return (rc = insert(ctx, &s)) != 0 ? rc : ob_access_ends_refresh(ctx, subscriber);
}

struct trial_end_args {
    int64_t id;
    int32_t end;
    const char *reason;
};

static int
trial_set_end(struct ob_ctx *ctx, void *arg)
{
    struct trial_end_args *a = arg;
    struct ob_subscription s;
    int64_t n;
    int rc;

    if ((rc = ob_subscription_get(ctx, a->id, &s)) != 0)
        return rc;
    if ((rc = ob_access_subscriber(ctx, s.subscriber, 0, 0, STAFF_WRITE)) != 0)
        return rc == OB_EPERM ? ob_err_set(&ctx->err, OB_EPERM, "subscription.trial_by_provider")
                              : rc;
    if (!is_kind(&s, "trial"))
        return ob_err_set(&ctx->err, OB_EINVAL, "subscription.only_trial_end", "id=%lld kind=%s",
                          (long long)s.id, s.kind);
    if (a->end <= s.start)
        return ob_err_field(&ctx->err, OB_EINVAL, "end", "subscription.end_before_start",
                            "start=%s", day_text(ctx, s.start));
    n = ob_db_run(ctx->db, "UPDATE subscriptions SET \"end\" = ?, reason = ? WHERE id = ?", "tti",
                  day_text(ctx, a->end), a->reason, s.id);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if ((rc = ob_access_ends_refresh(ctx, s.subscriber)) != 0)
        return rc;
    return ob_audit_with(ctx, s.subscriber, "subscription.trial_changed", "subscription", s.id,
                         json_pack("{s:s?, s:{s:s?, s:s?, s:s?}, s:s, s:s, s:s?}", "subscriber",
                                   s.subscriber_name, "tariff", "code", s.tariff_code, "name_ru",
                                   s.tariff_name_ru, "name_en", s.tariff_name, "through_before",
                                   day_text(ctx, s.end - 1), "through", day_text(ctx, a->end - 1),
                                   "reason", a->reason),
                    "trial end: %s → %s; reason: %s", day_text(ctx, s.end),
                    day_text(ctx, a->end), a->reason);
}

int
ob_subscription_trial_set_end(struct ob_ctx *ctx, int64_t id, const char *end,
                              const char *reason)
{
    struct trial_end_args a = { id, 0, reason };
    int rc;

    if ((rc = ob_access_person(ctx)) != 0)
        return rc;
    if (!end || ob_date_parse_input(end, &a.end) != 0)
        return ob_err_field(&ctx->err, OB_EINVAL, "end", "field.date");
    if (!reason || !*reason)
        return ob_err_field(&ctx->err, OB_EINVAL, "reason", "subscription.trial_reason_required");
    return ob_db_tx(ctx, OB_DB_WRITE, trial_set_end, &a);
}

/* ---- change and cancellation requests (R-SUB-2) ---------------------------------------- */

static const char *
describe(struct ob_ctx *ctx, const struct ob_subscription *s)
{
    return ob_arena_printf(&ctx->arena,
                           "%s '%s' %s through %s, %d month(s) × %d, price %lld, %d%% (%s), "
                           "due %lld",
                           s->kind, s->tariff_code, day_text(ctx, s->start),
                           day_text(ctx, s->end - 1), s->term_months, s->quantity,
                           (long long)s->price, s->discount_pct, s->discount_rule,
                           (long long)s->amount_due);
}

/* Did the client declare itself new (R-SUB-1) on a main posted before row
 * m, cancelled ones included? The declaration is about the client, so a
 * renewal that becomes the first paid main keeps it (docs/decisions.md). */
static int
declared_new_before(struct ob_ctx *ctx, const struct ob_subscription *m, bool *out)
{
    int64_t n = 0;
    int rc = ob_db_get_int(ctx->db, &n,
                           "SELECT COUNT(*) FROM subscriptions WHERE subscriber_id = ? "
                           "AND kind = 'main' AND declared_new_client <> 0 AND id < ?",
                           "ii", m->subscriber, m->id);

    if (rc < 0)
        return ob_db_err(ctx, rc);
    *out = m->new_client || n > 0;
    return 0;
}

/* The plan of `s` with the changes ch, by the posting rules as of its
 * posting date, with s itself left out of the subscriber's rows. */
static int
replan(struct ob_ctx *ctx, const struct ob_subscription *s, const struct ob_subscription_change *ch,
       bool lock, struct ob_subscription *out)
{
    struct ob_subscription_new in = { 0 };
    struct plan p = { .in = &in, .out = out };
    int rc;

    in.subscriber = s->subscriber;
    in.kind = s->kind;
    in.tariff = ch->tariff ? ch->tariff : ob_arena_printf(&ctx->arena, "%lld", (long long)s->tariff);
    in.term_months = ch->term_months ? ch->term_months : s->term_months;
    in.start = ch->start;
    in.quantity = ch->quantity ? ch->quantity : s->quantity;
    in.main = s->main;
    in.new_client = ch->new_client != 0;
    if (ch->new_client < 0 && (rc = declared_new_before(ctx, s, &in.new_client)) != 0)
        return rc;
    in.from_local_its = ch->from_local_its >= 0 ? ch->from_local_its != 0 : s->from_local_its;
    p.as_of = ob_date_of_instant(s->posted_at);
    p.replacing = s->id;
    p.lock = lock;
    p.kept_start = ch->start ? 0 : s->start;
    if ((rc = plan(ctx, &p)) != 0)
        return rc;
    if (ch->new_client < 0)     /* the row keeps its own declaration */
        out->new_client = s->new_client;
    return 0;
}

static int
check_change(struct ob_ctx *ctx, const struct ob_subscription *s,
             const struct ob_subscription_change *ch)
{
    struct ob_subscription after;

    if (!ch->tariff && !ch->start && !ch->term_months && !ch->quantity && ch->new_client < 0 &&
        ch->from_local_its < 0)
        return ob_err_field(&ctx->err, OB_EINVAL, "changes", "subscription.change_empty");
    if (is_kind(s, "extension") && (ch->start || ch->term_months))
        return ob_err_field(&ctx->err, OB_EINVAL,
                            ch->start ? "changes.start" : "changes.term_months",
                            "subscription.extension_follows_main");
    if (!is_kind(s, "main") && !is_kind(s, "extension"))
        return ob_err_field(&ctx->err, OB_EINVAL, "subscription",
                            is_kind(s, "trial") ? "subscription.trial_not_changed_request"
                                                : "subscription.not_changed_request",
                            "kind=%s", s->kind);
    return replan(ctx, s, ch, true, &after);
}

static int
check_trial(struct ob_ctx *ctx, const struct ob_subscription *s,
            const struct ob_subscription_change *ch, int32_t *end)
{
    if (!is_kind(s, "trial"))
        return ob_err_field(&ctx->err, OB_EINVAL, "subscription", "subscription.not_trial",
                            "id=%lld kind=%s", (long long)s->id, s->kind);
    if (!ch->end || ob_date_parse_input(ch->end, end) != 0)
        return ob_err_field(&ctx->err, OB_EINVAL, "end", "field.date");
    if (*end <= s->start)
        return ob_err_field(&ctx->err, OB_EINVAL, "end", "subscription.end_before_start",
                            "start=%s", day_text(ctx, s->start));
    return 0;
}

static int
check_request(struct ob_ctx *ctx, const struct ob_subscription *s, const char *kind,
              const struct ob_subscription_change *ch)
{
    int32_t end;

    if (strcmp(s->state, "posted"))
        return ob_err_set(&ctx->err, OB_ECONFLICT, "subscription.in_state", "id=%lld state=%s",
                          (long long)s->id, s->state);
    if (!strcmp(kind, "subscription_change"))
        return check_change(ctx, s, ch);
    if (!strcmp(kind, "trial_change"))
        return check_trial(ctx, s, ch, &end);
    if (is_kind(s, "trial"))
        return ob_err_field(&ctx->err, OB_EINVAL, "subscription",
                            "subscription.trial_not_cancelled");
    return 0;
}

int
ob_subscription_request_check(struct ob_ctx *ctx, int64_t id, const char *kind,
                              const struct ob_subscription_change *ch, struct ob_subscription *s,
                              int64_t *partner)
{
    struct ob_subscriber sub;
    int rc;

    if ((rc = ob_subscription_get(ctx, id, s)) != 0)
        return rc;
    rc = ob_access_subscriber(ctx, s->subscriber, 0, PARTNER_WRITE, 0);
    if (rc == OB_EPERM)
        return ob_err_set(&ctx->err, OB_EPERM, "subscription.requests_by_partner");
    if (rc != 0 || (rc = ob_subscriber_get(ctx, s->subscriber, &sub)) != 0)
        return rc;
    *partner = sub.partner;
    return check_request(ctx, s, kind, ch);
}

static int
write_plan(struct ob_ctx *ctx, int64_t id, const struct ob_subscription *a)
{
    int64_t n = ob_db_run(ctx->db,
                          "UPDATE subscriptions SET tariff_id = ?, tariff_version_id = ?, start = ?, "
                          "\"end\" = ?, term_months = ?, quantity = ?, price = ?, "
                          "partner_price = NULLIF(?, -1), discount_pct = ?, discount_rule = ?, "
                          "amount_due = ?, declared_new_client = ?, declared_from_local_its = ? "
                          "WHERE id = ? AND state = 'posted'",
                          "iittiiiiitiiii", a->tariff, a->version, day_text(ctx, a->start),
                          day_text(ctx, a->end), (int64_t)a->term_months, (int64_t)a->quantity,
                          a->price, a->partner_price, (int64_t)a->discount_pct, a->discount_rule,
                          a->amount_due, (int64_t)a->new_client, (int64_t)a->from_local_its, id);

    if (n < 0)
        return ob_db_err(ctx, (int)n);
    return n == 1 ? 0
                  : ob_err_set(&ctx->err, OB_ECONFLICT, "subscription.not_posted", "id=%lld",
                               (long long)id);
}

/* The request that last changed row id, or re-derived its discount. */
static int
mark_request(struct ob_ctx *ctx, int64_t id, int64_t request)
{
    int64_t n;

    if (!request)
        return 0;
    n = ob_db_run(ctx->db, "UPDATE subscriptions SET request_id = ? WHERE id = ?", "ii", request,
                  id);
    return n < 0 ? ob_db_err(ctx, (int)n) : 0;
}

/* Re-plan and write s with ch; a main's extensions follow its period. */
static int
apply_change(struct ob_ctx *ctx, const struct ob_subscription *s,
             const struct ob_subscription_change *ch, int64_t request, const char *reason)
{
    static const struct ob_subscription_change same = { .new_client = -1, .from_local_its = -1 };
    struct ob_subscription after;
    struct rows r;
    int rc;

    if ((rc = replan(ctx, s, ch, true, &after)) != 0 ||
        (rc = write_plan(ctx, s->id, &after)) != 0 ||
        (rc = mark_request(ctx, s->id, request)) != 0 ||
        (rc = ob_audit_with(ctx, s->subscriber, "subscription.changed", "subscription", s->id,
                            json_pack("{s:s?, s:o, s:o, s:s?}", "subscriber", s->subscriber_name,
                                      "before", audit_params(ctx, s), "after",
                                      audit_params(ctx, &after), "reason", reason),
                       "%s → %s; reason: %s", describe(ctx, s), describe(ctx, &after), reason)))
        return rc;
    if (!is_kind(s, "main") || (rc = rows_of(ctx, s->subscriber, &r)) != 0)
        return rc;
    for (int i = 0; i < r.n; i++)
        if (is_kind(&r.v[i], "extension") && r.v[i].main == s->id &&
            (rc = apply_change(ctx, &r.v[i], &same, request, reason)) != 0)
            return rc;
    return 0;
}

/* Cancel s; a main's extensions go with it. */
static int
apply_cancel(struct ob_ctx *ctx, const struct ob_subscription *s, int64_t request,
             const char *reason)
{
    struct rows r;
    int64_t n = ob_db_run(ctx->db,
                          "UPDATE subscriptions SET state = 'cancelled' "
                          "WHERE id = ? AND state = 'posted'",
                          "i", s->id);
    int rc;

    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if (n == 0)
        return ob_err_set(&ctx->err, OB_ECONFLICT, "subscription.not_posted", "id=%lld",
                          (long long)s->id);
    if ((rc = mark_request(ctx, s->id, request)) != 0 ||
        (rc = ob_audit_with(ctx, s->subscriber, "subscription.cancelled", "subscription", s->id,
                            audit_params_reason(ctx, s, reason),
                       "%s: posted → cancelled; reason: %s", describe(ctx, s), reason)) != 0 ||
        !is_kind(s, "main") || (rc = rows_of(ctx, s->subscriber, &r)) != 0)
        return rc;
    for (int i = 0; i < r.n; i++)
        if (is_kind(&r.v[i], "extension") && r.v[i].main == s->id &&
            (rc = apply_cancel(ctx, &r.v[i], request, reason)) != 0)
            return rc;
    return 0;
}

/* ---- R-BIL-2 after a decision: the chain re-derived ------------------------------------- */

/* Write row m's discount as d re-derived it, with the request; audited. */
static int
write_rederived(struct ob_ctx *ctx, const struct ob_subscription *m,
                const struct ob_subscription *d, int64_t request, const char *reason)
{
    int64_t n = ob_db_run(ctx->db,
                          "UPDATE subscriptions SET discount_pct = ?, discount_rule = ?, "
                          "amount_due = ?, request_id = NULLIF(?, 0) "
                          "WHERE id = ? AND state = 'posted'",
                          "itiii", (int64_t)d->discount_pct, d->discount_rule, d->amount_due,
                          request, m->id);

    if (n < 0)
        return ob_db_err(ctx, (int)n);
    return ob_audit_with(ctx, m->subscriber, "subscription.rederived", "subscription", m->id,
                         json_pack("{s:s?, s:o, s:o, s:I, s:s?}", "subscriber",
                                   m->subscriber_name, "before", audit_params(ctx, m), "after",
                                   audit_params(ctx, d), "request", (json_int_t)request,
                                   "reason", reason),
                         "discount re-derived: %d%% (%s) → %d%% (%s), due %lld → %lld; %s",
                         m->discount_pct, m->discount_rule, d->discount_pct, d->discount_rule,
                         (long long)m->amount_due, (long long)d->amount_due, reason);
}

/* Re-derive paid main r->v[k] by the posting rules as of its own posting
 * date (plan_discount, as posting does), among the client's rows as they
 * stand now; its extensions take its discount (R-SUB-3). */
static int
rederive_one(struct ob_ctx *ctx, const struct rows *r, int k, int64_t request,
             const char *reason)
{
    const struct ob_subscription *m = &r->v[k];
    struct ob_subscription_new in = { 0 };
    struct ob_subscription out = *m;
    struct plan p = { .in = &in, .out = &out };
    int rc;

    p.rows.v = ob_arena_alloc(&ctx->arena, sizeof(*p.rows.v) * (size_t)r->n);
    for (int i = 0; i < r->n; i++)
        if (i != k)
            p.rows.v[p.rows.n++] = r->v[i];
    p.sub.id = m->subscriber;
    p.sub.partner = m->partner;         /* the partner at posting (R-BIL-2) */
    p.day = ob_date_of_instant(m->posted_at);
    in.from_local_its = m->from_local_its;
    if ((rc = declared_new_before(ctx, m, &in.new_client)) != 0 ||
        (rc = plan_discount(ctx, &p)) != 0)
        return rc;
    if (out.discount_pct == m->discount_pct && !strcmp(out.discount_rule, m->discount_rule))
        return 0;
    if ((rc = write_rederived(ctx, m, &out, request, reason)) != 0)
        return rc;
    for (int i = 0; i < r->n; i++) {
        struct ob_subscription e = r->v[i];

        if (!is_kind(&e, "extension") || e.main != m->id)
            continue;
        ob_plan_take_main(&e, &out);
        if ((rc = write_rederived(ctx, &r->v[i], &e, request, reason)) != 0)
            return rc;
    }
    return 0;
}

/* R-BIL-2, R-SUB-2: a decision about main x (changed or cancelled) moves
 * the chain of the client's paid mains: each other posted paid main starting
 * on or after `from` is re-derived; only they can have x before them. */
static int
rederive_chain(struct ob_ctx *ctx, const struct ob_subscription *x, int32_t from,
               int64_t request, const char *reason)
{
    struct rows r;
    int rc;

    if (!is_kind(x, "main"))
        return 0;
    if ((rc = rows_of(ctx, x->subscriber, &r)) != 0)
        return rc;
    for (int i = 0; i < r.n; i++) {
        const struct ob_subscription *m = &r.v[i];

        if (m->id == x->id || !is_kind(m, "main") || m->price <= 0 || !m->partner ||
            !strcmp(m->discount_rule, OB_PLAN_RULE_OWN) || m->start < from)
            continue;
        if ((rc = rederive_one(ctx, &r, i, request, reason)) != 0)
            return rc;
    }
    return 0;
}

int
ob_subscription_request_apply(struct ob_ctx *ctx, int64_t id, const char *kind,
                              const struct ob_subscription_change *ch, int64_t request,
                              const char *reason)
{
    struct trial_end_args t = { id, 0, reason };
    struct ob_subscription s, now;
    int rc;

    if ((rc = ob_subscription_get(ctx, id, &s)) != 0 ||
        (rc = check_request(ctx, &s, kind, ch)) != 0)
        return rc;
    if (!strcmp(kind, "subscription_change")) {
        if ((rc = apply_change(ctx, &s, ch, request, reason)) != 0 ||
            (rc = ob_subscription_get(ctx, id, &now)) != 0)
            return rc;
        if ((rc = ob_access_ends_refresh(ctx, s.subscriber)) != 0)
            return rc;
        return rederive_chain(ctx, &s, now.start < s.start ? now.start : s.start, request,
                              reason);
    }
    if (!strcmp(kind, "subscription_cancel"))
        return (rc = apply_cancel(ctx, &s, request, reason)) != 0 ||
                       (rc = ob_access_ends_refresh(ctx, s.subscriber)) != 0
                   ? rc
                   : rederive_chain(ctx, &s, s.start, request, reason);
    if ((rc = check_trial(ctx, &s, ch, &t.end)) != 0)
        return rc;
    return trial_set_end(ctx, &t);
}

int
ob_subscription_request_quote(struct ob_ctx *ctx, int64_t id, const char *kind,
                              const struct ob_subscription_change *ch,
                              struct ob_subscription *before, struct ob_subscription *after)
{
    int32_t end;
    int rc;

    if ((rc = ob_subscription_get(ctx, id, before)) != 0)
        return rc;
    if (strcmp(before->state, "posted"))
        return ob_err_set(&ctx->err, OB_ECONFLICT, "subscription.in_state", "id=%lld state=%s",
                          (long long)id, before->state);
    *after = *before;
    if (!strcmp(kind, "subscription_cancel")) {
        after->state = "cancelled";
        after->price = after->amount_due = 0;
        return 0;
    }
    if (!strcmp(kind, "trial_change")) {
        if ((rc = check_trial(ctx, before, ch, &end)) == 0)
            after->end = end;
        return rc;
    }
    /* read without the subscriber's lock, like a posting's quote */
    return replan(ctx, before, ch, false, after);
}

/* ---- reading by scope ---------------------------------------------------------------- */

int
ob_subscription_get(struct ob_ctx *ctx, int64_t id, struct ob_subscription *out)
{
    int rc;

    if ((rc = ob_access_person(ctx)) != 0)
        return rc;
    rc = ob_db_one(ctx, read_row, out, SEL "WHERE s.id = ?", "i", id);
    if (rc == 0)
        rc = ob_access_subscriber(ctx, out->subscriber, OB_ROLES_ANY, OB_ROLES_ANY,
                                  OB_ROLES_ANY);
    if (rc == OB_ENOTFOUND)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "subscription.not_found", "id=%lld",
                          (long long)id);
    return rc;
}

/* The cursor of a row: its end and id when sorted by end, else its id. */
static const char *
cursor_of(struct ob_ctx *ctx, const struct ob_subscription_filter *f,
          const struct ob_subscription *s)
{
    if (f->by_end)
        return ob_arena_printf(&ctx->arena, "%s_%lld", day_text(ctx, s->end), (long long)s->id);
    return ob_arena_printf(&ctx->arena, "%lld", (long long)s->id);
}

static int
parse_cursor(struct ob_ctx *ctx, const struct ob_subscription_filter *f, const char **end,
             int64_t *id)
{
    const char *c = f->after;
    char *endp;
    int32_t d;

    *end = "";
    *id = 0;
    if (!c || !*c)
        return 0;
    if (f->by_end) {
        if (strlen(c) < 12 || c[10] != '_')
            goto bad;
        *end = ob_arena_printf(&ctx->arena, "%.10s", c);
        if (ob_date_parse(*end, &d) != 0)
            goto bad;
        c += 11;
    }
    *id = strtoll(c, &endp, 10);
    if (*endp || *id <= 0)
        goto bad;
    return 0;
bad:
    return ob_err_field(&ctx->err, OB_EINVAL, "after", "field.cursor");
}

/* The list's query into sql, its parameters into prm. The WHERE clause holds
 * only the filters given, and the cursor is a row value, so both engines
 * walk the ("end", id) index in order and stop at the page's end instead of
 * sorting every row of the partner's clients. */
static void
list_query(struct ob_ctx *ctx, const struct ob_subscription_filter *f, const char *scope,
           const char *after_end, int64_t after_id, int limit, struct ob_buf *sql,
           struct ob_db_params *prm)
{
    ob_buf_addf(sql, SEL "WHERE s.state = 'posted' AND %s ", scope);
    if (f->subscriber) {
        ob_buf_adds(sql, "AND s.subscriber_id = ? ");
        ob_db_param_int(prm, f->subscriber);
    }
    if (f->partner) {
        ob_buf_adds(sql, "AND sc.partner_id = ? ");
        ob_db_param_int(prm, f->partner);
    }
    if (f->end_from >= 0) {             /* end is exclusive: through L >= from */
        ob_buf_adds(sql, "AND s.\"end\" >= ? ");
        ob_db_param_text(prm, day_text(ctx, f->end_from + 1));
    }
    if (f->end_to >= 0) {
        ob_buf_adds(sql, "AND s.\"end\" <= ? ");
        ob_db_param_text(prm, day_text(ctx, f->end_to + 1));
    }
    if (after_id && f->by_end) {
        ob_buf_adds(sql, f->desc ? "AND (s.\"end\", s.id) < (?, ?) "
                                 : "AND (s.\"end\", s.id) > (?, ?) ");
        ob_db_param_text(prm, after_end);
        ob_db_param_int(prm, after_id);
    } else if (after_id) {
        ob_buf_adds(sql, "AND s.id < ? ");
        ob_db_param_int(prm, after_id);
    }
    ob_buf_adds(sql, !f->by_end ? "ORDER BY s.id DESC"
                     : f->desc ? "ORDER BY s.\"end\" DESC, s.id DESC"
                               : "ORDER BY s.\"end\", s.id");
    ob_buf_adds(sql, " LIMIT ?");
    ob_db_param_int(prm, limit);
}

/* The parameters vary with the filters given, so the statement is bound
 * and walked here rather than by ob_db_each (whose binds are fixed by its
 * format); it ends as every list does, with ob_db_rows_end. */
int
ob_subscription_list(struct ob_ctx *ctx, const struct ob_subscription_filter *f, int limit,
                     int (*fn)(const struct ob_subscription *, const char *, void *), void *arg)
{
    const char *scope, *after_end;
    struct ob_db_params prm = { .n = 0 };
    struct ob_stmt *st;
    struct ob_buf sql;
    int64_t after_id;
    int rc;

    if ((rc = ob_access_person(ctx)) != 0 || (rc = parse_cursor(ctx, f, &after_end, &after_id)))
        return rc;
    if ((rc = ob_access_scope(ctx, "sc.partner_id", "s.subscriber_id", &scope)) != 0)
        return rc;
    ob_buf_init(&sql, 1 << 16);
    list_query(ctx, f, scope, after_end, after_id, limit, &sql, &prm);
    rc = ob_db_prepare(ctx->db, sql.p, &st);
    ob_buf_free(&sql);
    if (rc != 0)
        return ob_db_err(ctx, rc);
    rc = ob_db_params_bind(st, &prm);
    while (rc == 0 && (rc = ob_stmt_step(st)) == OB_DB_ROW) {
        struct ob_subscription s;

        read_row(ctx, st, &s);
        rc = fn(&s, cursor_of(ctx, f, &s), arg);
    }
    ob_stmt_finalize(st);
    return ob_db_rows_end(ctx, rc);
}

/* ---- entitlement --------------------------------------------------------------------- */

/* The applications of the subscriber's working data areas, oldest first
 * (failed ones never held a choice; deleted ones keep it: the choice is
 * fixed), from which the entitlement takes the client's choices (R-CAT-2).
 * NULL-terminated, in the arena. */
static int
working_app(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    const char **v = arg;
    int n = 0;

    while (v[n])
        n++;
    v[n] = ob_stmt_dup(ctx, st, 0);
    return 0;
}

static int
working_apps(struct ob_ctx *ctx, int64_t sub, const char ***out)
{
    const char **v = ob_arena_alloc(&ctx->arena, 33 * sizeof(*v));

    memset(v, 0, 33 * sizeof(*v));
    *out = v;
    return ob_db_each(ctx, working_app, v,
                      "SELECT ap.code FROM areas ar "
                      "JOIN applications ap ON ap.id = ar.application_id "
                      "WHERE ar.subscriber_id = ? AND ar.test = 0 AND ar.state <> 'failed' "
                      "ORDER BY ar.id LIMIT 32",
                      "i", sub);
}

/* The entitlement of `sub` on `day` from its subscriptions r (rows_of). */
static int
entitlement_of(struct ob_ctx *ctx, int64_t sub, int32_t day, const struct rows *rr,
               struct ob_entitlement *out)
{
    struct ob_tariff_version *vers;
    struct ob_ent_sub *e;
    const char **apps = NULL;
    struct rows r = *rr;
    int rc;

    e = ob_arena_alloc(&ctx->arena, (size_t)(r.n + 1) * sizeof(*e));
    vers = ob_arena_alloc(&ctx->arena, (size_t)(r.n + 1) * sizeof(*vers));
    for (int i = 0; i < r.n; i++) {
        const struct ob_subscription *s = &r.v[i];
        int k;

        for (k = 0; k < i && r.v[k].version != s->version; k++)
            ;
        if (k == i && (rc = ob_catalog_version_load(ctx, s->version, &vers[i])) != 0)
            return rc;
        ob_plan_ent_sub(r.v, r.n, i, &e[i]);
        e[i].opt = &vers[k].opt;
        e[i].working = NULL;
        if (vers[k].opt.choose > 0 || vers[k].opt.nareas > 0) {
            if (!apps && (rc = working_apps(ctx, sub, &apps)) != 0)
                return rc;
            e[i].working = apps;
        }
    }
    ob_entitlement_compute(e, r.n, day, &ctx->arena, out);
    return 0;
}

int
ob_subscription_entitlement_load(struct ob_ctx *ctx, int64_t sub, int32_t day,
                                 struct ob_entitlement *out)
{
    struct rows r;
    int rc;

    if ((rc = rows_of(ctx, sub, &r)) != 0)
        return rc;
    return entitlement_of(ctx, sub, day, &r, out);
}

static void
action(struct ob_entitlement *out, const char *name, const char *reason, int32_t from,
       int32_t through)
{
    out->actions[out->nactions++] = (struct ob_ent_action){ name, reason, from, through };
}

/* May the actor take the client's self-service actions (R-SUB-4, R-SUB-5)
 * on sub, served by *serving? A refusal is *may false; any other error is
 * the answer. */
static int
self_service_may(struct ob_ctx *ctx, int64_t sub, int64_t *serving, bool *may)
{
    int rc = ob_access_subscriber_as(ctx, sub, serving, CLIENT_SELF, 0, STAFF_WRITE);

    *may = rc == 0;
    if (rc == OB_EPERM) {
        ob_err_clear(&ctx->err);
        rc = 0;
    }
    return rc;
}

/* The client's self-service (R-SUB-4, R-SUB-5) as the actor would find it on
 * the day: who may take it first, then the rules, asked as the posting asks
 * them, so a button the cabinet offers does not fail (issue 11). `serving`
 * and r are what the entitlement already read in this transaction. */
static int
self_service(struct ob_ctx *ctx, int64_t sub, int64_t serving, int32_t day,
             const struct rows *r, struct ob_entitlement *out)
{
    struct ob_plan_in in = { .day = day, .rows = r->v, .nrows = r->n };
    const char *why;
    int32_t from, through;
    bool may;
    int rc = self_service_may(ctx, sub, &serving, &may);

    if (rc != 0)
        return rc;
    if (!may) {
        action(out, "short_extension", OB_REASON("self_service.not_allowed"), 0, 0);
        action(out, "deferred_renewal", "self_service.not_allowed", 0, 0);
        return 0;
    }
    why = ob_plan_short_refusal(&in, &from, &through);
    action(out, "short_extension", why, from, through);
    why = ob_plan_deferral_refusal(&in, &from, &through);
    action(out, "deferred_renewal", why, from, through);
    return 0;
}

struct serving_gen {
    int64_t serving, gen;
};

static void
read_serving_gen(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    struct serving_gen *g = out;

    (void)ctx;
    g->serving = ob_stmt_int(st, 0);
    g->gen = ob_stmt_int(st, 1);
}

int
ob_subscription_entitlement_gen(struct ob_ctx *ctx, int64_t sub, int64_t *gen, bool *self)
{
    struct serving_gen g = { -1, 0 };
    int rc = ob_db_one(ctx, read_serving_gen, &g,
                       "SELECT COALESCE(partner_id, 0), ent_gen FROM subscribers "
                       "WHERE account_id = ?",
                       "i", sub);

    if (rc == OB_ENOTFOUND)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "auth.subscriber_not_found", "sub=%lld",
                          (long long)sub);
    if (rc != 0 || (rc = ob_access_subscriber_as(ctx, sub, &g.serving, OB_ROLES_ANY,
                                                 OB_ROLES_ANY, OB_ROLES_ANY)) != 0)
        return rc;
    *gen = g.gen;
    return self_service_may(ctx, sub, &g.serving, self);
}

struct entitlement_args {
    int64_t sub;
    int32_t day;
    struct ob_entitlement *out;
};

static int
entitlement_read(struct ob_ctx *ctx, void *arg)
{
    struct entitlement_args *a = arg;
    int64_t serving = -1;
    struct rows r;
    int rc = ob_access_subscriber_as(ctx, a->sub, &serving, OB_ROLES_ANY, OB_ROLES_ANY,
                                     OB_ROLES_ANY);

    if (rc != 0 || (rc = rows_of(ctx, a->sub, &r)) != 0 ||
        (rc = entitlement_of(ctx, a->sub, a->day, &r, a->out)) != 0)
        return rc;
    return self_service(ctx, a->sub, serving, a->day, &r, a->out);
}

/* Reads the serving partner once and the subscriptions once: a cached
 * principal's entitlement is three statements (its generation, the
 * partner, the rows), plus the working applications for a tariff that
 * chooses them (issue 16); those after the generation share one read
 * (ob_db_read: on SQLite one read lock for them all). */
int
ob_subscription_entitlement(struct ob_ctx *ctx, int64_t sub, int32_t day,
                            struct ob_entitlement *out)
{
    struct entitlement_args a = { sub, day, out };

    return ob_db_read(ctx, entitlement_read, &a);
}
