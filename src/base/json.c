/*
 * json.c — capped JSON parsing.
 */
#include <stdbool.h>

#include "err.h"
#include "json.h"
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
