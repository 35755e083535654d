/*
 * test_request.c — the rules of requests (R-SUB-2) as tables named by
 * rule.
 */
#include "unit.h"

#include <stdbool.h>

#include "base/date.h"
#include "model/requests/request.h"

static int32_t
d(const char *s)
{
    int32_t day = 0;

    assert_int_equal(ob_date_parse(s, &day), 0);
    return day;
}

static void
test_late_requests(void **state)
{
    static const struct {
        const char *name, *posted, *filed;
        bool late;
    } rows[] = {
        { "R-SUB-2 posted Wednesday, filed Monday", "2026-11-25", "2026-11-30", false },
        { "R-SUB-2 posted Wednesday, filed Tuesday", "2026-11-25", "2026-12-01", true },
        { "R-SUB-2 posted Monday: the following Monday", "2026-11-30", "2026-12-07", false },
        { "R-SUB-2 posted Monday, filed a week and a day later", "2026-11-30", "2026-12-08",
          true },
        { "R-SUB-2 posted Sunday, filed next day", "2026-11-29", "2026-11-30", false },
        { "R-SUB-2 posted Sunday, filed Tuesday", "2026-11-29", "2026-12-01", true },
        { "R-SUB-2 same day", "2026-11-27", "2026-11-27", false },
    };

    (void)state;
    for (size_t i = 0; i < NELEM(rows); i++)
        CHECK_INT(rows[i].name, ob_request_late(d(rows[i].posted), d(rows[i].filed)),
                  rows[i].late);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_late_requests),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
