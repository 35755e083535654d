/*
 * rand.h — random tokens from libsodium's CSPRNG. ob_rand_init must run once
 * before threads start (it calls sodium_init).
 */
#ifndef OB_BASE_RAND_H
#define OB_BASE_RAND_H

#include <stddef.h>

int ob_rand_init(void);
/* Fill out with 2*bytes lowercase hex digits and a NUL. */
void ob_rand_hex(char *out, size_t bytes);
void ob_rand_bytes(void *out, size_t n);

#endif
