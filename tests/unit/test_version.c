/*
 * test_version.c — version names of applications (model/areas/version.h):
 * what a name may be, and which of two is newer (a test release must be
 * newer than every released version; 1.1.0-rc.1 comes before 1.1.0).
 */
#include "unit.h"

#include "model/areas/version.h"

static const struct {
    const char *name, *text;
    int ok;
    long major, minor, patch;
    const char *suffix;
} names[] = {
    { "three numbers", "1.1.0", 1, 1, 1, 0, "" },
    { "zeros", "0.0.0", 1, 0, 0, 0, "" },
    { "six digits", "999999.0.12", 1, 999999, 0, 12, "" },
    { "a suffix", "1.2.0-rc.1", 1, 1, 2, 0, "rc.1" },
    { "the tests' broken suffix", "1.2.0-broken", 1, 1, 2, 0, "broken" },
    { "a 20-character suffix", "1.0.0-abcdefghijklmnopqrst", 1, 1, 0, 0, "abcdefghijklmnopqrst" },
    { "a 21-character suffix", "1.0.0-abcdefghijklmnopqrstu", 0, 0, 0, 0, "" },
    { "seven digits", "1000000.0.0", 0, 0, 0, 0, "" },
    { "a leading zero", "01.0.0", 0, 0, 0, 0, "" },
    { "two numbers", "1.1", 0, 0, 0, 0, "" },
    { "four numbers", "1.1.0.1", 0, 0, 0, 0, "" },
    { "a v", "v1.1.0", 0, 0, 0, 0, "" },
    { "an empty suffix", "1.1.0-", 0, 0, 0, 0, "" },
    { "a space", "1.1.0 ", 0, 0, 0, 0, "" },
    { "a bad suffix character", "1.1.0-rc_1", 0, 0, 0, 0, "" },
    { "a sign", "1.-1.0", 0, 0, 0, 0, "" },
    { "empty", "", 0, 0, 0, 0, "" },
};

static void
test_names(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(names); i++) {
        struct ob_version_num v;
        int rc = ob_version_parse(names[i].text, &v);

        CHECK_INT(names[i].name, rc == 0, names[i].ok);
        if (!names[i].ok)
            continue;
        CHECK_INT(names[i].name, v.major, names[i].major);
        CHECK_INT(names[i].name, v.minor, names[i].minor);
        CHECK_INT(names[i].name, v.patch, names[i].patch);
        CHECK_STR(names[i].name, v.suffix, names[i].suffix);
    }
    CHECK_INT("NULL", ob_version_parse(NULL, &(struct ob_version_num){ 0 }), -1);
}

static const struct {
    const char *a, *b;
    int want;
} order[] = {
    { "1.0.0", "1.1.0", -1 },
    { "1.10.0", "1.9.0", 1 },           /* numbers, not text */
    { "2.0.0", "1.99.99", 1 },
    { "1.1.0", "1.1.0", 0 },
    { "1.1.0-rc.1", "1.1.0", -1 },      /* a pre-release comes before its version */
    { "1.1.0", "1.1.0-rc.1", 1 },
    { "1.1.0-rc.1", "1.1.0-rc.2", -1 },
    { "1.1.1-rc.1", "1.1.0", 1 },
    { "1.2.0-broken", "1.1.0", 1 },
};

static void
test_order(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(order); i++) {
        struct ob_version_num a, b;

        assert_int_equal(ob_version_parse(order[i].a, &a), 0);
        assert_int_equal(ob_version_parse(order[i].b, &b), 0);
        CHECK_INT(order[i].a, ob_version_cmp(&a, &b), order[i].want);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_order),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
