/*
 * model/parties/ — the parties of the trade: partners and their clients.
 *
 * Partners with their statuses and employees (partner.c), subscribers (the
 * clients, subscriber.c), the partner questionnaire that makes a partner
 * (questionnaire.c; "application" is kept for software), invitations of
 * people into an account (invite.c), and requisites with their validators
 * (requisites.c: INN, KPP, phone, text). A new subscriber's trial is started
 * by subscriptions/ through the handler it registers (ob_subscriber_on_create),
 * so this folder never reaches up into tariffs.
 *
 * This file is the folder's main one: the partner is who the service is sold
 * through.
 */
/*
 * partner.c — partners, their requisites, statuses and employees.
 *
 * Every public function checks the actor through model/identity/access.h first;
 * the few that do not (ob_partner_create, ob_partner_load,
 * ob_partner_set_requisites) say so and are called by model code that has
 * checked. Changes run in one transaction with their audit record and mail.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/ctx.h"
#include "base/date.h"
#include "base/utf8.h"
#include "db/db.h"
#include "model/identity/access.h"
#include "model/identity/account.h"
#include "model/core/audit.h"
#include "model/parties/invite.h"
#include "model/core/outbox.h"
#include "model/parties/partner.h"
#include "model/identity/principal.h"
#include "model/identity/person.h"
#include "model/parties/subscriber.h"
#include "base/banned.h"

/* ---- reading ------------------------------------------------------------------------- */

#define PARTNER_SELECT                                                                         \
    "SELECT a.id, a.name, p.inn, p.kpp, p.phone, p.email, p.site, p.address, p.region, "     \
    "p.state, COALESCE(p.own_subscriber_id, 0), COALESCE(s.code, 0), a.created_at, "         \
    "p.settle_with, COALESCE(p.distributor_id, 0), COALESCE(d.name, '') "                    \
    "FROM partners p JOIN accounts a ON a.id = p.account_id "                                 \
    "LEFT JOIN subscribers s ON s.account_id = p.own_subscriber_id "                          \
    "LEFT JOIN distributors d ON d.id = p.distributor_id "

static void
read_partner(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    struct ob_partner *p = out;

    p->id = ob_stmt_int(st, 0);
    p->req.name = ob_stmt_dup(ctx, st, 1);
    p->req.inn = ob_stmt_dup(ctx, st, 2);
    p->req.kpp = ob_stmt_dup(ctx, st, 3);
    p->req.phone = ob_stmt_dup(ctx, st, 4);
    p->req.email = ob_stmt_dup(ctx, st, 5);
    p->req.site = ob_stmt_dup(ctx, st, 6);
    p->req.address = ob_stmt_dup(ctx, st, 7);
    p->req.region = ob_stmt_dup(ctx, st, 8);
    p->state = ob_stmt_dup(ctx, st, 9);
    p->own_subscriber = ob_stmt_int(st, 10);
    p->own_code = ob_stmt_int(st, 11);
    p->created_at = ob_stmt_int(st, 12);
    p->settle_with = ob_stmt_dup(ctx, st, 13);
    p->distributor = ob_stmt_int(st, 14);
    p->distributor_name = ob_stmt_dup(ctx, st, 15);
}

int
ob_partner_load(struct ob_ctx *ctx, int64_t id, struct ob_partner *out)
{
    int rc;

    memset(out, 0, sizeof(*out));
    rc = ob_db_one(ctx, read_partner, out, PARTNER_SELECT "WHERE p.account_id = ?", "i", id);
    if (rc == OB_ENOTFOUND)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "partner.not_found", "id=%lld", (long long)id);
    return rc;
}

int
ob_partner_get(struct ob_ctx *ctx, int64_t id, struct ob_partner *out)
{
    int rc = ob_access_partner(ctx, id, OB_ROLES_ANY, OB_ROLES_ANY);

    return rc ? rc : ob_partner_load(ctx, id, out);
}

struct partner_fn {
    int (*fn)(const struct ob_partner *, void *);
    void *arg;
};

static int
partner_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    const struct partner_fn *f = arg;
    struct ob_partner p;

    read_partner(ctx, st, &p);
    return f->fn(&p, f->arg);
}

int
ob_partner_list(struct ob_ctx *ctx, const char *q, int64_t after, int limit,
                int (*fn)(const struct ob_partner *, void *), void *arg)
{
    const char *scope = NULL, *like = q && *q ? ob_db_like_pattern(ctx, q) : "";
    struct partner_fn f = { fn, arg };
    char *sql;
    int rc;

    if ((rc = ob_access_person(ctx)) != 0)
        return rc;
    if ((rc = ob_access_scope(ctx, "a.id", NULL, &scope)) != 0)
        return rc;
    sql = ob_arena_printf(&ctx->arena,
                          PARTNER_SELECT "WHERE (? = 0 OR a.id < ?) AND (? = '' OR "
                                         "LOWER(a.name) LIKE ? ESCAPE '\\' OR p.inn LIKE ? "
                                         "ESCAPE '\\') AND %s ORDER BY a.id DESC LIMIT ?",
                          scope);
    return ob_db_each(ctx, partner_row, &f, sql, "iittti", after, after, like, like, like,
                      (int64_t)limit);
}

/* ---- creating and changing ----------------------------------------------------------- */

int
ob_partner_create(struct ob_ctx *ctx, const struct ob_requisites *r, int64_t owner, int64_t *id)
{
    int64_t sub, code, n;
    int rc;

    if ((rc = ob_account_insert(ctx, OB_KIND_PARTNER, r->name, id)) != 0)
        return rc;
    n = ob_db_run(ctx->db,
                  "INSERT INTO partners (account_id, inn, kpp, phone, email, site, address, region) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                  "itttttt" "t", *id, r->inn, r->kpp ? r->kpp : "", r->phone, r->email,
                  r->site ? r->site : "", r->address ? r->address : "", r->region ? r->region : "");
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if ((rc = ob_subscriber_insert(ctx, r->name, *id, *id, &sub, &code)) != 0)
        return rc;
    n = ob_db_run(ctx->db, "UPDATE partners SET own_subscriber_id = ? WHERE account_id = ?", "ii",
                  sub, *id);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if ((rc = ob_account_set_member(ctx, *id, owner, OB_ROLE_OWNER)) != 0 ||
        (rc = ob_account_set_member(ctx, sub, owner, OB_ROLE_OWNER)) != 0)
        return rc;
    if ((rc = ob_audit_with(ctx, *id, "partner.created", "account", *id,
                            json_pack("{s:s, s:s}", "name", r->name, "inn", r->inn),
                       "partner '%s' (INN %s) created; owner person %lld", r->name, r->inn,
                       (long long)owner)) != 0)
        return rc;
    return ob_audit_with(ctx, sub, "subscriber.created", "account", sub,
                         json_pack("{s:s, s:I, s:s}", "name", r->name, "code", (json_int_t)code,
                                   "partner", r->name),
                    "own subscriber account '%s' (code %lld) of partner %lld", r->name,
                    (long long)code, (long long)*id);
}

static void
diff(struct ob_buf *b, const char *what, const char *before, const char *after)
{
    if (after && strcmp(before, after))
        ob_buf_addf(b, "%s%s '%s' → '%s'", b->len ? "; " : "", what, before, after);
}

int
ob_partner_set_requisites(struct ob_ctx *ctx, int64_t id, const struct ob_requisites *r)
{
    struct ob_partner before;
    struct ob_buf b;
    int64_t n;
    int rc;

    if ((rc = ob_partner_load(ctx, id, &before)) != 0)
        return rc;
    n = ob_db_run(ctx->db,
                  "UPDATE partners SET inn = COALESCE(?, inn), kpp = COALESCE(?, kpp), "
                  "phone = COALESCE(?, phone), email = COALESCE(?, email), "
                  "site = COALESCE(?, site), address = COALESCE(?, address), "
                  "region = COALESCE(?, region) WHERE account_id = ?",
                  "ttttttti", r->inn, r->kpp, r->phone, r->email, r->site, r->address, r->region,
                  id);
    if (n >= 0 && r->name)
        n = ob_db_run(ctx->db, "UPDATE accounts SET name = ?, updated_at = ? WHERE id = ?", "tii",
                      r->name, ob_clock_now(ctx), id);
    if (n >= 0 && r->name && before.own_subscriber)
        n = ob_db_run(ctx->db,
                      "UPDATE accounts SET name = ?, updated_at = ? WHERE id = ? AND name = ?",
                      "tiit", r->name, ob_clock_now(ctx), before.own_subscriber, before.req.name);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    /* the members' cached memberships carry the account's name */
    if (r->name && ((rc = ob_principal_bump_account(ctx, id)) != 0 ||
                    (before.own_subscriber &&
                     (rc = ob_principal_bump_account(ctx, before.own_subscriber)) != 0)))
        return rc;
    ob_buf_init(&b, 8192);
    diff(&b, "name", before.req.name, r->name);
    diff(&b, "inn", before.req.inn, r->inn);
    diff(&b, "kpp", before.req.kpp, r->kpp);
    diff(&b, "phone", before.req.phone, r->phone);
    diff(&b, "email", before.req.email, r->email);
    diff(&b, "site", before.req.site, r->site);
    diff(&b, "address", before.req.address, r->address);
    diff(&b, "region", before.req.region, r->region);
    rc = ob_audit(ctx, id, "partner.requisites_changed", "account", id, "requisites: %s",
                  b.len ? b.p : "no change");
    ob_buf_free(&b);
    return rc;
}

int
ob_partner_set_payer(struct ob_ctx *ctx, int64_t id, const char *settle_with, int64_t distributor)
{
    struct ob_partner before, after;
    int64_t n;
    int rc;

    if ((rc = ob_partner_load(ctx, id, &before)) != 0)
        return rc;
    n = ob_db_run(ctx->db,
                  "UPDATE partners SET settle_with = ?, distributor_id = NULLIF(?, 0) "
                  "WHERE account_id = ?",
                  "tii", settle_with, distributor, id);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    if ((rc = ob_partner_load(ctx, id, &after)) != 0)
        return rc;
    return ob_audit_with(ctx, id, "partner.payer_changed", "account", id,
                         json_pack("{s:s, s:s, s:s}", "partner", after.req.name, "settle_with",
                                   after.settle_with, "distributor", after.distributor_name),
                         "payer: %s '%s' → %s '%s'", before.settle_with,
                         before.distributor_name, after.settle_with, after.distributor_name);
}

/* ---- statuses ------------------------------------------------------------------------ */

static const char *const statuses[] = { "csk", "erp_cc", "corp_list", "cso" };

static bool
status_known(const char *s)
{
    for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
        if (s && !strcmp(s, statuses[i]))
            return true;
    return false;
}

/* Is [from, to) in force on day? to < 0: open-ended. */
static bool
in_force(int32_t day, int32_t from, int32_t to)
{
    return from <= day && (to < 0 || day < to);
}

struct status_fn {
    int32_t today;
    int (*fn)(const struct ob_partner_status *, void *);
    void *arg;
};

static int
status_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    const struct status_fn *f = arg;
    struct ob_partner_status s = { 0 };
    int32_t from = 0, to = -1;

    s.id = ob_stmt_int(st, 0);
    s.partner = ob_stmt_int(st, 1);
    s.status = ob_stmt_dup(ctx, st, 2);
    s.valid_from = ob_stmt_dup(ctx, st, 3);
    s.valid_to = ob_stmt_null(st, 4) ? NULL : ob_stmt_dup(ctx, st, 4);
    s.note = ob_stmt_dup(ctx, st, 5);
    s.created_at = ob_stmt_int(st, 6);
    s.withdrawn_at = ob_stmt_int(st, 7);
    ob_date_parse(s.valid_from, &from);
    if (s.valid_to)
        ob_date_parse(s.valid_to, &to);
    s.active = !s.withdrawn_at && in_force(f->today, from, to);
    return f->fn(&s, f->arg);
}

static int
each_status(struct ob_ctx *ctx, int64_t partner,
            int (*fn)(const struct ob_partner_status *, void *), void *arg)
{
    struct status_fn f = { ob_clock_today(ctx), fn, arg };

    return ob_db_each(ctx, status_row, &f,
                      "SELECT id, partner_id, status, valid_from, valid_to, note, "
                      "created_at, COALESCE(withdrawn_at, 0) FROM partner_statuses "
                      "WHERE partner_id = ? ORDER BY id",
                      "i", partner);
}

int
ob_partner_statuses(struct ob_ctx *ctx, int64_t partner,
                    int (*fn)(const struct ob_partner_status *, void *), void *arg)
{
    int rc = ob_access_partner(ctx, partner, OB_ROLES_ANY, OB_ROLES_ANY);

    return rc ? rc : each_status(ctx, partner, fn, arg);
}

struct status_args {
    int64_t partner, *id;
    const char *status, *from, *to, *note;
    int32_t dfrom, dto;
    bool overlap;
};

static int
overlap_row(const struct ob_partner_status *s, void *arg)
{
    struct status_args *a = arg;
    int32_t from = 0, to = -1;

    if (s->withdrawn_at || strcmp(s->status, a->status))
        return 0;
    ob_date_parse(s->valid_from, &from);
    if (s->valid_to)
        ob_date_parse(s->valid_to, &to);
    if ((to < 0 || a->dfrom < to) && (a->dto < 0 || from < a->dto))
        a->overlap = true;
    return 0;
}

static int
status_add(struct ob_ctx *ctx, void *arg)
{
    struct status_args *a = arg;
    struct ob_partner p;
    int rc;

    a->overlap = false;
    if ((rc = ob_partner_load(ctx, a->partner, &p)) != 0 ||
        (rc = each_status(ctx, a->partner, overlap_row, a)) != 0)
        return rc;
    if (a->overlap)
        return ob_err_field(&ctx->err, OB_ECONFLICT, "valid_from", "partner.status_overlaps",
                            "name=%s status=%s", p.req.name, a->status);
    rc = ob_db_get_int(ctx->db, a->id,
                       "INSERT INTO partner_statuses (partner_id, status, valid_from, valid_to, "
                       "note, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, NULLIF(?, 0)) RETURNING id",
                       "itttti" "i", a->partner, a->status, a->from, a->to, a->note,
                       ob_clock_now(ctx), ctx->actor.person);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    return ob_audit_with(ctx, a->partner, "partner.status_granted", "partner_status", *a->id,
                         json_pack("{s:s, s:s, s:s?}", "status", a->status, "from", a->from,
                                   "to", a->to),
                    "status %s: none → [%s, %s)%s%s", a->status, a->from, a->to ? a->to : "…",
                    *a->note ? " note: " : "", a->note);
}

int
ob_partner_status_add(struct ob_ctx *ctx, int64_t partner, const char *status,
                      const char *valid_from, const char *valid_to, const char *note, int64_t *id)
{
    struct status_args a = { partner, id, status, valid_from, valid_to, note ? note : "", 0, -1,
                             false };
    int rc;

    if ((rc = ob_access_partner(ctx, partner, 0, OB_ROLE_ADMIN | OB_ROLE_OPERATOR)) != 0)
        return rc;
    if (!status_known(status))
        return ob_err_field(&ctx->err, OB_EINVAL, "status", "partner.status_format");
    if (!valid_from || ob_date_parse_input(valid_from, &a.dfrom) != 0)
        return ob_err_field(&ctx->err, OB_EINVAL, "valid_from", "field.date");
    if (valid_to && ob_date_parse_input(valid_to, &a.dto) != 0)
        return ob_err_field(&ctx->err, OB_EINVAL, "valid_to", "field.date");
    if (valid_to && a.dto <= a.dfrom)
        return ob_err_field(&ctx->err, OB_EINVAL, "valid_to", "partner.valid_to_before_from");
    if ((rc = ob_check_text(ctx, note, 1000, false, "note")) != 0)
        return rc;
    return ob_db_tx(ctx, OB_DB_WRITE, status_add, &a);
}

struct withdraw_args {
    int64_t partner, id;
};

static int
status_withdraw(struct ob_ctx *ctx, void *arg)
{
    struct withdraw_args *a = arg;
    char status[32] = "";
    int64_t withdrawn = 0, n;
    int rc = ob_db_get_int(ctx->db, &withdrawn,
                           "SELECT COALESCE(withdrawn_at, 0) FROM partner_statuses "
                           "WHERE id = ? AND partner_id = ?",
                           "ii", a->id, a->partner);

    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (rc == OB_DB_DONE)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "partner.status_not_found", "id=%lld",
                          (long long)a->id);
    if (withdrawn)
        return ob_err_set(&ctx->err, OB_ECONFLICT, "partner.status_withdrawn", "id=%lld",
                          (long long)a->id);
    if ((rc = ob_db_get_text(ctx->db, status, sizeof(status),
                             "SELECT status FROM partner_statuses WHERE id = ?", "i", a->id)) < 0)
        return ob_db_err(ctx, rc);
    n = ob_db_run(ctx->db, "UPDATE partner_statuses SET withdrawn_at = ? WHERE id = ?", "ii",
                  ob_clock_now(ctx), a->id);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    return ob_audit_with(ctx, a->partner, "partner.status_withdrawn", "partner_status", a->id,
                         json_pack("{s:s}", "status", status),
                    "status %s: in the record → withdrawn", status);
}

int
ob_partner_status_withdraw(struct ob_ctx *ctx, int64_t partner, int64_t id)
{
    struct withdraw_args a = { partner, id };
    int rc = ob_access_partner(ctx, partner, 0, OB_ROLE_ADMIN | OB_ROLE_OPERATOR);

    return rc ? rc : ob_db_tx(ctx, OB_DB_WRITE, status_withdraw, &a);
}

/* ---- employees ----------------------------------------------------------------------- */

int
ob_partner_employees(struct ob_ctx *ctx, int64_t partner, int64_t after, int limit,
                     int (*fn)(const struct ob_account_member *, void *), void *arg)
{
    struct ob_partner p;
    int rc;

    if ((rc = ob_access_partner(ctx, partner, OB_ROLE_OWNER, OB_ROLE_ADMIN | OB_ROLE_OPERATOR)) ||
        (rc = ob_partner_load(ctx, partner, &p)) != 0)
        return rc;
    return ob_member_list(ctx, partner, OB_KIND_PARTNER, after, limit, fn, arg);
}

/* Mirror a partner role set onto its own subscriber account (R-ACT-1): owners own it, every
 * other employee is a user there. Roles given there otherwise are kept. */
static int
mirror_own(struct ob_ctx *ctx, const struct ob_partner *p, int64_t person, unsigned roles)
{
    struct ob_account_member own;
    unsigned keep = 0;
    int rc;

    if (!p->own_subscriber)
        return 0;
    rc = ob_member_get(ctx, p->own_subscriber, OB_KIND_SUBSCRIBER, person, &own);
    if (rc == 0)
        keep = own.roles & ~(unsigned)(OB_ROLE_OWNER | OB_ROLE_USER);
    else if (rc != OB_ENOTFOUND)
        return rc;
    ob_err_clear(&ctx->err);
    return ob_account_set_member(ctx, p->own_subscriber, person,
                                 keep | ((roles & OB_ROLE_OWNER) ? OB_ROLE_OWNER : OB_ROLE_USER));
}

struct emp_args {
    int64_t partner, person;
    const char *email, *name;
    unsigned roles;
    struct ob_account_member *out;
};

struct invite_args {
    struct ob_invite_new in;
    struct ob_invite *out;
};

/* Adding an employee invites them (model/parties/invite.h): nobody is enrolled,
 * and the answer does not depend on whether the address has a login. */
static int
employee_add(struct ob_ctx *ctx, void *arg)
{
    struct invite_args *a = arg;
    struct ob_partner p;
    int rc;

    if ((rc = ob_partner_load(ctx, a->in.account, &p)) != 0)
        return rc;
    return ob_invite_send(ctx, &a->in, a->out);
}

int
ob_partner_employee_add(struct ob_ctx *ctx, int64_t partner, const char *email, const char *name,
                        const char *roles, struct ob_invite *out)
{
    char norm[OB_EMAIL_MAX + 1];
    struct invite_args a = { { partner, norm, name, NULL, 0, false, 0, NULL, NULL }, out };
    int rc;

    if ((rc = ob_access_partner(ctx, partner, OB_ROLE_OWNER, OB_ROLE_ADMIN)) != 0 ||
        (rc = ob_email_normalize(ctx, email, norm, sizeof(norm), "email")) != 0 ||
        (rc = ob_check_text(ctx, name, 200, false, "name")) != 0 ||
        (rc = ob_member_parse_roles(ctx, OB_KIND_PARTNER, roles, &a.in.roles)) != 0)
        return rc;
    return ob_db_tx(ctx, OB_DB_WRITE, employee_add, &a);
}

int
ob_partner_employee_join(struct ob_ctx *ctx, int64_t partner, int64_t person, const char *email,
                         unsigned roles, int64_t invite)
{
    struct ob_partner p;
    int rc;

    if ((rc = ob_partner_load(ctx, partner, &p)) != 0 ||
        (rc = ob_account_set_member(ctx, partner, person, roles)) != 0 ||
        (rc = mirror_own(ctx, &p, person, roles)) != 0)
        return rc;
    return ob_audit_with(ctx, partner, "partner.employee_added", "person", person,
                         json_pack("{s:s, s:s}", "email", email, "roles",
                                   ob_member_roles_text(ctx, roles)),
                    "employee %s: none → %s (invitation %lld accepted)", email,
                    ob_member_roles_text(ctx, roles), (long long)invite);
}

static int
employee_set(struct ob_ctx *ctx, void *arg)
{
    struct emp_args *a = arg;
    struct ob_account_member m;
    struct ob_partner p;
    int rc;

    if ((rc = ob_partner_load(ctx, a->partner, &p)) != 0 ||
        (rc = ob_member_get(ctx, a->partner, OB_KIND_PARTNER, a->person, &m)) != 0 ||
        (rc = ob_member_keep_owner(ctx, a->partner, &m, a->roles)) != 0 ||
        (rc = ob_account_set_member(ctx, a->partner, a->person, a->roles)) != 0 ||
        (rc = mirror_own(ctx, &p, a->person, a->roles)) != 0 ||
        (rc = ob_audit_with(ctx, a->partner, "partner.employee_roles", "person", a->person,
                            json_pack("{s:s, s:s, s:s}", "email", m.email, "roles_before",
                                      ob_member_roles_text(ctx, m.roles), "roles",
                                      ob_member_roles_text(ctx, a->roles)),
                       "employee %s: %s → %s", m.email, ob_member_roles_text(ctx, m.roles),
                       ob_member_roles_text(ctx, a->roles))) != 0)
        return rc;
    return ob_member_get(ctx, a->partner, OB_KIND_PARTNER, a->person, a->out);
}

int
ob_partner_employee_set(struct ob_ctx *ctx, int64_t partner, int64_t person, const char *roles,
                        struct ob_account_member *out)
{
    struct emp_args a = { partner, person, NULL, NULL, 0, out };
    int rc;

    if ((rc = ob_access_partner(ctx, partner, OB_ROLE_OWNER, OB_ROLE_ADMIN)) != 0 ||
        (rc = ob_member_parse_roles(ctx, OB_KIND_PARTNER, roles, &a.roles)) != 0)
        return rc;
    rc = ob_db_tx(ctx, OB_DB_WRITE, employee_set, &a);
    ob_access_reset(ctx);
    return rc;
}

static int
employee_remove(struct ob_ctx *ctx, void *arg)
{
    struct emp_args *a = arg;
    struct ob_account_member m;
    struct ob_member_ended ended, own;
    struct ob_partner p;
    int rc;

    /* what the employment held ends with it, in this transaction: the
     * clients' grants to the person, their windows in the own books */
    if ((rc = ob_partner_load(ctx, a->partner, &p)) != 0 ||
        (rc = ob_member_get(ctx, a->partner, OB_KIND_PARTNER, a->person, &m)) != 0 ||
        (rc = ob_member_keep_owner(ctx, a->partner, &m, 0)) != 0 ||
        (rc = ob_member_remove(ctx, a->partner, OB_KIND_PARTNER, a->person, &ended)) != 0)
        return rc;
    if (p.own_subscriber &&
        (rc = ob_member_remove(ctx, p.own_subscriber, OB_KIND_SUBSCRIBER, a->person, &own)) != 0)
        return rc;
    return ob_audit_with(ctx, a->partner, "partner.employee_removed", "person", a->person,
                         json_pack("{s:s, s:s}", "email", m.email, "roles",
                                   ob_member_roles_text(ctx, m.roles)),
                    "employee %s: %s → none (%d client grants ended)", m.email,
                    ob_member_roles_text(ctx, m.roles), ended.grants);
}

int
ob_partner_employee_remove(struct ob_ctx *ctx, int64_t partner, int64_t person)
{
    struct emp_args a = { partner, person, NULL, NULL, 0, NULL };
    int rc;

    if ((rc = ob_access_partner(ctx, partner, OB_ROLE_OWNER, OB_ROLE_ADMIN)) != 0)
        return rc;
    rc = ob_db_tx(ctx, OB_DB_WRITE, employee_remove, &a);
    ob_access_reset(ctx);
    return rc;
}

/* Does partner hold `status` on day? Read here, not through
 * ob_partner_statuses: the rule applies whoever acts (a subscriber's owner
 * creating an area), and that function admits only the partner's employees
 * and the provider. A record withdrawn counts for the days before the day
 * it was withdrawn. */
int
ob_partner_lock(struct ob_ctx *ctx, int64_t partner)
{
    int rc = ob_db_lock_row(ctx->db, "partners", "account_id", partner, true);

    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (rc == OB_DB_DONE)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "auth.partner_not_found", "partner=%lld",
                          (long long)partner);
    return 0;
}

struct holds {
    int32_t day;
    bool *out;
};

/* Does this status row hold on the day? 1 (stop) when it does. */
static int
holds_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    const struct holds *h = arg;
    int32_t from = 0, to = INT32_MAX;     /* no valid_to: open-ended */
    int64_t withdrawn = ob_stmt_int(st, 2);

    (void)ctx;
    if (ob_date_parse(ob_stmt_text(st, 0), &from) != 0 ||
        (!ob_stmt_null(st, 1) && ob_date_parse(ob_stmt_text(st, 1), &to) != 0))
        return 0;
    if (withdrawn && ob_date_of_instant(withdrawn) < to)
        to = ob_date_of_instant(withdrawn);
    *h->out = from <= h->day && h->day < to;
    return *h->out ? 1 : 0;
}

int
ob_partner_holds(struct ob_ctx *ctx, int64_t partner, const char *status, int32_t day,
                 bool *out)
{
    struct holds h = { day, out };

    *out = false;
    if (!partner)
        return 0;
    return ob_db_each(ctx, holds_row, &h,
                      "SELECT valid_from, valid_to, COALESCE(withdrawn_at, 0) "
                      "FROM partner_statuses WHERE partner_id = ? AND status = ?",
                      "it", partner, status);
}
