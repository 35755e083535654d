/*
 * statement_xlsx.c — a statement as a workbook (libxlsxwriter), one sheet.
 *
 * The sheet opens with the head of the statement (its title with the number
 * or «черновик», the month, the payer, the partner's requisites), then the
 * table: a header row, frozen and with an autofilter, and one row per line
 * in seq order, with the same columns as the CSV. Money is a number of
 * roubles with two decimals in a rouble format (`# ##0,00 ₽` in a Russian
 * Excel), so a partner can sum and filter; the discount is a percentage;
 * the period's days are dates. Under the table, after an empty row, the
 * totals by rule and in all, as numbers (not formulas: a reader that does
 * not compute, like a script, sees the values).
 *
 * Memory: constant_memory, as export/table.c — libxlsxwriter keeps one row
 * in memory and writes the rest to its temporary files, so rows go strictly
 * top to bottom (the head, the table, the totals) and a statement of any
 * length takes bounded memory; the totals by rule are summed on the way.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#include "base/ctx.h"
#include "base/err.h"
#include "base/log.h"
#include "export/statement_read.h"
#include "base/banned.h"

#define HEAD_ROWS 6     /* the head block, then an empty row */

static const struct {
    const char *title;
    double width;
} cols[] = {
    { "Строка", 8 },          { "Вид строки", 14 },     { "Код абонента", 13 },
    { "Абонент", 34 },        { "Код тарифа", 14 },     { "Тариф", 30 },
    { "Тариф партнёра", 24 }, { "Вид подписки", 18 },   { "Начало", 11 },
    { "Окончание", 11 },      { "Количество", 11 },     { "Розничная цена", 16 },
    { "Скидка", 9 },          { "Правило", 30 },        { "К оплате", 16 },
    { "Исправляет", 30 },     { "Касса", 16 },          { "Месяц использования", 12 },
};
#define NCOLS ((lxw_col_t)(sizeof(cols) / sizeof(cols[0])))

struct xlsx {
    lxw_workbook *wb;
    lxw_worksheet *ws;
    lxw_format *bold, *title, *head, *money, *money_bold, *pct, *date;
    lxw_row_t row;
    lxw_error error;
    struct ob_sdoc_rule rules[OB_SDOC_RULES];
    int nrules;
};

static void
keep(struct xlsx *x, lxw_error e)
{
    if (e != LXW_NO_ERROR && x->error == LXW_NO_ERROR)
        x->error = e;
}

static void
text(struct xlsx *x, lxw_col_t c, const char *s, lxw_format *f)
{
    if (s && *s)
        keep(x, worksheet_write_string(x->ws, x->row, c, s, f));
}

static void
num(struct xlsx *x, lxw_col_t c, double v, lxw_format *f)
{
    keep(x, worksheet_write_number(x->ws, x->row, c, v, f));
}

static void
rub(struct xlsx *x, lxw_col_t c, int64_t kopecks, lxw_format *f)
{
    num(x, c, (double)kopecks / 100.0, f);
}

/* A "YYYY-MM-DD" day as a date cell; anything else as text. */
static void
day(struct xlsx *x, lxw_col_t c, const char *s)
{
    lxw_datetime d = { 0 };

    if (strlen(s) == 10 && sscanf(s, "%4d-%2d-%2d", &d.year, &d.month, &d.day) == 3)
        keep(x, worksheet_write_datetime(x->ws, x->row, c, &d, x->date));
    else
        text(x, c, s, NULL);
}

static void
formats(struct xlsx *x)
{
    x->bold = workbook_add_format(x->wb);
    format_set_bold(x->bold);
    x->title = workbook_add_format(x->wb);
    format_set_bold(x->title);
    format_set_font_size(x->title, 14);
    x->head = workbook_add_format(x->wb);
    format_set_bold(x->head);
    format_set_bg_color(x->head, 0xE0E0E0);
    format_set_text_wrap(x->head);
    x->money = workbook_add_format(x->wb);
    format_set_num_format(x->money, "#,##0.00\\ \"₽\"");
    x->money_bold = workbook_add_format(x->wb);
    format_set_num_format(x->money_bold, "#,##0.00\\ \"₽\"");
    format_set_bold(x->money_bold);
    x->pct = workbook_add_format(x->wb);
    format_set_num_format(x->pct, "0%");
    x->date = workbook_add_format(x->wb);
    format_set_num_format(x->date, "dd.mm.yyyy");
}

static void
head_block(struct xlsx *x, const struct ob_sdoc_head *h)
{
    char s[512], m[40];

    ob_sdoc_title_ru(h, s, sizeof(s));
    text(x, 0, s, x->title);
    x->row++;
    ob_sdoc_month_ru(h->month, m, sizeof(m));
    text(x, 0, "Номер", x->bold);
    text(x, 3, h->number[0] ? h->number : "черновик", NULL);
    x->row++;
    text(x, 0, "Месяц", x->bold);
    text(x, 3, m, NULL);
    x->row++;
    snprintf(s, sizeof(s), "%s (%s)%s%s", h->payer_name,
             strcmp(h->payer_kind, "distributor") == 0 ? "дистрибьютор" : "провайдер",
             h->payer_email[0] ? ", " : "", h->payer_email);
    text(x, 0, "Плательщик", x->bold);
    text(x, 3, s, NULL);
    x->row++;
    snprintf(s, sizeof(s), "%s%s%s%s%s%s%s", h->partner_name, h->partner_inn[0] ? ", ИНН " : "",
             h->partner_inn, h->partner_kpp[0] ? ", КПП " : "", h->partner_kpp,
             h->partner_address[0] ? ", " : "", h->partner_address);
    text(x, 0, "Партнёр", x->bold);
    text(x, 3, s, NULL);
    x->row = HEAD_ROWS;
    for (lxw_col_t c = 0; c < NCOLS; c++) {
        keep(x, worksheet_set_column(x->ws, c, c, cols[c].width, NULL));
        text(x, c, cols[c].title, x->head);
    }
    x->row++;
}

static int
line_row(struct ob_ctx *ctx, const struct ob_sdoc_line *l, void *arg)
{
    struct xlsx *x = arg;
    char corrects[200] = "";

    (void)ctx;
    if (strcmp(l->line_kind, "correction") == 0)
        ob_sdoc_corrects_ru(l, corrects, sizeof(corrects));
    num(x, 0, (double)l->seq, NULL);
    text(x, 1, ob_sdoc_line_kind_ru(l->line_kind), NULL);
    num(x, 2, (double)l->subscriber_code, NULL);
    text(x, 3, l->subscriber_name, NULL);
    text(x, 4, l->tariff_code, NULL);
    text(x, 5, l->tariff_name, NULL);
    text(x, 6, l->partner_tariff_name, NULL);
    text(x, 7, ob_sdoc_kind_ru(l->kind), NULL);
    day(x, 8, l->start);
    day(x, 9, l->through);
    num(x, 10, (double)l->quantity, NULL);
    rub(x, 11, l->price, x->money);
    num(x, 12, (double)l->discount_pct / 100.0, x->pct);
    text(x, 13, ob_sdoc_rule_ru(l->rule), NULL);
    rub(x, 14, l->amount_due, x->money);
    text(x, 15, corrects, NULL);
    text(x, 16, l->register_id, NULL);
    text(x, 17, l->usage_month, NULL);
    x->row++;
    ob_sdoc_rule_add(x->rules, &x->nrules, l);
    return x->error == LXW_NO_ERROR ? 0 : OB_EINTERNAL;
}

static void
totals(struct xlsx *x)
{
    int64_t lines = 0, price = 0, due = 0;

    x->row++;
    text(x, 3, "Итого по правилам", x->bold);
    text(x, 10, "Строк", x->bold);
    x->row++;
    for (int i = 0; i < x->nrules; i++) {
        text(x, 13, ob_sdoc_rule_ru(x->rules[i].rule), NULL);
        num(x, 10, (double)x->rules[i].lines, NULL);
        rub(x, 11, x->rules[i].price, x->money);
        rub(x, 14, x->rules[i].amount_due, x->money);
        lines += x->rules[i].lines;
        price += x->rules[i].price;
        due += x->rules[i].amount_due;
        x->row++;
    }
    text(x, 13, "Итого к оплате", x->bold);
    num(x, 10, (double)lines, x->bold);
    rub(x, 11, price, x->money_bold);
    rub(x, 14, due, x->money_bold);
    x->row++;
}

int
ob_sdoc_xlsx(struct ob_ctx *ctx, const struct ob_sdoc_head *h, const char *path)
{
    lxw_workbook_options opt = { .constant_memory = LXW_TRUE, .tmpdir = NULL };
    struct xlsx x = { 0 };
    int rc;

    if ((x.wb = workbook_new_opt(path, &opt)) == NULL ||
        (x.ws = workbook_add_worksheet(x.wb, "Отчёт")) == NULL) {
        if (x.wb)
            workbook_close(x.wb);
        return ob_err_set(&ctx->err, OB_EINTERNAL, "statement_doc.failed");
    }
    formats(&x);
    head_block(&x, h);
    worksheet_freeze_panes(x.ws, HEAD_ROWS + 1, 0);
    rc = ob_sdoc_lines(ctx, h->id, 0, -1, line_row, &x);
    if (rc == 0) {
        keep(&x, worksheet_autofilter(x.ws, HEAD_ROWS, 0, x.row > HEAD_ROWS + 1 ? x.row - 1
                                                                                : HEAD_ROWS,
                                      NCOLS - 1));
        totals(&x);
    }
    keep(&x, workbook_close(x.wb));
    if (rc == 0 && x.error != LXW_NO_ERROR) {
        ob_log(OB_LOG_ERROR, "statement: libxlsxwriter failed", "{s:I, s:s}", "statement",
               (json_int_t)h->id, "error", lxw_strerror(x.error));
        rc = ob_err_set(&ctx->err, OB_EINTERNAL, "statement_doc.failed");
    }
    return rc;
}
