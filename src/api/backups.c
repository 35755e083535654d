/*
 * backups.c — the backups of a data area and restores from them (R-DA-5):
 *   GET  /api/v1/areas/{id}/backups                the stored copies, newest first, with
 *                                                  what is under way or failed ("pending")
 *                                                  and the last restore ("restore")
 *   POST /api/v1/areas/{id}/backups                a manual backup, queued (202)
 *   POST /api/v1/areas/{id}/backups/{b}/restore    {"confirm": NAME}: into the area (202);
 *                                                  {"into": "new", "name": NAME}: into a new
 *                                                  area (201, the new area)
 * The transfers are tasks (jobs/backups.c); these answer at once.
 */
#include <string.h>

#include "api/api.h"
#include "api/handlers.h"
#include "api/list.h"
#include "base/ctx.h"
#include "model/areas/area.h"
#include "model/areas/backup.h"
#include "base/banned.h"

static json_t *
backup_json(const struct ob_backup *b)
{
    return json_pack("{s:I, s:s, s:s, s:s?, s:I, s:s?, s:s?, s:o, s:o, s:o, s:i, s:s?}", "id",
                     (json_int_t)b->id, "kind", b->kind, "state", b->state, "day",
                     b->day[0] ? b->day : NULL, "size", (json_int_t)b->size, "sha256",
                     b->sha256[0] ? b->sha256 : NULL, "version",
                     b->version[0] ? b->version : NULL, "created_at",
                     ob_api_instant(b->created_at), "stored_at",
                     b->stored_at ? ob_api_instant(b->stored_at) : json_null(), "verified_at",
                     b->verified_at ? ob_api_instant(b->verified_at) : json_null(), "attempts",
                     b->attempts, "error", b->error[0] ? b->error : NULL);
}

static json_t *
restore_json(const struct ob_restore *r)
{
    return json_pack("{s:I, s:I, s:I, s:o, s:b, s:s, s:s?, s:o, s:o}", "id", (json_int_t)r->id,
                     "area", (json_int_t)r->area, "backup", (json_int_t)r->backup, "before",
                     r->before ? json_integer(r->before) : json_null(), "into_new", r->into_new,
                     "state", r->state, "error", r->error && r->error[0] ? r->error : NULL,
                     "created_at", ob_api_instant(r->created_at), "finished_at",
                     r->finished_at ? ob_api_instant(r->finished_at) : json_null());
}

static int
backup_row(const struct ob_backup *b, void *arg)
{
    return ob_list_add(arg, b->id, backup_json(b));
}

static int
pending_row(const struct ob_backup *b, void *arg)
{
    return json_array_append_new(arg, backup_json(b)) == 0 ? 0 : OB_EINTERNAL;
}

int
ob_api_backups_list(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_restore r = { 0 };
    struct ob_list l;
    json_t *pending;
    int64_t id = 0;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_list_begin(req, &l)) != 0)
        return rc;
    l.name = "backups";
    if ((rc = ob_backup_list(req->ctx, id, l.after, l.limit, backup_row, &l)) != 0) {
        ob_list_free(&l);
        return rc;
    }
    pending = json_array();
    if ((rc = ob_backup_pending(req->ctx, id, pending_row, pending)) != 0 ||
        ((rc = ob_restore_last(req->ctx, id, &r)) != 0 && rc != OB_ENOTFOUND)) {
        json_decref(pending);
        ob_list_free(&l);
        return rc;
    }
    if ((rc = ob_list_end(req, resp, &l)) != 0 || !json_is_object(resp->json)) {
        json_decref(pending);
        return rc;
    }
    json_object_set_new(resp->json, "pending", pending);
    json_object_set_new(resp->json, "restore", r.id ? restore_json(&r) : json_null());
    return 0;
}

int
ob_api_backups_create(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_backup b;
    int64_t id = 0, bid = 0;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_backup_request(req->ctx, id, &bid)) != 0)
        return rc;
    if ((rc = ob_backup_load(req->ctx, bid, &b)) != 0)
        return rc;
    return ob_resp_json(resp, 202, backup_json(&b));
}

int
ob_api_backups_restore(struct ob_req *req, struct ob_resp *resp)
{
    static const char *const fields[] = { "confirm", "into", "name", NULL };
    const char *confirm = NULL, *into = NULL, *name = NULL;
    struct ob_restore r = { 0 };
    struct ob_area a;
    int64_t id = 0, bid = 0, restore = 0, area = 0;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_req_id(req, "b", &bid)) != 0 ||
        (rc = ob_req_object(req)) != 0 ||
        (rc = ob_api_only_members(req, req->json, "", fields)) != 0 ||
        (rc = ob_req_str(req, "confirm", 200, false, &confirm)) != 0 ||
        (rc = ob_req_str(req, "into", 10, false, &into)) != 0 ||
        (rc = ob_req_str(req, "name", 100, false, &name)) != 0)
        return rc;
    if (into && strcmp(into, "new"))
        return ob_err_field(&req->ctx->err, OB_EINVAL, "into", "backup.into_new_only", "");
    if (into) {
        if (!name || !*name)
            return ob_err_field(&req->ctx->err, OB_EINVAL, "name", "field.required");
        if ((rc = ob_restore_into_new(req->ctx, id, bid, name, &area, &restore)) != 0 ||
            (rc = ob_area_get(req->ctx, area, &a)) != 0 ||
            (rc = ob_restore_load(req->ctx, restore, &r)) != 0)
            return rc;
        return ob_resp_json(resp, 201,
                            json_pack("{s:{s:I, s:s, s:s, s:s}, s:o}", "area", "id",
                                      (json_int_t)a.id, "name", a.name, "state", a.state, "phase",
                                      a.phase, "restore", restore_json(&r)));
    }
    if ((rc = ob_restore_start(req->ctx, id, bid, confirm, &restore)) != 0 ||
        (rc = ob_restore_load(req->ctx, restore, &r)) != 0)
        return rc;
    return ob_resp_json(resp, 202, restore_json(&r));
}
