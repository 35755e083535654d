/*
 * send.c — the outbox sender: building a message and handing it to SMTP.
 *
 * Each outbox row has one 'mail.send' task (unique key "mail:ID"), so the
 * task queue decides who sends what and when: one runner holds a task at a
 * time (FOR UPDATE SKIP LOCKED on PostgreSQL, the write lock on SQLite),
 * failed attempts come back with back-off, and a runner that dies leaves its
 * lease to expire. This file only turns a row into bytes and bytes into an
 * SMTP transaction, and says how it went:
 *
 *   - the server accepted the DATA (curl_easy_perform returned CURLE_OK):
 *     the row becomes 'sent' and the task 'done' in ONE transaction. If this
 *     runner's lease has run out meanwhile, the mark is committed anyway, so
 *     the runner that took the task over finds the row sent and only
 *     finishes the task;
 *   - the server answered 5xx to MAIL, RCPT or DATA: it will never take this
 *     message; the row becomes 'failed' with the answer as last_error and
 *     the task fails for good (OB_EINVAL);
 *   - anything else (no connection, a timeout, a 4xx, refused credentials,
 *     which are this node's problem and not the message's): the answer is
 *     kept as last_error, the row stays 'queued' and the task is retried,
 *     until it runs out of attempts and the row is 'failed' too.
 *
 * "Never twice" rests on the order above: nothing marks a row sent before
 * the server took it, and a row marked sent is never sent again. What is
 * left is the window between the server's "250" after DATA and our commit:
 * if the process dies there, or the database stays away for the few seconds
 * the mark is retried, the message goes again on the next attempt, with the
 * same Message-ID, which lets mail clients drop the copy. curl's timeouts
 * (10 s to connect, 60 s in all) keep an attempt well inside the task lease
 * (runner.c: 120 s), so a lease never expires under a send in progress.
 *
 * The message: From, To, Subject (RFC 2047 when not ASCII), Date, the
 * stored Message-ID, and a multipart/alternative body with a text/plain and
 * a text/html part, both UTF-8 in base64 with lines of 76 (RFC 2045). Text
 * goes to base64 in canonical form, CRLF line ends.
 */
#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/config.h"
#include "base/ctx.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/rand.h"
#include "base/utf8.h"
#include "db/db.h"
#include "mail/mime.h"
#include "mail/send.h"
#include "model/core/outbox.h"
#include "model/core/task.h"
#include "base/banned.h"

#define MSG_MAX ((size_t)16 << 20)
#define ADDR_MAX 320
#define CONNECT_TIMEOUT_S 10L
#define TIMEOUT_S 60L
#define MARK_TRIES 5
#define VARIANT sodium_base64_VARIANT_ORIGINAL

/* ---- building ---------------------------------------------------------- */

static bool
printable_ascii(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x20 || s[i] > 0x7E)
            return false;
    return true;
}

/* A display name of only these (RFC 5322 atext and space) needs no quotes. */
static bool
plain_phrase(const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              strchr(" !#$%&'*+-/=?^_`{|}~", c)))
            return false;
    }
    return true;
}

static bool
valid_address(const char *a, size_t n)
{
    const char *at = memchr(a, '@', n);

    if (n == 0 || n >= ADDR_MAX || !at || at == a || at == a + n - 1)
        return false;
    for (size_t i = 0; i < n; i++)
        if (a[i] <= 0x20 || a[i] > 0x7E || strchr("<>()[]\\,;:\"", a[i]))
            return false;
    return true;
}

/* Split "Name <addr>" into its parts (name may come back empty). */
static int
split_mailbox(const char *mb, const char **name, size_t *name_len, const char **addr,
              size_t *addr_len)
{
    const char *lt = strrchr(mb, '<'), *gt = lt ? strchr(lt, '>') : NULL;

    if (lt && gt && gt[1] == '\0') {
        *name = mb;
        *name_len = (size_t)(lt - mb);
        while (*name_len && (*name)[*name_len - 1] == ' ')
            (*name_len)--;
        if (*name_len >= 2 && mb[0] == '"' && mb[*name_len - 1] == '"') {
            (*name)++;
            *name_len -= 2;
        }
        *addr = lt + 1;
        *addr_len = (size_t)(gt - lt - 1);
    } else {
        *name = "";
        *name_len = 0;
        *addr = mb;
        *addr_len = strlen(mb);
    }
    return valid_address(*addr, *addr_len) ? 0 : OB_EINVAL;
}

int
ob_mail_address(const char *mailbox, char *out, size_t size)
{
    const char *name, *addr;
    size_t nlen, alen;

    if (!mailbox || split_mailbox(mailbox, &name, &nlen, &addr, &alen) != 0 || alen >= size)
        return OB_EINVAL;
    memcpy(out, addr, alen);
    out[alen] = '\0';
    return 0;
}

/* A display name: as it is, quoted, or as RFC 2047 encoded words. */
static int
add_phrase(struct ob_buf *b, const char *name, size_t n)
{
    char tmp[256];
    int rc = 0;

    if (n >= sizeof(tmp))
        return OB_EINVAL;
    memcpy(tmp, name, n);
    tmp[n] = '\0';
    if (!printable_ascii(tmp, n) || strstr(tmp, "=?"))
        return ob_mime_header_encode_at(b, tmp, strlen("From: "));
    if (plain_phrase(tmp))
        return ob_buf_adds(b, tmp);
    rc = ob_buf_addc(b, '"');
    for (const char *p = tmp; *p && rc == 0; p++) {
        if (*p == '"' || *p == '\\')
            rc = ob_buf_addc(b, '\\');
        if (rc == 0)
            rc = ob_buf_addc(b, *p);
    }
    return rc ? rc : ob_buf_addc(b, '"');
}

static int
add_from(struct ob_buf *b, const char *from)
{
    const char *name, *addr;
    size_t nlen, alen;
    int rc;

    if (!from || split_mailbox(from, &name, &nlen, &addr, &alen) != 0)
        return OB_EINVAL;
    rc = ob_buf_adds(b, "From: ");
    if (rc == 0 && nlen) {
        rc = add_phrase(b, name, nlen);
        if (rc == 0)
            rc = ob_buf_adds(b, " ");
    }
    if (rc == 0)
        rc = ob_buf_addf(b, "<%.*s>\r\n", (int)alen, addr);
    return rc;
}

/* RFC 5322 §3.3, in UTC: "Tue, 07 Jul 2026 09:05:00 +0000". */
static void
format_date(int64_t t, char *out, size_t size)
{
    static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
    static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    time_t tt = (time_t)t;
    struct tm tm;

    gmtime_r(&tt, &tm);
    snprintf(out, size, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
             months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static int
add_headers(struct ob_buf *b, const struct ob_mail_msg *m, const char *boundary)
{
    char date[64];
    int rc;

    if (!m->to || !valid_address(m->to, strlen(m->to)) || !m->message_id ||
        !printable_ascii(m->message_id, strlen(m->message_id)) || !m->subject ||
        !ob_utf8_valid(m->subject))
        return OB_EINVAL;
    format_date(m->date, date, sizeof(date));
    if ((rc = add_from(b, m->from)) != 0)
        return rc;
    rc = ob_buf_addf(b, "To: %s\r\nSubject: ", m->to);
    if (rc == 0)
        rc = ob_mime_header_encode_at(b, m->subject, strlen("Subject: "));
    if (rc == 0)
        rc = ob_buf_addf(b,
                         "\r\nDate: %s\r\nMessage-ID: %s\r\nMIME-Version: 1.0\r\n"
                         "Auto-Submitted: auto-generated\r\n"
                         "Content-Type: multipart/alternative;\r\n boundary=\"%s\"\r\n\r\n",
                         date, m->message_id, boundary);
    return rc;
}

/* One body part: the text in canonical form (CRLF), base64, lines of 76. */
static int
add_part(struct ob_buf *b, const char *boundary, const char *type, const char *body)
{
    struct ob_buf canon;
    size_t n;
    char *b64;
    int rc = 0;

    if (!body || !ob_utf8_valid(body))
        return OB_EINVAL;
    ob_buf_init(&canon, MSG_MAX);
    for (const char *p = body; *p && rc == 0; p++) {
        if (*p == '\n' && (p == body || p[-1] != '\r'))
            rc = ob_buf_addc(&canon, '\r');
        if (rc == 0)
            rc = ob_buf_addc(&canon, *p);
    }
    if (rc == 0)
        rc = ob_buf_addf(b,
                         "--%s\r\nContent-Type: %s; charset=utf-8\r\n"
                         "Content-Transfer-Encoding: base64\r\n\r\n",
                         boundary, type);
    if (rc == 0) {
        b64 = ob_xmalloc(sodium_base64_ENCODED_LEN(canon.len, VARIANT));
        sodium_bin2base64(b64, sodium_base64_ENCODED_LEN(canon.len, VARIANT),
                          (const unsigned char *)canon.p, canon.len, VARIANT);
        n = strlen(b64);
        for (size_t i = 0; i < n && rc == 0; i += OB_MAIL_B64_LINE) {
            rc = ob_buf_add(b, b64 + i, n - i < OB_MAIL_B64_LINE ? n - i : OB_MAIL_B64_LINE);
            if (rc == 0)
                rc = ob_buf_adds(b, "\r\n");
        }
        free(b64);
    }
    ob_buf_free(&canon);
    return rc;
}

int
ob_mail_build(struct ob_buf *b, const struct ob_mail_msg *m)
{
    char boundary[64], rnd[33];
    int rc;

    if (m->boundary) {
        snprintf(boundary, sizeof(boundary), "%s", m->boundary);
    } else {
        /* "=_" cannot start a base64 line, so the boundary never occurs in a part. */
        ob_rand_hex(rnd, 16);
        snprintf(boundary, sizeof(boundary), "=_oblako_%s", rnd);
    }
    rc = add_headers(b, m, boundary);
    if (rc == 0)
        rc = add_part(b, boundary, "text/plain", m->text);
    if (rc == 0)
        rc = add_part(b, boundary, "text/html", m->html);
    if (rc == 0)
        rc = ob_buf_addf(b, "--%s--\r\n", boundary);
    return rc;
}

/* ---- sending ----------------------------------------------------------- */

int
ob_mail_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : OB_EINTERNAL;
}

bool
ob_mail_ready(const struct ob_config *cfg)
{
    return cfg && cfg->smtp_url[0];
}

struct upload {
    const char *p;
    size_t left;
};

static size_t
read_body(char *dst, size_t size, size_t nitems, void *arg)
{
    struct upload *u = arg;
    size_t n = size * nitems < u->left ? size * nitems : u->left;

    memcpy(dst, u->p, n);
    u->p += n;
    u->left -= n;
    return n;
}

struct attempt {
    CURLcode rc;
    long code;              /* the server's last reply code, 0 when none */
    char answer[256];       /* the server's last reply line */
    char curl_error[CURL_ERROR_SIZE];
};

/* Keep the server's last refusal (4xx or 5xx), for last_error: after a
 * refused RCPT, curl still says QUIT, and "221 Bye" is not the news. */
static int
trace(CURL *h, curl_infotype type, char *data, size_t size, void *arg)
{
    struct attempt *a = arg;
    size_t n = size;

    (void)h;
    if (type != CURLINFO_HEADER_IN || n < 3 || (data[0] != '4' && data[0] != '5'))
        return 0;
    while (n && (data[n - 1] == '\r' || data[n - 1] == '\n'))
        n--;
    snprintf(a->answer, sizeof(a->answer), "%.*s", (int)n, data);
    return 0;
}

static void
smtp_send(const struct ob_config *cfg, const char *from, const char *to, const struct ob_buf *msg,
          struct attempt *a)
{
    struct upload up = { msg->p, msg->len };
    struct curl_slist *rcpt = NULL;
    char env_from[ADDR_MAX + 2], env_to[ADDR_MAX + 2];
    CURL *h = curl_easy_init();

    memset(a, 0, sizeof(*a));
    if (!h) {
        a->rc = CURLE_OUT_OF_MEMORY;
        return;
    }
    snprintf(env_from, sizeof(env_from), "<%s>", from);
    snprintf(env_to, sizeof(env_to), "<%s>", to);
    rcpt = curl_slist_append(rcpt, env_to);
    curl_easy_setopt(h, CURLOPT_URL, cfg->smtp_url);
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, env_from);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_body);
    curl_easy_setopt(h, CURLOPT_READDATA, &up);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)msg->len);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, TIMEOUT_S);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, a->curl_error);
    curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);           /* for trace() only */
    curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, trace);
    curl_easy_setopt(h, CURLOPT_DEBUGDATA, a);
    a->rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &a->code);
    curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, NULL);  /* the QUIT at cleanup is not kept */
    curl_easy_setopt(h, CURLOPT_VERBOSE, 0L);
    curl_easy_cleanup(h);
    curl_slist_free_all(rcpt);
}

/* A 5xx to MAIL, RCPT or DATA: this message will never be taken. Refused
 * credentials (535) are the node's configuration, not the message's. */
static bool
permanent(const struct attempt *a)
{
    return a->rc != CURLE_OK && a->rc != CURLE_LOGIN_DENIED && a->code >= 500 && a->code < 600;
}

static void
describe(const struct attempt *a, char *error, size_t size)
{
    const char *what = a->curl_error[0] ? a->curl_error : curl_easy_strerror(a->rc);

    if (a->code >= 400 && a->answer[0])
        snprintf(error, size, "smtp: %s (%s)", a->answer, what);
    else
        snprintf(error, size, "smtp: %s", what);
}

/* ---- bookkeeping ------------------------------------------------------- */

struct mark_args {
    int64_t id;
    const char *state, *error, *node;
    const struct ob_task *t;
};

static int
mark_only(struct ob_ctx *ctx, void *arg)
{
    struct mark_args *a = arg;

    return ob_outbox_mark(ctx, a->id, a->state, a->error);
}

static int
mark_sent(struct ob_ctx *ctx, void *arg)
{
    struct mark_args *a = arg;
    int rc = ob_outbox_mark(ctx, a->id, "sent", NULL);

    if (rc == 0 && (rc = ob_task_finish(ctx, a->node, a->t)) == OB_ECONFLICT) {
        /* Our lease ran out and another runner holds the task: keep the mark,
         * so that runner finds the message sent and does not send it again. */
        ob_log(OB_LOG_WARN, "mail sent after the task's lease expired", "{s:I}", "outbox",
               (json_int_t)a->id);
        ob_err_clear(&ctx->err);
        rc = 0;
    }
    return rc;
}

/* The server has the message: record it, trying a little harder than usual,
 * since every failure here means the message goes out a second time. */
static int
record_sent(struct ob_ctx *ctx, struct mark_args *a, char *error, size_t size)
{
    int rc = 0;

    for (int i = 0; i < MARK_TRIES; i++) {
        if (i)
            sleep(1);
        ob_err_clear(&ctx->err);
        if ((rc = ob_db_tx(ctx, OB_DB_WRITE, mark_sent, a)) == 0)
            return 0;
    }
    snprintf(error, size, "sent, but not recorded: %s", ctx->err.message);
    ob_log(OB_LOG_ERROR, "mail sent but not recorded; it may go out again", "{s:I, s:s}",
           "outbox", (json_int_t)a->id, "error", ctx->err.message);
    return rc;
}

static void
record(struct ob_ctx *ctx, int64_t id, const char *state, const char *error)
{
    struct mark_args a = { id, state, error, NULL, NULL };

    if (ob_db_tx(ctx, OB_DB_WRITE, mark_only, &a) != 0)
        ob_log(OB_LOG_WARN, "cannot record the state of a message", "{s:I, s:s, s:s}", "outbox",
               (json_int_t)id, "state", state, "error", ctx->err.message);
    ob_err_clear(&ctx->err);
}

/* ---- the task handler -------------------------------------------------- */

static int
payload_id(const char *payload, int64_t *id)
{
    json_t *p = json_loads(payload ? payload : "", 0, NULL);
    json_t *v = json_object_get(p, "outbox");
    int rc = json_is_integer(v) && json_integer_value(v) > 0 ? 0 : OB_EINVAL;

    if (rc == 0)
        *id = (int64_t)json_integer_value(v);
    json_decref(p);
    return rc;
}

static int
build_row(struct ob_ctx *ctx, const struct ob_mail *m, struct ob_buf *msg)
{
    struct ob_mail_msg mm = {
        .from = ctx->cfg->mail_from,
        .to = m->to,
        .subject = m->subject,
        .text = m->text,
        .html = m->html,
        .message_id = m->message_id,
        .date = ob_clock_real(),
    };

    return ob_mail_build(msg, &mm);
}

/* Send the built message and record the outcome; the handler's return code. */
static int
deliver(struct ob_ctx *ctx, const char *node, const struct ob_task *t, const char *from,
        const struct ob_mail *m, const struct ob_buf *msg, char *error, size_t size)
{
    struct mark_args sent = { m->id, "sent", NULL, node, t };
    struct attempt a;

    smtp_send(ctx->cfg, from, m->to, msg, &a);
    if (a.rc == CURLE_OK) {
        ob_log(OB_LOG_INFO, "mail sent", "{s:I, s:s, s:i}", "outbox", (json_int_t)m->id,
               "message_id", m->message_id, "attempt", t->attempts);
        return record_sent(ctx, &sent, error, size);
    }
    describe(&a, error, size);
    if (permanent(&a)) {
        record(ctx, m->id, "failed", error);
        return OB_EINVAL;
    }
    record(ctx, m->id, t->attempts >= t->max_attempts ? "failed" : "queued", error);
    return OB_EUNAVAIL;
}

int
ob_mail_send_task(struct ob_ctx *ctx, const char *node, const struct ob_task *t, char *error,
                  size_t size)
{
    struct ob_mail m;
    struct ob_buf msg;
    char from[ADDR_MAX];
    int64_t id = 0;
    int rc;

    if (payload_id(t->payload, &id) != 0) {
        snprintf(error, size, "payload has no 'outbox' id");
        return OB_EINVAL;
    }
    if (!ob_mail_ready(ctx->cfg)) {
        snprintf(error, size, "no --smtp-url configured");
        return OB_EUNAVAIL;
    }
    if (ob_mail_address(ctx->cfg->mail_from, from, sizeof(from)) != 0) {
        snprintf(error, size, "--mail-from '%s' has no address", ctx->cfg->mail_from);
        return OB_EUNAVAIL;     /* this node's configuration, not the message */
    }
    if ((rc = ob_outbox_get(ctx, id, &m)) != 0) {
        snprintf(error, size, "%s", ctx->err.message);
        return rc == OB_ENOTFOUND ? OB_EINVAL : rc;
    }
    if (!strcmp(m.state, "sent")) {     /* sent by a runner whose lease ran out */
        if ((rc = ob_task_done(ctx, node, t)) != 0)
            snprintf(error, size, "%s", ctx->err.message);
        return rc;
    }
    if (!strcmp(m.state, "failed")) {
        snprintf(error, size, "message %lld was given up on", (long long)id);
        return OB_EINVAL;
    }
    ob_buf_init(&msg, MSG_MAX);
    if ((rc = build_row(ctx, &m, &msg)) != 0) {
        snprintf(error, size, "message %lld cannot be built (bad address or text)", (long long)id);
        record(ctx, id, "failed", error);
        rc = OB_EINVAL;
    } else {
        rc = deliver(ctx, node, t, from, &m, &msg, error, size);
    }
    ob_buf_free(&msg);
    return rc;
}
