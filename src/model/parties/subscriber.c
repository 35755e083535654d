/*
 * subscriber.c — subscribers, their additional information and users.
 *
 * Scope of a list: provider staff see every subscriber; anyone else sees
 * the subscribers served by the partners they work for and those they are
 * members of. Single objects are checked by ob_access_subscriber, so a
 * subscriber outside the actor's scope is not found.
 */
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/ctx.h"
#include "db/db.h"
#include "model/identity/access.h"
#include "model/identity/account.h"
#include "model/core/audit.h"
#include "model/parties/invite.h"
#include "model/parties/partner.h"
#include "model/identity/person.h"
#include "model/parties/subscriber.h"
#include "model/parties/requisites.h"
#include "base/banned.h"

#define STAFF_WRITE (OB_ROLE_ADMIN | OB_ROLE_OPERATOR)

/* Registered at start-up (one thread), read afterwards by any. */
static ob_subscriber_start_fn start_handler;

void
ob_subscriber_on_create(ob_subscriber_start_fn fn)
{
    start_handler = fn;
}

static int
insert(struct ob_ctx *ctx, const char *name, int64_t partner, int64_t own_partner,
       const struct ob_trial_spec *spec, int64_t *id, int64_t *code)
{
    int64_t n;
    int rc;

    if ((rc = ob_account_insert(ctx, OB_KIND_SUBSCRIBER, name, id)) != 0 ||
        (rc = ob_account_next_code(ctx, code)) != 0)
        return rc;
    n = ob_db_run(ctx->db,
                  "INSERT INTO subscribers (account_id, code, partner_id, own_partner_id) "
                  "VALUES (?, ?, NULLIF(?, 0), NULLIF(?, 0))",
                  "iiii", *id, *code, partner, own_partner);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if (!start_handler)
        return ob_err_set(&ctx->err, OB_EINTERNAL, "subscriber.no_trial_hook");
    return start_handler(ctx, *id, spec);     /* R-SUB-1a: the trial */
}

int
ob_subscriber_insert(struct ob_ctx *ctx, const char *name, int64_t partner, int64_t own_partner,
                     int64_t *id, int64_t *code)
{
    struct ob_trial_spec spec = { .partner_own = own_partner != 0 };

    return insert(ctx, name, partner, own_partner, &spec, id, code);
}

int
ob_subscriber_insert_trial(struct ob_ctx *ctx, const char *name, int64_t partner,
                           const struct ob_trial_spec *spec, int64_t *id, int64_t *code)
{
    struct ob_trial_spec s = *spec;

    s.partner_own = false;
    return insert(ctx, name, partner, 0, &s, id, code);
}

/* ---- reading ------------------------------------------------------------------------- */

#define SUB_SELECT                                                                             \
    "SELECT a.id, a.name, s.code, COALESCE(s.partner_id, 0), COALESCE(pa.name, ''), "         \
    "CASE WHEN s.own_partner_id IS NULL THEN 0 ELSE 1 END, s.state, a.created_at, "          \
    "COALESCE(pp.phone, ''), COALESCE(pp.email, '') "                                         \
    "FROM subscribers s JOIN accounts a ON a.id = s.account_id "                              \
    "LEFT JOIN accounts pa ON pa.id = s.partner_id "                                          \
    "LEFT JOIN partners pp ON pp.account_id = s.partner_id "

static void
read_sub(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    struct ob_subscriber *s = out;

    s->id = ob_stmt_int(st, 0);
    s->name = ob_stmt_dup(ctx, st, 1);
    s->code = ob_stmt_int(st, 2);
    s->partner = ob_stmt_int(st, 3);
    s->partner_name = ob_stmt_dup(ctx, st, 4);
    s->own_partner = ob_stmt_int(st, 5) != 0;
    s->state = ob_stmt_dup(ctx, st, 6);
    s->created_at = ob_stmt_int(st, 7);
    s->partner_phone = ob_stmt_dup(ctx, st, 8);
    s->partner_email = ob_stmt_dup(ctx, st, 9);
}

static int
load(struct ob_ctx *ctx, int64_t id, struct ob_subscriber *out)
{
    int rc;

    memset(out, 0, sizeof(*out));
    rc = ob_db_one(ctx, read_sub, out, SUB_SELECT "WHERE s.account_id = ?", "i", id);
    if (rc == OB_ENOTFOUND)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "subscriber.not_found", "id=%lld",
                          (long long)id);
    return rc;
}

int
ob_subscriber_get(struct ob_ctx *ctx, int64_t id, struct ob_subscriber *out)
{
    int rc = ob_access_subscriber(ctx, id, OB_ROLES_ANY, OB_ROLES_ANY, OB_ROLES_ANY);

    return rc ? rc : load(ctx, id, out);
}

/* ---- creating ------------------------------------------------------------------------ */

/* Who serves a subscriber the actor creates: provider staff choose (or not);
 * a partner's owner or operator creates for that partner. */
static int
serving_partner(struct ob_ctx *ctx, int64_t given, int64_t *partner)
{
    const struct ob_member *m;
    struct ob_partner p;
    int n, found = 0, rc;

    *partner = given;
    if (ob_access_provider_roles(ctx) & STAFF_WRITE) {
        if ((rc = ob_access_provider(ctx, STAFF_WRITE)) != 0)
            return rc;
        return given ? ob_partner_load(ctx, given, &p) : 0;
    }
    if (given) {
        if ((rc = ob_access_partner(ctx, given, OB_ROLE_OWNER | OB_ROLE_OPERATOR, 0)) != 0)
            return rc;
        return ob_partner_load(ctx, given, &p);
    }
    if ((rc = ob_access_members(ctx, &m, &n)) != 0)
        return rc;
    for (int i = 0; i < n; i++)
        if (m[i].kind == OB_KIND_PARTNER && (m[i].roles & (OB_ROLE_OWNER | OB_ROLE_OPERATOR))) {
            *partner = m[i].account;
            found++;
        }
    if (found > 1)
        return ob_err_field(&ctx->err, OB_EINVAL, "partner", "subscriber.partner_ambiguous");
    if (!found)
        return ob_err_set(&ctx->err, OB_EPERM, "subscriber.create_forbidden");
    return 0;
}

struct create_args {
    const struct ob_subscriber_new *in;
    const char *email;
    int64_t partner, *id;
    struct ob_invite *owner;
};

static int
create(struct ob_ctx *ctx, void *arg)
{
    struct create_args *a = arg;
    struct ob_invite_new owner = { 0 };
    int64_t code = 0;
    int rc;

    if ((rc = ob_subscriber_insert(ctx, a->in->name, a->partner, 0, a->id, &code)) != 0 ||
        (rc = ob_audit_with(ctx, *a->id, "subscriber.created", "account", *a->id,
                            json_pack("{s:s, s:I}", "name", a->in->name, "code",
                                      (json_int_t)code),
                       "subscriber '%s' (code %lld) created, served by %s %lld", a->in->name,
                       (long long)code, a->partner ? "partner" : "the provider",
                       (long long)a->partner)) != 0)
        return rc;
    if (!a->email)
        return 0;
    owner.account = *a->id;
    owner.email = a->email;
    owner.name = a->in->owner_name;
    owner.lang = a->in->lang;
    owner.roles = OB_ROLE_OWNER;
    return ob_invite_send(ctx, &owner, a->owner);
}

int
ob_subscriber_create(struct ob_ctx *ctx, const struct ob_subscriber_new *in, int64_t *id,
                     struct ob_invite *owner)
{
    char email[OB_EMAIL_MAX + 1];
    struct create_args a = { in, NULL, 0, id, owner };
    int rc;

    *id = 0;
    memset(owner, 0, sizeof(*owner));
    if ((rc = ob_access_person(ctx)) != 0 || (rc = serving_partner(ctx, in->partner, &a.partner)))
        return rc;
    if ((rc = ob_account_check_name(ctx, in->name, "name")) != 0 ||
        (rc = ob_check_text(ctx, in->owner_name, 200, false, "owner_name")) != 0)
        return rc;
    if (in->lang && strcmp(in->lang, "ru") && strcmp(in->lang, "en"))
        return ob_err_field(&ctx->err, OB_EINVAL, "lang", "field.lang");
    if (in->owner_email) {
        if ((rc = ob_email_normalize(ctx, in->owner_email, email, sizeof(email), "owner_email")))
            return rc;
        a.email = email;
    }
    return ob_db_tx(ctx, OB_DB_WRITE, create, &a);
}

/* ---- additional information ---------------------------------------------------------- */

static void
info_complete(struct ob_subscriber_info *i)
{
    i->complete = *i->legal_name && *i->inn && *i->contact_person && *i->phone && *i->email &&
                  *i->region;
}

static void
read_info(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct ob_subscriber_info *out = arg;

    out->legal_name = ob_stmt_dup(ctx, st, 0);
    out->inn = ob_stmt_dup(ctx, st, 1);
    out->kpp = ob_stmt_dup(ctx, st, 2);
    out->contact_person = ob_stmt_dup(ctx, st, 3);
    out->phone = ob_stmt_dup(ctx, st, 4);
    out->email = ob_stmt_dup(ctx, st, 5);
    out->region = ob_stmt_dup(ctx, st, 6);
    out->leave_reason = ob_stmt_null(st, 7) ? NULL : ob_stmt_dup(ctx, st, 7);
    out->leave_comment = ob_stmt_dup(ctx, st, 8);
    out->updated_at = ob_stmt_int(st, 9);
}

/* The subscriber's requisites; all empty when none were given yet. */
static int
info_load(struct ob_ctx *ctx, int64_t id, struct ob_subscriber_info *out)
{
    int rc;

    memset(out, 0, sizeof(*out));
    out->legal_name = out->inn = out->kpp = out->contact_person = out->phone = out->email =
        out->region = out->leave_comment = "";
    rc = ob_db_one(ctx, read_info, out,
                   "SELECT legal_name, inn, kpp, contact_person, phone, email, region, "
                   "leave_reason, leave_comment, updated_at FROM subscriber_info "
                   "WHERE account_id = ?",
                   "i", id);
    info_complete(out);
    return rc == OB_ENOTFOUND ? 0 : rc;
}

int
ob_subscriber_info_get(struct ob_ctx *ctx, int64_t id, struct ob_subscriber_info *out)
{
    int rc = ob_access_subscriber(ctx, id, 0,
                                  OB_ROLE_OWNER | OB_ROLE_OPERATOR | OB_ROLE_CONSULTANT,
                                  OB_ROLES_ANY);

    return rc ? rc : info_load(ctx, id, out);
}

struct info_args {
    int64_t id;
    struct ob_subscriber_info *in;
};

static void
diff(struct ob_buf *b, const char *what, const char *before, const char *after)
{
    if (strcmp(before ? before : "", after ? after : ""))
        ob_buf_addf(b, "%s%s '%s' → '%s'", b->len ? "; " : "", what, before ? before : "",
                    after ? after : "");
}

static int
info_put(struct ob_ctx *ctx, void *arg)
{
    struct info_args *a = arg;
    struct ob_subscriber_info before, *in = a->in;
    int64_t now = ob_clock_now(ctx), n, known = 0;
    struct ob_buf b;
    int rc;

    if (in->leave_reason) {
        rc = ob_db_get_int(ctx->db, &known,
                           "SELECT 1 FROM leave_reasons WHERE code = ? AND active = 1", "t",
                           in->leave_reason);
        if (rc < 0)
            return ob_db_err(ctx, rc);
        if (rc == OB_DB_DONE)
            return ob_err_field(&ctx->err, OB_EINVAL, "leave_reason",
                                "subscriber.leave_reason_unknown", "leave_reason=%s",
                                in->leave_reason);
    }
    if ((rc = info_load(ctx, a->id, &before)) != 0)
        return rc;
    n = ob_db_run(ctx->db,
                  "INSERT INTO subscriber_info (account_id, legal_name, inn, kpp, contact_person, "
                  "phone, email, region, leave_reason, leave_comment, updated_at, updated_by) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (account_id) DO UPDATE "
                  "SET legal_name = excluded.legal_name, inn = excluded.inn, kpp = excluded.kpp, "
                  "contact_person = excluded.contact_person, phone = excluded.phone, "
                  "email = excluded.email, region = excluded.region, "
                  "leave_reason = excluded.leave_reason, leave_comment = excluded.leave_comment, "
                  "updated_at = excluded.updated_at, updated_by = excluded.updated_by",
                  "ittttttttt" "ii", a->id, in->legal_name, in->inn, in->kpp, in->contact_person,
                  in->phone, in->email, in->region, in->leave_reason, in->leave_comment, now,
                  ctx->actor.person);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    ob_buf_init(&b, 16384);
    diff(&b, "legal_name", before.legal_name, in->legal_name);
    diff(&b, "inn", before.inn, in->inn);
    diff(&b, "kpp", before.kpp, in->kpp);
    diff(&b, "contact_person", before.contact_person, in->contact_person);
    diff(&b, "phone", before.phone, in->phone);
    diff(&b, "email", before.email, in->email);
    diff(&b, "region", before.region, in->region);
    diff(&b, "leave_reason", before.leave_reason, in->leave_reason);
    diff(&b, "leave_comment", before.leave_comment, in->leave_comment);
    rc = ob_audit(ctx, a->id, "subscriber.info_changed", "account", a->id, "information: %s",
                  b.len ? b.p : "no change");
    ob_buf_free(&b);
    in->updated_at = now;
    info_complete(in);
    return rc;
}

int
ob_subscriber_info_put(struct ob_ctx *ctx, int64_t id, struct ob_subscriber_info *in)
{
    struct info_args a = { id, in };
    char email[OB_EMAIL_MAX + 1];
    int rc;

    if ((rc = ob_access_subscriber(ctx, id, 0, OB_ROLE_OWNER | OB_ROLE_OPERATOR, STAFF_WRITE)))
        return rc;
#define EMPTY(x) (in->x = in->x ? in->x : "")
    EMPTY(legal_name), EMPTY(inn), EMPTY(kpp), EMPTY(contact_person), EMPTY(phone);
    EMPTY(email), EMPTY(region), EMPTY(leave_comment);
#undef EMPTY
    if ((rc = ob_check_text(ctx, in->legal_name, 300, false, "legal_name")) != 0 ||
        (*in->inn && (rc = ob_check_inn(ctx, in->inn, "inn")) != 0) ||
        (rc = ob_check_kpp(ctx, in->kpp, "kpp")) != 0 ||
        (rc = ob_check_text(ctx, in->contact_person, 200, false, "contact_person")) != 0 ||
        (rc = ob_check_phone(ctx, in->phone, "phone")) != 0 ||
        (rc = ob_check_text(ctx, in->region, 100, false, "region")) != 0 ||
        (rc = ob_check_text(ctx, in->leave_comment, 1000, false, "leave_comment")) != 0)
        return rc;
    if (in->leave_reason && !*in->leave_reason)
        in->leave_reason = NULL;
    if (*in->email) {
        if ((rc = ob_email_normalize(ctx, in->email, email, sizeof(email), "email")) != 0)
            return rc;
        in->email = ob_arena_strdup(&ctx->arena, email);
    }
    return ob_db_tx(ctx, OB_DB_WRITE, info_put, &a);
}

struct reason_fn {
    int (*fn)(const struct ob_leave_reason *, void *);
    void *arg;
};

static int
reason_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    const struct reason_fn *f = arg;
    struct ob_leave_reason r = { ob_stmt_dup(ctx, st, 0), ob_stmt_dup(ctx, st, 1),
                                 ob_stmt_dup(ctx, st, 2), ob_stmt_int(st, 3) };

    return f->fn(&r, f->arg);
}

int
ob_leave_reasons(struct ob_ctx *ctx, int64_t after, int limit,
                 int (*fn)(const struct ob_leave_reason *, void *), void *arg)
{
    struct reason_fn f = { fn, arg };
    int rc;

    if ((rc = ob_access_person(ctx)) != 0)
        return rc;
    return ob_db_each(ctx, reason_row, &f,
                      "SELECT code, name_ru, name_en, position FROM leave_reasons "
                      "WHERE active = 1 AND position > ? ORDER BY position LIMIT ?",
                      "ii", after, (int64_t)limit);
}

static int
reason_names(struct ob_ctx *ctx, const char *ru, const char *en)
{
    int rc = 0;

    if (ru)
        rc = ob_check_text(ctx, ru, 200, true, "name_ru");
    if (rc == 0 && en)
        rc = ob_check_text(ctx, en, 200, true, "name_en");
    return rc;
}

static int
reason_add(struct ob_ctx *ctx, void *arg)
{
    const struct ob_leave_reason *r = arg;
    int64_t n = ob_db_run(ctx->db,
                          "INSERT INTO leave_reasons (code, name_ru, name_en, position) VALUES "
                          "(?, ?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM leave_reasons))",
                          "ttt", r->code, r->name_ru, r->name_en);

    if (n == OB_ECONFLICT)
        return ob_err_field(&ctx->err, OB_ECONFLICT, "code", "subscriber.reason_code_taken",
                            "code=%s", r->code);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    return ob_audit_with(ctx, 0, "leave_reason.added", "leave_reason", 0,
                         json_pack("{s:{s:s, s:s, s:s}}", "reason", "code", r->code, "name_ru",
                                   r->name_ru, "name_en", r->name_en),
                         "reason '%s' added: %s / %s",
                    r->code, r->name_ru, r->name_en);
}

int
ob_leave_reason_add(struct ob_ctx *ctx, const struct ob_leave_reason *r)
{
    size_t n = r->code ? strlen(r->code) : 0;
    int rc;

    if ((rc = ob_access_provider(ctx, OB_ROLE_ADMIN | OB_ROLE_OPERATOR)) != 0)
        return rc;
    if (n == 0 || n > 40 || strspn(r->code, "abcdefghijklmnopqrstuvwxyz0123456789_") != n)
        return ob_err_field(&ctx->err, OB_EINVAL, "code", "subscriber.reason_code_format");
    if (!r->name_ru || !r->name_en)
        return ob_err_field(&ctx->err, OB_EINVAL, r->name_ru ? "name_en" : "name_ru",
                            "subscriber.reason_names_required");
    if ((rc = reason_names(ctx, r->name_ru, r->name_en)) != 0)
        return rc;
    return ob_db_tx(ctx, OB_DB_WRITE, reason_add, (void *)r);
}

struct reason_set {
    const char *code, *ru, *en;
    int active;
};

static int
reason_set(struct ob_ctx *ctx, void *arg)
{
    struct reason_set *a = arg;
    int64_t n = ob_db_run(ctx->db,
                          "UPDATE leave_reasons SET name_ru = COALESCE(?, name_ru), "
                          "name_en = COALESCE(?, name_en), "
                          "active = CASE WHEN ? < 0 THEN active ELSE ? END WHERE code = ?",
                          "ttiit", a->ru, a->en, (int64_t)a->active, (int64_t)a->active, a->code);

    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if (n == 0)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "subscriber.reason_not_found", "code=%s",
                          a->code);
    return ob_audit_with(ctx, 0, "leave_reason.changed", "leave_reason", 0,
                         json_pack("{s:{s:s, s:s?, s:s?}}", "reason", "code", a->code, "name_ru",
                                   a->ru, "name_en", a->en),
                         "reason '%s':%s%s%s%s%s",
                    a->code, a->ru ? " name_ru → " : "", a->ru ? a->ru : "",
                    a->en ? "; name_en → " : "", a->en ? a->en : "",
                    a->active < 0 ? "" : (a->active ? "; offered again" : "; no longer offered"));
}

int
ob_leave_reason_set(struct ob_ctx *ctx, const char *code, const char *name_ru,
                    const char *name_en, int active)
{
    struct reason_set a = { code, name_ru, name_en, active };
    int rc;

    if ((rc = ob_access_provider(ctx, OB_ROLE_ADMIN | OB_ROLE_OPERATOR)) != 0 ||
        (rc = reason_names(ctx, name_ru, name_en)) != 0)
        return rc;
    return ob_db_tx(ctx, OB_DB_WRITE, reason_set, &a);
}

/* ---- users --------------------------------------------------------------------------- */

#define MANAGERS (OB_ROLE_OWNER | OB_ROLE_ADMINISTRATOR)

int
ob_subscriber_users(struct ob_ctx *ctx, int64_t sub, int64_t after, int limit,
                    int (*fn)(const struct ob_account_member *, void *), void *arg)
{
    /* the serving partner's employees read them for the client card; only
     * the subscriber's owner and administrators manage them */
    int rc = ob_access_subscriber(ctx, sub, MANAGERS, OB_ROLES_ANY, 0);

    return rc ? rc : ob_member_list(ctx, sub, OB_KIND_SUBSCRIBER, after, limit, fn, arg);
}

struct user_args {
    int64_t sub, person;
    const char *email, *name;
    const struct ob_user_change *ch;
    unsigned roles;
    bool actor_owner;
    struct ob_account_member *out;
};

static int
owner_only(struct ob_ctx *ctx, const struct user_args *a, unsigned before, unsigned after)
{
    if (a->actor_owner || (before & OB_ROLE_OWNER) == (after & OB_ROLE_OWNER))
        return 0;
    return ob_err_field(&ctx->err, OB_EPERM, "roles", "invite.owner_role_by_owner");
}

static int
check_change(struct ob_ctx *ctx, struct user_args *a)
{
    const struct ob_user_change *ch = a->ch;
    int rc;

    a->actor_owner = (ob_access_roles(ctx, a->sub) & OB_ROLE_OWNER) != 0;
    if (ch->roles && (rc = ob_member_parse_roles(ctx, OB_KIND_SUBSCRIBER, ch->roles, &a->roles)))
        return rc;
    if (ch->set_limit && ch->has_limit && (ch->limit < 0 || ch->limit > 100000))
        return ob_err_field(&ctx->err, OB_EINVAL, "session_limit", "subscriber.limit_range");
    return 0;
}

static const char *
limit_text(struct ob_ctx *ctx, bool has, int64_t limit)
{
    return has ? ob_arena_printf(&ctx->arena, "%lld", (long long)limit) : "none";
}

struct add_args {
    struct ob_invite_new in;
    struct ob_invite *out;
};

/* Adding a user invites them (model/parties/invite.h): nobody is enrolled, and the
 * answer does not depend on whether the address has a login. */
static int
user_add(struct ob_ctx *ctx, void *arg)
{
    struct add_args *a = arg;
    struct ob_subscriber s;
    int rc;

    if ((rc = load(ctx, a->in.account, &s)) != 0)
        return rc;
    return ob_invite_send(ctx, &a->in, a->out);
}

int
ob_subscriber_user_add(struct ob_ctx *ctx, int64_t sub, const char *email, const char *name,
                       const struct ob_user_change *ch, struct ob_invite *out)
{
    char norm[OB_EMAIL_MAX + 1];
    struct user_args a = { sub, 0, norm, name, ch, 0, false, NULL };
    struct add_args add = { { sub, norm, name, NULL, 0, false, 0, NULL, NULL }, out };
    int rc;

    if ((rc = ob_access_subscriber(ctx, sub, MANAGERS, 0, 0)) != 0 ||
        (rc = ob_email_normalize(ctx, email, norm, sizeof(norm), "email")) != 0 ||
        (rc = ob_check_text(ctx, name, 200, false, "name")) != 0)
        return rc;
    if (!ch->roles)
        return ob_err_field(&ctx->err, OB_EINVAL, "roles", "field.required");
    if ((rc = check_change(ctx, &a)) != 0 || (rc = owner_only(ctx, &a, 0, a.roles)) != 0)
        return rc;
    add.in.roles = a.roles;
    add.in.has_limit = ch->set_limit && ch->has_limit;
    add.in.session_limit = ch->limit;
    return ob_db_tx(ctx, OB_DB_WRITE, user_add, &add);
}

int
ob_subscriber_user_join(struct ob_ctx *ctx, int64_t sub, int64_t person, const char *email,
                        unsigned roles, bool has_limit, int64_t limit, int64_t invite)
{
    int rc;

    if ((rc = ob_account_set_member(ctx, sub, person, roles)) != 0 ||
        (has_limit && (rc = ob_member_set_limit(ctx, sub, person, true, limit)) != 0))
        return rc;
    return ob_audit_with(ctx, sub, "subscriber.user_added", "person", person,
                         json_pack("{s:s, s:s}", "email", email, "roles",
                                   ob_member_roles_text(ctx, roles)),
                    "user %s: none → %s, session limit %s (invitation %lld accepted)", email,
                    ob_member_roles_text(ctx, roles), limit_text(ctx, has_limit, limit),
                    (long long)invite);
}

static int
user_set(struct ob_ctx *ctx, void *arg)
{
    struct user_args *a = arg;
    const struct ob_user_change *ch = a->ch;
    struct ob_account_member m;
    unsigned roles;
    int rc;

    if ((rc = ob_member_get(ctx, a->sub, OB_KIND_SUBSCRIBER, a->person, &m)) != 0)
        return rc;
    roles = ch->roles ? a->roles : m.roles;
    if ((rc = owner_only(ctx, a, m.roles, roles)) != 0 ||
        (rc = ob_member_keep_owner(ctx, a->sub, &m, roles)) != 0 ||
        (ch->roles && (rc = ob_account_set_member(ctx, a->sub, a->person, roles)) != 0) ||
        (ch->set_limit &&
         (rc = ob_member_set_limit(ctx, a->sub, a->person, ch->has_limit, ch->limit)) != 0))
        return rc;
    if ((rc = ob_audit_with(ctx, a->sub, "subscriber.user_changed", "person", a->person,
                            json_pack("{s:s, s:s}", "email", m.email, "roles",
                                      ob_member_roles_text(ctx, roles)),
                       "user %s: roles %s → %s, session limit %s → %s", m.email,
                       ob_member_roles_text(ctx, m.roles), ob_member_roles_text(ctx, roles),
                       limit_text(ctx, m.has_limit, m.session_limit),
                       ch->set_limit ? limit_text(ctx, ch->has_limit, ch->limit)
                                     : limit_text(ctx, m.has_limit, m.session_limit))) != 0)
        return rc;
    return ob_member_get(ctx, a->sub, OB_KIND_SUBSCRIBER, a->person, a->out);
}

int
ob_subscriber_user_set(struct ob_ctx *ctx, int64_t sub, int64_t person,
                       const struct ob_user_change *ch, struct ob_account_member *out)
{
    struct user_args a = { sub, person, NULL, NULL, ch, 0, false, out };
    int rc;

    if ((rc = ob_access_subscriber(ctx, sub, MANAGERS, 0, 0)) != 0 ||
        (rc = check_change(ctx, &a)) != 0)
        return rc;
    if (!ch->roles && !ch->set_limit)
        return ob_err_field(&ctx->err, OB_EINVAL, "roles", "subscriber.limit_missing");
    rc = ob_db_tx(ctx, OB_DB_WRITE, user_set, &a);
    ob_access_reset(ctx);
    return rc;
}

static int
user_remove(struct ob_ctx *ctx, void *arg)
{
    struct user_args *a = arg;
    struct ob_account_member m;
    struct ob_member_ended ended;
    int rc;

    /* the removed user's windows close with the membership: they stop
     * counting against the limit at once */
    if ((rc = ob_member_get(ctx, a->sub, OB_KIND_SUBSCRIBER, a->person, &m)) != 0 ||
        (rc = owner_only(ctx, a, m.roles, 0)) != 0 ||
        (rc = ob_member_keep_owner(ctx, a->sub, &m, 0)) != 0 ||
        (rc = ob_member_remove(ctx, a->sub, OB_KIND_SUBSCRIBER, a->person, &ended)) != 0)
        return rc;
    return ob_audit_with(ctx, a->sub, "subscriber.user_removed", "person", a->person,
                         json_pack("{s:s, s:s}", "email", m.email, "roles",
                                   ob_member_roles_text(ctx, m.roles)),
                    "user %s: %s → none (%d sessions closed)", m.email,
                    ob_member_roles_text(ctx, m.roles), ended.sessions);
}

int
ob_subscriber_user_remove(struct ob_ctx *ctx, int64_t sub, int64_t person)
{
    static const struct ob_user_change none = { 0 };
    struct user_args a = { sub, person, NULL, NULL, &none, 0, false, NULL };
    int rc;

    if ((rc = ob_access_subscriber(ctx, sub, MANAGERS, 0, 0)) != 0)
        return rc;
    a.actor_owner = (ob_access_roles(ctx, sub) & OB_ROLE_OWNER) != 0;
    rc = ob_db_tx(ctx, OB_DB_WRITE, user_remove, &a);
    ob_access_reset(ctx);
    return rc;
}

int
ob_subscriber_lock(struct ob_ctx *ctx, int64_t sub)
{
    int rc = ob_db_lock_row(ctx->db, "subscribers", "account_id", sub, false);

    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (rc == OB_DB_DONE)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "auth.subscriber_not_found", "sub=%lld",
                          (long long)sub);
    return 0;
}
