/*
 * partners.c — GET /api/v1/partners, GET /api/v1/partners/{id},
 * GET/POST /api/v1/partners/{id}/statuses, DELETE …/statuses/{sid},
 * GET/POST /api/v1/partners/{id}/employees, PATCH/DELETE …/employees/{person}
 * (R-ACC-4, R-ACT-3); and the helpers of api/accounts.h.
 */
#include <stdlib.h>
#include <string.h>

#include "api/accounts.h"
#include "api/api.h"
#include "api/handlers.h"
#include "api/list.h"
#include "base/ctx.h"
#include "base/date.h"
#include "model/parties/invite.h"
#include "model/parties/partner.h"
#include "base/banned.h"

/* ---- shared helpers (api/accounts.h) ------------------------------------------------- */

json_t *
ob_api_instant(int64_t t)
{
    char s[OB_INSTANT_LEN];

    if (!t)
        return json_null();
    ob_instant_format(t, s);
    return json_string(s);
}

json_t *
ob_api_str(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *
ob_api_roles(unsigned roles)
{
    json_t *a = json_array();

    for (unsigned bit = 1; bit <= OB_ROLES_ANY; bit <<= 1)
        if (roles & bit)
            json_array_append_new(a, json_string(ob_role_name(bit)));
    return a;
}

json_t *
ob_api_member(const struct ob_account_member *m, int with_limit)
{
    json_t *o = json_pack("{s:I, s:s, s:s, s:o}", "person", (json_int_t)m->person, "email",
                          m->email, "name", m->name ? m->name : "", "roles",
                          ob_api_roles(m->roles));

    if (with_limit)
        json_object_set_new(o, "session_limit",
                            m->has_limit ? json_integer(m->session_limit) : json_null());
    return o;
}

int
ob_api_req_roles(struct ob_req *req, const char **out)
{
    json_t *v = json_object_get(req->json, "roles"), *r;
    struct ob_buf b;
    size_t i;

    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_array(v) || json_array_size(v) > 16)
        return ob_err_field(&req->ctx->err, OB_EINVAL, "roles",
                            "'roles' must be an array of role names");
    ob_buf_init(&b, 1024);
    json_array_foreach(v, i, r) {
        const char *s = json_string_value(r);

        if (!s || !*s || strlen(s) > 32 || strchr(s, ',')) {
            ob_buf_free(&b);
            return ob_err_field(&req->ctx->err, OB_EINVAL, "roles",
                                "'roles' must be an array of role names");
        }
        ob_buf_addf(&b, "%s%s", i ? "," : "", s);
    }
    *out = ob_arena_strdup(&req->ctx->arena, b.p ? b.p : "");
    ob_buf_free(&b);
    return 0;
}

int
ob_api_req_int(struct ob_req *req, const char *name, int64_t *out)
{
    json_t *v = json_object_get(req->json, name);

    *out = 0;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) <= 0)
        return ob_err_field(&req->ctx->err, OB_EINVAL, name, "'%s' must be an id (a positive "
                            "whole number)", name);
    *out = json_integer_value(v);
    return 0;
}

int
ob_api_query_id(struct ob_req *req, const char *name, int64_t *out)
{
    const char *s = ob_req_query(req, name);
    char *end;
    long long v;

    *out = 0;
    if (!s || !*s)
        return 0;
    v = strtoll(s, &end, 10);
    if (*end || v <= 0 || *s == '+' || *s == '-')
        return ob_err_field(&req->ctx->err, OB_EINVAL, name, "'%s' must be an id", name);
    *out = v;
    return 0;
}

static const char *const requisite_names[] = { "name",    "inn",     "kpp",    "phone",
                                               "email",   "site",    "address", "region" };

int
ob_api_requisites(struct ob_req *req, json_t *o, const char *prefix, const char *const *extra,
                  struct ob_requisites *out)
{
    const char **slots[] = { &out->name,  &out->inn,  &out->kpp,     &out->phone,
                             &out->email, &out->site, &out->address, &out->region };
    struct ob_ctx *ctx = req->ctx;
    const char *key;
    json_t *v;

    memset(out, 0, sizeof(*out));
    json_object_foreach(o, key, v) {
        size_t i, n = sizeof(requisite_names) / sizeof(requisite_names[0]);
        const char *field = ob_arena_printf(&ctx->arena, "%s%s", prefix, key);
        bool allowed = false;

        for (i = 0; i < n && strcmp(key, requisite_names[i]); i++)
            ;
        for (size_t j = 0; extra && extra[j] && !allowed; j++)
            allowed = !strcmp(key, extra[j]);
        if (i == n && !allowed)
            return ob_err_field(&ctx->err, OB_EINVAL, field, "'%s' is not a field here", field);
        if (i == n || json_is_null(v))
            continue;
        if (!json_is_string(v) || json_string_length(v) > 2000 ||
            strlen(json_string_value(v)) != json_string_length(v))
            return ob_err_field(&ctx->err, OB_EINVAL, field,
                                "'%s' must be a string of at most 2000 bytes", field);
        *slots[i] = json_string_value(v);
    }
    return 0;
}

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

    if (ob_partner_statuses(ctx, p->id, in_force_row, statuses) != 0)
        ob_err_clear(&ctx->err);
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "id",
                     (json_int_t)p->id, "name", r->name, "inn", r->inn, "kpp", r->kpp, "phone",
                     r->phone, "email", r->email, "site", r->site, "address", r->address,
                     "region", r->region, "state", p->state, "own_subscriber",
                     p->own_subscriber ? json_pack("{s:I, s:I}", "id",
                                                   (json_int_t)p->own_subscriber, "code",
                                                   (json_int_t)p->own_code)
                                       : json_null(),
                     "statuses", statuses, "created_at", ob_api_instant(p->created_at));
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
        return ob_err_field(&req->ctx->err, OB_EINVAL, "roles", "'roles' is required");
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
        return ob_err_field(&req->ctx->err, OB_EINVAL, "roles", "'roles' is required");
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
