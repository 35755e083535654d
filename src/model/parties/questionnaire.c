/*
 * questionnaire.c — submitting and deciding partner questionnaires.
 *
 * A decision claims the questionnaire with one conditional UPDATE (state
 * 'submitted' → the decision), so two provider operators deciding at once
 * cannot both succeed: the second finds nothing to claim and gets 409.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "base/ctx.h"
#include "db/db.h"
#include "model/identity/access.h"
#include "model/parties/questionnaire.h"
#include "model/core/audit.h"
#include "model/core/event.h"
#include "model/identity/authn.h"
#include "model/core/outbox.h"
#include "model/identity/person.h"
#include "model/core/ratelimit.h"
#include "model/parties/requisites.h"
#include "base/banned.h"

#define APP_SELECT                                                                             \
    "SELECT id, name, inn, kpp, phone, email, site, address, region, contact_name, "         \
    "contact_email, comment, lang, state, reason, COALESCE(partner_id, 0), created_at, "     \
    "COALESCE(decided_at, 0) FROM partner_applications "

static void
read_app(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    struct ob_questionnaire *a = out;

    a->id = ob_stmt_int(st, 0);
    a->req.name = ob_stmt_dup(ctx, st, 1);
    a->req.inn = ob_stmt_dup(ctx, st, 2);
    a->req.kpp = ob_stmt_dup(ctx, st, 3);
    a->req.phone = ob_stmt_dup(ctx, st, 4);
    a->req.email = ob_stmt_dup(ctx, st, 5);
    a->req.site = ob_stmt_dup(ctx, st, 6);
    a->req.address = ob_stmt_dup(ctx, st, 7);
    a->req.region = ob_stmt_dup(ctx, st, 8);
    a->contact_name = ob_stmt_dup(ctx, st, 9);
    a->contact_email = ob_stmt_dup(ctx, st, 10);
    a->comment = ob_stmt_dup(ctx, st, 11);
    a->lang = ob_stmt_dup(ctx, st, 12);
    a->state = ob_stmt_dup(ctx, st, 13);
    a->reason = ob_stmt_dup(ctx, st, 14);
    a->partner = ob_stmt_int(st, 15);
    a->created_at = ob_stmt_int(st, 16);
    a->decided_at = ob_stmt_int(st, 17);
}

static int
load(struct ob_ctx *ctx, int64_t id, struct ob_questionnaire *out)
{
    int rc;

    memset(out, 0, sizeof(*out));
    rc = ob_db_one(ctx, read_app, out, APP_SELECT "WHERE id = ?", "i", id);
    if (rc == OB_ENOTFOUND)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "questionnaire.not_found", "id=%lld",
                          (long long)id);
    return rc;
}

static int
submit(struct ob_ctx *ctx, void *arg)
{
    struct ob_questionnaire *a = arg;
    const struct ob_requisites *r = &a->req;
    char key[80];
    int rc;

    snprintf(key, sizeof(key), "apply:%s", ctx->remote_addr ? ctx->remote_addr : "");
    if ((rc = ob_ratelimit_check(ctx, key, OB_REASON("rate.partner_applications"))) != 0)
        return rc;
    rc = ob_db_get_int(ctx->db, &a->id,
                       "INSERT INTO partner_applications (name, inn, kpp, phone, email, site, "
                       "address, region, contact_name, contact_email, comment, lang, created_at) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                       "tttttttttttti", r->name, r->inn, r->kpp, r->phone, r->email, r->site,
                       r->address, r->region, a->contact_name, a->contact_email, a->comment,
                       a->lang, ob_clock_now(ctx));
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if ((rc = ob_ratelimit_hit(ctx, key, OB_APPLY_LIMIT, OB_APPLY_WINDOW_S)) != 0)
        return rc;
    return ob_audit_with(ctx, 0, "partner_application.submitted", "partner_application", a->id,
                         json_pack("{s:s, s:s, s:s}", "name", r->name, "inn", r->inn, "email",
                                   a->contact_email),
                    "questionnaire of '%s' (INN %s) from %s: none → submitted", r->name, r->inn,
                    a->contact_email);
}

int
ob_questionnaire_submit(struct ob_ctx *ctx, struct ob_questionnaire *in)
{
    char email[OB_EMAIL_MAX + 1];
    int rc;

#define EMPTY(x) (x = x ? x : "")
    EMPTY(in->req.kpp), EMPTY(in->req.site), EMPTY(in->req.address), EMPTY(in->req.region);
    EMPTY(in->comment);
#undef EMPTY
    if (!in->lang)
        in->lang = "ru";
    if ((rc = ob_requisites_check(ctx, &in->req, false, "")) != 0 ||
        (rc = ob_check_text(ctx, in->contact_name, 200, true, "contact_name")) != 0 ||
        (rc = ob_email_normalize(ctx, in->contact_email, email, sizeof(email), "contact_email")) ||
        (rc = ob_check_text(ctx, in->comment, 2000, false, "comment")) != 0)
        return rc;
    if (strcmp(in->lang, "ru") && strcmp(in->lang, "en"))
        return ob_err_field(&ctx->err, OB_EINVAL, "lang", "field.lang");
    in->contact_email = ob_arena_strdup(&ctx->arena, email);
    if ((rc = ob_db_tx(ctx, OB_DB_WRITE, submit, in)) != 0)
        return rc;
    return load(ctx, in->id, in);
}

struct questionnaire_fn {
    int (*fn)(const struct ob_questionnaire *, void *);
    void *arg;
};

static int
questionnaire_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    const struct questionnaire_fn *f = arg;
    struct ob_questionnaire a;

    read_app(ctx, st, &a);
    return f->fn(&a, f->arg);
}

int
ob_questionnaire_list(struct ob_ctx *ctx, const char *state, int64_t after, int limit,
                    int (*fn)(const struct ob_questionnaire *, void *), void *arg)
{
    struct questionnaire_fn f = { fn, arg };
    int rc;

    if ((rc = ob_access_provider(ctx, OB_ROLE_ADMIN | OB_ROLE_OPERATOR)) != 0)
        return rc;
    if (state && strcmp(state, "submitted") && strcmp(state, "approved") &&
        strcmp(state, "rejected"))
        return ob_err_field(&ctx->err, OB_EINVAL, "state", "field.submitted_approved_rejected");
    return ob_db_each(ctx, questionnaire_row, &f,
                      APP_SELECT "WHERE (? = 0 OR id < ?) AND (? = '' OR state = ?) "
                                 "ORDER BY id DESC LIMIT ?",
                      "iitti", after, after, state ? state : "", state ? state : "",
                      (int64_t)limit);
}

/* Move a submitted questionnaire to `state`; OB_ECONFLICT when it is decided. */
static int
claim(struct ob_ctx *ctx, int64_t id, const char *state, const char *reason, int64_t partner,
      struct ob_questionnaire *app)
{
    int64_t n;
    int rc;

    if ((rc = load(ctx, id, app)) != 0)
        return rc;
    n = ob_db_run(ctx->db,
                  "UPDATE partner_applications SET state = ?, reason = ?, "
                  "partner_id = NULLIF(?, 0), decided_at = ?, decided_by = NULLIF(?, 0) "
                  "WHERE id = ? AND state = 'submitted'",
                  "ttiiii", state, reason, partner, ob_clock_now(ctx), ctx->actor.person, id);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if (n == 0)
        return ob_err_set(&ctx->err, OB_ECONFLICT, "questionnaire.already_decided",
                          "id=%lld state=%s", (long long)id, app->state);
    return 0;
}

struct decide_args {
    int64_t id;
    const char *reason;
    struct ob_questionnaire *out;
};

/* The event "partner.application_decided" (docs/events.md): the partner's
 * when approved, the provider's only when rejected. */
static int
decided_event(struct ob_ctx *ctx, int64_t id, const struct ob_questionnaire *a,
              const char *decision, const char *reason, int64_t partner)
{
    json_t *data = json_pack("{s:I, s:s, s:s, s:s, s:s}", "application", (json_int_t)id,
                             "decision", decision, "name", a->req.name, "inn", a->req.inn,
                             "reason", reason ? reason : "");
    int rc;

    if (partner)
        json_object_set_new(data, "partner", json_integer(partner));
    rc = ob_event_emit(ctx, "partner.application_decided", partner, 0, data, NULL);
    json_decref(data);
    return rc;
}

static int
approve(struct ob_ctx *ctx, void *arg)
{
    struct decide_args *d = arg;
    struct ob_questionnaire *a = d->out;
    int64_t person = 0, partner = 0, dup = 0;
    int rc;

    if ((rc = load(ctx, d->id, a)) != 0)
        return rc;
    if (strcmp(a->state, "submitted"))
        return ob_err_set(&ctx->err, OB_ECONFLICT, "questionnaire.already_decided",
                          "id=%lld state=%s", (long long)d->id, a->state);
    rc = ob_db_get_int(ctx->db, &dup,
                       "SELECT account_id FROM partners WHERE inn = ? AND kpp = ?", "tt",
                       a->req.inn, a->req.kpp);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (rc == OB_DB_ROW)
        return ob_err_set(&ctx->err, OB_ECONFLICT,
                          *a->req.kpp ? "questionnaire.inn_kpp_taken" : "questionnaire.inn_taken",
                          "partner=%lld inn=%s kpp=%s", (long long)dup, a->req.inn, a->req.kpp);
    if ((rc = ob_person_ensure(ctx, a->contact_email, a->contact_name, a->lang, &person, NULL)) ||
        (rc = ob_partner_create(ctx, &a->req, person, &partner)) != 0 ||
        (rc = claim(ctx, d->id, "approved", "", partner, a)) != 0 ||
        (rc = ob_auth_link_send(ctx, person, "activate", "partner_approved", a->req.name)) != 0 ||
        (rc = ob_audit_with(ctx, partner, "partner_application.approved",
                            "partner_application", d->id,
                            json_pack("{s:s, s:s}", "name", a->req.name, "email",
                                      a->contact_email),
                       "questionnaire of '%s': submitted → approved; partner %lld, owner %s",
                       a->req.name, (long long)partner, a->contact_email)) != 0 ||
        (rc = decided_event(ctx, d->id, a, "approved", "", partner)) != 0)
        return rc;
    return load(ctx, d->id, a);
}

int
ob_questionnaire_approve(struct ob_ctx *ctx, int64_t id, struct ob_questionnaire *out)
{
    struct decide_args d = { id, NULL, out };
    int rc = ob_access_provider(ctx, OB_ROLE_ADMIN | OB_ROLE_OPERATOR);

    return rc ? rc : ob_db_tx(ctx, OB_DB_WRITE, approve, &d);
}

static int
reject(struct ob_ctx *ctx, void *arg)
{
    struct decide_args *d = arg;
    struct ob_questionnaire *a = d->out;
    json_t *vars;
    int rc;

    if ((rc = claim(ctx, d->id, "rejected", d->reason, 0, a)) != 0)
        return rc;
    vars = json_pack("{s:s, s:s, s:s}", "name", a->contact_name, "account", a->req.name, "reason",
                     d->reason);
    rc = ob_outbox_add(ctx, a->contact_email, a->lang, "partner_rejected", vars, 0);
    json_decref(vars);
    if (rc != 0 ||
        (rc = ob_audit_with(ctx, 0, "partner_application.rejected", "partner_application",
                            d->id,
                            json_pack("{s:s, s:s}", "name", a->req.name, "reason", d->reason),
                       "questionnaire of '%s': submitted → rejected: %s", a->req.name,
                       d->reason)) != 0 ||
        (rc = decided_event(ctx, d->id, a, "rejected", d->reason, 0)) != 0)
        return rc;
    return load(ctx, d->id, a);
}

int
ob_questionnaire_reject(struct ob_ctx *ctx, int64_t id, const char *reason,
                      struct ob_questionnaire *out)
{
    struct decide_args d = { id, reason, out };
    int rc;

    if ((rc = ob_access_provider(ctx, OB_ROLE_ADMIN | OB_ROLE_OPERATOR)) != 0 ||
        (rc = ob_check_text(ctx, reason, 1000, true, "reason")) != 0)
        return rc;
    return ob_db_tx(ctx, OB_DB_WRITE, reject, &d);
}
