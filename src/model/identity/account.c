/*
 * account.c — accounts, members and codes.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "base/ctx.h"
#include "base/utf8.h"
#include "db/db.h"
#include "model/identity/account.h"
#include "model/identity/principal.h"
#include "model/core/audit.h"
#include "model/identity/member.h"
#include "model/identity/person.h"
#include "base/banned.h"

int
ob_account_check_name(struct ob_ctx *ctx, const char *name, const char *field)
{
    size_t n = name ? strlen(name) : 0;

    if (n == 0 || name[0] == ' ' || name[n - 1] == ' ')
        return ob_err_field(&ctx->err, OB_EINVAL, field,
                            n ? "field.spaces_around" : "field.required");
    if (n > 200 || !ob_utf8_valid(name))
        return ob_err_field(&ctx->err, OB_EINVAL, field, "field.name_format");
    return 0;
}

int
ob_account_insert(struct ob_ctx *ctx, enum ob_kind kind, const char *name, int64_t *id)
{
    int64_t now = ob_clock_now(ctx);
    int rc = ob_db_get_int(ctx->db, id,
                           "INSERT INTO accounts (kind, name, created_at, updated_at) "
                           "VALUES (?, ?, ?, ?) RETURNING id",
                           "ttii", ob_kind_name(kind), name, now, now);

    return rc < 0 ? ob_db_err(ctx, rc) : 0;
}

int
ob_account_set_member(struct ob_ctx *ctx, int64_t account, int64_t person, unsigned roles)
{
    char text[128];
    int64_t n, had = 0;
    int rc = ob_db_get_int(ctx->db, &had,
                           "SELECT 1 FROM memberships WHERE person_id = ? AND account_id = ?",
                           "ii", person, account);

    if (rc < 0)
        return ob_db_err(ctx, rc);
    ob_roles_format(roles, text, sizeof(text));
    n = ob_db_run(ctx->db,
                  "INSERT INTO memberships (person_id, account_id, roles, created_at) "
                  "VALUES (?, ?, ?, ?) ON CONFLICT (person_id, account_id) "
                  "DO UPDATE SET roles = excluded.roles",
                  "iiti", person, account, text, ob_clock_now(ctx));
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    /* a role narrowed is narrowed at once on every node */
    if ((rc = ob_principal_bump(ctx, person)) != 0)
        return rc;
    return had ? 0 : ob_member_event(ctx, "member.added", account, person, text);
}

int
ob_account_next_code(struct ob_ctx *ctx, int64_t *code)
{
    int rc = ob_db_get_int(ctx->db, code,
                           "UPDATE counters SET value = value + 1 WHERE name = 'subscriber_code' "
                           "RETURNING value",
                           NULL);

    return rc < 0 ? ob_db_err(ctx, rc) : 0;
}

static void
read_account(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct ob_account *out = arg;

    out->id = ob_stmt_int(st, 0);
    out->kind = ob_kind_parse(ob_stmt_text(st, 1));
    out->name = ob_stmt_dup(ctx, st, 2);
    out->created_at = ob_stmt_int(st, 3);
}

int
ob_account_get(struct ob_ctx *ctx, int64_t id, struct ob_account *out)
{
    int rc;

    memset(out, 0, sizeof(*out));
    rc = ob_db_one(ctx, read_account, out,
                   "SELECT id, kind, name, created_at FROM accounts WHERE id = ?", "i", id);
    if (rc == OB_ENOTFOUND)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "account.not_found", "id=%lld", (long long)id);
    return rc;
}

struct init_args {
    const char *name, *email, *pwhash;
    bool *created;
};

static int
init_provider(struct ob_ctx *ctx, void *arg)
{
    struct init_args *a = arg;
    int64_t existing = 0, account, person, n;
    int rc = ob_db_get_int(ctx->db, &existing,
                           "SELECT id FROM accounts WHERE kind = 'provider' LIMIT 1", NULL);

    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (rc == OB_DB_ROW)
        return 0;
    if ((rc = ob_account_insert(ctx, OB_KIND_PROVIDER, a->name, &account)) != 0 ||
        (rc = ob_person_ensure(ctx, a->email, "", "ru", &person, NULL)) != 0 ||
        (rc = ob_account_set_member(ctx, account, person, OB_ROLE_ADMIN)) != 0)
        return rc;
    n = ob_db_run(ctx->db, "UPDATE persons SET password_hash = ?, auth_gen = auth_gen + 1 WHERE id = ?", "ti", a->pwhash,
                  person);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    *a->created = true;
    return ob_audit_with(ctx, account, "provider.created", "account", account,
                         json_pack("{s:s, s:s}", "name", a->name, "email", a->email),
                    "provider '%s' created with first admin %s", a->name, a->email);
}

int
ob_account_init_provider(struct ob_ctx *ctx, const char *name, const char *admin_email,
                         const char *password, char *generated, size_t size, bool *created)
{
    char email[OB_EMAIL_MAX + 1], pwhash[crypto_pwhash_STRBYTES];
    struct init_args a = { name, email, pwhash, created };
    int rc;

    *created = false;
    if ((rc = ob_account_check_name(ctx, name, "provider-name")) != 0 ||
        (rc = ob_email_normalize(ctx, admin_email, email, sizeof(email), "admin-email")) != 0)
        return rc;
    if (!password) {
        unsigned char raw[12];

        randombytes_buf(raw, sizeof(raw));
        sodium_bin2base64(generated, size, raw, sizeof(raw),
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        password = generated;
    }
    if ((rc = ob_password_check(ctx, password, email, "admin-password-file")) != 0 ||
        (rc = ob_password_hash(ctx, password, pwhash, sizeof(pwhash))) != 0)
        return rc;
    return ob_db_tx(ctx, OB_DB_WRITE, init_provider, &a);
}
