/*
 * admission.h — the rules of a session's admission and of its heartbeat
 * (R-DA-3, R-DA-4, R-SUB-7, R-ACT-4), as pure functions over facts
 * that model/areas/appsession.c loads in its transaction.
 *
 * Admission, in order (the first rule that refuses answers):
 *   - the data area exists, else not found;
 *   - who: a member of the subscriber with the owner, administrator or user
 *     role (then the member's own session limit, if any, applies), or a
 *     partner employee with an active grant to that area (R-ACT-4; no
 *     per-user limit); anyone else is told the area is not found, so an
 *     area's existence is not shown to strangers;
 *   - the area is 'ready';
 *   - the subscriber is not blocked (R-SUB-7: no subscription in force);
 *   - the entitlement includes the area's application;
 *   - take-over: the session named is one of the actor's own of the same
 *     subscriber (it is closed in the same transaction, so its slot counts
 *     as free);
 *   - the subscriber's limit: fewer open sessions than the entitlement's
 *     limit (all users, all applications, R-DA-3), else refused naming the
 *     holders of all its sessions;
 *   - the person's own limit: fewer of their open sessions than it, else
 *     refused naming their own sessions.
 * ob_admission_gate is the part that needs no count (what the transaction
 * checks first, under the subscriber's lock); ob_admission_decide is the
 * whole.
 *
 * A heartbeat (from the backend) keeps an open session: a session that is
 * not open any more is answered with its state (and ended as 'expired' if it
 * was only stale); one opened by a grant that no longer holds is closed
 * 'grant_expired'; a blocked subscriber's session runs for the grace time
 * from when it was first seen blocked, then is closed 'blocked'.
 *
 * Nothing here touches the database or a context: every input is in the
 * struct, every answer (with its message) in the result, whose strings are
 * the inputs' or static.
 */
#ifndef OB_MODEL_AREAS_ADMISSION_H
#define OB_MODEL_AREAS_ADMISSION_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "model/identity/role.h"

/* The roles in a subscriber that open sessions in its areas. */
#define OB_ADMISSION_ROLES (OB_ROLE_OWNER | OB_ROLE_ADMINISTRATOR | OB_ROLE_USER)

/* What admission to data area `area` knows, loaded under the subscriber's
 * lock (the counts after its stale sessions expired). */
struct ob_admission_in {
    int64_t area, person;           /* the area asked for; the actor */
    bool area_found;
    const char *area_name, *area_state, *app_code;
    unsigned roles;                 /* the actor's roles in the subscriber (0: none) */
    int64_t member_limit;           /* the member's own session limit; -1: none */
    int64_t grant;                  /* the actor's active grant to the area; 0: none */
    bool blocked;                   /* the entitlement today */
    const char *blocked_reason;
    int sessions;                   /* the subscriber's concurrent-session limit */
    const char *const *apps;        /* the applications allowed */
    int napps;
    int64_t take_over;              /* the session to take over; 0: none */
    bool take_over_found;           /* it is one of the subscriber's */
    int64_t take_over_person;       /* whose it is */
    bool take_over_open;            /* it is open (so closing it frees a slot) */
    int64_t open, mine;             /* open sessions: the subscriber's, the actor's */
};

struct ob_admission {
    int rc;                         /* 0: admit; else the refusal's code */
    const char *rule;               /* the SPEC rule that answered */
    const char *field;              /* the refusal's field, or NULL */
    struct ob_err err;              /* the refusal */
    char message[256];              /* its English message */
    const char *hint;               /* the refusal's hint, or NULL */
    const char *limit;              /* OB_ELIMIT: "subscriber" or "user" */
    int64_t max;                    /* OB_ELIMIT: that limit */
    int64_t holders_of;             /* OB_ELIMIT: whose open sessions to name (0: everyone's) */
    int64_t grant;                  /* admitted by this grant; 0: as a member */
    int64_t sub_limit, user_limit;  /* the limits that applied (user -1: none), for history */
    bool take_over;                 /* close in->take_over before admitting */
};

/* The checks that need no count: area, who, ready, blocked, application.
 * Fills *out; returns out->rc. */
int ob_admission_gate(const struct ob_admission_in *in, struct ob_admission *out);
/* The whole decision: the gate, the take-over and both limits. Returns
 * out->rc. */
int ob_admission_decide(const struct ob_admission_in *in, struct ob_admission *out);

/* What a heartbeat knows about its session. */
struct ob_beat_in {
    int64_t now;
    const char *state;              /* open, closed, expired (stale while not closed) */
    const char *close_reason;
    bool closed;                    /* closed_at is set (else a stale one is still to end) */
    bool grant_holds;               /* not opened by a grant, or its grant still holds */
    bool blocked;                   /* the subscriber's entitlement now */
    int64_t blocked_since;          /* 0: not seen blocked before */
    int64_t grace_seconds;
};

struct ob_beat {
    int rc;                         /* 0: the session goes on; else the answer's code */
    struct ob_err err;              /* the answer */
    char message[256];              /* its English message */
    const char *end;                /* close the session with this reason; NULL: do not */
    const char *ended;              /* the state answered when the session is over; NULL */
    int64_t blocked_since, grace_until;     /* blocked and in its grace time; else 0 */
};

/* Fills *out; returns out->rc. */
int ob_admission_beat(const struct ob_beat_in *in, struct ob_beat *out);

#endif
