/*
 * usage.c — POST /api/v1/usage (application backends, signed) and
 * GET /api/v1/subscribers/{id}/usage (R-CAT-6): cash registers' receipts per
 * day, and which register of the month is free or chargeable and why.
 */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/handlers.h"
#include "api/list.h"
#include "base/ctx.h"
#include "base/date.h"
#include "model/usage/usage.h"
#include "base/banned.h"

static int
report_registers(struct ob_req *req, struct ob_usage_report_in *in)
{
    static const char *const fields[] = { "id", "model", "receipts", NULL };
    json_t *arr = json_object_get(req->json, "registers");
    struct ob_usage_line *v;
    char prefix[48];
    int rc;

    if (!json_is_array(arr) || json_array_size(arr) < 1 ||
        json_array_size(arr) > OB_USAGE_REGISTERS_MAX)
        return ob_err_field(&req->ctx->err, OB_EINVAL, "registers", "usage.registers_count",
                            "max=%d", OB_USAGE_REGISTERS_MAX);
    v = ob_arena_alloc(&req->ctx->arena, sizeof(*v) * json_array_size(arr));
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *o = json_array_get(arr, i), *n;

        snprintf(prefix, sizeof(prefix), "registers[%zu].", i);
        if (!json_is_object(o))
            return ob_err_field(&req->ctx->err, OB_EINVAL, "registers", "usage.registers_count",
                                "max=%d", OB_USAGE_REGISTERS_MAX);
        if ((rc = ob_api_only_members(req, o, prefix, fields)) != 0)
            return rc;
        v[i].id = json_string_value(json_object_get(o, "id"));
        v[i].model = json_string_value(json_object_get(o, "model"));
        n = json_object_get(o, "receipts");
        v[i].receipts = json_is_integer(n) ? (int64_t)json_integer_value(n) : -1;
    }
    in->registers = v;
    in->nregisters = (int)json_array_size(arr);
    return 0;
}

static json_t *
report_json(const struct ob_usage_report_out *o)
{
    return json_pack("{s:s, s:s, s:s, s:i, s:I, s:o}", "report_id", o->report_id, "area", o->area,
                     "day", o->day, "registers", o->registers, "receipts",
                     (json_int_t)o->receipts, "received_at", ob_api_instant(o->received_at));
}

int
ob_api_usage_report(struct ob_req *req, struct ob_resp *resp)
{
    static const char *const fields[] = { "report_id", "area", "day", "registers", NULL };
    struct ob_usage_report_in in = { 0 };
    struct ob_usage_report_out out;
    char *canon;
    int rc;

    if (!req->ctx->actor.app)   /* a backend's call: to anyone else it names nothing */
        return ob_err_set(&req->ctx->err, OB_ENOTFOUND, "usage.backend_only");
    if ((rc = ob_req_object(req)) != 0 || (rc = ob_api_only_members(req, req->json, "", fields)) ||
        (rc = ob_req_str(req, "report_id", 64, true, &in.report_id)) != 0 ||
        (rc = ob_req_str(req, "area", 64, true, &in.area)) != 0 ||
        (rc = ob_req_str(req, "day", 10, true, &in.day)) != 0 ||
        (rc = report_registers(req, &in)) != 0)
        return rc;
    canon = json_dumps(req->json, JSON_COMPACT | JSON_SORT_KEYS);
    in.canon = canon ? ob_arena_strdup(&req->ctx->arena, canon) : "";
    free(canon);
    if ((rc = ob_usage_report(req->ctx, &in, &out)) != 0)
        return rc;
    return ob_resp_json(resp, out.replayed ? 200 : 201, report_json(&out));
}

/* ---- a client's month ------------------------------------------------------------------- */

static const char *
verdict(enum ob_usage_why why)
{
    if (why == OB_USAGE_FREE_PROMOTION || why == OB_USAGE_FREE_CONTRACT)
        return "free";
    return why == OB_USAGE_PAID_UNITS ? "paid" : "charged";
}

struct rows {
    struct ob_list *l;
    const struct ob_usage_month *m;
};

static int
day_json(const struct ob_usage_day_row *d, void *arg)
{
    struct rows *r = arg;
    const struct ob_usage_register *g = d->reg;
    const struct ob_usage_month *m = r->m;
    int64_t limit = m->allow.contract_limit > 0 ? m->allow.contract_limit : m->allow.promo_limit;
    json_t *row = json_pack(
        "{s:I, s:s, s:s, s:s, s:I, s:b, s:s, s:s, s:o, s:I, s:o, s:I, s:o, s:o, s:I}", "id",
        (json_int_t)d->seq, "register", g->id, "model", g->model, "date", d->day, "receipts",
        (json_int_t)d->receipts, "over", limit > 0 && d->receipts > limit, "verdict",
        verdict(g->why), "why", ob_usage_why_name(g->why), "first_seen", ob_api_day(g->first_seen),
        "max_receipts", (json_int_t)g->max_receipts, "max_day", ob_api_day(g->max_day),
        "receipts_limit", (json_int_t)limit, "promotion",
        ob_api_str(g->why == OB_USAGE_FREE_PROMOTION ? m->promotion : NULL), "contract",
        ob_api_str(g->why == OB_USAGE_FREE_CONTRACT ? m->contract : NULL), "price",
        (json_int_t)(ob_usage_charged(g->why) ? m->unit_price : 0));

    return ob_list_add(r->l, d->seq, row);
}

int
ob_api_usage_month(struct ob_req *req, struct ob_resp *resp)
{
    const char *month = ob_req_query(req, "month");
    struct ob_usage_month m;
    char today[OB_DATE_LEN];
    struct ob_list l;
    struct rows r = { &l, &m };
    int64_t sub = 0;
    int rc;

    if (!month || !*month) {
        ob_date_format(ob_clock_today(req->ctx), today);
        today[7] = '\0';
        month = today;
    }
    /* the month is read whole before an export starts streaming rows */
    if ((rc = ob_req_id(req, "id", &sub)) != 0 ||
        (rc = ob_usage_month_get(req->ctx, sub, month, &m)) != 0 ||
        (rc = ob_list_begin(req, &l)) != 0)
        return rc;
    l.name = "usage";
    if ((rc = ob_usage_days(req->ctx, &m, l.after, l.limit, day_json, &r)) != 0) {
        ob_list_free(&l);
        return rc;
    }
    return ob_list_end(req, resp, &l);
}
