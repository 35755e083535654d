/*
 * test_inn.c — the requisites checks of model/parties/partner.c: the INN's official
 * weighted checksums (10 digits for an organisation, 12 for a sole trader),
 * the KPP and phone formats, and a questionnaire's requisites as a whole.
 *
 * The valid INNs are real published ones (Sberbank, Gazprom, Alfa-Bank) and
 * sole-trader numbers whose check digits were computed outside the code
 * under test; each invalid one differs from a valid one in one place.
 */
#include <stdio.h>

#include "base/ctx.h"
#include "model/parties/partner.h"
#include "model/parties/requisites.h"
#include "unit.h"
#include "base/banned.h"

static const struct inn_case {
    const char *name, *inn;
    bool valid;
} inn_cases[] = {
    { "organisation: Sberbank", "7707083893", true },
    { "organisation: Gazprom", "7736050003", true },
    { "organisation: Alfa-Bank", "7728168971", true },
    { "sole trader (12 digits)", "500100732259", true },
    { "sole trader (12 digits), Moscow", "773370857141", true },
    { "organisation: last digit off by one", "7707083894", false },
    { "organisation: two digits swapped", "7707083983", false },
    { "sole trader: 12th digit wrong", "500100732258", false },
    { "sole trader: 11th digit wrong", "500100732269", false },
    { "9 digits", "770708389", false },
    { "11 digits", "50010073225", false },
    { "13 digits", "7707083893000", false },
    { "a letter", "77070838a3", false },
    { "spaces", "7707 083893", false },
    { "empty", "", false },
    { "all zeros (passes the sum, no region 00)", "0000000000", false },
    { "12 zeros", "000000000000", false },
};

static void
test_inn_checksum(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(inn_cases); i++)
        CHECK_INT(inn_cases[i].name, ob_inn_valid(inn_cases[i].inn), inn_cases[i].valid);
    CHECK_INT("NULL", ob_inn_valid(NULL), false);
}

static const struct field_case {
    const char *name;
    int (*check)(struct ob_ctx *, const char *, const char *);
    const char *in;
    int want;
} field_cases[] = {
    { "kpp: 9 digits", ob_check_kpp, "770701001", 0 },
    { "kpp: letters in 5th and 6th places", ob_check_kpp, "7707AB001", 0 },
    { "kpp: empty is allowed", ob_check_kpp, "", 0 },
    { "kpp: 8 characters", ob_check_kpp, "77070100", OB_EINVAL },
    { "kpp: 10 characters", ob_check_kpp, "7707010011", OB_EINVAL },
    { "kpp: a letter in the 1st place", ob_check_kpp, "A70701001", OB_EINVAL },
    { "kpp: lower-case letters", ob_check_kpp, "7707ab001", OB_EINVAL },
    { "phone: international with punctuation", ob_check_phone, "+7 (495) 123-45-67", 0 },
    { "phone: 7 digits", ob_check_phone, "1234567", 0 },
    { "phone: 20 digits", ob_check_phone, "12345678901234567890", 0 },
    { "phone: 6 digits", ob_check_phone, "123456", OB_EINVAL },
    { "phone: 21 digits", ob_check_phone, "123456789012345678901", OB_EINVAL },
    { "phone: letters", ob_check_phone, "+7 495 CALL-NOW", OB_EINVAL },
    { "phone: an extension mark", ob_check_phone, "+7 495 1234567 ext 5", OB_EINVAL },
    { "inn: valid", ob_check_inn, "7707083893", 0 },
    { "inn: required", ob_check_inn, "", OB_EINVAL },
    { "inn: bad checksum", ob_check_inn, "7707083894", OB_EINVAL },
};

static void
test_fields(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(field_cases); i++) {
        struct ob_ctx ctx = { 0 };
        int rc = field_cases[i].check(&ctx, field_cases[i].in, "f");

        CHECK_INT(field_cases[i].name, rc, field_cases[i].want);
        if (rc)
            CHECK_STR(field_cases[i].name, ctx.err.field, "f");
    }
}

static void
test_requisites(void **state)
{
    struct ob_requisites ok = { "Partner", "7707083893", "", "+7 495 000 00 00", " Boss@X.Test ",
                                NULL, NULL, NULL, NULL, 0 };
    struct ob_requisites r;
    struct ob_ctx ctx = { 0 };

    (void)state;
    ob_arena_init(&ctx.arena);
    r = ok;
    CHECK_INT("full requisites pass", ob_requisites_check(&ctx, &r, false, ""), 0);
    CHECK_STR("email normalised", r.email, "boss@x.test");
    r = ok;
    r.phone = NULL;
    CHECK_INT("phone required", ob_requisites_check(&ctx, &r, false, ""), OB_EINVAL);
    CHECK_STR("phone required: field", ctx.err.field, "phone");
    ob_err_clear(&ctx.err);
    r = (struct ob_requisites){ 0 };
    r.inn = "500100732258";
    CHECK_INT("partial: bad inn", ob_requisites_check(&ctx, &r, true, "changes."), OB_EINVAL);
    CHECK_STR("partial: field has the prefix", ctx.err.field, "changes.inn");
    ob_err_clear(&ctx.err);
    r = (struct ob_requisites){ 0 };
    r.site = "https://x.test";
    CHECK_INT("partial: only a site", ob_requisites_check(&ctx, &r, true, "changes."), 0);
    r = ok;
    r.region = "\xff\xfe";
    CHECK_INT("invalid UTF-8", ob_requisites_check(&ctx, &r, false, ""), OB_EINVAL);
    CHECK_STR("invalid UTF-8: field", ctx.err.field, "region");
    ob_arena_free(&ctx.arena);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inn_checksum),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_requisites),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
