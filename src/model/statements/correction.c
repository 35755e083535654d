/*
 * correction.c — the correcting lines of a statement (R-SUB-2, R-BIL-3).
 *
 * Why: a closed month never changes, yet the provider may decide a change or
 * a cancellation after it closed, and a decision may re-derive the discount
 * of the client's later subscriptions (R-BIL-2). The difference goes into the
 * first open month as a correcting line naming the line it corrects and the
 * request that made it.
 *
 * How: the run calls ob_statement_corrections inside partner P's write
 * transaction, after the charge lines, only for the first open month. The
 * candidates are P's subscriptions (subscriptions.partner_id is the partner
 * that served the client at posting, the one whose statement charged it)
 * that a request touched (request_id set: nothing else changes a posted
 * row) and that have a charge line in one of P's closed statements. For
 * each, what the closed statements charged (the charge line and earlier
 * corrections) is summed, and ob_correction_of decides the difference
 * against the row as it stands now. The line copies the original line's
 * text (client, tariff, period) and rule, so it reads as a correction of
 * that line; lines come in the order of the months and lines they correct,
 * so running the month again gives the same lines.
 *
 * The few rows a request touched lead the join (CROSS JOIN keeps SQLite
 * from starting at the partner's closed lines, which grow every month;
 * index subscriptions_partner_request, sql/0016_close.sql).
 *
 * A decision taken before its month closed needs no correction: the month's
 * draft is run again at closing and charges the new value.
 */
#include <string.h>

#include "base/ctx.h"
#include "base/mem.h"
#include "db/db.h"
#include "model/statements/correction.h"
#include "model/statements/statement.h"
#include "base/banned.h"

bool
ob_correction_of(const struct ob_correction_in *in, struct ob_correction *out)
{
    int64_t price = in->posted ? in->price : 0;
    int64_t due = in->posted ? in->amount_due : 0;

    out->price = price - in->charged_price;
    out->amount_due = due - in->charged_due;
    out->discount_pct = in->posted ? in->discount_pct : in->original_pct;
    return out->amount_due != 0 || out->price != 0;
}

/* An original charge line and what the row says now. */
struct candidate {
    int64_t statement, seq, subscription, subscriber, subscriber_code, quantity, request;
    const char *subscriber_name, *tariff_code, *partner_tariff_name, *kind, *start, *through;
    const char *rule;
    struct ob_correction_in in;
};

struct candidates {
    struct candidate *v;
    int n, cap;
};

static int
collect(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct candidates *c = arg;
    struct candidate *x;

    if (c->n == c->cap) {
        struct candidate *v;

        c->cap = c->cap ? c->cap * 2 : 16;
        v = ob_arena_alloc(&ctx->arena, (size_t)c->cap * sizeof(*v));
        if (c->n)
            memcpy(v, c->v, (size_t)c->n * sizeof(*v));
        c->v = v;
    }
    x = &c->v[c->n++];
    x->statement = ob_stmt_int(st, 0);
    x->seq = ob_stmt_int(st, 1);
    x->subscription = ob_stmt_int(st, 2);
    x->subscriber = ob_stmt_int(st, 3);
    x->subscriber_code = ob_stmt_int(st, 4);
    x->subscriber_name = ob_stmt_dup(ctx, st, 5);
    x->tariff_code = ob_stmt_dup(ctx, st, 6);
    x->partner_tariff_name = ob_stmt_dup(ctx, st, 7);
    x->kind = ob_stmt_dup(ctx, st, 8);
    x->start = ob_stmt_dup(ctx, st, 9);
    x->through = ob_stmt_dup(ctx, st, 10);
    x->quantity = ob_stmt_int(st, 11);
    x->in.original_pct = (int)ob_stmt_int(st, 12);
    x->rule = ob_stmt_dup(ctx, st, 13);
    x->in.charged_price = ob_stmt_int(st, 14);
    x->in.charged_due = ob_stmt_int(st, 15);
    x->in.posted = !strcmp(ob_stmt_dup(ctx, st, 16), "posted");
    x->in.price = ob_stmt_int(st, 17);
    x->in.amount_due = ob_stmt_int(st, 18);
    x->in.discount_pct = (int)ob_stmt_int(st, 19);
    x->request = ob_stmt_int(st, 20);
    return 0;
}

/* The closed lines (charge and corrections) of subscription s.id in P's
 * statements: one of the two sums, by column. */
#define CHARGED(col)                                                                         \
    "(SELECT COALESCE(SUM(x." col "), 0) FROM statement_lines x "                           \
    "JOIN statements xs ON xs.id = x.statement_id WHERE x.subscription_id = s.id "          \
    "AND xs.partner_id = st.partner_id AND xs.state = 'closed' AND xs.month < ? "           \
    "AND x.line_kind IN ('charge', 'correction'))"

static int
candidates_of(struct ob_ctx *ctx, const char *month, int64_t partner, struct candidates *c)
{
    memset(c, 0, sizeof(*c));
    return ob_db_each(ctx, collect, c,
                      "SELECT l.statement_id, l.seq, s.id, l.subscriber_id, l.subscriber_code, "
                      "l.subscriber_name, l.tariff_code, l.partner_tariff_name, l.kind, l.start, "
                      "l.through, l.quantity, l.discount_pct, l.rule, " CHARGED("price") ", "
                      CHARGED("amount_due") ", s.state, s.price, s.amount_due, s.discount_pct, "
                      "s.request_id "
                      "FROM subscriptions s CROSS JOIN statement_lines l "
                      "CROSS JOIN statements st "
                      "WHERE s.partner_id = ? AND s.request_id IS NOT NULL "
                      "AND l.subscription_id = s.id AND l.line_kind = 'charge' "
                      "AND st.id = l.statement_id AND st.partner_id = ? "
                      "AND st.state = 'closed' AND st.month < ? "
                      "ORDER BY st.month, l.seq, l.statement_id",
                      "ttiit", month, month, partner, partner, month);
}

static int
insert_line(struct ob_ctx *ctx, int64_t statement, int64_t seq, const struct candidate *x,
            const struct ob_correction *d)
{
    int64_t n = ob_db_run(ctx->db,
                          "INSERT INTO statement_lines (statement_id, seq, line_kind, "
                          "subscription_id, subscriber_id, subscriber_code, subscriber_name, "
                          "tariff_code, partner_tariff_name, kind, start, through, quantity, "
                          "price, discount_pct, rule, amount_due, corrects_statement_id, "
                          "corrects_seq, request_id) VALUES (?, ?, 'correction', ?, ?, ?, ?, ?, "
                          "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULLIF(?, 0))",
                          "iiiiittttttiiitiiii", statement, seq, x->subscription,
                          x->subscriber, x->subscriber_code, x->subscriber_name, x->tariff_code,
                          x->partner_tariff_name, x->kind, x->start, x->through, x->quantity,
                          d->price, (int64_t)d->discount_pct, x->rule, d->amount_due,
                          x->statement, x->seq, x->request);

    return n < 0 ? ob_db_err(ctx, (int)n) : 0;
}

int
ob_statement_corrections(struct ob_ctx *ctx, const char *month, int64_t partner,
                         int64_t statement, int64_t *seq)
{
    struct candidates c;
    int rc;

    if ((rc = candidates_of(ctx, month, partner, &c)) != 0)
        return rc;
    for (int i = 0; i < c.n; i++) {
        struct ob_correction d;

        if (!ob_correction_of(&c.v[i].in, &d))
            continue;
        if ((rc = insert_line(ctx, statement, *seq + 1, &c.v[i], &d)) != 0)
            return rc;
        ++*seq;
    }
    return 0;
}
