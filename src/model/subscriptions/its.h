/*
 * its.h — local ITS contracts the provider keeps (R-SUB-6).
 *
 * A contract has a unique number, a level (a row of its_levels, from the
 * standard catalog: PROF or TEHNO, each naming the tariff it is connected
 * with), the partner it is held with, the client (its INN, its subscriber
 * account, or both) and a validity [valid_from, valid_to), valid_to
 * exclusive like every period in Oblako.
 *
 * The provider's admins and operators enter them; provider staff see all,
 * a partner's employees see those held with their partner, a subscriber's
 * members those naming their account. Anyone else's contract is
 * OB_ENOTFOUND.
 *
 * What the subscription engine calls (no access check, the engine has made
 * it): ob_its_match, to find the contract that lets a partner connect a
 * client with an `its_local` subscription, and ob_its_level_tariff, for the
 * tariff code of a level.
 */
#ifndef OB_MODEL_SUBSCRIPTIONS_ITS_H
#define OB_MODEL_SUBSCRIPTIONS_ITS_H

#include <stdbool.h>
#include <stdint.h>

struct ob_ctx;

struct ob_its_contract {
    int64_t id, partner, subscriber, created_at;   /* subscriber 0: named by INN only */
    const char *number, *level, *inn, *valid_from, *valid_to, *note;
    const char *partner_name;
    const char *subscriber_name;                   /* NULL when named by INN only */
};

struct ob_its_new {
    const char *number, *level, *inn, *valid_from, *valid_to, *note;
    int64_t partner, subscriber;
};

/* Enter a contract (provider admins and operators). in->inn is filled from
 * the subscriber's additional information when only the subscriber is
 * given and it has one. */
int ob_its_create(struct ob_ctx *ctx, struct ob_its_new *in, int64_t *id);
/* A contract the actor may see. */
int ob_its_get(struct ob_ctx *ctx, int64_t id, struct ob_its_contract *out);
/* Contracts the actor may see, newest first; partner / subscriber (0: any)
 * and inn (NULL: any) filter. */
int ob_its_list(struct ob_ctx *ctx, int64_t partner, int64_t subscriber, const char *inn,
                int64_t after, int limit, int (*fn)(const struct ob_its_contract *, void *),
                void *arg);

/* The contract in force on `day` of the client `subscriber` (by account, or
 * by `inn` when not NULL and not empty). 0 and *out when there is one held
 * with `partner`; OB_ECONFLICT when the only ones in force are held with
 * another partner; OB_ENOTFOUND when there is none. No access check. */
int ob_its_match(struct ob_ctx *ctx, int64_t subscriber, const char *inn, int64_t partner,
                 int32_t day, struct ob_its_contract *out);
/* The code of the tariff a level is connected with (R-SUB-6), into out. */
int ob_its_level_tariff(struct ob_ctx *ctx, const char *level, char *out, size_t size);

#endif
