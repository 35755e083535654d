/*
 * catalog.c — GET/POST /api/v1/applications, GET/POST /api/v1/tariffs,
 * PATCH /api/v1/tariffs/{id}, POST /api/v1/tariffs/{id}/prices,
 * GET/POST /api/v1/partner-tariffs, GET /api/v1/partner-tariffs/{tariff},
 * GET/POST /api/v1/promotions, PATCH /api/v1/promotions/{code}
 * (docs/rules.md R-CAT-1..5, §14).
 *
 * A tariff renders with its current version (options as JSON, in_use) and
 * every price row, plus the price of each allowed term in force today, so a
 * client never has to apply the yearly rule itself. Bodies are checked
 * member by member: an unknown member is `invalid` naming it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/handlers.h"
#include "api/list.h"
#include "base/ctx.h"
#include "base/date.h"
#include "model/identity/access.h"
#include "model/catalog/catalog.h"
#include "base/banned.h"


static json_t *
date_or_null(int32_t day)
{
    return day == OB_UNLIMITED ? json_null() : ob_api_day(day);
}

/* ---- applications -------------------------------------------------------------------- */

static json_t *
app_json(struct ob_ctx *ctx, const struct ob_app *a)
{
    bool provider = ob_access_provider_roles(ctx) != 0;

    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:b, s:s, s:b, s:o}", "id",
                     (json_int_t)a->id, "code", a->code, "name_ru", a->name_ru, "name_en",
                     a->name_en, "version", a->version, "backend_url",
                     provider ? json_string(a->backend_url) : json_null(), "has_secret",
                     provider ? json_boolean(a->has_secret) : json_null(), "restricted_to",
                     ob_api_str(a->restricted_to), "free", a->free, "lists", a->lists, "active",
                     a->active, "created_at", ob_api_instant(a->created_at));
}

struct rows {
    struct ob_ctx *ctx;
    struct ob_list *l;
};

static int
app_row(const struct ob_app *a, void *arg)
{
    struct rows *r = arg;

    return ob_list_add(r->l, a->id, app_json(r->ctx, a));
}

int
ob_api_catalog_apps_list(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_list l;
    struct rows r = { req->ctx, &l };
    int rc;

    if ((rc = ob_list_begin(req, &l)) != 0)
        return rc;
    l.name = "applications";
    if ((rc = ob_catalog_apps(req->ctx, l.after, l.limit, app_row, &r)) != 0) {
        ob_list_free(&l);
        return rc;
    }
    return ob_list_end(req, resp, &l);
}

static int
req_lists(struct ob_req *req, const char **out)
{
    json_t *v = json_object_get(req->json, "lists"), *e;
    const char *s = "";
    size_t i;

    *out = "";
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_array(v) || json_array_size(v) > 16)
        return ob_err_field(&req->ctx->err, OB_EINVAL, "lists", "field.list_names");
    json_array_foreach(v, i, e) {
        const char *n = json_string_value(e);

        if (!n || !*n || strlen(n) > 40 || strchr(n, ','))
            return ob_err_field(&req->ctx->err, OB_EINVAL, "lists", "field.list_names");
        s = ob_arena_printf(&req->ctx->arena, "%s%s%s", s, i ? "," : "", n);
    }
    *out = s;
    return 0;
}

int
ob_api_catalog_apps_create(struct ob_req *req, struct ob_resp *resp)
{
    static const char *const fields[] = { "code",          "name_ru", "name_en", "version",
                                          "backend_url",   "free",    "lists",   "restricted_to",
                                          NULL };
    struct ob_app a = { 0 };
    int free_ = 0, rc;

    if ((rc = ob_access_provider(req->ctx, OB_ROLE_ADMIN)) != 0 ||
        (rc = ob_req_object(req)) != 0 || (rc = ob_api_only_members(req, req->json, "", fields)) ||
        (rc = ob_req_str(req, "code", 40, true, &a.code)) != 0 ||
        (rc = ob_req_str(req, "name_ru", 200, true, &a.name_ru)) != 0 ||
        (rc = ob_req_str(req, "name_en", 200, true, &a.name_en)) != 0 ||
        (rc = ob_req_str(req, "version", 40, false, &a.version)) != 0 ||
        (rc = ob_req_str(req, "backend_url", 500, false, &a.backend_url)) != 0 ||
        (rc = ob_req_str(req, "restricted_to", 32, false, &a.restricted_to)) != 0 ||
        (rc = ob_api_bool_member(req, "free", &free_)) != 0 || (rc = req_lists(req, &a.lists)) != 0)
        return rc;
    a.free = free_;
    a.active = true;
    if ((rc = ob_catalog_app_create(req->ctx, &a)) != 0 ||
        (rc = ob_catalog_app_find(req->ctx, a.code, &a)) != 0)
        return rc;
    return ob_resp_json(resp, 201, app_json(req->ctx, &a));
}

int
ob_api_catalog_apps_patch(struct ob_req *req, struct ob_resp *resp)
{
    static const char *const fields[] = { "name_ru", "name_en", "version", "backend_url",
                                          "backend_secret", "active", NULL };
    struct ob_app_change ch = { .active = -1 };
    const char *code = ob_req_param(req, "code");
    struct ob_app a;
    int active = -1, rc;

    if ((rc = ob_access_provider(req->ctx, OB_ROLE_ADMIN)) != 0 ||
        (rc = ob_req_object(req)) != 0 || (rc = ob_api_only_members(req, req->json, "", fields)) ||
        (rc = ob_req_str(req, "name_ru", 200, false, &ch.name_ru)) != 0 ||
        (rc = ob_req_str(req, "name_en", 200, false, &ch.name_en)) != 0 ||
        (rc = ob_req_str(req, "version", 40, false, &ch.version)) != 0 ||
        (rc = ob_req_str(req, "backend_url", 500, false, &ch.backend_url)) != 0 ||
        (rc = ob_req_str(req, "backend_secret", 256, false, &ch.backend_secret)) != 0 ||
        (rc = ob_api_bool_member(req, "active", &active)) != 0)
        return rc;
    ch.active = active;
    if ((rc = ob_catalog_app_update(req->ctx, code, &ch)) != 0 ||
        (rc = ob_catalog_app_find(req->ctx, code, &a)) != 0)
        return rc;
    return ob_resp_json(resp, 200, app_json(req->ctx, &a));
}

/* ---- tariffs ------------------------------------------------------------------------- */

struct price_json {
    json_t *rows;
    struct ob_price *all;
    int n, cap;
    struct ob_ctx *ctx;
};

static int
price_row(const struct ob_price *p, void *arg)
{
    struct price_json *pj = arg;

    if (pj->n == pj->cap) {
        struct ob_price *b = ob_arena_alloc(&pj->ctx->arena, sizeof(*b) * (size_t)(pj->cap * 2 + 8));

        if (pj->n)
            memcpy(b, pj->all, sizeof(*b) * (size_t)pj->n);
        pj->all = b;
        pj->cap = pj->cap * 2 + 8;
    }
    pj->all[pj->n++] = *p;
    json_array_append_new(pj->rows,
                          json_pack("{s:I, s:i, s:I, s:o, s:o, s:b}", "id", (json_int_t)p->id,
                                    "term", p->term, "amount", (json_int_t)p->amount,
                                    "valid_from", date_or_null(p->from), "valid_to",
                                    date_or_null(p->to), "placeholder", p->placeholder));
    return 0;
}

/* {"1": 247200, "3": 741600, ...}: the price of each allowed term today. */
static json_t *
prices_now(const struct ob_tariff_options *o, const struct price_json *pj, int32_t today)
{
    static const int terms[] = { 0, 1, 3, 6, 12 };
    json_t *now = json_object();

    for (size_t i = 0; i < sizeof(terms) / sizeof(terms[0]); i++) {
        char key[8];
        int64_t amount;

        if (!ob_tariff_term_allowed(o, terms[i]) ||
            ob_price_pick(pj->all, pj->n, terms[i], today, &amount) != 0)
            continue;
        snprintf(key, sizeof(key), "%d", terms[i]);
        json_object_set_new(now, key, json_integer(amount));
    }
    return now;
}

static json_t *
tariff_json(struct ob_ctx *ctx, const struct ob_tariff *t)
{
    struct price_json pj = { json_array(), NULL, 0, 0, ctx };
    struct ob_tariff_version v = { 0 };
    json_t *options = NULL, *version = json_null(), *now = json_object();
    bool in_use = false;

    if (ob_catalog_version_load(ctx, t->version_id, &v) == 0 &&
        ob_catalog_version_in_use(ctx, v.id, &in_use) == 0) {
        options = json_loads(v.options_json, 0, NULL);
        version = json_pack("{s:I, s:i, s:o, s:b, s:o, s:o}", "id", (json_int_t)v.id, "number",
                            v.version, "options", options ? options : json_null(), "in_use",
                            in_use, "apps", json_array(), "created_at",
                            ob_api_instant(v.created_at));
        for (int i = 0; i < v.opt.napps; i++)
            json_array_append_new(json_object_get(version, "apps"), json_string(v.opt.apps[i]));
    }
    ob_err_clear(&ctx->err);
    if (ob_catalog_prices(ctx, t->id, price_row, &pj) == 0 && v.id) {
        json_decref(now);
        now = prices_now(&v.opt, &pj, ob_clock_today(ctx));
    }
    ob_err_clear(&ctx->err);
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:b, s:o, s:o, s:o, s:o}", "id",
                     (json_int_t)t->id, "code", t->code, "name_ru", t->name_ru, "name_en",
                     t->name_en, "kind", ob_tariff_kind_name(t->kind), "services_level",
                     v.opt.services ? json_string(v.opt.services) : json_null(), "partner",
                     t->partner ? json_integer(t->partner) : json_null(), "base",
                     t->base ? json_pack("{s:I, s:s}", "id", (json_int_t)t->base, "code",
                                         t->base_code ? t->base_code : "")
                             : json_null(),
                     "active", t->active, "version", version, "prices", pj.rows, "price_now", now,
                     "created_at", ob_api_instant(t->created_at));
}

static int
tariff_row(const struct ob_tariff *t, void *arg)
{
    struct rows *r = arg;

    return ob_list_add(r->l, t->id, tariff_json(r->ctx, t));
}

static int
tariff_list(struct ob_req *req, struct ob_resp *resp, bool partner_only, const char *name)
{
    struct ob_list l;
    struct rows r = { req->ctx, &l };
    int64_t partner;
    int rc;

    if ((rc = ob_api_query_id(req, "partner", &partner)) != 0 ||
        (rc = ob_list_begin(req, &l)) != 0)
        return rc;
    l.name = name;
    if ((rc = ob_catalog_tariffs(req->ctx, partner, partner_only, l.after, l.limit, tariff_row,
                                 &r)) != 0) {
        ob_list_free(&l);
        return rc;
    }
    return ob_list_end(req, resp, &l);
}

int
ob_api_tariffs_list(struct ob_req *req, struct ob_resp *resp)
{
    return tariff_list(req, resp, false, "tariffs");
}

int
ob_api_partner_tariffs_list(struct ob_req *req, struct ob_resp *resp)
{
    return tariff_list(req, resp, true, "partner-tariffs");
}

static int
price_from(struct ob_req *req, json_t *o, const char *prefix, struct ob_price_new *p)
{
    static const char *const fields[] = { "term", "amount", "valid_from", "valid_to",
                                          "placeholder", NULL };
    struct ob_ctx *ctx = req->ctx;
    json_t *term = json_object_get(o, "term"), *amount = json_object_get(o, "amount");
    json_t *from = json_object_get(o, "valid_from"), *to = json_object_get(o, "valid_to");
    json_t *ph = json_object_get(o, "placeholder");
    int rc;

    memset(p, 0, sizeof(*p));
    if (!json_is_object(o))
        return ob_err_field(&ctx->err, OB_EINVAL, *prefix ? prefix : "body",
                            "catalog.price_not_object");
    if ((rc = ob_api_only_members(req, o, prefix, fields)) != 0)
        return rc;
    if (!json_is_integer(term))
        return ob_err_field(&ctx->err, OB_EINVAL, ob_arena_printf(&ctx->arena, "%sterm", prefix),
                            "catalog.price_term_format", "prefix=%s", prefix);
    if (!json_is_integer(amount))
        return ob_err_field(&ctx->err, OB_EINVAL, ob_arena_printf(&ctx->arena, "%samount", prefix),
                            "catalog.price_amount_kopecks", "prefix=%s", prefix);
    if ((from && !json_is_null(from) && !json_is_string(from)) ||
        (to && !json_is_null(to) && !json_is_string(to)))
        return ob_err_field(&ctx->err, OB_EINVAL,
                            ob_arena_printf(&ctx->arena, "%s%s", prefix,
                                            from && !json_is_string(from) && !json_is_null(from)
                                                ? "valid_from"
                                                : "valid_to"),
                            "catalog.price_dates_strings");
    if (ph && !json_is_boolean(ph))
        return ob_err_field(&ctx->err, OB_EINVAL,
                            ob_arena_printf(&ctx->arena, "%splaceholder", prefix),
                            "catalog.price_placeholder_boolean", "prefix=%s", prefix);
    p->term = json_integer_value(term) < -1 || json_integer_value(term) > 1000
                  ? -1 : (int)json_integer_value(term);
    p->amount = json_integer_value(amount);
    p->valid_from = json_string_value(from);
    p->valid_to = json_string_value(to);
    p->placeholder = json_is_true(ph);
    return 0;
}

static int
prices_from(struct ob_req *req, struct ob_price_new **out, int *n)
{
    json_t *v = json_object_get(req->json, "prices"), *p;
    size_t i;
    int rc;

    *out = NULL;
    *n = 0;
    if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > 16)
        return ob_err_field(&req->ctx->err, OB_EINVAL, "prices", "catalog.prices_array");
    *out = ob_arena_alloc(&req->ctx->arena, sizeof(**out) * json_array_size(v));
    json_array_foreach(v, i, p) {
        const char *prefix = ob_arena_printf(&req->ctx->arena, "prices[%zu].", i);

        if ((rc = price_from(req, p, prefix, &(*out)[i])) != 0)
            return rc;
        for (size_t j = 0; j < i; j++)
            if ((*out)[j].term == (*out)[i].term &&
                !strcmp((*out)[j].valid_from ? (*out)[j].valid_from : "",
                        (*out)[i].valid_from ? (*out)[i].valid_from : ""))
                return ob_err_field(&req->ctx->err, OB_EINVAL,
                                    ob_arena_printf(&req->ctx->arena, "%sterm", prefix),
                                    "catalog.price_term_twice", "prefix=%s", prefix);
        (*n)++;
    }
    return 0;
}

static int
options_text(struct ob_req *req, const char **out)
{
    json_t *v = json_object_get(req->json, "options");
    char *s;

    *out = NULL;
    if (!v)
        return 0;
    if (!json_is_object(v))
        return ob_err_field(&req->ctx->err, OB_EINVAL, "options", "catalog.options_not_object");
    s = json_dumps(v, JSON_COMPACT);
    *out = ob_arena_strdup(&req->ctx->arena, s);
    free(s);
    return 0;
}

static int
respond_tariff(struct ob_req *req, struct ob_resp *resp, int status, int64_t id)
{
    struct ob_tariff t;
    int rc = ob_catalog_tariff_get(req->ctx, id, &t);

    return rc ? rc : ob_resp_json(resp, status, tariff_json(req->ctx, &t));
}

int
ob_api_tariffs_create(struct ob_req *req, struct ob_resp *resp)
{
    static const char *const fields[] = { "code", "name_ru", "name_en", "kind", "options",
                                          "prices", NULL };
    struct ob_tariff_new in = { 0 };
    struct ob_price_new *prices;
    int64_t id = 0;
    int rc;

    if ((rc = ob_access_provider(req->ctx, OB_ROLE_ADMIN)) != 0 ||
        (rc = ob_req_object(req)) != 0 || (rc = ob_api_only_members(req, req->json, "", fields)) ||
        (rc = ob_req_str(req, "code", 40, true, &in.code)) != 0 ||
        (rc = ob_req_str(req, "name_ru", 200, true, &in.name_ru)) != 0 ||
        (rc = ob_req_str(req, "name_en", 200, true, &in.name_en)) != 0 ||
        (rc = ob_req_str(req, "kind", 32, true, &in.kind)) != 0 ||
        (rc = options_text(req, &in.options)) != 0)
        return rc;
    if (!in.options)
        return ob_err_field(&req->ctx->err, OB_EINVAL, "options", "field.required");
    if ((rc = prices_from(req, &prices, &in.nprices)) != 0)
        return rc;
    in.prices = prices;
    if ((rc = ob_catalog_tariff_create(req->ctx, &in, &id)) != 0)
        return rc;
    return respond_tariff(req, resp, 201, id);
}

int
ob_api_tariffs_patch(struct ob_req *req, struct ob_resp *resp)
{
    static const char *const fields[] = { "name_ru", "name_en", "options", "active", NULL };
    struct ob_tariff_change in = { NULL, NULL, NULL, -1 };
    bool new_version = false;
    int64_t id = 0;
    int rc;

    if ((rc = ob_access_provider(req->ctx, OB_ROLE_ADMIN)) != 0 ||
        (rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_req_object(req)) != 0 ||
        (rc = ob_api_only_members(req, req->json, "", fields)) ||
        (rc = ob_req_str(req, "name_ru", 200, false, &in.name_ru)) != 0 ||
        (rc = ob_req_str(req, "name_en", 200, false, &in.name_en)) != 0 ||
        (rc = options_text(req, &in.options)) != 0 || (rc = ob_api_bool_member(req, "active", &in.active)))
        return rc;
    if ((rc = ob_catalog_tariff_update(req->ctx, id, &in, &new_version)) != 0)
        return rc;
    return respond_tariff(req, resp, 200, id);
}

int
ob_api_tariff_prices_create(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_price_new p;
    int64_t id, pid = 0;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 ||
        (rc = ob_catalog_price_access(req->ctx, id)) != 0 || (rc = ob_req_object(req)) != 0 ||
        (rc = price_from(req, req->json, "", &p)) != 0 ||
        (rc = ob_catalog_price_add(req->ctx, id, &p, &pid)) != 0)
        return rc;
    return respond_tariff(req, resp, 201, id);
}

/* ---- partner tariffs ----------------------------------------------------------------- */

int
ob_api_partner_tariffs_create(struct ob_req *req, struct ob_resp *resp)
{
    static const char *const fields[] = { "partner", "base", "code", "name_ru", "name_en",
                                          "prices", NULL };
    struct ob_partner_tariff_new in = { 0 };
    struct ob_price_new *prices;
    int64_t id = 0;
    int rc;

    if ((rc = ob_access_person(req->ctx)) != 0 || (rc = ob_req_object(req)) != 0 ||
        (rc = ob_api_only_members(req, req->json, "", fields)) ||
        (rc = ob_api_req_int(req, "partner", &in.partner)) != 0 ||
        (rc = ob_req_str(req, "base", 40, true, &in.base)) != 0 ||
        (rc = ob_req_str(req, "code", 40, true, &in.code)) != 0 ||
        (rc = ob_req_str(req, "name_ru", 200, true, &in.name_ru)) != 0 ||
        (rc = ob_req_str(req, "name_en", 200, false, &in.name_en)) != 0 ||
        (rc = prices_from(req, &prices, &in.nprices)) != 0)
        return rc;
    in.prices = prices;
    if ((rc = ob_catalog_partner_tariff_create(req->ctx, &in, &id)) != 0)
        return rc;
    return respond_tariff(req, resp, 201, id);
}

int
ob_api_partner_tariffs_get(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_tariff t;
    int64_t id = 0;
    int rc;

    if ((rc = ob_req_id(req, "tariff", &id)) != 0 ||
        (rc = ob_catalog_tariff_get(req->ctx, id, &t)) != 0)
        return rc;
    if (!t.partner)
        return ob_err_set(&req->ctx->err, OB_ENOTFOUND, "catalog.partner_tariff_not_found",
                          "id=%lld", (long long)id);
    return ob_resp_json(resp, 200, tariff_json(req->ctx, &t));
}

/* ---- promotions ---------------------------------------------------------------------- */

static json_t *
promotion_json(const struct ob_promotion *p)
{
    json_t *params = json_loads(p->params ? p->params : "{}", 0, NULL);

    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:s, s:o, s:b, s:s}", "id",
                     (json_int_t)p->id, "code", p->code, "kind", p->kind, "name_ru", p->name_ru,
                     "name_en", p->name_en, "tariff", ob_api_str(p->tariff_code), "application",
                     ob_api_str(p->app_code), "params", params ? params : json_object(),
                     "valid_from", p->valid_from, "valid_to", ob_api_str(p->valid_to),
                     "in_force", p->in_force, "state", p->state);
}

static int
promotion_row(const struct ob_promotion *p, void *arg)
{
    struct ob_list *l = arg;

    if (l->after && p->id <= l->after)
        return 0;
    return ob_list_add(l, p->id, promotion_json(p));
}

int
ob_api_promotions_list(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_list l;
    int rc;

    if ((rc = ob_list_begin(req, &l)) != 0)
        return rc;
    l.name = "promotions";
    if ((rc = ob_catalog_promotions(req->ctx, promotion_row, &l)) != 0) {
        ob_list_free(&l);
        return rc;
    }
    return ob_list_end(req, resp, &l);
}

static int
respond_promotion(struct ob_req *req, struct ob_resp *resp, int status, const char *ref)
{
    struct ob_promotion p;
    int rc = ob_catalog_promotion_get(req->ctx, ref, &p);

    return rc ? rc : ob_resp_json(resp, status, promotion_json(&p));
}

/* A member that may be a string or null: *is_null says which. */
static int
str_or_null(struct ob_req *req, const char *name, size_t max, const char **out, bool *is_null)
{
    json_t *v = json_object_get(req->json, name);

    *is_null = v && json_is_null(v);
    return ob_req_str(req, name, max, false, out);
}

/* params: an object, kept as compact JSON text; NULL when absent. */
static int
params_text(struct ob_req *req, const char **out)
{
    json_t *v = json_object_get(req->json, "params");
    char *s;

    *out = NULL;
    if (!v)
        return 0;
    if (!json_is_object(v))
        return ob_err_field(&req->ctx->err, OB_EINVAL, "params", "field.object");
    s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
    *out = ob_arena_strdup(&req->ctx->arena, s);
    free(s);
    return 0;
}

int
ob_api_promotions_create(struct ob_req *req, struct ob_resp *resp)
{
    static const char *const fields[] = { "code", "kind", "name_ru", "name_en", "tariff",
                                          "application", "params", "valid_from", "valid_to",
                                          NULL };
    struct ob_promotion_new in = { 0 };
    int64_t id = 0;
    int rc;

    if ((rc = ob_access_provider(req->ctx, OB_ROLE_ADMIN)) != 0 ||
        (rc = ob_req_object(req)) != 0 || (rc = ob_api_only_members(req, req->json, "", fields)) ||
        (rc = ob_req_str(req, "code", 40, true, &in.code)) != 0 ||
        (rc = ob_req_str(req, "kind", 32, true, &in.kind)) != 0 ||
        (rc = ob_req_str(req, "name_ru", 200, true, &in.name_ru)) != 0 ||
        (rc = ob_req_str(req, "name_en", 200, true, &in.name_en)) != 0 ||
        (rc = ob_req_str(req, "tariff", 40, false, &in.tariff)) != 0 ||
        (rc = ob_req_str(req, "application", 40, false, &in.application)) != 0 ||
        (rc = params_text(req, &in.params)) != 0 ||
        (rc = ob_req_str(req, "valid_from", 32, true, &in.valid_from)) != 0 ||
        (rc = ob_req_str(req, "valid_to", 32, false, &in.valid_to)) != 0 ||
        (rc = ob_catalog_promotion_create(req->ctx, &in, &id)) != 0)
        return rc;
    return respond_promotion(req, resp, 201, in.code);
}

int
ob_api_promotions_patch(struct ob_req *req, struct ob_resp *resp)
{
    static const char *const fields[] = { "name_ru", "name_en", "tariff", "application",
                                          "params", "valid_from", "valid_to", NULL };
    struct ob_promotion_change ch = { 0 };
    const char *ref = ob_req_param(req, "code");
    int64_t id = 0;
    int rc;

    if ((rc = ob_access_provider(req->ctx, OB_ROLE_ADMIN)) != 0 ||
        (rc = ob_req_object(req)) != 0 || (rc = ob_api_only_members(req, req->json, "", fields)) ||
        (rc = ob_req_str(req, "name_ru", 200, false, &ch.name_ru)) != 0 ||
        (rc = ob_req_str(req, "name_en", 200, false, &ch.name_en)) != 0 ||
        (rc = str_or_null(req, "tariff", 40, &ch.tariff, &ch.tariff_null)) != 0 ||
        (rc = str_or_null(req, "application", 40, &ch.application, &ch.application_null)) ||
        (rc = params_text(req, &ch.params)) != 0 ||
        (rc = ob_req_str(req, "valid_from", 32, false, &ch.valid_from)) != 0 ||
        (rc = str_or_null(req, "valid_to", 32, &ch.valid_to, &ch.valid_to_null)) != 0 ||
        (rc = ob_catalog_promotion_update(req->ctx, ref, &ch, &id)) != 0)
        return rc;
    return respond_promotion(req, resp, 200, ob_arena_printf(&req->ctx->arena, "%lld",
                                                             (long long)id));
}
