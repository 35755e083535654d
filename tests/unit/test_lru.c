/*
 * test_lru.c — the bounded cache under the principal cache (base/lru.h,
 * model/identity/principal.h): least recently used out first, never more
 * than the bound, a value always the one put under its key (also with
 * threads racing), and a cached entry of another generation not served.
 */
#include "unit.h"

#include <pthread.h>
#include <stdio.h>

#include "base/config.h"
#include "base/lru.h"
#include "model/identity/principal.h"

struct val {
    int64_t id;
    char text[40];
};

static void
key_of(unsigned char key[OB_LRU_KEY], int64_t id)
{
    ob_lru_key_id(key, id, 0);
}

static void
put(struct ob_lru *c, int64_t id)
{
    unsigned char key[OB_LRU_KEY];
    struct val v = { id, "" };

    snprintf(v.text, sizeof(v.text), "value %lld", (long long)id);
    key_of(key, id);
    ob_lru_put(c, key, &v);
}

static bool
has(struct ob_lru *c, int64_t id)
{
    unsigned char key[OB_LRU_KEY];
    struct val v;
    char want[40];

    key_of(key, id);
    if (!ob_lru_get(c, key, &v))
        return false;
    snprintf(want, sizeof(want), "value %lld", (long long)id);
    CHECK_INT("the value of its key", v.id, id);
    CHECK_STR("the value of its key", v.text, want);
    return true;
}

static void
test_evicts_least_recent(void **state)
{
    struct ob_lru *c = ob_lru_new(4, sizeof(struct val));     /* one shard: order is exact */

    (void)state;
    for (int64_t i = 1; i <= 4; i++)
        put(c, i);
    CHECK_INT("four held", ob_lru_count(c), 4);
    CHECK_TRUE("1 read: now the most recent", has(c, 1));
    put(c, 5);          /* 2 is the least recently used now */
    CHECK_INT("still four", ob_lru_count(c), 4);
    CHECK_TRUE("2 evicted", !has(c, 2));
    CHECK_TRUE("1 kept (it was read)", has(c, 1));
    CHECK_TRUE("3 kept", has(c, 3));
    CHECK_TRUE("5 kept", has(c, 5));
    put(c, 3);          /* a replacement takes no new room */
    CHECK_INT("a replacement: still four", ob_lru_count(c), 4);
    ob_lru_free(c);
}

static void
test_bound_and_delete(void **state)
{
    struct ob_lru *c = ob_lru_new(1000, sizeof(struct val));
    unsigned char key[OB_LRU_KEY];
    int kept = 0;

    (void)state;
    for (int64_t i = 1; i <= 20000; i++)
        put(c, i);
    CHECK_TRUE("never more than the bound (rounded up per shard)", ob_lru_count(c) <= 1008);
    CHECK_TRUE("the last put is there", has(c, 20000));
    for (int64_t i = 1; i <= 20000; i++)
        kept += has(c, i);
    CHECK_TRUE("the kept ones are about the bound", kept >= 900 && kept <= 1008);
    key_of(key, 20000);
    ob_lru_del(c, key);
    CHECK_TRUE("deleted", !has(c, 20000));
    ob_lru_del(c, key);     /* twice: nothing */
    put(c, 20000);
    CHECK_TRUE("put again after delete", has(c, 20000));
    CHECK_TRUE("an entry's bytes are counted", ob_lru_entry_bytes(c) >= sizeof(struct val) + OB_LRU_KEY);
    ob_lru_free(c);
}

static void
test_zero_capacity(void **state)
{
    struct ob_lru *c = ob_lru_new(0, sizeof(struct val));

    (void)state;
    put(c, 1);
    CHECK_TRUE("a cache of 0 keeps nothing", !has(c, 1));
    CHECK_INT("a cache of 0 holds nothing", ob_lru_count(c), 0);
    ob_lru_free(c);
}

#define THREADS 4
#define OPS 200000

static void *
hammer(void *arg)
{
    struct ob_lru *c = arg;
    uint64_t x = (uint64_t)(uintptr_t)&c ^ 0x9e3779b97f4a7c15ULL;

    for (int i = 0; i < OPS; i++) {
        int64_t id;

        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        id = (int64_t)(x % 3000);
        if (x & 0x100)
            put(c, id);
        else if ((x & 0xff) == 1) {
            unsigned char key[OB_LRU_KEY];

            key_of(key, id);
            ob_lru_del(c, key);
        } else
            (void)has(c, id);       /* fails the test if a value is torn or misplaced */
    }
    return NULL;
}

static void
test_threads(void **state)
{
    struct ob_lru *c = ob_lru_new(512, sizeof(struct val));
    pthread_t t[THREADS];

    (void)state;
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, hammer, c), 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    CHECK_TRUE("the bound held under threads", ob_lru_count(c) <= 512);
    print_message("lru: %d threads x %d ops, %llu waits for a shard lock\n", THREADS, OPS,
                  (unsigned long long)ob_lru_waits(c));
    ob_lru_free(c);
}

/* The principal cache serves an entry only at the generation it was read with. */
static void
test_principal_generation(void **state)
{
    struct ob_config cfg;
    struct ob_principal_members m, got;
    struct ob_principal_session s, sg;
    const char hash[65] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    (void)state;
    memset(&cfg, 0, sizeof(cfg));
    memset(&m, 0, sizeof(m));
    CHECK_TRUE("off before init", !ob_principal_members_get(7, 3, &got));
    cfg.cache_sessions = cfg.cache_tokens = cfg.cache_persons = 16;
    ob_principal_init(&cfg);
    m.gen = 3;
    m.n = 1;
    m.m[0].account = 42;
    ob_principal_members_put(7, &m);
    CHECK_TRUE("served at its generation", ob_principal_members_get(7, 3, &got));
    CHECK_INT("its rows", got.m[0].account, 42);
    CHECK_TRUE("not at the next one", !ob_principal_members_get(7, 4, &got));
    CHECK_TRUE("not for another person", !ob_principal_members_get(8, 3, &got));
    memset(&s, 0, sizeof(s));
    s.person = 7;
    s.gen = 3;
    ob_principal_session_put(hash, &s);
    CHECK_TRUE("a session by its hash", ob_principal_session_get(hash, &sg) && sg.person == 7);
    ob_principal_session_drop(hash);
    CHECK_TRUE("dropped", !ob_principal_session_get(hash, &sg));
    CHECK_TRUE("a malformed hash is never a key",
               !ob_principal_session_get("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
                                         &sg));
    ob_principal_shutdown();
    CHECK_TRUE("off after shutdown", !ob_principal_members_get(7, 3, &got));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_evicts_least_recent),
        cmocka_unit_test(test_bound_and_delete),
        cmocka_unit_test(test_zero_capacity),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_principal_generation),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
