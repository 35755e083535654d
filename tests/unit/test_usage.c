/*
 * test_usage.c — R-CAT-6 as a table: which cash registers of a client's month
 * are free or chargeable, each row named by the partner guide's sentence it
 * checks («Акция 1», «Акция 2» of 1С:Касса), and the usage discount rule.
 */
#include "unit.h"

#include "model/subscriptions/discount.h"
#include "model/usage/usage.h"

#define MAXR 4

/* A register of a case: its id, model, the day it was first seen (days
 * from an origin) and the most receipts it sent on one day of the month. */
struct reg {
    const char *id, *model;
    int first_seen;
    int64_t max_receipts;
};

static const char *const not_evotor[] = { "evotor" };

static const struct usage_case {
    const char *rule;
    int promo, contract;                /* free places of the promotion, of the contract */
    int64_t paid;                       /* KKT-PAID quantity in force */
    struct reg regs[MAXR];
    int n;
    enum ob_usage_why want[MAXR];       /* in allowance order */
} cases[] = {
    { "Акция 1: one online register (not Evotor) is free", 1, 0, 0,
      { { "atol", "atol", 1, 100 } }, 1, { OB_USAGE_FREE_PROMOTION } },
    { "Акция 1: 300 receipts a day is within the allowance", 1, 0, 0,
      { { "atol", "atol", 1, 300 } }, 1, { OB_USAGE_FREE_PROMOTION } },
    { "Акция 1: the promotion does not cover Evotor", 1, 0, 0,
      { { "evo", "evotor", 1, 10 } }, 1, { OB_USAGE_BEYOND } },
    { "Акция 1: Evotor first, the next non-Evotor register is the free one", 1, 0, 0,
      { { "evo", "evotor", 1, 10 }, { "atol", "atol", 2, 10 } }, 2,
      { OB_USAGE_BEYOND, OB_USAGE_FREE_PROMOTION } },
    { "Акция 1: the second register is charged", 1, 0, 0,
      { { "atol", "atol", 1, 10 }, { "shtrih", "shtrih", 2, 10 } }, 2,
      { OB_USAGE_FREE_PROMOTION, OB_USAGE_BEYOND } },
    { "Акция 1: the first seen is the free one, whatever its id", 1, 0, 0,
      { { "z-last-by-id", "atol", 1, 10 }, { "a-first-by-id", "atol", 5, 10 } }, 2,
      { OB_USAGE_FREE_PROMOTION, OB_USAGE_BEYOND } },
    { "Акция 1: over 300 receipts on one day charges even the free one", 1, 0, 0,
      { { "atol", "atol", 1, 301 } }, 1, { OB_USAGE_OVER } },
    { "Акция 1: the free one over 300 keeps its place: the second is still charged", 1, 0, 0,
      { { "atol", "atol", 1, 301 }, { "shtrih", "shtrih", 2, 10 } }, 2,
      { OB_USAGE_OVER, OB_USAGE_BEYOND } },
    { "Акция 1 ended (after 2019-12-31): no register is free", 0, 0, 0,
      { { "atol", "atol", 1, 10 } }, 1, { OB_USAGE_BEYOND } },
    { "Акция 2: ITS Retail frees one more: two free, the third charged", 1, 1, 0,
      { { "atol", "atol", 1, 10 }, { "shtrih", "shtrih", 2, 10 }, { "kkt3", "atol", 3, 10 } },
      3, { OB_USAGE_FREE_PROMOTION, OB_USAGE_FREE_CONTRACT, OB_USAGE_BEYOND } },
    { "Акция 2: the contract's register may be an Evotor", 1, 1, 0,
      { { "atol", "atol", 1, 10 }, { "evo", "evotor", 2, 10 } }, 2,
      { OB_USAGE_FREE_PROMOTION, OB_USAGE_FREE_CONTRACT } },
    { "Акция 2 alone, after the promotion ended: one free", 0, 1, 0,
      { { "evo", "evotor", 1, 10 }, { "atol", "atol", 2, 10 } }, 2,
      { OB_USAGE_FREE_CONTRACT, OB_USAGE_BEYOND } },
    { "Акция 2: over 300 receipts charges the contract's register too", 0, 1, 0,
      { { "atol", "atol", 1, 500 } }, 1, { OB_USAGE_OVER } },
    { "KKT-PAID: a quantity of 2 covers two chargeable registers, in order", 0, 0, 2,
      { { "a", "atol", 1, 10 }, { "b", "atol", 2, 10 }, { "c", "atol", 3, 10 } }, 3,
      { OB_USAGE_PAID_UNITS, OB_USAGE_PAID_UNITS, OB_USAGE_BEYOND } },
    { "KKT-PAID: covers a register over 300 receipts", 1, 0, 1,
      { { "atol", "atol", 1, 301 } }, 1, { OB_USAGE_PAID_UNITS } },
    { "KKT-PAID: never covers a free register", 1, 0, 3,
      { { "atol", "atol", 1, 10 }, { "evo", "evotor", 2, 10 } }, 2,
      { OB_USAGE_FREE_PROMOTION, OB_USAGE_PAID_UNITS } },
    { "no registers reported: nothing", 1, 1, 1, { { 0 } }, 0, { 0 } },
};

static void
test_rule_table(void **state)
{
    (void)state;
    for (size_t k = 0; k < NELEM(cases); k++) {
        const struct usage_case *c = &cases[k];
        struct ob_usage_allowance a = { c->promo, not_evotor, 1, 300, c->contract, 300, c->paid };
        struct ob_usage_register regs[MAXR];

        memset(regs, 0, sizeof(regs));
        for (int i = 0; i < c->n; i++) {
            /* handed over in reverse, so the rule's own order is what is checked */
            const struct reg *r = &c->regs[c->n - 1 - i];

            regs[i] = (struct ob_usage_register){ r->id, r->model, r->first_seen, r->max_receipts,
                                                  1, 0, 0, 0 };
        }
        ob_usage_judge(regs, c->n, &a);
        for (int i = 0; i < c->n; i++) {
            CHECK_STR(c->rule, regs[i].id, c->regs[i].id);
            CHECK_STR(c->rule, ob_usage_why_name(regs[i].why), ob_usage_why_name(c->want[i]));
        }
    }
}

static void
test_charged(void **state)
{
    (void)state;
    assert_true(ob_usage_charged(OB_USAGE_BEYOND));
    assert_true(ob_usage_charged(OB_USAGE_OVER));
    assert_false(ob_usage_charged(OB_USAGE_PAID_UNITS));
    assert_false(ob_usage_charged(OB_USAGE_FREE_PROMOTION));
    assert_false(ob_usage_charged(OB_USAGE_FREE_CONTRACT));
}

/* The rule a usage line is charged by (docs/decisions.md): the partner's
 * status on the 1st of the month, at a continuing client's rate. */
static void
test_usage_discount(void **state)
{
    struct ob_discount_in no_csk = { false, -1, OB_CHAIN_LATER, false, false, false };
    struct ob_discount_in csk = { true, -1, OB_CHAIN_LATER, false, false, false };
    struct ob_discount d;

    (void)state;
    d = ob_discount_rule(&no_csk);
    CHECK_INT("R-BIL-2 partner w/o status: 20% of 100 roubles", ob_discount_apply(10000, d.pct),
              8000);
    CHECK_STR("R-BIL-2 partner w/o status", d.rule, "partner_without_csk");
    d = ob_discount_rule(&csk);
    CHECK_INT("R-BIL-2 csk, a continuing client: 50% of 100 roubles",
              ob_discount_apply(10000, d.pct), 5000);
    CHECK_STR("R-BIL-2 csk, a continuing client", d.rule, "later_renewal");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rule_table),
        cmocka_unit_test(test_charged),
        cmocka_unit_test(test_usage_discount),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
