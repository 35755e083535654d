/*
 * send.h — delivering the outbox by SMTP (R-NOT-4).
 *
 * A queued 'mail.send' task names an outbox row (model/core/outbox.h). Its
 * handler builds the RFC 5322 message from the row and hands it to the SMTP
 * server with libcurl. The row is marked 'sent' and the task finished in one
 * transaction, and only after the server accepted the DATA; a 5xx answer
 * fails the message for good (the answer kept as last_error); anything else
 * is tried again with the task queue's back-off.
 *
 * The message builder is separate from the network so that the unit tests
 * can look at what would be sent.
 */
#ifndef OB_MAIL_SEND_H
#define OB_MAIL_SEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ob_buf;
struct ob_config;
struct ob_ctx;
struct ob_task;

/* What goes into one message. Strings are UTF-8; none may hold CR or LF. */
struct ob_mail_msg {
    const char *from;       /* "Display Name <addr>" or "addr" */
    const char *to;         /* a bare address */
    const char *subject;
    const char *text, *html;    /* the two alternatives; LF or CRLF line ends */
    const char *message_id; /* "<…@host>" */
    int64_t date;           /* UTC seconds */
    const char *boundary;   /* NULL: a random one */
};

/* Base64 lines of a MIME body part are this long (RFC 2045 §6.8). */
#define OB_MAIL_B64_LINE 76

/* Append the whole message, headers and body, CRLF line ends, to b.
 * Returns 0, OB_EINVAL (a header value is missing, has CR/LF or is not
 * UTF-8; from has no address) or OB_ETOOLARGE; on error b holds garbage. */
int ob_mail_build(struct ob_buf *b, const struct ob_mail_msg *m);

/* The address of a mailbox, "Name <a@b>" -> "a@b", "a@b" -> "a@b".
 * Returns 0 or OB_EINVAL (no address, or it does not fit). */
int ob_mail_address(const char *mailbox, char *out, size_t size);

/* curl_global_init, once per process, before any thread starts. */
int ob_mail_global_init(void);

/* Can this node deliver mail? False without --smtp-url: then 'mail.send'
 * tasks are not claimed here and wait, attempts untouched (jobs.h gates). */
bool ob_mail_ready(const struct ob_config *cfg);

/* The 'mail.send' task handler (jobs.h). Payload {"outbox": ID}. */
int ob_mail_send_task(struct ob_ctx *ctx, const char *node, const struct ob_task *t, char *error,
                      size_t size);

#endif
