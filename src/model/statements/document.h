/*
 * document.h — a statement as its documents read it (export/statement_*.c):
 * the head as the run copied it, the lines handed one at a time, the totals
 * by rule. Reads join the caller's transaction.
 */
#ifndef OB_MODEL_STATEMENTS_DOCUMENT_H
#define OB_MODEL_STATEMENTS_DOCUMENT_H

#include <stdint.h>

struct ob_ctx;

/* The statement row: the payer and the partner's requisites as the run
 * copied them (strings in ctx->arena). */
struct ob_sdoc_head {
    int64_t id, lines, total_price, total_due;
    const char *month, *state, *number;
    const char *payer_kind, *payer_name, *payer_email;
    const char *partner_name, *partner_inn, *partner_kpp, *partner_address;
};

/* One line; its strings live until the callback returns. */
struct ob_sdoc_line {
    int64_t seq, subscriber_code, quantity, price, discount_pct, amount_due, corrects_seq;
    const char *line_kind, *subscriber_name, *tariff_code, *tariff_name, *partner_tariff_name;
    const char *kind, *start, *through, *rule, *corrects_number, *corrects_month;
    const char *register_id, *usage_month;
};

/* Totals of one rule. */
struct ob_sdoc_rule {
    char rule[48];
    int64_t lines, price, amount_due;
};
#define OB_SDOC_RULES 24

/* Read the statement's head; OB_ENOTFOUND (with its reason) when there is
 * none. */
int ob_sdoc_head_read(struct ob_ctx *ctx, int64_t statement, struct ob_sdoc_head *out);
/* Hand the lines in seq order, skipping `offset` and at most `limit` of
 * them (limit < 0: all), to fn; its non-zero result stops and is returned. */
int ob_sdoc_lines(struct ob_ctx *ctx, int64_t statement, int64_t offset, int64_t limit,
                  int (*fn)(struct ob_ctx *, const struct ob_sdoc_line *, void *), void *arg);
/* The whole statement's totals by rule (at most OB_SDOC_RULES, in rule
 * order; the last row takes any rules past that); *n their number. */
int ob_sdoc_by_rule(struct ob_ctx *ctx, int64_t statement, struct ob_sdoc_rule *out, int *n);

#endif
