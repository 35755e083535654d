/*
 * authn.h — getting in: sign-in sessions, API tokens, sign-in limits,
 * emailed single-use links and the TOTP second factor.
 *
 * A browser session is a 256-bit secret in an HttpOnly cookie; only its
 * BLAKE2b hash is stored, so a copy of the database lets nobody in. It
 * expires after --session-idle-minutes without use and --session-max-hours
 * after sign-in, by the business clock; signing out deletes it. Each
 * session has a CSRF token that state-changing requests carry in
 * X-CSRF-Token (or they come from the same origin, checked by Origin).
 *
 * Sign-in attempts are counted per email (5) and per address (30) in a
 * window of 15 minutes, reserved before the password is hashed; past the
 * limit the key is refused with OB_ERATE and retry_after until the window
 * ends, and then the right password works again. A right answer gives its
 * attempt back. The per-email count is the person's: wrong current
 * passwords and second-factor codes given anywhere count there too.
 */
#ifndef OB_MODEL_IDENTITY_AUTHN_H
#define OB_MODEL_IDENTITY_AUTHN_H

#include <stdbool.h>
#include <stdint.h>

struct ob_ctx;
struct json_t;

#define OB_SESSION_COOKIE "oblako_session"
#define OB_SECRET_LEN 44        /* 43 base64url characters + NUL */
#define OB_CSRF_LEN 33

struct ob_login {
    const char *email, *password, *otp;
};

struct ob_signed_in {
    int64_t person;
    char secret[OB_SECRET_LEN];     /* the cookie's value: shown to the browser only */
    char csrf[OB_CSRF_LEN];
};

/* Check credentials and limits, rotate: any session given in `old` is
 * ended, a new one starts. */
int ob_auth_login(struct ob_ctx *ctx, const struct ob_login *in, const char *old,
                  struct ob_signed_in *out);
/* Authenticate a request by its session cookie. When `changing` (a method
 * other than GET/HEAD), the request must carry the session's CSRF token or
 * a same-origin Origin (origin_ok). Fills ctx->actor; *csrf (may be NULL)
 * gets the session's token. */
int ob_auth_session(struct ob_ctx *ctx, const char *secret, bool changing, const char *csrf_header,
                    bool origin_ok, char *csrf);
int ob_auth_logout(struct ob_ctx *ctx, const char *secret);
/* Start a browser session of `person` without a password: a single-use
 * sign-in link (model/onboarding/signin.c) that its caller has checked.
 * The session of cookie `old` (may be NULL) ends. Audited as a sign-in.
 * Joins the caller's transaction. */
int ob_auth_session_start(struct ob_ctx *ctx, int64_t person, const char *email, const char *old,
                          struct ob_signed_in *out);
/* Choose the account a session works in (one of the person's). */
int ob_auth_switch(struct ob_ctx *ctx, const char *secret, int64_t account);
/* Authenticate by "Authorization: Bearer …". */
int ob_auth_bearer(struct ob_ctx *ctx, const char *token);

/* Password links. Start: always succeeds for a well-formed email (it does
 * not reveal whether the address is known); mails a link when it is. */
int ob_auth_reset_start(struct ob_ctx *ctx, const char *email);
/* Make a link of `purpose` ('reset' or 'activate') for person and mail it
 * with template tmpl. Joins the caller's transaction. */
int ob_auth_link_send(struct ob_ctx *ctx, int64_t person, const char *purpose, const char *tmpl,
                      const char *account_name);
/* Use a link: set the password, end every session of the person and,
 * unless keep_tokens, revoke their API tokens; every other link of the
 * person is used up with it. */
int ob_auth_reset_finish(struct ob_ctx *ctx, const char *token, const char *password,
                         bool keep_tokens);
/* After a password change: end the person's browser sessions but the one
 * whose cookie is keep_session (may be NULL: all), and revoke their API
 * tokens unless keep_tokens. *sessions and *tokens receive the counts.
 * Joins the transaction. */
int ob_auth_end_other_access(struct ob_ctx *ctx, int64_t person, const char *keep_session,
                             bool keep_tokens, int *sessions, int *tokens);

/* A guess of the person's secret outside sign-in (the current password of
 * PATCH /me, a second-factor code): begin reserves it on the person's
 * sign-in limit before it is checked (OB_ERATE with retry_after past the
 * limit); end gives it back when it was right. Their own transactions. */
int ob_auth_guess_begin(struct ob_ctx *ctx, const char *email);
int ob_auth_guess_end(struct ob_ctx *ctx, const char *email, bool right);

/* TOTP: start (a new secret, returned base32 with its otpauth URI), confirm
 * with a code (turns it on), turn off with a code. Signed-in sessions only
 * (not API tokens); a code counts as a guess and is accepted once. */
int ob_auth_totp_start(struct ob_ctx *ctx, char *secret32, size_t size, char *uri, size_t usize);
int ob_auth_totp_confirm(struct ob_ctx *ctx, const char *code);
int ob_auth_totp_disable(struct ob_ctx *ctx, const char *code);

/* Hash a secret for storage (hex BLAKE2b-256). */
/* A new random secret: 256 bits as 43 base64url characters. */
void ob_auth_new_secret(char out[OB_SECRET_LEN]);
void ob_auth_hash(const char *secret, char out[65]);

#endif
