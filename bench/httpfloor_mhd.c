/*
 * bench/httpfloor_mhd.c — libmicrohttpd's own floor: the smallest server that
 * starts libmicrohttpd the way src/http/server.c starts Oblako's, and answers
 * every request with /healthz's body and headers, so that bench/httpfloor.sh
 * can tell the library's cost from what Oblako adds on top of it.
 *
 * Kept the same as server.c: the flags (internal polling thread, epoll,
 * inter-thread channel), the thread pool (--threads, default 4), the accept
 * policy, URI log, completion and connection callbacks (each registered, each
 * doing the least it can), the connection timeout (60 s), limit (4096) and
 * listen backlog (1024), keep-alive as MHD does it by default, and the answer
 * queued on the second call of the access handler (queueing on the first
 * loses keep-alive), as a response made per request from a buffer with the
 * four headers /healthz sends (MHD adds Date and Content-Length).
 *
 * Left out, on purpose: routing, the request id, JSON, the log line, the
 * metrics, the guard: everything that is Oblako's and not the library's.
 *
 *   build/bench/httpfloor_mhd [THREADS]
 *
 * Listens on 127.0.0.1 on a port of the kernel's choosing, writes the same
 * {"msg":"listening","url":"http://127.0.0.1:PORT"} line on stderr as
 * `oblako serve`, and stops on SIGTERM or SIGINT.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

static const char body[] = "{\"status\":\"ok\"}\n";

/* The state of one request: only whether its head has been seen. */
struct req {
    bool started;
};

static enum MHD_Result
accept_policy(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    (void)cls;
    (void)addr;
    (void)addrlen;
    return MHD_YES;
}

static void *
uri_log(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)cls;
    (void)uri;
    (void)c;
    return calloc(1, sizeof(struct req));
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t)
{
    (void)cls;
    (void)c;
    (void)t;
    free(*con_cls);
    *con_cls = NULL;
}

static void
connection_event(void *cls, struct MHD_Connection *c, void **socket_context,
                 enum MHD_ConnectionNotificationCode what)
{
    (void)cls;
    (void)c;
    (void)socket_context;
    (void)what;
}

static enum MHD_Result
answer(struct MHD_Connection *c)
{
    struct MHD_Response *m;
    enum MHD_Result ret;

    m = MHD_create_response_from_buffer(sizeof(body) - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
    if (!m)
        return MHD_NO;
    MHD_add_response_header(m, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    MHD_add_response_header(m, "X-Request-Id", "0123456789abcdef");
    MHD_add_response_header(m, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(m, "X-Content-Type-Options", "nosniff");
    ret = MHD_queue_response(c, MHD_HTTP_OK, m);
    MHD_destroy_response(m);
    return ret;
}

static enum MHD_Result
access_handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
               const char *version, const char *upload_data, size_t *upload_data_size,
               void **con_cls)
{
    struct req *r = *con_cls;

    (void)cls;
    (void)url;
    (void)method;
    (void)version;
    (void)upload_data;
    if (!r)
        return MHD_NO;
    if (!r->started) {
        r->started = true;
        return MHD_YES;
    }
    if (*upload_data_size) {    /* a body is read and dropped */
        *upload_data_size = 0;
        return MHD_YES;
    }
    return answer(c);
}

int
main(int argc, char **argv)
{
    unsigned threads = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 4;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC;
    struct sockaddr_in sa;
    struct MHD_Daemon *d;
    const union MHD_DaemonInfo *info;
    sigset_t stop;
    int sig;

    if (threads < 1 || threads > 256) {
        fprintf(stderr, "usage: %s [THREADS 1..256]\n", argv[0]);
        return 2;
    }
    /* blocked before MHD starts its threads, so that only sigwait takes them */
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    d = MHD_start_daemon(flags, 0, accept_policy, NULL, access_handler, NULL, MHD_OPTION_SOCK_ADDR,
                         &sa, MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_URI_LOG_CALLBACK,
                         uri_log, NULL, MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
                         MHD_OPTION_NOTIFY_CONNECTION, connection_event, NULL,
                         MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_CONNECTION_LIMIT, 4096u,
                         MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "httpfloor_mhd: cannot listen on 127.0.0.1\n");
        return 1;
    }
    info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    fprintf(stderr, "{\"msg\":\"listening\",\"url\":\"http://127.0.0.1:%u\",\"threads\":%u}\n",
            info ? (unsigned)info->port : 0u, threads);
    sigwait(&stop, &sig);
    MHD_stop_daemon(d);
    return 0;
}
