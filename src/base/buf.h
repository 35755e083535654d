/*
 * buf.h — a growable byte buffer with a size cap (curl's dynbuf, git's strbuf).
 *
 * The buffer is always NUL-terminated. Every buffer has a cap set at init:
 * an append that would pass it fails with OB_ETOOLARGE and leaves the buffer
 * as it was, so input read from the network cannot grow without bound.
 */
#ifndef OB_BASE_BUF_H
#define OB_BASE_BUF_H

#include <stddef.h>
#include <string.h>

struct ob_buf {
    char *p;
    size_t len, cap, max;
};

void ob_buf_init(struct ob_buf *b, size_t max);
/* Make room for n more bytes at once (git's strbuf_grow): one allocation for
 * a line built from many small appends. OB_ETOOLARGE past the cap. */
int ob_buf_reserve(struct ob_buf *b, size_t n);
int ob_buf_add(struct ob_buf *b, const void *data, size_t n);
int ob_buf_adds(struct ob_buf *b, const char *s);
int ob_buf_addc(struct ob_buf *b, char c);
int ob_buf_addf(struct ob_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ob_buf_reset(struct ob_buf *b);
/* Hand the bytes to the caller (who frees them) and reset the buffer. */
char *ob_buf_detach(struct ob_buf *b, size_t *len);
void ob_buf_free(struct ob_buf *b);

/* ob_buf_add, ob_buf_adds and ob_buf_addc with their common case inline
 * (there is room already), for writers of many small pieces: an answer
 * written by hand (base/json.h), where the calls themselves were a tenth of
 * the writing. The same result and return in every case. */
static inline int
ob_buf_put(struct ob_buf *b, const void *data, size_t n)
{
    if (n < b->cap - b->len && n <= b->max - b->len) {
        memcpy(b->p + b->len, data, n);
        b->len += n;
        b->p[b->len] = '\0';
        return 0;
    }
    return ob_buf_add(b, data, n);
}

static inline int
ob_buf_puts(struct ob_buf *b, const char *s)
{
    return ob_buf_put(b, s, strlen(s));
}

static inline int
ob_buf_putc(struct ob_buf *b, char c)
{
    return ob_buf_put(b, &c, 1);
}

#endif
