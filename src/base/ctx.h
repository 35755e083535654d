/*
 * ctx.h — the context every model call takes.
 *
 * One per request, per job run or per command: the database connection of
 * the calling thread, the configuration, the actor (who is acting, filled in
 * by authentication), the arena that owns the request's memory, the error
 * slot and the business clock. A context is used by one thread and dies with
 * its request: ob_ctx_release frees the arena and nothing else (the
 * connection belongs to the thread).
 */
#ifndef OB_BASE_CTX_H
#define OB_BASE_CTX_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "mem.h"

struct ob_db;
struct ob_config;
struct ob_ctx;

/* Who acts. Zero ids mean "nobody": an anonymous request, or the system
 * itself when `system` is set (jobs, the command line). */
struct ob_actor {
    int64_t person;
    int64_t account;        /* the account chosen in the session, or the token's */
    int64_t token;          /* API token id when authenticated by one */
    int64_t app;            /* an application backend (a signed request), else 0 */
    unsigned token_roles;   /* what the token may use of the person's roles */
    bool system;
    bool mfa_missing;       /* signed in, but the provider requires TOTP first */
    const char *name;       /* for audit records: email of the person */
    const char *lang;       /* a signed-in person's language ("ru", "en"), for messages */
    void *members;          /* model/identity/access.c's cache of the person's memberships */
    int64_t gen;            /* persons.auth_gen this request checked (model/identity/principal.h) */
    bool gen_known;         /* gen was read (a session or token), so cached memberships may serve */
    char csrf[33];          /* the session's CSRF token when signed in by a cookie (OB_CSRF_LEN) */
};

struct ob_ctx {
    struct ob_db *db;
    const struct ob_config *cfg;
    struct ob_arena arena;
    /* A streamed export (db.h, "reading rows"): the rows of the statement
     * rows_of put their strings in the scratch arena rows, emptied after
     * each row; every other string goes to arena. */
    bool rows_stream;       /* this request streams every row of a list (an export) */
    const void *rows_of;    /* the statement being streamed, or NULL */
    struct ob_arena *rows;
    struct ob_err err;
    struct ob_actor actor;
    char request_id[72];
    const char *remote_addr;
    /* Business clock: real time plus an offset that only the test clock sets.
     * clock_load, when set, fills clock_offset the first time it is needed. */
    int (*clock_load)(struct ob_ctx *ctx);
    int64_t clock_offset;
    int64_t now;
    bool clock_ready;
};

void ob_ctx_init(struct ob_ctx *ctx, struct ob_db *db, const struct ob_config *cfg);
void ob_ctx_release(struct ob_ctx *ctx);

/* Wall-clock UTC seconds, for network timeouts and retry back-off only. */
int64_t ob_clock_real(void);
/* Monotonic microseconds, for durations. */
int64_t ob_clock_mono_us(void);
/* The business time (UTC seconds): the only source of "now" for rules.
 * Fixed for the life of the context, so one request sees one instant. */
int64_t ob_clock_now(struct ob_ctx *ctx);
/* The civil day of ob_clock_now in the service time zone. */
int32_t ob_clock_today(struct ob_ctx *ctx);

#endif
