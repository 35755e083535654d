/*
 * invitations.c — invitation codes for registration and the sign-up that
 * activates one (model/onboarding/invitation.h):
 *
 *   GET  /api/v1/invitations?partner=&state=&q=   the list «Приглашения для
 *                                                 регистрации» (pages, CSV/XLSX)
 *   POST /api/v1/invitations                      make a code: {partner, email?,
 *                                                 tariff?, lang?}
 *   POST /api/v1/invitations/{id}/revoke          revoke an open code
 *   POST /api/v1/signup                           activate a code (public): {name,
 *                                                 email, phone, password, code, lang?}
 *
 * The sign-up answers 202 {status: "check_mail", email} whether or not the
 * address has a login: what to do next is in the mail.
 */
#include <string.h>

#include "api/api.h"
#include "api/handlers.h"
#include "api/list.h"
#include "base/ctx.h"
#include "model/identity/person.h"
#include "model/onboarding/invitation.h"
#include "base/banned.h"

static json_t *
invitation_json(const struct ob_invitation *v)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:I, s:s, s:I, s:s, s:s, s:o, s:o, s:o, s:o, s:o, "
                     "s:o, s:o, s:o}",
                     "id", (json_int_t)v->id, "code", v->code, "email", v->email, "state",
                     v->state, "partner_id", (json_int_t)v->partner, "partner_name",
                     v->partner_name, "tariff_id", (json_int_t)v->tariff, "tariff_code",
                     v->tariff_code, "tariff_name", v->tariff_name, "created_by",
                     ob_api_str(*v->created_by ? v->created_by : NULL), "created_at",
                     ob_api_instant(v->created_at), "expires_at", ob_api_instant(v->expires_at),
                     "revoked_at", ob_api_instant(v->revoked_at), "subscriber_id",
                     v->subscriber ? json_integer(v->subscriber) : json_null(), "subscriber_name",
                     ob_api_str(v->subscriber ? v->subscriber_name : NULL), "subscriber_code",
                     v->subscriber ? json_integer(v->subscriber_code) : json_null(),
                     "activated_at", ob_api_instant(v->activated_at));
}

static int
row(const struct ob_invitation *v, void *arg)
{
    return ob_list_add(arg, v->id, invitation_json(v));
}

int
ob_api_invitations_list(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_invitation_filter f = { 0 };
    struct ob_list l;
    int rc;

    if ((rc = ob_api_query_id(req, "partner", &f.partner)) != 0 ||
        (rc = ob_list_begin(req, &l)) != 0)
        return rc;
    f.state = ob_req_query(req, "state");
    f.q = ob_req_query(req, "q");
    l.name = "invitations";
    if ((rc = ob_invitation_list(req->ctx, &f, l.after, l.limit, row, &l)) != 0) {
        ob_list_free(&l);
        return rc;
    }
    return ob_list_end(req, resp, &l);
}

int
ob_api_invitations_create(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_invitation_new in = { 0 };
    struct ob_invitation v;
    int rc;

    if ((rc = ob_req_object(req)) != 0 || (rc = ob_api_req_int(req, "partner", &in.partner)) ||
        (rc = ob_api_req_int(req, "tariff", &in.tariff)) ||
        (rc = ob_req_str(req, "email", OB_EMAIL_MAX, false, &in.email)) ||
        (rc = ob_req_str(req, "lang", 8, false, &in.lang)))
        return rc;
    if (!in.partner)
        return ob_err_field(&req->ctx->err, OB_EINVAL, "partner", "field.required");
    if ((rc = ob_invitation_create(req->ctx, &in, &v)) != 0)
        return rc;
    return ob_resp_json(resp, 201, invitation_json(&v));
}

int
ob_api_invitations_revoke(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_invitation v;
    int64_t id;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_invitation_revoke(req->ctx, id, &v)))
        return rc;
    return ob_resp_json(resp, 200, invitation_json(&v));
}

int
ob_api_signup(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_signup in = { 0 };
    struct ob_signup_result out;
    int rc;

    if ((rc = ob_req_object(req)) != 0 || (rc = ob_req_str(req, "name", 400, false, &in.name)) ||
        (rc = ob_req_str(req, "email", OB_EMAIL_MAX, false, &in.email)) ||
        (rc = ob_req_str(req, "phone", 64, false, &in.phone)) ||
        (rc = ob_req_str(req, "password", OB_PASSWORD_MAX, false, &in.password)) ||
        (rc = ob_req_str(req, "code", 100, false, &in.code)) ||
        (rc = ob_req_str(req, "lang", 8, false, &in.lang)))
        return rc;
    if ((rc = ob_signup_activate(req->ctx, &in, &out)) != 0)
        return rc;
    return ob_resp_json(resp, 202, json_pack("{s:s, s:s}", "status", "check_mail", "email",
                                             out.email));
}
