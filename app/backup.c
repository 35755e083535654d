/*
 * backup.c — an area's archive: made for Oblako's backup call and loaded
 * back by its restore call (docs/app-backend.md, "Copies of an area").
 *
 *   POST /oblako/areas/{key}/backup    200, the archive, X-Oblako-Sha256, X-Oblako-Version
 *   PUT  /oblako/areas/{key}/restore   the archive as the body; 204, 422 when it is not one
 *
 * The archive is the area's SQLite file as one consistent snapshot
 * (VACUUM INTO a spool file, which readers and writers of the area do not
 * disturb), sent from a file descriptor and hashed before it is sent. A
 * restore's body arrives in a spool file (http.c); it is checked to be a
 * cash book area (SQLite's quick check, the entries table with its
 * columns) and its pages are copied into the area's file with SQLite's
 * backup API, under the area's own locks, so an open reader sees the old
 * content or the new, never a mix, and the area's WAL stays consistent.
 * An untrusted file is opened with the defensive settings.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "cashbook.h"
#include "base/banned.h"

#define BUSY_MS 5000

char *
cb_spool_path(const char *prefix)
{
    return cb_xprintf("%s/spool/%s-XXXXXX", cb_config.data, prefix);
}

int
cb_file_sha256(int fd, char out[65], int64_t *len)
{
    crypto_hash_sha256_state h;
    unsigned char buf[64 * 1024], d[crypto_hash_sha256_BYTES];
    int64_t total = 0;

    crypto_hash_sha256_init(&h);
    if (lseek(fd, 0, SEEK_SET) != 0)
        return -1;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        crypto_hash_sha256_update(&h, buf, (unsigned long long)n);
        total += n;
    }
    crypto_hash_sha256_final(&h, d);
    sodium_bin2hex(out, 65, d, sizeof(d));
    *len = total;
    return lseek(fd, 0, SEEK_SET) == 0 ? 0 : -1;
}

static sqlite3 *
open_file(const char *path, int defensive)
{
    sqlite3 *db = NULL;

    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, BUSY_MS);
    if (defensive) {
        sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
        sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
    }
    return db;
}

int
cb_area_snapshot(const char *key, const char *path)
{
    char *file = cb_xprintf("%s/areas/%s.db", cb_config.data, key);
    sqlite3 *db = cb_key_valid(key) && access(file, F_OK) == 0 ? open_file(file, 0) : NULL;
    sqlite3_stmt *st = NULL;
    int rc = CB_OK;

    if (!db)
        rc = cb_key_valid(key) && access(file, F_OK) == 0 ? CB_EDB : CB_ENOTFOUND;
    else if (sqlite3_prepare_v2(db, "VACUUM INTO ?", -1, &st, NULL) != SQLITE_OK ||
             sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC) != SQLITE_OK ||
             sqlite3_step(st) != SQLITE_DONE) {
        cb_log("error", "sqlite", "{s:s, s:s}", "op", "snapshot", "error", sqlite3_errmsg(db));
        rc = CB_EDB;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    free(file);
    return rc;
}

/* 1 when db is a cash book area: intact, with its entries table. */
static int
is_area_file(sqlite3 *db, const char **why)
{
    sqlite3_stmt *st = NULL;
    int ok;

    ok = sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL) == SQLITE_OK &&
         sqlite3_step(st) == SQLITE_ROW &&
         !strcmp((const char *)sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0)
                                                          : "",
                 "ok");
    sqlite3_finalize(st);
    if (!ok) {
        *why = "the archive is not an intact SQLite database";
        return 0;
    }
    st = NULL;
    ok = sqlite3_prepare_v2(db, "SELECT id, date, amount, comment, created_at FROM entries LIMIT 0",
                            -1, &st, NULL) == SQLITE_OK;
    sqlite3_finalize(st);
    if (!ok)
        *why = "the archive is not a cash book data area";
    return ok;
}

int
cb_area_load(const char *key, const char *path, const char **why)
{
    char *file = cb_xprintf("%s/areas/%s.db", cb_config.data, key);
    sqlite3 *src = open_file(path, 1), *dst = NULL;
    sqlite3_backup *b;
    int rc = CB_OK;

    if (!src) {
        *why = "the archive is not a SQLite database";
        rc = CB_EINVALID;
    } else if (!is_area_file(src, why)) {
        rc = CB_EINVALID;
    } else if (access(file, F_OK) != 0) {
        rc = CB_ENOTFOUND;
    } else if (!(dst = open_file(file, 0))) {
        rc = CB_EDB;
    } else if (!(b = sqlite3_backup_init(dst, "main", src, "main"))) {
        cb_log("error", "sqlite", "{s:s, s:s}", "op", "restore", "error", sqlite3_errmsg(dst));
        rc = CB_EDB;
    } else {
        int step = sqlite3_backup_step(b, -1);

        if (sqlite3_backup_finish(b) != SQLITE_OK || step != SQLITE_DONE) {
            cb_log("error", "sqlite", "{s:s, s:s}", "op", "restore", "error",
                   sqlite3_errmsg(dst));
            rc = CB_EDB;
        }
    }
    sqlite3_close(dst);
    sqlite3_close(src);
    free(file);
    return rc;
}

/* Answer an area's problem: 404 when it is not here, else 500. */
void
cb_area_problem(struct cb_resp *out, int rc)
{
    if (rc == CB_ENOTFOUND)
        cb_reply_problem(out, 404, NULL, "the data area is not on this server");
    else
        cb_reply_problem(out, 500, NULL, "internal error; see the server log");
}

int
cb_area_copy_reply(const char *app, const char *key, const char *prefix, struct cb_resp *out)
{
    char *path;
    int fd, rc = cb_area_check(key, app);

    if (rc != CB_OK) {
        cb_area_problem(out, rc);
        return -1;
    }
    path = cb_spool_path(prefix);
    if ((fd = mkstemp(path)) < 0) {
        cb_log("error", "spool", "{s:s, s:s}", "path", path, "error", strerror(errno));
        free(path);
        cb_area_problem(out, CB_EDB);
        return -1;
    }
    /* the name was only reserved: VACUUM INTO writes into the empty file */
    rc = cb_area_snapshot(key, path);
    unlink(path);   /* the descriptor keeps the bytes until the answer is sent */
    free(path);
    if (rc == CB_OK && cb_file_sha256(fd, out->sha256, &out->fd_len) != 0)
        rc = CB_EDB;
    /* the version the copy was made at: the area's own, not the server's default */
    if (rc == CB_OK)
        rc = cb_area_version(key, out->version);
    if (rc != CB_OK) {
        close(fd);
        out->sha256[0] = '\0';
        cb_area_problem(out, rc);
        return -1;
    }
    out->status = 200;
    out->has_fd = 1;
    out->fd = fd;
    return 0;
}

int
cb_area_load_body(const struct cb_req *r, const char *app, const char *key, int64_t *len,
                  const char **why, struct cb_resp *out)
{
    const char *sha = NULL, *want = cb_req_header(r, "X-Oblako-Sha256");
    const char *file = cb_req_file(r, &sha, len);
    int rc;

    if (!file) {
        cb_reply_problem(out, 400, NULL, "send the archive as the body");
        return -1;
    }
    if (!want || strcasecmp(want, sha) != 0) {
        cb_reply_problem(out, 422, NULL, "checksum");
        return -1;
    }
    if ((rc = cb_area_check(key, app)) == CB_OK)
        rc = cb_area_load(key, file, why);
    return rc;
}

void
cb_backup(const char *app, const char *key, struct cb_resp *out)
{
    if (cb_area_copy_reply(app, key, "backup", out) != 0)
        return;
    out->type = "application/octet-stream";
    cb_log("info", "backup made", "{s:s, s:I}", "area", key, "bytes", (json_int_t)out->fd_len);
}

void
cb_restore(const struct cb_req *r, const char *app, const char *key, struct cb_resp *out)
{
    const char *why = NULL;
    int64_t len = 0;
    int rc = cb_area_load_body(r, app, key, &len, &why, out);

    if (rc == -1)
        return;
    if (rc == CB_OK) {
        cb_log("info", "area restored", "{s:s, s:I}", "area", key, "bytes", (json_int_t)len);
        out->status = 204;
    } else if (rc == CB_EINVALID) {
        cb_reply_problem(out, 422, NULL, "%s", why);
    } else {
        cb_area_problem(out, rc);
    }
}

int
cb_area_call(const char *path, const char *call, char key[CB_KEY_LEN + 1])
{
    size_t n = strlen(call);

    if (strncmp(path, "/oblako/areas/", 14) != 0)
        return 0;
    path += 14;
    if (strlen(path) != CB_KEY_LEN + 1 + n || path[CB_KEY_LEN] != '/' ||
        strcmp(path + CB_KEY_LEN + 1, call) != 0)
        return 0;
    memcpy(key, path, CB_KEY_LEN);
    key[CB_KEY_LEN] = '\0';
    return cb_key_valid(key);
}
