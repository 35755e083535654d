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

void
cb_copy_export(const char *app, const char *key, struct cb_resp *out)
{
    if (cb_area_copy_reply(app, key, "export", out) != 0)
        return;
    out->type = "application/vnd.sqlite3";
    cb_log("info", "export made", "{s:s, s:I}", "area", key, "bytes", (json_int_t)out->fd_len);
}

void
cb_copy_import(const struct cb_req *r, const char *app, const char *key, struct cb_resp *out)
{
    const char *why = NULL;
    int64_t len = 0;
    int rc = cb_area_load_body(r, app, key, &len, &why, out);
    char version[CB_VERSION_LEN];

    if (rc == -1)
        return;
    if (rc == CB_EINVALID) {
        cb_log("warn", "import refused", "{s:s, s:s, s:I}", "area", key, "reason", why, "bytes",
               (json_int_t)len);
        cb_reply_problem(out, 422, NULL, "%s", why);
    } else if (rc != CB_OK) {
        cb_area_problem(out, rc);
    } else {
        /* the version the copy was made at, which came in with it */
        cb_area_version(key, version);
        cb_log("info", "imported", "{s:s, s:I}", "area", key, "bytes", (json_int_t)len);
        cb_reply_json(out, 200, json_pack("{s:s, s:s}", "area", key, "version", version));
    }
}
