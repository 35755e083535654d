/*
 * test_csv.c — Excel-friendly CSV cells (export/csv.h): separators,
 * quoting, formula neutralisation, the BOM, the buffer cap, and the
 * program's own numbers (ob_csv_num).
 */
#include <stdio.h>

#include "base/buf.h"
#include "base/err.h"
#include "export/csv.h"
#include "unit.h"
#include "base/banned.h"

static const struct cell_case {
    const char *name, *in, *want;
} cell_cases[] = {
    { "plain", "abc", "abc" },
    { "number", "42", "42" },
    { "decimal comma", "3,14", "3,14" },
    { "Cyrillic", "Облако", "Облако" },
    { "inner space", "a b", "a b" },
    { "separator quoted", "a;b", "\"a;b\"" },
    { "quote doubled", "say \"hi\"", "\"say \"\"hi\"\"\"" },
    { "only a quote", "\"", "\"\"\"\"" },
    { "LF quoted", "line1\nline2", "\"line1\nline2\"" },
    { "CR quoted", "a\rb", "\"a\rb\"" },
    { "CRLF quoted", "a\r\nb", "\"a\r\nb\"" },
    { "leading space quoted", " x", "\" x\"" },
    { "trailing space quoted", "x ", "\"x \"" },
    { "trailing tab quoted", "x\t", "\"x\t\"" },
    { "DESIGN exports: = neutralised", "=1+1", "'=1+1" },
    { "DESIGN exports: + neutralised", "+79001234567", "'+79001234567" },
    { "DESIGN exports: - neutralised", "-5", "'-5" },
    { "DESIGN exports: @ neutralised", "@SUM(A1)", "'@SUM(A1)" },
    { "TAB neutralised (and quoted: trailing)", "\t=1\t", "\"'\t=1\t\"" },
    { "TAB neutralised", "\tx", "'\tx" },
    { "CR neutralised and quoted", "\r=1", "\"'\r=1\"" },
    { "formula with separator", "=HYPERLINK(\"http://x\";\"y\")",
      "\"'=HYPERLINK(\"\"http://x\"\";\"\"y\"\")\"" },
    { "= inside is fine", "a=b", "a=b" },
    { "minus inside is fine", "2026-01-31", "2026-01-31" },
    { "single quote first is fine", "'quoted", "'quoted" },
};

static void
test_csv_cells(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(cell_cases); i++) {
        const struct cell_case *c = &cell_cases[i];
        struct ob_buf b;
        char want[256];

        /* as the second cell of a row, so the separator shows too */
        ob_buf_init(&b, 4096);
        CHECK_INT(c->name, ob_csv_cell(&b, "first"), 0);
        CHECK_INT(c->name, ob_csv_cell(&b, c->in), 0);
        snprintf(want, sizeof(want), "first;%s", c->want);
        CHECK_STR(c->name, b.p, want);
        /* and as the first cell: no separator */
        ob_buf_reset(&b);
        CHECK_INT(c->name, ob_csv_cell(&b, c->in), 0);
        CHECK_STR(c->name, b.p, c->want);
        ob_buf_free(&b);
    }
}

static const struct row_case {
    const char *name;
    const char *cells[4];
    int ncells;
    const char *want;
} row_cases[] = {
    { "three cells", { "a", "b", "c" }, 3, "a;b;c\r\n" },
    { "empty middle cell", { "a", "", "c" }, 3, "a;;c\r\n" },
    { "NULL is empty", { "a", NULL, "c" }, 3, "a;;c\r\n" },
    { "empty last cell", { "a", "" }, 2, "a;\r\n" },
    { "empty first cell keeps the separator", { "", "b" }, 2, "\"\";b\r\n" },
    { "NULL first cell", { NULL, "b" }, 2, "\"\";b\r\n" },
    { "all empty", { "", "", "" }, 3, "\"\";;\r\n" },
    { "no cells", { NULL }, 0, "\r\n" },
    { "cell ending in a Cyrillic п (…BF)", { "Суп", "x" }, 2, "Суп;x\r\n" },
    { "quoted cell with LF then more", { "a\nb", "c" }, 2, "\"a\nb\";c\r\n" },
};

static void
test_csv_rows(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(row_cases); i++) {
        const struct row_case *c = &row_cases[i];
        struct ob_buf b;
        char want[256];

        ob_buf_init(&b, 4096);
        /* two rows in one buffer: the second must start without a separator */
        for (int row = 0; row < 2; row++) {
            for (int k = 0; k < c->ncells; k++)
                CHECK_INT(c->name, ob_csv_cell(&b, c->cells[k]), 0);
            CHECK_INT(c->name, ob_csv_row_end(&b), 0);
        }
        snprintf(want, sizeof(want), "%s%s", c->want, c->want);
        CHECK_STR(c->name, b.p, want);
        ob_buf_free(&b);
    }
}

static void
test_csv_bom(void **state)
{
    struct ob_buf b;

    (void)state;
    ob_buf_init(&b, 4096);
    assert_int_equal(ob_csv_bom(&b), 0);
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.p, "\xEF\xBB\xBF", 3);
    /* the first cell after the BOM starts the row */
    assert_int_equal(ob_csv_cell(&b, "Имя"), 0);
    assert_int_equal(ob_csv_cell(&b, "Сумма"), 0);
    assert_int_equal(ob_csv_row_end(&b), 0);
    assert_string_equal(b.p, "\xEF\xBB\xBFИмя;Сумма\r\n");
    ob_buf_free(&b);
}

static void
test_csv_flush_between_rows(void **state)
{
    struct ob_buf b;

    (void)state;
    ob_buf_init(&b, 4096);
    assert_int_equal(ob_csv_cell(&b, "a"), 0);
    assert_int_equal(ob_csv_row_end(&b), 0);
    ob_buf_reset(&b);      /* streamed out */
    assert_int_equal(ob_csv_cell(&b, "b"), 0);
    assert_int_equal(ob_csv_cell(&b, "c"), 0);
    assert_string_equal(b.p, "b;c");
    ob_buf_free(&b);
}

static const struct cap_case {
    const char *name, *in;
    size_t max;
    int want_rc;
} cap_cases[] = {
    { "fits exactly", "=abc", 7, 0 },
    { "separator does not fit", "a", 1, OB_ETOOLARGE },
    { "neutralising quote does not fit", "=ab", 2, OB_ETOOLARGE },
    { "closing quote does not fit", "a;b", 6, OB_ETOOLARGE },
    { "doubled quote does not fit", "\"\"", 6, OB_ETOOLARGE },
};

static void
test_csv_cap(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(cap_cases); i++) {
        const struct cap_case *c = &cap_cases[i];
        struct ob_buf b;

        ob_buf_init(&b, c->max);
        CHECK_INT(c->name, ob_csv_cell(&b, "x"), 0);
        CHECK_INT(c->name, ob_csv_cell(&b, c->in), c->want_rc);
        if (c->want_rc != 0) {
            CHECK_STR(c->name, b.p, "x");   /* cut back, nothing half-written */
            CHECK_INT(c->name, b.len, 1);
        }
        ob_buf_free(&b);
    }
}

static const struct num_case {
    const char *name, *before, *in, *want;
    int want_rc;
} num_cases[] = {
    { "R-BIL-4 a negative amount stays a number", "", "-12.30", "-12.30", 0 },
    { "R-BIL-4 after a cell: its separator", "a", "1234.56", "a;1234.56", 0 },
    { "a whole number", "", "42", "42", 0 },
    { "a formula is no number", "", "=1+1", "", OB_EINVAL },
    { "a minus alone", "", "-", "", OB_EINVAL },
    { "empty", "", "", "", OB_EINVAL },
    { "two dots", "", "1.2.3", "", OB_EINVAL },
    { "an exponent", "", "1e5", "", OB_EINVAL },
    { "a comma", "a", "1,5", "a", OB_EINVAL },
    { "a minus inside", "", "1-2", "", OB_EINVAL },
};

static void
test_csv_num(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(num_cases); i++) {
        const struct num_case *c = &num_cases[i];
        struct ob_buf b;

        ob_buf_init(&b, 1024);
        if (c->before[0])
            CHECK_INT(c->name, ob_csv_cell(&b, c->before), 0);
        CHECK_INT(c->name, ob_csv_num(&b, c->in), c->want_rc);
        CHECK_STR(c->name, b.len ? b.p : "", c->want);
        ob_buf_free(&b);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_cells),
        cmocka_unit_test(test_csv_rows),
        cmocka_unit_test(test_csv_bom),
        cmocka_unit_test(test_csv_flush_between_rows),
        cmocka_unit_test(test_csv_cap),
        cmocka_unit_test(test_csv_num),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
