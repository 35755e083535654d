/*
 * test_date.c — civil dates, month arithmetic (R-SUB-0), instants and
 * the service time zone.
 *
 * Expected values were computed outside the code under test (GNU date), so a
 * wrong algorithm cannot agree with itself. The time zone is process-wide:
 * every test that depends on it sets it first.
 */
#include <stdio.h>

#include "base/date.h"
#include "base/err.h"
#include "unit.h"
#include "base/banned.h"

static int32_t
day_of(const char *s)
{
    int32_t d = 0;

    if (ob_date_parse(s, &d) != 0)
        fail_msg("test setup: cannot parse '%s'", s);
    return d;
}

static const struct parse_case {
    const char *name, *in;
    int want_rc;
    int y, m, d;
} parse_cases[] = {
    { "plain date", "2026-01-31", 0, 2026, 1, 31 },
    { "leap day of a leap year", "2024-02-29", 0, 2024, 2, 29 },
    { "leap day of 2000 (div by 400)", "2000-02-29", 0, 2000, 2, 29 },
    { "first representable", "0001-01-01", 0, 1, 1, 1 },
    { "last representable", "9999-12-31", 0, 9999, 12, 31 },
    { "leap day of a common year", "2025-02-29", OB_EINVAL, 0, 0, 0 },
    { "leap day of 1900 (div by 100)", "1900-02-29", OB_EINVAL, 0, 0, 0 },
    { "Feb 30 of a leap year", "2024-02-30", OB_EINVAL, 0, 0, 0 },
    { "Apr 31", "2026-04-31", OB_EINVAL, 0, 0, 0 },
    { "month 13", "2026-13-01", OB_EINVAL, 0, 0, 0 },
    { "month 0", "2026-00-10", OB_EINVAL, 0, 0, 0 },
    { "day 0", "2026-01-00", OB_EINVAL, 0, 0, 0 },
    { "year 0", "0000-01-01", OB_EINVAL, 0, 0, 0 },
    { "one-digit month", "2026-1-01", OB_EINVAL, 0, 0, 0 },
    { "one-digit day", "2026-01-1", OB_EINVAL, 0, 0, 0 },
    { "trailing char", "2026-01-011", OB_EINVAL, 0, 0, 0 },
    { "trailing space", "2026-01-01 ", OB_EINVAL, 0, 0, 0 },
    { "leading space", " 2026-01-01", OB_EINVAL, 0, 0, 0 },
    { "slashes", "2026/01/01", OB_EINVAL, 0, 0, 0 },
    { "letters", "2026-0a-01", OB_EINVAL, 0, 0, 0 },
    { "sign in year", "+026-01-01", OB_EINVAL, 0, 0, 0 },
    { "time appended", "2026-01-01T00:00", OB_EINVAL, 0, 0, 0 },
    { "empty", "", OB_EINVAL, 0, 0, 0 },
};

static void
test_date_parse(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(parse_cases); i++) {
        const struct parse_case *c = &parse_cases[i];
        int32_t day = -777;
        char out[OB_DATE_LEN];
        int y, m, d;

        CHECK_INT(c->name, ob_date_parse(c->in, &day), c->want_rc);
        if (c->want_rc != 0) {
            CHECK_INT(c->name, day, -777);   /* untouched on error */
            continue;
        }
        CHECK_INT(c->name, day, ob_date_from_ymd(c->y, c->m, c->d));
        ob_date_to_ymd(day, &y, &m, &d);
        CHECK_INT(c->name, y * 10000 + m * 100 + d, c->y * 10000 + c->m * 100 + c->d);
        ob_date_format(day, out);
        CHECK_STR(c->name, out, c->in);
    }
    assert_int_equal(ob_date_parse(NULL, &(int32_t){ 0 }), OB_EINVAL);
}

/* The format is written by hand: the text printf gave, for every day of
 * years 0001 to 9999 and for days whose years take more digits or none. */
static void
test_date_format_as_printf(void **state)
{
    static const int32_t far[] = { INT32_MIN, INT32_MIN + 1, -800000000, -719469, -1, 0,
                                   2932896, 2932897, 800000000, INT32_MAX };
    int32_t first = ob_date_from_ymd(1, 1, 1), last = ob_date_from_ymd(9999, 12, 31);
    char got[OB_DATE_LEN], want[32];

    (void)state;
    for (int64_t day = first - 400; day <= last + 400; day++) {
        int y, m, d;

        ob_date_to_ymd((int32_t)day, &y, &m, &d);
        snprintf(want, sizeof(want), "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
                 (unsigned)d % 100u);
        ob_date_format((int32_t)day, got);
        if (strcmp(got, want) != 0)
            fail_msg("day %lld: '%s', want '%s'", (long long)day, got, want);
    }
    for (size_t i = 0; i < NELEM(far); i++) {
        int y, m, d;

        ob_date_to_ymd(far[i], &y, &m, &d);
        snprintf(want, sizeof(want), "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
                 (unsigned)d % 100u);
        ob_date_format(far[i], got);
        CHECK_STR("a far day", got, want);
    }
}

/* An instant's text, by hand where the year has four digits: printf's. */
static void
test_instant_format_as_printf(void **state)
{
    static const int64_t far[] = { -62135596801LL, -62135596800LL, -1, 0, 1, 253402300799LL,
                                   253402300800LL, 4102444800LL };
    char got[OB_INSTANT_LEN], want[64];

    (void)state;
    for (size_t i = 0; i < NELEM(far) + 200000; i++) {
        int64_t t = i < NELEM(far) ? far[i] : (int64_t)(i - NELEM(far)) * 9973 - 1000000007LL;
        int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400, secs = t - days * 86400;
        int y, m, d;

        ob_date_to_ymd((int32_t)days, &y, &m, &d);
        snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d,
                 (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
        ob_instant_format(t, got);
        if (strcmp(got, want) != 0)
            fail_msg("instant %lld: '%s', want '%s'", (long long)t, got, want);
    }
}

static const struct epoch_case {
    const char *date;
    int32_t day;    /* days since 1970-01-01, from GNU date */
    int weekday;    /* ISO, from GNU date +%u */
} epoch_cases[] = {
    { "1970-01-01", 0, 4 },     { "1969-12-29", -3, 1 },    { "2000-01-01", 10957, 6 },
    { "2024-02-29", 19782, 4 }, { "2026-01-01", 20454, 4 }, { "2026-02-01", 20485, 7 },
    { "2026-02-02", 20486, 1 }, { "1600-03-01", -135080, 3 },
};

static void
test_date_epoch_and_weekday(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(epoch_cases); i++) {
        const struct epoch_case *c = &epoch_cases[i];
        char out[OB_DATE_LEN];

        CHECK_INT(c->date, day_of(c->date), c->day);
        CHECK_INT(c->date, ob_date_weekday(c->day), c->weekday);
        ob_date_format(c->day, out);
        CHECK_STR(c->date, out, c->date);
    }
}

static bool
leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Walk every day from 1600-01-01 to 2400-12-31 with an independent calendar
 * and check both conversions and the weekday cycle on each. */
static void
test_date_ymd_round_trip(void **state)
{
    static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int32_t want = ob_date_from_ymd(1600, 1, 1);
    int prev_wd = ob_date_weekday(want) == 1 ? 7 : ob_date_weekday(want) - 1;

    (void)state;
    for (int y = 1600; y <= 2400; y++) {
        for (int m = 1; m <= 12; m++) {
            int n = mdays[m - 1] + (m == 2 && leap(y));

            if (ob_date_days_in_month(y, m) != n)
                fail_msg("days in %04d-%02d: %d, want %d", y, m, ob_date_days_in_month(y, m), n);
            for (int d = 1; d <= n; d++, want++) {
                int yy, mm, dd, wd = ob_date_weekday(want);

                if (ob_date_from_ymd(y, m, d) != want)
                    fail_msg("from_ymd %04d-%02d-%02d: %d, want %d", y, m, d,
                             ob_date_from_ymd(y, m, d), want);
                ob_date_to_ymd(want, &yy, &mm, &dd);
                if (yy != y || mm != m || dd != d)
                    fail_msg("to_ymd %d: %04d-%02d-%02d, want %04d-%02d-%02d", want, yy, mm, dd,
                             y, m, d);
                if (wd != prev_wd % 7 + 1)
                    fail_msg("weekday of %04d-%02d-%02d: %d after %d", y, m, d, wd, prev_wd);
                prev_wd = wd;
            }
        }
    }
}

static const struct month_case {
    const char *rule, *from;
    int months;
    const char *want;
} month_cases[] = {
    { "R-SUB-0 same day next month", "2026-01-15", 1, "2026-02-15" },
    { "R-SUB-0 Jan 31 + 1 → Mar 1", "2026-01-31", 1, "2026-03-01" },
    { "R-SUB-0 Jan 31 + 1 → Mar 1 in a leap year", "2024-01-31", 1, "2024-03-01" },
    { "R-SUB-0 Jan 30 + 1 → Mar 1 in a common year", "2026-01-30", 1, "2026-03-01" },
    { "R-SUB-0 Jan 29 + 1 → Feb 29 in a leap year", "2024-01-29", 1, "2024-02-29" },
    { "R-SUB-0 Jan 29 + 1 → Mar 1 in a common year", "2025-01-29", 1, "2025-03-01" },
    { "R-SUB-0 Jan 28 + 1 → Feb 28", "2025-01-28", 1, "2025-02-28" },
    { "R-SUB-0 Dec 31 + 2 → Mar 1 across the year", "2025-12-31", 2, "2026-03-01" },
    { "R-SUB-0 Mar 31 + 1 → May 1", "2026-03-31", 1, "2026-05-01" },
    { "R-SUB-0 Aug 31 + 1 → Oct 1", "2026-08-31", 1, "2026-10-01" },
    { "R-SUB-0 Aug 31 + 2 → Oct 31", "2026-08-31", 2, "2026-10-31" },
    { "R-SUB-0 Nov 30 + 3 → Mar 1", "2025-11-30", 3, "2026-03-01" },
    { "R-SUB-0 Feb 29 + 12 → Mar 1", "2024-02-29", 12, "2025-03-01" },
    { "R-SUB-0 Feb 29 + 48 → Feb 29", "2024-02-29", 48, "2028-02-29" },
    { "R-SUB-0 Dec 15 + 1 → next year", "2025-12-15", 1, "2026-01-15" },
    { "R-SUB-0 Jan 31 + 12", "2026-01-31", 12, "2027-01-31" },
    { "R-SUB-0 Jan 31 + 120", "2026-01-31", 120, "2036-01-31" },
    { "R-SUB-0 + 0 is the same day", "2026-01-31", 0, "2026-01-31" },
    { "R-SUB-0 + 0 on a leap day", "2024-02-29", 0, "2024-02-29" },
    { "R-SUB-0 - 1 into the previous year", "2026-01-15", -1, "2025-12-15" },
    { "R-SUB-0 - 13", "2026-01-15", -13, "2024-12-15" },
    { "R-SUB-0 - 1 from Mar 31: Feb 31 missing → Mar 1", "2026-03-31", -1, "2026-03-01" },
    { "R-SUB-0 - 12 from Feb 29 → Mar 1", "2024-02-29", -12, "2023-03-01" },
    { "R-SUB-0 - 24 Dec 31", "2026-12-31", -24, "2024-12-31" },
};

static void
test_date_add_months(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(month_cases); i++) {
        const struct month_case *c = &month_cases[i];
        char out[OB_DATE_LEN];
        int32_t end = 0;

        CHECK_INT(c->rule, ob_date_add_months(day_of(c->from), c->months, &end), 0);
        ob_date_format(end, out);
        CHECK_STR(c->rule, out, c->want);
    }
}

/* Issue 9 item 11: 9999-12-01 + 12 months printed as "0000-12-01" and read
 * back as nothing. Arithmetic that would leave the years 0001..9999 refuses;
 * the last representable results are still given. */
static const struct edge_case {
    const char *name, *from;
    int months, days;
    const char *want;       /* NULL: refused */
} edge_cases[] = {
    { "the wrap of issue 9: 9999-12-01 + 12 months", "9999-12-01", 12, 0, NULL },
    { "9999-12-01 + 1 month", "9999-12-01", 1, 0, NULL },
    { "9999-11-30 + 1 month is the last month", "9999-11-30", 1, 0, "9999-12-30" },
    { "9999-12-31 + 0 months", "9999-12-31", 0, 0, "9999-12-31" },
    { "9998-12-31 + 12 months", "9998-12-31", 12, 0, "9999-12-31" },
    { "0001-01-31 - 1 month", "0001-01-31", -1, 0, NULL },
    { "0001-02-28 - 1 month", "0001-02-28", -1, 0, "0001-01-28" },
    { "a huge term", "2026-01-31", 2000000000, 0, NULL },
    { "a huge negative term", "2026-01-31", -2000000000, 0, NULL },
    { "2199-12-31 + 1200 months (PARTNER-OWN from the window's end)", "2199-12-31", 1200, 0,
      "2299-12-31" },
    { "9999-12-31 + 1 day", "9999-12-31", 0, 1, NULL },
    { "9999-12-30 + 1 day", "9999-12-30", 0, 1, "9999-12-31" },
    { "0001-01-01 - 1 day", "0001-01-01", 0, -1, NULL },
    { "2199-12-31 + 365 days (2200 is not a leap year)", "2199-12-31", 0, 365, "2200-12-31" },
    { "a huge number of days", "2026-01-31", 0, 2000000000, NULL },
};

static void
test_date_arithmetic_edges(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(edge_cases); i++) {
        const struct edge_case *c = &edge_cases[i];
        int32_t out = -777;
        char s[OB_DATE_LEN];
        int rc = c->days ? ob_date_add_days(day_of(c->from), c->days, &out)
                         : ob_date_add_months(day_of(c->from), c->months, &out);

        if (!c->want) {
            CHECK_INT(c->name, rc, OB_EINVAL);
            CHECK_INT(c->name, out, -777);      /* untouched */
            continue;
        }
        CHECK_INT(c->name, rc, 0);
        ob_date_format(out, s);
        CHECK_STR(c->name, s, c->want);
    }
}

/* The window of dates a person may give: 2000-01-01 .. 2199-12-31. */
static const struct window_case {
    const char *name, *in;
    int want_rc;
} window_cases[] = {
    { "the window's first day", OB_DATE_INPUT_FIRST, 0 },
    { "the window's last day", OB_DATE_INPUT_LAST, 0 },
    { "a day before the window", "1999-12-31", OB_EINVAL },
    { "a day after the window", "2200-01-01", OB_EINVAL },
    { "the start of issue 9", "9999-12-01", OB_EINVAL },
    { "the first representable day", "0001-01-01", OB_EINVAL },
    { "a plain day inside", "2026-01-31", 0 },
    { "not a date at all", "2026-02-30", OB_EINVAL },
    { "nothing", "", OB_EINVAL },
};

static void
test_date_parse_input(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(window_cases); i++) {
        const struct window_case *c = &window_cases[i];
        int32_t day = -777;

        CHECK_INT(c->name, ob_date_parse_input(c->in, &day), c->want_rc);
        if (c->want_rc == 0) {
            CHECK_INT(c->name, day, day_of(c->in));
            CHECK_TRUE(c->name, ob_date_in_window(day));
        } else {
            CHECK_INT(c->name, day, -777);
        }
    }
    CHECK_INT("NULL", ob_date_parse_input(NULL, &(int32_t){ 0 }), OB_EINVAL);
    CHECK_TRUE("the window's edges are its own", ob_date_in_window(day_of("2000-01-01")) &&
                                                     !ob_date_in_window(day_of("1999-12-31")) &&
                                                     ob_date_in_window(day_of("2199-12-31")) &&
                                                     !ob_date_in_window(day_of("2200-01-01")));
}

static const struct instant_case {
    const char *name, *in;
    int want_rc;
    int64_t t;
} instant_cases[] = {
    { "UTC with Z", "2026-01-31T21:30:00Z", 0, 1769895000 },
    { "lower-case t and z", "2026-01-31t21:30:00z", 0, 1769895000 },
    { "space separator", "2026-01-31 21:30:00Z", 0, 1769895000 },
    { "offset +03:00", "2026-02-01T00:30:00+03:00", 0, 1769895000 },
    { "offset -05:30", "2026-01-31T16:00:00-05:30", 0, 1769895000 },
    { "offset +00:00", "2026-01-31T21:30:00+00:00", 0, 1769895000 },
    { "fraction dropped", "2026-01-31T21:30:00.999999Z", 0, 1769895000 },
    { "fraction with offset", "2026-02-01T00:30:00.5+03:00", 0, 1769895000 },
    { "epoch", "1970-01-01T00:00:00Z", 0, 0 },
    { "before the epoch", "1969-12-31T23:59:59Z", 0, -1 },
    { "leap day", "2000-02-29T00:00:00Z", 0, 951782400 },
    { "last second of 9999", "9999-12-31T23:59:59Z", 0, 253402300799 },
    { "no zone", "2026-01-31T21:30:00", OB_EINVAL, 0 },
    { "no seconds", "2026-01-31T21:30Z", OB_EINVAL, 0 },
    { "hour 24", "2026-01-31T24:00:00Z", OB_EINVAL, 0 },
    { "minute 60", "2026-01-31T21:60:00Z", OB_EINVAL, 0 },
    { "invalid date", "2026-02-30T00:00:00Z", OB_EINVAL, 0 },
    { "bad separator", "2026-01-31X21:30:00Z", OB_EINVAL, 0 },
    { "empty fraction", "2026-01-31T21:30:00.Z", OB_EINVAL, 0 },
    { "offset without colon", "2026-01-31T21:30:00+0300", OB_EINVAL, 0 },
    { "offset hour only", "2026-01-31T21:30:00+03", OB_EINVAL, 0 },
    { "offset 24:00", "2026-01-31T21:30:00+24:00", OB_EINVAL, 0 },
    { "offset minutes 60", "2026-01-31T21:30:00+03:60", OB_EINVAL, 0 },
    { "trailing after Z", "2026-01-31T21:30:00ZZ", OB_EINVAL, 0 },
    { "trailing after offset", "2026-01-31T21:30:00+03:00x", OB_EINVAL, 0 },
    { "sign in hour", "2026-01-31T+1:30:00Z", OB_EINVAL, 0 },
    { "empty", "", OB_EINVAL, 0 },
};

static void
test_instant_parse(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(instant_cases); i++) {
        const struct instant_case *c = &instant_cases[i];
        int64_t t = 4242;

        CHECK_INT(c->name, ob_instant_parse(c->in, &t), c->want_rc);
        CHECK_INT(c->name, t, c->want_rc == 0 ? c->t : 4242);
    }
    assert_int_equal(ob_instant_parse(NULL, &(int64_t){ 0 }), OB_EINVAL);
}

static const struct format_case {
    int64_t t;
    const char *want;
} format_cases[] = {
    { 1769895000, "2026-01-31T21:30:00Z" },
    { 0, "1970-01-01T00:00:00Z" },
    { -1, "1969-12-31T23:59:59Z" },
    { -86400, "1969-12-31T00:00:00Z" },
    { 951782400, "2000-02-29T00:00:00Z" },
    { 253402300799, "9999-12-31T23:59:59Z" },
};

static void
test_instant_format(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(format_cases); i++) {
        const struct format_case *c = &format_cases[i];
        char out[OB_INSTANT_LEN];
        int64_t back = 0;

        ob_instant_format(c->t, out);
        CHECK_STR(c->want, out, c->want);
        CHECK_INT(c->want, ob_instant_parse(out, &back), 0);
        CHECK_INT(c->want, back, c->t);
    }
}

static const struct tz_case {
    const char *name, *instant, *want_date;
} moscow_cases[] = {
    { "R-SUB-0 Moscow: Jan 31 20:59:59Z is still Jan 31", "2026-01-31T20:59:59Z", "2026-01-31" },
    { "R-SUB-0 Moscow: Jan 31 21:00:00Z is Feb 1", "2026-01-31T21:00:00Z", "2026-02-01" },
    { "R-SUB-0 Moscow: Jan 31 21:29:59Z is Feb 1", "2026-01-31T21:29:59Z", "2026-02-01" },
    { "R-SUB-0 Moscow: Jan 31 21:30:00Z is Feb 1", "2026-01-31T21:30:00Z", "2026-02-01" },
    { "R-SUB-0 Moscow: Feb 1 20:59:59Z is Feb 1", "2026-02-01T20:59:59Z", "2026-02-01" },
    { "Moscow summer time 2010 (UTC+4)", "2010-06-30T20:00:00Z", "2010-07-01" },
    { "Moscow summer time 2010, a second before", "2010-06-30T19:59:59Z", "2010-06-30" },
};

static void
check_date_of(const struct tz_case *c)
{
    int64_t t = 0;
    char out[OB_DATE_LEN];

    CHECK_INT(c->name, ob_instant_parse(c->instant, &t), 0);
    ob_date_format(ob_date_of_instant(t), out);
    CHECK_STR(c->name, out, c->want_date);
}

static void
test_tz_moscow_day_boundary(void **state)
{
    struct ob_err err = { 0 };
    char out[OB_INSTANT_LEN];

    (void)state;
    assert_int_equal(ob_tz_set("Europe/Moscow", &err), 0);
    assert_string_equal(ob_tz_name(), "Europe/Moscow");
    for (size_t i = 0; i < NELEM(moscow_cases); i++)
        check_date_of(&moscow_cases[i]);
    ob_instant_format(ob_date_start(day_of("2026-02-01")), out);
    assert_string_equal(out, "2026-01-31T21:00:00Z");
    ob_instant_format(ob_date_start(day_of("2010-07-01")), out);
    assert_string_equal(out, "2010-06-30T20:00:00Z");
}

static void
test_tz_utc(void **state)
{
    static const struct tz_case utc = { "UTC: 21:30Z is still Jan 31", "2026-01-31T21:30:00Z",
                                        "2026-01-31" };
    char out[OB_INSTANT_LEN];

    (void)state;
    assert_int_equal(ob_tz_set("UTC", NULL), 0);
    check_date_of(&utc);
    ob_instant_format(ob_date_start(day_of("2026-02-01")), out);
    assert_string_equal(out, "2026-02-01T00:00:00Z");
}

/* A thread remembers its last instant's date: a zone set after it is
 * asked again, not answered from the old zone. */
static void
test_tz_same_instant_two_zones(void **state)
{
    static const struct tz_case moscow = { "Moscow: 21:30Z is Feb 1", "2026-01-31T21:30:00Z",
                                           "2026-02-01" };
    static const struct tz_case utc = { "then UTC: the same instant is Jan 31",
                                        "2026-01-31T21:30:00Z", "2026-01-31" };

    (void)state;
    assert_int_equal(ob_tz_set("Europe/Moscow", NULL), 0);
    check_date_of(&moscow);
    check_date_of(&moscow);
    assert_int_equal(ob_tz_set("UTC", NULL), 0);
    check_date_of(&utc);
    assert_int_equal(ob_tz_set("Europe/Moscow", NULL), 0);
    check_date_of(&moscow);
}

static const char *const bad_zones[] = {
    "Mars/Olympus", "../etc/passwd", "", "/etc/localtime", "Europe/../Europe/Moscow",
    "Europe/Moscow\n", "Europe/Moscow;rm", "Europe/Moscow/",
};

static void
test_tz_refuses_bad_names(void **state)
{
    (void)state;
    assert_int_equal(ob_tz_set("Europe/Moscow", NULL), 0);
    for (size_t i = 0; i < NELEM(bad_zones); i++) {
        struct ob_err err = { 0 };

        CHECK_INT(bad_zones[i], ob_tz_set(bad_zones[i], &err), OB_EINVAL);
        CHECK_INT(bad_zones[i], err.rc, OB_EINVAL);
        CHECK_STR(bad_zones[i], err.field, "tz");
        CHECK_STR(bad_zones[i], ob_tz_name(), "Europe/Moscow");    /* unchanged */
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_date_parse),
        cmocka_unit_test(test_date_format_as_printf),
        cmocka_unit_test(test_instant_format_as_printf),
        cmocka_unit_test(test_date_epoch_and_weekday),
        cmocka_unit_test(test_date_ymd_round_trip),
        cmocka_unit_test(test_date_add_months),
        cmocka_unit_test(test_date_arithmetic_edges),
        cmocka_unit_test(test_date_parse_input),
        cmocka_unit_test(test_instant_parse),
        cmocka_unit_test(test_instant_format),
        cmocka_unit_test(test_tz_moscow_day_boundary),
        cmocka_unit_test(test_tz_utc),
        cmocka_unit_test(test_tz_same_instant_two_zones),
        cmocka_unit_test(test_tz_refuses_bad_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
