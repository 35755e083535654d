/*
 * member.h — the people of one account and their roles, as rows.
 *
 * The plumbing under partner employees (model/parties/partner.c, R-ACT-3) and
 * subscriber users (model/parties/subscriber.c, R-DA-3): listing, reading,
 * removing, counting owners. These functions do not check the actor: their
 * callers do, through model/identity/access.h, before calling them.
 */
#ifndef OB_MODEL_IDENTITY_MEMBER_H
#define OB_MODEL_IDENTITY_MEMBER_H

#include <stdbool.h>
#include <stdint.h>

#include "model/identity/role.h"

struct ob_ctx;

struct ob_account_member {
    int64_t person;
    const char *email, *name;   /* valid during the callback / in ctx's arena */
    unsigned roles;
    bool has_limit;
    int64_t session_limit;
};

/* Members of account (of kind k) by person id, after cursor `after`. */
int ob_member_list(struct ob_ctx *ctx, int64_t account, enum ob_kind k, int64_t after, int limit,
                   int (*fn)(const struct ob_account_member *, void *), void *arg);
/* One member; OB_ENOTFOUND naming the person when they are none. */
int ob_member_get(struct ob_ctx *ctx, int64_t account, enum ob_kind k, int64_t person,
                  struct ob_account_member *out);
/* How many members hold the owner role. */
int ob_member_owners(struct ob_ctx *ctx, int64_t account, int64_t *n);
/* What a membership held beyond itself, ended with it: filled by the
 * handlers of ob_member_on_end. */
struct ob_member_ended {
    int sessions;               /* application sessions closed (model/areas) */
    int grants;                 /* clients' grants to a removed employee, ended */
};
/* A handler of the end of a membership: runs in the removal's transaction,
 * after the row is gone; 0 or a negative code (which undoes the removal). */
typedef int (*ob_member_end_fn)(struct ob_ctx *ctx, int64_t account, enum ob_kind k,
                                int64_t person, struct ob_member_ended *ended);
/* Register a handler (the layers above, once at start-up, before any
 * thread: model/areas ends sessions and grants). */
void ob_member_on_end(ob_member_end_fn fn);
/* Take person out of account (of kind k) and end what the membership held
 * (every registered handler); *ended (may be NULL) says what. Joins the
 * transaction. */
/* Record the event "member.added" / "member.removed" of `person` in
 * `account` (docs/events.md): the partner's when the account is a partner,
 * its serving partner's when a subscriber. Joins the transaction. */
int ob_member_event(struct ob_ctx *ctx, const char *kind, int64_t account, int64_t person,
                    const char *roles);
int ob_member_remove(struct ob_ctx *ctx, int64_t account, enum ob_kind k, int64_t person,
                     struct ob_member_ended *ended);
/* Set (has) or clear the per-user session limit. Joins the transaction. */
int ob_member_set_limit(struct ob_ctx *ctx, int64_t account, int64_t person, bool has,
                        int64_t limit);
/* Turn a JSON-ish role list "a,b" into bits for kind k: OB_EINVAL on
 * "roles" when a name is unknown or the list is empty. */
int ob_member_parse_roles(struct ob_ctx *ctx, enum ob_kind k, const char *roles, unsigned *out);
/* The last owner of an account keeps the role: OB_ECONFLICT when m is
 * the only owner and `after` (the roles m would have) lacks it. */
int ob_member_keep_owner(struct ob_ctx *ctx, int64_t account, const struct ob_account_member *m,
                         unsigned after);
/* Roles as "owner, operator" for people (emails), in ctx's arena. */
const char *ob_member_roles_text(struct ob_ctx *ctx, unsigned roles);

#endif
