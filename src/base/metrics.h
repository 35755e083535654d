/*
 * metrics.h — process counters rendered as Prometheus text.
 *
 * Counters are lock-free atomics indexed by the route's position in the
 * route table and a small set of status codes, so counting costs a few
 * relaxed increments per request. Job and task counters are keyed by name
 * under a mutex: they change a few times a second at most.
 */
#ifndef OB_BASE_METRICS_H
#define OB_BASE_METRICS_H

#include <stdbool.h>
#include <stdint.h>

struct ob_buf;

#define OB_METRICS_MAX_ROUTES 256

/* route: the index in the route table, or -1 for an unmatched request. */
void ob_metrics_request(int route, int status, int64_t us);
void ob_metrics_in_flight(int delta);
/* A connection the server shut unanswered (http/guard.c): its address held
 * its cap of connections, or its request head was not complete in time. */
enum ob_metrics_cut { OB_METRICS_CUT_PER_ADDRESS, OB_METRICS_CUT_HEAD_TIMEOUT };
void ob_metrics_connection_cut(enum ob_metrics_cut why, int n);
/* result: "ok", "error", "skipped", "done", "retry", "failed". */
void ob_metrics_job(const char *kind, const char *name, const char *result);
/* One password hash (argon2id, a sign-in's or a password change's) was
 * evaluated: the cost a guessing storm can impose, which the limits bound. */
void ob_metrics_password_hash(void);
/* One invitation code was looked up at sign-up (R-ONB-6): what the per-address
 * and per-code limits bound. */
void ob_metrics_signup_code(void);
/* The principal cache (model/identity/principal.h): a hit revalidated by its
 * generation, a miss read from the database, an entry found stale (its
 * generation moved: revoked, removed, password changed, signed out). */
enum ob_metrics_cache { OB_METRICS_CACHE_HIT, OB_METRICS_CACHE_MISS, OB_METRICS_CACHE_STALE };
void ob_metrics_principal_cache(enum ob_metrics_cache what);
/* An entitlement answer looked up in the node's cache: found under the
 * subscriber's current generation, or computed (api/subscriptions.c). */
void ob_metrics_entitlement_cache(bool hit);
/* An application session refused at admission (model/areas/appsession.c),
 * by the refusal's reason id ("session.subscriber_limit"). */
void ob_metrics_session_refused(const char *reason);
/* Render everything; names[i] labels route i ("GET /healthz"). */
int ob_metrics_render(struct ob_buf *b, const char *const *names, int nroutes);

#endif
