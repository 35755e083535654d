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
#include "db/db.h"
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

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_periods_only_move_forward, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
