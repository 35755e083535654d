/*
 * backend.c — signatures between Oblako and application backends.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/ctx.h"
#include "db/db.h"
#include "model/areas/backend.h"
#include "base/banned.h"

void
ob_backend_sign(const char *secret, const char *method, const char *pathq, int64_t ts,
                const void *body, size_t len, char out[OB_BACKEND_SIG_LEN])
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    char hex[2 * crypto_hash_sha256_BYTES + 1];

    crypto_hash_sha256(digest, body ? body : (const void *)"", body ? len : 0);
    sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
    ob_backend_sign_hash(secret, method, pathq, ts, hex, out);
}

void
ob_backend_sign_hash(const char *secret, const char *method, const char *pathq, int64_t ts,
                     const char *sha256, char out[OB_BACKEND_SIG_LEN])
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    char tsbuf[24];
    crypto_auth_hmacsha256_state st;

    snprintf(tsbuf, sizeof(tsbuf), "%" PRId64, ts);
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)method, strlen(method));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)"\n", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)pathq, strlen(pathq));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)"\n", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)tsbuf, strlen(tsbuf));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)"\n", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)sha256, strlen(sha256));
    crypto_auth_hmacsha256_final(&st, mac);
    memcpy(out, "v1=", 3);
    sodium_bin2hex(out + 3, OB_BACKEND_SIG_LEN - 3, mac, sizeof(mac));
}

int
ob_backend_verify(struct ob_ctx *ctx, const char *app, const char *ts, const char *sig,
                  const char *method, const char *pathq, const void *body, size_t len,
                  int64_t now)
{
    char secret[512], want[OB_BACKEND_SIG_LEN], *end;
    int64_t id = 0;
    long long t;
    int rc;

    if (!app || !ts || !sig)
        return ob_err_set(&ctx->err, OB_EUNAUTH, "backend.signature_headers_missing");
    t = strtoll(ts, &end, 10);
    /* Compared against now ± the window, never t - now: a timestamp near
     * LLONG_MIN or LLONG_MAX would overflow the subtraction. */
    if (end == ts || *end || t > now + OB_BACKEND_WINDOW || t < now - OB_BACKEND_WINDOW)
        return ob_err_set(&ctx->err, OB_EUNAUTH, "backend.stale_timestamp", "backend_window=%d",
                          OB_BACKEND_WINDOW);
    rc = ob_db_get_int(ctx->db, &id,
                       "SELECT id FROM applications WHERE code = ? AND backend_secret <> ''", "t",
                       app);
    if (rc == OB_DB_ROW)
        rc = ob_db_get_text(ctx->db, secret, sizeof(secret),
                            "SELECT backend_secret FROM applications WHERE id = ?", "i", id);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (rc != OB_DB_ROW)
        return ob_err_set(&ctx->err, OB_EUNAUTH, "backend.no_secret", "app=%.64s", app);
    ob_backend_sign(secret, method, pathq, (int64_t)t, body, len, want);
    sodium_memzero(secret, sizeof(secret));
    if (strlen(sig) != strlen(want) || sodium_memcmp(sig, want, strlen(want)) != 0)
        return ob_err_set(&ctx->err, OB_EUNAUTH, "backend.bad_signature");
    ctx->actor.app = id;
    return 0;
}

static void
read_backend(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct ob_backend *out = arg;

    out->code = ob_stmt_dup(ctx, st, 0);
    out->url = ob_stmt_dup(ctx, st, 1);
    out->secret = ob_stmt_dup(ctx, st, 2);
}

int
ob_backend_load(struct ob_ctx *ctx, int64_t app, struct ob_backend *out)
{
    int rc;

    memset(out, 0, sizeof(*out));
    rc = ob_db_one(ctx, read_backend, out,
                   "SELECT code, backend_url, backend_secret FROM applications WHERE id = ?", "i",
                   app);
    if (rc == OB_ENOTFOUND)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "backend.app_not_found", "app=%ld", app);
    if (rc != 0)
        return rc;
    out->app = app;
    if (!*out->url || !*out->secret)
        return ob_err_set(&ctx->err, OB_EUNAVAIL, "backend.not_configured", "code=%s", out->code);
    return 0;
}
