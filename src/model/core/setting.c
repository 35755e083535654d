/*
 * setting.c — the settings table: service time zone and test clock offset.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ctx.h"
#include "base/date.h"
#include "db/db.h"
#include "model/core/setting.h"
#include "base/banned.h"

static int
put(struct ob_ctx *ctx, const char *key, const char *value)
{
    int64_t rc = ob_db_run(ctx->db,
                           "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) "
                           "ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
                           "updated_at = excluded.updated_at",
                           "tti", key, value, ob_clock_real());

    return rc < 0 ? ob_db_err(ctx, (int)rc) : 0;
}

static int
check_tz(struct ob_ctx *ctx, void *arg)
{
    const char *zone = arg;
    char have[64] = "";
    int rc = ob_db_get_text(ctx->db, have, sizeof(have),
                            "SELECT value FROM settings WHERE key = 'time_zone'", NULL);

    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (rc == OB_DB_DONE)
        return put(ctx, "time_zone", zone);
    if (strcmp(have, zone) != 0) {
        ob_err_field(&ctx->err, OB_ECONFLICT, "tz", "setting.zone_mismatch", "have=%s zone=%s",
                     have, zone);
        ob_err_hint(&ctx->err, "start with --tz %s", have);
        return OB_ECONFLICT;
    }
    return 0;
}

int
ob_setting_check_tz(struct ob_ctx *ctx, const char *zone)
{
    return ob_db_tx(ctx, OB_DB_WRITE, check_tz, (void *)zone);
}

static int
read_offset(struct ob_ctx *ctx, int64_t *offset)
{
    char v[32] = "";
    int rc = ob_db_get_text(ctx->db, v, sizeof(v),
                            "SELECT value FROM settings WHERE key = 'clock_offset'", NULL);

    *offset = 0;
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (rc == OB_DB_ROW)
        *offset = strtoll(v, NULL, 10);
    return 0;
}

int
ob_testclock_load(struct ob_ctx *ctx)
{
    return read_offset(ctx, &ctx->clock_offset);
}

struct set_args {
    int64_t target;
};

static int
set_clock(struct ob_ctx *ctx, void *arg)
{
    struct set_args *a = arg;
    int64_t offset, real = ob_clock_real();
    char text[32], now[OB_INSTANT_LEN];
    int rc;

    if ((rc = read_offset(ctx, &offset)) != 0)
        return rc;
    if (a->target < real + offset) {
        ob_instant_format(real + offset, now);
        return ob_err_field(&ctx->err, OB_EINVAL, "now", "setting.clock_backwards", "now=%s", now);
    }
    snprintf(text, sizeof(text), "%" PRId64, a->target - real);
    if ((rc = put(ctx, "clock_offset", text)) != 0)
        return rc;
    ctx->clock_offset = a->target - real;
    ctx->now = a->target;
    ctx->clock_ready = 1;
    return 0;
}

int
ob_testclock_set(struct ob_ctx *ctx, int64_t target)
{
    struct set_args a = { target };

    return ob_db_tx(ctx, OB_DB_WRITE, set_clock, &a);
}
