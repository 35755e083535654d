/*
 * bench/httpfloor_h2o.c — an event-driven library's floor: the smallest
 * server on libh2o's own event loop (Debian's libh2o-evloop-dev, h2o 2.2),
 * answering every request with /healthz's body and headers, for
 * bench/httpfloor.sh to set beside nginx and libmicrohttpd.
 *
 * It is built as nginx runs: one event loop per core, each a thread with its
 * own listening socket on the same port (SO_REUSEPORT: the kernel spreads the
 * connections over them), so no lock and no hand-off between threads on the
 * way of a request. The configuration (one host, one handler on "/") is
 * shared and read-only once the loops run; each loop has its own h2o context.
 * Keep-alive is h2o's default for HTTP/1.1, with the same 60 s idle time
 * Oblako gives libmicrohttpd. No Server header, as libmicrohttpd sends none;
 * h2o adds Date and Content-Length itself.
 *
 *   build/bench/httpfloor_h2o [LOOPS]     (default: one per online core)
 *
 * Listens on 127.0.0.1 on a port of the kernel's choosing and writes the same
 * {"msg":"listening","url":"http://127.0.0.1:PORT"} line on stderr as
 * `oblako serve`; SIGTERM ends it (there is nothing to flush).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <h2o.h>

#define MAX_LOOPS 64
#define ACCEPTS_PER_EVENT 16

static const char body[] = "{\"status\":\"ok\"}\n";

static h2o_globalconf_t config;

/* One event loop: its thread, its listening socket and its h2o context. */
struct loop {
    pthread_t thread;
    int fd;
    h2o_context_t ctx;
    h2o_accept_ctx_t accept;
};

static int
on_req(h2o_handler_t *self, h2o_req_t *req)
{
    (void)self;
    req->res.status = 200;
    req->res.reason = "OK";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("application/json"));
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-request-id"), 0, NULL,
                          H2O_STRLIT("0123456789abcdef"));
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   H2O_STRLIT("no-store"));
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-content-type-options"), 0,
                          NULL, H2O_STRLIT("nosniff"));
    req->res.content_length = sizeof(body) - 1;    /* else h2o sends it chunked */
    h2o_send_inline(req, body, sizeof(body) - 1);
    return 0;
}

static void
on_accept(h2o_socket_t *listener, const char *err)
{
    struct loop *l = listener->data;
    h2o_socket_t *sock;

    if (err)
        return;
    for (int i = 0; i < ACCEPTS_PER_EVENT; i++) {
        if ((sock = h2o_evloop_socket_accept(listener)) == NULL)
            return;
        h2o_accept(&l->accept, sock);
    }
}

static void *
run(void *arg)
{
    struct loop *l = arg;
    h2o_socket_t *listener;

    h2o_context_init(&l->ctx, h2o_evloop_create(), &config);
    l->accept.ctx = &l->ctx;
    l->accept.hosts = config.hosts;
    listener = h2o_evloop_socket_create(l->ctx.loop, l->fd, H2O_SOCKET_FLAG_DONT_READ);
    listener->data = l;
    h2o_socket_read_start(listener, on_accept);
    while (h2o_evloop_run(l->ctx.loop, INT32_MAX) == 0)
        ;
    return NULL;
}

/* A non-blocking listening socket on 127.0.0.1:port (0: the kernel's choice)
 * that other sockets may share; -1 on failure. */
static int
listen_on(unsigned short port)
{
    struct sockaddr_in sa;
    int fd, on = 1;

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons(port);
    if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
        return -1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) != 0 ||
        bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 1024) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static unsigned short
port_of(int fd)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);

    if (getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
        return 0;
    return ntohs(sa.sin_port);
}

int
main(int argc, char **argv)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : (cores > 0 ? cores : 1);
    static struct loop loops[MAX_LOOPS];
    h2o_hostconf_t *host;
    h2o_pathconf_t *path;
    h2o_handler_t *handler;
    unsigned short port = 0;

    if (n < 1 || n > MAX_LOOPS) {
        fprintf(stderr, "usage: %s [LOOPS 1..%d]\n", argv[0], MAX_LOOPS);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    h2o_config_init(&config);
    config.server_name = h2o_iovec_init(H2O_STRLIT(""));
    config.http1.req_timeout = 60 * 1000;
    host = h2o_config_register_host(&config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    path = h2o_config_register_path(host, "/", 0);
    handler = h2o_create_handler(path, sizeof(*handler));
    handler->on_req = on_req;
    for (long i = 0; i < n; i++) {
        if ((loops[i].fd = listen_on(port)) < 0) {
            fprintf(stderr, "httpfloor_h2o: cannot listen on 127.0.0.1:%u: %s\n", port,
                    strerror(errno));
            return 1;
        }
        port = port_of(loops[i].fd);
    }
    for (long i = 0; i < n; i++)
        if (pthread_create(&loops[i].thread, NULL, run, &loops[i]) != 0) {
            fprintf(stderr, "httpfloor_h2o: cannot start a loop\n");
            return 1;
        }
    fprintf(stderr, "{\"msg\":\"listening\",\"url\":\"http://127.0.0.1:%u\",\"loops\":%ld}\n", port,
            n);
    for (long i = 0; i < n; i++)
        pthread_join(loops[i].thread, NULL);
    return 0;
}
