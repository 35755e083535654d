/*
 * testclock.c — routes that exist only on a server started with
 * --test-clock: read and move the service clock, and enqueue/inspect a
 * 'test.note' task (the tests' probe of the job runner), and run periodic
 * jobs now in this process (the time-travel tests' daily jobs).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/ops.h"
#include "base/ctx.h"
#include "base/date.h"
#include "model/core/setting.h"
#include "model/core/task.h"
#include "model/core/testnote.h"
#include "jobs/jobs.h"
#include "base/banned.h"

static json_t *
clock_json(struct ob_ctx *ctx)
{
    int64_t now = ob_clock_now(ctx);
    char instant[OB_INSTANT_LEN], date[OB_DATE_LEN];

    ob_instant_format(now, instant);
    ob_date_format(ob_date_of_instant(now), date);
    return json_pack("{s:s, s:s, s:s, s:I}", "now", instant, "date", date, "time_zone",
                     ob_tz_name(), "offset", (json_int_t)ctx->clock_offset);
}

int
ob_api_clock_get(struct ob_req *req, struct ob_resp *resp)
{
    return ob_resp_json(resp, 200, clock_json(req->ctx));
}

int
ob_api_clock_set(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_ctx *ctx = req->ctx;
    json_t *now = json_object_get(req->json, "now");
    json_t *advance = json_object_get(req->json, "advance");
    int64_t target;
    int rc;

    if (!json_is_object(req->json) || (!now == !advance))
        return ob_err_field(&ctx->err, OB_EINVAL, "now", "testclock.at_or_advance");
    if (now) {
        if (!json_is_string(now) || ob_instant_parse(json_string_value(now), &target) != 0)
            return ob_err_field(&ctx->err, OB_EINVAL, "now", "testclock.at_format");
    } else {
        if (!json_is_integer(advance) || json_integer_value(advance) < 0 ||
            json_integer_value(advance) > 100LL * 366 * 86400)
            return ob_err_field(&ctx->err, OB_EINVAL, "advance", "testclock.advance_range");
        target = ob_clock_now(ctx) + (int64_t)json_integer_value(advance);
    }
    if (!ob_date_in_window(ob_date_of_instant(target)))
        return ob_err_field(&ctx->err, OB_EINVAL, now ? "now" : "advance", "testclock.out_of_range",
                            "date_input_first=%s date_input_last=%s", OB_DATE_INPUT_FIRST,
                            OB_DATE_INPUT_LAST);
    if ((rc = ob_testclock_set(ctx, target)) != 0)
        return rc;
    return ob_resp_json(resp, 200, clock_json(ctx));
}

int
ob_api_test_task_create(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_ctx *ctx = req->ctx;
    json_t *j = req->json, *key;
    char *payload;
    int64_t id;
    int rc;

    if (!json_is_object(j) || !json_is_string(json_object_get(j, "note")))
        return ob_err_field(&ctx->err, OB_EINVAL, "note", "testclock.at_required");
    key = json_object_get(j, "unique_key");
    if (key && !json_is_string(key))
        return ob_err_field(&ctx->err, OB_EINVAL, "unique_key", "field.string");
    payload = json_dumps(j, JSON_COMPACT);
    rc = ob_task_enqueue(ctx, "test.note", payload, key ? json_string_value(key) : NULL,
                         (int)json_integer_value(json_object_get(j, "max_attempts")), &id);
    free(payload);
    if (rc != 0)
        return rc;
    return ob_resp_json(resp, 201, json_pack("{s:I}", "id", (json_int_t)id));
}

int
ob_api_test_task_get(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_ctx *ctx = req->ctx;
    const char *idtext = ob_req_param(req, "id");
    struct ob_task_info t;
    int64_t notes = 0;
    char *end;
    int64_t id = strtoll(idtext, &end, 10);
    int rc;

    if (*end || id <= 0)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "testclock.task_not_found", "idtext=%s", idtext);
    if ((rc = ob_task_get(ctx, id, &t)) != 0 || (rc = ob_testnote_count(ctx, id, &notes)) != 0)
        return rc;
    return ob_resp_json(resp, 200,
                        json_pack("{s:I, s:s, s:s, s:i, s:i, s:s?, s:I}", "id", (json_int_t)t.id,
                                  "kind", t.kind, "state", t.state, "attempts", t.attempts,
                                  "max_attempts", t.max_attempts, "last_error", t.last_error,
                                  "notes", (json_int_t)notes));
}

/* Run periodic jobs now, one after the other, as `oblako jobs run NAME...`
 * does (each still takes its lease): a day of the time-travel tests runs its
 * daily jobs here, without starting a process. The first failure stops. */
int
ob_api_test_jobs_run(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_ctx *ctx = req->ctx;
    json_t *names = json_is_object(req->json) ? json_object_get(req->json, "names") : NULL;
    json_t *v, *out;
    char node[128], detail[256];
    size_t i;
    int rc;

    if (!json_is_array(names) || json_array_size(names) == 0)
        return ob_err_field(&ctx->err, OB_EINVAL, "names", "field.required");
    json_array_foreach(names, i, v) {
        if (!json_is_string(v))
            return ob_err_field(&ctx->err, OB_EINVAL, "names", "field.string");
    }
    ob_jobs_node_id(node, sizeof(node));
    out = json_array();
    json_array_foreach(names, i, v) {
        detail[0] = '\0';
        if ((rc = ob_jobs_run_now(ctx, node, json_string_value(v), detail, sizeof(detail))) != 0) {
            json_decref(out);
            return rc;
        }
        json_array_append_new(out, json_pack("{s:s, s:s}", "name", json_string_value(v), "detail",
                                             detail));
    }
    return ob_resp_json(resp, 200, json_pack("{s:o}", "ran", out));
}
