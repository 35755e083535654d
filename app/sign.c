/*
 * sign.c — the signatures of docs/app-backend.md and the calls to Oblako.
 *
 * Both directions sign "METHOD\nPATH?QUERY\nTIMESTAMP\nhex(SHA-256(body))"
 * with HMAC-SHA256 under the one configured secret, sent as "v1=<hex>". A
 * check recomputes the MAC and compares it in constant time; a timestamp
 * more than CB_WINDOW seconds from real time is refused.
 *
 * Calls to Oblako are blocking libcurl requests with a 10 s timeout, made on
 * the thread of the browser's request that needs them; the answer's body is
 * capped at 1 MiB.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <sodium.h>

#include "cashbook.h"
#include "base/banned.h"

#define ANSWER_MAX (1024 * 1024)

void
cb_sign(const char *secret, const char *method, const char *pathq, int64_t ts, const void *body,
        size_t len, char out[CB_SIG_LEN])
{
    unsigned char hash[crypto_hash_sha256_BYTES];
    char hash_hex[2 * sizeof(hash) + 1];

    crypto_hash_sha256(hash, body ? body : (const void *)"", len);
    sodium_bin2hex(hash_hex, sizeof(hash_hex), hash, sizeof(hash));
    cb_sign_hash(secret, method, pathq, ts, hash_hex, out);
}

void
cb_sign_hash(const char *secret, const char *method, const char *pathq, int64_t ts,
             const char *hash_hex, char out[CB_SIG_LEN])
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    char stamp[24];
    crypto_auth_hmacsha256_state st;

    snprintf(stamp, sizeof(stamp), "%lld", (long long)ts);
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)method, strlen(method));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)"\n", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)pathq, strlen(pathq));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)"\n", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)stamp, strlen(stamp));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)"\n", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)hash_hex, strlen(hash_hex));
    crypto_auth_hmacsha256_final(&st, mac);
    memcpy(out, "v1=", 3);
    sodium_bin2hex(out + 3, CB_SIG_LEN - 3, mac, sizeof(mac));
    sodium_memzero(&st, sizeof(st));
}

/* A timestamp: 1 to 19 decimal digits, nothing else. */
static int
parse_ts(const char *s, int64_t *out)
{
    int64_t v = 0;
    size_t n = s ? strlen(s) : 0;

    if (n == 0 || n > 18)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int
cb_verify(const char *secret, const char *ts, const char *sig, const char *method,
          const char *pathq, const void *body, size_t len, int64_t now, const char **why)
{
    return cb_verify_hash(secret, ts, sig, method, pathq, body, len, NULL, now, why);
}

int
cb_verify_hash(const char *secret, const char *ts, const char *sig, const char *method,
               const char *pathq, const void *body, size_t len, const char *hash_hex,
               int64_t now, const char **why)
{
    char want[CB_SIG_LEN];
    int64_t t;

    if (!sig || !ts) {
        *why = "the request is not signed";
        return -1;
    }
    if (parse_ts(ts, &t) != 0) {
        *why = "X-Oblako-Timestamp is not a number of seconds";
        return -1;
    }
    if (t < now - CB_WINDOW || t > now + CB_WINDOW) {
        *why = "X-Oblako-Timestamp is outside the replay window";
        return -1;
    }
    if (strlen(sig) != CB_SIG_LEN - 1) {
        *why = "X-Oblako-Signature is malformed";
        return -1;
    }
    if (hash_hex)
        cb_sign_hash(secret, method, pathq, t, hash_hex, want);
    else
        cb_sign(secret, method, pathq, t, body, len, want);
    if (sodium_memcmp(want, sig, CB_SIG_LEN - 1) != 0) {
        *why = "the signature does not match";
        return -1;
    }
    return 0;
}

struct sink {
    char *p;
    size_t len;
    int over;
};

static size_t
sink_write(char *data, size_t size, size_t n, void *userp)
{
    struct sink *s = userp;
    size_t add = size * n;

    if (s->len + add > ANSWER_MAX) {
        s->over = 1;
        return 0;
    }
    s->p = realloc(s->p, s->len + add + 1);
    if (!s->p)
        abort();
    memcpy(s->p + s->len, data, add);
    s->len += add;
    s->p[s->len] = '\0';
    return add;
}

static struct curl_slist *
sign_headers(const char *app, const char *method, const char *signed_path, const char *body)
{
    struct curl_slist *h = NULL;
    char sig[CB_SIG_LEN], *line;
    int64_t now = (int64_t)time(NULL);

    cb_sign(cb_config.secret, method, signed_path, now, body ? body : "", body ? strlen(body) : 0,
            sig);
    line = cb_xprintf("X-Oblako-App: %s", app);
    h = curl_slist_append(h, line);
    free(line);
    line = cb_xprintf("X-Oblako-Timestamp: %lld", (long long)now);
    h = curl_slist_append(h, line);
    free(line);
    line = cb_xprintf("X-Oblako-Signature: %s", sig);
    h = curl_slist_append(h, line);
    free(line);
    h = curl_slist_append(h, "Accept: application/json");
    /* an empty body has no type */
    h = curl_slist_append(h, body ? "Content-Type: application/json" : "Content-Type:");
    return h;
}

int
cb_oblako_call(const char *app, const char *method, const char *pathq, struct cb_answer *out)
{
    return cb_oblako_send(app, method, pathq, NULL, out);
}

int
cb_oblako_send(const char *app, const char *method, const char *pathq, const char *json,
               struct cb_answer *out)
{
    /* The request line carries the base URL's own path too, so it is signed. */
    char *signed_path = cb_xprintf("%s%s", cb_config.oblako_path, pathq);
    char *url = cb_xprintf("%s%s", cb_config.oblako, pathq);
    struct sink body = {NULL, 0, 0};
    struct curl_slist *headers = sign_headers(app, method, signed_path, json);
    CURL *c = curl_easy_init();
    CURLcode cc = CURLE_FAILED_INIT;

    memset(out, 0, sizeof(*out));
    if (c) {
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
        if (!strcmp(method, "POST")) {
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, json ? json : "");
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, json ? (long)strlen(json) : 0L);
        } else if (strcmp(method, "GET") != 0) {
            curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        }
        cc = curl_easy_perform(c);
        if (cc == CURLE_OK)
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
        curl_easy_cleanup(c);
    }
    if (cc != CURLE_OK) {
        snprintf(out->err, sizeof(out->err), "%s %s: %s", method, signed_path,
                 body.over ? "the answer is too large" : curl_easy_strerror(cc));
        out->status = 0;
    } else if (body.len > 0) {
        out->json = json_loadb(body.p, body.len, 0, NULL);
    }
    curl_slist_free_all(headers);
    free(body.p);
    free(url);
    free(signed_path);
    return out->status ? 0 : -1;
}

void
cb_answer_clear(struct cb_answer *a)
{
    json_decref(a->json);
    a->json = NULL;
}

void
cb_sign_global_init(void)
{
    if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "oblako-cashbook: cannot initialise libsodium or libcurl\n");
        exit(1);
    }
}

void
cb_sign_global_cleanup(void)
{
    curl_global_cleanup();
}
