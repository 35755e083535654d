/*
 * model/statements/ — the monthly partner statements (R-BIL-1..4).
 *
 * A run drafts each partner's statement of a month; the close part freezes a
 * month and corrects closed lines; other parts add their lines through the
 * hooks statement.h declares. Everything here is judged in the service time
 * zone, with the month's bounds computed in C (base/date.c), never in SQL.
 *
 * This file is the folder's main one: the months, the run and the drafting of
 * one partner's statement.
 */
#include <stdio.h>
#include <string.h>

#include "base/ctx.h"
#include "base/date.h"
#include "base/err.h"
#include "model/statements/statement.h"
#include "base/banned.h"

static int
month_parse(const char *month, int *y, int *m)
{
    if (!month || strlen(month) != 7 || month[4] != '-')
        return OB_EINVAL;
    for (int i = 0; i < 7; i++)
        if (i != 4 && (month[i] < '0' || month[i] > '9'))
            return OB_EINVAL;
    *y = (month[0] - '0') * 1000 + (month[1] - '0') * 100 + (month[2] - '0') * 10 + (month[3] - '0');
    *m = (month[5] - '0') * 10 + (month[6] - '0');
    return *y >= 1 && *m >= 1 && *m <= 12 ? 0 : OB_EINVAL;
}

int
ob_statement_month_bounds(const char *month, int64_t *from, int64_t *to)
{
    int y, m;

    if (month_parse(month, &y, &m) != 0)
        return OB_EINVAL;
    *from = ob_date_start(ob_date_from_ymd(y, m, 1));
    *to = ob_date_start(ob_date_from_ymd(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1));
    return 0;
}

void
ob_statement_month_of(int64_t t, char out[8])
{
    int y, m, d;

    ob_date_to_ymd(ob_date_of_instant(t), &y, &m, &d);
    snprintf(out, 8, "%04u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u);
}

int
ob_statement_month_prev(const char *month, char out[8])
{
    int y, m;

    if (month_parse(month, &y, &m) != 0 || (y == 1 && m == 1))
        return OB_EINVAL;
    if (--m == 0)
        m = 12, y--;
    snprintf(out, 8, "%04u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u);
    return 0;
}
