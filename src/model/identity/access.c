/*
 * access.c — memberships of the actor, loaded once per request, and the
 * checks every model function makes.
 *
 * A request that could not read them keeps that failure while its error
 * stands: every later check fails too (or finds no roles), so a check whose
 * read happened to succeed never lets a write through after an earlier
 * check failed. ob_db_tx's retry clears the error, and they are read again.
 */
#include <string.h>

#include "base/buf.h"
#include "base/ctx.h"
#include "db/db.h"
#include "model/identity/access.h"
#include "model/identity/principal.h"
#include "base/banned.h"

#define MAX_MEMBERS 256

/* The memberships are as many as the person has (most have one or two):
 * a fixed array of MAX_MEMBERS was 10 KB zeroed in every request's arena. */
struct cache {
    struct ob_member *m;
    int n, cap;
    int64_t provider;
};

/* Room for one more membership (the arena's memory: the old array stays). */
static void
make_room(struct ob_ctx *ctx, struct cache *c)
{
    struct ob_member *m;

    if (c->n < c->cap)
        return;
    c->cap = c->cap ? c->cap * 2 : 4;
    m = ob_arena_alloc(&ctx->arena, (size_t)c->cap * sizeof(*m));
    if (c->n)
        memcpy(m, c->m, (size_t)c->n * sizeof(*m));
    c->m = m;
}

/* One membership of the person, as stored (roles not narrowed by a token). */
static int
member_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct cache *c = arg;
    struct ob_member *m;
    enum ob_kind k = ob_kind_parse(ob_stmt_text(st, 1));

    if (c->n >= MAX_MEMBERS)
        return 0;
    make_room(ctx, c);
    m = &c->m[c->n];
    m->account = ob_stmt_int(st, 0);
    m->kind = k;
    if (ob_roles_parse(k, ob_stmt_text(st, 2), &m->roles, NULL) != 0)
        m->roles = 0;
    m->name = ob_stmt_dup(ctx, st, 3);
    m->code = ob_stmt_int(st, 4);
    m->session_limit = ob_stmt_int(st, 5);
    c->n++;
    return 0;
}

/* The provider's account: the first one made, never another (kept by the
 * principal cache once read, when the cache is on). */
static int
provider(struct ob_ctx *ctx, int64_t *out)
{
    int rc;

    if ((*out = ob_principal_provider()) != 0)
        return 0;
    rc = ob_db_get_int(ctx->db, out,
                       "SELECT id FROM accounts WHERE kind = 'provider' ORDER BY id LIMIT 1", NULL);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (*out)
        ob_principal_set_provider(*out);
    return 0;
}

/* The person's memberships from the principal cache, when they were cached
 * at the generation this request checked (model/identity/principal.h). */
static bool
from_principal(struct ob_ctx *ctx, struct cache *c)
{
    struct ob_principal_members pm;

    if (!ctx->actor.gen_known || !ob_principal_members_get(ctx->actor.person, ctx->actor.gen, &pm))
        return false;
    c->cap = pm.n > 0 ? pm.n : 1;
    c->m = ob_arena_alloc(&ctx->arena, (size_t)c->cap * sizeof(*c->m));
    for (int i = 0; i < pm.n; i++) {
        c->m[i].account = pm.m[i].account;
        c->m[i].kind = (enum ob_kind)pm.m[i].kind;
        c->m[i].roles = pm.m[i].roles;
        c->m[i].name = ob_arena_strdup(&ctx->arena, pm.m[i].name);
        c->m[i].code = pm.m[i].code;
        c->m[i].session_limit = pm.m[i].session_limit;
    }
    c->n = pm.n;
    return true;
}

static void
to_principal(struct ob_ctx *ctx, const struct cache *c)
{
    struct ob_principal_members pm;

    if (!ctx->actor.gen_known || c->n > OB_PRINCIPAL_MEMBERS)
        return;
    memset(&pm, 0, sizeof(pm));
    pm.gen = ctx->actor.gen;
    pm.n = c->n;
    for (int i = 0; i < c->n; i++) {
        if (strlen(c->m[i].name) >= sizeof(pm.m[i].name))
            return;
        pm.m[i].account = c->m[i].account;
        pm.m[i].kind = (int)c->m[i].kind;
        pm.m[i].roles = c->m[i].roles;
        memcpy(pm.m[i].name, c->m[i].name, strlen(c->m[i].name) + 1);
        pm.m[i].code = c->m[i].code;
        pm.m[i].session_limit = c->m[i].session_limit;
    }
    ob_principal_members_put(ctx->actor.person, &pm);
}

/* What the actor may use: a token acts in its one account only, with the
 * roles it was given there; a membership without roles is passed over. */
static void
narrow(struct ob_ctx *ctx, struct cache *c)
{
    int n = 0;

    for (int i = 0; i < c->n; i++) {
        struct ob_member m = c->m[i];

        if (ctx->actor.token)
            m.roles = m.account == ctx->actor.account ? m.roles & ctx->actor.token_roles : 0;
        if (m.roles)
            c->m[n++] = m;
    }
    c->n = n;
}

/* ctx->actor.members after a failed load */
static char load_failed;

/* A membership as member_row reads it; the caller adds the WHERE. */
#define MEMBER_SELECT                                                                          \
    "SELECT m.account_id, a.kind, m.roles, a.name, COALESCE(s.code, 0), "                      \
    "COALESCE(m.session_limit, -1) FROM memberships m JOIN accounts a ON a.id = m.account_id " \
    "LEFT JOIN subscribers s ON s.account_id = m.account_id "

static int
load(struct ob_ctx *ctx, struct cache **out)
{
    struct cache *c = ctx->actor.members;
    int rc;

    if (c == (void *)&load_failed && ctx->err.rc)
        return ctx->err.rc;     /* read again only once the error is cleared (a retry) */
    if (c && c != (void *)&load_failed) {
        *out = c;
        return 0;
    }
    ctx->actor.members = &load_failed;     /* until it is read whole */
    c = ob_arena_alloc(&ctx->arena, sizeof(*c));
    if ((rc = provider(ctx, &c->provider)) != 0)
        return rc;
    if (ctx->actor.person && !from_principal(ctx, c)) {
        bool stream = ctx->rows_stream;

        /* the person's every membership (kept in the principal cache), or a
         * token's one; the rows are kept, so never in an export's per-row
         * memory (db.h, "reading rows": the first read of an export's
         * request may be this one) */
        ctx->rows_stream = false;
        if (ctx->actor.token)
            /* a token acts in its one account only (narrow below): that
             * membership alone, not the person's whole list, which may be
             * long (one person owning many clients); a partial list is not
             * kept in the principal cache */
            rc = ob_db_each(ctx, member_row, c,
                            MEMBER_SELECT "WHERE m.person_id = ? AND m.account_id = ?", "ii",
                            ctx->actor.person, ctx->actor.account);
        else
            rc = ob_db_each(ctx, member_row, c,
                            MEMBER_SELECT "WHERE m.person_id = ? ORDER BY a.kind, a.name, a.id",
                            "i", ctx->actor.person);
        ctx->rows_stream = stream;
        if (rc != 0)
            return rc;
        if (!ctx->actor.token)
            to_principal(ctx, c);
    }
    if (!c->m)
        make_room(ctx, c);  /* never NULL, also with no membership */
    narrow(ctx, c);
    ctx->actor.members = c;
    *out = c;
    return 0;
}

void
ob_access_reset(struct ob_ctx *ctx)
{
    ctx->actor.members = NULL;
}

int
ob_access_person(struct ob_ctx *ctx)
{
    if (ctx->actor.system || ctx->actor.person)
        return 0;
    return ob_err_set(&ctx->err, OB_EUNAUTH, "auth.sign_in");
}

int
ob_access_session(struct ob_ctx *ctx)
{
    int rc = ob_access_person(ctx);

    if (rc != 0 || !ctx->actor.token)
        return rc;
    ob_err_set(&ctx->err, OB_EPERM, "auth.needs_session");
    ob_err_hint(&ctx->err, "sign in to the cabinet to change your password, second factor or "
                           "tokens");
    return OB_EPERM;
}

int
ob_access_members(struct ob_ctx *ctx, const struct ob_member **out, int *n)
{
    struct cache *c;
    int rc = load(ctx, &c);

    *out = rc == 0 ? c->m : NULL;
    *n = rc == 0 ? c->n : 0;
    return rc;
}

const struct ob_member *
ob_access_member(struct ob_ctx *ctx, int64_t account)
{
    struct cache *c;

    if (load(ctx, &c) != 0)
        return NULL;
    for (int i = 0; i < c->n; i++)
        if (c->m[i].account == account)
            return &c->m[i];
    return NULL;
}

unsigned
ob_access_roles(struct ob_ctx *ctx, int64_t account)
{
    struct cache *c;

    if (load(ctx, &c) != 0)
        return 0;
    for (int i = 0; i < c->n; i++)
        if (c->m[i].account == account)
            return c->m[i].roles;
    return 0;
}

unsigned
ob_access_provider_roles(struct ob_ctx *ctx)
{
    struct cache *c;

    if (ctx->actor.system)
        return OB_ROLES_ANY;
    if (load(ctx, &c) != 0 || !c->provider)
        return 0;
    return ob_access_roles(ctx, c->provider);
}

static int
mfa_gate(struct ob_ctx *ctx)
{
    if (!ctx->actor.mfa_missing)
        return 0;
    ob_err_set(&ctx->err, OB_EPERM, "auth.totp_required");
    ob_err_hint(&ctx->err, "turn it on in your profile: POST /api/v1/me/totp");
    return OB_EPERM;
}

int
ob_access_provider(struct ob_ctx *ctx, unsigned roles)
{
    int rc;

    if (ctx->actor.system)
        return 0;   /* jobs and the command line act for the service */

    if ((rc = ob_access_person(ctx)) != 0)
        return rc;
    if (ob_access_provider_roles(ctx) & roles)
        return mfa_gate(ctx);
    if (ctx->err.rc)
        return ctx->err.rc;
    return ob_err_set(&ctx->err, OB_EPERM, "auth.needs_provider_role", "roles=%s",
                      ob_role_name(roles & (0u - roles)));
}

int
ob_access_partner(struct ob_ctx *ctx, int64_t partner, unsigned partner_roles,
                  unsigned provider_roles)
{
    unsigned mine, prov;
    struct cache *c;
    int rc;

    if (ctx->actor.system)
        return 0;   /* jobs and the command line act for the service */

    /* the memberships first: a failure to read them is the answer, not "no roles" */
    if ((rc = ob_access_person(ctx)) != 0 || (rc = load(ctx, &c)) != 0)
        return rc;
    prov = ob_access_provider_roles(ctx);
    if (prov & provider_roles)
        return mfa_gate(ctx);
    mine = ob_access_roles(ctx, partner);
    if (mine & partner_roles)
        return 0;
    if (mine || prov)
        return ob_err_set(&ctx->err, OB_EPERM, "auth.forbidden_role");
    return ob_err_set(&ctx->err, OB_ENOTFOUND, "auth.partner_not_found", "partner=%lld",
                      (long long)partner);
}

/* The accounts of kind k where the actor holds a role, as "12,15" appended
 * to b; false when there are none. */
static bool
ids_of(const struct cache *c, enum ob_kind k, struct ob_buf *b)
{
    size_t start = b->len;

    for (int i = 0; i < c->n; i++)
        if (c->m[i].kind == k && c->m[i].roles)
            ob_buf_addf(b, "%s%lld", b->len > start ? "," : "", (long long)c->m[i].account);
    return b->len > start;
}

int
ob_access_scope(struct ob_ctx *ctx, const char *partner_col, const char *subscriber_col,
                const char **cond)
{
    struct cache *c;
    struct ob_buf b;
    bool any = false;
    int rc;

    *cond = "1 = 0";
    if ((rc = ob_access_person(ctx)) != 0)
        return rc;
    if (ctx->actor.system || ob_access_provider_roles(ctx)) {
        if ((rc = ob_access_provider(ctx, OB_ROLES_ANY)) != 0)
            return rc;
        *cond = "1 = 1";
        return 0;
    }
    if ((rc = load(ctx, &c)) != 0)
        return rc;
    ob_buf_init(&b, 1 << 20);
    ob_buf_adds(&b, "(");
    if (partner_col) {
        ob_buf_addf(&b, "%s IN (", partner_col);
        if (ids_of(c, OB_KIND_PARTNER, &b))
            any = true;
        else
            ob_buf_adds(&b, "0");
        ob_buf_adds(&b, ")");
    }
    if (subscriber_col) {
        ob_buf_addf(&b, "%s%s IN (", partner_col ? " OR " : "", subscriber_col);
        if (ids_of(c, OB_KIND_SUBSCRIBER, &b))
            any = true;
        else
            ob_buf_adds(&b, "0");
        ob_buf_adds(&b, ")");
    }
    ob_buf_adds(&b, ")");
    if (any)
        *cond = ob_arena_strdup(&ctx->arena, b.p);
    ob_buf_free(&b);
    return 0;
}

int
ob_access_subscriber(struct ob_ctx *ctx, int64_t sub, unsigned sub_roles,
                     unsigned partner_roles, unsigned provider_roles)
{
    int64_t serving = -1;

    return ob_access_subscriber_as(ctx, sub, &serving, sub_roles, partner_roles,
                                   provider_roles);
}

int
ob_access_subscriber_as(struct ob_ctx *ctx, int64_t sub, int64_t *serving, unsigned sub_roles,
                        unsigned partner_roles, unsigned provider_roles)
{
    unsigned mine, prov, partner = 0;
    struct cache *c;
    int rc;

    if (ctx->actor.system)
        return 0;   /* jobs and the command line act for the service */

    /* the memberships first: a failure to read them is the answer, not "no roles" */
    if ((rc = ob_access_person(ctx)) != 0 || (rc = load(ctx, &c)) != 0)
        return rc;
    if (*serving < 0) {
        rc = ob_db_get_int(ctx->db, serving,
                           "SELECT COALESCE(partner_id, 0) FROM subscribers WHERE account_id = ?",
                           "i", sub);
        if (rc < 0) {
            *serving = -1;
            return ob_db_err(ctx, rc);
        }
        if (rc == OB_DB_DONE) {
            *serving = -1;
            return ob_err_set(&ctx->err, OB_ENOTFOUND, "auth.subscriber_not_found",
                              "sub=%lld", (long long)sub);
        }
    }
    prov = ob_access_provider_roles(ctx);
    if (prov & provider_roles)
        return mfa_gate(ctx);
    mine = ob_access_roles(ctx, sub);
    if (mine & sub_roles)
        return 0;
    if (*serving)
        partner = ob_access_roles(ctx, *serving);
    if (partner & partner_roles)
        return 0;
    if (mine || partner || prov)
        return ob_err_set(&ctx->err, OB_EPERM, "auth.forbidden_role");
    return ob_err_set(&ctx->err, OB_ENOTFOUND, "auth.subscriber_not_found", "sub=%lld",
                      (long long)sub);
}

bool
ob_access_subscriber_only(struct ob_ctx *ctx, int64_t sub)
{
    int64_t serving = 0;
    int rc;

    if (ctx->actor.system)
        return false;
    if (ob_access_provider_roles(ctx))
        return false;
    rc = ob_db_get_int(ctx->db, &serving,
                       "SELECT COALESCE(partner_id, 0) FROM subscribers WHERE account_id = ?", "i",
                       sub);
    if (rc < 0 || rc == OB_DB_DONE)
        return true;
    return !serving || !ob_access_roles(ctx, serving);
}
