/*
 * test_backend.c — the signatures between Oblako and application backends
 * (model/areas/backend.c, docs/app-backend.md): known vectors computed by another
 * implementation (Python's hmac), and the checks of a signed request on a
 * real SQLite file: a good signature names the application, a wrong one,
 * one outside the replay window, an unknown application or one without a
 * secret are refused.
 */
#include "unit.h"
#include "unit_engine.h"

#include "base/ctx.h"
#include "base/log.h"
#include "db/db.h"
#include "model/areas/backend.h"

#define SECRET "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"   /* 40 × 'k' */
#define TS 1795000000

static struct ob_db *db;

static const struct vector {
    const char *method, *pathq, *body, *want;
} vectors[] = {
    { "GET", "/api/v1/sessions/7?launch=abc", NULL,
      "v1=01c42dd244e6ed40364fff23c82bfbebb03ee32b9cc0522193c77cdd016d0d08" },
    { "POST", "/oblako/areas", "{\"area\":\"x\"}",
      "v1=7dd525f8584e0093d526e74f8a3630728ce5dc24bb5b6ea8cd4213907a5bb798" },
};

static void
test_known_vectors(void **state)
{
    char sig[OB_BACKEND_SIG_LEN];

    (void)state;
    for (size_t i = 0; i < NELEM(vectors); i++) {
        const struct vector *v = &vectors[i];

        ob_backend_sign(SECRET, v->method, v->pathq, TS, v->body, v->body ? strlen(v->body) : 0,
                        sig);
        CHECK_STR(v->pathq, sig, v->want);
    }
}

static int
setup(void **state)
{
    (void)state;
    ob_log_set_level("error");
    if (unit_sqlite_open_migrated(&db) != 0)
        return -1;
    return ob_db_exec(db, "INSERT INTO applications (code, name_ru, name_en, backend_url, "
                          "backend_secret, created_at, updated_at) VALUES "
                          "('cashbook', 'Касса', 'Cash book', 'http://127.0.0.1:9', "
                          "'" SECRET "', 0, 0), "
                          "('nosecret', 'Без', 'None', 'http://127.0.0.1:9', '', 0, 0)");
}

static int
teardown(void **state)
{
    (void)state;
    return unit_sqlite_close(db);
}

static int
verify(const char *app, const char *ts, const char *sig, int64_t now, int64_t *actor)
{
    struct ob_ctx ctx;
    int rc;

    ob_ctx_init(&ctx, db, NULL);
    rc = ob_backend_verify(&ctx, app, ts, sig, "GET", "/api/v1/sessions/7?launch=abc", NULL, 0,
                           now);
    *actor = ctx.actor.app;
    ob_ctx_release(&ctx);
    return rc;
}

static void
test_verify(void **state)
{
    const char *good = vectors[0].want;
    int64_t app = 0;

    (void)state;
    CHECK_INT("good", verify("cashbook", "1795000000", good, TS, &app), 0);
    CHECK_TRUE("the actor is the application", app > 0);
    CHECK_INT("299 s late is inside the window", verify("cashbook", "1795000000", good, TS + 299, &app), 0);
    CHECK_INT("301 s late", verify("cashbook", "1795000000", good, TS + 301, &app), OB_EUNAUTH);
    CHECK_INT("301 s early", verify("cashbook", "1795000000", good, TS - 301, &app), OB_EUNAUTH);
    CHECK_INT("another timestamp", verify("cashbook", "1795000001", good, TS, &app), OB_EUNAUTH);
    CHECK_INT("not a number", verify("cashbook", "17950x0000", good, TS, &app), OB_EUNAUTH);
    CHECK_INT("one digit changed",
              verify("cashbook", "1795000000",
                     "v1=01c42dd244e6ed40364fff23c82bfbebb03ee32b9cc0522193c77cdd016d0d09", TS,
                     &app),
              OB_EUNAUTH);
    CHECK_INT("cut short", verify("cashbook", "1795000000", "v1=01c42dd2", TS, &app), OB_EUNAUTH);
    CHECK_TRUE("refused: no actor", app == 0);
    CHECK_INT("unknown application", verify("nope", "1795000000", good, TS, &app), OB_EUNAUTH);
    CHECK_INT("an application without a secret", verify("nosecret", "1795000000", good, TS, &app),
              OB_EUNAUTH);
    CHECK_INT("missing headers", verify(NULL, "1795000000", good, TS, &app), OB_EUNAUTH);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_vectors),
        cmocka_unit_test_setup_teardown(test_verify, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
