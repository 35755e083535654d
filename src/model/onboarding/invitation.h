/*
 * invitation.h — invitation codes for registration and the sign-up that
 * activates one (R-ONB-1..3, R-ONB-6, R-SUB-1a).
 *
 * A partner's owner or operator (or provider staff, for a partner) makes a
 * code: 16 symbols of the alphabet 23456789ABCDEFGHJKLMNPQRSTUVWXYZ (no 0, O,
 * 1 or I: nothing to mistake when read aloud), 80 bits from libsodium's
 * randombytes, shown in groups of four (K7QF-2MXD-9TAB-W4HP). It carries a
 * trial tariff (TRIAL-30 unless the partner picks another trial tariff it may
 * use), expires after --invitation-days, may be revoked, and is single-use.
 * With an email, the code is mailed there.
 *
 * A person activates it by signing up (name, email, phone, password, code):
 * the inviting partner serves the new subscriber, its trial starts at once,
 * and the address gets the owner invitation of model/parties/invite.h —
 * the answer never tells whether the address has a login. A used, expired,
 * revoked or unknown code is refused with one and the same error.
 */
#ifndef OB_MODEL_ONBOARDING_INVITATION_H
#define OB_MODEL_ONBOARDING_INVITATION_H

#include <stdbool.h>
#include <stdint.h>

struct ob_ctx;

#define OB_INVITATION_SYMBOLS 16
#define OB_INVITATION_CODE_LEN 20   /* K7QF-2MXD-9TAB-W4HP (four groups of four) and NUL */

/* A new random code, formatted. */
void ob_invitation_code_new(char out[OB_INVITATION_CODE_LEN]);
/* Normalise a typed code: case is ignored; spaces, dashes (ASCII and
 * typographic), dots and underscores anywhere are dropped; Cyrillic letters
 * that look like Latin ones (А В Е К М Н Р С Т У Х, either case) are read as
 * those. 0, O, 1 and I are not in the alphabet and are not guessed at: a
 * code with one of them, any other character, or not exactly 16 symbols is
 * malformed (-1). 0 with out formatted in four groups of four (K7QF-2MXD-9TAB-W4HP). */
int ob_invitation_code_parse(const char *in, char out[OB_INVITATION_CODE_LEN]);

struct ob_invitation {
    int64_t id, partner, tariff, subscriber, subscriber_code;
    int64_t created_at, expires_at, revoked_at, activated_at;
    const char *code, *email, *lang, *partner_name, *tariff_code, *tariff_name;
    const char *subscriber_name;   /* "" while not activated */
    const char *created_by;        /* the creator's name or email, "" for the service */
    const char *state;             /* open, activated, expired, revoked */
};

struct ob_invitation_new {
    int64_t partner;
    const char *email;  /* NULL or "": none, the code is only shown */
    const char *lang;   /* of the mail: ru (default) or en */
    int64_t tariff;     /* a trial tariff the partner may use; 0: TRIAL-30 */
};

/* Create a code (owner/operator of in->partner, provider admin/operator),
 * mail it when an email is given, audit it. OB_ENOTFOUND on "tariff" for an
 * unknown tariff or another partner's, OB_EINVAL on "tariff" for one that is
 * not a trial. */
int ob_invitation_create(struct ob_ctx *ctx, const struct ob_invitation_new *in,
                         struct ob_invitation *out);
/* Revoke an open code (audited). OB_ENOTFOUND when the actor cannot see it,
 * OB_ECONFLICT when it is not open any more. */
int ob_invitation_revoke(struct ob_ctx *ctx, int64_t id, struct ob_invitation *out);

struct ob_invitation_filter {
    int64_t partner;    /* 0: every partner (provider staff only) */
    const char *state;  /* NULL: any */
    const char *q;      /* part of the code, the email or the subscriber's name */
};
/* The list «Приглашения для регистрации», newest first, before cursor
 * `after`. Owners, operators and consultants of the partner read it; provider
 * staff read any. Strings valid during the callback. */
int ob_invitation_list(struct ob_ctx *ctx, const struct ob_invitation_filter *f, int64_t after,
                       int limit, int (*fn)(const struct ob_invitation *, void *), void *arg);

struct ob_signup {
    const char *name, *email, *phone, *password, *code, *lang;
};
struct ob_signup_result {
    const char *email;  /* normalised: where the next step was mailed */
    int64_t subscriber; /* for the caller's log, never for the answer */
};
/* Activate a code (public). Fields are checked one by one (OB_EINVAL on
 * the field); then the address's and the code's attempts are reserved
 * (OB_ERATE with retry_after past --signup-limit-address/-code per
 * --signup-limit-minutes); then the code is looked up: not open is
 * OB_EINVAL on "code" with "signup.code_not_valid", whatever the reason.
 * In one transaction: the code is claimed, the subscriber created with the
 * code's trial, the signups row written, the owner invitation mailed
 * (keeping the password's hash for an address without a password), the
 * partner's owners and operators mailed, subscriber.registered emitted. */
int ob_signup_activate(struct ob_ctx *ctx, const struct ob_signup *in,
                       struct ob_signup_result *out);

#endif
