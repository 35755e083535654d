/*
 * distributors.c — GET/POST /api/v1/distributors, GET/PATCH/DELETE
 * /api/v1/distributors/{id}, GET /api/v1/partners/{id}/payers (R-BIL-1:
 * who a partner's statements are addressed to).
 */
#include <string.h>

#include "api/api.h"
#include "api/handlers.h"
#include "api/list.h"
#include "base/ctx.h"
#include "model/identity/access.h"
#include "model/parties/distributor.h"
#include "base/banned.h"

static json_t *
distributor_json(const struct ob_distributor *d)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:o, s:o}", "id",
                     (json_int_t)d->id, "name", d->name, "inn", d->inn, "kpp", d->kpp, "address",
                     d->address, "email", d->email, "state", d->state, "partners",
                     (json_int_t)d->partners, "created_at", ob_api_instant(d->created_at),
                     "updated_at", ob_api_instant(d->updated_at));
}

static int
row(const struct ob_distributor *d, void *arg)
{
    return ob_list_add(arg, d->id, distributor_json(d));
}

int
ob_api_distributors_list(struct ob_req *req, struct ob_resp *resp)
{
    const char *q = ob_req_query(req, "q"), *state = ob_req_query(req, "state");
    struct ob_list l;
    int rc;

    if ((rc = ob_list_begin(req, &l)) != 0)
        return rc;
    l.name = "distributors";
    if ((rc = ob_distributor_list(req->ctx, q, state && *state ? state : NULL, l.after, l.limit,
                                  row, &l)) != 0) {
        ob_list_free(&l);
        return rc;
    }
    return ob_list_end(req, resp, &l);
}

/* The body's fields: name, inn, kpp, address, email, state (all optional here). */
static int
read_body(struct ob_req *req, struct ob_distributor *d)
{
    static const char *const fields[] = { "name", "inn", "kpp", "address", "email", "state",
                                          NULL };
    int rc;

    memset(d, 0, sizeof(*d));
    if ((rc = ob_req_object(req)) != 0 ||
        (rc = ob_api_only_members(req, req->json, "", fields)) != 0 ||
        (rc = ob_req_str(req, "name", 400, false, &d->name)) != 0 ||
        (rc = ob_req_str(req, "inn", 40, false, &d->inn)) != 0 ||
        (rc = ob_req_str(req, "kpp", 40, false, &d->kpp)) != 0 ||
        (rc = ob_req_str(req, "address", 1000, false, &d->address)) != 0 ||
        (rc = ob_req_str(req, "email", 400, false, &d->email)) != 0 ||
        (rc = ob_req_str(req, "state", 32, false, &d->state)) != 0)
        return rc;
    return 0;
}

static int
respond(struct ob_req *req, struct ob_resp *resp, int status, int64_t id)
{
    struct ob_distributor d;
    int rc = ob_distributor_get(req->ctx, id, &d);

    return rc ? rc : ob_resp_json(resp, status, distributor_json(&d));
}

int
ob_api_distributors_create(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_distributor d;
    int64_t id = 0;
    int rc;

    /* the actor first: a refusal is about who asks, not about the body */
    if ((rc = ob_access_provider(req->ctx, OB_ROLE_ADMIN)) != 0 || (rc = read_body(req, &d)) != 0 ||
        (rc = ob_distributor_create(req->ctx, &d, &id)) != 0)
        return rc;
    return respond(req, resp, 201, id);
}

int
ob_api_distributors_get(struct ob_req *req, struct ob_resp *resp)
{
    int64_t id;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0)
        return rc;
    return respond(req, resp, 200, id);
}

int
ob_api_distributors_patch(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_distributor d;
    int64_t id;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 ||
        (rc = ob_access_provider(req->ctx, OB_ROLE_ADMIN)) != 0 || (rc = read_body(req, &d)) != 0 ||
        (rc = ob_distributor_update(req->ctx, id, &d)) != 0)
        return rc;
    return respond(req, resp, 200, id);
}

int
ob_api_distributors_delete(struct ob_req *req, struct ob_resp *resp)
{
    int64_t id;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_distributor_delete(req->ctx, id)) != 0)
        return rc;
    resp->status = 204;
    return 0;
}

static int
choice_row(const struct ob_distributor *d, void *arg)
{
    return json_array_append_new(arg, json_pack("{s:s, s:I, s:s}", "kind", "distributor", "id",
                                                (json_int_t)d->id, "name", d->name));
}

int
ob_api_partner_payers(struct ob_req *req, struct ob_resp *resp)
{
    json_t *items = json_array();
    int64_t id;
    int rc;

    json_array_append_new(items, json_pack("{s:s, s:n}", "kind", "provider", "id"));
    if ((rc = ob_req_id(req, "id", &id)) != 0 ||
        (rc = ob_distributor_choices(req->ctx, id, choice_row, items)) != 0) {
        json_decref(items);
        return rc;
    }
    return ob_resp_json(resp, 200, json_pack("{s:o}", "items", items));
}
