/*
 * lru.h — a bounded, thread-safe map from a 32-byte key to a fixed-size
 * value, evicting the least recently used entry when full.
 *
 * The table is split into shards by the key's first bytes, each under its
 * own mutex, so HTTP threads rarely wait for one another (the key is a
 * hash, or an id the caller spreads). All memory is taken at creation:
 * capacity entries of ob_lru_entry_bytes() each, nothing more ever, so the
 * bound in bytes is known before the first request. Values are copied in
 * and out: nothing handed out can be freed under a reader.
 */
#ifndef OB_BASE_LRU_H
#define OB_BASE_LRU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OB_LRU_KEY 32

struct ob_lru;

/* capacity 0: a cache that keeps nothing (every get misses). */
struct ob_lru *ob_lru_new(size_t capacity, size_t value_size);
void ob_lru_free(struct ob_lru *c);
/* Copy the value of key into out; false when absent. A hit is most recent. */
bool ob_lru_get(struct ob_lru *c, const unsigned char key[OB_LRU_KEY], void *out);
/* Insert or replace; the least recently used entry of the shard makes room. */
void ob_lru_put(struct ob_lru *c, const unsigned char key[OB_LRU_KEY], const void *value);
void ob_lru_del(struct ob_lru *c, const unsigned char key[OB_LRU_KEY]);
/* Entries held now (all shards). */
size_t ob_lru_count(struct ob_lru *c);
size_t ob_lru_capacity(const struct ob_lru *c);
/* Bytes one entry takes (key, value, links, its share of the index). */
size_t ob_lru_entry_bytes(const struct ob_lru *c);
/* Times a thread found its shard's mutex held and waited (contention). */
uint64_t ob_lru_waits(struct ob_lru *c);
/* A key from an id (an int64 spread over the shards). */
void ob_lru_key_id(unsigned char key[OB_LRU_KEY], int64_t id, int kind);

#endif
