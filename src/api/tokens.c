/*
 * tokens.c — GET/POST /api/v1/tokens, DELETE /api/v1/tokens/{id}.
 */
#include <stdlib.h>

#include "api/api.h"
#include "api/handlers.h"
#include "api/list.h"
#include "base/ctx.h"
#include "base/date.h"
#include "model/identity/token.h"
#include "base/banned.h"

static json_t *
instant(int64_t t)
{
    char s[OB_INSTANT_LEN];

    if (!t)
        return json_null();
    ob_instant_format(t, s);
    return json_string(s);
}

static int
row(const struct ob_token *t, void *arg)
{
    struct ob_list *l = arg;

    return ob_list_add(l, t->id,
                       json_pack("{s:I, s:I, s:s, s:s, s:s, s:o, s:o, s:o}", "id",
                                 (json_int_t)t->id, "account", (json_int_t)t->account, "name",
                                 t->name, "prefix", t->prefix, "roles", t->roles, "created_at",
                                 instant(t->created_at), "last_used_at", instant(t->last_used_at),
                                 "revoked_at", instant(t->revoked_at)));
}

int
ob_api_tokens_list(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_list l;
    int rc;

    if ((rc = ob_list_begin(req, &l)) != 0)
        return rc;
    if ((rc = ob_token_list(req->ctx, l.after, l.limit, row, &l)) != 0) {
        ob_list_free(&l);
        return rc;
    }
    return ob_list_end(req, resp, &l);
}

int
ob_api_tokens_create(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_ctx *ctx = req->ctx;
    json_t *account = json_object_get(req->json, "account");
    const char *name, *roles;
    char secret[48];
    int64_t id;
    int rc;

    if ((rc = ob_req_object(req)) != 0 || (rc = ob_req_str(req, "name", 400, true, &name)) ||
        (rc = ob_req_str(req, "roles", 200, true, &roles)))
        return rc;
    if (!json_is_integer(account))
        return ob_err_field(&ctx->err, OB_EINVAL, "account", "field.account_id_missing");
    if ((rc = ob_token_create(ctx, json_integer_value(account), roles, name, &id, secret)) != 0)
        return rc;
    return ob_resp_json(resp, 201,
                        json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)id, "name", name,
                                  "token", secret, "note",
                                  "keep the token now: it is not shown again"));
}

int
ob_api_tokens_delete(struct ob_req *req, struct ob_resp *resp)
{
    int64_t id;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_token_revoke(req->ctx, id)) != 0)
        return rc;
    resp->status = 204;
    return 0;
}
