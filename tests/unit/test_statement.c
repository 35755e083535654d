/*
 * test_statement.c — the months of the statements (model/statements/) and
 * the take-over of a run that died, on a real SQLite file.
 *
 * A month's bounds are instants in the service time zone: a posting at
 * 23:59:59 Moscow on the last day is in M, one at 00:00:00 on the 1st is in
 * M+1 (R-BIL-1: "a statement of month M holds the subscriptions posted in
 * M"). The monthly job's period is the month, due on the 1st after its
 * minute. A run whose node is a process gone from this host is taken over at
 * once; one alive elsewhere is left alone until its heartbeat is stale.
 */
#include "unit.h"
#include "unit_engine.h"

#include <stdio.h>
#include <unistd.h>

#include "base/ctx.h"
#include "base/date.h"
#include "db/db.h"
#include "jobs/jobs.h"
#include "model/statements/statement.h"

static int64_t
at(const char *rfc3339)
{
    int64_t t = 0;

    assert_int_equal(ob_instant_parse(rfc3339, &t), 0);
    return t;
}

static void
test_month_bounds_moscow(void **state)
{
    static const struct {
        const char *name, *month, *from, *to;
    } cases[] = {
        { "March", "2031-03", "2031-03-01T00:00:00+03:00", "2031-04-01T00:00:00+03:00" },
        { "December into January", "2030-12", "2030-12-01T00:00:00+03:00",
          "2031-01-01T00:00:00+03:00" },
        { "leap February", "2032-02", "2032-02-01T00:00:00+03:00", "2032-03-01T00:00:00+03:00" },
    };
    int64_t from, to;

    (void)state;
    assert_int_equal(ob_tz_set("Europe/Moscow", NULL), 0);
    for (size_t i = 0; i < NELEM(cases); i++) {
        CHECK_INT(cases[i].name, ob_statement_month_bounds(cases[i].month, &from, &to), 0);
        CHECK_INT(cases[i].name, from, at(cases[i].from));
        CHECK_INT(cases[i].name, to, at(cases[i].to));
    }
}

static void
test_month_of_the_edges(void **state)
{
    static const struct {
        const char *name, *t, *month;
    } cases[] = {
        { "R-BIL-1: 23:59:59 Moscow on the last day is in M", "2031-03-31T23:59:59+03:00",
          "2031-03" },
        { "R-BIL-1: 00:00:00 Moscow on the 1st is in M+1", "2031-04-01T00:00:00+03:00",
          "2031-04" },
        { "22:00 UTC on Mar 31 is already April in Moscow", "2031-03-31T22:00:00Z", "2031-04" },
        { "the new year", "2030-12-31T23:59:59+03:00", "2030-12" },
    };
    char month[8];
    int64_t from, to;

    (void)state;
    assert_int_equal(ob_tz_set("Europe/Moscow", NULL), 0);
    for (size_t i = 0; i < NELEM(cases); i++) {
        int64_t t = at(cases[i].t);

        ob_statement_month_of(t, month);
        CHECK_STR(cases[i].name, month, cases[i].month);
        assert_int_equal(ob_statement_month_bounds(cases[i].month, &from, &to), 0);
        CHECK_TRUE(cases[i].name, from <= t && t < to);
    }
}

static void
test_month_text(void **state)
{
    static const char *const bad[] = { "", "2031-3", "2031-13", "2031-00", "2031/03",
                                       "20310-03", "203a-03", "2031-03-01", "0000-01" };
    char prev[8];
    int64_t from, to;

    (void)state;
    for (size_t i = 0; i < NELEM(bad); i++)
        CHECK_INT(bad[i], ob_statement_month_bounds(bad[i], &from, &to), OB_EINVAL);
    assert_int_equal(ob_statement_month_prev("2031-01", prev), 0);
    assert_string_equal(prev, "2030-12");
    assert_int_equal(ob_statement_month_prev("2031-03", prev), 0);
    assert_string_equal(prev, "2031-02");
    assert_int_equal(ob_statement_month_prev("2031-13", prev), OB_EINVAL);
}

static void
test_monthly_period(void **state)
{
    const struct ob_job_def *j = ob_jobs_find("statements");
    char period[32];

    (void)state;
    assert_int_equal(ob_tz_set("Europe/Moscow", NULL), 0);
    assert_non_null(j);
    assert_int_equal(j->schedule, OB_SCHED_MONTHLY);
    ob_jobs_period(j, at("2031-04-01T00:00:00+03:00") + j->at_minute * 60 - 1, period,
                   sizeof(period));
    CHECK_STR("not yet due on the 1st before its minute", period, "");
    ob_jobs_period(j, at("2031-04-01T00:00:00+03:00") + j->at_minute * 60, period,
                   sizeof(period));
    CHECK_STR("due on the 1st at its minute", period, "2031-04");
    ob_jobs_period(j, at("2031-04-30T23:59:59+03:00"), period, sizeof(period));
    CHECK_STR("the whole month is one period", period, "2031-04");
}

/* ---- take-over, on a database ---- */

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

static void
running(const char *month, const char *node, int64_t beat)
{
    assert_true(ob_db_run(db, "INSERT INTO statement_runs (month, node, started_at, beat_at) "
                              "VALUES (?, ?, 0, ?)", "tti", month, node, beat) == 1);
}

static void
test_take_over(void **state)
{
    struct ob_statement_run r;
    struct ob_ctx ctx;
    char host[64] = "", dead[128], alive[128];

    (void)state;
    ob_ctx_init(&ctx, db, NULL);
    ctx.actor.system = true;
    gethostname(host, sizeof(host) - 1);
    /* a pid above the kernel's pid_max is never a live process */
    snprintf(dead, sizeof(dead), "%s:%d:dead", host, 99999999);
    snprintf(alive, sizeof(alive), "elsewhere:%d:live", 1);

    running("2031-01", alive, ob_clock_real());
    CHECK_INT("a run alive on another node is left alone",
              ob_statement_run(&ctx, "2031-01", "me:1:x", NULL, NULL, &r), OB_ECONFLICT);
    CHECK_STR("its reason", ctx.err.reason, "statement.run_running");
    ob_err_clear(&ctx.err);

    running("2031-02", alive, ob_clock_real() - OB_STATEMENT_RUN_STALE_S - 1);
    CHECK_INT("a stale heartbeat is taken over",
              ob_statement_run(&ctx, "2031-02", "me:1:x", NULL, NULL, &r), 0);
    CHECK_STR("and finished", r.state, "done");

    running("2031-03", dead, ob_clock_real());
    CHECK_INT("a process gone from this host is taken over at once",
              ob_statement_run(&ctx, "2031-03", "me:1:x", NULL, NULL, &r), 0);
    CHECK_STR("and finished", r.state, "done");

    assert_true(ob_db_run(db, "INSERT INTO statement_months (month, state, closed_at) "
                              "VALUES ('2031-04', 'closed', 1)", NULL) == 1);
    CHECK_INT("a closed month is refused",
              ob_statement_run(&ctx, "2031-04", "me:1:x", NULL, NULL, &r), OB_ECONFLICT);
    CHECK_STR("its reason", ctx.err.reason, "statement.month_closed");
    ob_err_clear(&ctx.err);
    ob_ctx_release(&ctx);
}

/* The monthly job over a last month already closed completes its period:
 * nothing to draft, no failure at every tick. */
static void
test_job_closed_month(void **state)
{
    struct ob_ctx ctx;
    char now[8], last[8], detail[256] = "";

    (void)state;
    ob_ctx_init(&ctx, db, NULL);
    ctx.actor.system = true;
    ob_statement_month_of(ob_clock_now(&ctx), now);
    assert_int_equal(ob_statement_month_prev(now, last), 0);
    assert_true(ob_db_run(db, "INSERT INTO statement_months (month, state, closed_at) "
                              "VALUES (?, 'closed', 1)", "t", last) == 1);
    CHECK_INT("the job over a closed month", ob_job_statements_run(&ctx, detail, sizeof(detail)),
              0);
    CHECK_TRUE(detail, strstr(detail, "closed") != NULL);
    ob_ctx_release(&ctx);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_month_bounds_moscow),
        cmocka_unit_test(test_month_of_the_edges),
        cmocka_unit_test(test_month_text),
        cmocka_unit_test(test_monthly_period),
        cmocka_unit_test_setup_teardown(test_take_over, setup, teardown),
        cmocka_unit_test_setup_teardown(test_job_closed_month, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
