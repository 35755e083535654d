/*
 * outbox.h — durable email (R-NOT-4).
 *
 * A message is rendered from its template at the moment of the event and
 * written to the outbox in the event's own transaction, together with a
 * queued 'mail.send' task; the job runner delivers it (mail/send.c). If the
 * transaction rolls back, there is no message; once it commits, the message
 * is delivered however long the mail server is down.
 *
 * Templates are files, one set per language: src/mail/templates/LANG/NAME.
 * {subject,txt,html}, compiled into the binary. "{{var}}" is replaced by a
 * value of `vars` (HTML-escaped in .html); every message also gets
 * {{public_url}}. A template that names a missing variable is a bug and the
 * add fails.
 */
#ifndef OB_MODEL_CORE_OUTBOX_H
#define OB_MODEL_CORE_OUTBOX_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

struct ob_ctx;

struct ob_mail {
    int64_t id;
    const char *to, *subject, *text, *html, *message_id, *state;  /* in ctx's arena */
    int64_t created_at;
};

/* Render template `tmpl` in `lang` ("ru"/"en", else ru) with vars and queue
 * it for `to`. account (or 0) says whose mail it is. Joins the caller's
 * transaction. */
int ob_outbox_add(struct ob_ctx *ctx, const char *to, const char *lang, const char *tmpl,
                  json_t *vars, int64_t account);
/* The same, giving the message's id (a reminder keeps the ids of its mails). */
int ob_outbox_queue(struct ob_ctx *ctx, const char *to, const char *lang, const char *tmpl,
                    json_t *vars, int64_t account, int64_t *id);
/* Render without queueing (for tests and previews); strings in the arena. */
int ob_outbox_render(struct ob_ctx *ctx, const char *lang, const char *tmpl, json_t *vars,
                     const char **subject, const char **text, const char **html);
/* Expand template file `path` of the mail assets ("/page/regpage.html":
 * the public registration page uses the same engine) with vars, escaping
 * values for HTML when html; the text in ctx's arena. */
int ob_template_render(struct ob_ctx *ctx, const char *path, json_t *vars, bool html,
                       const char **out);
int ob_outbox_get(struct ob_ctx *ctx, int64_t id, struct ob_mail *out);
/* The newest `limit` messages, newest first, whatever their state: fn gets
 * each (strings in the arena) and returns 0 to go on.
 * `oblako mail list` reads the demo's mail this way. */
int ob_outbox_list(struct ob_ctx *ctx, int limit, int (*fn)(const struct ob_mail *, void *),
                   void *arg);
/* Queue a copy of message `id` (its rendered subject and bodies, address,
 * language, template and account) with a new Message-ID, marked as
 * re-sent from it (outbox.resent_from, unique: a second copy of the same
 * message fails as a conflict). No checks of who asks: the caller's.
 * Joins the transaction; *copy gets the new message's id. */
int ob_outbox_copy(struct ob_ctx *ctx, int64_t id, int64_t *copy);
/* Mark sent or failed (the sender's bookkeeping). Joins the transaction. */
int ob_outbox_mark(struct ob_ctx *ctx, int64_t id, const char *state, const char *error);
/* Mail waiting to be sent: how many, and when the oldest was written (0 for
 * none); both through the outbox_state index (/metrics). */
int ob_outbox_waiting(struct ob_ctx *ctx, int64_t *depth, int64_t *oldest);

#endif
