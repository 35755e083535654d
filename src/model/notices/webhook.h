/*
 * webhook.h — webhook endpoints and the durable deliveries of events to
 * them (issue 13; docs/events.md, docs/decisions.md).
 *
 * An endpoint belongs to an account: a partner (managed by its owners) or
 * the provider (managed by its admins); anyone else gets 404, a related
 * person without the role 403. Events are fanned out into deliveries in
 * their own transaction (model/core/event.c). The "webhooks" job takes the
 * due deliveries in order per endpoint (the next waits while an earlier one
 * is pending), sends each (jobs/webhooks.c) and records the attempt here:
 * a failure is retried by the business clock after 1 min, 5 min, 30 min,
 * 2 h, 5 h, 10 h, then every 12 h; a delivery three days old that fails is
 * dead, and an endpoint failing for three days is disabled and its owners
 * are emailed. A re-send is a new delivery of the same event (the same
 * webhook-id).
 */
#ifndef OB_MODEL_NOTICES_WEBHOOK_H
#define OB_MODEL_NOTICES_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct ob_ctx;
struct ob_netaddr;

/* "whsec_" + base64 of 24 bytes + NUL */
#define OB_WEBHOOK_SECRET_LEN 48
#define OB_WEBHOOK_URL_MAX 2000
#define OB_WEBHOOK_GIVE_UP_S (3 * 86400)

struct ob_webhook {
    int64_t id, account;
    const char *url, *description, *state; /* active | disabled */
    json_t *kinds; /* array of strings; empty: every kind (owned by the caller) */
    int64_t failing_since, disabled_at, created_at, updated_at;
};

struct ob_webhook_delivery {
    int64_t id, endpoint, event;
    const char *kind, *state, *error;
    int attempt, last_status, answer_ms;
    int64_t next_at, delivered_at, created_at, resent_from, event_at;
    json_t *attempts; /* [{at, status, answer_ms, error}], owned by the caller */
};

/* Does address a pass the guard: not refused, or inside one of allow[0..n)?
 * *why gets the reason it is refused. */
bool ob_webhook_addr_ok(const struct ob_netaddr *a, const struct ob_netaddr *allow, int n,
                        const char **why);

/* account 0: the actor's current account. */
int ob_webhook_list(struct ob_ctx *ctx, int64_t account, int64_t after, int limit,
                    int (*fn)(const struct ob_webhook *, void *), void *arg);
/* kinds: an array of kind names (NULL or empty: every kind). secret gets
 * the new secret, shown once. */
int ob_webhook_create(struct ob_ctx *ctx, int64_t account, const char *url, const char *description,
                      json_t *kinds, int64_t *id, char secret[OB_WEBHOOK_SECRET_LEN]);
int ob_webhook_get(struct ob_ctx *ctx, int64_t id, struct ob_webhook *out);
/* Change what is not NULL; state "active" re-enables a disabled endpoint. */
int ob_webhook_update(struct ob_ctx *ctx, int64_t id, const char *url, const char *description,
                      json_t *kinds, const char *state);
/* Delete: its waiting deliveries are given up. */
int ob_webhook_delete(struct ob_ctx *ctx, int64_t id);
int ob_webhook_rotate(struct ob_ctx *ctx, int64_t id, char secret[OB_WEBHOOK_SECRET_LEN]);
/* The deliveries of endpoint id, newest first; state "" for all. */
int ob_webhook_deliveries(struct ob_ctx *ctx, int64_t id, const char *state, int64_t after,
                          int limit, int (*fn)(const struct ob_webhook_delivery *, void *),
                          void *arg);
/* Deliver event of delivery d again (a new delivery, the same webhook-id). */
int ob_webhook_resend(struct ob_ctx *ctx, int64_t id, int64_t d, int64_t *delivery);
/* A "webhook.test" event for this endpoint only. */
int ob_webhook_test(struct ob_ctx *ctx, int64_t id, int64_t *delivery);

/* ---- the job's side (the system actor) ---- */

/* What one attempt sends. Strings in ctx's arena. */
struct ob_webhook_send {
    int64_t delivery, endpoint, event, event_at;
    int attempt; /* the attempt this is (1, 2, …) */
    const char *url, *secret, *kind, *data;
};

/* Up to max due deliveries, at most one per endpoint (the earliest waiting
 * one, if due), oldest first. Returns how many were filled. */
int ob_webhook_due(struct ob_ctx *ctx, struct ob_webhook_send *out, int max);
/* Take delivery s->delivery for an attempt (its attempt count goes up, so
 * a second runner does not send it too). 1: taken; 0: someone else has. */
int ob_webhook_claim(struct ob_ctx *ctx, const struct ob_webhook_send *s);
/* Record the attempt's outcome: status 0 when there was no answer. ok:
 * the endpoint took it (2xx). */
int ob_webhook_record(struct ob_ctx *ctx, const struct ob_webhook_send *s, bool ok, int status,
                      int answer_ms, const char *error);

#endif
