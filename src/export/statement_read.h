/*
 * statement_read.h — what the three statement documents share (inside
 * src/export/ only): the statement's head, its lines handed one at a time,
 * its totals by rule, and the Russian words and money formats the documents
 * print. The public entry is export/statement_doc.h.
 */
#ifndef OB_EXPORT_STATEMENT_READ_H
#define OB_EXPORT_STATEMENT_READ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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

/* Hand the lines in seq order, skipping `offset` and at most `limit` of
 * them (limit < 0: all), to fn; its non-zero result stops and is returned. */
int ob_sdoc_lines(struct ob_ctx *ctx, int64_t statement, int64_t offset, int64_t limit,
                  int (*fn)(struct ob_ctx *, const struct ob_sdoc_line *, void *), void *arg);
/* The whole statement's totals by rule (at most OB_SDOC_RULES, in rule
 * order; the last row takes any rules past that); *n their number. */
int ob_sdoc_by_rule(struct ob_ctx *ctx, int64_t statement, struct ob_sdoc_rule *out, int *n);
/* Add a line to a table of totals by rule (the rules past the table's room
 * fall into its last row). */
void ob_sdoc_rule_add(struct ob_sdoc_rule *t, int *n, const struct ob_sdoc_line *l);

/* Words of the documents (Russian; an unknown code is printed as it is). */
const char *ob_sdoc_rule_ru(const char *rule);
const char *ob_sdoc_kind_ru(const char *kind);
const char *ob_sdoc_line_kind_ru(const char *line_kind);
/* "ноябрь 2026" for "2026-11" (the nominative month, lower case). */
void ob_sdoc_month_ru(const char *month, char *out, size_t size);
/* "Отчёт партнёра за ноябрь 2026" and its number or «черновик». */
void ob_sdoc_title_ru(const struct ob_sdoc_head *h, char *out, size_t size);
/* "What a correcting line corrects": «исправляет № 2026-10/P1, стр. 12». */
void ob_sdoc_corrects_ru(const struct ob_sdoc_line *l, char *out, size_t size);
/* Kopecks as "1 234,56 ₽": comma, a no-break space between thousands, the
 * rouble sign (the PDF). */
void ob_sdoc_money_ru(int64_t kopecks, char *out, size_t size);

int ob_sdoc_pdf(struct ob_ctx *ctx, const struct ob_sdoc_head *h, int volume, int volumes,
                const char *path);
int ob_sdoc_xlsx(struct ob_ctx *ctx, const struct ob_sdoc_head *h, const char *path);

#endif
