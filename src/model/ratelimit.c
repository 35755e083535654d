/*
 * ratelimit.c — fixed-window counters in login_failures.
 *
 * A row holds the window's start, the events counted in it and, once the
 * limit is reached, the instant until which the key is refused (the end of
 * the window). An event after the window starts a new one at 1. The same
 * table serves sign-in failures (model/authn.c), whose keys are "email:…"
 * and "addr:…"; keys here carry their own prefix so the two never mix.
 */
#include "base/ctx.h"
#include "db/db.h"
#include "model/ratelimit.h"
#include "base/banned.h"

int
ob_ratelimit_check(struct ob_ctx *ctx, const char *key, const char *what)
{
    int64_t now = ob_clock_now(ctx), until = 0, wait;
    int rc = ob_db_get_int(ctx->db, &until,
                           "SELECT blocked_until FROM login_failures WHERE key = ?", "t", key);

    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (until <= now)
        return 0;
    wait = until - now;
    ob_err_set(&ctx->err, OB_ERATE, "too many %s from your address; try again in %lld minutes",
               what, (long long)((wait + 59) / 60));
    ctx->err.retry_after = (int)wait;
    return OB_ERATE;
}

int
ob_ratelimit_hit(struct ob_ctx *ctx, const char *key, int limit, int64_t window_s)
{
    int64_t now = ob_clock_now(ctx);
    int64_t n = ob_db_run(ctx->db,
                          "INSERT INTO login_failures (key, window_start, failures) VALUES (?, ?, 1) "
                          "ON CONFLICT (key) DO UPDATE SET "
                          "failures = CASE WHEN login_failures.window_start <= ? THEN 1 "
                          "ELSE login_failures.failures + 1 END, "
                          "blocked_until = CASE WHEN login_failures.window_start <= ? THEN 0 "
                          "ELSE login_failures.blocked_until END, "
                          "window_start = CASE WHEN login_failures.window_start <= ? THEN ? "
                          "ELSE login_failures.window_start END",
                          "tiiiii", key, now, now - window_s, now - window_s, now - window_s, now);

    if (n >= 0)
        n = ob_db_run(ctx->db,
                      "UPDATE login_failures SET blocked_until = window_start + ? "
                      "WHERE key = ? AND failures >= ?",
                      "iti", window_s, key, (int64_t)limit);
    return n < 0 ? ob_db_err(ctx, (int)n) : 0;
}
