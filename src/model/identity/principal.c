/*
 * principal.c — see principal.h. Three base/lru.h caches: sessions and
 * tokens keyed by the secret's BLAKE2b hash (binary), memberships by person.
 */
#include <sodium.h>
#include <stdatomic.h>
#include <string.h>

#include "base/config.h"
#include "base/ctx.h"
#include "base/lru.h"
#include "db/db.h"
#include "model/identity/principal.h"
#include "base/banned.h"

static struct ob_lru *sessions, *tokens, *persons;
static _Atomic int64_t provider;
static _Atomic bool on;

void
ob_principal_init(const struct ob_config *cfg)
{
    ob_principal_shutdown();
    sessions = ob_lru_new((size_t)cfg->cache_sessions, sizeof(struct ob_principal_session));
    tokens = ob_lru_new((size_t)cfg->cache_tokens, sizeof(struct ob_principal_token));
    persons = ob_lru_new((size_t)cfg->cache_persons, sizeof(struct ob_principal_members));
    atomic_store(&on, true);
}

int64_t
ob_principal_provider(void)
{
    return atomic_load_explicit(&provider, memory_order_relaxed);
}

void
ob_principal_set_provider(int64_t id)
{
    if (atomic_load(&on))
        atomic_store_explicit(&provider, id, memory_order_relaxed);
}

void
ob_principal_shutdown(void)
{
    ob_lru_free(sessions);
    ob_lru_free(tokens);
    ob_lru_free(persons);
    sessions = tokens = persons = NULL;
    atomic_store(&on, false);
    atomic_store(&provider, 0);
}

static bool
key_of(const char hash[65], unsigned char key[OB_LRU_KEY])
{
    size_t len = 0;

    return sodium_hex2bin(key, OB_LRU_KEY, hash, 64, NULL, &len, NULL) == 0 && len == OB_LRU_KEY;
}

bool
ob_principal_session_get(const char hash[65], struct ob_principal_session *out)
{
    unsigned char key[OB_LRU_KEY];

    return sessions && key_of(hash, key) && ob_lru_get(sessions, key, out);
}

void
ob_principal_session_put(const char hash[65], const struct ob_principal_session *s)
{
    unsigned char key[OB_LRU_KEY];

    if (sessions && key_of(hash, key))
        ob_lru_put(sessions, key, s);
}

void
ob_principal_session_drop(const char hash[65])
{
    unsigned char key[OB_LRU_KEY];

    if (sessions && key_of(hash, key))
        ob_lru_del(sessions, key);
}

bool
ob_principal_token_get(const char hash[65], struct ob_principal_token *out)
{
    unsigned char key[OB_LRU_KEY];

    return tokens && key_of(hash, key) && ob_lru_get(tokens, key, out);
}

void
ob_principal_token_put(const char hash[65], const struct ob_principal_token *t)
{
    unsigned char key[OB_LRU_KEY];

    if (tokens && key_of(hash, key))
        ob_lru_put(tokens, key, t);
}

void
ob_principal_token_drop(const char hash[65])
{
    unsigned char key[OB_LRU_KEY];

    if (tokens && key_of(hash, key))
        ob_lru_del(tokens, key);
}

bool
ob_principal_members_get(int64_t person, int64_t gen, struct ob_principal_members *out)
{
    unsigned char key[OB_LRU_KEY];

    if (!persons)
        return false;
    ob_lru_key_id(key, person, 1);
    return ob_lru_get(persons, key, out) && out->gen == gen && out->has_members;
}

/* Memberships and row share the person's entry: each put keeps the other
 * part when it is of the same generation (two threads racing lose one part
 * at worst: a miss later, never a wrong answer). */
void
ob_principal_members_put(int64_t person, const struct ob_principal_members *m)
{
    unsigned char key[OB_LRU_KEY];
    struct ob_principal_members e;

    if (!persons)
        return;
    ob_lru_key_id(key, person, 1);
    if (!ob_lru_get(persons, key, &e) || e.gen != m->gen)
        memset(&e, 0, sizeof(e));
    e.gen = m->gen;
    e.n = m->n;
    memcpy(e.m, m->m, sizeof(e.m));
    e.has_members = true;
    ob_lru_put(persons, key, &e);
}

bool
ob_principal_person_get(int64_t person, int64_t gen, struct ob_principal_person *out)
{
    unsigned char key[OB_LRU_KEY];
    struct ob_principal_members e;

    if (!persons)
        return false;
    ob_lru_key_id(key, person, 1);
    if (!ob_lru_get(persons, key, &e) || e.gen != gen || !e.has_person)
        return false;
    *out = e.p;
    return true;
}

void
ob_principal_person_put(int64_t person, int64_t gen, const struct ob_principal_person *p)
{
    unsigned char key[OB_LRU_KEY];
    struct ob_principal_members e;

    if (!persons)
        return;
    ob_lru_key_id(key, person, 1);
    if (!ob_lru_get(persons, key, &e) || e.gen != gen)
        memset(&e, 0, sizeof(e));
    e.gen = gen;
    e.p = *p;
    e.has_person = true;
    ob_lru_put(persons, key, &e);
}

int
ob_principal_gen(struct ob_ctx *ctx, int64_t person, int64_t *gen)
{
    int rc = ob_db_get_int(ctx->db, gen,
                           "SELECT auth_gen FROM persons WHERE id = ? AND disabled = 0", "i",
                           person);

    if (rc < 0)
        return ob_db_err(ctx, rc);
    return rc == 0 ? OB_ENOTFOUND : 0;
}

int
ob_principal_bump(struct ob_ctx *ctx, int64_t person)
{
    int64_t n = ob_db_run(ctx->db, "UPDATE persons SET auth_gen = auth_gen + 1 WHERE id = ?", "i",
                          person);

    return n < 0 ? ob_db_err(ctx, (int)n) : 0;
}

int
ob_principal_bump_session(struct ob_ctx *ctx, const char *hash)
{
    int64_t n = ob_db_run(ctx->db,
                          "UPDATE persons SET auth_gen = auth_gen + 1 WHERE id = "
                          "(SELECT person_id FROM auth_sessions WHERE id_hash = ?)",
                          "t", hash);

    return n < 0 ? ob_db_err(ctx, (int)n) : 0;
}

int
ob_principal_bump_account(struct ob_ctx *ctx, int64_t account)
{
    int64_t n = ob_db_run(ctx->db,
                          "UPDATE persons SET auth_gen = auth_gen + 1 WHERE id IN "
                          "(SELECT person_id FROM memberships WHERE account_id = ?)",
                          "i", account);

    return n < 0 ? ob_db_err(ctx, (int)n) : 0;
}

void
ob_principal_stats(struct ob_principal_stats *out)
{
    struct ob_lru *all[3] = { sessions, tokens, persons };

    memset(out, 0, sizeof(*out));
    for (int i = 0; i < 3; i++) {
        if (!all[i])
            continue;
        out->count[i] = ob_lru_count(all[i]);
        out->capacity[i] = ob_lru_capacity(all[i]);
        out->entry_bytes[i] = ob_lru_entry_bytes(all[i]);
        out->waits += ob_lru_waits(all[i]);
    }
}
