/*
 * unit_engine.h — running a unit test file on both engines: a temporary
 * SQLite file, then a throwaway PostgreSQL database on the server named by
 * OBLAKO_TEST_PG_URL (created and dropped around the group). Shared by the
 * tests of db/ and of the model parts that need a real database.
 */
#ifndef OB_TESTS_UNIT_ENGINE_H
#define OB_TESTS_UNIT_ENGINE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "base/rand.h"
#include "db/db.h"

struct engine {
    const char *name;
    char url[600];          /* the database the tests use */
    char admin_url[600];    /* PostgreSQL: the server's database, to create ours */
    char dbname[64];        /* PostgreSQL: t_unit_<random> */
    char path[256];         /* SQLite: the temporary file (in $TMPDIR, else /tmp) */
};

static struct engine eng;

static inline int
sqlite_group_setup(void **state)
{
    const char *tmp = getenv("TMPDIR");
    int fd;

    (void)state;
    /* tests/run.sh points TMPDIR at a RAM disk: no fsync wait on each commit */
    if (!tmp || !*tmp || strlen(tmp) > 200)
        tmp = "/tmp";
    snprintf(eng.path, sizeof(eng.path), "%s/oblako-unit-db-XXXXXX", tmp);
    if ((fd = mkstemp(eng.path)) < 0)
        return -1;
    close(fd);
    eng.name = "sqlite";
    snprintf(eng.url, sizeof(eng.url), "sqlite:%s", eng.path);
    return 0;
}

static inline int
sqlite_group_teardown(void **state)
{
    char side[sizeof(eng.path) + 8];

    (void)state;
    unlink(eng.path);
    snprintf(side, sizeof(side), "%s-wal", eng.path);
    unlink(side);
    snprintf(side, sizeof(side), "%s-shm", eng.path);
    unlink(side);
    return 0;
}

/* The server URL with its database name replaced by `name`. */
static inline int
url_with_db(char *out, size_t size, const char *url, const char *name)
{
    const char *q = strchr(url, '?'), *host = strstr(url, "://"), *end, *slash;

    end = q ? q : url + strlen(url);
    host = host ? host + 3 : url;
    slash = memchr(host, '/', (size_t)(end - host));
    if (!slash)
        slash = end;
    return snprintf(out, size, "%.*s/%s%s", (int)(slash - url), url, name, q ? q : "") <
                   (int)size
               ? 0
               : -1;
}

static inline int
pg_admin(const char *sql)
{
    struct ob_db *db = NULL;
    struct ob_err err = { 0 };
    int rc;

    if ((rc = ob_db_open(eng.admin_url, NULL, &db, &err)) != 0) {
        fprintf(stderr, "cannot connect to '%s': %s\n", eng.admin_url, err.message);
        return rc;
    }
    if ((rc = ob_db_exec(db, sql)) != 0)
        fprintf(stderr, "%s: %s\n", sql, ob_db_errmsg(db));
    ob_db_close(db);
    return rc;
}

static inline int
pg_group_setup(void **state)
{
    char hex[17], sql[128];

    (void)state;
    eng.name = "postgres";
    snprintf(eng.admin_url, sizeof(eng.admin_url), "%s", getenv("OBLAKO_TEST_PG_URL"));
    ob_rand_hex(hex, 8);
    snprintf(eng.dbname, sizeof(eng.dbname), "t_unit_%s", hex);
    if (url_with_db(eng.url, sizeof(eng.url), eng.admin_url, eng.dbname) != 0)
        return -1;
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", eng.dbname);
    return pg_admin(sql);
}

static inline int
pg_group_teardown(void **state)
{
    char sql[128];

    (void)state;
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", eng.dbname);
    return pg_admin(sql);
}

extern const struct ob_migration ob_migrations[];
extern const int ob_nmigrations;

/* A fresh, migrated SQLite file for one test (tests of model parts that
 * need the real schema but not both engines). */
static inline int
unit_sqlite_open_migrated(struct ob_db **db)
{
    struct ob_err err = { 0 };

    if (sqlite_group_setup(NULL) != 0 || ob_db_open(eng.url, NULL, db, &err) != 0)
        return -1;
    return ob_db_migrate(*db, ob_migrations, ob_nmigrations, NULL, &err);
}

static inline int
unit_sqlite_close(struct ob_db *db)
{
    ob_db_close(db);
    return sqlite_group_teardown(NULL);
}

#endif
