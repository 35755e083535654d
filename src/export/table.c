/*
 * table.c — CSV and XLSX files built row by row on disk.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/mem.h"
#include "export/csv.h"
#include "export/table.h"
#include "base/banned.h"

struct ob_table {
    enum ob_table_format fmt;
    char path[64];
    FILE *csv;
    struct ob_buf row;
    lxw_workbook *wb;
    lxw_worksheet *ws;
    lxw_row_t next;
};

const char *
ob_table_mime(enum ob_table_format fmt)
{
    return fmt == OB_TABLE_CSV
               ? "text/csv; charset=utf-8"
               : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
}

const char *
ob_table_ext(enum ob_table_format fmt)
{
    return fmt == OB_TABLE_CSV ? "csv" : "xlsx";
}

int
ob_table_open(enum ob_table_format fmt, const char *sheet, struct ob_table **out)
{
    struct ob_table *t = ob_xcalloc(1, sizeof(*t));
    const char *dir = getenv("TMPDIR");
    int fd;

    snprintf(t->path, sizeof(t->path), "%.40s/oblako-export-XXXXXX", dir && *dir ? dir : "/tmp");
    if ((fd = mkstemp(t->path)) < 0) {
        free(t);
        return OB_EINTERNAL;
    }
    t->fmt = fmt;
    ob_buf_init(&t->row, (size_t)64 << 20);
    if (fmt == OB_TABLE_CSV) {
        t->csv = fdopen(fd, "w");
        ob_csv_bom(&t->row);
    } else {
        lxw_workbook_options opt = { .constant_memory = LXW_TRUE, .tmpdir = NULL };

        close(fd);
        t->wb = workbook_new_opt(t->path, &opt);
        t->ws = t->wb ? workbook_add_worksheet(t->wb, sheet) : NULL;
    }
    if ((fmt == OB_TABLE_CSV && !t->csv) || (fmt == OB_TABLE_XLSX && !t->ws)) {
        ob_table_abort(t);
        return OB_EINTERNAL;
    }
    *out = t;
    return 0;
}

static const char *
text_of(json_t *v, char **owned)
{
    *owned = NULL;
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_null(v) || !v)
        return NULL;
    *owned = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    return *owned;
}

static int
xlsx_row(struct ob_table *t, json_t *values)
{
    size_t i;
    json_t *v;

    json_array_foreach(values, i, v) {
        lxw_col_t c = (lxw_col_t)i;
        lxw_error e = LXW_NO_ERROR;
        char *owned;
        const char *s;

        if (json_is_integer(v))
            e = worksheet_write_number(t->ws, t->next, c, (double)json_integer_value(v), NULL);
        else if (json_is_real(v))
            e = worksheet_write_number(t->ws, t->next, c, json_real_value(v), NULL);
        else if (json_is_boolean(v))
            e = worksheet_write_boolean(t->ws, t->next, c, json_is_true(v), NULL);
        else if ((s = text_of(v, &owned)) != NULL) {
            e = worksheet_write_string(t->ws, t->next, c, s, NULL);
            free(owned);
        }
        if (e != LXW_NO_ERROR)
            return OB_EINTERNAL;
    }
    t->next++;
    return 0;
}

static int
csv_row(struct ob_table *t, json_t *values)
{
    size_t i;
    json_t *v;
    int rc = 0;

    json_array_foreach(values, i, v) {
        char *owned;
        const char *s = text_of(v, &owned);

        rc = ob_csv_cell(&t->row, s ? s : "");
        free(owned);
        if (rc != 0)
            return rc;
    }
    if ((rc = ob_csv_row_end(&t->row)) != 0)
        return rc;
    if (fwrite(t->row.p, 1, t->row.len, t->csv) != t->row.len)
        return OB_EINTERNAL;
    ob_buf_reset(&t->row);
    return 0;
}

int
ob_table_row(struct ob_table *t, json_t *values)
{
    return t->fmt == OB_TABLE_CSV ? csv_row(t, values) : xlsx_row(t, values);
}

int
ob_table_finish(struct ob_table *t, int *fd, size_t *size)
{
    struct stat stt;
    int rc = 0;

    *fd = -1;
    if (t->fmt == OB_TABLE_CSV) {
        if (t->row.len && fwrite(t->row.p, 1, t->row.len, t->csv) != t->row.len)
            rc = OB_EINTERNAL;
        if (fclose(t->csv) != 0)
            rc = OB_EINTERNAL;
        t->csv = NULL;
    } else {
        if (workbook_close(t->wb) != LXW_NO_ERROR)
            rc = OB_EINTERNAL;
        t->wb = NULL;
    }
    if (rc == 0 && ((*fd = open(t->path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(*fd, &stt) != 0))
        rc = OB_EINTERNAL;
    if (rc == 0)
        *size = (size_t)stt.st_size;
    else if (*fd >= 0)
        close(*fd);
    unlink(t->path);
    ob_buf_free(&t->row);
    free(t);
    return rc;
}

void
ob_table_abort(struct ob_table *t)
{
    if (!t)
        return;
    if (t->csv)
        fclose(t->csv);
    if (t->wb)
        workbook_close(t->wb);
    unlink(t->path);
    ob_buf_free(&t->row);
    free(t);
}
