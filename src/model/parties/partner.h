/*
 * partner.h — partners: requisites, statuses, employees (R-ACC-2/3/4,
 * R-ACT-3).
 *
 * A partner is an account of kind 'partner' with a partners row holding its
 * requisites. It is also a subscriber: its own books live in a subscriber
 * account created with it (own_subscriber_id; subscribers.own_partner_id
 * points back), served by the partner itself. Every employee of the partner
 * is a member of that account too: owners as "owner", the others as "user".
 *
 * Requisites are changed only by the provider applying a change request
 * (model/requests/request.c); there is no other path that writes them.
 *
 * Statuses are flags with validity dates [valid_from, valid_to) set by the
 * provider; a status is "active" when it is not withdrawn and the service's
 * today falls in its interval. Two records of the same status that are not
 * withdrawn may not overlap.
 *
 * Requisites and their checks are in model/parties/requisites.h.
 */
#ifndef OB_MODEL_PARTIES_PARTNER_H
#define OB_MODEL_PARTIES_PARTNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/identity/member.h"
#include "model/parties/requisites.h"

struct ob_ctx;
struct ob_invite;

struct ob_partner_status {
    int64_t id, partner, created_at, withdrawn_at;
    const char *status, *valid_from, *valid_to, *note;  /* valid_to NULL: open-ended */
    bool active;
};

struct ob_partner {
    int64_t id, own_subscriber, own_code, created_at;
    struct ob_requisites req;       /* all fields set, in ctx's arena */
    const char *state;
    /* R-BIL-1: who its statements are addressed to: "provider" (the
     * provider's billing company) or "distributor" (distributor, by name) */
    const char *settle_with, *distributor_name;
    int64_t distributor;
};

/* Create a partner with its own subscriber account, and make person its
 * owner (and the owner of its own account). No access check: the caller
 * (approving an application) has made it. Joins the transaction. */
int ob_partner_create(struct ob_ctx *ctx, const struct ob_requisites *r, int64_t owner,
                      int64_t *id);
/* Read a partner the actor may see (its employees, provider staff). */
int ob_partner_get(struct ob_ctx *ctx, int64_t id, struct ob_partner *out);
/* Read without an access check (internal use). */
int ob_partner_load(struct ob_ctx *ctx, int64_t id, struct ob_partner *out);
/* Partners the actor may see, newest first; q filters on name or INN. */
int ob_partner_list(struct ob_ctx *ctx, const char *q, int64_t after, int limit,
                    int (*fn)(const struct ob_partner *, void *), void *arg);
/* Write requisites (those given) and the account name; audit before →
 * after. No access check (model/requests/request.c applies a decided request).
 * Joins the transaction. */
int ob_partner_set_requisites(struct ob_ctx *ctx, int64_t id, const struct ob_requisites *r);

/* R-BIL-1: address the partner's statements to the provider (distributor
 * 0) or to distributor `distributor`; audited as "partner.payer_changed".
 * No access check (model/requests/request.c applies a decided request).
 * Joins the transaction. */
int ob_partner_set_payer(struct ob_ctx *ctx, int64_t id, const char *settle_with,
                         int64_t distributor);

/* Statuses of a partner (every record, withdrawn ones too), oldest first. */
int ob_partner_statuses(struct ob_ctx *ctx, int64_t partner,
                        int (*fn)(const struct ob_partner_status *, void *), void *arg);
int ob_partner_status_add(struct ob_ctx *ctx, int64_t partner, const char *status,
                          const char *valid_from, const char *valid_to, const char *note,
                          int64_t *id);
/* Does `partner` hold `status` on civil day `day` (granted, valid_from <=
 * day < valid_to, not withdrawn before that day)? No access check: R-CAT-4
 * and R-BIL-2 apply it whoever acts. partner 0 (the provider) holds none. */
int ob_partner_holds(struct ob_ctx *ctx, int64_t partner, const char *status, int32_t day,
                     bool *out);
int ob_partner_status_withdraw(struct ob_ctx *ctx, int64_t partner, int64_t id);
/* Hold partner `partner`'s row until the transaction ends, so that a rule
 * over all its clients (CSO-FREE once per partner) is judged one posting
 * after another (PostgreSQL: SELECT … FOR NO KEY UPDATE, which leaves new
 * subscribers' foreign keys free; SQLite: the write transaction is the
 * lock already). OB_ENOTFOUND for no such partner. */
int ob_partner_lock(struct ob_ctx *ctx, int64_t partner);

/* Employees (R-ACT-3): the partner's owner or provider admins manage them. */
int ob_partner_employees(struct ob_ctx *ctx, int64_t partner, int64_t after, int limit,
                         int (*fn)(const struct ob_account_member *, void *), void *arg);
/* Invite email to be an employee with roles "operator,…" (model/parties/invite.h):
 * nobody is enrolled until the invitation is accepted. 409 when the address
 * is an employee already. */
int ob_partner_employee_add(struct ob_ctx *ctx, int64_t partner, const char *email,
                            const char *name, const char *roles, struct ob_invite *out);
/* Make person an employee with roles, and a member of the partner's own
 * subscriber account (R-ACT-1), as invitation `invite` offered. Does not
 * check the actor (model/parties/invite.c has checked the link). Joins. */
int ob_partner_employee_join(struct ob_ctx *ctx, int64_t partner, int64_t person,
                             const char *email, unsigned roles, int64_t invite);
int ob_partner_employee_set(struct ob_ctx *ctx, int64_t partner, int64_t person,
                            const char *roles, struct ob_account_member *out);
int ob_partner_employee_remove(struct ob_ctx *ctx, int64_t partner, int64_t person);

#endif
