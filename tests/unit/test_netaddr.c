/*
 * test_netaddr.c — IP addresses and CIDR prefixes (base/netaddr.h): what is
 * an address, what a network holds, and the one client behind an
 * IPv4-mapped IPv6 address.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/netaddr.h"
#include "unit.h"
#include "base/banned.h"

static const struct parse_case {
    const char *name, *text;
    bool prefix_ok;
    int want_rc;
    const char *want;       /* formatted back, for rc 0 */
    int want_prefix;
} parse_cases[] = {
    { "IPv4", "203.0.113.7", false, 0, "203.0.113.7", 32 },
    { "IPv6", "2001:db8::1", false, 0, "2001:db8::1", 128 },
    { "IPv6 written long", "2001:0db8:0:0:0:0:0:1", false, 0, "2001:db8::1", 128 },
    { "IPv4-mapped IPv6 is the IPv4 address", "::ffff:10.1.2.3", false, 0, "10.1.2.3", 32 },
    { "IPv4 network", "10.0.0.0/8", true, 0, "10.0.0.0", 8 },
    { "host bits cleared", "10.1.2.3/8", true, 0, "10.0.0.0", 8 },
    { "IPv6 network", "2001:db8::/32", true, 0, "2001:db8::", 32 },
    { "mapped network folds to IPv4", "::ffff:10.0.0.0/104", true, 0, "10.0.0.0", 8 },
    { "/0 is everything", "0.0.0.0/0", true, 0, "0.0.0.0", 0 },
    { "prefix where only an address goes", "10.0.0.0/8", false, -1, NULL, 0 },
    { "prefix past 32", "10.0.0.0/33", true, -1, NULL, 0 },
    { "prefix past 128", "::/129", true, -1, NULL, 0 },
    { "prefix with a leading zero", "10.0.0.0/08", true, -1, NULL, 0 },
    { "empty prefix", "10.0.0.0/", true, -1, NULL, 0 },
    { "a name", "lb.example", true, -1, NULL, 0 },
    { "a port", "10.0.0.1:8080", false, -1, NULL, 0 },
    { "an IPv6 with brackets", "[::1]", false, -1, NULL, 0 },
    { "a zone", "fe80::1%eth0", false, -1, NULL, 0 },
    { "octal-looking octet", "010.0.0.1", false, -1, NULL, 0 },
    { "space inside", "10.0.0.1 ", false, -1, NULL, 0 },
    { "empty", "", false, -1, NULL, 0 },
    { "too long", "1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa", false, -1, NULL, 0 },
};

static void
test_netaddr_parse(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(parse_cases); i++) {
        const struct parse_case *c = &parse_cases[i];
        struct ob_netaddr a;
        char text[OB_NETADDR_TEXT];

        CHECK_INT(c->name, ob_netaddr_parse(c->text, strlen(c->text), c->prefix_ok, &a),
                  c->want_rc);
        if (c->want_rc != 0)
            continue;
        ob_netaddr_format(&a, text, sizeof(text));
        CHECK_STR(c->name, text, c->want);
        CHECK_INT(c->name, a.prefix, c->want_prefix);
    }
}

static const struct match_case {
    const char *name, *net, *addr;
    bool want;
} match_cases[] = {
    { "inside /8", "10.0.0.0/8", "10.255.1.2", true },
    { "outside /8", "10.0.0.0/8", "11.0.0.1", false },
    { "one address matches itself", "127.0.0.1", "127.0.0.1", true },
    { "one address, another one", "127.0.0.1", "127.0.0.2", false },
    { "/31 holds two", "192.168.0.4/31", "192.168.0.5", true },
    { "/31 not three", "192.168.0.4/31", "192.168.0.6", false },
    { "IPv6 /64", "2001:db8:1:2::/64", "2001:db8:1:2:ffff::1", true },
    { "IPv6 next /64", "2001:db8:1:2::/64", "2001:db8:1:3::1", false },
    { "IPv4 network, mapped client", "10.0.0.0/8", "::ffff:10.9.9.9", true },
    { "families never mix", "::/0", "10.0.0.1", false },
    { "/0 holds every IPv4", "0.0.0.0/0", "203.0.113.9", true },
};

static void
test_netaddr_match(void **state)
{
    (void)state;
    for (size_t i = 0; i < NELEM(match_cases); i++) {
        const struct match_case *c = &match_cases[i];
        struct ob_netaddr net, a;

        CHECK_INT(c->name, ob_netaddr_parse(c->net, strlen(c->net), true, &net), 0);
        CHECK_INT(c->name, ob_netaddr_parse(c->addr, strlen(c->addr), false, &a), 0);
        CHECK_INT(c->name, ob_netaddr_match(&net, &a), c->want);
    }
}

static void
test_netaddr_from_sockaddr(void **state)
{
    struct sockaddr_in v4 = { .sin_family = AF_INET };
    struct sockaddr_in6 v6 = { .sin6_family = AF_INET6 };
    struct sockaddr other = { .sa_family = AF_UNIX };
    struct ob_netaddr a, b;
    char text[OB_NETADDR_TEXT];

    (void)state;
    inet_pton(AF_INET, "192.0.2.1", &v4.sin_addr);
    assert_int_equal(ob_netaddr_from_sockaddr((struct sockaddr *)&v4, &a), 0);
    /* the same client through a dual-stack socket is the same address */
    inet_pton(AF_INET6, "::ffff:192.0.2.1", &v6.sin6_addr);
    assert_int_equal(ob_netaddr_from_sockaddr((struct sockaddr *)&v6, &b), 0);
    assert_true(ob_netaddr_equal(&a, &b));
    ob_netaddr_format(&b, text, sizeof(text));
    assert_string_equal(text, "192.0.2.1");
    inet_pton(AF_INET6, "2001:db8::5", &v6.sin6_addr);
    assert_int_equal(ob_netaddr_from_sockaddr((struct sockaddr *)&v6, &b), 0);
    assert_false(ob_netaddr_equal(&a, &b));
    assert_int_equal(ob_netaddr_from_sockaddr(&other, &a), -1);
    assert_int_equal(ob_netaddr_from_sockaddr(NULL, &a), -1);
    ob_netaddr_format(&a, text, sizeof(text));
    assert_string_equal(text, "");
}

static const struct list_case {
    const char *name, *text;
    int want;               /* count, or OB_EINVAL */
    const char *want_in_message;
} list_cases[] = {
    { "empty list", "", 0, NULL },
    { "one", "127.0.0.1", 1, NULL },
    { "spaces around items", " 10.0.0.0/8 ,\t::1 , 192.168.0.1", 3, NULL },
    { "a name among them", "10.0.0.1,lb.example", OB_EINVAL, "'lb.example'" },
    { "an empty item", "10.0.0.1,,10.0.0.2", OB_EINVAL, "''" },
    { "a comma at the end", "10.0.0.1,", OB_EINVAL, "empty item" },
    { "only spaces", "  ", OB_EINVAL, "''" },
};

static void
test_netaddr_list(void **state)
{
    struct ob_netaddr out[4];
    char many[4096] = "";
    struct ob_err err;
    size_t len = 0;

    (void)state;
    for (size_t i = 0; i < NELEM(list_cases); i++) {
        const struct list_case *c = &list_cases[i];

        memset(&err, 0, sizeof(err));
        CHECK_INT(c->name, ob_netaddr_parse_list(c->text, out, 4, &err), c->want);
        if (c->want_in_message && !strstr(err.message, c->want_in_message))
            fail_msg("%s: message '%s' lacks %s", c->name, err.message, c->want_in_message);
    }
    for (int i = 0; i <= OB_NETADDR_MAX_LIST; i++)
        len += (size_t)snprintf(many + len, sizeof(many) - len, "%s10.0.%d.1", i ? "," : "", i);
    assert_int_equal(ob_netaddr_parse_list(many, NULL, OB_NETADDR_MAX_LIST, &err), OB_EINVAL);
    assert_non_null(strstr(err.message, "more than 64"));
}

/* The SSRF guard of webhooks (issue 13): each refused range at its edges,
 * and public addresses next to them that must pass. */
static const struct refused_case {
    const char *text, *want;    /* want NULL: a public address */
} refused_cases[] = {
    { "127.0.0.1", "loopback" },
    { "127.255.255.254", "loopback" },
    { "::1", "loopback" },
    { "::ffff:127.0.0.1", "loopback" },     /* the mapped spelling is the same address */
    { "10.0.0.1", "private" },
    { "10.255.255.255", "private" },
    { "11.0.0.1", NULL },
    { "172.16.0.1", "private" },
    { "172.31.255.255", "private" },
    { "172.32.0.1", NULL },
    { "172.15.255.255", NULL },
    { "192.168.1.1", "private" },
    { "192.169.0.1", NULL },
    { "fc00::1", "private" },
    { "fdff:ffff::1", "private" },
    { "169.254.169.254", "metadata" },
    { "fd00:ec2::254", "metadata" },
    { "169.254.1.1", "link-local" },
    { "fe80::1", "link-local" },
    { "febf::1", "link-local" },
    { "fec0::1", NULL },
    { "0.0.0.0", "unspecified" },
    { "::", "unspecified" },
    { "224.0.0.1", "multicast" },
    { "239.255.255.255", "multicast" },
    { "ff02::1", "multicast" },
    { "100.64.0.1", "cgnat" },
    { "100.127.255.255", "cgnat" },
    { "100.128.0.1", NULL },
    { "100.63.255.255", NULL },
    { "255.255.255.255", "reserved" },
    { "::7f00:1", "reserved" },
    { "64:ff9b::a00:1", "reserved" },
    { "8.8.8.8", NULL },
    { "93.184.216.34", NULL },
    { "2001:4860:4860::8888", NULL },
};

static void
test_netaddr_refused(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(refused_cases) / sizeof(refused_cases[0]); i++) {
        const struct refused_case *c = &refused_cases[i];
        struct ob_netaddr a;
        const char *got;

        if (ob_netaddr_parse(c->text, strlen(c->text), false, &a) != 0)
            fail_msg("%s: does not parse", c->text);
        got = ob_netaddr_refused(&a);
        if ((got == NULL) != (c->want == NULL) || (got && strcmp(got, c->want)))
            fail_msg("%s: refused as %s, want %s", c->text, got ? got : "(public)",
                     c->want ? c->want : "(public)");
    }
    {
        struct ob_netaddr none = { 0 };

        assert_string_equal(ob_netaddr_refused(&none), "unspecified");
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_netaddr_parse),
        cmocka_unit_test(test_netaddr_match),
        cmocka_unit_test(test_netaddr_from_sockaddr),
        cmocka_unit_test(test_netaddr_list),
        cmocka_unit_test(test_netaddr_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
