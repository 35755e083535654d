/*
 * router.c — route matching by path segments, URL decoding, query strings.
 *
 * The table is small (about a hundred and fifty routes), so a linear scan
 * over it costs less than building a tree; each route's segment count and
 * last literal segment are worked out once, so the scan passes over most
 * routes with two comparisons (it was 6 % of a cached read's time, issue 16)
 * before a pattern is walked. A "{name}" segment matches any non-empty
 * segment and becomes a parameter. GET routes also answer HEAD.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "base/mem.h"
#include "http/router.h"
#include "base/banned.h"

static int
hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *
ob_url_decode(struct ob_arena *a, const char *s, size_t n, int plus)
{
    char *out = ob_arena_alloc(a, n + 1), *o = out;

    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            int h, l;

            if (i + 2 >= n || (h = hex(s[i + 1])) < 0 || (l = hex(s[i + 2])) < 0)
                return NULL;
            *o = (char)(h * 16 + l);
            if (*o == '\0')
                return NULL;
            o++;
            i += 2;
        } else if (s[i] == '+' && plus) {
            *o++ = ' ';
        } else if (s[i] == '\0') {
            return NULL;
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

int
ob_router_split(struct ob_arena *a, const char *raw, size_t len, const char **seg, int max)
{
    size_t i = 0;
    int n = 0;

    if (len == 0 || raw[0] != '/')
        return -1;
    while (i < len) {
        size_t start = ++i;
        char *d;

        while (i < len && raw[i] != '/')
            i++;
        if (i == start && i == len)
            break;              /* a trailing slash */
        if (n == max)
            return -1;
        d = ob_url_decode(a, raw + start, i - start, 0);
        if (!d || strchr(d, '/'))
            return -1;
        seg[n++] = d;
    }
    return n;
}

/* Does pattern match the segments? Fills params when it does. */
static int
match_pattern(const char *pattern, const char **seg, int nseg, struct ob_req *req)
{
    const char *p = pattern;
    int i = 0, np = 0;

    while (*p == '/') {
        const char *end = strchr(p + 1, '/');
        size_t len = end ? (size_t)(end - p - 1) : strlen(p + 1);

        if (i >= nseg)
            return 0;
        if (p[1] == '{') {
            if (!*seg[i] || np == OB_MAX_PARAMS)
                return 0;
            if (req) {
                /* the name is the text between the braces; patterns are static */
                static _Thread_local char names[OB_MAX_PARAMS][32];

                snprintf(names[np], sizeof(names[np]), "%.*s", (int)len - 2, p + 2);
                req->params[np].name = names[np];
                req->params[np].value = seg[i];
            }
            np++;
        } else if (strlen(seg[i]) != len || strncmp(seg[i], p + 1, len) != 0) {
            return 0;
        }
        i++;
        p += len + 1;
    }
    if (i != nseg)
        return 0;
    if (req)
        req->nparams = np;
    return 1;
}

/* What the scan checks first, per route: its segment count and its last
 * segment when that is literal (NULL when it is a parameter). */
struct shape {
    int nseg;
    const char *last;
    size_t last_len;
};

static struct shape *shapes;
static pthread_once_t shapes_once = PTHREAD_ONCE_INIT;

static void
shapes_init(void)
{
    shapes = ob_xcalloc((size_t)ob_nroutes + 1, sizeof(*shapes));
    for (int r = 0; r < ob_nroutes; r++) {
        const char *p = ob_routes[r].pattern, *last = p;

        for (; *p; p++)
            if (*p == '/') {
                shapes[r].nseg++;
                last = p + 1;
            }
        if (*last != '{') {
            shapes[r].last = last;
            shapes[r].last_len = strlen(last);
        }
    }
}

int
ob_router_match(const char *method, const char **seg, int nseg, struct ob_req *req, char *allow,
                size_t allow_size, int test_routes)
{
    int path_matched = 0;
    size_t used = 0;

    if (allow_size)
        allow[0] = '\0';
    pthread_once(&shapes_once, shapes_init);
    for (int r = 0; r < ob_nroutes; r++) {
        const struct ob_route *rt = &ob_routes[r];
        const struct shape *sh = &shapes[r];
        int same;

        if (sh->nseg != nseg || (sh->last && nseg > 0 &&
                                 (strncmp(seg[nseg - 1], sh->last, sh->last_len) != 0 ||
                                  seg[nseg - 1][sh->last_len] != '\0')))
            continue;
        same = !strcmp(rt->method, method) ||
               (!strcmp(method, "HEAD") && !strcmp(rt->method, "GET"));

        if ((rt->flags & OB_ROUTE_TEST) && !test_routes)
            continue;
        if (!match_pattern(rt->pattern, seg, nseg, NULL))
            continue;
        if (same) {
            match_pattern(rt->pattern, seg, nseg, req);
            return r;
        }
        path_matched = 1;
        if (allow_size && used < allow_size) {
            int w = snprintf(allow + used, allow_size - used, "%s%s%s", used ? ", " : "",
                             rt->method, !strcmp(rt->method, "GET") ? ", HEAD" : "");

            used += w > 0 ? (size_t)w : 0;
        }
    }
    return path_matched ? -2 : -1;
}

int
ob_query_parse(struct ob_arena *a, const char *q, struct ob_req *req)
{
    int empty = 0;

    req->nquery = 0;
    while (q && *q) {
        const char *amp = strchr(q, '&'), *eq;
        size_t len = amp ? (size_t)(amp - q) : strlen(q);

        /* A stray '&' is forgiven, a run of thousands is not an argument list. */
        if (!len && ++empty > OB_MAX_QUERY)
            return -1;
        if (len) {
            struct ob_kv *kv;

            if (req->nquery == OB_MAX_QUERY)
                return -1;
            kv = &req->query[req->nquery];
            eq = memchr(q, '=', len);
            kv->name = ob_url_decode(a, q, eq ? (size_t)(eq - q) : len, 1);
            kv->value = eq ? ob_url_decode(a, eq + 1, len - (size_t)(eq - q) - 1, 1) : "";
            if (!kv->name || !kv->value || !*kv->name)
                return -1;
            req->nquery++;
        }
        q += len + (amp ? 1 : 0);
    }
    return 0;
}

long
ob_router_body_max(const char *method, const char *uri, long dflt)
{
    size_t n = strcspn(uri, "?#");

    if (dflt >= OB_UPLOAD_BODY_MAX)
        return dflt;
    for (int i = 0; i < ob_nroutes; i++)
        if ((ob_routes[i].flags & OB_ROUTE_UPLOAD) && !strcmp(ob_routes[i].method, method) &&
            strlen(ob_routes[i].pattern) == n && !strncmp(ob_routes[i].pattern, uri, n))
            return OB_UPLOAD_BODY_MAX;
    return dflt;
}

int
ob_router_spool(const char *method, const char *uri)
{
    size_t n = strcspn(uri, "?#");

    for (int i = 0; i < ob_nroutes; i++)
        if ((ob_routes[i].flags & OB_ROUTE_SPOOL) && !strcmp(ob_routes[i].method, method) &&
            strlen(ob_routes[i].pattern) == n && !strncmp(ob_routes[i].pattern, uri, n))
            return 1;
    return 0;
}
