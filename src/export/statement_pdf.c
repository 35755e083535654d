/*
 * statement_pdf.c — a statement as an invoice-like PDF (libhpdf), in
 * Russian, one volume of at most OB_STATEMENT_PDF_LINES lines.
 *
 * The page: A4 landscape. The first page opens with the title («Отчёт
 * партнёра № … за ноябрь 2026», or «(черновик)» for a draft), the volume
 * («Том 2 из 3, строки 10 001–20 000») when there are several, the payer and
 * the partner's requisites as the run copied them. Then the table of lines,
 * its header repeated on every page; a line takes one row, or two when it
 * has a partner tariff's name, a correction's reference or a cash register
 * to show under its first. Corrections are shaded and say what they correct.
 * After the lines, the totals by rule of the volume (of the statement, when
 * it is one volume), and on the last of several volumes the statement's
 * totals by rule and in all. Every page ends with «Стр. n из m» (of the
 * volume): pages are kept until the end, when their count is known.
 *
 * The font is a TrueType file with Cyrillic (Debian's DejaVu Sans by
 * default, --pdf-font), embedded whole so the file reads the same anywhere;
 * the text goes through libhpdf's UTF-8 encoder. Money is "1 234,56 ₽" with
 * a no-break space between thousands (both glyphs are in DejaVu Sans).
 *
 * Memory: libhpdf keeps the document in memory until it is saved, about a
 * few kilobytes a line compressed, so a volume is bounded by its 10,000
 * lines; the statement's other lines are never read for it.
 *
 * Errors: libhpdf reports through its handler, which keeps the first error;
 * drawing goes on (every later call fails harmlessly) and the result is
 * checked once, before saving.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <hpdf.h>

#include "base/config.h"
#include "base/ctx.h"
#include "base/err.h"
#include "base/log.h"
#include "base/mem.h"
#include "export/statement_doc.h"
#include "export/statement_read.h"
#include "base/banned.h"

#define DEFAULT_FONT "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

/* A4 landscape, in points */
#define PAGE_W 841.89f
#define PAGE_H 595.28f
#define MARGIN 28.0f
#define BOTTOM 40.0f        /* the lowest a row may reach: the footer is below */
#define FONT 7.0f
#define SMALL 6.0f
#define ROW1 10.0f          /* a row of one text line */
#define ROW2 17.0f          /* of two */
#define HEAD_ROW 14.0f

enum col { C_SEQ, C_CODE, C_NAME, C_TARIFF, C_KIND, C_PERIOD, C_QTY, C_PRICE, C_PCT, C_RULE,
           C_DUE, NCOL };

static const struct column {
    const char *title;
    float width;
    bool right;     /* numbers align right */
} cols[NCOL] = {
    [C_SEQ] = { "№", 30, true },
    [C_CODE] = { "Код", 40, true },
    [C_NAME] = { "Абонент", 128, false },
    [C_TARIFF] = { "Тариф", 94, false },
    [C_KIND] = { "Вид", 84, false },
    [C_PERIOD] = { "Период", 94, false },
    [C_QTY] = { "Кол.", 22, true },
    [C_PRICE] = { "Розн. цена", 66, true },
    [C_PCT] = { "Скидка", 34, true },
    [C_RULE] = { "Правило", 126, false },
    [C_DUE] = { "К оплате", 68, true },
};

struct pdf {
    struct ob_ctx *ctx;
    const struct ob_sdoc_head *h;
    int volume, volumes;
    HPDF_Doc doc;
    HPDF_Font font;
    HPDF_Page page;
    HPDF_Page *pages;
    int npages, cap;
    float y;                        /* the top of the next row */
    HPDF_STATUS error, detail;      /* the first error libhpdf reported */
    struct ob_sdoc_rule rules[OB_SDOC_RULES];
    int nrules;
    int64_t first_seq, last_seq;
};

static void
on_error(HPDF_STATUS error, HPDF_STATUS detail, void *arg)
{
    struct pdf *p = arg;

    if (!p->error) {
        p->error = error;
        p->detail = detail;
    }
}

/* ---- drawing ------------------------------------------------------------------------------- */

static void
text_at(struct pdf *p, float x, float y, float size, const char *s)
{
    HPDF_Page_SetFontAndSize(p->page, p->font, size);
    HPDF_Page_BeginText(p->page);
    HPDF_Page_TextOut(p->page, x, y, s);
    HPDF_Page_EndText(p->page);
}

/* s cut at a character boundary, with "…", to fit width at the current
 * font size. */
static const char *
fit(struct pdf *p, const char *s, float width, char *buf, size_t size)
{
    size_t n;

    if (HPDF_Page_TextWidth(p->page, s) <= width)
        return s;
    n = strlen(s);
    if (n > size - 4)
        n = size - 4;
    do {
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;            /* not inside a character */
        memcpy(buf, s, n);
        memcpy(buf + n, "…", sizeof("…"));
        if (n == 0 || HPDF_Page_TextWidth(p->page, buf) <= width)
            break;
        n--;
    } while (1);
    return buf;
}

/* A cell's text: left in its column and cut to fit, or a number right in
 * its column, never cut (a number too wide reaches into the cell on its
 * left rather than lose digits). */
static void
cell(struct pdf *p, enum col c, float y, float size, const char *s)
{
    float x = MARGIN, w;
    char buf[320];

    for (int i = 0; i < (int)c; i++)
        x += cols[i].width;
    HPDF_Page_SetFontAndSize(p->page, p->font, size);
    if (!cols[c].right)
        s = fit(p, s, cols[c].width - 4, buf, sizeof(buf));
    w = HPDF_Page_TextWidth(p->page, s);
    text_at(p, cols[c].right ? x + cols[c].width - 2 - w : x + 2, y, size, s);
}

static void
rule_line(struct pdf *p, float y, float width)
{
    HPDF_Page_SetLineWidth(p->page, width);
    HPDF_Page_MoveTo(p->page, MARGIN, y);
    HPDF_Page_LineTo(p->page, PAGE_W - MARGIN, y);
    HPDF_Page_Stroke(p->page);
}

static void
shade(struct pdf *p, float top, float height, float grey)
{
    HPDF_Page_SetGrayFill(p->page, grey);
    HPDF_Page_Rectangle(p->page, MARGIN, top - height, PAGE_W - 2 * MARGIN, height);
    HPDF_Page_Fill(p->page);
    HPDF_Page_SetGrayFill(p->page, 0);
}

static void
new_page(struct pdf *p)
{
    p->page = HPDF_AddPage(p->doc);
    HPDF_Page_SetSize(p->page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_LANDSCAPE);
    if (p->npages == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 64;
        p->pages = ob_xrealloc(p->pages, (size_t)p->cap * sizeof(*p->pages));
    }
    p->pages[p->npages++] = p->page;
    p->y = PAGE_H - MARGIN;
}

static void
table_header(struct pdf *p)
{
    shade(p, p->y, HEAD_ROW, 0.88f);
    for (int c = 0; c < NCOL; c++)
        cell(p, (enum col)c, p->y - HEAD_ROW + 4, FONT, cols[c].title);
    p->y -= HEAD_ROW;
    rule_line(p, p->y, 0.5f);
}

/* Room for a row of height h, or a new page with the table's header. */
static void
room(struct pdf *p, float h, bool table)
{
    if (p->y - h >= BOTTOM)
        return;
    new_page(p);
    if (table)
        table_header(p);
}

static void
money(char *out, size_t size, int64_t kopecks)
{
    ob_sdoc_money_ru(kopecks, out, size);
}

/* "01.11.2026" for "2026-11-01"; anything else as it is. */
static void
ru_date(const char *iso, char *out, size_t size)
{
    if (strlen(iso) == 10 && iso[4] == '-' && iso[7] == '-')
        snprintf(out, size, "%.2s.%.2s.%.4s", iso + 8, iso + 5, iso);
    else
        snprintf(out, size, "%s", iso);
}

/* "10 001" */
static void
grouped(char *out, size_t size, int64_t v)
{
    char m[64], *comma;

    ob_sdoc_money_ru(v * 100, m, sizeof(m));
    if ((comma = strchr(m, ',')) != NULL)
        *comma = '\0';
    snprintf(out, size, "%s", m);
}

/* ---- the parts of the document ----------------------------------------------------------- */

static void
title_block(struct pdf *p)
{
    const struct ob_sdoc_head *h = p->h;
    char s[512], a[64], b[64];

    ob_sdoc_title_ru(h, s, sizeof(s));
    text_at(p, MARGIN, p->y - 14, 14, s);
    p->y -= 22;
    if (p->volumes > 1) {
        grouped(a, sizeof(a), (int64_t)(p->volume - 1) * OB_STATEMENT_PDF_LINES + 1);
        grouped(b, sizeof(b), p->volume == p->volumes ? h->lines
                                                      : (int64_t)p->volume *
                                                            OB_STATEMENT_PDF_LINES);
        snprintf(s, sizeof(s), "Том %d из %d, строки %s–%s", p->volume, p->volumes, a, b);
        text_at(p, MARGIN, p->y - 10, 10, s);
        p->y -= 16;
    }
    snprintf(s, sizeof(s), "Плательщик: %s (%s)%s%s", h->payer_name,
             strcmp(h->payer_kind, "distributor") == 0 ? "дистрибьютор" : "провайдер",
             h->payer_email[0] ? ", " : "", h->payer_email);
    text_at(p, MARGIN, p->y - 9, 9, s);
    p->y -= 13;
    snprintf(s, sizeof(s), "Партнёр: %s%s%s%s%s", h->partner_name,
             h->partner_inn[0] ? ", ИНН " : "", h->partner_inn,
             h->partner_kpp[0] ? ", КПП " : "", h->partner_kpp);
    text_at(p, MARGIN, p->y - 9, 9, s);
    p->y -= 13;
    if (h->partner_address[0]) {
        snprintf(s, sizeof(s), "Адрес: %s", h->partner_address);
        text_at(p, MARGIN, p->y - 9, 9, s);
        p->y -= 13;
    }
    p->y -= 6;
}

static int
line_row(struct ob_ctx *ctx, const struct ob_sdoc_line *l, void *arg)
{
    struct pdf *p = arg;
    bool corr = strcmp(l->line_kind, "correction") == 0;
    char s[200], note[200] = "", sub[200] = "", a[16], b[16];
    float h, base;

    (void)ctx;
    if (corr)
        ob_sdoc_corrects_ru(l, note, sizeof(note));
    if (l->partner_tariff_name[0])
        snprintf(sub, sizeof(sub), "«%s»", l->partner_tariff_name);
    else if (l->register_id[0])
        snprintf(sub, sizeof(sub), "касса %s%s%s", l->register_id,
                 l->usage_month[0] ? ", " : "", l->usage_month);
    h = note[0] || sub[0] ? ROW2 : ROW1;
    room(p, h, true);
    if (corr)
        shade(p, p->y, h, 0.92f);
    base = p->y - 7.5f;
    snprintf(s, sizeof(s), "%" PRId64, l->seq);
    cell(p, C_SEQ, base, FONT, s);
    snprintf(s, sizeof(s), "%" PRId64, l->subscriber_code);
    cell(p, C_CODE, base, FONT, s);
    cell(p, C_NAME, base, FONT, l->subscriber_name);
    cell(p, C_TARIFF, base, FONT, l->tariff_name);
    cell(p, C_KIND, base, FONT,
         corr ? "Исправление"
              : strcmp(l->line_kind, "usage") == 0 ? "Использование" : ob_sdoc_kind_ru(l->kind));
    ru_date(l->start, a, sizeof(a));
    ru_date(l->through, b, sizeof(b));
    snprintf(s, sizeof(s), "%s – %s", a, b);
    cell(p, C_PERIOD, base, FONT, s);
    snprintf(s, sizeof(s), "%" PRId64, l->quantity);
    cell(p, C_QTY, base, FONT, s);
    money(s, sizeof(s), l->price);
    cell(p, C_PRICE, base, FONT, s);
    snprintf(s, sizeof(s), "%" PRId64 "%%", l->discount_pct);
    cell(p, C_PCT, base, FONT, s);
    cell(p, C_RULE, base, FONT, ob_sdoc_rule_ru(l->rule));
    money(s, sizeof(s), l->amount_due);
    cell(p, C_DUE, base, FONT, s);
    if (note[0])
        cell(p, C_NAME, base - 7, SMALL, note);
    if (sub[0])
        cell(p, C_TARIFF, base - 7, SMALL, sub);
    p->y -= h;
    HPDF_Page_SetGrayStroke(p->page, 0.8f);
    rule_line(p, p->y, 0.25f);
    HPDF_Page_SetGrayStroke(p->page, 0);
    ob_sdoc_rule_add(p->rules, &p->nrules, l);
    if (!p->first_seq)
        p->first_seq = l->seq;
    p->last_seq = l->seq;
    return 0;
}

/* A table of totals by rule, then its total, under a heading. */
static void
totals(struct pdf *p, const char *heading, const char *total_label,
       const struct ob_sdoc_rule *t, int n)
{
    int64_t lines = 0, price = 0, due = 0;
    char s[64];

    room(p, 24 + 3 * ROW1, false);
    p->y -= 8;
    text_at(p, MARGIN, p->y - 10, 10, heading);
    p->y -= 14;
    cell(p, C_NAME, p->y - 7.5f, FONT, "Правило");
    cell(p, C_TARIFF, p->y - 7.5f, FONT, "Строк");
    cell(p, C_PRICE, p->y - 7.5f, FONT, "Розн. цена");
    cell(p, C_DUE, p->y - 7.5f, FONT, "К оплате");
    p->y -= ROW1;
    rule_line(p, p->y, 0.25f);
    for (int i = 0; i < n; i++) {
        room(p, ROW1, false);
        cell(p, C_NAME, p->y - 7.5f, FONT, ob_sdoc_rule_ru(t[i].rule));
        snprintf(s, sizeof(s), "%" PRId64, t[i].lines);
        cell(p, C_TARIFF, p->y - 7.5f, FONT, s);
        money(s, sizeof(s), t[i].price);
        cell(p, C_PRICE, p->y - 7.5f, FONT, s);
        money(s, sizeof(s), t[i].amount_due);
        cell(p, C_DUE, p->y - 7.5f, FONT, s);
        p->y -= ROW1;
        lines += t[i].lines;
        price += t[i].price;
        due += t[i].amount_due;
    }
    room(p, ROW1 + 4, false);
    rule_line(p, p->y, 0.5f);
    p->y -= 2;
    cell(p, C_NAME, p->y - 8, 8, total_label);
    snprintf(s, sizeof(s), "%" PRId64, lines);
    cell(p, C_TARIFF, p->y - 8, 8, s);
    money(s, sizeof(s), price);
    cell(p, C_PRICE, p->y - 8, 8, s);
    money(s, sizeof(s), due);
    cell(p, C_DUE, p->y - 8, 8, s);
    p->y -= ROW1 + 2;
}

static void
footers(struct pdf *p)
{
    char s[160], t[400];

    ob_sdoc_title_ru(p->h, t, sizeof(t));
    for (int i = 0; i < p->npages; i++) {
        p->page = p->pages[i];
        if (p->volumes > 1)
            snprintf(s, sizeof(s), "Том %d из %d · Стр. %d из %d", p->volume, p->volumes, i + 1,
                     p->npages);
        else
            snprintf(s, sizeof(s), "Стр. %d из %d", i + 1, p->npages);
        HPDF_Page_SetFontAndSize(p->page, p->font, FONT);
        text_at(p, PAGE_W - MARGIN - HPDF_Page_TextWidth(p->page, s), 20, FONT, s);
        text_at(p, MARGIN, 20, FONT, t);
    }
}

static int
draw(struct pdf *p, const char *font_path)
{
    const char *name;
    int rc;

    HPDF_UseUTFEncodings(p->doc);
    HPDF_SetCurrentEncoder(p->doc, "UTF-8");
    HPDF_SetCompressionMode(p->doc, HPDF_COMP_ALL);
    HPDF_SetInfoAttr(p->doc, HPDF_INFO_CREATOR, "Oblako");
    if ((name = HPDF_LoadTTFontFromFile(p->doc, font_path, HPDF_TRUE)) == NULL ||
        (p->font = HPDF_GetFont(p->doc, name, "UTF-8")) == NULL)
        return OB_EINTERNAL;
    new_page(p);
    title_block(p);
    table_header(p);
    rc = ob_sdoc_lines(p->ctx, p->h->id, (int64_t)(p->volume - 1) * OB_STATEMENT_PDF_LINES,
                       OB_STATEMENT_PDF_LINES, line_row, p);
    if (rc != 0)
        return rc;
    if (p->volumes > 1) {
        char heading[80];

        snprintf(heading, sizeof(heading), "Итого по тому %d по правилам", p->volume);
        totals(p, heading, "Итого по тому", p->rules, p->nrules);
    } else
        totals(p, "Итого по правилам", "Итого к оплате", p->rules, p->nrules);
    if (p->volumes > 1 && p->volume == p->volumes) {
        struct ob_sdoc_rule all[OB_SDOC_RULES];
        int n;

        if ((rc = ob_sdoc_by_rule(p->ctx, p->h->id, all, &n)) != 0)
            return rc;
        totals(p, "Итого по отчёту по правилам (все тома)", "Итого к оплате по отчёту", all, n);
    }
    footers(p);
    return 0;
}

int
ob_sdoc_pdf(struct ob_ctx *ctx, const struct ob_sdoc_head *h, int volume, int volumes,
            const char *path)
{
    const char *font = ctx->cfg && ctx->cfg->pdf_font[0] ? ctx->cfg->pdf_font : DEFAULT_FONT;
    struct pdf p = { .ctx = ctx, .h = h, .volume = volume, .volumes = volumes };
    int rc;

    if (access(font, R_OK) != 0) {
        ob_log(OB_LOG_ERROR, "statement: the PDF font cannot be read", "{s:s, s:s}", "path",
               font, "hint", "install fonts-dejavu-core or set --pdf-font");
        return ob_err_set(&ctx->err, OB_EUNAVAIL, "statement_doc.font_missing");
    }
    if ((p.doc = HPDF_New(on_error, &p)) == NULL)
        return ob_err_set(&ctx->err, OB_EINTERNAL, "statement_doc.failed");
    rc = draw(&p, font);
    if (rc == 0 && !p.error && HPDF_SaveToFile(p.doc, path) != HPDF_OK)
        rc = OB_EINTERNAL;
    if (p.error) {
        ob_log(OB_LOG_ERROR, "statement: libhpdf failed", "{s:I, s:I, s:I}", "statement",
               (json_int_t)h->id, "error", (json_int_t)p.error, "detail", (json_int_t)p.detail);
        rc = OB_EINTERNAL;
    }
    HPDF_Free(p.doc);
    free(p.pages);
    if (rc == OB_EINTERNAL && !ctx->err.rc)
        ob_err_set(&ctx->err, rc, "statement_doc.failed");
    return rc;
}
