/*
 * model/requests/ — what a party asks and another decides.
 *
 * Requests to change requisites, subscriptions or a trial, filed by one side
 * and decided by the other, with the late flag (ob_request_late) for a
 * decision taken after the deadline. The top of the domain: a decision
 * applies its change through the folders below, in its own transaction.
 */
/*
 * request.c — filing and deciding requests.
 *
 * The changes of a requisites request are kept as a JSON object of the
 * normalised fields (requests.payload), so the decision applies exactly
 * what was reviewed. Like questionnaires, a decision claims the request
 * with one conditional UPDATE (state 'open' → the decision).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ctx.h"
#include "base/date.h"
#include "db/db.h"
#include "model/identity/access.h"
#include "model/core/audit.h"
#include "model/core/event.h"
#include "model/subscriptions/discount.h"
#include "model/core/outbox.h"
#include "model/identity/person.h"
#include "model/requests/request.h"
#include "model/parties/distributor.h"
#include "model/parties/requisites.h"
#include "base/banned.h"

#define REQ_SELECT                                                                             \
    "SELECT r.id, r.kind, r.account_id, a.name, r.payload, r.reason, r.state, "              \
    "r.decision_note, COALESCE(r.filed_by, 0), COALESCE(p.email, ''), r.filed_at, "           \
    "COALESCE(r.decided_at, 0), r.late, COALESCE(s.id, 0), COALESCE(s.subscriber_id, 0), "   \
    "s.kind, t.code, s.start, s.\"end\", s.state, sa.name, t.name_ru, t.name_en "             \
    "FROM requests r JOIN accounts a ON a.id = r.account_id "                                 \
    "LEFT JOIN persons p ON p.id = r.filed_by "                                               \
    "LEFT JOIN subscriptions s ON s.id = r.subject_id AND r.kind <> 'requisites' "            \
    "LEFT JOIN tariffs t ON t.id = s.tariff_id LEFT JOIN accounts sa ON sa.id = s.subscriber_id "

static void
read_req(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    struct ob_request *r = out;

    r->id = ob_stmt_int(st, 0);
    r->kind = ob_stmt_dup(ctx, st, 1);
    r->partner = ob_stmt_int(st, 2);
    r->partner_name = ob_stmt_dup(ctx, st, 3);
    r->changes = ob_stmt_dup(ctx, st, 4);
    r->reason = ob_stmt_dup(ctx, st, 5);
    r->state = ob_stmt_dup(ctx, st, 6);
    r->decision_note = ob_stmt_dup(ctx, st, 7);
    r->filed_by = ob_stmt_int(st, 8);
    r->filed_by_email = ob_stmt_dup(ctx, st, 9);
    r->filed_at = ob_stmt_int(st, 10);
    r->decided_at = ob_stmt_int(st, 11);
    r->late = ob_stmt_int(st, 12) != 0;
    r->subscription = ob_stmt_int(st, 13);
    r->subscriber = ob_stmt_int(st, 14);
    r->sub_kind = ob_stmt_dup(ctx, st, 15);
    r->sub_tariff = ob_stmt_dup(ctx, st, 16);
    r->sub_start = ob_stmt_dup(ctx, st, 17);
    r->sub_end = ob_stmt_dup(ctx, st, 18);
    r->sub_state = ob_stmt_dup(ctx, st, 19);
    r->subscriber_name = ob_stmt_dup(ctx, st, 20);
    r->sub_tariff_ru = ob_stmt_dup(ctx, st, 21);
    r->sub_tariff_en = ob_stmt_dup(ctx, st, 22);
}

static int
load(struct ob_ctx *ctx, int64_t id, struct ob_request *out)
{
    int rc;

    memset(out, 0, sizeof(*out));
    rc = ob_db_one(ctx, read_req, out, REQ_SELECT "WHERE r.id = ?", "i", id);
    if (rc == OB_ENOTFOUND)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "request.not_found", "id=%lld", (long long)id);
    return rc;
}

static void
put(json_t *o, const char *name, const char *v)
{
    if (v)
        json_object_set_new(o, name, json_string(v));
}

static const char *
get(struct ob_ctx *ctx, json_t *o, const char *name)
{
    const char *v = json_string_value(json_object_get(o, name));

    return v ? ob_arena_strdup(&ctx->arena, v) : NULL;
}

struct file_args {
    int64_t partner, id;
    const char *payload, *reason;
    const char *kind;
    int64_t subject;
    bool late;
    /* subscription requests: checked in the filing transaction */
    const struct ob_subscription_change *ch;
};

/* What a request's audit sentence needs (model/core/audit.h): its kind,
 * the partner and the client by name, the tariff by its names, the
 * changes asked. */
static json_t *
audit_params(const struct ob_request *r)
{
    json_t *changes = json_loads(r->changes, 0, NULL);
    json_t *p = json_pack("{s:s, s:s, s:s, s:o}", "kind", r->kind, "partner", r->partner_name,
                          "state", r->state, "changes", changes ? changes : json_object());

    if (p && r->subscription)
        json_object_set_new(p, "subscriber",
                            json_string(r->subscriber_name ? r->subscriber_name : ""));
    if (p && r->subscription)
        json_object_set_new(p, "tariff", json_pack("{s:s?, s:s?, s:s?}", "code", r->sub_tariff,
                                                   "name_ru", r->sub_tariff_ru, "name_en",
                                                   r->sub_tariff_en));
    return p;
}

static int
insert_request(struct ob_ctx *ctx, struct file_args *a)
{
    struct ob_request r;
    int rc = ob_db_get_int(ctx->db, &a->id,
                           "INSERT INTO requests (kind, account_id, subject_id, payload, reason, "
                           "late, filed_by, filed_at) VALUES (?, ?, ?, ?, ?, ?, NULLIF(?, 0), ?) "
                           "RETURNING id",
                           "tiittiii", a->kind, a->partner, a->subject, a->payload, a->reason,
                           (int64_t)a->late, ctx->actor.person, ob_clock_now(ctx));

    if (rc < 0)
        return ob_db_err(ctx, rc);
    if ((rc = load(ctx, a->id, &r)) != 0)
        return rc;
    return ob_audit_with(ctx, a->partner, "request.filed", "request", a->id, audit_params(&r),
                    "%s request%s%s: none → open; %s%s; reason: %s", a->kind,
                    a->subject != a->partner ? " about subscription " : "",
                    a->subject != a->partner ? ob_arena_printf(&ctx->arena, "%lld",
                                                               (long long)a->subject)
                                             : "",
                    a->late ? "late; " : "", a->payload, a->reason);
}

static int
file_request(struct ob_ctx *ctx, void *arg)
{
    return insert_request(ctx, arg);
}

static int
file_subscription(struct ob_ctx *ctx, void *arg)
{
    struct file_args *a = arg;
    struct ob_subscription s;
    int rc;

    if ((rc = ob_subscription_request_check(ctx, a->subject, a->kind, a->ch, &s, &a->partner)))
        return rc;
    a->late = ob_request_late(ob_date_of_instant(s.posted_at),
                              ob_clock_today(ctx));
    return insert_request(ctx, a);
}

static void
put_int(json_t *o, const char *name, int v)
{
    if (v > 0)
        json_object_set_new(o, name, json_integer(v));
}

static void
put_bool(json_t *o, const char *name, int v)
{
    if (v >= 0)
        json_object_set_new(o, name, json_boolean(v));
}

int
ob_request_file_subscription(struct ob_ctx *ctx, const char *kind, int64_t sub,
                             const struct ob_subscription_change *ch, const char *reason,
                             struct ob_request *out)
{
    struct file_args a = { 0, 0, NULL, reason, kind, sub, false, ch };
    json_t *o = json_object(), *d = json_object();
    char *text;
    int rc;

    if ((rc = ob_access_person(ctx)) != 0 ||
        (rc = ob_check_text(ctx, reason, 1000, true, "reason")) != 0) {
        json_decref(o);
        json_decref(d);
        return rc;
    }
    put(o, "tariff", ch->tariff), put(o, "start", ch->start), put(o, "end", ch->end);
    put_int(o, "term_months", ch->term_months), put_int(o, "quantity", ch->quantity);
    put_bool(d, "new_client", ch->new_client), put_bool(d, "from_local_its", ch->from_local_its);
    if (json_object_size(d))
        json_object_set(o, "declarations", d);
    json_decref(d);
    text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    a.payload = ob_arena_strdup(&ctx->arena, text);
    free(text);
    if ((rc = ob_db_tx(ctx, OB_DB_WRITE, file_subscription, &a)) != 0)
        return rc;
    return load(ctx, a.id, out);
}

static bool
any_requisite(const struct ob_requisites *ch)
{
    return ch->name || ch->inn || ch->kpp || ch->phone || ch->email || ch->site || ch->address ||
           ch->region;
}

/* R-BIL-1: the payer asked, checked against the partner's and the
 * distributors; a payer the partner has already is no change (dropped). Puts
 * it into the payload object o. */
static int
payer_change(struct ob_ctx *ctx, const struct ob_partner *p, struct ob_requisites *ch, json_t *o)
{
    struct ob_distributor d;
    int rc;

    if (!ch->settle_with && ch->distributor)
        return ob_err_field(&ctx->err, OB_EINVAL, "changes.settle_with", "field.required");
    if (!ch->settle_with)
        return 0;
    if (strcmp(ch->settle_with, "provider") && strcmp(ch->settle_with, "distributor"))
        return ob_err_field(&ctx->err, OB_EINVAL, "changes.settle_with",
                            "request.settle_with_format");
    if (!strcmp(ch->settle_with, "provider") && ch->distributor)
        return ob_err_field(&ctx->err, OB_EINVAL, "changes.distributor",
                            "request.distributor_with_provider");
    if (!strcmp(ch->settle_with, "distributor") && !ch->distributor)
        return ob_err_field(&ctx->err, OB_EINVAL, "changes.distributor", "field.required");
    if (!strcmp(ch->settle_with, p->settle_with) && ch->distributor == p->distributor) {
        ch->settle_with = NULL, ch->distributor = 0;
        return 0;
    }
    json_object_set_new(o, "settle_with", json_string(ch->settle_with));
    if (!ch->distributor)
        return 0;
    if ((rc = ob_distributor_check_choice(ctx, ch->distributor, "changes.distributor", &d)) != 0)
        return rc;
    json_object_set_new(o, "distributor",
                        json_pack("{s:I, s:s}", "id", (json_int_t)d.id, "name", d.name));
    return 0;
}

int
ob_request_file_requisites(struct ob_ctx *ctx, int64_t partner, struct ob_requisites *ch,
                           const char *reason, struct ob_request *out)
{
    struct file_args a = { partner, 0, NULL, reason, "requisites", partner, false, NULL };
    struct ob_partner p;
    json_t *o;
    char *text;
    int rc;

    if ((rc = ob_access_partner(ctx, partner, OB_ROLE_OWNER | OB_ROLE_OPERATOR, 0)) != 0 ||
        (rc = ob_partner_load(ctx, partner, &p)) != 0)
        return rc;
    o = json_object();
    if ((rc = payer_change(ctx, &p, ch, o)) != 0) {
        json_decref(o);
        return rc;
    }
    if (!any_requisite(ch) && !ch->settle_with)
        rc = ob_err_field(&ctx->err, OB_EINVAL, "changes", "request.requisites_unchanged");
    if (rc == 0 && (rc = ob_requisites_check(ctx, ch, true, "changes.")) == 0)
        rc = ob_check_text(ctx, reason, 1000, true, "reason");
    if (rc != 0) {
        json_decref(o);
        return rc;
    }
    put(o, "name", ch->name), put(o, "inn", ch->inn), put(o, "kpp", ch->kpp);
    put(o, "phone", ch->phone), put(o, "email", ch->email), put(o, "site", ch->site);
    put(o, "address", ch->address), put(o, "region", ch->region);
    text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    a.payload = ob_arena_strdup(&ctx->arena, text);
    free(text);
    if ((rc = ob_db_tx(ctx, OB_DB_WRITE, file_request, &a)) != 0)
        return rc;
    return load(ctx, a.id, out);
}

struct request_fn {
    int (*fn)(const struct ob_request *, void *);
    void *arg;
};

static int
request_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    const struct request_fn *f = arg;
    struct ob_request r;

    read_req(ctx, st, &r);
    return f->fn(&r, f->arg);
}

int
ob_request_list(struct ob_ctx *ctx, const char *state, const char *kind, int64_t after, int limit,
                int (*fn)(const struct ob_request *, void *), void *arg)
{
    struct request_fn f = { fn, arg };
    const char *scope = NULL;
    char *sql;
    int rc;

    if ((rc = ob_access_person(ctx)) != 0)
        return rc;
    if (state && strcmp(state, "open") && strcmp(state, "applied") && strcmp(state, "rejected"))
        return ob_err_field(&ctx->err, OB_EINVAL, "state", "field.request_state");
    if ((rc = ob_access_scope(ctx, "r.account_id", NULL, &scope)) != 0)
        return rc;
    sql = ob_arena_printf(&ctx->arena,
                          REQ_SELECT "WHERE (? = 0 OR r.id < ?) AND (? = '' OR r.state = ?) "
                                     "AND (? = '' OR r.kind = ?) AND %s ORDER BY r.id DESC LIMIT ?",
                          scope);
    return ob_db_each(ctx, request_row, &f, sql, "iitttti", after, after, state ? state : "",
                      state ? state : "", kind ? kind : "", kind ? kind : "", (int64_t)limit);
}

struct decide_args {
    int64_t id;
    bool apply;
    const char *note;
    struct ob_request *out;
};

static int
apply_requisites(struct ob_ctx *ctx, const struct ob_request *r)
{
    struct ob_requisites ch = { 0 };
    struct ob_distributor d;
    json_t *o = json_loads(r->changes, 0, NULL);
    int rc;

    if (!json_is_object(o)) {
        json_decref(o);
        return ob_err_set(&ctx->err, OB_EINTERNAL, "request.unreadable", "id=%lld",
                          (long long)r->id);
    }
    ch.name = get(ctx, o, "name"), ch.inn = get(ctx, o, "inn"), ch.kpp = get(ctx, o, "kpp");
    ch.phone = get(ctx, o, "phone"), ch.email = get(ctx, o, "email");
    ch.site = get(ctx, o, "site"), ch.address = get(ctx, o, "address");
    ch.region = get(ctx, o, "region");
    ch.settle_with = get(ctx, o, "settle_with");
    ch.distributor = json_integer_value(json_object_get(json_object_get(o, "distributor"), "id"));
    json_decref(o);
    if ((rc = ob_requisites_check(ctx, &ch, true, "changes.")) != 0 ||
        (any_requisite(&ch) && (rc = ob_partner_set_requisites(ctx, r->partner, &ch)) != 0) ||
        !ch.settle_with)
        return rc;
    /* R-BIL-1: a distributor archived since the filing is chosen by nobody new */
    if (ch.distributor &&
        (rc = ob_distributor_check_choice(ctx, ch.distributor, "changes.distributor", &d)) != 0)
        return rc;
    return ob_partner_set_payer(ctx, r->partner, ch.settle_with, ch.distributor);
}

static int
int_of(json_t *o, const char *name)
{
    return (int)json_integer_value(json_object_get(o, name));
}

static int
bool_of(json_t *o, const char *name)
{
    json_t *v = json_object_get(json_object_get(o, "declarations"), name);

    return json_is_boolean(v) ? json_is_true(v) : -1;
}

/* The changes of a subscription request, as filed. */
static int
changes_of(struct ob_ctx *ctx, const struct ob_request *r, struct ob_subscription_change *ch)
{
    json_t *o = json_loads(r->changes, 0, NULL);

    memset(ch, 0, sizeof(*ch));
    if (!json_is_object(o)) {
        json_decref(o);
        return ob_err_set(&ctx->err, OB_EINTERNAL, "request.unreadable", "id=%lld",
                          (long long)r->id);
    }
    ch->tariff = get(ctx, o, "tariff"), ch->start = get(ctx, o, "start");
    ch->end = get(ctx, o, "end");
    ch->term_months = int_of(o, "term_months"), ch->quantity = int_of(o, "quantity");
    ch->new_client = bool_of(o, "new_client"), ch->from_local_its = bool_of(o, "from_local_its");
    json_decref(o);
    return 0;
}

/* Apply a subscription request: the changes as filed, re-checked now. */
static int
apply_subscription(struct ob_ctx *ctx, const struct ob_request *r)
{
    struct ob_subscription_change ch;
    int rc = changes_of(ctx, r, &ch);

    return rc ? rc
              : ob_subscription_request_apply(ctx, r->subscription, r->kind, &ch, r->id,
                                              ob_arena_printf(&ctx->arena, "request %lld: %s",
                                                              (long long)r->id, r->reason));
}

struct quote_args {
    int64_t id;
    struct ob_request *r;
    struct ob_subscription *before, *after;
};

static int
quote(struct ob_ctx *ctx, void *arg)
{
    struct quote_args *q = arg;
    struct ob_subscription_change ch;
    int rc;

    if ((rc = load(ctx, q->id, q->r)) != 0)
        return rc;
    /* the partner's discount is for the partner's people and the provider's */
    rc = ob_access_partner(ctx, q->r->partner, OB_ROLES_ANY, OB_ROLES_ANY);
    if (rc == OB_ENOTFOUND)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "request.not_found", "id=%lld", (long long)q->id);
    if (rc != 0)
        return rc;
    if (!q->r->subscription)
        return ob_err_field(&ctx->err, OB_EINVAL, "kind", "request.quote_requisites", "id=%lld",
                            (long long)q->id);
    if ((rc = changes_of(ctx, q->r, &ch)) != 0)
        return rc;
    return ob_subscription_request_quote(ctx, q->r->subscription, q->r->kind, &ch, q->before,
                                         q->after);
}

int
ob_request_quote(struct ob_ctx *ctx, int64_t id, struct ob_request *r,
                 struct ob_subscription *before, struct ob_subscription *after)
{
    struct quote_args q = { id, r, before, after };
    int rc = ob_access_person(ctx);

    return rc ? rc : ob_db_tx(ctx, OB_DB_READ, quote, &q);
}

static int
apply(struct ob_ctx *ctx, const struct ob_request *r)
{
    return strcmp(r->kind, "requisites") ? apply_subscription(ctx, r) : apply_requisites(ctx, r);
}

/* The request's name in the filer's mail. */
static const char *
title(const char *kind, bool en)
{
    static const struct {
        const char *kind, *en, *ru;
    } t[] = {
        { "requisites", "requisites change #", "изменение реквизитов № " },
        { "subscription_change", "subscription change #", "изменение подписки № " },
        { "subscription_cancel", "subscription cancellation #", "отмена подписки № " },
        { "trial_change", "trial period change #", "изменение пробного периода № " },
    };

    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (!strcmp(t[i].kind, kind))
            return en ? t[i].en : t[i].ru;
    return kind;
}

/* The request's params with the decision. */
static json_t *
decided_params(const struct ob_request *r, const char *state, const char *note)
{
    json_t *p = audit_params(r);

    if (p)
        json_object_set_new(p, "state", json_string(state));
    if (p && note && *note)
        json_object_set_new(p, "note", json_string(note));
    return p;
}

/* The event "request.decided" (docs/events.md): what was asked and the
 * answer, never the changes' values (they may hold a partner's terms). */
static int
decided_event(struct ob_ctx *ctx, const struct ob_request *r, const char *state,
              const char *note)
{
    json_t *data = json_pack("{s:I, s:s, s:s, s:s}", "request", (json_int_t)r->id, "kind",
                             r->kind, "decision", state, "note", note);
    int rc;

    if (r->subscription) {
        json_object_set_new(data, "subscription", json_integer(r->subscription));
        json_object_set_new(data, "subscriber", json_integer(r->subscriber));
    }
    rc = ob_event_emit(ctx, "request.decided", r->partner, r->subscriber, data, NULL);
    json_decref(data);
    return rc;
}

static int
decide(struct ob_ctx *ctx, void *arg)
{
    struct decide_args *d = arg;
    struct ob_request *r = d->out;
    const char *state = d->apply ? "applied" : "rejected";
    struct ob_person filer;
    json_t *vars;
    int64_t n;
    int rc;

    if ((rc = load(ctx, d->id, r)) != 0)
        return rc;
    if (strcmp(r->state, "open"))
        return ob_err_set(&ctx->err, OB_ECONFLICT, "request.already_in_state", "id=%lld state=%s",
                          (long long)d->id, r->state);
    n = ob_db_run(ctx->db,
                  "UPDATE requests SET state = ?, decision_note = ?, decided_by = NULLIF(?, 0), "
                  "decided_at = ? WHERE id = ? AND state = 'open'",
                  "ttiii", state, d->note, ctx->actor.person, ob_clock_now(ctx), d->id);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if (n == 0)
        return ob_err_set(&ctx->err, OB_ECONFLICT, "request.already_decided", "id=%lld",
                          (long long)d->id);
    if ((d->apply && (rc = apply(ctx, r)) != 0) ||
        (rc = ob_audit_with(ctx, r->partner, "request.decided", "request", d->id,
                            decided_params(r, state, d->note),
                       "%s request: open → %s%s%s", r->kind, state, *d->note ? "; " : "",
                       d->note)) != 0 ||
        (rc = decided_event(ctx, r, state, d->note)) != 0)
        return rc;
    /* a filer who cannot be read for a database error is not one who is gone */
    if (r->filed_by && (rc = ob_person_get(ctx, r->filed_by, &filer)) != 0 && rc != OB_ENOTFOUND)
        return rc;
    if (r->filed_by && rc == 0) {
        bool en = !strcmp(filer.lang, "en");

        vars = json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", *filer.name ? filer.name : filer.email,
                         "account", r->partner_name, "request",
                         ob_arena_printf(&ctx->arena, "%s%lld", title(r->kind, en),
                                         (long long)d->id),
                         "decision",
                         en ? (d->apply ? "applied" : "rejected")
                            : (d->apply ? "применён" : "отклонён"),
                         "note", d->note);
        rc = ob_outbox_add(ctx, filer.email, filer.lang, "request_decided", vars, r->partner);
        json_decref(vars);
        if (rc != 0)
            return rc;
    }
    return load(ctx, d->id, r);
}

int
ob_request_decide(struct ob_ctx *ctx, int64_t id, const char *decision, const char *note,
                  struct ob_request *out)
{
    struct decide_args d = { id, false, note ? note : "", out };
    int rc;

    if ((rc = ob_access_provider(ctx, OB_ROLE_ADMIN | OB_ROLE_OPERATOR)) != 0)
        return rc;
    if (!decision || (strcmp(decision, "apply") && strcmp(decision, "reject")))
        return ob_err_field(&ctx->err, OB_EINVAL, "decision", "request.decision_format");
    if ((rc = ob_check_text(ctx, d.note, 1000, false, "note")) != 0)
        return rc;
    d.apply = !strcmp(decision, "apply");
    return ob_db_tx(ctx, OB_DB_WRITE, decide, &d);
}

bool
ob_request_late(int32_t posted, int32_t filed)
{
    /* ISO weekday 1 is Monday: the first Monday strictly after the posting */
    int32_t monday = posted + (8 - ob_date_weekday(posted));

    if (monday == posted)
        monday += 7;
    return filed > monday;
}
