/*
 * regpages.c — registration pages (R-ONB-5): the partner's API
 * (GET/POST /api/v1/regpages, GET/PATCH /api/v1/regpages/{id},
 * GET /api/v1/regpages/{id}/stats), the hosted page (GET /r/{slug}), the
 * form's post (POST and OPTIONS /r/{slug}) and the sign-in link
 * (GET /auth/link?token=…).
 *
 * The hosted page is HTML rendered from the templates page/{ru,en}/
 * regpage.html (the mail template engine: every value HTML-escaped) and
 * works without JavaScript. POST /r/{slug} takes no cookie and no CSRF
 * token: it is a public form anybody's site may post. A plain form post
 * answers 303 to the next step (the sign-in link, or the "check your mail"
 * page); its refusals re-render the page with the error next to its
 * field. A fetch (Accept: application/json, or a JSON body) gets
 * {"next": URL} or the problem+json of the refusal, and CORS headers only
 * when its Origin is one of the page's origins; a fetch from an origin not
 * listed is refused before anything is done (docs/decisions.md).
 */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/handlers.h"
#include "api/list.h"
#include "base/config.h"
#include "base/ctx.h"
#include "base/msg.h"
#include "model/core/outbox.h"
#include "model/identity/access.h"
#include "model/identity/person.h"
#include "model/onboarding/regpage.h"
#include "model/onboarding/signin.h"
#include "base/banned.h"

/* ---- the partner's API ----------------------------------------------------------------- */

/* The URL the client reached this service by: the public URL's scheme and
 * the Host the request was sent to (the public URL without one). */
static const char *
base_url(struct ob_req *req)
{
    const char *pub = req->ctx->cfg->public_url;
    const char *host = ob_req_header(req, "Host");
    bool https = !strncmp(pub, "https://", 8);

    if (!host || !*host || strpbrk(host, "/\\@ \"<>"))
        return pub;
    return ob_arena_printf(&req->ctx->arena, "%s://%s", https ? "https" : "http", host);
}

static const char *
snippet(struct ob_req *req, const struct ob_regpage *p)
{
    const char *url = ob_arena_printf(&req->ctx->arena, "%s/r/%s", base_url(req), p->slug);

    return ob_arena_printf(
        &req->ctx->arena,
        "<form method=\"post\" action=\"%s\" accept-charset=\"utf-8\">\n"
        "  <label>Имя <input name=\"name\" required maxlength=\"200\" autocomplete=\"name\"></label>\n"
        "  <label>Электронная почта <input name=\"email\" type=\"email\" required "
        "autocomplete=\"email\"></label>\n"
        "  <label>Телефон <input name=\"phone\" type=\"tel\" required "
        "autocomplete=\"tel\"></label>\n%s"
        "  <div style=\"position:absolute;left:-10000px\" aria-hidden=\"true\">\n"
        "    <input name=\"website\" tabindex=\"-1\" autocomplete=\"off\">\n"
        "  </div>\n"
        "  <input type=\"hidden\" name=\"lang\" value=\"ru\">\n"
        "  <button type=\"submit\">Зарегистрироваться</button>\n"
        "</form>\n",
        url,
        /* the provider's own pages ask the region: lead rules route by it (R-ONB-7) */
        p->partner ? ""
                   : "  <label>Регион <input name=\"region\" maxlength=\"100\" "
                     "autocomplete=\"address-level1\"></label>\n");
}

static json_t *
origins_json(const char *origins)
{
    json_t *a = json_array();

    for (const char *p = origins; p && *p;) {
        size_t n = strcspn(p, "\n");

        if (n)
            json_array_append_new(a, json_stringn(p, n));
        p += n;
        if (*p)
            p++;
    }
    return a;
}

static json_t *
page_json(struct ob_req *req, const struct ob_regpage *p)
{
    json_t *o = json_pack(
        "{s:I, s:o, s:s, s:s, s:s, s:s, s:{s:I, s:s, s:s, s:s}, s:i, s:o, s:o, s:b, s:s, s:o, "
        "s:o}",
        "id", (json_int_t)p->id, "partner_id", p->partner ? json_integer(p->partner) : json_null(),
        "partner_name", p->partner_name, "name", p->name, "slug", p->slug, "url",
        ob_arena_printf(&req->ctx->arena, "%s/r/%s", base_url(req), p->slug), "tariff", "id",
        (json_int_t)p->tariff, "code", p->tariff_code, "name_ru", p->tariff_name_ru, "name_en",
        p->tariff_name_en, "trial_days", p->trial_days, "application",
        p->app ? json_pack("{s:s, s:s, s:s}", "code", p->app_code, "name_ru", p->app_name_ru,
                           "name_en", p->app_name_en)
               : json_null(),
        "origins", origins_json(p->origins), "confirm_email", p->confirm_email, "state", p->state,
        "created_at", ob_api_instant(p->created_at), "updated_at", ob_api_instant(p->updated_at));

    json_object_set_new(o, "snippet", json_string(snippet(req, p)));
    json_object_set_new(o, "endpoint", json_string(ob_arena_printf(&req->ctx->arena, "%s/r/%s",
                                                                   base_url(req), p->slug)));
    return o;
}

/* The members of a create or a change. */
static int
read_change(struct ob_req *req, bool create, struct ob_regpage_change *c)
{
    static const char *const names[] = { "partner_id", "name", "tariff_id", "trial_days",
                                         "application", "origins", "confirm_email", "state",
                                         NULL };
    json_t *v;
    int rc, b = -1;

    memset(c, 0, sizeof(*c));
    c->confirm_email = -1;
    if ((rc = ob_req_object(req)) != 0 ||
        (rc = ob_api_only_members(req, req->json, "", names)) != 0 ||
        (rc = ob_req_str(req, "name", 1000, false, &c->name)) != 0 ||
        (rc = ob_req_str(req, "state", 20, false, &c->state)) != 0 ||
        (rc = ob_api_bool_member(req, "confirm_email", &b)) != 0)
        return rc;
    c->confirm_email = b;
    if (create && c->state)
        return ob_err_field(&req->ctx->err, OB_EINVAL, "state", "field.unknown");
    if ((v = json_object_get(req->json, "tariff_id")) && !json_is_null(v)) {
        if (!json_is_integer(v) || json_integer_value(v) <= 0)
            return ob_err_field(&req->ctx->err, OB_ENOTFOUND, "tariff_id", "regpage.no_tariff",
                                "id=%lld", 0LL);
        c->tariff = json_integer_value(v);
    }
    if ((v = json_object_get(req->json, "trial_days"))) {
        if (!json_is_integer(v))
            return ob_err_field(&req->ctx->err, OB_EINVAL, "trial_days", "regpage.trial_days",
                                "days=%lld", 0LL);
        c->trial_set = true;
        c->trial_days = json_integer_value(v);
    }
    if ((v = json_object_get(req->json, "application"))) {
        if (!json_is_null(v) && !json_is_string(v))
            return ob_err_field(&req->ctx->err, OB_EINVAL, "application", "field.string");
        c->app_set = true;
        c->app = json_is_string(v) ? json_string_value(v) : NULL;
    }
    if ((v = json_object_get(req->json, "origins"))) {
        if (json_is_string(v)) {
            c->origins = json_string_value(v);
        } else if (json_is_array(v)) {
            struct ob_buf b2;
            size_t i;
            json_t *o;

            ob_buf_init(&b2, 16384);
            json_array_foreach(v, i, o) {
                if (!json_is_string(o)) {
                    ob_buf_free(&b2);
                    return ob_err_field(&req->ctx->err, OB_EINVAL, "origins",
                                        "regpage.bad_origin", "origin=%s", "?");
                }
                ob_buf_adds(&b2, json_string_value(o));
                ob_buf_addc(&b2, '\n');
            }
            c->origins = ob_arena_strdup(&req->ctx->arena, b2.p ? b2.p : "");
            ob_buf_free(&b2);
        } else if (json_is_null(v)) {
            c->origins = "";
        } else {
            return ob_err_field(&req->ctx->err, OB_EINVAL, "origins", "regpage.bad_origin",
                                "origin=%s", "?");
        }
    }
    if (create && (v = json_object_get(req->json, "partner_id")) && !json_is_null(v)) {
        if (!json_is_integer(v) || json_integer_value(v) <= 0)
            return ob_err_set(&req->ctx->err, OB_ENOTFOUND, "regpage.not_found", "id=%lld", 0LL);
        c->partner = json_integer_value(v);
    } else if (create && !v) {
        /* a partner's employee creates its partner's page by default: the
         * current account, else the one partner the person works for */
        const struct ob_member *m;
        int n = 0, partners = 0;

        if ((rc = ob_access_members(req->ctx, &m, &n)) != 0)
            return rc;
        for (int i = 0; i < n; i++)
            if (m[i].kind == OB_KIND_PARTNER &&
                (m[i].account == req->ctx->actor.account || ++partners == 1))
                c->partner = m[i].account;
        if (partners > 1 && c->partner != req->ctx->actor.account)
            return ob_err_field(&req->ctx->err, OB_EINVAL, "partner_id", "field.required");
    }
    return 0;
}

int
ob_api_regpages_create(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_regpage_change c;
    struct ob_regpage p;
    int rc;

    if ((rc = read_change(req, true, &c)) != 0 || (rc = ob_regpage_create(req->ctx, &c, &p)) != 0)
        return rc;
    return ob_resp_json(resp, 201, page_json(req, &p));
}

int
ob_api_regpages_get(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_regpage p;
    int64_t id;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_regpage_get(req->ctx, id, &p)) != 0)
        return rc;
    return ob_resp_json(resp, 200, page_json(req, &p));
}

int
ob_api_regpages_patch(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_regpage_change c;
    struct ob_regpage p;
    int64_t id;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = read_change(req, false, &c)) != 0 ||
        (rc = ob_regpage_update(req->ctx, id, &c, &p)) != 0)
        return rc;
    return ob_resp_json(resp, 200, page_json(req, &p));
}

struct list_arg {
    struct ob_req *req;
    struct ob_list *l;
};

static int
list_row(const struct ob_regpage *p, void *arg)
{
    struct list_arg *a = arg;
    struct ob_regpage_stats s;
    json_t *o = page_json(a->req, p);

    /* statistics at a glance: a page of the list is at most 500 pages */
    if (ob_regpage_stats(a->req->ctx, p->id, &s) == 0)
        json_object_set_new(o, "stats",
                            json_pack("{s:I, s:I, s:I, s:I}", "visits", (json_int_t)s.visits,
                                      "registrations", (json_int_t)s.registrations, "confirmed",
                                      (json_int_t)s.confirmed, "paid", (json_int_t)s.paid));
    json_object_del(o, "snippet");
    return ob_list_add(a->l, p->id, o);
}

int
ob_api_regpages_list(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_list l;
    struct list_arg a = { req, &l };
    const char *partner = ob_req_query(req, "partner_id");
    int64_t pid = 0;
    int rc;

    if (partner && *partner) {
        if (!strcmp(partner, "none"))
            pid = -1;
        else if ((rc = ob_api_query_id(req, "partner_id", &pid)) != 0)
            return rc;
    }
    if ((rc = ob_list_begin(req, &l)) != 0)
        return rc;
    l.name = "regpages";
    if ((rc = ob_regpage_list(req->ctx, pid, l.after, l.limit, list_row, &a)) != 0) {
        ob_list_free(&l);
        return rc;
    }
    return ob_list_end(req, resp, &l);
}

int
ob_api_regpages_stats(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_regpage_stats s;
    json_t *months;
    int64_t id;
    int rc;

    if ((rc = ob_req_id(req, "id", &id)) != 0 || (rc = ob_regpage_stats(req->ctx, id, &s)) != 0)
        return rc;
    months = json_array();
    for (int i = 0; i < s.nmonths; i++)
        json_array_append_new(months,
                              json_pack("{s:s, s:I, s:I, s:I, s:I}", "month", s.months[i].month,
                                        "visits", (json_int_t)s.months[i].visits,
                                        "registrations", (json_int_t)s.months[i].registrations,
                                        "confirmed", (json_int_t)s.months[i].confirmed, "paid",
                                        (json_int_t)s.months[i].paid));
    return ob_resp_json(resp, 200,
                        json_pack("{s:I, s:I, s:I, s:I, s:I, s:o}", "id", (json_int_t)id,
                                  "visits", (json_int_t)s.visits, "registrations",
                                  (json_int_t)s.registrations, "confirmed",
                                  (json_int_t)s.confirmed, "paid", (json_int_t)s.paid, "months",
                                  months));
}

/* ---- the hosted page ------------------------------------------------------------------- */

/* ?lang= first, then Accept-Language; Russian when neither says. */
static const char *
page_lang(struct ob_req *req, const char *given)
{
    const char *q = given ? given : ob_req_query(req, "lang");
    const char *l;

    if (q && (!strcmp(q, "ru") || !strcmp(q, "en")))
        return q;
    l = ob_msg_lang(ob_req_header(req, "Accept-Language"));
    return l ? l : "ru";
}

/* What a page shows: one of form, closed, sent, missing, link_bad. */
struct view {
    const char *lang, *kind;
    const struct ob_regpage *page;
    const char *name, *email, *phone, *region;  /* the form's values (a re-rendered post) */
    const char *field, *error;          /* the refusal, next to its field ("" for the form) */
};

/* "день/дня/дней" or "day/days" for n. */
static const char *
days_word(const char *lang, int n)
{
    if (!strcmp(lang, "en"))
        return n == 1 ? "day" : "days";
    if (n % 10 == 1 && n % 100 != 11)
        return "день";
    if (n % 10 >= 2 && n % 10 <= 4 && (n % 100 < 12 || n % 100 > 14))
        return "дня";
    return "дней";
}

static int
render(struct ob_req *req, struct ob_resp *resp, int status, const struct view *v)
{
    struct ob_ctx *ctx = req->ctx;
    char path[64];
    const char *html;
    json_t *vars, *one;
    const struct ob_regpage *p = v->page;
    int rc;

    one = json_object();
    if (p) {
        json_object_set_new(one, "partner", json_string(*p->partner_name ? p->partner_name
                                                                         : "Облако"));
        json_object_set_new(one, "tariff", json_string(!strcmp(v->lang, "en") ? p->tariff_name_en
                                                                              : p->tariff_name_ru));
        json_object_set_new(one, "days", json_integer(p->trial_days));
        json_object_set_new(one, "days_word", json_string(days_word(v->lang, p->trial_days)));
        json_object_set_new(one, "action", json_string(ob_arena_printf(&ctx->arena, "/r/%s",
                                                                       p->slug)));
        json_object_set_new(one, "app", json_string(!strcmp(v->lang, "en") ? p->app_name_en
                                                                           : p->app_name_ru));
        json_object_set_new(one, "has_app", p->app ? json_pack("[{}]") : json_array());
    }
    json_object_set_new(one, "name", json_string(v->name ? v->name : ""));
    json_object_set_new(one, "email", json_string(v->email ? v->email : ""));
    json_object_set_new(one, "phone", json_string(v->phone ? v->phone : ""));
    json_object_set_new(one, "region", json_string(v->region ? v->region : ""));
    /* the provider's own pages ask the region: lead rules route by it (R-ONB-7) */
    json_object_set_new(one, "ask_region", json_boolean(p && !p->partner));
    json_object_set_new(one, "lang", json_string(v->lang));
    json_object_set_new(one, "other_lang", json_string(!strcmp(v->lang, "en") ? "ru" : "en"));
    for (const char *const *f =
             (const char *const[]){ "name", "email", "phone", "region", "form", NULL };
         *f; f++) {
        char key[24];
        bool here = v->field && !strcmp(v->field, *f);

        snprintf(key, sizeof(key), "%s_error", *f);
        json_object_set_new(one, key, here ? json_pack("[{s:s}]", "text", v->error) : json_array());
    }
    vars = json_object();
    json_object_set_new(vars, v->kind, json_pack("[o]", one));
    snprintf(path, sizeof(path), "/page/%s/regpage.html", v->lang);
    rc = ob_template_render(ctx, path, vars, true, &html);
    json_decref(vars);
    if (rc != 0)
        return rc;
    resp->status = status;
    resp->content_type = "text/html; charset=utf-8";
    ob_buf_adds(&resp->body, html);
    ob_resp_header(resp, "Cache-Control", "no-store");
    ob_resp_header(resp, "Referrer-Policy", "no-referrer");
    ob_resp_header(resp, "Content-Security-Policy",
                   "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
                   "form-action 'self'; base-uri 'none'; frame-ancestors 'self'");
    return 0;
}

int
ob_api_regpage_page(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_ctx *ctx = req->ctx;
    struct ob_regpage p;
    struct view v = { .lang = page_lang(req, NULL), .kind = "form", .page = &p };
    const char *sent = ob_req_query(req, "sent");
    int rc;

    if ((rc = ob_regpage_by_slug(ctx, ob_req_param(req, "slug"), &p)) == OB_ENOTFOUND) {
        ob_err_clear(&ctx->err);
        v.kind = "missing";
        v.page = NULL;
        return render(req, resp, 404, &v);
    }
    if (rc != 0)
        return rc;
    if (strcmp(p.state, "active")) {
        v.kind = "closed";
        return render(req, resp, 410, &v);
    }
    if (sent && !strcmp(sent, "1")) {
        v.kind = "sent";
        return render(req, resp, 200, &v);
    }
    if ((rc = ob_regpage_visit(ctx, p.id)) != 0)
        return rc;
    return render(req, resp, 200, &v);
}

/* ---- the form's post ------------------------------------------------------------------- */

struct form {
    const char *name, *email, *phone, *website, *lang, *region;
};

static void
form_set(struct form *f, const char *k, const char *v)
{
    if (!strcmp(k, "name"))
        f->name = v;
    else if (!strcmp(k, "email"))
        f->email = v;
    else if (!strcmp(k, "phone"))
        f->phone = v;
    else if (!strcmp(k, "website"))
        f->website = v;
    else if (!strcmp(k, "lang"))
        f->lang = v;
    else if (!strcmp(k, "region"))
        f->region = v;
}

static int
hex(char c)
{
    return c >= '0' && c <= '9' ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                : -1;
}

/* Percent-decode s[0..n) with '+' as space into the arena; NULL on a bad
 * escape or a NUL. */
static char *
form_decode(struct ob_ctx *ctx, const char *s, size_t n)
{
    char *out = ob_arena_alloc(&ctx->arena, n + 1), *o = out;

    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            int h, l;

            if (i + 2 >= n)
                return NULL;
            if ((h = hex(s[i + 1])) < 0 || (l = hex(s[i + 2])) < 0 || (h == 0 && l == 0))
                return NULL;
            *o++ = (char)(h * 16 + l);
            i += 2;
        } else {
            *o++ = s[i] == '+' ? ' ' : s[i];
        }
    }
    *o = '\0';
    return out;
}

/* The body: JSON (an object of strings) or urlencoded. */
static int
read_form(struct ob_req *req, struct form *f)
{
    struct ob_ctx *ctx = req->ctx;
    const char *ct = ob_req_header(req, "Content-Type");
    char *body;

    memset(f, 0, sizeof(*f));
    if (ct && !strncasecmp(ct, "application/json", 16)) {
        json_error_t e;
        json_t *o = json_loadb(req->body ? req->body : "", req->body_len, JSON_REJECT_DUPLICATES,
                               &e), *v;
        const char *k;

        if (!json_is_object(o) || json_object_size(o) > 16) {
            json_decref(o);
            return ob_err_set(&ctx->err, OB_EINVAL, "http.invalid");
        }
        json_object_foreach(o, k, v) {
            if (json_is_string(v))
                form_set(f, k, ob_arena_strdup(&ctx->arena, json_string_value(v)));
        }
        json_decref(o);
        return 0;
    }
    if (ct && strncasecmp(ct, "application/x-www-form-urlencoded", 33) &&
        strncasecmp(ct, "text/plain", 10))
        return ob_err_set(&ctx->err, OB_EMEDIA, "regpage.media_type", "type=%.80s", ct);
    body = ob_arena_strndup(&ctx->arena, req->body ? req->body : "", req->body_len);
    for (char *p = body; *p;) {
        size_t n = strcspn(p, "&"), eq = strcspn(p, "=");
        const char *k, *v;

        if (eq < n) {
            k = form_decode(ctx, p, eq);
            v = form_decode(ctx, p + eq + 1, n - eq - 1);
            if (!k || !v)
                return ob_err_set(&ctx->err, OB_EINVAL, "http.invalid");
            form_set(f, k, v);
        }
        p += n;
        if (*p)
            p++;
    }
    return 0;
}

static bool
wants_json(struct ob_req *req)
{
    const char *acc = ob_req_header(req, "Accept");
    const char *ct = ob_req_header(req, "Content-Type");

    return (acc && strstr(acc, "application/json")) ||
           (ct && !strncasecmp(ct, "application/json", 16));
}

/* CORS for a listed origin: the answer may be read by its script. */
static bool
cors(struct ob_req *req, struct ob_resp *resp, const struct ob_regpage *p)
{
    const char *origin = ob_req_header(req, "Origin");

    if (!origin || !ob_regpage_origin_listed(p->origins, origin))
        return false;
    ob_resp_header(resp, "Access-Control-Allow-Origin", origin);
    ob_resp_header(resp, "Vary", "Origin");
    return true;
}

/* Is Origin this service itself (the hosted page posting)? */
static bool
own_origin(struct ob_req *req)
{
    const char *origin = ob_req_header(req, "Origin");
    char a[256], b[256];

    return origin && ob_regpage_origin_norm(origin, a, sizeof(a)) == 0 &&
           ob_regpage_origin_norm(base_url(req), b, sizeof(b)) == 0 && !strcmp(a, b);
}

int
ob_api_regpage_options(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_regpage p;
    int rc;

    if ((rc = ob_regpage_by_slug(req->ctx, ob_req_param(req, "slug"), &p)) != 0)
        return rc;
    resp->status = 204;
    if (cors(req, resp, &p)) {
        ob_resp_header(resp, "Access-Control-Allow-Methods", "POST");
        ob_resp_header(resp, "Access-Control-Allow-Headers", "Content-Type, Accept");
        ob_resp_header(resp, "Access-Control-Max-Age", "600");
    }
    return 0;
}

/* A refusal: the page again with the error by its field, or problem+json. */
static int
refuse(struct ob_req *req, struct ob_resp *resp, bool json, struct view *v, int rc)
{
    struct ob_ctx *ctx = req->ctx;
    char msg[512];

    if (json || rc == OB_EINTERNAL || rc == OB_EUNAVAIL || rc == OB_EBUSY)
        return rc;
    ob_msg_render(&ctx->err, v->lang, msg, sizeof(msg));
    v->error = ob_arena_strdup(&ctx->arena, msg);
    v->field = ctx->err.field[0] && (!strcmp(ctx->err.field, "name") ||
                                     !strcmp(ctx->err.field, "email") ||
                                     !strcmp(ctx->err.field, "phone") ||
                                     !strcmp(ctx->err.field, "region"))
                   ? ob_arena_strdup(&ctx->arena, ctx->err.field)
                   : "form";
    if (rc == OB_ERATE && ctx->err.retry_after > 0)
        ob_resp_header(resp, "Retry-After",
                       ob_arena_printf(&ctx->arena, "%d", ctx->err.retry_after));
    if (rc == OB_ECONFLICT) {
        v->kind = "closed";
        return render(req, resp, 410, v);
    }
    return render(req, resp, ob_err_status(rc), v);
}

static int
next_step(struct ob_resp *resp, bool json, const char *next)
{
    if (json)
        return ob_resp_json(resp, 200, json_pack("{s:s}", "next", next));
    resp->status = 303;
    ob_resp_header(resp, "Location", next);
    ob_resp_header(resp, "Cache-Control", "no-store");
    return 0;
}

int
ob_api_regpage_post(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_ctx *ctx = req->ctx;
    struct ob_regpage p;
    struct form f;
    struct ob_regpage_signup in;
    struct ob_regpage_result out;
    struct view v = { .kind = "form", .page = &p };
    bool json = wants_json(req);
    const char *origin = ob_req_header(req, "Origin");
    char email[OB_EMAIL_MAX + 1];
    int rc;

    if ((rc = ob_regpage_by_slug(ctx, ob_req_param(req, "slug"), &p)) != 0)
        return rc;
    if (json && origin && !cors(req, resp, &p) && !own_origin(req))
        return ob_err_set(&ctx->err, OB_EPERM, "regpage.origin_not_listed", "origin=%.100s",
                          origin);
    if ((rc = read_form(req, &f)) != 0)
        return rc;
    v.lang = page_lang(req, f.lang);
    v.name = f.name;
    v.email = f.email;
    v.phone = f.phone;
    v.region = f.region;
    if (strcmp(p.state, "active"))
        return refuse(req, resp, json, &v,
                      ob_err_set(&ctx->err, OB_ECONFLICT, "regpage.closed"));
    /* only the provider's own pages ask the region; a partner's ignore one */
    in = (struct ob_regpage_signup){ f.name, f.email, f.phone, v.lang,
                                     p.partner ? NULL : f.region };
    if ((rc = ob_regpage_signup_check(ctx, &in, email, sizeof(email))) != 0 ||
        (rc = ob_regpage_reserve(ctx)) != 0)
        return refuse(req, resp, json, &v, rc);
    /* The honeypot: a person never sees the field. A bot that filled it is
     * answered as an address that has a login would be, and nothing is
     * made (docs/decisions.md). */
    if (f.website && *f.website)
        return next_step(resp, json,
                         ob_arena_printf(&ctx->arena, "%s/r/%s?sent=1&lang=%s", base_url(req),
                                         p.slug, v.lang));
    if ((rc = ob_regpage_register(ctx, &p, &in, &out)) != 0)
        return refuse(req, resp, json, &v, rc);
    return next_step(resp, json,
                     out.signed_in
                         ? ob_arena_printf(&ctx->arena, "%s/auth/link?token=%s", base_url(req),
                                           out.link)
                         : ob_arena_printf(&ctx->arena, "%s/r/%s?sent=1&lang=%s", base_url(req),
                                           p.slug, v.lang));
}

/* ---- the sign-in link ---------------------------------------------------------------- */

int
ob_api_signin_link(struct ob_req *req, struct ob_resp *resp)
{
    struct ob_ctx *ctx = req->ctx;
    struct view v = { .lang = page_lang(req, NULL), .kind = "link_bad" };
    struct ob_signed_in s;
    int64_t sub = 0;
    int rc;

    rc = ob_signin_link_use(ctx, ob_req_query(req, "token"),
                            ob_req_cookie(req, OB_SESSION_COOKIE), &s, &sub);
    if (rc == OB_EINVAL) {
        ob_err_clear(&ctx->err);
        return render(req, resp, 400, &v);
    }
    if (rc != 0)
        return rc;
    ob_api_session_cookie(req, resp, s.secret, ctx->cfg->session_max_hours * 3600);
    resp->status = 303;
    ob_resp_header(resp, "Location", ob_arena_printf(&ctx->arena, "/welcome/%lld",
                                                     (long long)sub));
    ob_resp_header(resp, "Cache-Control", "no-store");
    ob_resp_header(resp, "Referrer-Policy", "no-referrer");
    return 0;
}
