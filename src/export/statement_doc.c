/*
 * statement_doc.c — a monthly statement as a document: the entry point, the
 * words and money formats the documents share, and the CSV body (the PDF and XLSX bodies are statement_pdf.c and
 * statement_xlsx.c).
 *
 * Reading (model/statements/document.c): the head and the lines are read in
 * one read transaction of one snapshot (PostgreSQL: REPEATABLE READ), so a
 * draft that a run replaces meanwhile is seen whole, before or after, its
 * totals agreeing with its lines. Lines are handed to the body one at a time, their strings borrowed from the
 * statement until the callback returns: CSV and XLSX keep nothing of a line
 * after writing it, so they run in bounded memory at any length (PostgreSQL
 * reads in single-row mode). A PDF volume holds OB_STATEMENT_PDF_LINES.
 *
 * Words: the documents are in Russian whoever downloads them (a statement is
 * a document between two Russian companies, and the same file must say the
 * same to both; docs/decisions.md). The rule names are those of the
 * cabinet (web/i18n/ru.json "rule.*"), kept here as the server renders the
 * file.
 *
 * CSV (export/csv.h): UTF-8 with a byte order mark, ';', CRLF, like every
 * list export; one header row and one row per line; money as roubles with a
 * dot ("-12.30"), written as plain numbers (they are ours, never a
 * tenant's text, so the formula guard does not apply to them).
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/ctx.h"
#include "base/err.h"
#include "base/log.h"
#include "db/db.h"
#include "export/csv.h"
#include "export/statement_doc.h"
#include "export/statement_read.h"
#include "base/banned.h"

void
ob_sdoc_rule_add(struct ob_sdoc_rule *t, int *n, const struct ob_sdoc_line *l)
{
    int i;

    for (i = 0; i < *n && strcmp(t[i].rule, l->rule) != 0; i++)
        ;
    if (i == *n && *n < OB_SDOC_RULES)
        snprintf(t[(*n)++].rule, sizeof(t[i].rule), "%s", l->rule);
    else if (i == *n)
        i = *n - 1;
    t[i].lines++;
    t[i].price += l->price;
    t[i].amount_due += l->amount_due;
}

/* ---- words --------------------------------------------------------------------------------- */

static const char *
word(const char *const (*table)[2], const char *code)
{
    for (; (*table)[0]; table++)
        if (strcmp((*table)[0], code) == 0)
            return (*table)[1];
    return code;
}

const char *
ob_sdoc_rule_ru(const char *rule)
{
    static const char *const t[][2] = {
        { "direct", "Прямая продажа" },
        { "first_continuous_renewal", "Первое непрерывное продление" },
        { "first_paid_not_new_client", "Первая платная, не новый клиент" },
        { "from_local_its", "Из локального ИТС" },
        { "individual_terms", "Индивидуальные условия" },
        { "later_renewal", "Последующее продление" },
        { "new_client", "Новый клиент" },
        { "partner_without_csk", "Партнёр без статуса ЦСК" },
        { "renewal_after_gap", "Продление после перерыва" },
        { NULL, NULL },
    };

    return word(t, rule);
}

const char *
ob_sdoc_kind_ru(const char *kind)
{
    static const char *const t[][2] = {
        { "main", "Основная" },
        { "extension", "Расширение" },
        { "short_extension", "Краткое расширение" },
        { "per_unit", "Поштучная" },
        { "its_local", "Локальный договор ИТС" },
        { NULL, NULL },
    };

    return word(t, kind);
}

const char *
ob_sdoc_line_kind_ru(const char *line_kind)
{
    static const char *const t[][2] = {
        { "charge", "Начисление" },
        { "correction", "Исправление" },
        { "usage", "Использование" },
        { NULL, NULL },
    };

    return word(t, line_kind);
}

void
ob_sdoc_month_ru(const char *month, char *out, size_t size)
{
    static const char *const names[] = { "январь", "февраль", "март", "апрель", "май", "июнь",
                                         "июль", "август", "сентябрь", "октябрь", "ноябрь",
                                         "декабрь" };
    long m = strlen(month) == 7 ? strtol(month + 5, NULL, 10) : 0;

    if (m >= 1 && m <= 12)
        snprintf(out, size, "%s %.4s", names[m - 1], month);
    else
        snprintf(out, size, "%s", month);
}

void
ob_sdoc_title_ru(const struct ob_sdoc_head *h, char *out, size_t size)
{
    char month[40];

    ob_sdoc_month_ru(h->month, month, sizeof(month));
    if (h->number[0])
        snprintf(out, size, "Отчёт партнёра № %s за %s", h->number, month);
    else
        snprintf(out, size, "Отчёт партнёра за %s (черновик)", month);
}

void
ob_sdoc_corrects_ru(const struct ob_sdoc_line *l, char *out, size_t size)
{
    if (l->corrects_number[0])
        snprintf(out, size, "исправляет № %s, стр. %" PRId64, l->corrects_number,
                 l->corrects_seq);
    else if (l->corrects_month[0])
        snprintf(out, size, "исправляет отчёт за %s, стр. %" PRId64, l->corrects_month,
                 l->corrects_seq);
    else
        snprintf(out, size, "исправление");
}

/* Kopecks as "1234.56", "-0.05": a dot, no grouping (the CSV). */
static void
money_dot(int64_t kopecks, char *out, size_t size)
{
    uint64_t a = kopecks < 0 ? (uint64_t)0 - (uint64_t)kopecks : (uint64_t)kopecks;

    snprintf(out, size, "%s%" PRIu64 ".%02u", kopecks < 0 ? "-" : "", a / 100,
             (unsigned)(a % 100));
}

void
ob_sdoc_money_ru(int64_t kopecks, char *out, size_t size)
{
    uint64_t a = kopecks < 0 ? (uint64_t)0 - (uint64_t)kopecks : (uint64_t)kopecks;
    uint64_t r = a / 100;
    char digits[24], grouped[64];
    size_t n, i, j = 0;

    n = (size_t)snprintf(digits, sizeof(digits), "%" PRIu64, r);
    for (i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0) {
            grouped[j++] = '\xC2';      /* U+00A0 NO-BREAK SPACE */
            grouped[j++] = '\xA0';
        }
        grouped[j++] = digits[i];
    }
    grouped[j] = '\0';
    snprintf(out, size, "%s%s,%02u\xC2\xA0\xE2\x82\xBD", kopecks < 0 ? "-" : "", grouped,
             (unsigned)(a % 100));
}

/* ---- files --------------------------------------------------------------------------------- */

static int
temp_file(char *path)
{
    const char *dir = getenv("TMPDIR");
    int fd;

    snprintf(path, 64, "%.38s/oblako-statement-XXXXXX", dir && *dir ? dir : "/tmp");
    if ((fd = mkstemp(path)) < 0) {
        ob_log(OB_LOG_ERROR, "statement: no temporary file", "{s:s}", "error", strerror(errno));
        return OB_EINTERNAL;
    }
    close(fd);
    return 0;
}

static int
hand_over(const char *path, int *fd, size_t *size)
{
    struct stat st;
    int rc = 0;

    if ((*fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(*fd, &st) != 0)
        rc = OB_EINTERNAL;
    if (rc == 0)
        *size = (size_t)st.st_size;
    else if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
    unlink(path);
    return rc;
}

/* ---- CSV ----------------------------------------------------------------------------------- */

struct csv_out {
    FILE *f;
    struct ob_buf row;
};

static int
csv_flush(struct csv_out *c)
{
    int rc = 0;

    if (c->row.len && fwrite(c->row.p, 1, c->row.len, c->f) != c->row.len)
        rc = OB_EINTERNAL;
    ob_buf_reset(&c->row);
    return rc;
}

static int
csv_int(struct ob_buf *b, int64_t v)
{
    char s[24];

    snprintf(s, sizeof(s), "%" PRId64, v);
    return ob_csv_num(b, s);
}

static int
csv_money(struct ob_buf *b, int64_t kopecks)
{
    char s[32];

    money_dot(kopecks, s, sizeof(s));
    return ob_csv_num(b, s);
}

static int
csv_line(struct ob_ctx *ctx, const struct ob_sdoc_line *l, void *arg)
{
    struct csv_out *c = arg;
    struct ob_buf *b = &c->row;
    char corrects[160] = "";
    int rc;

    (void)ctx;
    if (strcmp(l->line_kind, "correction") == 0)
        ob_sdoc_corrects_ru(l, corrects, sizeof(corrects));
    rc = csv_int(b, l->seq);
    if (rc == 0) rc = ob_csv_cell(b, ob_sdoc_line_kind_ru(l->line_kind));
    if (rc == 0) rc = csv_int(b, l->subscriber_code);
    if (rc == 0) rc = ob_csv_cell(b, l->subscriber_name);
    if (rc == 0) rc = ob_csv_cell(b, l->tariff_code);
    if (rc == 0) rc = ob_csv_cell(b, l->tariff_name);
    if (rc == 0) rc = ob_csv_cell(b, l->partner_tariff_name);
    if (rc == 0) rc = ob_csv_cell(b, ob_sdoc_kind_ru(l->kind));
    if (rc == 0) rc = ob_csv_cell(b, l->start);
    if (rc == 0) rc = ob_csv_cell(b, l->through);
    if (rc == 0) rc = csv_int(b, l->quantity);
    if (rc == 0) rc = csv_money(b, l->price);
    if (rc == 0) rc = csv_int(b, l->discount_pct);
    if (rc == 0) rc = ob_csv_cell(b, ob_sdoc_rule_ru(l->rule));
    if (rc == 0) rc = csv_money(b, l->amount_due);
    if (rc == 0) rc = ob_csv_cell(b, corrects);
    if (rc == 0) rc = ob_csv_cell(b, l->register_id);
    if (rc == 0) rc = ob_csv_cell(b, l->usage_month);
    if (rc == 0) rc = ob_csv_row_end(b);
    return rc ? rc : csv_flush(c);
}

static const char *const csv_header[] = {
    "Строка", "Вид строки", "Код абонента", "Абонент", "Код тарифа", "Тариф",
    "Тариф партнёра", "Вид подписки", "Начало", "Окончание", "Количество",
    "Розничная цена, руб.", "Скидка, %", "Правило", "К оплате, руб.", "Исправляет",
    "Касса", "Месяц использования",
};

static int
render_csv(struct ob_ctx *ctx, const struct ob_sdoc_head *h, const char *path)
{
    struct csv_out c = { .f = fopen(path, "w") };
    int rc = c.f ? 0 : OB_EINTERNAL;

    ob_buf_init(&c.row, (size_t)1 << 20);
    if (rc == 0)
        rc = ob_csv_bom(&c.row);
    for (size_t i = 0; rc == 0 && i < sizeof(csv_header) / sizeof(csv_header[0]); i++)
        rc = ob_csv_cell(&c.row, csv_header[i]);
    if (rc == 0)
        rc = ob_csv_row_end(&c.row);
    if (rc == 0)
        rc = csv_flush(&c);
    if (rc == 0)
        rc = ob_sdoc_lines(ctx, h->id, 0, -1, csv_line, &c);
    if (c.f && fclose(c.f) != 0 && rc == 0)
        rc = OB_EINTERNAL;
    ob_buf_free(&c.row);
    return rc;
}

/* ---- the entry ----------------------------------------------------------------------------- */

const char *
ob_statement_doc_mime(const char *format)
{
    if (strcmp(format, "pdf") == 0)
        return "application/pdf";
    if (strcmp(format, "xlsx") == 0)
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    return "text/csv; charset=utf-8";
}

const char *
ob_statement_doc_ext(const char *format)
{
    return strcmp(format, "pdf") == 0 ? "pdf" : strcmp(format, "xlsx") == 0 ? "xlsx" : "csv";
}

/* Letters, digits and '-' of s (others become '-'), into out. */
static void
ascii_part(const char *s, char *out, size_t size)
{
    size_t n = 0;

    for (; *s && n + 1 < size; s++)
        out[n++] = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                           (*s >= '0' && *s <= '9')
                       ? *s
                       : '-';
    out[n] = '\0';
}

void
ob_statement_doc_filename(int64_t statement, const char *month, const char *number,
                          const char *format, int volume, int volumes, char *out, size_t size)
{
    char m[16], num[64], vol[32] = "";

    ascii_part(month, m, sizeof(m));
    ascii_part(number ? number : "", num, sizeof(num));
    if (strcmp(format, "pdf") == 0 && volumes > 1)
        snprintf(vol, sizeof(vol), "-vol%dof%d", volume, volumes);
    if (num[0])
        snprintf(out, size, "statement-%s%s.%s", num, vol, ob_statement_doc_ext(format));
    else
        snprintf(out, size, "statement-%s-draft-%" PRId64 "%s.%s", m, statement, vol,
                 ob_statement_doc_ext(format));
}

struct render {
    int64_t statement;
    const char *format;
    int volume;
    int volumes;
    const char *path;
    bool snapshot;      /* the transaction is ours: make it one snapshot */
};

static int
render_tx(struct ob_ctx *ctx, void *arg)
{
    struct render *r = arg;
    struct ob_sdoc_head h;
    int rc;

    if (r->snapshot && (rc = ob_db_snapshot(ctx->db)) != 0)
        return ob_db_err(ctx, rc);
    if ((rc = ob_sdoc_head_read(ctx, r->statement, &h)) != 0)
        return rc;
    r->volumes = h.lines > 0 ? (int)((h.lines + OB_STATEMENT_PDF_LINES - 1) /
                                     OB_STATEMENT_PDF_LINES)
                             : 1;
    if (strcmp(r->format, "csv") == 0)
        return render_csv(ctx, &h, r->path);
    if (strcmp(r->format, "xlsx") == 0)
        return ob_sdoc_xlsx(ctx, &h, r->path);
    if (r->volume < 1 || r->volume > r->volumes)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "statement_doc.volume_not_found",
                          "volume=%d volumes=%d", r->volume, r->volumes);
    return ob_sdoc_pdf(ctx, &h, r->volume, r->volumes, r->path);
}

int
ob_statement_render(struct ob_ctx *ctx, int64_t statement, const char *format, int volume,
                    int *fd, size_t *size, int *volumes)
{
    char path[64];
    struct render r = { statement, format, volume, 0, path, !ob_db_in_tx(ctx->db) };
    int rc;

    *fd = -1;
    *size = 0;
    if (!format || (strcmp(format, "pdf") != 0 && strcmp(format, "xlsx") != 0 &&
                    strcmp(format, "csv") != 0))
        return ob_err_field(&ctx->err, OB_EINVAL, "format", "statement_doc.format");
    if ((rc = temp_file(path)) != 0)
        return ob_err_set(&ctx->err, rc, "statement_doc.failed");
    rc = ob_db_tx(ctx, OB_DB_READ, render_tx, &r);
    if (rc == 0)
        rc = hand_over(path, fd, size);
    else
        unlink(path);
    if (rc == 0 && volumes)
        *volumes = r.volumes;
    if (rc == OB_EINTERNAL && !ctx->err.rc)
        ob_err_set(&ctx->err, rc, "statement_doc.failed");
    return rc;
}
