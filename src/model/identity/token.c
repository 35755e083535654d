/*
 * token.c — creating, listing and revoking API tokens.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "base/ctx.h"
#include "base/utf8.h"
#include "db/db.h"
#include "model/identity/access.h"
#include "model/identity/account.h"
#include "model/core/audit.h"
#include "model/identity/authn.h"
#include "model/identity/token.h"
#include "model/identity/principal.h"
#include "base/banned.h"

struct create_args {
    int64_t account, *id;
    const char *roles, *name, *hash, *prefix;
};

static int
create(struct ob_ctx *ctx, void *arg)
{
    struct create_args *a = arg;
    int rc = ob_db_get_int(ctx->db, a->id,
                           "INSERT INTO api_tokens (person_id, account_id, roles, name, prefix, "
                           "secret_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                           "iitttti", ctx->actor.person, a->account, a->roles, a->name, a->prefix,
                           a->hash, ob_clock_now(ctx));

    if (rc < 0)
        return ob_db_err(ctx, rc);
    return ob_audit_with(ctx, a->account, "token.created", "token", *a->id,
                         json_pack("{s:s, s:s}", "name", a->name, "roles", a->roles),
                    "API token '%s' (%s) with roles %s", a->name, a->prefix, a->roles);
}

int
ob_token_create(struct ob_ctx *ctx, int64_t account, const char *roles, const char *name,
                int64_t *id, char secret[48])
{
    struct create_args a = { account, id, NULL, name, NULL, NULL };
    struct ob_account acc;
    unsigned want, held;
    const char *bad = NULL;
    char hash[65], prefix[16], text[128];
    unsigned char raw[32];
    int rc;

    if ((rc = ob_access_session(ctx)) != 0)
        return rc;
    if (ctx->actor.mfa_missing) {
        /* a token is never stronger than the sign-in that made it */
        ob_err_set(&ctx->err, OB_EPERM, "token.totp_required");
        ob_err_hint(&ctx->err, "turn it on in your profile, sign in again with a code, then "
                               "create the token");
        return OB_EPERM;
    }
    if (!name || !*name || strlen(name) > 100 || !ob_utf8_valid(name))
        return ob_err_field(&ctx->err, OB_EINVAL, "name", "token.name_required");
    held = ob_access_roles(ctx, account);
    if (!held || (rc = ob_account_get(ctx, account, &acc)) != 0) {
        ob_err_clear(&ctx->err);
        return ob_err_field(&ctx->err, OB_ENOTFOUND, "account", "auth.no_such_account",
                            "account=%lld", (long long)account);
    }
    if (ob_roles_parse(acc.kind, roles, &want, &bad) != 0)
        return ob_err_field(&ctx->err, OB_EINVAL, "roles", "token.not_a_role", "bad=%s kind=%s",
                            bad, ob_kind_name(acc.kind));
    if (!want)
        return ob_err_field(&ctx->err, OB_EINVAL, "roles", "token.no_roles");
    if (want & ~held)
        return ob_err_field(&ctx->err, OB_EINVAL, "roles", "token.roles_not_held");
    randombytes_buf(raw, sizeof(raw));
    memcpy(secret, "obk_", 4);
    sodium_bin2base64(secret + 4, 44, raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    snprintf(prefix, sizeof(prefix), "%.10s", secret);
    ob_auth_hash(secret, hash);
    ob_roles_format(want, text, sizeof(text));
    a.roles = text;
    a.hash = hash;
    a.prefix = prefix;
    return ob_db_tx(ctx, OB_DB_WRITE, create, &a);
}

struct token_fn {
    int (*fn)(const struct ob_token *, void *);
    void *arg;
};

static int
token_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    const struct token_fn *f = arg;
    struct ob_token t = { ob_stmt_int(st, 0),       ob_stmt_int(st, 1),
                          ob_stmt_int(st, 5),       ob_stmt_int(st, 6),
                          ob_stmt_int(st, 7),       ob_stmt_dup(ctx, st, 2),
                          ob_stmt_dup(ctx, st, 3), ob_stmt_dup(ctx, st, 4) };

    return f->fn(&t, f->arg);
}

int
ob_token_list(struct ob_ctx *ctx, int64_t after, int limit,
              int (*fn)(const struct ob_token *, void *), void *arg)
{
    struct token_fn f = { fn, arg };
    int rc;

    if ((rc = ob_access_session(ctx)) != 0)
        return rc;
    return ob_db_each(ctx, token_row, &f,
                      "SELECT id, account_id, name, prefix, roles, created_at, "
                      "COALESCE(last_used_at, 0), COALESCE(revoked_at, 0) FROM api_tokens "
                      "WHERE person_id = ? AND (? = 0 OR id < ?) ORDER BY id DESC LIMIT ?",
                      "iiii", ctx->actor.person, after, after, (int64_t)limit);
}

static int
revoke(struct ob_ctx *ctx, void *arg)
{
    int64_t id = *(int64_t *)arg, account = 0;
    int rc = ob_db_get_int(ctx->db, &account,
                           "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND person_id = ? "
                           "AND revoked_at IS NULL RETURNING account_id",
                           "iii", ob_clock_now(ctx), id, ctx->actor.person);

    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (rc == OB_DB_DONE)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "token.not_found", "id=%lld", (long long)id);
    /* every node's cached copy of the token is refused at its next use */
    if ((rc = ob_principal_bump(ctx, ctx->actor.person)) != 0)
        return rc;
    return ob_audit(ctx, account, "token.revoked", "token", id, "API token revoked");
}

int
ob_token_revoke(struct ob_ctx *ctx, int64_t id)
{
    int rc = ob_access_session(ctx);

    return rc ? rc : ob_db_tx(ctx, OB_DB_WRITE, revoke, &id);
}
