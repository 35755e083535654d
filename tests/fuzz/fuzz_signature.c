/*
 * fuzz_signature.c — libFuzzer target for the verification of application
 * backends' signed requests (ob_backend_verify, src/model/areas/backend.c).
 *
 * A signed request is how an application backend acts on sessions without a
 * person (docs/app-backend.md): its headers X-Oblako-App, X-Oblako-Timestamp
 * and X-Oblako-Signature reach the verifier as sent. The input is
 *
 *     APP\n TIMESTAMP\n SIGNATURE\n METHOD\n PATH?QUERY\n BODY (the rest)
 *
 * (missing parts are empty). The database is a migrated SQLite file in a
 * temporary directory with one application, "fuzzapp", that has a backend
 * secret; "now" is a fixed time, so that an input replays alike.
 *
 * Each input is checked twice (see check_fuzzed() and check_round_trip()):
 * the fuzzed signature must be refused with OB_EUNAUTH and a message unless
 * it is exactly the right one for a known application inside the window;
 * and the right signature of the fuzzed method, path and body, made with
 * ob_backend_sign, must be accepted, and refused once a digit of it changes.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/config.h"
#include "base/ctx.h"
#include "base/err.h"
#include "base/rand.h"
#include "db/db.h"
#include "model/areas/backend.h"

extern const struct ob_migration ob_migrations[];
extern const int ob_nmigrations;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define APP "fuzzapp"
#define SECRET "fuzz-backend-secret-of-at-least-32-bytes"
#define NOW INT64_C(1800000000)

static struct ob_config cfg;
static struct ob_db *db;
static int64_t app_id;
static char dir[64];

static void
die(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_signature: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(1);
}

static void
cleanup(void)
{
    static const char *const files[] = { "fuzz.db", "fuzz.db-wal", "fuzz.db-shm" };
    char path[128];

    ob_db_close(db);
    db = NULL;
    if (!dir[0])
        return;
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
    const char *tmp = getenv("TMPDIR");
    char url[128];

    (void)argc;
    (void)argv;
    if (ob_rand_init() != 0)
        die("ob_rand_init failed", NULL);
    if (ob_config_load(&cfg, OB_CMD_SERVE, 0, NULL, NULL, NULL, &err) != 0)
        die("ob_config_load", err.message);
    snprintf(dir, sizeof(dir), "%s/oblako-fuzz-sig.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        dir[0] = '\0';
        die("mkdtemp", strerror(errno));
    }
    atexit(cleanup);
    snprintf(url, sizeof(url), "sqlite:%s/fuzz.db", dir);
    opts.busy_timeout_ms = cfg.busy_timeout_ms;
    if (ob_db_open(url, &opts, &db, &err) != 0)
        die("ob_db_open", err.message);
    if (ob_db_migrate(db, ob_migrations, ob_nmigrations, NULL, &err) != 0)
        die("ob_db_migrate", err.message);
    if (ob_db_run(db,
                  "INSERT INTO applications (code, name_ru, name_en, backend_url, backend_secret, "
                  "created_at, updated_at) "
                  "VALUES (?, 'fuzz', 'fuzz', 'http://127.0.0.1:9', ?, 0, 0)",
                  "tt", APP, SECRET) != 1 ||
        ob_db_get_int(db, &app_id, "SELECT id FROM applications WHERE code = ?", "t", APP) !=
            OB_DB_ROW)
        die("cannot add the application", ob_db_errmsg(db));
    return 0;
}

/* The next line of [*p, end) as a NUL-terminated copy without "\r\n". */
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

static void
invariant(bool ok, const char *what, const struct ob_ctx *ctx)
{
    if (ok)
        return;
    fprintf(stderr, "fuzz_signature: invariant failed: %s (rc %d, message '%s')\n", what,
            ctx->err.rc, ctx->err.message);
    abort();
}

static int
verify(struct ob_ctx *ctx, const char *app, const char *ts, const char *sig, const char *method,
       const char *pathq, const char *body, size_t len)
{
    ob_ctx_init(ctx, db, &cfg);
    return ob_backend_verify(ctx, app, ts, sig, method, pathq, body, len, NOW);
}

/* The signature as sent: accepted only when it is the right one. */
static void
check_fuzzed(const char *app, const char *ts, const char *sig, const char *method,
             const char *pathq, const char *body, size_t len)
{
    struct ob_ctx ctx;
    int rc = verify(&ctx, app, ts, sig, method, pathq, body, len);

    if (rc == 0) {
        char want[OB_BACKEND_SIG_LEN];

        ob_backend_sign(SECRET, method, pathq, strtoll(ts, NULL, 10), body, len, want);
        invariant(!strcmp(app, APP) && !strcmp(sig, want), "a wrong signature accepted", &ctx);
        invariant(ctx.actor.app == app_id, "accepted for another application", &ctx);
    } else {
        invariant(rc == OB_EUNAUTH && ctx.err.message[0], "a refusal other than 401", &ctx);
        invariant(ctx.actor.app == 0, "refused, but the actor is set", &ctx);
    }
    ob_ctx_release(&ctx);
}

/* The right signature at a time inside the window: accepted; one digit
 * changed: refused. */
static void
check_round_trip(const char *method, const char *pathq, const char *body, size_t len)
{
    int64_t t = NOW + (int64_t)(len % (2 * OB_BACKEND_WINDOW + 1)) - OB_BACKEND_WINDOW;
    char sig[OB_BACKEND_SIG_LEN], ts[24];
    struct ob_ctx ctx;
    int rc;

    snprintf(ts, sizeof(ts), "%lld", (long long)t);
    ob_backend_sign(SECRET, method, pathq, t, body, len, sig);
    rc = verify(&ctx, APP, ts, sig, method, pathq, body, len);
    invariant(rc == 0 && ctx.actor.app == app_id, "the right signature refused", &ctx);
    ob_ctx_release(&ctx);

    sig[3 + len % 64] = sig[3 + len % 64] == '0' ? '1' : '0';
    rc = verify(&ctx, APP, ts, sig, method, pathq, body, len);
    invariant(rc == OB_EUNAUTH, "a changed signature accepted", &ctx);
    ob_ctx_release(&ctx);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    char *app = next_line(&p, end), *ts = next_line(&p, end), *sig = next_line(&p, end);
    char *method = next_line(&p, end), *pathq = next_line(&p, end);
    size_t len = (size_t)(end - p);
    /* an exact copy, so that a read past the body's end is caught */
    char *body = malloc(len ? len : 1);

    if (!body)
        abort();
    memcpy(body, p, len);
    check_fuzzed(app, ts, sig, method, pathq, body, len);
    check_round_trip(method, pathq, body, len);
    free(body);
    free(pathq);
    free(method);
    free(sig);
    free(ts);
    free(app);
    return 0;
}
