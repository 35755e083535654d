/*
 * outbox.c — rendering templates and queueing messages.
 */
#include <stdio.h>
#include <string.h>

#include "base/asset.h"
#include "base/buf.h"
#include "base/config.h"
#include "base/ctx.h"
#include "base/log.h"
#include "base/rand.h"
#include "db/db.h"
#include "model/core/outbox.h"
#include "model/core/task.h"
#include "base/banned.h"

/* Delivery attempts of a message: 1, 2, 4 … s apart, then hourly, about five
 * days in all, as long as an MTA keeps mail it cannot deliver yet. */
#define MAIL_ATTEMPTS 130

static void
escape_html(struct ob_buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': ob_buf_adds(b, "&lt;"); break;
        case '>': ob_buf_adds(b, "&gt;"); break;
        case '&': ob_buf_adds(b, "&amp;"); break;
        case '"': ob_buf_adds(b, "&quot;"); break;
        case '\'': ob_buf_adds(b, "&#39;"); break;
        default: ob_buf_addc(b, *s);
        }
    }
}

static const char *
value(json_t *vars, const char *name, char *tmp, size_t size)
{
    json_t *v = json_object_get(vars, name);

    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v)) {
        snprintf(tmp, size, "%lld", (long long)json_integer_value(v));
        return tmp;
    }
    return NULL;
}

/* Expand {{name}} in text [p, end) into b. A section {{#list}} … {{/list}}
 * repeats its text for each object of the array `list`, whose members hide
 * the outer names, or shows it once when `list` is true; {{^list}} …
 * {{/list}} is there only when `list` is empty, false or missing (a
 * digest's rows, a reminder's wording: the words stay in the templates).
 * Sections do not nest in themselves. */
static int
expand_into(struct ob_ctx *ctx, const char *path, const char *p, const char *end, json_t *vars,
            bool html, struct ob_buf *b)
{
    int rc = 0;

    while (p < end && rc == 0) {
        const char *open = strstr(p, "{{"), *close;
        char name[64], tmp[32];
        const char *v;

        if (!open || open >= end) {
            ob_buf_add(b, p, (size_t)(end - p));
            break;
        }
        ob_buf_add(b, p, (size_t)(open - p));
        close = strstr(open, "}}");
        if (!close || close >= end || (size_t)(close - open - 2) >= sizeof(name))
            return ob_err_set(&ctx->err, OB_EINTERNAL, "mail.template_unclosed", "path=%s", path);
        snprintf(name, sizeof(name), "%.*s", (int)(close - open - 2), open + 2);
        if (name[0] == '#' || name[0] == '^') {
            char tag[68];
            const char *body = close + 2, *stop;
            json_t *list = json_object_get(vars, name + 1);
            size_t n = json_is_array(list) ? json_array_size(list) : json_is_true(list) ? 1 : 0;

            snprintf(tag, sizeof(tag), "{{/%s}}", name + 1);
            if (!(stop = strstr(body, tag)) || stop >= end)
                return ob_err_set(&ctx->err, OB_EINTERNAL, "mail.template_unclosed", "path=%s",
                                  path);
            if (name[0] == '^' && n == 0)
                rc = expand_into(ctx, path, body, stop, vars, html, b);
            for (size_t i = 0; name[0] == '#' && i < n && rc == 0; i++) {
                json_t *item = json_is_array(list) ? json_array_get(list, i) : NULL;
                json_t *all = json_copy(vars);

                if (json_is_object(item))
                    json_object_update(all, item);
                rc = expand_into(ctx, path, body, stop, all, html, b);
                json_decref(all);
            }
            p = stop + strlen(tag);
            continue;
        }
        if (!(v = value(vars, name, tmp, sizeof(tmp))))
            return ob_err_set(&ctx->err, OB_EINTERNAL, "mail.template_needs", "path=%s name=%s",
                              path, name);
        if (html)
            escape_html(b, v);
        else
            ob_buf_adds(b, v);
        p = close + 2;
    }
    return rc;
}

static int
expand(struct ob_ctx *ctx, const struct ob_asset *a, json_t *vars, bool html, const char **out)
{
    const char *p = (const char *)a->data;
    struct ob_buf b;
    int rc;

    ob_buf_init(&b, (size_t)1 << 20);
    rc = expand_into(ctx, a->path, p, p + a->len, vars, html, &b);
    if (rc == 0)
        *out = ob_arena_strdup(&ctx->arena, b.p);
    else
        ob_log(OB_LOG_ERROR, "mail template", "{s:s}", "error", ctx->err.message);
    ob_buf_free(&b);
    return rc;
}

int
ob_template_render(struct ob_ctx *ctx, const char *path, json_t *vars, bool html,
                   const char **out)
{
    const struct ob_asset *a = ob_asset_find(ob_mail_assets, ob_nmail_assets, path);

    if (!a)
        return ob_err_set(&ctx->err, OB_EINTERNAL, "mail.no_template", "path=%s", path);
    return expand(ctx, a, vars, html, out);
}

static int
part(struct ob_ctx *ctx, const char *lang, const char *tmpl, const char *ext, json_t *vars,
     const char **out)
{
    char path[160];
    const struct ob_asset *a;

    snprintf(path, sizeof(path), "/%s/%s.%s", lang, tmpl, ext);
    if (!(a = ob_asset_find(ob_mail_assets, ob_nmail_assets, path)))
        return ob_err_set(&ctx->err, OB_EINTERNAL, "mail.no_template", "path=%s", path);
    return expand(ctx, a, vars, !strcmp(ext, "html"), out);
}

int
ob_outbox_render(struct ob_ctx *ctx, const char *lang, const char *tmpl, json_t *vars,
                 const char **subject, const char **text, const char **html)
{
    json_t *all = json_object();
    int rc;

    if (!lang || strcmp(lang, "en"))
        lang = "ru";
    if (vars)
        json_object_update(all, vars);
    json_object_set_new(all, "public_url",
                        json_string(ctx->cfg && ctx->cfg->public_url[0] ? ctx->cfg->public_url
                                                                        : "http://127.0.0.1:8080"));
    rc = part(ctx, lang, tmpl, "subject", all, subject);
    if (rc == 0)
        rc = part(ctx, lang, tmpl, "txt", all, text);
    if (rc == 0)
        rc = part(ctx, lang, tmpl, "html", all, html);
    json_decref(all);
    if (rc == 0) {
        char *nl = strchr(*subject, '\n');      /* a subject is one line */

        if (nl)
            *nl = '\0';
    }
    return rc;
}

static void
message_id(struct ob_ctx *ctx, char *out, size_t size)
{
    const char *url = ctx->cfg && ctx->cfg->public_url[0] ? ctx->cfg->public_url : "localhost";
    const char *host = strstr(url, "://");
    char rnd[33];

    host = host ? host + 3 : url;
    ob_rand_hex(rnd, 16);
    snprintf(out, size, "<%s@%.*s>", rnd, (int)strcspn(host, ":/"), host);
}

int
ob_outbox_add(struct ob_ctx *ctx, const char *to, const char *lang, const char *tmpl,
              json_t *vars, int64_t account)
{
    return ob_outbox_queue(ctx, to, lang, tmpl, vars, account, NULL);
}

int
ob_outbox_queue(struct ob_ctx *ctx, const char *to, const char *lang, const char *tmpl,
                json_t *vars, int64_t account, int64_t *out)
{
    const char *subject, *text, *html;
    char mid[160], key[48], payload[64];
    int64_t id = 0, task;
    int rc;

    if (!lang || strcmp(lang, "en"))
        lang = "ru";
    if ((rc = ob_outbox_render(ctx, lang, tmpl, vars, &subject, &text, &html)) != 0)
        return rc;
    message_id(ctx, mid, sizeof(mid));
    rc = ob_db_get_int(ctx->db, &id,
                       "INSERT INTO outbox (created_at, to_addr, lang, template, subject, "
                       "body_text, body_html, message_id, account_id) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                       "ittttttti", ob_clock_now(ctx), to, lang, tmpl, subject, text, html,
                       mid, account);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (out)
        *out = id;
    snprintf(key, sizeof(key), "mail:%lld", (long long)id);
    snprintf(payload, sizeof(payload), "{\"outbox\":%lld}", (long long)id);
    return ob_task_enqueue(ctx, "mail.send", payload, key, MAIL_ATTEMPTS, &task);
}

int
ob_outbox_copy(struct ob_ctx *ctx, int64_t id, int64_t *copy)
{
    char mid[160], key[48], payload[64];
    int64_t task;
    int rc;

    message_id(ctx, mid, sizeof(mid));
    rc = ob_db_get_int(ctx->db, copy,
                       "INSERT INTO outbox (created_at, to_addr, lang, template, subject, "
                       "body_text, body_html, message_id, account_id, resent_from) "
                       "SELECT ?, to_addr, lang, template, subject, body_text, body_html, ?, "
                       "account_id, id FROM outbox WHERE id = ? RETURNING id",
                       "iti", ob_clock_now(ctx), mid, id);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (rc != OB_DB_ROW)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "mail.message_not_found", "id=%lld",
                          (long long)id);
    snprintf(key, sizeof(key), "mail:%lld", (long long)*copy);
    snprintf(payload, sizeof(payload), "{\"outbox\":%lld}", (long long)*copy);
    return ob_task_enqueue(ctx, "mail.send", payload, key, MAIL_ATTEMPTS, &task);
}

static void
read_mail(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct ob_mail *out = arg;

    out->id = ob_stmt_int(st, 0);
    out->to = ob_stmt_dup(ctx, st, 1);
    out->subject = ob_stmt_dup(ctx, st, 2);
    out->text = ob_stmt_dup(ctx, st, 3);
    out->html = ob_stmt_dup(ctx, st, 4);
    out->message_id = ob_stmt_dup(ctx, st, 5);
    out->state = ob_stmt_dup(ctx, st, 6);
    out->created_at = ob_stmt_int(st, 7);
}

int
ob_outbox_get(struct ob_ctx *ctx, int64_t id, struct ob_mail *out)
{
    int rc;

    memset(out, 0, sizeof(*out));
    rc = ob_db_one(ctx, read_mail, out,
                   "SELECT id, to_addr, subject, body_text, body_html, message_id, state, "
                   "created_at FROM outbox WHERE id = ?",
                   "i", id);
    if (rc == OB_ENOTFOUND)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "mail.message_not_found", "id=%lld",
                          (long long)id);
    return rc;
}

struct list_fn {
    int (*fn)(const struct ob_mail *, void *);
    void *arg;
};

static int
list_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct list_fn *f = arg;
    struct ob_mail m;

    read_mail(ctx, st, &m);
    return f->fn(&m, f->arg);
}

int
ob_outbox_list(struct ob_ctx *ctx, int limit, int (*fn)(const struct ob_mail *, void *),
               void *arg)
{
    struct list_fn f = { fn, arg };

    return ob_db_each(ctx, list_row, &f,
                      "SELECT id, to_addr, subject, body_text, body_html, message_id, state, "
                      "created_at FROM outbox ORDER BY id DESC LIMIT ?",
                      "i", (int64_t)limit);
}

int
ob_outbox_mark(struct ob_ctx *ctx, int64_t id, const char *state, const char *error)
{
    int64_t n = ob_db_run(ctx->db,
                          "UPDATE outbox SET state = ?, sent_at = CASE WHEN ? = 'sent' THEN ? "
                          "ELSE sent_at END, last_error = ? WHERE id = ?",
                          "ttiti", state, state, ob_clock_real(), error, id);

    return n < 0 ? ob_db_err(ctx, (int)n) : 0;
}

static void
read_int(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    (void)ctx;
    *(int64_t *)out = ob_stmt_int(st, 0);
}

int
ob_outbox_waiting(struct ob_ctx *ctx, int64_t *depth, int64_t *oldest)
{
    int rc;

    *depth = *oldest = 0;
    rc = ob_db_one(ctx, read_int, depth, "SELECT COUNT(*) FROM outbox WHERE state = 'queued'",
                   NULL);
    /* ids grow with time: the lowest queued id is the oldest */
    if (rc == 0)
        rc = ob_db_one(ctx, read_int, oldest,
                       "SELECT created_at FROM outbox WHERE state = 'queued' ORDER BY id LIMIT 1",
                       NULL);
    return rc == OB_ENOTFOUND ? 0 : rc;
}
