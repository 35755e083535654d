/*
 * db_pg.c — the PostgreSQL driver (libpq).
 *
 * By default statements are sent unnamed (PQsendQueryParams), parameters as
 * text, so the driver keeps no server-side state between transactions and
 * works behind pgbouncer in transaction pooling mode; the price is that the
 * server parses and plans every statement on every call. `?` placeholders
 * are rewritten to $1, $2, … once at prepare, skipping quoted literals and
 * identifiers. Integers are sent typed as int8 and text as text (a NULL
 * bound as text too); an untyped NULL is "unknown", so the server infers its
 * type.
 *
 * With opts->pg_prepare (--pg-prepare: a direct connection or a session-mode
 * pool) each connection names its statements instead: the first time a
 * statement runs on it — the same SQL with the same parameter types, since
 * a NULL bound as unknown or as text changes what the server infers — it is
 * prepared as "ob<N>" (PQprepare, one round trip more), and from then on
 * only executed by that name (PQsendQueryPrepared), so the server parses it
 * once and may keep its plan. The map of named statements is per
 * connection and bounded (NAMED_MAX; past it statements go unnamed, so SQL
 * built at run time — a list's filters — cannot grow it without end). A
 * prepare that fails is mapped as a failed statement is and names nothing.
 * The server's statements live as long as its session, a rollback keeps
 * them, so the map is emptied only when the connection is reset
 * (reconnect()), and freed at close. Scripts and BEGIN/COMMIT (pg_exec) go
 * as simple queries either way.
 * Migrations only add, and no statement selects `*`, so a statement's
 * result type never changes under a prepared statement (which PostgreSQL
 * would refuse, SQLSTATE 0A000).
 *
 * A lost connection is reset at the start of the next transaction (never in
 * the middle of one: the caller sees OB_EUNAVAIL and the transaction is gone).
 * A connection that died while idle (pgbouncer or the server restarted
 * between two of our transactions) still says CONNECTION_OK until it is
 * used, so before a statement is sent on an idle connection (no transaction
 * open, nothing streaming) the socket is polled: an idle connection has
 * nothing to read, so anything readable (EOF, a FATAL notice) means it is
 * gone, and it is reset before the statement goes, nothing of ours having
 * been on it. Only a transaction the loss actually cut fails (503).
 *
 * Rows arrive one at a time (libpq's single-row mode), so a statement that
 * returns a hundred thousand rows — an export — never holds them all in
 * memory. While a statement streams, the connection is busy; if the caller
 * runs another statement before the first has been read to its end (a
 * lookup per row of a list), the rest of the first is read into memory
 * first (settle()), so nesting stays correct and only costs memory.
 */
#include <inttypes.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/mem.h"
#include "db_impl.h"
#include "base/banned.h"

#define INT8OID 20
#define TEXTOID 25
#define BYTEAOID 17

#define NAMED_MAX OB_DB_PG_NAMED_MAX /* named statements a connection keeps at most */
#define NAMED_SLOTS 1024            /* the map's slots: a power of two, at least twice NAMED_MAX */

_Static_assert(NAMED_SLOTS >= 2 * NAMED_MAX && (NAMED_SLOTS & (NAMED_SLOTS - 1)) == 0,
               "the map of named statements is at most half full");

struct pg_stmt;

/* A statement prepared on the connection's server session, as "ob<id>". */
struct named {
    char *sql;                      /* NULL: an empty slot */
    Oid *types;
    int nparams;
    uint64_t hash;
    unsigned id;
};

struct pg_db {
    struct ob_db base;
    PGconn *conn;
    struct pg_stmt *streaming;      /* the statement whose rows are still coming */
    struct named *named;            /* NAMED_SLOTS slots (open addressing); NULL: all unnamed */
    int nnamed;
    unsigned last_id;
};

struct pg_stmt {
    struct ob_stmt base;
    char *sql;
    int nparams;
    char **values;
    Oid *types;
    PGresult *res;                  /* the current row (single-row mode) */
    PGresult *final;                /* the closing result: command status, changes */
    PGresult **queue;               /* rows read ahead by settle() */
    size_t nqueue, qhead, qcap;
    bool executed, done;
};

static int
map_result(struct ob_db *db, PGconn *conn, PGresult *res)
{
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    const char *state;

    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return 0;
    state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    ob_db_set_errmsg(db, "postgres %s: %s", state ? state : "-",
                     res ? PQresultErrorMessage(res) : PQerrorMessage(conn));
    if (PQstatus(conn) == CONNECTION_BAD || !state)
        return OB_EUNAVAIL;
    if (!strcmp(state, "40001") || !strcmp(state, "40P01") || !strcmp(state, "55P03"))
        return OB_EBUSY;
    if (!strcmp(state, "23505") || !strcmp(state, "23503"))
        return OB_ECONFLICT;
    if (!strncmp(state, "08", 2) || !strncmp(state, "57P", 3))
        return OB_EUNAVAIL;
    return OB_EINTERNAL;
}

static char *
rewrite(const char *sql, int *nparams)
{
    struct ob_buf b;
    char quote = 0;
    int n = 0;

    ob_buf_init(&b, (size_t)1 << 30);
    for (const char *p = sql; *p; p++) {
        if (quote) {
            if (*p == quote)
                quote = 0;
            ob_buf_addc(&b, *p);
        } else if (*p == '\'' || *p == '"') {
            quote = *p;
            ob_buf_addc(&b, *p);
        } else if (*p == '?') {
            ob_buf_addf(&b, "$%d", ++n);
        } else {
            ob_buf_addc(&b, *p);
        }
    }
    *nparams = n;
    return ob_buf_detach(&b, NULL);
}

/* ---- named statements (the top of the file) ---- */

static uint64_t
named_hash(const struct pg_stmt *s)
{
    uint64_t h = 14695981039346656037u;     /* FNV-1a */

    for (const unsigned char *p = (const unsigned char *)s->sql; *p; p++)
        h = (h ^ *p) * 1099511628211u;
    for (int i = 0; i < s->nparams; i++)
        h = (h ^ s->types[i]) * 1099511628211u;
    return h;
}

/* The slot of s's SQL and parameter types, or the empty slot where it goes. */
static struct named *
named_slot(struct pg_db *d, const struct pg_stmt *s, uint64_t h)
{
    for (size_t i = h & (NAMED_SLOTS - 1);; i = (i + 1) & (NAMED_SLOTS - 1)) {
        struct named *n = &d->named[i];

        if (!n->sql || (n->hash == h && n->nparams == s->nparams && !strcmp(n->sql, s->sql) &&
                        !memcmp(n->types, s->types, (size_t)s->nparams * sizeof(Oid))))
            return n;
    }
}

/* Forget every named statement: the session that held them is gone. */
static void
named_clear(struct pg_db *d)
{
    if (!d->named)
        return;
    for (size_t i = 0; i < NAMED_SLOTS; i++) {
        free(d->named[i].sql);
        free(d->named[i].types);
    }
    memset(d->named, 0, NAMED_SLOTS * sizeof(*d->named));
    d->nnamed = 0;
}

/* Prepare s on the connection into the empty slot n. 0 or a negative code,
 * mapped as a failed statement (inside a transaction it fails it the same). */
static int
named_prepare(struct pg_db *d, const struct pg_stmt *s, struct named *n, uint64_t h)
{
    char name[16];
    PGresult *r;
    int rc;

    snprintf(name, sizeof(name), "ob%u", d->last_id + 1);
    r = PQprepare(d->conn, name, s->sql, s->nparams, s->types);
    rc = map_result(&d->base, d->conn, r);
    PQclear(r);
    if (rc != 0)
        return rc;
    n->sql = ob_xstrdup(s->sql);
    n->types = ob_xmalloc((size_t)s->nparams * sizeof(Oid) + 1);
    memcpy(n->types, s->types, (size_t)s->nparams * sizeof(Oid));
    n->nparams = s->nparams;
    n->hash = h;
    n->id = ++d->last_id;
    d->nnamed++;
    return 0;
}

/* Send s: by its name on this connection (prepared first on its first use),
 * or unnamed when the setting is off or the map is full. 0 or a negative
 * code. */
static int
send_stmt(struct pg_db *d, const struct pg_stmt *s)
{
    const char *const *values = (const char *const *)s->values;
    struct named *n = NULL;
    char name[16];
    uint64_t h;
    int rc;

    if (d->named) {
        h = named_hash(s);
        n = named_slot(d, s, h);
        if (!n->sql && d->nnamed >= NAMED_MAX)
            n = NULL;
        else if (!n->sql && (rc = named_prepare(d, s, n, h)) != 0)
            return rc;
    }
    if (n) {
        snprintf(name, sizeof(name), "ob%u", n->id);
        if (!PQsendQueryPrepared(d->conn, name, s->nparams, values, NULL, NULL, 0))
            return map_result(&d->base, d->conn, NULL);
    } else if (!PQsendQueryParams(d->conn, s->sql, s->nparams, s->types, values, NULL, NULL,
                                  0)) {
        return map_result(&d->base, d->conn, NULL);
    }
    return 0;
}

/* Reconnect: a new server session, without the old one's statements. */
static void
reconnect(struct pg_db *d)
{
    PQreset(d->conn);
    named_clear(d);
}

static void
pg_close(struct ob_db *db)
{
    struct pg_db *d = (struct pg_db *)db;

    PQfinish(d->conn);
    named_clear(d);
    free(d->named);
    free(d);
}

static int
pg_prepare(struct ob_db *db, const char *sql, struct ob_stmt **out)
{
    struct pg_stmt *s = ob_xcalloc(1, sizeof(*s));

    s->base.db = db;
    s->sql = rewrite(sql, &s->nparams);
    s->values = ob_xcalloc((size_t)s->nparams + 1, sizeof(char *));
    s->types = ob_xcalloc((size_t)s->nparams + 1, sizeof(Oid));
    *out = &s->base;
    return 0;
}

static int
set_param(struct ob_stmt *st, int i, char *v, Oid type)
{
    struct pg_stmt *s = (struct pg_stmt *)st;

    if (i < 1 || i > s->nparams) {
        free(v);
        ob_db_set_errmsg(st->db, "bind index %d out of range (%d parameters)", i, s->nparams);
        return OB_EINTERNAL;
    }
    free(s->values[i - 1]);
    s->values[i - 1] = v;
    s->types[i - 1] = type;
    return 0;
}

static int
pg_bind_int(struct ob_stmt *st, int i, int64_t v)
{
    char tmp[24];

    snprintf(tmp, sizeof(tmp), "%" PRId64, v);
    return set_param(st, i, ob_xstrdup(tmp), INT8OID);
}

static int
pg_bind_text(struct ob_stmt *st, int i, const char *v)
{
    /* NULL text stays typed, so "? IS NULL OR col = ?" works */
    return set_param(st, i, v ? ob_xstrdup(v) : NULL, TEXTOID);
}

static int
pg_bind_null(struct ob_stmt *st, int i)
{
    return set_param(st, i, NULL, 0);
}

/* Bytes go as text in BYTEA's hex form ("\\x0a1b…"): every parameter of
 * the statement stays in one (text) format. */
static int
pg_bind_blob(struct ob_stmt *st, int i, const void *data, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = data;
    char *v = ob_xmalloc(2 * len + 3);

    v[0] = '\\', v[1] = 'x';
    for (size_t k = 0; k < len; k++) {
        v[2 + 2 * k] = hex[p[k] >> 4];
        v[3 + 2 * k] = hex[p[k] & 15];
    }
    v[2 + 2 * len] = '\0';
    return set_param(st, i, v, BYTEAOID);
}

/* Read the next result of a streaming statement (from the read-ahead queue
 * first). NULL at the end. */
static PGresult *
next_result(struct pg_db *d, struct pg_stmt *s)
{
    if (s->qhead < s->nqueue)
        return s->queue[s->qhead++];
    if (d->streaming != s)
        return NULL;
    return PQgetResult(d->conn);
}

/* Read the rest of the streaming statement into its queue, freeing the
 * connection for another statement. */
static void
settle(struct pg_db *d)
{
    struct pg_stmt *s = d->streaming;
    PGresult *r;

    if (!s)
        return;
    d->streaming = NULL;
    while ((r = PQgetResult(d->conn)) != NULL) {
        if (s->nqueue == s->qcap) {
            s->qcap = s->qcap ? s->qcap * 2 : 64;
            s->queue = ob_xrealloc(s->queue, s->qcap * sizeof(*s->queue));
        }
        s->queue[s->nqueue++] = r;
    }
}

static void
drain(struct pg_db *d, struct pg_stmt *s)
{
    PGresult *r;

    while (s->qhead < s->nqueue)
        PQclear(s->queue[s->qhead++]);
    if (d->streaming == s) {
        while ((r = PQgetResult(d->conn)) != NULL)
            PQclear(r);
        d->streaming = NULL;
    }
}

/* Before a statement goes on an idle connection: make sure it is alive
 * (see the top of the file). 0, or OB_EUNAVAIL when it cannot be reset.
 * Inside a transaction a lost connection is never reset: the statements
 * after it would run outside the transaction the caller thinks it is in. */
static int
revive(struct pg_db *d)
{
    if (d->base.in_tx && PQstatus(d->conn) != CONNECTION_OK) {
        ob_db_set_errmsg(&d->base, "postgres: %s", PQerrorMessage(d->conn));
        return OB_EUNAVAIL;
    }
    if (PQstatus(d->conn) == CONNECTION_OK && !d->streaming &&
        PQtransactionStatus(d->conn) == PQTRANS_IDLE) {
        struct pollfd p = { .fd = PQsocket(d->conn), .events = POLLIN };

        if (p.fd < 0 || poll(&p, 1, 0) != 0)
            reconnect(d);
    }
    if (PQstatus(d->conn) != CONNECTION_OK) {
        reconnect(d);
        if (PQstatus(d->conn) != CONNECTION_OK) {
            ob_db_set_errmsg(&d->base, "postgres: %s", PQerrorMessage(d->conn));
            return OB_EUNAVAIL;
        }
    }
    return 0;
}

static int
pg_step(struct ob_stmt *st)
{
    struct pg_stmt *s = (struct pg_stmt *)st;
    struct pg_db *d = (struct pg_db *)st->db;
    PGresult *r;
    int rc;

    if (s->done)
        return OB_DB_DONE;
    if (!s->executed) {
        s->executed = true;
        settle(d);
        if ((rc = revive(d)) != 0 || (rc = send_stmt(d, s)) != 0) {
            s->done = true;
            return rc;
        }
        PQsetSingleRowMode(d->conn);
        d->streaming = s;
    }
    PQclear(s->res);
    s->res = NULL;
    r = next_result(d, s);
    if (r && PQresultStatus(r) == PGRES_SINGLE_TUPLE) {
        s->res = r;
        return OB_DB_ROW;
    }
    /* the closing result (or an error): what follows it is NULL */
    s->done = true;
    s->final = r;
    rc = map_result(st->db, d->conn, r);
    drain(d, s);
    return rc != 0 ? rc : OB_DB_DONE;
}

static int
pg_columns(struct ob_stmt *st)
{
    struct pg_stmt *s = (struct pg_stmt *)st;

    return s->res ? PQnfields(s->res) : (s->final ? PQnfields(s->final) : 0);
}

static bool
pg_is_null(struct ob_stmt *st, int col)
{
    struct pg_stmt *s = (struct pg_stmt *)st;

    return !s->res || col >= PQnfields(s->res) || PQgetisnull(s->res, 0, col);
}

static const char *
pg_get_text(struct ob_stmt *st, int col)
{
    struct pg_stmt *s = (struct pg_stmt *)st;

    if (pg_is_null(st, col))
        return NULL;
    return PQgetvalue(s->res, 0, col);
}

static unsigned char *
pg_get_blob(struct ob_stmt *st, int col, size_t *len)
{
    const char *v = pg_get_text(st, col);
    unsigned char *u, *out;

    if (!v)
        return NULL;
    u = PQunescapeBytea((const unsigned char *)v, len);
    if (!u) {               /* out of memory: as ob_xmalloc does */
        *len = 0;
        abort();
    }
    out = ob_xmalloc(*len + 1);
    memcpy(out, u, *len);
    PQfreemem(u);
    return out;
}

static int64_t
pg_get_int(struct ob_stmt *st, int col)
{
    const char *v = pg_get_text(st, col);

    if (!v)
        return 0;
    if (v[0] == 't' && v[1] == '\0')   /* a boolean expression */
        return 1;
    return strtoll(v, NULL, 10);
}

static int64_t
pg_changes(struct ob_stmt *st)
{
    struct pg_stmt *s = (struct pg_stmt *)st;
    const char *n = s->final ? PQcmdTuples(s->final) : "";

    return *n ? strtoll(n, NULL, 10) : 0;
}

static void
pg_finalize(struct ob_stmt *st)
{
    struct pg_stmt *s = (struct pg_stmt *)st;

    drain((struct pg_db *)st->db, s);
    free(s->queue);
    PQclear(s->res);
    PQclear(s->final);
    for (int i = 0; i < s->nparams; i++)
        free(s->values[i]);
    free(s->values);
    free(s->types);
    free(s->sql);
    free(s);
}

static int
pg_exec(struct ob_db *db, const char *sql)
{
    struct pg_db *d = (struct pg_db *)db;
    PGresult *res;
    int rc;

    settle(d);
    if ((rc = revive(d)) != 0)
        return rc;
    res = PQexec(d->conn, sql);
    rc = map_result(db, d->conn, res);

    PQclear(res);
    return rc;
}

static int
pg_begin(struct ob_db *db, enum ob_db_mode mode)
{
    (void)mode;
    return pg_exec(db, "BEGIN");    /* pg_exec revives an idle connection first */
}

static void
quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;  /* NOTICEs (e.g. "already exists, skipping") are not errors */
}

static const struct ob_db_ops pg_ops = {
    .close = pg_close,
    .prepare = pg_prepare,
    .bind_int = pg_bind_int,
    .bind_text = pg_bind_text,
    .bind_null = pg_bind_null,
    .bind_blob = pg_bind_blob,
    .step = pg_step,
    .columns = pg_columns,
    .is_null = pg_is_null,
    .get_int = pg_get_int,
    .get_text = pg_get_text,
    .get_blob = pg_get_blob,
    .changes = pg_changes,
    .finalize = pg_finalize,
    .exec = pg_exec,
    .begin = pg_begin,
    .id_pk = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
    .blob = "BYTEA",
};

int
ob_db_pg_open(const char *url, const struct ob_db_opts *opts, struct ob_db **out,
              struct ob_err *err)
{
    struct pg_db *d = ob_xcalloc(1, sizeof(*d));

    d->base.ops = &pg_ops;
    d->base.engine = OB_DB_POSTGRES;
    d->conn = PQconnectdb(url);
    if (PQstatus(d->conn) != CONNECTION_OK) {
        ob_err_field(err, OB_EUNAVAIL, "db", "db.cannot_connect", "conn=%s",
                     PQerrorMessage(d->conn));
        PQfinish(d->conn);
        free(d);
        return OB_EUNAVAIL;
    }
    PQsetNoticeProcessor(d->conn, quiet, NULL);
    if (opts->pg_prepare)
        d->named = ob_xcalloc(NAMED_SLOTS, sizeof(*d->named));
    *out = &d->base;
    return 0;
}
