/*
 * test_job.c — leases of periodic jobs (model/job.c) on a real SQLite file.
 *
 * A period runs once across nodes, and periods only move forward: a node
 * whose reading of the clock is a moment old must not run an earlier
 * period again (the two-server e2e test caught that under the sanitizer).
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/ctx.h"
#include "db/db.h"
#include "model/job.h"

extern const struct ob_migration ob_migrations[];
extern const int ob_nmigrations;

static struct ob_db *db;
static char path[64];

static int
setup(void **state)
{
    struct ob_err err = { 0 };
    int fd;

    (void)state;
    snprintf(path, sizeof(path), "/tmp/oblako-test-job-XXXXXX");
    if ((fd = mkstemp(path)) < 0)
        return -1;
    close(fd);
    {
        char url[80];

        snprintf(url, sizeof(url), "sqlite:%s", path);
        if (ob_db_open(url, NULL, &db, &err) != 0)
            return -1;
    }
    return ob_db_migrate(db, ob_migrations, ob_nmigrations, NULL, &err);
}

static int
teardown(void **state)
{
    char side[80];

    (void)state;
    ob_db_close(db);
    unlink(path);
    snprintf(side, sizeof(side), "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof(side), "%s-shm", path);
    unlink(side);
    return 0;
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
