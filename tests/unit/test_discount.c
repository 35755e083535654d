/*
 * test_discount.c — R-BIL-2 as a table, each row named by its rule, and the
 * chain of paid subscriptions and the late-request date of R-SUB-2.
 */
#include "unit.h"

#include "base/date.h"
#include "model/discount.h"

static const struct discount_case {
    const char *rule;
    bool csk;
    int individual;
    enum ob_chain_place place;
    bool after_gap, new_client, from_local_its;
    int want_pct;
    const char *want_rule;
} cases[] = {
    { "R-BIL-2 new client", true, -1, OB_CHAIN_FIRST, false, true, false, 65, "new_client" },
    { "R-BIL-2 first renewal", true, -1, OB_CHAIN_FIRST_RENEWAL, false, true, false, 60,
      "first_continuous_renewal" },
    { "R-BIL-2 later renewal", true, -1, OB_CHAIN_LATER, false, true, false, 50, "later_renewal" },
    { "R-BIL-2 first renewal after a gap", true, -1, OB_CHAIN_LATER, true, true, false, 50,
      "renewal_after_gap" },
    { "R-BIL-2 from local ITS", true, -1, OB_CHAIN_FIRST, false, true, true, 50,
      "from_local_its" },
    { "R-BIL-2 from local ITS, renewal", true, -1, OB_CHAIN_FIRST_RENEWAL, false, false, true, 50,
      "from_local_its" },
    { "R-BIL-2 partner w/o status", false, -1, OB_CHAIN_FIRST, false, true, false, 20,
      "partner_without_csk" },
    { "R-BIL-2 partner w/o status, renewal", false, -1, OB_CHAIN_FIRST_RENEWAL, false, false,
      false, 20, "partner_without_csk" },
    { "R-BIL-2 individual terms", false, 35, OB_CHAIN_FIRST, false, true, false, 35,
      "individual_terms" },
    { "R-BIL-2 individual terms over csk", true, 40, OB_CHAIN_FIRST, false, true, false, 40,
      "individual_terms" },
    { "first paid, not a new client (decision)", true, -1, OB_CHAIN_FIRST, false, false, false,
      50, "first_paid_not_new_client" },
};

static void
test_rule_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(cases); i++) {
        const struct discount_case *c = &cases[i];
        struct ob_discount_in in = { c->csk, c->individual, c->place, c->after_gap,
                                     c->new_client, c->from_local_its };
        struct ob_discount d = ob_discount_rule(&in);

        CHECK_INT(c->rule, d.pct, c->want_pct);
        CHECK_STR(c->rule, d.rule, c->want_rule);
    }
}

static void
test_amounts_round_half_up(void **state)
{
    static const struct {
        const char *name;
        int64_t price;
        int pct;
        int64_t want;
    } rows[] = {
        { "PROF 1 month at 65%", 247200, 65, 86520 },
        { "PROF 12 months at 60%", 247200 * 12, 60, 1186560 },
        { "BASIC 3 months at 50%", 104400 * 3, 50, 156600 },
        { "odd kopecks, half up", 101, 50, 51 },      /* 50.5 → 51 */
        { "just under half", 149, 65, 52 },           /* 52.15 → 52 */
        { "0% keeps the price", 12345, 0, 12345 },
        { "100% is free", 12345, 100, 0 },
        { "free tariff", 0, 20, 0 },
    };

    (void)state;
    for (size_t i = 0; i < NELEM(rows); i++)
        CHECK_INT(rows[i].name, ob_discount_apply(rows[i].price, rows[i].pct), rows[i].want);
}

static int32_t
d(const char *s)
{
    int32_t day = 0;

    assert_int_equal(ob_date_parse(s, &day), 0);
    return day;
}

static void
test_chain_place(void **state)
{
    struct ob_period first[] = { { d("2026-01-01"), d("2026-02-01") } };
    struct ob_period two[] = { { d("2026-01-01"), d("2026-02-01") },
                               { d("2026-02-01"), d("2026-05-01") } };
    bool gap;

    (void)state;
    CHECK_INT("no paid main before", ob_discount_place(NULL, 0, d("2026-01-01"), &gap),
              OB_CHAIN_FIRST);
    CHECK_TRUE("no gap without a predecessor", !gap);
    CHECK_INT("renewal at the previous end", ob_discount_place(first, 1, d("2026-02-01"), &gap),
              OB_CHAIN_FIRST_RENEWAL);
    CHECK_TRUE("continuous", !gap);
    CHECK_INT("R-BIL-2 a renewal after a gap is a later one",
              ob_discount_place(first, 1, d("2026-02-02"), &gap), OB_CHAIN_LATER);
    CHECK_TRUE("gap", gap);
    CHECK_INT("renewal posted early, starting before the end",
              ob_discount_place(first, 1, d("2026-01-20"), &gap), OB_CHAIN_FIRST_RENEWAL);
    CHECK_INT("third in the chain", ob_discount_place(two, 2, d("2026-05-01"), &gap),
              OB_CHAIN_LATER);
    CHECK_TRUE("third, continuous", !gap);
    CHECK_INT("a later start does not count as before",
              ob_discount_place(two, 2, d("2026-01-01"), &gap), OB_CHAIN_FIRST);
}

static void
test_late_requests(void **state)
{
    static const struct {
        const char *name, *posted, *filed;
        bool late;
    } rows[] = {
        { "R-SUB-2 posted Wednesday, filed Monday", "2026-11-25", "2026-11-30", false },
        { "R-SUB-2 posted Wednesday, filed Tuesday", "2026-11-25", "2026-12-01", true },
        { "R-SUB-2 posted Monday: the following Monday", "2026-11-30", "2026-12-07", false },
        { "R-SUB-2 posted Monday, filed a week and a day later", "2026-11-30", "2026-12-08",
          true },
        { "R-SUB-2 posted Sunday, filed next day", "2026-11-29", "2026-11-30", false },
        { "R-SUB-2 posted Sunday, filed Tuesday", "2026-11-29", "2026-12-01", true },
        { "R-SUB-2 same day", "2026-11-27", "2026-11-27", false },
    };

    (void)state;
    for (size_t i = 0; i < NELEM(rows); i++)
        CHECK_INT(rows[i].name, ob_request_late(d(rows[i].posted), d(rows[i].filed)),
                  rows[i].late);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rule_table),
        cmocka_unit_test(test_amounts_round_half_up),
        cmocka_unit_test(test_chain_place),
        cmocka_unit_test(test_late_requests),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
