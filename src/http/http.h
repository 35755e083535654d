/*
 * http.h — the HTTP front: a transport-independent request pipeline and the
 * libmicrohttpd server that feeds it.
 *
 * ob_http_dispatch takes a request as the transport received it (raw URI,
 * headers through a callback, the body) and produces the response: routing,
 * query and body parsing with their caps, the context, the handler, errors as
 * problem+json, static assets, the request log line and metrics. The server
 * and the fuzzer both call it, so the fuzzer exercises the real path.
 */
#ifndef OB_HTTP_HTTP_H
#define OB_HTTP_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "api/api.h"

struct ob_config;
struct ob_db;
struct ob_server;

struct ob_http_in {
    const char *method;
    const char *uri;            /* raw, with the query string */
    const char *(*header)(void *hctx, const char *name);
    void *hctx;
    const char *body;
    size_t body_len;
    bool too_large;             /* the body passed --body-max and was dropped */
    const char *file;           /* an OB_ROUTE_SPOOL body: its spool file, or NULL */
    long long file_size;
    const char *file_sha256;    /* hex */
    const char *refuse;         /* the transport found the head unusable: 400 with this */
    const char *remote_addr;
    struct ob_db *(*get_db)(void *dbctx);
    void *dbctx;
};

/* Fill resp (initialised by the caller with ob_http_resp_init); the body is
 * rendered: resp->json is NULL afterwards. */
void ob_http_dispatch(const struct ob_config *cfg, const struct ob_http_in *in,
                      struct ob_resp *resp);
void ob_http_resp_init(struct ob_resp *resp);
void ob_http_resp_free(struct ob_resp *resp);

/* Start serving on cfg->listen; *url receives the bound address. */
int ob_server_start(const struct ob_config *cfg, struct ob_server **out, char *url, size_t urlsize);
/* Stop accepting, wait up to drain_s seconds for requests in flight, stop. */
void ob_server_stop(struct ob_server *s, int drain_s);
/* Stop accepting new connections now (ob_server_stop does it too): a
 * connection attempted after it returns is refused. */
void ob_server_quiesce(struct ob_server *s);

#endif
