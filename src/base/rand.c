/*
 * rand.c — random bytes and hex tokens.
 *
 * ob_rand_hex_pooled takes its bytes from a per-thread pool (each byte used
 * once), so a thread asks the kernel once for 32 request ids.
 */
#include <sodium.h>

#include "rand.h"
#include "banned.h"

int
ob_rand_init(void)
{
    return sodium_init() < 0 ? -1 : 0;
}

void
ob_rand_bytes(void *out, size_t n)
{
    randombytes_buf(out, n);
}

void
ob_rand_hex(char *out, size_t bytes)
{
    unsigned char raw[64];

    if (bytes > sizeof(raw))
        bytes = sizeof(raw);
    randombytes_buf(raw, bytes);
    sodium_bin2hex(out, bytes * 2 + 1, raw, bytes);
}

#define POOL 512

void
ob_rand_hex_pooled(char *out, size_t bytes)
{
    static _Thread_local unsigned char pool[POOL];
    static _Thread_local size_t used = POOL;

    if (bytes > 16)
        bytes = 16;
    if (POOL - used < bytes) {
        randombytes_buf(pool, sizeof(pool));
        used = 0;
    }
    sodium_bin2hex(out, bytes * 2 + 1, pool + used, bytes);
    used += bytes;
}
