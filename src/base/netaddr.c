/*
 * netaddr.c — IP addresses and CIDR prefixes.
 *
 * The text forms are what inet_pton takes, nothing looser: no spaces inside,
 * no zone ("%eth0"), no port, no leading zeros in IPv4 octets (inet_pton
 * refuses "010.0.0.1", which some parsers read as octal). An address comes
 * from outside (a socket, an X-Forwarded-For header) or from the settings;
 * in both cases a value that is not exactly an address is refused rather
 * than guessed at.
 *
 * An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is folded to IPv4 wherever it
 * appears, with a prefix of 96 or more folded along (::ffff:10.0.0.0/104 is
 * 10.0.0.0/8), so that matching and counting see one client, not two.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "err.h"
#include "netaddr.h"
#include "banned.h"

static const unsigned char mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* Clear the bits past a->prefix. */
static void
mask(struct ob_netaddr *a)
{
    int bits = a->prefix;

    for (int i = 0; i < 16; i++, bits -= 8) {
        if (bits >= 8)
            continue;
        a->b[i] &= bits > 0 ? (unsigned char)(0xff << (8 - bits)) : 0;
    }
}

/* ::ffff:a.b.c.d (with a prefix of 96 or more) is the IPv4 address it carries. */
static void
fold_mapped(struct ob_netaddr *a)
{
    if (a->family != 6 || a->prefix < 96 || memcmp(a->b, mapped_prefix, 12) != 0)
        return;
    memmove(a->b, a->b + 12, 4);
    memset(a->b + 4, 0, 12);
    a->family = 4;
    a->prefix = (unsigned char)(a->prefix - 96);
}

/* The "/bits" part; -1 unless 1-3 digits no greater than max. */
static int
parse_bits(const char *s, int max)
{
    int n = 0, len = (int)strlen(s);

    if (len < 1 || len > 3 || (len > 1 && s[0] == '0'))
        return -1;
    for (int i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        n = n * 10 + (s[i] - '0');
    }
    return n <= max ? n : -1;
}

int
ob_netaddr_parse(const char *s, size_t len, bool prefix_ok, struct ob_netaddr *out)
{
    char text[OB_NETADDR_TEXT + 8], *slash;
    int bits = -1;

    memset(out, 0, sizeof(*out));
    if (len == 0 || len >= sizeof(text))
        return -1;
    memcpy(text, s, len);
    text[len] = '\0';
    if ((slash = strchr(text, '/')) != NULL) {
        if (!prefix_ok)
            return -1;
        *slash++ = '\0';
    }
    if (inet_pton(AF_INET, text, out->b) == 1)
        out->family = 4;
    else if (inet_pton(AF_INET6, text, out->b) == 1)
        out->family = 6;
    else
        return -1;
    out->prefix = out->family == 4 ? 32 : 128;
    if (slash && (bits = parse_bits(slash, out->prefix)) < 0) {
        memset(out, 0, sizeof(*out));
        return -1;
    }
    if (bits >= 0)
        out->prefix = (unsigned char)bits;
    mask(out);
    fold_mapped(out);
    return 0;
}

int
ob_netaddr_from_sockaddr(const struct sockaddr *sa, struct ob_netaddr *out)
{
    memset(out, 0, sizeof(*out));
    if (sa && sa->sa_family == AF_INET) {
        memcpy(out->b, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
        out->family = 4;
        out->prefix = 32;
        return 0;
    }
    if (sa && sa->sa_family == AF_INET6) {
        memcpy(out->b, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
        out->family = 6;
        out->prefix = 128;
        fold_mapped(out);
        return 0;
    }
    return -1;
}

bool
ob_netaddr_match(const struct ob_netaddr *net, const struct ob_netaddr *a)
{
    struct ob_netaddr m = *a;

    if (!net->family || net->family != a->family)
        return false;
    m.prefix = net->prefix;
    mask(&m);
    return memcmp(m.b, net->b, sizeof(m.b)) == 0;
}

bool
ob_netaddr_equal(const struct ob_netaddr *a, const struct ob_netaddr *b)
{
    return a->family == b->family && a->prefix == b->prefix && !memcmp(a->b, b->b, 16);
}

void
ob_netaddr_format(const struct ob_netaddr *a, char *out, size_t size)
{
    if (size == 0)
        return;
    out[0] = '\0';
    if (a->family == 4)
        inet_ntop(AF_INET, a->b, out, (socklen_t)size);
    else if (a->family == 6)
        inet_ntop(AF_INET6, a->b, out, (socklen_t)size);
}

int
ob_netaddr_parse_list(const char *s, struct ob_netaddr *out, int max, struct ob_err *err)
{
    struct ob_netaddr one;
    int n = 0;

    while (*s) {
        const char *end = strchr(s, ',');
        size_t len = end ? (size_t)(end - s) : strlen(s);

        while (len > 0 && (*s == ' ' || *s == '\t'))
            s++, len--;
        while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
            len--;
        if (ob_netaddr_parse(s, len, true, &one) != 0)
            return ob_err_set(err, OB_EINVAL, "config.bad_address", "s=%.*s",
                              (int)(len < 64 ? len : 64), s);
        if (n == max)
            return ob_err_set(err, OB_EINVAL, "config.too_many_addresses", "max=%d", max);
        if (out)
            out[n] = one;
        n++;
        if (!end)
            break;
        s = end + 1;
        if (!*s)
            return ob_err_set(err, OB_EINVAL, "config.empty_item");
    }
    return n;
}

/* The networks an outgoing call must not reach, most specific first (the
 * metadata address lies inside link-local). */
static const struct {
    const char *net, *why;
} refused_nets[] = {
    { "169.254.169.254/32", "metadata" },
    { "fd00:ec2::254/128", "metadata" },
    { "0.0.0.0/8", "unspecified" },
    { "::/128", "unspecified" },
    { "127.0.0.0/8", "loopback" },
    { "::1/128", "loopback" },
    { "10.0.0.0/8", "private" },
    { "172.16.0.0/12", "private" },
    { "192.168.0.0/16", "private" },
    { "fc00::/7", "private" },
    { "169.254.0.0/16", "link-local" },
    { "fe80::/10", "link-local" },
    { "100.64.0.0/10", "cgnat" },
    { "224.0.0.0/4", "multicast" },
    { "ff00::/8", "multicast" },
    { "240.0.0.0/4", "reserved" },      /* and the broadcast 255.255.255.255 */
    { "192.0.0.0/24", "reserved" },
    { "198.18.0.0/15", "reserved" },
    { "::/96", "reserved" },            /* IPv4-compatible: another spelling of IPv4 */
    { "64:ff9b::/96", "reserved" },     /* NAT64 could reach a private IPv4 address */
    { "2002::/16", "reserved" },        /* 6to4 likewise */
};

const char *
ob_netaddr_refused(const struct ob_netaddr *a)
{
    if (!a->family)
        return "unspecified";
    for (size_t i = 0; i < sizeof(refused_nets) / sizeof(refused_nets[0]); i++) {
        struct ob_netaddr net;

        if (ob_netaddr_parse(refused_nets[i].net, strlen(refused_nets[i].net), true, &net) == 0 &&
            ob_netaddr_match(&net, a))
            return refused_nets[i].why;
    }
    return NULL;
}
