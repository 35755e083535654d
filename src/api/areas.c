/*
 * areas.c — data areas and partner access grants (R-DA-1, R-ACT-4):
 *   GET/POST /api/v1/areas, GET/DELETE /api/v1/areas/{id},
 *   POST /api/v1/areas/{id}/restore,
 *   GET/POST /api/v1/grants, DELETE /api/v1/grants/{id}.
 */
#include <string.h>

#include "api/api.h"
#include "api/handlers.h"
#include "api/list.h"
#include "base/ctx.h"
#include "base/date.h"
#include "model/areas/area.h"
#include "model/areas/grant.h"
#include "model/areas/version.h"
#include "base/banned.h"

static json_t *
area_json(const struct ob_area *a)
{
    return json_pack("{s:I, s:{s:I, s:I, s:s}, s:s, s:{s:s, s:s, s:s}, s:b, s:b, s:s, s:o, "
                     "s:o, s:o, s:o, s:o, s:o, s:i, s:s}",
                     "id", (json_int_t)a->id, "subscriber", "id", (json_int_t)a->subscriber,
                     "code", (json_int_t)a->subscriber_code, "name", a->subscriber_name, "name",
                     a->name, "application", "code", a->app_code, "name_ru", a->app_name_ru,
                     "name_en", a->app_name_en, "test", a->test, "demo", a->demo, "state", a->state, "reason",
                     a->reason[0] ? json_string(a->reason) : json_null(), "version",
                     a->version[0] ? json_string(a->version) : json_null(), "created_at",
                     ob_api_instant(a->created_at), "ready_at",
                     a->ready_at ? ob_api_instant(a->ready_at) : json_null(), "deleted_at",
                     a->deleted_at ? ob_api_instant(a->deleted_at) : json_null(), "purge_at",
                     a->purge_at ? ob_api_instant(a->purge_at) : json_null(), "sessions",
                     a->sessions, "phase", a->phase ? a->phase : "");
}

static int
area_row(const struct ob_area *a, void *arg)
{
    return ob_list_add(arg, a->id, area_json(a));
}

int
ob_api_areas_list(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_area_filter f = { .state = ob_req_query(req, "state") };
    struct ob_list l;
    int rc;

    if ((rc = ob_api_query_id(req, "subscriber", &f.subscriber)) != 0 ||
        (rc = ob_list_begin(req, &l)) != 0)
        return rc;
    l.name = "areas";
    if ((rc = ob_area_list(req->ctx, &f, l.after, l.limit, area_row, &l)) != 0) {
        ob_list_free(&l);
        return rc;
    }
    return ob_list_end(req, resp, &l);
}

int
ob_api_areas_create(struct ob_req *req, struct ob_resp *resp)
{
    static const char *const fields[] = { "subscriber", "name", "application", "test", "demo",
                                          NULL };
    struct ob_area_new in = { 0 };
    struct ob_area a;
    int64_t id = 0;
    int test = 0, demo = 0, rc;

    if ((rc = ob_req_object(req)) != 0 || (rc = ob_api_only_members(req, req->json, "", fields)) ||
        (rc = ob_api_req_int(req, "subscriber", &in.subscriber)) != 0 ||
        (rc = ob_req_str(req, "name", 100, true, &in.name)) != 0 ||
        (rc = ob_req_str(req, "application", 40, true, &in.app)) != 0 ||
        (rc = ob_api_bool_member(req, "test", &test)) != 0 ||
        (rc = ob_api_bool_member(req, "demo", &demo)) != 0)
        return rc;
    in.test = test;
    in.demo = demo;
    if ((rc = ob_area_create(req->ctx, &in, &id)) != 0 || (rc = ob_area_get(req->ctx, id, &a)) != 0)
        return rc;
    return ob_resp_json(resp, 201, area_json(&a));
}

int
ob_api_areas_get(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_area a;
    int64_t id = 0, update_at = 0;  /* a roll-out's wave will update it then */
    json_t *body;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_area_get(req->ctx, id, &a)) != 0 ||
        (rc = ob_version_area_update_at(req->ctx, id, &update_at)) != 0)
        return rc;
    body = area_json(&a);
    json_object_set_new(body, "update_at", update_at ? ob_api_instant(update_at) : json_null());
    return ob_resp_json(resp, 200, body);
}

int
ob_api_areas_delete(struct ob_req *req, struct ob_resp *resp)
{
    static const char *const fields[] = { "confirm", NULL };
    const char *confirm = ob_req_query(req, "confirm");
    struct ob_area a;
    int64_t id = 0;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0)
        return rc;
    if (req->json && ((rc = ob_req_object(req)) != 0 ||
                      (rc = ob_api_only_members(req, req->json, "", fields)) != 0 ||
                      (rc = ob_req_str(req, "confirm", 200, false, &confirm)) != 0))
        return rc;
    if ((rc = ob_area_delete(req->ctx, id, confirm)) != 0 ||
        (rc = ob_area_get(req->ctx, id, &a)) != 0)
        return rc;
    return ob_resp_json(resp, 200, area_json(&a));
}

int
ob_api_areas_restore(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_area a;
    int64_t id = 0;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_area_restore(req->ctx, id)) != 0 ||
        (rc = ob_area_get(req->ctx, id, &a)) != 0)
        return rc;
    return ob_resp_json(resp, 200, area_json(&a));
}

/* ---- grants --------------------------------------------------------------------------- */

static json_t *
grant_json(const struct ob_grant *g)
{
    char until[OB_DATE_LEN];
    json_t *j;

    ob_date_format(g->until, until);
    j = json_pack("{s:I, s:{s:I, s:I, s:s}, s:{s:I, s:s, s:s, s:s, s:s}, s:{s:I, s:s, s:s}, "
                  "s:{s:I, s:s}, s:s, s:s, s:o, s:o}",
                  "id", (json_int_t)g->id, "subscriber", "id", (json_int_t)g->subscriber,
                     "code", (json_int_t)g->subscriber_code, "name", g->subscriber_name, "area",
                     "id", (json_int_t)g->area, "name", g->area_name, "application", g->app_code,
                     "application_name", g->app_name_en, "application_name_ru", g->app_name_ru,
                     "person", "id", (json_int_t)g->person, "name", g->person_name, "email",
                     g->person_email, "partner", "id", (json_int_t)g->partner, "name",
                     g->partner_name, "until", until, "state", g->state, "created_at",
                     ob_api_instant(g->created_at), "revoked_at",
                     g->revoked_at ? ob_api_instant(g->revoked_at) : json_null());
    /* ended: why the relation it stood on is gone */
    json_object_set_new(j, "ended_reason",
                        *g->ended_reason ? json_string(g->ended_reason) : json_null());
    return j;
}

static int
grant_row(const struct ob_grant *g, void *arg)
{
    return ob_list_add(arg, g->id, grant_json(g));
}

int
ob_api_grants_list(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_grant_filter f = { .state = ob_req_query(req, "state") };
    const char *mine = ob_req_query(req, "mine");
    struct ob_list l;
    int rc;

    if ((rc = ob_api_query_id(req, "subscriber", &f.subscriber)) != 0 ||
        (rc = ob_api_query_id(req, "area", &f.area)) != 0 || (rc = ob_list_begin(req, &l)) != 0)
        return rc;
    if (mine && strcmp(mine, "1") && strcmp(mine, "0") && strcmp(mine, "true") &&
        strcmp(mine, "false")) {
        ob_list_free(&l);
        return ob_err_field(&req->ctx->err, OB_EINVAL, "mine", "field.one_or_zero");
    }
    f.mine = mine && (!strcmp(mine, "1") || !strcmp(mine, "true"));
    l.name = "grants";
    if ((rc = ob_grant_list(req->ctx, &f, l.after, l.limit, grant_row, &l)) != 0) {
        ob_list_free(&l);
        return rc;
    }
    return ob_list_end(req, resp, &l);
}

int
ob_api_grants_create(struct ob_req *req, struct ob_resp *resp)
{
    static const char *const fields[] = { "area", "email", "until", NULL };
    const char *email = NULL, *until = NULL;
    struct ob_grant g;
    int64_t area = 0, id = 0;
    int rc;

    if ((rc = ob_req_object(req)) != 0 || (rc = ob_api_only_members(req, req->json, "", fields)) ||
        (rc = ob_api_req_int(req, "area", &area)) != 0 ||
        (rc = ob_req_str(req, "email", 254, true, &email)) != 0 ||
        (rc = ob_req_str(req, "until", 10, true, &until)) != 0)
        return rc;
    if (area <= 0)
        return ob_err_field(&req->ctx->err, OB_EINVAL, "area", "field.area_id_missing");
    if ((rc = ob_grant_create(req->ctx, area, email, until, &id)) != 0 ||
        (rc = ob_grant_get(req->ctx, id, &g)) != 0)
        return rc;
    return ob_resp_json(resp, 201, grant_json(&g));
}

int
ob_api_grants_delete(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_grant g;
    int64_t id = 0;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_grant_revoke(req->ctx, id)) != 0 ||
        (rc = ob_grant_get(req->ctx, id, &g)) != 0)
        return rc;
    return ob_resp_json(resp, 200, grant_json(&g));
}
