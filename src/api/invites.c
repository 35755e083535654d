/*
 * invites.c — member invitations (model/parties/invite.h):
 *
 *   GET    /api/v1/member-invites[?account=ID]    open invitations the actor manages
 *   DELETE /api/v1/member-invites/{id}            cancel one
 *   POST   /api/v1/member-invites/{id}/resend     send it again (a new link)
 *   GET    /api/v1/auth/invite?token=…            what a link offers (anyone holding it)
 *   POST   /api/v1/auth/invite/accept             accept it: {token, password?, name?}
 *
 * and the answer the adds give (ob_api_invited). A refused link is 400
 * invalid on "token" with `reason`: unknown, expired, cancelled, replaced or
 * accepted, so the cabinet can say what to do.
 */
#include <string.h>

#include <sodium.h>

#include "api/api.h"
#include "api/handlers.h"
#include "api/list.h"
#include "base/config.h"
#include "base/ctx.h"
#include "db/db.h"
#include "model/identity/authn.h"
#include "model/parties/invite.h"
#include "model/identity/person.h"
#include "base/banned.h"

static json_t *
limit_json(const struct ob_invite *v)
{
    return v->has_limit ? json_integer(v->session_limit) : json_null();
}

static json_t *
invite_json(const struct ob_invite *v)
{
    return json_pack("{s:I, s:I, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:s}", "id",
                     (json_int_t)v->id, "account", (json_int_t)v->account, "account_kind",
                     ob_kind_name(v->kind), "account_name", v->account_name, "email", v->email,
                     "roles", ob_api_roles(v->roles), "session_limit", limit_json(v), "invited_by",
                     *v->inviter ? json_string(v->inviter) : json_null(), "created_at",
                     ob_api_instant(v->created_at), "expires_at", ob_api_instant(v->expires_at),
                     "state", v->state);
}

static int
row(const struct ob_invite *v, void *arg)
{
    return ob_list_add(arg, v->id, invite_json(v));
}

int
ob_api_invites_list(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_list l;
    int64_t account;
    int rc;

    if ((rc = ob_api_query_id(req, "account", &account)) != 0 || (rc = ob_list_begin(req, &l)) != 0)
        return rc;
    l.name = "invitations";
    if ((rc = ob_invite_list(req->ctx, account, l.after, l.limit, row, &l)) != 0) {
        ob_list_free(&l);
        return rc;
    }
    return ob_list_end(req, resp, &l);
}

int
ob_api_invites_delete(struct ob_req *req, struct ob_resp *resp)
{
    int64_t id;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_invite_cancel(req->ctx, id)) != 0)
        return rc;
    resp->status = 204;
    return 0;
}

int
ob_api_invites_resend(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_invite v;
    int64_t id;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_invite_resend(req->ctx, id, &v)) != 0)
        return rc;
    return ob_resp_json(resp, 201, invite_json(&v));
}

/* A refused link says why, for the page to say what to do. */
static int
refused(struct ob_resp *resp, const struct ob_invite *v, int rc)
{
    if (rc == OB_EINVAL && v->state && strcmp(v->state, "pending"))
        ob_resp_problem(resp, json_pack("{s:s}", "reason", v->state));
    return rc;
}

static json_t *
offer_json(const struct ob_invite *v)
{
    json_t *o = json_pack("{s:{s:s, s:s}, s:s, s:o, s:o, s:o, s:o, s:s, s:b}", "account",
                          "name", v->account_name, "kind", ob_kind_name(v->kind), "email",
                          v->email, "roles", ob_api_roles(v->roles), "session_limit",
                          limit_json(v), "invited_by",
                          *v->inviter ? json_string(v->inviter) : json_null(), "expires_at",
                          ob_api_instant(v->expires_at), "name", v->name, "needs_password",
                          v->needs_password);

    /* only on a sign-up's own link (R-ONB-2): its password is set, accepting signs in */
    if (v->kept_password)
        json_object_set_new(o, "signed_up", json_true());
    return o;
}

int
ob_api_invite_view(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_invite v;
    int rc;

    if ((rc = ob_invite_view(req->ctx, ob_req_query(req, "token"), &v)) != 0)
        return refused(resp, &v, rc);
    return ob_resp_json(resp, 200, offer_json(&v));
}

struct sign_in {
    const struct ob_invite *v;
    const char *old;
    struct ob_signed_in out;
};

static int
sign_in(struct ob_ctx *ctx, void *arg)
{
    struct sign_in *a = arg;

    return ob_auth_session_start(ctx, a->v->person, a->v->email, a->old, &a->out);
}

int
ob_api_invite_accept(struct ob_req *req, struct ob_resp *resp)
{
    const char *token, *password, *name;
    struct ob_invite v = { 0 };
    struct sign_in s = { &v, NULL, { 0 } };
    json_t *body;
    int rc;

    if ((rc = ob_req_object(req)) != 0 || (rc = ob_req_str(req, "token", 200, true, &token)) ||
        (rc = ob_req_str(req, "password", OB_PASSWORD_MAX, false, &password)) ||
        (rc = ob_req_str(req, "name", 400, false, &name)))
        return rc;
    if ((rc = ob_invite_accept(req->ctx, token, password, name, &v)) != 0)
        return refused(resp, &v, rc);
    body = json_pack("{s:s, s:{s:I, s:s, s:s}, s:s, s:o}", "status", "accepted", "account", "id",
                     (json_int_t)v.account, "name", v.account_name, "kind",
                     ob_kind_name(v.kind), "email", v.email, "roles", ob_api_roles(v.roles));
    /* A sign-up's link (R-ONB-2): the password was typed at sign-up and the link proves the
     * mailbox, so the new login is signed in here, as by a registration page's link. */
    if (v.kept_password) {
        s.old = ob_req_cookie(req, OB_SESSION_COOKIE);
        if ((rc = ob_db_tx(req->ctx, OB_DB_WRITE, sign_in, &s)) != 0) {
            json_decref(body);
            return rc;
        }
        ob_api_session_cookie(req, resp, s.out.secret, req->ctx->cfg->session_max_hours * 3600);
        json_object_set_new(body, "signed_in", json_true());
        json_object_set_new(body, "csrf", json_string(s.out.csrf));
        sodium_memzero(&s.out, sizeof(s.out));
    }
    return ob_resp_json(resp, 200, body);
}
