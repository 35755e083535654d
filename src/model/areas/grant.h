/*
 * grant.h — a partner employee's access to one of a subscriber's data
 * areas until a day (R-ACT-4).
 *
 * The subscriber's owner grants it to a named employee of its serving
 * partner, for a remote quick start or a fix, until a day at most 90 days
 * ahead (inclusive), and may revoke it. While it is active the employee may
 * open sessions in that area; they count against the subscriber's limit,
 * each opening is audited on the subscriber's account, a revocation closes
 * the employee's sessions there at once, and an expired grant stops
 * working (its sessions close at their next heartbeat).
 *
 * A grant stands on a relation: its person is an employee of the partner
 * that serves the subscriber. It is valid only while that holds at the
 * moment of use (every check joins the membership and the serving partner),
 * and whatever ends the relation (the partner removes the employee, the
 * client moves to another partner or leaves its partner) ends the grant in
 * the same transaction with ob_grant_end_for: revoked with the reason, its
 * sessions closed, an audit record on the client.
 */
#ifndef OB_MODEL_AREAS_GRANT_H
#define OB_MODEL_AREAS_GRANT_H

#include <stdint.h>

struct ob_ctx;

#define OB_GRANT_MAX_DAYS 90

struct ob_grant {
    int64_t id, subscriber, subscriber_code, area, person, partner;
    int64_t created_at, revoked_at;     /* revoked_at 0: not revoked */
    int32_t until;                      /* the last day, inclusive */
    const char *subscriber_name, *area_name, *app_code, *person_name, *person_email;
    const char *partner_name, *state;   /* state: active, expired, revoked, ended */
    const char *ended_reason;           /* ended: employee_removed, partner_changed; else "" */
    const char *app_name_ru, *app_name_en;
};

int ob_grant_create(struct ob_ctx *ctx, int64_t area, const char *email, const char *until,
                    int64_t *id);
int ob_grant_get(struct ob_ctx *ctx, int64_t id, struct ob_grant *out);
struct ob_grant_filter {
    int64_t subscriber, area;           /* 0: any */
    const char *state;                  /* "active" or NULL: all */
    bool mine;                          /* only those given to the actor */
};
/* The owner sees its subscriber's grants; a partner employee those given
 * to them, and with `subscriber` every grant of a client its partner
 * serves (the client card); provider staff all. */
int ob_grant_list(struct ob_ctx *ctx, const struct ob_grant_filter *f, int64_t after, int limit,
                  int (*fn)(const struct ob_grant *, void *), void *arg);
int ob_grant_revoke(struct ob_ctx *ctx, int64_t id);
/* Is there an active grant of `area` to `person` today, its person still an
 * employee of the partner that serves the area's subscriber? 0 (and its id
 * in *grant when not NULL) or OB_ENOTFOUND (err untouched). No access check. */
int ob_grant_active(struct ob_ctx *ctx, int64_t area, int64_t person, int64_t *grant);
/* End the grants that `person` (0: anyone) holds through partner `partner`
 * for subscriber `sub` (0: any), because the relation they stood on ended
 * (`reason`: "employee_removed", "partner_changed"): each is revoked with
 * the reason, its sessions are closed, an audit record is written on the
 * client. Joins the caller's transaction; *n receives how many ended. */
int ob_grant_end_for(struct ob_ctx *ctx, int64_t partner, int64_t person, int64_t sub,
                     const char *reason, int *n);
/* Tell each grant whose last day has passed (not revoked or ended), once:
 * the event "grant.expired" and its mails (the daily job "grants-expired";
 * each in its own transaction, marked in area_grants.expiry_noticed_at).
 * A grant that stopped more than OB_GRANT_NOTICE_DAYS ago (an upgrade, a
 * long outage) is marked without a mail. *n: how many were told. */
#define OB_GRANT_NOTICE_DAYS 7
int ob_grant_expire_due(struct ob_ctx *ctx, int *n);

#endif
