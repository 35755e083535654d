/*
 * test_group.c — group commit (ob_db_tx_group, db/db.c) on a real SQLite
 * file: threads with their own connections write at once; every committed
 * function's change is there exactly once, a refused one's change is not
 * (its savepoint), a limit checked inside the function holds across the
 * batch (the admission pattern), and each caller gets its own result.
 */
#include "unit.h"
#include "unit_engine.h"

#include <pthread.h>

#include "base/ctx.h"
#include "base/log.h"
#include "db/db.h"

#define THREADS 8
#define CALLS 150
#define LIMIT 5

static struct ob_db *db;

struct worker {
    int id, ok, refused, failed;
};

/* Insert a row; every fifth call inserts and then refuses. */
static int
write_row(struct ob_ctx *ctx, void *arg)
{
    int *n = arg;
    int64_t rc = ob_db_run(ctx->db, "INSERT INTO g (k, n) VALUES (0, ?)", "i", (int64_t)*n);

    if (rc < 0)
        return ob_db_err(ctx, (int)rc);
    if (*n % 5 == 4)
        return ob_err_set(&ctx->err, OB_ELIMIT, "test.refused_after_writing");
    return 0;
}

/* The admission pattern: count, then insert only below the limit. */
static int
admit(struct ob_ctx *ctx, void *arg)
{
    int64_t open = 0, rc;

    (void)arg;
    if ((rc = ob_db_get_int(ctx->db, &open, "SELECT COUNT(*) FROM g WHERE k = 1", NULL)) < 0)
        return ob_db_err(ctx, (int)rc);
    if (open >= LIMIT)
        return ob_err_set(&ctx->err, OB_ELIMIT, "test.full");
    rc = ob_db_run(ctx->db, "INSERT INTO g (k, n) VALUES (1, 0)", NULL);
    return rc < 0 ? ob_db_err(ctx, (int)rc) : 0;
}

static void *
run(void *arg)
{
    struct worker *w = arg;
    struct ob_db *own = NULL;
    struct ob_err err = { 0 };

    if (ob_db_open(eng.url, NULL, &own, &err) != 0) {
        w->failed = CALLS;
        return NULL;
    }
    for (int i = 0; i < CALLS; i++) {
        struct ob_ctx ctx;
        int n = w->id * CALLS + i, rc;

        ob_ctx_init(&ctx, own, NULL);
        rc = ob_db_tx_group(&ctx, i % 10 == 9 ? admit : write_row, &n);
        if (rc == 0)
            w->ok++;
        else if (rc == OB_ELIMIT && ctx.err.rc == OB_ELIMIT)
            w->refused++;
        else
            w->failed++;
        ob_ctx_release(&ctx);
    }
    ob_db_close(own);
    return NULL;
}

static int
setup(void **state)
{
    (void)state;
    ob_log_set_level("error");
    if (unit_sqlite_open_migrated(&db) != 0)
        return -1;
    return ob_db_exec(db, "CREATE TABLE g (k INTEGER NOT NULL, n INTEGER NOT NULL)");
}

static int
teardown(void **state)
{
    (void)state;
    ob_db_group_close();
    return unit_sqlite_close(db);
}

static void
test_concurrent_writers(void **state)
{
    pthread_t t[THREADS];
    struct worker w[THREADS];
    int ok = 0, refused = 0, failed = 0;
    int64_t rows = 0, admitted = 0, distinct = 0;
    uint64_t batches0, items0, batches, items;

    (void)state;
    ob_db_group_stats(&batches0, &items0);
    for (int i = 0; i < THREADS; i++) {
        w[i] = (struct worker){ .id = i };
        assert_int_equal(pthread_create(&t[i], NULL, run, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        ok += w[i].ok;
        refused += w[i].refused;
        failed += w[i].failed;
    }
    ob_db_group_stats(&batches, &items);
    assert_int_equal(ob_db_get_int(db, &rows, "SELECT COUNT(*) FROM g WHERE k = 0", NULL),
                     OB_DB_ROW);
    assert_int_equal(ob_db_get_int(db, &distinct, "SELECT COUNT(DISTINCT n) FROM g WHERE k = 0",
                                   NULL),
                     OB_DB_ROW);
    assert_int_equal(ob_db_get_int(db, &admitted, "SELECT COUNT(*) FROM g WHERE k = 1", NULL),
                     OB_DB_ROW);
    CHECK_INT("no call failed", failed, 0);
    /* per thread: 135 writes, the 15 with i % 10 == 4 refused; 15 admissions */
    CHECK_INT("committed writes are there, refused ones are not", (int)rows, THREADS * 120);
    CHECK_INT("no write twice", (int)distinct, (int)rows);
    CHECK_INT("each caller got its own answer", ok + refused, THREADS * CALLS);
    CHECK_INT("the limit held across batches", (int)admitted, LIMIT);
    CHECK_INT("every call ran in a group", (int)(items - items0), THREADS * CALLS);
    CHECK_TRUE("fewer commits than calls", batches - batches0 <= items - items0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_concurrent_writers, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
