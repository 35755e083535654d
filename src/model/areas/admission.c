/*
 * admission.c — who may open a session, within which limits, and whether a
 * heartbeat keeps it: the decisions of R-DA-3, R-DA-4 and R-ACT-4 without
 * the database.
 *
 * Why apart: the admission transaction (appsession.c) has to load, lock,
 * count and write in a careful order so that the limits hold under any
 * concurrency; the rules themselves are a handful of comparisons that a
 * table test (tests/unit/test_admission.c) checks row by row, named by
 * rule, without a database. appsession.c loads the facts into a struct,
 * calls ob_admission_decide (or ob_admission_gate before it holds the
 * subscriber's lock) and carries out what it answers: refuse with the code
 * and message, or close the taken-over session and admit.
 *
 * How: each rule is one `if` in the order of admission.h; the first that
 * refuses fills the result. Messages are formatted here, into the result's
 * buffer, so that the wording lives beside its rule. No allocation, no
 * locking, no state.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "model/areas/admission.h"
#include "base/banned.h"

/* What an area is doing besides its state (sql/0028): no session opens meanwhile. */
static const struct {
    const char *phase, *reason;
} phases[] = {
    {"restoring", OB_REASON("area.restoring")},
    {"updating", OB_REASON("area.updating")},
    {"archiving", OB_REASON("area.archived")},
    {"archived", OB_REASON("area.archived")},
    {"unarchiving", OB_REASON("area.unarchiving")},
};

/* Record a refusal whose error is already in out->err. */
static int
refuse(struct ob_admission *out, const char *rule, const char *field, int rc)
{
    out->rc = rc;
    out->rule = rule;
    out->field = field;
    snprintf(out->message, sizeof(out->message), "%s", out->err.message);
    return rc;
}

static bool
allowed(const struct ob_admission_in *in)
{
    for (int i = 0; i < in->napps; i++)
        if (!strcmp(in->apps[i], in->app_code))
            return true;
    return false;
}

int
ob_admission_gate(const struct ob_admission_in *in, struct ob_admission *out)
{
    memset(out, 0, sizeof(*out));
    out->user_limit = -1;
    out->rule = "R-DA-4";
    if (!in->area_found)
        return refuse(
            out, "R-DA-1", NULL,
            ob_err_set(&out->err, OB_ENOTFOUND, "area.not_found", "id=%" PRId64, in->area));
    if (in->roles & OB_ADMISSION_ROLES)
        out->user_limit = in->member_limit;
    else if (in->grant)
        out->grant = in->grant;
    else
        return refuse(
            out, "R-ACT-4", NULL,
            ob_err_set(&out->err, OB_ENOTFOUND, "area.not_found", "id=%" PRId64, in->area));
    for (size_t i = 0; i < sizeof(phases) / sizeof(phases[0]); i++)
        if (!strcmp(in->area_state, phases[i].phase))
            return refuse(out, "R-DA-2", "area",
                          ob_err_field(&out->err, OB_ECONFLICT, "area", phases[i].reason,
                                       "name=%s", in->area_name));
    if (strcmp(in->area_state, "ready"))
        return refuse(out, "R-DA-1", "area",
                      ob_err_field(&out->err, OB_ECONFLICT, "area", "area.not_ready",
                                   "name=%s state=%s", in->area_name, in->area_state));
    if (in->blocked)
        return refuse(out, "R-SUB-7", NULL,
                      ob_err_set(&out->err, OB_EBLOCKED, "area.subscriber_blocked", "reason=%s",
                                 in->blocked_reason));
    if (!allowed(in))
        return refuse(
            out, "R-SUB-7", NULL,
            ob_err_set(&out->err, OB_EPERM, "session.app_not_included", "app=%s", in->app_code));
    out->sub_limit = in->sessions;
    return 0;
}

/* The limits, once the gate has passed. */
static int
limits(const struct ob_admission_in *in, struct ob_admission *out)
{
    int64_t freed = out->take_over && in->take_over_open ? 1 : 0;

    if (in->open - freed >= out->sub_limit) {
        out->limit = "subscriber";
        out->max = out->sub_limit;
        out->holders_of = 0;
        out->hint = "ask a colleague to close a window, or the owner to close a session; more "
                    "sessions come with the tariff";
        return refuse(out, "R-DA-3", NULL,
                      ob_err_set(&out->err, OB_ELIMIT, "session.subscriber_limit", "max=%" PRId64,
                                 out->sub_limit));
    }
    if (out->user_limit >= 0 && in->mine - freed >= out->user_limit) {
        out->limit = "user";
        out->max = out->user_limit;
        out->holders_of = in->person;
        out->hint = "close one of your windows, or take over a stale one";
        return refuse(out, "R-DA-3", NULL,
                      ob_err_set(&out->err, OB_ELIMIT, "session.user_limit", "max=%" PRId64,
                                 out->user_limit));
    }
    return 0;
}

int
ob_admission_decide(const struct ob_admission_in *in, struct ob_admission *out)
{
    if (ob_admission_gate(in, out) != 0)
        return out->rc;
    if (in->take_over) {
        if (!in->take_over_found || in->take_over_person != in->person)
            return refuse(
                out, "R-DA-4", "take_over",
                ob_err_field(&out->err, OB_EINVAL, "take_over", "session.take_over_not_yours"));
        out->take_over = true;
    }
    return limits(in, out);
}

/* End a heartbeat whose error is already in out->err. */
static int
beat_end(struct ob_beat *out, const char *end, const char *ended, int rc)
{
    out->rc = rc;
    out->end = end;
    out->ended = ended;
    snprintf(out->message, sizeof(out->message), "%s", out->err.message);
    return rc;
}

int
ob_admission_beat(const struct ob_beat_in *in, struct ob_beat *out)
{
    int64_t since;

    memset(out, 0, sizeof(*out));
    if (strcmp(in->state, "open"))
        return beat_end(out, in->closed ? NULL : "expired", in->state,
                        ob_err_set(&out->err, OB_ECONFLICT, "session.over", "state=%s why=%s",
                                   in->state, in->close_reason));
    if (!in->grant_holds)
        return beat_end(out, "grant_expired", "closed",
                        ob_err_set(&out->err, OB_ECONFLICT, "session.grant_expired"));
    if (!in->blocked)
        return 0;
    since = in->blocked_since ? in->blocked_since : in->now;
    if (in->now - since >= in->grace_seconds)
        return beat_end(out, "blocked", "blocked",
                        ob_err_set(&out->err, OB_EBLOCKED, "session.blocked_closed"));
    out->blocked_since = since;
    out->grace_until = since + in->grace_seconds;
    return 0;
}
