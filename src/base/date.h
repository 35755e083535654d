/*
 * date.h — civil dates and instants, and the service time zone.
 *
 * An instant is an int64 of UTC seconds. A civil date is an int32 count of
 * days since 1970-01-01 (proleptic Gregorian), written "YYYY-MM-DD". The
 * service time zone is set once per process by ob_tz_set (default
 * Europe/Moscow) and decides which date an instant falls on: at 21:30 UTC on
 * Jan 31 it is already Feb 1 in Moscow.
 *
 * All date arithmetic is here, in C, never in SQL: SQLite and PostgreSQL
 * disagree on "Jan 31 + 1 month". ob_date_add_months implements R-SUB-0:
 * the same day N months later, or the 1st of the following month when that
 * day does not exist (Jan 31 + 1 month = Mar 1).
 *
 * Two ranges. Every date is stored and printed as four-digit years, so the
 * arithmetic refuses to leave 0001-01-01 .. 9999-12-31 (a result past it
 * would print as year 0000 and read back as nothing). A date a person gives
 * (a start, an end, a filter) is taken only inside a narrower window,
 * 2000-01-01 .. 2199-12-31 (docs/decisions.md): far enough for any contract,
 * and near enough that every term and period added to it stays far from year
 * 9999. Input goes through ob_date_parse_input; stored dates, which the
 * service wrote itself, through ob_date_parse.
 */
#ifndef OB_BASE_DATE_H
#define OB_BASE_DATE_H

#include <stdbool.h>
#include <stdint.h>

struct ob_err;

#define OB_DATE_LEN 11      /* "YYYY-MM-DD" + NUL */
#define OB_INSTANT_LEN 32   /* "YYYY-MM-DDTHH:MM:SSZ" + room */

int32_t ob_date_from_ymd(int y, int m, int d);
void ob_date_to_ymd(int32_t day, int *y, int *m, int *d);
int ob_date_days_in_month(int y, int m);
/* Strict "YYYY-MM-DD", 0001-01-01 .. 9999-12-31; 0 or OB_EINVAL (*day
 * untouched). For dates the service stored itself. */
int ob_date_parse(const char *s, int32_t *day);
/* The window of dates a person may give, inclusive (docs/decisions.md). */
#define OB_DATE_INPUT_FIRST "2000-01-01"
#define OB_DATE_INPUT_LAST "2199-12-31"
/* What to tell a person: "'start' must be " OB_DATE_INPUT_WHAT. */
#define OB_DATE_INPUT_WHAT "a date YYYY-MM-DD from " OB_DATE_INPUT_FIRST " to " OB_DATE_INPUT_LAST
bool ob_date_in_window(int32_t day);
/* Strict "YYYY-MM-DD" inside the window; 0 or OB_EINVAL (*day untouched).
 * For every date that comes from a person or a file. */
int ob_date_parse_input(const char *s, int32_t *day);
/* "YYYY-MM-DD"; day must lie in 0001-01-01 .. 9999-12-31, which the checked
 * arithmetic below keeps it in. */
void ob_date_format(int32_t day, char out[OB_DATE_LEN]);
/* *out = day + months by R-SUB-0 (months may be negative); 0, or OB_EINVAL
 * with *out untouched when the result would leave 0001-01-01 .. 9999-12-31. */
int ob_date_add_months(int32_t day, int months, int32_t *out);
/* *out = day + days, checked the same way. */
int ob_date_add_days(int32_t day, int days, int32_t *out);
/* ISO weekday: 1 = Monday … 7 = Sunday. */
int ob_date_weekday(int32_t day);

/* Set the process's service time zone ("Europe/Moscow", "UTC", …). Refuses
 * names that are not in the zone database. Call once at start-up. */
int ob_tz_set(const char *zone, struct ob_err *err);
const char *ob_tz_name(void);
/* The civil date of an instant in the service time zone. */
int32_t ob_date_of_instant(int64_t t);
/* The instant at which a civil date starts (00:00) in the service time zone. */
int64_t ob_date_start(int32_t day);

/* RFC 3339 in UTC: "2026-01-31T21:30:00Z". */
void ob_instant_format(int64_t t, char out[OB_INSTANT_LEN]);
/* RFC 3339 with "Z" or a "+hh:mm" offset, optional fraction (dropped). */
int ob_instant_parse(const char *s, int64_t *t);

#endif
