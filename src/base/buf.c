/*
 * buf.c — the capped growable buffer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "mem.h"
#include "banned.h"

static char empty[1];

void
ob_buf_init(struct ob_buf *b, size_t max)
{
    b->p = empty;
    b->len = b->cap = 0;
    b->max = max;
}

static int
grow(struct ob_buf *b, size_t extra)
{
    size_t want = b->len + extra + 1, cap;

    if (extra > b->max || b->len + extra > b->max)
        return OB_ETOOLARGE;
    if (want <= b->cap)
        return 0;
    cap = b->cap ? b->cap : 64;
    while (cap < want)
        cap *= 2;
    if (b->p == empty) {
        b->p = ob_xmalloc(cap);
        b->p[0] = '\0';
    } else {
        b->p = ob_xrealloc(b->p, cap);
    }
    b->cap = cap;
    return 0;
}

int
ob_buf_reserve(struct ob_buf *b, size_t n)
{
    return grow(b, n) != 0 ? OB_ETOOLARGE : 0;
}

int
ob_buf_add(struct ob_buf *b, const void *data, size_t n)
{
    if (grow(b, n) != 0)
        return OB_ETOOLARGE;
    if (n)
        memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

int
ob_buf_adds(struct ob_buf *b, const char *s)
{
    return ob_buf_add(b, s, strlen(s));
}

int
ob_buf_addc(struct ob_buf *b, char c)
{
    return ob_buf_add(b, &c, 1);
}

int
ob_buf_addf(struct ob_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || grow(b, (size_t)n) != 0)
        return OB_ETOOLARGE;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

void
ob_buf_reset(struct ob_buf *b)
{
    b->len = 0;
    if (b->p != empty)
        b->p[0] = '\0';
}

char *
ob_buf_detach(struct ob_buf *b, size_t *len)
{
    char *p = b->p == empty ? ob_xstrdup("") : b->p;

    if (len)
        *len = b->len;
    b->p = empty;
    b->len = b->cap = 0;
    return p;
}

void
ob_buf_free(struct ob_buf *b)
{
    if (b->p != empty)
        free(b->p);
    b->p = empty;
    b->len = b->cap = 0;
}
