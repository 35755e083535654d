/*
 * test_entitlement.c — R-SUB-7 as a table drawn from docs/rules.md, each row naming
 * its rule. The tariff options are the standard catalog's own (the JSON of
 * data/catalog.json), parsed by the catalog's parser; the PROF list is
 * expanded here as the database would.
 */
#include "unit.h"

#include <stdio.h>

#include "base/date.h"
#include "base/err.h"
#include "base/mem.h"
#include "model/catalog/catalog.h"
#include "model/subscriptions/entitlement.h"

static const char *prof_list[] = { "accounting", "entrepreneur", "small_business", "payroll_hr",
                                   "kamin_payroll", "state_accounting", "state_payroll",
                                   "kamin_state_payroll" };

static struct ob_arena arena;

static void
expand(const char *list, const char ***apps, int *n)
{
    const char **out;
    int count = 0;

    if (!list)
        return;
    out = ob_arena_alloc(&arena, sizeof(char *) * 32);
    for (size_t i = 0; i < NELEM(prof_list); i++)
        out[count++] = prof_list[i];
    for (int i = 0; i < *n; i++)
        out[count++] = (*apps)[i];
    *apps = out;
    *n = count;
}

static struct ob_tariff_options *
options(const char *json, enum ob_tariff_kind k)
{
    struct ob_tariff_options *o = ob_arena_alloc(&arena, sizeof(*o));
    struct ob_err err = { 0 };

    if (ob_tariff_options_parse(json, k, &arena, o, &err) != 0)
        fail_msg("options %s: %s", json, err.message);
    expand(o->apps_list, &o->apps, &o->napps);
    for (int i = 0; i < o->nareas; i++)
        expand(o->areas[i].apps_list, &o->areas[i].apps, &o->areas[i].napps);
    return o;
}

static struct ob_tariff_options *trial, *prof, *basic, *spec, *plus1, *short2, *kassa, *crm;

static int
setup(void **state)
{
    (void)state;
    ob_arena_init(&arena);
    trial = options("{\"services\": \"prof\", \"apps\": {\"list\": \"prof\"}, \"areas\": "
                    "\"unlimited\", \"sessions\": 5, \"days\": 30}",
                    OB_TARIFF_TRIAL);
    prof = options("{\"services\": \"prof\", \"apps\": {\"list\": \"prof\"}, \"areas\": "
                   "\"unlimited\", \"sessions\": 5, \"terms\": [1, 3, 6, 12]}",
                   OB_TARIFF_MAIN);
    basic = options("{\"services\": \"basic\", \"apps\": {\"list\": \"prof\"}, \"choose\": 1, "
                    "\"areas\": [{\"working\": 1, \"test\": 1, \"one_app\": true}], "
                    "\"sessions\": 2, \"terms\": [1, 3, 6, 12]}",
                    OB_TARIFF_MAIN);
    spec = options("{\"services\": \"prof\", \"apps\": {\"list\": \"prof\", \"plus\": "
                   "[\"accounting_spec\"]}, \"areas\": [{\"apps\": [\"accounting_spec\"], "
                   "\"working\": 1, \"test\": 0}, {\"apps\": {\"list\": \"prof\"}, \"working\": 1, "
                   "\"test\": 0, \"one_app\": true}], \"sessions\": 2, \"terms\": [1, 3, 6, 12]}",
                   OB_TARIFF_MAIN);
    kassa = options("{\"services\": \"basic\", \"apps\": [\"kassa\"], \"areas\": [{\"areas\": 1}], "
                    "\"sessions\": 2, \"terms\": [1, 3, 6, 12]}",
                    OB_TARIFF_MAIN);
    crm = options("{\"services\": \"basic\", \"apps\": [\"crm\"], \"areas\": [{\"areas\": 1}], "
                  "\"sessions\": 5, \"terms\": [1, 3, 6], \"max_term_months\": 6}",
                  OB_TARIFF_MAIN);
    plus1 = options("{\"sessions_add\": 1}", OB_TARIFF_EXTENSION);
    short2 = options("{\"sessions_add\": 2, \"days\": 14}", OB_TARIFF_SHORT_EXTENSION);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    ob_arena_free(&arena);
    return 0;
}

static int32_t
d(const char *s)
{
    int32_t day = 0;

    if (ob_date_parse(s, &day) != 0)
        fail_msg("bad date %s", s);
    return day;
}

static struct ob_ent_sub
sub(int64_t id, enum ob_sub_kind k, const char *tariff, const char *start, const char *end,
    struct ob_tariff_options *o)
{
    struct ob_ent_sub s = { id, k, tariff, 0, d(start), d(end), 1, NULL, false, o };

    return s;
}

static const struct ob_ent_area *
area(const struct ob_entitlement *e, const char *app)
{
    for (int i = 0; i < e->nareas; i++)
        if (!strcmp(e->areas[i].app, app))
            return &e->areas[i];
    return NULL;
}

static bool
allowed(const struct ob_entitlement *e, const char *app)
{
    for (int i = 0; i < e->napps; i++)
        if (!strcmp(e->apps[i], app))
            return true;
    return false;
}

static void
test_blocked_and_trial(void **state)
{
    struct ob_entitlement e;
    struct ob_ent_sub t = sub(1, OB_SUB_TRIAL, "TRIAL-30", "2026-01-31", "2026-03-02", trial);

    (void)state;
    ob_entitlement_compute(NULL, 0, d("2026-01-31"), &arena, &e);
    CHECK_TRUE("R-SUB-7 nothing at all: blocked", e.blocked && e.reason);
    ob_entitlement_compute(&t, 1, d("2026-01-31"), &arena, &e);
    CHECK_TRUE("R-SUB-1a the trial starts at once", !e.blocked);
    CHECK_INT("R-SUB-1a trial sessions", e.sessions, 5);
    CHECK_STR("R-SUB-1a trial services", e.services, "prof");
    ob_entitlement_compute(&t, 1, d("2026-03-01"), &arena, &e);
    CHECK_TRUE("R-SUB-0 the last day L is in", !e.blocked);
    ob_entitlement_compute(&t, 1, d("2026-03-02"), &arena, &e);
    CHECK_TRUE("R-SUB-0 access stops at 00:00 on end", e.blocked);
    CHECK_INT("R-SUB-7 blocked: no sessions", e.sessions, 0);
}

static void
test_trial_stops_with_a_paid_main(void **state)
{
    struct ob_ent_sub s[] = {
        sub(1, OB_SUB_TRIAL, "TRIAL-30", "2026-01-01", "2026-01-31", trial),
        sub(2, OB_SUB_MAIN, "ITSaaS-BASIC", "2026-01-10", "2026-02-10", basic),
    };
    struct ob_entitlement e;

    (void)state;
    ob_entitlement_compute(s, 2, d("2026-01-09"), &arena, &e);
    CHECK_INT("R-SUB-1a before the paid main: the trial", e.sessions, 5);
    ob_entitlement_compute(s, 2, d("2026-01-10"), &arena, &e);
    CHECK_INT("R-SUB-1a the trial stops counting from the paid main's first day", e.sessions, 2);
    CHECK_STR("R-SUB-1a the paid main's services", e.services, "basic");
    CHECK_INT("only the main counts", e.nin_force, 1);
}

/* The guide's KASSA ("пользователи могут работать бесплатно") and CRM-START
 * ("бесплатный тариф «Стартовый»") are mains at price 0: posting one during
 * the trial must not take the PROF applications away (R-SUB-1a says a
 * paid main stops the trial). */
static void
test_free_main_keeps_the_trial(void **state)
{
    struct ob_ent_sub s[] = {
        sub(1, OB_SUB_TRIAL, "TRIAL-30", "2026-01-01", "2026-01-31", trial),
        sub(2, OB_SUB_MAIN, "KASSA", "2026-01-10", "2026-02-10", kassa),
        sub(3, OB_SUB_MAIN, "CRM-START", "2026-01-12", "2026-02-12", crm),
    };
    struct ob_entitlement e;

    (void)state;
    s[1].free = s[2].free = true;
    ob_entitlement_compute(s, 3, d("2026-01-15"), &arena, &e);
    CHECK_INT("R-SUB-1a free KASSA and CRM-START beside the trial: it goes on, all add up",
              e.sessions, 5 + 2 + 5);
    CHECK_INT("R-SUB-1a the trial's applications stay, with kassa and crm", e.napps, 8 + 2);
    CHECK_INT("R-SUB-1a the trial counts", e.nin_force, 3);
    ob_entitlement_compute(s, 3, d("2026-02-05"), &arena, &e);
    CHECK_INT("R-SUB-0 after the trial's end the free mains alone", e.sessions, 2 + 5);
    s[1].free = false;      /* a KASSA posted at a price (a later price row) is a paid main */
    ob_entitlement_compute(s, 3, d("2026-01-15"), &arena, &e);
    CHECK_INT("R-SUB-1a a paid main stops the trial", e.sessions, 2 + 5);
}

static void
test_mains_add_up(void **state)
{
    static const char *const working[] = { "small_business", NULL };
    struct ob_ent_sub s[] = {
        sub(1, OB_SUB_MAIN, "ITSaaS-PROF", "2026-01-01", "2026-02-01", prof),
        sub(2, OB_SUB_MAIN, "ITSaaS-SPEC", "2026-01-01", "2026-04-01", spec),
    };
    struct ob_entitlement e;

    (void)state;
    s[1].working = working;
    ob_entitlement_compute(s, 2, d("2026-01-15"), &arena, &e);
    CHECK_INT("R-SUB-7 mains of different tariffs add up: sessions", e.sessions, 7);
    CHECK_TRUE("R-SUB-7 applications add up", allowed(&e, "accounting_spec") &&
                                                  allowed(&e, "accounting"));
    CHECK_TRUE("R-SUB-7 PROF's unlimited areas stay unlimited",
               area(&e, "accounting") && area(&e, "accounting")->unlimited);
    ob_entitlement_compute(s, 2, d("2026-02-01"), &arena, &e);
    CHECK_INT("R-SUB-7 when PROF ends only SPEC's sessions remain", e.sessions, 2);
}

static void
test_extensions(void **state)
{
    struct ob_ent_sub s[] = {
        sub(1, OB_SUB_MAIN, "ITSaaS-PROF", "2026-01-01", "2026-04-01", prof),
        sub(2, OB_SUB_EXTENSION, "SESSIONS+1", "2026-01-01", "2026-04-01", plus1),
        sub(3, OB_SUB_SHORT_EXTENSION, "SESSIONS-2x14", "2026-03-20", "2026-04-03", short2),
    };
    struct ob_entitlement e;

    (void)state;
    s[1].main = 1;
    s[1].quantity = 3;
    s[2].main = 1;
    ob_entitlement_compute(s, 3, d("2026-02-01"), &arena, &e);
    CHECK_INT("R-SUB-3 an extension adds to its main (3 × +1)", e.sessions, 8);
    ob_entitlement_compute(s, 3, d("2026-03-20"), &arena, &e);
    CHECK_INT("R-SUB-4 a short extension adds 2 sessions", e.sessions, 10);
    ob_entitlement_compute(s, 3, d("2026-04-01"), &arena, &e);
    CHECK_TRUE("R-SUB-3/4 extensions count only beside their main in force", e.blocked);
    CHECK_INT("R-SUB-4 nothing is left", e.sessions, 0);
}

static void
test_deferred_and_local_its(void **state)
{
    struct ob_ent_sub s[] = {
        sub(1, OB_SUB_MAIN, "ITSaaS-PROF", "2026-01-01", "2026-02-01", prof),
        sub(2, OB_SUB_DEFERRED_RENEWAL, "ITSaaS-PROF", "2026-02-01", "2026-02-08", prof),
        sub(3, OB_SUB_ITS_LOCAL, "ITSaaS-BASIC", "2026-03-01", "2027-03-01", basic),
    };
    struct ob_entitlement e;

    (void)state;
    ob_entitlement_compute(s, 3, d("2026-02-07"), &arena, &e);
    CHECK_TRUE("R-SUB-5 a deferred renewal keeps access", !e.blocked);
    CHECK_INT("R-SUB-5 as its main", e.sessions, 5);
    ob_entitlement_compute(s, 3, d("2026-02-08"), &arena, &e);
    CHECK_TRUE("R-SUB-5 seven days, then blocked", e.blocked);
    ob_entitlement_compute(s, 3, d("2026-06-01"), &arena, &e);
    CHECK_INT("R-SUB-6 a local ITS contract entitles as its tariff", e.sessions, 2);
}

static void
test_client_choice(void **state)
{
    static const char *const accounting[] = { "crm", "accounting", NULL };
    static const char *const payroll[] = { "payroll_hr", NULL };
    struct ob_ent_sub b = sub(1, OB_SUB_MAIN, "ITSaaS-BASIC", "2026-01-01", "2026-02-01", basic);
    struct ob_ent_sub s = sub(2, OB_SUB_MAIN, "ITSaaS-SPEC", "2026-01-01", "2026-02-01", spec);
    const struct ob_ent_area *x;
    struct ob_entitlement e;

    (void)state;
    ob_entitlement_compute(&b, 1, d("2026-01-05"), &arena, &e);
    CHECK_INT("R-CAT-2 BASIC before the first area: choose 1", e.choose, 1);
    CHECK_INT("R-CAT-2 BASIC: any PROF-list application to choose from", e.napps, 8);
    b.working = accounting;     /* a CRM area of another tariff first: not BASIC's choice */
    ob_entitlement_compute(&b, 1, d("2026-01-05"), &arena, &e);
    CHECK_INT("R-CAT-2 BASIC after the choice: no choice left", e.choose, 0);
    CHECK_INT("R-CAT-2 BASIC after the choice: one application", e.napps, 1);
    x = area(&e, "accounting");
    CHECK_TRUE("R-CAT-2 BASIC areas of the chosen app", x != NULL);
    CHECK_INT("R-CAT-2 BASIC 1 working", x->working, 1);
    CHECK_INT("R-CAT-2 BASIC + 1 test", x->test, 1);
    CHECK_INT("R-CAT-2 BASIC 2 in all", x->areas, 2);
    CHECK_TRUE("R-CAT-2 BASIC no area of another app", area(&e, "small_business") == NULL);

    s.working = payroll;
    ob_entitlement_compute(&s, 1, d("2026-01-05"), &arena, &e);
    x = area(&e, "accounting_spec");
    CHECK_TRUE("R-CAT-2 SPEC 1 Accounting SPEC", x && x->working == 1 && x->test == 0);
    x = area(&e, "payroll_hr");
    CHECK_TRUE("R-CAT-2 SPEC + 1 of one PROF application", x && x->working == 1);
    CHECK_TRUE("R-CAT-2 SPEC not a second PROF application", area(&e, "accounting") == NULL);
}

/* Issue 9 item 15, the guide's SPEC row: "Одна база «1С:Бухгалтерия СПЕЦ
 * (лом+шкуры)», одна база любого приложения тарифа ПРОФ". The choice belongs to
 * the one-application rule and is made among its own applications (the PROF
 * list), so the order in which the two areas are made does not matter. */
static const struct spec_case {
    const char *rule;
    const char *working[4];
    const char *chosen;         /* the PROF application with an area, or NULL: all open */
} spec_cases[] = {
    { "R-CAT-2 SPEC no area yet: the whole PROF list is open", { NULL }, NULL },
    { "R-CAT-2 SPEC Accounting SPEC first is no choice of the PROF rule",
      { "accounting_spec", NULL }, NULL },
    { "R-CAT-2 SPEC Accounting SPEC first, then Accounting",
      { "accounting_spec", "accounting", NULL }, "accounting" },
    { "R-CAT-2 SPEC Accounting first, then Accounting SPEC",
      { "accounting", "accounting_spec", NULL }, "accounting" },
    { "R-CAT-2 SPEC a CRM area of another tariff first is no choice",
      { "crm", "accounting_spec", "small_business", NULL }, "small_business" },
};

static void
test_spec_choice_in_either_order(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(spec_cases); i++) {
        const struct spec_case *c = &spec_cases[i];
        struct ob_ent_sub s = sub(1, OB_SUB_MAIN, "ITSaaS-SPEC", "2026-01-01", "2026-02-01", spec);
        const struct ob_ent_area *x;
        struct ob_entitlement e;

        s.working = c->working;
        ob_entitlement_compute(&s, 1, d("2026-01-05"), &arena, &e);
        x = area(&e, "accounting_spec");
        CHECK_TRUE(c->rule, x && x->working == 1 && x->test == 0);
        for (size_t k = 0; k < NELEM(prof_list); k++) {
            bool open = !c->chosen || !strcmp(prof_list[k], c->chosen);

            x = area(&e, prof_list[k]);
            CHECK_TRUE(c->rule, open ? x && x->working == 1 && x->test == 0 : x == NULL);
        }
        CHECK_INT(c->rule, e.choose, 0);
        CHECK_TRUE(c->rule, allowed(&e, "accounting_spec") && allowed(&e, "kamin_payroll"));
        CHECK_STR(c->rule, ob_entitlement_choice(spec, &spec->areas[1], c->working)
                               ? ob_entitlement_choice(spec, &spec->areas[1], c->working)
                               : "(none)",
                  c->chosen ? c->chosen : "(none)");
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blocked_and_trial),
        cmocka_unit_test(test_trial_stops_with_a_paid_main),
        cmocka_unit_test(test_free_main_keeps_the_trial),
        cmocka_unit_test(test_mains_add_up),
        cmocka_unit_test(test_extensions),
        cmocka_unit_test(test_deferred_and_local_its),
        cmocka_unit_test(test_client_choice),
        cmocka_unit_test(test_spec_choice_in_either_order),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
