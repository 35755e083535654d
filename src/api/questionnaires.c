/*
 * questionnaires.c — POST /api/v1/partner-applications (public),
 * GET /api/v1/partner-applications, POST …/{id}/approve, POST …/{id}/reject
 * (R-ACC-6).
 */
#include "api/api.h"
#include "api/handlers.h"
#include "api/list.h"
#include "base/ctx.h"
#include "model/parties/questionnaire.h"
#include "base/banned.h"

static json_t *
app_json(const struct ob_questionnaire *a)
{
    const struct ob_requisites *r = &a->req;

    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
                     "s:s, s:o, s:o, s:o}",
                     "id", (json_int_t)a->id, "name", r->name, "inn", r->inn, "kpp", r->kpp,
                     "phone", r->phone, "email", r->email, "site", r->site, "address",
                     r->address, "region", r->region, "contact_name", a->contact_name,
                     "contact_email", a->contact_email, "comment", a->comment, "lang", a->lang,
                     "state", a->state, "reason", a->reason, "partner_id",
                     a->partner ? json_integer(a->partner) : json_null(), "created_at",
                     ob_api_instant(a->created_at), "decided_at", ob_api_instant(a->decided_at));
}

int
ob_api_questionnaires_create(struct ob_req *req, struct ob_resp *resp)
{
    static const char *const extra[] = { "contact_name", "contact_email", "comment", "lang",
                                         NULL };
    struct ob_questionnaire a = { 0 };
    int rc;

    if ((rc = ob_req_object(req)) != 0 ||
        (rc = ob_api_requisites(req, req->json, "", extra, &a.req)) != 0 ||
        (rc = ob_req_str(req, "contact_name", 2000, true, &a.contact_name)) != 0 ||
        (rc = ob_req_str(req, "contact_email", 2000, true, &a.contact_email)) != 0 ||
        (rc = ob_req_str(req, "comment", 8000, false, &a.comment)) != 0 ||
        (rc = ob_req_str(req, "lang", 8, false, &a.lang)) != 0 ||
        (rc = ob_questionnaire_submit(req->ctx, &a)) != 0)
        return rc;
    return ob_resp_json(resp, 201, app_json(&a));
}

static int
row(const struct ob_questionnaire *a, void *arg)
{
    return ob_list_add(arg, a->id, app_json(a));
}

int
ob_api_questionnaires_list(struct ob_req *req, struct ob_resp *resp)
{
    const char *state = ob_req_query(req, "state");
    struct ob_list l;
    int rc;

    if ((rc = ob_list_begin(req, &l)) != 0)
        return rc;
    l.name = "partner-applications";
    if ((rc = ob_questionnaire_list(req->ctx, state && *state ? state : NULL, l.after, l.limit, row,
                                  &l)) != 0) {
        ob_list_free(&l);
        return rc;
    }
    return ob_list_end(req, resp, &l);
}

int
ob_api_questionnaires_approve(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_questionnaire a = { 0 };
    int64_t id;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 ||
        (rc = ob_questionnaire_approve(req->ctx, id, &a)) != 0)
        return rc;
    return ob_resp_json(resp, 200, app_json(&a));
}

int
ob_api_questionnaires_reject(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_questionnaire a = { 0 };
    const char *reason;
    int64_t id;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_req_object(req)) != 0 ||
        (rc = ob_req_str(req, "reason", 4000, true, &reason)) != 0 ||
        (rc = ob_questionnaire_reject(req->ctx, id, reason, &a)) != 0)
        return rc;
    return ob_resp_json(resp, 200, app_json(&a));
}
