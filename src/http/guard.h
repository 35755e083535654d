/*
 * guard.h — hostile connections: a cap on the connections of one client
 * address, a deadline for each request head, and who the client is behind a
 * trusted proxy.
 *
 * The server calls it from libmicrohttpd's callbacks: ob_guard_admit when a
 * connection is accepted, ob_guard_open and ob_guard_close when it starts and
 * ends (paired, the socket still open in both), ob_guard_head_done when a
 * request's head is complete and ob_guard_request_done when its answer is.
 * A thread of the guard shuts down the sockets whose head is late; it never
 * closes them, libmicrohttpd does, so a descriptor is never reused under it.
 */
#ifndef OB_HTTP_GUARD_H
#define OB_HTTP_GUARD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/netaddr.h"

struct ob_config;
struct ob_err;
struct ob_guard;
struct ob_guard_peer;
struct sockaddr;

/* One open connection; the caller owns the memory, from open to close. */
struct ob_guard_conn {
    struct ob_guard_conn *prev, *next;  /* every open connection, under the guard's lock */
    struct ob_guard_peer *peer;         /* its address's count; NULL when not counted */
    int fd;
    /* When the head being waited for began (µs, monotonic clock), 0 while a
     * request is served, OB_GUARD_CUT once the guard has shut the socket. */
    _Atomic int64_t head_since;
};

#define OB_GUARD_CUT INT64_C(-1)

/* Parse the settings (--per-address-connections, --head-timeout-seconds,
 * --trusted-proxies) and start the deadline thread. 0, or OB_EINVAL with err
 * set (a bad proxy list; the settings loader refuses those first). */
int ob_guard_new(const struct ob_config *cfg, struct ob_guard **out, struct ob_err *err);
/* Stop the thread and free the guard; every connection must be closed. */
void ob_guard_free(struct ob_guard *g);

/* May a connection from sa be accepted? False when its address already holds
 * its cap. A quick look only: ob_guard_open decides exactly. */
bool ob_guard_admit(struct ob_guard *g, const struct sockaddr *sa);
/* Count the connection on socket fd from sa and start its head deadline.
 * Past the cap, the socket is shut down at once (the caller still closes it,
 * and still calls ob_guard_close). Returns false in that case. */
bool ob_guard_open(struct ob_guard *g, struct ob_guard_conn *c, int fd, const struct sockaddr *sa);
void ob_guard_close(struct ob_guard *g, struct ob_guard_conn *c);
/* The head of a request is complete: stop its deadline. False when the guard
 * has already shut the connection down, so the request must not be served. */
bool ob_guard_head_done(struct ob_guard_conn *c);
/* The answer is done: the next head's deadline starts now. */
void ob_guard_request_done(struct ob_guard_conn *c);

/* Is a one of the trusted proxies? */
bool ob_guard_trusted(const struct ob_guard *g, const struct ob_netaddr *a);
/* The client's address as text (size at least OB_NETADDR_TEXT). When the peer
 * is a trusted proxy, it is the right-most address of xff (the X-Forwarded-For
 * values, joined by commas; may be NULL) that is not itself a trusted proxy;
 * an item that is not an address stops the walk at the last good one.
 * Otherwise it is the peer, whatever the header says. */
void ob_guard_client(const struct ob_guard *g, const struct ob_netaddr *peer, const char *xff,
                     char *out, size_t size);

#endif
