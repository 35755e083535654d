/*
 * statement_read.h — what the three statement documents share (inside
 * src/export/ only): the reading of model/statements/document.h, the totals
 * by rule, and the Russian words and money formats the documents
 * print. The public entry is export/statement_doc.h.
 */
#ifndef OB_EXPORT_STATEMENT_READ_H
#define OB_EXPORT_STATEMENT_READ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model/statements/document.h"

struct ob_ctx;

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
