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

struct ob_err {
    int rc;
    char message[256];
    char field[64];
    char detail[256];
    char hint[160];
    int retry_after;        /* seconds, for OB_ERATE and OB_EUNAVAIL; 0 when unknown */
};

/* Set err (may be NULL) and return rc. The message is printf-formatted. */
int ob_err_set(struct ob_err *err, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Same, naming the offending input field (for OB_EINVAL). */
int ob_err_field(struct ob_err *err, int rc, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void ob_err_detail(struct ob_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ob_err_hint(struct ob_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ob_err_clear(struct ob_err *err);

/* The stable code ("not_found", …) and the HTTP status of a return code. */
const char *ob_err_code(int rc);
int ob_err_status(int rc);

#endif
