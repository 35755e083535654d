/*
 * its.c — local ITS contracts (R-SUB-6): entered by the provider,
 * read in scope, matched by the subscription engine.
 *
 * Visibility is one SQL condition built from the actor's memberships
 * (model/identity/member.h's scopes): provider staff see every contract; others see
 * those held with a partner they work for or naming a subscriber account
 * they belong to. A contract outside that is OB_ENOTFOUND.
 */
#include <stdio.h>
#include <string.h>

#include "base/ctx.h"
#include "base/date.h"
#include "db/db.h"
#include "model/identity/access.h"
#include "model/core/audit.h"
#include "model/subscriptions/its.h"
#include "model/identity/member.h"
#include "model/parties/partner.h"
#include "model/parties/requisites.h"
#include "base/banned.h"

#define ITS_SELECT                                                                             \
    "SELECT c.id, c.number, c.level, c.partner_id, COALESCE(c.subscriber_id, 0), "           \
    "c.subscriber_inn, c.valid_from, c.valid_to, c.note, c.created_at, a.name, sa.name "     \
    "FROM its_contracts c JOIN accounts a ON a.id = c.partner_id "                            \
    "LEFT JOIN accounts sa ON sa.id = c.subscriber_id "

/* A row of ITS_SELECT into the struct ob_its_contract at out. */
static void
read_its(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    struct ob_its_contract *c = out;

    c->id = ob_stmt_int(st, 0);
    c->number = ob_stmt_dup(ctx, st, 1);
    c->level = ob_stmt_dup(ctx, st, 2);
    c->partner = ob_stmt_int(st, 3);
    c->subscriber = ob_stmt_int(st, 4);
    c->inn = ob_stmt_dup(ctx, st, 5);
    c->valid_from = ob_stmt_dup(ctx, st, 6);
    c->valid_to = ob_stmt_dup(ctx, st, 7);
    c->note = ob_stmt_dup(ctx, st, 8);
    c->created_at = ob_stmt_int(st, 9);
    c->partner_name = ob_stmt_dup(ctx, st, 10);
    c->subscriber_name = ob_stmt_null(st, 11) ? NULL : ob_stmt_dup(ctx, st, 11);
}

/* The actor's visibility as a SQL condition on c (in ctx's arena). */
static int
scope(struct ob_ctx *ctx, const char **cond)
{
    return ob_access_scope(ctx, "c.partner_id", "c.subscriber_id", cond);
}

static int
load_where(struct ob_ctx *ctx, const char *cond, int64_t id, struct ob_its_contract *out)
{
    int rc;

    memset(out, 0, sizeof(*out));
    rc = ob_db_one(ctx, read_its, out,
                   ob_arena_printf(&ctx->arena, ITS_SELECT "WHERE c.id = ? AND %s", cond), "i",
                   id);
    if (rc == OB_ENOTFOUND)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "its.contract_not_found", "id=%lld",
                          (long long)id);
    return rc;
}

int
ob_its_get(struct ob_ctx *ctx, int64_t id, struct ob_its_contract *out)
{
    const char *cond;
    int rc = scope(ctx, &cond);

    return rc ? rc : load_where(ctx, cond, id, out);
}

struct list_args {
    int (*fn)(const struct ob_its_contract *, void *);
    void *arg;
};

static int
list_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct list_args *a = arg;
    struct ob_its_contract c;

    read_its(ctx, st, &c);
    return a->fn(&c, a->arg);
}

int
ob_its_list(struct ob_ctx *ctx, int64_t partner, int64_t subscriber, const char *inn,
            int64_t after, int limit, int (*fn)(const struct ob_its_contract *, void *),
            void *arg)
{
    struct list_args a = { fn, arg };
    const char *cond;
    int rc;

    if ((rc = scope(ctx, &cond)) != 0)
        return rc;
    return ob_db_each(ctx, list_row, &a,
                      ob_arena_printf(&ctx->arena,
                                      ITS_SELECT "WHERE %s AND (? = 0 OR c.id < ?) AND "
                                                 "(? = 0 OR c.partner_id = ?) AND "
                                                 "(? = 0 OR c.subscriber_id = ?) AND "
                                                 "(? = '' OR c.subscriber_inn = ?) "
                                                 "ORDER BY c.id DESC LIMIT ?",
                                      cond),
                      "iiiiiitti", after, after, partner, partner, subscriber, subscriber,
                      inn ? inn : "", inn ? inn : "", (int64_t)limit);
}

int
ob_its_level_tariff(struct ob_ctx *ctx, const char *level, char *out, size_t size)
{
    int rc = ob_db_get_text(ctx->db, out, size, "SELECT tariff_code FROM its_levels WHERE code = ?",
                            "t", level ? level : "");

    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (rc == OB_DB_DONE)
        return ob_err_field(&ctx->err, OB_EINVAL, "level", "its.level_format");
    return 0;
}

static bool
number_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;

    if (n == 0 || n > 40)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= 'a' && s[i] <= 'z') || strchr("-/._", s[i])))
            return false;
    return true;
}

static int
check(struct ob_ctx *ctx, struct ob_its_new *in)
{
    char tariff[64];
    int32_t from, to;
    int rc;

    if (!in->number || !*in->number)
        return ob_err_field(&ctx->err, OB_EINVAL, "number", "field.required");
    if (!number_ok(in->number))
        return ob_err_field(&ctx->err, OB_EINVAL, "number", "its.number_format");
    if (!in->level)
        return ob_err_field(&ctx->err, OB_EINVAL, "level", "its.level_required");
    if ((rc = ob_its_level_tariff(ctx, in->level, tariff, sizeof(tariff))) != 0)
        return rc;
    if (!in->partner)
        return ob_err_field(&ctx->err, OB_EINVAL, "partner", "field.required");
    if ((!in->inn || !*in->inn) && !in->subscriber)
        return ob_err_field(&ctx->err, OB_EINVAL, "inn", "its.client_missing");
    if (in->inn && *in->inn && (rc = ob_check_inn(ctx, in->inn, "inn")) != 0)
        return rc;
    if (!in->valid_from || ob_date_parse_input(in->valid_from, &from) != 0)
        return ob_err_field(&ctx->err, OB_EINVAL, "valid_from", "field.date");
    if (!in->valid_to || ob_date_parse_input(in->valid_to, &to) != 0 || to <= from)
        return ob_err_field(&ctx->err, OB_EINVAL, "valid_to", "field.date_after_valid_from_quoted");
    return ob_check_text(ctx, in->note, 1000, false, "note");
}

struct create_args {
    struct ob_its_new *in;
    int64_t *id;
};

static int
its_insert(struct ob_ctx *ctx, void *arg)
{
    struct create_args *a = arg;
    struct ob_its_new *in = a->in;
    struct ob_partner p;
    char inn[16] = "";
    int64_t n = 0;
    int rc;

    if ((rc = ob_partner_load(ctx, in->partner, &p)) != 0)
        return ob_err_field(&ctx->err, OB_EINVAL, "partner", "its.not_partner", "partner=%lld",
                            (long long)in->partner);
    if (in->subscriber) {
        rc = ob_db_get_int(ctx->db, &n, "SELECT account_id FROM subscribers WHERE account_id = ?",
                           "i", in->subscriber);
        if (rc < 0)
            return ob_db_err(ctx, rc);
        if (rc == OB_DB_DONE)
            return ob_err_field(&ctx->err, OB_EINVAL, "subscriber", "its.not_subscriber",
                                "subscriber=%lld", (long long)in->subscriber);
        if ((!in->inn || !*in->inn) &&
            (rc = ob_db_get_text(ctx->db, inn, sizeof(inn),
                                 "SELECT inn FROM subscriber_info WHERE account_id = ?", "i",
                                 in->subscriber)) < 0)
            return ob_db_err(ctx, rc);
        if (!in->inn || !*in->inn)
            in->inn = ob_arena_strdup(&ctx->arena, inn);
    }
    rc = ob_db_get_int(ctx->db, &n, "SELECT id FROM its_contracts WHERE number = ?", "t",
                       in->number);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (rc == OB_DB_ROW)
        return ob_err_field(&ctx->err, OB_ECONFLICT, "number", "its.contract_exists", "number=%s",
                            in->number);
    rc = ob_db_get_int(ctx->db, a->id,
                       "INSERT INTO its_contracts (number, level, partner_id, subscriber_inn, "
                       "subscriber_id, valid_from, valid_to, note, created_at, created_by) "
                       "VALUES (?, ?, ?, ?, NULLIF(?, 0), ?, ?, ?, ?, NULLIF(?, 0)) RETURNING id",
                       "ttitittt" "ii", in->number, in->level, in->partner, in->inn,
                       in->subscriber, in->valid_from, in->valid_to, in->note ? in->note : "",
                       ob_clock_now(ctx), ctx->actor.person);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    return ob_audit_with(ctx, in->partner, "its.contract_created", "its_contract", *a->id,
                         json_pack("{s:s, s:s, s:s, s:s, s:s}", "number", in->number, "level",
                                   in->level, "partner", p.req.name, "from", in->valid_from, "to",
                                   in->valid_to),
                    "ITS contract '%s' (%s) with partner '%s' for %s%s [%s, %s)", in->number,
                    in->level, p.req.name, *in->inn ? "INN " : "subscriber",
                    *in->inn ? in->inn : "", in->valid_from, in->valid_to);
}

int
ob_its_create(struct ob_ctx *ctx, struct ob_its_new *in, int64_t *id)
{
    struct create_args a = { in, id };
    int rc;

    if ((rc = ob_access_provider(ctx, OB_ROLE_ADMIN | OB_ROLE_OPERATOR)) != 0 ||
        (rc = check(ctx, in)) != 0)
        return rc;
    return ob_db_tx(ctx, OB_DB_WRITE, its_insert, &a);
}

/* ob_its_match's walk: the first contract in force held with `partner`,
 * noting whether one held with another partner came first. The contract is
 * kept past its row: never read while an export streams (db.h). */
struct match {
    int64_t partner;
    struct ob_its_contract *out;
    bool found, other;
};

static int
match_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct match *m = arg;

    if (m->found)
        return 0;
    if (ob_stmt_int(st, 3) != m->partner) {
        m->other = true;
        return 0;
    }
    read_its(ctx, st, m->out);
    m->found = true;
    return 0;
}

int
ob_its_match(struct ob_ctx *ctx, int64_t subscriber, const char *inn, int64_t partner,
             int32_t day, struct ob_its_contract *out)
{
    struct match m = { partner, out, false, false };
    char d[OB_DATE_LEN];
    int rc;

    ob_date_format(day, d);
    memset(out, 0, sizeof(*out));
    if ((rc = ob_db_each(ctx, match_row, &m,
                         ITS_SELECT "WHERE (c.subscriber_id = ? OR (? <> '' AND "
                                    "c.subscriber_inn = ?)) AND c.valid_from <= ? AND "
                                    "? < c.valid_to ORDER BY c.valid_from, c.id",
                         "itttt", subscriber, inn ? inn : "", inn ? inn : "", d, d)) != 0)
        return rc;
    if (m.found)
        return 0;
    if (m.other)
        return ob_err_set(&ctx->err, OB_ECONFLICT, "its.contract_other_partner", "d=%s", d);
    return ob_err_set(&ctx->err, OB_ENOTFOUND, "its.no_contract", "d=%s", d);
}
