/*
 * invite.h — member invitations: how a person joins a partner as an
 * employee or a subscriber as a user or its owner (R-ACT-1/3, R-SUB-1a).
 *
 * Adding someone by email never enrols them and never says who they are.
 * It writes an invitation (account, email, roles, the session limit of a
 * subscriber user) and mails a single-use link, <public-url>/invite?token=…,
 * to that address; the answer is the same whether the address belongs to a
 * person already or not. Only the owner of the mailbox, following the link,
 * becomes a member: a person without a password sets one then, a person
 * with one just accepts and signs in as usual. A newer invitation for the
 * same account and email replaces the pending one; invitations expire after
 * --invite-days. These are not the registration invitation codes of R-ONB-1.
 *
 * Only the link's BLAKE2b hash is stored (model/identity/authn.h), so a copy of the
 * database accepts nothing. Accepting is one conditional update of the
 * invitation's row, so under any concurrency one acceptance wins.
 */
#ifndef OB_MODEL_PARTIES_INVITE_H
#define OB_MODEL_PARTIES_INVITE_H

#include <stdbool.h>
#include <stdint.h>

#include "model/identity/role.h"

struct ob_ctx;

/* What an invitation offers. email is normalised by the caller; name and
 * lang are what a new person is created with (NULL: none, 'ru'). */
struct ob_invite_new {
    int64_t account;
    const char *email, *name, *lang;
    unsigned roles;
    bool has_limit;
    int64_t session_limit;
    const char *pwhash; /* a sign-up's password hash (R-ONB-2): kept for an address
                           without a password, set when the link is followed; NULL: none */
    const char *tmpl;   /* the mail's template; NULL: member_invited */
};

struct ob_invite {
    int64_t id, account;
    enum ob_kind kind;
    const char *account_name, *email, *name, *lang;
    const char *inviter; /* the inviting person's name or email, "" for the service */
    const char *state;   /* pending, expired, accepted, cancelled, replaced */
    unsigned roles;
    bool has_limit;
    int64_t session_limit, created_at, expires_at;
    bool needs_password; /* ob_invite_view only: the address has no password yet and the
                            invitation keeps none from a sign-up */
    int64_t person;      /* ob_invite_accept only: who accepted */
    bool kept_password;  /* the link brings the password typed at a sign-up (view: it will be
                            used; accept: it was, the link proved the mailbox of a new login) */
};

/* Invite in->email to in->account: replaces a pending invitation of the
 * same account and email, mails the link (in the person's language when the
 * address is known, else in->lang), writes the audit record. OB_ECONFLICT
 * on "email" when the address is a member of the account already. Does not
 * check the actor: the caller (partner.c, subscriber.c) has. Joins the
 * caller's transaction. */
int ob_invite_send(struct ob_ctx *ctx, const struct ob_invite_new *in, struct ob_invite *out);

/* Open invitations (pending or expired, newest first, before cursor
 * `after`) the actor manages: a partner's to its owner (and provider admins
 * and operators), a subscriber's to its owner and administrators, and the
 * owner invitation of a subscriber that has no owner yet to the serving
 * partner's owner and operators (and provider staff). account 0: all of
 * them; else that account's (OB_ENOTFOUND when unrelated, OB_EPERM when
 * related without the role). Strings are valid during the callback. */
int ob_invite_list(struct ob_ctx *ctx, int64_t account, int64_t after, int limit,
                   int (*fn)(const struct ob_invite *, void *), void *arg);
/* Cancel an open invitation; OB_ENOTFOUND when the actor cannot see it. */
int ob_invite_cancel(struct ob_ctx *ctx, int64_t id);
/* Send an open invitation again: a new link, the old one replaced. */
int ob_invite_resend(struct ob_ctx *ctx, int64_t id, struct ob_invite *out);

/* What the link of `token` offers, for anyone holding it: the account, the
 * roles, the email, the expiry, who invites, whether a password must be
 * set. A token that is unknown or no longer pending is OB_EINVAL on "token",
 * with out->state saying why ("unknown" when there is no such link). */
int ob_invite_view(struct ob_ctx *ctx, const char *token, struct ob_invite *out);
/* Accept: the person with the invitation's email (created when new) joins
 * the account with its roles. A person without a password must give one
 * (and may give a name); a person with one must not. Single-use; refusals
 * as for ob_invite_view. */
int ob_invite_accept(struct ob_ctx *ctx, const char *token, const char *password, const char *name,
                     struct ob_invite *out);
/* The system actor only (the demo data): accept the pending invitation of
 * account for email as if its link had been followed, setting no password. */
int ob_invite_accept_pending(struct ob_ctx *ctx, int64_t account, const char *email);

#endif
