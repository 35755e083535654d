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
static int setup_pg_300(void **state) { return open_fx(state, eng.url, 300); }

static int
teardown(void **state)
{
    struct fx *f = *state;
    char file[400];
    DIR *d;

    ob_ctx_release(&f->ctx);
    if (ob_db_engine(f->db) == OB_DB_POSTGRES)
        ob_db_exec(f->db, "DELETE FROM statement_lines; DELETE FROM statements;"
                          " DELETE FROM partners WHERE account_id = 9001;"
                          " DELETE FROM accounts WHERE id IN (9001, 9002)");
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
        if (rows % 50 == 0)
            CHECK_TRUE("R-BIL-3 a correcting line names what it corrects",
                       strstr(cells[15], "2026-10/P1") != NULL);
        sum += kopecks_of(cells[14]);
    }
    CHECK_INT("R-BIL-4 CSV one row per line", rows, f->n);
    CHECK_INT("R-BIL-4 CSV amounts sum to the total", sum, f->total);
    free(text);
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
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_csv, setup_300, teardown),
        cmocka_unit_test_setup_teardown(test_unknown, setup_300, teardown),
    };
    const struct CMUnitTest on_pg[] = {
        cmocka_unit_test_setup_teardown(test_csv, setup_pg_300, teardown),
    };
    int failed;

    (void)setup_10001;
    if (ob_rand_init() != 0)
        return 1;
    failed = cmocka_run_group_tests(tests, NULL, NULL);
    if (getenv("OBLAKO_TEST_PG_URL") && *getenv("OBLAKO_TEST_PG_URL"))
        failed += cmocka_run_group_tests_name("postgres", on_pg, pg_group_setup,
                                              pg_group_teardown);
    return failed;
}
