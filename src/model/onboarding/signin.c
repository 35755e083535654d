/*
 * signin.c — single-use sign-in links: see signin.h.
 */
#include <stdio.h>
#include <string.h>

#include "base/config.h"
#include "base/ctx.h"
#include "db/db.h"
#include "model/identity/person.h"
#include "model/onboarding/regpage.h"
#include "model/onboarding/signin.h"
#include "base/banned.h"

int
ob_signin_link_create(struct ob_ctx *ctx, int64_t person, int64_t subscriber, bool confirms,
                      char secret[OB_SECRET_LEN])
{
    int64_t now = ob_clock_now(ctx), n;
    int64_t ttl = confirms ? (int64_t)(ctx->cfg && ctx->cfg->link_hours ? ctx->cfg->link_hours
                                                                         : 24) * 3600
                           : OB_SIGNIN_LINK_SECONDS;
    char hash[65];

    ob_auth_new_secret(secret);
    ob_auth_hash(secret, hash);
    n = ob_db_run(ctx->db,
                  "INSERT INTO signin_links (token_hash, person_id, subscriber_id, created_at, "
                  "expires_at, confirms) VALUES (?, ?, ?, ?, ?, ?)",
                  "tiiiii", hash, person, subscriber, now, now + ttl, (int64_t)confirms);
    return n < 0 ? ob_db_err(ctx, (int)n) : 0;
}

struct use {
    const char *token, *old;
    struct ob_signed_in *out;
    int64_t person, subscriber, confirms;
};

static int
invalid(struct ob_ctx *ctx)
{
    return ob_err_field(&ctx->err, OB_EINVAL, "token", "signin.link_invalid");
}

static int
use_tx(struct ob_ctx *ctx, void *arg)
{
    struct use *u = arg;
    int64_t now = ob_clock_now(ctx), n;
    struct ob_person p;
    char hash[65];
    int rc;

    ob_auth_hash(u->token, hash);
    n = ob_db_run(ctx->db,
                  "UPDATE signin_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL "
                  "AND expires_at > ?",
                  "iti", now, hash, now);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if (n == 0)
        return invalid(ctx);
    if ((rc = ob_db_get_int(ctx->db, &u->person,
                            "SELECT person_id FROM signin_links WHERE token_hash = ?", "t",
                            hash)) < 0 ||
        (rc = ob_db_get_int(ctx->db, &u->subscriber,
                            "SELECT subscriber_id FROM signin_links WHERE token_hash = ?", "t",
                            hash)) < 0 ||
        (rc = ob_db_get_int(ctx->db, &u->confirms,
                            "SELECT confirms FROM signin_links WHERE token_hash = ?", "t",
                            hash)) < 0)
        return ob_db_err(ctx, rc);
    if ((rc = ob_person_get(ctx, u->person, &p)) != 0)
        return rc;
    /* A link that only signs in is for a login that has no password yet
     * (a new address, R-ONB-5); once the mailbox's owner has set one, only
     * that password, or a confirming link from the mailbox, signs in. */
    if (p.disabled || (!u->confirms && p.has_password))
        return invalid(ctx);
    if (u->confirms && (rc = ob_regpage_confirm_tx(ctx, u->person, u->subscriber)) != 0)
        return rc;
    return ob_auth_session_start(ctx, u->person, p.email, u->old, u->out);
}

int
ob_signin_link_use(struct ob_ctx *ctx, const char *token, const char *old,
                   struct ob_signed_in *out, int64_t *subscriber)
{
    struct use u = { .token = token, .old = old, .out = out };
    int rc;

    if (!token || strlen(token) != OB_SECRET_LEN - 1)
        return invalid(ctx);
    if ((rc = ob_db_tx(ctx, OB_DB_WRITE, use_tx, &u)) != 0)
        return rc;
    *subscriber = u.subscriber;
    if (u.confirms)
        ob_regpage_confirmed(ctx, u.subscriber);
    return 0;
}
