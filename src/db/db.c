/*
 * db.c — the engine-neutral half: dispatch to the driver, bind-by-format
 * helpers, the retrying transaction runner and migrations.
 *
 * ob_db_tx is the only place that begins and commits. It retries the whole
 * function on OB_EBUSY with a short randomised back-off (real time: retries
 * are about contention, not business time), at most TX_ATTEMPTS times.
 *
 * Failpoints (the sanitizer build only, -DOB_FAILPOINTS): as SQLite's own
 * fault-injection tests do, the Nth call of ob_db_prepare, ob_stmt_step or
 * ob_db_commit after arming fails with an engine-like OB_EINTERNAL, the
 * statement not run (a commit: not committed, and on PostgreSQL rolled
 * back, as a failed COMMIT ends its transaction). They are armed from the
 * environment, OB_FAILPOINT=prepare:N|step:N|commit:N, read once at the
 * first prepare, or by a test through ob_db_failpoint_arm. The counters are
 * process-wide atomics: a test arms them, runs one write on one thread and
 * reads them. Without OB_FAILPOINTS none of this is compiled (make test
 * checks with nm, tools/failpoints.sh).
 */
#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/ctx.h"
#include "base/date.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/buf.h"
#include "base/rand.h"
#include "db_impl.h"
#include "base/banned.h"

#define TX_ATTEMPTS 20

static atomic_uint_fast64_t retries;

void
ob_db_set_errmsg(struct ob_db *db, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(db->errmsg, sizeof(db->errmsg), fmt, ap);
    va_end(ap);
}

int
ob_db_open(const char *url, const struct ob_db_opts *opts, struct ob_db **out, struct ob_err *err)
{
    static const struct ob_db_opts defaults = { .busy_timeout_ms = 5000 };
    int rc;

    *out = NULL;
    if (!opts)
        opts = &defaults;
    if (!strncmp(url, "sqlite:", 7))
        rc = ob_db_sqlite_open(url + 7, opts, out, err);
    else if (!strncmp(url, "postgres://", 11) || !strncmp(url, "postgresql://", 13))
        rc = ob_db_pg_open(url, opts, out, err);
    else
        return ob_err_field(err, OB_EINVAL, "db", "db.bad_url", "url=%s", url);
    if (rc == 0) {
        snprintf((*out)->url, sizeof((*out)->url), "%s", url);
        (*out)->opts = *opts;
    }
    return rc;
}

void
ob_db_close(struct ob_db *db)
{
    if (db)
        db->ops->close(db);
}

enum ob_db_engine
ob_db_engine(const struct ob_db *db)
{
    return db->engine;
}

const char *
ob_db_errmsg(const struct ob_db *db)
{
    return db->errmsg;
}

#ifdef OB_FAILPOINTS
static const char *const fp_names[] = { "prepare", "step", "commit" };
static atomic_long fp_calls[3], fp_target[3];
static atomic_long fp_commits, fp_fired_after;     /* -1: not fired */
static atomic_long fp_outside;                     /* not SELECT, prepared outside a tx */
static pthread_once_t fp_once = PTHREAD_ONCE_INIT;

void
ob_db_failpoint_arm(enum ob_db_failpoint kind, long n)
{
    for (int k = 0; k < 3; k++) {
        atomic_store(&fp_calls[k], 0);
        atomic_store(&fp_target[k], k == (int)kind ? n : 0);
    }
    atomic_store(&fp_commits, 0);
    atomic_store(&fp_outside, 0);
    atomic_store(&fp_fired_after, -1);
}

long
ob_db_failpoint_calls(enum ob_db_failpoint kind)
{
    return atomic_load(&fp_calls[kind]);
}

bool
ob_db_failpoint_fired(long *commits_before)
{
    long after = atomic_load(&fp_fired_after);

    if (commits_before)
        *commits_before = after;
    return after >= 0;
}

long
ob_db_failpoint_commits(void)
{
    return atomic_load(&fp_commits);
}

long
ob_db_failpoint_outside(void)
{
    return atomic_load(&fp_outside);
}

/* Count a statement that may write and commits by itself. */
static void
fp_note(const struct ob_db *db, const char *sql)
{
    while (isspace((unsigned char)*sql))
        sql++;
    if (!db->in_tx && strncasecmp(sql, "SELECT", 6) != 0)
        atomic_fetch_add(&fp_outside, 1);
}

/* OB_FAILPOINT=KIND:N, once per process; a malformed value is ignored
 * with a line on stderr (this is a test build). */
static void
fp_from_env(void)
{
    const char *v = getenv("OB_FAILPOINT"), *colon;
    char *end;
    long n;

    if (!v || !*v)
        return;
    colon = strchr(v, ':');
    for (int k = 0; colon && k < 3; k++)
        if ((size_t)(colon - v) == strlen(fp_names[k]) && !strncmp(v, fp_names[k], colon - v)) {
            n = strtol(colon + 1, &end, 10);
            if (n > 0 && !*end) {
                ob_db_failpoint_arm((enum ob_db_failpoint)k, n);
                return;
            }
        }
    fprintf(stderr, "OB_FAILPOINT '%s' is not prepare:N, step:N or commit:N; ignored\n", v);
}

/* Count a call of kind; true when it is the one to fail (errmsg says so,
 * with the statement when one is given). */
static bool
fp_hit(struct ob_db *db, enum ob_db_failpoint kind, const char *sql)
{
    long n = atomic_fetch_add(&fp_calls[kind], 1) + 1;

    if (n != atomic_load(&fp_target[kind]))
        return false;
    atomic_store(&fp_fired_after, atomic_load(&fp_commits));
    ob_db_set_errmsg(db, "failpoint %s:%ld: injected I/O error%s%.300s", fp_names[kind], n,
                     sql ? " preparing " : "", sql ? sql : "");
    return true;
}
#define FAILPOINT(db, kind, sql) fp_hit((db), (kind), (sql))
#else
#define FAILPOINT(db, kind, sql) false
#endif

/* Statements prepared (each is run once: SQLite's layer reuses the compiled
 * statement by its text) and write transactions committed since start (a
 * read transaction's COMMIT writes nothing), for the capacity figures on
 * /metrics (docs/deploy.md). Relaxed: counts, not order. */
static atomic_uint_fast64_t stmt_count, commit_count;

void
ob_db_counts(uint64_t *statements, uint64_t *write_commits)
{
    *statements = atomic_load_explicit(&stmt_count, memory_order_relaxed);
    *write_commits = atomic_load_explicit(&commit_count, memory_order_relaxed);
}

int
ob_db_prepare(struct ob_db *db, const char *sql, struct ob_stmt **out)
{
    atomic_fetch_add_explicit(&stmt_count, 1, memory_order_relaxed);
#ifdef OB_FAILPOINTS
    pthread_once(&fp_once, fp_from_env);
    fp_note(db, sql);
#endif
    if (FAILPOINT(db, OB_DB_FP_PREPARE, sql)) {
        *out = NULL;
        return OB_EINTERNAL;
    }
    return db->ops->prepare(db, sql, out);
}

int
ob_stmt_bind_int(struct ob_stmt *st, int i, int64_t v)
{
    return st->db->ops->bind_int(st, i, v);
}

int
ob_stmt_bind_text(struct ob_stmt *st, int i, const char *s)
{
    return st->db->ops->bind_text(st, i, s);
}

int
ob_stmt_bind_null(struct ob_stmt *st, int i)
{
    return st->db->ops->bind_null(st, i);
}

int
ob_stmt_bind_blob(struct ob_stmt *st, int i, const void *data, size_t len)
{
    return st->db->ops->bind_blob(st, i, data, len);
}

static int
bindv(struct ob_stmt *st, const char *fmt, va_list ap)
{
    int rc = 0, i = 1;

    for (const char *f = fmt; f && *f && rc == 0; f++, i++) {
        switch (*f) {
        case 'i':
            rc = ob_stmt_bind_int(st, i, va_arg(ap, int64_t));
            break;
        case 't':
            rc = ob_stmt_bind_text(st, i, va_arg(ap, const char *));
            break;
        case 'n':
            rc = ob_stmt_bind_null(st, i);
            break;
        case 'z': {     /* an id: NULL when 0 */
            int64_t v = va_arg(ap, int64_t);

            rc = v ? ob_stmt_bind_int(st, i, v) : ob_stmt_bind_null(st, i);
            break;
        }
        case 'm': {     /* a count or limit: NULL when negative */
            int64_t v = va_arg(ap, int64_t);

            rc = v >= 0 ? ob_stmt_bind_int(st, i, v) : ob_stmt_bind_null(st, i);
            break;
        }
        default:
            ob_db_set_errmsg(st->db, "bad bind format '%c'", *f);
            rc = OB_EINTERNAL;
        }
    }
    return rc;
}

/* Bind by fmt as ob_stmt_bindf, from a va_list. */
static int
stmt_vbindf(struct ob_stmt *st, const char *fmt, va_list ap)
{
    va_list copy;
    int rc;

    va_copy(copy, ap);
    rc = bindv(st, fmt, copy);
    va_end(copy);
    return rc;
}

int
ob_stmt_bindf(struct ob_stmt *st, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = bindv(st, fmt, ap);
    va_end(ap);
    return rc;
}

int
ob_stmt_step(struct ob_stmt *st)
{
    if (FAILPOINT(st->db, OB_DB_FP_STEP, NULL))
        return OB_EINTERNAL;
    return st->db->ops->step(st);
}

int
ob_stmt_columns(struct ob_stmt *st)
{
    return st->db->ops->columns(st);
}

bool
ob_stmt_null(struct ob_stmt *st, int col)
{
    return st->db->ops->is_null(st, col);
}

int64_t
ob_stmt_int(struct ob_stmt *st, int col)
{
    return st->db->ops->get_int(st, col);
}

const char *
ob_stmt_text(struct ob_stmt *st, int col)
{
    return st->db->ops->get_text(st, col);
}

unsigned char *
ob_stmt_blob(struct ob_stmt *st, int col, size_t *len)
{
    *len = 0;
    return st->db->ops->get_blob(st, col, len);
}

int64_t
ob_stmt_changes(struct ob_stmt *st)
{
    return st->db->ops->changes(st);
}

void
ob_stmt_finalize(struct ob_stmt *st)
{
    if (st)
        st->db->ops->finalize(st);
}

int64_t
ob_db_run(struct ob_db *db, const char *sql, const char *fmt, ...)
{
    struct ob_stmt *st;
    va_list ap;
    int rc;
    int64_t changes = 0;

    if ((rc = ob_db_prepare(db, sql, &st)) != 0)
        return rc;
    va_start(ap, fmt);
    rc = bindv(st, fmt, ap);
    va_end(ap);
    while (rc == 0 && (rc = ob_stmt_step(st)) == OB_DB_ROW)
        rc = 0;
    if (rc == OB_DB_DONE)
        changes = ob_stmt_changes(st);
    ob_stmt_finalize(st);
    return rc < 0 ? rc : changes;
}

static int
get_first(struct ob_db *db, const char *sql, const char *fmt, va_list ap, int64_t *iv, char *tv,
          size_t tsize)
{
    struct ob_stmt *st;
    int rc;

    if ((rc = ob_db_prepare(db, sql, &st)) != 0)
        return rc;
    rc = bindv(st, fmt, ap);
    if (rc == 0)
        rc = ob_stmt_step(st);
    if (rc == OB_DB_ROW) {
        if (iv)
            *iv = ob_stmt_int(st, 0);
        if (tv) {
            const char *s = ob_stmt_text(st, 0);

            snprintf(tv, tsize, "%s", s ? s : "");
        }
    }
    ob_stmt_finalize(st);
    return rc;
}

int
ob_db_get_int(struct ob_db *db, int64_t *out, const char *sql, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = get_first(db, sql, fmt, ap, out, NULL, 0);
    va_end(ap);
    return rc;
}

int
ob_db_get_text(struct ob_db *db, char *out, size_t size, const char *sql, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = get_first(db, sql, fmt, ap, NULL, out, size);
    va_end(ap);
    return rc;
}

int
ob_db_exec(struct ob_db *db, const char *sql)
{
    return db->ops->exec(db, sql);
}

int
ob_db_ping(struct ob_db *db)
{
    int64_t one = 0;
    int rc = ob_db_get_int(db, &one, "SELECT 1", NULL);

    return rc == OB_DB_ROW && one == 1 ? 0 : (rc < 0 ? rc : OB_EUNAVAIL);
}

int
ob_db_begin(struct ob_db *db, enum ob_db_mode mode)
{
    int rc = db->ops->begin(db, mode);

    if (rc == 0) {
        db->in_tx = true;
        db->tx_write = mode == OB_DB_WRITE;
    }
    return rc;
}

int
ob_db_commit(struct ob_db *db)
{
    int rc;

    if (FAILPOINT(db, OB_DB_FP_COMMIT, NULL)) {
        /* as a failed COMMIT: SQLite's transaction stays open for the
         * caller to roll back, PostgreSQL's is over */
        if (db->engine == OB_DB_POSTGRES) {
            db->ops->exec(db, "ROLLBACK");
            db->in_tx = false;
        }
        return OB_EINTERNAL;
    }
    rc = db->ops->exec(db, "COMMIT");

    /* A failed COMMIT on SQLite leaves the transaction open (BUSY); the
     * caller rolls back. On PostgreSQL the transaction is over either way. */
    if (rc == 0 || db->engine == OB_DB_POSTGRES)
        db->in_tx = false;
    if (rc == 0 && db->tx_write)
        atomic_fetch_add_explicit(&commit_count, 1, memory_order_relaxed);
#ifdef OB_FAILPOINTS
    if (rc == 0)
        atomic_fetch_add(&fp_commits, 1);
#endif
    return rc;
}

int
ob_db_rollback(struct ob_db *db)
{
    int rc = db->ops->exec(db, "ROLLBACK");

    db->in_tx = false;
    return rc;
}

bool
ob_db_in_tx(const struct ob_db *db)
{
    return db->in_tx;
}

int
ob_db_pin_read(struct ob_db *db)
{
    int rc;

    if (db->engine != OB_DB_SQLITE || db->in_tx)
        return 0;
    rc = ob_db_begin(db, OB_DB_READ);
    db->pinned = rc == 0;
    return rc;
}

void
ob_db_unpin(struct ob_db *db)
{
    if (!db->pinned)
        return;
    db->pinned = false;     /* first: the COMMIT's own step must not come back here */
    if (db->in_tx && ob_db_commit(db) != 0)
        ob_db_rollback(db);
}

bool
ob_db_pinned(const struct ob_db *db)
{
    return db->pinned;
}

uint64_t
ob_db_retries(void)
{
    return atomic_load(&retries);
}

static void
backoff(int attempt)
{
    unsigned r;
    long us = 200L << (attempt < 8 ? attempt : 8);
    struct timespec ts;

    ob_rand_bytes(&r, sizeof(r));
    us = us / 2 + (long)(r % (unsigned)us);
    ts.tv_sec = us / 1000000;
    ts.tv_nsec = (us % 1000000) * 1000;
    nanosleep(&ts, NULL);
}

int
ob_db_tx(struct ob_ctx *ctx, enum ob_db_mode mode, int (*fn)(struct ob_ctx *, void *), void *arg)
{
    struct ob_db *db = ctx->db;
    int rc;

    if (db->pinned && mode == OB_DB_WRITE)
        ob_db_unpin(db);    /* a write is its own transaction, never an upgraded read */
    if (db->in_tx)
        return fn(ctx, arg);
    for (int attempt = 0;; attempt++) {
        rc = ob_db_begin(db, mode);
        if (rc == 0) {
            rc = fn(ctx, arg);
            if (rc == 0 && (rc = ob_db_commit(db)) != 0)
                ob_db_err(ctx, rc);
            if (rc != 0 && db->in_tx)
                ob_db_rollback(db);
        } else {
            ob_db_err(ctx, rc);
        }
        if (rc != OB_EBUSY || attempt + 1 >= TX_ATTEMPTS)
            return rc;
        atomic_fetch_add(&retries, 1);
        ob_err_clear(&ctx->err);
        backoff(attempt);
    }
}

int
ob_db_err(struct ob_ctx *ctx, int rc)
{
    const char *reason;

    switch (rc) {
    case OB_EBUSY:
        reason = OB_REASON("db.busy");
        break;
    case OB_ECONFLICT:
        reason = OB_REASON("db.conflict");
        break;
    case OB_EUNAVAIL:
        reason = OB_REASON("db.unavailable");
        break;
    default:
        rc = rc < 0 ? rc : OB_EINTERNAL;
        reason = OB_REASON("db.internal");
    }
    ob_log(rc == OB_EBUSY ? OB_LOG_DEBUG : OB_LOG_ERROR, "database error", "{s:s, s:s, s:i}",
           "request_id", ctx->request_id, "detail", ctx->db ? ob_db_errmsg(ctx->db) : "",
           "rc", rc);
    if (ctx->err.rc == 0)
        ob_err_set(&ctx->err, rc, reason);
    return rc;
}

int
ob_db_rows_end(struct ob_ctx *ctx, int rc)
{
    if (rc >= 0)
        return 0;
    return ctx->err.rc ? rc : ob_db_err(ctx, rc);
}

bool
ob_db_row_locks(const struct ob_db *db)
{
    return db->engine == OB_DB_POSTGRES;
}

int
ob_db_read(struct ob_ctx *ctx, int (*fn)(struct ob_ctx *, void *), void *arg)
{
    if (ctx->db->engine == OB_DB_POSTGRES)
        return fn(ctx, arg);
    return ob_db_tx(ctx, OB_DB_READ, fn, arg);
}

/* ---- reading rows: the one way ---------------------------------------------------- */

const char *
ob_stmt_dup(struct ob_ctx *ctx, struct ob_stmt *st, int col)
{
    const char *s = ob_stmt_null(st, col) ? NULL : ob_stmt_text(st, col);

    return ob_arena_strdup(ctx->rows_of == st ? ctx->rows : &ctx->arena, s ? s : "");
}

/* Prepare and bind; the statement in *st, or a mapped error. */
static int
prepare_bound(struct ob_ctx *ctx, const char *sql, const char *fmt, va_list ap,
              struct ob_stmt **st)
{
    int rc = ob_db_prepare(ctx->db, sql, st);

    if (rc != 0)
        return ob_db_err(ctx, rc);
    if (fmt && (rc = stmt_vbindf(*st, fmt, ap)) != 0) {
        ob_stmt_finalize(*st);
        return ob_db_err(ctx, rc);
    }
    return 0;
}

/* Step st once and read its row; finalizes st (ob_db_one's contract). */
static int
one_row(struct ob_ctx *ctx, void (*read)(struct ob_ctx *, struct ob_stmt *, void *), void *out,
        struct ob_stmt *st)
{
    int rc = ob_stmt_step(st);

    if (rc == OB_DB_ROW)
        read(ctx, st, out);
    ob_stmt_finalize(st);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    return rc == OB_DB_ROW ? 0 : OB_ENOTFOUND;
}

/* Hand each row of st to row(); finalizes st (ob_db_each's contract). */
static int
each_row(struct ob_ctx *ctx, int (*row)(struct ob_ctx *, struct ob_stmt *, void *), void *arg,
         struct ob_stmt *st)
{
    struct ob_arena scratch, *outer = ctx->rows;
    const void *outer_st = ctx->rows_of;
    int rc;

    ob_arena_init(&scratch);
    /* the export's own loop streams; a loop nested in its callback (or one
     * that collects its rows first) keeps its strings in ctx->arena */
    if (ctx->rows_stream && !outer_st) {
        ctx->rows = &scratch;
        ctx->rows_of = st;      /* only this statement's strings: not a nested one's */
    }
    while ((rc = ob_stmt_step(st)) == OB_DB_ROW) {
        rc = row(ctx, st, arg);
        if (ctx->rows == &scratch)
            ob_arena_clear(&scratch);
        if (rc != 0)
            break;
    }
    ctx->rows = outer;
    ctx->rows_of = outer_st;
    ob_arena_free(&scratch);
    ob_stmt_finalize(st);
    return ob_db_rows_end(ctx, rc);
}

/* Prepare sql and bind it by bind(st, bind_arg); the statement, or a mapped error. */
static int
prepare_bound_by(struct ob_ctx *ctx, const char *sql, int (*bind)(struct ob_stmt *, const void *),
                 const void *bind_arg, struct ob_stmt **st)
{
    int rc = ob_db_prepare(ctx->db, sql, st);

    if (rc != 0)
        return ob_db_err(ctx, rc);
    if ((rc = bind(*st, bind_arg)) != 0) {
        ob_stmt_finalize(*st);
        return ob_db_err(ctx, rc);
    }
    return 0;
}

int
ob_db_one(struct ob_ctx *ctx, void (*read)(struct ob_ctx *, struct ob_stmt *, void *), void *out,
          const char *sql, const char *fmt, ...)
{
    struct ob_stmt *st;
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = prepare_bound(ctx, sql, fmt, ap, &st);
    va_end(ap);
    return rc != 0 ? rc : one_row(ctx, read, out, st);
}

int
ob_db_one_bind(struct ob_ctx *ctx, void (*read)(struct ob_ctx *, struct ob_stmt *, void *),
               void *out, const char *sql, int (*bind)(struct ob_stmt *, const void *),
               const void *bind_arg)
{
    struct ob_stmt *st;
    int rc = prepare_bound_by(ctx, sql, bind, bind_arg, &st);

    return rc != 0 ? rc : one_row(ctx, read, out, st);
}

int
ob_db_each(struct ob_ctx *ctx, int (*row)(struct ob_ctx *, struct ob_stmt *, void *), void *arg,
           const char *sql, const char *fmt, ...)
{
    struct ob_stmt *st;
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = prepare_bound(ctx, sql, fmt, ap, &st);
    va_end(ap);
    return rc != 0 ? rc : each_row(ctx, row, arg, st);
}

void
ob_db_param_int(struct ob_db_params *p, int64_t v)
{
    if (p->n == OB_DB_PARAMS) {
        p->over = true;
        return;
    }
    p->type[p->n] = 'i';
    p->i[p->n++] = v;
}

void
ob_db_param_text(struct ob_db_params *p, const char *v)
{
    if (p->n == OB_DB_PARAMS) {
        p->over = true;
        return;
    }
    p->type[p->n] = 't';
    p->t[p->n++] = v;
}

int
ob_db_params_bind(struct ob_stmt *st, const void *params)
{
    const struct ob_db_params *p = params;
    int rc = p->over ? OB_EINTERNAL : 0;

    for (int k = 0; k < p->n && rc == 0; k++)
        rc = p->type[k] == 'i' ? ob_stmt_bind_int(st, k + 1, p->i[k])
                               : ob_stmt_bind_text(st, k + 1, p->t[k]);
    return rc;
}

int
ob_db_each_bind(struct ob_ctx *ctx, int (*row)(struct ob_ctx *, struct ob_stmt *, void *),
                void *arg, const char *sql, int (*bind)(struct ob_stmt *, const void *),
                const void *bind_arg)
{
    struct ob_stmt *st;
    int rc = prepare_bound_by(ctx, sql, bind, bind_arg, &st);

    return rc != 0 ? rc : each_row(ctx, row, arg, st);
}

int
ob_db_lock_row(struct ob_db *db, const char *table, const char *key, int64_t id, bool weak)
{
    char sql[256];
    int64_t got = 0;

    if (!ob_db_row_locks(db))
        return OB_DB_ROW;
    snprintf(sql, sizeof(sql), "SELECT %s FROM %s WHERE %s = ? %s", key, table, key,
             weak ? "FOR NO KEY UPDATE" : "FOR UPDATE");
    return ob_db_get_int(db, &got, sql, "i", id);
}

int
ob_db_lock_row_of(struct ob_db *db, const char *table, const char *key, const char *subquery,
                  int64_t arg, int64_t *id)
{
    char sql[512];
    int n;

    *id = 0;
    if (!ob_db_row_locks(db))
        return ob_db_get_int(db, id, subquery, "i", arg);
    n = snprintf(sql, sizeof(sql), "SELECT %s FROM %s WHERE %s = (%s) FOR UPDATE", key, table,
                 key, subquery);
    if (n < 0 || (size_t)n >= sizeof(sql))
        return OB_EINTERNAL;
    return ob_db_get_int(db, id, sql, "i", arg);
}

const char *
ob_db_claim_clause(const struct ob_db *db)
{
    return db->engine == OB_DB_POSTGRES ? " FOR UPDATE SKIP LOCKED" : "";
}

int
ob_db_column_exists(struct ob_db *db, const char *table, const char *column, bool *out)
{
    char sql[256];
    int64_t n = 0;
    int rc;

    if (db->engine == OB_DB_SQLITE)
        snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM pragma_table_info('%s') WHERE name = ?",
                 table);
    else
        snprintf(sql, sizeof(sql),
                 "SELECT COUNT(*) FROM information_schema.columns WHERE "
                 "table_schema = current_schema() AND table_name = '%s' AND column_name = ?",
                 table);
    rc = ob_db_get_int(db, &n, sql, "t", column);
    *out = rc == OB_DB_ROW && n > 0;
    return rc < 0 ? rc : 0;
}

int
ob_db_snapshot(struct ob_db *db)
{
    return db->engine == OB_DB_POSTGRES
               ? ob_db_exec(db, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
               : 0;
}

void
ob_db_sql_contains(const struct ob_db *db, const char *expr, char *out, size_t size)
{
    snprintf(out, size, db->engine == OB_DB_POSTGRES ? "strpos(%s, ?) > 0" : "instr(%s, ?) > 0",
             expr);
}

const char *
ob_db_like_pattern(struct ob_ctx *ctx, const char *q)
{
    size_t n = strlen(q);
    char *out = ob_arena_alloc(&ctx->arena, 2 * n + 3), *o = out;

    *o++ = '%';
    for (; *q; q++) {
        if (*q == '%' || *q == '_' || *q == '\\')
            *o++ = '\\';
        *o++ = (char)tolower((unsigned char)*q);
    }
    *o++ = '%';
    *o = '\0';
    return out;
}

/* ---- group commit -------------------------------------------------------------------- */

/*
 * Writers that arrive while another batch is being written queue here; the
 * first of them to find no leader becomes the leader, takes the whole queue,
 * and runs every function on its own connection inside one BEGIN IMMEDIATE
 * transaction, each under a savepoint (a refused one rolls back to it and
 * leaves the others), then commits once. Each caller returns only after the
 * commit that holds its change, with its own result. While the leader
 * commits, the next batch gathers.
 */
struct group_item {
    struct ob_ctx *ctx;
    int (*fn)(struct ob_ctx *, void *);
    void *arg;
    int rc;
    bool done;
    pthread_cond_t cv;          /* each caller sleeps on its own: no herd wakes */
    struct group_item *next;
};

static pthread_mutex_t group_mu = PTHREAD_MUTEX_INITIALIZER;
static struct group_item *group_head, *group_tail;
static bool group_leading;
/* The batches' own connection, used by one leader at a time: only it writes
 * the sessions, so its page cache stays warm from batch to batch (a request
 * thread's connection finds its cache stale after every other commit). Kept
 * for the life of the process. */
static struct ob_db *group_db;

/* The connection to run a batch on (the leader holds group_leading). */
static struct ob_db *
group_conn(struct ob_db *own)
{
    struct ob_err err = { 0 };

    if (group_db && strcmp(group_db->url, own->url) != 0)
        return own;             /* another database than the first one: no own connection */
    if (!group_db && ob_db_open(own->url, &own->opts, &group_db, &err) != 0) {
        group_db = NULL;
        return own;
    }
    return group_db;
}
static atomic_uint_fast64_t group_batches, group_items;

static int
group_once(struct ob_db *db, struct group_item *batch)
{
    int rc = ob_db_begin(db, OB_DB_WRITE);

    if (rc != 0)
        return rc;
    for (struct group_item *it = batch; it; it = it->next) {
        struct ob_db *own = it->ctx->db;

        ob_err_clear(&it->ctx->err);
        it->ctx->db = db;
        if ((rc = ob_db_exec(db, "SAVEPOINT grp")) == 0) {
            it->rc = it->fn(it->ctx, it->arg);
            rc = ob_db_exec(db, it->rc == 0 ? "RELEASE grp" : "ROLLBACK TO grp");
            if (rc == 0 && it->rc != 0)
                rc = ob_db_exec(db, "RELEASE grp");
        }
        it->ctx->db = own;
        if (rc == 0 && it->rc == OB_EBUSY)
            rc = OB_EBUSY;      /* a lock another process holds: the whole batch again */
        if (rc != 0)
            break;
    }
    if (rc == 0)
        rc = ob_db_commit(db);
    if (rc != 0 && db->in_tx)
        ob_db_rollback(db);
    return rc;
}

static void
group_run(struct ob_ctx *ctx, struct group_item *batch)
{
    struct ob_db *db = group_conn(ctx->db);
    int rc = OB_EBUSY, n = 0;

    for (int attempt = 0; rc == OB_EBUSY && attempt < TX_ATTEMPTS; attempt++) {
        if (attempt) {
            atomic_fetch_add(&retries, 1);
            backoff(attempt - 1);
        }
        rc = group_once(db, batch);
    }
    if (rc != 0)
        ob_log(OB_LOG_ERROR, "group commit failed", "{s:s}", "error", ob_db_errmsg(db));
    for (struct group_item *it = batch; it; it = it->next, n++)
        if (rc != 0) {
            /* nothing of the batch was committed: every caller gets the error */
            it->rc = rc == OB_EBUSY ? OB_EUNAVAIL : OB_EINTERNAL;
            ob_err_set(&it->ctx->err, it->rc, "db.commit_failed");
        }
    atomic_fetch_add(&group_batches, 1);
    atomic_fetch_add(&group_items, (uint_fast64_t)n);
}

int
ob_db_tx_group(struct ob_ctx *ctx, int (*fn)(struct ob_ctx *, void *), void *arg)
{
    struct group_item me = { .ctx = ctx, .fn = fn, .arg = arg };

    ob_db_unpin(ctx->db);
    if (ob_db_engine(ctx->db) != OB_DB_SQLITE || ctx->db->in_tx)
        return ob_db_tx(ctx, OB_DB_WRITE, fn, arg);
    pthread_cond_init(&me.cv, NULL);
    pthread_mutex_lock(&group_mu);
    if (group_tail)
        group_tail->next = &me;
    else
        group_head = &me;
    group_tail = &me;
    /* Wait while another leads; we are woken when our batch is committed, or
     * (as the first in the queue) when the leader is done, to lead next. */
    while (!me.done && group_leading)
        pthread_cond_wait(&me.cv, &group_mu);
    if (!me.done) {
        /* lead: take everything queued, this caller included */
        struct group_item *batch = group_head, *it, *next;

        group_leading = true;
        group_head = group_tail = NULL;
        pthread_mutex_unlock(&group_mu);
        group_run(ctx, batch);
        pthread_mutex_lock(&group_mu);
        for (it = batch; it; it = next) {
            next = it->next;    /* read before done: a finished caller's item goes away */
            it->done = true;
            if (it != &me)
                pthread_cond_signal(&it->cv);
        }
        group_leading = false;
        if (group_head)         /* those who came meanwhile: the first of them leads next */
            pthread_cond_signal(&group_head->cv);
    }
    pthread_mutex_unlock(&group_mu);
    pthread_cond_destroy(&me.cv);
    return me.rc;
}

void
ob_db_group_close(void)
{
    pthread_mutex_lock(&group_mu);
    ob_db_close(group_db);
    group_db = NULL;
    pthread_mutex_unlock(&group_mu);
}

void
ob_db_group_stats(uint64_t *batches, uint64_t *items)
{
    *batches = atomic_load(&group_batches);
    *items = atomic_load(&group_items);
}
