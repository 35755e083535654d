/*
 * document.c — reading a statement for its documents (document.h): the
 * head, the lines one at a time, the totals by rule. The caller holds the
 * read transaction (export/statement_doc.c takes one snapshot for all).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/ctx.h"
#include "base/err.h"
#include "db/db.h"
#include "model/statements/document.h"
#include "base/banned.h"

static void
read_head(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct ob_sdoc_head *h = arg;

    h->id = ob_stmt_int(st, 0);
    h->month = ob_stmt_dup(ctx, st, 1);
    h->state = ob_stmt_dup(ctx, st, 2);
    h->number = ob_stmt_dup(ctx, st, 3);
    h->payer_kind = ob_stmt_dup(ctx, st, 4);
    h->payer_name = ob_stmt_dup(ctx, st, 5);
    h->payer_email = ob_stmt_dup(ctx, st, 6);
    h->partner_name = ob_stmt_dup(ctx, st, 7);
    h->partner_inn = ob_stmt_dup(ctx, st, 8);
    h->partner_kpp = ob_stmt_dup(ctx, st, 9);
    h->partner_address = ob_stmt_dup(ctx, st, 10);
    h->total_price = ob_stmt_int(st, 11);
    h->total_due = ob_stmt_int(st, 12);
    h->lines = ob_stmt_int(st, 13);
}

int
ob_sdoc_head_read(struct ob_ctx *ctx, int64_t statement, struct ob_sdoc_head *out)
{
    int rc = ob_db_one(ctx, read_head, out,
                       "SELECT s.id, s.month, s.state, COALESCE(s.number, ''), s.payer_kind,"
                       " s.payer_name, s.payer_email, s.partner_name, s.partner_inn,"
                       " s.partner_kpp, s.partner_address, s.total_price, s.total_due,"
                       " (SELECT COUNT(*) FROM statement_lines l WHERE l.statement_id = s.id)"
                       " FROM statements s WHERE s.id = ?",
                       "i", statement);

    if (rc == OB_ENOTFOUND)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "statement_doc.not_found", "id=%" PRId64,
                          statement);
    return rc;
}

struct lines_walk {
    int (*fn)(struct ob_ctx *, const struct ob_sdoc_line *, void *);
    void *arg;
};

static int
line_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct lines_walk *w = arg;
    struct ob_sdoc_line l = {
        .seq = ob_stmt_int(st, 0),
        .line_kind = ob_stmt_text(st, 1),
        .subscriber_code = ob_stmt_int(st, 2),
        .subscriber_name = ob_stmt_text(st, 3),
        .tariff_code = ob_stmt_text(st, 4),
        .tariff_name = ob_stmt_text(st, 5),
        .partner_tariff_name = ob_stmt_text(st, 6),
        .kind = ob_stmt_text(st, 7),
        .start = ob_stmt_text(st, 8),
        .through = ob_stmt_text(st, 9),
        .quantity = ob_stmt_int(st, 10),
        .price = ob_stmt_int(st, 11),
        .discount_pct = ob_stmt_int(st, 12),
        .rule = ob_stmt_text(st, 13),
        .amount_due = ob_stmt_int(st, 14),
        .corrects_number = ob_stmt_text(st, 15),
        .corrects_month = ob_stmt_text(st, 16),
        .corrects_seq = ob_stmt_int(st, 17),
        .register_id = ob_stmt_text(st, 18),
        .usage_month = ob_stmt_text(st, 19),
    };

    return w->fn(ctx, &l, w->arg);
}

int
ob_sdoc_lines(struct ob_ctx *ctx, int64_t statement, int64_t offset, int64_t limit,
              int (*fn)(struct ob_ctx *, const struct ob_sdoc_line *, void *), void *arg)
{
    struct lines_walk w = { fn, arg };

    /* the standard tariff's name is today's (the line keeps its code); a
     * corrected line's statement is named by its number, or its month while
     * that is a draft */
    return ob_db_each(ctx, line_row, &w,
                      "SELECT l.seq, l.line_kind, l.subscriber_code, l.subscriber_name,"
                      " l.tariff_code, COALESCE((SELECT t.name_ru FROM tariffs t"
                      "  WHERE t.partner_id IS NULL AND t.code = l.tariff_code), l.tariff_code),"
                      " l.partner_tariff_name, l.kind, l.start, l.through, l.quantity, l.price,"
                      " l.discount_pct, l.rule, l.amount_due, COALESCE(c.number, ''),"
                      " COALESCE(c.month, ''), COALESCE(l.corrects_seq, 0), l.register_id,"
                      " l.usage_month"
                      " FROM statement_lines l LEFT JOIN statements c"
                      "  ON c.id = l.corrects_statement_id"
                      " WHERE l.statement_id = ? ORDER BY l.seq LIMIT ? OFFSET ?",
                      "iii", statement, limit < 0 ? INT64_MAX : limit, offset);
}

static int
rule_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct {
        struct ob_sdoc_rule *t;
        int *n;
    } *a = arg;
    struct ob_sdoc_rule *r;

    (void)ctx;
    /* past the table's room (never, with today's rules) the last row takes
     * the rest, so the totals in all stay whole */
    if (*a->n < OB_SDOC_RULES)
        snprintf(a->t[(*a->n)++].rule, sizeof(r->rule), "%s", ob_stmt_text(st, 0));
    r = &a->t[*a->n - 1];
    r->lines += ob_stmt_int(st, 1);
    r->price += ob_stmt_int(st, 2);
    r->amount_due += ob_stmt_int(st, 3);
    return 0;
}

int
ob_sdoc_by_rule(struct ob_ctx *ctx, int64_t statement, struct ob_sdoc_rule *out, int *n)
{
    struct {
        struct ob_sdoc_rule *t;
        int *n;
    } a = { out, n };

    *n = 0;
    memset(out, 0, sizeof(*out) * OB_SDOC_RULES);
    return ob_db_each(ctx, rule_row, &a,
                      "SELECT rule, COUNT(*), SUM(price), SUM(amount_due) FROM statement_lines"
                      " WHERE statement_id = ? GROUP BY rule ORDER BY rule",
                      "i", statement);
}
