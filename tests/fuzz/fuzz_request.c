/*
 * fuzz_request.c — libFuzzer target over the whole request path.
 *
 * The input is one request, written as text:
 *
 *     METHOD\n
 *     URI (path and query, raw)\n
 *     Name: value\n          (headers, any number, until an empty line)
 *     \n
 *     body (the rest of the input, bytes as they are)
 *
 * A trailing '\r' is dropped from the method, URI and header lines. Missing
 * parts are empty. The request goes through the real ob_http_dispatch with a
 * real SQLite database (migrated at start-up, in a temporary directory) and
 * a configuration of defaults with the test routes on and a small body cap,
 * so 413s are reachable. As the server does, a body past the cap, or a
 * Content-Length that declares one, is dropped and flagged too_large.
 *
 * Besides what ASan, UBSan and LeakSanitizer catch, the target checks a few
 * invariants of every response and aborts when one fails (see check()).
 *
 * Build and run: make fuzz-build && make fuzz FUZZ_SECONDS=60. To see what
 * the seeds do: OB_FUZZ_VERBOSE=1 build/fuzz/fuzz_request -runs=0 DIR.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "api/api.h"
#include "base/config.h"
#include "base/date.h"
#include "base/err.h"
#include "base/log.h"
#include "base/rand.h"
#include "db/db.h"
#include "http/http.h"
#include "model/areas/membership.h"
#include "model/subscriptions/onboarding.h"

extern const struct ob_migration ob_migrations[];
extern const int ob_nmigrations;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_HEADERS 32
/* Small, so that inputs within libFuzzer's default -max_len (4096) pass it. */
#define BODY_MAX 1024
#define CLEANUP_EVERY 10000

static struct ob_config cfg;
static struct ob_db *db;
static char dir[64];
static unsigned long runs;
static bool verbose;      /* OB_FUZZ_VERBOSE=1: one line per request on stderr */

struct headers {
    struct ob_kv kv[MAX_HEADERS];
    int n;
};

static void
die(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_request: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(1);
}

static void
cleanup(void)
{
    char path[128];

    ob_db_close(db);
    db = NULL;
    if (!dir[0])
        return;
    /* fuzz.db and SQLite's companions (-wal, -shm, -journal) */
    static const char *const files[] = { "fuzz.db", "fuzz.db-wal", "fuzz.db-shm",
                                         "fuzz.db-journal" };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct ob_err err = { 0 };
    struct ob_db_opts opts = { 0 };
    char url[128];
    const char *tmp = getenv("TMPDIR");

    (void)argc;
    (void)argv;
    if (ob_rand_init() != 0)
        die("ob_rand_init failed", NULL);
    if (ob_tz_set("Europe/Moscow", &err) != 0)
        die("ob_tz_set", err.message);
    ob_subscriptions_init();
    ob_areas_init();
    if (ob_config_load(&cfg, OB_CMD_SERVE, 0, NULL, NULL, NULL, &err) != 0)
        die("ob_config_load", err.message);
    cfg.test_clock = true;
    cfg.body_max = BODY_MAX;
    ob_log_set_level("error");
    verbose = getenv("OB_FUZZ_VERBOSE") && !strcmp(getenv("OB_FUZZ_VERBOSE"), "1");

    snprintf(dir, sizeof(dir), "%s/oblako-fuzz.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        dir[0] = '\0';
        die("mkdtemp", strerror(errno));
    }
    atexit(cleanup);
    snprintf(url, sizeof(url), "sqlite:%s/fuzz.db", dir);
    snprintf(cfg.db, sizeof(cfg.db), "%s", url);
    opts.busy_timeout_ms = cfg.busy_timeout_ms;
    if (ob_db_open(url, &opts, &db, &err) != 0)
        die("ob_db_open", err.message);
    if (ob_db_migrate(db, ob_migrations, ob_nmigrations, NULL, &err) != 0)
        die("ob_db_migrate", err.message);
    return 0;
}

static struct ob_db *
get_db(void *dbctx)
{
    (void)dbctx;
    return db;
}

static const char *
header(void *hctx, const char *name)
{
    const struct headers *h = hctx;

    for (int i = 0; i < h->n; i++)
        if (!strcasecmp(h->kv[i].name, name))
            return h->kv[i].value;
    return NULL;
}

/* The next line of [*p, end) as a NUL-terminated copy without "\r\n";
 * *p moves past the '\n'. */
static char *
next_line(const char **p, const char *end)
{
    const char *s = *p, *nl = memchr(s, '\n', (size_t)(end - s));
    size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
    char *line;

    *p = nl ? nl + 1 : end;
    if (n > 0 && s[n - 1] == '\r')
        n--;
    line = malloc(n + 1);
    if (!line)
        abort();
    memcpy(line, s, n);
    line[n] = '\0';
    return line;
}

/* Fail loudly: libFuzzer reports the abort with the input. */
static void
invariant(bool ok, const char *what, const struct ob_resp *resp)
{
    if (ok)
        return;
    fprintf(stderr, "fuzz_request: invariant failed: %s (status %d, body %.*s)\n", what,
            resp->status, (int)(resp->body.len > 512 ? 512 : resp->body.len),
            resp->body.p ? resp->body.p : "");
    abort();
}

/* What every response must be, whatever the request. */
static void
check(const struct ob_resp *resp)
{
    bool has_id = false;

    invariant(resp->status >= 200 && resp->status <= 599, "status out of range", resp);
    invariant(resp->content_type != NULL, "no content type", resp);
    invariant(resp->json == NULL, "json left unrendered", resp);
    for (int i = 0; i < resp->nheaders; i++) {
        invariant(resp->headers[i].name && resp->headers[i].value, "NULL header", resp);
        if (!strcmp(resp->headers[i].name, "X-Request-Id"))
            has_id = true;
    }
    invariant(has_id, "no X-Request-Id", resp);
    if (resp->status >= 400) {
        /* An error is always explained, as problem+json that parses. */
        json_error_t je;
        json_t *p;

        invariant(!strcmp(resp->content_type, "application/problem+json"),
                  "error without problem+json", resp);
        p = json_loadb(resp->body.p ? resp->body.p : "", resp->body.len, 0, &je);
        invariant(json_is_object(p), "problem body is not a JSON object", resp);
        invariant(json_integer_value(json_object_get(p, "status")) == resp->status,
                  "problem status differs from the response's", resp);
        json_decref(p);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    char *method, *uri, *lines[MAX_HEADERS];
    char *body = NULL;
    size_t body_len;
    int nlines = 0;
    struct headers h = { .n = 0 };
    struct ob_http_in in = { 0 };
    struct ob_resp resp;
    const char *cl;
    bool clock_moved;

    method = next_line(&p, end);
    uri = next_line(&p, end);
    while (p < end) {
        char *line = next_line(&p, end), *colon;

        if (!line[0]) {
            free(line);
            break;
        }
        if (nlines == MAX_HEADERS || !(colon = strchr(line, ':'))) {
            free(line);
            continue;
        }
        lines[nlines++] = line;
        *colon = '\0';
        colon++;
        while (*colon == ' ' || *colon == '\t')
            colon++;
        h.kv[h.n].name = line;
        h.kv[h.n].value = colon;
        h.n++;
    }
    body_len = (size_t)(end - p);

    in.method = method;
    in.uri = uri;
    in.header = header;
    in.hctx = &h;
    in.remote_addr = "127.0.0.1";
    in.get_db = get_db;
    /* As the server: a declared or actual length past the cap drops the body. */
    cl = header(&h, "Content-Length");
    if ((cl && strtoll(cl, NULL, 10) > cfg.body_max) || body_len > (size_t)cfg.body_max) {
        in.too_large = true;
    } else if (body_len > 0) {
        /* An exact copy, not NUL-terminated, so reads past the end are caught. */
        body = malloc(body_len);
        if (!body)
            abort();
        memcpy(body, p, body_len);
        in.body = body;
        in.body_len = body_len;
    }

    ob_http_resp_init(&resp);
    ob_http_dispatch(&cfg, &in, &resp);
    if (verbose)
        fprintf(stderr, "fuzz_request: %s %s -> %d %.*s\n", method, uri, resp.status,
                (int)(resp.body.len > 300 ? 300 : resp.body.len), resp.body.p ? resp.body.p : "");
    check(&resp);
    clock_moved = resp.status == 200 && !strcmp(method, "POST");
    ob_http_resp_free(&resp);

    free(body);
    for (int i = 0; i < nlines; i++)
        free(lines[i]);
    free(uri);
    free(method);

    /* The clock only moves forward: put it back after a successful move, so
     * every input starts from the real time (and a crash replays alone). */
    if (clock_moved &&
        ob_db_exec(db, "DELETE FROM settings WHERE key = 'clock_offset';") != 0)
        die("clock reset", ob_db_errmsg(db));
    /* The test routes write rows: keep the database small. */
    if (++runs % CLEANUP_EVERY == 0 &&
        ob_db_exec(db, "DELETE FROM tasks; DELETE FROM test_notes;") != 0)
        die("cleanup", ob_db_errmsg(db));
    return 0;
}
