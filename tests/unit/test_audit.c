/*
 * test_audit.c — the audit log's hash chain (model/audit/auditlog.h): the
 * canonical serialisation, sealing in bounded batches that stop at young
 * holes in the ids, and verification that tells a changed record, a deleted
 * one, a record that arrived late and a forged hole apart.
 *
 * Runs on SQLite and, when OBLAKO_TEST_PG_URL is set, on PostgreSQL too,
 * each on a fresh, fully migrated database; every test empties the audit
 * tables first. Records are inserted with plain SQL (explicit ids where a
 * hole is wanted), as a writer or an intruder would.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/ctx.h"
#include "base/err.h"
#include "base/log.h"
#include "base/rand.h"
#include "db/db.h"
#include "model/audit/auditlog.h"
#include "unit.h"
#include "unit_engine.h"
#include "base/banned.h"

extern const struct ob_migration ob_migrations[];
extern const int ob_nmigrations;


struct fx {
    struct ob_db *db;
    struct ob_ctx ctx;
};

#define MAX_PROBLEMS 16

struct found {
    struct ob_audit_problem p[MAX_PROBLEMS];
    int n;
};

static int
collect(const struct ob_audit_problem *p, void *arg)
{
    struct found *f = arg;

    if (f->n < MAX_PROBLEMS)
        f->p[f->n++] = *p;
    return 0;
}

static void
exec_ok(struct fx *f, const char *sql)
{
    if (ob_db_exec(f->db, sql) != 0)
        fail_msg("%s: %s: %s", eng.name, sql, ob_db_errmsg(f->db));
}

/* A record as a writer inserts it; id 0 lets the database choose. */
static int64_t
add(struct fx *f, int64_t id, const char *summary)
{
    int64_t got = 0;
    int rc = id ? ob_db_get_int(f->db, &got,
                                "INSERT INTO audit (id, at, actor_person, actor_name, account_id, "
                                "action, summary) VALUES (?, 1800000000, 7, 'a@x.test', NULL, "
                                "'test.done', ?) RETURNING id",
                                "it", id, summary)
                : ob_db_get_int(f->db, &got,
                                "INSERT INTO audit (at, actor_person, actor_name, account_id, "
                                "action, summary) VALUES (1800000000, 7, 'a@x.test', NULL, "
                                "'test.done', ?) RETURNING id",
                                "t", summary);

    if (rc != OB_DB_ROW)
        fail_msg("%s: insert: %s", eng.name, ob_db_errmsg(f->db));
    return got;
}

static void
run(struct fx *f, const char *sql, int64_t a)
{
    if (ob_db_run(f->db, sql, "i", a) < 0)
        fail_msg("%s: %s: %s", eng.name, sql, ob_db_errmsg(f->db));
}

static struct ob_audit_seal_stats
seal(struct fx *f, int max_batches)
{
    struct ob_audit_seal_stats s;

    if (ob_auditlog_seal(&f->ctx, max_batches, &s) != 0)
        fail_msg("%s: seal: %s", eng.name, f->ctx.err.message);
    return s;
}

static struct ob_audit_verify_stats
verify(struct fx *f, struct found *found)
{
    struct ob_audit_verify_stats s;

    found->n = 0;
    if (ob_auditlog_verify(&f->ctx, collect, found, &s) != 0)
        fail_msg("%s: verify: %s", eng.name, f->ctx.err.message);
    return s;
}

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct ob_err err = {0};

    if (ob_db_open(eng.url, NULL, &f->db, &err) != 0)
        fail_msg("%s: cannot open '%s': %s", eng.name, eng.url, err.message);
    if (ob_db_migrate(f->db, ob_migrations, ob_nmigrations, NULL, &err) != 0)
        fail_msg("%s: migrate: %s", eng.name, err.message);
    exec_ok(f, "DELETE FROM audit; DELETE FROM audit_seals; DELETE FROM audit_gaps");
    if (ob_db_engine(f->db) == OB_DB_POSTGRES) /* ids from 1 again, as on SQLite */
        exec_ok(f, "ALTER TABLE audit ALTER COLUMN id RESTART WITH 1");
    ob_ctx_init(&f->ctx, f->db, NULL);
    f->ctx.actor.system = true;
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

/* ---- the serialisation ---- */

static void
test_audit_hash_is_canonical(void **state)
{
    static const struct {
        const char *rule;
        const char *a[2], *b[2];
    } cases[] = {
        {"a field boundary moved", {"ab", "c"}, {"a", "bc"}},
        {"NULL is not empty", {NULL, "x"}, {"", "x"}},
        {"a length prefix inside a value", {"1:a,", ""}, {"1", "a"}},
    };
    char h1[65], h2[65];

    (void)state;
    for (size_t i = 0; i < NELEM(cases); i++) {
        const char *fa[OB_AUDIT_FIELDS] = {"1", "2"}, *fb[OB_AUDIT_FIELDS] = {"1", "2"};

        for (int k = 2; k < OB_AUDIT_FIELDS; k++)
            fa[k] = fb[k] = "";
        fa[8] = cases[i].a[0];
        fa[9] = cases[i].a[1];
        fb[8] = cases[i].b[0];
        fb[9] = cases[i].b[1];
        ob_auditlog_hash("", fa, NULL, h1);
        ob_auditlog_hash("", fb, NULL, h2);
        CHECK_TRUE(cases[i].rule, strcmp(h1, h2) != 0);
        CHECK_INT(cases[i].rule, strlen(h1), 64);
        ob_auditlog_hash("", fa, NULL, h2);
        CHECK_STR(cases[i].rule, h1, h2);
        ob_auditlog_hash(h2, fa, NULL, h1);
        CHECK_TRUE("the previous hash is chained", strcmp(h1, h2) != 0);
    }
}

/* Records sealed before params existed keep their hash: the vector was
 * computed by the chain step as it was then (tag, prev, the 12 fields). */
static void
test_audit_hash_params(void **state)
{
    const char *f[OB_AUDIT_FIELDS] = { "1", "1800000000", "7", NULL, "a@x.test", "",
                                       "test.done", "", "", "r", "", "" };
    char h[65];

    (void)state;
    ob_auditlog_hash("", f, NULL, h);
    CHECK_STR("a record without params hashes as before",
              h, "39e85928f86877cd543453190b5e6c1cf87ce669404c38d8adb9a2a8fdb2cf37");
    ob_auditlog_hash("", f, "{\"area\":\"Ромашка\"}", h);
    CHECK_STR("params are chained when present",
              h, "867e82ad4d3c4c20325cbe792f9a86d06d37da13bbba555a3008c86567917242");
    ob_auditlog_hash("", f, "", h);
    CHECK_TRUE("empty params are not no params",
               strcmp(h, "39e85928f86877cd543453190b5e6c1cf87ce669404c38d8adb9a2a8fdb2cf37"));
}

/* ---- sealing and verifying ---- */

static void
test_audit_seal_then_verify_intact(void **state)
{
    struct fx *f = *state;
    struct ob_audit_seal_stats s;
    struct ob_audit_verify_stats v;
    struct found found;
    int64_t last = 0, n = 0;

    for (int i = 0; i < 5; i++)
        last = add(f, 0, "before");
    v = verify(f, &found);
    CHECK_INT(eng.name, v.sealed, 0);
    CHECK_INT(eng.name, v.unsealed, 5);
    s = seal(f, 10);
    CHECK_INT(eng.name, s.sealed, 5);
    CHECK_INT(eng.name, s.upto, last);
    add(f, 0, "after");
    s = seal(f, 10);
    CHECK_INT("a second run seals only the new record", s.sealed, 1);
    s = seal(f, 10);
    CHECK_INT("a third run seals nothing", s.sealed, 0);
    v = verify(f, &found);
    CHECK_INT(eng.name, v.problems, 0);
    CHECK_INT(eng.name, v.sealed, 6);
    CHECK_INT(eng.name, v.unsealed, 0);
    ob_db_get_int(f->db, &n, "SELECT COUNT(*) FROM audit_seals", NULL);
    CHECK_INT("one seal row per non-empty batch", n, 2);
}

static void
test_audit_batches_are_bounded(void **state)
{
    struct fx *f = *state;
    struct ob_audit_seal_stats s;
    struct ob_audit_verify_stats v;
    struct found found;

    exec_ok(f, "INSERT INTO audit (id, at, action, summary) VALUES (1, 1800000000, 'bulk', '')");
    run(f,
        "INSERT INTO audit (id, at, action, summary) "
        "WITH RECURSIVE n(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
        "SELECT i, 1800000000, 'bulk', '' FROM n",
        OB_AUDIT_BATCH + 10);
    s = seal(f, 1);
    CHECK_INT("one transaction seals one batch", s.sealed, OB_AUDIT_BATCH);
    s = seal(f, 5);
    CHECK_INT("the rest follows", s.sealed, 10);
    v = verify(f, &found);
    CHECK_INT(eng.name, v.problems, 0);
    CHECK_INT(eng.name, v.sealed, OB_AUDIT_BATCH + 10);
}

static void
test_audit_changed_record(void **state)
{
    struct fx *f = *state;
    struct found found;
    int64_t id[4];

    for (int i = 0; i < 4; i++)
        id[i] = add(f, 0, "original");
    seal(f, 10);
    run(f, "UPDATE audit SET summary = 'forged' WHERE id = ?", id[1]);
    verify(f, &found);
    CHECK_INT("R-OPS-2 a changed summary", found.n, 1);
    CHECK_INT("R-OPS-2 a changed summary", found.p[0].kind, OB_AUDIT_CHANGED);
    CHECK_INT("R-OPS-2 a changed summary", found.p[0].id, id[1]);
    run(f, "UPDATE audit SET summary = 'original', seal_hash = NULL WHERE id = ?", id[1]);
    verify(f, &found);
    CHECK_INT("a removed seal", found.n, 1);
    CHECK_INT("a removed seal", found.p[0].kind, OB_AUDIT_CHANGED);
    CHECK_INT("a removed seal", found.p[0].id, id[1]);
}

static void
test_audit_deleted_records(void **state)
{
    struct fx *f = *state;
    struct found found;
    int64_t id[6];

    for (int i = 0; i < 6; i++)
        id[i] = add(f, 0, "r");
    seal(f, 10);
    run(f, "DELETE FROM audit WHERE id = ?", id[2]);
    run(f, "DELETE FROM audit WHERE id = ?", id[3]);
    verify(f, &found);
    CHECK_INT("a deletion in the middle", found.n, 1);
    CHECK_INT("a deletion in the middle", found.p[0].kind, OB_AUDIT_DELETED);
    CHECK_INT("a deletion in the middle", found.p[0].from, id[1]);
    CHECK_INT("a deletion in the middle", found.p[0].to, id[4]);
    run(f, "DELETE FROM audit WHERE id = ?", id[5]);
    verify(f, &found);
    CHECK_INT("and the last sealed one", found.n, 2);
    CHECK_INT("and the last sealed one", found.p[1].kind, OB_AUDIT_DELETED);
    CHECK_INT("and the last sealed one", found.p[1].from, id[4]);
    CHECK_INT("and the last sealed one", found.p[1].to, id[5] + 1);
}

static void
test_audit_holes(void **state)
{
    struct fx *f = *state;
    struct ob_audit_seal_stats s;
    struct ob_audit_verify_stats v;
    struct found found;
    int64_t a = add(f, 0, "a"), b;

    b = add(f, a + 3, "b"); /* a + 1 and a + 2 are "in flight" */
    s = seal(f, 10);
    CHECK_INT("sealing stops before a young hole", s.sealed, 1);
    CHECK_TRUE("and says it waits", s.waiting);
    run(f, "UPDATE audit_gaps SET seen_at = seen_at - ? WHERE accepted = 0",
        OB_AUDIT_GAP_WAIT_S - 5);
    s = seal(f, 10);
    CHECK_INT("still young", s.sealed, 0);
    add(f, a + 1, "filled late but in time");
    s = seal(f, 10);
    CHECK_INT("a part of the hole filled: seal up to the rest", s.sealed, 1);
    CHECK_TRUE(eng.name, s.waiting);
    run(f, "UPDATE audit_gaps SET seen_at = seen_at - ? WHERE accepted = 0", 10);
    s = seal(f, 10);
    CHECK_INT("the first sighting counts: sealed over", s.sealed, 1);
    CHECK_INT(eng.name, s.holes, 1);
    CHECK_INT(eng.name, s.upto, b);
    v = verify(f, &found);
    CHECK_INT("an accepted hole is no deletion", v.problems, 0);
    CHECK_INT(eng.name, v.sealed, 3);
    add(f, a + 2, "committed after its hole was sealed over");
    verify(f, &found);
    CHECK_INT("a late record", found.n, 1);
    CHECK_INT("a late record", found.p[0].kind, OB_AUDIT_LATE);
    CHECK_INT("a late record", found.p[0].id, a + 2);
}

/* PostgreSQL: a transaction that inserted a lower id commits after a
 * higher one. The sealer must stop before the hole, and seal both once the
 * first commits. (SQLite has one writer at a time: nothing to test.) */
static void
test_audit_in_flight_insert(void **state)
{
    struct fx *f = *state, g = {0};
    struct ob_err err = {0};
    struct ob_audit_seal_stats s;
    struct ob_audit_verify_stats v;
    struct found found;
    int64_t first = add(f, 0, "committed"), slow, fast;

    if (ob_db_engine(f->db) != OB_DB_POSTGRES)
        return;
    if (ob_db_open(eng.url, NULL, &g.db, &err) != 0)
        fail_msg("%s: %s", eng.name, err.message);
    ob_ctx_init(&g.ctx, g.db, NULL);
    if (ob_db_begin(g.db, OB_DB_WRITE) != 0)
        fail_msg("%s: begin: %s", eng.name, ob_db_errmsg(g.db));
    slow = add(&g, 0, "in flight");
    fast = add(f, 0, "committed after");
    CHECK_TRUE(eng.name, first < slow && slow < fast);
    s = seal(f, 10);
    CHECK_INT("sealing stops at the in-flight id", s.upto, first);
    CHECK_TRUE(eng.name, s.waiting);
    if (ob_db_commit(g.db) != 0)
        fail_msg("%s: commit: %s", eng.name, ob_db_errmsg(g.db));
    s = seal(f, 10);
    CHECK_INT("both once it commits", s.sealed, 2);
    CHECK_INT(eng.name, s.holes, 0);
    v = verify(f, &found);
    CHECK_INT(eng.name, v.problems, 0);
    CHECK_INT(eng.name, v.sealed, 3);
    ob_ctx_release(&g.ctx);
    ob_db_close(g.db);
}

/* Recompute the seal of record id from prev, as an intruder can, and store
 * it in the record and in its batch. */
static void
rechain(struct fx *f, const char *prev, int64_t id)
{
    const char *fields[OB_AUDIT_FIELDS];
    struct ob_stmt *st;
    char hash[65];

    if (ob_db_prepare(f->db,
                      "SELECT id, at, actor_person, actor_token, actor_name, account_id, action, "
                      "object_type, object_id, summary, addr, request_id FROM audit WHERE id = ?",
                      &st) != 0 ||
        ob_stmt_bind_int(st, 1, id) != 0 || ob_stmt_step(st) != OB_DB_ROW)
        fail_msg("%s: %s", eng.name, ob_db_errmsg(f->db));
    for (int i = 0; i < OB_AUDIT_FIELDS; i++)
        fields[i] = ob_stmt_null(st, i) ? NULL : ob_stmt_text(st, i);
    ob_auditlog_hash(prev, fields, NULL, hash);
    ob_stmt_finalize(st);
    if (ob_db_run(f->db, "UPDATE audit SET seal_hash = ? WHERE id = ?", "ti", hash, id) < 0 ||
        ob_db_run(f->db, "UPDATE audit_seals SET hash = ? WHERE upto_id = ?", "ti", hash, id) < 0)
        fail_msg("%s: %s", eng.name, ob_db_errmsg(f->db));
}

static void
test_audit_forged_hole_is_caught(void **state)
{
    struct fx *f = *state;
    struct found found;
    char prev[65];
    int64_t id[3], n = 0;

    for (int i = 0; i < 3; i++)
        id[i] = add(f, 0, "r");
    seal(f, 10);
    run(f, "DELETE FROM audit WHERE id = ?", id[1]);
    if (ob_db_run(f->db,
                  "INSERT INTO audit_gaps (before_id, after_id, seen_at, accepted) "
                  "VALUES (?, ?, 0, 1)",
                  "ii", id[2], id[0]) < 0)
        fail_msg("%s: %s", eng.name, ob_db_errmsg(f->db));
    verify(f, &found);
    CHECK_INT("a hole forged to hide a deletion", found.n, 1);
    CHECK_INT("the next record no longer chains", found.p[0].kind, OB_AUDIT_CHANGED);
    CHECK_INT("the next record no longer chains", found.p[0].id, id[2]);
    /* The intruder re-chains the next record too: the batch count tells. */
    if (ob_db_get_int(f->db, &n, "SELECT COUNT(*) FROM audit_seals", NULL) != OB_DB_ROW || n != 1)
        fail_msg("%s: one batch expected", eng.name);
    ob_db_get_text(f->db, prev, sizeof(prev), "SELECT seal_hash FROM audit WHERE id = ?", "i",
                   id[0]);
    rechain(f, prev, id[2]);
    verify(f, &found);
    CHECK_INT("the batch count tells", found.n, 1);
    CHECK_INT("the batch count tells", found.p[0].kind, OB_AUDIT_SEALS);
}

/* Old records (no params) and new ones (params) seal into one chain that
 * verifies; a changed param is caught like a changed summary. */
static void
test_audit_params_are_sealed(void **state)
{
    struct fx *f = *state;
    struct found found;
    struct ob_audit_verify_stats v;
    int64_t id;

    add(f, 0, "before params");
    id = add(f, 0, "with params");
    if (ob_db_run(f->db, "UPDATE audit SET params = ? WHERE id = ?", "ti",
                  "{\"price\":247200}", id) < 0)
        fail_msg("%s: %s", eng.name, ob_db_errmsg(f->db));
    add(f, 0, "after");
    seal(f, 10);
    v = verify(f, &found);
    CHECK_INT(eng.name, v.problems, 0);
    CHECK_INT(eng.name, v.sealed, 3);
    if (ob_db_run(f->db, "UPDATE audit SET params = ? WHERE id = ?", "ti",
                  "{\"price\":1}", id) < 0)
        fail_msg("%s: %s", eng.name, ob_db_errmsg(f->db));
    verify(f, &found);
    CHECK_INT("a changed param is caught", found.n, 1);
    CHECK_INT("a changed param is caught", found.p[0].kind, OB_AUDIT_CHANGED);
    CHECK_INT("a changed param is caught", found.p[0].id, id);
}

static void
test_audit_sealed_outside_a_batch(void **state)
{
    struct fx *f = *state;
    struct found found;
    int64_t id;

    add(f, 0, "r");
    seal(f, 10);
    id = add(f, 0, "slipped in with a seal of its own");
    run(f, "UPDATE audit SET seal_hash = 'x' WHERE id = ?", id);
    verify(f, &found);
    CHECK_INT(eng.name, found.n, 1);
    CHECK_INT(eng.name, found.p[0].kind, OB_AUDIT_CHANGED);
    CHECK_INT(eng.name, found.p[0].id, id);
}

/* ---- per-engine group setup ---- */

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_audit_hash_is_canonical),
        cmocka_unit_test(test_audit_hash_params),
        cmocka_unit_test_setup_teardown(test_audit_params_are_sealed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_seal_then_verify_intact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_batches_are_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_changed_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_deleted_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_holes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_in_flight_insert, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_forged_hole_is_caught, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_sealed_outside_a_batch, setup, teardown),
    };
    int failed;

    if (ob_rand_init() != 0)
        return 1;
    ob_log_set_level("error");
    failed =
        cmocka_run_group_tests_name("sqlite", tests, sqlite_group_setup, sqlite_group_teardown);
    if (getenv("OBLAKO_TEST_PG_URL") && *getenv("OBLAKO_TEST_PG_URL"))
        failed += cmocka_run_group_tests_name("postgres", tests, pg_group_setup, pg_group_teardown);
    else
        printf("[  SKIPPED ] postgres: OBLAKO_TEST_PG_URL is not set\n");
    return failed;
}
