/*
 * webhooks.c — webhook endpoints of a partner or the provider and their
 * delivery log (model/notices/webhook.h):
 *
 *   GET/POST /api/v1/webhooks[?account=]
 *   GET/PATCH/DELETE /api/v1/webhooks/{id}
 *   POST /api/v1/webhooks/{id}/rotate          a new secret, shown once
 *   POST /api/v1/webhooks/{id}/test            a "webhook.test" event
 *   GET  /api/v1/webhooks/{id}/deliveries[?state=]
 *   POST /api/v1/webhooks/{id}/deliveries/{d}/resend
 */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/handlers.h"
#include "api/list.h"
#include "base/ctx.h"
#include "model/notices/webhook.h"
#include "base/banned.h"

static json_t *
endpoint_json(const struct ob_webhook *w)
{
    return json_pack("{s:I, s:I, s:s, s:s, s:O, s:s, s:o, s:o, s:o, s:o}", "id", (json_int_t)w->id,
                     "account", (json_int_t)w->account, "url", w->url, "description",
                     w->description, "kinds", w->kinds, "state", w->state, "failing_since",
                     ob_api_instant(w->failing_since), "disabled_at",
                     ob_api_instant(w->disabled_at), "created_at", ob_api_instant(w->created_at),
                     "updated_at", ob_api_instant(w->updated_at));
}

static int
endpoint_row(const struct ob_webhook *w, void *arg)
{
    return ob_list_add(arg, w->id, endpoint_json(w));
}

int
ob_api_webhooks_list(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_list l;
    int64_t account;
    int rc;

    if ((rc = ob_api_query_id(req, "account", &account)) != 0 || (rc = ob_list_begin(req, &l)) != 0)
        return rc;
    l.name = "webhooks";
    if ((rc = ob_webhook_list(req->ctx, account, l.after, l.limit, endpoint_row, &l)) != 0) {
        ob_list_free(&l);
        return rc;
    }
    return ob_list_end(req, resp, &l);
}

static int
kinds_member(struct ob_req *req, json_t **out)
{
    json_t *k = json_object_get(req->json, "kinds");

    *out = k;
    if (k && !json_is_null(k) && !json_is_array(k))
        return ob_err_field(&req->ctx->err, OB_EINVAL, "kinds", "webhook.kinds_bad");
    return 0;
}

static const char *const create_members[] = {"account", "url", "description", "kinds", NULL};
static const char *const patch_members[] = {"url", "description", "kinds", "state", NULL};

static int
answer_with_secret(struct ob_req *req, struct ob_resp *resp, int status, int64_t id,
                   const char *secret)
{
    struct ob_webhook w;
    json_t *o;
    int rc = ob_webhook_get(req->ctx, id, &w);

    if (rc)
        return rc;
    o = endpoint_json(&w);
    json_decref(w.kinds);
    json_object_set_new(o, "secret", json_string(secret));
    json_object_set_new(o, "note", json_string("keep the secret now: it is not shown again"));
    return ob_resp_json(resp, status, o);
}

int
ob_api_webhooks_create(struct ob_req *req, struct ob_resp *resp)
{
    const char *url, *description;
    json_t *kinds;
    int64_t account, id;
    char secret[OB_WEBHOOK_SECRET_LEN];
    int rc;

    if ((rc = ob_req_object(req)) != 0 ||
        (rc = ob_api_only_members(req, req->json, "", create_members)) != 0 ||
        (rc = ob_api_req_int(req, "account", &account)) != 0 ||
        (rc = ob_req_str(req, "url", OB_WEBHOOK_URL_MAX, true, &url)) != 0 ||
        (rc = ob_req_str(req, "description", 200, false, &description)) != 0 ||
        (rc = kinds_member(req, &kinds)) != 0)
        return rc;
    if ((rc = ob_webhook_create(req->ctx, account, url, description, kinds, &id, secret)) != 0)
        return rc;
    return answer_with_secret(req, resp, 201, id, secret);
}

int
ob_api_webhooks_get(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_webhook w;
    json_t *o;
    int64_t id;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_webhook_get(req->ctx, id, &w)) != 0)
        return rc;
    o = endpoint_json(&w);
    json_decref(w.kinds);
    return ob_resp_json(resp, 200, o);
}

int
ob_api_webhooks_patch(struct ob_req *req, struct ob_resp *resp)
{
    const char *url, *description, *state;
    json_t *kinds;
    int64_t id;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_req_object(req)) != 0 ||
        (rc = ob_api_only_members(req, req->json, "", patch_members)) != 0 ||
        (rc = ob_req_str(req, "url", OB_WEBHOOK_URL_MAX, false, &url)) != 0 ||
        (rc = ob_req_str(req, "description", 200, false, &description)) != 0 ||
        (rc = ob_req_str(req, "state", 20, false, &state)) != 0 ||
        (rc = kinds_member(req, &kinds)) != 0)
        return rc;
    if ((rc = ob_webhook_update(req->ctx, id, url, description, kinds, state)) != 0)
        return rc;
    return ob_api_webhooks_get(req, resp);
}

int
ob_api_webhooks_delete(struct ob_req *req, struct ob_resp *resp)
{
    int64_t id;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_webhook_delete(req->ctx, id)) != 0)
        return rc;
    resp->status = 204;
    return 0;
}

int
ob_api_webhooks_rotate(struct ob_req *req, struct ob_resp *resp)
{
    char secret[OB_WEBHOOK_SECRET_LEN];
    int64_t id;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 ||
        (rc = ob_webhook_rotate(req->ctx, id, secret)) != 0)
        return rc;
    return answer_with_secret(req, resp, 200, id, secret);
}

int
ob_api_webhooks_test(struct ob_req *req, struct ob_resp *resp)
{
    int64_t id, d;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_webhook_test(req->ctx, id, &d)) != 0)
        return rc;
    return ob_resp_json(resp, 202,
                        json_pack("{s:I, s:s}", "delivery", (json_int_t)d, "state", "pending"));
}

static int
delivery_row(const struct ob_webhook_delivery *d, void *arg)
{
    struct ob_list *l = arg;
    char msg[32];
    json_t *o;

    snprintf(msg, sizeof(msg), "msg_%lld", (long long)d->event);
    o = json_pack(
        "{s:I, s:I, s:s, s:I, s:s, s:o, s:s, s:i, s:i, s:i, s:s, s:o, s:o, s:o, s:o}", "id",
        (json_int_t)d->id, "webhook", (json_int_t)d->endpoint, "webhook_id", msg, "event",
        (json_int_t)d->event, "kind", d->kind, "event_at", ob_api_instant(d->event_at), "state",
        d->state, "attempt", d->attempt, "last_status", d->last_status, "answer_ms", d->answer_ms,
        "error", d->error, "next_at",
        !strcmp(d->state, "pending") || !strcmp(d->state, "failed") ? ob_api_instant(d->next_at)
                                                                    : json_null(),
        "delivered_at", ob_api_instant(d->delivered_at), "created_at",
        ob_api_instant(d->created_at), "resent_from",
        d->resent_from ? json_integer(d->resent_from) : json_null());
    if (!l->export)
        json_object_set(o, "attempts", d->attempts);
    return ob_list_add(l, d->id, o);
}

int
ob_api_webhooks_deliveries(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_list l;
    int64_t id;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_list_begin(req, &l)) != 0)
        return rc;
    l.name = "webhook-deliveries";
    if ((rc = ob_webhook_deliveries(req->ctx, id, ob_req_query(req, "state"), l.after, l.limit,
                                    delivery_row, &l)) != 0) {
        ob_list_free(&l);
        return rc;
    }
    return ob_list_end(req, resp, &l);
}

int
ob_api_webhooks_resend(struct ob_req *req, struct ob_resp *resp)
{
    int64_t id, d, nd;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_req_id(req, "d", &d)) != 0 ||
        (rc = ob_webhook_resend(req->ctx, id, d, &nd)) != 0)
        return rc;
    return ob_resp_json(resp, 202,
                        json_pack("{s:I, s:s}", "delivery", (json_int_t)nd, "state", "pending"));
}
