/*
 * digest.h — the Monday digest to a partner's operators (R-NOT-2).
 *
 * Every Monday (the service time zone) each active partner's employees whose
 * roles include operator get one mail, in their language, with two lists
 * read from access_ends and the client's serving partner now:
 *   - ending: ends of access whose last day L is within [M, M+14], the
 *     Monday itself and 14 days after it included ("days left" L − M);
 *   - ended: L within [M−14, M−1], access already off on the Monday
 *     ("days ago" M − L).
 * A row per end (a client with two chains has two rows), with the client's
 * name and code, the tariff, "through L" and a link to the client's card in
 * the cabinet. Nobody else gets it; none when both lists are empty unless
 * `when_empty`. The ledger `digests` (partner, Monday) makes it once: a
 * second run, or two at once, send nothing more.
 */
#ifndef OB_MODEL_NOTICES_DIGEST_H
#define OB_MODEL_NOTICES_DIGEST_H

#include <stdbool.h>
#include <stdint.h>

struct ob_ctx;

/* The bounds of the two lists, in days from the Monday (inclusive). */
#define OB_DIGEST_AHEAD_DAYS 14
#define OB_DIGEST_BEHIND_DAYS 14

struct ob_digest_stats {
    int64_t partners;   /* active partners looked at */
    int64_t digests;    /* digests made this run (a ledger row each) */
    int64_t mails;      /* mails queued */
};

/* Make the digests of `monday` (a day number, ob_date_*) that are not made
 * yet, one transaction per partner. OB_EINVAL when `monday` is not a
 * Monday. */
int ob_digest_run(struct ob_ctx *ctx, int32_t monday, bool when_empty,
                  struct ob_digest_stats *out);

#endif
