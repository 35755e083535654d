/*
 * err.h — one error convention for the whole program.
 *
 * A function that can fail returns 0 or a negative enum ob_rc and, when it
 * has one, fills a struct ob_err with the stable code, a message for people
 * (git/PostgreSQL style: lowercase, no final period, the subject in quotes),
 * the offending field and optional detail and hint. The code is what clients
 * match on; http/ maps it to a status with ob_err_status(). Text coming from
 * SQL engines or libraries never goes into the message: it is logged instead.
 */
#ifndef OB_BASE_ERR_H
#define OB_BASE_ERR_H

#include <stdarg.h>
#include <stdbool.h>

enum ob_rc {
    OB_OK = 0,
    OB_EINVAL = -1,        /* invalid: bad input, names the field */
    OB_EUNAUTH = -2,       /* unauthorized: no or bad credentials */
    OB_EPERM = -3,         /* forbidden */
    OB_ENOTFOUND = -4,     /* not_found */
    OB_EMETHOD = -5,       /* method_not_allowed */
    OB_ECONFLICT = -6,     /* conflict */
    OB_ETOOLARGE = -7,     /* too_large */
    OB_EMEDIA = -8,        /* unsupported_media_type */
    OB_ELIMIT = -9,        /* limit_exceeded */
    OB_EBLOCKED = -10,     /* blocked */
    OB_ERATE = -11,        /* rate_limited */
    OB_EUNAVAIL = -12,     /* unavailable: database down, shutting down */
    OB_EBUSY = -13,        /* transient: the transaction should run again */
    OB_EINTERNAL = -14,    /* a bug or an I/O failure; detail is logged only */
};
#define OB_RC_MIN OB_EINTERNAL

#define OB_ERR_PARAMS 8

/* One named value of a message: "from" = "2027-12-05", or a number. */
struct ob_err_param {
    char name[24];
    char value[120];
    bool number;            /* a whole number: rendered as a JSON number */
};

struct ob_err {
    int rc;
    char reason[64];        /* the message's stable id, "deferred_renewal.too_early" */
    char message[256];      /* the English message, for logs and the command line */
    char field[64];
    char detail[256];
    char hint[160];
    int retry_after;        /* seconds, for OB_ERATE and OB_EUNAVAIL; 0 when unknown */
    int nparams;
    struct ob_err_param params[OB_ERR_PARAMS];
};

/*
 * Set err (may be NULL) and return rc. A message is a reason, the key of a
 * template in data/messages.<lang>.json, and its named params, given as a
 * printf format of space-separated name=value pairs, type-checked by the
 * compiler:
 *
 *     return ob_err_set(err, OB_ECONFLICT, "deferred_renewal.too_early",
 *                       "from=%s through=%s", from, through);
 *     return ob_err_field(err, OB_EINVAL, "inn", "requisites.inn_digits");
 *
 * A value is one pair's text after '=' (it may hold several conversions,
 * "amount=%lld.%02lld"); a value that is one integer conversion alone is a
 * number. ob_err_field adds the field, which a template names as {field}.
 * The English message is rendered into err->message at once (base/msg.h);
 * http/ renders it again in the language of whoever asked.
 */
#define ob_err_set(err, rc, reason, ...) ob_err_set_((err), (rc), (reason), " " __VA_ARGS__)
#define ob_err_field(err, rc, field, reason, ...)                                                  \
    ob_err_field_((err), (rc), (field), (reason), " " __VA_ARGS__)
int ob_err_set_(struct ob_err *err, int rc, const char *reason, const char *params, ...)
    __attribute__((format(printf, 4, 5)));
int ob_err_field_(struct ob_err *err, int rc, const char *field, const char *reason,
                  const char *params, ...) __attribute__((format(printf, 5, 6)));
/* A reason kept in a variable or a table: marks the literal for
 * tools/messages.mjs, which checks that every reason has its messages. */
#define OB_REASON(r) (r)
void ob_err_detail(struct ob_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ob_err_hint(struct ob_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ob_err_clear(struct ob_err *err);

/* The stable code ("not_found", …) and the HTTP status of a return code. */
const char *ob_err_code(int rc);
int ob_err_status(int rc);

#endif
