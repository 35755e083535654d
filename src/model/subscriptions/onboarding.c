/*
 * onboarding.c — a new subscriber's first subscription.
 *
 * Creating a subscriber is the parties layer's (model/parties/subscriber.c:
 * the account, the code, the serving partner); starting its service is this
 * layer's (R-SUB-1a: TRIAL-30 at once, or PARTNER-OWN for a partner's own
 * books). The lower layer calls up through the handler registered here, in
 * the creating transaction, so neither a subscriber without its trial nor a
 * trial without its subscriber is ever committed, and the layers keep their
 * order (tools/layers.sh).
 */
#include <stdbool.h>
#include <stdint.h>

#include "base/ctx.h"
#include "model/parties/subscriber.h"
#include "model/subscriptions/onboarding.h"
#include "model/subscriptions/subscription.h"
#include "base/banned.h"

static int
start(struct ob_ctx *ctx, int64_t subscriber, const struct ob_trial_spec *spec)
{
    return ob_subscription_trial_start(ctx, subscriber, spec);
}

void
ob_subscriptions_init(void)
{
    ob_subscriber_on_create(start);
}
