/*
 * webhooks.c — the "webhooks" job: send the due deliveries of events to
 * their endpoints (model/notices/webhook.h), in order per endpoint.
 *
 * Each attempt: the endpoint's host is resolved once (getaddrinfo) and every
 * address it has must pass the SSRF guard (base/netaddr.h's
 * ob_netaddr_refused, less --webhook-allow); the call then goes to exactly
 * that address (CURLOPT_RESOLVE), so a second answer of the name's DNS
 * cannot move it elsewhere. No proxy, no redirects (a 3xx is a failure),
 * HTTPS checked against --webhook-ca-file or the system's authorities.
 *
 * The body and headers follow Standard Webhooks: {"type", "timestamp",
 * "data"}, webhook-id "msg_<event id>" (the same for a re-send),
 * webhook-timestamp (real time: the receiver compares it with its own
 * clock), webhook-signature "v1,<base64 HMAC-SHA256(key, id.timestamp.body)>"
 * with the key the base64 after the secret's "whsec_".
 */
#include <inttypes.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>

#include "base/buf.h"
#include "base/config.h"
#include "base/ctx.h"
#include "base/date.h"
#include "base/netaddr.h"
#include "jobs/jobs.h"
#include "model/notices/webhook.h"
#include "base/banned.h"

#define TIMEOUT_S 10L
#define ANSWER_MAX 1024
#define BATCH 20
#define RUN_MAX 500             /* attempts in one run; the next run goes on */
#define RUN_US (30 * 1000000LL) /* and at most this long, so other jobs are not held up */

static size_t
collect(char *data, size_t size, size_t n, void *arg)
{
    ob_buf_add(arg, data, size * n);
    return size * n;
}

/* Resolve host once; every address must pass the guard. pin gets the
 * address to connect to. 0, or -1 with why. */
static int
resolve(const char *host, const struct ob_netaddr *allow, int nallow, char *pin, size_t size,
        char *why, size_t wsize)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    struct ob_netaddr a;
    const char *bad = NULL;
    char text[OB_NETADDR_TEXT];
    size_t len = strlen(host);
    int rc;

    pin[0] = '\0';
    if (host[0] == '[' && len > 2) {
        /* an IPv6 literal: no resolution */
        if (ob_netaddr_parse(host + 1, len - 2, false, &a) != 0) {
            snprintf(why, wsize, "bad address %s", host);
            return -1;
        }
        if (!ob_webhook_addr_ok(&a, allow, nallow, &bad)) {
            snprintf(why, wsize, "refused address %s (%s)", host, bad);
            return -1;
        }
        snprintf(pin, size, "%s", host);
        return 0;
    }
    if ((rc = getaddrinfo(host, NULL, &hints, &res)) != 0) {
        snprintf(why, wsize, "cannot resolve %s: %s", host, gai_strerror(rc));
        return -1;
    }
    for (struct addrinfo *r = res; r; r = r->ai_next) {
        if (ob_netaddr_from_sockaddr(r->ai_addr, &a) != 0)
            continue;
        ob_netaddr_format(&a, text, sizeof(text));
        if (!ob_webhook_addr_ok(&a, allow, nallow, &bad)) {
            snprintf(why, wsize, "refused address %s of %s (%s)", text, host, bad);
            freeaddrinfo(res);
            return -1;
        }
        if (!pin[0])
            snprintf(pin, size, a.family == 6 ? "[%s]" : "%s", text);
    }
    freeaddrinfo(res);
    if (!pin[0]) {
        snprintf(why, wsize, "%s has no address", host);
        return -1;
    }
    return 0;
}

struct attempt {
    int status, answer_ms;
    bool ok;
    char error[512];
};

/* The body of an event, as the endpoint receives it. */
static char *
body_of(const struct ob_webhook_send *s)
{
    json_t *data = json_loads(s->data, 0, NULL);
    char at[OB_INSTANT_LEN];
    json_t *o;
    char *text;

    ob_instant_format(s->event_at, at);
    o = json_pack("{s:s, s:s, s:o}", "type", s->kind, "timestamp", at, "data",
                  data ? data : json_object());
    text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return text;
}

static void
sign(const char *secret, const char *msg_id, int64_t ts, const char *body, char *out, size_t size)
{
    unsigned char key[64], mac[crypto_auth_hmacsha256_BYTES];
    size_t klen = 0;
    crypto_auth_hmacsha256_state st;
    char head[96];
    const char *b64 = strncmp(secret, "whsec_", 6) ? secret : secret + 6;

    if (sodium_base642bin(key, sizeof(key), b64, strlen(b64), NULL, &klen, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        klen = 0;
    snprintf(head, sizeof(head), "%s.%" PRId64 ".", msg_id, ts);
    crypto_auth_hmacsha256_init(&st, key, klen);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)head, strlen(head));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, strlen(body));
    crypto_auth_hmacsha256_final(&st, mac);
    memcpy(out, "v1,", 3);
    sodium_bin2base64(out + 3, size - 3, mac, sizeof(mac), sodium_base64_VARIANT_ORIGINAL);
    sodium_memzero(key, sizeof(key));
}

static void
send_one(const struct ob_config *cfg, const struct ob_webhook_send *s,
         const struct ob_netaddr *allow, int nallow, struct attempt *out)
{
    CURLU *u = curl_url();
    CURL *e = NULL;
    struct curl_slist *h = NULL, *pins = NULL;
    struct ob_buf answer;
    char *host = NULL, *port = NULL, *body = NULL;
    char pin[OB_NETADDR_TEXT + 4], line[1024], msg_id[32], sig[128], curl_error[CURL_ERROR_SIZE];
    int64_t ts = ob_clock_real(), t0;
    long status = 0;
    CURLcode rc;

    memset(out, 0, sizeof(*out));
    ob_buf_init(&answer, ANSWER_MAX);
    curl_error[0] = '\0';
    if (!u || curl_url_set(u, CURLUPART_URL, s->url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
        snprintf(out->error, sizeof(out->error), "bad URL");
        goto done;
    }
    if (resolve(host, allow, nallow, pin, sizeof(pin), out->error, sizeof(out->error)) != 0)
        goto done;
    if (!(body = body_of(s)) || !(e = curl_easy_init())) {
        snprintf(out->error, sizeof(out->error), "out of memory");
        goto done;
    }
    snprintf(msg_id, sizeof(msg_id), "msg_%" PRId64, s->event);
    sign(s->secret, msg_id, ts, body, sig, sizeof(sig));
    if (host[0] != '[') {
        snprintf(line, sizeof(line), "%s:%s:%s", host, port, pin);
        pins = curl_slist_append(pins, line);
        curl_easy_setopt(e, CURLOPT_RESOLVE, pins);
    }
    h = curl_slist_append(h, "Content-Type: application/json");
    snprintf(line, sizeof(line), "webhook-id: %s", msg_id);
    h = curl_slist_append(h, line);
    snprintf(line, sizeof(line), "webhook-timestamp: %" PRId64, ts);
    h = curl_slist_append(h, line);
    snprintf(line, sizeof(line), "webhook-signature: %s", sig);
    h = curl_slist_append(h, line);
    h = curl_slist_append(h, "User-Agent: Oblako-Webhooks/1");
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(e, CURLOPT_CURLU, u);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &answer);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_PROXY, "");
    curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, TIMEOUT_S);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, TIMEOUT_S);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, curl_error);
    if (cfg && cfg->webhook_ca_file[0])
        curl_easy_setopt(e, CURLOPT_CAINFO, cfg->webhook_ca_file);
    t0 = ob_clock_mono_us();
    rc = curl_easy_perform(e);
    out->answer_ms = (int)((ob_clock_mono_us() - t0) / 1000);
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    out->status = (int)status;
    if (rc != CURLE_OK)
        snprintf(out->error, sizeof(out->error), "no answer: %s",
                 curl_error[0] ? curl_error : curl_easy_strerror(rc));
    else if (status >= 200 && status < 300)
        out->ok = true;
    else if (status >= 300 && status < 400)
        snprintf(out->error, sizeof(out->error), "answered %ld (redirects are not followed)",
                 status);
    else
        snprintf(out->error, sizeof(out->error), "answered %ld: %.200s", status,
                 answer.len ? answer.p : "");
done:
    if (e)
        curl_easy_cleanup(e);
    curl_slist_free_all(h);
    curl_slist_free_all(pins);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    free(body);
    ob_buf_free(&answer);
}

int
ob_job_webhooks_run(struct ob_ctx *ctx, char *detail, size_t size)
{
    struct ob_netaddr allow[OB_NETADDR_MAX_LIST];
    struct ob_webhook_send due[BATCH];
    int nallow = 0, sent = 0, ok = 0, rc = 0, n = 0;
    int64_t start = ob_clock_mono_us();

    if (ctx->cfg && (nallow = ob_netaddr_parse_list(ob_config_webhook_allow(ctx->cfg), allow,
                                                    OB_NETADDR_MAX_LIST, &ctx->err)) < 0)
        return nallow;
    while (sent < RUN_MAX && ob_clock_mono_us() - start < RUN_US &&
           (n = ob_webhook_due(ctx, due, BATCH)) > 0) {
        int taken = 0;

        for (int i = 0; i < n && sent < RUN_MAX && ob_clock_mono_us() - start < RUN_US; i++) {
            struct attempt a;

            if ((rc = ob_webhook_claim(ctx, &due[i])) < 0)
                return rc;
            if (rc == 0)
                continue;
            taken++;
            send_one(ctx->cfg, &due[i], allow, nallow, &a);
            sent++;
            ok += a.ok;
            if ((rc = ob_webhook_record(ctx, &due[i], a.ok, a.status, a.answer_ms, a.error)) != 0)
                return rc;
        }
        if (!taken)
            break; /* another runner has them */
    }
    if (n < 0)
        return n;
    snprintf(detail, size, "%d attempts, %d delivered", sent, ok);
    return 0;
}
