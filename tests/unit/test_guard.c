/*
 * test_guard.c — the connection guard (http/guard.h): the per-address cap is
 * exact and spares trusted proxies, a late head is cut and then never served
 * (unless the server is the one behind), and X-Forwarded-For names the client
 * only when a trusted proxy sent it.
 *
 * Sockets are socketpairs: the guard shuts one end down, the test reads the
 * other and sees the end of the stream.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/config.h"
#include "base/err.h"
#include "base/rand.h"
#include "http/guard.h"
#include "unit.h"
#include "base/banned.h"

struct sock {
    struct ob_guard_conn c;
    int fd[2];
    struct sockaddr_in sa;
};

static struct ob_guard *
guard(int cap, int head_seconds, const char *proxies)
{
    struct ob_config cfg = { 0 };
    struct ob_err err = { 0 };
    struct ob_guard *g;

    cfg.per_address_connections = cap;
    cfg.head_timeout_seconds = head_seconds;
    snprintf(cfg.trusted_proxies, sizeof(cfg.trusted_proxies), "%s", proxies);
    assert_int_equal(ob_guard_new(&cfg, &g, &err), 0);
    return g;
}

static void
sock_init(struct sock *s, const char *addr)
{
    memset(s, 0, sizeof(*s));
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, s->fd), 0);
    s->sa.sin_family = AF_INET;
    assert_int_equal(inet_pton(AF_INET, addr, &s->sa.sin_addr), 1);
}

static bool
sock_open(struct ob_guard *g, struct sock *s)
{
    return ob_guard_open(g, &s->c, s->fd[0], (struct sockaddr *)&s->sa);
}

/* Has the guard shut our end down? The other end then reads end-of-stream. */
static bool
is_shut(const struct sock *s)
{
    char b;

    return recv(s->fd[1], &b, 1, MSG_DONTWAIT) == 0;
}

static void
sock_close(struct ob_guard *g, struct sock *s)
{
    ob_guard_close(g, &s->c);
    close(s->fd[0]);
    close(s->fd[1]);
}

static bool
admit(struct ob_guard *g, const char *addr)
{
    struct sockaddr_in sa = { .sin_family = AF_INET };

    inet_pton(AF_INET, addr, &sa.sin_addr);
    return ob_guard_admit(g, (struct sockaddr *)&sa);
}

static void
test_guard_cap_per_address(void **state)
{
    struct ob_guard *g = guard(2, 10, "");
    struct sock a[4], b;

    (void)state;
    for (int i = 0; i < 4; i++)
        sock_init(&a[i], "198.51.100.1");
    sock_init(&b, "198.51.100.2");
    assert_true(sock_open(g, &a[0]));
    assert_true(admit(g, "198.51.100.1"));
    assert_true(sock_open(g, &a[1]));
    assert_false(admit(g, "198.51.100.1"));    /* at its cap: refused before set-up */
    assert_true(admit(g, "198.51.100.2"));     /* another address is not */
    /* an accept that raced past the quick look is shut at once */
    assert_false(sock_open(g, &a[2]));
    assert_true(is_shut(&a[2]));
    assert_false(is_shut(&a[0]));
    assert_true(sock_open(g, &b));
    sock_close(g, &a[2]);
    assert_false(admit(g, "198.51.100.1"));    /* the shut one no longer counts; two still do */
    sock_close(g, &a[0]);
    assert_true(admit(g, "198.51.100.1"));
    assert_true(sock_open(g, &a[3]));
    assert_false(is_shut(&a[3]));
    sock_close(g, &a[1]);
    sock_close(g, &a[3]);
    sock_close(g, &b);
    ob_guard_free(g);
}

static void
test_guard_trusted_proxy_and_no_cap(void **state)
{
    struct ob_guard *g = guard(1, 10, "10.0.0.0/8");
    struct ob_guard *none = guard(0, 10, "");
    struct sock p[3], q[3];

    (void)state;
    for (int i = 0; i < 3; i++) {
        sock_init(&p[i], "10.1.2.3");
        assert_true(sock_open(g, &p[i]));      /* a trusted proxy carries many clients */
        sock_init(&q[i], "203.0.113.9");
        assert_true(sock_open(none, &q[i]));   /* --per-address-connections 0: no cap */
    }
    assert_true(admit(g, "10.1.2.3"));
    assert_true(admit(none, "203.0.113.9"));
    for (int i = 0; i < 3; i++) {
        assert_false(is_shut(&p[i]));
        sock_close(g, &p[i]);
        sock_close(none, &q[i]);
    }
    ob_guard_free(g);
    ob_guard_free(none);
}

static void
test_guard_head_deadline(void **state)
{
    struct ob_guard *g = guard(0, 1, "");
    struct sock late, served, idle, behind;
    struct timespec pause = { 1, 400 * 1000 * 1000 };

    (void)state;
    sock_init(&late, "198.51.100.1");
    sock_init(&served, "198.51.100.2");
    sock_init(&idle, "198.51.100.3");
    sock_init(&behind, "198.51.100.4");
    assert_true(sock_open(g, &late));
    assert_true(sock_open(g, &behind));
    /* its head sits unread: the server's thread is busy elsewhere, not the client slow */
    assert_int_equal(send(behind.fd[1], "GET / HTTP/1.1\r\n\r\n", 18, 0), 18);
    assert_true(sock_open(g, &served));
    assert_true(sock_open(g, &idle));
    assert_true(ob_guard_head_done(&served.c));    /* its head came in time: being served */
    assert_true(ob_guard_head_done(&idle.c));
    ob_guard_request_done(&idle.c);                /* answered; now waiting for the next head */
    nanosleep(&pause, NULL);                       /* past the 1 s deadline and a sweep */
    assert_true(is_shut(&late));
    assert_false(ob_guard_head_done(&late.c));     /* a head after the cut is not served */
    assert_false(is_shut(&served));                /* a request being served has no deadline */
    assert_true(is_shut(&idle));                   /* an idle keep-alive waits no longer */
    assert_false(is_shut(&behind));
    ob_guard_request_done(&late.c);                /* a cut connection stays cut */
    assert_false(ob_guard_head_done(&late.c));
    sock_close(g, &late);
    sock_close(g, &served);
    sock_close(g, &idle);
    sock_close(g, &behind);
    ob_guard_free(g);
}

static const struct client_case {
    const char *name, *peer, *xff, *want;
} client_cases[] = {
    { "untrusted peer: the header is ignored", "203.0.113.5", "198.51.100.7", "203.0.113.5" },
    { "trusted peer without the header", "10.0.0.1", NULL, "10.0.0.1" },
    { "trusted peer names its client", "10.0.0.1", "198.51.100.7", "198.51.100.7" },
    { "what the client wrote on the left is ignored", "10.0.0.1", "6.6.6.6, 198.51.100.7",
      "198.51.100.7" },
    { "two trusted proxies", "10.0.0.1", "198.51.100.7, 10.0.0.2", "198.51.100.7" },
    { "a single trusted address", "192.168.1.1", "198.51.100.7", "198.51.100.7" },
    { "garbage on the left is ignored", "10.0.0.1", "garbage, 198.51.100.7", "198.51.100.7" },
    { "garbage from the proxy: the peer", "10.0.0.1", "198.51.100.7, garbage", "10.0.0.1" },
    { "only trusted addresses: the left-most", "10.0.0.1", "10.0.0.3, 10.0.0.2", "10.0.0.3" },
    { "IPv6 client, spaces", "10.0.0.1", "  2001:db8::9  ", "2001:db8::9" },
    { "mapped IPv6 client", "10.0.0.1", "::ffff:198.51.100.7", "198.51.100.7" },
    { "a port is not an address", "10.0.0.1", "198.51.100.7:4711", "10.0.0.1" },
    { "empty header", "10.0.0.1", "", "10.0.0.1" },
    { "only a comma", "10.0.0.1", ",", "10.0.0.1" },
    { "several header lines, joined", "10.0.0.1", "6.6.6.6,198.51.100.7,10.0.0.9",
      "198.51.100.7" },
};

static void
test_guard_client_address(void **state)
{
    struct ob_guard *g = guard(64, 10, "10.0.0.0/8, 192.168.1.1");

    (void)state;
    for (size_t i = 0; i < NELEM(client_cases); i++) {
        const struct client_case *c = &client_cases[i];
        struct ob_netaddr peer;
        char out[OB_NETADDR_TEXT];

        CHECK_INT(c->name, ob_netaddr_parse(c->peer, strlen(c->peer), false, &peer), 0);
        ob_guard_client(g, &peer, c->xff, out, sizeof(out));
        CHECK_STR(c->name, out, c->want);
    }
    ob_guard_free(g);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_guard_cap_per_address),
        cmocka_unit_test(test_guard_trusted_proxy_and_no_cap),
        cmocka_unit_test(test_guard_head_deadline),
        cmocka_unit_test(test_guard_client_address),
    };

    if (ob_rand_init() != 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
