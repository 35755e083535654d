/*
 * test_idempotency.c — Idempotency-Key (model/core/idempotency.c): the key's
 * syntax, the request hash, and a key's life on a real SQLite file.
 *
 * Each "request" is a context of its own, as in the server; the business
 * clock is set by hand (clock_ready) so that expiry needs no waiting. The
 * wait for a running first request is covered end to end (the 50-request
 * storm in tests/e2e/idempotency.test.js).
 */
#include "unit.h"
#include "unit_engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/ctx.h"
#include "base/log.h"
#include "base/rand.h"
#include "db/db.h"
#include "model/core/idempotency.h"

static struct ob_db *db;

static const struct key_case {
    const char *rule, *key;
    int want;
} key_cases[] = {
    { "one character", "k", 0 },
    { "a UUID", "5f0c6b8e-3c1d-4f6a-9a57-0d2f4c9b1e21", 0 },
    { "space and punctuation are printable", "order 42/#~", 0 },
    { "empty", "", OB_EINVAL },
    { "absent", NULL, OB_EINVAL },
    { "a tab", "a\tb", OB_EINVAL },
    { "DEL", "a\x7f", OB_EINVAL },
    { "not ASCII", "ключ", OB_EINVAL },
};

static void
test_key_check(void **state)
{
    char longest[OB_IDEM_KEY_MAX + 2];
    struct ob_err err = { 0 };

    (void)state;
    for (size_t i = 0; i < NELEM(key_cases); i++) {
        const struct key_case *c = &key_cases[i];

        ob_err_clear(&err);
        CHECK_INT(c->rule, ob_idem_key_check(&err, c->key), c->want);
        if (c->want)
            CHECK_STR(c->rule, err.field, "Idempotency-Key");
    }
    memset(longest, 'k', sizeof(longest));
    longest[OB_IDEM_KEY_MAX] = '\0';
    CHECK_INT("255 characters", ob_idem_key_check(&err, longest), 0);
    longest[OB_IDEM_KEY_MAX] = 'k';
    longest[OB_IDEM_KEY_MAX + 1] = '\0';
    CHECK_INT("256 characters", ob_idem_key_check(&err, longest), OB_EINVAL);
}

static const struct hash_case {
    const char *rule, *method, *pattern, *path, *body;
} hash_cases[] = {
    { "another method", "PUT", "/a/{id}", "/a/1", "{}" },
    { "another route", "POST", "/a/{x}", "/a/1", "{}" },
    { "another path", "POST", "/a/{id}", "/a/2", "{}" },
    { "another body", "POST", "/a/{id}", "/a/1", "{ }" },
    { "no body", "POST", "/a/{id}", "/a/1", "" },
    { "a boundary moved", "POST", "/a/{id}", "/a/1{", "}" },
};

static void
test_request_hash(void **state)
{
    char base[OB_IDEM_HASH_LEN], again[OB_IDEM_HASH_LEN], other[OB_IDEM_HASH_LEN];

    (void)state;
    ob_idem_request_hash("POST", "/a/{id}", "/a/1", "{}", 2, base);
    ob_idem_request_hash("POST", "/a/{id}", "/a/1", "{}", 2, again);
    CHECK_STR("the same request", again, base);
    CHECK_INT("hex SHA-256", strlen(base), 64);
    for (size_t i = 0; i < NELEM(hash_cases); i++) {
        const struct hash_case *c = &hash_cases[i];

        ob_idem_request_hash(c->method, c->pattern, c->path, c->body, strlen(c->body), other);
        CHECK_TRUE(c->rule, strcmp(other, base) != 0);
    }
}

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

/* A request's context: person (0: anonymous from 10.0.0.1) at business time now. */
static void
request(struct ob_ctx *ctx, int64_t person, int64_t now)
{
    ob_ctx_init(ctx, db, NULL);
    ctx->actor.person = person;
    ctx->remote_addr = "10.0.0.1";
    ctx->now = now;
    ctx->clock_ready = true;
}

/* Begin with key "k" and a request hash made of `body`; returns the code. */
static int
begin(struct ob_ctx *ctx, const char *body, struct ob_idem *idem)
{
    char hash[OB_IDEM_HASH_LEN];

    ob_idem_request_hash("POST", "/x", "/x", body, strlen(body), hash);
    return ob_idem_begin(ctx, "k", hash, idem);
}

static int64_t
rows(const char *where)
{
    char sql[160];
    int64_t n = -1;

    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM idempotency_keys WHERE %s", where);
    assert_int_equal(ob_db_get_int(db, &n, sql, NULL), OB_DB_ROW);
    return n;
}

static void
test_life_of_a_key(void **state)
{
    static const char answer[] = "{\"id\":7,\"token\":\"obk_secret\"}\n";
    const int64_t t0 = 2000000000;
    struct ob_ctx a, b, c;
    struct ob_idem ia, ib, ic;

    (void)state;
    request(&a, 5, t0);
    assert_int_equal(begin(&a, "{}", &ia), 0);
    CHECK_TRUE("the first request runs", !ia.replay);
    CHECK_INT("claimed", rows("state = 'pending'"), 1);

    request(&b, 5, t0);
    CHECK_INT("another request under a running key", begin(&b, "{\"x\":1}", &ib), OB_ECONFLICT);
    CHECK_STR("the conflict names the header", b.err.field, "Idempotency-Key");
    ob_ctx_release(&b);

    assert_int_equal(ob_idem_finish(&a, &ia, 201, "application/json", answer, strlen(answer)),
                     0);
    CHECK_INT("stored", rows("state = 'done' AND status = 201"), 1);
    CHECK_INT("sealed", rows("body LIKE '%obk_secret%'"), 0);
    CHECK_INT("the key is hashed", rows("key_hash = 'k'"), 0);

    request(&b, 5, t0 + OB_IDEM_TTL_S - 1);
    assert_int_equal(begin(&b, "{}", &ib), 0);
    CHECK_TRUE("the retry is replayed", ib.replay);
    CHECK_INT("status", ib.status, 201);
    CHECK_STR("type", ib.content_type, "application/json");
    CHECK_INT("length", ib.body_len, strlen(answer));
    CHECK_STR("body", ib.body, answer);
    CHECK_INT("a different request after", begin(&b, "{\"x\":1}", &ib), OB_ECONFLICT);
    ob_ctx_release(&b);

    request(&c, 6, t0);
    assert_int_equal(begin(&c, "{}", &ic), 0);
    CHECK_TRUE("another person has keys of their own", !ic.replay);
    ob_ctx_release(&c);
    request(&c, 0, t0);
    assert_int_equal(begin(&c, "{}", &ic), 0);
    CHECK_TRUE("so has an anonymous address", !ic.replay);
    ob_ctx_release(&c);

    request(&c, 5, t0 + OB_IDEM_TTL_S);
    assert_int_equal(begin(&c, "{\"x\":1}", &ic), 0);
    CHECK_TRUE("an expired key is new again, for any request", !ic.replay);
    ob_ctx_release(&c);
    ob_ctx_release(&a);
}

static void
test_answers_not_kept(void **state)
{
    static const struct {
        const char *rule;
        int status;
        const char *type;
        size_t len;
    } cases[] = {
        { "a server error: the client retries", 500, "application/problem+json", 10 },
        { "unavailable", 503, "application/problem+json", 10 },
        { "rate limited: the limit ends", 429, "application/problem+json", 10 },
        { "larger than the cap", 201, "application/json", OB_IDEM_BODY_MAX + 1 },
        { "an unknown type", 201, "text/csv", 10 },
        { "streamed", 200, NULL, 0 },
    };
    char *big = calloc(1, OB_IDEM_BODY_MAX + 2);
    struct ob_ctx ctx;
    struct ob_idem idem;

    (void)state;
    memset(big, 'x', OB_IDEM_BODY_MAX + 1);
    for (size_t i = 0; i < NELEM(cases); i++) {
        request(&ctx, 5, 2000000000);
        CHECK_INT(cases[i].rule, begin(&ctx, "{}", &idem), 0);
        CHECK_TRUE(cases[i].rule, !idem.replay);
        CHECK_INT(cases[i].rule,
                  ob_idem_finish(&ctx, &idem, cases[i].status, cases[i].type, big, cases[i].len),
                  0);
        CHECK_INT(cases[i].rule, rows("1 = 1"), 0);
        ob_ctx_release(&ctx);
    }
    free(big);
}

static void
test_dead_holder_is_taken_over(void **state)
{
    struct ob_ctx a, b;
    struct ob_idem ia, ib;

    (void)state;
    request(&a, 5, 2000000000);
    assert_int_equal(begin(&a, "{}", &ia), 0);
    assert_int_equal(ob_db_run(db, "UPDATE idempotency_keys SET locked_until = ?", "i",
                               (int64_t)ob_clock_real() - 1),
                     1);
    request(&b, 5, 2000000000);
    assert_int_equal(begin(&b, "{}", &ib), 0);
    CHECK_TRUE("a claim past its lease is taken over", !ib.replay);
    assert_int_equal(ob_idem_finish(&a, &ia, 201, "application/json", "{\"id\":1}", 8), 0);
    CHECK_INT("the old holder stores nothing", rows("state = 'done'"), 0);
    assert_int_equal(ob_idem_finish(&b, &ib, 201, "application/json", "{\"id\":2}", 8), 0);
    CHECK_INT("the new holder does", rows("state = 'done' AND status = 201"), 1);
    ob_ctx_release(&a);
    ob_ctx_release(&b);
}

static void
test_prune(void **state)
{
    struct ob_ctx ctx;
    struct ob_idem idem;
    int64_t n = -1;

    (void)state;
    request(&ctx, 5, 2000000000);
    assert_int_equal(begin(&ctx, "{}", &idem), 0);
    assert_int_equal(ob_idem_finish(&ctx, &idem, 201, "application/json", "{}", 2), 0);
    assert_int_equal(ob_idem_prune(&ctx, 2000000000 + OB_IDEM_TTL_S - 1, &n), 0);
    CHECK_INT("kept until it expires", n, 0);
    assert_int_equal(ob_idem_prune(&ctx, 2000000000 + OB_IDEM_TTL_S, &n), 0);
    CHECK_INT("pruned once expired", n, 1);
    ob_ctx_release(&ctx);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_check),
        cmocka_unit_test(test_request_hash),
        cmocka_unit_test_setup_teardown(test_life_of_a_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_answers_not_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dead_holder_is_taken_over, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prune, setup, teardown),
    };

    if (ob_rand_init() != 0)
        return 1;
    ob_log_set_level("error");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
