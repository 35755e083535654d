/*
 * audit.c — GET /api/v1/audit (provider staff) and
 * GET /api/v1/subscribers/{id}/audit (the subscriber's owner and
 * administrators, its partner's owner, provider staff).
 *
 * Both take the same filters: ?account= (the first only), ?actor= (a person
 * id), ?actor_email=, ?action= (exact, or a prefix ending with '*'),
 * ?from=&to= (service dates: from inclusive, to exclusive, like every date
 * range of the service), ?q= (a substring of the summary); newest first,
 * paged by id. An export flattens the actor and the object into columns.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/handlers.h"
#include "api/list.h"
#include "base/ctx.h"
#include "base/buf.h"
#include "base/date.h"
#include "base/utf8.h"
#include "model/audit/auditlog.h"
#include "model/identity/access.h"
#include "base/banned.h"

static json_t *
id_or_null(int64_t v)
{
    return v ? json_integer(v) : json_null();
}

/* A JSON string of s ("" for NULL); bytes that are not UTF-8 (a summary
 * cut in the middle of a character, a record changed by hand) become
 * U+FFFD instead of failing the whole list. */
static json_t *
str(const char *s)
{
    struct ob_buf b;
    json_t *v;

    if (!s)
        return json_string("");
    if (ob_utf8_valid(s))
        return json_string(s);
    ob_buf_init(&b, strlen(s) * 3 + 1);
    while (*s) {
        size_t n = ob_utf8_len((const unsigned char *)s);

        if (n)
            ob_buf_add(&b, s, n);
        else
            ob_buf_adds(&b, "\xEF\xBF\xBD");
        s += n ? n : 1;
    }
    v = json_stringn(b.p ? b.p : "", b.len);
    ob_buf_free(&b);
    return v;
}

static json_t *
str_or_null(const char *s)
{
    return s && *s ? str(s) : json_null();
}

/* The summary as the actor may read it. A subscription's summary names
 * the partner's discount and the amount it owes (", 65% (new_client), due
 * 1038240"); the subscriber's own people are shown the retail price only
 * (issue 11), so that part is cut out for them. */
static const char *
shown(struct ob_ctx *ctx, const struct ob_audit_record *r, bool retail_only)
{
    const char *from, *p, *q;
    char *out = NULL;

    if (!retail_only || !r->summary || strncmp(r->action ? r->action : "", "subscription.", 13))
        return r->summary;
    /* a change names the subscription before and after: every such part goes */
    for (from = r->summary, p = strstr(from, ", "); p; p = strstr(p + 1, ", ")) {
        q = p + 2;
        if (*q < '0' || *q > '9')
            continue;
        while (*q >= '0' && *q <= '9')
            q++;
        if (strncmp(q, "% (", 3) || !(q = strstr(q, "), due ")))
            continue;
        q += 7;
        while (*q == '-' || (*q >= '0' && *q <= '9'))
            q++;
        out = ob_arena_printf(&ctx->arena, "%s%.*s", out ? out : "", (int)(p - from), from);
        from = q;
        p = q - 1;
    }
    return out ? ob_arena_printf(&ctx->arena, "%s%s", out, from) : r->summary;
}

/* What the partner's commercial terms are called in params: the
 * subscriber's own people never get them (R-SUB-1). */
static const char *const partner_terms[] = { "discount_pct", "discount_rule", "amount_due",
                                             NULL };

static void
strip_terms(json_t *o)
{
    const char *k;
    json_t *v;

    if (!json_is_object(o))
        return;
    for (int i = 0; partner_terms[i]; i++)
        json_object_del(o, partner_terms[i]);
    json_object_foreach(o, k, v)
        strip_terms(v); /* a change's before and after */
}

/* The record's params as the actor may read them: an object, {} for none
 * (records written before params, or by writers with nothing to add). */
static json_t *
params_of(const struct ob_audit_record *r, bool retail_only)
{
    json_t *p = r->params ? json_loads(r->params, 0, NULL) : NULL;

    if (!json_is_object(p)) {
        json_decref(p);
        return json_object();
    }
    if (retail_only)
        strip_terms(p);
    return p;
}

static json_t *
item(const struct ob_audit_record *r, const char *summary, bool retail_only)
{
    char at[OB_INSTANT_LEN];
    json_t *o;

    ob_instant_format(r->at, at);
    o = json_pack("{s:I, s:s, s:{s:o, s:o, s:o}, s:o, s:o, s:{s:o, s:o}, s:o, s:o, s:o, s:b}",
                     "id", (json_int_t)r->id, "at", at, "actor", "person",
                     id_or_null(r->actor_person), "token", id_or_null(r->actor_token), "name",
                     str_or_null(r->actor_name), "account", id_or_null(r->account), "action",
                     str(r->action), "object", "type", str_or_null(r->object_type), "id",
                     str_or_null(r->object_id), "summary", str(summary), "addr", str(r->addr),
                     "request_id", str(r->request_id), "sealed", r->sealed);
    json_object_set_new(json_object_get(o, "actor"), "person_name",
                        str_or_null(r->actor_person_name));
    json_object_set_new(o, "account_name", str_or_null(r->account_name));
    json_object_set_new(json_object_get(o, "object"), "name", str_or_null(r->object_name));
    json_object_set_new(o, "params", params_of(r, retail_only));
    return o;
}

/* One row of an export: the same, one column per value. */
static json_t *
flat(const struct ob_audit_record *r, const char *summary, bool retail_only)
{
    char at[OB_INSTANT_LEN];
    json_t *o, *p;
    char *text;

    ob_instant_format(r->at, at);
    o = json_pack("{s:I, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b}", "id",
                     (json_int_t)r->id, "at", at, "actor_person", id_or_null(r->actor_person),
                     "actor_token", id_or_null(r->actor_token), "actor_name", str(r->actor_name),
                     "account", id_or_null(r->account), "action", str(r->action), "object_type",
                     str(r->object_type), "object_id", str(r->object_id), "summary",
                     str(summary), "addr", str(r->addr), "request_id", str(r->request_id),
                     "sealed", r->sealed);
    p = params_of(r, retail_only);
    text = json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS);
    json_object_set_new(o, "params", json_string(text ? text : "{}"));
    free(text);
    json_decref(p);
    return o;
}

struct rows {
    struct ob_list *l;
    struct ob_ctx *ctx;
    bool retail_only;   /* the actor is only the subscriber's own */
    const char *q;      /* retail_only: the search, matched against what is shown */
};

static int
row(const struct ob_audit_record *r, void *arg)
{
    struct rows *w = arg;
    const char *summary = shown(w->ctx, r, w->retail_only);

    /* ?q= found the stored summary; what was cut from it is not searchable
     * by the people it was cut for (a search for '65%' must not tell them
     * the discount). Past one row more than the page, the page is known. */
    if (w->q && !strstr(summary, w->q))
        return 0;
    if (!w->l->export && w->l->count > w->l->page)
        return 1;
    return ob_list_add(w->l, r->id,
                       w->l->export ? flat(r, summary, w->retail_only)
                                    : item(r, summary, w->retail_only));
}

static int
query_id(struct ob_req *req, const char *name, int64_t *out)
{
    const char *v = ob_req_query(req, name);
    char *end;

    *out = 0;
    if (!v)
        return 0;
    *out = strtoll(v, &end, 10);
    if (!*v || *end || *out <= 0)
        return ob_err_field(&req->ctx->err, OB_EINVAL, name, "field.id");
    return 0;
}

static int
query_date(struct ob_req *req, const char *name, int64_t *out)
{
    const char *v = ob_req_query(req, name);
    int32_t day;

    *out = 0;
    if (!v)
        return 0;
    if (ob_date_parse_input(v, &day) != 0)
        return ob_err_field(&req->ctx->err, OB_EINVAL, name, "field.date");
    *out = ob_date_start(day);
    return 0;
}

static int
filters(struct ob_req *req, struct ob_audit_filter *f)
{
    int rc;

    memset(f, 0, sizeof(*f));
    f->actor_email = ob_req_query(req, "actor_email");
    f->action = ob_req_query(req, "action");
    f->q = ob_req_query(req, "q");
    if ((rc = query_id(req, "account", &f->account)) != 0 ||
        (rc = query_id(req, "actor", &f->actor)) != 0 ||
        (rc = query_date(req, "from", &f->from)) != 0)
        return rc;
    return query_date(req, "to", &f->to);
}

/* sub: the subscriber of the path, 0 for the whole log. */
static int
audit_list(struct ob_req *req, struct ob_resp *resp, int64_t sub)
{
    struct ob_audit_filter f;
    struct ob_list l;
    struct rows w = { &l, req->ctx, false, NULL };
    int rc;

    if ((rc = filters(req, &f)) != 0 || (rc = ob_list_begin(req, &l)) != 0)
        return rc;
    l.name = "audit";
    w.retail_only = sub && ob_access_subscriber_only(req->ctx, sub);
    if (w.retail_only && f.q && *f.q) {
        /* rows the search found may be dropped: read on until the page fills */
        w.q = f.q;
        l.limit = INT_MAX;
    }
    rc = sub ? ob_auditlog_list_subscriber(req->ctx, sub, &f, l.after, l.limit, row, &w)
             : ob_auditlog_list(req->ctx, &f, l.after, l.limit, row, &w);
    if (rc != 0) {
        ob_list_free(&l);
        return rc;
    }
    return ob_list_end(req, resp, &l);
}

int
ob_api_audit_list(struct ob_req *req, struct ob_resp *resp)
{
    return audit_list(req, resp, 0);
}

int
ob_api_subscriber_audit(struct ob_req *req, struct ob_resp *resp)
{
    int64_t sub;
    int rc = ob_req_id(req, "id", &sub);

    return rc ? rc : audit_list(req, resp, sub);
}
