/*
 * db_sqlite.c — the SQLite driver.
 *
 * The connection is opened without SQLite's own mutex (one thread owns it)
 * in WAL mode with synchronous=FULL (a committed transaction survives a
 * power cut), foreign keys on and a busy timeout. Write transactions begin
 * IMMEDIATE: the write lock is taken first, so two writers queue on the busy
 * timeout instead of one failing at its first write.
 *
 * Prepared statements are cached per connection by their SQL text: the same
 * query from a hot path is compiled once. A cached statement is reset and its
 * bindings cleared when the caller finalizes it.
 */
#include <sqlite3.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/mem.h"
#include "db_impl.h"
#include "base/banned.h"

#define CACHE_SIZE 64

struct sq_stmt {
    struct ob_stmt base;
    sqlite3_stmt *st;
    const char *sql;        /* the cache key, owned here */
    bool busy;              /* handed out, not yet finalized */
    unsigned long last_use;
};

struct sq_db {
    struct ob_db base;
    sqlite3 *h;
    struct sq_stmt cache[CACHE_SIZE];
    unsigned long uses;
};

static int
map_rc(struct ob_db *db, sqlite3 *h, int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
        return 0;
    case SQLITE_ROW:
        return OB_DB_ROW;
    case SQLITE_DONE:
        return OB_DB_DONE;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        ob_db_set_errmsg(db, "sqlite: %s", sqlite3_errmsg(h));
        return OB_EBUSY;
    case SQLITE_CONSTRAINT:
        ob_db_set_errmsg(db, "sqlite: %s", sqlite3_errmsg(h));
        return OB_ECONFLICT;
    default:
        ob_db_set_errmsg(db, "sqlite (%d): %s", rc, sqlite3_errmsg(h));
        return OB_EINTERNAL;
    }
}

static void
sq_close(struct ob_db *db)
{
    struct sq_db *s = (struct sq_db *)db;

    for (int i = 0; i < CACHE_SIZE; i++) {
        sqlite3_finalize(s->cache[i].st);
        free((char *)s->cache[i].sql);
    }
    sqlite3_close_v2(s->h);
    free(s);
}

static struct sq_stmt *
cache_slot(struct sq_db *s, const char *sql)
{
    struct sq_stmt *victim = NULL;

    for (int i = 0; i < CACHE_SIZE; i++) {
        struct sq_stmt *c = &s->cache[i];

        if (c->sql && !c->busy && !strcmp(c->sql, sql))
            return c;
        if (!c->busy && (!victim || !c->sql || (victim->sql && c->last_use < victim->last_use)))
            victim = c;
    }
    return victim;
}

static int
sq_prepare(struct ob_db *db, const char *sql, struct ob_stmt **out)
{
    struct sq_db *s = (struct sq_db *)db;
    struct sq_stmt *c = cache_slot(s, sql);
    int rc;

    *out = NULL;
    if (c && c->sql && !strcmp(c->sql, sql))
        goto found;
    if (!c) {   /* every slot handed out: an uncached statement */
        c = ob_xcalloc(1, sizeof(*c));
        c->base.db = db;
        c->busy = true;
        rc = sqlite3_prepare_v2(s->h, sql, -1, &c->st, NULL);
        if (rc != SQLITE_OK) {
            free(c);
            return map_rc(db, s->h, rc);
        }
        *out = &c->base;
        return 0;
    }
    sqlite3_finalize(c->st);
    free((char *)c->sql);
    c->st = NULL;
    c->sql = NULL;
    rc = sqlite3_prepare_v2(s->h, sql, -1, &c->st, NULL);
    if (rc != SQLITE_OK)
        return map_rc(db, s->h, rc);
    c->sql = ob_xstrdup(sql);
    c->base.db = db;
found:
    c->busy = true;
    c->last_use = ++s->uses;
    *out = &c->base;
    return 0;
}

static bool
is_cached(struct sq_db *s, struct sq_stmt *c)
{
    return c >= s->cache && c < s->cache + CACHE_SIZE;
}

static void
sq_finalize(struct ob_stmt *st)
{
    struct sq_stmt *c = (struct sq_stmt *)st;
    struct sq_db *s = (struct sq_db *)st->db;

    if (!is_cached(s, c)) {
        sqlite3_finalize(c->st);
        free(c);
        return;
    }
    sqlite3_reset(c->st);
    sqlite3_clear_bindings(c->st);
    c->busy = false;
}

static int
sq_bind_int(struct ob_stmt *st, int i, int64_t v)
{
    struct sq_stmt *c = (struct sq_stmt *)st;

    return map_rc(st->db, ((struct sq_db *)st->db)->h, sqlite3_bind_int64(c->st, i, v));
}

static int
sq_bind_text(struct ob_stmt *st, int i, const char *v)
{
    struct sq_stmt *c = (struct sq_stmt *)st;

    return map_rc(st->db, ((struct sq_db *)st->db)->h,
                  v ? sqlite3_bind_text(c->st, i, v, -1, SQLITE_TRANSIENT)
                    : sqlite3_bind_null(c->st, i));
}

static int
sq_bind_null(struct ob_stmt *st, int i)
{
    struct sq_stmt *c = (struct sq_stmt *)st;

    return map_rc(st->db, ((struct sq_db *)st->db)->h, sqlite3_bind_null(c->st, i));
}

static int
sq_bind_blob(struct ob_stmt *st, int i, const void *data, size_t len)
{
    struct sq_stmt *c = (struct sq_stmt *)st;

    return map_rc(st->db, ((struct sq_db *)st->db)->h,
                  sqlite3_bind_blob64(c->st, i, len ? data : "", len, SQLITE_TRANSIENT));
}

static int
sq_step(struct ob_stmt *st)
{
    struct sq_stmt *c = (struct sq_stmt *)st;

    /* a write in a pinned read would upgrade it, and fail if another
     * connection wrote since it began: end the read first (db.h) */
    if (st->db->pinned && !sqlite3_stmt_readonly(c->st))
        ob_db_unpin(st->db);
    return map_rc(st->db, ((struct sq_db *)st->db)->h, sqlite3_step(c->st));
}

static int
sq_columns(struct ob_stmt *st)
{
    return sqlite3_column_count(((struct sq_stmt *)st)->st);
}

static bool
sq_is_null(struct ob_stmt *st, int col)
{
    return sqlite3_column_type(((struct sq_stmt *)st)->st, col) == SQLITE_NULL;
}

static int64_t
sq_get_int(struct ob_stmt *st, int col)
{
    return sqlite3_column_int64(((struct sq_stmt *)st)->st, col);
}

static const char *
sq_get_text(struct ob_stmt *st, int col)
{
    return (const char *)sqlite3_column_text(((struct sq_stmt *)st)->st, col);
}

static unsigned char *
sq_get_blob(struct ob_stmt *st, int col, size_t *len)
{
    sqlite3_stmt *c = ((struct sq_stmt *)st)->st;
    const void *p;
    unsigned char *out;
    int n;

    if (sqlite3_column_type(c, col) == SQLITE_NULL)
        return NULL;
    p = sqlite3_column_blob(c, col);
    n = sqlite3_column_bytes(c, col);
    out = ob_xmalloc((size_t)n + 1);
    if (n > 0)
        memcpy(out, p, (size_t)n);
    *len = (size_t)n;
    return out;
}

static int64_t
sq_changes(struct ob_stmt *st)
{
    return sqlite3_changes64(((struct sq_db *)st->db)->h);
}

/* A statement of one word or two, run from the statement cache: BEGIN,
 * COMMIT and ROLLBACK open and close every transaction, and compiling them
 * each time (sqlite3_exec) cost more than the locks of a short read. */
static int
run_cached(struct ob_db *db, const char *sql)
{
    struct ob_stmt *st;
    int rc = sq_prepare(db, sql, &st);

    if (rc != 0)
        return rc;
    rc = sq_step(st);
    sq_finalize(st);
    return rc == OB_DB_DONE ? 0 : rc;
}

static int
sq_exec(struct ob_db *db, const char *sql)
{
    struct sq_db *s = (struct sq_db *)db;

    if (!strcmp(sql, "COMMIT") || !strcmp(sql, "ROLLBACK"))
        return run_cached(db, sql);
    return map_rc(db, s->h, sqlite3_exec(s->h, sql, NULL, NULL, NULL));
}

static int
sq_begin(struct ob_db *db, enum ob_db_mode mode)
{
    return run_cached(db, mode == OB_DB_WRITE ? "BEGIN IMMEDIATE" : "BEGIN");
}

static const struct ob_db_ops sqlite_ops = {
    .close = sq_close,
    .prepare = sq_prepare,
    .bind_int = sq_bind_int,
    .bind_text = sq_bind_text,
    .bind_null = sq_bind_null,
    .bind_blob = sq_bind_blob,
    .step = sq_step,
    .columns = sq_columns,
    .is_null = sq_is_null,
    .get_int = sq_get_int,
    .get_text = sq_get_text,
    .get_blob = sq_get_blob,
    .changes = sq_changes,
    .finalize = sq_finalize,
    .exec = sq_exec,
    .begin = sq_begin,
    .id_pk = "INTEGER PRIMARY KEY",
    .blob = "BLOB",
};

/* Before SQLite's first use: no memory statistics. Their global mutex is
 * taken on every allocation of every connection, and the request threads
 * queued on it (bench/README.md, session admission). */
static void
sq_global_setup(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3_initialize();
}

int
ob_db_sqlite_open(const char *path, const struct ob_db_opts *opts, struct ob_db **out,
                  struct ob_err *err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    struct sq_db *s = ob_xcalloc(1, sizeof(*s));
    char pragmas[256];
    int rc;

    pthread_once(&once, sq_global_setup);
    s->base.ops = &sqlite_ops;
    s->base.engine = OB_DB_SQLITE;
    rc = sqlite3_open_v2(path, &s->h,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        ob_err_field(err, OB_EUNAVAIL, "db", "db.cannot_open_sqlite", "path=%s memory=%s", path,
                     s->h ? sqlite3_errmsg(s->h) : "out of memory");
        sqlite3_close_v2(s->h);
        free(s);
        return OB_EUNAVAIL;
    }
    /* The busy timeout first: setting the journal mode takes a lock, and a
     * new connection opened while another one writes must wait for it, not
     * fail (a pool thread's first request would get 503). */
    sqlite3_busy_timeout(s->h, opts->busy_timeout_ms);
    snprintf(pragmas, sizeof(pragmas),
             "PRAGMA busy_timeout=%d; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
             "PRAGMA foreign_keys=ON;",
             opts->busy_timeout_ms);
    if ((rc = sq_exec(&s->base, pragmas)) != 0) {
        ob_err_field(err, OB_EUNAVAIL, "db", "db.cannot_set_up_sqlite", "path=%s errmsg=%s", path,
                     s->base.errmsg);
        sq_close(&s->base);
        return OB_EUNAVAIL;
    }
    *out = &s->base;
    return 0;
}
