/*
 * date.c — civil-date arithmetic (Howard Hinnant's days-from-civil
 * algorithms) and the conversion between instants and dates in the service
 * time zone, through the C library's zone database (TZ + localtime_r/mktime).
 *
 * The zone is process-wide: ob_tz_set sets TZ before any thread starts and
 * nothing changes it afterwards, so localtime_r and mktime are safe to call
 * from every thread.
 */
#include <ctype.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "date.h"
#include "err.h"
#include "banned.h"

static char tz_name[64] = "UTC";
/* Counts ob_tz_set's calls: a thread's remembered date (ob_date_of_instant)
 * is of the zone it was read in. */
static _Atomic unsigned tz_gen;

int32_t
ob_date_from_ymd(int y, int m, int d)
{
    int64_t yy = y - (m <= 2);
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return (int32_t)(era * 146097 + doe - 719468);
}

void
ob_date_to_ymd(int32_t day, int *y, int *m, int *d)
{
    int64_t z = (int64_t)day + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t dd = doy - (153 * mp + 2) / 5 + 1;
    int64_t mm = mp < 10 ? mp + 3 : mp - 9;

    *y = (int)(yoe + era * 400 + (mm <= 2));
    *m = (int)mm;
    *d = (int)dd;
}

static bool
leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
ob_date_days_in_month(int y, int m)
{
    static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

    if (m < 1 || m > 12)
        return 0;
    return m == 2 && leap(y) ? 29 : days[m - 1];
}

static bool
valid_ymd(int y, int m, int d)
{
    return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= ob_date_days_in_month(y, m);
}

static int
digits(const char *s, int n)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int
ob_date_parse(const char *s, int32_t *day)
{
    int y, m, d;

    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return OB_EINVAL;
    y = digits(s, 4);
    m = digits(s + 5, 2);
    d = digits(s + 8, 2);
    if (y < 0 || m < 0 || d < 0 || !valid_ymd(y, m, d))
        return OB_EINVAL;
    *day = ob_date_from_ymd(y, m, d);
    return 0;
}

/* The days of 0001-01-01 and 9999-12-31: what four-digit years can hold. */
#define DAY_MIN (-719162)
#define DAY_MAX 2932896

static bool
representable(int64_t day)
{
    return day >= DAY_MIN && day <= DAY_MAX;
}

bool
ob_date_in_window(int32_t day)
{
    /* 2000-01-01 and 2199-12-31 */
    return day >= 10957 && day <= 84005;
}

int
ob_date_parse_input(const char *s, int32_t *day)
{
    int32_t d;

    if (ob_date_parse(s, &d) != 0 || !ob_date_in_window(d))
        return OB_EINVAL;
    *day = d;
    return 0;
}

void
ob_date_format(int32_t day, char out[OB_DATE_LEN])
{
    int y, m, d;

    unsigned v[3];
    char *p = out;

    ob_date_to_ymd(day, &y, &m, &d);
    /* "%04u-%02u-%02u" of the same numbers, by hand: every date of every
     * answer comes through here, and printf's machinery was most of it */
    v[0] = (unsigned)y % 10000u;
    v[1] = (unsigned)m % 100u;
    v[2] = (unsigned)d % 100u;
    *p++ = (char)('0' + v[0] / 1000);
    *p++ = (char)('0' + v[0] / 100 % 10);
    *p++ = (char)('0' + v[0] / 10 % 10);
    *p++ = (char)('0' + v[0] % 10);
    for (int i = 1; i < 3; i++) {
        *p++ = '-';
        *p++ = (char)('0' + v[i] / 10);
        *p++ = (char)('0' + v[i] % 10);
    }
    *p = '\0';
}

int
ob_date_add_months(int32_t day, int months, int32_t *out)
{
    int y, m, d;
    int64_t total, r;

    if (!representable(day))
        return OB_EINVAL;
    ob_date_to_ymd(day, &y, &m, &d);
    total = (int64_t)y * 12 + (m - 1) + months;
    /* years 1 .. 9999 before the day is fitted; the 1st of the next month
     * may still step past 9999-12-31, which the last check catches */
    if (total < 12 || total > 9999LL * 12 + 11)
        return OB_EINVAL;
    y = (int)(total / 12);
    m = (int)(total % 12) + 1;
    if (d > ob_date_days_in_month(y, m))
        r = (int64_t)ob_date_from_ymd(y, m, ob_date_days_in_month(y, m)) + 1;
    else
        r = ob_date_from_ymd(y, m, d);
    if (!representable(r))
        return OB_EINVAL;
    *out = (int32_t)r;
    return 0;
}

int
ob_date_add_days(int32_t day, int days, int32_t *out)
{
    int64_t r = (int64_t)day + days;

    if (!representable(day) || !representable(r))
        return OB_EINVAL;
    *out = (int32_t)r;
    return 0;
}

int
ob_date_weekday(int32_t day)
{
    /* 1970-01-01 was a Thursday (4). */
    int64_t w = ((int64_t)day + 3) % 7;

    if (w < 0)
        w += 7;
    return (int)w + 1;
}

static bool
zone_name_ok(const char *zone)
{
    size_t n = strlen(zone);

    if (n == 0 || n >= sizeof(tz_name) || zone[0] == '/' || strstr(zone, ".."))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)zone[i]) && !strchr("/_+-", zone[i]))
            return false;
    return true;
}

int
ob_tz_set(const char *zone, struct ob_err *err)
{
    char path[160];
    const char *dir = getenv("TZDIR");

    if (!zone_name_ok(zone))
        return ob_err_field(err, OB_EINVAL, "tz", "date.bad_zone_name", "zone=%s", zone);
    snprintf(path, sizeof(path), "%s/%s", dir ? dir : "/usr/share/zoneinfo", zone);
    if (strcmp(zone, "UTC") != 0 && access(path, R_OK) != 0)
        return ob_err_field(err, OB_EINVAL, "tz", "date.unknown_time_zone", "zone=%s", zone);
    snprintf(tz_name, sizeof(tz_name), "%s", zone);
    setenv("TZ", zone, 1);
    tzset();
    atomic_fetch_add(&tz_gen, 1);
    return 0;
}

const char *
ob_tz_name(void)
{
    return tz_name;
}

/* The date of one instant depends on nothing else while the zone stays, so
 * each thread remembers its last: localtime_r takes the C library's zone
 * lock, which the request threads queued on (futex calls under GET /me's
 * load, issue 16), and a request asks about the same second more than once. */
int32_t
ob_date_of_instant(int64_t t)
{
    static _Thread_local struct {
        int64_t t;
        unsigned gen;
        int32_t day;
        bool set;
    } last;
    unsigned gen = atomic_load_explicit(&tz_gen, memory_order_relaxed);
    time_t tt = (time_t)t;
    struct tm tm;

    if (last.set && last.t == t && last.gen == gen)
        return last.day;
    localtime_r(&tt, &tm);
    last.t = t;
    last.gen = gen;
    last.day = ob_date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    last.set = true;
    return last.day;
}

int64_t
ob_date_start(int32_t day)
{
    struct tm tm = { 0 };
    int y, m, d;

    ob_date_to_ymd(day, &y, &m, &d);
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    tm.tm_isdst = -1;
    return (int64_t)mktime(&tm);
}

void
ob_instant_format(int64_t t, char out[OB_INSTANT_LEN])
{
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    int64_t secs = t - days * 86400;
    int y, m, d;

    ob_date_to_ymd((int32_t)days, &y, &m, &d);
    if (y < 0 || y > 9999) {
        snprintf(out, OB_INSTANT_LEN, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d,
                 (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
        return;
    }
    /* the same text by hand (GET /me gives the time on every call) */
    ob_date_format((int32_t)days, out);
    out[10] = 'T';
    out[11] = (char)('0' + secs / 36000);
    out[12] = (char)('0' + secs / 3600 % 10);
    out[13] = ':';
    out[14] = (char)('0' + secs / 600 % 6);
    out[15] = (char)('0' + secs / 60 % 10);
    out[16] = ':';
    out[17] = (char)('0' + secs % 60 / 10);
    out[18] = (char)('0' + secs % 10);
    out[19] = 'Z';
    out[20] = '\0';
}

int
ob_instant_parse(const char *s, int64_t *t)
{
    int32_t day;
    char date[OB_DATE_LEN];
    int hh, mi, ss, off = 0;
    const char *p;

    if (!s || strlen(s) < 20 || (s[10] != 'T' && s[10] != 't' && s[10] != ' '))
        return OB_EINVAL;
    memcpy(date, s, 10);
    date[10] = '\0';
    if (ob_date_parse(date, &day) != 0 || s[13] != ':' || s[16] != ':')
        return OB_EINVAL;
    hh = digits(s + 11, 2);
    mi = digits(s + 14, 2);
    ss = digits(s + 17, 2);
    if (hh < 0 || hh > 23 || mi < 0 || mi > 59 || ss < 0 || ss > 60)
        return OB_EINVAL;
    p = s + 19;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return OB_EINVAL;
        while (isdigit((unsigned char)*p))
            p++;
    }
    if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
        off = 0;
    } else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
        int oh = digits(p + 1, 2), om = digits(p + 4, 2);

        if (oh < 0 || oh > 23 || om < 0 || om > 59)
            return OB_EINVAL;
        off = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
    } else {
        return OB_EINVAL;
    }
    *t = (int64_t)day * 86400 + hh * 3600 + mi * 60 + ss - off;
    return 0;
}
