/*
 * sessions.c — application sessions (R-DA-3, R-DA-4):
 *   POST /api/v1/sessions (admission), GET /api/v1/sessions,
 *   GET/DELETE /api/v1/sessions/{id}, POST /api/v1/sessions/{id}/heartbeat
 *   (application backends, signed: docs/app-backend.md),
 *   GET /api/v1/subscribers/{id}/session-history.
 */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/handlers.h"
#include "api/list.h"
#include "base/config.h"
#include "base/ctx.h"
#include "base/date.h"
#include "model/areas/appsession.h"
#include "model/areas/version.h"
#include "base/banned.h"

#define HEARTBEAT_DIVISOR 5     /* the page beats five times per idle time */

static json_t *
session_json(struct ob_ctx *ctx, const struct ob_appsession *x)
{
    int idle = ctx->cfg->app_idle_seconds;

    return json_pack("{s:I, s:s, s:o, s:{s:I, s:I, s:s}, s:{s:I, s:s, s:s, s:s, s:s, s:s, s:b}, "
                     "s:{s:I, s:s, s:s}, s:o, s:o, s:o, s:o, s:o, s:i, s:i}",
                     "id", (json_int_t)x->id, "state", x->state, "close_reason",
                     x->close_reason[0] ? json_string(x->close_reason) : json_null(),
                     "subscriber", "id", (json_int_t)x->subscriber, "code",
                     (json_int_t)x->subscriber_code, "name", x->subscriber_name, "area", "id",
                     (json_int_t)x->area, "key", x->area_key, "name", x->area_name, "application",
                     x->app_code, "application_name", x->app_name_en, "application_name_ru",
                     x->app_name_ru, "test", x->area_test, "person", "id", (json_int_t)x->person,
                     "name", x->person_name, "email", x->person_email, "via_grant",
                     x->grant ? json_integer(x->grant) : json_null(), "opened_at",
                     ob_api_instant(x->opened_at), "seen_at", ob_api_instant(x->seen_at),
                     "launched_at", x->launched_at ? ob_api_instant(x->launched_at) : json_null(),
                     "closed_at", x->closed_at ? ob_api_instant(x->closed_at) : json_null(),
                     "idle_seconds", idle, "heartbeat_seconds",
                     idle / HEARTBEAT_DIVISOR > 0 ? idle / HEARTBEAT_DIVISOR : 1);
}

static int
take_over_member(struct ob_req *req, int64_t *out)
{
    return ob_api_req_int(req, "take_over", out);
}

int
ob_api_sessions_open(struct ob_req *req, struct ob_resp *resp)
{
    static const char *const fields[] = { "area", "take_over", NULL };
    struct ob_admitted ok;
    struct ob_refusal why;
    int64_t area = 0, take_over = 0;
    json_t *body;
    int rc;

    if ((rc = ob_req_object(req)) != 0 || (rc = ob_api_only_members(req, req->json, "", fields)) ||
        (rc = ob_api_req_int(req, "area", &area)) != 0 ||
        (rc = take_over_member(req, &take_over)) != 0)
        return rc;
    if (area <= 0)
        return ob_err_field(&req->ctx->err, OB_EINVAL, "area", "field.area_id_missing");
    rc = ob_appsession_open(req->ctx, area, take_over, &ok, &why);
    if (rc == OB_ELIMIT) {
        json_t *h = json_array();

        for (int i = 0; i < why.nholders; i++) {
            const struct ob_appsession *s = &why.holders[i];

            json_array_append_new(h, json_pack("{s:I, s:{s:I, s:s, s:s}, s:{s:I, s:s, s:s, s:s, "
                                               "s:s}, s:o, s:o, s:b}",
                                               "session", (json_int_t)s->id, "person", "id",
                                               (json_int_t)s->person, "name", s->person_name,
                                               "email", s->person_email, "area", "id",
                                               (json_int_t)s->area, "name", s->area_name,
                                               "application", s->app_code, "application_name",
                                               s->app_name_en, "application_name_ru",
                                               s->app_name_ru, "opened_at",
                                               ob_api_instant(s->opened_at), "seen_at",
                                               ob_api_instant(s->seen_at), "yours",
                                               s->person == req->ctx->actor.person));
        }
        ob_resp_problem(resp, json_pack("{s:s, s:i, s:i, s:o}", "limit", why.limit, "max",
                                        why.max, "idle_seconds",
                                        req->ctx->cfg->app_idle_seconds, "holders", h));
        return rc;
    }
    if (rc != 0)
        return rc;
    body = session_json(req->ctx, &ok.session);
    json_object_set_new(body, "launch_url", json_string(ok.launch_url));
    return ob_resp_json(resp, 201, body);
}

struct rows {
    struct ob_ctx *ctx;
    struct ob_list *l;
};

static int
session_row(const struct ob_appsession *x, void *arg)
{
    struct rows *r = arg;

    return ob_list_add(r->l, x->id, session_json(r->ctx, x));
}

int
ob_api_sessions_list(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_appsession_filter f = { 0 };
    const char *state = ob_req_query(req, "state");
    struct ob_list l;
    struct rows r;
    int rc;

    if (state && strcmp(state, "open") && strcmp(state, "all"))
        return ob_err_field(&req->ctx->err, OB_EINVAL, "state", "field.open_all");
    f.open_only = !state || !strcmp(state, "open");
    if ((rc = ob_api_query_id(req, "subscriber", &f.subscriber)) != 0 ||
        (rc = ob_api_query_id(req, "area", &f.area)) != 0 || (rc = ob_list_begin(req, &l)) != 0)
        return rc;
    l.name = "sessions";
    r.ctx = req->ctx;
    r.l = &l;
    if ((rc = ob_appsession_list(req->ctx, &f, l.after, l.limit, session_row, &r)) != 0) {
        ob_list_free(&l);
        return rc;
    }
    return ob_list_end(req, resp, &l);
}

int
ob_api_sessions_get(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_appsession x;
    int64_t id = 0;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 ||
        (rc = ob_appsession_get(req->ctx, id, ob_req_query(req, "launch"), &x)) != 0)
        return rc;
    return ob_resp_json(resp, 200, session_json(req->ctx, &x));
}

int
ob_api_sessions_heartbeat(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_heartbeat hb;
    int64_t id = 0;
    json_t *body;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0)
        return rc;
    rc = ob_appsession_heartbeat(req->ctx, id, &hb);
    if (rc == OB_ECONFLICT || rc == OB_EBLOCKED) {
        const char *state = strstr(req->ctx->err.message, "expired") ? "expired"
                            : rc == OB_EBLOCKED                      ? "blocked"
                                                                     : "closed";

        ob_resp_problem(resp, json_pack("{s:s}", "state", state));
        req->ctx->err.field[0] = '\0';
        return rc;
    }
    if (rc != 0)
        return rc;
    body = json_pack("{s:s, s:o, s:o}", "state", "open", "seen_at", ob_api_instant(hb.seen_at),
                     "expires_at", ob_api_instant(hb.expires_at));
    if (hb.blocked_since) {
        json_object_set_new(body, "warning", json_string("blocked"));
        json_object_set_new(body, "blocked_at", ob_api_instant(hb.blocked_since));
        json_object_set_new(body, "closes_at", ob_api_instant(hb.grace_until));
    } else {
        int64_t update_at = 0;  /* a roll-out closes the session then (model/areas/version.h) */

        if (ob_version_update_at(req->ctx, id, &update_at) == 0 && update_at) {
            json_object_set_new(body, "warning", json_string("update"));
            json_object_set_new(body, "update_at", ob_api_instant(update_at));
        }
    }
    return ob_resp_json(resp, 200, body);
}

int
ob_api_sessions_close(struct ob_req *req, struct ob_resp *resp)
{
    int64_t id = 0;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_appsession_close(req->ctx, id)) != 0)
        return rc;
    resp->status = 204;
    return 0;
}

static int
history_row(const struct ob_history_row *h, void *arg)
{
    return ob_list_add(arg, h->id,
                       json_pack("{s:I, s:I, s:s, s:s, s:o, s:{s:I, s:s, s:s}, s:{s:I, s:s}, "
                                 "s:o, s:o}",
                                 "id", (json_int_t)h->id, "session", (json_int_t)h->session,
                                 "event", h->event, "reason", h->reason, "at",
                                 ob_api_instant(h->at), "person", "id", (json_int_t)h->person,
                                 "name", h->person_name, "email", h->person_email, "area", "id", (json_int_t)h->area, "name",
                                 h->area_name, "session_limit",
                                 h->session_limit >= 0 ? json_integer(h->session_limit)
                                                       : json_null(),
                                 "user_limit",
                                 h->user_limit >= 0 ? json_integer(h->user_limit) : json_null()));
}

int
ob_api_session_history(struct ob_req *req, struct ob_resp *resp)
{
    const char *order = ob_req_query(req, "order");
    struct ob_list l;
    int64_t sub = 0;
    int rc;

    if (order && strcmp(order, "asc") && strcmp(order, "desc"))
        return ob_err_field(&req->ctx->err, OB_EINVAL, "order", "field.asc_desc");
    if ((rc = ob_req_id(req, "id", &sub)) != 0 || (rc = ob_list_begin(req, &l)) != 0)
        return rc;
    l.name = "session-history";
    if ((rc = ob_appsession_history(req->ctx, sub, l.after, l.limit, order && !strcmp(order, "desc"),
                                    history_row, &l)) != 0) {
        ob_list_free(&l);
        return rc;
    }
    return ob_list_end(req, resp, &l);
}

int
ob_api_session_usage(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_usage_day d[OB_USAGE_MAX_DAYS];
    const char *v = ob_req_query(req, "days");
    char day[OB_DATE_LEN];
    int64_t sub = 0;
    long days = 30;
    json_t *items;
    char *end;
    int rc;

    if (v && *v) {
        days = strtol(v, &end, 10);
        if (*end || days < 1 || days > OB_USAGE_MAX_DAYS)
            return ob_err_field(&req->ctx->err, OB_EINVAL, "days", "field.number_range",
                                "min=%d max=%d", 1, OB_USAGE_MAX_DAYS);
    }
    if ((rc = ob_req_id(req, "id", &sub)) != 0 ||
        (rc = ob_appsession_usage(req->ctx, sub, (int)days, d)) != 0)
        return rc;
    items = json_array();
    for (int k = 0; k < days; k++) {
        ob_date_format(d[k].day, day);
        json_array_append_new(items, json_pack("{s:s, s:i, s:o}", "date", day, "peak", d[k].peak,
                                               "limit", d[k].limit >= 0 ? json_integer(d[k].limit)
                                                                        : json_null()));
    }
    return ob_resp_json(resp, 200, json_pack("{s:o}", "days", items));
}
