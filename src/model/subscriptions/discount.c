/*
 * discount.c — R-BIL-2 and the chain of paid subscriptions. Pure: the
 * subscription engine reads the rows, these functions decide.
 */
#include <string.h>

#include "base/date.h"
#include "model/subscriptions/discount.h"
#include "base/banned.h"

struct ob_discount
ob_discount_rule(const struct ob_discount_in *in)
{
    struct ob_discount d;

    if (in->individual_pct >= 0 && in->individual_pct <= 100) {
        d.pct = in->individual_pct;
        d.rule = "individual_terms";
    } else if (!in->csk) {
        d.pct = 20;
        d.rule = "partner_without_csk";
    } else if (in->from_local_its) {
        d.pct = 50;
        d.rule = "from_local_its";
    } else if (in->place == OB_CHAIN_FIRST) {
        d.pct = in->new_client ? 65 : 50;
        d.rule = in->new_client ? "new_client" : "first_paid_not_new_client";
    } else if (in->place == OB_CHAIN_FIRST_RENEWAL && !in->after_gap) {
        d.pct = 60;
        d.rule = "first_continuous_renewal";
    } else {
        d.pct = 50;
        d.rule = in->after_gap ? "renewal_after_gap" : "later_renewal";
    }
    return d;
}

int64_t
ob_discount_apply(int64_t price, int pct)
{
    int64_t num = price * (100 - pct);

    /* half up, for the non-negative amounts of a price list */
    return num >= 0 ? (num + 50) / 100 : -((-num + 50) / 100);
}

/* Is m in the chain of next: paid, a client's own, and of its family (or,
 * outside any family, of its standard tariff)? */
static bool
chained(const struct ob_chain_main *m, const struct ob_chain_main *next)
{
    if (m->partner_own || m->price <= 0)
        return false;
    if (next->family)
        return m->family && !strcmp(m->family, next->family);
    return m->tariff == next->tariff;
}

int
ob_discount_chain(const struct ob_chain_main *mains, int n, const struct ob_chain_main *next,
                  struct ob_period *out)
{
    int k = 0;

    for (int i = 0; i < n; i++)
        if (chained(&mains[i], next))
            out[k++] = (struct ob_period){ mains[i].start, mains[i].end };
    return k;
}

enum ob_chain_place
ob_discount_place(const struct ob_period *prev, int n, int32_t start, bool *after_gap)
{
    int32_t last_end = 0;
    int before = 0;

    for (int i = 0; i < n; i++) {
        if (prev[i].start >= start)
            continue;   /* only what came before counts */
        before++;
        if (prev[i].end > last_end)
            last_end = prev[i].end;
    }
    *after_gap = before > 0 && start > last_end;
    if (before == 0)
        return OB_CHAIN_FIRST;
    if (before == 1 && !*after_gap)
        return OB_CHAIN_FIRST_RENEWAL;
    return OB_CHAIN_LATER;
}
