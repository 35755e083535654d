/*
 * subscribers.c — GET/POST /api/v1/subscribers, GET /api/v1/subscribers/{id},
 * GET/PUT …/{id}/info, GET/POST …/{id}/users, PATCH/DELETE …/users/{person},
 * GET /api/v1/leave-reasons (R-ACC-1/2/5, R-ACT-2, R-DA-3).
 */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/handlers.h"
#include "api/list.h"
#include "base/ctx.h"
#include "base/date.h"
#include "model/identity/access.h"
#include "model/parties/invite.h"
#include "model/parties/subscriber.h"
#include "model/subscriptions/clients.h"
#include "base/banned.h"

static json_t *
sub_json(const struct ob_subscriber *s)
{
    return json_pack("{s:I, s:I, s:o, s:s, s:o, s:b, s:s, s:o}", "id", (json_int_t)s->id, "code",
                     (json_int_t)s->code, "reporting_number",
                     json_sprintf("FR%lld", (long long)s->code), "name", s->name, "partner",
                     s->partner ? json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)s->partner,
                                            "name", s->partner_name, "phone",
                                            s->partner_phone, "email", s->partner_email)
                                : json_null(),
                     "own_partner", s->own_partner, "state", s->state, "created_at",
                     ob_api_instant(s->created_at));
}

/* A client with its access (model/subscriptions/clients.h): the state is
 * the worked-out one, access_through the last day with access (R-SUB-0). */
static json_t *
client_json(const struct ob_client *c)
{
    json_t *o = sub_json(&c->sub);
    char d[OB_DATE_LEN];

    if (c->access_end) {
        ob_date_format(c->access_end - 1, d);
        json_object_set_new(o, "access_through", json_string(d));
    } else {
        json_object_set_new(o, "access_through", json_null());
    }
    json_object_set_new(o, "tariff", *c->tariff ? json_pack("{s:s, s:s, s:s}", "code", c->tariff,
                                                            "name_ru", c->tariff_ru, "name_en",
                                                            c->tariff_en)
                                                : json_null());
    json_object_set_new(o, "access_kind", ob_api_str(*c->kind ? c->kind : NULL));
    return o;
}

static int
row(const struct ob_client *c, const char *cursor, void *arg)
{
    return ob_list_add_text(arg, cursor, client_json(c));
}

static int
client_filter(struct ob_req *req, struct ob_client_filter *f)
{
    const char *state = ob_req_query(req, "state"), *ends = ob_req_query(req, "ends_within");
    const char *order = ob_req_query(req, "order");
    char *end;
    int rc;

    f->q = ob_req_query(req, "q");
    f->ends_within = -1;
    if ((rc = ob_api_query_id(req, "partner", &f->partner)) != 0 ||
        (rc = ob_client_sort_parse(req->ctx, ob_req_query(req, "sort"), f)) != 0)
        return rc;
    if (order && *order) {
        if (strcmp(order, "asc") && strcmp(order, "desc"))
            return ob_err_field(&req->ctx->err, OB_EINVAL, "order", "field.asc_desc");
        if (!strcmp(order, "desc"))
            f->desc = !f->desc;
    }
    if (state && *state) {
        if (strcmp(state, "active") && strcmp(state, "blocked") && strcmp(state, "left"))
            return ob_err_field(&req->ctx->err, OB_EINVAL, "state", "field.client_state");
        f->state = state;
    }
    if (ends && *ends) {
        long v = strtol(ends, &end, 10);

        if (*end || v < 0 || v > 3660)
            return ob_err_field(&req->ctx->err, OB_EINVAL, "ends_within", "field.days_range",
                                "min=%d max=%d", 0, 3660);
        f->ends_within = (int)v;
    }
    return 0;
}

int
ob_api_subscribers_list(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_client_filter f = { 0 };
    struct ob_list l;
    int rc;

    if ((rc = client_filter(req, &f)) != 0 || (rc = ob_list_begin(req, &l)) != 0)
        return rc;
    l.name = "subscribers";
    f.after = l.after_text;
    if ((rc = ob_client_list(req->ctx, &f, l.limit, row, &l)) != 0) {
        ob_list_free(&l);
        return rc;
    }
    return ob_list_end(req, resp, &l);
}

int
ob_api_subscribers_ending(struct ob_req *req, struct ob_resp *resp)
{
    const char *w = ob_req_query(req, "weeks");
    int n[27], weeks = 8, rc;
    int32_t today = ob_date_of_instant(ob_clock_now(req->ctx));
    int64_t partner;
    json_t *items;
    char d[OB_DATE_LEN];
    char *end;

    if ((rc = ob_api_query_id(req, "partner", &partner)) != 0)
        return rc;
    if (w && *w) {
        long v = strtol(w, &end, 10);

        if (*end || v < 1 || v > 26)
            return ob_err_field(&req->ctx->err, OB_EINVAL, "weeks", "field.number_range",
                                "min=%d max=%d", 1, 26);
        weeks = (int)v;
    }
    if ((rc = ob_client_ending(req->ctx, partner, weeks, n)) != 0)
        return rc;
    items = json_array();
    for (int k = 0; k < weeks; k++) {
        ob_date_format(today + 7 * k, d);
        json_array_append_new(items, json_pack("{s:s, s:i}", "from", d, "count", n[1 + k]));
    }
    ob_date_format(today, d);
    return ob_resp_json(resp, 200, json_pack("{s:s, s:i, s:o}", "date", d, "ended", n[0],
                                             "weeks", items));
}

int
ob_api_subscribers_create(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_subscriber_new in = { 0 };
    struct ob_client c;
    struct ob_invite owner;
    int64_t id = 0;
    json_t *out;
    int rc;

    if ((rc = ob_req_object(req)) != 0 || (rc = ob_req_str(req, "name", 1000, true, &in.name)) ||
        (rc = ob_api_req_int(req, "partner", &in.partner)) != 0 ||
        (rc = ob_req_str(req, "owner_email", 1000, false, &in.owner_email)) != 0 ||
        (rc = ob_req_str(req, "owner_name", 1000, false, &in.owner_name)) != 0 ||
        (rc = ob_req_str(req, "lang", 8, false, &in.lang)) != 0 ||
        (rc = ob_subscriber_create(req->ctx, &in, &id, &owner)) != 0 ||
        (rc = ob_client_get(req->ctx, id, &c)) != 0)
        return rc;
    out = client_json(&c);
    /* no person and no name: only the address the owner invitation went to */
    json_object_set_new(out, "owner_invited", owner.id ? json_string(owner.email) : json_null());
    return ob_resp_json(resp, 201, out);
}

int
ob_api_subscribers_get(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_client c;
    int64_t id;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_client_get(req->ctx, id, &c)) != 0)
        return rc;
    return ob_resp_json(resp, 200, client_json(&c));
}

static json_t *
info_json(const struct ob_subscriber_info *i)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:b, s:o}", "legal_name",
                     i->legal_name, "inn", i->inn, "kpp", i->kpp, "contact_person",
                     i->contact_person, "phone", i->phone, "email", i->email, "region",
                     i->region, "leave_reason", ob_api_str(i->leave_reason), "leave_comment",
                     i->leave_comment, "complete", i->complete, "updated_at",
                     ob_api_instant(i->updated_at));
}

int
ob_api_subscriber_info_get(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_subscriber_info i = { 0 };
    int64_t id;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 ||
        (rc = ob_subscriber_info_get(req->ctx, id, &i)) != 0)
        return rc;
    return ob_resp_json(resp, 200, info_json(&i));
}

int
ob_api_subscriber_info_put(struct ob_req *req, struct ob_resp *resp)
{
    static const char *const names[] = { "legal_name", "inn",   "kpp",    "contact_person",
                                         "phone",      "email", "region", "leave_reason",
                                         "leave_comment", "complete", "updated_at" };
    struct ob_subscriber_info i = { 0 };
    const char *key;
    json_t *v;
    int64_t id;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_req_object(req)) != 0)
        return rc;
    json_object_foreach(req->json, key, v) {
        size_t k, n = sizeof(names) / sizeof(names[0]);

        for (k = 0; k < n && strcmp(key, names[k]); k++)
            ;
        if (k == n)
            return ob_err_field(&req->ctx->err, OB_EINVAL, key, "field.unknown");
    }
    if ((rc = ob_req_str(req, "legal_name", 2000, false, &i.legal_name)) != 0 ||
        (rc = ob_req_str(req, "inn", 64, false, &i.inn)) != 0 ||
        (rc = ob_req_str(req, "kpp", 64, false, &i.kpp)) != 0 ||
        (rc = ob_req_str(req, "contact_person", 2000, false, &i.contact_person)) != 0 ||
        (rc = ob_req_str(req, "phone", 200, false, &i.phone)) != 0 ||
        (rc = ob_req_str(req, "email", 1000, false, &i.email)) != 0 ||
        (rc = ob_req_str(req, "region", 1000, false, &i.region)) != 0 ||
        (rc = ob_req_str(req, "leave_reason", 64, false, &i.leave_reason)) != 0 ||
        (rc = ob_req_str(req, "leave_comment", 4000, false, &i.leave_comment)) != 0 ||
        (rc = ob_subscriber_info_put(req->ctx, id, &i)) != 0)
        return rc;
    return ob_resp_json(resp, 200, info_json(&i));
}

static int
reason_row(const struct ob_leave_reason *r, void *arg)
{
    return ob_list_add(arg, r->position, json_pack("{s:s, s:s, s:s}", "code", r->code, "name_ru",
                                                   r->name_ru, "name_en", r->name_en));
}

int
ob_api_leave_reasons(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_list l;
    int rc;

    if ((rc = ob_list_begin(req, &l)) != 0)
        return rc;
    l.name = "leave-reasons";
    if ((rc = ob_leave_reasons(req->ctx, l.after, l.limit, reason_row, &l)) != 0) {
        ob_list_free(&l);
        return rc;
    }
    return ob_list_end(req, resp, &l);
}

int
ob_api_leave_reason_add(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_leave_reason r = { 0 };
    int rc;

    /* who first: a partner learns nothing from how its input would be judged */
    if ((rc = ob_access_provider(req->ctx, OB_ROLE_ADMIN | OB_ROLE_OPERATOR)) != 0 ||
        (rc = ob_req_object(req)) != 0 || (rc = ob_req_str(req, "code", 100, true, &r.code)) ||
        (rc = ob_req_str(req, "name_ru", 400, true, &r.name_ru)) ||
        (rc = ob_req_str(req, "name_en", 400, true, &r.name_en)) ||
        (rc = ob_leave_reason_add(req->ctx, &r)) != 0)
        return rc;
    return ob_resp_json(resp, 201, json_pack("{s:s, s:s, s:s, s:b}", "code", r.code, "name_ru",
                                             r.name_ru, "name_en", r.name_en, "active", 1));
}

int
ob_api_leave_reason_set(struct ob_req *req, struct ob_resp *resp)
{
    const char *code = ob_req_param(req, "code"), *ru, *en;
    json_t *active;
    int rc;

    if ((rc = ob_access_provider(req->ctx, OB_ROLE_ADMIN | OB_ROLE_OPERATOR)) != 0 ||
        (rc = ob_req_object(req)) != 0 || (rc = ob_req_str(req, "name_ru", 400, false, &ru)) ||
        (rc = ob_req_str(req, "name_en", 400, false, &en)))
        return rc;
    active = json_object_get(req->json, "active");
    if (active && !json_is_boolean(active))
        return ob_err_field(&req->ctx->err, OB_EINVAL, "active", "field.boolean");
    if ((rc = ob_leave_reason_set(req->ctx, code, ru, en,
                                  active ? (json_is_true(active) ? 1 : 0) : -1)) != 0)
        return rc;
    resp->status = 204;
    return 0;
}

/* ---- users --------------------------------------------------------------------------- */

static int
user_row(const struct ob_account_member *m, void *arg)
{
    return ob_list_add(arg, m->person, ob_api_member(m, 1));
}

int
ob_api_subscriber_users_list(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_list l;
    int64_t id;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_list_begin(req, &l)) != 0)
        return rc;
    l.name = "users";
    if ((rc = ob_subscriber_users(req->ctx, id, l.after, l.limit, user_row, &l)) != 0) {
        ob_list_free(&l);
        return rc;
    }
    return ob_list_end(req, resp, &l);
}

/* roles and session_limit of the body. */
static int
user_change(struct ob_req *req, struct ob_user_change *ch)
{
    json_t *v = json_object_get(req->json, "session_limit");
    int rc;

    memset(ch, 0, sizeof(*ch));
    if ((rc = ob_api_req_roles(req, &ch->roles)) != 0)
        return rc;
    if (!v)
        return 0;
    ch->set_limit = true;
    if (json_is_null(v))
        return 0;
    if (!json_is_integer(v))
        return ob_err_field(&req->ctx->err, OB_EINVAL, "session_limit", "field.number_or_null");
    ch->has_limit = true;
    ch->limit = json_integer_value(v);
    return 0;
}

int
ob_api_subscriber_users_create(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_user_change ch;
    const char *email, *name;
    struct ob_invite v;
    int64_t id;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_req_object(req)) != 0 ||
        (rc = ob_req_str(req, "email", 400, true, &email)) != 0 ||
        (rc = ob_req_str(req, "name", 400, false, &name)) != 0 ||
        (rc = user_change(req, &ch)) != 0 ||
        (rc = ob_subscriber_user_add(req->ctx, id, email, name, &ch, &v)) != 0)
        return rc;
    return ob_resp_json(resp, 202, ob_api_invited(&v, 1));
}

int
ob_api_subscriber_users_patch(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_account_member m = { 0 };
    struct ob_user_change ch;
    int64_t id, person;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_req_id(req, "person", &person)) != 0 ||
        (rc = ob_req_object(req)) != 0 || (rc = user_change(req, &ch)) != 0 ||
        (rc = ob_subscriber_user_set(req->ctx, id, person, &ch, &m)) != 0)
        return rc;
    return ob_resp_json(resp, 200, ob_api_member(&m, 1));
}

int
ob_api_subscriber_users_delete(struct ob_req *req, struct ob_resp *resp)
{
    int64_t id, person;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_req_id(req, "person", &person)) != 0 ||
        (rc = ob_subscriber_user_remove(req->ctx, id, person)) != 0)
        return rc;
    resp->status = 204;
    return 0;
}
