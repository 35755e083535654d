/*
 * ratelimit.c — fixed-window counters in login_failures.
 *
 * A row holds the window's start, the events counted in it and, once the
 * limit is reached, the instant until which the key is refused (the end of
 * the window). An event after the window starts a new one at 1. The same
 * table serves sign-in failures (model/identity/authn.c), whose keys are "email:…"
 * and "addr:…"; keys here carry their own prefix so the two never mix.
 *
 * Guesses (passwords, second-factor codes) are reserved rather than hit
 * afterwards: the upsert that counts the attempt runs, and is committed,
 * before the hash is evaluated, and the row's lock (PostgreSQL) or the write
 * lock (SQLite) orders parallel attempts, so the limit holds exactly under
 * any concurrency. A right answer gives its attempt back.
 */
#include "base/ctx.h"
#include "db/db.h"
#include "model/core/ratelimit.h"
#include "base/banned.h"

int
ob_ratelimit_check(struct ob_ctx *ctx, const char *key, const char *reason)
{
    int64_t now = ob_clock_now(ctx), until = 0, wait;
    int rc = ob_db_get_int(ctx->db, &until,
                           "SELECT blocked_until FROM login_failures WHERE key = ?", "t", key);

    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (until <= now)
        return 0;
    wait = until - now;
    ob_err_set(&ctx->err, OB_ERATE, reason, "wait=%lld", (long long)((wait + 59) / 60));
    ctx->err.retry_after = (int)wait;
    return OB_ERATE;
}

/* failures and window_start, into out[0] and out[1] */
static void
read_failures(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    (void)ctx;
    ((int64_t *)out)[0] = ob_stmt_int(st, 0);
    ((int64_t *)out)[1] = ob_stmt_int(st, 1);
}

/* Count one more event for key in its window (a new window after the old
 * one ended); *failures and *start receive the row after the count. */
static int
count(struct ob_ctx *ctx, const char *key, int64_t window_s, int64_t *failures, int64_t *start)
{
    int64_t now = ob_clock_now(ctx), old = now - window_s, row[2];
    int64_t n =
        ob_db_run(ctx->db,
                  "INSERT INTO login_failures (key, window_start, failures) VALUES (?, ?, 1) "
                  "ON CONFLICT (key) DO UPDATE SET "
                  "failures = CASE WHEN login_failures.window_start <= ? THEN 1 "
                  "ELSE login_failures.failures + 1 END, "
                  "blocked_until = CASE WHEN login_failures.window_start <= ? THEN 0 "
                  "ELSE login_failures.blocked_until END, "
                  "window_start = CASE WHEN login_failures.window_start <= ? THEN ? "
                  "ELSE login_failures.window_start END",
                  "tiiiii", key, now, old, old, old, now);
    int rc;

    if (n < 0)
        return ob_db_err(ctx, (int)n);
    rc = ob_db_one(ctx, read_failures, row,
                   "SELECT failures, window_start FROM login_failures WHERE key = ?", "t", key);
    if (rc == OB_ENOTFOUND)
        return ob_db_err(ctx, OB_EINTERNAL); /* the upsert just wrote it */
    if (rc != 0)
        return rc;
    *failures = row[0];
    *start = row[1];
    return 0;
}

/* A key that has reached its limit is refused until its window ends
 * (ob_ratelimit_check reads blocked_until). */
static int
block(struct ob_ctx *ctx, const char *key, bool reached, int64_t window_s)
{
    int64_t n = !reached ? 0
                         : ob_db_run(ctx->db,
                                     "UPDATE login_failures SET blocked_until = window_start + ? "
                                     "WHERE key = ?",
                                     "it", window_s, key);

    return n < 0 ? ob_db_err(ctx, (int)n) : 0;
}

int
ob_ratelimit_reserve(struct ob_ctx *ctx, const char *key, int limit, int64_t window_s,
                     const char *reason)
{
    int64_t failures = 0, start = 0, wait;
    int rc;

    if ((rc = count(ctx, key, window_s, &failures, &start)) != 0)
        return rc;
    if (failures > limit) {
        wait = start + window_s - ob_clock_now(ctx);
        if (wait < 1)
            wait = 1;
        ob_err_set(&ctx->err, OB_ERATE, reason, "wait=%lld", (long long)((wait + 59) / 60));
        ctx->err.retry_after = (int)wait;
        return OB_ERATE; /* the caller's transaction rolls the count back */
    }
    return block(ctx, key, failures >= limit, window_s);
}

int
ob_ratelimit_release(struct ob_ctx *ctx, const char *key, bool forget)
{
    int64_t n = forget ? ob_db_run(ctx->db, "DELETE FROM login_failures WHERE key = ?", "t", key)
                       : ob_db_run(ctx->db,
                                   "UPDATE login_failures SET failures = failures - 1, "
                                   "blocked_until = 0 WHERE key = ? AND failures > 0",
                                   "t", key);

    return n < 0 ? ob_db_err(ctx, (int)n) : 0;
}

int
ob_ratelimit_hit(struct ob_ctx *ctx, const char *key, int limit, int64_t window_s)
{
    int64_t failures = 0, start = 0;
    int rc = count(ctx, key, window_s, &failures, &start);

    return rc ? rc : block(ctx, key, failures >= limit, window_s);
}
