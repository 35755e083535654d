/*
 * server.c — libmicrohttpd glue: a thread pool, one database connection per
 * thread, request bodies with a cap, and a draining stop.
 *
 * MHD calls the access handler several times per request. The first call
 * only sets up (queueing a response there makes MHD close the connection:
 * keep-alive lost: ~100k fell to ~25–32k req/s); body chunks are appended to a
 * capped buffer; the last call, with no data, dispatches and queues. The raw
 * URI comes from the URI log callback, which runs before all of them, so the
 * path and query are parsed by our own code (the code the fuzzer tests).
 *
 * Each pool thread opens its database connection on its first request and
 * keeps it; the connections are listed here and closed after MHD stops.
 *
 * A body of an OB_ROUTE_SPOOL route (the upload of a copy of a data area,
 * up to --area-upload-max) is not collected in memory: it is written to a
 * file under the backup store's spool folder as it arrives, hashed on the
 * way (SHA-256), and handed to the handler as req->file; the file is removed
 * once the answer is queued. A declared length past the cap, or a request
 * that carries neither a session cookie nor a bearer token (it cannot be
 * allowed: nobody's upload fills the disk), is answered from its head.
 *
 * Connections. MHD tells us when each TCP connection starts and ends
 * (NOTIFY_CONNECTION, paired, the socket still open at both); struct conn
 * lives between the two. It carries the guard's record (http/guard.c: the
 * per-address cap, the head deadline) and the request in flight. A request is
 * counted in flight from the URI log callback until NOTIFY_COMPLETED or,
 * failing that, the connection's end: MHD 0.9.75 can drop a request without
 * NOTIFY_COMPLETED (a second error on one request moves it straight to the
 * closed state), and a request counted forever made every SIGTERM wait the
 * whole drain time. All callbacks of one connection run on its pool thread,
 * so conn->req needs no lock.
 *
 * The query string is ours alone: MHD's copy of it is emptied in the URI log
 * callback (see hide_query), and the request head is checked for framing that
 * could be read two ways (two Content-Lengths; Content-Length with
 * Transfer-Encoding) before the body is read. The client's address is the
 * socket's peer, or, from a trusted proxy, what its X-Forwarded-For says
 * (guard.c); dispatch passes it on as ctx->remote_addr, the key of every
 * per-address limit.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <fcntl.h>

#include <microhttpd.h>
#include <sodium.h>

#include "base/config.h"
#include "base/ctx.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/netaddr.h"
#include "db/db.h"
#include "http/guard.h"
#include "http/http.h"
#include "http/router.h"
#include "store/store.h"
#include "base/banned.h"

#define MAX_DBS 512

/* Each connection's memory pool in libmicrohttpd: the request line and
 * headers must fit in it (past it the answer is 431), and the library
 * clears all of it after every request. Its default is 32 KiB; 16 KiB
 * holds a request's headers many times over (a browser's are 1-2 KiB,
 * nginx reads up to 8 KiB a line) and halves both that clearing, 5 % of
 * a cached read's CPU (bench/README.md), and an idle keep-alive
 * connection's memory (docs/deploy.md). Bodies do not go in it: they
 * arrive in pieces the handler copies out. */
#define CONNECTION_MEMORY (16 * 1024)

struct ob_server {
    struct MHD_Daemon *d;
    const struct ob_config *cfg;
    struct ob_guard *guard;
    atomic_int in_flight;
    bool quiesced;              /* the listening socket is closed */
    pthread_mutex_t lock;
    struct ob_db *dbs[MAX_DBS];
    int ndbs;
};

/* One TCP connection, from MHD's STARTED notification to its CLOSED one. */
struct conn {
    struct ob_guard_conn guard;
    struct ob_netaddr peer;
    char peer_text[OB_NETADDR_TEXT];    /* the peer as text, made once */
    struct conn_req *req;       /* the request in flight on it, if any */
};

/* One request, from the URI log callback to NOTIFY_COMPLETED or the end of
 * its connection, whichever comes first. */
struct conn_req {
    struct conn *conn;          /* NULL only if MHD gave no socket context */
    char *uri;
    struct ob_buf body;
    const char *refuse;         /* the head's framing is ambiguous: answer 400 */
    bool started, too_large;
    long body_max;              /* --body-max, or more for an upload route */
    /* an OB_ROUTE_SPOOL body (see the head of this file) */
    bool spool;
    int spool_fd;               /* -1 when closed */
    char *spool_path;
    long long spool_len;
    crypto_hash_sha256_state spool_hash;
    char spool_sha[2 * crypto_hash_sha256_BYTES + 1];
};

static _Thread_local struct ob_db *thread_db;

static struct ob_db *
get_db(void *arg)
{
    struct ob_server *s = arg;
    struct ob_db_opts opts = { s->cfg->busy_timeout_ms, s->cfg->pg_prepare };
    struct ob_err err = { 0 };

    if (thread_db)
        return thread_db;
    if (ob_db_open(s->cfg->db, &opts, &thread_db, &err) != 0) {
        ob_log(OB_LOG_ERROR, "cannot open database", "{s:s}", "error", err.message);
        return NULL;
    }
    pthread_mutex_lock(&s->lock);
    if (s->ndbs < MAX_DBS)
        s->dbs[s->ndbs++] = thread_db;
    pthread_mutex_unlock(&s->lock);
    return thread_db;
}

static const char *
header(void *hctx, const char *name)
{
    return MHD_lookup_connection_value(hctx, MHD_HEADER_KIND, name);
}

static struct conn *
conn_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

    return ci ? ci->socket_context : NULL;
}

/* The request is over, answered or not: uncount it and free it. */
static void
request_end(struct ob_server *s, struct conn_req *r)
{
    if (r->conn && r->conn->req == r)
        r->conn->req = NULL;
    if (r->spool_fd >= 0)
        close(r->spool_fd);
    if (r->spool_path)
        unlink(r->spool_path);
    free(r->spool_path);
    free(r->uri);
    ob_buf_free(&r->body);
    free(r);
    atomic_fetch_sub(&s->in_flight, 1);
    ob_metrics_in_flight(-1);
}

/* MHD 0.9.75 parses the query into the connection's memory pool after the
 * URI log callback; a query of a few thousand '&' fills the pool, and its
 * error answer then wedges the connection until the idle timeout, with no
 * status sent and no NOTIFY_COMPLETED. We parse the query ourselves (from
 * the copy in conn_req, with our caps: router.c, fuzzed) and never ask MHD
 * for it, so MHD's copy is cut to nothing here. uri points into the
 * connection's read buffer, which MHD writes into itself while parsing. */
static void
hide_query(const char *uri)
{
    char *q = uri ? strchr(uri, '?') : NULL;

    if (q)
        q[1] = '\0';
}

static void *
uri_log(void *cls, const char *uri, struct MHD_Connection *c)
{
    struct ob_server *s = cls;
    struct conn_req *r = ob_xcalloc(1, sizeof(*r));

    r->uri = ob_xstrdup(uri ? uri : "/");
    r->spool_fd = -1;
    hide_query(uri);
    ob_buf_init(&r->body, (size_t)s->cfg->body_max);
    atomic_fetch_add(&s->in_flight, 1);
    ob_metrics_in_flight(1);
    if ((r->conn = conn_of(c)) != NULL) {
        if (r->conn->req)   /* one MHD ended without telling us */
            request_end(s, r->conn->req);
        r->conn->req = r;
    }
    return r;
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t)
{
    struct conn_req *r = *con_cls;

    (void)c;
    (void)t;
    if (!r)
        return;
    if (r->conn)
        ob_guard_request_done(&r->conn->guard);
    request_end(cls, r);
    *con_cls = NULL;
}

/* A quick refusal before MHD sets a connection up (ob_guard_open decides). */
static enum MHD_Result
accept_policy(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    struct ob_server *s = cls;

    (void)addrlen;
    return ob_guard_admit(s->guard, addr) ? MHD_YES : MHD_NO;
}

static void
connection_started(struct ob_server *s, struct MHD_Connection *c, void **socket_context)
{
    const union MHD_ConnectionInfo *fd =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    const union MHD_ConnectionInfo *ad =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ad ? ad->client_addr : NULL;
    struct conn *conn = ob_xcalloc(1, sizeof(*conn));

    ob_netaddr_from_sockaddr(sa, &conn->peer);
    ob_netaddr_format(&conn->peer, conn->peer_text, sizeof(conn->peer_text));
    ob_guard_open(s->guard, &conn->guard, fd ? fd->connect_fd : -1, sa);
    *socket_context = conn;
}

static void
connection_event(void *cls, struct MHD_Connection *c, void **socket_context,
                 enum MHD_ConnectionNotificationCode what)
{
    struct ob_server *s = cls;
    struct conn *conn = *socket_context;

    if (what == MHD_CONNECTION_NOTIFY_STARTED) {
        connection_started(s, c, socket_context);
        return;
    }
    if (!conn)
        return;
    if (conn->req)
        request_end(s, conn->req);
    ob_guard_close(s->guard, &conn->guard);
    free(conn);
    *socket_context = NULL;
}

static enum MHD_Result
join_forwarded(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    struct ob_buf *b = cls;

    (void)kind;
    if (value && !strcasecmp(key, "X-Forwarded-For")) {
        if (b->len)
            ob_buf_addc(b, ',');
        ob_buf_adds(b, value);
    }
    return MHD_YES;
}

/* The client's address: the peer, or from a trusted proxy the client its
 * X-Forwarded-For lines (all of them, in order) name. */
static void
client_addr(struct ob_server *s, struct MHD_Connection *c, const struct conn_req *r, char *out,
            size_t size)
{
    struct ob_netaddr peer = { 0 };
    struct ob_buf xff;

    if (r->conn)
        peer = r->conn->peer;
    if (!ob_guard_trusted(s->guard, &peer)) {
        const char *text = r->conn ? r->conn->peer_text : "";
        size_t n = strnlen(text, size - 1);

        memcpy(out, text, n);
        out[n] = '\0';
        return;
    }
    ob_buf_init(&xff, 64 * 1024);
    MHD_get_connection_values(c, MHD_HEADER_KIND, join_forwarded, &xff);
    ob_guard_client(s->guard, &peer, xff.len ? xff.p : NULL, out, size);
    ob_buf_free(&xff);
}

/* Count the framing headers of the request head. */
static enum MHD_Result
count_framing(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    int *n = cls;

    (void)kind;
    (void)value;
    if (!strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH))
        n[0]++;
    else if (!strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING))
        n[1]++;
    return MHD_YES;
}

/* A body that two readers could delimit differently is refused, not guessed
 * at: a proxy in front that reads it the other way would see the rest as a
 * second request (request smuggling). MHD alone reads the first
 * Content-Length, or chunked when Transfer-Encoding is there too. */
static const char *
framing_error(struct MHD_Connection *c)
{
    int n[2] = { 0, 0 };

    MHD_get_connection_values(c, MHD_HEADER_KIND, count_framing, n);
    if (n[0] > 1)
        return "the request has more than one Content-Length header";
    if (n[0] && n[1])
        return "the request has both Content-Length and Transfer-Encoding";
    return NULL;
}

/* A store object streamed as an answer (resp->reader): MHD asks for blocks
 * at positions from 0; the object is read at reader_off + pos. */
#define READ_BLOCK (256 * 1024)

struct reading {
    struct ob_store_reader *reader;
    int64_t off, len;
};

static ssize_t
read_object(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct reading *rd = cls;
    long n;

    if ((int64_t)pos >= rd->len)
        return MHD_CONTENT_READER_END_OF_STREAM;
    if ((int64_t)max > rd->len - (int64_t)pos)
        max = (size_t)(rd->len - (int64_t)pos);
    n = ob_store_reader_read(rd->reader, rd->off + (int64_t)pos, buf, max);
    if (n <= 0) {   /* the object changed or the store failed: cut the answer short */
        ob_log(OB_LOG_WARN, "a download could not be read", "{s:I}", "at",
               (json_int_t)(rd->off + (int64_t)pos));
        return MHD_CONTENT_READER_END_WITH_ERROR;
    }
    return (ssize_t)n;
}

static void
read_done(void *cls)
{
    struct reading *rd = cls;

    ob_store_reader_close(rd->reader);
    free(rd);
}

static enum MHD_Result
queue(struct MHD_Connection *c, struct ob_resp *resp)
{
    struct MHD_Response *m;
    enum MHD_Result ret;

    if (resp->reader) {
        struct reading *rd = ob_xcalloc(1, sizeof(*rd));

        rd->reader = resp->reader;
        rd->off = resp->reader_off;
        rd->len = resp->reader_len;
        m = MHD_create_response_from_callback((uint64_t)rd->len, READ_BLOCK, read_object, rd,
                                              read_done);
        if (m)
            resp->reader = NULL;    /* read_done closes it */
        else
            free(rd);
    } else if (resp->has_fd) {
        m = MHD_create_response_from_fd(resp->fd_size, resp->fd);
        if (m)
            resp->has_fd = false;   /* MHD closes it */
    } else if (resp->data) {
        m = MHD_create_response_from_buffer(resp->data_len, (void *)resp->data,
                                            MHD_RESPMEM_PERSISTENT);
    } else {
        size_t len;
        char *body = ob_buf_detach(&resp->body, &len);

        m = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    }
    if (!m)
        return MHD_NO;
    MHD_add_response_header(m, MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type);
    for (int i = 0; i < resp->nheaders; i++)
        MHD_add_response_header(m, resp->headers[i].name, resp->headers[i].value);
    ret = MHD_queue_response(c, (unsigned)resp->status, m);
    MHD_destroy_response(m);
    return ret;
}

static enum MHD_Result
dispatch(struct ob_server *s, struct MHD_Connection *c, struct conn_req *r, const char *method)
{
    struct ob_http_in in = { 0 };
    struct ob_resp resp;
    char addr[OB_NETADDR_TEXT];
    enum MHD_Result ret;

    client_addr(s, c, r, addr, sizeof(addr));
    in.method = method;
    in.uri = r->uri;
    in.header = header;
    in.hctx = c;
    in.body = r->body.p;
    in.body_len = r->body.len;
    if (r->spool && r->spool_path && !r->too_large) {
        in.file = r->spool_path;
        in.file_size = r->spool_len;
        in.file_sha256 = r->spool_sha;
    }
    in.too_large = r->too_large;
    in.refuse = r->refuse;
    in.remote_addr = addr;
    in.get_db = get_db;
    in.dbctx = s;
    ob_http_resp_init(&resp);
    ob_http_dispatch(s->cfg, &in, &resp);
    ret = queue(c, &resp);
    ob_http_resp_free(&resp);
    return ret;
}

/* The spool file of an OB_ROUTE_SPOOL request; false when there is none to
 * write to (no store: the handler answers store.unavailable). */
static bool
spool_open(struct ob_server *s, struct conn_req *r)
{
    const char *dir = s->cfg->store ? ob_store_spool(s->cfg->store) : NULL;
    size_t n = dir ? strlen(dir) + sizeof("/upload-XXXXXX") : 0;

    if (!dir)
        return false;
    r->spool_path = ob_xmalloc(n);
    snprintf(r->spool_path, n, "%s/upload-XXXXXX", dir);
    r->spool_fd = mkostemp(r->spool_path, O_CLOEXEC);
    if (r->spool_fd < 0) {
        ob_log(OB_LOG_ERROR, "cannot make a spool file", "{s:s}", "dir", dir);
        free(r->spool_path);
        r->spool_path = NULL;
        return false;
    }
    crypto_hash_sha256_init(&r->spool_hash);
    return true;
}

static void
spool_add(struct conn_req *r, const char *data, size_t n)
{
    if (r->too_large)
        return;
    if (r->spool_len + (long long)n > r->body_max) {
        r->too_large = true;
        return;
    }
    crypto_hash_sha256_update(&r->spool_hash, (const unsigned char *)data, n);
    r->spool_len += (long long)n;
    while (n) {
        ssize_t w = write(r->spool_fd, data, n);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {   /* the disk is full: refused as too large, logged */
            ob_log(OB_LOG_ERROR, "cannot write a spool file", "{s:s}", "path", r->spool_path);
            r->too_large = true;
            return;
        }
        data += w;
        n -= (size_t)w;
    }
}

static void
spool_done(struct conn_req *r)
{
    unsigned char d[crypto_hash_sha256_BYTES];

    if (r->spool_fd < 0)
        return;
    close(r->spool_fd);
    r->spool_fd = -1;
    crypto_hash_sha256_final(&r->spool_hash, d);
    sodium_bin2hex(r->spool_sha, sizeof(r->spool_sha), d, sizeof(d));
}

/* The first call for a request: its head is complete. */
static enum MHD_Result
head_complete(struct ob_server *s, struct MHD_Connection *c, struct conn_req *r,
              const char *method)
{
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                 MHD_HTTP_HEADER_CONTENT_LENGTH);

    r->started = true;
    if (r->conn && !ob_guard_head_done(&r->conn->guard))
        return MHD_NO;      /* the guard has shut the socket: the head came too late */
    /* Refusals that need no body are answered at once (the connection then
     * closes): an ambiguous framing, or a declared length past the cap, a
     * gigabyte read only to be thrown away. */
    r->refuse = framing_error(c);
    if (!r->refuse && ob_router_spool(method, r->uri)) {
        r->spool = true;
        r->body_max = s->cfg->area_upload_max;
        r->too_large = cl && strtoll(cl, NULL, 10) > r->body_max;
        if (r->too_large ||
            (!MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_COOKIE) &&
             !MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION)) ||
            !spool_open(s, r))
            return dispatch(s, c, r, method);
        return MHD_YES;
    }
    r->body_max = ob_router_body_max(method, r->uri, s->cfg->body_max);
    if (r->body_max != s->cfg->body_max) {  /* an upload: empty yet, so re-made with its cap */
        ob_buf_free(&r->body);
        ob_buf_init(&r->body, (size_t)r->body_max);
    }
    r->too_large = !r->refuse && cl && strtoll(cl, NULL, 10) > r->body_max;
    if (r->refuse || r->too_large)
        return dispatch(s, c, r, method);
    return MHD_YES;
}

static enum MHD_Result
access_handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
               const char *version, const char *upload_data, size_t *upload_data_size,
               void **con_cls)
{
    struct ob_server *s = cls;
    struct conn_req *r = *con_cls;

    (void)url;
    (void)version;
    if (!r)
        return MHD_NO;
    if (!r->started)
        return head_complete(s, c, r, method);
    if (r->spool) {
        if (*upload_data_size) {
            spool_add(r, upload_data, *upload_data_size);
            *upload_data_size = 0;
            return MHD_YES;
        }
        spool_done(r);
        return dispatch(s, c, r, method);
    }
    if (*upload_data_size) {
        if (!r->too_large && ob_buf_add(&r->body, upload_data, *upload_data_size) != 0) {
            r->too_large = true;
            ob_buf_free(&r->body);
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    return dispatch(s, c, r, method);
}

static int
resolve(const char *listen, struct sockaddr_storage *ss, socklen_t *len, bool *v6)
{
    char host[128];
    const char *colon = strrchr(listen, ':');
    struct addrinfo hints = { 0 }, *res = NULL;
    size_t hl;

    if (!colon || colon == listen)
        return -1;
    hl = (size_t)(colon - listen);
    if (listen[0] == '[' && hl >= 2 && listen[hl - 1] == ']') {
        listen++;
        hl -= 2;
    }
    if (hl >= sizeof(host))
        return -1;
    memcpy(host, listen, hl);
    host[hl] = '\0';
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    if (getaddrinfo(host, colon + 1, &hints, &res) != 0 || !res)
        return -1;
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    *v6 = res->ai_family == AF_INET6;
    freeaddrinfo(res);
    return 0;
}

int
ob_server_start(const struct ob_config *cfg, struct ob_server **out, char *url, size_t urlsize)
{
    struct ob_server *s = ob_xcalloc(1, sizeof(*s));
    struct sockaddr_storage ss;
    socklen_t sslen;
    const union MHD_DaemonInfo *info;
    struct ob_err err = { 0 };
    char host[INET6_ADDRSTRLEN] = "";
    bool v6 = false;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC;

    *out = NULL;
    if (resolve(cfg->listen, &ss, &sslen, &v6) != 0) {
        ob_log(OB_LOG_ERROR, "cannot resolve listen address", "{s:s}", "listen", cfg->listen);
        free(s);
        return OB_EINVAL;
    }
    s->cfg = cfg;
    if (ob_guard_new(cfg, &s->guard, &err) != 0) {
        ob_log(OB_LOG_ERROR, "cannot guard connections", "{s:s}", "error", err.message);
        free(s);
        return OB_EINVAL;
    }
    pthread_mutex_init(&s->lock, NULL);
    if (v6)
        flags |= MHD_USE_IPv6;
    s->d = MHD_start_daemon(flags, 0, accept_policy, s, access_handler, s, MHD_OPTION_SOCK_ADDR,
                            &ss, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->threads,
                            MHD_OPTION_URI_LOG_CALLBACK, uri_log, s,
                            MHD_OPTION_NOTIFY_COMPLETED, completed, s,
                            MHD_OPTION_NOTIFY_CONNECTION, connection_event, s,
                            MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_CONNECTION_LIMIT,
                            4096u, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
                            MHD_OPTION_END);
    if (!s->d) {
        ob_log(OB_LOG_ERROR, "cannot listen", "{s:s}", "listen", cfg->listen);
        ob_guard_free(s->guard);
        pthread_mutex_destroy(&s->lock);
        free(s);
        return OB_EUNAVAIL;
    }
    info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    if (v6)
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof(host));
    else
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof(host));
    snprintf(url, urlsize, v6 ? "http://[%s]:%u" : "http://%s:%u", host,
             info ? (unsigned)info->port : 0u);
    *out = s;
    return 0;
}

void
ob_server_quiesce(struct ob_server *s)
{
    MHD_socket fd;

    if (!s || s->quiesced)
        return;
    fd = MHD_quiesce_daemon(s->d);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    s->quiesced = true;
}

void
ob_server_stop(struct ob_server *s, int drain_s)
{
    int64_t deadline = ob_clock_mono_us() + (int64_t)drain_s * 1000000;

    if (!s)
        return;
    ob_server_quiesce(s);
    while (atomic_load(&s->in_flight) > 0 && ob_clock_mono_us() < deadline) {
        struct timespec ts = { 0, 10 * 1000 * 1000 };

        nanosleep(&ts, NULL);
    }
    ob_log(OB_LOG_INFO, "stopping", "{s:i}", "in_flight", atomic_load(&s->in_flight));
    MHD_stop_daemon(s->d);
    ob_guard_free(s->guard);    /* after MHD: every connection has ended */
    for (int i = 0; i < s->ndbs; i++)
        ob_db_close(s->dbs[i]);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
