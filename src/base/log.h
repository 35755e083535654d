/*
 * log.h — one JSON object per line on stderr, or in a file (--log-file).
 *
 * Every line has "ts" (UTC, RFC 3339 with milliseconds), "level" and "msg";
 * fields are added with a jansson pack format. A line is written with one
 * write(2), so lines of concurrent threads never interleave.
 */
#ifndef OB_BASE_LOG_H
#define OB_BASE_LOG_H

#include <jansson.h>
#include <stdbool.h>

enum ob_log_level { OB_LOG_DEBUG, OB_LOG_INFO, OB_LOG_WARN, OB_LOG_ERROR };

/* "debug", "info", "warn" or "error" into *out: 0, or -1 for another name. */
int ob_log_level_parse(const char *name, enum ob_log_level *out);
int ob_log_set_level(const char *name);
int ob_log_enabled(enum ob_log_level level);
/* Send the log to `path` (appended, created 0640) from now on, or back to
 * stderr for "" or NULL. Called again with the same path it reopens the file:
 * after logrotate moved it, the next lines go to a new file at `path`. A line
 * being written by another thread goes whole to the old file or whole to the
 * new one. 0, or -1 with errno when the file cannot be opened (the log stays
 * where it was). */
int ob_log_open(const char *path);
/* Log msg with fields packed by `fmt` (jansson json_pack, an object, or
 * NULL for none). */
void ob_log(enum ob_log_level level, const char *msg, const char *fmt, ...);

/* A field of ob_log_fields: a string (NULL is written null), or an integer. */
struct ob_log_field {
    const char *key;
    const char *str;
    long long num;
    bool is_num;
};

/* The same line as ob_log with string and integer fields, written without
 * building a jansson object: the request log, once per request. A string
 * that is not valid UTF-8 is written with '?' for each bad byte. */
void ob_log_fields(enum ob_log_level level, const char *msg, const struct ob_log_field *f,
                   int n);

#endif
