/*
 * test_rows.c — a list never returns a stepping status as an error.
 *
 * A loop `while (rc == 0 && (rc = ob_stmt_step(st)) == OB_DB_ROW)` that
 * leaves a row by `continue` keeps rc == OB_DB_ROW (1): the loop stops there
 * and, returned as it was, the 1 became a 500 in the API (GET /api/v1/grants
 * for a subscriber's user, issue 9). The rule has two halves, both checked
 * here: ob_db_rows_end maps what a loop ends with (a real SQLite file), and
 * the sources keep to the shape (no list returns rc raw after its loop, no
 * `continue` in a step loop that did not reset rc first).
 */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "unit_engine.h"
#include "base/ctx.h"

#ifndef OB_SOURCE_ROOT
#error "the Makefile defines OB_SOURCE_ROOT for the unit tests"
#endif

static int
count_to(struct ob_ctx *ctx, int stop_at, int fail_at, int skip_at, int *seen)
{
    struct ob_stmt *st;
    int rc, i = 0;

    *seen = 0;
    if ((rc = ob_db_prepare(ctx->db, "SELECT n FROM t ORDER BY n", &st)) != 0)
        return ob_db_err(ctx, rc);
    while (rc == 0 && (rc = ob_stmt_step(st)) == OB_DB_ROW) {
        i++;
        if (i == skip_at)
            continue; /* the old mistake: rc stays OB_DB_ROW */
        rc = 0;
        if (i == fail_at)
            rc = ob_err_set(&ctx->err, OB_EINVAL, "test.row_refused", "row=%d", i);
        else
            (*seen)++;
        if (i == stop_at)
            break;
    }
    ob_stmt_finalize(st);
    return ob_db_rows_end(ctx, rc);
}

static void
rows_end_maps_every_ending(void **state)
{
    struct ob_db *db = NULL;
    struct ob_ctx ctx;
    int seen;

    (void)state;
    assert_int_equal(unit_sqlite_open_migrated(&db), 0);
    assert_int_equal(ob_db_exec(db, "CREATE TABLE t (n INTEGER); "
                                    "INSERT INTO t VALUES (1), (2), (3);"),
                     0);
    ob_ctx_init(&ctx, db, NULL);
    CHECK_INT("all rows", count_to(&ctx, 0, 0, 0, &seen), 0);
    CHECK_INT("all rows seen", seen, 3);
    CHECK_INT("a loop left on a row by continue is not an error", count_to(&ctx, 0, 0, 2, &seen),
              0);
    CHECK_INT("a loop left by break is not an error", count_to(&ctx, 2, 0, 0, &seen), 0);
    CHECK_INT("the callback's error is kept", count_to(&ctx, 0, 2, 0, &seen), OB_EINVAL);
    CHECK_STR("its message is kept", ctx.err.message, "test.row_refused (row=2)");
    ob_err_clear(&ctx.err);
    CHECK_INT("a database error is mapped", ob_db_rows_end(&ctx, OB_EBUSY), OB_EBUSY);
    CHECK_INT("and said", ctx.err.rc, OB_EBUSY);
    ob_ctx_release(&ctx);
    unit_sqlite_close(db);
}

/* ---- ob_db_one_bind and ob_db_each_bind: values bound by a callback ---- */

struct nums {
    int n;
    int64_t v[4];
};

static int
bind_nums(struct ob_stmt *st, const void *arg)
{
    const struct nums *b = arg;
    int rc = 0;

    for (int i = 0; i < b->n && rc == 0; i++)
        rc = ob_stmt_bind_int(st, i + 1, b->v[i]);
    return rc;
}

static void
read_text(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    *(const char **)out = ob_stmt_dup(ctx, st, 0);
}

static int
sum_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    (void)ctx;
    *(int64_t *)arg += ob_stmt_int(st, 0);
    return ob_stmt_int(st, 0) == 3 ? ob_err_set(&ctx->err, OB_EINVAL, "test.three_refused") : 0;
}

static int
stop_at_two(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    (void)ctx;
    *(int64_t *)arg += ob_stmt_int(st, 0);
    return ob_stmt_int(st, 0) == 2 ? 1 : 0;
}

static void
bound_by_a_callback(void **state)
{
    struct ob_db *db = NULL;
    struct ob_ctx ctx;
    struct nums two = { 2, { 1, 3 } }, one = { 1, { 2 } }, none = { 1, { 9 } };
    struct nums bad = { 3, { 1, 2, 3 } };
    const char *text = NULL;
    int64_t sum = 0;

    (void)state;
    assert_int_equal(unit_sqlite_open_migrated(&db), 0);
    assert_int_equal(ob_db_exec(db, "CREATE TABLE t (n INTEGER, s TEXT); "
                                    "INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, NULL);"),
                     0);
    ob_ctx_init(&ctx, db, NULL);
    CHECK_INT("one row", ob_db_one_bind(&ctx, read_text, &text, "SELECT s FROM t WHERE n = ?",
                                        bind_nums, &one),
              0);
    CHECK_STR("its text", text, "two");
    CHECK_INT("no row", ob_db_one_bind(&ctx, read_text, &text, "SELECT s FROM t WHERE n = ?",
                                       bind_nums, &none),
              OB_ENOTFOUND);
    CHECK_INT("not found leaves the error to the caller", ctx.err.rc, 0);
    CHECK_INT("each bound row", ob_db_each_bind(&ctx, sum_row, &sum,
                                                "SELECT n FROM t WHERE n IN (?, ?) AND n < 3 "
                                                "ORDER BY n",
                                                bind_nums, &two),
              0);
    CHECK_INT("their sum", sum, 1);
    sum = 0;
    CHECK_INT("the callback's error stops", ob_db_each_bind(&ctx, sum_row, &sum,
                                                            "SELECT n FROM t WHERE n IN (?, ?) "
                                                            "ORDER BY n",
                                                            bind_nums, &two),
              OB_EINVAL);
    CHECK_STR("with its message", ctx.err.message, "test.three_refused");
    ob_err_clear(&ctx.err);
    sum = 0;
    CHECK_INT("a positive return stops without an error",
              ob_db_each(&ctx, stop_at_two, &sum, "SELECT n FROM t ORDER BY n", NULL), 0);
    CHECK_INT("at that row", sum, 3);
    CHECK_INT("and sets none", ctx.err.rc, 0);
    CHECK_TRUE("a failed bind is a database error",
               ob_db_each_bind(&ctx, sum_row, &sum, "SELECT n FROM t WHERE n = ?", bind_nums,
                               &bad) < 0 &&
                   ctx.err.rc != 0);
    ob_ctx_release(&ctx);
    unit_sqlite_close(db);
}

/* An export's row whose callback collects the rows of a nested loop: the
 * nested strings must outlive the nested loop (they live in ctx->arena),
 * while the export's own strings go to the scratch arena row by row. */
struct nested {
    const char *kept[8];
    int n;
};

static int
collect_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct nested *c = arg;

    if (c->n < 8)
        c->kept[c->n++] = ob_stmt_dup(ctx, st, 0);
    return 0;
}

static int
export_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct nested *c = arg;
    const char *mine = ob_stmt_dup(ctx, st, 0);
    int rc;

    c->n = 0;
    if ((rc = ob_db_each(ctx, collect_row, c, "SELECT s FROM t WHERE s IS NOT NULL ORDER BY n",
                         NULL)) != 0)
        return rc;
    /* a row of the export and the kept strings of the nested loop, read after it */
    if (c->n != 3 || strcmp(c->kept[0], "one") || strcmp(c->kept[1], "two") ||
        strcmp(c->kept[2], "three") || !*mine)
        return ob_err_set(&ctx->err, OB_EINTERNAL, "test.nested_rows_lost", "n=%d", c->n);
    return 0;
}

static void
an_export_keeps_nested_rows(void **state)
{
    struct ob_db *db = NULL;
    struct ob_ctx ctx;
    struct nested c = { { 0 }, 0 };

    (void)state;
    assert_int_equal(unit_sqlite_open_migrated(&db), 0);
    assert_int_equal(ob_db_exec(db, "CREATE TABLE t (n INTEGER, s TEXT); "
                                    "INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, 'three');"),
                     0);
    ob_ctx_init(&ctx, db, NULL);
    ctx.rows_stream = true;
    CHECK_INT("an export whose rows run a nested loop",
              ob_db_each(&ctx, export_row, &c, "SELECT s FROM t ORDER BY n", NULL), 0);
    CHECK_STR("keeps the nested loop's strings", c.kept[1], "two");
    ob_ctx_release(&ctx);
    unit_sqlite_close(db);
}

static char *
slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf)
        buf[n] = '\0';
    fclose(f);
    return buf;
}

static int
line_of(const char *text, const char *at)
{
    int line = 1;

    for (const char *p = text; p < at; p++)
        line += *p == '\n';
    return line;
}

/* The body of the loop whose header starts at `loop`: [*open, *close]. */
static int
loop_body(const char *loop, const char **open, const char **close)
{
    int depth = 0;
    const char *p = strchr(loop, '{'), *semi = strchr(loop, ';');

    /* a loop without braces ends at its first ';' after the header */
    if (!p || (semi && semi < p && !strstr(loop, "ob_stmt_step")))
        return -1;
    *open = p;
    for (; *p; p++) {
        depth += *p == '{';
        depth -= *p == '}';
        if (depth == 0) {
            *close = p;
            return 0;
        }
    }
    return -1;
}

/* Problems in one file, reported through fail_msg by the caller. */
static int
check_file(const char *path, const char *text, char *why, size_t size)
{
    static const char *const old[] = {"return rc < 0 ? ob_db_err(ctx, rc) : rc;",
                                      "return rc < 0 && !ctx->err.rc ? ob_db_err(ctx, rc) : rc;"};
    const char *p, *loop_head = "while (rc == 0";

    for (size_t i = 0; i < NELEM(old); i++)
        if ((p = strstr(text, old[i])) != NULL) {
            snprintf(why, size, "%s:%d returns a stepping status raw (use ob_db_rows_end)", path,
                     line_of(text, p));
            return -1;
        }
    for (p = strstr(text, loop_head); p; p = strstr(p + 1, loop_head)) {
        const char *eol = strchr(p, '\n'), *open, *close, *c;

        if (!eol || !strstr(p, "ob_stmt_step") || strstr(p, "ob_stmt_step") > eol ||
            loop_body(p, &open, &close) != 0)
            continue;
        for (c = strstr(open, "continue;"); c && c < close; c = strstr(c + 1, "continue;")) {
            const char *reset = strstr(open, "rc = 0;");

            if (!reset || reset > c) {
                snprintf(why, size,
                         "%s:%d: 'continue' in a step loop before rc is reset: the loop "
                         "stops there and returns OB_DB_ROW",
                         path, line_of(text, c));
                return -1;
            }
        }
    }
    return 0;
}

static void
sources_keep_the_shape(void **state)
{
    glob_t g;
    char why[512];
    int files = 0;

    (void)state;
    assert_int_equal(glob(OB_SOURCE_ROOT "/src/*/*.c", 0, NULL, &g), 0);
    assert_int_equal(glob(OB_SOURCE_ROOT "/src/model/*/*.c", GLOB_APPEND, NULL, &g), 0);
    for (size_t i = 0; i < g.gl_pathc; i++) {
        char *text = slurp(g.gl_pathv[i]);

        assert_non_null(text);
        if (check_file(g.gl_pathv[i] + strlen(OB_SOURCE_ROOT) + 1, text, why, sizeof(why)) != 0)
            fail_msg("%s", why);
        free(text);
        files++;
    }
    globfree(&g);
    CHECK_TRUE("the model's sources were read", files > 30);
}

static void
the_check_finds_the_old_shapes(void **state)
{
    char why[512];

    (void)state;
    CHECK_INT("a raw return",
              check_file("x.c", "return rc < 0 ? ob_db_err(ctx, rc) : rc;\n", why, sizeof(why)),
              -1);
    CHECK_INT("a continue before the reset",
              check_file("x.c",
                         "while (rc == 0 && (rc = ob_stmt_step(st)) == OB_DB_ROW) {\n"
                         "    if (x)\n        continue;\n    rc = fn();\n}\n",
                         why, sizeof(why)),
              -1);
    CHECK_INT("a continue after the reset is fine",
              check_file("x.c",
                         "while (rc == 0 && (rc = ob_stmt_step(st)) == OB_DB_ROW) {\n"
                         "    rc = 0;\n    if (x)\n        continue;\n    rc = fn();\n}\n",
                         why, sizeof(why)),
              0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rows_end_maps_every_ending),
        cmocka_unit_test(bound_by_a_callback),
        cmocka_unit_test(an_export_keeps_nested_rows),
        cmocka_unit_test(the_check_finds_the_old_shapes),
        cmocka_unit_test(sources_keep_the_shape),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
