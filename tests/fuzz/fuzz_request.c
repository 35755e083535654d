/*
 * fuzz_request.c — libFuzzer target over the whole request path, signed in.
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
 * Past the door: at start-up the database gets the standard catalog and the
 * demo data (src/demo.c: partners, subscribers, users, tariffs, an ITS
 * contract, data areas), and three people sign in through the API itself:
 * the provider's admin, the owner of the partner Альфа Софт and the owner
 * of its client ООО Ромашка. Each gets a session cookie, its CSRF token and
 * an API token. Before an input is parsed, its placeholders are replaced:
 * @COOKIE@, @CSRF@, @BEARER@ and @TOKEN@ (the token's id) are the admin's,
 * @PCOOKIE@ … the partner owner's, @SCOOKIE@ … the subscriber owner's;
 * @PARTNER@, @SUBSCRIBER@, @AREA@ and the other names of learn_ids() are ids
 * and codes of demo objects. tests/fuzz/gen_corpus.py writes seeds that use
 * them, one set per route.
 *
 * An input may take the access it runs with away (log out, revoke the token,
 * remove a member, change a password), so the database is snapshotted right
 * after the sign-ins (a copy of the file with the connection closed) and put
 * back every RESTORE_EVERY inputs. Sessions are made to last (idle and
 * maximum ages of years), so the snapshot's cookies stay good however long
 * the run; the test clock is put back after every move.
 *
 * Besides what ASan, UBSan and LeakSanitizer catch, the target checks a few
 * invariants of every response and aborts when one fails (see check()).
 *
 * Build and run: make fuzz-build && make fuzz FUZZ_SECONDS=60. To see what
 * the seeds do: OB_FUZZ_VERBOSE=1 build/fuzz/fuzz_request -runs=0 DIR
 * (OB_FUZZ_LOG=debug adds the server's log, OB_FUZZ_RESTORE_EVERY=N puts the
 * snapshot back every N inputs instead).
 * `make fuzz-coverage` counts the routes the committed corpus reaches.
 */
#include <errno.h>
#include <fcntl.h>
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
#include "base/ctx.h"
#include "base/date.h"
#include "base/err.h"
#include "base/log.h"
#include "base/rand.h"
#include "db/db.h"
#include "demo.h"
#include "http/http.h"
#include "model/areas/membership.h"
#include "model/catalog/catalog.h"
#include "model/core/setting.h"
#include "model/identity/authn.h"
#include "model/subscriptions/onboarding.h"

extern const struct ob_migration ob_migrations[];
extern const int ob_nmigrations;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_HEADERS 32
/* Small, so that inputs within libFuzzer's default -max_len (4096) pass it. */
#define BODY_MAX 1024
#define RESTORE_EVERY 10000
#define DEMO_PASSWORD "demo-password"   /* src/demo.c's */

static struct ob_config cfg;
static struct ob_db *db;
static char dir[64];
static unsigned long runs;
static unsigned long restore_every = RESTORE_EVERY; /* OB_FUZZ_RESTORE_EVERY=N overrides */
static bool verbose;      /* OB_FUZZ_VERBOSE=1: one line per request on stderr */

struct headers {
    struct ob_kv kv[MAX_HEADERS];
    int n;
};

/* The people signed in at start-up; their placeholders are PREFIX + COOKIE,
 * CSRF and BEARER. */
static struct person {
    const char *email, *prefix;
    char cookie[160], csrf[80], bearer[80];
    int64_t token;
} people[] = {
    { .email = "admin@demo.oblako.test", .prefix = "" },
    { .email = "owner@alfa-soft.test", .prefix = "P" },
    { .email = "director@romashka.test", .prefix = "S" },
};
#define NPEOPLE (sizeof(people) / sizeof(people[0]))

/* The placeholders and what replaces them. */
struct sub {
    char name[24];
    char value[200];
};
static struct sub subs[64];
static int nsubs;

static void
die(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_request: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(1);
}

static void
db_path(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/%s", dir, name);
}

/* fuzz.db's companions that SQLite may leave: -wal, -shm, -journal */
static void
unlink_companions(void)
{
    static const char *const files[] = { "fuzz.db-wal", "fuzz.db-shm", "fuzz.db-journal" };
    char path[128];

    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        db_path(path, sizeof(path), files[i]);
        unlink(path);
    }
}

static void
cleanup(void)
{
    char path[128];

    ob_db_close(db);
    db = NULL;
    if (!dir[0])
        return;
    unlink_companions();
    db_path(path, sizeof(path), "fuzz.db");
    unlink(path);
    db_path(path, sizeof(path), "snapshot.db");
    unlink(path);
    rmdir(dir);
}

static void
open_db(void)
{
    struct ob_err err = { 0 };
    struct ob_db_opts opts = { 0 };

    opts.busy_timeout_ms = cfg.busy_timeout_ms;
    if (ob_db_open(cfg.db, &opts, &db, &err) != 0)
        die("ob_db_open", err.message);
}

static void
copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
    char buf[65536];
    size_t n;

    if (!in || !out)
        die("cannot copy the database", strerror(errno));
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
        if (fwrite(buf, 1, n, out) != n)
            die("cannot copy the database", strerror(errno));
    if (ferror(in) || fclose(out) != 0)
        die("cannot copy the database", strerror(errno));
    fclose(in);
}

/* With the connection closed SQLite has checkpointed its WAL into the main
 * file, so a copy of that file is the whole database. The copy put back
 * gets a new inode (written aside, renamed over): SQLite shares its locks
 * and WAL index between the connections of a process by inode, and one
 * closed while a statement of it was still open lives on until that
 * statement ends. */
static void
snapshot(bool take)
{
    char live[128], snap[128], next[128];

    db_path(live, sizeof(live), "fuzz.db");
    db_path(snap, sizeof(snap), "snapshot.db");
    db_path(next, sizeof(next), "fuzz.db.next");
    ob_db_close(db);
    db = NULL;
    if (take) {
        copy_file(live, snap);
    } else {
        unlink_companions();
        copy_file(snap, next);
        if (rename(next, live) != 0)
            die("cannot put the snapshot back", strerror(errno));
    }
    open_db();
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

static void
sub_add(const char *name, const char *value)
{
    if (nsubs == (int)(sizeof(subs) / sizeof(subs[0])))
        die("too many placeholders", name);
    snprintf(subs[nsubs].name, sizeof(subs[nsubs].name), "%s", name);
    snprintf(subs[nsubs].value, sizeof(subs[nsubs].value), "%s", value);
    nsubs++;
}

/* ---- start-up: data, sign-ins, ids ------------------------------------------------------ */

/* One request of the start-up, as a client would send it; dies unless the
 * answer is `want`. Returns the parsed JSON body (the caller frees it). */
static json_t *
call(const char *method, const char *uri, const struct person *who, const char *body, int want,
     struct ob_resp *resp)
{
    struct headers h = { .n = 0 };
    struct ob_http_in in = { 0 };
    char cookie[200];
    json_error_t je;
    json_t *v;

    h.kv[h.n++] = (struct ob_kv){ "Content-Type", "application/json" };
    if (who) {
        snprintf(cookie, sizeof(cookie), "%s=%s", OB_SESSION_COOKIE, who->cookie);
        h.kv[h.n++] = (struct ob_kv){ "Cookie", cookie };
        h.kv[h.n++] = (struct ob_kv){ "X-CSRF-Token", who->csrf };
    }
    in.method = method;
    in.uri = uri;
    in.header = header;
    in.hctx = &h;
    in.remote_addr = "127.0.0.1";
    in.get_db = get_db;
    in.body = body;
    in.body_len = body ? strlen(body) : 0;
    ob_http_resp_init(resp);
    ob_http_dispatch(&cfg, &in, resp);
    if (resp->status != want) {
        fprintf(stderr, "fuzz_request: %s %s answered %d: %.*s\n", method, uri, resp->status,
                (int)resp->body.len, resp->body.p ? resp->body.p : "");
        exit(1);
    }
    v = json_loadb(resp->body.p ? resp->body.p : "", resp->body.len, 0, &je);
    if (!v)
        die("not JSON", uri);
    return v;
}

/* Sign in, keep the cookie and CSRF token, make an API token with every
 * role of the first account. */
static void
sign_in(struct person *p)
{
    struct ob_resp resp;
    json_t *me, *acc, *roles, *role, *tok;
    char body[512], names[200] = "", *at;
    const char *cookie = NULL;
    size_t i;

    snprintf(body, sizeof(body), "{\"email\": \"%s\", \"password\": \"%s\"}", p->email,
             DEMO_PASSWORD);
    me = call("POST", "/api/v1/auth/login", NULL, body, 200, &resp);
    for (int k = 0; k < resp.nheaders; k++)
        if (!strcmp(resp.headers[k].name, "Set-Cookie"))
            cookie = resp.headers[k].value;
    if (!cookie || strncmp(cookie, OB_SESSION_COOKIE "=", strlen(OB_SESSION_COOKIE) + 1))
        die("no session cookie for", p->email);
    snprintf(p->cookie, sizeof(p->cookie), "%s", cookie + strlen(OB_SESSION_COOKIE) + 1);
    if ((at = strchr(p->cookie, ';')))
        *at = '\0';
    snprintf(p->csrf, sizeof(p->csrf), "%s", json_string_value(json_object_get(me, "csrf")));
    ob_http_resp_free(&resp);

    acc = json_array_get(json_object_get(me, "accounts"), 0);
    roles = json_object_get(acc, "roles");
    json_array_foreach(roles, i, role) {
        size_t used = strlen(names);
        snprintf(names + used, sizeof(names) - used, "%s%s", used ? "," : "",
                 json_string_value(role));
    }
    snprintf(body, sizeof(body), "{\"name\": \"fuzz\", \"account\": %lld, \"roles\": \"%s\"}",
             (long long)json_integer_value(json_object_get(acc, "id")), names);
    json_decref(me);
    tok = call("POST", "/api/v1/tokens", p, body, 201, &resp);
    snprintf(p->bearer, sizeof(p->bearer), "%s", json_string_value(json_object_get(tok, "token")));
    p->token = json_integer_value(json_object_get(tok, "id"));
    json_decref(tok);
    ob_http_resp_free(&resp);
}

/* Ids and codes of the demo objects, for the placeholders. An object the
 * demo does not make (a request, a grant) gets id 1: the route still runs
 * its handler, which answers 404. */
static void
learn_ids(void)
{
    static const struct {
        const char *name, *sql;
        bool text;
    } ids[] = {
        { "PARTNER", "SELECT account_id FROM partners WHERE inn = '7707083893'", false },
        { "SUBSCRIBER", "SELECT id FROM accounts WHERE name = 'ООО Ромашка'", false },
        { "PERSON", "SELECT id FROM persons WHERE email = 'buh@romashka.test'", false },
        { "EMPLOYEE", "SELECT id FROM persons WHERE email = 'operator@alfa-soft.test'", false },
        { "STATUS", "SELECT MIN(id) FROM partner_statuses", false },
        { "QUESTIONNAIRE", "SELECT MIN(id) FROM partner_applications", false },
        { "REQUEST", "SELECT MIN(id) FROM requests", false },
        { "INVITE", "SELECT MIN(id) FROM member_invites", false },
        { "TARIFF", "SELECT MIN(id) FROM tariffs WHERE partner_id IS NULL", false },
        { "PTARIFF", "SELECT MIN(id) FROM tariffs WHERE partner_id IS NOT NULL", false },
        { "CONTRACT", "SELECT MIN(id) FROM its_contracts", false },
        { "SUBSCRIPTION", "SELECT MIN(id) FROM subscriptions", false },
        { "AREA", "SELECT MIN(id) FROM areas", false },
        { "GRANT", "SELECT MIN(id) FROM area_grants", false },
        { "SESSION", "SELECT MIN(id) FROM app_sessions", false },
        { "APP", "SELECT code FROM applications ORDER BY id LIMIT 1", true },
        { "PROMO", "SELECT code FROM promotions ORDER BY id LIMIT 1", true },
        { "LEAVE", "SELECT code FROM leave_reasons ORDER BY code LIMIT 1", true },
    };
    char text[200], num[24];

    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        int64_t id = 0;
        int rc;

        text[0] = '\0';
        rc = ids[i].text ? ob_db_get_text(db, text, sizeof(text), ids[i].sql, "")
                         : ob_db_get_int(db, &id, ids[i].sql, "");
        if (rc < 0)
            die(ids[i].sql, ob_db_errmsg(db));
        snprintf(num, sizeof(num), "%lld", (long long)(id > 0 ? id : 1));
        sub_add(ids[i].name, ids[i].text ? (text[0] ? text : "x") : num);
    }
}

static void
seed_demo(void)
{
    struct ob_catalog_load_stats st;
    struct ob_ctx ctx;
    int rc;

    ob_ctx_init(&ctx, db, &cfg);
    ctx.actor.system = true;
    snprintf(ctx.request_id, sizeof(ctx.request_id), "fuzz");
    rc = ob_setting_check_tz(&ctx, cfg.tz);
    if (rc == 0)
        rc = ob_catalog_load_standard(&ctx, &st);
    if (rc == 0) {
        /* it prints the demo's logins: not here */
        int out = dup(STDOUT_FILENO), null = open("/dev/null", O_WRONLY);

        fflush(stdout);
        if (out < 0 || null < 0 || dup2(null, STDOUT_FILENO) < 0)
            die("cannot silence stdout", strerror(errno));
        rc = ob_demo_seed(&ctx);
        fflush(stdout);
        dup2(out, STDOUT_FILENO);
        close(out);
        close(null);
    }
    if (rc != 0)
        die("the demo data", ctx.err.message);
    ob_ctx_release(&ctx);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct ob_err err = { 0 };
    const char *tmp = getenv("TMPDIR");
    char name[32], num[24];

    (void)argc;
    (void)argv;
    if (ob_rand_init() != 0)
        die("ob_rand_init failed", NULL);
    ob_subscriptions_init();
    ob_areas_init();
    if (ob_config_load(&cfg, OB_CMD_SERVE, 0, NULL, NULL, NULL, &err) != 0)
        die("ob_config_load", err.message);
    if (ob_tz_set(cfg.tz, &err) != 0)
        die("ob_tz_set", err.message);
    cfg.test_clock = true;      /* the test routes, and cheap password hashes */
    cfg.body_max = BODY_MAX;
    cfg.require_totp = false;   /* provider staff act without a second factor */
    cfg.session_idle_minutes = 60 * 24 * 365 * 10;
    cfg.session_max_hours = 24 * 365 * 10;
    /* the demo's data areas need an application backend; none is called */
    snprintf(cfg.demo_app_url, sizeof(cfg.demo_app_url), "http://127.0.0.1:9");
    snprintf(cfg.demo_app_secret, sizeof(cfg.demo_app_secret),
             "fuzz-backend-secret-of-at-least-32-bytes");
    ob_log_set_level(getenv("OB_FUZZ_LOG") ? getenv("OB_FUZZ_LOG") : "error");
    verbose = getenv("OB_FUZZ_VERBOSE") && !strcmp(getenv("OB_FUZZ_VERBOSE"), "1");
    if (getenv("OB_FUZZ_RESTORE_EVERY") && strtoul(getenv("OB_FUZZ_RESTORE_EVERY"), NULL, 10))
        restore_every = strtoul(getenv("OB_FUZZ_RESTORE_EVERY"), NULL, 10);

    snprintf(dir, sizeof(dir), "%s/oblako-fuzz.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        dir[0] = '\0';
        die("mkdtemp", strerror(errno));
    }
    atexit(cleanup);
    snprintf(cfg.db, sizeof(cfg.db), "sqlite:%s/fuzz.db", dir);
    open_db();
    if (ob_db_migrate(db, ob_migrations, ob_nmigrations, NULL, &err) != 0)
        die("ob_db_migrate", err.message);
    seed_demo();
    for (size_t i = 0; i < NPEOPLE; i++) {
        struct person *p = &people[i];

        sign_in(p);
        snprintf(name, sizeof(name), "%sCOOKIE", p->prefix);
        sub_add(name, p->cookie);
        snprintf(name, sizeof(name), "%sCSRF", p->prefix);
        sub_add(name, p->csrf);
        snprintf(name, sizeof(name), "%sBEARER", p->prefix);
        sub_add(name, p->bearer);
        snprintf(name, sizeof(name), "%sTOKEN", p->prefix);
        snprintf(num, sizeof(num), "%lld", (long long)p->token);
        sub_add(name, num);
    }
    learn_ids();
    snapshot(true);
    return 0;
}

/* ---- one input -------------------------------------------------------------------------- */

/* The input with its placeholders replaced, NUL-terminated; *len is its
 * length. A '@' that starts no known placeholder stays as it is. */
static char *
expand(const uint8_t *data, size_t size, size_t *len)
{
    size_t cap = size + 1, n = 0;
    char *out = malloc(cap);

    if (!out)
        abort();
    for (size_t i = 0; i < size;) {
        const char *add = NULL;
        size_t skip = 1, alen = 1;

        if (data[i] == '@') {
            for (int k = 0; k < nsubs && !add; k++) {
                size_t nl = strlen(subs[k].name);

                if (i + nl + 1 < size && data[i + nl + 1] == '@' &&
                    !memcmp(data + i + 1, subs[k].name, nl)) {
                    add = subs[k].value;
                    alen = strlen(add);
                    skip = nl + 2;
                }
            }
        }
        if (n + alen + 1 > cap) {
            cap = (n + alen + 1) * 2;
            if (!(out = realloc(out, cap)))
                abort();
        }
        memcpy(out + n, add ? add : (const char *)data + i, alen);
        n += alen;
        i += skip;
    }
    out[n] = '\0';
    *len = n;
    return out;
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

/* Pages a person opens in a browser (the hosted registration page and the
 * sign-in link, issue 14) explain an error as an HTML page; every other
 * route as problem+json. */
static bool
html_page(const char *uri)
{
    size_t n = strcspn(uri, "?#");

    return (n > 3 && !strncmp(uri, "/r/", 3)) || (n == 10 && !strncmp(uri, "/auth/link", 10));
}

/* What every response must be, whatever the request. */
static void
check(const struct ob_resp *resp, const char *uri)
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
    if (resp->status >= 400 && html_page(uri) &&
        !strcmp(resp->content_type, "text/html; charset=utf-8")) {
        /* A page that says what went wrong, in the person's language. */
        invariant(resp->body.len > 15 && !strncmp(resp->body.p, "<!doctype html>", 15),
                  "an HTML error that is not a page", resp);
    } else if (resp->status >= 400) {
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
    size_t len;
    char *text = expand(data, size, &len);
    const char *p = text, *end = p + len;
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
    check(&resp, uri);
    clock_moved = resp.status == 200 && !strcmp(method, "POST");
    ob_http_resp_free(&resp);

    free(body);
    for (int i = 0; i < nlines; i++)
        free(lines[i]);
    free(uri);
    free(method);
    free(text);

    /* The clock only moves forward: put it back after a successful move, so
     * every input starts from the real time (and a crash replays alone). */
    if (clock_moved &&
        ob_db_exec(db, "DELETE FROM settings WHERE key = 'clock_offset';") != 0)
        die("clock reset", ob_db_errmsg(db));
    /* Inputs may have taken the signed-in people's access away (and the
     * test routes write rows): start again from the snapshot. */
    if (++runs % restore_every == 0)
        snapshot(false);
    return 0;
}
