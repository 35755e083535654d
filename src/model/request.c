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
#include "db/db.h"
#include "model/access.h"
#include "model/audit.h"
#include "model/outbox.h"
#include "model/person.h"
#include "model/request.h"
#include "base/banned.h"

#define REQ_SELECT                                                                             \
    "SELECT r.id, r.kind, r.account_id, a.name, r.payload, r.reason, r.state, "              \
    "r.decision_note, COALESCE(r.filed_by, 0), COALESCE(p.email, ''), r.filed_at, "           \
    "COALESCE(r.decided_at, 0) FROM requests r JOIN accounts a ON a.id = r.account_id "       \
    "LEFT JOIN persons p ON p.id = r.filed_by "

static void
read_req(struct ob_stmt *st, struct ob_request *r)
{
    r->id = ob_stmt_int(st, 0);
    r->kind = ob_stmt_text(st, 1);
    r->partner = ob_stmt_int(st, 2);
    r->partner_name = ob_stmt_text(st, 3);
    r->changes = ob_stmt_text(st, 4);
    r->reason = ob_stmt_text(st, 5);
    r->state = ob_stmt_text(st, 6);
    r->decision_note = ob_stmt_text(st, 7);
    r->filed_by = ob_stmt_int(st, 8);
    r->filed_by_email = ob_stmt_text(st, 9);
    r->filed_at = ob_stmt_int(st, 10);
    r->decided_at = ob_stmt_int(st, 11);
}

static int
load(struct ob_ctx *ctx, int64_t id, struct ob_request *out)
{
    struct ob_arena *ar = &ctx->arena;
    struct ob_stmt *st;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = ob_db_prepare(ctx->db, REQ_SELECT "WHERE r.id = ?", &st)) != 0)
        return ob_db_err(ctx, rc);
    rc = ob_stmt_bind_int(st, 1, id);
    if (rc == 0 && (rc = ob_stmt_step(st)) == OB_DB_ROW) {
        read_req(st, out);
        out->kind = ob_arena_strdup(ar, out->kind);
        out->partner_name = ob_arena_strdup(ar, out->partner_name);
        out->changes = ob_arena_strdup(ar, out->changes);
        out->reason = ob_arena_strdup(ar, out->reason);
        out->state = ob_arena_strdup(ar, out->state);
        out->decision_note = ob_arena_strdup(ar, out->decision_note);
        out->filed_by_email = ob_arena_strdup(ar, out->filed_by_email);
        rc = 0;
    } else if (rc == OB_DB_DONE) {
        rc = OB_ENOTFOUND;
    }
    ob_stmt_finalize(st);
    if (rc == OB_ENOTFOUND)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "request %lld not found", (long long)id);
    return rc < 0 ? ob_db_err(ctx, rc) : 0;
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
};

static int
file_request(struct ob_ctx *ctx, void *arg)
{
    struct file_args *a = arg;
    int rc = ob_db_get_int(ctx->db, &a->id,
                           "INSERT INTO requests (kind, account_id, subject_id, payload, reason, "
                           "filed_by, filed_at) VALUES ('requisites', ?, ?, ?, ?, NULLIF(?, 0), ?) "
                           "RETURNING id",
                           "iittii", a->partner, a->partner, a->payload, a->reason,
                           ctx->actor.person, ob_clock_now(ctx));

    if (rc < 0)
        return ob_db_err(ctx, rc);
    return ob_audit(ctx, a->partner, "request.filed", "request", a->id,
                    "requisites change request: none → open; changes %s; reason: %s", a->payload,
                    a->reason);
}

int
ob_request_file_requisites(struct ob_ctx *ctx, int64_t partner, struct ob_requisites *ch,
                           const char *reason, struct ob_request *out)
{
    struct file_args a = { partner, 0, NULL, reason };
    struct ob_partner p;
    json_t *o;
    char *text;
    int rc;

    if ((rc = ob_access_partner(ctx, partner, OB_ROLE_OWNER | OB_ROLE_OPERATOR, 0)) != 0 ||
        (rc = ob_partner_load(ctx, partner, &p)) != 0)
        return rc;
    if (!ch->name && !ch->inn && !ch->kpp && !ch->phone && !ch->email && !ch->site &&
        !ch->address && !ch->region)
        return ob_err_field(&ctx->err, OB_EINVAL, "changes",
                            "'changes' must change at least one requisite");
    if ((rc = ob_requisites_check(ctx, ch, true, "changes.")) != 0 ||
        (rc = ob_check_text(ctx, reason, 1000, true, "reason")) != 0)
        return rc;
    o = json_object();
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

int
ob_request_list(struct ob_ctx *ctx, const char *state, const char *kind, int64_t after, int limit,
                int (*fn)(const struct ob_request *, void *), void *arg)
{
    const char *scope = NULL;
    struct ob_stmt *st;
    char *sql;
    int rc;

    if ((rc = ob_access_person(ctx)) != 0)
        return rc;
    if (state && strcmp(state, "open") && strcmp(state, "applied") && strcmp(state, "rejected"))
        return ob_err_field(&ctx->err, OB_EINVAL, "state",
                            "'state' must be open, applied or rejected");
    if (ob_access_provider_roles(ctx)) {
        if ((rc = ob_access_provider(ctx, OB_ROLES_ANY)) != 0)
            return rc;
    } else if (!(scope = ob_member_scope(ctx, OB_KIND_PARTNER))) {
        return ctx->err.rc;
    }
    sql = ob_arena_printf(&ctx->arena,
                          REQ_SELECT "WHERE (? = 0 OR r.id < ?) AND (? = '' OR r.state = ?) "
                                     "AND (? = '' OR r.kind = ?) %s%s%s ORDER BY r.id DESC LIMIT ?",
                          scope ? "AND r.account_id IN (" : "", scope ? scope : "",
                          scope ? ")" : "");
    if ((rc = ob_db_prepare(ctx->db, sql, &st)) != 0)
        return ob_db_err(ctx, rc);
    rc = ob_stmt_bindf(st, "iitttti", after, after, state ? state : "",
                       state ? state : "", kind ? kind : "", kind ? kind : "", (int64_t)limit);
    while (rc == 0 && (rc = ob_stmt_step(st)) == OB_DB_ROW) {
        struct ob_request r;

        read_req(st, &r);
        rc = fn(&r, arg);
    }
    ob_stmt_finalize(st);
    return rc < 0 ? ob_db_err(ctx, rc) : 0;
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
    json_t *o = json_loads(r->changes, 0, NULL);
    int rc;

    if (!json_is_object(o)) {
        json_decref(o);
        return ob_err_set(&ctx->err, OB_EINTERNAL, "request %lld has unreadable changes",
                          (long long)r->id);
    }
    ch.name = get(ctx, o, "name"), ch.inn = get(ctx, o, "inn"), ch.kpp = get(ctx, o, "kpp");
    ch.phone = get(ctx, o, "phone"), ch.email = get(ctx, o, "email");
    ch.site = get(ctx, o, "site"), ch.address = get(ctx, o, "address");
    ch.region = get(ctx, o, "region");
    json_decref(o);
    rc = ob_requisites_check(ctx, &ch, true, "changes.");
    return rc ? rc : ob_partner_set_requisites(ctx, r->partner, &ch);
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
        return ob_err_set(&ctx->err, OB_ECONFLICT, "request %lld is already %s",
                          (long long)d->id, r->state);
    if (strcmp(r->kind, "requisites"))
        return ob_err_set(&ctx->err, OB_ECONFLICT, "requests of kind '%s' are decided elsewhere",
                          r->kind);
    n = ob_db_run(ctx->db,
                  "UPDATE requests SET state = ?, decision_note = ?, decided_by = NULLIF(?, 0), "
                  "decided_at = ? WHERE id = ? AND state = 'open'",
                  "ttiii", state, d->note, ctx->actor.person, ob_clock_now(ctx), d->id);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if (n == 0)
        return ob_err_set(&ctx->err, OB_ECONFLICT, "request %lld is already decided",
                          (long long)d->id);
    if ((d->apply && (rc = apply_requisites(ctx, r)) != 0) ||
        (rc = ob_audit(ctx, r->partner, "request.decided", "request", d->id,
                       "requisites change request: open → %s%s%s", state, *d->note ? "; " : "",
                       d->note)) != 0)
        return rc;
    if (r->filed_by && ob_person_get(ctx, r->filed_by, &filer) == 0) {
        bool en = !strcmp(filer.lang, "en");

        vars = json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", *filer.name ? filer.name : filer.email,
                         "account", r->partner_name, "request",
                         ob_arena_printf(&ctx->arena, en ? "requisites change #%lld"
                                                         : "изменение реквизитов № %lld",
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
        return ob_err_field(&ctx->err, OB_EINVAL, "decision",
                            "'decision' must be 'apply' or 'reject'");
    if ((rc = ob_check_text(ctx, d.note, 1000, false, "note")) != 0)
        return rc;
    d.apply = !strcmp(decision, "apply");
    return ob_db_tx(ctx, OB_DB_WRITE, decide, &d);
}
