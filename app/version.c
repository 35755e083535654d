/*
 * version.c — the application versions the cash book installs, and each
 * area's version (docs/app-backend.md "Copies of an area and its version").
 *
 *   GET /oblako/areas/{key}/version   200 {"version"}
 *   PUT /oblako/areas/{key}/version   {"version"} → 200 {"version"} once the area is there;
 *                                     422 {"detail"} for a version not installed here, or one
 *                                     whose name ends in "-broken" (the tests' failed update)
 *
 * The versions come from --versions (CASHBOOK_VERSIONS), a comma-separated
 * list; the first is what new areas get. An area keeps its version in a
 * `meta` row of its own file; a file made before versions were kept has
 * none and reads as CB_VERSION. The cash book's schema is the same in every
 * version it knows, so moving an area is writing that row: a real
 * application would migrate the area's data here, in one transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "cashbook.h"
#include "base/banned.h"

#define VERSIONS_MAX 16
#define VERSION_LEN 32

static char versions[VERSIONS_MAX][VERSION_LEN];
static int nversions;

/* A version name: 1 to 31 of [0-9A-Za-z.-], starting with a digit. */
static int
version_valid(const char *s, size_t n)
{
    if (n == 0 || n >= VERSION_LEN || s[0] < '0' || s[0] > '9')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!strchr("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-", s[i]))
            return 0;
    return 1;
}

int
cb_versions_set(const char *list)
{
    const char *p = list && *list ? list : CB_VERSION;

    nversions = 0;
    while (*p) {
        size_t n = strcspn(p, ",");

        if (!version_valid(p, n) || nversions == VERSIONS_MAX)
            return -1;
        memcpy(versions[nversions], p, n);
        versions[nversions++][n] = '\0';
        p += n;
        if (*p == ',')
            p++;
    }
    return nversions > 0 ? 0 : -1;
}

const char *
cb_version_default(void)
{
    return nversions ? versions[0] : CB_VERSION;
}

json_t *
cb_versions_json(void)
{
    json_t *a = json_array();

    for (int i = 0; i < nversions; i++)
        json_array_append_new(a, json_string(versions[i]));
    return a;
}

static int
installed(const char *v)
{
    for (int i = 0; i < nversions; i++)
        if (!strcmp(versions[i], v))
            return 1;
    return 0;
}

static sqlite3 *
area_db(const char *key)
{
    char *path = cb_xprintf("%s/areas/%s.db", cb_config.data, key);
    sqlite3 *db = NULL;

    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        sqlite3_close(db);
        db = NULL;
    } else {
        sqlite3_busy_timeout(db, 5000);
    }
    free(path);
    return db;
}

int
cb_area_version(const char *key, char out[CB_VERSION_LEN])
{
    sqlite3 *db = area_db(key);
    sqlite3_stmt *st = NULL;
    int rc = CB_EDB;

    snprintf(out, CB_VERSION_LEN, "%s", CB_VERSION);
    if (!db)
        return CB_ENOTFOUND;
    if (sqlite3_exec(db, "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)",
                     NULL, NULL, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'version'", -1, &st, NULL) ==
            SQLITE_OK) {
        int step = sqlite3_step(st);

        if (step == SQLITE_ROW && sqlite3_column_text(st, 0))
            snprintf(out, CB_VERSION_LEN, "%s", (const char *)sqlite3_column_text(st, 0));
        rc = step == SQLITE_ROW || step == SQLITE_DONE ? CB_OK : CB_EDB;
    }
    if (rc != CB_OK)
        cb_log("error", "sqlite", "{s:s, s:s}", "op", "version read", "error", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}

int
cb_area_version_set(const char *key, const char *version)
{
    sqlite3 *db = area_db(key);
    sqlite3_stmt *st = NULL;
    int rc = CB_EDB;

    if (!db)
        return CB_ENOTFOUND;
    if (sqlite3_exec(db, "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)",
                     NULL, NULL, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db,
                           "INSERT INTO meta (key, value) VALUES ('version', ?) "
                           "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, version, -1, SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_DONE ? CB_OK : CB_EDB;
    }
    if (rc != CB_OK)
        cb_log("error", "sqlite", "{s:s, s:s}", "op", "version write", "error",
               sqlite3_errmsg(db));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}

/* GET or PUT /oblako/areas/{key}/version for application app. */
void
cb_version_call(const char *app, const char *key, const char *method, const char *body,
                size_t len, struct cb_resp *out)
{
    char have[CB_VERSION_LEN];
    json_t *j;
    const char *want;
    int rc;

    if (!cb_key_valid(key)) {
        cb_reply_problem(out, 400, "area", "area must be 16 lower-case hex digits");
        return;
    }
    if ((rc = cb_area_check(key, app)) != CB_OK || (rc = cb_area_version(key, have)) != CB_OK) {
        if (rc == CB_ENOTFOUND)
            cb_reply_problem(out, 404, NULL, "area '%s' is not on this server", key);
        else
            cb_reply_problem(out, 500, NULL, "internal error; see the server log");
        return;
    }
    if (!strcmp(method, "GET")) {
        cb_reply_json(out, 200, json_pack("{s:s}", "version", have));
        return;
    }
    j = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, NULL);
    want = json_string_value(json_object_get(j, "version"));
    if (!json_is_object(j) || !want)
        cb_reply_problem(out, 400, "version", "the body must be {\"version\": \"1.1.0\"}");
    else if (!strcmp(want, have))
        cb_reply_json(out, 200, json_pack("{s:s}", "version", have));
    else if (!installed(want))
        cb_reply_problem(out, 422, "version", "version '%.40s' is not installed on this server",
                         want);
    else if (strlen(want) > 7 && !strcmp(want + strlen(want) - 7, "-broken"))
        cb_reply_problem(out, 422, "version",
                         "the update to %s failed; the data area is left at %s", want, have);
    else if (cb_area_version_set(key, want) != CB_OK)
        cb_reply_problem(out, 500, NULL, "internal error; see the server log");
    else {
        cb_log("info", "area version changed", "{s:s, s:s, s:s}", "area", key, "from", have, "to",
               want);
        cb_reply_json(out, 200, json_pack("{s:s}", "version", want));
    }
    json_decref(j);
}
