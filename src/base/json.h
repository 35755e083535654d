/*
 * json.h — parsing untrusted JSON with caps, and small jansson helpers.
 *
 * jansson's own depth limit is a compile-time 2048; a body nested that deep
 * costs stack in every consumer, so ob_json_parse measures the nesting first
 * (a linear scan that skips strings) and refuses anything deeper than the
 * configured cap before jansson sees it.
 */
#ifndef OB_BASE_JSON_H
#define OB_BASE_JSON_H

#include <stddef.h>
#include <jansson.h>

struct ob_err;

/* Parse exactly one JSON value from s[0..n). On error fills err with
 * OB_EINVAL, field "body" and a message naming line, column and position. */
int ob_json_parse(const char *s, size_t n, int max_depth, json_t **out, struct ob_err *err);
/* The deepest nesting of arrays/objects in s[0..n), ignoring strings. */
int ob_json_depth(const char *s, size_t n);

#endif
