/*
 * requests.c — GET/POST /api/v1/requests, POST /api/v1/requests/{id}/decision
 * (R-ACC-3: a partner's requisites change; R-SUB-2: a subscription's change or
 * cancellation; R-ONB-4: a trial's new end), GET /api/v1/requests/{id}/quote
 * (what applying it would change, shown before the decision).
 */
#include <string.h>

#include "api/api.h"
#include "api/handlers.h"
#include "api/list.h"
#include "base/ctx.h"
#include "base/date.h"
#include "model/requests/request.h"
#include "model/statements/close.h"
#include "model/statements/statement.h"
#include "base/banned.h"

static json_t *
request_json(const struct ob_request *r)
{
    json_t *changes = json_loads(r->changes, 0, NULL);
    json_t *o = json_pack(
        "{s:I, s:s, s:{s:I, s:s}, s:o, s:s, s:s, s:s, s:o, s:o, s:o, s:b}", "id",
        (json_int_t)r->id, "kind", r->kind, "partner", "id", (json_int_t)r->partner, "name",
        r->partner_name, "changes", changes ? changes : json_object(), "reason", r->reason,
        "state", r->state, "decision_note", r->decision_note, "filed_by",
        r->filed_by ? json_pack("{s:I, s:s}", "id", (json_int_t)r->filed_by, "email",
                                r->filed_by_email)
                    : json_null(),
        "filed_at", ob_api_instant(r->filed_at), "decided_at", ob_api_instant(r->decided_at),
        "late", r->late);

    json_object_set_new(o, "subscription",
                        r->subscription
                            ? json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:{s:I, s:s}}", "id",
                                        (json_int_t)r->subscription, "kind", r->sub_kind,
                                        "tariff", r->sub_tariff, "start", r->sub_start, "end",
                                        r->sub_end, "state", r->sub_state, "subscriber", "id",
                                        (json_int_t)r->subscriber, "name", r->subscriber_name)
                            : json_null());
    if (r->subscription) {
        json_t *sub = json_object_get(o, "subscription");

        json_object_set_new(sub, "tariff_name_ru", ob_api_str(r->sub_tariff_ru));
        json_object_set_new(sub, "tariff_name_en", ob_api_str(r->sub_tariff_en));
    }
    return o;
}

static int
change_int(struct ob_req *req, json_t *c, const char *name, int *out)
{
    json_t *v = json_object_get(c, name);

    if (!v || json_is_null(v))
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 100000)
        return ob_err_field(&req->ctx->err, OB_EINVAL,
                            ob_arena_printf(&req->ctx->arena, "changes.%s", name),
                            "request.change_number", "name=%s", name);
    *out = (int)json_integer_value(v);
    return 0;
}

static int
change_str(struct ob_req *req, json_t *c, const char *name, const char **out)
{
    json_t *v = json_object_get(c, name);

    if (!v || json_is_null(v))
        return 0;
    if (json_is_integer(v) && !strcmp(name, "tariff") && json_integer_value(v) > 0) {
        *out = ob_arena_printf(&req->ctx->arena, "%lld", (long long)json_integer_value(v));
        return 0;
    }
    if (!json_is_string(v) || !*json_string_value(v) || strlen(json_string_value(v)) > 100)
        return ob_err_field(&req->ctx->err, OB_EINVAL,
                            ob_arena_printf(&req->ctx->arena, "changes.%s", name),
                            "request.change_text", "name=%s", name);
    *out = ob_arena_strdup(&req->ctx->arena, json_string_value(v));
    return 0;
}

static int
change_bool(struct ob_req *req, json_t *d, const char *name, int *out)
{
    json_t *v = d ? json_object_get(d, name) : NULL;

    *out = -1;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_boolean(v))
        return ob_err_field(&req->ctx->err, OB_EINVAL,
                            ob_arena_printf(&req->ctx->arena, "changes.declarations.%s", name),
                            "request.declaration_boolean", "name=%s", name);
    *out = json_is_true(v);
    return 0;
}

/* The changes of a subscription_change (R-SUB-2). */
static int
read_changes(struct ob_req *req, struct ob_subscription_change *ch)
{
    static const char *const fields[] = { "term_months", "start", "tariff", "quantity",
                                          "declarations", NULL };
    static const char *const dfields[] = { "new_client", "from_local_its", NULL };
    json_t *c = json_object_get(req->json, "changes"), *d;
    int rc;

    if (!json_is_object(c))
        return ob_err_field(&req->ctx->err, OB_EINVAL, "changes", "request.changes_not_object");
    d = json_object_get(c, "declarations");
    if (d && !json_is_null(d) && !json_is_object(d))
        return ob_err_field(&req->ctx->err, OB_EINVAL, "changes.declarations", "field.object");
    if ((rc = ob_api_only_members(req, c, "changes.", fields)) != 0 ||
        (json_is_object(d) &&
         (rc = ob_api_only_members(req, d, "changes.declarations.", dfields)) != 0) ||
        (rc = change_int(req, c, "term_months", &ch->term_months)) != 0 ||
        (rc = change_int(req, c, "quantity", &ch->quantity)) != 0 ||
        (rc = change_str(req, c, "start", &ch->start)) != 0 ||
        (rc = change_str(req, c, "tariff", &ch->tariff)) != 0 ||
        (rc = change_bool(req, json_is_object(d) ? d : NULL, "new_client", &ch->new_client)) ||
        (rc = change_bool(req, json_is_object(d) ? d : NULL, "from_local_its",
                          &ch->from_local_its)) != 0)
        return rc;
    return 0;
}

/* R-SUB-2, R-ONB-4: a request about one subscription. */
static int
create_subscription_request(struct ob_req *req, struct ob_resp *resp, const char *kind,
                            const char *reason)
{
    struct ob_subscription_change ch = { .new_client = -1, .from_local_its = -1 };
    struct ob_request r = { 0 };
    int64_t sub;
    int rc;

    if ((rc = ob_api_req_int(req, "subscription", &sub)) != 0)
        return rc;
    if (!sub)
        return ob_err_field(&req->ctx->err, OB_EINVAL, "subscription",
                            "request.subscription_required");
    if (!strcmp(kind, "subscription_change") && (rc = read_changes(req, &ch)) != 0)
        return rc;
    if (!strcmp(kind, "trial_change") && (rc = ob_req_str(req, "end", 20, true, &ch.end)) != 0)
        return rc;
    if ((rc = ob_request_file_subscription(req->ctx, kind, sub, &ch, reason, &r)) != 0)
        return rc;
    return ob_resp_json(resp, 201, request_json(&r));
}

static const char *const payer_fields[] = { "settle_with", "distributor", NULL };

/* R-BIL-1: the payer asked in a requisites request: settle_with
 * ("provider" | "distributor") and the distributor's id. */
static int
read_payer(struct ob_req *req, json_t *c, struct ob_requisites *ch)
{
    json_t *s = json_object_get(c, "settle_with"), *d = json_object_get(c, "distributor");

    if (s && !json_is_null(s)) {
        if (!json_is_string(s) || json_string_length(s) > 32)
            return ob_err_field(&req->ctx->err, OB_EINVAL, "changes.settle_with",
                                "request.settle_with_format");
        ch->settle_with = json_string_value(s);
    }
    if (d && !json_is_null(d)) {
        if (!json_is_integer(d) || json_integer_value(d) <= 0)
            return ob_err_field(&req->ctx->err, OB_EINVAL, "changes.distributor", "field.id");
        ch->distributor = json_integer_value(d);
    }
    return 0;
}

int
ob_api_requests_create(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_ctx *ctx = req->ctx;
    json_t *changes = json_object_get(req->json, "changes");
    struct ob_requisites ch;
    struct ob_request r = { 0 };
    const char *kind, *reason;
    int64_t partner;
    int rc;

    if ((rc = ob_req_object(req)) != 0 || (rc = ob_req_str(req, "kind", 64, true, &kind)) != 0 ||
        (rc = ob_req_str(req, "reason", 4000, true, &reason)) != 0)
        return rc;
    if (!strcmp(kind, "subscription_change") || !strcmp(kind, "subscription_cancel") ||
        !strcmp(kind, "trial_change"))
        return create_subscription_request(req, resp, kind, reason);
    if ((rc = ob_api_req_int(req, "partner", &partner)) != 0)
        return rc;
    if (strcmp(kind, "requisites"))
        return ob_err_field(&ctx->err, OB_EINVAL, "kind", "request.kind_format");
    if (!partner)
        return ob_err_field(&ctx->err, OB_EINVAL, "partner", "request.partner_required");
    if (!json_is_object(changes))
        return ob_err_field(&ctx->err, OB_EINVAL, "changes", "request.requisites_not_object");
    if ((rc = ob_api_requisites(req, changes, "changes.", payer_fields, &ch)) != 0 ||
        (rc = read_payer(req, changes, &ch)) != 0 ||
        (rc = ob_request_file_requisites(ctx, partner, &ch, reason, &r)) != 0)
        return rc;
    return ob_resp_json(resp, 201, request_json(&r));
}

static int
row(const struct ob_request *r, void *arg)
{
    return ob_list_add(arg, r->id, request_json(r));
}

int
ob_api_requests_list(struct ob_req *req, struct ob_resp *resp)
{
    const char *state = ob_req_query(req, "state"), *kind = ob_req_query(req, "kind");
    struct ob_list l;
    int rc;

    if ((rc = ob_list_begin(req, &l)) != 0)
        return rc;
    l.name = "requests";
    if ((rc = ob_request_list(req->ctx, state && *state ? state : NULL,
                              kind && *kind ? kind : NULL, l.after, l.limit, row, &l)) != 0) {
        ob_list_free(&l);
        return rc;
    }
    return ob_list_end(req, resp, &l);
}

int
ob_api_requests_decide(struct ob_req *req, struct ob_resp *resp)
{
    const char *decision, *note;
    struct ob_request r = { 0 };
    int64_t id;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_req_object(req)) != 0 ||
        (rc = ob_req_str(req, "decision", 32, true, &decision)) != 0 ||
        (rc = ob_req_str(req, "note", 4000, false, &note)) != 0 ||
        (rc = ob_request_decide(req->ctx, id, decision, note, &r)) != 0)
        return rc;
    return ob_resp_json(resp, 200, request_json(&r));
}


/* One side of a quote: what the decision weighs. */
static json_t *
side_json(const struct ob_subscription *s)
{
    return json_pack("{s:{s:s, s:s, s:s}, s:o, s:o, s:o, s:i, s:i, s:I, s:{s:i, s:s}, s:I, s:s}",
                     "tariff", "code", s->tariff_code, "name_ru",
                     s->tariff_name_ru ? s->tariff_name_ru : "", "name_en",
                     s->tariff_name ? s->tariff_name : "", "start", ob_api_day(s->start), "end",
                     ob_api_day(s->end), "through", ob_api_day(s->end - 1), "term_months",
                     s->term_months, "quantity", s->quantity, "price", (json_int_t)s->price,
                     "discount", "pct", s->discount_pct, "rule",
                     s->discount_rule ? s->discount_rule : "", "amount_due",
                     (json_int_t)s->amount_due, "state", s->state ? s->state : "");
}

/* The statement month of the posting, and whether applying makes a
 * correcting line (R-BIL-3): the month is closed and the amount moves. */
static int
statement_json(struct ob_req *req, const struct ob_subscription *before,
               const struct ob_subscription *after, json_t **out)
{
    char month[8];
    bool closed = false;
    int rc;

    ob_statement_month_of(before->posted_at, month);
    if ((rc = ob_statement_month_closed(req->ctx, month, &closed)) != 0)
        return rc;
    *out = json_pack("{s:s, s:s, s:b}", "month", month, "state", closed ? "closed" : "open",
                     "correction", closed && (after->amount_due != before->amount_due ||
                                              after->price != before->price));
    return 0;
}

int
ob_api_requests_quote(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_subscription before, after;
    struct ob_request r = { 0 };
    json_t *statement = NULL;
    int64_t id;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 ||
        (rc = ob_request_quote(req->ctx, id, &r, &before, &after)) != 0 ||
        (rc = statement_json(req, &before, &after, &statement)) != 0)
        return rc;
    return ob_resp_json(
        resp, 200,
        json_pack("{s:I, s:s, s:{s:I, s:s}, s:o, s:o, s:{s:I, s:I}, s:o}", "request",
                  (json_int_t)id, "kind", r.kind, "subscriber", "id",
                  (json_int_t)before.subscriber, "name", before.subscriber_name, "before",
                  side_json(&before), "after", side_json(&after), "difference", "price",
                  (json_int_t)(after.price - before.price), "amount_due",
                  (json_int_t)(after.amount_due - before.amount_due), "statement", statement));
}
