/*
 * ratelimit.h — counting events per key in a fixed window (R-ONB-6).
 *
 * Public endpoints (the partner questionnaire, later activation and
 * registration forms) count what each address does in the login_failures
 * table, under a key of their own ("apply:ADDR", …). A key that reaches its
 * limit is refused until its window ends. Counting is a plain upsert inside
 * the caller's transaction, so it holds across nodes and rolls back with a
 * refused request.
 */
#ifndef OB_MODEL_CORE_RATELIMIT_H
#define OB_MODEL_CORE_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct ob_ctx;

/* OB_ERATE with retry_after (and `reason`, whose message says what is
 * limited; its param is `wait`, in minutes) when key is blocked now; 0
 * otherwise. */
int ob_ratelimit_check(struct ob_ctx *ctx, const char *key, const char *reason);
/* Count one event for key in a window of window_s seconds; the limit-th
 * event blocks the key until the window ends. Joins the transaction. */
int ob_ratelimit_hit(struct ob_ctx *ctx, const char *key, int limit, int64_t window_s);

/* Reserve one attempt for key before the expensive or guessable work (a
 * password hash, a second-factor code): the attempt is counted first, so
 * that N attempts at once against a limit of L evaluate at most L. The
 * attempt that would be the (limit+1)-th in the window is refused with
 * OB_ERATE, retry_after and `reason` (as above), and returning that
 * error rolls the count back. Joins the transaction: run each reservation
 * in a write transaction of its own, committed before the work starts. */
int ob_ratelimit_reserve(struct ob_ctx *ctx, const char *key, int limit, int64_t window_s,
                         const char *reason);
/* Give back an attempt that succeeded: `forget` drops the key's count
 * (a right password clears the person's failures), else one attempt is
 * taken off. Joins the transaction. */
int ob_ratelimit_release(struct ob_ctx *ctx, const char *key, bool forget);

#endif
