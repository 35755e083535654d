/*
 * access.h — who may do what: the one place where the actor meets an account.
 *
 * Every model function that reads or changes an account's data asks here
 * first. A person's roles come from their memberships; a request made with
 * an API token is limited to the token's account and to the roles the token
 * was given that the person still holds. Reaching an account the actor has
 * nothing to do with is OB_ENOTFOUND (never OB_EPERM: another tenant's
 * objects do not exist for you); being related but lacking the role is
 * OB_EPERM.
 *
 * The relation of a subscriber to the actor is one of: the actor is a member
 * of it; the actor is an employee of the partner that serves it; the actor
 * is provider staff.
 */
#ifndef OB_MODEL_IDENTITY_ACCESS_H
#define OB_MODEL_IDENTITY_ACCESS_H

#include <stdbool.h>
#include <stdint.h>

#include "model/identity/role.h"

struct ob_ctx;

struct ob_member {
    int64_t account;
    enum ob_kind kind;
    unsigned roles;
    const char *name;
    int64_t code;           /* subscriber code, 0 otherwise */
    int64_t session_limit;  /* the person's own session limit there, -1: none (R-DA-3) */
};

/* OB_EUNAUTH when nobody is signed in (the system actor passes). */
int ob_access_person(struct ob_ctx *ctx);
/* A signed-in person acting through a browser session, not an API token:
 * what changes the person's login (password, name, language, second
 * factor, tokens) needs one. OB_EPERM for a token. */
int ob_access_session(struct ob_ctx *ctx);
/* The actor's memberships (token-limited). *n receives the count. */
int ob_access_members(struct ob_ctx *ctx, const struct ob_member **out, int *n);
/* The actor's membership of `account`, or NULL when none. */
const struct ob_member *ob_access_member(struct ob_ctx *ctx, int64_t account);
/* The roles the actor holds in `account` (0 when none). */
unsigned ob_access_roles(struct ob_ctx *ctx, int64_t account);
/* The roles the actor holds in the provider account. */
unsigned ob_access_provider_roles(struct ob_ctx *ctx);
/* May the actor act on the provider's behalf with one of `roles`?
 * OB_EPERM (or OB_EUNAUTH) otherwise. */
int ob_access_provider(struct ob_ctx *ctx, unsigned roles);
/* May the actor act on partner `partner` with one of partner_roles (as its
 * employee) or provider_roles (as provider staff)? OB_ENOTFOUND when the
 * actor is neither, OB_EPERM when related but without the role. */
int ob_access_partner(struct ob_ctx *ctx, int64_t partner, unsigned partner_roles,
                      unsigned provider_roles);
/* The same for subscriber `sub`: its members with sub_roles, employees of
 * its serving partner with partner_roles, provider staff with
 * provider_roles. */
int ob_access_subscriber(struct ob_ctx *ctx, int64_t sub, unsigned sub_roles,
                         unsigned partner_roles, unsigned provider_roles);
/* The same, asked again in one transaction without reading the serving
 * partner again: *serving is the partner serving `sub` (0 for none), or
 * negative to read it (it is then filled in when `sub` exists). Two checks
 * of one request (the entitlement's, then its self-service's) read it once. */
int ob_access_subscriber_as(struct ob_ctx *ctx, int64_t sub, int64_t *serving,
                            unsigned sub_roles, unsigned partner_roles,
                            unsigned provider_roles);
/* Does the actor see subscriber `sub` only as one of its own members (not
 * as provider staff, not as an employee of the partner serving it)? What
 * the partner pays — its discount, the amount due — is then left out: the
 * subscriber is shown the retail price only. True also when the answer
 * cannot be read (the safe side); false for the system actor. */
bool ob_access_subscriber_only(struct ob_ctx *ctx, int64_t sub);
/* Which rows of a listing the actor sees: the one tenant scope of every
 * list. The columns name, in the listing's SQL, the account a row belongs
 * to as a partner (`partner_col`: the partner serving it, or the partner
 * itself) and as a subscriber (`subscriber_col`); either may be NULL.
 * *cond receives an SQL condition (in ctx's arena, never NULL):
 *   - provider staff see every row: "1 = 1" (past the second-factor gate);
 *   - anyone else, the rows of the partners and subscribers where they
 *     hold a role: "(partner_col IN (…) OR subscriber_col IN (…))";
 *   - someone with neither, "1 = 0": an empty list, never an error.
 * OB_EUNAUTH when nobody is signed in; OB_EPERM from the second-factor
 * gate. Ids are numbers the actor's memberships hold: written into the
 * text, never input. */
int ob_access_scope(struct ob_ctx *ctx, const char *partner_col, const char *subscriber_col,
                    const char **cond);
/* Forget the cache (after the actor's memberships changed). */
void ob_access_reset(struct ob_ctx *ctx);

#endif
