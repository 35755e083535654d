/*
 * test_discount.c — R-BIL-2 as a table, each row named by its rule, and the
 * chain of paid subscriptions and the late-request date of R-SUB-2.
 */
#include "unit.h"

#include "base/date.h"
#include "model/subscriptions/discount.h"

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

/* Issue 9 item 18. The guide: "65% от розничных цен получают партнеры 1С:ЦСК за нового
 * платного клиента ... 60% ... за первое непрерывное продление нового клиента. 50% ... за
 * второе и последующие продления". The chain is the client's paid mains (price > 0) of the
 * new main's family: ITS (PROF, SPEC, BASIC); a tariff of no family chains with itself. Each
 * row: the client's mains, then the new main; a csk partner, a declared new client. */
enum { PROF = 1, SPEC, BASIC, CRM, KASSA, CSO, OWN };

struct chain_row {
    int64_t price;
    int64_t tariff;
    const char *family;
    bool partner_own;
    const char *from, *to;
};

#define ITS_MAIN(t, from, to, price) { price, t, "its", false, from, to }
#define MAIN(t, from, to, price) { price, t, NULL, false, from, to }

static const struct chain_case {
    const char *rule;
    struct chain_row mains[3];
    int n;
    struct chain_row next;
    int want_pct;
    const char *want_rule;
} chain_cases[] = {
    { "R-BIL-2 a free CRM-START month before is not a paid predecessor → 65%",
      { MAIN(CRM, "2026-01-01", "2026-02-01", 0) }, 1,
      ITS_MAIN(PROF, "2026-02-01", "2026-03-01", 247200), 65, "new_client" },
    { "R-BIL-2 a CRM main in parallel is of another family, paid or not → 65%",
      { MAIN(CRM, "2026-01-01", "2026-07-01", 0), MAIN(CRM, "2025-12-01", "2026-01-01", 39900) },
      2, ITS_MAIN(PROF, "2026-02-01", "2026-03-01", 247200), 65, "new_client" },
    { "R-BIL-2 a Kassa main in parallel is of another family → 65%",
      { MAIN(KASSA, "2026-01-01", "2026-04-01", 0) }, 1,
      ITS_MAIN(PROF, "2026-02-01", "2026-03-01", 247200), 65, "new_client" },
    { "R-BIL-2 PARTNER-OWN is never in a client's chain → 65%",
      { { 0, OWN, NULL, true, "2025-01-01", "2125-01-01" } }, 1,
      ITS_MAIN(PROF, "2026-02-01", "2026-03-01", 247200), 65, "new_client" },
    { "R-BIL-2 a free main of the family itself is no payment → 65%",
      { ITS_MAIN(BASIC, "2026-01-01", "2026-02-01", 0) }, 1,
      ITS_MAIN(PROF, "2026-02-01", "2026-03-01", 247200), 65, "new_client" },
    { "R-BIL-2 a paid PROF month, then PROF from its end: first continuous renewal → 60%",
      { ITS_MAIN(PROF, "2026-01-01", "2026-02-01", 247200) }, 1,
      ITS_MAIN(PROF, "2026-02-01", "2026-03-01", 247200), 60, "first_continuous_renewal" },
    { "R-BIL-2 a paid BASIC month, then SPEC: one ITS family, first renewal → 60%",
      { ITS_MAIN(BASIC, "2026-01-01", "2026-02-01", 104400) }, 1,
      ITS_MAIN(SPEC, "2026-02-01", "2026-03-01", 247200), 60, "first_continuous_renewal" },
    { "R-BIL-2 a free CRM month between two PROF months does not break the chain → 50%",
      { ITS_MAIN(PROF, "2026-01-01", "2026-02-01", 247200),
        MAIN(CRM, "2026-01-15", "2026-02-15", 0), ITS_MAIN(PROF, "2026-02-01", "2026-03-01", 247200) },
      3, ITS_MAIN(PROF, "2026-03-01", "2026-04-01", 247200), 50, "later_renewal" },
    { "R-BIL-2 a paid PROF month, then a day without access → 50%",
      { ITS_MAIN(PROF, "2026-01-01", "2026-02-01", 247200) }, 1,
      ITS_MAIN(PROF, "2026-02-02", "2026-03-02", 247200), 50, "renewal_after_gap" },
    { "R-BIL-2 ITSaaS-CSO (no family) after a paid PROF month: its own chain → 65%",
      { ITS_MAIN(PROF, "2026-01-01", "2026-02-01", 247200) }, 1,
      MAIN(CSO, "2026-02-01", "2026-03-01", 100000), 65, "new_client" },
    { "R-BIL-2 ITSaaS-CSO after a paid CSO month: its own chain → 60%",
      { MAIN(CSO, "2026-01-01", "2026-02-01", 100000) }, 1,
      MAIN(CSO, "2026-02-01", "2026-03-01", 100000), 60, "first_continuous_renewal" },
    { "R-BIL-2 a paid PROF month starting later is no predecessor → 65%",
      { ITS_MAIN(PROF, "2026-05-01", "2026-06-01", 247200) }, 1,
      ITS_MAIN(BASIC, "2026-02-01", "2026-03-01", 104400), 65, "new_client" },
    /* Issue 12: a decision re-derives the later mains from the chain as it stands after it
     * (subscription.c, rederive_chain): a cancelled main is no longer in the client's rows. */
    { "R-SUB-2 re-derived: the first paid main cancelled, its renewal is the first → 65%",
      { { 0 } }, 0, ITS_MAIN(PROF, "2026-02-01", "2026-03-01", 247200), 65, "new_client" },
    { "R-SUB-2 re-derived: the first renewal cancelled, the third follows a gap → 50%",
      { ITS_MAIN(PROF, "2026-01-01", "2026-02-01", 247200) }, 1,
      ITS_MAIN(PROF, "2026-03-01", "2026-04-01", 247200), 50, "renewal_after_gap" },
    { "R-SUB-2 re-derived: the first of three cancelled, the third is the first renewal → 60%",
      { ITS_MAIN(PROF, "2026-02-01", "2026-03-01", 247200) }, 1,
      ITS_MAIN(PROF, "2026-03-01", "2026-04-01", 247200), 60, "first_continuous_renewal" },
    { "R-SUB-2 re-derived: the first changed to a free BASIC month is no payment → 65%",
      { ITS_MAIN(BASIC, "2026-01-01", "2026-02-01", 0) }, 1,
      ITS_MAIN(PROF, "2026-02-01", "2026-03-01", 247200), 65, "new_client" },
};

static struct ob_chain_main
chain_main(const struct chain_row *r)
{
    return (struct ob_chain_main){ d(r->from), d(r->to), r->price, r->tariff, r->family,
                                   r->partner_own };
}

static void
test_chain_selection(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(chain_cases); i++) {
        const struct chain_case *c = &chain_cases[i];
        struct ob_chain_main mains[3], next = chain_main(&c->next);
        struct ob_period prev[3];
        struct ob_discount_in in = { true, -1, OB_CHAIN_FIRST, false, true, false };
        struct ob_discount got;
        int n;

        for (int k = 0; k < c->n; k++)
            mains[k] = chain_main(&c->mains[k]);
        n = ob_discount_chain(mains, c->n, &next, prev);
        in.place = ob_discount_place(prev, n, next.start, &in.after_gap);
        got = ob_discount_rule(&in);
        CHECK_INT(c->rule, got.pct, c->want_pct);
        CHECK_STR(c->rule, got.rule, c->want_rule);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rule_table),
        cmocka_unit_test(test_amounts_round_half_up),
        cmocka_unit_test(test_chain_place),
        cmocka_unit_test(test_chain_selection),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
