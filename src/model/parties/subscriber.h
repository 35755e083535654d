/*
 * subscriber.h — subscribers: creation, reading by scope, additional
 * information, users (R-ACC-1/2/5, R-ACT-2, R-DA-3).
 *
 * A subscriber is an account of kind 'subscriber' with a code taken from a
 * counter (R-ACC-1) and at most one serving partner (R-ACC-2; none: the
 * provider serves it directly). Who sees a subscriber: its members, the
 * employees of its serving partner, provider staff (model/identity/access.h).
 *
 * Additional information (R-ACC-5) belongs to the serving partner's work:
 * its owner, operators and consultants read it, owners and operators (and
 * provider staff) write it; the subscriber itself does not see it. It is
 * "complete" when legal name, INN, contact person, phone, email and region
 * are all filled: a paid subscription needs that.
 *
 * Users: the subscriber's owner and administrators manage them (its
 * serving partner's employees read the list, for the client card); an
 * administrator cannot give or take the owner role, and the last owner
 * cannot be removed or demoted. People join by invitation only.
 */
#ifndef OB_MODEL_PARTIES_SUBSCRIBER_H
#define OB_MODEL_PARTIES_SUBSCRIBER_H

#include <stdbool.h>
#include <stdint.h>

#include "model/identity/member.h"

struct ob_ctx;
struct ob_invite;

struct ob_subscriber {
    int64_t id, code, partner, created_at;   /* partner 0: served by the provider */
    const char *name, *partner_name, *state;
    const char *partner_phone, *partner_email;   /* the serving partner's contacts, which its
                                                    clients are shown (issue 11) */
    bool own_partner;
};

struct ob_subscriber_new {
    const char *name, *owner_email, *owner_name, *lang;
    int64_t partner;                /* 0: not given */
};

/* What starts a new subscriber's service (R-SUB-1a: its trial, or
 * PARTNER-OWN for a partner's own account): model/subscriptions registers
 * it at start-up (ob_subscriptions_init), so creating a subscriber here
 * needs nothing of the layer above. */
/* What a new subscriber starts with: PARTNER-OWN for a partner's own
 * account, else a trial of `tariff` (0: the standard TRIAL-30) for `days`
 * days (0: the tariff's own `days` option, else 30). A trial of a main
 * tariff (a registration page's, R-ONB-5) gives that tariff's options at
 * price 0 for its days. */
struct ob_trial_spec {
    bool partner_own;
    int64_t tariff;
    int days;
};
typedef int (*ob_subscriber_start_fn)(struct ob_ctx *ctx, int64_t subscriber,
                                      const struct ob_trial_spec *spec);
void ob_subscriber_on_create(ob_subscriber_start_fn fn);

/* Insert the rows of a new subscriber (account, code) and start its trial,
 * or PARTNER-OWN for a partner's own account (R-SUB-1a), through the
 * registered handler. No access check. Joins the transaction. */
int ob_subscriber_insert(struct ob_ctx *ctx, const char *name, int64_t partner,
                         int64_t own_partner, int64_t *id, int64_t *code);
/* The same for a client who brings itself in (an invitation code, a
 * registration page, R-ONB-2/5): served by `partner` (0: the provider),
 * starting with `spec`'s trial. No access check. Joins the transaction. */
int ob_subscriber_insert_trial(struct ob_ctx *ctx, const char *name, int64_t partner,
                               const struct ob_trial_spec *spec, int64_t *id, int64_t *code);
/* Create a subscriber: by provider staff (served by in->partner or by the
 * provider) or by a partner's owner/operator (served by that partner). It
 * has no member yet: with owner_email, that address is invited to be its
 * owner (model/parties/invite.h; owner_name and lang are what a new person gets)
 * and *owner describes the invitation; owner->id is 0 without one. */
int ob_subscriber_create(struct ob_ctx *ctx, const struct ob_subscriber_new *in, int64_t *id,
                         struct ob_invite *owner);
int ob_subscriber_get(struct ob_ctx *ctx, int64_t id, struct ob_subscriber *out);
/* The list of subscribers in scope, with their access, is
 * model/subscriptions/clients.h. */

struct ob_subscriber_info {
    const char *legal_name, *inn, *kpp, *contact_person, *phone, *email, *region;
    const char *leave_reason;       /* a leave_reasons code or NULL */
    const char *leave_comment;
    int64_t updated_at;
    bool complete;
};

int ob_subscriber_info_get(struct ob_ctx *ctx, int64_t id, struct ob_subscriber_info *out);
/* Replace the information (absent strings are empty); validated. */
int ob_subscriber_info_put(struct ob_ctx *ctx, int64_t id, struct ob_subscriber_info *in);

struct ob_leave_reason {
    const char *code, *name_ru, *name_en;
    int64_t position;
};
/* Add a reason to the configurable list (provider admins and operators),
 * or change one: names, and `active` (an inactive reason is no longer
 * offered; subscribers that have it keep it). */
int ob_leave_reason_add(struct ob_ctx *ctx, const struct ob_leave_reason *r);
int ob_leave_reason_set(struct ob_ctx *ctx, const char *code, const char *name_ru,
                        const char *name_en, int active);
int ob_leave_reasons(struct ob_ctx *ctx, int64_t after, int limit,
                     int (*fn)(const struct ob_leave_reason *, void *), void *arg);

int ob_subscriber_users(struct ob_ctx *ctx, int64_t sub, int64_t after, int limit,
                        int (*fn)(const struct ob_account_member *, void *), void *arg);

/* What to change of a user: roles (NULL: keep) and the session limit. */
struct ob_user_change {
    const char *roles;
    bool set_limit;         /* change the limit: to `limit`, or none when !has_limit */
    bool has_limit;
    int64_t limit;
};
/* Invite email to be a user with ch's roles and limit (model/parties/invite.h):
 * nobody is enrolled until the invitation is accepted. 409 when the address
 * is a user already. */
int ob_subscriber_user_add(struct ob_ctx *ctx, int64_t sub, const char *email, const char *name,
                           const struct ob_user_change *ch, struct ob_invite *out);
/* Make person a user with roles and an optional session limit, as
 * invitation `invite` offered. Does not check the actor. Joins. */
int ob_subscriber_user_join(struct ob_ctx *ctx, int64_t sub, int64_t person, const char *email,
                            unsigned roles, bool has_limit, int64_t limit, int64_t invite);
int ob_subscriber_user_set(struct ob_ctx *ctx, int64_t sub, int64_t person,
                           const struct ob_user_change *ch, struct ob_account_member *out);
int ob_subscriber_user_remove(struct ob_ctx *ctx, int64_t sub, int64_t person);

/* Take subscriber `sub`'s write lock inside the caller's write transaction
 * (PostgreSQL: SELECT … FOR UPDATE on its row; SQLite: the transaction's
 * BEGIN IMMEDIATE holds it already). Limits that count a subscriber's
 * things (sessions, data areas) are checked after it. */
int ob_subscriber_lock(struct ob_ctx *ctx, int64_t sub);

#endif
