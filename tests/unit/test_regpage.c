/*
 * test_regpage.c — the parsers of registration pages (R-ONB-5): the
 * slug a page is found by, and the origins allowed to post by fetch
 * (normalised as a browser sends Origin: lower case, no default port, no
 * path), each case named by what it guards.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/config.h"
#include "base/ctx.h"
#include "model/onboarding/regpage.h"
#include "unit.h"
#include "base/banned.h"

static const struct origin_case {
    const char *name, *in, *want;   /* want NULL: refused */
} origin_cases[] = {
    { "plain https", "https://partner.ru", "https://partner.ru" },
    { "upper case", "HTTPS://Partner.RU", "https://partner.ru" },
    { "one trailing slash as copied", "https://partner.ru/", "https://partner.ru" },
    { "a port kept", "http://localhost:5001", "http://localhost:5001" },
    { "https default port dropped", "https://a.ru:443", "https://a.ru" },
    { "http default port dropped", "http://a.ru:80", "http://a.ru" },
    { "a path refused", "https://a.ru/form", NULL },
    { "a query refused", "https://a.ru?x=1", NULL },
    { "a fragment refused", "https://a.ru#x", NULL },
    { "user info refused", "https://u@a.ru", NULL },
    { "another scheme refused", "ftp://a.ru", NULL },
    { "no scheme refused", "a.ru", NULL },
    { "empty host refused", "https://", NULL },
    { "port 0 refused", "https://a.ru:0", NULL },
    { "port past 65535 refused", "https://a.ru:65536", NULL },
    { "empty port refused", "https://a.ru:", NULL },
    { "a letter in the port refused", "https://a.ru:8o", NULL },
    { "null refused", "null", NULL },
    { "a space refused", "https://a .ru", NULL },
    { "a leading dot refused", "https://.a.ru", NULL },
    { "empty refused", "", NULL },
};

static void
test_origin_norm(void **state)
{
    char out[256];

    (void)state;
    for (size_t i = 0; i < NELEM(origin_cases); i++) {
        const struct origin_case *c = &origin_cases[i];
        int rc = ob_regpage_origin_norm(c->in, out, sizeof(out));

        CHECK_INT(c->name, rc, c->want ? 0 : -1);
        if (c->want)
            CHECK_STR(c->name, out, c->want);
    }
    CHECK_INT("NULL refused", ob_regpage_origin_norm(NULL, out, sizeof(out)), -1);
    CHECK_INT("too small a buffer", ob_regpage_origin_norm("https://a.ru", out, 8), -1);
}

static void
test_origin_listed(void **state)
{
    const char *list = "https://partner.ru\nhttp://localhost:5001";

    (void)state;
    CHECK_TRUE("listed", ob_regpage_origin_listed(list, "https://partner.ru"));
    CHECK_TRUE("listed, as the browser may case it", ob_regpage_origin_listed(list, "HTTPS://PARTNER.RU"));
    CHECK_TRUE("the second", ob_regpage_origin_listed(list, "http://localhost:5001"));
    CHECK_TRUE("another port", !ob_regpage_origin_listed(list, "http://localhost:5002"));
    CHECK_TRUE("http of an https origin", !ob_regpage_origin_listed(list, "http://partner.ru"));
    CHECK_TRUE("a suffix", !ob_regpage_origin_listed(list, "https://evilpartner.ru"));
    CHECK_TRUE("a prefix", !ob_regpage_origin_listed(list, "https://partner.r"));
    CHECK_TRUE("null", !ob_regpage_origin_listed(list, "null"));
    CHECK_TRUE("empty list", !ob_regpage_origin_listed("", "https://partner.ru"));
    CHECK_TRUE("no origin", !ob_regpage_origin_listed(list, NULL));
}

static void
test_origins_parse(void **state)
{
    struct ob_config cfg;
    struct ob_ctx ctx;
    const char *out = NULL;
    char many[2048] = "";

    (void)state;
    memset(&cfg, 0, sizeof(cfg));
    ob_ctx_init(&ctx, NULL, &cfg);
    CHECK_INT("a list", ob_regpage_origins_parse(&ctx, "https://A.ru/, http://b.ru:8080\n\n", &out), 0);
    CHECK_STR("a list", out, "https://a.ru\nhttp://b.ru:8080");
    CHECK_INT("duplicates kept once", ob_regpage_origins_parse(&ctx, "https://a.ru https://A.RU", &out), 0);
    CHECK_STR("duplicates kept once", out, "https://a.ru");
    CHECK_INT("empty", ob_regpage_origins_parse(&ctx, "", &out), 0);
    CHECK_STR("empty", out, "");
    CHECK_INT("a bad one names the field", ob_regpage_origins_parse(&ctx, "https://a.ru/x", &out),
              OB_EINVAL);
    CHECK_STR("a bad one names the field", ctx.err.field, "origins");
    for (int i = 0; i <= OB_REGPAGE_ORIGINS_MAX; i++)
        snprintf(many + strlen(many), sizeof(many) - strlen(many), "https://s%d.ru\n", i);
    CHECK_INT("too many", ob_regpage_origins_parse(&ctx, many, &out), OB_EINVAL);
    ob_ctx_release(&ctx);
}

static void
test_slug(void **state)
{
    (void)state;
    CHECK_TRUE("16 base64url", ob_regpage_slug_valid("Ab3_-xYz09KLmnop"));
    CHECK_TRUE("15", !ob_regpage_slug_valid("Ab3_-xYz09KLmno"));
    CHECK_TRUE("17", !ob_regpage_slug_valid("Ab3_-xYz09KLmnopq"));
    CHECK_TRUE("a dot", !ob_regpage_slug_valid("Ab3_-xYz09KLmno."));
    CHECK_TRUE("a slash", !ob_regpage_slug_valid("Ab3_-xYz09KLmn/p"));
    CHECK_TRUE("percent", !ob_regpage_slug_valid("Ab3_-xYz09KLm%20"));
    CHECK_TRUE("empty", !ob_regpage_slug_valid(""));
    CHECK_TRUE("NULL", !ob_regpage_slug_valid(NULL));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_origin_norm),
        cmocka_unit_test(test_origin_listed),
        cmocka_unit_test(test_origins_parse),
        cmocka_unit_test(test_slug),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
