/*
 * router.h — matching a decoded path against the route table.
 */
#ifndef OB_HTTP_ROUTER_H
#define OB_HTTP_ROUTER_H

#include <stddef.h>

struct ob_arena;
struct ob_req;

#define OB_MAX_SEGMENTS 16

/* Split a raw path ("/a/b%20c") into decoded segments. Returns the count, or
 * -1 for a path that is malformed, has too many segments or decodes to a NUL
 * or a slash inside a segment. */
int ob_router_split(struct ob_arena *a, const char *raw, size_t len, const char **seg, int max);
/* Find the route for method + segments; fills req->params. Returns the route
 * index, -1 when no pattern matches the path (404), or -2 when patterns
 * match but not the method (405; *allow lists the methods). */
int ob_router_match(const char *method, const char **seg, int nseg, struct ob_req *req,
                    char *allow, size_t allow_size, int test_routes);
/* The body cap of a request to raw uri (its path up to '?') by method:
 * OB_UPLOAD_BODY_MAX for an upload route when larger than dflt, else dflt. */
long ob_router_body_max(const char *method, const char *uri, long dflt);
/* Is the request to raw uri by method one of an OB_ROUTE_SPOOL route? */
int ob_router_spool(const char *method, const char *uri);
/* Percent-decode (and '+' to space when plus is set) into the arena.
 * NULL on a malformed escape or a decoded NUL. */
char *ob_url_decode(struct ob_arena *a, const char *s, size_t n, int plus);
/* Parse "a=1&b=2" into req->query; -1 when malformed or too many (more than
 * OB_MAX_QUERY arguments, or more than OB_MAX_QUERY empty ones). */
int ob_query_parse(struct ob_arena *a, const char *q, struct ob_req *req);

#endif
