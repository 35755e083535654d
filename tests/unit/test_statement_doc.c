/*
 * test_statement_doc.c — a monthly statement as documents (R-BIL-4,
 * export/statement_doc.h), read back by other programs: the CSV parsed
 * here, the PDF through pdftotext (poppler-utils), the XLSX through openpyxl
 * (tests/lib/xlsx_read.py). A statement of 300 lines, written as SQL rows
 * the way the run writes them (charge lines and correcting ones with
 * negative amounts, names with quotes, ';' and a formula), must come back
 * line by line with its amounts and its total; one of 10,001 lines comes as
 * two PDF volumes, the second holding line 10,001.
 */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "base/ctx.h"
#include "base/date.h"
#include "base/rand.h"
#include "db/db.h"
#include "export/statement_doc.h"
#include "unit.h"
#include "unit_engine.h"
#include "base/banned.h"

#define PARTNER 9001
#define SUBSCRIBER 9002
#define OLD 9100        /* a closed statement the corrections name */
#define STMT 9101

static const char *const rules[] = { "new_client", "first_continuous_renewal", "later_renewal",
                                     "from_local_its", "partner_without_csk",
                                     "renewal_after_gap" };
static const int pcts[] = { 65, 60, 50, 50, 20, 50 };
static const char *const kinds[] = { "main", "extension", "short_extension" };

struct line {
    int64_t seq, code, quantity, price, pct, due;
    const char *kind, *rule, *line_kind;
    char name[96], partner_tariff[48];
};

/* Line i of the statement, made the same way for the rows and the checks. */
static void
line_of(int64_t i, struct line *l)
{
    int r = (int)(i % 6);

    memset(l, 0, sizeof(*l));
    l->seq = i;
    l->code = 200000 + i;
    l->quantity = 1 + i % 3;
    l->kind = kinds[i % 3];
    l->rule = rules[r];
    l->pct = pcts[r];
    l->price = 100000 + (i * 7919) % 5000000;
    l->due = l->price * (100 - l->pct) / 100;
    l->line_kind = "charge";
    if (i % 50 == 0) {      /* a decision lowered a closed month's charge */
        l->line_kind = "correction";
        l->price = -l->price;
        l->due = -l->due;
    }
    if (i == 299) {        /* a cash register's month (R-CAT-6) */
        l->line_kind = "usage";
        l->kind = "per_unit";
    }
    if (i == 13)
        snprintf(l->name, sizeof(l->name), "=HYPERLINK(\"x\") %" PRId64, i);
    else if (i % 7 == 0)
        snprintf(l->name, sizeof(l->name), "ИП Иванов; \"Сад\" %" PRId64, i);
    else
        snprintf(l->name, sizeof(l->name), "ООО «Ромашка-%" PRId64 "»", i);
    if (i % 3 == 0)
        snprintf(l->partner_tariff, sizeof(l->partner_tariff), "Тариф партнёра %" PRId64, i);
}

struct fx {
    char path[64];
    struct ob_db *db;
    struct ob_ctx ctx;
    int64_t n, total;
    char dir[64];
};

static int
fill(struct fx *f, int64_t n)
{
    struct ob_db *db = f->db;
    int64_t now = 1796000000, total = 0, price = 0;
    int rc = 0;

    rc |= ob_db_begin(db, OB_DB_WRITE);
    rc |= ob_db_run(db, "INSERT INTO accounts (id, kind, name, created_at, updated_at)"
                        " VALUES (?, 'partner', 'ООО «Партнёр»', ?, ?)", "iii",
                    (int64_t)PARTNER, now, now) < 0;
    rc |= ob_db_run(db, "INSERT INTO partners (account_id, inn, kpp, phone, email, address)"
                        " VALUES (?, '7701234567', '770101001', '+74950000000', 'p@example.ru',"
                        " 'Москва, ул. Тверская, 1')", "i", (int64_t)PARTNER) < 0;
    rc |= ob_db_run(db, "INSERT INTO tariffs (code, name_ru, name_en, kind, created_at,"
                        " updated_at) VALUES ('PROF', '1С:ИТС ПРОФ в облаке', 'ITSaaS PROF',"
                        " 'main', ?, ?)", "ii", now, now) < 0;
    rc |= ob_db_run(db, "INSERT INTO accounts (id, kind, name, created_at, updated_at)"
                        " VALUES (?, 'subscriber', 'Абонент', ?, ?)", "iii",
                    (int64_t)SUBSCRIBER, now, now) < 0;
    rc |= ob_db_run(db, "INSERT INTO statements (id, month, partner_id, state, number,"
                        " payer_kind, payer_name, payer_email, partner_name, drafted_at,"
                        " closed_at) VALUES (?, '2026-10', ?, 'closed', '2026-10/P1',"
                        " 'provider', 'ООО «Облако»', 'billing@example.ru', 'ООО «Партнёр»',"
                        " ?, ?)", "iiii", (int64_t)OLD, (int64_t)PARTNER, now, now) < 0;
    rc |= ob_db_run(db, "INSERT INTO statements (id, month, partner_id, payer_kind, payer_name,"
                        " payer_email, partner_name, partner_inn, partner_kpp, partner_address,"
                        " drafted_at) VALUES (?, '2026-11', ?, 'distributor',"
                        " 'ООО «Дистрибьютор»', 'd@example.ru', 'ООО «Партнёр»', '7701234567',"
                        " '770101001', 'Москва, ул. Тверская, 1', ?)",
                    "iii", (int64_t)STMT, (int64_t)PARTNER, now) < 0;
    for (int64_t i = 1; i <= n && rc == 0; i++) {
        struct line l;
        bool corr;

        line_of(i, &l);
        corr = strcmp(l.line_kind, "correction") == 0;
        total += l.due;
        price += l.price;
        rc |= ob_db_run(db, "INSERT INTO statement_lines (statement_id, seq, line_kind,"
                            " subscriber_id, subscriber_code, subscriber_name, tariff_code,"
                            " partner_tariff_name, kind, start, through, quantity, price,"
                            " discount_pct, rule, amount_due, corrects_statement_id,"
                            " corrects_seq) VALUES (?, ?, ?, ?, ?, ?, 'PROF', ?, ?,"
                            " '2026-11-01', '2027-10-31', ?, ?, ?, ?, ?, ?, ?)",
                        "iitiitttiiiti", (int64_t)STMT, l.seq, l.line_kind,
                        (int64_t)SUBSCRIBER, l.code, l.name, l.partner_tariff, l.kind,
                        l.quantity, l.price, l.pct, l.rule, l.due) < 0;
        if (rc == 0 && strcmp(l.line_kind, "usage") == 0)
            rc |= ob_db_run(db, "UPDATE statement_lines SET register_id = 'KKT-0042',"
                                " usage_month = '2026-11' WHERE statement_id = ? AND seq = ?",
                            "ii", (int64_t)STMT, i) < 0;
        if (rc == 0 && corr)
            rc |= ob_db_run(db, "UPDATE statement_lines SET corrects_statement_id = ?,"
                                " corrects_seq = ? WHERE statement_id = ? AND seq = ?",
                            "iiii", (int64_t)OLD, i, (int64_t)STMT, i) < 0;
    }
    rc |= ob_db_run(db, "UPDATE statements SET lines = ?, total_price = ?, total_due = ?"
                        " WHERE id = ?", "iiii", n, price, total, (int64_t)STMT) < 0;
    rc |= ob_db_commit(db);
    f->n = n;
    f->total = total;
    return rc ? -1 : 0;
}

static int
open_fx(void **state, const char *url, int64_t n)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct ob_err err = { 0 };

    if (ob_tz_set("Europe/Moscow", &err) != 0 || ob_db_open(url, NULL, &f->db, &err) != 0 ||
        ob_db_migrate(f->db, ob_migrations, ob_nmigrations, NULL, &err) != 0) {
        fprintf(stderr, "fixture: %s\n", err.message);
        return -1;
    }
    ob_ctx_init(&f->ctx, f->db, NULL);
    f->ctx.actor.system = true;
    snprintf(f->dir, sizeof(f->dir), "/tmp/oblako-stmt-doc-XXXXXX");
    if (!mkdtemp(f->dir) || fill(f, n) != 0)
        return -1;
    *state = f;
    return 0;
}

static int
sqlite_fx(void **state, int64_t n)
{
    char url[96];
    int rc, fd;
    struct fx tmp;

    snprintf(tmp.path, sizeof(tmp.path), "/tmp/oblako-stmt-XXXXXX");
    if ((fd = mkstemp(tmp.path)) < 0)
        return -1;
    close(fd);
    snprintf(url, sizeof(url), "sqlite:%s", tmp.path);
    rc = open_fx(state, url, n);
    if (rc == 0)
        memcpy(((struct fx *)*state)->path, tmp.path, sizeof(tmp.path));
    return rc;
}

static int setup_300(void **state) { return sqlite_fx(state, 300); }
static int setup_10001(void **state) { return sqlite_fx(state, 10001); }

/* PostgreSQL: a database of its own for the group (unit_engine.h), dropped after. */
static int
pg_setup(void **state)
{
    return pg_group_setup(state) != 0 ? -1 : open_fx(state, eng.url, 300);
}

static int
teardown(void **state)
{
    struct fx *f = *state;
    char file[400];
    DIR *d;

    ob_ctx_release(&f->ctx);
    ob_db_close(f->db);
    if (f->path[0])
        unlink(f->path);
    if ((d = opendir(f->dir)) != NULL) {
        for (struct dirent *e; (e = readdir(d)) != NULL;) {
            snprintf(file, sizeof(file), "%s/%s", f->dir, e->d_name);
            if (e->d_name[0] != '.')
                unlink(file);
        }
        closedir(d);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

static int
pg_teardown(void **state)
{
    teardown(state);
    return pg_group_teardown(state);
}

/* ---- reading back ---------------------------------------------------------------------- */

/* The document in a file of the fixture's folder; its path in out. */
static void
render_to(struct fx *f, const char *format, int volume, char *out, size_t size, int *volumes)
{
    int fd = -1;
    size_t len = 0;
    char *buf;
    FILE *w;

    if (ob_statement_render(&f->ctx, STMT, format, volume, &fd, &len, volumes) != 0)
        fail_msg("render %s %d: %s", format, volume, f->ctx.err.message);
    CHECK_TRUE(format, fd >= 0 && len > 0);
    buf = malloc(len);
    CHECK_INT(format, read(fd, buf, len), (long long)len);
    close(fd);
    snprintf(out, size, "%s/doc-%d.%s", f->dir, volume, format);
    w = fopen(out, "wb");
    CHECK_TRUE(out, w && fwrite(buf, 1, len, w) == len && fclose(w) == 0);
    free(buf);
}

static char *
slurp_cmd(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    size_t cap = 1 << 16, len = 0, n;
    char *s = malloc(cap);

    if (!p)
        fail_msg("cannot run %s", cmd);
    while ((n = fread(s + len, 1, cap - len - 1, p)) > 0)
        if ((len += n) == cap - 1)
            s = realloc(s, cap *= 2);
    s[len] = '\0';
    if (pclose(p) != 0)
        fail_msg("%s failed", cmd);
    return s;
}

/* "-12.30" as kopecks. */
static int64_t
kopecks_of(const char *s)
{
    bool neg = *s == '-';
    int64_t r = 0, k = 0;
    const char *dot;

    s += neg;
    r = strtoll(s, NULL, 10);
    if ((dot = strchr(s, '.')) != NULL)
        k = strtoll(dot + 1, NULL, 10);
    return (neg ? -1 : 1) * (r * 100 + k);
}

/* One CSV record from *p (quotes as RFC 4180): its cells into cells[]. */
static int
csv_record(char **p, char cells[][128], int max)
{
    int n = 0;
    char *s = *p;

    if (!*s)
        return 0;
    for (;;) {
        size_t len = 0;
        char *c = cells[n < max ? n : max - 1];

        if (*s == '"') {
            for (s++; *s && !(*s == '"' && s[1] != '"'); s++) {
                if (*s == '"')
                    s++;
                if (len < 127)
                    c[len++] = *s;
            }
            s += *s == '"';
        } else
            for (; *s && *s != ';' && *s != '\r'; s++)
                if (len < 127)
                    c[len++] = *s;
        c[len] = '\0';
        n++;
        if (*s == ';') {
            s++;
            continue;
        }
        s += (*s == '\r') + (s[*s == '\r'] == '\n');
        break;
    }
    *p = s;
    return n;
}

static void
test_csv(void **state)
{
    struct fx *f = *state;
    char path[128], cells[24][128], cmd[200], *text, *p;
    int64_t sum = 0, rows = 0;
    int n;

    render_to(f, "csv", 1, path, sizeof(path), NULL);
    snprintf(cmd, sizeof(cmd), "cat '%s'", path);
    text = slurp_cmd(cmd);
    CHECK_TRUE("R-OPS-5 CSV opens with the UTF-8 byte order mark",
               memcmp(text, "\xEF\xBB\xBF", 3) == 0);
    p = text + 3;
    n = csv_record(&p, cells, 24);
    CHECK_INT("R-BIL-4 CSV header cells", n, 18);
    CHECK_STR("R-BIL-4 CSV header", cells[2], "Код абонента");
    CHECK_STR("R-BIL-4 CSV header", cells[14], "К оплате, руб.");
    while ((n = csv_record(&p, cells, 24)) > 0) {
        struct line l;
        char want[32];

        rows++;
        line_of(rows, &l);
        CHECK_INT("R-BIL-4 CSV cells of a line", n, 18);
        CHECK_INT("R-BIL-4 CSV line in seq order", strtoll(cells[0], NULL, 10), rows);
        CHECK_INT("R-BIL-4 CSV subscriber code", strtoll(cells[2], NULL, 10), l.code);
        CHECK_INT("R-BIL-4 CSV amount due", kopecks_of(cells[14]), l.due);
        CHECK_INT("R-BIL-4 CSV retail price", kopecks_of(cells[11]), l.price);
        snprintf(want, sizeof(want), "%s%" PRId64 ".%02" PRId64, l.due < 0 ? "-" : "",
                 (l.due < 0 ? -l.due : l.due) / 100, (l.due < 0 ? -l.due : l.due) % 100);
        CHECK_STR("R-BIL-4 CSV money: roubles with a dot, no guard quote", cells[14], want);
        if (rows == 13)
            CHECK_TRUE("R-OPS-5 a tenant's formula is neutralised", cells[3][0] == '\'');
        if (rows % 7 == 0 && rows != 13)
            CHECK_STR("R-BIL-4 CSV a name with ';' and quotes", cells[3], l.name);
        if (rows == 299) {
            CHECK_STR("R-CAT-6 a usage line", cells[1], "Использование");
            CHECK_STR("R-CAT-6 its cash register", cells[16], "KKT-0042");
            CHECK_STR("R-CAT-6 its month", cells[17], "2026-11");
        }
        if (rows % 50 == 0)
            CHECK_TRUE("R-BIL-3 a correcting line names what it corrects",
                       strstr(cells[15], "2026-10/P1") != NULL);
        sum += kopecks_of(cells[14]);
    }
    CHECK_INT("R-BIL-4 CSV one row per line", rows, f->n);
    CHECK_INT("R-BIL-4 CSV amounts sum to the total", sum, f->total);
    free(text);
}

/* Kopecks as the PDF prints them, with ordinary spaces: "-1 234,56 ₽". */
static void
ru_money(int64_t k, char *out, size_t size)
{
    int64_t a = k < 0 ? -k : k;
    char d[24], g[48];
    size_t n, j = 0;

    n = (size_t)snprintf(d, sizeof(d), "%" PRId64, a / 100);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            g[j++] = ' ';
        g[j++] = d[i];
    }
    g[j] = '\0';
    snprintf(out, size, "%s%s,%02" PRId64 " ₽", k < 0 ? "-" : "", g, a % 100);
}

/* pdftotext of a file, one text line per table row (-layout), no-break
 * spaces made ordinary. */
static char *
pdf_text(const char *path)
{
    char cmd[256], *t, *w;

    snprintf(cmd, sizeof(cmd), "pdftotext -q -layout -enc UTF-8 '%s' -", path);
    t = slurp_cmd(cmd);
    for (char *r = w = t; *r; r++) {
        if ((unsigned char)r[0] == 0xC2 && (unsigned char)r[1] == 0xA0) {
            *w++ = ' ';
            r++;
        } else
            *w++ = *r;
    }
    *w = '\0';
    return t;
}

/* The text line of t that holds `a` (first occurrence), or NULL. */
static const char *
text_line_with(const char *t, const char *a, char *out, size_t size)
{
    const char *p = strstr(t, a), *b, *e;

    if (!p)
        return NULL;
    for (b = p; b > t && b[-1] != '\n'; b--)
        ;
    e = strchr(p, '\n');
    snprintf(out, size, "%.*s", (int)(e ? e - b : (long)strlen(b)), b);
    return out;
}

static void
test_pdf(void **state)
{
    struct fx *f = *state;
    char path[128], code[32], due[96], row[1024], *t;
    int volumes = 0;
    clock_t t0 = clock();

    render_to(f, "pdf", 1, path, sizeof(path), &volumes);
    CHECK_INT("R-BIL-4 300 lines are one volume", volumes, 1);
    t = pdf_text(path);
    CHECK_TRUE("R-BIL-4 the title names the month", strstr(t, "Отчёт партнёра за ноябрь 2026"));
    CHECK_TRUE("R-BIL-4 a draft says so", strstr(t, "черновик"));
    CHECK_TRUE("R-BIL-4 the payer", strstr(t, "Плательщик: ООО «Дистрибьютор» (дистрибьютор)"));
    CHECK_TRUE("R-BIL-4 the partner's requisites",
               strstr(t, "ИНН 7701234567") && strstr(t, "КПП 770101001") &&
                   strstr(t, "Москва, ул. Тверская, 1"));
    CHECK_TRUE("R-BIL-4 page numbers", strstr(t, "Стр. 2 из "));
    {
        const char *q = strstr(t, "Стр. 1 из ");
        int pages = q ? (int)strtol(q + strlen("Стр. 1 из "), NULL, 10) : 0, heads = 0;

        for (q = t; (q = strstr(q, "Розн. цена")) != NULL; q++)
            heads++;
        CHECK_TRUE("R-BIL-4 300 lines take several pages", pages > 2);
        /* every page's table header, and the totals' own */
        CHECK_INT("R-BIL-4 the table header on every page", heads, pages + 1);
    }
    CHECK_TRUE("R-BIL-4 the rule by its Russian name", strstr(t, "Первое непрерывное продление"));
    CHECK_TRUE("R-BIL-3 a correction names what it corrects",
               strstr(t, "исправляет № 2026-10/P1, стр. 50"));
    CHECK_TRUE("R-CAT-6 a usage line names its cash register and month",
               strstr(t, "касса KKT-0042, 2026-11"));
    for (int64_t i = 1; i <= f->n; i++) {
        struct line l;

        line_of(i, &l);
        snprintf(code, sizeof(code), " %" PRId64 " ", l.code);
        ru_money(l.due, due, sizeof(due));
        if (!text_line_with(t, code, row, sizeof(row)))
            fail_msg("R-BIL-4 PDF: line %" PRId64 ": no subscriber code %s", i, code);
        if (!strstr(row, due))
            fail_msg("R-BIL-4 PDF: line %" PRId64 ": no amount '%s' in '%s'", i, due, row);
    }
    ru_money(f->total, due, sizeof(due));
    if (!text_line_with(t, "Итого к оплате", row, sizeof(row)) || !strstr(row, due))
        fail_msg("R-BIL-4 PDF: the total '%s' not found", due);
    free(t);
    if (getenv("OBLAKO_TEST_KEEP")) {
        char cmd[300];

        snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", path, getenv("OBLAKO_TEST_KEEP"));
        free(slurp_cmd(cmd));
    }
    fprintf(stderr, "pdf of %" PRId64 " lines: %.0f ms of CPU\n", f->n,
            (double)(clock() - t0) * 1000 / CLOCKS_PER_SEC);
}

static int64_t
kopecks_of_num(json_t *v)
{
    double d = json_number_value(v);

    return (int64_t)(d * 100 + (d < 0 ? -0.5 : 0.5));
}

static bool
is_str(json_t *v, const char *s)
{
    return json_is_string(v) && strcmp(json_string_value(v), s) == 0;
}

static void
test_xlsx(void **state)
{
    struct fx *f = *state;
    char path[128], cmd[300], *out;
    json_t *doc, *sheet, *rows, *fmts, *r = NULL;
    json_error_t jerr;
    size_t head = 0, i;
    int64_t sum = 0, rows_seen = 0;

    render_to(f, "xlsx", 1, path, sizeof(path), NULL);
    snprintf(cmd, sizeof(cmd), "/usr/bin/python3 '%s/tests/lib/xlsx_read.py' '%s'", OB_SOURCE_ROOT, path);
    out = slurp_cmd(cmd);
    if (getenv("OBLAKO_TEST_SHOW"))
        fputs(out, stderr);
    doc = json_loads(out, 0, &jerr);
    free(out);
    CHECK_TRUE("R-BIL-4 openpyxl reads the workbook", doc != NULL);
    sheet = json_array_get(json_object_get(doc, "sheets"), 0);
    rows = json_object_get(sheet, "rows");
    fmts = json_object_get(sheet, "formats");
    CHECK_TRUE("R-BIL-4 XLSX the title", strstr(json_string_value(json_array_get(
                   json_array_get(rows, 0), 0)), "Отчёт партнёра за ноябрь 2026"));
    while (head < json_array_size(rows) &&
           !is_str(json_array_get(json_array_get(rows, head), 0), "Строка"))
        head++;
    CHECK_TRUE("R-BIL-4 XLSX a header row", head < json_array_size(rows));
    CHECK_STR("R-BIL-4 XLSX header", json_string_value(json_array_get(
                  json_array_get(rows, head), 14)), "К оплате");
    {
        char want[16];

        snprintf(want, sizeof(want), "A%zu", head + 2);
        CHECK_STR("R-BIL-4 XLSX the header row is frozen",
                  json_string_value(json_object_get(sheet, "freeze")), want);
        snprintf(want, sizeof(want), "A%zu:R%zu", head + 1, head + 1 + (size_t)f->n);
        CHECK_STR("R-BIL-4 XLSX an autofilter over the table",
                  json_string_value(json_object_get(sheet, "filter")), want);
    }
    for (i = head + 1; i < json_array_size(rows); i++) {
        struct line l;
        json_t *due;

        r = json_array_get(rows, i);
        if (!json_is_number(json_array_get(r, 0)))
            break;
        rows_seen++;
        line_of(rows_seen, &l);
        due = json_array_get(r, 14);
        CHECK_TRUE("R-BIL-4 XLSX money is a number", json_is_number(due));
        CHECK_INT("R-BIL-4 XLSX line order", json_number_value(json_array_get(r, 0)), rows_seen);
        CHECK_INT("R-BIL-4 XLSX subscriber code", json_number_value(json_array_get(r, 2)),
                  l.code);
        CHECK_INT("R-BIL-4 XLSX amount due", kopecks_of_num(due), l.due);
        CHECK_INT("R-BIL-4 XLSX retail price", kopecks_of_num(json_array_get(r, 11)), l.price);
        CHECK_TRUE("R-BIL-4 XLSX a rouble format",
                   strstr(json_string_value(json_array_get(json_array_get(fmts, i), 14)), "₽"));
        CHECK_STR("R-BIL-4 XLSX the standard tariff by its name",
                  json_string_value(json_array_get(r, 5)), "1С:ИТС ПРОФ в облаке");
        CHECK_STR("R-BIL-4 XLSX the period starts on a date",
                  json_string_value(json_array_get(r, 8)), "2026-11-01");
        if (rows_seen == 13)
            CHECK_STR("R-BIL-4 XLSX a formula-looking name stays text",
                      json_string_value(json_array_get(r, 3)), l.name);
        sum += kopecks_of_num(due);
    }
    CHECK_INT("R-BIL-4 XLSX one row per line", rows_seen, f->n);
    CHECK_INT("R-BIL-4 XLSX the amounts sum to the total", sum, f->total);
    for (; i < json_array_size(rows); i++) {
        r = json_array_get(rows, i);
        if (is_str(json_array_get(r, 13), "Итого к оплате"))
            break;
    }
    CHECK_TRUE("R-BIL-4 XLSX a total row", i < json_array_size(rows));
    CHECK_INT("R-BIL-4 XLSX the total", kopecks_of_num(json_array_get(r, 14)), f->total);
    json_decref(doc);
}

static void
test_volumes(void **state)
{
    struct fx *f = *state;
    char path[128], row[1024], due[96], *t;
    struct line l;
    int volumes = 0;
    clock_t t0 = clock();

    render_to(f, "pdf", 2, path, sizeof(path), &volumes);
    CHECK_INT("R-BIL-4 10,001 lines are two volumes of at most 10,000", volumes, 2);
    t = pdf_text(path);
    if (getenv("OBLAKO_TEST_SHOW"))
        fputs(t, stderr);
    CHECK_TRUE("R-BIL-4 the volume on the page", strstr(t, "Том 2 из 2"));
    line_of(10001, &l);
    ru_money(l.due, due, sizeof(due));
    if (!text_line_with(t, " 210001 ", row, sizeof(row)) || !strstr(row, due) ||
        strncmp(row + strspn(row, " "), "10001 ", 6) != 0)
        fail_msg("R-BIL-4 volume 2 holds line 10,001 with %s: '%s'", due, row);
    CHECK_TRUE("R-BIL-4 volume 2 holds no line of volume 1", !strstr(t, " 210000 "));
    CHECK_TRUE("R-BIL-4 the volume's own total", strstr(t, "Итого по тому"));
    ru_money(f->total, due, sizeof(due));
    if (!text_line_with(t, "Итого к оплате по отчёту", row, sizeof(row)) || !strstr(row, due))
        fail_msg("R-BIL-4 the last volume has the statement's total %s", due);
    free(t);
    fprintf(stderr, "volume 2 of %" PRId64 " lines: %.0f ms of CPU\n", f->n,
            (double)(clock() - t0) * 1000 / CLOCKS_PER_SEC);
}

/* The closed statement of October has no lines of its own: every document
 * still comes whole, with its number, no «черновик», and a zero total. */
static void
test_empty_closed(void **state)
{
    struct fx *f = *state;
    char *t, *csv, cmd[200], row[1024];
    int fd = -1, volumes = 0;
    size_t len = 0;
    const char *formats[] = { "pdf", "xlsx", "csv" };

    for (size_t i = 0; i < NELEM(formats); i++) {
        char path[128];
        FILE *w;

        if (ob_statement_render(&f->ctx, OLD, formats[i], 1, &fd, &len, &volumes) != 0)
            fail_msg("render %s: %s", formats[i], f->ctx.err.message);
        CHECK_INT("R-BIL-4 an empty statement is one volume", volumes, 1);
        snprintf(path, sizeof(path), "%s/empty.%s", f->dir, formats[i]);
        w = fopen(path, "wb");
        for (ssize_t n; (n = read(fd, cmd, sizeof(cmd))) > 0;)
            fwrite(cmd, 1, (size_t)n, w);
        fclose(w);
        close(fd);
    }
    snprintf(cmd, sizeof(cmd), "%s/empty.pdf", f->dir);
    t = pdf_text(cmd);
    CHECK_TRUE("R-BIL-4 a closed statement shows its number",
               strstr(t, "Отчёт партнёра № 2026-10/P1 за октябрь 2026"));
    CHECK_TRUE("R-BIL-4 a closed statement is no draft", !strstr(t, "черновик"));
    if (!text_line_with(t, "Итого к оплате", row, sizeof(row)) || !strstr(row, "0,00 ₽"))
        fail_msg("R-BIL-4 an empty statement's total is 0,00 ₽");
    snprintf(cmd, sizeof(cmd), "cat '%s/empty.csv'", f->dir);
    csv = slurp_cmd(cmd);
    CHECK_TRUE("R-BIL-4 an empty CSV is its header row alone",
               strncmp(csv, "\xEF\xBB\xBFСтрока;", 16) == 0 &&
                   strstr(csv, "\r\n") == csv + strlen(csv) - 2);
    free(csv);
    free(t);
}

static void
test_unknown(void **state)
{
    struct fx *f = *state;
    int fd = -1, volumes = 0;
    size_t len;

    CHECK_INT("R-BIL-4 an unknown format",
              ob_statement_render(&f->ctx, STMT, "docx", 1, &fd, &len, &volumes), OB_EINVAL);
    CHECK_INT("R-BIL-4 no such statement",
              ob_statement_render(&f->ctx, 424242, "csv", 1, &fd, &len, &volumes),
              OB_ENOTFOUND);
    CHECK_INT("R-BIL-4 no such volume",
              ob_statement_render(&f->ctx, STMT, "pdf", 2, &fd, &len, &volumes), OB_ENOTFOUND);
    CHECK_INT("R-BIL-4 nothing to close on a refusal", fd, -1);
    CHECK_STR("R-BIL-4 mime", ob_statement_doc_mime("pdf"), "application/pdf");
    CHECK_STR("R-BIL-4 ext", ob_statement_doc_ext("xlsx"), "xlsx");
    {
        char name[96];

        ob_statement_doc_filename(42, "2026-11", "2026-11/P1", "pdf", 1, 1, name, sizeof(name));
        CHECK_STR("R-BIL-4 a closed statement's file", name, "statement-2026-11-P1.pdf");
        ob_statement_doc_filename(42, "2026-11", "", "csv", 1, 3, name, sizeof(name));
        CHECK_STR("R-BIL-4 a draft's file", name, "statement-2026-11-draft-42.csv");
        ob_statement_doc_filename(42, "2026-11", "2026-11/P1", "pdf", 2, 3, name, sizeof(name));
        CHECK_STR("R-BIL-4 a volume's file", name, "statement-2026-11-P1-vol2of3.pdf");
        ob_statement_doc_filename(42, "2026-11", "2026-11/\"x\r\n", "xlsx", 1, 1, name,
                                  sizeof(name));
        CHECK_STR("R-BIL-4 nothing but ASCII letters, digits and '-' in a header", name,
                  "statement-2026-11--x--.xlsx");
    }
}

int
main(void)
{
    /* one database per group: the lines are only read */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_pdf),
        cmocka_unit_test(test_xlsx),
        cmocka_unit_test(test_unknown),
        cmocka_unit_test(test_empty_closed),
    };
    const struct CMUnitTest volumes[] = {
        cmocka_unit_test(test_volumes),
    };
    const struct CMUnitTest on_pg[] = {
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_xlsx),
        cmocka_unit_test(test_pdf),
    };
    int failed;

    if (ob_rand_init() != 0)
        return 1;
    failed = cmocka_run_group_tests_name("300 lines", tests, setup_300, teardown);
    failed += cmocka_run_group_tests_name("10,001 lines", volumes, setup_10001, teardown);
    if (getenv("OBLAKO_TEST_PG_URL") && *getenv("OBLAKO_TEST_PG_URL"))
        failed += cmocka_run_group_tests_name("postgres", on_pg, pg_setup, pg_teardown);
    return failed;
}
