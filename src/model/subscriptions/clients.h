/*
 * clients.h — the list of subscribers with their access: one row per
 * client with the last day of access and the state worked out from the
 * subscriptions, searched, filtered, sorted and paged in the database
 * (R-SUB-0, R-SUB-7, R-SUB-8).
 *
 * A client's access runs to the end of its latest subscription that gives
 * access by itself (trial, main, deferred renewal, local ITS; extensions
 * only add to a main): access_end is that `end`, the first day without
 * access, and people are shown "through access_end − 1". Renewals begin
 * where the previous one ends (R-SUB-7), so that end is the end of the
 * chain. The state is one truth for every page: `left` when the client has
 * left its partner, else `active` when such a subscription is in force
 * today, else `blocked` (R-SUB-7: worked out, never stored).
 *
 * Scope is the subscriber list's (model/parties/subscriber.h): provider
 * staff every client, anyone else the clients of the partners they work
 * for and the subscribers they are members of.
 */
#ifndef OB_MODEL_SUBSCRIPTIONS_CLIENTS_H
#define OB_MODEL_SUBSCRIPTIONS_CLIENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "model/parties/subscriber.h"

struct ob_ctx;

enum ob_client_sort {
    OB_CLIENT_SORT_NEWEST,          /* id, newest first: the default */
    OB_CLIENT_SORT_NAME,
    OB_CLIENT_SORT_CODE,
    OB_CLIENT_SORT_THROUGH,         /* access_end; none sorts first */
    OB_CLIENT_SORT_STATE,
};

struct ob_client_filter {
    const char *q;                  /* name (contains), code or INN (equal); NULL: any */
    int64_t partner;                /* serving partner; 0: any */
    const char *state;              /* active, blocked or left; NULL: any */
    int ends_within;                /* access through today .. today + N; -1: no filter */
    enum ob_client_sort sort;
    bool desc;
    const char *after;              /* the cursor of the last row seen; NULL: first page */
};

struct ob_client {
    struct ob_subscriber sub;       /* sub.state is the client's state (see above) */
    int32_t access_end;             /* first day without access; 0: never had any */
    const char *tariff, *tariff_ru, *tariff_en; /* of that subscription; "" without one */
    const char *kind;               /* its kind (trial, main, ...); "" without one */
};

/* Parse ?sort (name, code, through, state, with '-' for descending). */
int ob_client_sort_parse(struct ob_ctx *ctx, const char *s, struct ob_client_filter *f);
/* The clients in the actor's scope by f, at most limit; fn gets each with
 * the cursor that continues after it (in the arena). */
int ob_client_list(struct ob_ctx *ctx, const struct ob_client_filter *f, int limit,
                   int (*fn)(const struct ob_client *, const char *cursor, void *), void *arg);
/* One client in the actor's scope (ob_subscriber_get, with access). */
int ob_client_get(struct ob_ctx *ctx, int64_t id, struct ob_client *out);
/* Clients in scope whose access ends (access_end) per week: out[0] those
 * already ended, out[1 + w] those ending in week w from today (w < weeks,
 * at most 26); partner 0: any. */
int ob_client_ending(struct ob_ctx *ctx, int64_t partner, int weeks, int *out);

#endif
