/*
 * json.c — capped JSON parsing, and answers written as jansson writes them.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "json.h"
#include "utf8.h"
#include "banned.h"

int
ob_json_depth(const char *s, size_t n)
{
    int depth = 0, max = 0;
    bool in_str = false;

    for (size_t i = 0; i < n; i++) {
        char c = s[i];

        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == '{' || c == '[') {
            if (++depth > max)
                max = depth;
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return max;
}

int
ob_json_parse(const char *s, size_t n, int max_depth, json_t **out, struct ob_err *err)
{
    json_error_t je;
    json_t *v;

    *out = NULL;
    if (ob_json_depth(s, n) > max_depth)
        return ob_err_field(err, OB_EINVAL, "body", "json.too_deep", "max_depth=%d", max_depth);
    v = json_loadb(s, n, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (!v) {
        ob_err_field(err, OB_EINVAL, "body", "json.malformed",
                     "line=%d column=%d position=%d text=%s", je.line, je.column, je.position,
                     je.text);
        return OB_EINVAL;
    }
    *out = v;
    return 0;
}

/* ---- writing ------------------------------------------------------------------------ */

/* s[0..n) as a JSON string, escaped as jansson escapes it without flags:
 * '"', '\\' and control characters only, \u00XX in capitals; bytes of
 * UTF-8 as they are. -1 when s is not UTF-8 (jansson's dump fails too). */
static int
dump_str(struct ob_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t i = 0, run = 0, k;
    int rc = ob_buf_putc(b, '"');

    while (rc == 0 && i < n) {
        unsigned char c = (unsigned char)s[i];

        if (c >= 0x80) {
            if ((k = ob_utf8_len((const unsigned char *)s + i)) == 0 || k > n - i)
                return -1;
            i += k;
            continue;
        }
        if (c >= 0x20 && c != '"' && c != '\\') {
            i++;
            continue;
        }
        if ((rc = ob_buf_put(b, s + run, i - run)) != 0)
            break;
        if (c == '"' || c == '\\') {
            char e[2] = { '\\', (char)c };

            rc = ob_buf_put(b, e, 2);
        } else {
            const char *named = c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r"
                              : c == '\b' ? "\\b" : c == '\f' ? "\\f" : NULL;
            char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

            rc = named ? ob_buf_put(b, named, 2) : ob_buf_put(b, u, 6);
        }
        run = ++i;
    }
    if (rc == 0)
        rc = ob_buf_put(b, s + run, n - run);
    return rc == 0 ? ob_buf_putc(b, '"') : rc;
}

int
ob_json_put_int(struct ob_buf *b, long long v)
{
    char d[24], *p = d + sizeof(d);
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

    do
        *--p = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    if (v < 0)
        *--p = '-';
    return ob_buf_put(b, p, (size_t)(d + sizeof(d) - p));
}

static int
dump_value(struct ob_buf *b, const json_t *v, int depth)
{
    int rc = 0;

    if (!v || depth > OB_JSON_DUMP_DEPTH)
        return -1;
    switch (json_typeof(v)) {
    case JSON_NULL:
        return ob_buf_put(b, "null", 4);
    case JSON_TRUE:
        return ob_buf_put(b, "true", 4);
    case JSON_FALSE:
        return ob_buf_put(b, "false", 5);
    case JSON_INTEGER:
        return ob_json_put_int(b, json_integer_value(v));
    case JSON_REAL: {   /* rare in an answer: jansson's own digits */
        char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

        rc = t ? ob_buf_puts(b, t) : -1;
        free(t);
        return rc;
    }
    case JSON_STRING:
        return dump_str(b, json_string_value(v), json_string_length(v));
    case JSON_ARRAY:
        rc = ob_buf_putc(b, '[');
        for (size_t i = 0, n = json_array_size(v); rc == 0 && i < n; i++) {
            if (i > 0)
                rc = ob_buf_putc(b, ',');
            if (rc == 0)
                rc = dump_value(b, json_array_get(v, i), depth + 1);
        }
        return rc == 0 ? ob_buf_putc(b, ']') : rc;
    case JSON_OBJECT:
        rc = ob_buf_putc(b, '{');
        for (void *it = json_object_iter((json_t *)v); rc == 0 && it;) {
            rc = dump_str(b, json_object_iter_key(it), json_object_iter_key_len(it));
            if (rc == 0)
                rc = ob_buf_putc(b, ':');
            if (rc == 0)
                rc = dump_value(b, json_object_iter_value(it), depth + 1);
            it = json_object_iter_next((json_t *)v, it);
            if (rc == 0 && it)
                rc = ob_buf_putc(b, ',');
        }
        return rc == 0 ? ob_buf_putc(b, '}') : rc;
    }
    return -1;
}

int
ob_json_put_str(struct ob_buf *b, const char *s)
{
    return s ? dump_str(b, s, strlen(s)) : ob_buf_put(b, "null", 4);
}

int
ob_json_dump(struct ob_buf *b, const json_t *v)
{
    size_t len = b->len;
    int rc;

    if (!json_is_array(v) && !json_is_object(v))
        return -1;
    if ((rc = dump_value(b, v, 1)) != 0) {
        b->len = len;
        if (b->cap)
            b->p[len] = '\0';
    }
    return rc;
}
