/*
 * statement_pdf.c — a statement as an invoice-like PDF (libhpdf).
 *
 * Not written yet: refuses, so the rest of the program builds against the
 * entry point.
 */
#include "base/ctx.h"
#include "base/err.h"
#include "export/statement_read.h"
#include "base/banned.h"

int
ob_sdoc_pdf(struct ob_ctx *ctx, const struct ob_sdoc_head *h, int volume, int volumes,
            const char *path)
{
    (void)h, (void)volume, (void)volumes, (void)path;
    return ob_err_set(&ctx->err, OB_EINTERNAL, "statement_doc.failed");
}
