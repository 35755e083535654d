/*
 * mem.h — allocation that cannot return NULL, and the request arena.
 *
 * ob_xmalloc and friends abort with a message when memory is exhausted: a
 * server that cannot allocate a few bytes cannot do anything useful, and
 * checking every small allocation hides the real error paths.
 *
 * An arena (after nginx's pools) owns every allocation made for one request
 * or one job run; ob_arena_free releases them all at once, so handlers never
 * free piecemeal. Blocks grow geometrically; large requests get their own
 * block. An arena is used by one thread at a time.
 */
#ifndef OB_BASE_MEM_H
#define OB_BASE_MEM_H

#include <stddef.h>

void *ob_xmalloc(size_t n);
void *ob_xcalloc(size_t n, size_t size);
void *ob_xrealloc(void *p, size_t n);
char *ob_xstrdup(const char *s);

struct ob_arena_block;
struct ob_arena {
    struct ob_arena_block *head;
    size_t total;   /* bytes handed out, for the log and the tests */
};

void ob_arena_init(struct ob_arena *a);
void *ob_arena_alloc(struct ob_arena *a, size_t n);     /* zeroed, 16-byte aligned */
char *ob_arena_strdup(struct ob_arena *a, const char *s);
char *ob_arena_strndup(struct ob_arena *a, const char *s, size_t n);
char *ob_arena_printf(struct ob_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void ob_arena_free(struct ob_arena *a);
/* Empty the arena for reuse, keeping its newest block (a scratch arena
 * refilled in a loop costs no allocation once it has grown). */
void ob_arena_clear(struct ob_arena *a);

#endif
