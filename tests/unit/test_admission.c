/*
 * test_admission.c — a session's admission and heartbeat (R-DA-3, R-DA-4,
 * R-SUB-7, R-ACT-4) as tables, each row named by its rule, without a
 * database: model/areas/admission.c decides over the facts appsession.c
 * loads.
 *
 * Every admission row starts from the same facts (the actor, person 7, a
 * subscriber's user without a limit of their own, opening ready area 42
 * "Main" of application "accounting", which the entitlement of 5 sessions
 * includes, with 2 of them open, 1 the actor's) and changes what its rule is
 * about.
 */
#include "unit.h"

#include "base/err.h"
#include "model/areas/admission.h"

#define ME 7
#define AREA 42
#define U OB_ROLE_USER
#define OWN OB_ROLE_OWNER
#define ADM OB_ROLE_ADMINISTRATOR

static const char *const apps[] = { "accounting", "salary" };

static const struct admission_case {
    const char *rule;
    bool missing;               /* the area is not found */
    unsigned roles;
    int64_t member_limit, grant;
    const char *state;
    bool blocked;
    const char *app;
    int sessions;
    int64_t take_over, take_over_person;    /* person 0: no such session of the subscriber */
    bool take_over_open;
    int64_t open, mine;
    int want_rc;
    const char *want;           /* the refusal's field, or the limit for OB_ELIMIT */
    const char *want_msg;       /* NULL: not checked */
} cases[] = {
    { "R-DA-4 a user with a free slot is admitted", false, U, -1, 0, "ready", false,
      "accounting", 5, 0, 0, false, 2, 1, 0, NULL, NULL },
    { "R-DA-3 the owner is admitted", false, OWN, -1, 0, "ready", false, "accounting", 5, 0, 0,
      false, 2, 1, 0, NULL, NULL },
    { "R-DA-3 an administrator is admitted", false, ADM, -1, 0, "ready", false, "salary", 5, 0,
      0, false, 2, 1, 0, NULL, NULL },
    { "R-DA-1 an area that does not exist is not found", true, U, -1, 0, "ready", false,
      "accounting", 5, 0, 0, false, 2, 1, OB_ENOTFOUND, NULL, "data area 42 not found" },
    { "R-ACT-4 a stranger without a grant is told the area is not found", false, 0, -1, 0,
      "ready", false, "accounting", 5, 0, 0, false, 2, 1, OB_ENOTFOUND, NULL,
      "data area 42 not found" },
    { "R-ACT-4 a stranger learns nothing of the area's state", false, 0, -1, 0, "creating",
      false, "accounting", 5, 0, 0, false, 2, 1, OB_ENOTFOUND, NULL, NULL },
    { "R-ACT-4 a partner employee with an active grant is admitted", false, 0, -1, 9, "ready",
      false, "accounting", 5, 0, 0, false, 2, 1, 0, NULL, NULL },
    { "R-ACT-4 a granted employee counts against the subscriber's limit", false, 0, -1, 9,
      "ready", false, "accounting", 5, 0, 0, false, 5, 0, OB_ELIMIT, "subscriber", NULL },
    { "R-DA-1 an area being created is not ready", false, U, -1, 0, "creating", false,
      "accounting", 5, 0, 0, false, 2, 1, OB_ECONFLICT, "area",
      "data area 'Main' is creating, not ready" },
    { "R-DA-1 an area in the bin is not ready", false, OWN, -1, 0, "deleting", false,
      "accounting", 5, 0, 0, false, 0, 0, OB_ECONFLICT, "area", NULL },
    { "R-DA-1 a failed area is not ready", false, U, -1, 0, "failed", false, "accounting", 5, 0,
      0, false, 0, 0, OB_ECONFLICT, "area", NULL },
    { "R-SUB-7 a blocked subscriber opens no application", false, U, -1, 0, "ready", true,
      "accounting", 0, 0, 0, false, 0, 0, OB_EBLOCKED, NULL,
      "the subscriber is blocked: no subscription in force" },
    { "R-SUB-7 blocked is said before any limit", false, U, 1, 0, "ready", true, "accounting", 5,
      0, 0, false, 5, 1, OB_EBLOCKED, NULL, NULL },
    { "R-DA-1 not ready is said before blocked", false, U, -1, 0, "creating", true,
      "accounting", 5, 0, 0, false, 0, 0, OB_ECONFLICT, "area", NULL },
    { "R-SUB-7 an application outside the entitlement is refused", false, U, -1, 0, "ready",
      false, "trade", 5, 0, 0, false, 0, 0, OB_EPERM, NULL,
      "the subscription in force does not include application 'trade'" },
    { "R-DA-3 the subscriber's limit counts all users' sessions", false, U, -1, 0, "ready",
      false, "accounting", 5, 0, 0, false, 5, 0, OB_ELIMIT, "subscriber",
      "all 5 concurrent sessions of the subscriber are in use" },
    { "R-DA-3 the last free slot is taken", false, U, -1, 0, "ready", false, "accounting", 5, 0,
      0, false, 4, 1, 0, NULL, NULL },
    { "R-SUB-7 a lowered limit refuses until the count is below it", false, U, -1, 0, "ready",
      false, "accounting", 5, 0, 0, false, 7, 3, OB_ELIMIT, "subscriber", NULL },
    { "R-SUB-7 a limit of no sessions admits nobody", false, OWN, -1, 0, "ready", false,
      "accounting", 0, 0, 0, false, 0, 0, OB_ELIMIT, "subscriber", NULL },
    { "R-DA-3 the per-user limit set by the owner", false, U, 2, 0, "ready", false, "accounting",
      5, 0, 0, false, 2, 2, OB_ELIMIT, "user", "your limit of 2 concurrent sessions is reached" },
    { "R-DA-3 under the per-user limit", false, U, 2, 0, "ready", false, "accounting", 5, 0, 0,
      false, 3, 1, 0, NULL, NULL },
    { "R-DA-3 the subscriber's limit is said before the user's", false, U, 2, 0, "ready", false,
      "accounting", 5, 0, 0, false, 5, 2, OB_ELIMIT, "subscriber", NULL },
    { "R-DA-3 a per-user limit binds the owner too", false, OWN, 1, 0, "ready", false,
      "accounting", 5, 0, 0, false, 1, 1, OB_ELIMIT, "user", NULL },
    { "R-DA-4 taking over one's own open session frees its slot", false, U, -1, 0, "ready",
      false, "accounting", 5, 11, ME, true, 5, 1, 0, NULL, NULL },
    { "R-DA-4 taking over frees the per-user slot too", false, U, 1, 0, "ready", false,
      "accounting", 5, 11, ME, true, 1, 1, 0, NULL, NULL },
    { "R-DA-4 taking over a session closed already frees nothing", false, U, -1, 0, "ready",
      false, "accounting", 5, 11, ME, false, 5, 1, OB_ELIMIT, "subscriber", NULL },
    { "R-DA-4 taking over a colleague's session is refused", false, U, -1, 0, "ready", false,
      "accounting", 5, 11, 8, true, 5, 1, OB_EINVAL, "take_over",
      "'take_over' must be one of your own sessions of this subscriber" },
    { "R-DA-4 taking over a session not of the subscriber is refused", false, U, -1, 0,
      "ready", false, "accounting", 5, 999, 0, false, 2, 1, OB_EINVAL, "take_over", NULL },
    { "R-DA-4 a take-over is judged after blocked", false, U, -1, 0, "ready", true,
      "accounting", 5, 11, 8, true, 5, 1, OB_EBLOCKED, NULL, NULL },
};

static void
input(const struct admission_case *c, struct ob_admission_in *in)
{
    *in = (struct ob_admission_in){
        .area = AREA, .person = ME, .area_found = !c->missing, .area_name = "Main",
        .area_state = c->state, .app_code = c->app, .roles = c->roles,
        .member_limit = c->roles ? c->member_limit : -1, .grant = c->grant,
        .blocked = c->blocked, .blocked_reason = "no subscription in force",
        .sessions = c->sessions, .apps = apps, .napps = (int)NELEM(apps),
        .take_over = c->take_over, .take_over_found = c->take_over_person != 0,
        .take_over_person = c->take_over_person, .take_over_open = c->take_over_open,
        .open = c->open, .mine = c->mine,
    };
}

static void
test_admission_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(cases); i++) {
        const struct admission_case *c = &cases[i];
        struct ob_admission_in in;
        struct ob_admission d;

        input(c, &in);
        CHECK_INT(c->rule, ob_admission_decide(&in, &d), c->want_rc);
        CHECK_INT(c->rule, d.rc, c->want_rc);
        if (c->want_msg)
            CHECK_STR(c->rule, d.message, c->want_msg);
        if (c->want_rc == OB_ELIMIT) {
            CHECK_STR(c->rule, d.limit, c->want);
            CHECK_INT(c->rule, d.max, !strcmp(c->want, "user") ? c->member_limit : c->sessions);
            /* the refusal names everyone's sessions, or only the actor's */
            CHECK_INT(c->rule, d.holders_of, !strcmp(c->want, "user") ? ME : 0);
            CHECK_TRUE(c->rule, d.hint != NULL && d.field == NULL);
        } else if (c->want) {
            CHECK_STR(c->rule, d.field, c->want);
        } else {
            CHECK_TRUE(c->rule, d.field == NULL);
        }
        if (c->want_rc == 0) {
            CHECK_INT(c->rule, d.grant, c->roles ? 0 : c->grant);
            CHECK_INT(c->rule, d.sub_limit, c->sessions);
            CHECK_INT(c->rule, d.user_limit, c->roles ? c->member_limit : -1);
            CHECK_INT(c->rule, d.take_over, c->take_over != 0);
        }
    }
}

/* The gate, what the transaction asks before it holds the subscriber's
 * lock, answers the same as the whole for every row it refuses, and passes
 * every row only a count or a take-over refuses. */
static void
test_gate_is_the_decision_without_counts(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(cases); i++) {
        const struct admission_case *c = &cases[i];
        bool counted = c->want_rc == OB_ELIMIT || c->want_rc == OB_EINVAL;
        struct ob_admission_in in;
        struct ob_admission d;

        input(c, &in);
        CHECK_INT(c->rule, ob_admission_gate(&in, &d), counted ? 0 : c->want_rc);
    }
}

static const struct beat_case {
    const char *rule;
    const char *state, *reason;
    bool closed, grant_holds, blocked;
    int64_t since, now;
    int want_rc;
    const char *want_end, *want_ended;
    int64_t want_since, want_until;
    const char *want_msg;
} beats[] = {
    { "R-DA-4 a heartbeat keeps an open session", "open", "", false, true, false, 0, 5000, 0,
      NULL, NULL, 0, 0, NULL },
    { "R-DA-4 a stale session ends as expired at its heartbeat", "expired", "expired", false,
      true, false, 0, 5000, OB_ECONFLICT, "expired", "expired", 0, 0,
      "the session is expired (expired)" },
    { "R-DA-4 a closed session is only answered", "closed", "closed_by_user", true, true, false,
      0, 5000, OB_ECONFLICT, NULL, "closed", 0, 0, "the session is closed (closed_by_user)" },
    { "R-DA-4 an expired session is only answered", "expired", "expired", true, true, false, 0,
      5000, OB_ECONFLICT, NULL, "expired", 0, 0, NULL },
    { "R-DA-4 a session whose grant no longer holds is closed", "open", "", false, false, false,
      0, 5000, OB_ECONFLICT, "grant_expired", "closed", 0, 0,
      "the session is closed (the partner's access grant has expired)" },
    { "R-DA-4 the grant is judged before blocked", "open", "", false, false, true, 100, 5000,
      OB_ECONFLICT, "grant_expired", "closed", 0, 0, NULL },
    { "R-DA-4 first seen blocked: the grace time starts", "open", "", false, true, true, 0, 5000,
      0, NULL, NULL, 5000, 6800, NULL },
    { "R-DA-4 blocked within the grace time", "open", "", false, true, true, 4000, 5000, 0, NULL,
      NULL, 4000, 5800, NULL },
    { "R-DA-4 a second before the grace time ends", "open", "", false, true, true, 3201, 5000, 0,
      NULL, NULL, 3201, 5001, NULL },
    { "R-DA-4 blocked past the grace time: closed blocked", "open", "", false, true, true, 3200,
      5000, OB_EBLOCKED, "blocked", "blocked", 0, 0,
      "the subscriber is blocked: the session is closed" },
    { "R-SUB-7 renewed while in grace: not blocked any more", "open", "", false, true, false,
      4000, 5000, 0, NULL, NULL, 0, 0, NULL },
};

static void
test_heartbeat_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(beats); i++) {
        const struct beat_case *c = &beats[i];
        struct ob_beat_in in = { .now = c->now, .state = c->state, .close_reason = c->reason,
                                 .closed = c->closed, .grant_holds = c->grant_holds,
                                 .blocked = c->blocked, .blocked_since = c->since,
                                 .grace_seconds = 1800 };
        struct ob_beat d;

        CHECK_INT(c->rule, ob_admission_beat(&in, &d), c->want_rc);
        CHECK_INT(c->rule, d.rc, c->want_rc);
        CHECK_TRUE(c->rule, (d.end == NULL) == (c->want_end == NULL));
        if (c->want_end)
            CHECK_STR(c->rule, d.end, c->want_end);
        CHECK_TRUE(c->rule, (d.ended == NULL) == (c->want_ended == NULL));
        if (c->want_ended)
            CHECK_STR(c->rule, d.ended, c->want_ended);
        CHECK_INT(c->rule, d.blocked_since, c->want_since);
        CHECK_INT(c->rule, d.grace_until, c->want_until);
        if (c->want_msg)
            CHECK_STR(c->rule, d.message, c->want_msg);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_admission_table),
        cmocka_unit_test(test_gate_is_the_decision_without_counts),
        cmocka_unit_test(test_heartbeat_table),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
