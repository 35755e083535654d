/*
 * list.c — pages and exports of lists.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/list.h"
#include "base/ctx.h"
#include "base/log.h"
#include "base/buf.h"
#include "base/banned.h"

#define DEFAULT_LIMIT 50
#define MAX_LIMIT 500

int
ob_list_begin(struct ob_req *req, struct ob_list *l)
{
    const char *limit = ob_req_query(req, "limit"), *after = ob_req_query(req, "after");
    const char *format = ob_req_query(req, "format");
    char *end;

    memset(l, 0, sizeof(*l));
    l->page = DEFAULT_LIMIT;
    l->name = "export";
    if (limit) {
        long v = strtol(limit, &end, 10);

        if (*end || v < 1 || v > MAX_LIMIT)
            return ob_err_field(&req->ctx->err, OB_EINVAL, "limit", "field.limit_range",
                                "max_limit=%d", MAX_LIMIT);
        l->page = (int)v;
    }
    if (after && *after) {
        l->after_text = after;
        l->after = strtoll(after, &end, 10);
        if (*end)
            l->after = 0;
    }
    if (format && strcmp(format, "json")) {
        if (!strcmp(format, "csv"))
            l->fmt = OB_TABLE_CSV;
        else if (!strcmp(format, "xlsx"))
            l->fmt = OB_TABLE_XLSX;
        else
            return ob_err_field(&req->ctx->err, OB_EINVAL, "format", "field.format");
        l->export = true;
        req->ctx->rows_stream = true;   /* every row goes out at once: db.h, "reading rows" */
        l->after = 0;
        l->after_text = NULL;
        l->limit = INT_MAX;
        if (ob_table_open(l->fmt, "Oblako", &l->table) != 0)
            return ob_err_set(&req->ctx->err, OB_EINTERNAL, "list.export_create_failed");
        return 0;
    }
    l->limit = l->page + 1;
    l->items = json_array();
    return 0;
}

static int
export_row(struct ob_list *l, json_t *row)
{
    json_t *values = json_array(), *v;
    const char *k;
    int rc;

    if (!l->header) {
        l->header = json_array();
        json_object_foreach(row, k, v)
            json_array_append_new(l->header, json_string(k));
        if ((rc = ob_table_row(l->table, l->header)) != 0) {
            json_decref(values);
            return rc;
        }
    }
    json_object_foreach(row, k, v)
        json_array_append(values, v);
    rc = ob_table_row(l->table, values);
    json_decref(values);
    return rc;
}

static int
add(struct ob_list *l, json_t *row)
{
    int rc = 0;

    if (l->export)
        rc = export_row(l, row);
    else if (l->count < l->page)
        json_array_append(l->items, row);
    json_decref(row);
    l->count++;
    return rc;
}

int
ob_list_add(struct ob_list *l, int64_t key, json_t *row)
{
    if (l->count < l->page)
        l->last_key = key;
    return add(l, row);
}

int
ob_list_add_text(struct ob_list *l, const char *key, json_t *row)
{
    int rc;

    if (l->count < l->page) {
        free((char *)l->last_text);
        l->last_text = ob_xstrdup(key);
    }
    rc = add(l, row);
    return rc;
}

static const char *
next_url(struct ob_req *req, struct ob_list *l)
{
    struct ob_buf b;
    const char *url;
    char key[32];

    ob_buf_init(&b, 8192);
    ob_buf_adds(&b, req->path);
    ob_buf_addc(&b, '?');
    for (int i = 0; i < req->nquery; i++) {
        if (!strcmp(req->query[i].name, "after"))
            continue;
        ob_buf_addf(&b, "%s=", req->query[i].name);
        for (const char *p = req->query[i].value; *p; p++)
            ob_buf_addf(&b, strchr("&=#+% ?", *p) ? "%%%02X" : "%c", (unsigned char)*p);
        ob_buf_addc(&b, '&');
    }
    snprintf(key, sizeof(key), "%lld", (long long)l->last_key);
    ob_buf_addf(&b, "after=%s", l->last_text ? l->last_text : key);
    url = ob_arena_strdup(&req->ctx->arena, b.p);
    ob_buf_free(&b);
    return url;
}

int
ob_list_end(struct ob_req *req, struct ob_resp *resp, struct ob_list *l)
{
    int rc = 0;

    if (l->export) {
        int fd;
        size_t size;

        rc = ob_table_finish(l->table, &fd, &size);
        l->table = NULL;
        if (rc != 0) {
            ob_list_free(l);
            return ob_err_set(&req->ctx->err, OB_EINTERNAL, "list.export_write_failed");
        }
        resp->status = 200;
        resp->has_fd = true;
        resp->fd = fd;
        resp->fd_size = size;
        resp->content_type = ob_table_mime(l->fmt);
        ob_resp_header(resp, "Content-Disposition",
                       ob_arena_printf(&req->ctx->arena, "attachment; filename=\"%s.%s\"",
                                       l->name, ob_table_ext(l->fmt)));
        ob_resp_header(resp, "Cache-Control", "no-store");
    } else {
        json_t *page = json_pack("{s:O, s:o}", "items", l->items, "next",
                                 l->count > l->page ? json_string(next_url(req, l))
                                                    : json_null());

        rc = ob_resp_json(resp, 200, page);
    }
    ob_list_free(l);
    return rc;
}

void
ob_list_free(struct ob_list *l)
{
    json_decref(l->items);
    json_decref(l->header);
    free((char *)l->last_text);
    ob_table_abort(l->table);
    memset(l, 0, sizeof(*l));
}
