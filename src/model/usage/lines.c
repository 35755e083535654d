/*
 * lines.c — the statement lines of metered usage (R-CAT-6, R-BIL-3).
 *
 * The statement run calls ob_usage_statement_lines inside partner P's write
 * transaction for month M, after the charge and correcting lines. It writes,
 * in this order:
 *
 *   - when M is the first open month (the month before it is closed), one
 *     'correction' line per register-month of a closed month C whose verdict
 *     changed after C was closed (a report for C, or for an earlier day that
 *     moved a register's first-seen day, arrived later): quantity and money
 *     are the difference between what the report now makes chargeable (1 or
 *     0) and what closed statements already charged for it (usage lines plus
 *     earlier corrections), so nothing is charged twice however often M is
 *     re-run. A correction keeps the price and rule of the line it corrects.
 *   - one 'usage' line per chargeable register-month of M of every client P
 *     served in M (the partner of the client's latest-starting posted
 *     subscription running in M, else the client's partner now) that the
 *     per-unit quantity bought for M (KKT-PAID) does not cover: quantity 1,
 *     the per-unit tariff's monthly price on the 1st of M, the discount of
 *     the partner's status on the 1st of M (docs/decisions.md).
 *
 * Order: corrections first, by month, subscriber code, register in
 * allowance order; then usage lines by subscriber code, register in
 * allowance order. Deterministic.
 */
#include <stdio.h>
#include <string.h>

#include "base/ctx.h"
#include "base/date.h"
#include "db/db.h"
#include "model/parties/partner.h"
#include "model/subscriptions/discount.h"
#include "model/usage/usage.h"
#include "base/banned.h"

struct target {
    const char *month;
    int64_t partner, statement, *seq;
    int32_t from, to;
};

struct client {
    int64_t id, code;
    const char *name;
};

static void
int_read(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    (void)ctx;
    *(int64_t *)arg = ob_stmt_int(st, 0);
}

/* The partner serving client `sub` in [from, to). */
static int
serving(struct ob_ctx *ctx, int64_t sub, int32_t from, int32_t to, int64_t *partner)
{
    char f[OB_DATE_LEN], t[OB_DATE_LEN];
    int rc;

    ob_date_format(from, f);
    ob_date_format(to, t);
    *partner = 0;
    rc = ob_db_one(ctx, int_read, partner,
                   "SELECT partner_id FROM subscriptions WHERE subscriber_id = ? AND "
                   "state = 'posted' AND partner_id IS NOT NULL AND start < ? AND \"end\" > ? "
                   "ORDER BY start DESC, id DESC LIMIT 1",
                   "itt", sub, t, f);
    if (rc == OB_ENOTFOUND)
        rc = ob_db_one(ctx, int_read, partner,
                       "SELECT COALESCE(partner_id, 0) FROM subscribers WHERE account_id = ?",
                       "i", sub);
    if (rc == OB_ENOTFOUND) {
        ob_err_clear(&ctx->err);
        return 0;
    }
    return rc;
}

/* R-BIL-2 for a usage line: the partner's status on the 1st of the month,
 * at the rate of a continuing client (docs/decisions.md). */
static int
usage_discount(struct ob_ctx *ctx, int64_t partner, int32_t day, struct ob_discount *out)
{
    struct ob_discount_in in = { .individual_pct = -1, .place = OB_CHAIN_LATER };
    int64_t pct = -1;
    int rc = ob_db_one(ctx, int_read, &pct,
                       "SELECT COALESCE(individual_discount, -1) FROM partners "
                       "WHERE account_id = ?",
                       "i", partner);

    if (rc != 0 && rc != OB_ENOTFOUND)
        return rc;
    ob_err_clear(&ctx->err);
    in.individual_pct = (int)pct;
    if ((rc = ob_partner_holds(ctx, partner, "csk", day, &in.csk)) != 0)
        return rc;
    *out = ob_discount_rule(&in);
    return 0;
}

struct line {
    const char *kind, *rule, *register_id, *usage_month;
    int64_t quantity, price, pct, due, corrects_statement, corrects_seq;
};

static int
append(struct ob_ctx *ctx, const struct target *t, const struct client *c,
       const struct ob_usage_month *m, const struct line *l)
{
    char start[OB_DATE_LEN], through[OB_DATE_LEN];
    int32_t from, to;
    int64_t rc;

    ob_usage_month_days(l->usage_month, &from, &to);
    ob_date_format(from, start);
    ob_date_format(to - 1, through);
    rc = ob_db_run(ctx->db,
                   "INSERT INTO statement_lines (statement_id, seq, line_kind, subscriber_id, "
                   "subscriber_code, subscriber_name, tariff_code, kind, start, through, "
                   "quantity, price, discount_pct, rule, amount_due, corrects_statement_id, "
                   "corrects_seq, register_id, usage_month) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, 'per_unit', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   "iitiittttiiitizmtt", t->statement, *t->seq + 1, l->kind, c->id, c->code,
                   c->name, m->unit_code, start, through, l->quantity, l->price, l->pct, l->rule,
                   l->due, l->corrects_statement, l->corrects_seq, l->register_id,
                   l->usage_month);
    if (rc < 0)
        return ob_db_err(ctx, (int)rc);
    (*t->seq)++;
    return 0;
}

/* ---- the month's own usage ---------------------------------------------------------------- */

static int
usage_lines(struct ob_ctx *ctx, const struct target *t, const struct client *c)
{
    struct ob_usage_month m;
    struct ob_discount d;
    int rc;

    if ((rc = ob_usage_month_judge(ctx, c->id, t->month, &m)) != 0)
        return rc;
    if (!m.unit_code || m.unit_price <= 0)
        return 0;
    if ((rc = usage_discount(ctx, t->partner, t->from, &d)) != 0)
        return rc;
    for (int i = 0; i < m.n && rc == 0; i++) {
        struct line l = { "usage", d.rule, m.regs[i].id, t->month, 1, m.unit_price, d.pct,
                          ob_discount_apply(m.unit_price, d.pct), 0, -1 };

        if (ob_usage_charged(m.regs[i].why))
            rc = append(ctx, t, c, &m, &l);
    }
    return rc;
}

/* ---- corrections of closed months ---------------------------------------------------------- */

/* What closed statements charged a client for one register-month. */
struct charged {
    const char *register_id;
    int64_t quantity;           /* usage lines plus corrections */
    int64_t unit_price, pct;    /* of the first usage line, or -1 */
    const char *rule;
    int64_t statement, seq;
};

struct charges {
    struct charged *v;
    int n, cap;
};

static int
charged_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct charges *cs = arg;
    const char *id = ob_stmt_text(st, 0);
    struct charged *c = NULL;

    for (int i = 0; i < cs->n && !c; i++)
        if (!strcmp(cs->v[i].register_id, id))
            c = &cs->v[i];
    if (!c) {
        if (cs->n == cs->cap) {
            struct charged *v;

            cs->cap = cs->cap ? cs->cap * 2 : 8;
            v = ob_arena_alloc(&ctx->arena, sizeof(*v) * (size_t)cs->cap);
            if (cs->n)
                memcpy(v, cs->v, sizeof(*v) * (size_t)cs->n);
            cs->v = v;
        }
        c = &cs->v[cs->n++];
        *c = (struct charged){ ob_stmt_dup(ctx, st, 0), 0, -1, -1, NULL, 0, -1 };
    }
    c->quantity += ob_stmt_int(st, 2);
    if (c->unit_price < 0 && !strcmp(ob_stmt_text(st, 1), "usage") && ob_stmt_int(st, 2) > 0) {
        c->unit_price = ob_stmt_int(st, 3) / ob_stmt_int(st, 2);
        c->pct = ob_stmt_int(st, 4);
        c->rule = ob_stmt_dup(ctx, st, 5);
        c->statement = ob_stmt_int(st, 6);
        c->seq = ob_stmt_int(st, 7);
    }
    return 0;
}

static struct charged *
charged_find(struct charges *cs, const char *id)
{
    for (int i = 0; i < cs->n; i++)
        if (!strcmp(cs->v[i].register_id, id))
            return &cs->v[i];
    return NULL;
}

/* A correcting line for one register of month `cm`: want (0 or 1) less
 * what was charged. */
static int
correct_one(struct ob_ctx *ctx, const struct target *t, const struct client *c,
            const struct ob_usage_month *m, const char *id, int64_t want, struct charged *had,
            const struct ob_discount *now)
{
    int64_t diff = want - (had ? had->quantity : 0);
    int64_t unit = had && had->unit_price >= 0 ? had->unit_price : m->unit_price;
    int64_t pct = had && had->pct >= 0 ? had->pct : now->pct;
    struct line l = { "correction", had && had->rule ? had->rule : now->rule, id, m->month, diff,
                      diff * unit, pct, diff * ob_discount_apply(unit, (int)pct),
                      had && had->rule ? had->statement : 0, had && had->rule ? had->seq : -1 };

    if (diff == 0 || unit <= 0)
        return 0;
    return append(ctx, t, c, m, &l);
}

static int
correct_client(struct ob_ctx *ctx, const struct target *t, const struct client *c,
               const char *cmonth)
{
    struct charges cs = { 0 };
    struct ob_usage_month m;
    struct ob_discount d;
    int32_t from, to;
    int rc;

    if ((rc = ob_usage_month_judge(ctx, c->id, cmonth, &m)) != 0 ||
        (rc = ob_db_each(ctx, charged_row, &cs,
                         "SELECT l.register_id, l.line_kind, l.quantity, l.price, "
                         "l.discount_pct, l.rule, l.statement_id, l.seq FROM statement_lines l "
                         "JOIN statements s ON s.id = l.statement_id WHERE s.state = 'closed' "
                         "AND l.subscriber_id = ? AND l.usage_month = ? AND l.register_id <> '' "
                         "ORDER BY s.month, l.statement_id, l.seq",
                         "it", c->id, cmonth)) != 0)
        return rc;
    if (!m.unit_code)
        return 0;
    ob_usage_month_days(cmonth, &from, &to);
    if ((rc = usage_discount(ctx, t->partner, from, &d)) != 0)
        return rc;
    for (int i = 0; i < m.n && rc == 0; i++) {
        struct charged *had = charged_find(&cs, m.regs[i].id);

        rc = correct_one(ctx, t, c, &m, m.regs[i].id, ob_usage_charged(m.regs[i].why) ? 1 : 0,
                         had, &d);
        if (had)
            had->register_id = "";      /* settled */
    }
    for (int i = 0; i < cs.n && rc == 0; i++)   /* charged, no longer reported: unlikely */
        if (*cs.v[i].register_id)
            rc = correct_one(ctx, t, c, &m, cs.v[i].register_id, 0, &cs.v[i], &d);
    return rc;
}

/* ---- the clients of a month ----------------------------------------------------------------- */

struct each_client {
    const struct target *t;
    const char *cmonth;         /* a closed month being corrected, or NULL */
    int32_t from, to;
};

static int
client_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct each_client *e = arg;
    struct client c = { ob_stmt_int(st, 0), ob_stmt_int(st, 1), ob_stmt_dup(ctx, st, 2) };
    int64_t partner;
    int rc;

    if ((rc = serving(ctx, c.id, e->from, e->to, &partner)) != 0 || partner != e->t->partner)
        return rc;
    return e->cmonth ? correct_client(ctx, e->t, &c, e->cmonth) : usage_lines(ctx, e->t, &c);
}

/* The clients with reports in [from, to) that partner P may have served then
 * (serving() decides): driven by the month's usage rows, so a run over many
 * partners and clients without registers costs next to nothing. Binds
 * from, to, P, P, to, from. */
#define CLIENTS_SQL                                                                                 \
    "SELECT b.account_id, b.code, a.name FROM (SELECT DISTINCT subscriber_id FROM usage_days "      \
    "WHERE day >= ? AND day < ?) u JOIN subscribers b ON b.account_id = u.subscriber_id "         \
    "JOIN accounts a ON a.id = b.account_id WHERE (b.partner_id = ? OR EXISTS (SELECT 1 FROM "    \
    "subscriptions s WHERE s.subscriber_id = b.account_id AND s.partner_id = ? AND "              \
    "s.start < ? AND s.\"end\" > ?)) "
#define CLIENTS_FMT "ttiitt"

struct closed {
    const char *month;
    int64_t closed_at;
};

static int
closed_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    const struct target *t = arg;
    const char *cmonth = ob_stmt_dup(ctx, st, 0);
    struct each_client e = { t, cmonth, 0, 0 };
    char f[OB_DATE_LEN], to[OB_DATE_LEN];

    ob_usage_month_days(cmonth, &e.from, &e.to);
    ob_date_format(e.from, f);
    ob_date_format(e.to, to);
    /* only clients with a report stored after the month was closed */
    return ob_db_each(ctx, client_row, &e,
                      CLIENTS_SQL "AND EXISTS (SELECT 1 FROM usage_days x WHERE x.subscriber_id "
                                  "= b.account_id AND x.updated_at > ?) ORDER BY b.code",
                      CLIENTS_FMT "i", f, to, t->partner, t->partner, to, f, ob_stmt_int(st, 1));
}

/* The correcting lines of closed months, when `month` is the first open one
 * (the month before it is closed). */
static int
corrections(struct ob_ctx *ctx, struct target *t)
{
    char prev[OB_DATE_LEN];
    int64_t closed = 0;
    int rc;

    ob_date_format(t->from - 1, prev);
    prev[7] = '\0';
    rc = ob_db_one(ctx, int_read, &closed,
                   "SELECT COUNT(*) FROM statement_months WHERE month = ? AND state = 'closed'",
                   "t", prev);
    if (rc != 0 || !closed)
        return rc;
    return ob_db_each(ctx, closed_row, t,
                      "SELECT month, closed_at FROM statement_months WHERE state = 'closed' "
                      "AND month < ? ORDER BY month",
                      "t", t->month);
}

int
ob_usage_statement_lines(struct ob_ctx *ctx, const char *month, int64_t partner,
                         int64_t statement, int64_t *seq)
{
    struct target t = { month, partner, statement, seq, 0, 0 };
    struct each_client e = { &t, NULL, 0, 0 };
    char f[OB_DATE_LEN], to[OB_DATE_LEN];
    int rc;

    if (ob_usage_month_days(month, &t.from, &t.to) != 0)
        return ob_err_field(&ctx->err, OB_EINVAL, "month", "field.month");
    e.from = t.from;
    e.to = t.to;
    ob_date_format(t.from, f);
    ob_date_format(t.to, to);
    if ((rc = corrections(ctx, &t)) != 0)
        return rc;
    return ob_db_each(ctx, client_row, &e, CLIENTS_SQL "ORDER BY b.code", CLIENTS_FMT, f, to,
                      partner, partner, to, f);
}
