/*
 * leads.c — the provider's leads (R-ONB-7): GET /api/v1/leads (the pool and
 * the offers; a partner its offers and accepted leads), assign, accept and
 * decline, GET /api/v1/leads/funnel, the rules (GET/POST /api/v1/lead-rules,
 * PATCH/DELETE /api/v1/lead-rules/{id}) and the promotions' partners.
 */
#include <string.h>

#include "api/api.h"
#include "api/handlers.h"
#include "api/list.h"
#include "base/ctx.h"
#include "base/date.h"
#include "model/identity/access.h"
#include "model/identity/role.h"
#include "model/onboarding/lead.h"
#include "base/banned.h"

static json_t *
day_or_null(const char *d)
{
    return d && *d ? json_string(d) : json_null();
}

static json_t *
lead_json(const struct ob_lead *l)
{
    json_t *o = json_pack("{s:I, s:{s:I, s:I, s:o, s:s}, s:s, s:s, s:o, s:o}", "id",
                          (json_int_t)l->id, "subscriber", "id", (json_int_t)l->subscriber,
                          "code", (json_int_t)l->subscriber_code, "reporting_number",
                          json_sprintf("FR%lld", (long long)l->subscriber_code), "name", l->name,
                          "region", l->region, "state", l->state, "registered_at",
                          ob_api_instant(l->created_at), "trial_through",
                          day_or_null(l->trial_through));

    json_object_set_new(o, "partner",
                        l->partner ? json_pack("{s:I, s:s}", "id", (json_int_t)l->partner,
                                               "name", l->partner_name)
                                   : json_null());
    json_object_set_new(o, "offered_at", ob_api_instant(l->offered_at));
    json_object_set_new(o, "due_at", ob_api_instant(l->due_at));
    json_object_set_new(o, "accepted_at", ob_api_instant(l->accepted_at));
    json_object_set_new(o, "by_rule", json_boolean(l->rule != 0));
    json_object_set_new(o, "email", json_string(l->email));
    json_object_set_new(o, "phone", json_string(l->phone));
    return o;
}

static int
row(const struct ob_lead *l, void *arg)
{
    return ob_list_add(arg, l->id, lead_json(l));
}

int
ob_api_leads_list(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_lead_filter f = { ob_req_query(req, "state"), ob_req_query(req, "region"),
                                ob_req_query(req, "month") };
    struct ob_list l;
    int rc;

    if ((rc = ob_list_begin(req, &l)) != 0)
        return rc;
    l.name = "leads";
    if ((rc = ob_lead_list(req->ctx, &f, l.after, l.limit, row, &l)) != 0) {
        ob_list_free(&l);
        return rc;
    }
    return ob_list_end(req, resp, &l);
}

int
ob_api_leads_assign(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_lead l;
    int64_t id, partner;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_req_object(req)) != 0 ||
        (rc = ob_api_req_int(req, "partner", &partner)) != 0 ||
        (rc = ob_lead_assign(req->ctx, id, partner, &l)) != 0)
        return rc;
    return ob_resp_json(resp, 200, lead_json(&l));
}

int
ob_api_leads_accept(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_lead l;
    int64_t id;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_lead_accept(req->ctx, id, &l)) != 0)
        return rc;
    return ob_resp_json(resp, 200, lead_json(&l));
}

int
ob_api_leads_decline(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_lead l;
    int64_t id;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_lead_decline(req->ctx, id, &l)) != 0)
        return rc;
    return ob_resp_json(resp, 200, lead_json(&l));
}

static int
month_row(const struct ob_lead_month *m, void *arg)
{
    json_array_append_new(arg, json_pack("{s:s, s:I, s:I, s:I, s:I}", "month", m->month,
                                         "registered", (json_int_t)m->registered, "assigned",
                                         (json_int_t)m->assigned, "accepted",
                                         (json_int_t)m->accepted, "first_paid",
                                         (json_int_t)m->paid));
    return 0;
}

int
ob_api_leads_funnel(struct ob_req *req, struct ob_resp *resp)
{
    json_t *months = json_array();
    int rc = ob_lead_funnel(req->ctx, ob_req_query(req, "from"), ob_req_query(req, "to"),
                            month_row, months);

    if (rc != 0) {
        json_decref(months);
        return rc;
    }
    return ob_resp_json(resp, 200, json_pack("{s:o}", "months", months));
}

/* ---- the rules ---------------------------------------------------------------------- */

static json_t *
rule_json(const struct ob_lead_rule *r)
{
    json_t *partners = json_array();

    for (int i = 0; i < r->npartners; i++)
        json_array_append_new(partners, json_pack("{s:I, s:s}", "id", (json_int_t)r->partners[i],
                                                  "name", r->partner_names[i]));
    return json_pack("{s:I, s:I, s:s, s:b, s:o, s:o, s:o, s:o}", "id", (json_int_t)r->id,
                     "position", (json_int_t)r->position, "region", r->region, "csk_first",
                     r->csk_first, "promotion", day_or_null(r->promotion_code), "partners",
                     partners, "last_partner",
                     r->last_partner ? json_integer(r->last_partner) : json_null(), "updated_at",
                     ob_api_instant(r->updated_at));
}

static int
rule_row(const struct ob_lead_rule *r, void *arg)
{
    json_array_append_new(arg, rule_json(r));
    return 0;
}

int
ob_api_lead_rules_list(struct ob_req *req, struct ob_resp *resp)
{
    json_t *items = json_array();
    int rc = ob_lead_rule_list(req->ctx, rule_row, items);

    if (rc != 0) {
        json_decref(items);
        return rc;
    }
    return ob_resp_json(resp, 200, json_pack("{s:o}", "items", items));
}

/* The body's members into *in; unknown members are refused by name. */
static int
rule_in(struct ob_req *req, struct ob_lead_rule_in *in)
{
    static const char *const known[] = { "position", "region", "csk_first", "promotion",
                                         "partners", NULL };
    json_t *v;
    const char *key;
    int b = 0, rc;

    memset(in, 0, sizeof(*in));
    /* who may edit the rules is asked before the body is read */
    if ((rc = ob_access_provider(req->ctx, OB_ROLE_ADMIN | OB_ROLE_OPERATOR)) != 0 ||
        (rc = ob_req_object(req)) != 0)
        return rc;
    json_object_foreach(req->json, key, v) {
        bool ok = false;

        for (int i = 0; known[i]; i++)
            ok = ok || !strcmp(key, known[i]);
        if (!ok)
            return ob_err_field(&req->ctx->err, OB_EINVAL, key, "field.unknown");
    }
    if ((v = json_object_get(req->json, "position"))) {
        if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 100000)
            return ob_err_field(&req->ctx->err, OB_EINVAL, "position", "lead.rule_position");
        in->has_position = true;
        in->position = json_integer_value(v);
    }
    if (json_object_get(req->json, "region")) {
        if ((rc = ob_req_str(req, "region", 800, false, &in->region)) != 0)
            return rc;
        in->has_region = true;
    }
    if (json_object_get(req->json, "csk_first")) {
        if ((rc = ob_api_bool_member(req, "csk_first", &b)) != 0)
            return rc;
        in->has_csk_first = true;
        in->csk_first = b != 0;
    }
    if ((v = json_object_get(req->json, "promotion"))) {
        if (!json_is_null(v) && (rc = ob_req_str(req, "promotion", 64, false, &in->promotion)))
            return rc;
        in->has_promotion = true;
    }
    if ((v = json_object_get(req->json, "partners"))) {
        size_t i;
        json_t *p;

        if (!json_is_array(v) || json_array_size(v) > OB_LEAD_RULE_PARTNERS)
            return ob_err_field(&req->ctx->err, OB_EINVAL, "partners",
                                "lead.rule_partners_count", "max=%d", OB_LEAD_RULE_PARTNERS);
        json_array_foreach(v, i, p) {
            if (!json_is_integer(p) || json_integer_value(p) <= 0)
                return ob_err_field(&req->ctx->err, OB_EINVAL, "partners",
                                    "lead.rule_partner_unknown");
            in->partners[in->npartners++] = json_integer_value(p);
        }
        in->has_partners = true;
    }
    return 0;
}

int
ob_api_lead_rules_create(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_lead_rule_in in;
    struct ob_lead_rule r;
    int rc;

    if ((rc = rule_in(req, &in)) != 0 || (rc = ob_lead_rule_create(req->ctx, &in, &r)) != 0)
        return rc;
    return ob_resp_json(resp, 201, rule_json(&r));
}

int
ob_api_lead_rules_patch(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_lead_rule_in in;
    struct ob_lead_rule r;
    int64_t id;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = rule_in(req, &in)) != 0 ||
        (rc = ob_lead_rule_change(req->ctx, id, &in, &r)) != 0)
        return rc;
    return ob_resp_json(resp, 200, rule_json(&r));
}

int
ob_api_lead_rules_delete(struct ob_req *req, struct ob_resp *resp)
{
    int64_t id;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_lead_rule_delete(req->ctx, id)) != 0)
        return rc;
    resp->status = 204;
    return 0;
}

/* ---- the promotions' partners ------------------------------------------------------- */

static int
promotion_member(struct ob_req *req, struct ob_resp *resp, bool join)
{
    const char *code = ob_req_param(req, "code");
    int64_t partner;
    int rc;

    if (join) {
        if ((rc = ob_req_object(req)) != 0 || (rc = ob_api_req_int(req, "partner", &partner)))
            return rc;
    } else if ((rc = ob_req_id(req, "partner", &partner)) != 0) {
        return rc;
    }
    if ((rc = ob_lead_promotion_member(req->ctx, code, partner, join)) != 0)
        return rc;
    resp->status = 204;
    return 0;
}

int
ob_api_promotion_partners_add(struct ob_req *req, struct ob_resp *resp)
{
    return promotion_member(req, resp, true);
}

int
ob_api_promotion_partners_remove(struct ob_req *req, struct ob_resp *resp)
{
    return promotion_member(req, resp, false);
}
