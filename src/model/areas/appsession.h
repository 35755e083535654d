/*
 * appsession.h — application sessions and their admission (R-DA-3,
 * R-DA-4).
 *
 * A session is one application window of one person in one data area. It
 * counts against the subscriber's concurrent-session limit (all users, all
 * applications; R-SUB-7) and the person's own limit while it is open:
 * not closed, and seen (opened, launched, heartbeat) within
 * --app-idle-seconds. Admission takes the subscriber's write lock first
 * (SQLite BEGIN IMMEDIATE; PostgreSQL SELECT … FOR UPDATE on its row),
 * closes the subscriber's stale sessions as 'expired' (when the count finds
 * any), counts, and admits
 * or refuses, so the limits hold under any concurrency and on several
 * nodes, and a dead window frees its slot without any job. Every
 * admission, close and expiry is a session_history row written in the same
 * transaction.
 *
 * Who: the subscriber's members open sessions in its ready areas; a
 * partner employee with an active grant (model/areas/grant.h) opens sessions in
 * that area. A session is closed by its person, by the subscriber's owner
 * or administrators, by the application's backend (a signed request), by
 * deleting its area, by revoking its grant; heartbeats come from the
 * backend only. A blocked subscriber's sessions are closed 'blocked' at
 * the first heartbeat --app-grace-minutes after it was first seen blocked.
 */
#ifndef OB_MODEL_AREAS_APPSESSION_H
#define OB_MODEL_AREAS_APPSESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "model/identity/authn.h"

struct ob_ctx;

#define OB_LAUNCH_SECONDS 120
#define OB_HOLDERS_MAX 50

struct ob_appsession {
    int64_t id, subscriber, subscriber_code, area, app, person, grant;
    int64_t opened_at, seen_at, launched_at, closed_at, blocked_since;   /* 0: not */
    const char *state;          /* open, closed, expired */
    const char *close_reason;   /* "" while open */
    const char *area_name, *area_key, *app_code, *app_name_ru, *app_name_en;
    const char *person_name, *person_email, *subscriber_name;
    bool area_test;
};

/* Why an admission was refused with OB_ELIMIT: which limit, its value, and
 * who holds the sessions (oldest first). */
struct ob_refusal {
    const char *limit;          /* "subscriber" or "user" */
    int max;
    struct ob_appsession *holders;
    int nholders;
};

struct ob_admitted {
    struct ob_appsession session;   /* the session as admitted, for the answer */
    int64_t id;
    char token[OB_SECRET_LEN];  /* the single-use launch token */
    const char *launch_url;     /* in ctx's arena */
    int64_t opened_at;
};

/* Admit the actor to data area `area`; take_over (0: none) names one of
 * the actor's own open sessions of the same subscriber to close in the same
 * transaction. OB_ELIMIT fills *why; OB_EBLOCKED, OB_EPERM, OB_ENOTFOUND,
 * OB_ECONFLICT (area not ready) say why in ctx->err. */
int ob_appsession_open(struct ob_ctx *ctx, int64_t area, int64_t take_over,
                       struct ob_admitted *out, struct ob_refusal *why);
/* Sessions not closed, of every subscriber (a stale one counts until it is
 * expired), through a partial index of the open rows (0034) (/metrics). */
int ob_appsession_count_open(struct ob_ctx *ctx, int64_t *n);
/* A session the actor may see: its person, the subscriber's owner or
 * administrators, the backend of its area's application. With `launch`
 * (backends only) the single-use launch token is checked and consumed. */
int ob_appsession_get(struct ob_ctx *ctx, int64_t id, const char *launch,
                      struct ob_appsession *out);

struct ob_heartbeat {
    int64_t seen_at, expires_at;
    int64_t blocked_since;      /* the grace time runs since; 0: not blocked */
    int64_t grace_until;
};
/* A heartbeat from the backend. OB_ECONFLICT (ctx->err.field = the state)
 * when the session is over, OB_EBLOCKED when it was just closed blocked. */
int ob_appsession_heartbeat(struct ob_ctx *ctx, int64_t id, struct ob_heartbeat *out);
/* Close; closing a closed session changes nothing. */
int ob_appsession_close(struct ob_ctx *ctx, int64_t id);

struct ob_appsession_filter {
    int64_t subscriber, area;   /* 0: any in scope */
    bool open_only;
};
/* The owner and administrators see the subscriber's sessions; anyone else
 * their own. Newest first. */
int ob_appsession_list(struct ob_ctx *ctx, const struct ob_appsession_filter *f, int64_t before,
                       int limit, int (*fn)(const struct ob_appsession *, void *), void *arg);

struct ob_history_row {
    int64_t id, session, person, area, at, session_limit, user_limit;  /* limits -1: none */
    const char *event, *reason, *person_name, *person_email, *area_name;
};
/* The subscriber's session history in id order, which is commit order
 * (owner, administrators, provider staff); `newest`: the newest first, the
 * cursor then being the id to go below. */
int ob_appsession_history(struct ob_ctx *ctx, int64_t sub, int64_t after, int limit, bool newest,
                          int (*fn)(const struct ob_history_row *, void *), void *arg);

/* One day of a subscriber's session usage: the most sessions open at once
 * that day (replayed from the history) and the session limit of its
 * entitlement that day (-1: blocked, no session may open). */
struct ob_usage_day {
    int32_t day;
    int peak, limit;
};
#define OB_USAGE_MAX_DAYS 92
/* The last `days` days (1..OB_USAGE_MAX_DAYS) up to today, oldest first,
 * into out: the subscriber's owner and administrators, its partner's
 * employees, provider staff. Read only. */
int ob_appsession_usage(struct ob_ctx *ctx, int64_t sub, int days, struct ob_usage_day *out);

/* Close the open sessions of an area or of a grant with `reason`, with
 * their history rows; joins the caller's transaction. */
int ob_appsession_close_area(struct ob_ctx *ctx, int64_t area, const char *reason, int *n);
int ob_appsession_close_grant(struct ob_ctx *ctx, int64_t grant, const char *reason, int *n);
/* Close the open sessions of `person` in subscriber `sub` (they stopped
 * being its member) with `reason`; joins the caller's transaction. */
int ob_appsession_close_person(struct ob_ctx *ctx, int64_t sub, int64_t person,
                               const char *reason, int *n);
/* Mark stale sessions of every subscriber 'expired' (a job; admission does
 * not need it). */
int ob_appsession_expire_stale(struct ob_ctx *ctx, int *n);

#endif
