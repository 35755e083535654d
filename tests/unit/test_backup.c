/*
 * test_backup.c — the retention ladder of backups (R-DA-5, --backup-keep):
 * its parser with the edge cases, and which daily copies it keeps, each
 * expectation counted from the sentence "the newest daily backup of each of
 * the last 7 days, of each of the last 4 ISO weeks, of each of the last 3
 * months is kept", at the boundaries of a week and of a month.
 */
#include "unit.h"

#include <stdbool.h>

#include "base/date.h"
#include "base/err.h"
#include "model/areas/backup.h"

static const struct keep_case {
    const char *text;
    int ok, days, weeks, months;
} keep_cases[] = {
    { "7d,4w,3m", 1, 7, 4, 3 },
    { "3m,7d", 1, 7, 0, 3 },
    { "30d", 1, 30, 0, 0 },
    { "0d,1w", 1, 0, 1, 0 },
    { "3660d,520w,120m", 1, 3660, 520, 120 },
    { "3661d", 0, 0, 0, 0 },
    { "121m", 0, 0, 0, 0 },
    { "", 0, 0, 0, 0 },
    { "7", 0, 0, 0, 0 },
    { "d", 0, 0, 0, 0 },
    { "7d,", 0, 0, 0, 0 },
    { ",7d", 0, 0, 0, 0 },
    { "7d,7d", 0, 0, 0, 0 },
    { "7d 4w", 0, 0, 0, 0 },
    { "7y", 0, 0, 0, 0 },
    { "-1d", 0, 0, 0, 0 },
    { "99999999999d", 0, 0, 0, 0 },
    { "7D", 0, 0, 0, 0 },
};

static void
test_parse(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(keep_cases); i++) {
        const struct keep_case *c = &keep_cases[i];
        struct ob_backup_keep k = { -1, -1, -1 };
        struct ob_err err = { 0 };
        int rc = ob_backup_keep_parse(c->text, &k, &err);

        CHECK_INT(c->text, rc == 0, c->ok);
        if (!c->ok) {
            CHECK_STR(c->text, err.field, "backup-keep");
            continue;
        }
        CHECK_INT(c->text, k.days, c->days);
        CHECK_INT(c->text, k.weeks, c->weeks);
        CHECK_INT(c->text, k.months, c->months);
    }
    assert_int_not_equal(ob_backup_keep_parse(NULL, &(struct ob_backup_keep){ 0, 0, 0 }, NULL),
                         0);
}

/* A copy on each of the `n` days up to `today`, newest first; the kept
 * days into out (newest first); their count. */
static int
kept_days(const char *keep, const char *today, int n, char out[][OB_DATE_LEN])
{
    struct ob_backup_keep k;
    int32_t t, day[400];
    bool kept[400];
    int m = 0;

    assert_int_equal(ob_backup_keep_parse(keep, &k, NULL), 0);
    assert_int_equal(ob_date_parse(today, &t), 0);
    for (int i = 0; i < n; i++)
        day[i] = t - i;
    ob_backup_keep_decide(&k, t, day, n, kept);
    for (int i = 0; i < n; i++)
        if (kept[i])
            ob_date_format(day[i], out[m++]);
    return m;
}

static void
check_days(const char *name, char got[][OB_DATE_LEN], int n, const char *const *want, int nwant)
{
    CHECK_INT(name, n, nwant);
    for (int i = 0; i < n && i < nwant; i++)
        CHECK_STR(name, got[i], want[i]);
}

/* Monday 1 March 2027: the first day of a week and of a month at once. The
 * 7 days are 23 Feb .. 1 Mar; the 4 weeks' newest are 1 Mar (this week so
 * far), Sun 28 Feb, Sun 21 Feb, Sun 14 Feb; the 3 months' newest are 1 Mar,
 * 28 Feb, 31 Jan: 10 copies kept after 120 days. */
static void
test_ladder_week_and_month_edge(void **state)
{
    static const char *const want[] = { "2027-03-01", "2027-02-28", "2027-02-27", "2027-02-26",
                                         "2027-02-25", "2027-02-24", "2027-02-23", "2027-02-21",
                                         "2027-02-14", "2027-01-31" };
    char got[400][OB_DATE_LEN];

    (void)state;
    check_days("R-DA-5: 7 daily, 4 weekly, 3 monthly kept after 120 days (1 March 2027)", got,
               kept_days("7d,4w,3m", "2027-03-01", 120, got), want, NELEM(want));
}

/* Sunday 6 December 2026: the 7 days are the whole ISO week 30 Nov–6 Dec;
 * the 4 weeks' newest are 6 Dec, Sun 29 Nov, 22 Nov, 15 Nov; the 3 months'
 * newest are 6 Dec, 30 Nov, 31 Oct: 11 copies. */
static void
test_ladder_sunday(void **state)
{
    static const char *const want[] = { "2026-12-06", "2026-12-05", "2026-12-04", "2026-12-03",
                                         "2026-12-02", "2026-12-01", "2026-11-30", "2026-11-29",
                                         "2026-11-22", "2026-11-15", "2026-10-31" };
    char got[400][OB_DATE_LEN];

    (void)state;
    check_days("R-DA-5: a Sunday keeps its whole week and three Sundays before", got,
               kept_days("7d,4w,3m", "2026-12-06", 120, got), want, NELEM(want));
}

/* Only a few days of copies: everything is kept, nothing invented. */
static void
test_ladder_young(void **state)
{
    static const char *const want[] = { "2026-12-06", "2026-12-05", "2026-12-04" };
    char got[400][OB_DATE_LEN];

    (void)state;
    check_days("R-DA-5: three days of copies are all kept", got,
               kept_days("7d,4w,3m", "2026-12-06", 3, got), want, NELEM(want));
}

/* Two copies on one day (the job run again after a copy was deleted by
 * hand, or a restore's day): the newer (first) is the day's. A copy dated
 * after today (the clock moved back) is not kept by the ladder. */
static void
test_ladder_same_day(void **state)
{
    struct ob_backup_keep k = { 7, 0, 0 };
    int32_t t, day[3];
    bool kept[3];

    (void)state;
    assert_int_equal(ob_date_parse("2026-12-06", &t), 0);
    day[0] = t;
    day[1] = t;
    day[2] = t - 1;
    ob_backup_keep_decide(&k, t, day, 3, kept);
    CHECK_INT("R-DA-5: the newest of a day", kept[0], 1);
    CHECK_INT("R-DA-5: an older copy of the same day goes", kept[1], 0);
    CHECK_INT("R-DA-5: the day before is its own", kept[2], 1);
    day[0] = t + 1;
    ob_backup_keep_decide(&k, t, day, 1, kept);
    CHECK_INT("a copy of a day after today", kept[0], 0);
}

/* Where the ladder reaches back to: copies people asked for are kept until
 * they are older than it. */
static void
test_first_day(void **state)
{
    struct ob_backup_keep k = { 7, 4, 3 }, days_only = { 7, 0, 0 };
    int32_t t, want;
    (void)state;
    assert_int_equal(ob_date_parse("2027-03-01", &t), 0);
    assert_int_equal(ob_date_parse("2027-01-01", &want), 0);
    CHECK_INT("R-DA-5: 3 months from 1 March reach 1 January", ob_backup_keep_first_day(&k, t),
              want);
    assert_int_equal(ob_date_parse("2027-02-23", &want), 0);
    CHECK_INT("7 days from 1 March reach 23 February", ob_backup_keep_first_day(&days_only, t),
              want);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_ladder_week_and_month_edge),
        cmocka_unit_test(test_ladder_sunday),
        cmocka_unit_test(test_ladder_young),
        cmocka_unit_test(test_ladder_same_day),
        cmocka_unit_test(test_first_day),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
