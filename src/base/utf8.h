/*
 * utf8.h — checking UTF-8 as jansson does: no overlong forms, no surrogates,
 * nothing above U+10FFFF.
 */
#ifndef OB_BASE_UTF8_H
#define OB_BASE_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* The length of the valid UTF-8 sequence at s, or 0 (s[0] must be readable;
 * a sequence stops at NUL since NUL is not a continuation byte). */
size_t ob_utf8_len(const unsigned char *s);
/* Is the NUL-terminated string valid UTF-8? */
bool ob_utf8_valid(const char *s);

#endif
