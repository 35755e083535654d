/*
 * partners.c — GET /api/v1/partners, GET /api/v1/partners/{id},
 * GET/POST /api/v1/partners/{id}/statuses, DELETE …/statuses/{sid},
 * GET/POST /api/v1/partners/{id}/employees, PATCH/DELETE …/employees/{person}
 * (R-ACC-4, R-ACT-3); and the helpers of api/accounts.h.
 */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/handlers.h"
#include "api/list.h"
#include "base/ctx.h"
#include "base/date.h"
#include "model/parties/invite.h"
#include "model/notices/reminder.h"
#include "model/parties/partner.h"
#include "base/banned.h"

/* ---- shared helpers (api/accounts.h) ------------------------------------------------- */

/* ---- partners ------------------------------------------------------------------------ */

static int
status_row(const struct ob_partner_status *s, void *arg)
{
    json_array_append_new(arg, json_pack("{s:I, s:s, s:s, s:o, s:s, s:b, s:o, s:o}", "id",
                                         (json_int_t)s->id, "status", s->status, "valid_from",
                                         s->valid_from, "valid_to", ob_api_str(s->valid_to),
                                         "note", s->note, "active", s->active, "created_at",
                                         ob_api_instant(s->created_at), "withdrawn_at",
                                         ob_api_instant(s->withdrawn_at)));
    return 0;
}

static int
in_force_row(const struct ob_partner_status *s, void *arg)
{
    return s->withdrawn_at ? 0 : status_row(s, arg);
}

static json_t *
partner_json(struct ob_ctx *ctx, const struct ob_partner *p)
{
    const struct ob_requisites *r = &p->req;
    json_t *statuses = json_array();

    json_t *o;

    if (ob_partner_statuses(ctx, p->id, in_force_row, statuses) != 0)
        ob_err_clear(&ctx->err);
    o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "id",
                     (json_int_t)p->id, "name", r->name, "inn", r->inn, "kpp", r->kpp, "phone",
                     r->phone, "email", r->email, "site", r->site, "address", r->address,
                     "region", r->region, "state", p->state, "own_subscriber",
                     p->own_subscriber ? json_pack("{s:I, s:I}", "id",
                                                   (json_int_t)p->own_subscriber, "code",
                                                   (json_int_t)p->own_code)
                                       : json_null(),
                     "statuses", statuses, "created_at", ob_api_instant(p->created_at));

    /* R-NOT-1: its own reminder offsets, NULL: the provider's */
    {
        char offsets[64];

        if (ob_reminder_partner_offsets_get(ctx, p->id, offsets, sizeof(offsets)) != 0)
            ob_err_clear(&ctx->err);
        json_object_set_new(o, "reminder_offsets", offsets[0] ? json_string(offsets) : json_null());
    }
    /* R-BIL-1: who its statements are addressed to */
    json_object_set_new(o, "settle_with", json_string(p->settle_with));
    json_object_set_new(o, "distributor",
                        p->distributor ? json_pack("{s:I, s:s}", "id", (json_int_t)p->distributor,
                                                   "name", p->distributor_name)
                                       : json_null());
    return o;
}

struct rows {
    struct ob_ctx *ctx;
    struct ob_list *l;
    int64_t after;
};

static int
partner_row(const struct ob_partner *p, void *arg)
{
    struct rows *r = arg;

    return ob_list_add(r->l, p->id, partner_json(r->ctx, p));
}

int
ob_api_partners_list(struct ob_req *req, struct ob_resp *resp)
{
    const char *q = ob_req_query(req, "q");
    struct ob_list l;
    struct rows r = { req->ctx, &l, 0 };
    int rc;

    if ((rc = ob_list_begin(req, &l)) != 0)
        return rc;
    l.name = "partners";
    if ((rc = ob_partner_list(req->ctx, q, l.after, l.limit, partner_row, &r)) != 0) {
        ob_list_free(&l);
        return rc;
    }
    return ob_list_end(req, resp, &l);
}

int
ob_api_partners_get(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_partner p = { 0 };
    int64_t id;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_partner_get(req->ctx, id, &p)) != 0)
        return rc;
    return ob_resp_json(resp, 200, partner_json(req->ctx, &p));
}

/* PATCH /api/v1/partners/{id}: what the provider sets on a partner; now its
 * own reminder offsets (R-NOT-1), a string like "-7,-3,0,5" or null. */
int
ob_api_partners_patch(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_partner p = { 0 };
    const char *offsets = NULL, *stored;
    int64_t id;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_req_object(req)) != 0 ||
        (rc = ob_req_str(req, "reminder_offsets", 63, false, &offsets)) != 0 ||
        (rc = ob_reminder_partner_offsets_set(req->ctx, id, offsets, &stored)) != 0 ||
        (rc = ob_partner_get(req->ctx, id, &p)) != 0)
        return rc;
    return ob_resp_json(resp, 200, partner_json(req->ctx, &p));
}

/* ---- statuses ------------------------------------------------------------------------ */

static int
status_list_row(const struct ob_partner_status *s, void *arg)
{
    struct rows *r = arg;
    json_t *one = json_array();
    int rc;

    if (r->after && s->id <= r->after)
        return 0;
    status_row(s, one);
    rc = ob_list_add(r->l, s->id, json_incref(json_array_get(one, 0)));
    json_decref(one);
    return rc;
}

int
ob_api_partner_statuses_list(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_partner p = { 0 };
    struct ob_list l;
    struct rows r = { req->ctx, &l, 0 };
    int64_t id;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_partner_get(req->ctx, id, &p)) != 0 ||
        (rc = ob_list_begin(req, &l)) != 0)
        return rc;
    l.name = "partner-statuses";
    r.after = l.after;
    if ((rc = ob_partner_statuses(req->ctx, id, status_list_row, &r)) != 0) {
        ob_list_free(&l);
        return rc;
    }
    return ob_list_end(req, resp, &l);
}

struct find {
    int64_t id;
    json_t *found;          /* an array that gets the matching status */
};

static int
one_status(const struct ob_partner_status *s, void *arg)
{
    struct find *f = arg;

    return s->id == f->id ? status_row(s, f->found) : 0;
}

int
ob_api_partner_statuses_create(struct ob_req *req, struct ob_resp *resp)
{
    const char *status, *from, *to, *note;
    struct find f = { 0, NULL };
    int64_t id;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_req_object(req)) != 0 ||
        (rc = ob_req_str(req, "status", 32, true, &status)) != 0 ||
        (rc = ob_req_str(req, "valid_from", 32, true, &from)) != 0 ||
        (rc = ob_req_str(req, "valid_to", 32, false, &to)) != 0 ||
        (rc = ob_req_str(req, "note", 4000, false, &note)) != 0 ||
        (rc = ob_partner_status_add(req->ctx, id, status, from, to, note, &f.id)) != 0)
        return rc;
    f.found = json_array();
    if ((rc = ob_partner_statuses(req->ctx, id, one_status, &f)) == 0)
        rc = ob_resp_json(resp, 201, json_incref(json_array_get(f.found, 0)));
    json_decref(f.found);
    return rc;
}

int
ob_api_partner_statuses_delete(struct ob_req *req, struct ob_resp *resp)
{
    int64_t id, sid;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_req_id(req, "sid", &sid)) != 0 ||
        (rc = ob_partner_status_withdraw(req->ctx, id, sid)) != 0)
        return rc;
    resp->status = 204;
    return 0;
}

/* ---- employees ----------------------------------------------------------------------- */

static int
member_row(const struct ob_account_member *m, void *arg)
{
    return ob_list_add(arg, m->person, ob_api_member(m, 0));
}

int
ob_api_partner_employees_list(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_list l;
    int64_t id;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_list_begin(req, &l)) != 0)
        return rc;
    l.name = "employees";
    if ((rc = ob_partner_employees(req->ctx, id, l.after, l.limit, member_row, &l)) != 0) {
        ob_list_free(&l);
        return rc;
    }
    return ob_list_end(req, resp, &l);
}

int
ob_api_partner_employees_create(struct ob_req *req, struct ob_resp *resp)
{
    const char *email, *name, *roles;
    struct ob_invite v;
    int64_t id;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_req_object(req)) != 0 ||
        (rc = ob_req_str(req, "email", 400, true, &email)) != 0 ||
        (rc = ob_req_str(req, "name", 400, false, &name)) != 0 ||
        (rc = ob_api_req_roles(req, &roles)) != 0)
        return rc;
    if (!roles)
        return ob_err_field(&req->ctx->err, OB_EINVAL, "roles", "field.required");
    if ((rc = ob_partner_employee_add(req->ctx, id, email, name, roles, &v)) != 0)
        return rc;
    return ob_resp_json(resp, 202, ob_api_invited(&v, 0));
}

int
ob_api_partner_employees_patch(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_account_member m = { 0 };
    const char *roles;
    int64_t id, person;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_req_id(req, "person", &person)) != 0 ||
        (rc = ob_req_object(req)) != 0 || (rc = ob_api_req_roles(req, &roles)) != 0)
        return rc;
    if (!roles)
        return ob_err_field(&req->ctx->err, OB_EINVAL, "roles", "field.required");
    if ((rc = ob_partner_employee_set(req->ctx, id, person, roles, &m)) != 0)
        return rc;
    return ob_resp_json(resp, 200, ob_api_member(&m, 0));
}

int
ob_api_partner_employees_delete(struct ob_req *req, struct ob_resp *resp)
{
    int64_t id, person;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_req_id(req, "person", &person)) != 0 ||
        (rc = ob_partner_employee_remove(req->ctx, id, person)) != 0)
        return rc;
    resp->status = 204;
    return 0;
}
