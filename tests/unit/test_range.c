/*
 * test_range.c — the Range header of a download (base/range.h): one byte
 * range, resumed downloads, and what is ignored or unsatisfiable.
 */
#include <stdio.h>
#include <string.h>

#include "base/range.h"
#include "unit.h"
#include "base/banned.h"

static const struct range_case {
    const char *name, *header;
    long long size;
    int want;
    long long first, last;
} cases[] = {
    { "no header: the whole object", NULL, 1000, OB_RANGE_FULL, 0, 999 },
    { "the first 100 bytes", "bytes=0-99", 1000, OB_RANGE_PART, 0, 99 },
    { "resume from a byte to the end", "bytes=400-", 1000, OB_RANGE_PART, 400, 999 },
    { "the last byte", "bytes=999-999", 1000, OB_RANGE_PART, 999, 999 },
    { "an end past the object is cut", "bytes=900-5000", 1000, OB_RANGE_PART, 900, 999 },
    { "the last 10 bytes", "bytes=-10", 1000, OB_RANGE_PART, 990, 999 },
    { "a suffix longer than the object is all of it", "bytes=-5000", 1000, OB_RANGE_PART, 0, 999 },
    { "the unit in capitals", "Bytes=0-0", 1000, OB_RANGE_PART, 0, 0 },
    { "spaces around the range", "bytes= 1-2 ", 1000, OB_RANGE_PART, 1, 2 },
    { "a start at the end is unsatisfiable", "bytes=1000-", 1000, OB_RANGE_NONE, 0, 999 },
    { "a start past the end is unsatisfiable", "bytes=2000-3000", 1000, OB_RANGE_NONE, 0, 999 },
    { "an empty object has no range", "bytes=0-", 0, OB_RANGE_NONE, 0, -1 },
    { "a zero suffix is unsatisfiable", "bytes=-0", 1000, OB_RANGE_NONE, 0, 999 },
    { "several ranges are ignored", "bytes=0-1,5-6", 1000, OB_RANGE_FULL, 0, 999 },
    { "another unit is ignored", "items=0-1", 1000, OB_RANGE_FULL, 0, 999 },
    { "first after last is ignored", "bytes=5-1", 1000, OB_RANGE_FULL, 0, 999 },
    { "no numbers is ignored", "bytes=-", 1000, OB_RANGE_FULL, 0, 999 },
    { "a sign is ignored", "bytes=+1-2", 1000, OB_RANGE_FULL, 0, 999 },
    { "a negative start is a suffix, a second dash is ignored", "bytes=-1-2", 1000,
      OB_RANGE_FULL, 0, 999 },
    { "19 digits are ignored, not wrapped", "bytes=9999999999999999999-", 1000, OB_RANGE_FULL, 0,
      999 },
    { "trailing junk is ignored", "bytes=0-1x", 1000, OB_RANGE_FULL, 0, 999 },
    { "nothing after the unit is ignored", "bytes=", 1000, OB_RANGE_FULL, 0, 999 },
};

static void
test_range_parse(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(cases); i++) {
        const struct range_case *c = &cases[i];
        int64_t first = -7, last = -7;
        int got = ob_range_parse(c->header, c->size, &first, &last);

        CHECK_INT(c->name, got, c->want);
        if (got == OB_RANGE_NONE)
            continue;
        CHECK_INT(c->name, first, c->first);
        CHECK_INT(c->name, last, c->last);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_range_parse),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
