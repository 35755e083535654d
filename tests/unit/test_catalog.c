/*
 * test_catalog.c — the catalog as data (model/catalog/catalog.h): the price rule of
 * R-CAT-2 over price rows with validity dates, the tariff options parser,
 * and, on a SQLite database migrated like a real one, the standard
 * catalog's loading (once), its options as the subscription engine reads
 * them, versioning of a tariff in use, and R-CAT-4's status check on a date.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <jansson.h>

#include "base/asset.h"
#include "base/ctx.h"
#include "base/date.h"
#include "db/db.h"
#include "model/catalog/catalog.h"
#include "unit.h"
#include "unit_engine.h"
#include "base/banned.h"

extern const struct ob_migration ob_migrations[];
extern const int ob_nmigrations;

static int32_t
day(const char *s)
{
    int32_t d = 0;

    if (ob_date_parse(s, &d) != 0)
        fail_msg("bad date in the test: %s", s);
    return d;
}

/* ---- the price rule ------------------------------------------------------------------ */

#define OPEN OB_UNLIMITED

static const struct price_case {
    const char *rule, *on;
    int term;
    int64_t want;       /* -1: no price */
} price_cases[] = {
    { "R-CAT-2 monthly price for 1 month", "2018-06-01", 1, 247200 },
    { "R-CAT-2 no 3-month price: monthly × 3", "2018-06-01", 3, 741600 },
    { "R-CAT-2 no 6-month price: monthly × 6", "2018-06-01", 6, 1483200 },
    { "R-CAT-2 a yearly price where one exists", "2018-06-01", 12, 2400000 },
    { "R-CAT-2 the yearly price ends: monthly × 12", "2019-01-01", 12, 3000000 },
    { "R-CAT-2 the price in force on the day: the new monthly one", "2019-01-01", 1, 250000 },
    { "R-CAT-2 the last day of the old price (valid_to exclusive)", "2018-12-31", 1, 247200 },
    { "R-CAT-2 before any price", "2017-12-31", 1, -1 },
    { "R-CAT-2 a fixed-period price (term 0) is not derived from the monthly", "2018-06-01", 0,
      -1 },
};

static const struct ob_price price_rows[] = {
    { 1, 1, 1, 247200, 0, 0, false },
    { 2, 1, 12, 2400000, 0, 0, false },
    { 3, 1, 1, 250000, 0, OPEN, false },
};

static void
test_price_rule(void **state)
{
    struct ob_price rows[3];

    (void)state;
    memcpy(rows, price_rows, sizeof(rows));
    rows[0].from = day("2018-01-01");
    rows[0].to = day("2019-01-01");
    rows[1].from = day("2018-01-01");
    rows[1].to = day("2019-01-01");
    rows[2].from = day("2019-01-01");
    for (size_t i = 0; i < NELEM(price_cases); i++) {
        const struct price_case *c = &price_cases[i];
        int64_t amount = -1;
        int rc = ob_price_pick(rows, 3, c->term, day(c->on), &amount);

        CHECK_INT(c->rule, rc, c->want < 0 ? OB_ENOTFOUND : 0);
        if (c->want >= 0)
            CHECK_INT(c->rule, amount, c->want);
    }
}

static void
test_price_overlap_latest_start_wins(void **state)
{
    struct ob_price rows[2] = { { 1, 1, 1, 100, 0, OPEN, false }, { 2, 1, 1, 200, 0, OPEN, false } };
    int64_t amount = 0;

    (void)state;
    rows[0].from = day("2018-01-01");
    rows[1].from = day("2018-03-01");
    assert_int_equal(ob_price_pick(rows, 2, 1, day("2018-04-01"), &amount), 0);
    CHECK_INT("the later start wins", amount, 200);
    assert_int_equal(ob_price_pick(rows, 2, 1, day("2018-02-01"), &amount), 0);
    CHECK_INT("only the first in force", amount, 100);
}

/* ---- options ------------------------------------------------------------------------- */

static const struct option_case {
    const char *name;
    enum ob_tariff_kind kind;
    const char *json;
    const char *bad_field;  /* NULL: valid */
} option_cases[] = {
    { "PROF", OB_TARIFF_MAIN,
      "{\"services\":\"prof\",\"apps\":{\"list\":\"prof\"},\"areas\":\"unlimited\","
      "\"sessions\":5,\"terms\":[1,3,6,12]}", NULL },
    { "BASIC: 1 of the client's choice, 1 working + 1 test of one app", OB_TARIFF_MAIN,
      "{\"services\":\"basic\",\"apps\":{\"list\":\"prof\"},\"choose\":1,"
      "\"areas\":[{\"working\":1,\"test\":1,\"one_app\":true}],\"sessions\":2,\"terms\":[1,12]}",
      NULL },
    { "SPEC: 1 Accounting SPEC + 1 of one PROF app", OB_TARIFF_MAIN,
      "{\"services\":\"prof\",\"apps\":{\"list\":\"prof\",\"plus\":[\"accounting_spec\"]},"
      "\"areas\":[{\"apps\":[\"accounting_spec\"],\"working\":1,\"test\":0},"
      "{\"apps\":{\"list\":\"prof\"},\"working\":1,\"test\":0,\"one_app\":true}],"
      "\"sessions\":2,\"terms\":[1]}", NULL },
    { "trial in days", OB_TARIFF_TRIAL,
      "{\"services\":\"prof\",\"apps\":[\"accounting\"],\"areas\":\"unlimited\",\"sessions\":5,"
      "\"days\":30}", NULL },
    { "extension +1 session", OB_TARIFF_EXTENSION, "{\"sessions_add\":1}", NULL },
    { "short extension +2 for 14 days", OB_TARIFF_SHORT_EXTENSION,
      "{\"sessions_add\":2,\"days\":14}", NULL },
    { "per unit", OB_TARIFF_PER_UNIT, "{\"unit\":\"register\",\"terms\":[1]}", NULL },
    { "not an object", OB_TARIFF_MAIN, "[1]", "options" },
    { "an unknown option", OB_TARIFF_EXTENSION, "{\"sessions_add\":1,\"colour\":1}",
      "options.colour" },
    { "a main without sessions", OB_TARIFF_MAIN,
      "{\"services\":\"prof\",\"apps\":[\"a\"],\"areas\":\"unlimited\",\"terms\":[1]}",
      "options.sessions" },
    { "a main without terms", OB_TARIFF_MAIN,
      "{\"services\":\"prof\",\"apps\":[\"a\"],\"areas\":\"unlimited\",\"sessions\":1}",
      "options.terms" },
    { "a term of 2 months", OB_TARIFF_PER_UNIT, "{\"unit\":\"u\",\"terms\":[1,2]}",
      "options.terms[1]" },
    { "services neither prof nor basic", OB_TARIFF_MAIN,
      "{\"services\":\"gold\",\"apps\":[\"a\"],\"areas\":\"unlimited\",\"sessions\":1,"
      "\"terms\":[1]}", "options.services" },
    { "a negative area limit", OB_TARIFF_MAIN,
      "{\"services\":\"prof\",\"apps\":[\"a\"],\"areas\":[{\"working\":-1}],\"sessions\":1,"
      "\"terms\":[1]}", "options.areas[0].working" },
    { "choose more than listed", OB_TARIFF_MAIN,
      "{\"services\":\"prof\",\"apps\":[\"a\"],\"choose\":2,\"areas\":\"unlimited\","
      "\"sessions\":1,\"terms\":[1]}", "options.choose" },
    { "an extension with sessions of its own", OB_TARIFF_EXTENSION,
      "{\"sessions\":3,\"sessions_add\":1}", "options.sessions" },
    { "a short extension without days", OB_TARIFF_SHORT_EXTENSION, "{\"sessions_add\":2}",
      "options.days" },
    { "terms and days together", OB_TARIFF_TRIAL,
      "{\"services\":\"prof\",\"apps\":[\"a\"],\"areas\":\"unlimited\",\"sessions\":1,"
      "\"days\":30,\"terms\":[1]}", "options.terms" },
    { "max term below the longest term", OB_TARIFF_MAIN,
      "{\"services\":\"prof\",\"apps\":[\"a\"],\"areas\":\"unlimited\",\"sessions\":1,"
      "\"terms\":[1,12],\"max_term_months\":6}", "options.max_term_months" },
    { "an application code with capitals", OB_TARIFF_MAIN,
      "{\"services\":\"prof\",\"apps\":[\"Acc\"],\"areas\":\"unlimited\",\"sessions\":1,"
      "\"terms\":[1]}", "options.apps[0]" },
    { "an unknown status required", OB_TARIFF_EXTENSION,
      "{\"sessions_add\":1,\"requires_status\":\"vip\"}", "options.requires_status" },
    { "duplicate keys", OB_TARIFF_EXTENSION, "{\"sessions_add\":1,\"sessions_add\":2}",
      "options" },
    { "R-BIL-2 a main of the ITS family", OB_TARIFF_MAIN,
      "{\"services\":\"prof\",\"apps\":[\"a\"],\"areas\":\"unlimited\",\"sessions\":1,"
      "\"terms\":[1],\"chain\":\"its\"}", NULL },
    { "R-BIL-2 a family is a code", OB_TARIFF_MAIN,
      "{\"services\":\"prof\",\"apps\":[\"a\"],\"areas\":\"unlimited\",\"sessions\":1,"
      "\"terms\":[1],\"chain\":\"ITS family\"}", "options.chain" },
    { "R-BIL-2 only a main is in a chain", OB_TARIFF_EXTENSION,
      "{\"sessions_add\":1,\"chain\":\"its\"}", "options.chain" },
};

static void
test_options(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(option_cases); i++) {
        const struct option_case *c = &option_cases[i];
        struct ob_tariff_options o;
        struct ob_arena a;
        struct ob_err err = { 0 };
        int rc;

        ob_arena_init(&a);
        rc = ob_tariff_options_parse(c->json, c->kind, &a, &o, &err);
        if (!c->bad_field && rc != 0)
            fail_msg("%s: refused (%s: %s)", c->name, err.field, err.message);
        if (c->bad_field) {
            CHECK_INT(c->name, rc, OB_EINVAL);
            CHECK_STR(c->name, err.field, c->bad_field);
        }
        ob_arena_free(&a);
    }
}

static void
test_options_struct(void **state)
{
    struct ob_tariff_options o;
    struct ob_arena a;
    struct ob_err err = { 0 };

    (void)state;
    ob_arena_init(&a);
    assert_int_equal(ob_tariff_options_parse(option_cases[2].json, OB_TARIFF_MAIN, &a, &o, &err),
                     0);
    CHECK_STR("SPEC list", o.apps_list, "prof");
    CHECK_INT("SPEC plus", o.napps, 1);
    CHECK_STR("SPEC plus", o.apps[0], "accounting_spec");
    CHECK_INT("SPEC rules", o.nareas, 2);
    CHECK_INT("SPEC rule 1 working", o.areas[0].working, 1);
    CHECK_INT("SPEC rule 1 total unlimited", o.areas[0].areas, OB_UNLIMITED);
    CHECK_TRUE("SPEC rule 2 one app", o.areas[1].one_app);
    CHECK_STR("SPEC rule 2 list", o.areas[1].apps_list, "prof");
    CHECK_TRUE("SPEC months", ob_tariff_term_allowed(&o, 1) && !ob_tariff_term_allowed(&o, 3));
    assert_int_equal(ob_tariff_options_parse(option_cases[1].json, OB_TARIFF_MAIN, &a, &o, &err),
                     0);
    CHECK_INT("BASIC choose", o.choose, 1);
    CHECK_INT("BASIC test", o.areas[0].test, 1);
    CHECK_TRUE("BASIC apps of the tariff", o.areas[0].apps == NULL);
    assert_int_equal(ob_tariff_options_parse(option_cases[5].json, OB_TARIFF_SHORT_EXTENSION, &a,
                                             &o, &err),
                     0);
    CHECK_TRUE("days: term 0 only", ob_tariff_term_allowed(&o, 0) && !ob_tariff_term_allowed(&o, 1));
    ob_arena_free(&a);
}

/* ---- on a database ------------------------------------------------------------------- */

struct fx {
    char path[64];
    struct ob_db *db;
    struct ob_ctx ctx;
};

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct ob_err err = { 0 };
    char url[96];
    int fd;

    snprintf(f->path, sizeof(f->path), "/tmp/oblako-catalog-XXXXXX");
    fd = mkstemp(f->path);
    if (fd < 0)
        return -1;
    close(fd);
    snprintf(url, sizeof(url), "sqlite:%s", f->path);
    if (ob_tz_set("Europe/Moscow", &err) != 0 || ob_db_open(url, NULL, &f->db, &err) != 0 ||
        ob_db_migrate(f->db, ob_migrations, ob_nmigrations, NULL, &err) != 0)
        return -1;
    ob_ctx_init(&f->ctx, f->db, NULL);
    f->ctx.actor.system = true;
    *state = f;
    return 0;
}

/* The same fixture on the PostgreSQL database of the group (unit_engine.h). */
static int
setup_pg(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct ob_err err = { 0 };

    if (ob_tz_set("Europe/Moscow", &err) != 0 || ob_db_open(eng.url, NULL, &f->db, &err) != 0 ||
        ob_db_migrate(f->db, ob_migrations, ob_nmigrations, NULL, &err) != 0)
        return -1;
    ob_ctx_init(&f->ctx, f->db, NULL);
    f->ctx.actor.system = true;
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;

    ob_ctx_release(&f->ctx);
    ob_db_close(f->db);
    unlink(f->path);
    free(f);
    return 0;
}

static void
test_load_once(void **state)
{
    struct fx *f = *state;
    struct ob_catalog_load_stats st;
    struct ob_tariff t;
    struct ob_tariff_version v;
    int64_t amount;

    assert_int_equal(ob_catalog_load_standard(&f->ctx, &st), 0);
    CHECK_INT("R-CAT-1 applications", st.apps, 14);
    CHECK_INT("R-CAT-2 tariffs (13 + KKT-PAID + CRM-SESSION+1)", st.tariffs, 15);
    CHECK_TRUE("first load", !st.already);
    assert_int_equal(ob_catalog_load_standard(&f->ctx, &st), 0);
    CHECK_TRUE("second load does nothing", st.already && st.apps == 0 && st.tariffs == 0);

    assert_int_equal(ob_catalog_tariff_find(&f->ctx, "ITSaaS-BASIC", 0, &t), 0);
    assert_int_equal(ob_catalog_version_load(&f->ctx, t.version_id, &v), 0);
    CHECK_STR("R-CAT-2 BASIC services", v.opt.services, "basic");
    CHECK_INT("R-CAT-2 BASIC: the PROF list expanded", v.opt.napps, 8);
    CHECK_INT("R-CAT-2 BASIC: 1 of the client's choice", v.opt.choose, 1);
    CHECK_INT("R-CAT-2 BASIC sessions", v.opt.sessions, 2);
    assert_int_equal(ob_catalog_price(&f->ctx, t.id, 3, day("2026-01-15"), &amount), 0);
    CHECK_INT("R-CAT-2 BASIC 3 months = 3 × 1 044 ₽", amount, 313200);

    assert_int_equal(ob_catalog_tariff_find(&f->ctx, "ITSaaS-CSO", 0, &t), 0);
    assert_int_equal(ob_catalog_price(&f->ctx, t.id, 12, day("2026-01-15"), &amount), 0);
    CHECK_INT("R-CAT-2 CSO: the yearly price", amount, 600000);
    assert_int_equal(ob_catalog_price(&f->ctx, t.id, 6, day("2026-01-15"), &amount), 0);
    CHECK_INT("R-CAT-2 CSO: 6 × the monthly", amount, 600000);

    assert_int_equal(ob_catalog_tariff_find(&f->ctx, "ERP-PILOT", 0, &t), 0);
    assert_int_equal(ob_catalog_price(&f->ctx, t.id, 1, day("2018-12-31"), &amount), 0);
    CHECK_INT("R-CAT-5 ERP-PILOT free through 2018-12-31", amount, 0);
    assert_int_equal(ob_catalog_price(&f->ctx, t.id, 1, day("2019-01-01"), &amount), 0);
    CHECK_TRUE("R-CAT-5 ERP-PILOT paid from 2019-01-01", amount > 0);
}

static void
test_promotions(void **state)
{
    struct fx *f = *state;
    struct ob_catalog_load_stats st;
    bool on = false;

    assert_int_equal(ob_catalog_load_standard(&f->ctx, &st), 0);
    assert_int_equal(ob_catalog_promotion_active(&f->ctx, "KASSA-FREE-KKT", day("2019-12-31"), &on),
                     0);
    CHECK_TRUE("R-CAT-5 free register on its last day", on);
    assert_int_equal(ob_catalog_promotion_active(&f->ctx, "KASSA-FREE-KKT", day("2020-01-01"), &on),
                     0);
    CHECK_TRUE("R-CAT-5 free register over", !on);
    assert_int_equal(ob_catalog_promotion_active(&f->ctx, "NO-SUCH", day("2020-01-01"), &on),
                     OB_ENOTFOUND);
}

static void
test_version_in_use(void **state)
{
    struct fx *f = *state;
    struct ob_catalog_load_stats st;
    struct ob_tariff_change ch = { NULL, NULL, NULL, -1 };
    struct ob_tariff t, t2;
    struct ob_tariff_version v;
    bool in_use = true, fresh = false;
    char opts[512];

    assert_int_equal(ob_catalog_load_standard(&f->ctx, &st), 0);
    assert_int_equal(ob_catalog_tariff_find(&f->ctx, "ITSaaS-PROF", 0, &t), 0);
    assert_int_equal(ob_catalog_version_in_use(&f->ctx, t.version_id, &in_use), 0);
    CHECK_TRUE("no subscription: not in use", !in_use);

    snprintf(opts, sizeof(opts), "%s",
             "{\"services\":\"prof\",\"apps\":{\"list\":\"prof\"},\"areas\":\"unlimited\","
             "\"sessions\":6,\"terms\":[1,3,6,12]}");
    ch.options = opts;
    assert_int_equal(ob_catalog_tariff_update(&f->ctx, t.id, &ch, &fresh), 0);
    CHECK_TRUE("not in use: changed in place", !fresh);
    assert_int_equal(ob_catalog_tariff_load(&f->ctx, t.id, &t2), 0);
    CHECK_INT("same version", t2.version_id, t.version_id);

    /* the real table (sql/0007) needs a subscriber; only the column matters here */
    assert_int_equal(ob_db_exec(f->db, "DROP TABLE subscriptions"), 0);
    assert_int_equal(ob_db_exec(f->db, "CREATE TABLE subscriptions (id INTEGER PRIMARY KEY, "
                                       "tariff_version_id BIGINT)"),
                     0);
    assert_int_equal(ob_catalog_version_in_use(&f->ctx, t.version_id, &in_use), 0);
    CHECK_TRUE("an empty subscriptions table: not in use", !in_use);
    assert_true(ob_db_run(f->db, "INSERT INTO subscriptions (tariff_version_id) VALUES (?)", "i",
                          t.version_id) == 1);
    assert_int_equal(ob_catalog_version_in_use(&f->ctx, t.version_id, &in_use), 0);
    CHECK_TRUE("referenced: in use", in_use);

    snprintf(opts, sizeof(opts), "%s",
             "{\"services\":\"prof\",\"apps\":{\"list\":\"prof\"},\"areas\":\"unlimited\","
             "\"sessions\":7,\"terms\":[1,3,6,12]}");
    assert_int_equal(ob_catalog_tariff_update(&f->ctx, t.id, &ch, &fresh), 0);
    CHECK_TRUE("in use: a new version", fresh);
    assert_int_equal(ob_catalog_tariff_load(&f->ctx, t.id, &t2), 0);
    CHECK_TRUE("the tariff's current version moved", t2.version_id != t.version_id);
    assert_int_equal(ob_catalog_version_load(&f->ctx, t.version_id, &v), 0);
    CHECK_INT("the old version is kept", v.opt.sessions, 6);
    assert_int_equal(ob_catalog_version_load(&f->ctx, t2.version_id, &v), 0);
    CHECK_INT("the new version has the change", v.opt.sessions, 7);
    CHECK_INT("numbered 2", v.version, 2);
}

/* The standard catalog as a database loaded before version 2018.2 holds it:
 * no "chain" option, no amendments. */
static char *
catalog_2018_1(void)
{
    const struct ob_asset *a = ob_asset_find(ob_data_assets, ob_ndata_assets, "/catalog.json");
    json_t *root = json_loads((const char *)a->data, 0, NULL), *t;
    char *text;
    size_t i;

    json_object_set_new(root, "version", json_string("2018.1"));
    json_object_del(root, "amendments");
    json_array_foreach(json_object_get(root, "tariffs"), i, t)
        json_object_del(json_object_get(t, "options"), "chain");
    text = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    return text;
}

static const char *
chain_of(struct fx *f, const char *code, int *version)
{
    struct ob_tariff t;
    struct ob_tariff_version v;

    assert_int_equal(ob_catalog_tariff_find(&f->ctx, code, 0, &t), 0);
    assert_int_equal(ob_catalog_version_load(&f->ctx, t.version_id, &v), 0);
    *version = v.version;
    return v.opt.chain ? v.opt.chain : "(none)";
}

/* Issue 9 item 18: a database loaded with catalog 2018.1 gets the ITS family
 * from the amendment, once, by the versioning rule; the provider's later
 * change is not undone by a later version of the data. */
static void
test_amendment(void **state)
{
    struct fx *f = *state;
    struct ob_catalog_load_stats st;
    struct ob_tariff_change ch = { NULL, NULL, NULL, -1 };
    struct ob_tariff prof, basic;
    char *old = catalog_2018_1(), opts[512];
    bool fresh;
    int version;

    assert_int_equal(ob_catalog_load_json(&f->ctx, old, &st), 0);
    free(old);
    CHECK_STR("2018.1 has no family", chain_of(f, "ITSaaS-PROF", &version), "(none)");
    /* PROF is in use (only the column matters, as in test_version_in_use) */
    assert_int_equal(ob_catalog_tariff_find(&f->ctx, "ITSaaS-PROF", 0, &prof), 0);
    assert_int_equal(ob_db_exec(f->db, ob_db_engine(f->db) == OB_DB_POSTGRES
                                           ? "DROP TABLE subscriptions CASCADE"
                                           : "DROP TABLE subscriptions"),
                     0);
    assert_int_equal(ob_db_exec(f->db, "CREATE TABLE subscriptions (id BIGINT, "
                                       "tariff_version_id BIGINT)"),
                     0);
    assert_true(ob_db_run(f->db, "INSERT INTO subscriptions VALUES (1, ?)", "i",
                          prof.version_id) == 1);

    assert_int_equal(ob_catalog_load_standard(&f->ctx, &st), 0);
    CHECK_INT("the amendment reaches PROF, SPEC and BASIC", st.amended, 3);
    CHECK_INT("nothing else is inserted", st.tariffs, 0);
    CHECK_STR("PROF is of the ITS family", chain_of(f, "ITSaaS-PROF", &version), "its");
    CHECK_INT("PROF in use: a new version", version, 2);
    CHECK_STR("SPEC is of the ITS family", chain_of(f, "ITSaaS-SPEC", &version), "its");
    CHECK_INT("SPEC not in use: changed in place", version, 1);
    CHECK_STR("BASIC is of the ITS family", chain_of(f, "ITSaaS-BASIC", &version), "its");
    CHECK_STR("CRM-START is of none", chain_of(f, "CRM-START", &version), "(none)");

    /* the provider takes BASIC out of the family; a later data version keeps that */
    assert_int_equal(ob_catalog_tariff_find(&f->ctx, "ITSaaS-BASIC", 0, &basic), 0);
    snprintf(opts, sizeof(opts), "%s",
             "{\"services\":\"basic\",\"apps\":{\"list\":\"prof\"},\"choose\":1,"
             "\"areas\":[{\"working\":1,\"test\":1,\"one_app\":true}],\"sessions\":2,"
             "\"terms\":[1,3,6,12]}");
    ch.options = opts;
    assert_int_equal(ob_catalog_tariff_update(&f->ctx, basic.id, &ch, &fresh), 0);
    assert_int_equal(ob_db_run(f->db, "UPDATE settings SET value = '2018.1' WHERE key = "
                                      "'catalog.version'", NULL),
                     1);
    assert_int_equal(ob_catalog_load_standard(&f->ctx, &st), 0);
    CHECK_TRUE("the data loaded again", !st.already);
    CHECK_INT("an amendment is applied once", st.amended, 0);
    CHECK_STR("the provider's change stands", chain_of(f, "ITSaaS-BASIC", &version), "(none)");
}

static void
test_restricted_apps(void **state)
{
    struct fx *f = *state;
    struct ob_catalog_load_stats st;
    struct ob_app erp, crm;
    int64_t partner = 0;

    assert_int_equal(ob_catalog_load_standard(&f->ctx, &st), 0);
    assert_int_equal(ob_catalog_app_find(&f->ctx, "erp", &erp), 0);
    assert_int_equal(ob_catalog_app_find(&f->ctx, "crm", &crm), 0);
    CHECK_STR("R-CAT-1 ERP restricted", erp.restricted_to, "erp_cc");
    assert_true(ob_db_get_int(f->db, &partner,
                              "INSERT INTO accounts (kind, name, created_at, updated_at) VALUES "
                              "('partner', 'P', 0, 0) RETURNING id",
                              NULL) == OB_DB_ROW);
    assert_true(ob_db_run(f->db,
                          "INSERT INTO partner_statuses (partner_id, status, valid_from, valid_to, "
                          "created_at) VALUES (?, 'erp_cc', '2026-02-01', '2026-03-01', 0)",
                          "i", partner) == 1);
    CHECK_INT("R-CAT-4 CRM: every partner", ob_catalog_app_allowed_for_partner(
                  &f->ctx, crm.id, partner, day("2026-01-01")), 0);
    CHECK_INT("R-CAT-4 ERP before the status", ob_catalog_app_allowed_for_partner(
                  &f->ctx, erp.id, partner, day("2026-01-31")), OB_EPERM);
    CHECK_INT("R-CAT-4 ERP on the status' first day", ob_catalog_app_allowed_for_partner(
                  &f->ctx, erp.id, partner, day("2026-02-01")), 0);
    CHECK_INT("R-CAT-4 ERP on its last day", ob_catalog_app_allowed_for_partner(
                  &f->ctx, erp.id, partner, day("2026-02-28")), 0);
    CHECK_INT("R-CAT-4 ERP after it (valid_to exclusive)", ob_catalog_app_allowed_for_partner(
                  &f->ctx, erp.id, partner, day("2026-03-01")), OB_EPERM);
    CHECK_INT("R-CAT-4 the provider serving directly", ob_catalog_app_allowed_for_partner(
                  &f->ctx, erp.id, 0, day("2026-03-01")), 0);
    assert_true(ob_db_run(f->db, "UPDATE partner_statuses SET withdrawn_at = ?", "i",
                          ob_date_start(day("2026-02-15"))) == 1);
    CHECK_INT("R-CAT-4 withdrawn: held before the day", ob_catalog_app_allowed_for_partner(
                  &f->ctx, erp.id, partner, day("2026-02-14")), 0);
    CHECK_INT("R-CAT-4 withdrawn: not from that day", ob_catalog_app_allowed_for_partner(
                  &f->ctx, erp.id, partner, day("2026-02-15")), OB_EPERM);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_price_rule),
        cmocka_unit_test(test_price_overlap_latest_start_wins),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_options_struct),
        cmocka_unit_test_setup_teardown(test_load_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_promotions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_version_in_use, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restricted_apps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_amendment, setup, teardown),
    };
    const struct CMUnitTest on_pg[] = {
        cmocka_unit_test_setup_teardown(test_amendment, setup_pg, teardown),
    };
    int failed;

    if (ob_rand_init() != 0)
        return 1;
    failed = cmocka_run_group_tests(tests, NULL, NULL);
    if (getenv("OBLAKO_TEST_PG_URL") && *getenv("OBLAKO_TEST_PG_URL"))
        failed += cmocka_run_group_tests_name("postgres", on_pg, pg_group_setup,
                                              pg_group_teardown);
    return failed;
}
