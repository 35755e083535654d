/*
 * test_ends.c — the ends of access (model/subscriptions/ends.h) as a table,
 * each row named by its rule. Expected values are the rules' words:
 * R-SUB-0: N months after a date is the same day N months later or the 1st
 * of the next month (Jan 31 + 1 month = Mar 1), end exclusive, L = end - 1;
 * R-NOT-1: the end is the whole chain's, and extensions do not move it;
 * R-SUB-5: a deferral adds 7 days and is cut where a paid main starts;
 * R-SUB-1a: a trial stops counting once a paid main is in force.
 */
#include "unit.h"

#include <stdio.h>

#include "base/date.h"
#include "model/subscriptions/ends.h"
#include "model/subscriptions/planner.h"

struct row {
    int64_t id;
    const char *kind, *code, *start, *end;  /* [start, end) */
    int64_t price, main;
    const char *rule;
};

#define MAIN(id, code, s, e) { id, "main", code, s, e, 100000, 0, "new_client" }
#define FREE(id, code, s, e) { id, "main", code, s, e, 0, 0, "free" }
#define EXT(id, m, s, e) { id, "extension", "SESSIONS+1", s, e, 5000, m, "" }
#define SHORT(id, m, s, e) { id, "short_extension", "SHORT", s, e, 500, m, "" }
#define DEFER(id, m, s, e) { id, "deferred_renewal", "PROF", s, e, 0, m, "deferred" }
#define TRIAL(id, s, e) { id, "trial", "TRIAL-30", s, e, 0, 0, "trial" }

static const struct ends_case {
    const char *name;
    struct row rows[5];
    const char *want;       /* "chain end_key last_day" each, ";"-separated, in order */
} cases[] = {
    { "R-SUB-0: a month from Jan 31 2027 ends Mar 1, so L is Feb 28",
      { MAIN(1, "PROF", "2027-01-31", "2027-03-01") }, "PROF 2027-02-28 2027-02-28" },
    { "R-SUB-0: a month from Jan 31 2028 ends Mar 1, so L is Feb 29 (leap year)",
      { MAIN(1, "PROF", "2028-01-31", "2028-03-01") }, "PROF 2028-02-29 2028-02-29" },
    { "R-SUB-0: a year from Feb 29 2028 ends Mar 1 2029, so L is Feb 28 2029",
      { MAIN(1, "PROF", "2028-02-29", "2029-03-01") }, "PROF 2029-02-28 2029-02-28" },
    { "R-NOT-1: the end is the chain's: a renewal moves it to its own L",
      { MAIN(1, "PROF", "2027-01-01", "2027-02-01"), MAIN(2, "PROF", "2027-02-01", "2027-05-01") },
      "PROF 2027-04-30 2027-04-30" },
    { "R-NOT-1: an extension and a short extension at the end do not move it",
      { MAIN(1, "PROF", "2027-01-01", "2027-02-01"), EXT(2, 1, "2027-01-01", "2027-02-01"),
        SHORT(3, 1, "2027-01-25", "2027-02-08") },
      "PROF 2027-01-31 2027-01-31" },
    { "R-NOT-1: two tariffs, two chains, each with its own end",
      { MAIN(1, "PROF", "2027-01-01", "2027-02-01"), MAIN(2, "CRM-START", "2027-01-15", "2027-04-15") },
      "PROF 2027-01-31 2027-01-31;CRM-START 2027-04-14 2027-04-14" },
    { "R-SUB-5: a deferral moves L 7 days and keeps the end (end_key)",
      { MAIN(1, "PROF", "2027-01-01", "2027-02-01"), DEFER(2, 1, "2027-02-01", "2027-02-08") },
      "PROF 2027-01-31 2027-02-07" },
    { "R-SUB-5: a deferral taken 3 days after the end runs 7 days from that day",
      { MAIN(1, "PROF", "2027-01-01", "2027-02-01"), DEFER(2, 1, "2027-02-04", "2027-02-11") },
      "PROF 2027-01-31 2027-02-10" },
    { "R-SUB-5: a paid renewal at the deferral's start replaces it: a new end",
      { MAIN(1, "PROF", "2027-01-01", "2027-02-01"), DEFER(2, 1, "2027-02-01", "2027-02-08"),
        MAIN(3, "PROF", "2027-02-01", "2027-03-01") },
      "PROF 2027-02-28 2027-02-28" },
    { "R-SUB-1a: a trial alone ends on its L", { TRIAL(1, "2027-01-01", "2027-01-31") },
      "trial 2027-01-30 2027-01-30" },
    { "R-SUB-1a: a paid main in force the day after the trial's L: access goes on",
      { TRIAL(1, "2027-01-01", "2027-01-31"), MAIN(2, "PROF", "2027-01-20", "2027-02-20") },
      "PROF 2027-02-19 2027-02-19" },
    { "R-SUB-1a: a paid main starting the day after the trial's L: access goes on",
      { TRIAL(1, "2027-01-01", "2027-01-31"), MAIN(2, "PROF", "2027-01-31", "2027-02-28") },
      "PROF 2027-02-27 2027-02-27" },
    { "R-SUB-1a: a paid main bought on the trial's first day, ending on its L: one end, the main's",
      { TRIAL(1, "2028-01-31", "2028-03-01"), MAIN(2, "PROF", "2028-01-31", "2028-03-01") },
      "PROF 2028-02-29 2028-02-29" },
    { "R-SUB-1a: a paid main ending before the trial's L: the trial stopped counting, no end of it",
      { TRIAL(1, "2029-01-31", "2029-03-02"), MAIN(2, "PROF", "2029-01-31", "2029-03-01") },
      "PROF 2029-02-28 2029-02-28" },
    { "R-SUB-1a: a paid main bought after the trial ended: the trial's end stays",
      { TRIAL(1, "2027-01-01", "2027-01-31"), MAIN(2, "PROF", "2027-02-10", "2027-03-10") },
      "trial 2027-01-30 2027-01-30;PROF 2027-03-09 2027-03-09" },
    { "R-SUB-1a: a free main is no paid main: the trial still ends",
      { TRIAL(1, "2027-01-01", "2027-01-31"), FREE(2, "CRM-START", "2027-01-10", "2027-07-10") },
      "trial 2027-01-30 2027-01-30;CRM-START 2027-07-09 2027-07-09" },
    { "R-SUB-5: a deferral of the trial moves the trial's L",
      { TRIAL(1, "2027-01-01", "2027-01-31"), DEFER(2, 1, "2027-01-31", "2027-02-07") },
      "trial 2027-01-30 2027-02-06" },
    { "R-SUB-1a: PARTNER-OWN is no end of access",
      { { 1, "main", "PARTNER-OWN", "2027-01-01", "2127-01-01", 0, 0, "partner_own" } }, "" },
    { "R-SUB-6: a local ITS subscription is a chain of its tariff",
      { { 1, "its_local", "ITS-PROF", "2027-01-01", "2027-12-31", 0, 0, "its_local" } },
      "ITS-PROF 2027-12-30 2027-12-30" },
};

static void
test_ends_table(void **state)
{
    (void)state;
    for (size_t c = 0; c < NELEM(cases); c++) {
        struct ob_subscription rows[5];
        struct ob_access_end out[8];
        char got[512] = "";
        int n = 0, k;

        memset(rows, 0, sizeof(rows));
        for (; n < 5 && cases[c].rows[n].id; n++) {
            const struct row *r = &cases[c].rows[n];

            rows[n].id = r->id;
            rows[n].kind = r->kind;
            rows[n].tariff_code = r->code;
            rows[n].price = r->price;
            rows[n].main = r->main;
            rows[n].discount_rule = r->rule;
            rows[n].state = "posted";
            CHECK_INT(cases[c].name, ob_date_parse(r->start, &rows[n].start), 0);
            CHECK_INT(cases[c].name, ob_date_parse(r->end, &rows[n].end), 0);
        }
        k = ob_access_ends_compute(rows, n, out, 8);
        for (int i = 0; i < k; i++) {
            char key[OB_DATE_LEN], last[OB_DATE_LEN];
            size_t len = strlen(got);

            ob_date_format(out[i].end_key, key);
            ob_date_format(out[i].last_day, last);
            snprintf(got + len, sizeof(got) - len, "%s%s %s %s", i ? ";" : "", out[i].chain, key,
                     last);
        }
        CHECK_STR(cases[c].name, got, cases[c].want);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ends_table),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
