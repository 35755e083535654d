/*
 * member.c — rows of the memberships table.
 *
 * Roles are kept as a comma-separated set (model/identity/role.h); a row whose roles
 * do not parse for the account's kind reads as no roles rather than failing
 * the whole list.
 */
#include <ctype.h>
#include <string.h>

#include "base/buf.h"
#include "base/ctx.h"
#include "db/db.h"
#include "model/core/event.h"
#include "model/identity/access.h"
#include "model/identity/member.h"
#include "model/identity/principal.h"
#include "base/banned.h"

#define MEMBER_SELECT                                                                          \
    "SELECT p.id, p.email, p.name, m.roles, m.session_limit FROM memberships m "              \
    "JOIN persons p ON p.id = m.person_id "

/* How a member row is read: the account's kind (for its roles) and where it goes. */
struct member_rows {
    enum ob_kind kind;
    struct ob_account_member *out;
    int (*fn)(const struct ob_account_member *, void *);
    void *arg;
};

static void
read_member(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    const struct member_rows *r = arg;
    struct ob_account_member *m = r->out;

    m->person = ob_stmt_int(st, 0);
    m->email = ob_stmt_dup(ctx, st, 1);
    m->name = ob_stmt_dup(ctx, st, 2);
    if (ob_roles_parse(r->kind, ob_stmt_text(st, 3), &m->roles, NULL) != 0)
        m->roles = 0;
    m->has_limit = !ob_stmt_null(st, 4);
    m->session_limit = m->has_limit ? ob_stmt_int(st, 4) : 0;
}

static int
member_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    const struct member_rows *r = arg;

    read_member(ctx, st, arg);
    return r->fn(r->out, r->arg);
}

int
ob_member_list(struct ob_ctx *ctx, int64_t account, enum ob_kind k, int64_t after, int limit,
               int (*fn)(const struct ob_account_member *, void *), void *arg)
{
    struct ob_account_member m;
    struct member_rows r = { k, &m, fn, arg };

    return ob_db_each(ctx, member_row, &r,
                      MEMBER_SELECT "WHERE m.account_id = ? AND m.person_id > ? "
                                    "ORDER BY m.person_id LIMIT ?",
                      "iii", account, after, (int64_t)limit);
}

int
ob_member_get(struct ob_ctx *ctx, int64_t account, enum ob_kind k, int64_t person,
              struct ob_account_member *out)
{
    struct member_rows r = { k, out, NULL, NULL };
    int rc;

    memset(out, 0, sizeof(*out));
    rc = ob_db_one(ctx, read_member, &r, MEMBER_SELECT "WHERE m.account_id = ? AND m.person_id = ?",
                   "ii", account, person);
    if (rc == OB_ENOTFOUND)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "member.not_member", "person=%lld",
                          (long long)person);
    return rc;
}

int
ob_member_owners(struct ob_ctx *ctx, int64_t account, int64_t *n)
{
    int rc;

    *n = 0;
    rc = ob_db_get_int(ctx->db, n,
                       "SELECT COUNT(*) FROM memberships WHERE account_id = ? AND "
                       "(roles = 'owner' OR roles LIKE 'owner,%')",
                       "i", account);
    return rc < 0 ? ob_db_err(ctx, rc) : 0;
}

/* Registered at start-up (one thread), read afterwards by any. */
#define MAX_END_HANDLERS 4
static ob_member_end_fn end_handlers[MAX_END_HANDLERS];
static int nend_handlers;

void
ob_member_on_end(ob_member_end_fn fn)
{
    if (nend_handlers < MAX_END_HANDLERS)
        end_handlers[nend_handlers++] = fn;
}

struct member_of {
    const char *kind;
    int64_t partner;
};

static void
read_member_of(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    struct member_of *m = out;

    m->kind = ob_stmt_dup(ctx, st, 0);
    m->partner = ob_stmt_int(st, 1);
}

int
ob_member_event(struct ob_ctx *ctx, const char *kind, int64_t account, int64_t person,
                const char *roles)
{
    struct member_of m = { "", 0 };
    int64_t partner = 0, sub = 0;
    json_t *data;
    int rc = ob_db_one(ctx, read_member_of, &m,
                       "SELECT a.kind, COALESCE(s.partner_id, 0) FROM accounts a "
                       "LEFT JOIN subscribers s ON s.account_id = a.id WHERE a.id = ?",
                       "i", account);

    if (rc != 0 && rc != OB_ENOTFOUND)
        return rc;
    if (!strcmp(m.kind, "partner"))
        partner = account;
    else if (!strcmp(m.kind, "subscriber")) {
        partner = m.partner;
        sub = account;
    }
    data = json_pack("{s:I, s:s, s:I, s:s}", "account", (json_int_t)account, "account_kind",
                     m.kind, "person", (json_int_t)person, "roles", roles ? roles : "");
    rc = ob_event_emit(ctx, kind, partner, sub, data, NULL);
    json_decref(data);
    return rc;
}

int
ob_member_remove(struct ob_ctx *ctx, int64_t account, enum ob_kind k, int64_t person,
                 struct ob_member_ended *ended)
{
    struct ob_member_ended none;
    int64_t n = ob_db_run(ctx->db, "DELETE FROM memberships WHERE account_id = ? AND person_id = ?",
                          "ii", account, person);
    int rc = 0;

    if (n < 0)
        return ob_db_err(ctx, (int)n);
    /* every node's cached sessions, tokens and memberships of the person */
    if ((rc = ob_principal_bump(ctx, person)) != 0)
        return rc;
    if (n > 0 && (rc = ob_member_event(ctx, "member.removed", account, person, "")) != 0)
        return rc;
    if (!ended)
        ended = &none;
    memset(ended, 0, sizeof(*ended));
    for (int i = 0; i < nend_handlers && rc == 0; i++)
        rc = end_handlers[i](ctx, account, k, person, ended);
    return rc;
}

int
ob_member_set_limit(struct ob_ctx *ctx, int64_t account, int64_t person, bool has, int64_t limit)
{
    int64_t n = has ? ob_db_run(ctx->db,
                                "UPDATE memberships SET session_limit = ? "
                                "WHERE account_id = ? AND person_id = ?",
                                "iii", limit, account, person)
                    : ob_db_run(ctx->db,
                                "UPDATE memberships SET session_limit = NULL "
                                "WHERE account_id = ? AND person_id = ?",
                                "ii", account, person);

    return n < 0 ? ob_db_err(ctx, (int)n) : ob_principal_bump(ctx, person);
}

int
ob_member_parse_roles(struct ob_ctx *ctx, enum ob_kind k, const char *roles, unsigned *out)
{
    const char *bad = NULL;

    if (ob_roles_parse(k, roles, out, &bad) != 0)
        return ob_err_field(&ctx->err, OB_EINVAL, "roles", "member.not_a_role", "bad=%s k=%s",
                            bad ? bad : "", ob_kind_name(k));
    if (!*out)
        return ob_err_field(&ctx->err, OB_EINVAL, "roles", "member.no_roles");
    return 0;
}

const char *
ob_member_roles_text(struct ob_ctx *ctx, unsigned roles)
{
    char text[128], *out;
    size_t j = 0;

    ob_roles_format(roles, text, sizeof(text));
    out = ob_arena_alloc(&ctx->arena, 2 * sizeof(text));
    for (size_t i = 0; text[i]; i++) {
        out[j++] = text[i];
        if (text[i] == ',')
            out[j++] = ' ';
    }
    out[j] = '\0';
    return out;
}

int
ob_member_keep_owner(struct ob_ctx *ctx, int64_t account, const struct ob_account_member *m,
                     unsigned after)
{
    int64_t owners = 0;
    int rc;

    if (!(m->roles & OB_ROLE_OWNER) || (after & OB_ROLE_OWNER))
        return 0;
    if ((rc = ob_member_owners(ctx, account, &owners)) != 0)
        return rc;
    if (owners <= 1)
        return ob_err_set(&ctx->err, OB_ECONFLICT, "member.last_owner", "email=%s", m->email);
    return 0;
}
