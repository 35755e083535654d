/*
 * cashbook.h — the reference application backend (docs/app-backend.md).
 *
 * The cash book keeps entries (date, amount in kopecks, comment) per data
 * area, each area in its own SQLite file under DIR/areas/. Oblako creates and
 * deletes areas with signed calls; a browser arrives through a launch link
 * that the backend checks with Oblako, then works under the backend's own
 * cookie while the page keeps the Oblako session alive through us.
 *
 * Modules: main.c (options, start, stop), http.c (libmicrohttpd glue, the
 * router, responses, the request log), api.c (the handlers), sign.c (the
 * signatures and the calls to Oblako), store.c (SQLite), session.c (cookies
 * in memory), usage.c (cash registers' receipts, reported to Oblako). Everything is thread-safe: libmicrohttpd runs one thread per
 * connection; the session table has a mutex, SQLite files are opened per
 * request.
 */
#ifndef CB_CASHBOOK_H
#define CB_CASHBOOK_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define CB_VERSION "1.0.0" /* an area without a recorded version is at this one */
#define CB_VERSION_LEN 32
#define CB_WINDOW 300 /* seconds a signature's timestamp may be off */
#define CB_SECRET_MIN 32
#define CB_KEY_LEN 16    /* an area key: 16 lower-case hex digits */
#define CB_SIG_LEN 68    /* "v1=" + 64 hex digits + NUL */
#define CB_COOKIE_LEN 64 /* hex of 32 random bytes */
#define CB_BODY_MAX 65536
#define CB_COMMENT_MAX 500
#define CB_AMOUNT_MAX 10000000000000LL /* 10^13 kopecks */

/* Set once by main() before the server starts, read-only afterwards. */
struct cb_config {
    const char *listen, *oblako, *secret, *data, *public_url;
    const char *oblako_path; /* the path part of oblako ("" or "/prefix") */
    int secure_cookie;       /* public_url is https */
    const char *versions;    /* --versions: what this server installs, the first for new areas */
};
extern struct cb_config cb_config;

/* --- main.c: logging and small helpers --- */
void cb_log(const char *level, const char *msg, const char *fmt, ...);
void *cb_xmalloc(size_t n);
char *cb_xstrdup(const char *s);
char *cb_xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* --- http.c: a request and its response --- */
struct cb_req;
struct cb_resp {
    unsigned status;
    const char *type; /* Content-Type */
    char *body;       /* malloc'ed unless persistent */
    size_t len;
    int persistent;          /* body is static */
    char *location, *cookie; /* malloc'ed or NULL */
};

const char *cb_req_method(const struct cb_req *r);
const char *cb_req_path(const struct cb_req *r);   /* raw, without the query */
const char *cb_req_target(const struct cb_req *r); /* raw PATH?QUERY as sent */
const char *cb_req_header(const struct cb_req *r, const char *name);
const char *cb_req_arg(const struct cb_req *r, const char *name);
const char *cb_req_cookie(const struct cb_req *r, const char *name);
const char *cb_req_body(const struct cb_req *r, size_t *len);

void cb_reply_json(struct cb_resp *out, unsigned status, json_t *j); /* steals j */
void cb_reply_problem(struct cb_resp *out, unsigned status, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
json_t *cb_problem_new(unsigned status, const char *detail);
void cb_reply_html(struct cb_resp *out, unsigned status, const struct cb_req *r,
                   const char *title_en, const char *text_en, const char *title_ru,
                   const char *text_ru);

int cb_http_start(const char *listen, int *port_out);
void cb_http_stop(void);

/* --- api.c --- */
void cb_route(const struct cb_req *r, struct cb_resp *out);

/* --- sign.c: signatures and the calls to Oblako --- */
void cb_sign(const char *secret, const char *method, const char *pathq, int64_t ts,
             const void *body, size_t len, char out[CB_SIG_LEN]);
/* 0 when the signature is good at real time now; -1 with *why otherwise. */
int cb_verify(const char *secret, const char *ts, const char *sig, const char *method,
              const char *pathq, const void *body, size_t len, int64_t now, const char **why);

struct cb_answer {
    long status;  /* 0: no answer (err says why) */
    json_t *json; /* the parsed body, or NULL */
    char err[160];
};
/* METHOD pathq on Oblako as application app, signed, without a body.
 * Returns 0 with an answer of any status, -1 with out->err when none. */
int cb_oblako_call(const char *app, const char *method, const char *pathq, struct cb_answer *out);
/* The same with a JSON body (NULL: none). */
int cb_oblako_send(const char *app, const char *method, const char *pathq, const char *json,
                   struct cb_answer *out);
void cb_answer_clear(struct cb_answer *a);
void cb_sign_global_init(void);
void cb_sign_global_cleanup(void);

/* --- store.c: the registry and the areas' files --- */
enum { CB_OK = 0, CB_EDB = -1, CB_ENOTFOUND = -2, CB_ECONFLICT = -3 };

int cb_key_valid(const char *key);
int cb_store_init(const char *dir);
/* 1 created, 0 existed; CB_ECONFLICT: the key belongs to another application. */
/* Fill a new area with sample entries over the last month (the demo
 * content Oblako asks for with "demo": true). */
int cb_area_demo(const char *key);
int cb_area_create(const char *key, const char *app, const char *name, int test,
                   int64_t subscriber);
int cb_area_delete(const char *key, const char *app);
/* CB_OK when the area is registered to application app. */
int cb_area_check(const char *key, const char *app);

int cb_entries_list(const char *key, const char *after_date, int64_t after_id, int limit,
                    json_t **out);
int cb_entry_add(const char *key, const char *date, int64_t amount, const char *comment,
                 json_t **item);
int cb_entry_delete(const char *key, int64_t id);
/* One receipt of cash register `reg` (of `model`) on `day`; *registers gets
 * the day's counts of every register of the area, [{id, model, receipts}]. */
int cb_receipt_add(const char *key, const char *reg, const char *model, const char *day,
                   json_t **registers);


/* --- version.c: the versions installed here and each area's version --- */
/* Parse --versions ("1.0.0,1.1.0"; NULL or "": CB_VERSION alone): 0, or -1. */
int cb_versions_set(const char *list);
const char *cb_version_default(void);
json_t *cb_versions_json(void);
/* The area's version (CB_VERSION when its file has none recorded). */
int cb_area_version(const char *key, char out[CB_VERSION_LEN]);
int cb_area_version_set(const char *key, const char *version);
/* GET or PUT /oblako/areas/{key}/version, signed by application app. */
void cb_version_call(const char *app, const char *key, const char *method, const char *body,
                     size_t len, struct cb_resp *out);

/* --- session.c: the backend's own sessions, in memory --- */
struct cb_session {
    char cookie[CB_COOKIE_LEN + 1];
    int64_t id; /* Oblako's session id */
    char *app, *area, *area_name, *app_name, *app_name_ru, *person;
    int heartbeat_seconds;
    char state[16]; /* open, closed, expired, blocked */
    int64_t used;   /* real time of the last use */
};

/* Add s (its strings are copied) under a new random cookie, written to s->cookie. */
void cb_sessions_add(struct cb_session *s);
/* Copy the session of cookie into out (free with cb_session_clear): 0, or -1. */
int cb_sessions_get(const char *cookie, struct cb_session *out);
void cb_sessions_set_state(const char *cookie, const char *state);
void cb_session_clear(struct cb_session *s);
void cb_sessions_free(void);

/* --- usage.c: cash registers and their receipts, reported to Oblako (R-CAT-6) --- */
void cb_receipts_add(const struct cb_req *r, const struct cb_session *s, struct cb_resp *out);

#endif
