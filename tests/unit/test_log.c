/*
 * test_log.c — the log's lines (base/log.h): ob_log_fields, the request log's
 * hand-written line, against what jansson writes for the same fields.
 *
 * The request log is read by machines (jq, a log shipper), so a line of
 * ob_log_fields must parse as JSON and say what ob_log would say: each
 * string escaped, a byte that is not UTF-8 written as '?', an integer as a
 * number, a NULL string as null, the fields in their order.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/log.h"
#include "unit.h"
#include "base/banned.h"

static char path[64];

static int
setup(void **state)
{
    int fd;

    (void)state;
    snprintf(path, sizeof(path), "/tmp/ob_test_log_XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(ob_log_open(path), 0);
    assert_int_equal(ob_log_set_level("debug"), 0);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    ob_log_open(NULL);
    unlink(path);
    return 0;
}

/* The lines written since the last call, parsed; the file is emptied. */
static json_t *
lines(void)
{
    json_t *all = json_array();
    char *buf = NULL;
    size_t cap = 0;
    FILE *f = fopen(path, "r");

    assert_non_null(f);
    while (getline(&buf, &cap, f) > 0) {
        json_error_t e;
        json_t *j = json_loads(buf, 0, &e);

        if (!j)
            fail_msg("a line that is not JSON (%s): %s", e.text, buf);
        json_array_append_new(all, j);
    }
    free(buf);
    fclose(f);
    assert_int_equal(truncate(path, 0), 0);
    return all;
}

static void
test_log_fields_as_jansson_writes_them(void **state)
{
    static const char *cases[] = {
        "plain", "/api/v1/subscribers/7/entitlement", "quote \" and backslash \\",
        "tab\tnew line\ncr\r bell\a del\x7f", "Привет, мир", "",
    };

    (void)state;
    for (size_t i = 0; i < NELEM(cases); i++) {
        const struct ob_log_field f[] = {
            { "id", "r-1", 0, false },        { "path", cases[i], 0, false },
            { "status", NULL, 404, true },    { "us", NULL, -12345678901LL, true },
            { "actor", NULL, 0, false },
        };
        json_t *got, *want, *a, *b;
        const char *key;
        json_t *v;

        ob_log_fields(OB_LOG_INFO, "request", f, (int)NELEM(f));
        ob_log(OB_LOG_INFO, "request", "{s:s, s:s, s:i, s:I, s:n}", "id", "r-1", "path",
               cases[i], "status", 404, "us", (json_int_t)-12345678901LL, "actor");
        got = lines();
        CHECK_INT(cases[i], json_array_size(got), 2);
        a = json_array_get(got, 0);
        b = json_array_get(got, 1);
        /* the same keys, in the same order, with the same values but the time */
        CHECK_INT(cases[i], json_object_size(a), json_object_size(b));
        json_object_del(a, "ts");
        json_object_del(b, "ts");
        CHECK_TRUE(cases[i], json_equal(a, b));
        want = json_pack("[s, s, s, s, s, s, s]", "level", "msg", "id", "path", "status", "us",
                         "actor");
        {
            size_t k = 0;

            json_object_foreach(a, key, v)
                CHECK_STR(cases[i], key, json_string_value(json_array_get(want, k++)));
        }
        CHECK_STR(cases[i], json_string_value(json_object_get(a, "path")), cases[i]);
        CHECK_TRUE(cases[i], json_is_null(json_object_get(a, "actor")));
        json_decref(want);
        json_decref(got);
    }
}

/* Byte for byte, past the time: the same escapes (\u001F upper case, \n, \"). */
static void
test_log_fields_same_bytes_as_jansson(void **state)
{
    const char *v = "a\x01" "b\x1f\n\"\\ Ж";
    const struct ob_log_field f[] = { { "path", v, 0, false }, { "status", NULL, 200, true } };
    char *a = NULL, *b = NULL;
    size_t ca = 0, cb = 0;
    FILE *in;

    (void)state;
    ob_log_fields(OB_LOG_INFO, "request", f, (int)NELEM(f));
    ob_log(OB_LOG_INFO, "request", "{s:s, s:i}", "path", v, "status", 200);
    in = fopen(path, "r");
    assert_non_null(in);
    assert_true(getline(&a, &ca, in) > 0);
    assert_true(getline(&b, &cb, in) > 0);
    fclose(in);
    assert_int_equal(truncate(path, 0), 0);
    /* {"ts":"2026-12-07T06:00:00.123Z", is 32 bytes in both */
    assert_string_equal(a + 32, b + 32);
    assert_non_null(strstr(a, "\\u0001b\\u001F\\n"));
    free(a);
    free(b);
}

static void
test_log_fields_not_utf8_is_a_question_mark(void **state)
{
    const struct ob_log_field f[] = {
        { "path", "/a\xff\xfe/b\xd0", 0, false },
        { "cut", "\xd0\x9f\xd1", 0, false },    /* П, then half of a letter */
    };
    json_t *got;

    (void)state;
    ob_log_fields(OB_LOG_INFO, "request", f, (int)NELEM(f));
    got = lines();
    assert_int_equal(json_array_size(got), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(got, 0), "path")),
                        "/a?" "?/b?");
    assert_string_equal(json_string_value(json_object_get(json_array_get(got, 0), "cut")),
                        "\xd0\x9f?");
    json_decref(got);
}

static void
test_log_fields_long_and_below_the_level(void **state)
{
    char *big = malloc(100001);
    struct ob_log_field f[] = { { "path", big, 0, false } };
    json_t *got;

    (void)state;
    memset(big, 'x', 100000);
    big[100000] = '\0';
    ob_log_fields(OB_LOG_INFO, "request", f, 1);
    assert_int_equal(ob_log_set_level("warn"), 0);
    ob_log_fields(OB_LOG_INFO, "request", f, 1);    /* below the level: nothing */
    assert_int_equal(ob_log_set_level("debug"), 0);
    got = lines();
    assert_int_equal(json_array_size(got), 1);
    assert_int_equal(strlen(json_string_value(json_object_get(json_array_get(got, 0), "path"))),
                     100000);
    json_decref(got);
    free(big);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_log_fields_as_jansson_writes_them),
        cmocka_unit_test(test_log_fields_same_bytes_as_jansson),
        cmocka_unit_test(test_log_fields_not_utf8_is_a_question_mark),
        cmocka_unit_test(test_log_fields_long_and_below_the_level),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
