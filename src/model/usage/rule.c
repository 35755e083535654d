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
 * The allowance goes to registers in the order they were first seen (then
 * by id): the promotion's registers first to the eligible ones (not an
 * excluded model, within its daily limit), then the contract's to any that
 * is left within the tariff's daily limit. A register over a limit takes no
 * free place, so the place passes to the next one. What remains is
 * chargeable; a per-unit quantity bought for the month (KKT-PAID) covers
 * that many of them, in the same order. Pure: no database.
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

void
ob_usage_judge(struct ob_usage_register *regs, int n, const struct ob_usage_allowance *a)
{
    int promo = a->promo_units, contract = a->contract_units;
    int64_t paid = a->paid_units;
    int64_t limit = a->contract_limit > 0 ? a->contract_limit : a->promo_limit;

    if (n > 1)
        qsort(regs, (size_t)n, sizeof(*regs), by_first_seen);
    for (int i = 0; i < n; i++) {
        struct ob_usage_register *r = &regs[i];

        r->why = limit > 0 && r->max_receipts > limit ? OB_USAGE_OVER : OB_USAGE_BEYOND;
        if (promo > 0 && !excluded(a, r->model) && within(a->promo_limit, r)) {
            r->why = OB_USAGE_FREE_PROMOTION;
            promo--;
        }
    }
    for (int i = 0; i < n && contract > 0; i++) {
        struct ob_usage_register *r = &regs[i];

        if (ob_usage_charged(r->why) && within(a->contract_limit, r)) {
            r->why = OB_USAGE_FREE_CONTRACT;
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
