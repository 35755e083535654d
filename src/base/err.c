/*
 * err.c — the table of error codes and the helpers that fill struct ob_err.
 *
 * The table is the single place where a return code meets its public code and
 * its HTTP status; docs/rules.md §14 fixes the codes, so clients may rely on them.
 */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "msg.h"
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

/* The argument of one conversion spec (without '%'), formatted by itself. */
static void
one(char *out, size_t size, const char *spec, va_list *ap)
{
    char f[24];
    const char *c = spec, *conv;
    int star[2] = { 0, 0 }, nstar = 0;
    size_t n;

    while (*c && !strchr("diouxXcsfgeEp%", *c)) {
        if (*c == '*' && nstar < 2)
            star[nstar++] = va_arg(*ap, int);
        c++;
    }
    conv = c;
    n = (size_t)(conv - spec) + 1;
    if (n + 2 > sizeof(f) || !*conv) {
        snprintf(out, size, "?");
        return;
    }
    f[0] = '%';
    memcpy(f + 1, spec, n);
    f[n + 1] = '\0';
#define PUT(v)                                                                                     \
    (nstar == 2   ? snprintf(out, size, f, star[0], star[1], v)                                    \
     : nstar == 1 ? snprintf(out, size, f, star[0], v)                                             \
                  : snprintf(out, size, f, v))
    bool l = conv - spec >= 1 && conv[-1] == 'l', ll = l && conv - spec >= 2 && conv[-2] == 'l';
    bool z = conv - spec >= 1 && (conv[-1] == 'z' || conv[-1] == 'j' || conv[-1] == 't');
    switch (*conv) {
    case 'd':
    case 'i':
    case 'c':
        if (ll)
            PUT(va_arg(*ap, long long));
        else if (l || z)
            PUT(va_arg(*ap, long));
        else
            PUT(va_arg(*ap, int));
        break;
    case 'o':
    case 'u':
    case 'x':
    case 'X':
        if (ll)
            PUT(va_arg(*ap, unsigned long long));
        else if (l || z)
            PUT(va_arg(*ap, unsigned long));
        else
            PUT(va_arg(*ap, unsigned));
        break;
    case 's': {
        const char *v = va_arg(*ap, const char *);
        PUT(v ? v : "");
        break;
    }
    case 'f':
    case 'g':
    case 'e':
    case 'E':
        PUT(va_arg(*ap, double));
        break;
    case 'p':
        PUT(va_arg(*ap, void *));
        break;
    default:
        snprintf(out, size, "%%");
        break;
    }
#undef PUT
}

/* Split "name=%s other=%d" into err->params, taking the values from ap. */
static void
take_params(struct ob_err *err, const char *fmt, va_list ap)
{
    va_list aq;
    const char *p = fmt;

    va_copy(aq, ap);
    while (*p) {
        struct ob_err_param *prm;
        const char *eq;
        size_t len = 0;
        int convs = 0, lits = 0;

        while (*p == ' ')
            p++;
        if (!*p || !(eq = strchr(p, '=')))
            break;
        prm = err->nparams < OB_ERR_PARAMS ? &err->params[err->nparams++] : NULL;
        if (prm)
            snprintf(prm->name, sizeof(prm->name), "%.*s", (int)(eq - p), p);
        for (p = eq + 1; *p && *p != ' ';) {
            char piece[120];
            size_t specn;

            if (*p != '%' || p[1] == '%') {
                piece[0] = *p;
                piece[1] = '\0';
                p += *p == '%' ? 2 : 1;
                lits++;
            } else {
                specn = strcspn(p + 1, "diouxXcsfgeEp") + 1;
                char spec[24];
                snprintf(spec, sizeof(spec), "%.*s", (int)specn, p + 1);
                one(piece, sizeof(piece), spec, &aq);
                if (strchr("sfgeEpc", p[specn]))
                    lits++;     /* not a whole number */
                p += specn + 1;
                convs++;
            }
            if (prm && len < sizeof(prm->value) - 1)
                len += (size_t)snprintf(prm->value + len, sizeof(prm->value) - len, "%s", piece);
        }
        if (prm)
            prm->number = convs == 1 && lits == 0;
    }
    va_end(aq);
}

static int
set(struct ob_err *err, int rc, const char *field, const char *reason, const char *fmt, va_list ap)
{
    ob_err_clear(err);
    err->rc = rc;
    snprintf(err->reason, sizeof(err->reason), "%s", reason ? reason : "");
    if (field)
        snprintf(err->field, sizeof(err->field), "%s", field);
    take_params(err, fmt, ap);
    ob_msg_render(err, "en", err->message, sizeof(err->message));
    return rc;
}

int
ob_err_set_(struct ob_err *err, int rc, const char *reason, const char *params, ...)
{
    va_list ap;

    if (!err)
        return rc;
    va_start(ap, params);
    set(err, rc, NULL, reason, params, ap);
    va_end(ap);
    return rc;
}

int
ob_err_field_(struct ob_err *err, int rc, const char *field, const char *reason, const char *params,
              ...)
{
    va_list ap;

    if (!err)
        return rc;
    va_start(ap, params);
    set(err, rc, field, reason, params, ap);
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
