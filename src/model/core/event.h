/*
 * event.h — what happened, for the systems that listen (issue 13).
 *
 * An event is written in the transaction of what it tells, like an outbox
 * message: if that rolls back there is no event. Each event is fanned out to
 * the webhook endpoints that asked for its kind (the partner's it concerns
 * and the provider's) as durable deliveries (model/notices/webhook.c); a
 * delivery is retried by the business clock until its endpoint answers.
 *
 * Kinds are stable dotted names, listed with their data in docs/events.md:
 * "access.reminder", "partner.application_decided", "request.decided",
 * "grant.given", "grant.revoked", "grant.expired", "statement.closed",
 * "transfer.step", "session.limit_reached", "subscription.posted", ….
 */
#ifndef OB_MODEL_CORE_EVENT_H
#define OB_MODEL_CORE_EVENT_H

#include <stdint.h>
#include <jansson.h>

struct ob_ctx;

/* Record event `kind` about `partner` (0: the provider's only) and
 * `subscriber` (0: none) with `data` (an object; not stolen) and queue its
 * webhook deliveries. Joins the caller's transaction. *id (may be NULL)
 * gets the event's id. */
int ob_event_emit(struct ob_ctx *ctx, const char *kind, int64_t partner, int64_t subscriber,
                  json_t *data, int64_t *id);

#endif
