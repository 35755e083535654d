/*
 * copy.c — a copy of an area for an on-premises installation, and a new area
 * made from one (docs/app-backend.md, "Copies of an area and its version").
 *
 *   GET /oblako/areas/{key}/export  200: the area as a standalone SQLite file
 *                                   (application/vnd.sqlite3), X-Oblako-Sha256,
 *                                   X-Oblako-Version
 *   PUT /oblako/areas/{key}/import  body: such a file (spooled by http.c, its
 *                                   hash checked against X-Oblako-Sha256, which
 *                                   the signature covers); 200 {"area","version"};
 *                                   422 {"detail"} when it is not a cash book
 *
 * The cash book's dump format is its area file itself, so an export is made
 * like a backup (a consistent snapshot, backup.c) and an import is loaded
 * like a restore (checked to be an intact cash book file first), into the
 * empty area Oblako has just made. Neither holds the file in memory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cashbook.h"
#include "base/banned.h"

static void
area_problem(struct cb_resp *out, int rc)
{
    if (rc == CB_ENOTFOUND)
        cb_reply_problem(out, 404, NULL, "the data area is not on this server");
    else
        cb_reply_problem(out, 500, NULL, "internal error; see the server log");
}

void
cb_copy_export(const char *app, const char *key, struct cb_resp *out)
{
    char *path;
    int fd, rc = cb_area_check(key, app);

    if (rc != CB_OK) {
        area_problem(out, rc);
        return;
    }
    path = cb_spool_path("export");
    if ((fd = mkstemp(path)) < 0) {
        cb_log("error", "spool", "{s:s, s:s}", "path", path, "error", strerror(errno));
        free(path);
        area_problem(out, CB_EDB);
        return;
    }
    rc = cb_area_snapshot(key, path);
    unlink(path);   /* the descriptor keeps the bytes until the answer is sent */
    free(path);
    if (rc == CB_OK && cb_file_sha256(fd, out->sha256, &out->fd_len) != 0)
        rc = CB_EDB;
    if (rc != CB_OK) {
        close(fd);
        out->sha256[0] = '\0';
        area_problem(out, rc);
        return;
    }
    out->status = 200;
    out->type = "application/vnd.sqlite3";
    out->has_fd = 1;
    out->fd = fd;
    snprintf(out->version, sizeof(out->version), "%s", CB_VERSION);
    cb_log("info", "export made", "{s:s, s:I}", "area", key, "bytes", (json_int_t)out->fd_len);
}

void
cb_copy_import(const struct cb_req *r, const char *app, const char *key, struct cb_resp *out)
{
    const char *sha = NULL, *why = NULL, *want = cb_req_header(r, "X-Oblako-Sha256");
    int64_t len = 0;
    const char *file = cb_req_file(r, &sha, &len);
    int rc;

    if (!file) {
        cb_reply_problem(out, 400, NULL, "send the copy as the body");
        return;
    }
    if (!want || strcasecmp(want, sha) != 0) {
        cb_reply_problem(out, 422, NULL, "checksum");
        return;
    }
    if ((rc = cb_area_check(key, app)) == CB_OK)
        rc = cb_area_load(key, file, &why);
    if (rc == CB_EINVALID) {
        cb_log("warn", "import refused", "{s:s, s:s, s:I}", "area", key, "reason", why, "bytes",
               (json_int_t)len);
        cb_reply_problem(out, 422, NULL, "%s", why);
    } else if (rc != CB_OK) {
        area_problem(out, rc);
    } else {
        cb_log("info", "imported", "{s:s, s:I}", "area", key, "bytes", (json_int_t)len);
        cb_reply_json(out, 200, json_pack("{s:s, s:s}", "area", key, "version", CB_VERSION));
    }
}
