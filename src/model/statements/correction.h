/*
 * correction.h — what a correcting line of a statement holds (R-SUB-2,
 * R-BIL-3), as a pure function the run's hook (correction.c) and the
 * request dialog's quote share.
 *
 * A subscription charged in a closed month is owed, in all, what its row
 * says now: its amount due while posted, nothing once cancelled. What the
 * closed statements charged for it (the original line and every earlier
 * correction) is subtracted; a difference that is not zero is a correcting
 * line in the first open month, negative or positive.
 */
#ifndef OB_MODEL_STATEMENTS_CORRECTION_H
#define OB_MODEL_STATEMENTS_CORRECTION_H

#include <stdbool.h>
#include <stdint.h>

struct ob_correction_in {
    int64_t charged_price, charged_due;     /* the closed lines' sums, kopecks */
    bool posted;                            /* the row now: posted, else cancelled */
    int64_t price, amount_due;              /* the row now */
    int discount_pct;                       /* the row now */
    int original_pct;                       /* the original line's */
};

struct ob_correction {
    int64_t price, amount_due;              /* the differences */
    int discount_pct;                       /* the row's now; the original's when cancelled */
};

/* Whether a correcting line is due, and *out when it is. */
bool ob_correction_of(const struct ob_correction_in *in, struct ob_correction *out);

#endif
