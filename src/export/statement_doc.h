/*
 * statement_doc.h — a partner's monthly statement as a document (R-BIL-4):
 * PDF (an invoice-like page in Russian), XLSX or CSV.
 *
 * The statement's row and its lines (sql/0013_statements.sql) are read in
 * seq order and written to a temporary file, handed over as the open
 * descriptor of an unlinked file (as export/table.h does), which the HTTP
 * layer streams and closes. CSV and XLSX stream the lines and take bounded
 * memory for a statement of any length. libhpdf keeps a whole document in
 * memory, so a PDF holds at most OB_STATEMENT_PDF_LINES lines: a larger
 * statement comes as numbered volumes, each a whole document. The caller
 * checks access first: this reads any statement it is given.
 */
#ifndef OB_EXPORT_STATEMENT_DOC_H
#define OB_EXPORT_STATEMENT_DOC_H

#include <stddef.h>
#include <stdint.h>

struct ob_ctx;

/* The most lines one PDF volume holds. */
#define OB_STATEMENT_PDF_LINES 10000

/* Render statement `statement` in `format` ("pdf", "xlsx" or "csv"). For
 * "pdf", `volume` is 1..N (N = *volumes); other formats ignore it and the
 * whole statement is one file. On success *fd is open at the file's start
 * (the caller closes it), *size is its length, and *volumes (may be NULL)
 * the number of PDF volumes the statement has (1 for an empty one).
 * Returns 0, OB_ENOTFOUND (no such statement, or no such volume: err says
 * which), OB_EINVAL (an unknown format) or OB_EINTERNAL (the file or the
 * PDF font could not be written or read: the log says why). */
int ob_statement_render(struct ob_ctx *ctx, int64_t statement, const char *format, int volume,
                        int *fd, size_t *size, int *volumes);
/* The MIME type and the file extension of a format ("pdf", "xlsx", "csv"). */
const char *ob_statement_doc_mime(const char *format);
const char *ob_statement_doc_ext(const char *format);
/* The file's name for Content-Disposition, ASCII only: "statement-2026-11-P1.pdf" for
 * number "2026-11/P1", "statement-2026-11-draft-42.csv" for draft 42 of 2026-11, and
 * "-vol2of3" before the extension of a PDF volume when there are several. */
void ob_statement_doc_filename(int64_t statement, const char *month, const char *number,
                               const char *format, int volume, int volumes, char *out,
                               size_t size);

#endif
