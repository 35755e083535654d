/*
 * test_json.c — capped parsing of untrusted JSON (base/json.h).
 *
 * The depth scan runs before jansson sees the body, so it must count exactly
 * the brackets jansson would nest on and none inside strings (including
 * strings with escaped quotes and backslashes); otherwise a body could be
 * refused for a string's contents, or nest past the cap by hiding brackets.
 */
#include <stdio.h>

#include "base/err.h"
#include "base/json.h"
#include "unit.h"
#include "base/banned.h"

static const struct depth_case {
    const char *name, *in;
    int want;
} depth_cases[] = {
    { "scalar", "42", 0 },
    { "string", "\"x\"", 0 },
    { "empty object", "{}", 1 },
    { "empty array", "[]", 1 },
    { "three arrays", "[[[]]]", 3 },
    { "siblings do not add", "[[],[],{}]", 2 },
    { "mixed", "{\"a\":[{\"b\":[]}]}", 4 },
    { "brackets in a string", "\"[[[[{{{{\"", 0 },
    { "brackets in a key and value", "{\"[[[\":\"]]]{{{\"}", 1 },
    { "escaped quote keeps the string open", "[\"\\\"[[[[\"]", 1 },
    { "escaped backslash ends before the quote", "[\"\\\\\",[[1]]]", 3 },
    { "escaped quote then brackets outside", "[\"a\\\"b\",[[[2]]]]", 4 },
    { "unicode escape", "[\"\\u005b\\u005b\",[1]]", 2 },
    { "closing first does not hide depth", "[[]][[[[]]]]", 4 },
};

static void
test_json_depth(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(depth_cases); i++) {
        const struct depth_case *c = &depth_cases[i];

        CHECK_INT(c->name, ob_json_depth(c->in, strlen(c->in)), c->want);
    }
    /* only the first n bytes count */
    assert_int_equal(ob_json_depth("[[[[", 2), 2);
}

static const struct cap_case {
    const char *name, *in;
    int max_depth, want_rc;
} cap_cases[] = {
    { "at the cap", "[[[1]]]", 3, 0 },
    { "one past the cap", "[[[[1]]]]", 3, OB_EINVAL },
    { "objects count too", "{\"a\":{\"b\":{\"c\":{}}}}", 3, OB_EINVAL },
    { "strings do not count", "[[[\"[[[[[[[[[[\"]]]", 3, 0 },
    { "escaped quotes do not end a string", "[[[\"\\\"[[[[[[[[\\\"\"]]]", 3, 0 },
    { "escaped backslash then real nesting", "[\"\\\\\",[[[0]]]]", 3, OB_EINVAL },
    { "deep within a long string-laden body", "{\"k\":\"v\",\"l\":[[[[[[[[[[[[[1]]]]]]]]]]]]]}",
      12, OB_EINVAL },
};

static void
test_json_depth_cap(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(cap_cases); i++) {
        const struct cap_case *c = &cap_cases[i];
        struct ob_err err = { 0 };
        json_t *v = (json_t *)&err;     /* any non-NULL: must be reset */

        CHECK_INT(c->name, ob_json_parse(c->in, strlen(c->in), c->max_depth, &v, &err),
                  c->want_rc);
        if (c->want_rc == 0) {
            CHECK_TRUE(c->name, v != NULL);
            json_decref(v);
            continue;
        }
        CHECK_TRUE(c->name, v == NULL);
        CHECK_STR(c->name, err.field, "body");
        if (!strstr(err.message, "deeper than"))
            fail_msg("%s: message '%s'", c->name, err.message);
    }
}

static void
test_json_depth_cap_far(void **state)
{
    char body[20001];
    struct ob_err err = { 0 };
    json_t *v = NULL;

    (void)state;
    memset(body, '[', 10000);
    memset(body + 10000, ']', 10000);
    body[20000] = '\0';
    assert_int_equal(ob_json_parse(body, 20000, 32, &v, &err), OB_EINVAL);
    assert_null(v);
    assert_string_equal(err.message, "JSON nested deeper than 32 levels");
}

static const struct malformed_case {
    const char *name, *in;
    const char *want_where;     /* "line L, column C" */
} malformed_cases[] = {
    { "missing value", "{\"a\": }", "line 1, column 7" },
    { "second line", "{\n  \"a\": 1,\n  \"b\": ?\n}", "line 3, column 8" },
    { "unterminated string", "[\"abc", "line 1, column 5" },
    { "trailing garbage", "{} x", "line 1, column 4" },
    { "trailing comma", "[1,2,]", "line 1, column 6" },
    { "empty body", "", "line 1, column 0" },
    { "single quotes", "{'a':1}", "line 1, column 2" },
};

static void
test_json_malformed(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(malformed_cases); i++) {
        const struct malformed_case *c = &malformed_cases[i];
        struct ob_err err = { 0 };
        json_t *v = NULL;

        CHECK_INT(c->name, ob_json_parse(c->in, strlen(c->in), 32, &v, &err), OB_EINVAL);
        CHECK_TRUE(c->name, v == NULL);
        CHECK_INT(c->name, err.rc, OB_EINVAL);
        CHECK_STR(c->name, err.field, "body");
        if (strncmp(err.message, "malformed JSON at ", 18) != 0 ||
            !strstr(err.message, c->want_where))
            fail_msg("%s: message '%s' lacks '%s'", c->name, err.message, c->want_where);
    }
}

static void
test_json_duplicate_keys(void **state)
{
    static const char *const bodies[] = {
        "{\"a\":1,\"a\":2}",
        "{\"a\":1,\"b\":{\"c\":1,\"c\":1}}",
        "[{\"x\":null,\"y\":0,\"x\":null}]",
    };

    (void)state;
    for (size_t i = 0; i < NELEM(bodies); i++) {
        struct ob_err err = { 0 };
        json_t *v = NULL;

        CHECK_INT(bodies[i], ob_json_parse(bodies[i], strlen(bodies[i]), 32, &v, &err),
                  OB_EINVAL);
        CHECK_TRUE(bodies[i], v == NULL);
        if (!strstr(err.message, "duplicate"))
            fail_msg("%s: message '%s'", bodies[i], err.message);
    }
}

static void
test_json_valid(void **state)
{
    const char *body = "{\"name\":\"Облако\",\"n\":[1,2,3],\"ok\":true,\"a\":{\"a\":1}}";
    const char *nul = "{\"a\":\"b\\u0000c\"}";
    struct ob_err err = { 0 };
    json_t *v = NULL;

    (void)state;
    assert_int_equal(ob_json_parse(body, strlen(body), 2, &v, &err), 0);
    assert_string_equal(json_string_value(json_object_get(v, "name")), "Облако");
    assert_int_equal(json_array_size(json_object_get(v, "n")), 3);
    assert_true(json_is_true(json_object_get(v, "ok")));
    json_decref(v);
    assert_int_equal(ob_json_parse("42", 2, 1, &v, &err), 0);   /* any value, not only objects */
    assert_int_equal(json_integer_value(v), 42);
    json_decref(v);
    /* a parse of a prefix: the length is honoured, not the NUL */
    assert_int_equal(ob_json_parse("[1] trailing", 3, 4, &v, &err), 0);
    assert_int_equal(json_array_size(v), 1);
    json_decref(v);
    /* \u0000 inside a string is refused (jansson default) */
    assert_int_equal(ob_json_parse(nul, strlen(nul), 4, &v, &err), OB_EINVAL);
    assert_null(v);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_depth),
        cmocka_unit_test(test_json_depth_cap),
        cmocka_unit_test(test_json_depth_cap_far),
        cmocka_unit_test(test_json_malformed),
        cmocka_unit_test(test_json_duplicate_keys),
        cmocka_unit_test(test_json_valid),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
