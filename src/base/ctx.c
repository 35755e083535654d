/*
 * ctx.c — request context and the business clock.
 */
#include <string.h>
#include <time.h>

#include "ctx.h"
#include "date.h"
#include "banned.h"

void
ob_ctx_init(struct ob_ctx *ctx, struct ob_db *db, const struct ob_config *cfg)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->db = db;
    ctx->cfg = cfg;
    ob_arena_init(&ctx->arena);
}

void
ob_ctx_release(struct ob_ctx *ctx)
{
    ob_arena_free(&ctx->arena);
}

int64_t
ob_clock_real(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec;
}

int64_t
ob_clock_mono_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
ob_clock_now(struct ob_ctx *ctx)
{
    if (!ctx->clock_ready) {
        if (ctx->clock_load && ctx->clock_load(ctx) != 0)
            ctx->clock_offset = 0;
        ctx->now = ob_clock_real() + ctx->clock_offset;
        ctx->clock_ready = true;
    }
    return ctx->now;
}

int32_t
ob_clock_today(struct ob_ctx *ctx)
{
    return ob_date_of_instant(ob_clock_now(ctx));
}
