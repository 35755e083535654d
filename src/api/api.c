/*
 * api.c — small accessors shared by every handler.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "base/ctx.h"
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
        return ob_err_field(&req->ctx->err, OB_EINVAL, "body", "the body must be a JSON object");
    return 0;
}

int
ob_req_str(struct ob_req *req, const char *name, size_t max, bool required, const char **out)
{
    json_t *v = json_object_get(req->json, name);

    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required)
            return ob_err_field(&req->ctx->err, OB_EINVAL, name, "'%s' is required", name);
        return 0;
    }
    if (!json_is_string(v))
        return ob_err_field(&req->ctx->err, OB_EINVAL, name, "'%s' must be a string", name);
    if (json_string_length(v) > max)
        return ob_err_field(&req->ctx->err, OB_EINVAL, name,
                            "'%s' must be at most %zu bytes long", name, max);
    if (strlen(json_string_value(v)) != json_string_length(v))
        return ob_err_field(&req->ctx->err, OB_EINVAL, name, "'%s' must not contain NUL", name);
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
        return ob_err_set(&req->ctx->err, OB_ENOTFOUND, "no such %s", name);
    v = strtoll(s, &end, 10);
    if (*end || v <= 0)
        return ob_err_set(&req->ctx->err, OB_ENOTFOUND, "no object '%s'", s);
    *out = v;
    return 0;
}
