/*
 * its.c — GET/POST /api/v1/its-contracts, GET /api/v1/its-contracts/{contract}
 * (R-SUB-6): local ITS contracts the provider keeps; partners read
 * their own.
 */
#include "api/api.h"
#include "api/handlers.h"
#include "api/list.h"
#include "base/ctx.h"
#include "model/identity/access.h"
#include "model/subscriptions/its.h"
#include "base/banned.h"

static json_t *
its_json(const struct ob_its_contract *c)
{
    return json_pack("{s:I, s:s, s:s, s:{s:I, s:s}, s:s, s:o, s:o, s:s, s:s, s:s, s:o}", "id",
                     (json_int_t)c->id, "number", c->number, "level", c->level, "partner", "id",
                     (json_int_t)c->partner, "name", c->partner_name, "inn", c->inn,
                     "subscriber", c->subscriber ? json_integer(c->subscriber) : json_null(),
                     "subscriber_name", ob_api_str(c->subscriber_name),
                     "valid_from", c->valid_from, "valid_to", c->valid_to, "note", c->note,
                     "created_at", ob_api_instant(c->created_at));
}

static int
its_row(const struct ob_its_contract *c, void *arg)
{
    return ob_list_add(arg, c->id, its_json(c));
}

int
ob_api_its_list(struct ob_req *req, struct ob_resp *resp)
{
    const char *inn = ob_req_query(req, "inn");
    int64_t partner, subscriber;
    struct ob_list l;
    int rc;

    if ((rc = ob_api_query_id(req, "partner", &partner)) != 0 ||
        (rc = ob_api_query_id(req, "subscriber", &subscriber)) != 0 ||
        (rc = ob_list_begin(req, &l)) != 0)
        return rc;
    l.name = "its-contracts";
    if ((rc = ob_its_list(req->ctx, partner, subscriber, inn, l.after, l.limit, its_row, &l))) {
        ob_list_free(&l);
        return rc;
    }
    return ob_list_end(req, resp, &l);
}

int
ob_api_its_create(struct ob_req *req, struct ob_resp *resp)
{
    static const char *const fields[] = { "number", "level", "partner", "inn", "subscriber",
                                          "valid_from", "valid_to", "note", NULL };
    struct ob_its_contract c;
    struct ob_its_new in = { 0 };
    int64_t id = 0;
    int rc;

    if ((rc = ob_access_provider(req->ctx, OB_ROLE_ADMIN | OB_ROLE_OPERATOR)) != 0 ||
        (rc = ob_req_object(req)) != 0 || (rc = ob_api_only_members(req, req->json, "", fields)) ||
        (rc = ob_req_str(req, "number", 40, true, &in.number)) != 0 ||
        (rc = ob_req_str(req, "level", 16, true, &in.level)) != 0 ||
        (rc = ob_api_req_int(req, "partner", &in.partner)) != 0 ||
        (rc = ob_req_str(req, "inn", 12, false, &in.inn)) != 0 ||
        (rc = ob_api_req_int(req, "subscriber", &in.subscriber)) != 0 ||
        (rc = ob_req_str(req, "valid_from", 10, true, &in.valid_from)) != 0 ||
        (rc = ob_req_str(req, "valid_to", 10, true, &in.valid_to)) != 0 ||
        (rc = ob_req_str(req, "note", 1000, false, &in.note)) != 0 ||
        (rc = ob_its_create(req->ctx, &in, &id)) != 0 || (rc = ob_its_get(req->ctx, id, &c)) != 0)
        return rc;
    return ob_resp_json(resp, 201, its_json(&c));
}

int
ob_api_its_get(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_its_contract c;
    int64_t id = 0;
    int rc;

    if ((rc = ob_req_id(req, "contract", &id)) != 0 || (rc = ob_its_get(req->ctx, id, &c)) != 0)
        return rc;
    return ob_resp_json(resp, 200, its_json(&c));
}
