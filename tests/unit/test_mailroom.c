/*
 * test_mailroom.c — a reminder's offset in words (model/notices/mailroom.c),
 * as the guide says them: «за 7 и 3 суток до даты окончания доступа, в день
 * окончания доступа и через 5 дней после» (R-NOT-1), with Russian plurals
 * written out by hand (1 день, 2–4 дня, 5–20 дней, 21 день, 11–14 дней).
 */
#include <stdio.h>
#include <string.h>

#include "base/ctx.h"
#include "model/notices/mailroom.h"
#include "unit.h"
#include "base/banned.h"

static const struct words_case {
    int offset;
    const char *lang, *want;
} words_cases[] = {
    { -7, "ru", "за 7 дней" },
    { -3, "ru", "за 3 дня" },
    { 0, "ru", "в последний день" },
    { 5, "ru", "через 5 дней после" },
    { -1, "ru", "за 1 день" },
    { -2, "ru", "за 2 дня" },
    { -11, "ru", "за 11 дней" },
    { -12, "ru", "за 12 дней" },
    { -14, "ru", "за 14 дней" },
    { -21, "ru", "за 21 день" },
    { 22, "ru", "через 22 дня после" },
    { 1, "ru", "через 1 день после" },
    { -7, "en", "7 days before the end" },
    { -1, "en", "1 day before the end" },
    { 0, "en", "on the last day" },
    { 5, "en", "5 days after" },
    { 1, "en", "1 day after" },
    { -3, NULL, "за 3 дня" },       /* no language: Russian, the service's own */
};

static void
test_mailroom_offset_words(void **state)
{
    struct ob_ctx ctx;
    char name[64];

    (void)state;
    ob_ctx_init(&ctx, NULL, NULL);
    for (size_t i = 0; i < NELEM(words_cases); i++) {
        const struct words_case *c = &words_cases[i];

        snprintf(name, sizeof(name), "%d %s", c->offset, c->lang ? c->lang : "(none)");
        CHECK_STR(name, ob_mailroom_offset_words(&ctx, c->offset, c->lang), c->want);
    }
    ob_ctx_release(&ctx);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mailroom_offset_words),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
