/*
 * test_job.c — leases of periodic jobs (model/core/job.c) on a real SQLite file.
 *
 * A period runs once across nodes, and periods only move forward: a node
 * whose reading of the clock is a moment old must not run an earlier
 * period again (the two-server e2e test caught that under the sanitizer).
 */
#include "unit.h"
#include "unit_engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/ctx.h"
#include "base/date.h"
#include "db/db.h"
#include "jobs/jobs.h"
#include "model/core/job.h"

static struct ob_db *db;

static int
setup(void **state)
{
    (void)state;
    return unit_sqlite_open_migrated(&db);
}

static int
teardown(void **state)
{
    (void)state;
    return unit_sqlite_close(db);
}

static bool
lease(struct ob_ctx *ctx, const char *node, const char *period)
{
    bool got = false;

    assert_int_equal(ob_job_lease(ctx, "j", node, 300, period, &got), 0);
    return got;
}

static void
test_periods_only_move_forward(void **state)
{
    struct ob_ctx ctx;

    (void)state;
    ob_ctx_init(&ctx, db, NULL);
    ctx.actor.system = true;
    CHECK_TRUE("first period", lease(&ctx, "a", "2031-03-10"));
    CHECK_TRUE("held: another node waits", !lease(&ctx, "b", "2031-03-10"));
    assert_int_equal(ob_job_complete(&ctx, "j", "a", "2031-03-10", true, 0, "ok", ""), 0);
    CHECK_TRUE("done: not again", !lease(&ctx, "b", "2031-03-10"));
    CHECK_TRUE("an earlier period is never run after a later one", !lease(&ctx, "b", "2026-11-27"));
    CHECK_TRUE("the next period", lease(&ctx, "b", "2031-03-11"));
    assert_int_equal(ob_job_complete(&ctx, "j", "b", "2031-03-11", false, 0, "ok", ""), 0);
    CHECK_TRUE("a run by hand does not complete the period", lease(&ctx, "a", "2031-03-11"));
    assert_int_equal(ob_job_complete(&ctx, "j", "a", "2031-03-11", true, 0, "error", "x"), 0);
    CHECK_TRUE("a failed run leaves the period to try again", lease(&ctx, "b", "2031-03-11"));
    ob_ctx_release(&ctx);
}

static int64_t
at(const char *rfc3339)
{
    int64_t t = 0;

    assert_int_equal(ob_instant_parse(rfc3339, &t), 0);
    return t;
}

static const char *
period_at(const struct ob_job_def *j, int64_t now, char *out, size_t size)
{
    ob_jobs_period(j, now, out, size);
    return out;
}

/* R-NOT-2: the digest runs on Mondays in the service time zone; its period
 * is that Monday's date, and there is none on the other days (a Monday the
 * runner missed is not made up for on Tuesday). */
static void
test_weekly_period(void **state)
{
    const struct ob_job_def *j = ob_jobs_find("digest");
    int64_t monday = 0;
    char p[32];

    (void)state;
    assert_int_equal(ob_tz_set("Europe/Moscow", NULL), 0);
    assert_non_null(j);
    assert_int_equal(j->schedule, OB_SCHED_WEEKLY);
    monday = at("2027-03-08T00:00:00+03:00");   /* 8 March 2027 is a Monday */
    CHECK_STR("Sunday: none", period_at(j, monday - 1, p, sizeof(p)), "");
    CHECK_STR("Monday before its minute: none",
              period_at(j, monday + j->at_minute * 60 - 1, p, sizeof(p)), "");
    CHECK_STR("Monday at its minute: the Monday",
              period_at(j, monday + j->at_minute * 60, p, sizeof(p)), "2027-03-08");
    CHECK_STR("Monday's last second: the Monday",
              period_at(j, at("2027-03-08T23:59:59+03:00"), p, sizeof(p)), "2027-03-08");
    CHECK_STR("Tuesday: none, a missed Monday is not sent late",
              period_at(j, at("2027-03-09T12:00:00+03:00"), p, sizeof(p)), "");
    CHECK_STR("Sunday 23:59: none", period_at(j, at("2027-03-14T23:59:59+03:00"), p, sizeof(p)),
              "");
    /* The service time zone decides: Moscow's Monday starts at 21:00 UTC on Sunday. */
    CHECK_STR("the Monday of the service time zone",
              period_at(j, at("2027-03-14T21:00:00Z") + j->at_minute * 60, p, sizeof(p)),
              "2027-03-15");
    CHECK_STR("Monday 23:00 UTC is Tuesday in Moscow: none",
              period_at(j, at("2027-03-15T23:00:00Z"), p, sizeof(p)), "");
    CHECK_STR("a Monday over a year end", period_at(j, at("2029-12-31T12:00:00+03:00"), p,
                                                    sizeof(p)), "2029-12-31");
}

/* The job lag of /metrics counts from the latest period due at or before
 * now: before today's minute it is yesterday's, before the 1st's minute last
 * month's (over a year end too), before Monday's minute the Monday before. */
static void
test_last_due(void **state)
{
    const struct ob_job_def daily = { "d", OB_SCHED_DAILY, 0, 90, "", NULL };
    const struct ob_job_def monthly = { "m", OB_SCHED_MONTHLY, 0, 60, "", NULL };
    const struct ob_job_def weekly = { "w", OB_SCHED_WEEKLY, 0, 9 * 60, "", NULL };
    const struct ob_job_def every = { "i", OB_SCHED_INTERVAL, 300, 0, "", NULL };
    char p[32];

    (void)state;
    assert_int_equal(ob_tz_set("Europe/Moscow", NULL), 0);
    assert_int_equal(ob_jobs_last_due(&daily, at("2027-03-10T01:29:59+03:00"), p, sizeof(p)),
                     at("2027-03-09T01:30:00+03:00"));
    assert_string_equal(p, "2027-03-09");
    assert_int_equal(ob_jobs_last_due(&daily, at("2027-03-10T01:30:00+03:00"), p, sizeof(p)),
                     at("2027-03-10T01:30:00+03:00"));
    assert_string_equal(p, "2027-03-10");
    assert_int_equal(ob_jobs_last_due(&monthly, at("2027-01-01T00:59:59+03:00"), p, sizeof(p)),
                     at("2026-12-01T01:00:00+03:00"));
    assert_string_equal(p, "2026-12");
    assert_int_equal(ob_jobs_last_due(&monthly, at("2027-01-31T12:00:00+03:00"), p, sizeof(p)),
                     at("2027-01-01T01:00:00+03:00"));
    assert_string_equal(p, "2027-01");
    /* 8 March 2027 is a Monday */
    assert_int_equal(ob_jobs_last_due(&weekly, at("2027-03-08T08:59:59+03:00"), p, sizeof(p)),
                     at("2027-03-01T09:00:00+03:00"));
    assert_string_equal(p, "2027-03-01");
    assert_int_equal(ob_jobs_last_due(&weekly, at("2027-03-14T23:59:59+03:00"), p, sizeof(p)),
                     at("2027-03-08T09:00:00+03:00"));
    assert_string_equal(p, "2027-03-08");
    /* the period names match what the runner records (ob_jobs_period) */
    {
        char q[32];
        int64_t t = at("2027-03-08T10:00:00+03:00");

        ob_jobs_last_due(&weekly, t, p, sizeof(p));
        assert_string_equal(p, period_at(&weekly, t, q, sizeof(q)));
        ob_jobs_last_due(&every, t + 7, p, sizeof(p));
        assert_string_equal(p, period_at(&every, t + 7, q, sizeof(q)));
        assert_int_equal(ob_jobs_last_due(&every, t + 7, p, sizeof(p)), t / 300 * 300);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_periods_only_move_forward, setup, teardown),
        cmocka_unit_test(test_weekly_period),
        cmocka_unit_test(test_last_due),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
