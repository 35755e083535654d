/*
 * statement_xlsx.c — a statement as a workbook (libxlsxwriter).
 *
 * Not written yet: refuses, so the rest of the program builds against the
 * entry point.
 */
#include "base/ctx.h"
#include "base/err.h"
#include "export/statement_read.h"
#include "base/banned.h"

int
ob_sdoc_xlsx(struct ob_ctx *ctx, const struct ob_sdoc_head *h, const char *path)
{
    (void)h, (void)path;
    return ob_err_set(&ctx->err, OB_EINTERNAL, "statement_doc.failed");
}
