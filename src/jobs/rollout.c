/*
 * rollout.c — application versions moved onto data areas
 * (model/areas/version.h):
 *
 *   area.version   PUT {backend}/oblako/areas/{key}/version {"version"}; the
 *                  area's phase 'updating' ends with its new version, or with
 *                  the backend's reason (a 4xx other than 408/429, or the last
 *                  attempt's error) on the area's roll-out row
 *   rollout        the interval job that moves the roll-outs on in waves
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/ctx.h"
#include "db/db.h"
#include "jobs/jobs.h"
#include "model/areas/area.h"
#include "model/areas/backend.h"
#include "model/areas/version.h"
#include "model/core/task.h"
#include "base/banned.h"

struct done {
    const char *node;
    const struct ob_task *t;
    int64_t area, rollout;
    bool ok;
    const char *version, *reason;
};

static int
done_tx(struct ob_ctx *ctx, void *arg)
{
    struct done *d = arg;
    int rc = ob_version_done(ctx, d->area, d->rollout, d->ok, d->version, d->reason);

    return rc != 0 ? rc : ob_task_finish(ctx, d->node, d->t);
}

int
ob_task_area_version(struct ob_ctx *ctx, const char *node, const struct ob_task *t, char *error,
                     size_t size)
{
    json_t *p = json_loads(t->payload, 0, NULL), *body;
    struct done d = { .node = node, .t = t };
    struct ob_backend_answer ans;
    struct ob_backend b;
    struct ob_area a;
    char path[128], *text;
    const char *version = json_string_value(json_object_get(p, "version"));
    int rc;

    d.area = json_integer_value(json_object_get(p, "area"));
    d.rollout = json_integer_value(json_object_get(p, "rollout"));
    if (d.area <= 0 || !version) {
        json_decref(p);
        snprintf(error, size, "payload has no 'area' or 'version'");
        return OB_EINVAL;
    }
    if ((rc = ob_area_load(ctx, d.area, &a)) != 0) {
        json_decref(p);
        snprintf(error, size, "%s", ctx->err.message);
        return rc == OB_ENOTFOUND ? OB_EINVAL : rc;
    }
    if (strcmp(a.phase, "updating")) {    /* the area moved on: nothing to ask */
        json_decref(p);
        return ob_task_done(ctx, node, t);
    }
    if (ob_backend_load(ctx, a.app, &b) != 0) {
        json_decref(p);
        snprintf(error, size, "%s", ctx->err.message);
        return OB_EUNAVAIL;
    }
    snprintf(path, sizeof(path), "/oblako/areas/%s/version", a.key);
    body = json_pack("{s:s}", "version", version);
    text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    ob_backend_json_call(ctx->cfg, &b, "PUT", path, text, &ans);
    free(text);
    d.version = json_string_value(json_object_get(ans.json, "version"));
    if (ans.ok && d.version && !strcmp(d.version, version)) {
        d.ok = true;
    } else {
        if (ans.ok)
            snprintf(ans.error, sizeof(ans.error), "the backend answered version %.40s, not %.40s",
                     d.version ? d.version : "none", version);
        snprintf(error, size, "%s", ans.error);
        if (!ans.permanent && t->attempts < t->max_attempts) {
            json_decref(ans.json);
            json_decref(p);
            return OB_EUNAVAIL;
        }
        /* what people read on the roll-out page: the backend's own words when it gave them */
        d.reason = json_string_value(json_object_get(ans.json, "detail"));
        if (!d.reason || !*d.reason)
            d.reason = ans.error;
    }
    rc = ob_db_tx(ctx, OB_DB_WRITE, done_tx, &d);
    if (rc != 0)
        snprintf(error, size, "%s", ctx->err.message);
    json_decref(ans.json);
    json_decref(p);
    return rc;
}

int
ob_job_rollout_run(struct ob_ctx *ctx, char *detail, size_t size)
{
    int started = 0, waiting = 0, rc = ob_rollout_step(ctx, &started, &waiting);

    snprintf(detail, size, "%d data areas started updating, %d wait for their sessions",
             started, waiting);
    return rc;
}
