/*
 * backend.h — signatures between Oblako and application backends
 * (docs/app-backend.md).
 *
 * Both directions sign the same message with the application's secret:
 * METHOD, PATH?QUERY, TIMESTAMP and the hex SHA-256 of the body, joined by
 * newlines, under HMAC-SHA256, sent as "v1=<hex>". A timestamp more than
 * OB_BACKEND_WINDOW seconds from real time is refused (the replay window).
 */
#ifndef OB_MODEL_AREAS_BACKEND_H
#define OB_MODEL_AREAS_BACKEND_H

#include <stddef.h>
#include <stdint.h>

struct ob_ctx;

#define OB_BACKEND_WINDOW 300
#define OB_BACKEND_SIG_LEN 68   /* "v1=" + 64 hex digits + NUL */
#define OB_BACKEND_SECRET_MIN 32

/* The signature of one request. */
void ob_backend_sign(const char *secret, const char *method, const char *pathq, int64_t ts,
                     const void *body, size_t len, char out[OB_BACKEND_SIG_LEN]);
/* The same with the body's hash given (lower-case hex SHA-256): for a body
 * streamed from a file whose hash is known (docs/app-backend.md, copies). */
void ob_backend_sign_hash(const char *secret, const char *method, const char *pathq, int64_t ts,
                          const char *sha256, char out[OB_BACKEND_SIG_LEN]);

/* Check a signed request from the backend of application `app` (its code)
 * at real time `now`; on success the actor is that application
 * (ctx->actor.app). OB_EUNAUTH with the reason otherwise. */
int ob_backend_verify(struct ob_ctx *ctx, const char *app, const char *ts, const char *sig,
                      const char *method, const char *pathq, const void *body, size_t len,
                      int64_t now);

struct ob_backend {
    int64_t app;
    const char *code, *url, *secret;    /* in ctx's arena */
};
/* An application's backend settings; OB_EUNAVAIL when it has none. */
int ob_backend_load(struct ob_ctx *ctx, int64_t app, struct ob_backend *out);

#endif
