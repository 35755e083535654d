/*
 * person.h — people: one login (email + password) for any number of
 * accounts (R-ACT-1).
 *
 * Emails are normalised (trimmed, lower case) before they are stored or
 * looked up, so they are unique case-insensitively. Passwords are hashed
 * with argon2id (libsodium crypto_pwhash_str) at the interactive limits; a
 * server started with --test-clock uses the minimum limits so the tests run
 * fast. At most --hash-concurrency hashes run at once (each takes 64 MiB),
 * so a storm of sign-ins waits instead of eating the memory.
 */
#ifndef OB_MODEL_IDENTITY_PERSON_H
#define OB_MODEL_IDENTITY_PERSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct ob_ctx;

#define OB_EMAIL_MAX 254
#define OB_PASSWORD_MIN 10          /* characters (code points), not bytes */
#define OB_PASSWORD_MAX 256
#define OB_PASSWORD_DISTINCT 5      /* different characters at least */

struct ob_person {
    int64_t id;
    const char *email, *name, *lang;    /* in ctx's arena */
    bool has_password, totp_enabled, disabled;
};

/* Normalise and check an email; OB_EINVAL naming `field` when it is not one. */
int ob_email_normalize(struct ob_ctx *ctx, const char *in, char *out, size_t size,
                       const char *field);
/* Check a new password against the rules: 10 to 256 characters of valid
 * UTF-8, at least 5 different ones, not the email, not one of the most
 * common passwords (data/common-passwords.txt, compared case-insensitively
 * in Latin and Cyrillic); OB_EINVAL naming `field`. */
int ob_password_check(struct ob_ctx *ctx, const char *password, const char *email,
                      const char *field);
/* Hash and verify, within the concurrency cap (OB_EUNAVAIL if the wait is
 * too long). */
int ob_password_hash(struct ob_ctx *ctx, const char *password, char *out, size_t size);
int ob_password_verify(struct ob_ctx *ctx, const char *hash, const char *password, bool *ok);
/* Set the cap; call once at start. */
void ob_password_limit(int concurrency);

int ob_person_get(struct ob_ctx *ctx, int64_t id, struct ob_person *out);
/* Find by (normalised) email; OB_ENOTFOUND when none. */
int ob_person_find(struct ob_ctx *ctx, const char *email, struct ob_person *out);
/* The person with this email, created without a password when new. Joins
 * the caller's transaction. */
int ob_person_ensure(struct ob_ctx *ctx, const char *email, const char *name, const char *lang,
                     int64_t *id, bool *created);
/* Set a password (already checked) for person id. Joins the transaction. */
int ob_person_set_password(struct ob_ctx *ctx, int64_t id, const char *password);

/* What a person may change of themselves (PATCH /api/v1/me); NULL fields
 * stay. mail_off: a JSON array of the kinds of event mail to turn off
 * (model/identity/mailpref.h), replacing the list. Signed-in sessions only (not API tokens). A new password needs the
 * current one, which counts as a guess on the person's sign-in limit; it
 * ends every other browser session of the person (all but the one whose
 * cookie is `session`) and revokes their API tokens unless keep_tokens. */
struct ob_person_change {
    const char *name, *lang, *password, *current_password;
    const json_t *mail_off;
    const char *session;        /* the cookie of the session making the change */
    bool keep_tokens;
};
int ob_person_change(struct ob_ctx *ctx, const struct ob_person_change *ch);

#endif
