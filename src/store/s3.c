/*
 * s3.c — the backup store in an S3-compatible bucket (--backup-s3-url).
 *
 * Object NAME is the key NAME of the bucket, addressed in path style
 * (https://host[:port]/bucket/NAME), which AWS, MinIO, Ceph and s3rver all
 * take; virtual-host style would need a DNS name per bucket. Every request
 * is signed with AWS Signature Version 4 (ob_s3_sign, checked against AWS's
 * published examples in tests/unit/test_s3.c), the payload's SHA-256 in
 * x-amz-content-sha256: a PUT streams the spool file with the digest its
 * writer computed, so S3 itself refuses an object whose bytes changed on
 * the way (it compares the digest with what it received).
 *
 * A put is one PUT of the whole file: S3 shows an object only once its PUT
 * has completed, so nobody reads half an object (store.h). A reader asks
 * for its object in blocks (BLOCK bytes with Range) and answers small
 * reads from the block it holds, so a download or a verification reading
 * 32–64 KB at a time makes one request per few MiB.
 *
 * Threads: the store is shared; each call makes its own curl handle (a
 * reader keeps one for its requests, and a reader is used by one thread at
 * a time). Nothing here touches the database.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "base/config.h"
#include "base/err.h"
#include "store/s3.h"
#include "store/store_impl.h"
#include "base/banned.h"

#define BLOCK (4L << 20)            /* a reader's Range request */
#define ERROR_BODY 4096             /* how much of an error answer is kept */
#define TIMEOUT_CONNECT_S 10L
#define LOW_SPEED_S 60L             /* a transfer slower than 1 KB/s this long is dead */
#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define MAX_HEADERS 16

struct s3 {
    struct ob_store base;
    struct ob_s3_url url;
    char region[64], access_key[128], secret_key[256], ca_file[256];
};

struct s3_reader {
    const struct ob_store_ops *ops;
    struct s3 *s3;
    CURL *curl;
    char name[1024];
    int64_t size, block_off;
    size_t block_len;
    unsigned char *block;
};

/* ---------------------------------------------------------------- signing */

static void
sha256_hex(const void *data, size_t n, char out[65])
{
    unsigned char d[crypto_hash_sha256_BYTES];

    crypto_hash_sha256(d, data, n);
    sodium_bin2hex(out, 65, d, sizeof(d));
}

static void
hmac(const unsigned char *key, size_t key_len, const char *msg, unsigned char out[32])
{
    crypto_auth_hmacsha256_state st;

    crypto_auth_hmacsha256_init(&st, key, key_len);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg, strlen(msg));
    crypto_auth_hmacsha256_final(&st, out);
}

struct sbuf {
    char *p;
    size_t len, cap;
    bool over;
};

static void
sb_putc(struct sbuf *b, char c)
{
    if (b->len + 1 >= b->cap) {
        b->over = true;
        return;
    }
    b->p[b->len++] = c;
    b->p[b->len] = '\0';
}

static void
sb_puts(struct sbuf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sb_putc(b, s[i]);
}

static void
sb_str(struct sbuf *b, const char *s)
{
    sb_puts(b, s, strlen(s));
}

/* RFC 3986 percent-encoding as SigV4 asks: A-Z a-z 0-9 - . _ ~ stay, and
 * '/' too when keep_slash (a path); the rest as %XY, upper-case. */
static void
sb_encode(struct sbuf *b, const char *s, size_t n, bool keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~' || (keep_slash && c == '/')) {
            sb_putc(b, (char)c);
        } else {
            sb_putc(b, '%');
            sb_putc(b, hex[c >> 4]);
            sb_putc(b, hex[c & 15]);
        }
    }
}

struct pair {
    char k[256], v[512];
};

static int
pair_cmp(const void *a, const void *b)
{
    const struct pair *x = a, *y = b;
    int c = strcmp(x->k, y->k);

    return c ? c : strcmp(x->v, y->v);
}

/* The query's pairs, each name and value encoded, sorted by name then value. */
static int
canonical_query(struct sbuf *b, const char *query)
{
    struct pair ps[16];
    size_t n = 0;

    for (const char *p = query; *p;) {
        const char *end = strchr(p, '&'), *eq;
        struct sbuf k = { ps[n].k, 0, sizeof(ps[n].k), false };
        struct sbuf v = { ps[n].v, 0, sizeof(ps[n].v), false };

        if (!end)
            end = p + strlen(p);
        if (end > p) {
            if (n == sizeof(ps) / sizeof(ps[0]))
                return -1;
            ps[n].k[0] = ps[n].v[0] = '\0';
            eq = memchr(p, '=', (size_t)(end - p));
            sb_encode(&k, p, (size_t)((eq ? eq : end) - p), false);
            if (eq)
                sb_encode(&v, eq + 1, (size_t)(end - eq - 1), false);
            if (k.over || v.over)
                return -1;
            n++;
        }
        p = *end ? end + 1 : end;
    }
    qsort(ps, n, sizeof(ps[0]), pair_cmp);
    for (size_t i = 0; i < n; i++) {
        if (i)
            sb_putc(b, '&');
        sb_str(b, ps[i].k);
        sb_putc(b, '=');
        sb_str(b, ps[i].v);
    }
    return 0;
}

struct header {
    char name[64], value[512];
    size_t order;
};

static int
header_cmp(const void *a, const void *b)
{
    const struct header *x = a, *y = b;
    int c = strcmp(x->name, y->name);

    if (c)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* "Name: value" → lower-case name, value trimmed with inner blanks folded. */
static int
header_parse(const char *line, size_t order, struct header *h)
{
    const char *colon = strchr(line, ':'), *v;
    size_t n = 0, k;

    if (!colon || colon == line || (size_t)(colon - line) >= sizeof(h->name))
        return -1;
    for (k = 0; line + k < colon; k++)
        h->name[k] = (char)((line[k] >= 'A' && line[k] <= 'Z') ? line[k] + 32 : line[k]);
    h->name[k] = '\0';
    for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
        ;
    for (; *v; v++) {
        bool blank = *v == ' ' || *v == '\t';

        if (blank && (n == 0 || h->value[n - 1] == ' '))
            continue;
        if (n + 1 >= sizeof(h->value))
            return -1;
        h->value[n++] = blank ? ' ' : *v;
    }
    while (n > 0 && h->value[n - 1] == ' ')
        n--;
    h->value[n] = '\0';
    h->order = order;
    return 0;
}

/* Canonical headers (one "name:value\n" per name, the values of a repeated
 * name joined by ',') into b, their names joined by ';' into names. */
static int
canonical_headers(struct sbuf *b, struct sbuf *names, const char *const *lines, size_t n)
{
    struct header hs[MAX_HEADERS];

    if (n > MAX_HEADERS)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (header_parse(lines[i], i, &hs[i]))
            return -1;
    qsort(hs, n, sizeof(hs[0]), header_cmp);
    for (size_t i = 0; i < n; i++) {
        bool same = i > 0 && strcmp(hs[i].name, hs[i - 1].name) == 0;

        if (same) {
            b->len--;                   /* the '\n' of the previous value */
            sb_putc(b, ',');
        } else {
            if (i > 0)
                sb_putc(names, ';');
            sb_str(names, hs[i].name);
            sb_str(b, hs[i].name);
            sb_putc(b, ':');
        }
        sb_str(b, hs[i].value);
        sb_putc(b, '\n');
    }
    return 0;
}

int
ob_s3_sign(const struct ob_s3_request *r, char *out, size_t size, char *canonical,
           size_t canonical_size)
{
    char creq[8192], names[1024], sts[1024], hash[65], scope[256], sig[65];
    struct sbuf c = { creq, 0, sizeof(creq), false }, nb = { names, 0, sizeof(names), false };
    unsigned char k[32], k2[32];
    char secret[300];
    int n;

    creq[0] = names[0] = '\0';
    if (strlen(r->amz_date) != 16 || r->path[0] != '/')
        return -1;
    sb_str(&c, r->method);
    sb_putc(&c, '\n');
    sb_encode(&c, r->path, strlen(r->path), true);
    sb_putc(&c, '\n');
    if (canonical_query(&c, r->query))
        return -1;
    sb_putc(&c, '\n');
    if (canonical_headers(&c, &nb, r->headers, r->n_headers))
        return -1;
    sb_putc(&c, '\n');
    sb_str(&c, names);
    sb_putc(&c, '\n');
    sb_str(&c, r->payload_sha256);
    if (c.over || nb.over)
        return -1;
    if (canonical && snprintf(canonical, canonical_size, "%s", creq) >= (int)canonical_size)
        return -1;

    sha256_hex(creq, c.len, hash);
    snprintf(scope, sizeof(scope), "%.8s/%s/%s/aws4_request", r->amz_date, r->region, r->service);
    snprintf(sts, sizeof(sts), "AWS4-HMAC-SHA256\n%s\n%s\n%s", r->amz_date, scope, hash);
    if (snprintf(secret, sizeof(secret), "AWS4%s", r->secret_key) >= (int)sizeof(secret))
        return -1;
    {
        char day[9];

        snprintf(day, sizeof(day), "%.8s", r->amz_date);
        hmac((const unsigned char *)secret, strlen(secret), day, k);
    }
    hmac(k, sizeof(k), r->region, k2);
    hmac(k2, sizeof(k2), r->service, k);
    hmac(k, sizeof(k), "aws4_request", k2);
    hmac(k2, sizeof(k2), sts, k);
    sodium_bin2hex(sig, sizeof(sig), k, sizeof(k));
    sodium_memzero(secret, sizeof(secret));
    n = snprintf(out, size, "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s",
                 r->access_key, scope, names, sig);
    return n > 0 && (size_t)n < size ? 0 : -1;
}

/* ------------------------------------------------------------ the setting */

static bool
loopback_host(const char *host, size_t n)
{
    if ((n == 9 && memcmp(host, "localhost", 9) == 0) || (n == 5 && memcmp(host, "[::1]", 5) == 0))
        return true;
    if (n >= 7 && n <= 15 && memcmp(host, "127.", 4) == 0) {
        int dots = 0;

        for (size_t i = 4; i < n; i++) {
            if (host[i] == '.')
                dots++;
            else if (host[i] < '0' || host[i] > '9')
                return false;
        }
        return dots == 2 && host[n - 1] != '.';
    }
    return false;
}

int
ob_s3_url_parse(const char *url, struct ob_s3_url *out, const char **why)
{
    const char *host, *slash, *colon, *bucket;
    size_t hn, bn;
    bool https = strncmp(url, "https://", 8) == 0;

    memset(out, 0, sizeof(*out));
    if (!https && strncmp(url, "http://", 7) != 0) {
        *why = "the URL must start with https://";
        return -1;
    }
    host = url + (https ? 8 : 7);
    slash = strchr(host, '/');
    if (!slash || slash == host) {
        *why = "the URL must be https://host[:port]/bucket";
        return -1;
    }
    hn = (size_t)(slash - host);
    colon = host[0] == '[' ? memchr(host, ']', hn) : memchr(host, ':', hn);
    if (host[0] == '[' && colon)
        colon = colon + 1 < slash && colon[1] == ':' ? colon + 1 : NULL;
    if (colon) {
        if (colon + 1 == slash || colon + 6 < slash) {
            *why = "the port is not a number";
            return -1;
        }
        for (const char *p = colon + 1; p < slash; p++)
            if (*p < '0' || *p > '9') {
                *why = "the port is not a number";
                return -1;
            }
    }
    for (const char *p = host; p < (colon ? colon : slash); p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr(".-[]:", *p))) {
            *why = "the host has a character a host name cannot have";
            return -1;
        }
    if (!https && !loopback_host(host, (size_t)((colon ? colon : slash) - host))) {
        *why = "plain http is allowed for a loopback host only (127.0.0.1, [::1], localhost)";
        return -1;
    }
    bucket = slash + 1;
    bn = strlen(bucket);
    if (bn > 0 && bucket[bn - 1] == '/')
        bn--;
    if (bn < 3 || bn > 63) {
        *why = "the bucket name must have 3 to 63 characters";
        return -1;
    }
    for (size_t i = 0; i < bn; i++)
        if (!((bucket[i] >= 'a' && bucket[i] <= 'z') || (bucket[i] >= '0' && bucket[i] <= '9') ||
              bucket[i] == '-' || bucket[i] == '.')) {
            *why = "the bucket name may have a-z, 0-9, '-' and '.' only (one path segment)";
            return -1;
        }
    if (hn >= sizeof(out->host_port)) {
        *why = "the host is too long";
        return -1;
    }
    snprintf(out->scheme, sizeof(out->scheme), "%s", https ? "https" : "http");
    /* the Host header leaves out the scheme's default port (curl does too) */
    if (colon && strncmp(colon, https ? ":443/" : ":80/", https ? 5 : 4) == 0)
        hn = (size_t)(colon - host);
    memcpy(out->host_port, host, hn);
    memcpy(out->bucket, bucket, bn);
    return 0;
}

/* ------------------------------------------------------- the XML error */

/* The text of the first <tag>…</tag> at top level of body, entities decoded. */
static void
xml_text(const char *body, size_t n, const char *tag, char *out, size_t size)
{
    char open[32], close[32];
    const char *a, *b, *end = body + n;
    size_t len = 0;

    out[0] = '\0';
    snprintf(open, sizeof(open), "<%s>", tag);
    snprintf(close, sizeof(close), "</%s>", tag);
    a = memmem(body, n, open, strlen(open));
    if (!a)
        return;
    a += strlen(open);
    b = memmem(a, (size_t)(end - a), close, strlen(close));
    if (!b)
        return;
    while (a < b && len + 1 < size) {
        static const struct { const char *ent; char c; } ents[] = {
            { "&lt;", '<' }, { "&gt;", '>' }, { "&amp;", '&' }, { "&quot;", '"' }, { "&apos;", '\'' },
        };
        size_t i;

        for (i = 0; i < sizeof(ents) / sizeof(ents[0]); i++) {
            size_t el = strlen(ents[i].ent);

            if ((size_t)(b - a) >= el && memcmp(a, ents[i].ent, el) == 0) {
                out[len++] = ents[i].c;
                a += el;
                break;
            }
        }
        if (i == sizeof(ents) / sizeof(ents[0]))
            out[len++] = *a++;
    }
    out[len] = '\0';
}

int
ob_s3_error_parse(const char *body, size_t n, char *code, size_t code_size, char *message,
                  size_t message_size)
{
    const char *e;

    code[0] = message[0] = '\0';
    if (!body || !(e = memmem(body, n, "<Error>", 7)) || !memmem(e, n - (size_t)(e - body), "</Error>", 8))
        return -1;
    n -= (size_t)(e - body);
    xml_text(e, n, "Code", code, code_size);
    xml_text(e, n, "Message", message, message_size);
    return 0;
}

/* ------------------------------------------------------------- requests */

/* Where an answer's body goes: a 2xx body to file, or else to buf (up to
 * cap: more is an error); any other answer's head to error, to explain it. */
struct answer {
    CURL *curl;
    FILE *file;
    unsigned char *buf;
    size_t len, cap;
    long status;
    char error[ERROR_BODY];
    size_t error_len;
};

static size_t
on_body(char *data, size_t one, size_t n, void *arg)
{
    struct answer *a = arg;
    size_t len = one * n;

    if (a->status == 0)
        curl_easy_getinfo(a->curl, CURLINFO_RESPONSE_CODE, &a->status);
    if (a->status / 100 != 2) {
        size_t k = len < sizeof(a->error) - 1 - a->error_len ? len
                                                             : sizeof(a->error) - 1 - a->error_len;

        memcpy(a->error + a->error_len, data, k);
        a->error_len += k;
        return len;
    }
    if (a->file)
        return fwrite(data, 1, len, a->file);
    if (len > a->cap - a->len)
        return 0;               /* more than asked for: the transfer stops with an error */
    memcpy(a->buf + a->len, data, len);
    a->len += len;
    return len;
}

static void
amz_date_now(char out[17])
{
    time_t t = time(NULL);
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

/* The error of a failed request: the transfer's, or S3's code and message. */
static int
request_error(const struct s3 *s, const char *method, const char *name, CURLcode cc,
              const char *curl_error, const struct answer *a, struct ob_err *err)
{
    char reason[768], code[64], message[256];

    if (cc != CURLE_OK)
        snprintf(reason, sizeof(reason), "%s %s: %s", method, name,
                 curl_error[0] ? curl_error : curl_easy_strerror(cc));
    else if (ob_s3_error_parse(a->error, a->error_len, code, sizeof(code), message,
                               sizeof(message)) == 0)
        snprintf(reason, sizeof(reason), "%s %s: %ld %s %s", method, name, a->status, code,
                 message);
    else
        snprintf(reason, sizeof(reason), "%s %s: HTTP %ld from %s", method, name, a->status,
                 s->url.host_port);
    return ob_err_set(err, OB_EUNAVAIL, "store.unavailable", "reason=%s", reason);
}

/* One signed request of object `name` ("" for the bucket). put: the file
 * to send (sha256 its digest); range: "bytes=A-B" or NULL. The answer's
 * body goes to a->file or a->buf. curl: a handle to reuse, or NULL. */
static int
request(struct s3 *s, CURL *reuse, const char *method, const char *name, FILE *put,
        int64_t put_size, const char *sha256, const char *range, struct answer *a,
        struct ob_err *err)
{
    char path[1400], date[17], auth[1024], url[2048], curl_error[CURL_ERROR_SIZE];
    char h_host[300], h_date[40], h_sha[100], h_range[80], h_auth[1100];
    const char *signed_h[4];
    struct ob_s3_request r = { 0 };
    struct sbuf u = { url, 0, sizeof(url), false };
    struct curl_slist *hl = NULL;
    CURL *e = reuse ? reuse : curl_easy_init();
    CURLcode cc;
    size_t nh = 0;
    int rc = 0;

    if (!e)
        return ob_err_set(err, OB_EUNAVAIL, "store.unavailable", "reason=%s", "out of memory");
    if (reuse)
        curl_easy_reset(e);
    a->curl = e;
    a->status = 0;
    snprintf(path, sizeof(path), "/%s%s%s", s->url.bucket, name[0] ? "/" : "", name);
    amz_date_now(date);
    snprintf(h_host, sizeof(h_host), "Host:%s", s->url.host_port);
    snprintf(h_date, sizeof(h_date), "x-amz-date:%s", date);
    snprintf(h_sha, sizeof(h_sha), "x-amz-content-sha256:%s", sha256 ? sha256 : EMPTY_SHA256);
    signed_h[nh++] = h_host;
    signed_h[nh++] = h_date;
    signed_h[nh++] = h_sha;
    if (range) {
        snprintf(h_range, sizeof(h_range), "Range:%s", range);
        signed_h[nh++] = h_range;
    }
    r.method = method;
    r.path = path;
    r.query = "";
    r.headers = signed_h;
    r.n_headers = nh;
    r.payload_sha256 = sha256 ? sha256 : EMPTY_SHA256;
    r.amz_date = date;
    r.region = s->region;
    r.service = "s3";
    r.access_key = s->access_key;
    r.secret_key = s->secret_key;
    if (ob_s3_sign(&r, auth, sizeof(auth), NULL, 0) != 0) {
        if (!reuse)
            curl_easy_cleanup(e);
        return ob_err_set(err, OB_EINVAL, "store.bad_name", "name=%s", name);
    }
    snprintf(h_auth, sizeof(h_auth), "Authorization: %s", auth);
    for (size_t i = 1; i < nh; i++)      /* curl writes Host itself, from the URL */
        hl = curl_slist_append(hl, signed_h[i]);
    hl = curl_slist_append(hl, h_auth);
    hl = curl_slist_append(hl, "Expect:");
    sb_str(&u, s->url.scheme);
    sb_str(&u, "://");
    sb_str(&u, s->url.host_port);
    sb_encode(&u, path, strlen(path), true);

    curl_error[0] = '\0';
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_PROXY, "");
    curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, TIMEOUT_CONNECT_S);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1024L);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, LOW_SPEED_S);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, curl_error);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, a);
    if (s->ca_file[0])
        curl_easy_setopt(e, CURLOPT_CAINFO, s->ca_file);
    if (put) {
        curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(e, CURLOPT_READDATA, put);
        curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)put_size);
    } else if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else if (strcmp(method, "GET") != 0) {
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
    }
    cc = curl_easy_perform(e);
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &a->status);
    if (cc != CURLE_OK || a->status / 100 != 2) {
        if (cc == CURLE_OK && a->status == 404)
            rc = ob_err_set(err, OB_ENOTFOUND, "store.not_found", "name=%s", name);
        else
            rc = request_error(s, method, name, cc, curl_error, a, err);
    }
    if (rc == 0 && strcmp(method, "HEAD") == 0) {
        curl_off_t len = -1;

        curl_easy_getinfo(e, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
        a->len = len < 0 ? 0 : (size_t)len;
        if (len < 0)
            rc = request_error(s, method, name, CURLE_OK, "", a, err);
    }
    curl_slist_free_all(hl);
    if (!reuse)
        curl_easy_cleanup(e);
    return rc;
}

/* A request whose answer is only a status (and an error body to explain it). */
static int
simple(struct s3 *s, const char *method, const char *name, int64_t *size, struct ob_err *err)
{
    struct answer a = { 0 };
    int rc = request(s, NULL, method, name, NULL, 0, NULL, NULL, &a, err);

    if (rc == 0 && size)
        *size = (int64_t)a.len;
    return rc;
}

static int
s3_put(struct ob_store *st, const char *name, const char *path, const char *sha256,
       struct ob_err *err)
{
    struct s3 *s = (struct s3 *)st;
    struct answer a = { 0 };
    FILE *f = fopen(path, "rb");
    int64_t size;
    int rc;

    if (!f || fseeko(f, 0, SEEK_END) != 0 || (size = ftello(f)) < 0 || fseeko(f, 0, SEEK_SET)) {
        char reason[512];

        snprintf(reason, sizeof(reason), "cannot read %s: %s", path, strerror(errno));
        if (f)
            fclose(f);
        return ob_err_set(err, OB_EUNAVAIL, "store.unavailable", "reason=%s", reason);
    }
    rc = request(s, NULL, "PUT", name, f, size, sha256, NULL, &a, err);
    fclose(f);
    return rc;
}

static int
s3_get(struct ob_store *st, const char *name, const char *path, struct ob_err *err)
{
    struct answer a = { 0 };
    int rc;

    if (!(a.file = fopen(path, "wb"))) {
        char reason[512];

        snprintf(reason, sizeof(reason), "cannot write %s: %s", path, strerror(errno));
        return ob_err_set(err, OB_EUNAVAIL, "store.unavailable", "reason=%s", reason);
    }
    rc = request((struct s3 *)st, NULL, "GET", name, NULL, 0, NULL, NULL, &a, err);
    if (fflush(a.file) != 0 || fsync(fileno(a.file)) != 0)
        if (rc == 0)
            rc = ob_err_set(err, OB_EUNAVAIL, "store.unavailable", "reason=%s",
                            "cannot write the copy");
    fclose(a.file);
    return rc;
}

static int
s3_size(struct ob_store *st, const char *name, int64_t *size, struct ob_err *err)
{
    return simple((struct s3 *)st, "HEAD", name, size, err);
}

static int
s3_del(struct ob_store *st, const char *name, struct ob_err *err)
{
    int rc = simple((struct s3 *)st, "DELETE", name, NULL, err);

    return rc == OB_ENOTFOUND ? 0 : rc;
}

static int
s3_reader_open(struct ob_store *st, const char *name, struct ob_store_reader **out,
               int64_t *size, struct ob_err *err)
{
    struct s3_reader *r;
    int rc;

    *out = NULL;
    if (!(r = calloc(1, sizeof(*r))) || !(r->curl = curl_easy_init())) {
        free(r);
        return ob_err_set(err, OB_EUNAVAIL, "store.unavailable", "reason=%s", "out of memory");
    }
    r->ops = st->ops;
    r->s3 = (struct s3 *)st;
    snprintf(r->name, sizeof(r->name), "%s", name);
    if ((rc = s3_size(st, name, &r->size, err)) != 0) {
        curl_easy_cleanup(r->curl);
        free(r);
        return rc;
    }
    *size = r->size;
    *out = (struct ob_store_reader *)r;
    return 0;
}

/* Fill the reader's block with the object's bytes from off (one Range GET). */
static int
fill_block(struct s3_reader *r, int64_t off)
{
    char range[64];
    struct answer a = { 0 };
    struct ob_err err = { 0 };
    int64_t want = r->size - off < BLOCK ? r->size - off : BLOCK;

    if (!r->block && !(r->block = malloc(BLOCK)))
        return -1;
    a.buf = r->block;
    a.cap = (size_t)want;
    snprintf(range, sizeof(range), "bytes=%lld-%lld", (long long)off, (long long)(off + want - 1));
    r->block_len = 0;
    /* 206, or 200 from a server that answers a range of the whole object whole */
    if (request(r->s3, r->curl, "GET", r->name, NULL, 0, NULL, range, &a, &err) != 0 ||
        !(a.status == 206 || (a.status == 200 && off == 0 && want == r->size)) ||
        a.len != (size_t)want)
        return -1;
    r->block_off = off;
    r->block_len = a.len;
    return 0;
}

static long
s3_read(struct ob_store_reader *rd, int64_t off, void *buf, size_t n)
{
    struct s3_reader *r = (struct s3_reader *)rd;
    size_t k;

    if (off < 0)
        return -1;
    if (off >= r->size)
        return 0;
    if (!(r->block_len && off >= r->block_off && off < r->block_off + (int64_t)r->block_len) &&
        fill_block(r, off) != 0)
        return -1;
    k = (size_t)(r->block_off + (int64_t)r->block_len - off);
    if (k > n)
        k = n;
    memcpy(buf, r->block + (off - r->block_off), k);
    return (long)k;
}

static void
s3_reader_close(struct ob_store_reader *rd)
{
    struct s3_reader *r = (struct s3_reader *)rd;

    curl_easy_cleanup(r->curl);
    free(r->block);
    free(r);
}

static void
s3_close(struct ob_store *st)
{
    struct s3 *s = (struct s3 *)st;

    sodium_memzero(s->secret_key, sizeof(s->secret_key));
    free(s);
}

static const struct ob_store_ops s3_ops = {
    .kind = "s3",
    .put = s3_put,
    .get = s3_get,
    .size = s3_size,
    .del = s3_del,
    .reader_open = s3_reader_open,
    .reader_read = s3_read,
    .reader_close = s3_reader_close,
    .close = s3_close,
};

/* mkdir -p of the folders above path (the spool; local.c has its own). */
static int
make_dirs(const char *path)
{
    char tmp[4200];

    snprintf(tmp, sizeof(tmp), "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0750) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return 0;
}

/* The secret from --backup-s3-secret-file (its first line), else the setting. */
static int
read_secret(const struct ob_config *cfg, char *out, size_t size)
{
    FILE *f;
    size_t n;

    if (!cfg->backup_s3_secret_file[0]) {
        snprintf(out, size, "%s", cfg->backup_s3_secret_key);
        return 0;
    }
    if (!(f = fopen(cfg->backup_s3_secret_file, "r")))
        return -1;
    n = fread(out, 1, size - 1, f);
    fclose(f);
    out[n] = '\0';
    out[strcspn(out, "\r\n")] = '\0';
    return 0;
}

int
ob_store_s3_open(const struct ob_config *cfg, struct ob_store **out, struct ob_err *err)
{
    struct s3 *s;
    const char *why = NULL;
    char probe[4200];
    int rc = 0;

    *out = NULL;
    if (!(s = calloc(1, sizeof(*s))))
        return ob_err_set(err, OB_EUNAVAIL, "store.unavailable", "reason=%s", "out of memory");
    s->base.ops = &s3_ops;
    if (ob_s3_url_parse(cfg->backup_s3_url, &s->url, &why) != 0)
        rc = ob_err_field(err, OB_EINVAL, "backup-s3-url", "store.s3_url", "reason=%s", why);
    else if (!cfg->backup_s3_access_key[0])
        rc = ob_err_field(err, OB_EINVAL, "backup-s3-access-key", "store.s3_keys", "");
    else if (read_secret(cfg, s->secret_key, sizeof(s->secret_key)) != 0)
        rc = ob_err_field(err, OB_EINVAL, "backup-s3-secret-file", "store.s3_secret_file",
                          "path=%s", cfg->backup_s3_secret_file);
    else if (!s->secret_key[0])
        rc = ob_err_field(err, OB_EINVAL, "backup-s3-secret-key", "store.s3_keys", "");
    if (rc) {
        s3_close(&s->base);
        return rc;
    }
    snprintf(s->region, sizeof(s->region), "%s", cfg->backup_s3_region);
    snprintf(s->access_key, sizeof(s->access_key), "%s", cfg->backup_s3_access_key);
    snprintf(s->ca_file, sizeof(s->ca_file), "%s", cfg->backup_s3_ca_file);
    /* files on their way in and out stay on this node: the spool under --backup-dir */
    snprintf(s->base.spool, sizeof(s->base.spool), "%s/.spool", cfg->backup_dir);
    snprintf(probe, sizeof(probe), "%s/x", s->base.spool);
    if (make_dirs(probe) != 0 || access(s->base.spool, W_OK) != 0) {
        char reason[600];

        snprintf(reason, sizeof(reason), "cannot write to the spool folder %.400s: %s",
                 s->base.spool, strerror(errno));
        s3_close(&s->base);
        return ob_err_set(err, OB_EUNAVAIL, "store.unavailable", "reason=%s", reason);
    }
    *out = &s->base;
    return 0;
}
