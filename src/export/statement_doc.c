/*
 * statement_doc.c — a monthly statement as a document: the entry point, the
 * reading of the statement, the words and money formats the documents
 * share, and the CSV body (the PDF and XLSX bodies are statement_pdf.c and
 * statement_xlsx.c).
 *
 * Reading: the head and the lines are read in one read transaction of one
 * snapshot (PostgreSQL: REPEATABLE READ), so a draft that a run replaces
 * meanwhile is seen whole, before or after, its totals agreeing with its
 * lines. Lines
 * are handed to the body one at a time, their strings borrowed from the
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

/* ---- reading ----------------------------------------------------------------------------- */

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

static int
read_statement(struct ob_ctx *ctx, int64_t statement, struct ob_sdoc_head *out)
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
    if ((rc = read_statement(ctx, r->statement, &h)) != 0)
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
