/*
 * copies.c — a client's copies of its data areas (R-DA-5, R-SUB-7;
 * model/areas/copy.h):
 *   POST /api/v1/areas/{id}/exports               ask for a copy to download (202)
 *   GET  /api/v1/areas/{id}/exports/{copy}        its state, polled
 *   POST /api/v1/areas/{id}/exports/{copy}/link   a download link, valid a day
 *   POST /api/v1/areas/{id}/backups/{copy}/link   the same for a backup or an archive
 *   GET  /api/v1/downloads/{token}                the copy, streamed from the store, with Range
 *   POST /api/v1/areas/upload                     a new area from an uploaded copy (raw body)
 *
 * A download is served to whoever holds the link (a browser, curl): no
 * cookie is read. It answers Accept-Ranges, an ETag of the copy's SHA-256,
 * 206 with Content-Range for one byte range (If-Range with another ETag:
 * the whole copy), 416 for a range past the end; the bytes come from the
 * store's reader block by block (http/server.c), never whole in memory.
 * Its file is named for the area and the copy's date (RFC 6266).
 *
 * An upload's body is spooled to disk by the transport (OB_ROUTE_SPOOL), up
 * to --area-upload-max; the SHA-256 the client announces in X-Oblako-Sha256
 * (the cabinet computes it) must match the bytes received; the file is put
 * in the store first (as uploads/<random>.bin) and the area made after, so
 * that the area's task never waits for the transfer; a refused area takes
 * its object away again.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/handlers.h"
#include "base/config.h"
#include "base/ctx.h"
#include "base/date.h"
#include "base/rand.h"
#include "base/range.h"
#include "model/areas/area.h"
#include "model/areas/copy.h"
#include "store/store.h"
#include "base/banned.h"

static json_t *
copy_json(const struct ob_copy *c)
{
    return json_pack("{s:I, s:I, s:s, s:s, s:I, s:o, s:o, s:o, s:o, s:o, s:i}", "id",
                     (json_int_t)c->id, "area", (json_int_t)c->area, "kind", c->kind, "state",
                     c->state, "size", (json_int_t)c->size,
                     "sha256", c->sha256[0] ? json_string(c->sha256) : json_null(), "version",
                     c->version[0] ? json_string(c->version) : json_null(), "error",
                     c->error[0] ? json_string(c->error) : json_null(), "created_at",
                     ob_api_instant(c->created_at), "stored_at",
                     c->stored_at ? ob_api_instant(c->stored_at) : json_null(), "attempts",
                     c->attempts);
}

static int
no_store(struct ob_req *req)
{
    return ob_err_set(&req->ctx->err, OB_EUNAVAIL, "store.unavailable", "reason=%s",
                      "the backup store is not open");
}

int
ob_api_copies_export(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_copy c;
    int64_t area = 0, id = 0;
    bool existing = false;
    int rc;

    if ((rc = ob_req_id(req, "id", &area)) != 0 ||
        (rc = ob_copy_export_ask(req->ctx, area, &id, &existing)) != 0 ||
        (rc = ob_copy_get(req->ctx, area, id, &c)) != 0)
        return rc;
    return ob_resp_json(resp, existing ? 200 : 202, copy_json(&c));
}

int
ob_api_copies_get(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_copy c;
    int64_t area = 0, id = 0;
    int rc;

    if ((rc = ob_req_id(req, "id", &area)) != 0 || (rc = ob_req_id(req, "copy", &id)) != 0 ||
        (rc = ob_copy_get(req->ctx, area, id, &c)) != 0)
        return rc;
    if (strcmp(c.kind, "export"))
        return ob_err_set(&req->ctx->err, OB_ENOTFOUND, "copy.not_found", "id=%" PRId64, id);
    return ob_resp_json(resp, 200, copy_json(&c));
}

static int
link(struct ob_req *req, struct ob_resp *resp, bool export)
{
    char token[OB_COPY_TOKEN_LEN + 1];
    const char *pub = req->ctx->cfg->public_url, *path;
    size_t n = strlen(pub);
    int64_t area = 0, id = 0, expires = 0;
    int rc;

    if ((rc = ob_req_id(req, "id", &area)) != 0 || (rc = ob_req_id(req, "copy", &id)) != 0 ||
        (rc = ob_copy_link(req->ctx, area, id, export, token, &expires)) != 0)
        return rc;
    while (n && pub[n - 1] == '/')
        n--;
    path = ob_arena_printf(&req->ctx->arena, "/api/v1/downloads/%s", token);
    return ob_resp_json(resp, 201,
                        json_pack("{s:s, s:s, s:o}", "url",
                                  ob_arena_printf(&req->ctx->arena, "%.*s%s", (int)n, pub, path),
                                  "path", path, "expires_at", ob_api_instant(expires)));
}

int
ob_api_copies_export_link(struct ob_req *req, struct ob_resp *resp)
{
    return link(req, resp, true);
}

int
ob_api_copies_backup_link(struct ob_req *req, struct ob_resp *resp)
{
    return link(req, resp, false);
}

/* The download's Content-Disposition (RFC 6266): the file named for the area
 * and the day the copy was stored, "Касса 2026-12-07.bin", in filename* as
 * percent-encoded UTF-8 (RFC 5987), with a filename beside it for clients
 * that know no other: the name itself when it is plain ASCII, else the copy's
 * kind ("export 2026-12-07.bin"). Slashes and control bytes become "_". */
static const char *
disposition(struct ob_arena *arena, const struct ob_download *d)
{
    static const char attr[] = "!#$&+-.^_`|~";
    const char *name = d->area_name && *d->area_name ? d->area_name : d->kind;
    size_t n = strlen(name), i, o = 0;
    char *enc = ob_arena_alloc(arena, n * 3 + 1), *plain = ob_arena_alloc(arena, n + 1);
    char day[OB_DATE_LEN];
    bool ascii = true;

    ob_date_format(ob_date_of_instant(d->stored_at), day);
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];

        if (c < 0x20 || c == 0x7f || c == '/' || c == '\\')
            c = '_';
        plain[i] = (char)c;
        if (c >= 0x80 || c == '"')
            ascii = false;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            (c && strchr(attr, c)))
            enc[o++] = (char)c;
        else
            o += (size_t)snprintf(enc + o, 4, "%%%02X", c);
    }
    enc[o] = 0;
    return ob_arena_printf(arena,
                           "attachment; filename=\"%s %s.bin\"; filename*=UTF-8''%s%%20%s.bin",
                           ascii ? plain : d->kind, day, enc, day);
}

int
ob_api_downloads_get(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_store *store = req->ctx->cfg->store;
    struct ob_store_reader *r = NULL;
    struct ob_download d;
    const char *etag, *if_range;
    int64_t size = 0, first = 0, last = 0;
    int rc, range;

    if ((rc = ob_copy_download(req->ctx, ob_req_param(req, "token"), &d)) != 0)
        return rc;
    if (!store)
        return no_store(req);
    if ((rc = ob_store_reader_open(store, d.object, &r, &size, &req->ctx->err)) != 0)
        return rc == OB_ENOTFOUND
                   ? ob_err_set(&req->ctx->err, OB_ENOTFOUND, "copy.link_not_found")
                   : rc;
    etag = ob_arena_printf(&req->ctx->arena, "\"%s\"", d.sha256);
    if_range = ob_req_header(req, "If-Range");
    range = ob_range_parse(if_range && strcmp(if_range, etag) ? NULL
                                                              : ob_req_header(req, "Range"),
                           size, &first, &last);
    ob_resp_header(resp, "Accept-Ranges", "bytes");
    ob_resp_header(resp, "ETag", etag);
    ob_resp_header(resp, "Cache-Control", "private, no-store");
    if (range == OB_RANGE_NONE) {
        ob_store_reader_close(r);
        resp->status = 416;
        ob_resp_header(resp, "Content-Range",
                       ob_arena_printf(&req->ctx->arena, "bytes */%" PRId64, size));
        return 0;
    }
    ob_resp_header(resp, "Content-Disposition", disposition(&req->ctx->arena, &d));
    resp->status = range == OB_RANGE_PART ? 206 : 200;
    if (range == OB_RANGE_PART)
        ob_resp_header(resp, "Content-Range",
                       ob_arena_printf(&req->ctx->arena,
                                       "bytes %" PRId64 "-%" PRId64 "/%" PRId64, first, last,
                                       size));
    resp->content_type = "application/octet-stream";
    resp->reader = r;
    resp->reader_off = first;
    resp->reader_len = size ? last - first + 1 : 0;
    return 0;
}

/* ?test=true|false (absent: false). */
static int
query_bool(struct ob_req *req, const char *name, bool *out)
{
    const char *v = ob_req_query(req, name);

    *out = v && !strcmp(v, "true");
    if (v && strcmp(v, "true") && strcmp(v, "false"))
        return ob_err_field(&req->ctx->err, OB_EINVAL, name, "field.boolean");
    return 0;
}

int
ob_api_copies_upload(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_store *store = req->ctx->cfg->store;
    struct ob_area_new in = { 0 };
    const char *want = ob_req_header(req, "X-Oblako-Sha256");
    struct ob_area a;
    int64_t area = 0, copy = 0;
    char object[64], r[17];
    int rc;

    if ((rc = ob_api_query_id(req, "subscriber", &in.subscriber)) != 0 ||
        (rc = query_bool(req, "test", &in.test)) != 0)
        return rc;
    in.name = ob_req_query(req, "name");
    in.app = ob_req_query(req, "application");
    if (!in.name || !*in.name)
        return ob_err_field(&req->ctx->err, OB_EINVAL, "name", "field.required");
    if (!in.app || !*in.app)
        return ob_err_field(&req->ctx->err, OB_EINVAL, "application", "field.required");
    if ((rc = ob_copy_upload_may(req->ctx, in.subscriber)) != 0)
        return rc;
    if (!store)
        return no_store(req);
    if (!req->file || req->file_size <= 0)
        return ob_err_field(&req->ctx->err, OB_EINVAL, "body", "copy.upload_empty");
    if (want && strcmp(want, req->file_sha256))
        return ob_err_field(&req->ctx->err, OB_EINVAL, "X-Oblako-Sha256", "copy.upload_checksum",
                            "got=%s", req->file_sha256);
    ob_rand_hex(r, 8);
    snprintf(object, sizeof(object), "uploads/%s.bin", r);
    if ((rc = ob_store_put(store, object, req->file, req->file_sha256, &req->ctx->err)) != 0)
        return rc;
    if ((rc = ob_copy_upload(req->ctx, &in, object, req->file_size, req->file_sha256, &area,
                             &copy)) != 0) {
        struct ob_err keep = req->ctx->err;

        ob_store_delete(store, object, &keep);  /* the area was refused: nothing keeps it */
        return rc;
    }
    if ((rc = ob_area_get(req->ctx, area, &a)) != 0)
        return rc;
    /* the area as far as it is made: its page follows it (GET /api/v1/areas/{id}) */
    return ob_resp_json(resp, 202,
                        json_pack("{s:{s:I, s:I, s:s, s:s, s:s}, s:{s:I, s:I, s:s}}", "area",
                                  "id", (json_int_t)a.id, "subscriber", (json_int_t)a.subscriber,
                                  "name", a.name, "application", a.app_code, "state", a.state,
                                  "copy", "id", (json_int_t)copy, "size",
                                  (json_int_t)req->file_size, "sha256", req->file_sha256));
}
