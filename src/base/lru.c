/*
 * lru.c — see lru.h. Each shard is an array of entries linked into a
 * most-recent-first list and into hash chains by index (no pointers to
 * chase or free); an unused entry sits on the free list.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "base/lru.h"
#include "base/mem.h"
#include "base/banned.h"

#define NIL UINT32_MAX
#define MAX_SHARDS 16

struct entry {
    unsigned char key[OB_LRU_KEY];
    uint32_t prev, next;    /* the recency list */
    uint32_t chain;         /* the hash chain, or the free list */
};

struct shard {
    pthread_mutex_t lock;
    struct entry *e;
    unsigned char *values;
    uint32_t *buckets;
    uint32_t nbuckets;      /* a power of two */
    uint32_t cap, count, head, tail, free;
    atomic_uint_fast64_t waits;
};

struct ob_lru {
    size_t capacity, value_size, stride;
    int nshards;
    struct shard shards[MAX_SHARDS];
};

static uint64_t
key_hash(const unsigned char *k)
{
    uint64_t h;

    memcpy(&h, k, sizeof(h));
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

void
ob_lru_key_id(unsigned char key[OB_LRU_KEY], int64_t id, int kind)
{
    /* splitmix64 of the id, so consecutive ids land in different shards */
    uint64_t z = (uint64_t)id + 0x9e3779b97f4a7c15ULL * (uint64_t)(kind + 1);

    memset(key, 0, OB_LRU_KEY);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    memcpy(key, &z, sizeof(z));
    memcpy(key + 8, &id, sizeof(id));
    key[16] = (unsigned char)kind;
}

struct ob_lru *
ob_lru_new(size_t capacity, size_t value_size)
{
    struct ob_lru *c = ob_xcalloc(1, sizeof(*c));

    c->capacity = capacity;
    c->value_size = value_size;
    c->stride = (value_size + 7) & ~(size_t)7;
    c->nshards = capacity >= 64 ? MAX_SHARDS : 1;
    for (int i = 0; i < c->nshards; i++) {
        struct shard *s = &c->shards[i];
        size_t cap = (capacity + (size_t)c->nshards - 1) / (size_t)c->nshards;

        pthread_mutex_init(&s->lock, NULL);
        s->cap = (uint32_t)cap;
        s->nbuckets = 1;
        while (s->nbuckets < 2 * s->cap)
            s->nbuckets <<= 1;
        s->e = ob_xcalloc(cap ? cap : 1, sizeof(*s->e));
        s->values = ob_xcalloc(cap ? cap : 1, c->stride ? c->stride : 1);
        s->buckets = ob_xcalloc(s->nbuckets, sizeof(*s->buckets));
        for (uint32_t b = 0; b < s->nbuckets; b++)
            s->buckets[b] = NIL;
        s->head = s->tail = NIL;
        s->free = cap ? 0 : NIL;
        for (uint32_t j = 0; j < s->cap; j++)
            s->e[j].chain = j + 1 < s->cap ? j + 1 : NIL;
    }
    return c;
}

void
ob_lru_free(struct ob_lru *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->nshards; i++) {
        pthread_mutex_destroy(&c->shards[i].lock);
        free(c->shards[i].e);
        free(c->shards[i].values);
        free(c->shards[i].buckets);
    }
    free(c);
}

static struct shard *
shard_of(struct ob_lru *c, const unsigned char *key, uint64_t *h)
{
    *h = key_hash(key);
    return &c->shards[(*h >> 56) % (uint64_t)c->nshards];
}

static void
lock(struct shard *s)
{
    if (pthread_mutex_trylock(&s->lock) != 0) {
        atomic_fetch_add_explicit(&s->waits, 1, memory_order_relaxed);
        pthread_mutex_lock(&s->lock);
    }
}

static void
unlink_recent(struct shard *s, uint32_t i)
{
    struct entry *e = &s->e[i];

    if (e->prev != NIL)
        s->e[e->prev].next = e->next;
    else
        s->head = e->next;
    if (e->next != NIL)
        s->e[e->next].prev = e->prev;
    else
        s->tail = e->prev;
}

static void
push_front(struct shard *s, uint32_t i)
{
    s->e[i].prev = NIL;
    s->e[i].next = s->head;
    if (s->head != NIL)
        s->e[s->head].prev = i;
    s->head = i;
    if (s->tail == NIL)
        s->tail = i;
}

/* The entry of key and the link that points at it (for removal). */
static uint32_t
find(struct shard *s, const unsigned char *key, uint64_t h, uint32_t **link)
{
    uint32_t *l = &s->buckets[h & (s->nbuckets - 1)];

    while (*l != NIL && memcmp(s->e[*l].key, key, OB_LRU_KEY) != 0)
        l = &s->e[*l].chain;
    if (link)
        *link = l;
    return *l;
}

static void
remove_at(struct shard *s, uint32_t *link)
{
    uint32_t i = *link;

    *link = s->e[i].chain;
    unlink_recent(s, i);
    s->e[i].chain = s->free;
    s->free = i;
    s->count--;
}

bool
ob_lru_get(struct ob_lru *c, const unsigned char key[OB_LRU_KEY], void *out)
{
    uint64_t h;
    struct shard *s = shard_of(c, key, &h);
    uint32_t i;

    if (!s->cap)
        return false;
    lock(s);
    i = find(s, key, h, NULL);
    if (i != NIL) {
        memcpy(out, s->values + (size_t)i * c->stride, c->value_size);
        if (s->head != i) {
            unlink_recent(s, i);
            push_front(s, i);
        }
    }
    pthread_mutex_unlock(&s->lock);
    return i != NIL;
}

void
ob_lru_put(struct ob_lru *c, const unsigned char key[OB_LRU_KEY], const void *value)
{
    uint64_t h;
    struct shard *s = shard_of(c, key, &h);
    uint32_t *link, i;

    if (!s->cap)
        return;
    lock(s);
    i = find(s, key, h, &link);
    if (i != NIL) {
        unlink_recent(s, i);
    } else {
        if (s->free == NIL) {   /* full: the least recently used makes room */
            uint32_t *victim;

            find(s, s->e[s->tail].key, key_hash(s->e[s->tail].key), &victim);
            remove_at(s, victim);
            find(s, key, h, &link);     /* the chain may have changed */
        }
        i = s->free;
        s->free = s->e[i].chain;
        memcpy(s->e[i].key, key, OB_LRU_KEY);
        s->e[i].chain = NIL;
        *link = i;
        s->count++;
    }
    memcpy(s->values + (size_t)i * c->stride, value, c->value_size);
    push_front(s, i);
    pthread_mutex_unlock(&s->lock);
}

void
ob_lru_del(struct ob_lru *c, const unsigned char key[OB_LRU_KEY])
{
    uint64_t h;
    struct shard *s = shard_of(c, key, &h);
    uint32_t *link;

    if (!s->cap)
        return;
    lock(s);
    if (find(s, key, h, &link) != NIL)
        remove_at(s, link);
    pthread_mutex_unlock(&s->lock);
}

size_t
ob_lru_count(struct ob_lru *c)
{
    size_t n = 0;

    for (int i = 0; i < c->nshards; i++) {
        lock(&c->shards[i]);
        n += c->shards[i].count;
        pthread_mutex_unlock(&c->shards[i].lock);
    }
    return n;
}

size_t
ob_lru_capacity(const struct ob_lru *c)
{
    return c->capacity;
}

size_t
ob_lru_entry_bytes(const struct ob_lru *c)
{
    /* the entry, its value, two bucket slots (the index is 2x, a power of two) */
    return sizeof(struct entry) + c->stride + 2 * 2 * sizeof(uint32_t);
}

uint64_t
ob_lru_waits(struct ob_lru *c)
{
    uint64_t n = 0;

    for (int i = 0; i < c->nshards; i++)
        n += atomic_load(&c->shards[i].waits);
    return n;
}
