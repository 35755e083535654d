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
 * signatures and the calls to Oblako), store.c (SQLite), backup.c (an area's
 * archive made and restored), copy.c (its export and import), session.c (cookies
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
#define CB_FILE_MAX (4LL << 30) /* a streamed body (an archive): at most 4 GiB */
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
    /* A body streamed from a file instead (an archive): has_fd set, fd is
     * closed by the response, fd_len bytes; sha256 (hex) and version go out
     * as X-Oblako-Sha256 and X-Oblako-Version when not empty. */
    int has_fd, fd;
    int64_t fd_len;
    char sha256[65], version[32];
};

const char *cb_req_method(const struct cb_req *r);
const char *cb_req_path(const struct cb_req *r);   /* raw, without the query */
const char *cb_req_target(const struct cb_req *r); /* raw PATH?QUERY as sent */
const char *cb_req_header(const struct cb_req *r, const char *name);
const char *cb_req_arg(const struct cb_req *r, const char *name);
const char *cb_req_cookie(const struct cb_req *r, const char *name);
const char *cb_req_body(const struct cb_req *r, size_t *len);
/* A body streamed to a spool file (the routes cb_route_streams names): its
 * path, its SHA-256 (hex) and size; NULL when the body was not spooled or
 * could not be. The file is removed after the response unless the handler
 * moved it away. */
const char *cb_req_file(const struct cb_req *r, const char **sha256, int64_t *len);

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
/* 1 when the body of METHOD path is an archive streamed to a file (up to
 * CB_FILE_MAX bytes) rather than held in memory (up to CB_BODY_MAX). */
int cb_route_streams(const char *method, const char *path);

/* --- backup.c: an area's archive (a consistent copy of its SQLite file) --- */
/* Copy the area's file consistently into the new file path. */
int cb_area_snapshot(const char *key, const char *path);
/* Make the area's content the file's, when it is a cash book area file;
 * CB_EINVALID with *why otherwise. */
int cb_area_load(const char *key, const char *path, const char **why);
/* Answer out with a consistent copy of area key of application app (the
 * spool file named by prefix), its SHA-256 and the area's own version: 0, or
 * -1 with the problem already in out. */
int cb_area_copy_reply(const char *app, const char *key, const char *prefix, struct cb_resp *out);
/* Load the archive a PUT brought into area key, checked against the
 * request's X-Oblako-Sha256: CB_OK; CB_EINVALID with *why; another CB_ code;
 * or -1 with the problem (no body, checksum) already in out. */
int cb_area_load_body(const struct cb_req *r, const char *app, const char *key, int64_t *len,
                      const char **why, struct cb_resp *out);
/* Answer an area's problem: 404 when it is not here, else 500. */
void cb_area_problem(struct cb_resp *out, int rc);
/* The spool directory (DIR/spool), for files on their way in or out. */
char *cb_spool_path(const char *prefix);
/* The hex SHA-256 of an open file's bytes from its start; -1 on a read error. */
int cb_file_sha256(int fd, char out[65], int64_t *len);
/* 1 when path is /oblako/areas/{key}/{call} with a valid key (into key). */
int cb_area_call(const char *path, const char *call, char key[CB_KEY_LEN + 1]);
void cb_backup(const char *app, const char *key, struct cb_resp *out);
void cb_restore(const struct cb_req *r, const char *app, const char *key, struct cb_resp *out);

/* --- copy.c: a copy for an on-premises installation, and an area made from one --- */
void cb_copy_export(const char *app, const char *key, struct cb_resp *out);
void cb_copy_import(const struct cb_req *r, const char *app, const char *key,
                    struct cb_resp *out);

/* --- sign.c: signatures and the calls to Oblako --- */
void cb_sign(const char *secret, const char *method, const char *pathq, int64_t ts,
             const void *body, size_t len, char out[CB_SIG_LEN]);
/* The same with the body's hash given (hex): for a body streamed to a file. */
void cb_sign_hash(const char *secret, const char *method, const char *pathq, int64_t ts,
                  const char *hash_hex, char out[CB_SIG_LEN]);
/* 0 when the signature is good at real time now; -1 with *why otherwise. */
int cb_verify(const char *secret, const char *ts, const char *sig, const char *method,
              const char *pathq, const void *body, size_t len, int64_t now, const char **why);
/* The same, checking hash_hex (when not NULL) as the body's hash. */
int cb_verify_hash(const char *secret, const char *ts, const char *sig, const char *method,
                   const char *pathq, const void *body, size_t len, const char *hash_hex,
                   int64_t now, const char **why);

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
enum { CB_OK = 0, CB_EDB = -1, CB_ENOTFOUND = -2, CB_ECONFLICT = -3, CB_EINVALID = -4 };

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
