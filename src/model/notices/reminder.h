/*
 * reminder.h — the emails about the end of access (R-NOT-1).
 *
 * The daily pass looks up, through access_ends_day, the ends whose day
 * L + offset fell in the business days since the last pass (one day, or the
 * days of an outage), and for each end sends only the latest offset due
 * (marked late when its day has passed) and records the earlier ones
 * skipped. The ledger (reminders, UNIQUE subscriber, chain, end_key,
 * offset) makes every reminder once per end: two passes at once, or a pass
 * repeated by hand, send nothing twice. An end renewed meanwhile has a new
 * end_key and a later last_day, so the old one is never due again; a
 * deferral keeps end_key, so the offsets sent stay sent and the rest fall
 * from the new L.
 *
 * Recipients: the subscriber's members with the owner or administrator
 * role whose person is not disabled, each in its language (persons.lang).
 */
#ifndef OB_MODEL_NOTICES_REMINDER_H
#define OB_MODEL_NOTICES_REMINDER_H

#include <stddef.h>
#include <stdint.h>

struct ob_ctx;
struct ob_err;

#define OB_REMINDER_OFFSETS_DEFAULT "-7,-3,0,5"
#define OB_REMINDER_MAX_OFFSETS 8
#define OB_REMINDER_MAX_DAYS 60         /* an offset is within ±60 days of L */
#define OB_REMINDER_MAX_GAP 366         /* days of an outage looked back at */

/* Offsets are text like "-7,-3,0,5": distinct, at most OB_REMINDER_MAX_OFFSETS,
 * each within ±OB_REMINDER_MAX_DAYS; kept sorted. */

struct ob_reminder_pass {
    int32_t from, to;                   /* the business days (from, to] looked at */
    int64_t sent, skipped, mails;
};

/* Check the provider's offsets setting (`--reminder-offsets`), so that
 * serve and jobs refuse a bad list at start instead of failing each daily
 * pass; OB_EINVAL naming "reminder-offsets" when it is not one. */
int ob_reminder_offsets_check(const char *text, struct ob_err *err);

/* Run the pass for the business days since the last one, up to today,
 * with the provider's offsets (text; NULL: the default) and each partner's
 * own. Its own write transactions: the ends due are read, then written in
 * batches of a few hundred ends (the last one records the day passed). */
int ob_reminders_run(struct ob_ctx *ctx, const char *offsets, struct ob_reminder_pass *out);

/* The provider (admin or operator) sets partner's own offsets: text as
 * parsed above, or NULL / "" for the provider's list; audited
 * "partner.reminder_offsets_changed". *stored gets the list kept (sorted,
 * NULL when none). OB_ENOTFOUND outside the actor's scope, OB_EPERM for the
 * partner's own employees. */
int ob_reminder_partner_offsets_set(struct ob_ctx *ctx, int64_t partner, const char *text,
                                    const char **stored);
/* The partner's own list ("" when it has none). No access check. */
int ob_reminder_partner_offsets_get(struct ob_ctx *ctx, int64_t partner, char *out, size_t size);

#endif
