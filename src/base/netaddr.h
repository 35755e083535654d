/*
 * netaddr.h — IP addresses and CIDR prefixes: parse, print, match.
 *
 * One type holds both an address (prefix 32 or 128) and a network
 * ("10.0.0.0/8", "2001:db8::/32"). An IPv4 address seen through an IPv6
 * socket (::ffff:a.b.c.d) is stored as the IPv4 address it is, so a dual-stack
 * listener and an IPv4 one see the same client, and "10.0.0.0/8" matches it.
 */
#ifndef OB_BASE_NETADDR_H
#define OB_BASE_NETADDR_H

#include <stdbool.h>
#include <stddef.h>

struct ob_err;
struct sockaddr;

/* The longest text of an address (INET6_ADDRSTRLEN) and of a network. */
#define OB_NETADDR_TEXT 46
#define OB_NETADDR_MAX_LIST 64

struct ob_netaddr {
    unsigned char family;   /* 4 or 6; 0 for none */
    unsigned char prefix;   /* the bits that count: 32 or 128 for one address */
    unsigned char b[16];    /* network byte order; IPv4 in the first 4, the rest 0 */
};

/* Parse s[0..len) as an address, or, when prefix_ok, an address with an
 * optional "/bits". Host bits past the prefix are cleared. Returns 0, or -1
 * for anything else (spaces, a zone, a port, a bad prefix). */
int ob_netaddr_parse(const char *s, size_t len, bool prefix_ok, struct ob_netaddr *out);
/* The address of an AF_INET or AF_INET6 socket address; -1 for another family. */
int ob_netaddr_from_sockaddr(const struct sockaddr *sa, struct ob_netaddr *out);
/* Is address a inside network net (of the same family)? */
bool ob_netaddr_match(const struct ob_netaddr *net, const struct ob_netaddr *a);
bool ob_netaddr_equal(const struct ob_netaddr *a, const struct ob_netaddr *b);
/* The address as text ("" for none); size at least OB_NETADDR_TEXT. */
void ob_netaddr_format(const struct ob_netaddr *a, char *out, size_t size);
/* A comma-separated list of networks ("" is an empty list); spaces around
 * items are allowed. Fills out[0..max) and returns how many, or OB_EINVAL
 * with err naming the bad item. out may be NULL to only check. */
int ob_netaddr_parse_list(const char *s, struct ob_netaddr *out, int max, struct ob_err *err);
/* Why an outgoing call (a webhook) must not go to address a: "loopback",
 * "private", "link-local", "metadata", "unspecified", "multicast", "cgnat",
 * "reserved"; NULL when it is a public address. The SSRF guard of
 * model/notices/webhook.c (issue 13). */
const char *ob_netaddr_refused(const struct ob_netaddr *a);

#endif
