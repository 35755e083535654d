/*
 * store.c — the registry of data areas and the areas' own SQLite files.
 *
 * DIR/registry.db lists the areas Oblako created (key, application, name);
 * DIR/areas/<key>.db holds one area's entries. Every call opens the file it
 * needs and closes it before returning: SQLite in WAL mode with a busy
 * timeout then serialises writers and lets readers run, whatever the number
 * of threads, and a deleted area cannot be kept alive by a cached handle.
 * Only prepared statements with bound parameters touch the data; a key is
 * checked (16 lower-case hex digits) before it becomes part of a path.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cashbook.h"
#include "base/banned.h"

#define BUSY_MS 5000

static const char registry_schema[] =
    "PRAGMA journal_mode = WAL;"
    "CREATE TABLE IF NOT EXISTS areas ("
    " key TEXT PRIMARY KEY, application TEXT NOT NULL, name TEXT NOT NULL,"
    " test INTEGER NOT NULL DEFAULT 0, subscriber INTEGER, created_at INTEGER NOT NULL);";

static const char area_schema[] = "PRAGMA journal_mode = WAL;"
                                  "CREATE TABLE IF NOT EXISTS entries ("
                                  " id INTEGER PRIMARY KEY AUTOINCREMENT,"
                                  " date TEXT NOT NULL CHECK (length(date) = 10),"
                                  " amount INTEGER NOT NULL,"
                                  " comment TEXT NOT NULL DEFAULT '',"
                                  " created_at INTEGER NOT NULL);"
                                  "CREATE INDEX IF NOT EXISTS entries_date ON entries (date, id);"
                                  "PRAGMA user_version = 1;";

int
cb_key_valid(const char *key)
{
    size_t i;

    for (i = 0; i < CB_KEY_LEN && key[i]; i++)
        if (!((key[i] >= '0' && key[i] <= '9') || (key[i] >= 'a' && key[i] <= 'f')))
            return 0;
    return i == CB_KEY_LEN && key[i] == '\0';
}

static int
db_fail(sqlite3 *db, const char *what)
{
    cb_log("error", "sqlite", "{s:s, s:s}", "op", what, "error",
           db ? sqlite3_errmsg(db) : "out of memory");
    return CB_EDB;
}

/* Open path (creating it when create is set); NULL when it cannot be opened. */
static sqlite3 *
db_open(const char *path, int create)
{
    sqlite3 *db = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(path, &db, flags, NULL);

    if (rc != SQLITE_OK) {
        if (create || rc != SQLITE_CANTOPEN)
            db_fail(db, path);
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, BUSY_MS);
    sqlite3_extended_result_codes(db, 1);
    return db;
}

static sqlite3 *
registry_open(void)
{
    char *path = cb_xprintf("%s/registry.db", cb_config.data);
    sqlite3 *db = db_open(path, 0);

    free(path);
    return db;
}

static char *
area_path(const char *key, const char *suffix)
{
    return cb_xprintf("%s/areas/%s.db%s", cb_config.data, key, suffix);
}

int
cb_store_init(const char *dir)
{
    char *areas = cb_xprintf("%s/areas", dir), *path = cb_xprintf("%s/registry.db", dir);
    char *spool = cb_xprintf("%s/spool", dir);
    sqlite3 *db = NULL;
    int rc = CB_EDB;

    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        fprintf(stderr, "oblako-cashbook: cannot create '%s': %s\n", dir, strerror(errno));
    else if (mkdir(areas, 0700) != 0 && errno != EEXIST)
        fprintf(stderr, "oblako-cashbook: cannot create '%s': %s\n", areas, strerror(errno));
    else if (mkdir(spool, 0700) != 0 && errno != EEXIST)
        fprintf(stderr, "oblako-cashbook: cannot create '%s': %s\n", spool, strerror(errno));
    else if ((db = db_open(path, 1)) == NULL)
        fprintf(stderr, "oblako-cashbook: cannot open '%s'\n", path);
    else if (sqlite3_exec(db, registry_schema, NULL, NULL, NULL) != SQLITE_OK)
        fprintf(stderr, "oblako-cashbook: '%s': %s\n", path, sqlite3_errmsg(db));
    else
        rc = CB_OK;
    sqlite3_close(db);
    free(areas);
    free(spool);
    free(path);
    return rc;
}

/* The application the area is registered to (malloc'ed), or NULL. */
static int
registry_app(sqlite3 *db, const char *key, char **app)
{
    sqlite3_stmt *st = NULL;
    int rc;

    *app = NULL;
    if (sqlite3_prepare_v2(db, "SELECT application FROM areas WHERE key = ?", -1, &st, NULL))
        return db_fail(db, "registry lookup");
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *app = cb_xstrdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(db, "registry lookup");
    return *app ? CB_OK : CB_ENOTFOUND;
}

/* Create (or complete) the area's file with the schema. */
static int
area_file_create(const char *key)
{
    char *path = area_path(key, "");
    sqlite3 *db = db_open(path, 1);
    int rc = CB_OK;

    if (!db)
        rc = CB_EDB;
    else if (sqlite3_exec(db, area_schema, NULL, NULL, NULL) != SQLITE_OK)
        rc = db_fail(db, "area schema");
    sqlite3_close(db);
    free(path);
    return rc;
}

int
cb_area_create(const char *key, const char *app, const char *name, int test, int64_t subscriber)
{
    sqlite3 *db = registry_open();
    sqlite3_stmt *st = NULL;
    char *owner = NULL;
    int rc;

    if (!db)
        return CB_EDB;
    rc = registry_app(db, key, &owner);
    if (rc == CB_OK && strcmp(owner, app) != 0)
        rc = CB_ECONFLICT;
    else if (rc == CB_OK || rc == CB_ENOTFOUND)
        rc = area_file_create(key); /* a replay also repairs a lost file */
    if (rc == CB_OK && !owner) {
        if (sqlite3_prepare_v2(db,
                               "INSERT OR IGNORE INTO areas (key, application, name, test, "
                               "subscriber, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                               -1, &st, NULL) != SQLITE_OK)
            rc = db_fail(db, "registry insert");
    }
    if (st) {
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, app, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 4, test);
        if (subscriber > 0)
            sqlite3_bind_int64(st, 5, subscriber);
        sqlite3_bind_int64(st, 6, (sqlite3_int64)time(NULL));
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = db_fail(db, "registry insert");
        else
            rc = sqlite3_changes(db) == 1; /* 0: a concurrent twin won */
        sqlite3_finalize(st);
    }
    free(owner);
    sqlite3_close(db);
    return rc;
}

int
cb_area_delete(const char *key, const char *app)
{
    sqlite3 *db = registry_open();
    sqlite3_stmt *st = NULL;
    char *owner = NULL, *path;
    int rc, had_file;

    if (!db)
        return CB_EDB;
    rc = registry_app(db, key, &owner);
    if (rc == CB_OK && strcmp(owner, app) != 0)
        rc = CB_ECONFLICT; /* another application's area is not ours to see */
    if (rc == CB_OK && sqlite3_prepare_v2(db, "DELETE FROM areas WHERE key = ?", -1, &st, NULL))
        rc = db_fail(db, "registry delete");
    if (st) {
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = db_fail(db, "registry delete");
        sqlite3_finalize(st);
    }
    free(owner);
    sqlite3_close(db);
    if (rc == CB_EDB || rc == CB_ECONFLICT)
        return rc == CB_EDB ? rc : CB_ENOTFOUND;
    path = area_path(key, "");
    had_file = unlink(path) == 0;
    free(path);
    path = area_path(key, "-wal");
    unlink(path);
    free(path);
    path = area_path(key, "-shm");
    unlink(path);
    free(path);
    /* A file left without its registry row (a crash between the two) goes too. */
    return rc == CB_OK || had_file ? CB_OK : CB_ENOTFOUND;
}

int
cb_area_check(const char *key, const char *app)
{
    sqlite3 *db;
    char *owner = NULL;
    int rc;

    if (!cb_key_valid(key))
        return CB_ENOTFOUND;
    if (!(db = registry_open()))
        return CB_EDB;
    rc = registry_app(db, key, &owner);
    if (rc == CB_OK && strcmp(owner, app) != 0)
        rc = CB_ENOTFOUND;
    free(owner);
    sqlite3_close(db);
    return rc;
}

/* An area's file; NULL with *rc = CB_ENOTFOUND when it was deleted. */
static sqlite3 *
area_open(const char *key, int *rc)
{
    char *path;
    sqlite3 *db;

    if (!cb_key_valid(key)) {
        *rc = CB_ENOTFOUND;
        return NULL;
    }
    path = area_path(key, "");
    db = db_open(path, 0);
    *rc = db ? CB_OK : access(path, F_OK) == 0 ? CB_EDB : CB_ENOTFOUND;
    free(path);
    return db;
}

static json_t *
entry_json(sqlite3_stmt *st)
{
    return json_pack("{s:I, s:s, s:I, s:s, s:I}", "id", (json_int_t)sqlite3_column_int64(st, 0),
                     "date", (const char *)sqlite3_column_text(st, 1), "amount",
                     (json_int_t)sqlite3_column_int64(st, 2), "comment",
                     (const char *)sqlite3_column_text(st, 3), "created_at",
                     (json_int_t)sqlite3_column_int64(st, 4));
}

/* One page of entries, newest first, each with the balance after it. */
static int
list_page(sqlite3 *db, const char *after_date, int64_t after_id, int limit, json_t *items,
          json_t **next)
{
    static const char sql[] = "SELECT id, date, amount, comment, created_at FROM entries"
                              " WHERE ?1 IS NULL OR date < ?1 OR (date = ?1 AND id < ?2)"
                              " ORDER BY date DESC, id DESC LIMIT ?3";
    sqlite3_stmt *st = NULL;
    int rc, n = 0;

    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_fail(db, "entries list");
    if (after_date)
        sqlite3_bind_text(st, 1, after_date, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, after_id);
    sqlite3_bind_int(st, 3, limit + 1);
    *next = json_null();
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n++ == limit) {
            json_t *last = json_array_get(items, json_array_size(items) - 1);

            json_decref(*next);
            *next = json_sprintf("%s.%" JSON_INTEGER_FORMAT,
                                 json_string_value(json_object_get(last, "date")),
                                 json_integer_value(json_object_get(last, "id")));
            break;
        }
        json_array_append_new(items, entry_json(st));
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(db, "entries list");
    return CB_OK;
}

/* The sum of amounts up to (date, id) inclusive, or of all when date is NULL,
 * and the count of all entries. */
static int
balance(sqlite3 *db, const char *date, int64_t id, int64_t *sum, int64_t *count)
{
    static const char sql[] = "SELECT coalesce(sum(amount), 0), count(*) FROM entries"
                              " WHERE ?1 IS NULL OR date < ?1 OR (date = ?1 AND id <= ?2)";
    sqlite3_stmt *st = NULL;
    int rc;

    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_fail(db, "balance");
    if (date)
        sqlite3_bind_text(st, 1, date, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *sum = sqlite3_column_int64(st, 0);
        *count = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? CB_OK : db_fail(db, "balance");
}

/* Set each item's balance: the top one's from the database, the rest by
 * taking back the amount of the entry above. */
static int
set_balances(sqlite3 *db, json_t *items)
{
    json_t *item, *top = json_array_get(items, 0);
    int64_t run = 0, ignored;
    size_t i;
    int rc;

    if (!top)
        return CB_OK;
    rc = balance(db, json_string_value(json_object_get(top, "date")),
                 json_integer_value(json_object_get(top, "id")), &run, &ignored);
    json_array_foreach(items, i, item)
    {
        if (rc != CB_OK)
            break;
        json_object_set_new(item, "balance", json_integer(run));
        run -= json_integer_value(json_object_get(item, "amount"));
    }
    return rc;
}

int
cb_entries_list(const char *key, const char *after_date, int64_t after_id, int limit, json_t **out)
{
    json_t *items = json_array(), *next = NULL;
    int64_t total = 0, count = 0;
    int rc;
    sqlite3 *db = area_open(key, &rc);

    *out = NULL;
    if (db && sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        rc = db_fail(db, "begin");
    if (rc == CB_OK)
        rc = list_page(db, after_date, after_id, limit, items, &next);
    if (rc == CB_OK)
        rc = set_balances(db, items);
    if (rc == CB_OK)
        rc = balance(db, NULL, 0, &total, &count);
    if (db) {
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
        sqlite3_close(db);
    }
    if (rc == CB_OK)
        *out = json_pack("{s:o, s:o, s:I, s:I}", "items", items, "next", next, "total",
                         (json_int_t)total, "count", (json_int_t)count);
    else {
        json_decref(items);
        json_decref(next);
    }
    return rc;
}

int
cb_entry_add(const char *key, const char *date, int64_t amount, const char *comment, json_t **item)
{
    static const char sql[] =
        "INSERT INTO entries (date, amount, comment, created_at)"
        " VALUES (?, ?, ?, ?) RETURNING id, date, amount, comment, created_at";
    sqlite3_stmt *st = NULL;
    int rc;
    sqlite3 *db = area_open(key, &rc);

    *item = NULL;
    if (db && sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        rc = db_fail(db, "entry insert");
    if (st) {
        sqlite3_bind_text(st, 1, date, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, amount);
        sqlite3_bind_text(st, 3, comment, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, (sqlite3_int64)time(NULL));
        if (sqlite3_step(st) == SQLITE_ROW)
            *item = entry_json(st);
        else
            rc = db_fail(db, "entry insert");
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return rc;
}

/* Receipts per cash register and day: created on first use, so an area made
 * before it has the table too. */
static const char receipts_schema[] =
    "CREATE TABLE IF NOT EXISTS receipts (register TEXT NOT NULL, model TEXT NOT NULL,"
    " day TEXT NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (register, day));";

static int
receipts_day(sqlite3 *db, const char *day, json_t *out)
{
    sqlite3_stmt *st = NULL;
    int rc = CB_OK;

    if (sqlite3_prepare_v2(db, "SELECT register, model, count FROM receipts WHERE day = ?"
                               " ORDER BY register", -1, &st, NULL) != SQLITE_OK)
        return db_fail(db, "receipts read");
    sqlite3_bind_text(st, 1, day, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(out, json_pack("{s:s, s:s, s:I}", "id", sqlite3_column_text(st, 0),
                                             "model", sqlite3_column_text(st, 1), "receipts",
                                             (json_int_t)sqlite3_column_int64(st, 2)));
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? CB_OK : db_fail(db, "receipts read");
}

int
cb_receipt_add(const char *key, const char *reg, const char *model, const char *day,
               json_t **registers)
{
    static const char sql[] = "INSERT INTO receipts (register, model, day, count)"
                              " VALUES (?, ?, ?, 1) ON CONFLICT (register, day)"
                              " DO UPDATE SET count = count + 1, model = excluded.model";
    sqlite3_stmt *st = NULL;
    int rc;
    sqlite3 *db = area_open(key, &rc);

    *registers = json_array();
    if (db && (sqlite3_exec(db, receipts_schema, NULL, NULL, NULL) != SQLITE_OK ||
               sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
               sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK))
        rc = db_fail(db, "receipt insert");
    if (st) {
        sqlite3_bind_text(st, 1, reg, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, model, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, day, -1, SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_DONE ? receipts_day(db, day, *registers)
                                             : db_fail(db, "receipt insert");
        sqlite3_finalize(st);
    }
    if (db) {
        sqlite3_exec(db, rc == CB_OK ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
        sqlite3_close(db);
    }
    return rc;
}

int
cb_entry_delete(const char *key, int64_t id)
{
    sqlite3_stmt *st = NULL;
    int rc;
    sqlite3 *db = area_open(key, &rc);

    if (db && sqlite3_prepare_v2(db, "DELETE FROM entries WHERE id = ?", -1, &st, NULL))
        rc = db_fail(db, "entry delete");
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = db_fail(db, "entry delete");
        else if (sqlite3_changes(db) == 0)
            rc = CB_ENOTFOUND;
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return rc;
}

int
cb_area_demo(const char *key)
{
    static const struct {
        int days_ago;
        int64_t amount;
        const char *comment;
    } rows[] = {
        { 27, 5000000, "Остаток на начало месяца" },
        { 25, 1845000, "Выручка за день" },
        { 24, -320000, "Канцтовары" },
        { 20, 2210050, "Выручка за день" },
        { 18, -1500000, "Аренда помещения" },
        { 12, 960000, "Оплата от ООО «Вектор»" },
        { 9, -450000, "Выдано под отчёт" },
        { 3, 1733000, "Выручка за день" },
    };
    time_t now = time(NULL);
    int rc = CB_OK;

    for (size_t i = 0; rc == CB_OK && i < sizeof(rows) / sizeof(rows[0]); i++) {
        time_t t = now - (time_t)rows[i].days_ago * 86400;
        struct tm tm;
        char date[16];
        json_t *item = NULL;

        gmtime_r(&t, &tm);
        strftime(date, sizeof(date), "%Y-%m-%d", &tm);
        rc = cb_entry_add(key, date, rows[i].amount, rows[i].comment, &item);
        json_decref(item);
    }
    return rc;
}
