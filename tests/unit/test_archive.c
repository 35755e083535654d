/*
 * test_archive.c — the settings of the rule of trials never paid
 * (model/areas/archive.h, docs/rules.md R-SUB-7a): empty is off, else a
 * whole number of days from 1 to 3650; anything else stops serve and jobs
 * at start, naming the setting.
 */
#include <stdio.h>
#include <string.h>

#include "base/config.h"
#include "base/err.h"
#include "model/areas/archive.h"
#include "unit.h"
#include "base/banned.h"

static const struct days_case {
    const char *name, *archive, *delete_;
    int want_rc, want_archive, want_delete;
    const char *want_field;
} cases[] = {
    { "R-SUB-7a: both empty is off (the default)", "", "", 0, 0, 0, NULL },
    { "R-SUB-7a: archiving without deletion keeps archives", "30", "", 0, 30, 0, NULL },
    { "both set", "30", "60", 0, 30, 60, NULL },
    { "one day", "1", "1", 0, 1, 1, NULL },
    { "ten years", "3650", "3650", 0, 3650, 3650, NULL },
    { "zero is not 'off'", "0", "", OB_EINVAL, 0, 0, "trial-archive-days" },
    { "past ten years", "3651", "", OB_EINVAL, 0, 0, "trial-archive-days" },
    { "negative", "-5", "", OB_EINVAL, 0, 0, "trial-archive-days" },
    { "a unit after the number", "30d", "", OB_EINVAL, 0, 0, "trial-archive-days" },
    { "a space", " 30", "", OB_EINVAL, 0, 0, "trial-archive-days" },
    { "a word", "never", "", OB_EINVAL, 0, 0, "trial-archive-days" },
    { "the deletion's setting is named", "30", "x", OB_EINVAL, 0, 0, "trial-delete-days" },
};

static void
test_archive_settings(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(cases); i++) {
        const struct days_case *c = &cases[i];
        static struct ob_config cfg;
        struct ob_archive_settings s = { -1, -1 };
        struct ob_err err = { 0 };
        int rc;

        snprintf(cfg.trial_archive_days, sizeof(cfg.trial_archive_days), "%s", c->archive);
        snprintf(cfg.trial_delete_days, sizeof(cfg.trial_delete_days), "%s", c->delete_);
        rc = ob_archive_settings(&cfg, &s, &err);
        CHECK_INT(c->name, rc, c->want_rc);
        if (rc == 0) {
            CHECK_INT(c->name, s.archive_days, c->want_archive);
            CHECK_INT(c->name, s.delete_days, c->want_delete);
        } else {
            CHECK_STR(c->name, err.field, c->want_field);
        }
        CHECK_INT(c->name, ob_archive_settings(&cfg, NULL, &err), c->want_rc);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_archive_settings),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
