/*
 * test_json.c — capped parsing of untrusted JSON (base/json.h).
 *
 * The depth scan runs before jansson sees the body, so it must count exactly
 * the brackets jansson would nest on and none inside strings (including
 * strings with escaped quotes and backslashes); otherwise a body could be
 * refused for a string's contents, or nest past the cap by hiding brackets.
 *
 * ob_json_dump writes every answer in place of json_dumps(v, JSON_COMPACT):
 * its text must be jansson's byte for byte, and it must fail where jansson's
 * fails, so both are run on the same values, named ones and random ones.
 */
#include <stdio.h>
#include <stdlib.h>

#include "base/buf.h"
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

/* ob_json_dump's text of v, and json_dumps' (NULL when it fails), compared. */
static void
same_dump(const char *name, json_t *v)
{
    char *want = json_dumps(v, JSON_COMPACT);
    struct ob_buf b;
    int rc;

    ob_buf_init(&b, 1 << 20);
    ob_buf_adds(&b, "x");      /* appended after what is there; kept on failure */
    rc = ob_json_dump(&b, v);
    if (!want) {
        CHECK_INT(name, rc, -1);
        CHECK_STR(name, b.p, "x");
    } else {
        CHECK_INT(name, rc, 0);
        CHECK_INT(name, b.len, strlen(want) + 1);
        CHECK_STR(name, b.p + 1, want);
    }
    free(want);
    ob_buf_free(&b);
}

static const struct dump_case {
    const char *name, *json;    /* parsed by jansson, then dumped both ways */
} dump_cases[] = {
    { "empty object", "{}" },
    { "empty array", "[]" },
    { "scalars", "[null,true,false,0,-1,42,9223372036854775807,-9223372036854775808]" },
    { "reals: jansson's own digits", "[0.1,1.0,-0.0,1e300,2.5e-7,123456789.125]" },
    { "keys in insertion order", "{\"z\":1,\"a\":2,\"m\":{\"y\":[],\"b\":{}}}" },
    { "escapes", "[\"q\\\"b\\\\s/t\\tn\\nr\\rb\\bf\\f\"]" },
    { "control characters in capitals", "[\"\\u0001\\u001f\\u001A\\u007f\"]" },
    { "UTF-8 as it is", "{\"имя\":\"ООО «Ромашка» — 😀\"}" },
    { "escaped key", "{\"a\\\"b\\n\":\"\\u00e9\"}" },
    { "nested", "{\"a\":[{\"b\":[[1,[2,{\"c\":null}]]]}],\"d\":\"\"}" },
};

static void
test_json_dump(void **state)
{
    json_t *v;

    (void)state;
    for (size_t i = 0; i < NELEM(dump_cases); i++) {
        json_error_t je;

        v = json_loads(dump_cases[i].json, 0, &je);
        CHECK_TRUE(dump_cases[i].name, v != NULL);
        same_dump(dump_cases[i].name, v);
        json_decref(v);
    }
    /* a NUL inside a string (json_stringn) is \u0000, the rest kept */
    v = json_pack("{s:s#}", "nul", "a\0b", (int)3);
    same_dump("NUL inside a string", v);
    json_decref(v);
    /* jansson's dump fails on these, and so does ours */
    v = json_integer(1);
    same_dump("a scalar at the top", v);
    json_decref(v);
    v = json_pack("[o]", json_stringn_nocheck("a\xff", 2));
    same_dump("a string that is not UTF-8", v);
    json_decref(v);
    v = json_pack("[o]", json_stringn_nocheck("\xe2\x82", 2));
    same_dump("UTF-8 cut short", v);
    json_decref(v);
}

/* Nested past the cap (and so a loop, which never ends) fails, nothing written. */
static void
test_json_dump_depth(void **state)
{
    json_t *top = json_array(), *a = top, *loop = json_array();
    struct ob_buf b;

    (void)state;
    for (int i = 1; i < OB_JSON_DUMP_DEPTH; i++) {
        json_t *next = json_array();

        json_array_append_new(a, next);
        a = next;
    }
    ob_buf_init(&b, 1 << 20);
    assert_int_equal(ob_json_dump(&b, top), 0);    /* at the cap */
    assert_int_equal(b.len, 2 * OB_JSON_DUMP_DEPTH);
    ob_buf_reset(&b);
    json_array_append_new(a, json_array());
    assert_int_equal(ob_json_dump(&b, top), -1);   /* one past it */
    assert_int_equal(b.len, 0);
    json_decref(top);
    /* jansson refuses an array in itself, not one two steps down */
    json_array_append_new(loop, json_array());
    json_array_append(json_array_get(loop, 0), loop);
    assert_int_equal(ob_json_dump(&b, loop), -1);
    assert_int_equal(b.len, 0);
    assert_null(json_dumps(loop, JSON_COMPACT));
    json_array_clear(json_array_get(loop, 0));
    json_decref(loop);
    ob_buf_free(&b);
}

/* Random values, the strings drawn from bytes that need every kind of
 * escape and from UTF-8 of every length: the same text as jansson's. */
static const char *const pieces[] = { "a", "\"", "\\", "/", "\n", "\x01", "\x1f", " ", "\x7f",
                                      "é", "Ж", "€", "😀", "0", "{", "]" };

static json_t *
random_string(unsigned *seed)
{
    char s[64];
    size_t len = 0;

    for (int i = rand_r(seed) % 8; i > 0; i--) {
        const char *p = pieces[rand_r(seed) % NELEM(pieces)];

        memcpy(s + len, p, strlen(p));
        len += strlen(p);
    }
    s[len] = '\0';
    return json_string(s);
}

static json_t *
random_value(unsigned *seed, int depth)
{
    int kind = rand_r(seed) % (depth < 4 ? 8 : 6);
    json_t *v;

    switch (kind) {
    case 0: return json_null();
    case 1: return json_boolean(rand_r(seed) % 2);
    case 2: return json_integer((json_int_t)rand_r(seed) * (rand_r(seed) % 2 ? -977 : 1));
    case 3: return json_real((double)rand_r(seed) / 7.0);
    case 4:
    case 5: return random_string(seed);
    case 6:
        v = json_array();
        for (int i = rand_r(seed) % 5; i > 0; i--)
            json_array_append_new(v, random_value(seed, depth + 1));
        return v;
    default:
        v = json_object();
        for (int i = rand_r(seed) % 5; i > 0; i--) {
            json_t *k = random_string(seed);

            json_object_set_new(v, json_string_value(k), random_value(seed, depth + 1));
            json_decref(k);
        }
        return v;
    }
}

static void
test_json_dump_random(void **state)
{
    unsigned seed = 16;

    (void)state;
    for (int i = 0; i < 2000; i++) {
        json_t *v = json_pack("[o]", random_value(&seed, 0));
        char name[32];

        snprintf(name, sizeof(name), "random value %d", i);
        same_dump(name, v);
        json_decref(v);
    }
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
        cmocka_unit_test(test_json_dump),
        cmocka_unit_test(test_json_dump_depth),
        cmocka_unit_test(test_json_dump_random),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
