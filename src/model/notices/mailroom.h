/*
 * mailroom.h — what was mailed, as the people it concerns may read it
 * (issue 13 item 7).
 *
 * - A subscriber's owner and administrators (and its serving partner's
 *   employees, provider staff) read the reminders sent about its account:
 *   each with the day it went, the L it said ("through L"), its offset, the
 *   late mark, and the mails (one per recipient) with their outbox state.
 * - A partner's employees read, per client they serve, the last reminder
 *   sent and whether the mail server accepted it (outbox state: sent,
 *   queued, failed). Another partner's clients do not exist for them.
 * - Provider staff read the outbox with filters; a provider admin re-sends a
 *   failed or sent message as a new one (a copy with a new Message-ID,
 *   audited), once per message however many clicks. The bodies of mails
 *   that carry a single-use secret (a password link, an invitation) are
 *   never shown, nor re-sent (docs/decisions.md).
 */
#ifndef OB_MODEL_NOTICES_MAILROOM_H
#define OB_MODEL_NOTICES_MAILROOM_H

#include <stdbool.h>
#include <stdint.h>

struct ob_ctx;

struct ob_reminder_mail {
    int64_t outbox, person, sent_at;
    const char *to, *name, *state;  /* state: queued, sent, failed */
};

struct ob_reminder_view {
    int64_t id, subscriber, code, created_at;
    const char *subscriber_name, *chain, *end_key, *last_day, *due_day, *sent_day, *state;
    int offset_days;
    bool late;
    int nmails;
    const struct ob_reminder_mail *mails;
};

typedef int (*ob_reminder_fn)(const struct ob_reminder_view *r, void *arg);

/* The reminders of subscriber `sub`, newest first, `limit` of them with
 * id < after (0: from the newest). Strings live in ctx's arena. */
int ob_mailroom_subscriber_reminders(struct ob_ctx *ctx, int64_t sub, int64_t after, int limit,
                                     ob_reminder_fn fn, void *arg);
/* The last reminder sent to each client partner `partner` serves (only
 * `subscriber` when not 0), newest first, paged by the reminder's id. */
int ob_mailroom_partner_reminders(struct ob_ctx *ctx, int64_t partner, int64_t subscriber,
                                  int64_t after, int limit, ob_reminder_fn fn, void *arg);
/* "за 7 дней до окончания", "в последний день", "через 5 дней после" (ru),
 * "7 days before the end", "on the last day", "5 days after" (en): in
 * ctx's arena. */
const char *ob_mailroom_offset_words(struct ob_ctx *ctx, int offset_days, const char *lang);

struct ob_outbox_filter {
    const char *state, *tmpl, *to;  /* exact; NULL: any */
    int64_t account;                /* 0: any */
    int64_t from, until;            /* created_at >= from, < until; 0: open */
};

struct ob_outbox_view {
    int64_t id, created_at, sent_at, account, resent_from, resent_as;
    const char *to, *lang, *tmpl, *subject, *state, *last_error, *message_id, *account_name;
    const char *text, *html;  /* NULL in lists, and when hidden */
    bool hidden;              /* the body carries a single-use secret */
};

typedef int (*ob_outbox_fn)(const struct ob_outbox_view *m, void *arg);

/* Provider staff: the outbox, newest first, filtered, id < after. */
int ob_mailroom_outbox(struct ob_ctx *ctx, const struct ob_outbox_filter *f, int64_t after,
                       int limit, ob_outbox_fn fn, void *arg);
/* Provider staff: one message with its bodies (unless hidden). */
int ob_mailroom_outbox_get(struct ob_ctx *ctx, int64_t id, struct ob_outbox_view *out);
/* A provider admin: queue message `id` (failed or sent) again as a new
 * message. If it was re-sent already (a double click, a retry), *copy is
 * that copy and *made false. Audited as mail.resent. */
int ob_mailroom_resend(struct ob_ctx *ctx, int64_t id, int64_t *copy, bool *made);

#endif
