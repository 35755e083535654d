/*
 * test_router.c — path splitting, query strings and matching against the
 * real route table (http/router.h, api/routes.c).
 *
 * Matching is checked against ob_routes itself, not a copy, so the cases
 * name routes by method and pattern and look their index up: adding a route
 * does not break the tests, removing one that a case needs does.
 */
#include <stdio.h>

#include "api/api.h"
#include "base/mem.h"
#include "http/router.h"
#include "unit.h"
#include "base/banned.h"

static int
route_index(const char *method, const char *pattern)
{
    for (int i = 0; i < ob_nroutes; i++)
        if (!strcmp(ob_routes[i].method, method) && !strcmp(ob_routes[i].pattern, pattern))
            return i;
    fail_msg("no route %s %s in ob_routes", method, pattern);
    return -100;
}

static const struct split_case {
    const char *name, *raw;
    int want_n;
    const char *want[3];
} split_cases[] = {
    { "root", "/", 0, { NULL } },
    { "one segment", "/healthz", 1, { "healthz" } },
    { "trailing slash dropped", "/healthz/", 1, { "healthz" } },
    { "two segments", "/a/b", 2, { "a", "b" } },
    { "%20 decoded", "/a/b%20c", 2, { "a", "b c" } },
    { "Cyrillic decoded", "/a/%D0%BE%d0%BA", 2, { "a", "ок" } },
    { "plus stays plus in a path", "/a+b", 1, { "a+b" } },
    { "empty segment kept", "//a", 2, { "", "a" } },
    { "%2F refused", "/a%2Fb", -1, { NULL } },
    { "%2f refused", "/a/x%2fy", -1, { NULL } },
    { "%00 refused", "/a/%00", -1, { NULL } },
    { "bad hex refused", "/a/%zz", -1, { NULL } },
    { "half escape refused", "/a/%4", -1, { NULL } },
    { "bare percent refused", "/a/%", -1, { NULL } },
    { "half escape mid-path refused", "/%4/b", -1, { NULL } },
    { "no leading slash", "healthz", -1, { NULL } },
    { "empty", "", -1, { NULL } },
};

static void
test_router_split(void **state)
{
    struct ob_arena a;

    (void)state;
    ob_arena_init(&a);
    for (size_t i = 0; i < NELEM(split_cases); i++) {
        const struct split_case *c = &split_cases[i];
        const char *seg[OB_MAX_SEGMENTS];
        int n = ob_router_split(&a, c->raw, strlen(c->raw), seg, OB_MAX_SEGMENTS);

        CHECK_INT(c->name, n, c->want_n);
        for (int k = 0; k < n && k < 3; k++)
            CHECK_STR(c->name, seg[k], c->want[k]);
    }
    ob_arena_free(&a);
}

static void
test_router_split_limits(void **state)
{
    struct ob_arena a;
    const char *seg[OB_MAX_SEGMENTS + 1];
    char path[256] = "";
    size_t len = 0;

    (void)state;
    ob_arena_init(&a);
    for (int i = 0; i < OB_MAX_SEGMENTS; i++)
        len += (size_t)snprintf(path + len, sizeof(path) - len, "/s%d", i);
    assert_int_equal(ob_router_split(&a, path, len, seg, OB_MAX_SEGMENTS), OB_MAX_SEGMENTS);
    assert_string_equal(seg[OB_MAX_SEGMENTS - 1], "s15");
    /* the same path with a trailing slash is still within the limit */
    path[len] = '/';
    assert_int_equal(ob_router_split(&a, path, len + 1, seg, OB_MAX_SEGMENTS), OB_MAX_SEGMENTS);
    len += (size_t)snprintf(path + len, sizeof(path) - len, "/one-too-many");
    assert_int_equal(ob_router_split(&a, path, len, seg, OB_MAX_SEGMENTS), -1);
    /* a NUL inside the raw bytes is refused, not a string end */
    assert_int_equal(ob_router_split(&a, "/a\0b", 4, seg, OB_MAX_SEGMENTS), -1);
    /* only len bytes are read */
    assert_int_equal(ob_router_split(&a, "/ab/cd", 3, seg, OB_MAX_SEGMENTS), 1);
    assert_string_equal(seg[0], "ab");
    ob_arena_free(&a);
}

static const struct query_case {
    const char *name, *q;
    int want_rc, want_n;
    const char *want[4];    /* name, value, name, value */
} query_cases[] = {
    { "two args", "a=1&b=2", 0, 2, { "a", "1", "b", "2" } },
    { "+ is a space", "q=hello+world", 0, 1, { "q", "hello world" } },
    { "%2B is a plus", "q=a%2Bb", 0, 1, { "q", "a+b" } },
    { "+ in a name", "a+b=1", 0, 1, { "a b", "1" } },
    { "no =: empty value", "flag", 0, 1, { "flag", "" } },
    { "empty value", "a=&b=", 0, 2, { "a", "", "b", "" } },
    { "second = is part of the value", "a=1=2", 0, 1, { "a", "1=2" } },
    { "empty pairs skipped", "&a=1&&b=2&", 0, 2, { "a", "1", "b", "2" } },
    { "Cyrillic", "name=%D0%9E%D0%B1%D0%BB%D0%B0%D0%BA%D0%BE", 0, 1, { "name", "Облако" } },
    { "empty query", "", 0, 0, { NULL } },
    { "empty name", "=1", -1, 0, { NULL } },
    { "bad escape in value", "a=%zz", -1, 0, { NULL } },
    { "half escape in value", "a=%4", -1, 0, { NULL } },
    { "bad escape in name", "a%=1", -1, 0, { NULL } },
    { "NUL in value", "a=%00", -1, 0, { NULL } },
    { "bad escape after a good arg", "a=1&b=%g0", -1, 0, { NULL } },
};

static void
test_query_parse(void **state)
{
    struct ob_arena a;

    (void)state;
    ob_arena_init(&a);
    for (size_t i = 0; i < NELEM(query_cases); i++) {
        const struct query_case *c = &query_cases[i];
        struct ob_req req = { 0 };

        CHECK_INT(c->name, ob_query_parse(&a, c->q, &req), c->want_rc);
        if (c->want_rc != 0)
            continue;
        CHECK_INT(c->name, req.nquery, c->want_n);
        for (int k = 0; k < req.nquery && k < 2; k++) {
            CHECK_STR(c->name, req.query[k].name, c->want[2 * k]);
            CHECK_STR(c->name, req.query[k].value, c->want[2 * k + 1]);
        }
        if (c->want_n)
            CHECK_STR(c->name, ob_req_query(&req, c->want[0]), c->want[1]);
    }
    ob_arena_free(&a);
}

static void
test_query_parse_limits(void **state)
{
    struct ob_arena a;
    struct ob_req req = { 0 };
    char q[1024] = "";
    size_t len = 0;

    (void)state;
    ob_arena_init(&a);
    assert_int_equal(ob_query_parse(&a, NULL, &req), 0);
    assert_int_equal(req.nquery, 0);
    for (int i = 0; i < OB_MAX_QUERY; i++)
        len += (size_t)snprintf(q + len, sizeof(q) - len, "%sk%d=v", i ? "&" : "", i);
    assert_int_equal(ob_query_parse(&a, q, &req), 0);
    assert_int_equal(req.nquery, OB_MAX_QUERY);
    assert_string_equal(req.query[OB_MAX_QUERY - 1].name, "k31");
    snprintf(q + len, sizeof(q) - len, "&one=more");
    assert_int_equal(ob_query_parse(&a, q, &req), -1);
    /* empty arguments: a few are forgiven, a run of them is refused */
    memset(q, '&', OB_MAX_QUERY);
    snprintf(q + OB_MAX_QUERY, sizeof(q) - OB_MAX_QUERY, "a=1");
    assert_int_equal(ob_query_parse(&a, q, &req), 0);
    assert_int_equal(req.nquery, 1);
    memset(q, '&', sizeof(q) - 1);
    q[sizeof(q) - 1] = '\0';
    assert_int_equal(ob_query_parse(&a, q, &req), -1);
    ob_arena_free(&a);
}

static const struct match_case {
    const char *name, *method, *path;
    int test_routes;
    const char *want_method, *want_pattern;     /* NULL: want_rc */
    int want_rc;
    const char *want_allow, *want_id;
} match_cases[] = {
    { "GET /healthz", "GET", "/healthz", 0, "GET", "/healthz", 0, "", NULL },
    { "HEAD answers on a GET route", "HEAD", "/healthz", 0, "GET", "/healthz", 0, "", NULL },
    { "trailing slash", "GET", "/healthz/", 0, "GET", "/healthz", 0, "", NULL },
    { "GET /readyz", "GET", "/readyz", 0, "GET", "/readyz", 0, "", NULL },
    { "GET /metrics", "GET", "/metrics", 0, "GET", "/metrics", 0, "", NULL },
    { "POST /healthz is 405", "POST", "/healthz", 0, NULL, NULL, -2, "GET, HEAD", NULL },
    { "DELETE /metrics is 405", "DELETE", "/metrics", 0, NULL, NULL, -2, "GET, HEAD", NULL },
    { "unknown path is 404", "GET", "/nope", 0, NULL, NULL, -1, "", NULL },
    { "extra segment is 404", "GET", "/healthz/x", 0, NULL, NULL, -1, "", NULL },
    { "case matters", "GET", "/HEALTHZ", 0, NULL, NULL, -1, "", NULL },
    { "root is 404", "GET", "/", 0, NULL, NULL, -1, "", NULL },
    { "test route hidden", "GET", "/api/v1/test/clock", 0, NULL, NULL, -1, "", NULL },
    { "test route hidden for POST", "POST", "/api/v1/test/tasks", 0, NULL, NULL, -1, "", NULL },
    { "test route hidden with a param", "GET", "/api/v1/test/tasks/17", 0, NULL, NULL, -1, "",
      NULL },
    { "test clock GET", "GET", "/api/v1/test/clock", 1, "GET", "/api/v1/test/clock", 0, "", NULL },
    { "test clock POST", "POST", "/api/v1/test/clock", 1, "POST", "/api/v1/test/clock", 0, "",
      NULL },
    { "test clock DELETE is 405", "DELETE", "/api/v1/test/clock", 1, NULL, NULL, -2,
      "GET, HEAD, POST", NULL },
    { "task by id fills id", "GET", "/api/v1/test/tasks/17", 1, "GET", "/api/v1/test/tasks/{id}",
      0, "", "17" },
    { "task id decoded", "GET", "/api/v1/test/tasks/a%20b", 1, "GET", "/api/v1/test/tasks/{id}",
      0, "", "a b" },
    { "empty id does not match", "GET", "/api/v1/test/tasks//", 1, NULL, NULL, -1, "", NULL },
    { "task list is POST only", "GET", "/api/v1/test/tasks", 1, NULL, NULL, -2, "POST", NULL },
    { "task by id POST is 405", "POST", "/api/v1/test/tasks/17", 1, NULL, NULL, -2, "GET, HEAD",
      NULL },
};

static void
run_match(struct ob_arena *a, const struct match_case *c)
{
    const char *seg[OB_MAX_SEGMENTS];
    struct ob_req req = { 0 };
    char allow[64] = "junk";
    int n = ob_router_split(a, c->path, strlen(c->path), seg, OB_MAX_SEGMENTS);
    int want = c->want_method ? route_index(c->want_method, c->want_pattern) : c->want_rc;

    CHECK_TRUE(c->name, n >= 0);
    CHECK_INT(c->name, ob_router_match(c->method, seg, n, &req, allow, sizeof(allow),
                                       c->test_routes),
              want);
    if (want < 0)   /* on a match the allow list is unspecified */
        CHECK_STR(c->name, allow, c->want_allow);
    if (c->want_id) {
        CHECK_INT(c->name, req.nparams, 1);
        CHECK_STR(c->name, req.params[0].name, "id");
        CHECK_STR(c->name, ob_req_param(&req, "id"), c->want_id);
    } else {
        CHECK_INT(c->name, req.nparams, 0);
    }
}

static void
test_router_match(void **state)
{
    struct ob_arena a;

    (void)state;
    ob_arena_init(&a);
    for (size_t i = 0; i < NELEM(match_cases); i++)
        run_match(&a, &match_cases[i]);
    ob_arena_free(&a);
}

static void
test_router_match_small_allow(void **state)
{
    const char *seg[] = { "api", "v1", "test", "clock" };
    char allow[8];

    (void)state;
    memset(allow, 'x', sizeof(allow));
    assert_int_equal(ob_router_match("DELETE", seg, 4, NULL, allow, sizeof(allow), 1), -2);
    assert_true(memchr(allow, '\0', sizeof(allow)) != NULL);   /* truncated, terminated */
    assert_int_equal(strncmp(allow, "GET, HE", 7), 0);
    /* no allow buffer at all */
    assert_int_equal(ob_router_match("DELETE", seg, 4, NULL, NULL, 0, 1), -2);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_router_split),
        cmocka_unit_test(test_router_split_limits),
        cmocka_unit_test(test_query_parse),
        cmocka_unit_test(test_query_parse_limits),
        cmocka_unit_test(test_router_match),
        cmocka_unit_test(test_router_match_small_allow),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
