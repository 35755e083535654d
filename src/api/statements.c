/*
 * statements.c — the monthly partner statements (R-BIL-1..4):
 * GET /api/v1/statements, GET /api/v1/statements/{id} (and its documents
 * with ?format=pdf|xlsx|csv), GET /api/v1/statements/{id}/lines, and the
 * provider's months: GET /api/v1/statement-months, GET …/{month},
 * POST …/{month}/runs.
 *
 * Who sees what is model/statements/view.c's: a partner's employees their
 * own partner's statements (another's is 404), provider staff all, anyone
 * else an empty list and 404. Lists page by ?after= and export CSV/XLSX
 * through api/list.c; a document is rendered by export/statement_doc.c
 * after the access check here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/handlers.h"
#include "api/list.h"
#include "base/ctx.h"
#include "export/statement_doc.h"
#include "model/identity/access.h"
#include "model/statements/statement.h"
#include "model/statements/view.h"
#include "base/banned.h"

static json_t *
statement_json(const struct ob_statement *s)
{
    return json_pack("{s:I, s:s, s:{s:I, s:s}, s:s, s:o, s:{s:s, s:s, s:s}, s:I, s:I, s:I, "
                     "s:s, s:o, s:o}",
                     "id", (json_int_t)s->id, "month", s->month, "partner", "id",
                     (json_int_t)s->partner, "name", s->partner_name, "state", s->state,
                     "number", s->number[0] ? json_string(s->number) : json_null(), "payer",
                     "kind", s->payer_kind, "name", s->payer_name, "email", s->payer_email,
                     "lines", (json_int_t)s->lines, "total_price", (json_int_t)s->total_price,
                     "total_due", (json_int_t)s->total_due, "content_hash", s->content_hash,
                     "drafted_at", ob_api_instant(s->drafted_at), "closed_at",
                     ob_api_instant(s->closed_at));
}

static int
list_row(const struct ob_statement *s, void *arg)
{
    return ob_list_add(arg, s->id, statement_json(s));
}

static int
month_arg(struct ob_req *req, const char *v, const char **out)
{
    int64_t from, to;

    *out = NULL;
    if (!v || !*v)
        return 0;
    if (ob_statement_month_bounds(v, &from, &to) != 0)
        return ob_err_field(&req->ctx->err, OB_EINVAL, "month", "statement.month_invalid",
                            "month=%s", v);
    *out = v;
    return 0;
}

int
ob_api_statements_list(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_statement_filter f = { 0 };
    const char *state = ob_req_query(req, "state");
    struct ob_list l;
    int rc;

    if ((rc = ob_api_query_id(req, "partner", &f.partner)) != 0 ||
        (rc = month_arg(req, ob_req_query(req, "month"), &f.month)) != 0)
        return rc;
    if (state && *state) {
        if (strcmp(state, "draft") && strcmp(state, "closed"))
            return ob_err_field(&req->ctx->err, OB_EINVAL, "state", "field.draft_closed");
        f.state = state;
    }
    if ((rc = ob_list_begin(req, &l)) != 0)
        return rc;
    l.name = "statements";
    f.after = l.after;
    if ((rc = ob_statement_list(req->ctx, &f, l.limit, list_row, &l)) != 0) {
        ob_list_free(&l);
        return rc;
    }
    return ob_list_end(req, resp, &l);
}

static int
sum_row(const struct ob_statement_sum *s, void *arg)
{
    json_array_append_new(arg, json_pack("{s:s, s:I, s:I}", "rule", s->key, "lines",
                                         (json_int_t)s->lines, "amount_due",
                                         (json_int_t)s->amount_due));
    return 0;
}

/* ?format=pdf|xlsx|csv: the statement as a document (export/statement_doc.h). */
static int
document(struct ob_req *req, struct ob_resp *resp, const struct ob_statement *s,
         const char *format)
{
    const char *v = ob_req_query(req, "volume");
    int volume = 1, volumes = 0, fd = -1, rc;
    size_t size = 0;
    char name[96];

    if (strcmp(format, "pdf") && strcmp(format, "xlsx") && strcmp(format, "csv"))
        return ob_err_field(&req->ctx->err, OB_EINVAL, "format", "statement_doc.format");
    if (v && *v) {
        char *end;
        long n = strtol(v, &end, 10);

        if (*end || n < 1 || n > 100000)
            return ob_err_field(&req->ctx->err, OB_EINVAL, "volume", "field.positive_number");
        volume = (int)n;
    }
    if ((rc = ob_statement_render(req->ctx, s->id, format, volume, &fd, &size, &volumes)) != 0)
        return rc;
    ob_statement_doc_filename(s->id, s->month, s->number[0] ? s->number : NULL, format, volume,
                              volumes, name, sizeof(name));
    resp->status = 200;
    resp->has_fd = true;
    resp->fd = fd;
    resp->fd_size = size;
    resp->content_type = ob_statement_doc_mime(format);
    ob_resp_header(resp, "Content-Disposition",
                   ob_arena_printf(&req->ctx->arena, "attachment; filename=\"%s\"", name));
    ob_resp_header(resp, "X-Statement-Volumes", ob_arena_printf(&req->ctx->arena, "%d", volumes));
    ob_resp_header(resp, "Cache-Control", "no-store");
    return 0;
}

int
ob_api_statements_get(struct ob_req *req, struct ob_resp *resp)
{
    const char *format = ob_req_query(req, "format");
    struct ob_statement s;
    json_t *o, *rules;
    int64_t id;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_statement_get(req->ctx, id, &s)) != 0)
        return rc;
    if (format && *format && strcmp(format, "json"))
        return document(req, resp, &s, format);
    rules = json_array();
    if ((rc = ob_statement_by_rule(req->ctx, id, sum_row, rules)) != 0) {
        json_decref(rules);
        return rc;
    }
    o = statement_json(&s);
    json_object_set_new(o, "by_rule", rules);
    return ob_resp_json(resp, 200, o);
}

static int
line_row(const struct ob_statement_line *x, void *arg)
{
    json_t *o = json_pack(
        "{s:I, s:s, s:o, s:{s:I, s:I, s:s}, s:{s:s, s:s, s:s}, s:s, s:s, s:s, s:s, s:I, s:I, "
        "s:I, s:s, s:I}",
        "seq", (json_int_t)x->seq, "line_kind", x->line_kind, "subscription",
        x->subscription ? json_integer(x->subscription) : json_null(), "subscriber", "id",
        (json_int_t)x->subscriber, "code", (json_int_t)x->subscriber_code, "name",
        x->subscriber_name, "tariff", "code", x->tariff_code, "name_ru", x->tariff_name_ru,
        "name_en", x->tariff_name_en, "partner_tariff_name", x->partner_tariff_name, "kind",
        x->kind, "start", x->start, "through", x->through, "quantity", (json_int_t)x->quantity,
        "price", (json_int_t)x->price, "discount_pct", (json_int_t)x->discount_pct, "rule",
        x->rule, "amount_due", (json_int_t)x->amount_due);

    json_object_set_new(o, "corrects",
                        x->corrects_statement
                            ? json_pack("{s:I, s:o, s:I}", "statement",
                                        (json_int_t)x->corrects_statement, "number",
                                        ob_api_str(x->corrects_number[0] ? x->corrects_number
                                                                         : NULL),
                                        "seq", (json_int_t)x->corrects_seq)
                            : json_null());
    json_object_set_new(o, "request", x->request ? json_integer(x->request) : json_null());
    json_object_set_new(o, "register", ob_api_str(x->register_id[0] ? x->register_id : NULL));
    json_object_set_new(o, "usage_month", ob_api_str(x->usage_month[0] ? x->usage_month : NULL));
    return ob_list_add(arg, x->seq, o);
}

int
ob_api_statements_lines(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_statement_line_filter f = { 0 };
    const char *rule = ob_req_query(req, "rule");
    struct ob_list l;
    int rc;

    if ((rc = ob_req_id(req, "id", &f.statement)) != 0 ||
        (rc = ob_api_query_id(req, "subscriber", &f.subscriber)) != 0)
        return rc;
    f.rule = rule && *rule ? rule : NULL;
    if ((rc = ob_list_begin(req, &l)) != 0)
        return rc;
    l.name = "statement-lines";
    f.after = l.after;
    if ((rc = ob_statement_line_list(req->ctx, &f, l.limit, line_row, &l)) != 0) {
        ob_list_free(&l);
        return rc;
    }
    return ob_list_end(req, resp, &l);
}

/* ---- the provider's months ---- */

struct months {
    struct ob_req *req;
    json_t *items;
};

static int
rule_sum(const struct ob_statement_sum *s, void *arg)
{
    json_array_append_new(arg, json_pack("{s:s, s:I, s:I}", "rule", s->key, "lines",
                                         (json_int_t)s->lines, "amount_due",
                                         (json_int_t)s->amount_due));
    return 0;
}

static int
payer_sum(const struct ob_statement_sum *s, void *arg)
{
    json_array_append_new(arg, json_pack("{s:s, s:s, s:I}", "kind", s->key, "name", s->name,
                                         "total_due", (json_int_t)s->amount_due));
    return 0;
}

static int
month_item(const struct ob_statement_month *m, void *arg)
{
    struct months *ms = arg;
    json_t *rules = json_array();
    int rc = ob_statement_month_sums(ms->req->ctx, m->month, false, rule_sum, rules);

    json_array_append_new(ms->items, json_pack("{s:s, s:s, s:I, s:o}", "month", m->month,
                                               "state", m->state, "total_due",
                                               (json_int_t)m->total_due, "by_rule", rules));
    return rc;
}

int
ob_api_statement_months_list(struct ob_req *req, struct ob_resp *resp)
{
    const char *v = ob_req_query(req, "last");
    struct months ms = { req, json_array() };
    long last = 12;
    int rc;

    if (v && *v) {
        char *end;

        last = strtol(v, &end, 10);
        if (*end || last < 1 || last > 120) {
            json_decref(ms.items);
            return ob_err_field(&req->ctx->err, OB_EINVAL, "last", "field.limit_range",
                                "max_limit=%d", 120);
        }
    }
    /* a month's sums run inside the months' loop: keep their strings */
    if ((rc = ob_statement_months(req->ctx, (int)last, month_item, &ms)) != 0) {
        json_decref(ms.items);
        return rc;
    }
    return ob_resp_json(resp, 200, json_pack("{s:o}", "items", ms.items));
}

static json_t *
run_json(const struct ob_statement_run *r)
{
    return json_pack("{s:I, s:s, s:s, s:I, s:I, s:o, s:o, s:o}", "id", (json_int_t)r->id, "month",
                     r->month, "state", r->state, "done", (json_int_t)r->done, "total",
                     (json_int_t)r->total, "started_at", ob_api_instant(r->started_at),
                     "finished_at", ob_api_instant(r->finished_at), "error",
                     ob_api_str(r->error && r->error[0] ? r->error : NULL));
}

static int
partner_item(const struct ob_statement *s, void *arg)
{
    json_array_append_new(arg, json_pack("{s:{s:I, s:s}, s:I, s:I, s:I, s:{s:s, s:s}}",
                                         "partner", "id", (json_int_t)s->partner, "name",
                                         s->partner_name, "statement", (json_int_t)s->id,
                                         "lines", (json_int_t)s->lines, "total_due",
                                         (json_int_t)s->total_due, "payer", "kind",
                                         s->payer_kind, "name", s->payer_name));
    return 0;
}

int
ob_api_statement_months_get(struct ob_req *req, struct ob_resp *resp)
{
    const char *month = ob_req_param(req, "month");
    struct ob_statement_filter f = { .month = month };
    struct ob_statement_month m;
    struct ob_statement_run r;
    json_t *partners, *payers, *rules;
    bool found = false;
    int rc;

    if ((rc = ob_statement_month_get(req->ctx, month, &m)) != 0 ||
        (rc = ob_statement_run_last(req->ctx, month, &r, &found)) != 0)
        return rc;
    partners = json_array();
    payers = json_array();
    rules = json_array();
    if ((rc = ob_statement_list(req->ctx, &f, 1000000, partner_item, partners)) != 0 ||
        (rc = ob_statement_month_sums(req->ctx, month, true, payer_sum, payers)) != 0 ||
        (rc = ob_statement_month_sums(req->ctx, month, false, rule_sum, rules)) != 0) {
        json_decref(partners);
        json_decref(payers);
        json_decref(rules);
        return rc;
    }
    return ob_resp_json(resp, 200,
                        json_pack("{s:s, s:s, s:o, s:I, s:o, s:o, s:o, s:o}", "month", month,
                                  "state", m.state, "closed_at", ob_api_instant(m.closed_at),
                                  "total_due", (json_int_t)m.total_due, "run",
                                  found ? run_json(&r) : json_null(), "partners", partners,
                                  "by_payer", payers, "by_rule", rules));
}

int
ob_api_statement_months_run(struct ob_req *req, struct ob_resp *resp)
{
    const char *month = ob_req_param(req, "month");
    struct ob_statement_run r = { 0 };
    int rc;

    if ((rc = ob_access_provider(req->ctx, OB_ROLE_ADMIN)) != 0)
        return rc;
    rc = ob_statement_run_queue(req->ctx, month, &r);
    if (rc == OB_ECONFLICT && !strcmp(req->ctx->err.reason, "statement.run_running") && r.id) {
        /* a run of the month is alive or queued: this request asks for the
         * same thing, so it gets that run (R-OPS-3: safe to ask twice) */
        ob_err_clear(&req->ctx->err);
        rc = 0;
    }
    if (rc != 0)
        return rc;
    return ob_resp_json(resp, 202, run_json(&r));
}
