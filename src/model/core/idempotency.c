/*
 * idempotency.c — claiming, replaying and storing Idempotency-Key answers.
 *
 * A key's row goes through three steps, each its own short transaction so
 * that no lock is held while the request itself runs:
 *
 *   claim   delete the key's row if it expired or its holder's lease ran
 *           out, then INSERT … ON CONFLICT DO NOTHING; one row inserted
 *           means this request holds the key ('pending'), none means
 *           another one does or did, and its row is read instead.
 *   wait    while the row is 'pending' with the same request hash, read it
 *           again every WAIT_STEP_MS (plain reads: the holder needs the
 *           write lock, the waiters must not take it); a row that is gone
 *           (released after a 5xx) or stale is claimed again.
 *   finish  the holder stores the answer ('done'), or deletes the row to
 *           release the key. Both match the holder's random id, so a holder
 *           whose lease was taken over changes nothing.
 *
 * The key is stored only as a hash; the body is sealed (crypto_secretbox)
 * with a key derived from the Idempotency-Key, because creating answers may
 * carry a secret that is shown once and otherwise kept only hashed (an API
 * token). Expiry is business time (the test clock moves it); the lease is
 * real time, like every other lock.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/ctx.h"
#include "base/log.h"
#include "base/rand.h"
#include "db/db.h"
#include "model/core/idempotency.h"
#include "base/banned.h"

#define WAIT_STEP_MS 40
#define HEADER "Idempotency-Key"

/* Domain-separation keys of the two hashes of an Idempotency-Key. */
static const char id_domain[] = "oblako idempotency key id";
static const char box_domain[] = "oblako idempotency answer box";

/* The content types an answer may be stored with: a replay needs a static string. */
static const char *const types[] = { "application/json", "application/problem+json",
                                     "text/plain; charset=utf-8" };

enum found { MINE, HELD, GONE };

struct row {
    enum found found;
    char request_hash[OB_IDEM_HASH_LEN];
    bool done;
    int status;
    char type[64];
    const char *body;       /* in ctx's arena */
};

struct claim_args {
    struct ob_idem *idem;
    struct row *row;
};

int
ob_idem_key_check(struct ob_err *err, const char *key)
{
    size_t n = key ? strlen(key) : 0;

    if (n == 0 || n > OB_IDEM_KEY_MAX)
        return ob_err_field(err, OB_EINVAL, HEADER, "idempotency.key_length", "idem_key_max=%d",
                            OB_IDEM_KEY_MAX);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)key[i] < 0x20 || (unsigned char)key[i] > 0x7e)
            return ob_err_field(err, OB_EINVAL, HEADER, "idempotency.key_chars");
    return 0;
}

static void
hash_hex(crypto_hash_sha256_state *h, char out[OB_IDEM_HASH_LEN])
{
    unsigned char d[crypto_hash_sha256_BYTES];

    crypto_hash_sha256_final(h, d);
    sodium_bin2hex(out, OB_IDEM_HASH_LEN, d, sizeof(d));
}

void
ob_idem_request_hash(const char *method, const char *pattern, const char *path, const void *body,
                     size_t len, char out[OB_IDEM_HASH_LEN])
{
    crypto_hash_sha256_state h;

    /* NUL separators: none of the three strings can hold one, and the body comes last */
    crypto_hash_sha256_init(&h);
    crypto_hash_sha256_update(&h, (const unsigned char *)method, strlen(method) + 1);
    crypto_hash_sha256_update(&h, (const unsigned char *)pattern, strlen(pattern) + 1);
    crypto_hash_sha256_update(&h, (const unsigned char *)path, strlen(path) + 1);
    if (len > 0)
        crypto_hash_sha256_update(&h, body, len);
    hash_hex(&h, out);
}

static void
idem_init(struct ob_ctx *ctx, const char *key, const char *request_hash, struct ob_idem *idem)
{
    unsigned char id[32];
    const struct ob_actor *a = &ctx->actor;

    memset(idem, 0, sizeof(*idem));
    if (a->person)
        snprintf(idem->actor, sizeof(idem->actor), "p%lld.a%lld.t%lld", (long long)a->person,
                 (long long)a->account, (long long)a->token);
    else
        snprintf(idem->actor, sizeof(idem->actor), "addr:%s",
                 ctx->remote_addr ? ctx->remote_addr : "");
    crypto_generichash(id, sizeof(id), (const unsigned char *)key, strlen(key),
                       (const unsigned char *)id_domain, sizeof(id_domain) - 1);
    sodium_bin2hex(idem->key_hash, sizeof(idem->key_hash), id, sizeof(id));
    crypto_generichash(idem->box_key, sizeof(idem->box_key), (const unsigned char *)key,
                       strlen(key), (const unsigned char *)box_domain, sizeof(box_domain) - 1);
    snprintf(idem->request_hash, sizeof(idem->request_hash), "%s", request_hash);
    ob_rand_hex(idem->holder, 16);
}

static void
read_key(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    struct row *r = out;

    snprintf(r->request_hash, sizeof(r->request_hash), "%s", ob_stmt_dup(ctx, st, 0));
    r->done = !strcmp(ob_stmt_dup(ctx, st, 1), "done");
    if (ob_stmt_int(st, 3) > ob_clock_now(ctx) &&
        (r->done || ob_stmt_int(st, 2) >= ob_clock_real()))
        r->found = HELD;
    r->status = (int)ob_stmt_int(st, 4);
    snprintf(r->type, sizeof(r->type), "%s", ob_stmt_dup(ctx, st, 5));
    r->body = ob_stmt_dup(ctx, st, 6);
}

/* Read the key's row into r: HELD, or GONE when there is none or it may be
 * claimed anew (expired, or pending past its lease). */
static int
load(struct ob_ctx *ctx, const struct ob_idem *idem, struct row *r)
{
    int rc;

    r->found = GONE;
    rc = ob_db_one(ctx, read_key, r,
                   "SELECT request_hash, state, locked_until, expires_at, status, "
                   "content_type, body FROM idempotency_keys WHERE actor = ? AND key_hash = ?",
                   "tt", idem->actor, idem->key_hash);
    return rc == OB_ENOTFOUND ? 0 : rc;
}

static int
claim(struct ob_ctx *ctx, void *arg)
{
    struct claim_args *a = arg;
    const struct ob_idem *idem = a->idem;
    int64_t now = ob_clock_now(ctx), real = ob_clock_real(), n;

    n = ob_db_run(ctx->db,
                  "DELETE FROM idempotency_keys WHERE actor = ? AND key_hash = ? "
                  "AND (expires_at <= ? OR (state = 'pending' AND locked_until < ?))",
                  "ttii", idem->actor, idem->key_hash, now, real);
    if (n >= 0)
        n = ob_db_run(ctx->db,
                      "INSERT INTO idempotency_keys (actor, key_hash, request_hash, holder, "
                      "locked_until, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                      "ON CONFLICT DO NOTHING",
                      "ttttiii", idem->actor, idem->key_hash, idem->request_hash, idem->holder,
                      real + OB_IDEM_LEASE_S, now, now + OB_IDEM_TTL_S);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if (n == 1) {
        a->row->found = MINE;
        return 0;
    }
    return load(ctx, idem, a->row);
}

static void
nap(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}

/* Claim the key, or wait while another request with the same hash holds it. */
static int
claim_or_wait(struct ob_ctx *ctx, struct ob_idem *idem, struct row *r)
{
    struct claim_args a = { idem, r };
    int64_t deadline = ob_clock_mono_us() + (int64_t)OB_IDEM_WAIT_S * 1000000;
    int rc;

    do {
        if ((rc = ob_db_tx(ctx, OB_DB_WRITE, claim, &a)) != 0)
            return rc;
        while (r->found == HELD && !r->done && !strcmp(r->request_hash, idem->request_hash)) {
            if (ob_clock_mono_us() > deadline) {
                ob_err_field(&ctx->err, OB_ECONFLICT, HEADER, "idempotency.in_progress");
                ob_err_hint(&ctx->err, "retry later with the same " HEADER);
                return OB_ECONFLICT;
            }
            nap(WAIT_STEP_MS);
            if ((rc = load(ctx, idem, r)) != 0)
                return rc;
        }
    } while (r->found == GONE);
    return 0;
}

static const char *
static_type(const char *type)
{
    for (size_t i = 0; type && i < sizeof(types) / sizeof(types[0]); i++)
        if (!strcmp(type, types[i]))
            return types[i];
    return NULL;
}

/* A stored answer that cannot be replayed: only a changed row does that. */
static int
stored_bad(struct ob_ctx *ctx, const struct ob_idem *idem, const char *why)
{
    ob_log(OB_LOG_ERROR, "idempotency key unusable", "{s:s, s:s, s:s}", "request_id",
           ctx->request_id, "actor", idem->actor, "detail", why);
    return ob_err_set(&ctx->err, OB_EINTERNAL, "idempotency.stored_unusable", "why=%s", why);
}

/* Open the sealed body of a stored answer into idem. */
static int
unseal(struct ob_ctx *ctx, struct ob_idem *idem, const char *b64)
{
    size_t cap = strlen(b64), n = 0;
    unsigned char *raw = ob_arena_alloc(&ctx->arena, cap + 1);
    unsigned char *plain;

    if (sodium_base642bin(raw, cap, b64, cap, NULL, &n, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        n < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
        return stored_bad(ctx, idem, "is malformed");
    n -= crypto_secretbox_NONCEBYTES;
    plain = ob_arena_alloc(&ctx->arena, n - crypto_secretbox_MACBYTES + 1);
    if (crypto_secretbox_open_easy(plain, raw + crypto_secretbox_NONCEBYTES, n, raw,
                                   idem->box_key) != 0)
        return stored_bad(ctx, idem, "does not open");
    idem->body = (const char *)plain;
    idem->body_len = n - crypto_secretbox_MACBYTES;
    return 0;
}

int
ob_idem_begin(struct ob_ctx *ctx, const char *key, const char *request_hash,
              struct ob_idem *idem)
{
    struct row r;
    int rc;

    memset(idem, 0, sizeof(*idem));
    if ((rc = ob_idem_key_check(&ctx->err, key)) != 0)
        return rc;
    idem_init(ctx, key, request_hash, idem);
    memset(&r, 0, sizeof(r));
    if ((rc = claim_or_wait(ctx, idem, &r)) != 0 || r.found == MINE)
        return rc;
    if (strcmp(r.request_hash, idem->request_hash)) {
        ob_err_field(&ctx->err, OB_ECONFLICT, HEADER, "idempotency.key_reused");
        ob_err_hint(&ctx->err, "send a new " HEADER " with a different request");
        return OB_ECONFLICT;
    }
    idem->content_type = static_type(r.type);
    if (!idem->content_type)
        return stored_bad(ctx, idem, "has an unknown content type");
    idem->replay = true;
    idem->status = r.status;
    return unseal(ctx, idem, r.body);
}

/* The body sealed with the key's box key, base64: nonce, then ciphertext. */
static char *
seal(struct ob_ctx *ctx, const struct ob_idem *idem, const void *body, size_t len)
{
    size_t n = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + len;
    unsigned char *raw = ob_arena_alloc(&ctx->arena, n);
    size_t b64len = sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = ob_arena_alloc(&ctx->arena, b64len);

    randombytes_buf(raw, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(raw + crypto_secretbox_NONCEBYTES, body ? body : "", len, raw,
                          idem->box_key);
    return sodium_bin2base64(b64, b64len, raw, n, sodium_base64_VARIANT_ORIGINAL);
}

struct finish_args {
    const struct ob_idem *idem;
    int status;
    const char *type, *body;    /* body NULL: release */
    int64_t changed;
};

static int
finish(struct ob_ctx *ctx, void *arg)
{
    struct finish_args *a = arg;
    const struct ob_idem *idem = a->idem;

    if (a->body)
        a->changed = ob_db_run(ctx->db,
                               "UPDATE idempotency_keys SET state = 'done', status = ?, "
                               "content_type = ?, body = ?, locked_until = 0 "
                               "WHERE actor = ? AND key_hash = ? AND holder = ? "
                               "AND state = 'pending'",
                               "itt" "ttt", (int64_t)a->status, a->type, a->body, idem->actor,
                               idem->key_hash, idem->holder);
    else
        a->changed = ob_db_run(ctx->db,
                               "DELETE FROM idempotency_keys WHERE actor = ? AND key_hash = ? "
                               "AND holder = ? AND state = 'pending'",
                               "ttt", idem->actor, idem->key_hash, idem->holder);
    return a->changed < 0 ? ob_db_err(ctx, (int)a->changed) : 0;
}

int
ob_idem_finish(struct ob_ctx *ctx, const struct ob_idem *idem, int status,
               const char *content_type, const void *body, size_t len)
{
    struct finish_args a = { idem, status, static_type(content_type), NULL, 0 };
    bool keep = status < 500 && status != 429 && len <= OB_IDEM_BODY_MAX && a.type;
    int rc;

    if (keep)
        a.body = seal(ctx, idem, body, len);
    rc = ob_db_tx(ctx, OB_DB_WRITE, finish, &a);
    if (rc == 0 && a.changed == 0)
        ob_log(OB_LOG_WARN, "idempotency key lost", "{s:s, s:s}", "request_id", ctx->request_id,
               "detail", "the claim outlived its lease and was taken over");
    return rc;
}

int
ob_idem_prune(struct ob_ctx *ctx, int64_t now, int64_t *deleted)
{
    int64_t n = ob_db_run(ctx->db, "DELETE FROM idempotency_keys WHERE expires_at <= ?", "i", now);

    if (n < 0)
        return ob_db_err(ctx, (int)n);
    *deleted = n;
    return 0;
}
