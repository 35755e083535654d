/*
 * test_db.c — the engine-neutral database API (db/db.h) on SQLite and, when
 * OBLAKO_TEST_PG_URL is set, on PostgreSQL too.
 *
 * Every test runs once per engine: main() runs the same cmocka group with
 * each engine's group setup. SQLite gets a temporary file; PostgreSQL gets a
 * fresh database, created through the API itself on the server named by
 * OBLAKO_TEST_PG_URL (postgres://USER@HOST:PORT/DB) and dropped at the end,
 * and then the group runs once more with named statements (opts.pg_prepare).
 * Each test starts from an empty schema (its setup drops the tables the tests
 * use) on a new connection, and closes it in teardown.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/ctx.h"
#include "base/err.h"
#include "base/log.h"
#include "base/rand.h"
#include "db/db.h"
#include "unit.h"
#include "unit_engine.h"
#include "base/banned.h"


struct fx {
    struct ob_db *db;
    struct ob_ctx ctx;
};

static const char *const tables[] = { "item", "vals", "counter", "m_one", "m_two", "m_three",
                                      "schema_migrations", "bytes" };

/* The group's connections: PostgreSQL's third run prepares its statements. */
static struct ob_db_opts opts = { .busy_timeout_ms = 5000 };

static struct ob_db *
open_db(void)
{
    struct ob_db *db = NULL;
    struct ob_err err = { 0 };

    if (ob_db_open(eng.url, &opts, &db, &err) != 0)
        fail_msg("%s: cannot open '%s': %s", eng.name, eng.url, err.message);
    return db;
}

static bool
is_pg(const struct fx *f)
{
    return ob_db_engine(f->db) == OB_DB_POSTGRES;
}

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    char sql[128];

    f->db = open_db();
    ob_ctx_init(&f->ctx, f->db, NULL);
    for (size_t i = 0; i < NELEM(tables); i++) {
        snprintf(sql, sizeof(sql), "DROP TABLE IF EXISTS %s", tables[i]);
        if (ob_db_exec(f->db, sql) != 0)
            fail_msg("%s: %s: %s", eng.name, sql, ob_db_errmsg(f->db));
    }
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;

    ob_ctx_release(&f->ctx);
    ob_db_close(f->db);
    free(f);
    return 0;
}

/* The tables most tests use, created by a migration (so through ID_PK). */
static void
make_tables(struct fx *f)
{
    static const struct ob_migration m[] = {
        { 1, "tables",
          "CREATE TABLE item (id ID_PK, n BIGINT, s TEXT UNIQUE, z TEXT);"
          "CREATE TABLE vals (k BIGINT PRIMARY KEY, n BIGINT, s TEXT);"
          "CREATE TABLE counter (id BIGINT PRIMARY KEY, v BIGINT NOT NULL);"
          "INSERT INTO counter (id, v) VALUES (1, 0);" },
    };
    struct ob_err err = { 0 };

    if (ob_db_migrate(f->db, m, 1, NULL, &err) != 0)
        fail_msg("%s: make_tables: %s", eng.name, err.message);
}

static int64_t
count_rows(struct fx *f, const char *table)
{
    char sql[128];
    int64_t n = -1;

    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s", table);
    if (ob_db_get_int(f->db, &n, sql, NULL) != OB_DB_ROW)
        fail_msg("%s: %s: %s", eng.name, sql, ob_db_errmsg(f->db));
    return n;
}

static bool
table_exists(struct fx *f, const char *name)
{
    int64_t n = 0;
    const char *sql = is_pg(f) ? "SELECT COUNT(*) FROM information_schema.tables WHERE "
                                 "table_schema = current_schema() AND table_name = ?"
                               : "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND "
                                 "name = ?";

    assert_int_equal(ob_db_get_int(f->db, &n, sql, "t", name), OB_DB_ROW);
    return n > 0;
}

static const struct bind_case {
    const char *name;
    char kind;      /* 'i' int, 't' text, 'n' ob_stmt_bind_null, 'N' bind_text(NULL) */
    int64_t i;
    const char *s;
} bind_cases[] = {
    { "zero", 'i', 0, NULL },
    { "negative", 'i', -5, NULL },
    { "int64 max", 'i', INT64_MAX, NULL },
    { "int64 min", 'i', INT64_MIN, NULL },
    { "ascii text", 't', 0, "hello" },
    { "empty text is not null", 't', 0, "" },
    { "Cyrillic text", 't', 0, "Облако — облачный сервис, ёжик" },
    { "quotes and placeholders in a value", 't', 0, "it's a ? and \"$1\"" },
    { "null", 'n', 0, NULL },
    { "text NULL binds null", 'N', 0, NULL },
};

static void
insert_case(struct fx *f, int64_t k, const struct bind_case *c)
{
    struct ob_stmt *st = NULL;

    CHECK_INT(c->name, ob_db_prepare(f->db, "INSERT INTO vals (k, n, s) VALUES (?, ?, ?)", &st),
              0);
    CHECK_INT(c->name, ob_stmt_bind_int(st, 1, k), 0);
    CHECK_INT(c->name, c->kind == 'i' ? ob_stmt_bind_int(st, 2, c->i) : ob_stmt_bind_null(st, 2),
              0);
    if (c->kind == 't' || c->kind == 'N')
        CHECK_INT(c->name, ob_stmt_bind_text(st, 3, c->s), 0);
    else
        CHECK_INT(c->name, ob_stmt_bind_null(st, 3), 0);
    CHECK_INT(c->name, ob_stmt_step(st), OB_DB_DONE);
    CHECK_INT(c->name, ob_stmt_changes(st), 1);
    ob_stmt_finalize(st);
}

static void
check_case(struct fx *f, int64_t k, const struct bind_case *c)
{
    struct ob_stmt *st = NULL;
    char num[32];

    CHECK_INT(c->name, ob_db_prepare(f->db, "SELECT n, s FROM vals WHERE k = ?", &st), 0);
    CHECK_INT(c->name, ob_stmt_bindf(st, "i", k), 0);
    CHECK_INT(c->name, ob_stmt_step(st), OB_DB_ROW);
    CHECK_INT(c->name, ob_stmt_columns(st), 2);
    CHECK_INT(c->name, ob_stmt_null(st, 0), c->kind != 'i');
    CHECK_INT(c->name, ob_stmt_null(st, 1), c->kind != 't');
    if (c->kind == 'i') {
        CHECK_INT(c->name, ob_stmt_int(st, 0), c->i);
        snprintf(num, sizeof(num), "%lld", (long long)c->i);
        CHECK_STR(c->name, ob_stmt_text(st, 0), num);     /* an int read as text */
    } else {
        CHECK_TRUE(c->name, ob_stmt_text(st, 0) == NULL);
    }
    if (c->kind == 't')
        CHECK_STR(c->name, ob_stmt_text(st, 1), c->s);
    else
        CHECK_TRUE(c->name, ob_stmt_text(st, 1) == NULL);
    CHECK_INT(c->name, ob_stmt_step(st), OB_DB_DONE);
    ob_stmt_finalize(st);
}

static void
test_db_bind_and_columns(void **state)
{
    struct fx *f = *state;

    make_tables(f);
    for (size_t i = 0; i < NELEM(bind_cases); i++)
        insert_case(f, (int64_t)i, &bind_cases[i]);
    for (size_t i = 0; i < NELEM(bind_cases); i++)
        check_case(f, (int64_t)i, &bind_cases[i]);
    assert_int_equal(count_rows(f, "vals"), NELEM(bind_cases));
}

static void
test_db_placeholders_in_literals(void **state)
{
    struct fx *f = *state;
    struct ob_stmt *st = NULL;

    /* A '?' inside a quoted literal or identifier is not a placeholder. */
    assert_int_equal(ob_db_prepare(f->db, "SELECT '?', ?, 'a''?', ? AS \"x?\"", &st), 0);
    assert_int_equal(ob_stmt_bindf(st, "ti", "first", (int64_t)2), 0);
    assert_int_equal(ob_stmt_step(st), OB_DB_ROW);
    assert_int_equal(ob_stmt_columns(st), 4);
    assert_string_equal(ob_stmt_text(st, 0), "?");
    assert_string_equal(ob_stmt_text(st, 1), "first");
    assert_string_equal(ob_stmt_text(st, 2), "a'?");
    assert_int_equal(ob_stmt_int(st, 3), 2);
    ob_stmt_finalize(st);
}

static void
test_db_run_changes(void **state)
{
    struct fx *f = *state;

    make_tables(f);
    for (int64_t i = 1; i <= 3; i++)
        assert_int_equal(ob_db_run(f->db, "INSERT INTO item (n, s) VALUES (?, ?)", "in", i), 1);
    assert_int_equal(ob_db_run(f->db, "UPDATE item SET z = ? WHERE n >= ?", "ti", "x",
                               (int64_t)2),
                     2);
    assert_int_equal(ob_db_run(f->db, "DELETE FROM item WHERE n = ?", "i", (int64_t)99), 0);
    assert_int_equal(ob_db_run(f->db, "UPDATE item SET z = NULL", NULL), 3);
    assert_int_equal(ob_db_run(f->db, "DELETE FROM item WHERE n < ?", "i", (int64_t)3), 2);
    assert_int_equal(count_rows(f, "item"), 1);
    /* an error is a negative code, and the engine's text is kept */
    assert_int_equal(ob_db_run(f->db, "INSERT INTO no_such_table VALUES (1)", NULL),
                     OB_EINTERNAL);
    assert_true(strlen(ob_db_errmsg(f->db)) > 0);
    assert_int_equal(ob_db_run(f->db, "SELECT 1", "z"), OB_EINTERNAL);    /* bad format */
}

static void
test_db_get_int_and_text(void **state)
{
    struct fx *f = *state;
    int64_t n = 77;
    char s[64] = "untouched", small[4];

    make_tables(f);
    assert_int_equal(ob_db_run(f->db, "INSERT INTO item (n, s) VALUES (?, ?)", "it",
                               (int64_t)42, "Привет"),
                     1);
    assert_int_equal(
        ob_db_get_int(f->db, &n, "SELECT n FROM item WHERE s = ?", "t", "Привет"), OB_DB_ROW);
    assert_int_equal(n, 42);
    n = 77;
    assert_int_equal(ob_db_get_int(f->db, &n, "SELECT n FROM item WHERE s = ?", "t", "nope"),
                     OB_DB_DONE);
    assert_int_equal(n, 77);   /* no row: untouched */
    assert_int_equal(ob_db_get_text(f->db, s, sizeof(s), "SELECT s FROM item WHERE n = ?", "i",
                                    (int64_t)42),
                     OB_DB_ROW);
    assert_string_equal(s, "Привет");
    assert_int_equal(ob_db_get_text(f->db, small, sizeof(small), "SELECT 'abcdef'", NULL),
                     OB_DB_ROW);
    assert_string_equal(small, "abc");     /* truncated to the size */
    assert_int_equal(ob_db_get_text(f->db, s, sizeof(s), "SELECT z FROM item", NULL), OB_DB_ROW);
    assert_string_equal(s, "");            /* NULL reads as "" */
    snprintf(s, sizeof(s), "untouched");
    assert_int_equal(ob_db_get_text(f->db, s, sizeof(s), "SELECT s FROM item WHERE n = 0", NULL),
                     OB_DB_DONE);
    assert_string_equal(s, "untouched");
    assert_true(ob_db_get_int(f->db, &n, "SELECT nonsense FROM", NULL) < 0);
    assert_int_equal(ob_db_ping(f->db), 0);
}

static void
test_db_returning_id(void **state)
{
    struct fx *f = *state;
    int64_t id1 = 0, id2 = 0, n = 0;

    make_tables(f);
    assert_int_equal(ob_db_get_int(f->db, &id1, "INSERT INTO item (n) VALUES (?) RETURNING id",
                                   "i", (int64_t)10),
                     OB_DB_ROW);
    assert_int_equal(ob_db_get_int(f->db, &id2, "INSERT INTO item (n) VALUES (?) RETURNING id",
                                   "i", (int64_t)20),
                     OB_DB_ROW);
    assert_true(id1 > 0);
    assert_true(id2 > id1);
    /* the rows are there, each with its id */
    assert_int_equal(ob_db_get_int(f->db, &n, "SELECT n FROM item WHERE id = ?", "i", id2),
                     OB_DB_ROW);
    assert_int_equal(n, 20);
    assert_int_equal(count_rows(f, "item"), 2);
}

static void
test_db_unique_violation(void **state)
{
    struct fx *f = *state;

    make_tables(f);
    assert_int_equal(ob_db_run(f->db, "INSERT INTO item (s) VALUES (?)", "t", "dup"), 1);
    assert_int_equal(ob_db_run(f->db, "INSERT INTO item (s) VALUES (?)", "t", "dup"),
                     OB_ECONFLICT);
    assert_int_equal(ob_db_run(f->db, "INSERT INTO vals (k) VALUES (1)", NULL), 1);
    assert_int_equal(ob_db_run(f->db, "INSERT INTO vals (k) VALUES (1)", NULL), OB_ECONFLICT);
    assert_int_equal(count_rows(f, "item"), 1);
    assert_int_equal(count_rows(f, "vals"), 1);
}

/* Transaction bodies: arg is the text of the item to insert. */
static int
insert_item(struct ob_ctx *ctx, void *arg)
{
    const char *s = arg;
    int64_t rc;

    if (!ob_db_in_tx(ctx->db))
        return OB_EINTERNAL;
    rc = ob_db_run(ctx->db, "INSERT INTO item (s) VALUES (?)", "t", s);
    return rc < 0 ? (int)rc : 0;
}

static int
insert_then_fail(struct ob_ctx *ctx, void *arg)
{
    int rc = insert_item(ctx, arg);

    return rc ? rc : ob_err_set(&ctx->err, OB_EINVAL, "test.refused_after_insert");
}

static int
insert_twice(struct ob_ctx *ctx, void *arg)
{
    int rc = insert_item(ctx, (void *)"first of two");

    return rc ? rc : insert_item(ctx, arg);
}

struct nest {
    int (*inner)(struct ob_ctx *, void *);
    void *inner_arg;
    bool inner_saw_tx;
};

static int
outer_then_inner(struct ob_ctx *ctx, void *arg)
{
    struct nest *n = arg;
    int rc = insert_item(ctx, (void *)"outer");

    if (rc == 0)
        rc = ob_db_tx(ctx, OB_DB_WRITE, n->inner, n->inner_arg);
    n->inner_saw_tx = ob_db_in_tx(ctx->db);     /* the inner call did not commit */
    return rc;
}

static const struct tx_case {
    const char *name;
    int (*fn)(struct ob_ctx *, void *);
    const char *arg;
    int want_rc;
    int64_t want_rows;
} tx_cases[] = {
    { "commit", insert_item, "one", 0, 1 },
    { "body error rolls back", insert_then_fail, "two", OB_EINVAL, 0 },
    { "conflict inside rolls back the earlier insert", insert_twice, "first of two",
      OB_ECONFLICT, 0 },
    { "two inserts commit together", insert_twice, "second", 0, 2 },
};

static void
test_db_tx(void **state)
{
    struct fx *f = *state;

    make_tables(f);
    for (size_t i = 0; i < NELEM(tx_cases); i++) {
        const struct tx_case *c = &tx_cases[i];
        struct ob_db *other = open_db();
        int64_t n = -1;

        ob_db_run(f->db, "DELETE FROM item", NULL);
        ob_err_clear(&f->ctx.err);
        CHECK_INT(c->name, ob_db_tx(&f->ctx, OB_DB_WRITE, c->fn, (void *)c->arg), c->want_rc);
        CHECK_INT(c->name, ob_db_in_tx(f->db), 0);
        /* seen from another connection: committed or not there at all */
        CHECK_INT(c->name, ob_db_get_int(other, &n, "SELECT COUNT(*) FROM item", NULL),
                  OB_DB_ROW);
        CHECK_INT(c->name, n, c->want_rows);
        ob_db_close(other);
    }
}

static void
test_db_tx_nests(void **state)
{
    struct fx *f = *state;
    struct nest ok = { insert_item, (void *)"inner", false };
    struct nest bad = { insert_then_fail, (void *)"inner", false };

    make_tables(f);
    assert_int_equal(ob_db_tx(&f->ctx, OB_DB_WRITE, outer_then_inner, &ok), 0);
    assert_true(ok.inner_saw_tx);
    assert_false(ob_db_in_tx(f->db));
    assert_int_equal(count_rows(f, "item"), 2);
    ob_db_run(f->db, "DELETE FROM item", NULL);
    /* an inner failure fails the outer transaction: nothing of either stays */
    assert_int_equal(ob_db_tx(&f->ctx, OB_DB_WRITE, outer_then_inner, &bad), OB_EINVAL);
    assert_true(bad.inner_saw_tx);
    assert_false(ob_db_in_tx(f->db));
    assert_int_equal(count_rows(f, "item"), 0);
}

#define INCREMENTS 200

static int
increment(struct ob_ctx *ctx, void *arg)
{
    const char *select = arg;
    int64_t v = -1;
    int64_t rc = ob_db_get_int(ctx->db, &v, select, NULL);

    if (rc != OB_DB_ROW)
        return rc < 0 ? (int)rc : OB_ENOTFOUND;
    /* read, then write what was read plus one: a lost update would show */
    rc = ob_db_run(ctx->db, "UPDATE counter SET v = ? WHERE id = 1", "i", v + 1);
    return rc == 1 ? 0 : (rc < 0 ? (int)rc : OB_EINTERNAL);
}

static void *
incrementer(void *arg)
{
    const char *select = arg;
    struct ob_ctx ctx;
    struct ob_db *db = open_db();
    long failures = 0;

    ob_ctx_init(&ctx, db, NULL);
    for (int i = 0; i < INCREMENTS; i++) {
        ob_err_clear(&ctx.err);
        if (ob_db_tx(&ctx, OB_DB_WRITE, increment, (void *)select) != 0)
            failures++;
    }
    ob_ctx_release(&ctx);
    ob_db_close(db);
    return (void *)failures;
}

static void
test_db_tx_concurrent_counter(void **state)
{
    struct fx *f = *state;
    const char *select = is_pg(f) ? "SELECT v FROM counter WHERE id = 1 FOR UPDATE"
                                  : "SELECT v FROM counter WHERE id = 1";
    pthread_t t[2];
    void *failures[2];
    int64_t v = -1;

    make_tables(f);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, incrementer, (void *)select), 0);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(pthread_join(t[i], &failures[i]), 0);
        assert_int_equal((long)failures[i], 0);
    }
    assert_int_equal(ob_db_get_int(f->db, &v, "SELECT v FROM counter WHERE id = 1", NULL),
                     OB_DB_ROW);
    assert_int_equal(v, 2 * INCREMENTS);
}

static int
bump_counter_read(struct ob_ctx *ctx, void *arg)
{
    int64_t v = -1;

    (void)arg;
    return ob_db_get_int(ctx->db, &v, "SELECT v FROM counter WHERE id = 1", NULL) == OB_DB_ROW
               ? 0 : OB_EINTERNAL;
}

static int
bump_counter(struct ob_ctx *ctx, void *arg)
{
    (void)arg;
    return ob_db_run(ctx->db, "UPDATE counter SET v = v + 1 WHERE id = 1", NULL) == 1
               ? 0 : OB_EINTERNAL;
}

static int64_t
counter_of(struct ob_db *db)
{
    int64_t v = -1;

    assert_int_equal(ob_db_get_int(db, &v, "SELECT v FROM counter WHERE id = 1", NULL),
                     OB_DB_ROW);
    return v;
}

/* A pinned read (one read transaction for a request, SQLite) reads one
 * snapshot; a write in it, another connection having written since it
 * began, ends it first instead of upgrading it (which SQLite refuses with
 * SQLITE_BUSY_SNAPSHOT): by ob_db_tx and by a lone statement. Nothing on
 * PostgreSQL, whose reads take no lock. */
static void
test_db_pinned_read(void **state)
{
    struct fx *f = *state;
    struct ob_db *other = open_db();
    int64_t base;

    make_tables(f);
    base = counter_of(f->db);
    for (int how = 0; how < 2; how++) {
        assert_int_equal(ob_db_pin_read(f->db), 0);
        assert_int_equal(ob_db_pinned(f->db), !is_pg(f));
        assert_int_equal(counter_of(f->db), base);
        assert_int_equal(ob_db_run(other, "UPDATE counter SET v = v + 10 WHERE id = 1", NULL), 1);
        base += 10;
        /* the pinned read still sees the counter as it began; PostgreSQL each statement anew */
        assert_int_equal(counter_of(f->db), is_pg(f) ? base : base - 10);
        /* a transaction joins the pinned read when it reads, and ends it when it writes */
        assert_int_equal(ob_db_read(&f->ctx, bump_counter_read, NULL), 0);
        assert_int_equal(ob_db_pinned(f->db), !is_pg(f));
        if (how == 0)
            assert_int_equal(ob_db_tx(&f->ctx, OB_DB_WRITE, bump_counter, NULL), 0);
        else
            assert_int_equal(bump_counter(&f->ctx, NULL), 0);
        base += 1;
        assert_false(ob_db_pinned(f->db));
        assert_false(ob_db_in_tx(f->db));
        assert_int_equal(counter_of(f->db), base);
        assert_int_equal(counter_of(other), base);
        ob_db_unpin(f->db);     /* a second unpin does nothing */
    }
    /* unpinned with nothing written: the read is over, a write of another goes through */
    assert_int_equal(ob_db_pin_read(f->db), 0);
    assert_int_equal(counter_of(f->db), base);
    ob_db_unpin(f->db);
    assert_false(ob_db_in_tx(f->db));
    assert_int_equal(ob_db_run(other, "UPDATE counter SET v = v + 1 WHERE id = 1", NULL), 1);
    assert_int_equal(counter_of(f->db), base + 1);
    ob_db_close(other);
}

/* ob_db_lock_row_of: the row found through another (item n names a counter
 * row) is read, and on PostgreSQL locked until the transaction ends:
 * another connection's FOR UPDATE NOWAIT of it fails meanwhile, and goes
 * through after. */
struct lock_of {
    struct ob_db *other;
    int64_t item, got;
    int rc, other_rc;
};

static int
lock_of_tx(struct ob_ctx *ctx, void *arg)
{
    struct lock_of *l = arg;
    int64_t v = -1;

    l->rc = ob_db_lock_row_of(ctx->db, "counter", "id", "SELECT n FROM item WHERE id = ?",
                              l->item, &l->got);
    if (l->rc == OB_DB_ROW && ob_db_engine(ctx->db) == OB_DB_POSTGRES)
        l->other_rc = ob_db_get_int(l->other, &v,
                                    "SELECT v FROM counter WHERE id = 1 FOR UPDATE NOWAIT", NULL);
    return 0;
}

static void
test_db_lock_row_of(void **state)
{
    struct fx *f = *state;
    struct lock_of l = { .other = open_db() };
    int64_t v = -1;

    make_tables(f);
    assert_int_equal(ob_db_get_int(f->db, &l.item, "INSERT INTO item (n) VALUES (1) RETURNING id",
                                   NULL),
                     OB_DB_ROW);
    assert_int_equal(ob_db_tx(&f->ctx, OB_DB_WRITE, lock_of_tx, &l), 0);
    assert_int_equal(l.rc, OB_DB_ROW);
    assert_int_equal(l.got, 1);
    if (is_pg(f))
        assert_true(l.other_rc < 0);    /* held by the transaction */
    assert_int_equal(ob_db_get_int(l.other, &v, is_pg(f)
                                                    ? "SELECT v FROM counter WHERE id = 1 FOR "
                                                      "UPDATE NOWAIT"
                                                    : "SELECT v FROM counter WHERE id = 1",
                                   NULL),
                     OB_DB_ROW);
    /* no such item: nothing found, nothing locked */
    l.item += 1000;
    l.got = -1;
    assert_int_equal(ob_db_tx(&f->ctx, OB_DB_WRITE, lock_of_tx, &l), 0);
    assert_int_equal(l.rc, OB_DB_DONE);
    ob_db_close(l.other);
}

static const struct ob_migration one = { 1, "one", "CREATE TABLE m_one (id ID_PK, data BLOB)" };
static const struct ob_migration two_fixed = { 2, "two", "CREATE TABLE m_two (id ID_PK)" };

static const struct bad_migration_case {
    const char *name, *sql;
} bad_migration_cases[] = {
    { "syntax error after a valid CREATE", "CREATE TABLE m_two (id ID_PK); THIS IS NOT SQL" },
    { "missing table after a valid CREATE",
      "CREATE TABLE m_two (id ID_PK); INSERT INTO m_none VALUES (1)" },
    { "constraint violation after a valid CREATE",
      "CREATE TABLE m_two (id ID_PK, u TEXT UNIQUE); INSERT INTO m_two (u) VALUES ('a');"
      "INSERT INTO m_two (u) VALUES ('a')" },
};

static void
check_failed_migration(struct fx *f, const struct bad_migration_case *c)
{
    struct ob_migration list[2] = { one, { 2, "two", c->sql } };
    struct ob_err err = { 0 };
    int applied = -1, version = -1;
    int64_t rows = -1;

    CHECK_TRUE(c->name, ob_db_migrate(f->db, list, 2, &applied, &err) < 0);
    CHECK_INT(c->name, applied, 1);
    CHECK_TRUE(c->name, strstr(err.message, "migration 0002 'two' failed") != NULL);
    CHECK_INT(c->name, ob_db_in_tx(f->db), 0);
    CHECK_TRUE(c->name, table_exists(f, "m_one"));
    CHECK_TRUE(c->name, !table_exists(f, "m_two"));
    CHECK_INT(c->name, ob_db_schema_version(f->db, &version), 0);
    CHECK_INT(c->name, version, 1);
    CHECK_INT(c->name, ob_db_get_int(f->db, &rows, "SELECT COUNT(*) FROM schema_migrations", NULL),
              OB_DB_ROW);
    CHECK_INT(c->name, rows, 1);
}

static void
test_db_migrate_failure_is_atomic(void **state)
{
    struct fx *f = *state;
    struct ob_migration fixed[2] = { one, two_fixed };
    struct ob_err err = { 0 };
    int applied = -1, version = -1;

    for (size_t i = 0; i < NELEM(bad_migration_cases); i++) {
        ob_db_exec(f->db, "DROP TABLE IF EXISTS m_one");
        ob_db_exec(f->db, "DROP TABLE IF EXISTS schema_migrations");
        check_failed_migration(f, &bad_migration_cases[i]);
    }
    /* the re-run with migration 2 fixed applies only it */
    assert_int_equal(ob_db_migrate(f->db, fixed, 2, &applied, &err), 0);
    assert_int_equal(applied, 1);
    assert_true(table_exists(f, "m_two"));
    assert_int_equal(ob_db_schema_version(f->db, &version), 0);
    assert_int_equal(version, 2);
    /* and once more: nothing left to do */
    assert_int_equal(ob_db_migrate(f->db, fixed, 2, &applied, &err), 0);
    assert_int_equal(applied, 0);
    assert_int_equal(ob_db_schema_version(f->db, &version), 0);
    assert_int_equal(version, 2);
}

/* The declared type of a column, as the engine reports it. */
static void
column_type(struct fx *f, const char *table, const char *col, char *out, size_t size)
{
    const char *sql = is_pg(f) ? "SELECT data_type FROM information_schema.columns WHERE "
                                 "table_schema = current_schema() AND table_name = ? AND "
                                 "column_name = ?"
                               : "SELECT type FROM pragma_table_info(?) WHERE name = ?";

    out[0] = '\0';
    if (ob_db_get_text(f->db, out, size, sql, "tt", table, col) != OB_DB_ROW)
        fail_msg("%s: no column %s.%s", eng.name, table, col);
}

static const struct type_case {
    const char *column, *sqlite_type, *pg_type;
} type_cases[] = {
    { "id", "INTEGER", "bigint" },
    { "data", "BLOB", "bytea" },
    { "blobs", "TEXT", "text" },            /* lower case: not a dialect word */
    { "my_id_pk", "TEXT", "text" },
    { "ID_PK_OLD", "TEXT", "text" },        /* ID_PK only as a whole word */
    { "BLOB_HASH", "TEXT", "text" },
};

static void
test_db_dialect_words(void **state)
{
    static const struct ob_migration m = {
        3, "three",
        "CREATE TABLE m_three (id ID_PK, data BLOB, blobs TEXT, my_id_pk TEXT, "
        "\"ID_PK_OLD\" TEXT, \"BLOB_HASH\" TEXT)"
    };
    struct fx *f = *state;
    struct ob_err err = { 0 };
    int64_t id1 = 0, id2 = 0;
    char type[64];

    if (ob_db_migrate(f->db, &m, 1, NULL, &err) != 0)
        fail_msg("%s: %s", eng.name, err.message);
    for (size_t i = 0; i < NELEM(type_cases); i++) {
        const struct type_case *c = &type_cases[i];

        column_type(f, "m_three", c->column, type, sizeof(type));
        CHECK_STR(c->column, type, is_pg(f) ? c->pg_type : c->sqlite_type);
    }
    /* ID_PK assigns increasing ids; BLOB takes NULL and bytes */
    assert_int_equal(ob_db_get_int(f->db, &id1, "INSERT INTO m_three (data) VALUES (NULL) "
                                                "RETURNING id",
                                   NULL),
                     OB_DB_ROW);
    assert_int_equal(ob_db_get_int(f->db, &id2, "INSERT INTO m_three (blobs) VALUES ('x') "
                                                "RETURNING id",
                                   NULL),
                     OB_DB_ROW);
    assert_true(id1 >= 1);
    assert_int_equal(id2, id1 + 1);
}

/* A migration's "--@ sqlite" and "--@ postgres" sections run on their engine
 * only, up to "--@ both": a trigger each engine writes its own way (0035). */
static void
test_db_engine_sections(void **state)
{
    static const struct ob_migration m = {
        4, "four",
        "CREATE TABLE m_four (id ID_PK, n BIGINT NOT NULL DEFAULT 0);\n"
        "CREATE TABLE m_four_log (k BIGINT);\n"
        "--@ sqlite\n"
        "CREATE TABLE m_only_sqlite (x TEXT);\n"
        "CREATE TRIGGER m_four_bump AFTER INSERT ON m_four_log BEGIN\n"
        "  UPDATE m_four SET n = n + NEW.k; END;\n"
        "--@ postgres\n"
        "CREATE TABLE m_only_pg (x TEXT);\n"
        "CREATE FUNCTION m_four_bump() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN UPDATE m_four SET n = n + NEW.k; RETURN NULL; END $$;\n"
        "CREATE TRIGGER m_four_bump AFTER INSERT ON m_four_log FOR EACH ROW\n"
        "  EXECUTE FUNCTION m_four_bump();\n"
        "--@ both\n"
        "INSERT INTO m_four (n) VALUES (1);\n"
        "--@ sqlitex\n"    /* not a section line: a comment, both engines */
        "INSERT INTO m_four (n) VALUES (10);\n"
    };
    struct fx *f = *state;
    struct ob_err err = { 0 };
    const char *exists = is_pg(f) ? "SELECT COUNT(*) FROM information_schema.tables WHERE "
                                    "table_schema = current_schema() AND table_name = ?"
                                  : "SELECT COUNT(*) FROM sqlite_master WHERE name = ?";
    int64_t n = -1;

    if (ob_db_migrate(f->db, &m, 1, NULL, &err) != 0)
        fail_msg("%s: %s", eng.name, err.message);
    assert_int_equal(ob_db_get_int(f->db, &n, exists, "t", "m_only_sqlite"), OB_DB_ROW);
    assert_int_equal(n, is_pg(f) ? 0 : 1);
    assert_int_equal(ob_db_get_int(f->db, &n, exists, "t", "m_only_pg"), OB_DB_ROW);
    assert_int_equal(n, is_pg(f) ? 1 : 0);
    assert_int_equal(ob_db_get_int(f->db, &n, "SELECT SUM(n) FROM m_four", NULL), OB_DB_ROW);
    assert_int_equal(n, 11);
    /* the engine's own trigger is in place */
    assert_int_equal(ob_db_run(f->db, "INSERT INTO m_four_log (k) VALUES (5)", NULL), 1);
    assert_int_equal(ob_db_get_int(f->db, &n, "SELECT SUM(n) FROM m_four", NULL), OB_DB_ROW);
    assert_int_equal(n, 21);
}

static void
test_db_schema_version_empty(void **state)
{
    struct fx *f = *state;
    int version = -1;
    struct ob_err err = { 0 };
    int applied = -1;

    assert_int_equal(ob_db_schema_version(f->db, &version), 0);
    assert_int_equal(version, 0);
    /* an empty list creates the bookkeeping table, still version 0 */
    assert_int_equal(ob_db_migrate(f->db, NULL, 0, &applied, &err), 0);
    assert_int_equal(applied, 0);
    assert_int_equal(ob_db_schema_version(f->db, &version), 0);
    assert_int_equal(version, 0);
    assert_int_equal(ob_db_migrate(f->db, &one, 1, &applied, &err), 0);
    assert_int_equal(ob_db_schema_version(f->db, &version), 0);
    assert_int_equal(version, 1);
}

/* Bytes go in and come back as they were on both engines: every value,
 * NUL included, an empty value and SQL NULL (R-TRF-1's letters). */
static void
test_db_blob_round_trip(void **state)
{
    struct fx *f = *state;
    unsigned char in[600], *out;
    struct ob_stmt *st;
    size_t len = 1;

    for (size_t i = 0; i < sizeof(in); i++)
        in[i] = (unsigned char)(i * 7);
    assert_int_equal(ob_db_exec(f->db, is_pg(f) ? "CREATE TABLE bytes (n BIGINT, b BYTEA)"
                                               : "CREATE TABLE bytes (n BIGINT, b BLOB)"),
                     0);
    for (int n = 0; n < 3; n++) {
        assert_int_equal(ob_db_prepare(f->db, "INSERT INTO bytes (n, b) VALUES (?, ?)", &st), 0);
        assert_int_equal(ob_stmt_bind_int(st, 1, n), 0);
        assert_int_equal(n == 2 ? ob_stmt_bind_null(st, 2)
                                : ob_stmt_bind_blob(st, 2, in, n == 0 ? sizeof(in) : 0),
                         0);
        assert_int_equal(ob_stmt_step(st), OB_DB_DONE);
        ob_stmt_finalize(st);
    }
    assert_int_equal(ob_db_prepare(f->db, "SELECT b FROM bytes ORDER BY n", &st), 0);
    assert_int_equal(ob_stmt_step(st), OB_DB_ROW);
    out = ob_stmt_blob(st, 0, &len);
    assert_int_equal(len, sizeof(in));
    assert_memory_equal(out, in, sizeof(in));
    free(out);
    assert_int_equal(ob_stmt_step(st), OB_DB_ROW);
    out = ob_stmt_blob(st, 0, &len);
    assert_non_null(out);
    assert_int_equal(len, 0);
    free(out);
    assert_int_equal(ob_stmt_step(st), OB_DB_ROW);
    assert_null(ob_stmt_blob(st, 0, &len));
    assert_int_equal(len, 0);
    ob_stmt_finalize(st);
}

/* PostgreSQL: the server ends the backend of connection f->db (as a restart of
 * pgbouncer or of the server does) and waits until it is gone. */
static void
terminate(struct fx *f, struct ob_db *other)
{
    int64_t pid = 0, n = 1;

    assert_int_equal(ob_db_get_int(other, &pid,
                                   "SELECT pid FROM pg_stat_activity WHERE datname = "
                                   "current_database() AND pid <> pg_backend_pid() AND "
                                   "application_name = 'test_db_victim'", NULL), OB_DB_ROW);
    assert_int_equal(ob_db_get_int(other, &n,
                                   "SELECT CASE WHEN pg_terminate_backend(CAST(? AS INTEGER)) "
                                   "THEN 1 ELSE 0 END", "i", pid), OB_DB_ROW);
    assert_int_equal(n, 1);
    for (int i = 0; i < 500 && n != 0; i++) {
        usleep(10000);
        assert_int_equal(ob_db_get_int(other, &n, "SELECT COUNT(*) FROM pg_stat_activity "
                                       "WHERE pid = ?", "i", pid), OB_DB_ROW);
    }
    assert_int_equal(n, 0);
    (void)f;
}

/* PostgreSQL: a connection closed by the server while idle is reconnected
 * before the next statement, which succeeds (/readyz after a pgbouncer
 * restart); one closed inside a transaction is not reconnected (the rest of
 * the transaction would run outside it): OB_EUNAVAIL until the transaction
 * ends, and the next statement reconnects. */
static void
test_db_pg_lost_connection(void **state)
{
    struct fx *f = *state;
    struct ob_db *other;
    int64_t got = 0;

    if (!is_pg(f))
        return;
    other = open_db();
    assert_int_equal(ob_db_exec(f->db, "SET application_name = 'test_db_victim'"), 0);
    terminate(f, other);
    assert_int_equal(ob_db_get_int(f->db, &got, "SELECT 1", NULL), OB_DB_ROW);
    assert_int_equal(got, 1);

    assert_int_equal(ob_db_exec(f->db, "SET application_name = 'test_db_victim'"), 0);
    assert_int_equal(ob_db_begin(f->db, OB_DB_WRITE), 0);
    terminate(f, other);
    assert_int_equal(ob_db_get_int(f->db, &got, "SELECT 1", NULL), OB_EUNAVAIL);
    assert_int_equal(ob_db_get_int(f->db, &got, "SELECT 1", NULL), OB_EUNAVAIL);
    assert_int_equal(ob_db_commit(f->db), OB_EUNAVAIL);
    assert_false(ob_db_in_tx(f->db));
    got = 0;
    assert_int_equal(ob_db_get_int(f->db, &got, "SELECT 1", NULL), OB_DB_ROW);
    assert_int_equal(got, 1);
    ob_db_close(other);
}

/* PostgreSQL: the statements the connection's session holds prepared. */
static int64_t
prepared(struct fx *f)
{
    int64_t n = -1;

    assert_int_equal(ob_db_get_int(f->db, &n, "SELECT COUNT(*) FROM pg_prepared_statements",
                                   NULL), OB_DB_ROW);
    return n;
}

/* PostgreSQL with named statements (opts.pg_prepare): the same statements run
 * again and again with other binds, NULLs of both kinds among them, read
 * back what they wrote; the session holds one prepared statement per
 * distinct SQL and parameter types, never more than OB_DB_PG_NAMED_MAX (the
 * rest run unnamed and still work); a statement prepared in a transaction
 * rolled back stays usable; one whose prepare fails names nothing and fails
 * its transaction as any failed statement does; and after the server ended
 * the session, the next transaction works, its statements prepared again on
 * the new one. */
static void
test_db_pg_named_statements(void **state)
{
    struct fx *f = *state;
    struct ob_db *other;
    int64_t base, n = 0;
    bool group = opts.pg_prepare;
    char sql[80];

    if (!is_pg(f))
        return;
    ob_ctx_release(&f->ctx);
    ob_db_close(f->db);
    opts.pg_prepare = true;
    f->db = open_db();
    opts.pg_prepare = group;
    ob_ctx_init(&f->ctx, f->db, NULL);
    make_tables(f);
    base = prepared(f);     /* the count itself is one of them */
    for (int64_t round = 0; round < 5; round++)
        for (size_t i = 0; i < NELEM(bind_cases); i++)
            insert_case(f, round * 100 + (int64_t)i, &bind_cases[i]);
    for (int64_t round = 0; round < 5; round++)
        for (size_t i = 0; i < NELEM(bind_cases); i++)
            check_case(f, round * 100 + (int64_t)i, &bind_cases[i]);
    /* the insert with (int, int, null), (int, null, text) and (int, null,
     * null), and the select */
    assert_int_equal(prepared(f), base + 4);

    /* an execute error of a named statement maps as an unnamed one's */
    for (int i = 0; i < 2; i++)
        assert_int_equal(ob_db_run(f->db, "INSERT INTO vals (k) VALUES (?)", "i", (int64_t)0),
                         OB_ECONFLICT);
    /* prepared in a transaction rolled back: the name outlives it */
    assert_int_equal(ob_db_begin(f->db, OB_DB_READ), 0);
    assert_int_equal(ob_db_get_int(f->db, &n, "SELECT COUNT(*) FROM vals WHERE s IS NULL", NULL),
                     OB_DB_ROW);
    assert_int_equal(ob_db_rollback(f->db), 0);
    assert_int_equal(ob_db_get_int(f->db, &n, "SELECT COUNT(*) FROM vals WHERE s IS NULL", NULL),
                     OB_DB_ROW);
    assert_int_equal(n, 5 * 6);     /* the null, text NULL and four ints of each round */
    assert_int_equal(prepared(f), base + 6);
    /* a prepare that fails: the transaction fails as it would unnamed */
    assert_int_equal(ob_db_begin(f->db, OB_DB_WRITE), 0);
    assert_int_equal(ob_db_get_int(f->db, &n, "SELECT nosuch FROM vals WHERE k = ?", "i",
                                   (int64_t)1), OB_EINTERNAL);
    assert_int_equal(ob_db_run(f->db, "UPDATE vals SET n = n WHERE k = ?", "i", (int64_t)1),
                     OB_EINTERNAL);
    assert_int_equal(ob_db_rollback(f->db), 0);
    assert_int_equal(prepared(f), base + 6);
    assert_int_equal(ob_db_run(f->db, "UPDATE vals SET n = n WHERE k = ?", "i", (int64_t)1), 1);
    assert_int_equal(prepared(f), base + 7);

    /* SQL built at run time: the map stops at its bound */
    for (int i = 0; i < OB_DB_PG_NAMED_MAX + 100; i++) {
        snprintf(sql, sizeof(sql), "SELECT CAST(? AS BIGINT) + %d", i);
        assert_int_equal(ob_db_get_int(f->db, &n, sql, "i", (int64_t)i), OB_DB_ROW);
        assert_int_equal(n, 2 * i);
    }
    assert_int_equal(prepared(f), OB_DB_PG_NAMED_MAX);
    check_case(f, 3, &bind_cases[3]);
    assert_int_equal(prepared(f), OB_DB_PG_NAMED_MAX);

    /* the session ends under the idle connection: its names with it */
    assert_int_equal(ob_db_exec(f->db, "SET application_name = 'test_db_victim'"), 0);
    other = open_db();
    terminate(f, other);
    ob_db_close(other);
    assert_int_equal(ob_db_begin(f->db, OB_DB_WRITE), 0);
    for (size_t i = 0; i < NELEM(bind_cases); i++) {
        check_case(f, (int64_t)i, &bind_cases[i]);
        insert_case(f, 1000 + (int64_t)i, &bind_cases[i]);
        check_case(f, 1000 + (int64_t)i, &bind_cases[i]);
    }
    assert_int_equal(ob_db_commit(f->db), 0);
    assert_int_equal(prepared(f), 4 + 1);
}

/* ---- per-engine group setup ---- */

static int
pg_named_group_setup(void **state)
{
    opts.pg_prepare = true;
    return pg_group_setup(state);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_db_bind_and_columns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_db_placeholders_in_literals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_db_run_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_db_get_int_and_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_db_returning_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_db_unique_violation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_db_tx, setup, teardown),
        cmocka_unit_test_setup_teardown(test_db_tx_nests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_db_tx_concurrent_counter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_db_pinned_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_db_lock_row_of, setup, teardown),
        cmocka_unit_test_setup_teardown(test_db_migrate_failure_is_atomic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_db_engine_sections, setup, teardown),
        cmocka_unit_test_setup_teardown(test_db_dialect_words, setup, teardown),
        cmocka_unit_test_setup_teardown(test_db_schema_version_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_db_blob_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_db_pg_lost_connection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_db_pg_named_statements, setup, teardown),
    };
    int failed;

    if (ob_rand_init() != 0)
        return 1;
    ob_log_set_level("error");
    failed = cmocka_run_group_tests_name("sqlite", tests, sqlite_group_setup,
                                         sqlite_group_teardown);
    if (getenv("OBLAKO_TEST_PG_URL") && *getenv("OBLAKO_TEST_PG_URL")) {
        failed += cmocka_run_group_tests_name("postgres", tests, pg_group_setup,
                                              pg_group_teardown);
        failed += cmocka_run_group_tests_name("postgres, named statements", tests,
                                              pg_named_group_setup, pg_group_teardown);
    } else {
        printf("[  SKIPPED ] postgres: OBLAKO_TEST_PG_URL is not set\n");
    }
    return failed;
}
