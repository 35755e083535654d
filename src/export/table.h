/*
 * table.h — a list exported as a file: CSV (export/csv.h) or XLSX
 * (libxlsxwriter), written row by row to a temporary file, so an export of
 * any length takes bounded memory. libxlsxwriter 1.1.4 cannot write to
 * memory: with constant_memory it keeps one row in memory and the file on
 * disk. The finished file is handed over as an open descriptor of an
 * unlinked file, which the HTTP layer streams and closes.
 */
#ifndef OB_EXPORT_TABLE_H
#define OB_EXPORT_TABLE_H

#include <stddef.h>
#include <jansson.h>

enum ob_table_format { OB_TABLE_CSV, OB_TABLE_XLSX };

struct ob_table;

int ob_table_open(enum ob_table_format fmt, const char *sheet, struct ob_table **out);
/* One row: an array of values (strings, integers, reals, booleans, null;
 * anything else is written as its JSON text). */
int ob_table_row(struct ob_table *t, json_t *values);
/* Finish the file: *fd is open at its start, the file already unlinked. */
int ob_table_finish(struct ob_table *t, int *fd, size_t *size);
void ob_table_abort(struct ob_table *t);
const char *ob_table_mime(enum ob_table_format fmt);
const char *ob_table_ext(enum ob_table_format fmt);

#endif
