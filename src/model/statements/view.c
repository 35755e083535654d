/*
 * view.c — reading statements, their lines and the provider's months.
 *
 * Every read asks model/identity/access.c first: one statement through
 * ob_access_partner (its partner's employees, provider staff; anyone else
 * OB_ENOTFOUND), a list through ob_access_scope on the statement's partner
 * (a person with no partner membership and no provider role gets an empty
 * list: statements are never a subscriber's), a month through
 * ob_access_provider.
 * Lines are read page by page by seq, so a statement of any length is shown
 * and exported without holding it in memory (db.h, "reading rows").
 */
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/ctx.h"
#include "db/db.h"
#include "model/identity/access.h"
#include "model/statements/statement.h"
#include "model/statements/view.h"
#include "base/banned.h"

#define STAFF (OB_ROLE_ADMIN | OB_ROLE_OPERATOR | OB_ROLE_AUDITOR | OB_ROLE_SUPPORT)

#define ST_COLS                                                                                \
    "st.id, st.month, st.partner_id, st.partner_name, st.state, COALESCE(st.number, ''), "     \
    "st.payer_kind, COALESCE(st.distributor_id, 0), st.payer_name, st.payer_email, st.lines, " \
    "st.total_price, st.total_due, st.content_hash, st.drafted_at, COALESCE(st.closed_at, 0)"

static void
st_read(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct ob_statement *s = arg;

    s->id = ob_stmt_int(st, 0);
    s->month = ob_stmt_dup(ctx, st, 1);
    s->partner = ob_stmt_int(st, 2);
    s->partner_name = ob_stmt_dup(ctx, st, 3);
    s->state = ob_stmt_dup(ctx, st, 4);
    s->number = ob_stmt_dup(ctx, st, 5);
    s->payer_kind = ob_stmt_dup(ctx, st, 6);
    s->distributor = ob_stmt_int(st, 7);
    s->payer_name = ob_stmt_dup(ctx, st, 8);
    s->payer_email = ob_stmt_dup(ctx, st, 9);
    s->lines = ob_stmt_int(st, 10);
    s->total_price = ob_stmt_int(st, 11);
    s->total_due = ob_stmt_int(st, 12);
    s->content_hash = ob_stmt_dup(ctx, st, 13);
    s->drafted_at = ob_stmt_int(st, 14);
    s->closed_at = ob_stmt_int(st, 15);
}

static int
not_found(struct ob_ctx *ctx, int64_t id)
{
    return ob_err_set(&ctx->err, OB_ENOTFOUND, "statement.not_found", "id=%lld", (long long)id);
}

int
ob_statement_get(struct ob_ctx *ctx, int64_t id, struct ob_statement *out)
{
    int rc = ob_db_one(ctx, st_read, out, "SELECT " ST_COLS " FROM statements st WHERE st.id = ?",
                       "i", id);

    if (rc == OB_ENOTFOUND)
        return not_found(ctx, id);
    if (rc != 0)
        return rc;
    rc = ob_access_partner(ctx, out->partner, OB_ROLES_ANY, OB_ROLES_ANY);
    if (rc == OB_ENOTFOUND || rc == OB_EPERM) {
        ob_err_clear(&ctx->err);
        return not_found(ctx, id);      /* another tenant's statement does not exist for you */
    }
    return rc;
}

struct st_fn {
    int (*fn)(const struct ob_statement *, void *);
    int (*sum)(const struct ob_statement_sum *, void *);
    int (*line)(const struct ob_statement_line *, void *);
    int (*month)(const struct ob_statement_month *, void *);
    void *arg;
    bool by_payer;
};

static int
st_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct st_fn *f = arg;
    struct ob_statement s;

    st_read(ctx, st, &s);
    return f->fn(&s, f->arg);
}

/* The rows of a list the actor may read: "1 = 1" for provider staff, the
 * partners' the actor works for, "1 = 0" (an empty list) for anyone else. */
static int
list_scope(struct ob_ctx *ctx, const char **cond)
{
    return ob_access_scope(ctx, "st.partner_id", NULL, cond);
}

int
ob_statement_list(struct ob_ctx *ctx, const struct ob_statement_filter *f, int limit,
                  int (*fn)(const struct ob_statement *, void *), void *arg)
{
    struct st_fn a = { .fn = fn, .arg = arg };
    const char *scope, *sql;
    int rc;

    if ((rc = list_scope(ctx, &scope)) != 0)
        return rc;
    sql = ob_arena_printf(&ctx->arena,
                          "SELECT " ST_COLS " FROM statements st WHERE %s "
                          "AND (? = 0 OR st.partner_id = ?) AND (? IS NULL OR st.month = ?) "
                          "AND (? IS NULL OR st.state = ?) AND (? = 0 OR st.id < ?) "
                          "ORDER BY st.id DESC LIMIT ?", scope);
    return ob_db_each(ctx, st_row, &a, sql, "iittttiii", f->partner, f->partner, f->month,
                      f->month, f->state, f->state, f->after, f->after, (int64_t)limit);
}

static int
sum_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct st_fn *f = arg;
    struct ob_statement_sum s = { ob_stmt_dup(ctx, st, 0), ob_stmt_dup(ctx, st, 1),
                                  ob_stmt_int(st, 2), ob_stmt_int(st, 3) };

    return f->sum(&s, f->arg);
}

int
ob_statement_by_rule(struct ob_ctx *ctx, int64_t id,
                     int (*fn)(const struct ob_statement_sum *, void *), void *arg)
{
    struct st_fn a = { .sum = fn, .arg = arg };
    struct ob_statement s;
    int rc;

    if ((rc = ob_statement_get(ctx, id, &s)) != 0)
        return rc;
    return ob_db_each(ctx, sum_row, &a,
                      "SELECT rule, '', COUNT(*), SUM(amount_due) FROM statement_lines "
                      "WHERE statement_id = ? GROUP BY rule ORDER BY rule", "i", id);
}

static int
line_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct st_fn *f = arg;
    struct ob_statement_line l = {
        .seq = ob_stmt_int(st, 0), .line_kind = ob_stmt_dup(ctx, st, 1),
        .subscription = ob_stmt_int(st, 2), .subscriber = ob_stmt_int(st, 3),
        .subscriber_code = ob_stmt_int(st, 4), .subscriber_name = ob_stmt_dup(ctx, st, 5),
        .tariff_code = ob_stmt_dup(ctx, st, 6), .partner_tariff_name = ob_stmt_dup(ctx, st, 7),
        .kind = ob_stmt_dup(ctx, st, 8), .start = ob_stmt_dup(ctx, st, 9),
        .through = ob_stmt_dup(ctx, st, 10), .quantity = ob_stmt_int(st, 11),
        .price = ob_stmt_int(st, 12), .discount_pct = ob_stmt_int(st, 13),
        .rule = ob_stmt_dup(ctx, st, 14), .amount_due = ob_stmt_int(st, 15),
        .corrects_statement = ob_stmt_int(st, 16), .corrects_seq = ob_stmt_int(st, 17),
        .request = ob_stmt_int(st, 18), .register_id = ob_stmt_dup(ctx, st, 19),
        .usage_month = ob_stmt_dup(ctx, st, 20), .tariff_name_ru = ob_stmt_dup(ctx, st, 21),
        .tariff_name_en = ob_stmt_dup(ctx, st, 22), .corrects_number = ob_stmt_dup(ctx, st, 23),
    };

    return f->line(&l, f->arg);
}

int
ob_statement_line_list(struct ob_ctx *ctx, const struct ob_statement_line_filter *f, int limit,
                       int (*fn)(const struct ob_statement_line *, void *), void *arg)
{
    struct st_fn a = { .line = fn, .arg = arg };
    struct ob_statement s;
    int rc;

    if ((rc = ob_statement_get(ctx, f->statement, &s)) != 0)
        return rc;
    /* the tariff's names are today's names of the standard tariff the line
     * keeps by code; the line's own text does not change */
    return ob_db_each(
        ctx, line_row, &a,
        "SELECT l.seq, l.line_kind, COALESCE(l.subscription_id, 0), l.subscriber_id, "
        "l.subscriber_code, l.subscriber_name, l.tariff_code, l.partner_tariff_name, l.kind, "
        "l.start, l.through, l.quantity, l.price, l.discount_pct, l.rule, l.amount_due, "
        "COALESCE(l.corrects_statement_id, 0), COALESCE(l.corrects_seq, 0), "
        "COALESCE(l.request_id, 0), l.register_id, l.usage_month, COALESCE(t.name_ru, ''), "
        "COALESCE(t.name_en, ''), COALESCE(c.number, '') "
        "FROM statement_lines l "
        "LEFT JOIN tariffs t ON t.code = l.tariff_code AND t.partner_id IS NULL "
        "LEFT JOIN statements c ON c.id = l.corrects_statement_id "
        "WHERE l.statement_id = ? AND (? IS NULL OR l.rule = ?) "
        "AND (? = 0 OR l.subscriber_id = ?) AND l.seq > ? ORDER BY l.seq LIMIT ?",
        "ittiiii", f->statement, f->rule, f->rule, f->subscriber, f->subscriber, f->after,
        (int64_t)limit);
}

/* ---- months ---- */

static int
month_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct st_fn *f = arg;
    struct ob_statement_month m = { ob_stmt_dup(ctx, st, 0), ob_stmt_dup(ctx, st, 1),
                                    ob_stmt_int(st, 2), ob_stmt_int(st, 3) };

    return f->month(&m, f->arg);
}

#define MONTH_SELECT                                                                           \
    "SELECT m.month, COALESCE(sm.state, 'open'), "                                             \
    "COALESCE((SELECT SUM(total_due) FROM statements s WHERE s.month = m.month), 0), "         \
    "COALESCE(sm.closed_at, 0) FROM (SELECT month FROM statements UNION SELECT month FROM "    \
    "statement_runs UNION SELECT month FROM statement_months) m "                             \
    "LEFT JOIN statement_months sm ON sm.month = m.month "

int
ob_statement_months(struct ob_ctx *ctx, int last,
                    int (*fn)(const struct ob_statement_month *, void *), void *arg)
{
    struct st_fn a = { .month = fn, .arg = arg };
    int rc = ob_access_provider(ctx, STAFF);

    if (rc != 0)
        return rc;
    return ob_db_each(ctx, month_row, &a, MONTH_SELECT "ORDER BY m.month DESC LIMIT ?", "i",
                      (int64_t)last);
}

static int
month_one(const struct ob_statement_month *m, void *arg)
{
    *(struct ob_statement_month *)arg = *m;
    return 1;
}

int
ob_statement_month_get(struct ob_ctx *ctx, const char *month, struct ob_statement_month *out)
{
    struct st_fn a = { .month = month_one, .arg = out };
    int64_t from, to;
    int rc = ob_access_provider(ctx, STAFF);

    if (rc != 0)
        return rc;
    if (ob_statement_month_bounds(month, &from, &to) != 0)
        return ob_err_field(&ctx->err, OB_EINVAL, "month", "statement.month_invalid", "month=%s",
                            month);
    *out = (struct ob_statement_month){ month, "open", 0, 0 };
    return ob_db_each(ctx, month_row, &a, MONTH_SELECT "WHERE m.month = ?", "t", month);
}

int
ob_statement_month_sums(struct ob_ctx *ctx, const char *month, bool by_payer,
                        int (*fn)(const struct ob_statement_sum *, void *), void *arg)
{
    struct st_fn a = { .sum = fn, .arg = arg };
    int rc = ob_access_provider(ctx, STAFF);

    if (rc != 0)
        return rc;
    if (by_payer)
        return ob_db_each(ctx, sum_row, &a,
                          "SELECT payer_kind, payer_name, SUM(lines), SUM(total_due) "
                          "FROM statements WHERE month = ? GROUP BY payer_kind, payer_name "
                          "ORDER BY payer_kind, payer_name", "t", month);
    return ob_db_each(ctx, sum_row, &a,
                      "SELECT l.rule, '', COUNT(*), SUM(l.amount_due) FROM statement_lines l "
                      "JOIN statements s ON s.id = l.statement_id WHERE s.month = ? "
                      "GROUP BY l.rule ORDER BY l.rule", "t", month);
}
