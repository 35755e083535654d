/*
 * range.c — one byte range of a Range header (range.h).
 */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "base/range.h"
#include "base/banned.h"

/* Digits at *p (at most 18): the value, *p moved past them; -1 when none. */
static int64_t
number(const char **p)
{
    int64_t v = 0;
    int n = 0;

    while (**p >= '0' && **p <= '9') {
        if (++n > 18)
            return -1;
        v = v * 10 + (**p - '0');
        (*p)++;
    }
    return n ? v : -1;
}

int
ob_range_parse(const char *h, int64_t size, int64_t *first, int64_t *last)
{
    const char *p = h;
    int64_t a = -1, b = -1;

    *first = 0;
    *last = size - 1;
    if (!h || strncasecmp(h, "bytes=", 6) != 0)
        return OB_RANGE_FULL;
    p += 6;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p != '-' && (a = number(&p)) < 0)
        return OB_RANGE_FULL;
    if (*p++ != '-')
        return OB_RANGE_FULL;
    if (*p >= '0' && *p <= '9' && (b = number(&p)) < 0)
        return OB_RANGE_FULL;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p != '\0' || (a < 0 && b < 0) || (a >= 0 && b >= 0 && a > b))
        return OB_RANGE_FULL;   /* several ranges, or not a range: ignored */
    if (a < 0) {                /* the last b bytes */
        if (b == 0 || size == 0)
            return OB_RANGE_NONE;
        *first = b >= size ? 0 : size - b;
        return OB_RANGE_PART;
    }
    if (a >= size)
        return OB_RANGE_NONE;
    *first = a;
    *last = b < 0 || b >= size ? size - 1 : b;
    return OB_RANGE_PART;
}
