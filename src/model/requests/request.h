/*
 * request.h — requests a partner files and the provider decides (R-ACC-3;
 * later R-SUB-2 and transfers).
 *
 * A request is open until a provider admin or operator applies or rejects
 * it, once. Kind "requisites" carries the changed requisites of the
 * partner (validated like a questionnaire); applying writes them, the only
 * way a partner's requisites change. Kinds "subscription_change",
 * "subscription_cancel" and "trial_change" (R-SUB-2, R-ONB-4) are about one
 * subscription of a client the partner serves; applying re-plans it by the
 * posting rules (model/subscriptions/subscription.h). The filer is mailed the decision.
 */
#ifndef OB_MODEL_REQUESTS_REQUEST_H
#define OB_MODEL_REQUESTS_REQUEST_H

#include <stdint.h>

#include "model/parties/partner.h"
#include "model/subscriptions/subscription.h"

struct ob_ctx;

struct ob_request {
    int64_t id, partner, filed_by, filed_at, decided_at;
    const char *kind, *partner_name, *changes, *reason, *state, *decision_note, *filed_by_email;
    bool late;                  /* R-SUB-2: filed after the first Monday after posting */
    /* subscription requests: the subscription (0 for requisites) */
    int64_t subscription, subscriber;
    const char *sub_kind, *sub_tariff, *sub_start, *sub_end, *sub_state, *subscriber_name;
    const char *sub_tariff_ru, *sub_tariff_en; /* the tariff's names */
};

/* File a requisites change for partner by its owner or operator. */
int ob_request_file_requisites(struct ob_ctx *ctx, int64_t partner, struct ob_requisites *changes,
                               const char *reason, struct ob_request *out);
/* R-SUB-2: file a "subscription_change", "subscription_cancel" or
 * "trial_change" (R-ONB-4) about subscription `sub`, by the serving
 * partner's owner or operator; late is recorded in the service time zone. */
int ob_request_file_subscription(struct ob_ctx *ctx, const char *kind, int64_t sub,
                                 const struct ob_subscription_change *ch, const char *reason,
                                 struct ob_request *out);
/* Requests in the actor's scope, newest first; state/kind NULL for any. */
int ob_request_list(struct ob_ctx *ctx, const char *state, const char *kind, int64_t after,
                    int limit, int (*fn)(const struct ob_request *, void *), void *arg);
/* decision: "apply" or "reject". */
int ob_request_decide(struct ob_ctx *ctx, int64_t id, const char *decision, const char *note,
                      struct ob_request *out);

/* R-SUB-2: what applying subscription request `id` would make of its
 * subscription, computed now by the decision's own re-planning and written
 * nowhere (model/subscriptions/subscription.h). For the serving partner's
 * employees and provider staff; OB_EINVAL for a requisites request. */
int ob_request_quote(struct ob_ctx *ctx, int64_t id, struct ob_request *r,
                     struct ob_subscription *before, struct ob_subscription *after);

/* R-SUB-2: a change or cancellation request filed on `filed` for a
 * subscription posted on `posted` is late when filed after the end of the
 * first Monday following the posting. Pure: no database. */
bool ob_request_late(int32_t posted, int32_t filed);

#endif
