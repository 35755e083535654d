/*
 * http.c — libmicrohttpd glue: requests in, responses out, one log line each.
 *
 * The daemon runs a thread per connection, so a handler may block on a call
 * to Oblako (at most 10 s) without holding up other browsers. A request's
 * struct is made by the URI log callback, which sees the request target
 * exactly as sent (signatures cover it byte for byte), and freed by the
 * completion callback, which writes the log line. The access handler reads
 * the body on its middle calls and answers only on the last one: answering
 * on the first call would make libmicrohttpd close the connection.
 *
 * An archive's body (cb_route_streams) is not held in memory: it is written
 * to a spool file as it arrives, hashed on the way, and the handler gets the
 * file (cb_req_file). An archive in an answer is sent from a file
 * descriptor (cb_resp.has_fd).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <sodium.h>

#include "cashbook.h"
#include "base/banned.h"

struct cb_req {
    struct MHD_Connection *conn;
    char method[16];
    char *target, *path; /* raw, as on the request line */
    char *body;
    size_t len;
    int started, too_big;
    unsigned status;
    struct timespec t0;
    /* a streamed body: the spool file, its hash and size */
    int spool_fd, spool_failed;
    char *spool;
    char spool_sha[65];
    int64_t spool_len;
    crypto_hash_sha256_state spool_h;
};

static struct MHD_Daemon *daemon_;

const char *
cb_req_method(const struct cb_req *r)
{
    return r->method;
}

const char *
cb_req_path(const struct cb_req *r)
{
    return r->path;
}

const char *
cb_req_target(const struct cb_req *r)
{
    return r->target;
}

const char *
cb_req_header(const struct cb_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *
cb_req_arg(const struct cb_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *
cb_req_cookie(const struct cb_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

const char *
cb_req_body(const struct cb_req *r, size_t *len)
{
    *len = r->len;
    return r->body ? r->body : "";
}

const char *
cb_req_file(const struct cb_req *r, const char **sha256, int64_t *len)
{
    if (!r->spool || r->spool_failed)
        return NULL;
    *sha256 = r->spool_sha;
    *len = r->spool_len;
    return r->spool;
}

static const char *
reason(unsigned status)
{
    switch (status) {
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 413:
        return "Content Too Large";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Content";
    case 502:
        return "Bad Gateway";
    default:
        return status >= 500 ? "Internal Server Error" : "Error";
    }
}

static const char *
code(unsigned status)
{
    switch (status) {
    case 400:
        return "invalid";
    case 401:
        return "unauthorized";
    case 403:
        return "forbidden";
    case 404:
        return "not_found";
    case 405:
        return "method_not_allowed";
    case 409:
        return "conflict";
    case 413:
        return "too_large";
    case 415:
        return "unsupported_media_type";
    case 422:
        return "unprocessable";
    case 502:
        return "bad_gateway";
    default:
        return "internal";
    }
}

void
cb_reply_json(struct cb_resp *out, unsigned status, json_t *j)
{
    out->status = status;
    if (!out->type)
        out->type = "application/json";
    out->body = j ? json_dumps(j, JSON_COMPACT) : NULL;
    out->len = out->body ? strlen(out->body) : 0;
    if (j && !out->body)
        cb_log("error", "json_dumps failed", NULL);
    json_decref(j);
}

json_t *
cb_problem_new(unsigned status, const char *detail)
{
    return json_pack("{s:s, s:s, s:i, s:s, s:s}", "type", "about:blank", "title", reason(status),
                     "status", (int)status, "code", code(status), "detail", detail);
}

void
cb_reply_problem(struct cb_resp *out, unsigned status, const char *field, const char *fmt, ...)
{
    char detail[512];
    va_list ap;
    json_t *p;

    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    p = cb_problem_new(status, detail);
    if (field)
        json_object_set_new(p, "field", json_string(field));
    out->type = "application/problem+json";
    cb_reply_json(out, status, p);
}

static int
wants_russian(const struct cb_req *r)
{
    const char *lang = cb_req_header(r, "Accept-Language");

    return lang && (lang[0] == 'r' || lang[0] == 'R') && (lang[1] == 'u' || lang[1] == 'U');
}

/* A short page; the texts are the program's own constant HTML. */
void
cb_reply_html(struct cb_resp *out, unsigned status, const struct cb_req *r, const char *title_en,
              const char *text_en, const char *title_ru, const char *text_ru)
{
    int ru = wants_russian(r);
    const char *title = ru ? title_ru : title_en;

    out->status = status;
    out->type = "text/html; charset=utf-8";
    out->body =
        cb_xprintf("<!doctype html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                   "<title>%s</title><link rel=\"stylesheet\" href=\"app.css\"></head>\n"
                   "<body class=\"notice\"><main class=\"card\"><h1>%s</h1><p>%s</p>"
                   "</main></body></html>\n",
                   ru ? "ru" : "en", title, title, ru ? text_ru : text_en);
    out->len = strlen(out->body);
}

static void *
uri_log(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct cb_req *r = cb_xmalloc(sizeof(*r));

    (void)cls;
    memset(r, 0, sizeof(*r));
    r->spool_fd = -1;
    r->conn = conn;
    r->target = cb_xstrdup(uri);
    r->path = cb_xstrdup(uri);
    r->path[strcspn(r->path, "?")] = '\0';
    clock_gettime(CLOCK_MONOTONIC, &r->t0);
    return r;
}

/* The path for the log: the query may hold a launch token, and bytes that
 * are not printable ASCII would make the line invalid JSON. */
static char *
log_path(const char *path)
{
    char *p = cb_xstrdup(path);

    for (char *c = p; *c; c++)
        if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
            *c = '?';
    return p;
}

static void
completed(void *cls, struct MHD_Connection *conn, void **con_cls,
          enum MHD_RequestTerminationCode toe)
{
    struct cb_req *r = *con_cls;
    struct timespec t1;
    char *path;

    (void)cls;
    (void)conn;
    if (!r)
        return;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    path = log_path(r->path);
    cb_log("info", "request", "{s:s, s:s, s:i, s:f, s:b}", "method", r->method, "path", path,
           "status", (int)r->status, "ms",
           (double)(t1.tv_sec - r->t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - r->t0.tv_nsec) / 1e6,
           "completed", toe == MHD_REQUEST_TERMINATED_COMPLETED_OK);
    free(path);
    if (r->spool_fd >= 0)
        close(r->spool_fd);
    if (r->spool) {
        unlink(r->spool);   /* ENOENT when the handler took it */
        free(r->spool);
    }
    free(r->target);
    free(r->path);
    free(r->body);
    free(r);
    *con_cls = NULL;
}

static enum MHD_Result
send_resp(struct cb_req *r, struct cb_resp *out)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;

    if (out->has_fd)
        resp = MHD_create_response_from_fd64((uint64_t)out->fd_len, out->fd);
    else if (out->persistent || !out->body)
        resp = MHD_create_response_from_buffer(out->len, out->body, MHD_RESPMEM_PERSISTENT);
    else
        resp = MHD_create_response_from_buffer(out->len, out->body, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        if (out->has_fd)
            close(out->fd);
        if (!out->persistent)
            free(out->body);
        free(out->location);
        free(out->cookie);
        return MHD_NO;
    }
    if (out->type)
        MHD_add_response_header(resp, "Content-Type", out->type);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "Cache-Control", out->persistent ? "no-cache" : "no-store");
    if (out->type && !strncmp(out->type, "text/html", 9))
        MHD_add_response_header(resp, "Content-Security-Policy",
                                "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
                                "form-action 'self'");
    if (out->location)
        MHD_add_response_header(resp, "Location", out->location);
    if (out->cookie)
        MHD_add_response_header(resp, "Set-Cookie", out->cookie);
    if (out->sha256[0])
        MHD_add_response_header(resp, "X-Oblako-Sha256", out->sha256);
    if (out->version[0])
        MHD_add_response_header(resp, "X-Oblako-Version", out->version);
    r->status = out->status;
    ret = MHD_queue_response(r->conn, out->status, resp);
    MHD_destroy_response(resp);
    free(out->location);
    free(out->cookie);
    return ret;
}

/* A streamed body: a spool file made for it, unless it is too large. */
static enum MHD_Result
spool_start(struct cb_req *r, const char *cl)
{
    struct cb_resp out = {0};

    if (cl && strtoull(cl, NULL, 10) > (unsigned long long)CB_FILE_MAX) {
        cb_reply_problem(&out, 413, NULL, "the archive is larger than %lld bytes", CB_FILE_MAX);
        return send_resp(r, &out);
    }
    r->spool = cb_spool_path("in");
    if ((r->spool_fd = mkstemp(r->spool)) < 0) {
        cb_log("error", "spool", "{s:s, s:s}", "path", r->spool, "error", strerror(errno));
        r->spool_failed = 1;
    }
    crypto_hash_sha256_init(&r->spool_h);
    return MHD_YES;
}

static void
spool_add(struct cb_req *r, const char *data, size_t n)
{
    if (r->spool_failed)
        return;
    if (r->spool_len + (int64_t)n > CB_FILE_MAX) {
        r->too_big = 1;
        r->spool_failed = 1;
        return;
    }
    crypto_hash_sha256_update(&r->spool_h, (const unsigned char *)data, n);
    r->spool_len += (int64_t)n;
    while (n) {
        ssize_t w = write(r->spool_fd, data, n);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            cb_log("error", "spool", "{s:s, s:s}", "path", r->spool, "error", strerror(errno));
            r->spool_failed = 1;
            return;
        }
        data += w;
        n -= (size_t)w;
    }
}

static void
spool_end(struct cb_req *r)
{
    unsigned char d[crypto_hash_sha256_BYTES];

    crypto_hash_sha256_final(&r->spool_h, d);
    sodium_bin2hex(r->spool_sha, sizeof(r->spool_sha), d, sizeof(d));
    if (r->spool_fd >= 0 && close(r->spool_fd) != 0)
        r->spool_failed = 1;
    r->spool_fd = -1;
}

static enum MHD_Result
access_cb(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
          const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    struct cb_req *r = *con_cls;
    struct cb_resp out = {0};

    (void)cls;
    (void)version;
    if (!r)
        *con_cls = r = uri_log(NULL, url, conn);
    if (!r->started) {
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");

        r->started = 1;
        snprintf(r->method, sizeof(r->method), "%s", method);
        if (cb_route_streams(method, r->path))
            return spool_start(r, cl);
        if (cl && strtoull(cl, NULL, 10) > CB_BODY_MAX) {
            cb_reply_problem(&out, 413, NULL, "the body is larger than %d bytes", CB_BODY_MAX);
            return send_resp(r, &out);
        }
        return MHD_YES;
    }
    if (*upload_size) {
        if (r->spool)
            spool_add(r, upload, *upload_size);
        else if (r->len + *upload_size > CB_BODY_MAX) {
            r->too_big = 1;
        } else if (!r->too_big) {
            r->body = realloc(r->body, r->len + *upload_size + 1);
            if (!r->body)
                abort();
            memcpy(r->body + r->len, upload, *upload_size);
            r->len += *upload_size;
            r->body[r->len] = '\0';
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->status)
        return MHD_YES; /* answered already (413 on the first call) */
    if (r->spool)
        spool_end(r);
    if (r->too_big && r->spool)
        cb_reply_problem(&out, 413, NULL, "the archive is larger than %lld bytes", CB_FILE_MAX);
    else if (r->too_big)
        cb_reply_problem(&out, 413, NULL, "the body is larger than %d bytes", CB_BODY_MAX);
    else if (r->spool_failed)
        cb_reply_problem(&out, 500, NULL, "the body could not be stored; see the server log");
    else
        cb_route(r, &out);
    return send_resp(r, &out);
}

/* "host:port" or "[v6]:port" into addr. */
static int
parse_listen(const char *listen, struct sockaddr_storage *addr, int *v6)
{
    char host[64];
    const char *colon = strrchr(listen, ':'), *h = listen;
    size_t hlen;
    char *end;
    unsigned long port;

    if (!colon)
        return -1;
    port = strtoul(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || port > 65535)
        return -1;
    hlen = (size_t)(colon - listen);
    if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']') {
        h++;
        hlen -= 2;
    }
    if (hlen == 0 || hlen >= sizeof(host))
        return -1;
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    memset(addr, 0, sizeof(*addr));
    if (inet_pton(AF_INET, host, &((struct sockaddr_in *)addr)->sin_addr) == 1) {
        ((struct sockaddr_in *)addr)->sin_family = AF_INET;
        ((struct sockaddr_in *)addr)->sin_port = htons((uint16_t)port);
        *v6 = 0;
        return 0;
    }
    if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)addr)->sin6_addr) == 1) {
        ((struct sockaddr_in6 *)addr)->sin6_family = AF_INET6;
        ((struct sockaddr_in6 *)addr)->sin6_port = htons((uint16_t)port);
        *v6 = 1;
        return 0;
    }
    return -1;
}

int
cb_http_start(const char *listen, int *port_out)
{
    struct sockaddr_storage addr;
    const union MHD_DaemonInfo *info;
    int v6;

    if (parse_listen(listen, &addr, &v6) != 0) {
        fprintf(stderr, "oblako-cashbook: --listen '%s' is not HOST:PORT with a numeric host\n",
                listen);
        return -2;
    }
    daemon_ = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                                   MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0),
                               0, NULL, NULL, access_cb, NULL, MHD_OPTION_SOCK_ADDR,
                               (struct sockaddr *)&addr, MHD_OPTION_URI_LOG_CALLBACK, uri_log, NULL,
                               MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
                               MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
                               MHD_OPTION_CONNECTION_LIMIT, (unsigned)256, MHD_OPTION_END);
    if (!daemon_) {
        fprintf(stderr, "oblako-cashbook: cannot listen on %s\n", listen);
        return -1;
    }
    info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT);
    *port_out = info ? (int)info->port : 0;
    return 0;
}

void
cb_http_stop(void)
{
    if (daemon_)
        MHD_stop_daemon(daemon_);
    daemon_ = NULL;
}
