/*
 * csv.c — cells for Excel-friendly CSV.
 *
 * What Excel needs, and why each rule is here:
 *
 * - Separator ';'. Excel in a Russian locale (our users) splits on ';', as
 *   the decimal comma makes ',' ambiguous.
 * - UTF-8 with a byte order mark. Without the BOM Excel reads the file in the
 *   ANSI code page and Cyrillic turns into mojibake.
 * - Quoting as RFC 4180: a cell holding ';', '"', CR or LF, or starting or
 *   ending with a space or tab, is put in double quotes with inner quotes
 *   doubled. Everything else is written as it is, so numbers stay numbers.
 * - Formula injection (OWASP "CSV injection"): a cell that starts with
 *   '=', '+', '-', '@', TAB or CR is read by spreadsheets as a formula, and
 *   the data comes from tenants. Such cells get a leading "'", which Excel
 *   shows as text and does not evaluate. This also turns "-5" into "'-5":
 *   an export is for reading, not for recomputing, and the rule must not
 *   guess which minus signs are safe. The program's own numbers (a
 *   statement's "-12.30", export/statement_doc.c) go through ob_csv_num,
 *   which takes nothing but a number and so needs no guard.
 *
 * A cell knows it starts a row when the buffer is empty, holds only the BOM
 * or ends with the row's LF: an unquoted cell never contains LF and a quoted
 * one ends with '"', so a final LF can only be a row end. For that to hold,
 * an empty first cell is written as "" (which Excel reads as empty), or the
 * next cell would take the row as still unstarted and drop its separator.
 *
 * Memory: nothing is allocated here beyond the caller's buffer. On
 * OB_ETOOLARGE the buffer is cut back to its length before the call.
 */
#include <stdbool.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "export/csv.h"
#include "base/banned.h"

#define BOM "\xEF\xBB\xBF"

static bool
starts_row(const struct ob_buf *b)
{
    return b->len == 0 || b->p[b->len - 1] == '\n' ||
           (b->len == 3 && memcmp(b->p, BOM, 3) == 0);
}

static bool
is_formula_start(char c)
{
    return c != '\0' && strchr("=+-@\t\r", c) != NULL;
}

static bool
is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool
needs_quotes(const char *s, bool neutralised, bool first)
{
    size_t n = strlen(s);

    if (n == 0)
        return first;
    if (strpbrk(s, ";\"\r\n"))
        return true;
    return (!neutralised && is_blank(s[0])) || is_blank(s[n - 1]);
}

static int
add_quoted(struct ob_buf *b, const char *s, bool neutralised)
{
    int rc = ob_buf_addc(b, '"');

    if (rc == 0 && neutralised)
        rc = ob_buf_addc(b, '\'');
    for (const char *q; rc == 0 && (q = strchr(s, '"')); s = q + 1)
        if ((rc = ob_buf_add(b, s, (size_t)(q - s))) == 0)
            rc = ob_buf_adds(b, "\"\"");
    if (rc == 0)
        rc = ob_buf_adds(b, s);
    if (rc == 0)
        rc = ob_buf_addc(b, '"');
    return rc;
}

static int
add_plain(struct ob_buf *b, const char *prefix, const char *s)
{
    int rc = ob_buf_adds(b, prefix);

    return rc ? rc : ob_buf_adds(b, s);
}

int
ob_csv_cell(struct ob_buf *b, const char *s)
{
    size_t start = b->len;
    bool neutralised, first = starts_row(b);
    int rc = 0;

    if (!s)
        s = "";
    neutralised = is_formula_start(s[0]);
    if (!first)
        rc = ob_buf_addc(b, ';');
    if (rc == 0 && needs_quotes(s, neutralised, first))
        rc = add_quoted(b, s, neutralised);
    else if (rc == 0 && neutralised)
        rc = add_plain(b, "'", s);
    else if (rc == 0)
        rc = add_plain(b, "", s);
    if (rc != 0) {
        b->len = start;
        if (b->cap)
            b->p[start] = '\0';
    }
    return rc;
}

int
ob_csv_num(struct ob_buf *b, const char *s)
{
    const char *p = s + (*s == '-');
    bool dot = false, digit = false;
    size_t start = b->len;
    int rc;

    for (; *p; p++) {
        if (*p == '.' && !dot)
            dot = true;
        else if (*p >= '0' && *p <= '9')
            digit = true;
        else
            return OB_EINVAL;
    }
    if (!digit)
        return OB_EINVAL;
    rc = add_plain(b, starts_row(b) ? "" : ";", s);
    if (rc != 0) {
        b->len = start;
        if (b->cap)
            b->p[start] = '\0';
    }
    return rc;
}

int
ob_csv_row_end(struct ob_buf *b)
{
    return ob_buf_add(b, "\r\n", 2);
}

int
ob_csv_bom(struct ob_buf *b)
{
    return ob_buf_add(b, BOM, 3);
}
