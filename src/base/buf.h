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

#endif
