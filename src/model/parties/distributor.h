/*
 * distributor.h — the distributors the provider keeps (R-BIL-1).
 *
 * A partner settles once a month either directly with the provider's billing
 * company or through a distributor: partners.settle_with says which, and
 * partners.distributor_id names the distributor. The provider keeps the
 * distributors' requisites (name, INN by its checksum, KPP, address) and the
 * email the statements go to. Provider staff read them; provider admins
 * write them. A distributor some partner or statement refers to is never
 * deleted: it is archived, and an archived one is offered to nobody new
 * (a partner already settling through it keeps it until its own request
 * changes that). A partner's employees read only the distributor their own
 * partner record names, and the names of the active ones to choose from in
 * a requisites request (ob_distributor_choices).
 */
#ifndef OB_MODEL_PARTIES_DISTRIBUTOR_H
#define OB_MODEL_PARTIES_DISTRIBUTOR_H

#include <stdbool.h>
#include <stdint.h>

struct ob_ctx;

struct ob_distributor {
    int64_t id, created_at, updated_at;
    int64_t partners;           /* partners settling through it now */
    const char *name, *inn, *kpp, *address, *email, *state;     /* NULL: not given */
};

/* Distributors, by name then id after cursor `after` (an id; 0 for the
 * first page); q filters on name or INN, state on 'active' or 'archived'
 * (NULL: both). Provider staff. */
int ob_distributor_list(struct ob_ctx *ctx, const char *q, const char *state, int64_t after,
                        int limit, int (*fn)(const struct ob_distributor *, void *), void *arg);
/* One distributor: provider staff, or an employee of a partner whose record
 * names it (anyone else: OB_ENOTFOUND). */
int ob_distributor_get(struct ob_ctx *ctx, int64_t id, struct ob_distributor *out);
/* Create (provider admins): name, inn and email required. */
int ob_distributor_create(struct ob_ctx *ctx, struct ob_distributor *in, int64_t *id);
/* Change the fields given (provider admins); state 'archived' or 'active'. */
int ob_distributor_update(struct ob_ctx *ctx, int64_t id, struct ob_distributor *ch);
/* Delete one nothing refers to (provider admins); OB_ECONFLICT
 * "distributor.in_use" when a partner or a statement does: archive it. */
int ob_distributor_delete(struct ob_ctx *ctx, int64_t id);
/* The active distributors a partner's employees may choose in a requisites
 * request: id and name only. */
int ob_distributor_choices(struct ob_ctx *ctx, int64_t partner,
                           int (*fn)(const struct ob_distributor *, void *), void *arg);
/* Is `id` a distributor that may be newly chosen (exists, active)? Field
 * error on `field` otherwise. No access check. */
int ob_distributor_check_choice(struct ob_ctx *ctx, int64_t id, const char *field,
                                struct ob_distributor *out);

#endif
