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

struct ob_buf;
struct ob_err;

/* Parse exactly one JSON value from s[0..n). On error fills err with
 * OB_EINVAL, field "body" and a message naming line, column and position. */
int ob_json_parse(const char *s, size_t n, int max_depth, json_t **out, struct ob_err *err);
/* The deepest nesting of arrays/objects in s[0..n), ignoring strings. */
int ob_json_depth(const char *s, size_t n);

/* Append v to b as json_dumps(v, JSON_COMPACT) writes it, byte for byte
 * (keys in insertion order, the same escapes), without jansson's dump: that
 * one checks every array and object for a loop through a hash table of
 * printed pointers and builds the text in a buffer of its own, a third of
 * GET /api/v1/me's user time (issue 16). Where json_dumps fails (v neither
 * an array nor an object, a string that is not UTF-8, nesting past
 * OB_JSON_DUMP_DEPTH, which a loop reaches), returns -1 and leaves b as it
 * was; OB_ETOOLARGE past b's cap. */
#define OB_JSON_DUMP_DEPTH 2048
int ob_json_dump(struct ob_buf *b, const json_t *v);
/* Pieces of an answer a hot handler writes itself (GET /api/v1/me), as
 * ob_json_dump writes them: s as a string (NULL: null; -1 when s is not
 * UTF-8), v as a number. */
int ob_json_put_str(struct ob_buf *b, const char *s);
int ob_json_put_int(struct ob_buf *b, long long v);

#endif
