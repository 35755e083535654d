/*
 * versions.c — application versions and roll-outs (model/areas/version.h):
 *   GET/POST /api/v1/versions, GET /api/v1/versions/in-use, POST /api/v1/versions/{id}/release,
 *   PUT /api/v1/areas/{id}/version,
 *   GET /api/v1/rollouts, GET /api/v1/rollouts/{id}, GET /api/v1/rollouts/{id}/areas,
 *   POST /api/v1/rollouts/{id}/pause, /resume, /retry.
 */
#include "api/api.h"
#include "api/handlers.h"
#include "api/list.h"
#include "base/ctx.h"
#include "model/areas/area.h"
#include "model/areas/version.h"
#include "model/identity/access.h"
#include "base/banned.h"

static json_t *
version_json(const struct ob_app_version *v)
{
    return json_pack("{s:I, s:{s:s, s:s, s:s}, s:s, s:s, s:s, s:o, s:o, s:I, s:o}", "id",
                     (json_int_t)v->id, "application", "code", v->app_code, "name_ru",
                     v->app_name_ru, "name_en", v->app_name_en, "version", v->version, "state",
                     v->state, "notes", v->notes, "created_at", ob_api_instant(v->created_at),
                     "released_at", v->released_at ? ob_api_instant(v->released_at) : json_null(),
                     "areas", (json_int_t)v->areas, "rollout",
                     v->rollout ? json_integer(v->rollout) : json_null());
}

static int
version_row(const struct ob_app_version *v, void *arg)
{
    return ob_list_add(arg, v->id, version_json(v));
}

int
ob_api_versions_list(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_list l;
    int rc;

    if ((rc = ob_list_begin(req, &l)) != 0)
        return rc;
    l.name = "versions";
    if ((rc = ob_version_list(req->ctx, ob_req_query(req, "application"), l.after, l.limit,
                              version_row, &l)) != 0) {
        ob_list_free(&l);
        return rc;
    }
    return ob_list_end(req, resp, &l);
}

static int
use_row(const struct ob_version_use *u, void *arg)
{
    json_array_append_new(arg, json_pack("{s:{s:s, s:s, s:s}, s:s, s:I, s:b}", "application",
                                         "code", u->app_code, "name_ru", u->app_name_ru,
                                         "name_en", u->app_name_en, "version", u->version,
                                         "areas", (json_int_t)u->areas, "published",
                                         u->published));
    return 0;
}

int
ob_api_versions_in_use(struct ob_req *req, struct ob_resp *resp)
{
    json_t *items = json_array();
    int rc;

    if ((rc = ob_version_in_use(req->ctx, use_row, items)) != 0) {
        json_decref(items);
        return rc;
    }
    return ob_resp_json(resp, 200, json_pack("{s:o}", "items", items));
}

int
ob_api_versions_create(struct ob_req *req, struct ob_resp *resp)
{
    static const char *const fields[] = { "application", "version", "notes", NULL };
    const char *app = NULL, *version = NULL, *notes = NULL;
    struct ob_app_version v;
    int64_t id = 0;
    int rc;

    /* who may publish first: a partner is 403 whatever it sends */
    if ((rc = ob_access_provider(req->ctx, OB_ROLE_ADMIN | OB_ROLE_OPERATOR)) != 0 ||
        (rc = ob_req_object(req)) != 0 || (rc = ob_api_only_members(req, req->json, "", fields)) ||
        (rc = ob_req_str(req, "application", 40, false, &app)) != 0 ||
        (rc = ob_req_str(req, "version", 40, false, &version)) != 0 ||
        (rc = ob_req_str(req, "notes", 2000, false, &notes)) != 0)
        return rc;
    if ((rc = ob_version_publish(req->ctx, app, version, notes, &id)) != 0 ||
        (rc = ob_version_get(req->ctx, id, &v)) != 0)
        return rc;
    return ob_resp_json(resp, 201, version_json(&v));
}

static json_t *
rollout_json(const struct ob_rollout *r)
{
    return json_pack("{s:I, s:{s:s, s:s, s:s}, s:s, s:I, s:s, s:I, s:I, s:o, s:o, "
                     "s:{s:I, s:I, s:I, s:I, s:I, s:I}}",
                     "id", (json_int_t)r->id, "application", "code", r->app_code, "name_ru",
                     r->app_name_ru, "name_en", r->app_name_en, "version", r->version,
                     "version_id", (json_int_t)r->version_id, "state", r->state, "wave_size",
                     (json_int_t)r->wave_size, "waves", (json_int_t)r->waves, "created_at",
                     ob_api_instant(r->created_at), "finished_at",
                     r->finished_at ? ob_api_instant(r->finished_at) : json_null(), "counts",
                     "total", (json_int_t)r->total, "pending", (json_int_t)r->pending,
                     "waiting", (json_int_t)r->waiting, "updating", (json_int_t)r->updating,
                     "updated", (json_int_t)r->updated, "failed", (json_int_t)r->failed);
}

int
ob_api_versions_release(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_rollout r;
    int64_t id = 0, rollout = 0;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 ||
        (rc = ob_version_release(req->ctx, id, &rollout)) != 0 ||
        (rc = ob_rollout_get(req->ctx, rollout, &r)) != 0)
        return rc;
    return ob_resp_json(resp, 200, rollout_json(&r));
}

int
ob_api_areas_version(struct ob_req *req, struct ob_resp *resp)
{
    static const char *const fields[] = { "version", NULL };
    const char *version = NULL;
    struct ob_area a;
    int64_t id = 0;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_req_object(req)) != 0 ||
        (rc = ob_api_only_members(req, req->json, "", fields)) != 0 ||
        (rc = ob_req_str(req, "version", 40, false, &version)) != 0)
        return rc;
    /* required, but who may see the area is checked first: another tenant's is 404 */
    if ((rc = ob_version_install(req->ctx, id, version)) != 0 ||
        (rc = ob_area_get(req->ctx, id, &a)) != 0)
        return rc;
    return ob_resp_json(resp, 202,
                        json_pack("{s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)a.id, "state",
                                  a.state, "phase", a.phase, "version", a.version, "target",
                                  version));
}

static int
rollout_row(const struct ob_rollout *r, void *arg)
{
    return ob_list_add(arg, r->id, rollout_json(r));
}

int
ob_api_rollouts_list(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_list l;
    int rc;

    if ((rc = ob_list_begin(req, &l)) != 0)
        return rc;
    l.name = "rollouts";
    if ((rc = ob_rollout_list(req->ctx, l.after, l.limit, rollout_row, &l)) != 0) {
        ob_list_free(&l);
        return rc;
    }
    return ob_list_end(req, resp, &l);
}

int
ob_api_rollouts_get(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_rollout r;
    int64_t id = 0;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_rollout_get(req->ctx, id, &r)) != 0)
        return rc;
    return ob_resp_json(resp, 200, rollout_json(&r));
}

static int
rollout_area_row(const struct ob_rollout_area *a, void *arg)
{
    json_t *j = json_pack(
        "{s:I, s:s, s:b, s:{s:I, s:I, s:s}, s:s, s:o, s:s, s:I, s:o, s:o, s:o}", "id",
        (json_int_t)a->area, "name", a->area_name, "test", a->test, "subscriber", "id",
        (json_int_t)a->subscriber, "code", (json_int_t)a->subscriber_code, "name",
        a->subscriber_name, "state", a->state, "reason",
        *a->reason ? json_string(a->reason) : json_null(), "from_version", a->from_version, "wave",
        (json_int_t)a->wave, "update_at", a->update_at ? ob_api_instant(a->update_at) : json_null(),
        "started_at", a->started_at ? ob_api_instant(a->started_at) : json_null(), "finished_at",
        a->finished_at ? ob_api_instant(a->finished_at) : json_null());

    /* updating and retried: the backend failed or did not answer; shown while it is tried again */
    json_object_set_new(j, "retry",
                        *a->last_error ? json_pack("{s:i, s:s}", "attempts", a->attempts, "error",
                                                   a->last_error)
                                       : json_null());
    return ob_list_add(arg, a->area, j);
}

int
ob_api_rollouts_areas(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_list l;
    int64_t id = 0;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_list_begin(req, &l)) != 0)
        return rc;
    l.name = "rollout-areas";
    if ((rc = ob_rollout_areas(req->ctx, id, ob_req_query(req, "state"), l.after, l.limit,
                               rollout_area_row, &l)) != 0) {
        ob_list_free(&l);
        return rc;
    }
    return ob_list_end(req, resp, &l);
}

/* pause, resume, retry: the roll-out as it is afterwards. */
static int
control(struct ob_req *req, struct ob_resp *resp, int (*fn)(struct ob_ctx *, int64_t, int *))
{
    struct ob_rollout r;
    int64_t id = 0;
    int n = 0, rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = fn(req->ctx, id, &n)) != 0 ||
        (rc = ob_rollout_get(req->ctx, id, &r)) != 0)
        return rc;
    return ob_resp_json(resp, 200, rollout_json(&r));
}

static int
pause(struct ob_ctx *ctx, int64_t id, int *n)
{
    (void)n;
    return ob_rollout_pause(ctx, id);
}

static int
resume(struct ob_ctx *ctx, int64_t id, int *n)
{
    (void)n;
    return ob_rollout_resume(ctx, id);
}

int
ob_api_rollouts_pause(struct ob_req *req, struct ob_resp *resp)
{
    return control(req, resp, pause);
}

int
ob_api_rollouts_resume(struct ob_req *req, struct ob_resp *resp)
{
    return control(req, resp, resume);
}

int
ob_api_rollouts_retry(struct ob_req *req, struct ob_resp *resp)
{
    return control(req, resp, ob_rollout_retry);
}
