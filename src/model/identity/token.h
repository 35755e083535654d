/*
 * token.h — API tokens: for one account and a subset of the person's roles
 * there. The secret is shown once, at creation; only its hash is kept.
 * Listing shows a prefix to tell tokens apart. Revoking is immediate.
 *
 * Tokens are managed from a signed-in browser session only: a token acts
 * on one account's data, never on the person's login, so it can neither
 * list, create nor revoke tokens. With --require-totp, provider staff
 * create tokens only from a session that passed the second factor, and
 * their tokens stop working while the second factor is off.
 */
#ifndef OB_MODEL_IDENTITY_TOKEN_H
#define OB_MODEL_IDENTITY_TOKEN_H

#include <stdint.h>

struct ob_ctx;

struct ob_token {
    int64_t id, account, created_at, last_used_at, revoked_at;
    const char *name, *prefix, *roles;  /* in ctx's arena */
};

/* roles: a comma-separated subset of the person's roles in account. The
 * secret ("obk_…", 47 characters) is written to secret[48]. */
int ob_token_create(struct ob_ctx *ctx, int64_t account, const char *roles, const char *name,
                    int64_t *id, char secret[48]);
/* The actor's own tokens, newest first, after cursor `after` (0: from the
 * start), at most limit. */
int ob_token_list(struct ob_ctx *ctx, int64_t after, int limit,
                  int (*fn)(const struct ob_token *, void *), void *arg);
int ob_token_revoke(struct ob_ctx *ctx, int64_t id);

#endif
