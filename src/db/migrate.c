/*
 * migrate.c — numbered schema migrations, each atomic.
 *
 * The applied versions live in schema_migrations. Each pending migration runs
 * in its own write transaction together with the row that records it, so a
 * migration that fails leaves the database exactly as it was before it (both
 * engines have transactional DDL). Two processes migrating at once serialise
 * on the write lock (SQLite) or on a transaction-scoped advisory lock
 * (PostgreSQL; transaction-scoped, so it is safe behind pgbouncer) and the
 * second finds the work done.
 */
#include <stdio.h>
#include <string.h>

#include <stdlib.h>

#include "base/buf.h"
#include "base/ctx.h"
#include "base/date.h"
#include "base/err.h"
#include "base/mem.h"
#include "db_impl.h"
#include "base/banned.h"

#define MIGRATION_LOCK "SELECT pg_advisory_xact_lock(7308092771)"

static const char create_table[] = "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                   " version BIGINT PRIMARY KEY,"
                                   " name TEXT NOT NULL,"
                                   " applied_at TEXT NOT NULL)";

static bool
ident_char(char c)
{
    return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Is the word w at p, not part of a longer identifier? */
static bool
word_at(const char *sql, const char *p, const char *w)
{
    size_t n = strlen(w);

    return (p == sql || !ident_char(p[-1])) && !strncmp(p, w, n) && !ident_char(p[n]);
}

/* A line "--@ sqlite" or "--@ postgres" starts text for that engine only, up
 * to the next such line or "--@ both" (a trigger's body is not the same
 * language on the two). Is p at the start of such a line, and which? */
static const char *
section_at(const char *sql, const char *p)
{
    static const char *const names[] = { "sqlite", "postgres", "both" };

    if ((p != sql && p[-1] != '\n') || strncmp(p, "--@ ", 4) != 0)
        return NULL;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (word_at(sql, p + 4, names[i]))
            return names[i];
    return NULL;
}

/* Keep the engine's sections, and replace the dialect words ID_PK and BLOB
 * (as whole words). */
static char *
translate(const struct ob_db *db, const char *sql)
{
    const char *mine = db->engine == OB_DB_POSTGRES ? "postgres" : "sqlite";
    bool keep = true;
    struct ob_buf b;
    const char *p = sql, *s;

    ob_buf_init(&b, (size_t)1 << 30);
    while (*p) {
        if ((s = section_at(sql, p)) != NULL) {
            keep = !strcmp(s, "both") || !strcmp(s, mine);
            p += strcspn(p, "\n");
        } else if (!keep) {
            p++;
        } else if (word_at(sql, p, "ID_PK")) {
            ob_buf_adds(&b, db->ops->id_pk);
            p += 5;
        } else if (word_at(sql, p, "BLOB")) {
            ob_buf_adds(&b, db->ops->blob);
            p += 4;
        } else {
            ob_buf_addc(&b, *p++);
        }
    }
    return ob_buf_detach(&b, NULL);
}

static int
lock_and_prepare(struct ob_db *db)
{
    int rc = ob_db_begin(db, OB_DB_WRITE);

    if (rc == 0 && db->engine == OB_DB_POSTGRES)
        rc = ob_db_exec(db, MIGRATION_LOCK);
    if (rc == 0)
        rc = ob_db_exec(db, create_table);
    return rc;
}

static int
apply_one(struct ob_db *db, const struct ob_migration *m, bool *done, struct ob_err *err)
{
    char stamp[OB_INSTANT_LEN];
    int64_t have = 0;
    char *sql;
    int rc;

    *done = false;
    if ((rc = lock_and_prepare(db)) != 0)
        goto out;
    rc = ob_db_get_int(db, &have, "SELECT COUNT(*) FROM schema_migrations WHERE version = ?", "i",
                       (int64_t)m->version);
    if (rc < 0 || have > 0) {
        rc = rc < 0 ? rc : 0;
        goto out;
    }
    sql = translate(db, m->sql);
    rc = ob_db_exec(db, sql);
    free(sql);
    if (rc != 0) {
        ob_err_set(err, OB_EINTERNAL, "db.migration_failed", "version=%04d name=%s db=%s",
                   m->version, m->name, ob_db_errmsg(db));
        goto out;
    }
    ob_instant_format(ob_clock_real(), stamp);
    rc = (int)ob_db_run(db, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, "
                            "?, ?)",
                        "itt", (int64_t)m->version, m->name, stamp);
    if (rc >= 0) {
        rc = ob_db_commit(db);
        *done = rc == 0;
    }
out:
    if (db->in_tx)
        ob_db_rollback(db);
    if (rc != 0 && err && err->rc == 0)
        ob_err_set(err, rc, "db.migration_failed", "version=%04d name=%s db=%s", m->version,
                   m->name, ob_db_errmsg(db));
    return rc;
}

int
ob_db_migrate(struct ob_db *db, const struct ob_migration *m, int n, int *applied,
              struct ob_err *err)
{
    int rc = 0, count = 0;

    for (int i = 0; i < n && rc == 0; i++) {
        bool done;

        if ((rc = apply_one(db, &m[i], &done, err)) == 0 && done)
            count++;
    }
    if (applied)
        *applied = count;
    return rc;
}

int
ob_db_schema_version(struct ob_db *db, int *version)
{
    int64_t v = 0;
    int rc;

    *version = 0;
    if (db->engine == OB_DB_SQLITE)
        rc = ob_db_get_int(db, &v,
                           "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = "
                           "'schema_migrations'",
                           NULL);
    else
        rc = ob_db_get_int(db, &v, "SELECT COUNT(*) FROM information_schema.tables WHERE "
                                   "table_schema = current_schema() AND table_name = "
                                   "'schema_migrations'",
                           NULL);
    if (rc < 0 || v == 0)
        return rc < 0 ? rc : 0;
    rc = ob_db_get_int(db, &v, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", NULL);
    if (rc < 0)
        return rc;
    *version = (int)v;
    return 0;
}
