/*
 * guard.c — hostile connections: per-address caps, head deadlines, and the
 * client's address behind a trusted proxy.
 *
 * Why. libmicrohttpd's timeout is an idle timeout: a client that sends one
 * byte every few seconds keeps a connection forever, and 4,096 of them from
 * one address fill the server. Its own per-IP limit keys on the socket peer,
 * which behind a load balancer is the balancer: every user would share one
 * cap. So the guard keeps its own count and its own deadline.
 *
 * Counting. Every open connection is on one list, and every capped address
 * has a count, both under one mutex. ob_guard_open counts the connection and,
 * past the cap, shuts its socket down at once; ob_guard_close uncounts it.
 * libmicrohttpd calls the two in pairs and closes the socket only after the
 * second, so the count is exact however many threads accept at once, and a
 * descriptor on the list is always the connection's own. ob_guard_admit is a
 * quick look before libmicrohttpd sets a connection up, so a flood from one
 * address costs an accept and a close each, not a connection's memory.
 * Trusted proxies are not capped: their connections carry many clients.
 *
 * Deadline. A connection waits for a request head from when it opens and
 * again from when each answer is done (an idle keep-alive connection is one
 * waiting for a head). head_since holds when that wait began; the first call
 * of the access handler, which libmicrohttpd makes once the head is in, sets
 * it to 0. A thread sweeps the list ten times per deadline and shuts down the
 * sockets whose wait is too long: shutdown, never close, so libmicrohttpd
 * sees the end of the stream, closes the connection itself and calls
 * ob_guard_close. The sweep claims a connection by swapping its head_since
 * for OB_GUARD_CUT, and ob_guard_head_done swaps 0 in: exactly one of them
 * wins, so a head that completes at the deadline is either served or cut,
 * never served on a socket already shut.
 *
 * A socket holding bytes not yet read is spared: its pool thread is busy with
 * another request (a sign-in waiting for a hashing slot, a slow query) and
 * reads none of its other connections, whose heads then wait in the kernel
 * through no fault of their clients. A slow client's bytes are read as they
 * come, so it is never spared that way.
 *
 * Client address. A request from a trusted proxy names its client in
 * X-Forwarded-For, each proxy appending the address it got the request from.
 * Walking from the right past the trusted proxies gives the first address no
 * trusted party vouches for: the client. Whatever a client wrote further left
 * is ignored, and from any other peer the header is ignored altogether.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>

#include "base/config.h"
#include "base/ctx.h"
#include "base/err.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/metrics.h"
#include "base/rand.h"
#include "http/guard.h"
#include "base/banned.h"

#define NBUCKETS 1024

/* The connections of one capped address. */
struct ob_guard_peer {
    struct ob_guard_peer *next;     /* in its bucket */
    struct ob_netaddr addr;
    int count;
    bool logged;                    /* a refusal is in the log since it last had none open */
};

struct ob_guard {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t sweeper;
    bool stopping;
    int cap;
    int64_t head_us, period_us;
    uint32_t seed;                  /* of the hash: clients choose their IPv6 addresses */
    struct ob_netaddr proxies[OB_NETADDR_MAX_LIST];
    int nproxies;
    struct ob_guard_conn conns;     /* the list's head; conns.next is the first */
    struct ob_guard_peer *buckets[NBUCKETS];
};

static unsigned
bucket(const struct ob_guard *g, const struct ob_netaddr *a)
{
    uint32_t h = (2166136261u ^ g->seed ^ a->family) * 16777619u;

    for (int i = 0; i < 16; i++)
        h = (h ^ a->b[i]) * 16777619u;
    return h % NBUCKETS;
}

/* The count of address a, made when missing and make is set. Under the lock. */
static struct ob_guard_peer *
peer_get(struct ob_guard *g, const struct ob_netaddr *a, bool make)
{
    struct ob_guard_peer **head = &g->buckets[bucket(g, a)], *p;

    for (p = *head; p; p = p->next)
        if (ob_netaddr_equal(&p->addr, a))
            return p;
    if (!make)
        return NULL;
    p = ob_xcalloc(1, sizeof(*p));
    p->addr = *a;
    p->next = *head;
    *head = p;
    return p;
}

static void
peer_drop(struct ob_guard *g, struct ob_guard_peer *p)
{
    struct ob_guard_peer **pp = &g->buckets[bucket(g, &p->addr)];

    while (*pp != p)
        pp = &(*pp)->next;
    *pp = p->next;
    free(p);
}

/* Under the lock: is this refusal the first since the address last had no
 * connection open? Then text names the address, for the one log line. */
static bool
first_refusal(struct ob_guard_peer *p, char *text, size_t size)
{
    if (p->logged)
        return false;
    p->logged = true;
    ob_netaddr_format(&p->addr, text, size);
    return true;
}

static void
refused(const struct ob_guard *g, bool first, const char *text)
{
    ob_metrics_connection_cut(OB_METRICS_CUT_PER_ADDRESS, 1);
    if (first)
        ob_log(OB_LOG_WARN, "connections refused: the address holds its cap", "{s:s, s:i}",
               "addr", text, "cap", g->cap);
}

/* The address to count sa under, or false when sa is not capped. */
static bool
capped(const struct ob_guard *g, const struct sockaddr *sa, struct ob_netaddr *a)
{
    return g->cap > 0 && ob_netaddr_from_sockaddr(sa, a) == 0 && !ob_guard_trusted(g, a);
}

bool
ob_guard_admit(struct ob_guard *g, const struct sockaddr *sa)
{
    char text[OB_NETADDR_TEXT] = "";
    struct ob_netaddr a;
    struct ob_guard_peer *p;
    bool full, first = false;

    if (!capped(g, sa, &a))
        return true;
    pthread_mutex_lock(&g->lock);
    p = peer_get(g, &a, false);
    full = p && p->count >= g->cap;
    if (full)
        first = first_refusal(p, text, sizeof(text));
    pthread_mutex_unlock(&g->lock);
    if (full)
        refused(g, first, text);
    return !full;
}

bool
ob_guard_open(struct ob_guard *g, struct ob_guard_conn *c, int fd, const struct sockaddr *sa)
{
    char text[OB_NETADDR_TEXT] = "";
    struct ob_netaddr a;
    bool over = false, first = false;

    c->fd = fd;
    c->peer = NULL;
    atomic_store(&c->head_since, ob_clock_mono_us());
    pthread_mutex_lock(&g->lock);
    c->next = &g->conns;
    c->prev = g->conns.prev;
    c->prev->next = c;
    g->conns.prev = c;
    if (capped(g, sa, &a)) {
        c->peer = peer_get(g, &a, true);
        over = ++c->peer->count > g->cap;
    }
    if (over) {
        atomic_store(&c->head_since, OB_GUARD_CUT);
        shutdown(fd, SHUT_RDWR);
        first = first_refusal(c->peer, text, sizeof(text));
    }
    pthread_mutex_unlock(&g->lock);
    if (over)
        refused(g, first, text);
    return !over;
}

void
ob_guard_close(struct ob_guard *g, struct ob_guard_conn *c)
{
    pthread_mutex_lock(&g->lock);
    c->prev->next = c->next;
    c->next->prev = c->prev;
    if (c->peer && --c->peer->count == 0)
        peer_drop(g, c->peer);
    pthread_mutex_unlock(&g->lock);
    c->peer = NULL;
    c->prev = c->next = NULL;
}

bool
ob_guard_head_done(struct ob_guard_conn *c)
{
    int64_t since = atomic_load(&c->head_since);

    while (since != OB_GUARD_CUT)
        if (atomic_compare_exchange_weak(&c->head_since, &since, 0))
            return true;
    return false;   /* and it stays cut */
}

void
ob_guard_request_done(struct ob_guard_conn *c)
{
    int64_t serving = 0;

    /* Only a connection being served starts a new wait; a cut one stays cut. */
    atomic_compare_exchange_strong(&c->head_since, &serving, ob_clock_mono_us());
}

/* Has the client sent bytes the server has not read? Then the server is the
 * one behind: the connection's pool thread is busy serving another request
 * (a password hash waiting for its slot, a slow query), and the head may
 * well be complete in the socket. */
static bool
behind(const struct ob_guard_conn *c)
{
    int unread = 0;

    return ioctl(c->fd, FIONREAD, &unread) == 0 && unread > 0;
}

/* Shut down every connection whose head is late. Under the lock. */
static int
sweep(struct ob_guard *g)
{
    int64_t now = ob_clock_mono_us();
    int cut = 0;

    for (struct ob_guard_conn *c = g->conns.next; c != &g->conns; c = c->next) {
        int64_t since = atomic_load(&c->head_since);

        if (since > 0 && now - since > g->head_us && !behind(c) &&
            atomic_compare_exchange_strong(&c->head_since, &since, OB_GUARD_CUT)) {
            shutdown(c->fd, SHUT_RDWR);
            cut++;
        }
    }
    return cut;
}

static void *
sweeper(void *arg)
{
    struct ob_guard *g = arg;
    struct timespec ts;
    int cut;

    pthread_mutex_lock(&g->lock);
    while (!g->stopping) {
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += (long)(g->period_us % 1000000) * 1000;
        ts.tv_sec += (time_t)(g->period_us / 1000000) + ts.tv_nsec / 1000000000;
        ts.tv_nsec %= 1000000000;
        pthread_cond_timedwait(&g->wake, &g->lock, &ts);
        if (g->stopping || (cut = sweep(g)) == 0)
            continue;
        pthread_mutex_unlock(&g->lock);
        ob_metrics_connection_cut(OB_METRICS_CUT_HEAD_TIMEOUT, cut);
        ob_log(OB_LOG_INFO, "connections closed: no complete request head in time",
               "{s:i, s:i}", "count", cut, "head_timeout_seconds", (int)(g->head_us / 1000000));
        pthread_mutex_lock(&g->lock);
    }
    pthread_mutex_unlock(&g->lock);
    return NULL;
}

int
ob_guard_new(const struct ob_config *cfg, struct ob_guard **out, struct ob_err *err)
{
    struct ob_guard *g = ob_xcalloc(1, sizeof(*g));
    pthread_condattr_t ca;
    int n;

    *out = NULL;
    if ((n = ob_netaddr_parse_list(cfg->trusted_proxies, g->proxies, OB_NETADDR_MAX_LIST,
                                   err)) < 0) {
        free(g);
        return n;
    }
    g->nproxies = n;
    ob_rand_bytes(&g->seed, sizeof(g->seed));
    g->cap = cfg->per_address_connections;
    g->head_us = (int64_t)cfg->head_timeout_seconds * 1000000;
    /* Sweep ten times per deadline, within 0.1 to 1 s: a late head lives at
     * most a tenth (or a second) past its deadline. */
    g->period_us = g->head_us / 10;
    g->period_us = g->period_us < 100000 ? 100000 : g->period_us > 1000000 ? 1000000
                                                                          : g->period_us;
    g->conns.next = g->conns.prev = &g->conns;
    pthread_mutex_init(&g->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&g->wake, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&g->sweeper, NULL, sweeper, g) != 0) {
        pthread_cond_destroy(&g->wake);
        pthread_mutex_destroy(&g->lock);
        free(g);
        return ob_err_set(err, OB_EINTERNAL, "http.guard_failed");
    }
    *out = g;
    return 0;
}

void
ob_guard_free(struct ob_guard *g)
{
    if (!g)
        return;
    pthread_mutex_lock(&g->lock);
    g->stopping = true;
    pthread_cond_signal(&g->wake);
    pthread_mutex_unlock(&g->lock);
    pthread_join(g->sweeper, NULL);
    for (int i = 0; i < NBUCKETS; i++)
        while (g->buckets[i])
            peer_drop(g, g->buckets[i]);
    pthread_cond_destroy(&g->wake);
    pthread_mutex_destroy(&g->lock);
    free(g);
}

bool
ob_guard_trusted(const struct ob_guard *g, const struct ob_netaddr *a)
{
    /* the live list once published (SIGHUP may change it), else the start's */
    const struct ob_live *l = ob_live();
    const struct ob_netaddr *proxies = l ? l->proxies : g->proxies;
    int n = l ? l->nproxies : g->nproxies;

    for (int i = 0; i < n; i++)
        if (ob_netaddr_match(&proxies[i], a))
            return true;
    return false;
}

/* The item of a comma-separated list that ends at end, trimmed: [*from, *to). */
static void
last_item(const char *list, const char *end, const char **from, const char **to)
{
    const char *s = end;

    while (s > list && s[-1] != ',')
        s--;
    *from = s;
    while (*from < end && (**from == ' ' || **from == '\t'))
        (*from)++;
    *to = end;
    while (*to > *from && ((*to)[-1] == ' ' || (*to)[-1] == '\t'))
        (*to)--;
}

void
ob_guard_client(const struct ob_guard *g, const struct ob_netaddr *peer, const char *xff,
                char *out, size_t size)
{
    struct ob_netaddr client = *peer, a;
    const char *end = xff ? xff + strlen(xff) : NULL, *from, *to;

    if (end && ob_guard_trusted(g, peer)) {
        while (end > xff) {
            last_item(xff, end, &from, &to);
            if (ob_netaddr_parse(from, (size_t)(to - from), false, &a) != 0)
                break;
            client = a;
            if (!ob_guard_trusted(g, &a))
                break;
            /* the next item to the left ends at this one's comma */
            while (end > xff && end[-1] != ',')
                end--;
            if (end > xff)
                end--;
        }
    }
    ob_netaddr_format(&client, out, size);
}
