/*
 * idempotency.h — Idempotency-Key on creating POSTs (docs/rules.md §14).
 *
 * A request sent with `Idempotency-Key: K` is identified by its actor (the
 * person, the current account and the API token; for an anonymous request
 * the client address) and K. The first such request claims the key, runs,
 * and its answer (status, content type, body) is stored with a hash of the
 * request; a later request with the same key and hash gets that answer
 * again without running; the same key with another hash is OB_ECONFLICT.
 * While the first runs, the others wait for it (real time, at most
 * OB_IDEM_WAIT_S), so any number of concurrent retries make one object.
 *
 * The claim is a short write transaction of its own, before the handler's:
 * an INSERT … ON CONFLICT DO NOTHING, whose row count says who won (on
 * PostgreSQL a unique violation would abort the transaction). Keys expire
 * OB_IDEM_TTL_S seconds of business time after their first use; a claim
 * whose holder died (its lease, real time, ran out) is taken over.
 */
#ifndef OB_MODEL_CORE_IDEMPOTENCY_H
#define OB_MODEL_CORE_IDEMPOTENCY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ob_ctx;
struct ob_err;

#define OB_IDEM_KEY_MAX 255             /* bytes of a key */
#define OB_IDEM_TTL_S (24 * 3600)       /* business time a key is kept */
#define OB_IDEM_WAIT_S 30               /* how long a request waits for the first */
#define OB_IDEM_LEASE_S 120             /* a claim older than this (real time) is dead */
#define OB_IDEM_BODY_MAX (64 * 1024)    /* a larger answer is not stored */
#define OB_IDEM_HASH_LEN 65             /* hex SHA-256 and a NUL */

struct ob_idem {
    char actor[96];
    char key_hash[OB_IDEM_HASH_LEN];
    char request_hash[OB_IDEM_HASH_LEN];
    char holder[33];
    unsigned char box_key[32];
    /* Set by ob_idem_begin when the stored answer is to be replayed. */
    bool replay;
    int status;
    const char *content_type;           /* static */
    const char *body;                   /* in ctx's arena */
    size_t body_len;
};

/* 0 when key is 1–OB_IDEM_KEY_MAX printable ASCII characters; OB_EINVAL
 * naming the header otherwise. */
int ob_idem_key_check(struct ob_err *err, const char *key);
/* The hex SHA-256 of what makes two requests the same one. */
void ob_idem_request_hash(const char *method, const char *pattern, const char *path,
                          const void *body, size_t len, char out[OB_IDEM_HASH_LEN]);
/* Claim `key` for the actor of ctx, or wait for its first request to end.
 * Returns 0 with idem->replay false (the caller runs the request, then calls
 * ob_idem_finish) or true (the stored answer is in idem); OB_EINVAL (a bad
 * key), OB_ECONFLICT (the key was used for another request, or its first
 * request is still running after OB_IDEM_WAIT_S) or a database code. */
int ob_idem_begin(struct ob_ctx *ctx, const char *key, const char *request_hash,
                  struct ob_idem *idem);
/* End a claim: store the answer, or release the key when the answer is not
 * to be kept (5xx and 429 — the client should retry —, a body over
 * OB_IDEM_BODY_MAX, a type other than JSON or plain text, a streamed
 * answer: content_type NULL). Its own transaction. */
int ob_idem_finish(struct ob_ctx *ctx, const struct ob_idem *idem, int status,
                   const char *content_type, const void *body, size_t len);
/* Delete keys that expired before `now` (business time). */
int ob_idem_prune(struct ob_ctx *ctx, int64_t now, int64_t *deleted);

#endif
