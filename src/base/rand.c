/*
 * rand.c — random bytes and hex tokens.
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
