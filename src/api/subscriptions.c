/*
 * subscriptions.c — POST /api/v1/subscriptions, POST …/quote,
 * GET /api/v1/subscriptions, GET/PATCH /api/v1/subscriptions/{id},
 * GET /api/v1/subscribers/{id}/entitlement (R-SUB-0..8, R-BIL-2).
 *
 * A subscription renders with its dates as stored ([start, end)) and
 * "through" (L = end − 1, what people are shown, R-SUB-0). A quote is the
 * same body as a posting and answers what the posting would store, so the
 * posting screen shows the discount rule and the amount due first.
 */
#include <string.h>

#include "api/api.h"
#include "api/handlers.h"
#include "api/list.h"
#include "base/ctx.h"
#include "base/date.h"
#include "base/json.h"
#include "base/lru.h"
#include "db/db.h"
#include "model/areas/archive.h"
#include "model/identity/access.h"
#include "model/subscriptions/subscription.h"
#include "base/banned.h"


/* A subscription as `ctx`'s actor may see it: the subscriber's own people
 * are shown the retail price, never the partner's discount or the amount
 * the partner owes (issue 11); nor is a partner that serves the client now
 * shown those of another partner's posting (a client transferred to it,
 * R-TRF-1). */
static json_t *
sub_json(struct ob_ctx *ctx, const struct ob_subscription *s)
{
    json_t *o = json_pack(
        "{s:I, s:{s:I, s:I, s:s}, s:s, s:{s:I, s:s, s:s}, s:o, s:o, s:o, s:i, s:i, s:I, "
        "s:{s:i, s:s}, s:I, s:s}",
        "id", (json_int_t)s->id, "subscriber", "id", (json_int_t)s->subscriber, "code",
        (json_int_t)s->subscriber_code, "name", s->subscriber_name, "kind", s->kind, "tariff",
        "id", (json_int_t)s->tariff, "code", s->tariff_code, "name", s->tariff_name, "start",
        ob_api_day(s->start), "end", ob_api_day(s->end), "through", ob_api_day(s->end - 1),
        "term_months", s->term_months, "quantity", s->quantity, "price", (json_int_t)s->price,
        "discount", "pct", s->discount_pct, "rule", s->discount_rule, "amount_due",
        (json_int_t)s->amount_due, "state", s->state);

    json_object_set_new(json_object_get(o, "tariff"), "name_ru",
                        json_string(s->tariff_name_ru ? s->tariff_name_ru : ""));
    json_object_set_new(json_object_get(o, "tariff"), "name_en", json_string(s->tariff_name));
    json_object_set_new(o, "partner_price",
                        s->partner_price >= 0 ? json_integer(s->partner_price) : json_null());
    json_object_set_new(o, "main", s->main ? json_integer(s->main) : json_null());
    json_object_set_new(o, "declarations", json_pack("{s:b, s:b}", "new_client", s->new_client,
                                                     "from_local_its", s->from_local_its));
    json_object_set_new(o, "posted_at", s->posted_at ? ob_api_instant(s->posted_at)
                                                     : json_null());
    if (*s->reason)
        json_object_set_new(o, "reason", json_string(s->reason));
    if (ob_access_subscriber_only(ctx, s->subscriber) ||
        (s->partner && !ctx->actor.system && !ob_access_provider_roles(ctx) &&
         !ob_access_roles(ctx, s->partner))) {
        json_object_del(o, "discount");
        json_object_del(o, "amount_due");
    }
    return o;
}

static int
decl(struct ob_req *req, json_t *d, const char *name, bool *out)
{
    json_t *v = d ? json_object_get(d, name) : NULL;

    if (!v || json_is_null(v))
        return 0;
    if (!json_is_boolean(v))
        return ob_err_field(&req->ctx->err, OB_EINVAL,
                            ob_arena_printf(&req->ctx->arena, "declarations.%s", name),
                            "subscription.declaration_boolean", "name=%s", name);
    *out = json_is_true(v);
    return 0;
}

static int
small_int(struct ob_req *req, const char *name, int *out)
{
    json_t *v = json_object_get(req->json, name);

    if (!v || json_is_null(v))
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 100000)
        return ob_err_field(&req->ctx->err, OB_EINVAL, name, "field.positive_number");
    *out = (int)json_integer_value(v);
    return 0;
}

/* The tariff member: a code, or an id. */
static int
tariff_ref(struct ob_req *req, const char **out)
{
    json_t *v = json_object_get(req->json, "tariff");

    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (json_is_integer(v) && json_integer_value(v) > 0) {
        *out = ob_arena_printf(&req->ctx->arena, "%lld", (long long)json_integer_value(v));
        return 0;
    }
    return ob_req_str(req, "tariff", 100, false, out);
}

static int
read_body(struct ob_req *req, struct ob_subscription_new *in)
{
    static const char *const fields[] = { "subscriber", "kind", "tariff", "term_months",
                                          "start", "quantity", "main", "declarations",
                                          "its_contract", "reason", NULL };
    static const char *const dfields[] = { "new_client", "from_local_its", NULL };
    json_t *d;
    int rc;

    memset(in, 0, sizeof(*in));
    if ((rc = ob_req_object(req)) != 0 ||
        (rc = ob_api_only_members(req, req->json, "", fields)) != 0)
        return rc;
    d = json_object_get(req->json, "declarations");
    if (d && !json_is_null(d) && !json_is_object(d))
        return ob_err_field(&req->ctx->err, OB_EINVAL, "declarations", "field.object");
    if (d && json_is_object(d) && (rc = ob_api_only_members(req, d, "declarations.", dfields)))
        return rc;
    if ((rc = ob_api_req_int(req, "subscriber", &in->subscriber)) != 0 ||
        (rc = ob_req_str(req, "kind", 40, true, &in->kind)) != 0 ||
        (rc = tariff_ref(req, &in->tariff)) != 0 ||
        (rc = small_int(req, "term_months", &in->term_months)) != 0 ||
        (rc = ob_req_str(req, "start", 20, false, &in->start)) != 0 ||
        (rc = small_int(req, "quantity", &in->quantity)) != 0 ||
        (rc = ob_api_req_int(req, "main", &in->main)) != 0 ||
        (rc = ob_api_req_int(req, "its_contract", &in->its_contract)) != 0 ||
        (rc = ob_req_str(req, "reason", 2000, false, &in->reason)) != 0 ||
        (rc = decl(req, d, "new_client", &in->new_client)) != 0 ||
        (rc = decl(req, d, "from_local_its", &in->from_local_its)) != 0)
        return rc;
    if (!in->subscriber)
        return ob_err_field(&req->ctx->err, OB_EINVAL, "subscriber", "field.required");
    return 0;
}

struct post_arg {
    const struct ob_subscription_new *in;
    int64_t id;
};

/* Posting a paid subscription and bringing back the areas of a trial on its
 * way to the archive (model/areas/archive.h) are one transaction. */
static int
post_tx(struct ob_ctx *ctx, void *arg)
{
    struct post_arg *p = arg;
    struct ob_subscription s;
    int rc = ob_subscription_post(ctx, p->in, &p->id);

    if (rc == 0)
        rc = ob_subscription_get(ctx, p->id, &s);
    return rc != 0 ? rc : ob_archive_paid(ctx, s.subscriber);
}

int
ob_api_subscriptions_create(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_subscription_new in;
    struct ob_subscription s;
    struct post_arg p = { &in, 0 };
    int rc;

    if ((rc = read_body(req, &in)) != 0 || (rc = ob_db_tx(req->ctx, OB_DB_WRITE, post_tx, &p)) != 0 ||
        (rc = ob_subscription_get(req->ctx, p.id, &s)) != 0)
        return rc;
    return ob_resp_json(resp, 201, sub_json(req->ctx, &s));
}

int
ob_api_subscriptions_quote(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_subscription_new in;
    struct ob_subscription s;
    int rc;

    if ((rc = read_body(req, &in)) != 0 || (rc = ob_subscription_quote(req->ctx, &in, &s)) != 0)
        return rc;
    return ob_resp_json(resp, 200, sub_json(req->ctx, &s));
}

int
ob_api_subscriptions_get(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_subscription s;
    int64_t id;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 ||
        (rc = ob_subscription_get(req->ctx, id, &s)) != 0)
        return rc;
    return ob_resp_json(resp, 200, sub_json(req->ctx, &s));
}

/* The provider moves a trial's end with a reason (R-SUB-1a). */
int
ob_api_subscriptions_patch(struct ob_req *req, struct ob_resp *resp)
{
    static const char *const fields[] = { "end", "reason", NULL };
    const char *end = NULL, *reason = NULL;
    struct ob_subscription s;
    int64_t id;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_req_object(req)) != 0 ||
        (rc = ob_api_only_members(req, req->json, "", fields)) != 0 ||
        (rc = ob_req_str(req, "end", 20, true, &end)) != 0 ||
        (rc = ob_req_str(req, "reason", 2000, true, &reason)) != 0 ||
        (rc = ob_subscription_trial_set_end(req->ctx, id, end, reason)) != 0 ||
        (rc = ob_subscription_get(req->ctx, id, &s)) != 0)
        return rc;
    return ob_resp_json(resp, 200, sub_json(req->ctx, &s));
}

struct rows {
    struct ob_list *l;
    struct ob_ctx *ctx;
};

static int
row(const struct ob_subscription *s, const char *cursor, void *arg)
{
    struct rows *r = arg;

    return ob_list_add_text(r->l, cursor, sub_json(r->ctx, s));
}

static int
query_day(struct ob_req *req, const char *name, int32_t *out)
{
    const char *v = ob_req_query(req, name);

    *out = -1;
    if (!v || !*v)
        return 0;
    if (ob_date_parse_input(v, out) != 0)
        return ob_err_field(&req->ctx->err, OB_EINVAL, name, "field.date");
    return 0;
}

int
ob_api_subscriptions_list(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_subscription_filter f = { 0 };
    const char *sort = ob_req_query(req, "sort");
    struct ob_list l;
    struct rows r = { &l, req->ctx };
    int rc;

    if ((rc = ob_api_query_id(req, "subscriber", &f.subscriber)) != 0 ||
        (rc = ob_api_query_id(req, "partner", &f.partner)) != 0 ||
        (rc = query_day(req, "end_from", &f.end_from)) != 0 ||
        (rc = query_day(req, "end_to", &f.end_to)) != 0)
        return rc;
    if (sort && *sort) {
        f.desc = *sort == '-';
        if (strcmp(sort + f.desc, "end"))
            return ob_err_field(&req->ctx->err, OB_EINVAL, "sort", "field.end_or_minus_end");
        f.by_end = true;
    }
    if ((rc = ob_list_begin(req, &l)) != 0)
        return rc;
    l.name = "subscriptions";
    f.after = l.after_text;
    if ((rc = ob_subscription_list(req->ctx, &f, l.limit, row, &r)) != 0) {
        ob_list_free(&l);
        return rc;
    }
    return ob_list_end(req, resp, &l);
}

/* The entitlement's answer is written straight into the body (base/json.h)
 * rather than built as a jansson tree and dumped: applications read it for
 * every session they open, and the tree was a fifth of its CPU (issue 16).
 * The text is the tree's, member for member. */
static void
put_key(struct ob_buf *b, const char *key)
{
    ob_json_put_str(b, key);
    ob_buf_putc(b, ':');
}

static int
put_day(struct ob_buf *b, int32_t day)
{
    char d[OB_DATE_LEN];

    ob_date_format(day, d);
    return ob_json_put_str(b, d);
}

static void
put_limit(struct ob_buf *b, int v)
{
    if (v == OB_UNLIMITED)
        ob_buf_puts(b, "null");
    else
        ob_json_put_int(b, v);
}

static int
put_strings(struct ob_buf *b, const char *const *v, int n)
{
    int bad = 0;

    ob_buf_putc(b, '[');
    for (int i = 0; i < n; i++) {
        if (i > 0)
            ob_buf_putc(b, ',');
        bad |= ob_json_put_str(b, v[i]);
    }
    ob_buf_putc(b, ']');
    return bad;
}

/* {"app": "accounting", "unlimited": false, "areas": 2, "working": 1, "test": null}, … */
static int
put_areas(struct ob_buf *b, const struct ob_entitlement *e)
{
    int bad = 0;

    ob_buf_putc(b, '[');
    for (int i = 0; i < e->nareas; i++) {
        const struct ob_ent_area *a = &e->areas[i];

        ob_buf_puts(b, i > 0 ? ",{" : "{");
        put_key(b, "app");
        bad |= ob_json_put_str(b, a->app);
        ob_buf_puts(b, a->unlimited ? ",\"unlimited\":true" : ",\"unlimited\":false");
        ob_buf_puts(b, ",\"areas\":");
        put_limit(b, a->areas);
        ob_buf_puts(b, ",\"working\":");
        put_limit(b, a->working);
        ob_buf_puts(b, ",\"test\":");
        put_limit(b, a->test);
        ob_buf_putc(b, '}');
    }
    ob_buf_putc(b, ']');
    return bad;
}

/* {"deferred_renewal": {"available": false, "reason": "deferred_renewal.too_early",
 * "params": {"from": "2027-12-05", "through": "2028-01-05"}}, …} */
static int
put_actions(struct ob_buf *b, const struct ob_entitlement *e)
{
    int bad = 0;

    ob_buf_putc(b, '{');
    for (int i = 0; i < e->nactions; i++) {
        const struct ob_ent_action *x = &e->actions[i];
        const char *sep = "";

        if (i > 0)
            ob_buf_putc(b, ',');
        put_key(b, x->name);
        ob_buf_puts(b, x->reason ? "{\"available\":false,\"reason\":"
                                 : "{\"available\":true,\"reason\":");
        bad |= ob_json_put_str(b, x->reason);
        ob_buf_puts(b, ",\"params\":{");
        if (x->from) {
            put_key(b, "from");
            bad |= put_day(b, x->from);
            sep = ",";
        }
        if (x->through) {
            ob_buf_puts(b, sep);
            put_key(b, "through");
            bad |= put_day(b, x->through);
        }
        ob_buf_puts(b, "}}");
    }
    ob_buf_putc(b, '}');
    return bad;
}

static int
put_entitlement(struct ob_buf *b, int32_t day, const struct ob_entitlement *e)
{
    int bad = 0;

    ob_buf_reset(b);
    ob_buf_reserve(b, 2048);
    ob_buf_putc(b, '{');
    put_key(b, "date");
    bad |= put_day(b, day);
    ob_buf_puts(b, e->blocked ? ",\"blocked\":true,\"reason\":" : ",\"blocked\":false,\"reason\":");
    bad |= ob_json_put_str(b, e->blocked ? e->reason : NULL);
    ob_buf_puts(b, ",\"sessions\":");
    ob_json_put_int(b, e->sessions);
    ob_buf_puts(b, ",\"services\":");
    bad |= ob_json_put_str(b, e->services);
    ob_buf_puts(b, ",\"applications\":");
    bad |= put_strings(b, e->apps, e->napps);
    ob_buf_puts(b, ",\"choose\":");
    ob_json_put_int(b, e->choose);
    ob_buf_puts(b, ",\"areas\":");
    bad |= put_areas(b, e);
    ob_buf_puts(b, ",\"areas_add\":");
    ob_json_put_int(b, e->areas_add);
    ob_buf_puts(b, ",\"in_force\":[");
    for (int i = 0; i < e->nin_force; i++) {
        if (i > 0)
            ob_buf_putc(b, ',');
        ob_json_put_int(b, e->in_force[i]);
    }
    ob_buf_puts(b, "],\"through\":");
    if (e->has_through)
        bad |= put_day(b, e->through);
    else
        ob_buf_puts(b, "null");
    ob_buf_puts(b, ",\"actions\":");
    bad |= put_actions(b, e);
    ob_buf_putc(b, '}');
    return bad;
}

int
ob_api_subscriber_entitlement(struct ob_req *req, struct ob_resp *resp)
{
    const char *at = ob_req_query(req, "at");
    unsigned char key[OB_LRU_KEY];
    struct ob_entitlement e;
    int64_t id, gen;
    int32_t day;
    bool self;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0)
        return rc;
    if (!at || !*at)
        day = ob_date_of_instant(ob_clock_now(req->ctx));
    else if (ob_date_parse_input(at, &day) != 0)
        return ob_err_field(&req->ctx->err, OB_EINVAL, "at", "field.date");
    /* the generation is read before the answer is computed: an answer kept
     * under it is at least as new as it, so a write meanwhile only misses */
    if ((rc = ob_subscription_entitlement_gen(req->ctx, id, &gen, &self)) != 0)
        return rc;
    ob_lru_key_id(key, id, self ? 1 : 0);
    if (ob_api_ent_cache_get(key, id, gen, day, &resp->body))
        return ob_resp_json_written(resp, 200);
    if ((rc = ob_subscription_entitlement(req->ctx, id, day, &e)) != 0)
        return rc;
    if (put_entitlement(&resp->body, day, &e) != 0) {
        ob_buf_reset(&resp->body);
        return ob_err_set(&req->ctx->err, OB_EINTERNAL, "subscription.text_not_utf8");
    }
    ob_api_ent_cache_put(key, id, gen, day, &resp->body);
    return ob_resp_json_written(resp, 200);
}
