/*
 * principal.h — the in-process cache of sign-in sessions, API tokens and
 * memberships, kept correct across nodes by the person's generation.
 *
 * Every node keeps what it has read, bounded (--cache-sessions,
 * --cache-tokens, --cache-persons; least recently used out first). A cached
 * entry carries persons.auth_gen as it was when the entry was read, in the
 * same statement as the entry (or before it). Each request re-reads that one
 * number by primary key (ob_principal_gen); a different number, or a person
 * disabled or gone, and the entry is dropped and read again from the
 * database, which refuses what has ended. Every change that must end or
 * narrow access at once bumps the number in its own transaction
 * (ob_principal_bump*): a session ended or switched, a token revoked, a
 * membership added, changed or removed, a password, name, language or
 * second factor changed, an account renamed. So issue 6's "access ends at
 * once" holds on every node with no message between nodes and no waiting.
 *
 * What is not a bump: a session's seen_at and a token's last use. A cached
 * seen_at may be older than the database's (another node touched it): a
 * cached session past its idle time is read again before it is ended.
 */
#ifndef OB_MODEL_IDENTITY_PRINCIPAL_H
#define OB_MODEL_IDENTITY_PRINCIPAL_H

#include <stdbool.h>
#include <stdint.h>

#include "model/identity/authn.h"

struct ob_ctx;
struct ob_config;

#define OB_PRINCIPAL_EMAIL 256      /* longer emails are not cached */
#define OB_PRINCIPAL_MEMBERS 8      /* persons of more memberships are not cached */
#define OB_PRINCIPAL_NAME 128       /* nor are account names longer than this */

struct ob_principal_session {
    int64_t gen;                /* persons.auth_gen the row was read with */
    int64_t person, account, created, seen;
    bool mfa_ok;
    char csrf[OB_CSRF_LEN];
    char email[OB_PRINCIPAL_EMAIL];
    char lang[8];
};

struct ob_principal_token {
    int64_t gen;
    int64_t id, person, account, last_used;
    unsigned roles;             /* what the token may use of the person's roles */
    bool gate_ok;               /* passed the staff gate (--require-totp) at gen */
    char email[OB_PRINCIPAL_EMAIL];
};

struct ob_principal_member {
    int64_t account, code, session_limit;
    int kind;                   /* enum ob_kind */
    unsigned roles;             /* the person's, not narrowed by any token */
    char name[OB_PRINCIPAL_NAME];
};

/* The person's own row as GET /me shows it (every change of it bumps). */
struct ob_principal_person {
    char email[OB_PRINCIPAL_EMAIL];
    char name[OB_PRINCIPAL_NAME];
    char lang[8];
    char mail_off[OB_PRINCIPAL_NAME];
    bool has_password, totp_enabled;
};

/* One entry per person: the memberships and the row, each present or not. */
struct ob_principal_members {
    int64_t gen;
    int n;
    bool has_members, has_person;
    struct ob_principal_member m[OB_PRINCIPAL_MEMBERS];
    struct ob_principal_person p;
};

/* Make the caches with the configured bounds (serve, before the HTTP
 * threads start). Without it every lookup misses and nothing is kept. */
void ob_principal_init(const struct ob_config *cfg);
void ob_principal_shutdown(void);

/* The cached entry of a secret's hash (hex, as stored) into *out. */
bool ob_principal_session_get(const char hash[65], struct ob_principal_session *out);
void ob_principal_session_put(const char hash[65], const struct ob_principal_session *s);
void ob_principal_session_drop(const char hash[65]);
bool ob_principal_token_get(const char hash[65], struct ob_principal_token *out);
void ob_principal_token_put(const char hash[65], const struct ob_principal_token *t);
void ob_principal_token_drop(const char hash[65]);
/* A person's memberships at generation gen (false: none cached at gen). */
bool ob_principal_members_get(int64_t person, int64_t gen, struct ob_principal_members *out);
void ob_principal_members_put(int64_t person, const struct ob_principal_members *m);
/* The person's row at generation gen; put keeps the memberships of the same gen. */
bool ob_principal_person_get(int64_t person, int64_t gen, struct ob_principal_person *out);
void ob_principal_person_put(int64_t person, int64_t gen, const struct ob_principal_person *p);

/* The provider's account id once read (0: not yet, or no cache): it never
 * changes once made. */
int64_t ob_principal_provider(void);
void ob_principal_set_provider(int64_t id);

/* The one read per request: the person's generation. OB_ENOTFOUND when
 * the person is disabled or gone. */
int ob_principal_gen(struct ob_ctx *ctx, int64_t person, int64_t *gen);

/* Bumps, joining the caller's transaction: the person; the person owning a
 * session (by its hash); every member of an account. */
int ob_principal_bump(struct ob_ctx *ctx, int64_t person);
int ob_principal_bump_session(struct ob_ctx *ctx, const char *hash);
int ob_principal_bump_account(struct ob_ctx *ctx, int64_t account);

/* For metrics and the capacity table: entries held, bound and bytes each. */
struct ob_principal_stats {
    size_t count[3], capacity[3], entry_bytes[3];   /* sessions, tokens, persons */
    uint64_t waits;             /* shard mutex contention, all caches */
};
void ob_principal_stats(struct ob_principal_stats *out);

#endif
