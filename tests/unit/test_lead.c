/*
 * test_lead.c — how the lead rules compare regions (R-ONB-7): the region a
 * client typed on the form against the region a provider wrote in a rule.
 */
#include "unit.h"

#include <stdbool.h>

#include "model/onboarding/lead.h"

static void
test_region_same(void **state)
{
    static const struct {
        const char *name, *a, *b;
        bool same;
    } rows[] = {
        { "R-ONB-7 the same", "Москва", "Москва", true },
        { "R-ONB-7 case of Cyrillic", "москва", "МОСКВА", true },
        { "R-ONB-7 spaces around", "  Москва\t", "Москва", true },
        { "R-ONB-7 Ё as Е", "Орёл", "ОРЕЛ", true },
        { "R-ONB-7 Latin case", "Moscow", "MOSCOW", true },
        { "R-ONB-7 another region", "Москва", "Московская область", false },
        { "R-ONB-7 a prefix is not the region", "Моск", "Москва", false },
        { "R-ONB-7 inner spaces count", "Санкт Петербург", "Санкт-Петербург", false },
        { "R-ONB-7 both empty", "", "  ", true },
        { "R-ONB-7 empty against a region", "", "Казань", false },
        { "R-ONB-7 a cut UTF-8 sequence", "\xd0", "\xd0", true },
        { "R-ONB-7 a cut sequence against a letter", "\xd0", "\xd0\x90", false },
        { "R-ONB-7 Ѐ-Џ fold too", "Ђ", "ђ", true },
    };

    (void)state;
    for (size_t i = 0; i < NELEM(rows); i++)
        CHECK_INT(rows[i].name, ob_lead_region_same(rows[i].a, rows[i].b), rows[i].same);
    CHECK_INT("R-ONB-7 NULL is no region", ob_lead_region_same(NULL, "Москва"), false);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_region_same),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
