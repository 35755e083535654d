/*
 * backend_io.c — signed calls to a backend whose bodies are files
 * (backend_io.h).
 *
 * One libcurl easy handle per call, like jobs/areas.c. The answer's status
 * is known when its first body bytes arrive (CURLINFO_RESPONSE_CODE): a 2xx
 * body goes to the file through a SHA-256 state, any other body (a problem)
 * into io->answer, so a 500's page never lands in a spool file. Headers are
 * read for X-Oblako-Sha256 and X-Oblako-Version; a redirect is not followed
 * (a backend answers where it is).
 *
 * The request's signature covers the body's hash: for a JSON body its
 * SHA-256, for a file the hash the caller gives (ob_backend_sign_hash), so a
 * file is read once, by libcurl, while it is sent.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>

#include "base/ctx.h"
#include "base/config.h"
#include "jobs/backend_io.h"
#include "model/areas/backend.h"
#include "base/banned.h"

struct xfer {
    CURL *e;
    struct ob_backend_io *io;
    int fd;                         /* fetch: the file written; -1 for a send */
    int in;                         /* send: the file read */
    bool write_failed;
    char want[OB_SHA256_HEX];       /* X-Oblako-Sha256 of the answer */
    crypto_hash_sha256_state h;
};

static void
keep_answer(struct ob_backend_io *io, const char *data, size_t n)
{
    size_t room = sizeof(io->answer) - 1 - io->answer_len;

    if (n > room)
        n = room;       /* past the cap the rest is dropped */
    memcpy(io->answer + io->answer_len, data, n);
    io->answer_len += n;
    io->answer[io->answer_len] = '\0';
}

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
    struct xfer *x = arg;
    size_t len = size * n, done = 0;

    if (!x->io->status)
        curl_easy_getinfo(x->e, CURLINFO_RESPONSE_CODE, &x->io->status);
    if (x->fd < 0 || x->io->status < 200 || x->io->status >= 300) {
        keep_answer(x->io, data, len);
        return len;
    }
    while (done < len) {
        ssize_t w = write(x->fd, data + done, len - done);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            x->write_failed = true;
            return 0;   /* libcurl stops with CURLE_WRITE_ERROR */
        }
        done += (size_t)w;
    }
    crypto_hash_sha256_update(&x->h, (const unsigned char *)data, len);
    x->io->bytes += (int64_t)len;
    return len;
}

/* "Name: value\r\n": the value, trimmed, into out when the name matches. */
static void
header_value(const char *line, size_t len, const char *name, char *out, size_t size)
{
    size_t nl = strlen(name);

    if (len <= nl + 1 || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
        return;
    line += nl + 1;
    len -= nl + 1;
    while (len && (*line == ' ' || *line == '\t'))
        line++, len--;
    while (len && (line[len - 1] == '\r' || line[len - 1] == '\n' || line[len - 1] == ' '))
        len--;
    if (len < size) {
        memcpy(out, line, len);
        out[len] = '\0';
    }
}

static size_t
on_header(char *data, size_t size, size_t n, void *arg)
{
    struct xfer *x = arg;
    size_t len = size * n;

    if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {    /* a new answer (after a 100) */
        x->want[0] = '\0';
        x->io->version[0] = '\0';
        return len;
    }
    header_value(data, len, "X-Oblako-Sha256", x->want, sizeof(x->want));
    header_value(data, len, "X-Oblako-Version", x->io->version, sizeof(x->io->version));
    return len;
}

static size_t
on_read(char *data, size_t size, size_t n, void *arg)
{
    struct xfer *x = arg;

    for (;;) {
        ssize_t r = read(x->in, data, size * n);

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return CURL_READFUNC_ABORT;
        x->io->bytes += r;
        return (size_t)r;
    }
}

/* What went wrong, for people: the transport error, or the status with
 * the backend's problem detail when it sent one. A 422 "checksum" (the
 * bytes were damaged on the way) is worth a retry; other 4xx are not. */
static bool
describe(struct ob_backend_io *io, CURLcode rc, const char *curl_error)
{
    json_t *j = NULL;
    const char *detail = NULL;

    bool damaged;

    if (rc != CURLE_OK) {
        snprintf(io->error, sizeof(io->error), "the backend did not answer: %s",
                 curl_error[0] ? curl_error : curl_easy_strerror(rc));
        return false;
    }
    if (io->answer_len)
        j = json_loadb(io->answer, io->answer_len, 0, NULL);
    detail = json_string_value(json_object_get(j, "detail"));
    if (detail)
        snprintf(io->error, sizeof(io->error), "the backend answered %ld: %.200s", io->status,
                 detail);
    else
        snprintf(io->error, sizeof(io->error), "the backend answered %ld", io->status);
    damaged = io->status == 422 && detail && !strcmp(detail, "checksum");
    json_decref(j);
    return damaged;
}

/* The common part of both calls: URL, signature, limits; then perform. */
static int
perform(const struct ob_config *cfg, const struct ob_backend *b, const char *method,
        const char *path, const char *body_sha, struct curl_slist *h, int max_s, struct xfer *x)
{
    char url[1024], hdr[256], sig[OB_BACKEND_SIG_LEN], curl_error[CURL_ERROR_SIZE] = "";
    const char *p, *pathq;
    size_t blen = strlen(b->url);
    long timeout = cfg->backend_timeout_seconds > 0 ? cfg->backend_timeout_seconds : 30;
    int64_t ts = ob_clock_real();
    CURLcode rc;
    bool damaged;

    while (blen && b->url[blen - 1] == '/')
        blen--;
    snprintf(url, sizeof(url), "%.*s%s", (int)blen, b->url, path);
    /* the signed path is what the request line carries: the URL's path part */
    p = strstr(url, "://");
    pathq = p ? strchr(p + 3, '/') : NULL;
    ob_backend_sign_hash(b->secret, method, pathq ? pathq : "/", ts, body_sha, sig);
    snprintf(hdr, sizeof(hdr), "X-Oblako-App: %s", b->code);
    h = curl_slist_append(h, hdr);
    snprintf(hdr, sizeof(hdr), "X-Oblako-Timestamp: %" PRId64, ts);
    h = curl_slist_append(h, hdr);
    snprintf(hdr, sizeof(hdr), "X-Oblako-Signature: %s", sig);
    h = curl_slist_append(h, hdr);
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(x->e, CURLOPT_URL, url);
    curl_easy_setopt(x->e, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(x->e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(x->e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(x->e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(x->e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(x->e, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(x->e, CURLOPT_CONNECTTIMEOUT, timeout);
    /* a backend that moves nothing for the timeout is hanging */
    curl_easy_setopt(x->e, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(x->e, CURLOPT_LOW_SPEED_TIME, timeout);
    curl_easy_setopt(x->e, CURLOPT_TIMEOUT, max_s > 0 ? (long)max_s : timeout);
    curl_easy_setopt(x->e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(x->e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(x->e, CURLOPT_ERRORBUFFER, curl_error);
    rc = curl_easy_perform(x->e);
    curl_easy_getinfo(x->e, CURLINFO_RESPONSE_CODE, &x->io->status);
    curl_slist_free_all(h);
    if (rc == CURLE_WRITE_ERROR && x->write_failed) {
        snprintf(x->io->error, sizeof(x->io->error), "the spool file could not be written: %s",
                 strerror(errno));
        return OB_EUNAVAIL;
    }
    if (rc == CURLE_OK && x->io->status >= 200 && x->io->status < 300)
        return 0;
    damaged = describe(x->io, rc, curl_error);
    x->io->permanent = !damaged && rc == CURLE_OK && x->io->status >= 400 &&
                       x->io->status < 500 && x->io->status != 408 && x->io->status != 429;
    return x->io->permanent ? OB_EINVAL : OB_EUNAVAIL;
}

static void
hash_hex(const unsigned char *data, size_t len, char out[OB_SHA256_HEX])
{
    unsigned char d[crypto_hash_sha256_BYTES];

    crypto_hash_sha256(d, data, len);
    sodium_bin2hex(out, OB_SHA256_HEX, d, sizeof(d));
}

int
ob_backend_fetch(const struct ob_config *cfg, const struct ob_backend *b, const char *method,
                 const char *path, const char *json, const char *file, int max_s,
                 struct ob_backend_io *io)
{
    struct xfer x = { .io = io, .fd = -1, .in = -1 };
    struct curl_slist *h = NULL;
    unsigned char d[crypto_hash_sha256_BYTES];
    char body_sha[OB_SHA256_HEX];
    int rc;

    memset(io, 0, sizeof(*io));
    if (file && (x.fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0) {
        snprintf(io->error, sizeof(io->error), "the spool file could not be made: %s",
                 strerror(errno));
        return OB_EUNAVAIL;
    }
    if (!(x.e = curl_easy_init())) {
        snprintf(io->error, sizeof(io->error), "out of memory");
        rc = OB_EUNAVAIL;
        goto out;
    }
    crypto_hash_sha256_init(&x.h);
    hash_hex((const unsigned char *)(json ? json : ""), json ? strlen(json) : 0, body_sha);
    if (json) {
        h = curl_slist_append(h, "Content-Type: application/json");
        curl_easy_setopt(x.e, CURLOPT_POSTFIELDS, json);
        curl_easy_setopt(x.e, CURLOPT_POSTFIELDSIZE, (long)strlen(json));
    } else if (!strcmp(method, "GET")) {
        curl_easy_setopt(x.e, CURLOPT_HTTPGET, 1L);
    } else if (!strcmp(method, "POST")) {
        curl_easy_setopt(x.e, CURLOPT_POSTFIELDS, "");
        curl_easy_setopt(x.e, CURLOPT_POSTFIELDSIZE, 0L);
    }
    rc = perform(cfg, b, method, path, body_sha, h, max_s, &x);
    curl_easy_cleanup(x.e);
    if (rc != 0 || !file)
        goto out;
    crypto_hash_sha256_final(&x.h, d);
    sodium_bin2hex(io->sha256, sizeof(io->sha256), d, sizeof(d));
    if (!x.want[0]) {
        snprintf(io->error, sizeof(io->error), "the backend sent no X-Oblako-Sha256");
        rc = OB_EUNAVAIL;
    } else if (strcasecmp(x.want, io->sha256) != 0) {
        snprintf(io->error, sizeof(io->error),
                 "the copy's checksum does not match: %" PRId64 " bytes received", io->bytes);
        rc = OB_EUNAVAIL;
    } else if (fsync(x.fd) != 0) {
        snprintf(io->error, sizeof(io->error), "the spool file could not be written: %s",
                 strerror(errno));
        rc = OB_EUNAVAIL;
    }
out:
    if (x.fd >= 0) {
        close(x.fd);
        if (rc != 0)
            unlink(file);
    }
    return rc;
}

int
ob_backend_send(const struct ob_config *cfg, const struct ob_backend *b, const char *path,
                const char *file, const char *sha256, int max_s, struct ob_backend_io *io)
{
    struct xfer x = { .io = io, .fd = -1, .in = -1 };
    struct curl_slist *h = NULL;
    struct stat st;
    char hdr[128];
    int rc;

    memset(io, 0, sizeof(*io));
    if ((x.in = open(file, O_RDONLY | O_CLOEXEC)) < 0 || fstat(x.in, &st) != 0) {
        snprintf(io->error, sizeof(io->error), "the file to send could not be read: %s",
                 strerror(errno));
        if (x.in >= 0)
            close(x.in);
        return OB_EUNAVAIL;
    }
    if (!(x.e = curl_easy_init())) {
        close(x.in);
        snprintf(io->error, sizeof(io->error), "out of memory");
        return OB_EUNAVAIL;
    }
    h = curl_slist_append(h, "Content-Type: application/octet-stream");
    snprintf(hdr, sizeof(hdr), "X-Oblako-Sha256: %s", sha256);
    h = curl_slist_append(h, hdr);
    curl_easy_setopt(x.e, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(x.e, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(x.e, CURLOPT_READDATA, &x);
    curl_easy_setopt(x.e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)st.st_size);
    rc = perform(cfg, b, "PUT", path, sha256, h, max_s, &x);   /* the answer: io->answer */
    curl_easy_cleanup(x.e);
    close(x.in);
    return rc;
}
