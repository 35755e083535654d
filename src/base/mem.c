/*
 * mem.c — out-of-memory-proof allocation and a simple block arena.
 *
 * The arena keeps a singly linked list of blocks; the newest block is at the
 * head and serves allocations until it is full. Nothing is freed until
 * ob_arena_free, which walks the list once.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "banned.h"

#define BLOCK_MIN 4096
#define ALIGN 16

struct ob_arena_block {
    struct ob_arena_block *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
};

static void
oom(size_t n)
{
    fprintf(stderr, "{\"level\":\"fatal\",\"msg\":\"out of memory\",\"bytes\":%zu}\n", n);
    abort();
}

void *
ob_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (!p)
        oom(n);
    return p;
}

void *
ob_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);

    if (!p)
        oom(n * size);
    return p;
}

void *
ob_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);

    if (!q)
        oom(n);
    return q;
}

char *
ob_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = ob_xmalloc(n);

    memcpy(p, s, n);
    return p;
}

void
ob_arena_init(struct ob_arena *a)
{
    a->head = NULL;
    a->total = 0;
}

void *
ob_arena_alloc(struct ob_arena *a, size_t n)
{
    struct ob_arena_block *b = a->head;
    size_t need = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    void *p;

    if (need < n)
        oom(n);
    if (!b || b->size - b->used < need) {
        size_t size = b ? b->size * 2 : BLOCK_MIN;

        if (size > 1024 * 1024)
            size = 1024 * 1024;
        if (size < need)
            size = need;
        b = ob_xmalloc(sizeof(*b) + size);
        b->size = size;
        b->used = 0;
        b->next = a->head;
        a->head = b;
    }
    p = b->data + b->used;
    b->used += need;
    a->total += need;
    memset(p, 0, n);
    return p;
}

char *
ob_arena_strndup(struct ob_arena *a, const char *s, size_t n)
{
    char *p = ob_arena_alloc(a, n + 1);

    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *
ob_arena_strdup(struct ob_arena *a, const char *s)
{
    return ob_arena_strndup(a, s, strlen(s));
}

char *
ob_arena_printf(struct ob_arena *a, const char *fmt, ...)
{
    va_list ap;
    int n;
    char *p;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return ob_arena_strdup(a, "");
    p = ob_arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void
ob_arena_clear(struct ob_arena *a)
{
    struct ob_arena_block *keep = a->head, *b, *next;

    /* the head is the newest block: keep it for the next round */
    for (b = keep ? keep->next : NULL; b; b = next) {
        next = b->next;
        free(b);
    }
    if (keep) {
        keep->next = NULL;
        keep->used = 0;
    }
    a->total = 0;
}

void
ob_arena_free(struct ob_arena *a)
{
    struct ob_arena_block *b = a->head, *next;

    for (; b; b = next) {
        next = b->next;
        free(b);
    }
    a->head = NULL;
    a->total = 0;
}
