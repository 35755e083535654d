/*
 * test_correction.c — R-BIL-3, R-SUB-2: what a correcting line holds, as a
 * table: what the closed statements charged, the row now, the line.
 */
#include "unit.h"

#include "model/statements/correction.h"

static const struct correction_case {
    const char *rule;
    struct ob_correction_in in;
    bool want;
    int64_t price, due;
    int pct;
} cases[] = {
    { "R-BIL-3 unchanged: no line", { 247200, 86520, true, 247200, 86520, 65, 65 }, false, 0, 0,
      65 },
    { "R-SUB-2 cancelled after closing: minus what was charged",
      { 247200, 86520, false, 247200, 86520, 65, 65 }, true, -247200, -86520, 65 },
    { "R-SUB-2 cancelled and already corrected: nothing more", { 0, 0, false, 247200, 86520, 65,
                                                                  65 },
      false, 0, 0, 65 },
    { "R-BIL-2 re-derived 60% → 65%: the difference, negative",
      { 247200, 98880, true, 247200, 86520, 65, 60 }, true, 0, -12360, 65 },
    { "R-SUB-2 changed to 12 months: the difference, positive",
      { 247200, 86520, true, 2966400, 1038240, 65, 65 }, true, 2719200, 951720, 65 },
    { "R-SUB-2 changed twice: only what the earlier correction left",
      { 2966400, 1038240, true, 247200 * 3, 259560, 65, 65 }, true, 247200 * 3 - 2966400,
      259560 - 1038240, 65 },
    { "R-BIL-2 a local ITS line at 0 cancelled: no line", { 0, 0, false, 0, 0, 0, 0 }, false, 0,
      0, 0 },
};

static void
test_correction_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(cases); i++) {
        const struct correction_case *c = &cases[i];
        struct ob_correction out = { 0 };
        bool got = ob_correction_of(&c->in, &out);

        CHECK_TRUE(c->rule, got == c->want);
        if (!got)
            continue;
        CHECK_INT(c->rule, out.price, c->price);
        CHECK_INT(c->rule, out.amount_due, c->due);
        CHECK_INT(c->rule, out.discount_pct, c->pct);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_correction_table),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
