/*
 * db.h — one engine-neutral database API over SQLite and PostgreSQL.
 *
 * SQL is written once, in a portable dialect with `?` placeholders; the
 * PostgreSQL driver rewrites them to $1, $2, … and sends every statement
 * unnamed (PQsendQueryParams), so pgbouncer in transaction mode works, or
 * with opts.pg_prepare prepares each once per connection (db_pg.c). Binds are
 * typed (int64, text, null); columns are read back as int64 or text.
 *
 * A connection belongs to one thread. Transactions are run by ob_db_tx,
 * which begins (SQLite: BEGIN IMMEDIATE for writes, so writers queue on the
 * lock instead of failing; PostgreSQL: BEGIN), calls the function, commits,
 * and runs the whole function again on SQLITE_BUSY or SQLSTATE 40001/40P01.
 * Code does not write BEGIN or COMMIT by hand.
 *
 * Return codes are those of base/err.h: OB_EBUSY (retry), OB_ECONFLICT (a
 * unique or foreign key constraint), OB_EUNAVAIL (connection lost),
 * OB_EINTERNAL (anything else). The engine's own text is kept in the
 * connection (ob_db_errmsg) for the log; it never reaches a client.
 */
#ifndef OB_DB_DB_H
#define OB_DB_DB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ob_ctx;
struct ob_err;

enum ob_db_engine { OB_DB_SQLITE, OB_DB_POSTGRES };
enum ob_db_mode { OB_DB_READ, OB_DB_WRITE };

#define OB_DB_DONE 0
#define OB_DB_ROW 1

struct ob_db;
struct ob_stmt;

struct ob_db_opts {
    int busy_timeout_ms;    /* SQLite only */
    bool pg_prepare;        /* PostgreSQL only: named statements per connection (db_pg.c) */
};
/* With pg_prepare, the statements a connection keeps prepared at most (the
 * others are sent unnamed). */
#define OB_DB_PG_NAMED_MAX 512

/* url: "sqlite:PATH" or "postgres://…" / "postgresql://…". */
int ob_db_open(const char *url, const struct ob_db_opts *opts, struct ob_db **out,
               struct ob_err *err);
void ob_db_close(struct ob_db *db);
enum ob_db_engine ob_db_engine(const struct ob_db *db);
const char *ob_db_errmsg(const struct ob_db *db);
/* A trivial round trip: 0 when the database answers. */
int ob_db_ping(struct ob_db *db);

int ob_db_prepare(struct ob_db *db, const char *sql, struct ob_stmt **out);
/* Binds are 1-based. Text is copied. */
int ob_stmt_bind_int(struct ob_stmt *st, int i, int64_t v);
int ob_stmt_bind_text(struct ob_stmt *st, int i, const char *s);
int ob_stmt_bind_null(struct ob_stmt *st, int i);
/* Bind len bytes (a BLOB column: SQLite BLOB, PostgreSQL BYTEA). Copied. */
int ob_stmt_bind_blob(struct ob_stmt *st, int i, const void *data, size_t len);
/* Bind several by a format: 'i' int64_t, 't' const char * (NULL binds
 * null), 'n' null (no argument), 'z' int64_t (NULL when 0: an optional id),
 * 'm' int64_t (NULL when negative: an optional limit). Starts at bind 1. */
int ob_stmt_bindf(struct ob_stmt *st, const char *fmt, ...);
/* OB_DB_ROW, OB_DB_DONE or a negative code. */
int ob_stmt_step(struct ob_stmt *st);
int ob_stmt_columns(struct ob_stmt *st);
bool ob_stmt_null(struct ob_stmt *st, int col);
int64_t ob_stmt_int(struct ob_stmt *st, int col);
/* NULL for SQL NULL; valid until the next step or finalize. */
const char *ob_stmt_text(struct ob_stmt *st, int col);
/* The bytes of a BLOB column, copied into memory the caller frees (free());
 * *len receives their count. NULL (and *len 0) for SQL NULL. */
unsigned char *ob_stmt_blob(struct ob_stmt *st, int col, size_t *len);
/* Rows changed by the last completed INSERT/UPDATE/DELETE. */
int64_t ob_stmt_changes(struct ob_stmt *st);
void ob_stmt_finalize(struct ob_stmt *st);

/* Prepare, bind by fmt, step to the end: returns rows changed (>= 0) or a
 * negative code. */
int64_t ob_db_run(struct ob_db *db, const char *sql, const char *fmt, ...);
/* Prepare, bind, step once: the first column of the first row into *out.
 * Returns OB_DB_ROW, OB_DB_DONE (no row: *out untouched) or a negative code. */
int ob_db_get_int(struct ob_db *db, int64_t *out, const char *sql, const char *fmt, ...);
/* Same for text, copied into out (truncated to size). */
int ob_db_get_text(struct ob_db *db, char *out, size_t size, const char *sql, const char *fmt,
                   ...);
/* Run a script of several statements without parameters. */
int ob_db_exec(struct ob_db *db, const char *sql);

int ob_db_begin(struct ob_db *db, enum ob_db_mode mode);
int ob_db_commit(struct ob_db *db);
int ob_db_rollback(struct ob_db *db);
bool ob_db_in_tx(const struct ob_db *db);

/* Run fn in a transaction, again on OB_EBUSY (up to a bound), nested calls
 * join the outer transaction. fn returns 0 or a negative code; non-zero
 * rolls back. */
int ob_db_tx(struct ob_ctx *ctx, enum ob_db_mode mode, int (*fn)(struct ob_ctx *, void *),
             void *arg);
/* Turn a database return code into ctx->err (a generic message; the
 * engine's text goes to the log with the request id). Returns rc. */
int ob_db_err(struct ob_ctx *ctx, int rc);
/* The result of a loop over ob_stmt_step that hands rows to a callback: 0
 * when it ran out of rows (OB_DB_DONE) or stopped on a row (OB_DB_ROW: a
 * `continue` or `break` that skipped the callback), the callback's own
 * error as it is (ctx->err says why), a database code through ob_db_err.
 * Every list ends with it, so a stepping status never reaches a caller as
 * an error (tests/unit/test_rows.c checks the sources for the old shape). */
int ob_db_rows_end(struct ob_ctx *ctx, int rc);
/* ---- reading rows: the one way ------------------------------------------------------
 *
 * A row is read by ob_db_one (exactly one row, or not found) or handed to a
 * callback by ob_db_each (every row), and its strings are copied out of the
 * statement by ob_stmt_dup: never the statement's own, which the next step
 * overwrites. The one lifetime rule: a string read from a row lives in an
 * arena of the request's context, ctx->arena, until the request ends; while
 * a streamed export (ctx->rows_stream, set by api/list.c) hands over its
 * rows, they go to a scratch arena emptied after each row's callback, so an
 * export of any length runs in bounded memory: a callback that keeps a
 * string of its row past its return copies it (ob_arena_strdup into
 * ctx->arena), or, when it collects whole rows, clears ctx->rows_stream
 * around its loop. Only the export's outermost loop streams: a loop run
 * inside its callback keeps its strings in ctx->arena. The callback's own
 * allocations go to ctx->arena as always.
 */

/* The text of column col, copied into the row's arena ("" for NULL). */
const char *ob_stmt_dup(struct ob_ctx *ctx, struct ob_stmt *st, int col);
/* Prepare sql, bind by fmt (NULL: nothing to bind), step once: with a row,
 * call read(ctx, st, out) and return 0; without one return OB_ENOTFOUND and
 * leave ctx->err to the caller, who names what is missing; a database error
 * goes through ob_db_err. The statement is finalized in every case. */
int ob_db_one(struct ob_ctx *ctx, void (*read)(struct ob_ctx *, struct ob_stmt *, void *),
              void *out, const char *sql, const char *fmt, ...);
/* Prepare sql, bind by fmt, and hand each row to row(ctx, st, arg): 0 goes
 * on, a positive value stops there (found what it looked for: not an
 * error), a negative code stops (kept as it is, with ctx->err). 0 after the
 * last row or a positive stop; a database error through ob_db_err. */
int ob_db_each(struct ob_ctx *ctx, int (*row)(struct ob_ctx *, struct ob_stmt *, void *),
               void *arg, const char *sql, const char *fmt, ...);
/* As ob_db_one and ob_db_each, for a statement whose values are not known
 * at compile time (a variable number of them): bind(st, bind_arg) binds
 * them and returns 0 or a negative code, mapped as a database error. */
int ob_db_one_bind(struct ob_ctx *ctx, void (*read)(struct ob_ctx *, struct ob_stmt *, void *),
                   void *out, const char *sql, int (*bind)(struct ob_stmt *, const void *),
                   const void *bind_arg);
int ob_db_each_bind(struct ob_ctx *ctx, int (*row)(struct ob_ctx *, struct ob_stmt *, void *),
                    void *arg, const char *sql, int (*bind)(struct ob_stmt *, const void *),
                    const void *bind_arg);

/* The parameters of a statement built at run time (a list's filters),
 * bound in the order they were added by ob_db_params_bind (a bind callback
 * of the two above). More than OB_DB_PARAMS is a bug: binding then fails. */
#define OB_DB_PARAMS 24
struct ob_db_params {
    char type[OB_DB_PARAMS];
    int64_t i[OB_DB_PARAMS];
    const char *t[OB_DB_PARAMS];
    int n;
    bool over;
};
void ob_db_param_int(struct ob_db_params *p, int64_t v);
void ob_db_param_text(struct ob_db_params *p, const char *v);
int ob_db_params_bind(struct ob_stmt *st, const void *params);

/* ---- what the engines do differently (here only: tools/layers.sh) ---- */

/* Does a write transaction lock rows as it goes (PostgreSQL), so that what
 * it read before taking a row lock may have changed by the time it has it?
 * False when a write transaction holds the whole database from its start
 * (SQLite's BEGIN IMMEDIATE). */
bool ob_db_row_locks(const struct ob_db *db);
/* Lock the row of `table` whose column `key` is `id` until the transaction
 * ends: PostgreSQL SELECT … FOR UPDATE (FOR NO KEY UPDATE when `weak`: it
 * does not block inserts that reference the row). Without row locks
 * (SQLite) the write transaction is the lock already and nothing is read:
 * OB_DB_ROW. table and key are the caller's identifiers, never input.
 * OB_DB_ROW, OB_DB_DONE (no such row) or a negative code. */
int ob_db_lock_row(struct ob_db *db, const char *table, const char *key, int64_t id, bool weak);
/* Lock the row of `table` whose `key` is what `subquery` (one int
 * parameter, `arg`) selects, and read that key into *id, in one statement:
 * PostgreSQL SELECT key FROM table WHERE key = (subquery) FOR UPDATE. Used
 * where the row to lock is known only through another (an area's
 * subscriber), to save the read that finds it. Without row locks (SQLite)
 * the subquery alone is run. OB_DB_ROW, OB_DB_DONE (no row) or a negative
 * code; table, key and subquery are the caller's text, never input. */
int ob_db_lock_row_of(struct ob_db *db, const char *table, const char *key, const char *subquery,
                      int64_t arg, int64_t *id);
/* What ends a SELECT that claims a row of a queue so that parallel claimers
 * skip the rows others hold: " FOR UPDATE SKIP LOCKED" on PostgreSQL, ""
 * on SQLite (the write lock is held). */
const char *ob_db_claim_clause(const struct ob_db *db);
/* Does column `column` of table `table` exist? Asked of the engine's own
 * catalog, so no statement fails (a failed statement aborts a PostgreSQL
 * transaction). 0 or a negative code. */
int ob_db_column_exists(struct ob_db *db, const char *table, const char *column, bool *out);
/* Make the transaction just begun read one snapshot throughout: PostgreSQL
 * REPEATABLE READ; a SQLite transaction does already. */
int ob_db_snapshot(struct ob_db *db);
/* Run fn, a read of several statements on a hot path, the cheaper way for
 * the engine: on SQLite in one read transaction (ob_db_tx, OB_DB_READ), so
 * the statements share one WAL read lock and its system calls instead of
 * taking and dropping it each, and read one snapshot; on PostgreSQL as it
 * is, each statement its own (a BEGIN and a COMMIT would be two more round
 * trips). Inside a transaction fn joins it. fn writes nothing and may run
 * again (a retry on OB_EBUSY). */
int ob_db_read(struct ob_ctx *ctx, int (*fn)(struct ob_ctx *, void *), void *arg);
/* One read for a whole request on SQLite (nothing on PostgreSQL, whose
 * reads take no lock): a read transaction every statement shares until
 * ob_db_unpin, so a request of several reads takes the WAL's read lock, a
 * mutex every connection of the process contends for, once. A write ends
 * it first: ob_db_tx(OB_DB_WRITE), ob_db_tx_group and any statement that is
 * not read-only commit the pinned read, then run as they would without it.
 * ob_db_read and ob_db_tx(OB_DB_READ) inside it join it. */
int ob_db_pin_read(struct ob_db *db);
void ob_db_unpin(struct ob_db *db);
/* Is a pinned read open (a statement's step ends it before a write)? */
bool ob_db_pinned(const struct ob_db *db);
/* The SQL of "the text `expr` contains the text bound to the next
 * placeholder", case-sensitive, written into out: instr() on SQLite,
 * strpos() on PostgreSQL. */
void ob_db_sql_contains(const struct ob_db *db, const char *expr, char *out, size_t size);

/* A LIKE pattern matching q anywhere, lower-cased (ASCII), with % _ \
 * escaped for ESCAPE '\'; in ctx's arena. */
const char *ob_db_like_pattern(struct ob_ctx *ctx, const char *q);
/* ob_db_tx in write mode, batched with concurrent callers of the process
 * on SQLite (group commit): fn runs on the leader's connection inside one
 * transaction with the others, under its own savepoint (a non-zero return
 * undoes only its own changes), and the call returns after the commit that
 * holds its change. fn must not wait for other callers. PostgreSQL, and a
 * caller already in a transaction: plain ob_db_tx. */
int ob_db_tx_group(struct ob_ctx *ctx, int (*fn)(struct ob_ctx *, void *), void *arg);
/* Close the batches' own connection (at shutdown, when no caller is left). */
void ob_db_group_close(void);
/* Group commits since start: batches committed and functions run in them. */
void ob_db_group_stats(uint64_t *batches, uint64_t *items);
/* Since start: statements prepared (one per statement run) and write
 * transactions committed. */
void ob_db_counts(uint64_t *statements, uint64_t *write_commits);
/* How many times ob_db_tx has retried since start, for tests and metrics. */
uint64_t ob_db_retries(void);

#ifdef OB_FAILPOINTS
/* ---- failpoints: the sanitizer build only (db.c's essay) ---- */
enum ob_db_failpoint { OB_DB_FP_PREPARE, OB_DB_FP_STEP, OB_DB_FP_COMMIT };
/* From now on the nth call (1-based) of `kind` fails; n == 0 fails none and
 * only counts. Resets every counter and the fired flag. */
void ob_db_failpoint_arm(enum ob_db_failpoint kind, long n);
/* Calls of `kind` since the last arm. */
long ob_db_failpoint_calls(enum ob_db_failpoint kind);
/* Has the armed call failed since the last arm? With commits_before, how
 * many commits had succeeded before it did (-1: it has not failed). */
bool ob_db_failpoint_fired(long *commits_before);
/* Commits that succeeded since the last arm. */
long ob_db_failpoint_commits(void);
/* Statements other than SELECT prepared outside a transaction since the
 * last arm: with no commit either, nothing can have been stored. */
long ob_db_failpoint_outside(void);
#endif

/* Migrations: numbered scripts applied in order, each in its own
 * transaction, recorded in schema_migrations. The script may use ID_PK
 * (an auto-increment int64 primary key) and BLOB, translated per engine. */
struct ob_migration {
    int version;
    const char *name;
    const char *sql;
};
int ob_db_migrate(struct ob_db *db, const struct ob_migration *m, int n, int *applied,
                  struct ob_err *err);
/* The highest applied version, 0 for a database never migrated. */
int ob_db_schema_version(struct ob_db *db, int *version);

/* SQLite files (db/backup.c). Hold the database at url for as long as this
 * process lives: a shared lock on its file that `db restore` waits for none
 * of and refuses on (a no-op for PostgreSQL). OB_EUNAVAIL while a restore
 * runs. */
int ob_db_hold(const char *url, struct ob_err *err);
/* `oblako db backup`: a consistent, checked copy of the live database at
 * url into dest, written as dest.part then renamed. OB_EINVAL on PostgreSQL
 * (pg_dump, docs/deploy.md). */
int ob_db_backup(const char *url, const char *dest, int busy_timeout_ms, struct ob_err *err);
/* `oblako db restore`: replace the database at url by the copy src (checked:
 * intact, migration level 1..known); the replaced file is kept at aside ("" if
 * there was none). OB_ECONFLICT while any process holds the database. */
int ob_db_restore(const char *url, const char *src, int known, char *aside, size_t size,
                  struct ob_err *err);

#endif
