/*
 * main.c — oblako-cashbook: options, start, the wait for a signal, stop.
 *
 *   oblako-cashbook [--listen 127.0.0.1:8090] [--oblako http://127.0.0.1:8080]
 *                   [--secret SECRET] [--data DIR] [--public-url URL]
 *                   [--versions 1.0.0,1.1.0]
 *
 * Each option falls back to the environment (CASHBOOK_LISTEN,
 * CASHBOOK_OBLAKO_URL, CASHBOOK_SECRET, CASHBOOK_DATA, CASHBOOK_PUBLIC_URL,
 * CASHBOOK_VERSIONS)
 * and then to a default; the secret has none. SIGTERM and SIGINT are blocked
 * before any thread starts and taken by sigwait() here, so the handler is
 * ordinary code: stop the daemon (it waits for its threads), free, exit 0.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pthread.h>
#include <sqlite3.h>

#include "cashbook.h"
#include "base/banned.h"

struct cb_config cb_config;

void *
cb_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (!p)
        abort();
    return p;
}

char *
cb_xstrdup(const char *s)
{
    char *p;

    if (!s)
        return NULL;
    p = strdup(s);
    if (!p)
        abort();
    return p;
}

char *
cb_xprintf(const char *fmt, ...)
{
    va_list ap;
    char *p;

    va_start(ap, fmt);
    if (vasprintf(&p, fmt, ap) < 0)
        abort();
    va_end(ap);
    return p;
}

void
cb_log(const char *level, const char *msg, const char *fmt, ...)
{
    struct timespec ts;
    struct tm tm;
    char stamp[96], *text;
    json_t *line, *fields = NULL;
    va_list ap;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(stamp, sizeof(stamp), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             (int)(ts.tv_nsec / 1000000));
    line = json_pack("{s:s, s:s, s:s}", "ts", stamp, "level", level, "msg", msg);
    if (fmt) {
        va_start(ap, fmt);
        fields = json_vpack_ex(NULL, 0, fmt, ap);
        va_end(ap);
    }
    if (fields)
        json_object_update(line, fields);
    json_decref(fields);
    text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    json_decref(line);
    if (text) {
        size_t n = strlen(text);

        text[n] = '\n'; /* one write per line: lines of threads do not mix */
        if (write(STDERR_FILENO, text, n + 1) < 0) {
            /* nowhere left to report it */
        }
        free(text);
    }
}

static void
usage(FILE *f)
{
    fprintf(f,
            "usage: oblako-cashbook [--listen HOST:PORT] [--oblako URL] [--secret SECRET]\n"
            "                       [--data DIR] [--public-url URL] [--versions LIST]\n"
            "\n"
            "  --listen      address to serve on (CASHBOOK_LISTEN, 127.0.0.1:8090; port 0: any)\n"
            "  --oblako      Oblako's base URL (CASHBOOK_OBLAKO_URL, http://127.0.0.1:8080)\n"
            "  --secret      the applications' backend secret, at least %d characters\n"
            "                (CASHBOOK_SECRET; prefer the environment: argv is public)\n"
            "  --data        folder of the registry and the areas (CASHBOOK_DATA, "
            "./var/cashbook)\n"
            "  --public-url  the URL browsers use, when behind a proxy (CASHBOOK_PUBLIC_URL)\n"
            "  --versions    the application versions installed, comma-separated; new areas get\n"
            "                the first (CASHBOOK_VERSIONS, " CB_VERSION ")\n",
            CB_SECRET_MIN);
}

static int
bad(const char *fmt, const char *arg)
{
    fprintf(stderr, "oblako-cashbook: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n");
    return 2;
}

static int
is_http_url(const char *s)
{
    return !strncmp(s, "http://", 7) || !strncmp(s, "https://", 8);
}

/* A URL without its final slashes, and the path part of it. */
static char *
trim_url(const char *s, const char **path)
{
    char *u = cb_xstrdup(s);
    size_t n = strlen(u);
    char *p;

    while (n > 0 && u[n - 1] == '/')
        u[--n] = '\0';
    p = strchr(u + (u[4] == 's' ? 8 : 7), '/');
    if (path)
        *path = p ? p : "";
    return u;
}

static int
options(int argc, char **argv, char **owned)
{
    const char *oblako = getenv("CASHBOOK_OBLAKO_URL"), *pub = getenv("CASHBOOK_PUBLIC_URL");
    struct cb_config *c = &cb_config;

    c->listen = getenv("CASHBOOK_LISTEN");
    c->secret = getenv("CASHBOOK_SECRET");
    c->data = getenv("CASHBOOK_DATA");
    c->versions = getenv("CASHBOOK_VERSIONS");
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], **slot = NULL;

        if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
            usage(stdout);
            exit(0);
        }
        if (!strcmp(o, "--version")) {
            printf("oblako-cashbook %s\n", CB_VERSION);
            exit(0);
        }
        slot = !strcmp(o, "--listen")       ? &c->listen
               : !strcmp(o, "--oblako")     ? &oblako
               : !strcmp(o, "--secret")     ? &c->secret
               : !strcmp(o, "--data")       ? &c->data
               : !strcmp(o, "--public-url") ? &pub
               : !strcmp(o, "--versions")   ? &c->versions
                                            : NULL;
        if (!slot) {
            usage(stderr);
            return bad("unknown option '%s'", o);
        }
        if (i + 1 >= argc)
            return bad("option '%s' needs a value", o);
        *slot = argv[++i];
    }
    if (!c->listen || !*c->listen)
        c->listen = "127.0.0.1:8090";
    if (!c->data || !*c->data)
        c->data = "./var/cashbook";
    if (!oblako || !*oblako)
        oblako = "http://127.0.0.1:8080";
    if (!c->secret || !*c->secret)
        return bad("%s", "a secret is needed: --secret or CASHBOOK_SECRET");
    if (strlen(c->secret) < CB_SECRET_MIN)
        return bad("%s", "the secret must be at least 32 characters");
    if (cb_versions_set(c->versions) != 0)
        return bad("--versions '%s' is not a list like 1.0.0,1.1.0", c->versions);
    if (!is_http_url(oblako))
        return bad("--oblako '%s' is not an http:// or https:// URL", oblako);
    if (pub && *pub && !is_http_url(pub))
        return bad("--public-url '%s' is not an http:// or https:// URL", pub);
    c->oblako = owned[0] = trim_url(oblako, &c->oblako_path);
    if (pub && *pub) {
        c->public_url = owned[1] = trim_url(pub, NULL);
        c->secure_cookie = !strncmp(pub, "https://", 8);
    }
    return 0;
}

static void
listen_url(char *out, size_t size, int port)
{
    const char *colon = strrchr(cb_config.listen, ':');
    int hlen = (int)(colon - cb_config.listen);

    snprintf(out, size, "http://%.*s:%d", hlen, cb_config.listen, port);
}

int
main(int argc, char **argv)
{
    char *owned[2] = {NULL, NULL}, url[128];
    sigset_t stop;
    int rc, port = 0, sig = 0;

    if ((rc = options(argc, argv, owned)) != 0)
        return rc;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL); /* every thread inherits it */
    signal(SIGPIPE, SIG_IGN);
    cb_sign_global_init();
    if (cb_store_init(cb_config.data) != 0)
        rc = 1;
    else if ((rc = cb_http_start(cb_config.listen, &port)) != 0)
        rc = rc == -2 ? 2 : 1;
    if (rc == 0) {
        listen_url(url, sizeof(url), port);
        printf("cashbook listening on %s\n", url);
        fflush(stdout);
        cb_log("info", "listening", "{s:s, s:s, s:s, s:s}", "url", url, "oblako", cb_config.oblako,
               "data", cb_config.data, "version", CB_VERSION);
        sigwait(&stop, &sig);
        cb_log("info", "stopping", "{s:s}", "signal", sig == SIGINT ? "SIGINT" : "SIGTERM");
        cb_http_stop();
    }
    cb_sessions_free();
    cb_sign_global_cleanup();
    sqlite3_shutdown();
    free(owned[0]);
    free(owned[1]);
    return rc;
}
