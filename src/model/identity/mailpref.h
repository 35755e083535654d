/*
 * mailpref.h — which event mails a person gets (R-NOT-3, issue 13).
 *
 * A person may turn off the kinds of event mail that are not about access
 * or money (OB_MAIL_OPTIONAL); every other mail (reminders, statements,
 * requests decided, passwords, invitations, a partner owner's transfer
 * steps) goes whatever the person chose. Senders of event mail to a person
 * go through ob_mail_person / ob_mail_members, which skip the mail when the
 * recipient turned its kind off. The list and who receives each kind are in
 * docs/events.md.
 */
#ifndef OB_MODEL_IDENTITY_MAILPREF_H
#define OB_MODEL_IDENTITY_MAILPREF_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

struct ob_ctx;

/* The kinds a person may turn off, NULL-terminated, in canonical order. */
#define OB_MAIL_OPTIONAL 6
extern const char *const ob_mail_optional[];

/* Check a JSON array of kinds (field "mail_off") and write them, canonical
 * order, no repeats, comma-separated into out (size ≥ 256). OB_EINVAL naming
 * the field for anything but an array of optional kinds. */
int ob_mail_off_parse(struct ob_ctx *ctx, const json_t *kinds, char *out, size_t size);
/* The kinds `person` turned off, canonical order, into out[]; returns how
 * many (none when they cannot be read). */
int ob_mail_off_kinds(struct ob_ctx *ctx, int64_t person, const char *out[OB_MAIL_OPTIONAL]);

/* Set vars[key_ru] = "12.03.2027" and vars[key_en] = "12 Mar 2027" for the
 * day (templates say dates in their own language's way). */
void ob_mail_day(json_t *vars, const char *key, int32_t day);

/* Queue template `tmpl` for `person` (their address and language; vars get
 * "name", the person's name or else email, unless vars has one) unless the
 * person is disabled or turned `kind` off (kind NULL: a mail that cannot be
 * turned off). *id (may be NULL) gets the message's id, 0 when skipped.
 * Joins the caller's transaction. */
int ob_mail_person(struct ob_ctx *ctx, int64_t person, const char *kind, const char *tmpl,
                   json_t *vars, int64_t account, int64_t *id);
/* The same for each member of `account` holding any role of `roles` (an
 * OB_ROLE_* mask), oldest membership first; *sent (may be NULL) counts the
 * mails queued. */
int ob_mail_members(struct ob_ctx *ctx, int64_t account, unsigned roles, const char *kind,
                    const char *tmpl, json_t *vars, int *sent);

#endif
