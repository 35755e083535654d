/*
 * csv.h — CSV that Excel opens correctly and safely (docs/rules.md R-OPS-5).
 *
 * A file is the UTF-8 byte order mark, then rows of cells separated by ';'
 * and ended by CRLF. A cell is quoted when it must be, and a cell that a
 * spreadsheet would take for a formula is neutralised with a leading "'".
 *
 * Cells of one row are appended to one buffer; the caller may flush (empty)
 * the buffer between rows, never inside a row, because a cell decides
 * whether it needs a separator by looking at what the buffer ends with.
 */
#ifndef OB_EXPORT_CSV_H
#define OB_EXPORT_CSV_H

struct ob_buf;

/* Append one cell (NULL is an empty cell), with its separator when it is not
 * the first of its row. Returns 0 or OB_ETOOLARGE (the buffer is left as it
 * was). */
int ob_csv_cell(struct ob_buf *b, const char *s);
/* Append a number the program itself made ("-12.30", "42"): written as it
 * is, without the formula guard that would turn "-12.30" into text. Anything
 * but an optional '-', digits and one '.' is refused with OB_EINVAL. */
int ob_csv_num(struct ob_buf *b, const char *s);
/* End the row: CRLF. */
int ob_csv_row_end(struct ob_buf *b);
/* The UTF-8 byte order mark that makes Excel read the file as UTF-8; first
 * in the file, before any row. */
int ob_csv_bom(struct ob_buf *b);

#endif
