/*
 * requests.c — GET/POST /api/v1/requests, POST /api/v1/requests/{id}/decision
 * (R-ACC-3: a partner's requisites change; other kinds come later).
 */
#include <string.h>

#include "api/accounts.h"
#include "api/api.h"
#include "api/handlers.h"
#include "api/list.h"
#include "base/ctx.h"
#include "model/request.h"
#include "base/banned.h"

static json_t *
request_json(const struct ob_request *r)
{
    json_t *changes = json_loads(r->changes, 0, NULL);

    return json_pack("{s:I, s:s, s:{s:I, s:s}, s:o, s:s, s:s, s:s, s:o, s:o, s:o}", "id",
                     (json_int_t)r->id, "kind", r->kind, "partner", "id",
                     (json_int_t)r->partner, "name", r->partner_name, "changes",
                     changes ? changes : json_object(), "reason", r->reason, "state", r->state,
                     "decision_note", r->decision_note, "filed_by",
                     r->filed_by ? json_pack("{s:I, s:s}", "id", (json_int_t)r->filed_by,
                                             "email", r->filed_by_email)
                                 : json_null(),
                     "filed_at", ob_api_instant(r->filed_at), "decided_at",
                     ob_api_instant(r->decided_at));
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
        (rc = ob_req_str(req, "reason", 4000, true, &reason)) != 0 ||
        (rc = ob_api_req_int(req, "partner", &partner)) != 0)
        return rc;
    if (strcmp(kind, "requisites"))
        return ob_err_field(&ctx->err, OB_EINVAL, "kind",
                            "'kind' must be 'requisites' (other requests are filed elsewhere)");
    if (!partner)
        return ob_err_field(&ctx->err, OB_EINVAL, "partner", "'partner' (a partner id) is required");
    if (!json_is_object(changes))
        return ob_err_field(&ctx->err, OB_EINVAL, "changes",
                            "'changes' must be an object of the requisites to change");
    if ((rc = ob_api_requisites(req, changes, "changes.", NULL, &ch)) != 0 ||
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
