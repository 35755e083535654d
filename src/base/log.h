/*
 * log.h — one JSON object per line on stderr.
 *
 * Every line has "ts" (UTC, RFC 3339 with milliseconds), "level" and "msg";
 * fields are added with a jansson pack format. A line is written with one
 * write(2), so lines of concurrent threads never interleave.
 */
#ifndef OB_BASE_LOG_H
#define OB_BASE_LOG_H

#include <jansson.h>

enum ob_log_level { OB_LOG_DEBUG, OB_LOG_INFO, OB_LOG_WARN, OB_LOG_ERROR };

/* "debug", "info", "warn" or "error" into *out: 0, or -1 for another name. */
int ob_log_level_parse(const char *name, enum ob_log_level *out);
int ob_log_set_level(const char *name);
int ob_log_enabled(enum ob_log_level level);
/* Log msg with fields packed by `fmt` (jansson json_pack, an object, or
 * NULL for none). */
void ob_log(enum ob_log_level level, const char *msg, const char *fmt, ...);

#endif
