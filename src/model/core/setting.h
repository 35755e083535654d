/*
 * setting.h — installation-wide settings: the service time zone and the
 * test clock.
 *
 * The time zone is recorded once, by init (or the first start); a process
 * started with another zone refuses to run, because every stored civil date
 * was computed in the recorded one.
 *
 * The test clock is an offset from real time stored in the database, so
 * every node sees the same business time. It only moves forward.
 */
#ifndef OB_MODEL_CORE_SETTING_H
#define OB_MODEL_CORE_SETTING_H

#include <stdint.h>

struct ob_ctx;

/* Record `zone` if no zone is recorded yet; refuse (OB_ECONFLICT) when
 * another one is. */
int ob_setting_check_tz(struct ob_ctx *ctx, const char *zone);
/* A ctx->clock_load hook: reads the stored offset into ctx->clock_offset. */
int ob_testclock_load(struct ob_ctx *ctx);
/* Set business time to `target` (UTC seconds); OB_EINVAL if that is
 * earlier than the current business time. */
int ob_testclock_set(struct ob_ctx *ctx, int64_t target);

#endif
