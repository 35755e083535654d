/*
 * api.c — what every handler shares: accessors of the request (path
 * parameters, query, headers, cookies, the JSON body's members), the
 * response's helpers, and the rendering and parsing that several resources
 * use alike (instants, roles, members, requisites, ids in the query).
 *
 * A helper that two resource files call lives here and is declared in
 * api.h (tools/conventions.sh checks it); a resource's own helpers stay
 * static in its file. Strings it makes live in the request's arena.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "base/config.h"
#include "base/ctx.h"
#include "base/date.h"
#include "base/lru.h"
#include "base/metrics.h"
#include "model/identity/member.h"
#include "model/identity/role.h"
#include "model/parties/invite.h"
#include "model/parties/requisites.h"
#include "model/identity/authn.h"
#include "base/banned.h"

static const char *
lookup(const struct ob_kv *kv, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(kv[i].name, name))
            return kv[i].value;
    return NULL;
}

const char *
ob_req_param(const struct ob_req *req, const char *name)
{
    return lookup(req->params, req->nparams, name);
}

const char *
ob_req_query(const struct ob_req *req, const char *name)
{
    return lookup(req->query, req->nquery, name);
}

const char *
ob_req_header(const struct ob_req *req, const char *name)
{
    return req->header ? req->header(req->hctx, name) : NULL;
}

int
ob_resp_json(struct ob_resp *resp, int status, json_t *v)
{
    resp->status = status;
    json_decref(resp->json);
    resp->json = v;
    return 0;
}

int
ob_resp_json_written(struct ob_resp *resp, int status)
{
    resp->status = status;
    json_decref(resp->json);
    resp->json = NULL;
    ob_buf_addc(&resp->body, '\n');
    resp->content_type = "application/json";
    ob_resp_header(resp, "Cache-Control", "no-store");
    return 0;
}

void
ob_resp_header(struct ob_resp *resp, const char *name, const char *value)
{
    if (resp->nheaders < OB_MAX_RESP_HEADERS) {
        resp->headers[resp->nheaders].name = name;
        resp->headers[resp->nheaders].value = value;
        resp->nheaders++;
    }
}

void
ob_resp_problem(struct ob_resp *resp, json_t *ext)
{
    json_decref(resp->problem_ext);
    resp->problem_ext = ext;
}

const char *
ob_req_cookie(const struct ob_req *req, const char *name)
{
    const char *h = ob_req_header(req, "Cookie");
    size_t n = strlen(name);

    while (h && *h) {
        while (*h == ' ' || *h == ';')
            h++;
        if (!strncmp(h, name, n) && h[n] == '=') {
            const char *v = h + n + 1;

            return ob_arena_strndup(&req->ctx->arena, v, strcspn(v, ";"));
        }
        h = strchr(h, ';');
    }
    return NULL;
}

const char *
ob_req_bearer(const struct ob_req *req)
{
    const char *h = ob_req_header(req, "Authorization");

    if (!h || strncasecmp(h, "Bearer ", 7) != 0)
        return NULL;
    h += 7;
    while (*h == ' ')
        h++;
    return *h ? h : NULL;
}

int
ob_req_object(struct ob_req *req)
{
    if (!json_is_object(req->json))
        return ob_err_field(&req->ctx->err, OB_EINVAL, "body", "request.body_not_object");
    return 0;
}

int
ob_req_str(struct ob_req *req, const char *name, size_t max, bool required, const char **out)
{
    json_t *v = json_object_get(req->json, name);

    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required)
            return ob_err_field(&req->ctx->err, OB_EINVAL, name, "field.required");
        return 0;
    }
    if (!json_is_string(v))
        return ob_err_field(&req->ctx->err, OB_EINVAL, name, "field.string");
    if (json_string_length(v) > max)
        return ob_err_field(&req->ctx->err, OB_EINVAL, name, "field.too_long", "max=%zu", max);
    if (strlen(json_string_value(v)) != json_string_length(v))
        return ob_err_field(&req->ctx->err, OB_EINVAL, name, "field.nul");
    *out = json_string_value(v);
    return 0;
}

int
ob_req_id(struct ob_req *req, const char *name, int64_t *out)
{
    const char *s = ob_req_param(req, name);
    char *end;
    long long v;

    *out = 0;
    if (!s || !*s || *s == '-' || *s == '+')
        return ob_err_set(&req->ctx->err, OB_ENOTFOUND, "api.no_such", "name=%s", name);
    v = strtoll(s, &end, 10);
    if (*end || v <= 0)
        return ob_err_set(&req->ctx->err, OB_ENOTFOUND, "api.no_object", "s=%s", s);
    *out = v;
    return 0;
}

/* ---- rendering and parsing shared by the resources ---- */

static const char *const requisite_names[] = { "name",    "inn",     "kpp",    "phone",
                                               "email",   "site",    "address", "region" };

json_t *
ob_api_instant(int64_t t)
{
    char s[OB_INSTANT_LEN];

    if (!t)
        return json_null();
    ob_instant_format(t, s);
    return json_string(s);
}

json_t *
ob_api_day(int32_t day)
{
    char d[OB_DATE_LEN];

    ob_date_format(day, d);
    return json_string(d);
}

json_t *
ob_api_str(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *
ob_api_roles(unsigned roles)
{
    json_t *a = json_array();

    for (unsigned bit = 1; bit <= OB_ROLES_ANY; bit <<= 1)
        if (roles & bit)
            json_array_append_new(a, json_string(ob_role_name(bit)));
    return a;
}

json_t *
ob_api_member(const struct ob_account_member *m, int with_limit)
{
    json_t *o = json_pack("{s:I, s:s, s:s, s:o}", "person", (json_int_t)m->person, "email",
                          m->email, "name", m->name ? m->name : "", "roles",
                          ob_api_roles(m->roles));

    if (with_limit)
        json_object_set_new(o, "session_limit",
                            m->has_limit ? json_integer(m->session_limit) : json_null());
    return o;
}

int
ob_api_req_roles(struct ob_req *req, const char **out)
{
    json_t *v = json_object_get(req->json, "roles"), *r;
    struct ob_buf b;
    size_t i;

    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_array(v) || json_array_size(v) > 16)
        return ob_err_field(&req->ctx->err, OB_EINVAL, "roles", "field.role_names");
    ob_buf_init(&b, 1024);
    json_array_foreach(v, i, r) {
        const char *s = json_string_value(r);

        if (!s || !*s || strlen(s) > 32 || strchr(s, ',')) {
            ob_buf_free(&b);
            return ob_err_field(&req->ctx->err, OB_EINVAL, "roles", "field.role_names");
        }
        ob_buf_addf(&b, "%s%s", i ? "," : "", s);
    }
    *out = ob_arena_strdup(&req->ctx->arena, b.p ? b.p : "");
    ob_buf_free(&b);
    return 0;
}

int
ob_api_req_int(struct ob_req *req, const char *name, int64_t *out)
{
    json_t *v = json_object_get(req->json, name);

    *out = 0;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) <= 0)
        return ob_err_field(&req->ctx->err, OB_EINVAL, name, "field.id");
    *out = json_integer_value(v);
    return 0;
}

int
ob_api_query_id(struct ob_req *req, const char *name, int64_t *out)
{
    const char *s = ob_req_query(req, name);
    char *end;
    long long v;

    *out = 0;
    if (!s || !*s)
        return 0;
    v = strtoll(s, &end, 10);
    if (*end || v <= 0 || *s == '+' || *s == '-')
        return ob_err_field(&req->ctx->err, OB_EINVAL, name, "field.id_any");
    *out = v;
    return 0;
}

int
ob_api_requisites(struct ob_req *req, json_t *o, const char *prefix, const char *const *extra,
                  struct ob_requisites *out)
{
    const char **slots[] = { &out->name,  &out->inn,  &out->kpp,     &out->phone,
                             &out->email, &out->site, &out->address, &out->region };
    struct ob_ctx *ctx = req->ctx;
    const char *key;
    json_t *v;

    memset(out, 0, sizeof(*out));
    json_object_foreach(o, key, v) {
        size_t i, n = sizeof(requisite_names) / sizeof(requisite_names[0]);
        const char *field = ob_arena_printf(&ctx->arena, "%s%s", prefix, key);
        bool allowed = false;

        for (i = 0; i < n && strcmp(key, requisite_names[i]); i++)
            ;
        for (size_t j = 0; extra && extra[j] && !allowed; j++)
            allowed = !strcmp(key, extra[j]);
        if (i == n && !allowed)
            return ob_err_field(&ctx->err, OB_EINVAL, field, "field.unknown");
        if (i == n || json_is_null(v))
            continue;
        if (!json_is_string(v) || json_string_length(v) > 2000 ||
            strlen(json_string_value(v)) != json_string_length(v))
            return ob_err_field(&ctx->err, OB_EINVAL, field, "field.text_too_long");
        *slots[i] = json_string_value(v);
    }
    return 0;
}

int
ob_api_only_members(struct ob_req *req, json_t *o, const char *prefix, const char *const *names)
{
    const char *key;
    json_t *v;

    json_object_foreach(o, key, v) {
        size_t i;

        for (i = 0; names[i] && strcmp(names[i], key); i++)
            ;
        if (!names[i]) {
            const char *f = ob_arena_printf(&req->ctx->arena, "%s%s", prefix, key);

            return ob_err_field(&req->ctx->err, OB_EINVAL, f, "field.unknown");
        }
    }
    return 0;
}

int
ob_api_bool_member(struct ob_req *req, const char *name, int *out)
{
    json_t *v = json_object_get(req->json, name);

    if (!v || json_is_null(v))
        return 0;
    if (!json_is_boolean(v))
        return ob_err_field(&req->ctx->err, OB_EINVAL, name, "field.boolean");
    *out = json_is_true(v);
    return 0;
}

json_t *
ob_api_invited(const struct ob_invite *v, int with_limit)
{
    json_t *o = json_pack("{s:s, s:I, s:s, s:o, s:o}", "status", "invited", "id", (json_int_t)v->id,
                          "email", v->email, "roles", ob_api_roles(v->roles), "expires_at",
                          ob_api_instant(v->expires_at));

    if (with_limit)
        json_object_set_new(o, "session_limit",
                            v->has_limit ? json_integer(v->session_limit) : json_null());
    return o;
}

void
ob_api_session_cookie(struct ob_req *req, struct ob_resp *resp, const char *secret, int max_age)
{
    const struct ob_config *cfg = req->ctx->cfg;
    bool secure = !strncmp(cfg->public_url, "https://", 8);

    ob_resp_header(resp, "Set-Cookie",
                   ob_arena_printf(&req->ctx->arena,
                                   "%s=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Lax%s",
                                   OB_SESSION_COOKIE, secret, max_age, secure ? "; Secure" : ""));
}

/* The entitlement answers last computed (api/subscriptions.c), one per
 * subscriber and kind of reader (may or may not take the self-service
 * actions), each good while the subscriber's ent_gen is the one it was
 * computed under and for the day it was asked for (sql/0035: the database
 * bumps it with every write the answer is computed from, on any node). A
 * hit costs the one statement the access check makes anyway instead of
 * three and the computation (issue 16 item 2). Bounded by
 * --cache-entitlements; an answer longer than a slot is not kept. */
#define ENT_CACHED_MAX 2000

struct ent_cached {
    int64_t sub, gen;
    int32_t day;
    uint16_t len;
    char body[ENT_CACHED_MAX];
};

static struct ob_lru *ent_cache;

void
ob_api_cache_init(const struct ob_config *cfg)
{
    ob_api_cache_shutdown();
    ent_cache = ob_lru_new((size_t)cfg->cache_entitlements, sizeof(struct ent_cached));
}

void
ob_api_cache_shutdown(void)
{
    ob_lru_free(ent_cache);
    ent_cache = NULL;
}

void
ob_api_cache_stats(size_t *entries, size_t *bytes)
{
    *entries = ent_cache ? ob_lru_count(ent_cache) : 0;
    *bytes = ent_cache ? ob_lru_capacity(ent_cache) * ob_lru_entry_bytes(ent_cache) : 0;
}

bool
ob_api_ent_cache_get(const unsigned char *key, int64_t sub, int64_t gen, int32_t day,
                     struct ob_buf *body)
{
    struct ent_cached c;

    if (!ent_cache || !ob_lru_get(ent_cache, key, &c) || c.sub != sub || c.gen != gen ||
        c.day != day) {
        ob_metrics_entitlement_cache(false);
        return false;
    }
    ob_buf_reset(body);
    ob_buf_put(body, c.body, c.len);
    ob_metrics_entitlement_cache(true);
    return true;
}

void
ob_api_ent_cache_put(const unsigned char *key, int64_t sub, int64_t gen, int32_t day,
              const struct ob_buf *body)
{
    struct ent_cached c;

    if (!ent_cache || body->len > sizeof(c.body))
        return;
    c.sub = sub;
    c.gen = gen;
    c.day = day;
    c.len = (uint16_t)body->len;
    memcpy(c.body, body->p, body->len);
    ob_lru_put(ent_cache, key, &c);
}
