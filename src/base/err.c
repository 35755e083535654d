/*
 * err.c — the table of error codes and the helpers that fill struct ob_err.
 *
 * The table is the single place where a return code meets its public code and
 * its HTTP status; docs/rules.md §14 fixes the codes, so clients may rely on them.
 */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "banned.h"

static const struct {
    int rc;
    const char *code;
    int status;
} codes[] = {
    { OB_OK, "ok", 200 },
    { OB_EINVAL, "invalid", 400 },
    { OB_EUNAUTH, "unauthorized", 401 },
    { OB_EPERM, "forbidden", 403 },
    { OB_ENOTFOUND, "not_found", 404 },
    { OB_EMETHOD, "method_not_allowed", 405 },
    { OB_ECONFLICT, "conflict", 409 },
    { OB_ETOOLARGE, "too_large", 413 },
    { OB_EMEDIA, "unsupported_media_type", 415 },
    { OB_ELIMIT, "limit_exceeded", 409 },
    { OB_EBLOCKED, "blocked", 403 },
    { OB_ERATE, "rate_limited", 429 },
    { OB_EUNAVAIL, "unavailable", 503 },
    { OB_EBUSY, "unavailable", 503 },
    { OB_EINTERNAL, "internal", 500 },
};

static int
find(int rc)
{
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
        if (codes[i].rc == rc)
            return (int)i;
    return (int)(sizeof(codes) / sizeof(codes[0])) - 1; /* internal */
}

const char *
ob_err_code(int rc)
{
    return codes[find(rc)].code;
}

int
ob_err_status(int rc)
{
    return codes[find(rc)].status;
}

void
ob_err_clear(struct ob_err *err)
{
    if (err)
        memset(err, 0, sizeof(*err));
}

int
ob_err_set(struct ob_err *err, int rc, const char *fmt, ...)
{
    va_list ap;

    if (!err)
        return rc;
    ob_err_clear(err);
    err->rc = rc;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return rc;
}

int
ob_err_field(struct ob_err *err, int rc, const char *field, const char *fmt, ...)
{
    va_list ap;

    if (!err)
        return rc;
    ob_err_clear(err);
    err->rc = rc;
    snprintf(err->field, sizeof(err->field), "%s", field);
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return rc;
}

void
ob_err_detail(struct ob_err *err, const char *fmt, ...)
{
    va_list ap;

    if (!err)
        return;
    va_start(ap, fmt);
    vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
    va_end(ap);
}

void
ob_err_hint(struct ob_err *err, const char *fmt, ...)
{
    va_list ap;

    if (!err)
        return;
    va_start(ap, fmt);
    vsnprintf(err->hint, sizeof(err->hint), fmt, ap);
    va_end(ap);
}
