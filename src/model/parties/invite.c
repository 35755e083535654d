/*
 * invite.c — member invitations (model/parties/invite.h).
 *
 * Sending: the caller (the employee and user adds of partner.c and
 * subscriber.c, the owner of a new subscriber) has checked the actor. Here
 * the address is refused only when it is already a member of the account —
 * which the caller may see in the member list anyway; otherwise the same
 * thing happens for a known and an unknown address: a row, a link mailed
 * to it, an audit record naming the address and no person.
 *
 * Accepting: the link's token is looked up by its hash; a password, when
 * the address has none yet, is checked and hashed outside the transaction.
 * The transaction then claims the invitation with one conditional UPDATE
 * (accepted_at still NULL, not cancelled, not expired): SQLite's write lock
 * or PostgreSQL's row lock lets exactly one caller past it, the others see
 * zero rows changed and are refused. Only then is the person created (when
 * new) and made a member, with the audit record of the account's kind.
 *
 * Managing: who sees which invitation is one rule, written twice — as SQL
 * for the lists (scope_sql) and as checks for one invitation (may_manage).
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "base/config.h"
#include "base/ctx.h"
#include "base/date.h"
#include "base/buf.h"
#include "db/db.h"
#include "model/identity/access.h"
#include "model/identity/account.h"
#include "model/core/audit.h"
#include "model/identity/authn.h"
#include "model/parties/invite.h"
#include "model/identity/member.h"
#include "model/core/outbox.h"
#include "model/parties/partner.h"
#include "model/identity/person.h"
#include "model/parties/subscriber.h"
#include "model/parties/requisites.h"
#include "base/banned.h"

#define MANAGERS (OB_ROLE_OWNER | OB_ROLE_ADMINISTRATOR)
#define STAFF (OB_ROLE_ADMIN | OB_ROLE_OPERATOR)
#define OWNER_ROLES "(%s.roles = 'owner' OR %s.roles LIKE 'owner,%%')"

/* ---- reading ------------------------------------------------------------------------- */

#define INVITE_SELECT                                                                              \
    "SELECT i.id, i.account_id, a.kind, a.name, i.email, i.name, i.lang, i.roles, "                \
    "i.session_limit, COALESCE(NULLIF(p.name, ''), p.email, ''), i.created_at, i.expires_at, "     \
    "COALESCE(i.accepted_at, 0), COALESCE(i.cancelled_at, 0), COALESCE(i.replaced_by, 0) "         \
    "FROM member_invites i JOIN accounts a ON a.id = i.account_id "                                \
    "LEFT JOIN subscribers s ON s.account_id = i.account_id "                                      \
    "LEFT JOIN persons p ON p.id = i.invited_by "

static const char *
state_of(int64_t now, int64_t expires, int64_t accepted, int64_t cancelled, int64_t replaced)
{
    if (accepted)
        return "accepted";
    if (replaced)
        return "replaced";
    if (cancelled)
        return "cancelled";
    return expires <= now ? "expired" : "pending";
}

/* One row; strings are the row's (db.h). */
static void
read_row(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    struct ob_invite *v = out;

    memset(v, 0, sizeof(*v));
    v->id = ob_stmt_int(st, 0);
    v->account = ob_stmt_int(st, 1);
    v->kind = ob_kind_parse(ob_stmt_text(st, 2));
    v->account_name = ob_stmt_dup(ctx, st, 3);
    v->email = ob_stmt_dup(ctx, st, 4);
    v->name = ob_stmt_dup(ctx, st, 5);
    v->lang = ob_stmt_dup(ctx, st, 6);
    if (ob_roles_parse(v->kind, ob_stmt_text(st, 7), &v->roles, NULL) != 0)
        v->roles = 0;
    v->has_limit = !ob_stmt_null(st, 8);
    v->session_limit = v->has_limit ? ob_stmt_int(st, 8) : 0;
    v->inviter = ob_stmt_dup(ctx, st, 9);
    v->created_at = ob_stmt_int(st, 10);
    v->expires_at = ob_stmt_int(st, 11);
    v->state = state_of(ob_clock_now(ctx), v->expires_at, ob_stmt_int(st, 12), ob_stmt_int(st, 13),
                        ob_stmt_int(st, 14));
}

/* One invitation by `where` (binding one int or one text); OB_ENOTFOUND
 * (err not set) when there is none. Strings in ctx's arena. */
static int
load_one(struct ob_ctx *ctx, const char *where, int64_t id, const char *text, struct ob_invite *out)
{
    const char *sql = ob_arena_printf(&ctx->arena, INVITE_SELECT "%s", where);

    memset(out, 0, sizeof(*out));
    return text ? ob_db_one(ctx, read_row, out, sql, "t", text)
                : ob_db_one(ctx, read_row, out, sql, "i", id);
}

/* ---- the mail ------------------------------------------------------------------------ */

static const struct {
    unsigned role;
    const char *ru, *en;
} role_titles[] = {
    { OB_ROLE_OWNER, "владелец", "owner" },
    { OB_ROLE_ADMINISTRATOR, "администратор", "administrator" },
    { OB_ROLE_USER, "пользователь", "user" },
    { OB_ROLE_OPERATOR, "оператор", "operator" },
    { OB_ROLE_CONSULTANT, "консультант", "consultant" },
    { OB_ROLE_DEVELOPER, "разработчик", "developer" },
};

/* "оператор, консультант" in the mail's language, in ctx's arena. */
static const char *
roles_for_people(struct ob_ctx *ctx, unsigned roles, bool ru)
{
    char out[256] = "";
    size_t n = 0;

    for (size_t i = 0; i < sizeof(role_titles) / sizeof(role_titles[0]); i++)
        if (roles & role_titles[i].role)
            n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s", n ? ", " : "",
                                  ru ? role_titles[i].ru : role_titles[i].en);
    return ob_arena_strdup(&ctx->arena, out);
}

/* The local date and time of instant t in the service zone, for people. */
static const char *
local_time(struct ob_ctx *ctx, int64_t t, bool ru)
{
    int32_t day = ob_date_of_instant(t);
    int64_t secs = t - ob_date_start(day);
    int y, m, d;

    ob_date_to_ymd(day, &y, &m, &d);
    if (ru)
        return ob_arena_printf(&ctx->arena, "%02d.%02d.%04d %02d:%02d (%s)", d, m, y,
                               (int)(secs / 3600), (int)(secs / 60 % 60), ob_tz_name());
    return ob_arena_printf(&ctx->arena, "%04d-%02d-%02d %02d:%02d (%s)", y, m, d,
                           (int)(secs / 3600), (int)(secs / 60 % 60), ob_tz_name());
}

/* Who invites, for the mail and the invitation page: the actor's name or
 * email; the service itself for the system actor. */
static int
inviter_of(struct ob_ctx *ctx, const char **out)
{
    struct ob_person p;
    int rc;

    *out = "";
    if (!ctx->actor.person)
        return 0;
    if ((rc = ob_person_get(ctx, ctx->actor.person, &p)) != 0)
        return rc;
    *out = *p.name ? p.name : p.email;
    return 0;
}

static int
mail(struct ob_ctx *ctx, const struct ob_invite *v, const char *secret, const char *lang,
     const char *tmpl)
{
    bool ru = strcmp(lang, "en") != 0;
    const char *base = ctx->cfg && ctx->cfg->public_url[0] ? ctx->cfg->public_url : "";
    json_t *vars;
    int rc;

    vars = json_pack("{s:o, s:s, s:s, s:s, s:s, s:s, s:s}", "link",
                     json_sprintf("%s/invite?token=%s", base, secret), "account", v->account_name,
                     "kind",
                     v->kind == OB_KIND_PARTNER ? (ru ? "обслуживающая организация" : "partner")
                                                : (ru ? "абонент" : "subscriber"),
                     "roles", roles_for_people(ctx, v->roles, ru), "inviter",
                     *v->inviter ? v->inviter : (ru ? "Сервис «Облако»" : "Oblako"), "until",
                     local_time(ctx, v->expires_at, ru), "email", v->email);
    rc = ob_outbox_add(ctx, v->email, ru ? "ru" : "en", tmpl ? tmpl : "member_invited", vars,
                       v->account);
    json_decref(vars);
    return rc;
}

/* ---- sending ------------------------------------------------------------------------- */

static int
is_member(struct ob_ctx *ctx, int64_t account, const char *email, bool *yes, const char **lang)
{
    struct ob_person p;
    int64_t one = 0;
    int rc = ob_person_find(ctx, email, &p);

    *yes = false;
    if (rc == OB_ENOTFOUND) {
        ob_err_clear(&ctx->err);
        return 0;
    }
    if (rc != 0)
        return rc;
    *lang = p.lang;
    rc = ob_db_get_int(ctx->db, &one,
                       "SELECT 1 FROM memberships WHERE account_id = ? AND person_id = ?", "ii",
                       account, p.id);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    *yes = rc == OB_DB_ROW;
    return 0;
}

/* The new invitation as the caller will see it (its id and expiry aside). */
static void
describe(struct ob_ctx *ctx, const struct ob_invite_new *in, const struct ob_account *acc,
         const char *lang, struct ob_invite *out)
{
    memset(out, 0, sizeof(*out));
    out->account = acc->id;
    out->kind = acc->kind;
    out->account_name = acc->name;
    out->email = ob_arena_strdup(&ctx->arena, in->email);
    out->name = ob_arena_strdup(&ctx->arena, in->name ? in->name : "");
    out->lang = lang;
    out->roles = in->roles;
    out->has_limit = in->has_limit;
    out->session_limit = in->session_limit;
    out->created_at = ob_clock_now(ctx);
    out->state = "pending";
}

int
ob_invite_send(struct ob_ctx *ctx, const struct ob_invite_new *in, struct ob_invite *out)
{
    int days = ctx->cfg && ctx->cfg->invite_days ? ctx->cfg->invite_days : 7;
    int64_t now = ob_clock_now(ctx), replaced;
    char secret[OB_SECRET_LEN], hash[65], roles[128];
    const char *lang = in->lang && !strcmp(in->lang, "en") ? "en" : "ru", *mail_lang = lang;
    struct ob_account acc;
    bool member;
    int rc;

    if ((rc = ob_account_get(ctx, in->account, &acc)) != 0 ||
        (rc = is_member(ctx, in->account, in->email, &member, &mail_lang)) != 0)
        return rc;
    if (member)
        return ob_err_field(&ctx->err, OB_ECONFLICT, "email", "invite.already_member",
                            "email=%s name=%s", in->email, acc.name);
    describe(ctx, in, &acc, lang, out);
    out->expires_at = now + (int64_t)days * 86400;
    if ((rc = inviter_of(ctx, &out->inviter)) != 0)
        return rc;
    ob_auth_new_secret(secret);
    ob_auth_hash(secret, hash);
    ob_roles_format(in->roles, roles, sizeof(roles));
    rc = ob_db_get_int(ctx->db, &out->id,
                       "INSERT INTO member_invites (account_id, email, name, lang, roles, "
                       "session_limit, token_hash, invited_by, created_at, expires_at, "
                       "password_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                       "itttt" "mt" "ziit", acc.id, out->email, out->name, lang, roles,
                       in->has_limit ? in->session_limit : -1, hash, ctx->actor.person, now,
                       out->expires_at, in->pwhash);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    replaced = ob_db_run(ctx->db,
                         "UPDATE member_invites SET cancelled_at = ?, cancelled_by = ?, "
                         "replaced_by = ? WHERE account_id = ? AND email = ? AND id <> ? AND "
                         "accepted_at IS NULL AND cancelled_at IS NULL",
                         "iziiti", now, ctx->actor.person, out->id, acc.id, out->email, out->id);
    if (replaced < 0)
        return ob_db_err(ctx, (int)replaced);
    rc = mail(ctx, out, secret, mail_lang, in->tmpl);
    sodium_memzero(secret, sizeof(secret));
    if (rc != 0)
        return rc;
    return ob_audit_with(ctx, acc.id, "member.invited", "member_invite", out->id,
                         json_pack("{s:s, s:s, s:s}", "email", out->email, "roles",
                                   ob_member_roles_text(ctx, in->roles), "until",
                                   local_time(ctx, out->expires_at, false)),
                    "invitation %lld to %s as %s, valid until %s%s", (long long)out->id, out->email,
                    ob_member_roles_text(ctx, in->roles), local_time(ctx, out->expires_at, false),
                    replaced ? "; replaces the pending one" : "");
}

/* ---- who manages which --------------------------------------------------------------- */

/* The accounts of kind k where the actor holds one of roles, as "1,2" ("0"
 * when none), for the SQL of the lists. */
static const char *
ids_with(struct ob_ctx *ctx, enum ob_kind k, unsigned roles)
{
    const struct ob_member *m;
    struct ob_buf b;
    const char *out;
    int n;

    if (ob_access_members(ctx, &m, &n) != 0)
        n = 0;
    ob_buf_init(&b, 1 << 16);
    for (int i = 0; i < n; i++)
        if (m[i].kind == k && (m[i].roles & roles))
            ob_buf_addf(&b, "%s%lld", b.len ? "," : "", (long long)m[i].account);
    out = ob_arena_strdup(&ctx->arena, b.len ? b.p : "0");
    ob_buf_free(&b);
    return out;
}

/* The rule of ob_invite_list as SQL over i (member_invites), a (accounts)
 * and s (subscribers, left-joined). */
static int
scope_sql(struct ob_ctx *ctx, const char **out)
{
    bool staff = ctx->actor.system;
    int rc;

    if (!staff && (ob_access_provider_roles(ctx) & STAFF)) {
        if ((rc = ob_access_provider(ctx, STAFF)) != 0)
            return rc;
        staff = true;
    }
    *out = ob_arena_printf(
        &ctx->arena,
        "((a.kind = 'partner' AND (%d = 1 OR i.account_id IN (%s))) "
        "OR (a.kind = 'subscriber' AND i.account_id IN (%s)) "
        "OR (a.kind = 'subscriber' AND " OWNER_ROLES " AND (%d = 1 OR s.partner_id IN (%s)) "
        "AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.account_id = i.account_id "
        "AND " OWNER_ROLES ")))",
        staff, ids_with(ctx, OB_KIND_PARTNER, OB_ROLE_OWNER),
        ids_with(ctx, OB_KIND_SUBSCRIBER, MANAGERS), "i", "i", staff,
        ids_with(ctx, OB_KIND_PARTNER, OB_ROLE_OWNER | OB_ROLE_OPERATOR), "m", "m");
    return 0;
}

static int
has_owner(struct ob_ctx *ctx, int64_t account, bool *yes)
{
    int64_t n = 0;
    int rc = ob_member_owners(ctx, account, &n);

    *yes = n > 0;
    return rc;
}

/* May the actor see (write: also cancel or resend) invitation v? The same
 * rule as scope_sql: OB_ENOTFOUND for an unrelated actor and for an
 * invitation outside the actor's part of a related account. */
static int
may_manage(struct ob_ctx *ctx, const struct ob_invite *v, bool write)
{
    unsigned mine;
    bool owned;
    int rc;

    if (ctx->actor.system)
        return 0;
    if (v->kind == OB_KIND_PARTNER)
        return ob_access_partner(ctx, v->account, OB_ROLE_OWNER, write ? OB_ROLE_ADMIN : STAFF);
    if (v->kind != OB_KIND_SUBSCRIBER)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "invite.not_found", "id=%lld", (long long)v->id);
    if ((rc = ob_access_subscriber(ctx, v->account, MANAGERS, OB_ROLE_OWNER | OB_ROLE_OPERATOR,
                                   STAFF)) != 0)
        return rc;
    mine = ob_access_roles(ctx, v->account);
    if (mine & MANAGERS) {
        if (write && (v->roles & OB_ROLE_OWNER) && !(mine & OB_ROLE_OWNER))
            return ob_err_field(&ctx->err, OB_EPERM, "roles", "invite.owner_role_by_owner");
        return 0;
    }
    if ((rc = has_owner(ctx, v->account, &owned)) != 0)
        return rc;
    if ((v->roles & OB_ROLE_OWNER) && !owned)
        return 0; /* the serving partner or the provider, until the client has an owner */
    return ob_err_set(&ctx->err, OB_ENOTFOUND, "invite.not_found", "id=%lld", (long long)v->id);
}

/* An open (not accepted, not cancelled) invitation the actor manages. */
static int
load_open(struct ob_ctx *ctx, int64_t id, bool write, struct ob_invite *out)
{
    int rc = load_one(ctx, "WHERE i.id = ?", id, NULL, out);

    if (rc == 0 && strcmp(out->state, "pending") && strcmp(out->state, "expired"))
        rc = OB_ENOTFOUND;
    if (rc == OB_ENOTFOUND)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "invite.not_found", "id=%lld", (long long)id);
    return rc ? rc : may_manage(ctx, out, write);
}

/* ---- managing ------------------------------------------------------------------------ */

/* May the actor list account's invitations? Related with a managing role,
 * or the serving partner (or provider staff) of a client that has no owner
 * yet; the serving partner of a client with an owner is related but has no
 * say (OB_EPERM). */
static int
list_access(struct ob_ctx *ctx, int64_t account)
{
    struct ob_invite probe = { 0 };
    struct ob_account acc;
    int rc;

    if ((rc = ob_account_get(ctx, account, &acc)) != 0)
        return rc;
    probe.account = account;
    probe.kind = acc.kind;
    probe.roles = OB_ROLE_OWNER;
    rc = may_manage(ctx, &probe, false);
    if (rc == OB_ENOTFOUND && acc.kind == OB_KIND_SUBSCRIBER &&
        ob_access_subscriber(ctx, account, OB_ROLES_ANY, OB_ROLES_ANY, OB_ROLES_ANY) == 0)
        rc = ob_err_set(&ctx->err, OB_EPERM, "invite.owner_admins_only");
    return rc;
}

struct invite_fn {
    int (*fn)(const struct ob_invite *, void *);
    void *arg;
};

static int
invite_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    const struct invite_fn *f = arg;
    struct ob_invite v;

    read_row(ctx, st, &v);
    return f->fn(&v, f->arg);
}

int
ob_invite_list(struct ob_ctx *ctx, int64_t account, int64_t after, int limit,
               int (*fn)(const struct ob_invite *, void *), void *arg)
{
    struct invite_fn f = { fn, arg };
    const char *scope;
    int rc;

    if ((rc = ob_access_person(ctx)) != 0 || (account && (rc = list_access(ctx, account)) != 0))
        return rc;
    if ((rc = scope_sql(ctx, &scope)) != 0)
        return rc;
    return ob_db_each(ctx, invite_row, &f,
                      ob_arena_printf(&ctx->arena,
                                      INVITE_SELECT
                                      "WHERE i.accepted_at IS NULL AND i.cancelled_at IS "
                                      "NULL AND (? = 0 OR i.account_id = ?) AND "
                                      "(? = 0 OR i.id < ?) AND %s ORDER BY i.id DESC LIMIT ?",
                                      scope),
                      "iiiii", account, account, after, after, (int64_t)limit);
}

static int
cancel(struct ob_ctx *ctx, void *arg)
{
    int64_t id = *(int64_t *)arg, n;
    struct ob_invite v;
    int rc;

    if ((rc = load_open(ctx, id, true, &v)) != 0)
        return rc;
    n = ob_db_run(ctx->db,
                  "UPDATE member_invites SET cancelled_at = ?, cancelled_by = ? WHERE id = ? AND "
                  "accepted_at IS NULL AND cancelled_at IS NULL",
                  "izi", ob_clock_now(ctx), ctx->actor.person, id);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if (n == 0)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "invite.not_found", "id=%lld", (long long)id);
    return ob_audit_with(ctx, v.account, "member.invite_cancelled", "member_invite", id,
                         json_pack("{s:s, s:s}", "email", v.email, "roles",
                                   ob_member_roles_text(ctx, v.roles)),
                    "invitation %lld to %s as %s: %s → cancelled", (long long)id, v.email,
                    ob_member_roles_text(ctx, v.roles), v.state);
}

int
ob_invite_cancel(struct ob_ctx *ctx, int64_t id)
{
    int rc = ob_access_person(ctx);

    return rc ? rc : ob_db_tx(ctx, OB_DB_WRITE, cancel, &id);
}

struct resend_args {
    int64_t id;
    struct ob_invite *out;
};

static int
resend(struct ob_ctx *ctx, void *arg)
{
    struct resend_args *a = arg;
    struct ob_invite_new in = { 0 };
    struct ob_invite v;
    int rc;

    if ((rc = load_open(ctx, a->id, true, &v)) != 0)
        return rc;
    in.account = v.account;
    in.email = v.email;
    in.name = v.name;
    in.lang = v.lang;
    in.roles = v.roles;
    in.has_limit = v.has_limit;
    in.session_limit = v.session_limit;
    return ob_invite_send(ctx, &in, a->out);
}

int
ob_invite_resend(struct ob_ctx *ctx, int64_t id, struct ob_invite *out)
{
    struct resend_args a = { id, out };
    int rc = ob_access_person(ctx);

    return rc ? rc : ob_db_tx(ctx, OB_DB_WRITE, resend, &a);
}

/* ---- following the link -------------------------------------------------------------- */

static int
refuse(struct ob_ctx *ctx, const char *state)
{
    static const struct {
        const char *state, *reason;
    } whys[] = {
        {"expired", OB_REASON("invite.expired")},
        {"cancelled", OB_REASON("invite.cancelled")},
        {"replaced", OB_REASON("invite.replaced")},
        {"accepted", OB_REASON("invite.accepted")},
    };

    for (size_t i = 0; i < sizeof(whys) / sizeof(whys[0]); i++)
        if (!strcmp(state, whys[i].state))
            return ob_err_field(&ctx->err, OB_EINVAL, "token", whys[i].reason);
    return ob_err_field(&ctx->err, OB_EINVAL, "token", "invite.link_not_valid");
}

/* The invitation of a link, pending; out->state says why when it is not. */
static int
by_token(struct ob_ctx *ctx, const char *token, struct ob_invite *out)
{
    char hash[65];
    int rc;

    memset(out, 0, sizeof(*out));
    out->state = "unknown";
    if (!token || !*token || strlen(token) > 128)
        return refuse(ctx, out->state);
    ob_auth_hash(token, hash);
    rc = load_one(ctx, "WHERE i.token_hash = ?", 0, hash, out);
    if (rc == OB_ENOTFOUND)
        out->state = "unknown";
    if (rc == OB_ENOTFOUND || (rc == 0 && strcmp(out->state, "pending")))
        return refuse(ctx, out->state);
    return rc;
}

/* The password a sign-up kept with invitation id (R-ONB-2), in ctx's
 * arena; *out NULL when none. */
static int
kept_password(struct ob_ctx *ctx, int64_t id, const char **out)
{
    char hash[256] = "";
    int rc = ob_db_get_text(ctx->db, hash, sizeof(hash),
                            "SELECT password_hash FROM member_invites WHERE id = ? AND "
                            "password_hash IS NOT NULL",
                            "i", id);

    *out = NULL;
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (rc == OB_DB_ROW && *hash)
        *out = ob_arena_strdup(&ctx->arena, hash);
    return 0;
}

int
ob_invite_view(struct ob_ctx *ctx, const char *token, struct ob_invite *out)
{
    struct ob_person p;
    int rc;

    if ((rc = by_token(ctx, token, out)) != 0)
        return rc;
    rc = ob_person_find(ctx, out->email, &p);
    if (rc == OB_ENOTFOUND) {
        const char *kept = NULL;

        ob_err_clear(&ctx->err);
        if ((rc = kept_password(ctx, out->id, &kept)) != 0)
            return rc;
        out->needs_password = kept == NULL;
        out->kept_password = kept != NULL;
        return 0;
    }
    if (rc == 0)
        out->needs_password = !p.has_password;
    if (rc == 0 && out->needs_password) {
        const char *kept = NULL;

        if ((rc = kept_password(ctx, out->id, &kept)) == 0) {
            out->needs_password = kept == NULL;
            out->kept_password = kept != NULL;
        }
    }
    return rc;
}

struct accept_args {
    struct ob_invite *v;
    const char *pwhash, *name;
    bool password_given;
};

/* Join the account by its kind: the audit record says the member was added. */
static int
join(struct ob_ctx *ctx, const struct ob_invite *v, int64_t person)
{
    if (v->kind == OB_KIND_PARTNER)
        return ob_partner_employee_join(ctx, v->account, person, v->email, v->roles, v->id);
    return ob_subscriber_user_join(ctx, v->account, person, v->email, v->roles, v->has_limit,
                                   v->session_limit, v->id);
}

/* A person who has a password must not send one; one who has none must
 * (the demo's system actor aside). Judged in the transaction, after the
 * claim: the person may have changed since the link was read, and a caller
 * who lost the race is told the invitation was accepted, not this. */
static int
password_rule(struct ob_ctx *ctx, const struct accept_args *a, const struct ob_person *p)
{
    if (p->has_password && (a->pwhash || a->password_given))
        return ob_err_field(&ctx->err, OB_EINVAL, "password", "invite.has_password", "email=%s",
                            p->email);
    if (!p->has_password && !a->pwhash && !ctx->actor.system)
        return ob_err_field(&ctx->err, OB_EINVAL, "password", "invite.password_needed", "email=%s",
                            p->email);
    return 0;
}

static int
accept(struct ob_ctx *ctx, void *arg)
{
    struct accept_args *a = arg;
    struct ob_invite *v = a->v;
    const char *name = a->name && *a->name ? a->name : v->name;
    int64_t now = ob_clock_now(ctx), person = 0, n, first = 0;
    int ended = 0, revoked = 0;
    struct ob_person p;
    bool member = false;
    const char *lang;
    int rc;

    n = ob_db_run(ctx->db,
                  "UPDATE member_invites SET accepted_at = ? WHERE id = ? AND accepted_at IS NULL "
                  "AND cancelled_at IS NULL AND expires_at > ?",
                  "iii", now, v->id, now);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if (n == 0) {
        struct ob_invite again;

        if ((rc = load_one(ctx, "WHERE i.id = ?", v->id, NULL, &again)) != 0)
            return rc == OB_ENOTFOUND ? refuse(ctx, "unknown") : rc;
        v->state = again.state;
        return refuse(ctx, again.state);
    }
    if ((rc = is_member(ctx, v->account, v->email, &member, &lang)) != 0)
        return rc;
    if (member)
        return ob_err_field(&ctx->err, OB_ECONFLICT, "token", "invite.you_are_member",
                            "account_name=%s", v->account_name);
    if ((rc = ob_person_ensure(ctx, v->email, name, v->lang, &person, NULL)) != 0 ||
        (rc = ob_person_get(ctx, person, &p)) != 0)
        return rc;
    if (p.disabled)
        return ob_err_set(&ctx->err, OB_EPERM, "invite.login_disabled", "email=%s", v->email);
    /* the password typed at sign-up, when the link brings none (R-ONB-2) */
    if (!a->pwhash && !a->password_given && !p.has_password) {
        if ((rc = kept_password(ctx, v->id, &a->pwhash)) != 0)
            return rc;
        v->kept_password = a->pwhash != NULL;
    }
    if ((rc = password_rule(ctx, a, &p)) != 0)
        return rc;
    /* the first password (and a name) of a person who had none; never replaces a password */
    if (a->pwhash)
        n = first = ob_db_run(ctx->db,
                              "UPDATE persons SET password_hash = ?, name = CASE WHEN ? = '' "
                              "THEN name ELSE ? END, updated_at = ?, auth_gen = auth_gen + 1 "
                              "WHERE id = ? AND password_hash IS NULL",
                              "tttii", a->pwhash, a->name ? a->name : "",
                              a->name ? a->name : "", now, person);
    /* A login without a password may have sessions that no mailbox proved:
     * a registration page signs a new address in at once (R-ONB-5), so
     * whoever typed the address holds one. The first password comes through
     * the mailbox's own link: from then on only its owner is signed in. */
    if (first == 1 &&
        (rc = ob_auth_end_other_access(ctx, person, NULL, false, &ended, &revoked)) != 0)
        return rc;
    if (n >= 0)
        n = ob_db_run(ctx->db, "UPDATE member_invites SET accepted_person = ? WHERE id = ?", "ii",
                      person, v->id);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if (!ctx->actor.system) {
        ctx->actor.person = person; /* the audit record's actor: the mailbox's owner */
        ctx->actor.name = v->email;
    }
    v->state = "accepted";
    v->person = person;
    return join(ctx, v, person);
}

int
ob_invite_accept(struct ob_ctx *ctx, const char *token, const char *password, const char *name,
                 struct ob_invite *out)
{
    char pwhash[crypto_pwhash_STRBYTES];
    struct accept_args a = { out, NULL, name, password != NULL };
    int rc;

    if ((rc = ob_invite_view(ctx, token, out)) != 0 ||
        (rc = ob_check_text(ctx, name, 200, false, "name")) != 0)
        return rc;
    if (out->needs_password) {
        if ((rc = ob_password_check(ctx, password, out->email, "password")) != 0 ||
            (rc = ob_password_hash(ctx, password, pwhash, sizeof(pwhash))) != 0)
            return rc;
        a.pwhash = pwhash;
    }
    rc = ob_db_tx(ctx, OB_DB_WRITE, accept, &a);
    sodium_memzero(pwhash, sizeof(pwhash));
    ob_access_reset(ctx);
    return rc;
}

static int
accept_pending(struct ob_ctx *ctx, void *arg)
{
    struct accept_args *a = arg;
    int64_t id = 0;
    int rc;

    rc = ob_db_get_int(ctx->db, &id,
                       "SELECT id FROM member_invites WHERE account_id = ? AND email = ? AND "
                       "accepted_at IS NULL AND cancelled_at IS NULL ORDER BY id DESC LIMIT 1",
                       "it", a->v->account, a->v->email);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (rc == OB_DB_DONE || (rc = load_one(ctx, "WHERE i.id = ?", id, NULL, a->v)) != 0)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "invite.none_pending", "email=%s account=%lld",
                          a->v->email, (long long)a->v->account);
    return accept(ctx, a);
}

int
ob_invite_accept_pending(struct ob_ctx *ctx, int64_t account, const char *email)
{
    struct ob_invite v = { 0 };
    struct accept_args a = { &v, NULL, NULL, false };

    if (!ctx->actor.system)
        return ob_err_set(&ctx->err, OB_EPERM, "invite.service_only");
    v.account = account;
    v.email = email;
    return ob_db_tx(ctx, OB_DB_WRITE, accept_pending, &a);
}
