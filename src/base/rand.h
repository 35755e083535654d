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
/* The same (bytes at most 16) from this thread's pool of the CSPRNG's bytes,
 * drawn 512 at a time: for names that must not repeat but guard nothing, a
 * request's id (one getrandom(2) a request was 2 % of GET /me, issue 16).
 * Never for a secret. */
void ob_rand_hex_pooled(char *out, size_t bytes);
void ob_rand_bytes(void *out, size_t n);

#endif
