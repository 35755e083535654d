/*
 * rule.c — which cash registers of a client's month are chargeable (R-CAT-6).
 *
 * The partner guide's «Акция 1»: one online register free (not Evotor) until
 * the promotion ends; the second and later registers, or one that sends
 * over 300 receipts a day, cost 100 roubles a month each (tariff KKT-PAID).
 * «Акция 2»: a client with an ITS Retail contract has one more register free
 * for the contract's term (any model: the guide excludes Evotor from the
 * first promotion only).
 *
 * The free places go to registers in the order they were first seen (then
 * by id): the promotion's to the first registers of a model it does not
 * exclude, then the contract's to the first of those left, any model. The
 * guide charges "the second and later registers": a place stays with its
 * register, so a register holding one that sends more receipts on some day
 * than the place's daily limit is chargeable itself (over_receipts) and the
 * next register does not move up. Registers without a place are beyond
 * the allowance. A per-unit quantity bought for the month (KKT-PAID) covers
 * that many chargeable registers, in the same order. Pure: no database.
 */
#include <stdlib.h>
#include <string.h>

#include "model/usage/usage.h"
#include "base/banned.h"

static int
by_first_seen(const void *a, const void *b)
{
    const struct ob_usage_register *x = a, *y = b;

    if (x->first_seen != y->first_seen)
        return x->first_seen < y->first_seen ? -1 : 1;
    return strcmp(x->id, y->id);
}

static bool
excluded(const struct ob_usage_allowance *a, const char *model)
{
    for (int i = 0; i < a->npromo_except; i++)
        if (!strcmp(a->promo_except[i], model))
            return true;
    return false;
}

static bool
within(int64_t limit, const struct ob_usage_register *r)
{
    return limit <= 0 || r->max_receipts <= limit;
}

/* A register that holds a free place is free while within the place's daily
 * limit, else chargeable for sending too many receipts. */
static enum ob_usage_why
place(const struct ob_usage_register *r, int64_t limit, enum ob_usage_why free_why)
{
    return within(limit, r) ? free_why : OB_USAGE_OVER;
}

void
ob_usage_judge(struct ob_usage_register *regs, int n, const struct ob_usage_allowance *a)
{
    int promo = a->promo_units, contract = a->contract_units;
    int64_t paid = a->paid_units;

    if (n > 1)
        qsort(regs, (size_t)n, sizeof(*regs), by_first_seen);
    for (int i = 0; i < n; i++) {
        regs[i].why = OB_USAGE_BEYOND;
        if (promo > 0 && !excluded(a, regs[i].model)) {
            regs[i].why = place(&regs[i], a->promo_limit, OB_USAGE_FREE_PROMOTION);
            promo--;
        }
    }
    for (int i = 0; i < n && contract > 0; i++) {
        if (regs[i].why == OB_USAGE_BEYOND) {     /* holds no place yet */
            regs[i].why = place(&regs[i], a->contract_limit, OB_USAGE_FREE_CONTRACT);
            contract--;
        }
    }
    for (int i = 0; i < n && paid > 0; i++) {
        if (ob_usage_charged(regs[i].why)) {
            regs[i].why = OB_USAGE_PAID_UNITS;
            paid--;
        }
    }
}

bool
ob_usage_charged(enum ob_usage_why why)
{
    return why == OB_USAGE_BEYOND || why == OB_USAGE_OVER;
}

const char *
ob_usage_why_name(enum ob_usage_why why)
{
    switch (why) {
    case OB_USAGE_FREE_PROMOTION:
        return "promotion";
    case OB_USAGE_FREE_CONTRACT:
        return "its_retail";
    case OB_USAGE_PAID_UNITS:
        return "paid_units";
    case OB_USAGE_OVER:
        return "over_receipts";
    case OB_USAGE_BEYOND:
        break;
    }
    return "beyond_allowance";
}
