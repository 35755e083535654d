/*
 * dispatch.c — one request, from raw URI to rendered response.
 *
 * The order of checks is fixed so that every refusal is cheap and changes
 * nothing: parse the URI (400), a head the transport found unusable (400:
 * ambiguous body framing), find the route (404, 405 with Allow), refuse
 * a body past the cap (413) or of the wrong type (415), parse and bound the
 * JSON (400 with the position), then set up the context and call the
 * handler. Whatever happens, the response carries X-Request-Id, one log line
 * is written and the metrics are counted.
 *
 * A creating POST (OB_ROUTE_IDEMPOTENT) sent with an Idempotency-Key goes
 * through model/core/idempotency.h after authentication: the key is claimed, or
 * its stored answer replayed, before the handler runs, and the rendered
 * answer is stored after it.
 *
 * Paths outside /api/ that match no route are the cabinet's static files,
 * compiled into the binary; a path without an extension is the single-page
 * application's own route and gets index.html.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "api/api.h"
#include "base/asset.h"
#include "base/config.h"
#include "base/ctx.h"
#include "base/json.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/msg.h"
#include "base/rand.h"
#include "http/http.h"
#include "http/router.h"
#include "model/identity/access.h"
#include "model/identity/authn.h"
#include "model/areas/backend.h"
#include "model/core/idempotency.h"
#include "model/core/setting.h"
#include "base/utf8.h"
#include "db/db.h"
#include "store/store.h"
#include "base/banned.h"

/* The type of an answer that sets none. */
#define PLAIN_TYPE "text/plain; charset=utf-8"

static const struct {
    const char *ext, *type;
} types[] = {
    { ".html", "text/html; charset=utf-8" },
    { ".js", "text/javascript; charset=utf-8" },
    { ".mjs", "text/javascript; charset=utf-8" },
    { ".css", "text/css; charset=utf-8" },
    { ".json", "application/json" },
    { ".svg", "image/svg+xml" },
    { ".png", "image/png" },
    { ".ico", "image/x-icon" },
    { ".woff2", "font/woff2" },
    { ".txt", "text/plain; charset=utf-8" },
};

void
ob_http_resp_init(struct ob_resp *resp)
{
    memset(resp, 0, sizeof(*resp));
    resp->status = 200;
    ob_buf_init(&resp->body, (size_t)1 << 30);
}

void
ob_http_resp_free(struct ob_resp *resp)
{
    json_decref(resp->json);
    resp->json = NULL;
    json_decref(resp->problem_ext);
    resp->problem_ext = NULL;
    ob_buf_free(&resp->body);
    for (int i = 0; i < resp->nheaders; i++)
        free((char *)resp->headers[i].value);
    resp->nheaders = 0;
    if (resp->has_fd)
        close(resp->fd);
    resp->has_fd = false;
    ob_store_reader_close(resp->reader);
    resp->reader = NULL;
}

static const char *
title(int rc)
{
    switch (rc) {
    case OB_EINVAL: return "Invalid input";
    case OB_EUNAUTH: return "Sign-in required";
    case OB_EPERM: return "Forbidden";
    case OB_ENOTFOUND: return "Not found";
    case OB_EMETHOD: return "Method not allowed";
    case OB_ECONFLICT: return "Conflict";
    case OB_ETOOLARGE: return "Request too large";
    case OB_EMEDIA: return "Unsupported media type";
    case OB_ELIMIT: return "Limit exceeded";
    case OB_EBLOCKED: return "Blocked";
    case OB_ERATE: return "Too many requests";
    case OB_EUNAVAIL: case OB_EBUSY: return "Service unavailable";
    default: return "Internal error";
    }
}

/* A JSON string of text that may not be valid UTF-8 (a raw path, a method, a
 * message cut in the middle of a character): each invalid byte becomes '?'.
 * jansson refuses invalid UTF-8, which would leave the problem without a body. */
static json_t *
json_text(const char *s)
{
    json_t *j = json_string(s);
    char *copy;

    if (j)
        return j;
    copy = ob_xstrdup(s);
    for (size_t i = 0, n; copy[i]; i += n)
        if ((n = ob_utf8_len((const unsigned char *)copy + i)) == 0) {
            copy[i] = '?';
            n = 1;
        }
    j = json_string(copy);
    free(copy);
    return j;
}

/* The reason of an error that was raised without one. */
static const char *
fallback_reason(int rc)
{
    switch (rc) {
    case OB_EINVAL:
        return OB_REASON("http.invalid");
    case OB_EUNAUTH:
        return OB_REASON("http.unauthorized");
    case OB_EPERM:
        return OB_REASON("http.forbidden");
    case OB_ENOTFOUND:
        return OB_REASON("http.not_found_any");
    case OB_EMETHOD:
        return OB_REASON("http.method");
    case OB_ECONFLICT:
        return OB_REASON("http.conflict");
    case OB_ETOOLARGE:
        return OB_REASON("http.too_large_any");
    case OB_EMEDIA:
        return OB_REASON("http.media");
    case OB_ELIMIT:
        return OB_REASON("http.limit");
    case OB_EBLOCKED:
        return OB_REASON("http.blocked");
    case OB_ERATE:
        return OB_REASON("http.rate");
    case OB_EUNAVAIL:
    case OB_EBUSY:
        return OB_REASON("http.unavailable_any");
    default:
        return OB_REASON("http.internal");
    }
}

/* Render err as RFC 7807 problem+json: the stable code and field, the reason
 * and its params, and the detail rendered from the message catalog in lang
 * (an internal error says only that: its message is for the log). */
static void
problem(struct ob_resp *resp, const struct ob_err *err, const char *request_id, const char *path,
        const char *lang)
{
    int rc = err->rc ? err->rc : OB_EINTERNAL;
    const char *code = ob_err_code(rc);
    struct ob_err shown = *err;
    char detail[512];
    json_t *p, *params = json_object();

    if (rc == OB_EINTERNAL || !shown.reason[0]) {
        snprintf(shown.reason, sizeof(shown.reason), "%s", fallback_reason(rc));
        shown.nparams = 0;
    }
    ob_msg_render(&shown, lang, detail, sizeof(detail));
    for (int i = 0; i < shown.nparams; i++)
        json_object_set_new(params, shown.params[i].name,
                            shown.params[i].number
                                ? json_integer(strtoll(shown.params[i].value, NULL, 10))
                                : json_text(shown.params[i].value));
    p = json_pack("{s:s, s:s, s:i, s:s, s:s, s:o, s:o, s:o, s:s}", "type", "about:blank", "title",
                  title(rc), "status", ob_err_status(rc), "code", code, "reason", shown.reason,
                  "params", params, "detail", json_text(detail), "instance", json_text(path),
                  "request_id", request_id);
    if (err->field[0])
        json_object_set_new(p, "field", json_text(err->field));
    if (err->detail[0] && rc != OB_EINTERNAL)
        json_object_set_new(p, "more", json_text(err->detail));
    if (err->hint[0])
        json_object_set_new(p, "hint", json_text(err->hint));
    if (resp->problem_ext) {
        json_object_update(p, resp->problem_ext);
        json_decref(resp->problem_ext);
        resp->problem_ext = NULL;
    }
    /* A 503 (the database lost, pgbouncer restarting, contention past the
     * retries) is always worth trying again: say when, 1 s unless told. */
    if (err->retry_after > 0 || rc == OB_EUNAVAIL || rc == OB_EBUSY) {
        static _Thread_local char ra[16];
        int after = err->retry_after > 0 ? err->retry_after : 1;

        snprintf(ra, sizeof(ra), "%d", after);
        ob_resp_header(resp, "Retry-After", ra);
        json_object_set_new(p, "retry_after", json_integer(after));
    }
    json_decref(resp->json);
    resp->json = p;
    resp->status = ob_err_status(rc);
    resp->content_type = "application/problem+json";
}

static void
request_id(const struct ob_http_in *in, char *out, size_t size)
{
    const char *given = in->header ? in->header(in->hctx, "X-Request-Id") : NULL;
    size_t n = given ? strlen(given) : 0;

    if (n > 0 && n < size && n <= 64) {
        size_t i;

        for (i = 0; i < n; i++)
            if (!isalnum((unsigned char)given[i]) && !strchr("._:-", given[i]))
                break;
        if (i == n) {
            memcpy(out, given, n + 1);
            return;
        }
    }
    ob_rand_hex_pooled(out, 8);
}

static bool
is_json_type(const char *ct)
{
    size_t n = strlen("application/json");

    while (ct && *ct == ' ')
        ct++;
    return ct && !strncasecmp(ct, "application/json", n) && (ct[n] == '\0' || ct[n] == ';' ||
                                                               ct[n] == ' ');
}

static const struct ob_asset *
find_asset(const char *path)
{
    return ob_asset_find(ob_web_assets, ob_nweb_assets, path);
}

static const char *
mime(const char *path)
{
    const char *dot = strrchr(path, '.');

    for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
        if (!strcmp(dot, types[i].ext))
            return types[i].type;
    return "application/octet-stream";
}

/* Serve a compiled-in file; 0 when served, -1 when there is none. */
static int
serve_asset(const struct ob_http_in *in, const char *path, struct ob_resp *resp)
{
    const char *last = strrchr(path, '/');
    const struct ob_asset *a;
    const char *inm;

    if (!strcmp(path, "/"))
        path = "/index.html";
    /* the message catalogs (data/) that the server's own messages come from */
    if (!strcmp(path, "/i18n/messages.en.json") || !strcmp(path, "/i18n/messages.ru.json"))
        a = ob_asset_find(ob_data_assets, ob_ndata_assets, path + strlen("/i18n"));
    else
        a = find_asset(path);
    if (!a && last && !strchr(last, '.'))
        a = find_asset("/index.html");
    if (!a)
        return -1;
    resp->content_type = mime(a->path);
    ob_resp_header(resp, "ETag", a->etag);
    ob_resp_header(resp, "Cache-Control", strstr(a->path, ".html") ? "no-cache"
                                                                     : "public, max-age=3600");
    if (strstr(a->path, ".html")) {
        ob_resp_header(resp, "Content-Security-Policy",
                       "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
        ob_resp_header(resp, "Referrer-Policy", "same-origin");
    }
    inm = in->header ? in->header(in->hctx, "If-None-Match") : NULL;
    if (inm && !strcmp(inm, a->etag)) {
        resp->status = 304;
        return 0;
    }
    resp->status = 200;
    resp->data = a->data;
    resp->data_len = a->len;
    return 0;
}

struct state {
    struct ob_ctx ctx;
    struct ob_req req;
    const char *path;       /* the raw path, for logs and problems */
    int route;
};

/* The language of an answer's messages: a signed-in person's own, else the
 * Accept-Language of the request (an API token, a public page), else English. */
static const char *
answer_lang(const struct state *s)
{
    const char *l =
        s->ctx.actor.lang && !s->ctx.actor.token ? ob_msg_lang(s->ctx.actor.lang) : NULL;

    if (!l && s->req.header)
        l = ob_msg_lang(s->req.header(s->req.hctx, "Accept-Language"));
    return l ? l : "en";
}

/* Parse the URI into req; OB_EINVAL on a malformed one. */
static int
parse_uri(struct state *s, const struct ob_http_in *in, const char **seg, int *nseg)
{
    const char *q = strchr(in->uri, '?');
    size_t plen = q ? (size_t)(q - in->uri) : strlen(in->uri);

    s->path = ob_arena_strndup(&s->ctx.arena, in->uri, plen);
    *nseg = ob_router_split(&s->ctx.arena, in->uri, plen, seg, OB_MAX_SEGMENTS);
    if (*nseg < 0)
        return ob_err_field(&s->ctx.err, OB_EINVAL, "path", "http.bad_path");
    s->req.path = ob_url_decode(&s->ctx.arena, in->uri, plen, 0);
    if (!s->req.path)
        return ob_err_field(&s->ctx.err, OB_EINVAL, "path", "http.bad_path");
    if (q && ob_query_parse(&s->ctx.arena, q + 1, &s->req) != 0)
        return ob_err_field(&s->ctx.err, OB_EINVAL, "query", "http.bad_query", "max_query=%d",
                            OB_MAX_QUERY);
    return 0;
}

static int
route(struct state *s, const struct ob_http_in *in, const char **seg, int nseg,
      struct ob_resp *resp)
{
    static _Thread_local char allow[256];

    s->route = ob_router_match(in->method, seg, nseg, &s->req, allow, sizeof(allow),
                               s->ctx.cfg->test_clock);
    if (s->route == -2) {
        ob_resp_header(resp, "Allow", allow);
        return ob_err_set(&s->ctx.err, OB_EMETHOD, "http.method_not_allowed", "method=%s path=%s",
                          in->method, s->path);
    }
    if (s->route == -1)
        return ob_err_set(&s->ctx.err, OB_ENOTFOUND, "http.not_found", "path=%s", s->path);
    return 0;
}

static int
read_body(struct state *s, const struct ob_http_in *in)
{
    const struct ob_route *rt = &ob_routes[s->route];
    const char *ct;

    if (in->too_large && (rt->flags & OB_ROUTE_SPOOL))
        return ob_err_set(&s->ctx.err, OB_ETOOLARGE, "http.too_large", "body_max=%ld",
                          s->ctx.cfg->area_upload_max);
    if (in->too_large)     /* an upload route's cap is its own (http/router.h) */
        return ob_err_set(&s->ctx.err, OB_ETOOLARGE, "http.too_large", "body_max=%ld",
                          ob_router_body_max(in->method, in->uri, s->ctx.cfg->body_max));
    if (rt->flags & OB_ROUTE_SPOOL) {
        s->req.file = in->file;
        s->req.file_size = in->file_size;
        s->req.file_sha256 = in->file_sha256;
        return 0;
    }
    s->req.body = in->body;
    s->req.body_len = in->body_len;
    if (in->body_len == 0 || (rt->flags & OB_ROUTE_RAW))
        return 0;
    ct = in->header ? in->header(in->hctx, "Content-Type") : NULL;
    if (!is_json_type(ct))
        return ct ? ob_err_set(&s->ctx.err, OB_EMEDIA, "http.media_type", "type=%s", ct)
                  : ob_err_set(&s->ctx.err, OB_EMEDIA, "http.media_type_missing");
    return ob_json_parse(in->body, in->body_len, s->ctx.cfg->json_depth, &s->req.json,
                         &s->ctx.err);
}

static void
log_request(struct state *s, const struct ob_http_in *in, struct ob_resp *resp, int64_t us)
{
    const char *rname = s->route >= 0 ? ob_routes[s->route].pattern
                                      : (s->route == -3 ? "static" : "unmatched");
    enum ob_log_level level = OB_LOG_INFO;

    const struct ob_live *live = ob_live();

    /* --request-log-level (checked at start; make demo keeps it at debug;
     * SIGHUP may change it: the live snapshot) */
    if (live)
        level = (enum ob_log_level)live->request_log_level;
    else if (s->ctx.cfg)
        (void)ob_log_level_parse(s->ctx.cfg->request_log_level, &level);
    if (!ob_log_enabled(level))
        return;
    {
        /* written by hand, not through jansson: once per request (issue 16's
         * profile); method and path come from the client, and ob_log_fields
         * keeps the line valid UTF-8 as json_text does */
        const struct ob_log_field f[] = {
            { "id", s->ctx.request_id, 0, false },
            { "method", in->method, 0, false },
            { "route", rname, 0, false },
            { "path", s->path ? s->path : "", 0, false },
            { "status", NULL, resp->status, true },
            { "us", NULL, (long long)us, true },
            { "actor", NULL, (long long)s->ctx.actor.person, s->ctx.actor.person != 0 },
            { "addr", in->remote_addr ? in->remote_addr : "", 0, false },
        };

        ob_log_fields(level, "request", f, (int)(sizeof(f) / sizeof(f[0])));
    }
}

/* Render resp->json into the body (an idempotent answer is stored rendered):
 * written straight into it, as json_dumps would (base/json.h), in one
 * allocation for most answers. */
static void
render_json(struct ob_resp *resp)
{
    if (!resp->json)
        return;
    ob_buf_reset(&resp->body);
    ob_buf_reserve(&resp->body, 1024);
    if (ob_json_dump(&resp->body, resp->json) == 0)
        ob_buf_addc(&resp->body, '\n');
    json_decref(resp->json);
    resp->json = NULL;
    if (!resp->content_type)
        resp->content_type = "application/json";
    ob_resp_header(resp, "Cache-Control", "no-store");
}

static void
finish(struct state *s, const struct ob_http_in *in, struct ob_resp *resp, int64_t start)
{
    int64_t us;

    render_json(resp);
    if (!resp->content_type)
        resp->content_type = PLAIN_TYPE;
    ob_resp_header(resp, "X-Content-Type-Options", "nosniff");
    us = ob_clock_mono_us() - start;
    log_request(s, in, resp, us);
    ob_metrics_request(s->route >= 0 ? s->route : (s->route == -3 ? ob_nroutes : -1),
                       resp->status, us);
}

/* The origin of a URL: scheme, host and port, the port filled in. */
struct origin {
    bool https;
    char host[256];     /* lowercase; an IPv6 literal keeps its brackets */
    unsigned port;
};

/* Host and optional ":port" of s[0..len), as in a Host header or a URL. */
static int
parse_authority(const char *s, size_t len, bool https, struct origin *o)
{
    const char *colon = NULL;
    size_t hl;
    unsigned long port;

    if (len > 0 && s[0] == '[') {
        const char *close = memchr(s, ']', len);

        if (!close)
            return -1;
        if ((size_t)(close + 1 - s) < len)
            colon = close + 1;
    } else {
        colon = memchr(s, ':', len);
    }
    hl = colon ? (size_t)(colon - s) : len;
    if (hl == 0 || hl >= sizeof(o->host) || (colon && *colon != ':'))
        return -1;
    for (size_t i = 0; i < hl; i++)
        o->host[i] = (char)tolower((unsigned char)s[i]);
    o->host[hl] = '\0';
    o->https = https;
    o->port = https ? 443 : 80;
    if (!colon || colon + 1 == s + len)
        return 0;   /* "host" or "host:": the scheme's port */
    port = 0;
    for (const char *p = colon + 1; p < s + len; p++) {
        if (!isdigit((unsigned char)*p) || (port = port * 10 + (unsigned long)(*p - '0')) > 65535)
            return -1;
    }
    o->port = (unsigned)port;
    return 0;
}

/* "http://host[:port]" or "https://…"; a path is allowed only when with_path. */
static int
parse_origin(const char *s, bool with_path, struct origin *o)
{
    bool https = !strncasecmp(s, "https://", 8);
    const char *a, *end;

    if (!https && strncasecmp(s, "http://", 7))
        return -1;
    a = s + (https ? 8 : 7);
    end = a + strcspn(a, "/?#");
    if (*end && !with_path)
        return -1;
    return parse_authority(a, (size_t)(end - a), https, o);
}

static bool
origin_equal(const struct origin *a, const struct origin *b)
{
    return a->https == b->https && a->port == b->port && !strcmp(a->host, b->host);
}

/* Is the request's Origin this service? Scheme, host and port must all match
 * (RFC 6454): the public URL's, or the Host the request was sent to, over the
 * public URL's scheme (the node itself speaks plain HTTP; behind a TLS proxy
 * the public URL is what says https). An http page of the same host, another
 * port of it, or "null" is another origin. */
static bool
same_origin(const struct ob_http_in *in, const struct ob_config *cfg)
{
    const char *origin = in->header ? in->header(in->hctx, "Origin") : NULL;
    const char *host = in->header ? in->header(in->hctx, "Host") : NULL;
    struct origin o, pub, h;
    bool have_pub;

    if (!origin || parse_origin(origin, false, &o) != 0)
        return false;
    have_pub = cfg->public_url[0] && parse_origin(cfg->public_url, true, &pub) == 0;
    if (have_pub && origin_equal(&o, &pub))
        return true;
    return host && parse_authority(host, strlen(host), have_pub && pub.https, &h) == 0 &&
           origin_equal(&o, &h);
}

/* Who is calling: a bearer token, else a session cookie, else nobody. */
static int
authenticate(struct state *s, const struct ob_http_in *in, struct ob_resp *resp)
{
    const struct ob_route *rt = &ob_routes[s->route];
    const char *bearer = ob_req_bearer(&s->req);
    const char *cookie = ob_req_cookie(&s->req, OB_SESSION_COOKIE);
    bool changing = strcmp(in->method, "GET") && strcmp(in->method, "HEAD");
    int rc;

    if (rt->flags & OB_ROUTE_ANON)
        return 0;
    if ((rt->flags & OB_ROUTE_SIGNED) && in->header &&
        in->header(in->hctx, "X-Oblako-Signature"))
        return ob_backend_verify(&s->ctx, in->header(in->hctx, "X-Oblako-App"),
                                 in->header(in->hctx, "X-Oblako-Timestamp"),
                                 in->header(in->hctx, "X-Oblako-Signature"), in->method, in->uri,
                                 s->req.body, s->req.body_len, ob_clock_real());
    if (bearer) {
        if ((rc = ob_auth_bearer(&s->ctx, bearer)) != 0 || !(rt->flags & OB_ROUTE_SESSION))
            return rc;
        /* docs/rules.md §14: a token acts on one account's data, never on the login */
        return ob_access_session(&s->ctx);
    }
    if (cookie && *cookie) {
        rc = ob_auth_session(&s->ctx, cookie, changing,
                             in->header ? in->header(in->hctx, "X-CSRF-Token") : NULL,
                             same_origin(in, s->ctx.cfg), NULL);
        if (rc == OB_EUNAUTH) {
            /* an ended session: tell the browser to forget the cookie */
            ob_resp_header(resp, "Set-Cookie",
                           OB_SESSION_COOKIE "=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
            if (rt->flags & OB_ROUTE_PUBLIC) {
                ob_err_clear(&s->ctx.err);
                return 0;
            }
        }
        if (rc != 0)
            return rc;
    }
    if (!s->ctx.actor.person && !(rt->flags & OB_ROUTE_PUBLIC))
        return ob_err_set(&s->ctx.err, OB_EUNAUTH, "auth.sign_in");
    return 0;
}

/* What makes a retry the same request: the method, the route, the path and
 * the body, the JSON one in a canonical form (keys sorted, no spaces). */
static void
request_hash(struct state *s, char out[OB_IDEM_HASH_LEN])
{
    const struct ob_route *rt = &ob_routes[s->route];
    char *canon = s->req.json ? json_dumps(s->req.json, JSON_COMPACT | JSON_SORT_KEYS |
                                                            JSON_ENCODE_ANY)
                              : NULL;

    if (canon)
        ob_idem_request_hash(rt->method, rt->pattern, s->path, canon, strlen(canon), out);
    else
        ob_idem_request_hash(rt->method, rt->pattern, s->path, s->req.body, s->req.body_len,
                             out);
    free(canon);
}

/* A creating POST with an Idempotency-Key (model/core/idempotency.h): replay the
 * stored answer of the key, or run the handler and store its answer. */
static void
call_idempotent(struct state *s, struct ob_resp *resp)
{
    const struct ob_route *rt = &ob_routes[s->route];
    char hash[OB_IDEM_HASH_LEN];
    struct ob_idem idem;

    request_hash(s, hash);
    if (ob_idem_begin(&s->ctx, ob_req_header(&s->req, "Idempotency-Key"), hash, &idem) != 0) {
        problem(resp, &s->ctx.err, s->ctx.request_id, s->path, answer_lang(s));
        return;
    }
    if (idem.replay) {
        resp->status = idem.status;
        resp->content_type = idem.content_type;
        ob_buf_add(&resp->body, idem.body, idem.body_len);
        ob_resp_header(resp, "Cache-Control", "no-store");
        ob_resp_header(resp, "Idempotent-Replayed", "true");
        return;
    }
    if (rt->handler(&s->req, resp) != 0)
        problem(resp, &s->ctx.err, s->ctx.request_id, s->path, answer_lang(s));
    render_json(resp);
    if (!resp->content_type)
        resp->content_type = PLAIN_TYPE;
    /* A streamed answer is not kept (no type). The answer goes out whether or
     * not it could be stored: that error is logged. */
    ob_idem_finish(&s->ctx, &idem, resp->status,
                   resp->has_fd || resp->data ? NULL : resp->content_type, resp->body.p,
                   resp->body.len);
}

static void
call_handler(struct state *s, const struct ob_http_in *in, struct ob_resp *resp)
{
    const struct ob_route *rt = &ob_routes[s->route];

    if (in->get_db && !(s->ctx.db = in->get_db(in->dbctx)) && strcmp(rt->pattern, "/healthz")) {
        ob_err_set(&s->ctx.err, OB_EUNAVAIL, "http.unavailable");
        problem(resp, &s->ctx.err, s->ctx.request_id, s->path, answer_lang(s));
        return;
    }
    /* a failed pin is no error: the statements then take their locks alone */
    if (s->ctx.db && (rt->flags & OB_ROUTE_ONE_READ))
        (void)ob_db_pin_read(s->ctx.db);
    if (s->ctx.db && authenticate(s, in, resp) != 0)
        problem(resp, &s->ctx.err, s->ctx.request_id, s->path, answer_lang(s));
    else if (s->ctx.db && (rt->flags & OB_ROUTE_IDEMPOTENT) &&
             ob_req_header(&s->req, "Idempotency-Key"))
        call_idempotent(s, resp);
    else if (rt->handler(&s->req, resp) != 0)
        problem(resp, &s->ctx.err, s->ctx.request_id, s->path, answer_lang(s));
    if (s->ctx.db)
        ob_db_unpin(s->ctx.db);
}

void
ob_http_dispatch(const struct ob_config *cfg, const struct ob_http_in *in, struct ob_resp *resp)
{
    struct state s;
    const char *seg[OB_MAX_SEGMENTS];
    int64_t start = ob_clock_mono_us();
    int nseg = 0, rc;

    memset(&s, 0, sizeof(s));
    ob_ctx_init(&s.ctx, NULL, cfg);
    request_id(in, s.ctx.request_id, sizeof(s.ctx.request_id));
    s.ctx.remote_addr = in->remote_addr;
    if (cfg->test_clock)
        s.ctx.clock_load = ob_testclock_load;
    s.req.ctx = &s.ctx;
    s.req.method = in->method;
    s.req.header = in->header;
    s.req.hctx = in->hctx;
    s.route = -1;
    ob_resp_header(resp, "X-Request-Id", s.ctx.request_id);
    rc = parse_uri(&s, in, seg, &nseg);
    if (rc == 0 && in->refuse)
        rc = ob_err_field(&s.ctx.err, OB_EINVAL, "headers", "http.bad_framing", "what=%s",
                          in->refuse);
    if (rc == 0 && (rc = route(&s, in, seg, nseg, resp)) == OB_ENOTFOUND &&
        strncmp(s.path, "/api/", 5) && (!strcmp(in->method, "GET") || !strcmp(in->method, "HEAD")) &&
        serve_asset(in, s.req.path, resp) == 0) {
        s.route = -3;
        goto out;
    }
    if (rc == 0)
        rc = read_body(&s, in);
    if (rc == 0) {
        s.req.route = s.route;
        call_handler(&s, in, resp);
    } else {
        problem(resp, &s.ctx.err, s.ctx.request_id, s.path ? s.path : "", answer_lang(&s));
    }
out:
    finish(&s, in, resp, start);
    json_decref(s.req.json);
    /* Header values may point into the arena: copy them before it goes. */
    for (int i = 0; i < resp->nheaders; i++)
        resp->headers[i].value = ob_xstrdup(resp->headers[i].value);
    ob_ctx_release(&s.ctx);
}
