/*
 * api.h — what a resource handler sees and fills, and the route table.
 *
 * http/ parses the request (path, query, headers, a JSON body within the
 * caps), finds the route, sets up the context and calls the handler. The
 * handler validates its input, calls model/ and renders JSON; it never
 * issues SQL. It returns 0, or a negative code with ctx->err filled, which
 * http/ renders as application/problem+json.
 */
#ifndef OB_API_API_H
#define OB_API_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "base/buf.h"

struct ob_ctx;
struct ob_store_reader;

#define OB_MAX_PARAMS 8
#define OB_MAX_QUERY 32
#define OB_MAX_RESP_HEADERS 8

struct ob_kv {
    const char *name, *value;
};

struct ob_req {
    struct ob_ctx *ctx;
    const char *method;
    const char *path;                       /* decoded, without the query */
    struct ob_kv params[OB_MAX_PARAMS];     /* path parameters, by name */
    int nparams;
    struct ob_kv query[OB_MAX_QUERY];       /* decoded query arguments */
    int nquery;
    const char *(*header)(void *hctx, const char *name);
    void *hctx;
    const char *body;
    size_t body_len;
    json_t *json;                           /* the parsed body, or NULL */
    int route;
    /* An OB_ROUTE_SPOOL route's body: a file of this node the transport wrote
     * it to (removed after the answer), its size and the hex SHA-256 of its
     * bytes; NULL when the request had no body. */
    const char *file;
    int64_t file_size;
    const char *file_sha256;
};

struct ob_resp {
    int status;
    const char *content_type;               /* static string */
    struct ob_buf body;
    json_t *json;                           /* rendered into body when set */
    const unsigned char *data;              /* static bytes (assets), not copied */
    size_t data_len;
    int fd;                                 /* a file to stream (exports), when has_fd */
    size_t fd_size;
    bool has_fd;
    /* An object of the backup store to stream (downloads, store/store.h):
     * reader_len bytes from reader_off; the reader is closed after it. */
    struct ob_store_reader *reader;
    int64_t reader_off, reader_len;
    struct ob_kv headers[OB_MAX_RESP_HEADERS];
    int nheaders;
    json_t *problem_ext;                    /* members added to an error's problem body */
};

/* Route flags. */
enum {
    OB_ROUTE_TEST = 1 << 0,     /* exists only with --test-clock */
    OB_ROUTE_RAW = 1 << 1,      /* the handler reads the body itself (no JSON parse) */
    OB_ROUTE_PUBLIC = 1 << 2,   /* anyone may call it, signed in or not */
    OB_ROUTE_IDEMPOTENT = 1 << 3, /* a creating POST: honours Idempotency-Key (http/dispatch.c) */
    OB_ROUTE_SIGNED = 1 << 4,   /* application backends may call it signed (docs/app-backend.md) */
    OB_ROUTE_SESSION = 1 << 5,  /* the person's login: a signed-in session, never an API token */
    OB_ROUTE_UPLOAD = 1 << 6,   /* a file upload: the body may reach OB_UPLOAD_BODY_MAX */
    OB_ROUTE_ANON = 1 << 7,     /* public and blind to who calls: no cookie or token is read (a
                                   form any site posts: a signed-in visitor is no CSRF refusal) */
    OB_ROUTE_SPOOL = 1 << 8,    /* a raw body up to --area-upload-max, written to a spool file by
                                   the transport as it arrives (req->file), never into memory; the
                                   pattern has no {parameter} */
    OB_ROUTE_ONE_READ = 1 << 9, /* a hot read of several statements: the sign-in check and the
                                   handler share one read (ob_db_pin_read; a write ends it) */
};

/* The body cap of an OB_ROUTE_UPLOAD route when --body-max is lower: a
 * 10 MB letter (R-TRF-1) and room to refuse one byte more with a reason. */
#define OB_UPLOAD_BODY_MAX ((long)11 * 1024 * 1024)

struct ob_route {
    const char *method;
    const char *pattern;        /* "/api/v1/partners/{id}/statuses" */
    int (*handler)(struct ob_req *req, struct ob_resp *resp);
    unsigned flags;
    /* How the isolation test tries this route across tenants: "public"
     * (no tenant data), "ops" (operators' endpoints), "test" (test-only). */
    const char *tenancy;
    const char *summary;
};

extern const struct ob_route ob_routes[];
extern const int ob_nroutes;

const char *ob_req_param(const struct ob_req *req, const char *name);
const char *ob_req_query(const struct ob_req *req, const char *name);
const char *ob_req_header(const struct ob_req *req, const char *name);
/* The value of cookie `name` (in the request's arena), or NULL. */
const char *ob_req_cookie(const struct ob_req *req, const char *name);
/* The token of "Authorization: Bearer TOKEN", or NULL. */
const char *ob_req_bearer(const struct ob_req *req);
/* A string member of the JSON body: NULL when absent; OB_EINVAL (naming
 * it) when present but not a string, or longer than max bytes. */
int ob_req_str(struct ob_req *req, const char *name, size_t max, bool required, const char **out);
/* The body must be a JSON object: OB_EINVAL otherwise. */
int ob_req_object(struct ob_req *req);
/* Parse a positive int64 path parameter; OB_ENOTFOUND when it is not one
 * (a malformed id names no object). */
int ob_req_id(struct ob_req *req, const char *name, int64_t *out);
/* Respond with a JSON value (the reference is stolen). */
int ob_resp_json(struct ob_resp *resp, int status, json_t *v);
/* Respond with the JSON text the handler wrote into resp->body itself (a
 * hot answer, base/json.h's writers): typed and ended as a rendered one. */
int ob_resp_json_written(struct ob_resp *resp, int status);
void ob_resp_header(struct ob_resp *resp, const char *name, const char *value);
/* Add the members of object ext (reference stolen) to the problem the
 * handler's error return will render (a refusal's details). */
void ob_resp_problem(struct ob_resp *resp, json_t *ext);

/* ---- rendering and parsing shared by the resources (api.c) ---- */
struct ob_account_member;
struct ob_requisites;
struct ob_invite;

/* RFC 3339 instant, or null for 0. */
json_t *ob_api_instant(int64_t t);
/* A day as "YYYY-MM-DD". */
json_t *ob_api_day(int32_t day);
/* A string, or null for NULL. */
json_t *ob_api_str(const char *s);
/* ["owner", "operator"] of role bits. */
json_t *ob_api_roles(unsigned roles);
/* {person, email, name, roles} (+ session_limit when with_limit). */
json_t *ob_api_member(const struct ob_account_member *m, int with_limit);
/* The answer to adding someone by email (api/invites.c): 202's body
 * {status: "invited", id, email, roles, expires_at} (+ session_limit), the
 * same whether the address has a login or not. */
json_t *ob_api_invited(const struct ob_invite *v, int with_limit);
/* The body's "roles" (an array of role names) as "a,b" in the request's
 * arena; NULL when absent (OB_EINVAL when not an array of names). */
/* The API's own caches (the entitlement answers, api/subscriptions.c), bounded by
 * cfg; before the server starts, and after it stops. */
struct ob_config;
void ob_api_cache_init(const struct ob_config *cfg);
void ob_api_cache_shutdown(void);
/* Entries held, and the memory taken at start (the bound). */
void ob_api_cache_stats(size_t *entries, size_t *bytes);
/* The entitlement answer kept for key (ob_lru_key_id of the subscriber and
 * the kind of reader) into body, when it was kept under gen for day. */
bool ob_api_ent_cache_get(const unsigned char *key, int64_t sub, int64_t gen, int32_t day,
                          struct ob_buf *body);
/* Keep body as the answer for key under gen and day (not when too long). */
void ob_api_ent_cache_put(const unsigned char *key, int64_t sub, int64_t gen, int32_t day,
                          const struct ob_buf *body);
int ob_api_req_roles(struct ob_req *req, const char **out);
/* A positive integer member of the body; 0 when absent or null. */
int ob_api_req_int(struct ob_req *req, const char *name, int64_t *out);
/* A positive integer query argument; 0 when absent. */
int ob_api_query_id(struct ob_req *req, const char *name, int64_t *out);
/* The requisites members of object o (the body, or "changes"); unknown
 * members are refused naming prefix+member. */
int ob_api_requisites(struct ob_req *req, json_t *o, const char *prefix, const char *const *extra,
                      struct ob_requisites *out);
/* Refuse a member of object o that is not in names (NULL-terminated):
 * OB_EINVAL naming prefix + the member. */
int ob_api_only_members(struct ob_req *req, json_t *o, const char *prefix,
                        const char *const *names);
/* Set the session cookie (secret "" and max_age 0 forget it): HttpOnly,
 * SameSite=Lax, Secure when the public URL is https. Sign-in (auth.c) and
 * a registration's sign-in link (regpages.c). */
void ob_api_session_cookie(struct ob_req *req, struct ob_resp *resp, const char *secret,
                           int max_age);
/* A boolean member of the JSON body: *out untouched when absent or null;
 * OB_EINVAL naming it when it is not true or false. */
int ob_api_bool_member(struct ob_req *req, const char *name, int *out);

#endif
