/*
 * model/catalog/ — what can be sold: applications, tariffs, prices.
 *
 * The standard catalog is data (data/catalog.json, loaded by catalog_load.c);
 * tariff options have one format and one price rule (catalog_options.c);
 * promotions are data with validity dates (catalog_promotions.c); this file
 * keeps applications, tariffs, immutable versions, prices and partner tariffs
 * in the database. The catalog knows nothing of who bought what: the
 * subscriptions folder above reads it.
 */
/*
 * catalog.c — applications, tariffs, versions, prices and partner tariffs
 * in the database (R-CAT-1..4). The options format and the price rule
 * are in catalog_options.c, promotions in catalog_promotions.c, the standard
 * catalog's loader in catalog_load.c.
 *
 * Reading functions that the subscription engine calls take no access
 * check (they say so in catalog.h); everything that lists or changes checks
 * the actor through model/identity/access.h first. Every change runs in one
 * transaction with its audit record. A partner tariff of another partner
 * does not exist for the actor (OB_ENOTFOUND), like any other tenant's row.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/ctx.h"
#include "base/date.h"
#include "base/utf8.h"
#include "db/db.h"
#include "model/identity/access.h"
#include "model/core/audit.h"
#include "model/catalog/catalog.h"
#include "model/identity/member.h"
#include "model/parties/partner.h"
#include "model/parties/requisites.h"
#include "base/banned.h"

static void catalog_changed(void);

void
ob_catalog_cache_drop(void)
{
    catalog_changed();
}

#define MAX_AMOUNT 1000000000000LL      /* 10 000 000 000 roubles: a typo, not a price */

static bool
code_chars(const char *s, const char *allowed_punct, size_t max)
{
    size_t n = s ? strlen(s) : 0;

    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || strchr(allowed_punct, s[i])))
            return false;
    return true;
}

/* ---- applications -------------------------------------------------------------------- */

#define APP_SELECT                                                                             \
    "SELECT id, code, name_ru, name_en, version, backend_url, restricted_to, free, lists, "  \
    "active, created_at, updated_at, backend_secret <> '' FROM applications "

static void
read_app(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    struct ob_app *a = out;

    a->id = ob_stmt_int(st, 0);
    a->code = ob_stmt_dup(ctx, st, 1);
    a->name_ru = ob_stmt_dup(ctx, st, 2);
    a->name_en = ob_stmt_dup(ctx, st, 3);
    a->version = ob_stmt_dup(ctx, st, 4);
    a->backend_url = ob_stmt_dup(ctx, st, 5);
    a->restricted_to = ob_stmt_null(st, 6) ? NULL : ob_stmt_dup(ctx, st, 6);
    a->free = ob_stmt_int(st, 7) != 0;
    a->lists = ob_stmt_dup(ctx, st, 8);
    a->active = ob_stmt_int(st, 9) != 0;
    a->created_at = ob_stmt_int(st, 10);
    a->updated_at = ob_stmt_int(st, 11);
    a->has_secret = ob_stmt_int(st, 12) != 0;
}

struct app_fn {
    int (*fn)(const struct ob_app *, void *);
    void *arg;
};

static int
app_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    const struct app_fn *f = arg;
    struct ob_app a;

    read_app(ctx, st, &a);
    return f->fn(&a, f->arg);
}

int
ob_catalog_apps(struct ob_ctx *ctx, int64_t after, int limit,
                int (*fn)(const struct ob_app *, void *), void *arg)
{
    struct app_fn f = { fn, arg };
    int rc;

    if ((rc = ob_access_person(ctx)) != 0)
        return rc;
    return ob_db_each(ctx, app_row, &f, APP_SELECT "WHERE id > ? ORDER BY id LIMIT ?", "ii", after,
                      (int64_t)limit);
}

static int
app_where(struct ob_ctx *ctx, const char *where, const char *fmt, int64_t id, const char *code,
          struct ob_app *out)
{
    char sql[512];
    int rc;

    snprintf(sql, sizeof(sql), APP_SELECT "WHERE %s", where);
    memset(out, 0, sizeof(*out));
    rc = fmt[0] == 'i' ? ob_db_one(ctx, read_app, out, sql, "i", id)
                       : ob_db_one(ctx, read_app, out, sql, "t", code);
    if (rc == OB_ENOTFOUND)
        return code ? ob_err_set(&ctx->err, OB_ENOTFOUND, "catalog.app_not_found", "code=%s", code)
                    : ob_err_set(&ctx->err, OB_ENOTFOUND, "catalog.app_id_not_found", "id=%lld",
                                 (long long)id);
    return rc;
}

int
ob_catalog_app_find(struct ob_ctx *ctx, const char *code, struct ob_app *out)
{
    return app_where(ctx, "code = ?", "t", 0, code, out);
}

static int
check_app(struct ob_ctx *ctx, struct ob_app *in)
{
    static const char *const statuses[] = { "csk", "erp_cc", "corp_list", "cso" };
    bool known = !in->restricted_to;
    int rc;

    if (!code_chars(in->code, "_", 40) || strpbrk(in->code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
        return ob_err_field(&ctx->err, OB_EINVAL, "code", "field.app_code_format");
    if ((rc = ob_check_text(ctx, in->name_ru, 200, true, "name_ru")) ||
        (rc = ob_check_text(ctx, in->name_en, 200, true, "name_en")) ||
        (rc = ob_check_text(ctx, in->version, 40, false, "version")))
        return rc;
    if (in->backend_url && *in->backend_url &&
        ((strncmp(in->backend_url, "http://", 7) && strncmp(in->backend_url, "https://", 8)) ||
         strlen(in->backend_url) > 500 || strpbrk(in->backend_url, " \t\r\n\"'<>")))
        return ob_err_field(&ctx->err, OB_EINVAL, "backend_url", "catalog.url_format");
    for (size_t i = 0; !known && i < 4; i++)
        known = !strcmp(in->restricted_to, statuses[i]);
    if (!known)
        return ob_err_field(&ctx->err, OB_EINVAL, "restricted_to", "catalog.restricted_to_format");
    if (in->lists && *in->lists && !code_chars(in->lists, "_,", 200))
        return ob_err_field(&ctx->err, OB_EINVAL, "lists", "catalog.lists_format");
    return 0;
}

static int
app_insert(struct ob_ctx *ctx, void *arg)
{
    struct ob_app *in = arg;
    int64_t now = ob_clock_now(ctx), id = 0;
    int rc = ob_db_get_int(ctx->db, &id, "SELECT id FROM applications WHERE code = ?", "t",
                           in->code);

    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (rc == OB_DB_ROW)
        return ob_err_field(&ctx->err, OB_ECONFLICT, "code", "catalog.app_code_taken", "code=%s",
                            in->code);
    catalog_changed();
    rc = ob_db_get_int(ctx->db, &in->id,
                       "INSERT INTO applications (code, name_ru, name_en, version, backend_url, "
                       "restricted_to, free, lists, active, created_at, updated_at) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id",
                       "tttttti" "tii", in->code, in->name_ru, in->name_en,
                       in->version ? in->version : "", in->backend_url ? in->backend_url : "",
                       in->restricted_to, (int64_t)in->free, in->lists ? in->lists : "", now,
                       now);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    return ob_audit_with(ctx, 0, "catalog.application_created", "application", in->id,
                         json_pack("{s:{s:s, s:s?, s:s?}}", "app", "code", in->code, "name_ru",
                                   in->name_ru, "name_en", in->name_en),
                    "application '%s' (%s) created%s%s", in->code, in->name_en,
                    in->restricted_to ? ", restricted to " : "",
                    in->restricted_to ? in->restricted_to : "");
}

int
ob_catalog_app_create(struct ob_ctx *ctx, struct ob_app *in)
{
    int rc;

    if ((rc = ob_access_provider(ctx, OB_ROLE_ADMIN)) != 0 || (rc = check_app(ctx, in)) != 0)
        return rc;
    return ob_db_tx(ctx, OB_DB_WRITE, app_insert, in);
}

struct app_change {
    const struct ob_app *a;
    const struct ob_app_change *ch;
};

static int
app_update_tx(struct ob_ctx *ctx, void *arg)
{
    struct app_change *c = arg;
    const struct ob_app_change *ch = c->ch;

    catalog_changed();
    int64_t n = ob_db_run(ctx->db,
                          "UPDATE applications SET name_ru = COALESCE(?, name_ru), "
                          "name_en = COALESCE(?, name_en), version = COALESCE(?, version), "
                          "backend_url = COALESCE(?, backend_url), "
                          "backend_secret = COALESCE(?, backend_secret), "
                          "active = CASE WHEN ? < 0 THEN active ELSE ? END, updated_at = ? "
                          "WHERE id = ?",
                          "ttttt" "iiii", ch->name_ru, ch->name_en, ch->version, ch->backend_url,
                          ch->backend_secret, (int64_t)ch->active, (int64_t)ch->active,
                          ob_clock_now(ctx), c->a->id);

    if (n < 0)
        return ob_db_err(ctx, (int)n);
    return ob_audit_with(ctx, 0, "catalog.application_changed", "application", c->a->id,
                         json_pack("{s:{s:s, s:s?, s:s?}}", "app", "code", c->a->code,
                                   "name_ru", c->a->name_ru, "name_en", c->a->name_en),
                    "application '%s' changed:%s%s%s%s%s%s", c->a->code,
                    ch->name_ru || ch->name_en ? " names" : "", ch->version ? " version" : "",
                    ch->backend_url ? " backend_url" : "",
                    ch->backend_secret ? " backend_secret" : "",
                    ch->active == 0 ? " withdrawn" : "", ch->active == 1 ? " active" : "");
}

int
ob_catalog_app_update(struct ob_ctx *ctx, const char *code, const struct ob_app_change *ch)
{
    struct app_change c = { .ch = ch };
    struct ob_app a, check;
    int rc;

    if ((rc = ob_access_provider(ctx, OB_ROLE_ADMIN)) != 0 ||
        (rc = ob_catalog_app_find(ctx, code, &a)) != 0)
        return rc;
    check = a;
    if (ch->name_ru)
        check.name_ru = ch->name_ru;
    if (ch->name_en)
        check.name_en = ch->name_en;
    if (ch->version)
        check.version = ch->version;
    if (ch->backend_url)
        check.backend_url = ch->backend_url;
    if ((rc = check_app(ctx, &check)) != 0)
        return rc;
    if (ch->backend_secret &&
        (strlen(ch->backend_secret) < OB_APP_SECRET_MIN || strlen(ch->backend_secret) > 256 ||
         strpbrk(ch->backend_secret, " \t\r\n")))
        return ob_err_field(&ctx->err, OB_EINVAL, "backend_secret", "catalog.secret_format",
                            "app_secret_min=%d", OB_APP_SECRET_MIN);
    c.a = &a;
    return ob_db_tx(ctx, OB_DB_WRITE, app_update_tx, &c);
}

int
ob_catalog_app_allowed_for_partner(struct ob_ctx *ctx, int64_t app, int64_t partner,
                                   int32_t day)
{
    struct ob_app a;
    char d[OB_DATE_LEN];
    bool held;
    int rc;

    if ((rc = app_where(ctx, "id = ?", "i", app, NULL, &a)) != 0)
        return rc;
    if (!a.restricted_to || partner == 0)
        return 0;
    if ((rc = ob_partner_holds(ctx, partner, a.restricted_to, day, &held)) != 0 || held)
        return rc;
    ob_date_format(day, d);
    ob_err_set(&ctx->err, OB_EPERM, "catalog.app_needs_partner_status",
               "code=%s restricted_to=%s d=%s", a.code, a.restricted_to, d);
    ob_err_hint(&ctx->err, "the provider grants statuses (R-ACC-7)");
    return OB_EPERM;
}

/* ---- prices -------------------------------------------------------------------------- */

struct price_rows {
    struct ob_price *rows;
    int n, cap;
    struct ob_arena *a;
};

static int
collect_price(const struct ob_price *p, void *arg)
{
    struct price_rows *r = arg;

    if (r->n == r->cap) {
        struct ob_price *bigger = ob_arena_alloc(r->a, sizeof(*bigger) * (size_t)(r->cap * 2 + 8));

        if (r->n)
            memcpy(bigger, r->rows, sizeof(*bigger) * (size_t)r->n);
        r->rows = bigger;
        r->cap = r->cap * 2 + 8;
    }
    r->rows[r->n++] = *p;
    return 0;
}

struct price_fn {
    int (*fn)(const struct ob_price *, void *);
    void *arg;
};

static int
price_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    const struct price_fn *f = arg;
    struct ob_price p = { 0 };

    (void)ctx;
    p.id = ob_stmt_int(st, 0);
    p.tariff = ob_stmt_int(st, 1);
    p.term = (int)ob_stmt_int(st, 2);
    p.amount = ob_stmt_int(st, 3);
    p.to = OB_UNLIMITED;
    ob_date_parse(ob_stmt_text(st, 4), &p.from);
    if (!ob_stmt_null(st, 5))
        ob_date_parse(ob_stmt_text(st, 5), &p.to);
    p.placeholder = ob_stmt_int(st, 6) != 0;
    return f->fn(&p, f->arg);
}

int
ob_catalog_prices(struct ob_ctx *ctx, int64_t tariff,
                  int (*fn)(const struct ob_price *, void *), void *arg)
{
    struct price_fn f = { fn, arg };

    return ob_db_each(ctx, price_row, &f,
                      "SELECT id, tariff_id, term, amount, valid_from, valid_to, placeholder "
                      "FROM tariff_prices WHERE tariff_id = ? ORDER BY term, valid_from, id",
                      "i", tariff);
}

int
ob_catalog_price(struct ob_ctx *ctx, int64_t tariff, int term, int32_t day, int64_t *amount)
{
    struct price_rows r = { NULL, 0, 0, &ctx->arena };
    char d[OB_DATE_LEN];
    int rc = ob_catalog_prices(ctx, tariff, collect_price, &r);

    if (rc != 0)
        return rc;
    if (ob_price_pick(r.rows, r.n, term, day, amount) == 0)
        return 0;
    ob_date_format(day, d);
    return ob_err_field(&ctx->err, OB_ENOTFOUND, "term", "catalog.no_price",
                        "tariff=%lld term=%d d=%s", (long long)tariff, term, d);
}

/* ---- tariffs ------------------------------------------------------------------------- */

#define TARIFF_SELECT                                                                          \
    "SELECT t.id, t.code, t.name_ru, t.name_en, t.kind, COALESCE(t.partner_id, 0), "         \
    "COALESCE(t.base_tariff_id, 0), COALESCE(b.current_version_id, t.current_version_id, 0), " \
    "t.active, t.created_at, t.updated_at, b.code FROM tariffs t "                            \
    "LEFT JOIN tariffs b ON b.id = t.base_tariff_id "

static void
read_tariff(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    struct ob_tariff *t = out;

    t->id = ob_stmt_int(st, 0);
    t->code = ob_stmt_dup(ctx, st, 1);
    t->name_ru = ob_stmt_dup(ctx, st, 2);
    t->name_en = ob_stmt_dup(ctx, st, 3);
    if (ob_tariff_kind_parse(ob_stmt_text(st, 4), &t->kind) != 0)
        t->kind = OB_TARIFF_MAIN;
    t->partner = ob_stmt_int(st, 5);
    t->base = ob_stmt_int(st, 6);
    t->version_id = ob_stmt_int(st, 7);
    t->active = ob_stmt_int(st, 8) != 0;
    t->created_at = ob_stmt_int(st, 9);
    t->updated_at = ob_stmt_int(st, 10);
    t->base_code = ob_stmt_null(st, 11) ? NULL : ob_stmt_dup(ctx, st, 11);
}

static int
tariff_one(struct ob_ctx *ctx, const char *where, const char *fmt, int64_t id, const char *code,
           int64_t partner, struct ob_tariff *out)
{
    char sql[1024];
    int rc;

    snprintf(sql, sizeof(sql), TARIFF_SELECT "WHERE %s", where);
    memset(out, 0, sizeof(*out));
    rc = fmt[0] == 'i' ? ob_db_one(ctx, read_tariff, out, sql, "i", id)
                       : ob_db_one(ctx, read_tariff, out, sql, "ti", code, partner);
    if (rc == OB_ENOTFOUND)
        return code ? ob_err_set(&ctx->err, OB_ENOTFOUND, "catalog.tariff_not_found", "code=%s",
                                 code)
                    : ob_err_set(&ctx->err, OB_ENOTFOUND, "catalog.tariff_id_not_found", "id=%lld",
                                 (long long)id);
    return rc;
}

int
ob_catalog_tariff_load(struct ob_ctx *ctx, int64_t id, struct ob_tariff *out)
{
    return tariff_one(ctx, "t.id = ?", "i", id, NULL, 0, out);
}

int
ob_catalog_tariff_find(struct ob_ctx *ctx, const char *code, int64_t partner,
                       struct ob_tariff *out)
{
    return tariff_one(ctx, "t.code = ? AND COALESCE(t.partner_id, 0) = ?", "ti", 0, code,
                      partner, out);
}

/* May the actor see partner tariffs of `partner`? Provider staff and the
 * partner's employees may. */
static bool
sees_partner(struct ob_ctx *ctx, int64_t partner)
{
    return ctx->actor.system || ob_access_provider_roles(ctx) || ob_access_roles(ctx, partner);
}

int
ob_catalog_tariff_get(struct ob_ctx *ctx, int64_t id, struct ob_tariff *out)
{
    int rc;

    if ((rc = ob_access_person(ctx)) != 0 || (rc = ob_catalog_tariff_load(ctx, id, out)) != 0)
        return rc;
    if (out->partner && !sees_partner(ctx, out->partner))
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "catalog.tariff_id_not_found", "id=%lld",
                          (long long)id);
    return 0;
}

struct tariff_rows {
    struct ob_tariff *rows;
    int n, cap;
};

static int
collect_tariff(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct tariff_rows *r = arg;

    if (r->n == r->cap) {
        struct ob_tariff *more =
            ob_arena_alloc(&ctx->arena, sizeof(*r->rows) * (size_t)r->cap * 2);

        memcpy(more, r->rows, sizeof(*r->rows) * (size_t)r->n);
        r->rows = more;
        r->cap *= 2;
    }
    read_tariff(ctx, st, &r->rows[r->n++]);
    return 0;
}

int
ob_catalog_tariffs(struct ob_ctx *ctx, int64_t partner, bool partner_only, int64_t after,
                   int limit, int (*fn)(const struct ob_tariff *, void *), void *arg)
{
    struct tariff_rows r = { NULL, 0, 64 };
    const char *scope = NULL;
    bool stream;
    char *sql;
    int rc;

    /* the standard tariffs, and the partner tariffs of the partners in scope */
    if ((rc = ob_access_scope(ctx, "t.partner_id", NULL, &scope)) != 0)
        return rc;
    sql = ob_arena_printf(&ctx->arena,
                          TARIFF_SELECT "WHERE t.id > ? AND (? = 0 OR t.partner_id = ?) %s "
                                        "AND (t.partner_id IS NULL OR %s) ORDER BY t.id LIMIT ?",
                          partner_only ? "AND t.partner_id IS NOT NULL" : "", scope);
    /* Collect first: the callback reads versions and prices on this connection.
     * The rows outlive their step, so even in an export their strings go to
     * ctx->arena (a page of tariffs: bounded by limit). */
    r.rows = ob_arena_alloc(&ctx->arena, sizeof(*r.rows) * (size_t)r.cap);
    stream = ctx->rows_stream;
    ctx->rows_stream = false;
    rc = ob_db_each(ctx, collect_tariff, &r, sql, "iiii", after, partner, partner, (int64_t)limit);
    ctx->rows_stream = stream;
    if (rc != 0)
        return rc;
    for (int i = 0; i < r.n && rc == 0; i++)
        rc = fn(&r.rows[i], arg);
    return rc;
}

#define LIST_MAX 256 /* applications a named list expands to */

struct codes {
    const char **out;
    int n;
};

/* One code; 1 (stop) once LIST_MAX are in. */
static int
code_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct codes *c = arg;

    c->out[c->n++] = ob_stmt_dup(ctx, st, 0);
    return c->n < LIST_MAX ? 0 : 1;
}

/* Fill codes of named list `list` (active applications) before `plus`. */
static int
expand_list(struct ob_ctx *ctx, const char *list, const char ***apps, int *n)
{
    const char **plus = *apps;
    int nplus = *n, rc;
    struct codes c = { NULL, 0 };
    bool stream = ctx->rows_stream;

    if (!list)
        return 0;
    c.out = ob_arena_alloc(&ctx->arena, sizeof(char *) * (size_t)(nplus + LIST_MAX));
    /* the codes outlive their rows: in an export (a version read for a row of
     * the tariffs' CSV, the version cache cold) they must not go to the
     * per-row scratch arena (db.h, "reading rows") */
    ctx->rows_stream = false;
    rc = ob_db_each(ctx, code_row, &c,
                    "SELECT code FROM applications WHERE active = 1 AND "
                    "(',' || lists || ',') LIKE ? ORDER BY id",
                    "t", ob_arena_printf(&ctx->arena, "%%,%s,%%", list));
    ctx->rows_stream = stream;
    if (rc != 0)
        return rc;
    for (int i = 0; i < nplus; i++)
        c.out[c.n++] = plus[i];
    *apps = c.out;
    *n = c.n;
    return 0;
}

/* ---- the version cache ------------------------------------------------------------------
 *
 * Session admission and heartbeats compute the entitlement on every call, and
 * parsing a version's options (and expanding its application lists) was most
 * of that cost. Versions are kept parsed per process, direct-mapped by id, and
 * copied out into the caller's arena. An entry is dropped when this process
 * changes the catalog (the generation moves) and after VCACHE_TTL seconds of
 * real time, which bounds how long another node's change to an application
 * list (or to a version not yet in use) goes unseen.
 */
#define VCACHE_SLOTS 256
#define VCACHE_TTL 10

struct vcache {
    int64_t id, at;
    unsigned gen;
    struct ob_arena arena;
    struct ob_tariff_version v;
};

static struct vcache vcache[VCACHE_SLOTS];
static pthread_mutex_t vcache_mu = PTHREAD_MUTEX_INITIALIZER;
static atomic_uint vcache_gen = 1;

static void
catalog_changed(void)
{
    atomic_fetch_add(&vcache_gen, 1);
}

static const char **
copy_strs(struct ob_arena *a, const char *const *v, int n)
{
    const char **out;

    if (!v)
        return NULL;
    out = ob_arena_alloc(a, sizeof(*out) * (size_t)(n + 1));
    for (int i = 0; i < n; i++)
        out[i] = v[i] ? ob_arena_strdup(a, v[i]) : NULL;
    return out;
}

static const char *
copy_str(struct ob_arena *a, const char *s)
{
    return s ? ob_arena_strdup(a, s) : NULL;
}

/* A deep copy of a parsed version into arena a. */
static void
copy_version(struct ob_arena *a, const struct ob_tariff_version *src,
             struct ob_tariff_version *dst)
{
    const struct ob_tariff_options *o = &src->opt;
    struct ob_tariff_options *d = &dst->opt;

    *dst = *src;
    dst->options_json = copy_str(a, src->options_json);
    d->services = copy_str(a, o->services);
    d->apps = copy_strs(a, o->apps, o->napps);
    d->apps_list = copy_str(a, o->apps_list);
    d->areas = o->nareas ? ob_arena_alloc(a, sizeof(*d->areas) * (size_t)o->nareas) : NULL;
    for (int i = 0; i < o->nareas; i++) {
        d->areas[i] = o->areas[i];
        d->areas[i].apps = copy_strs(a, o->areas[i].apps, o->areas[i].napps);
        d->areas[i].apps_list = copy_str(a, o->areas[i].apps_list);
    }
    d->extends = copy_strs(a, o->extends, o->nextends);
    d->unit = copy_str(a, o->unit);
    d->requires_status = copy_str(a, o->requires_status);
    d->chain = copy_str(a, o->chain);
    d->metering = copy_str(a, o->metering);
    d->cfg = copy_str(a, o->cfg);
}

static bool
vcache_get(struct ob_ctx *ctx, int64_t id, struct ob_tariff_version *out)
{
    struct vcache *e = &vcache[(uint64_t)id % VCACHE_SLOTS];
    bool hit;

    pthread_mutex_lock(&vcache_mu);
    hit = e->id == id && e->gen == atomic_load(&vcache_gen) &&
          ob_clock_real() - e->at < VCACHE_TTL;
    if (hit)
        copy_version(&ctx->arena, &e->v, out);
    pthread_mutex_unlock(&vcache_mu);
    return hit;
}

static void
vcache_put(const struct ob_tariff_version *v, unsigned gen)
{
    struct vcache *e = &vcache[(uint64_t)v->id % VCACHE_SLOTS];

    pthread_mutex_lock(&vcache_mu);
    ob_arena_free(&e->arena);
    ob_arena_init(&e->arena);
    copy_version(&e->arena, v, &e->v);
    e->id = v->id;
    e->gen = gen;
    e->at = ob_clock_real();
    pthread_mutex_unlock(&vcache_mu);
}

static int version_read(struct ob_ctx *ctx, int64_t version_id, struct ob_tariff_version *out);

int
ob_catalog_version_load(struct ob_ctx *ctx, int64_t version_id, struct ob_tariff_version *out)
{
    unsigned gen = atomic_load(&vcache_gen);
    int rc;

    if (vcache_get(ctx, version_id, out))
        return 0;
    if ((rc = version_read(ctx, version_id, out)) == 0)
        vcache_put(out, gen);
    return rc;
}

/* A version's row, and the kind of its tariff (its options are read by it). */
struct version_row {
    struct ob_tariff_version *v;
    enum ob_tariff_kind kind;
};

static void
read_version(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct version_row *r = arg;

    r->v->id = ob_stmt_int(st, 0);
    r->v->tariff = ob_stmt_int(st, 1);
    r->v->version = (int)ob_stmt_int(st, 2);
    r->v->options_json = ob_stmt_dup(ctx, st, 3);
    r->v->created_at = ob_stmt_int(st, 4);
    ob_tariff_kind_parse(ob_stmt_text(st, 5), &r->kind);
}

static int
version_read(struct ob_ctx *ctx, int64_t version_id, struct ob_tariff_version *out)
{
    struct version_row r = { out, OB_TARIFF_MAIN };
    int rc;

    memset(out, 0, sizeof(*out));
    rc = ob_db_one(ctx, read_version, &r,
                   "SELECT v.id, v.tariff_id, v.version, v.options, v.created_at, t.kind "
                   "FROM tariff_versions v JOIN tariffs t ON t.id = v.tariff_id WHERE v.id = ?",
                   "i", version_id);
    if (rc == OB_ENOTFOUND)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "catalog.version_not_found", "version_id=%lld",
                          (long long)version_id);
    if (rc != 0)
        return rc;
    if (ob_tariff_options_parse(out->options_json, r.kind, &ctx->arena, &out->opt, &ctx->err) != 0)
        return ob_err_set(&ctx->err, OB_EINTERNAL, "catalog.version_bad_options", "version_id=%lld",
                          (long long)version_id);
    rc = expand_list(ctx, out->opt.apps_list, &out->opt.apps, &out->opt.napps);
    for (int i = 0; rc == 0 && i < out->opt.nareas; i++)
        rc = expand_list(ctx, out->opt.areas[i].apps_list, &out->opt.areas[i].apps,
                         &out->opt.areas[i].napps);
    return rc;
}

int
ob_catalog_version_in_use(struct ob_ctx *ctx, int64_t version_id, bool *in_use)
{
    int64_t n = 0;
    int rc;

    *in_use = false;
    bool exists = false;

    /* before the subscriptions' migration nothing references a version */
    if ((rc = ob_db_column_exists(ctx->db, "subscriptions", "tariff_version_id", &exists)) != 0)
        return ob_db_err(ctx, rc);
    if (!exists)
        return 0;
    rc = ob_db_get_int(ctx->db, &n,
                       "SELECT COUNT(*) FROM (SELECT 1 FROM subscriptions "
                       "WHERE tariff_version_id = ? LIMIT 1) x",
                       "i", version_id);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    *in_use = n > 0;
    return 0;
}

/* Every application and extended tariff the options name must exist. */
static int
check_refs(struct ob_ctx *ctx, const struct ob_tariff_options *o)
{
    struct ob_app a;
    struct ob_tariff t;
    int rc;

    for (int i = 0; i < o->napps; i++)
        if ((rc = ob_catalog_app_find(ctx, o->apps[i], &a)) != 0)
            return ob_err_field(&ctx->err, OB_EINVAL, "options.apps", "catalog.options_unknown_app",
                                "i=%s", o->apps[i]);
    for (int r = 0; r < o->nareas; r++)
        for (int i = 0; i < o->areas[r].napps; i++)
            if (ob_catalog_app_find(ctx, o->areas[r].apps[i], &a) != 0)
                return ob_err_field(&ctx->err, OB_EINVAL, "options.areas",
                                    "catalog.options_unknown_app", "i=%s", o->areas[r].apps[i]);
    for (int i = 0; i < o->nextends; i++)
        if (ob_catalog_tariff_find(ctx, o->extends[i], 0, &t) != 0)
            return ob_err_field(&ctx->err, OB_EINVAL, "options.extends",
                                "catalog.options_extends_not_standard", "i=%s", o->extends[i]);
    return 0;
}

static int
check_price(struct ob_ctx *ctx, const struct ob_tariff_options *o, const struct ob_price_new *p,
            const char *prefix, int32_t *from, int32_t *to)
{
    char f[64];

    *to = OB_UNLIMITED;
    snprintf(f, sizeof(f), "%sterm", prefix);
    if (!ob_tariff_term_allowed(o, p->term) && !(p->term == 1 && !o->days))
        return o->days ? ob_err_field(&ctx->err, OB_EINVAL, f, "catalog.term_fixed_days")
                       : ob_err_field(&ctx->err, OB_EINVAL, f, "catalog.term_not_allowed");
    snprintf(f, sizeof(f), "%samount", prefix);
    if (p->amount < 0 || p->amount > MAX_AMOUNT)
        return ob_err_field(&ctx->err, OB_EINVAL, f, "catalog.amount_range", "max_amount=%lld",
                            MAX_AMOUNT);
    snprintf(f, sizeof(f), "%svalid_from", prefix);
    if (p->valid_from && ob_date_parse_input(p->valid_from, from) != 0)
        return ob_err_field(&ctx->err, OB_EINVAL, f, "field.date");
    if (!p->valid_from)
        *from = ob_clock_today(ctx);
    snprintf(f, sizeof(f), "%svalid_to", prefix);
    if (p->valid_to && (ob_date_parse_input(p->valid_to, to) != 0 || *to <= *from))
        return ob_err_field(&ctx->err, OB_EINVAL, f, "field.date_after_valid_from");
    return 0;
}

/* Insert a price; an open-ended one of the same term that started earlier
 * is closed at its start; any other overlap is a conflict. */
static int
price_insert(struct ob_ctx *ctx, int64_t tariff, const struct ob_price_new *p, int32_t from,
             int32_t to, const char *field, int64_t *id)
{
    struct price_rows r = { NULL, 0, 0, &ctx->arena };
    char dfrom[OB_DATE_LEN], dto[OB_DATE_LEN];
    int rc = ob_catalog_prices(ctx, tariff, collect_price, &r);

    if (rc != 0)
        return rc;
    ob_date_format(from, dfrom);
    if (to != OB_UNLIMITED)
        ob_date_format(to, dto);
    for (int i = 0; i < r.n; i++) {
        const struct ob_price *o = &r.rows[i];
        bool overlap = o->term == p->term && (o->to == OB_UNLIMITED || from < o->to) &&
                       (to == OB_UNLIMITED || o->from < to);

        if (!overlap)
            continue;
        if (o->to == OB_UNLIMITED && o->from < from) {
            int64_t n = ob_db_run(ctx->db, "UPDATE tariff_prices SET valid_to = ? WHERE id = ?",
                                  "ti", dfrom, o->id);

            if (n < 0)
                return ob_db_err(ctx, (int)n);
            continue;
        }
        return ob_err_field(&ctx->err, OB_ECONFLICT, field, "catalog.price_overlaps");
    }
    rc = ob_db_get_int(ctx->db, id,
                       "INSERT INTO tariff_prices (tariff_id, term, amount, valid_from, valid_to, "
                       "placeholder, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, "
                       "NULLIF(?, 0)) RETURNING id",
                       "iiitti" "ii", tariff, (int64_t)p->term, p->amount, dfrom,
                       to == OB_UNLIMITED ? NULL : dto, (int64_t)p->placeholder,
                       ob_clock_now(ctx), ctx->actor.person);
    return rc < 0 ? ob_db_err(ctx, rc) : 0;
}

struct create_args {
    const struct ob_tariff_new *in;
    enum ob_tariff_kind kind;
    struct ob_tariff_options opt;
    int64_t *id;
};

static int
tariff_insert(struct ob_ctx *ctx, void *arg)
{
    struct create_args *a = arg;
    const struct ob_tariff_new *in = a->in;
    int64_t now = ob_clock_now(ctx), version = 0, pid, n;
    struct ob_tariff t;
    int rc;

    if ((rc = ob_catalog_tariff_find(ctx, in->code, 0, &t)) == 0)
        return ob_err_field(&ctx->err, OB_ECONFLICT, "code", "catalog.standard_tariff_code_taken",
                            "code=%s", in->code);
    if (rc != OB_ENOTFOUND)
        return rc;      /* a database error is not "no such code" */
    ob_err_clear(&ctx->err);
    if ((rc = check_refs(ctx, &a->opt)) != 0)
        return rc;
    rc = ob_db_get_int(ctx->db, a->id,
                       "INSERT INTO tariffs (code, name_ru, name_en, kind, active, created_at, "
                       "updated_at) VALUES (?, ?, ?, ?, 1, ?, ?) RETURNING id",
                       "ttttii", in->code, in->name_ru, in->name_en, in->kind, now, now);
    if (rc >= 0)
        rc = ob_db_get_int(ctx->db, &version,
                           "INSERT INTO tariff_versions (tariff_id, version, options, created_at, "
                           "created_by) VALUES (?, 1, ?, ?, NULLIF(?, 0)) RETURNING id",
                           "itii", *a->id, in->options, now, ctx->actor.person);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    n = ob_db_run(ctx->db, "UPDATE tariffs SET current_version_id = ? WHERE id = ?", "ii",
                  version, *a->id);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    for (int i = 0; i < in->nprices; i++) {
        char prefix[32];
        int32_t from, to;

        snprintf(prefix, sizeof(prefix), "prices[%d].", i);
        if ((rc = check_price(ctx, &a->opt, &in->prices[i], prefix, &from, &to)) != 0 ||
            (rc = price_insert(ctx, *a->id, &in->prices[i], from, to, "prices", &pid)) != 0)
            return rc;
    }
    return ob_audit_with(ctx, 0, "catalog.tariff_created", "tariff", *a->id,
                         json_pack("{s:{s:s, s:s?, s:s?}, s:s?}", "tariff", "code", in->code,
                                   "name_ru", in->name_ru, "name_en", in->name_en, "kind",
                                   in->kind),
                    "tariff '%s' (%s) created with version 1 and %d price%s", in->code, in->kind,
                    in->nprices, in->nprices == 1 ? "" : "s");
}

static int
check_names(struct ob_ctx *ctx, const char *name_ru, const char *name_en, bool required)
{
    int rc;

    if ((rc = ob_check_text(ctx, name_ru, 200, required, "name_ru")) != 0)
        return rc;
    return ob_check_text(ctx, name_en, 200, required, "name_en");
}

static int
check_tariff_code(struct ob_ctx *ctx, const char *code)
{
    if (!code_chars(code, "+-_.", 40))
        return ob_err_field(&ctx->err, OB_EINVAL, "code", "field.tariff_code_format");
    return 0;
}

int
ob_catalog_tariff_create(struct ob_ctx *ctx, const struct ob_tariff_new *in, int64_t *id)
{
    struct create_args a = { in, OB_TARIFF_MAIN, { 0 }, id };
    int rc;

    if ((rc = ob_access_provider(ctx, OB_ROLE_ADMIN)) != 0 ||
        (rc = check_tariff_code(ctx, in->code)) != 0 ||
        (rc = check_names(ctx, in->name_ru, in->name_en, true)) != 0)
        return rc;
    if (ob_tariff_kind_parse(in->kind, &a.kind) != 0)
        return ob_err_field(&ctx->err, OB_EINVAL, "kind", "catalog.kind_format");
    if ((rc = ob_tariff_options_parse(in->options, a.kind, &ctx->arena, &a.opt, &ctx->err)) != 0)
        return rc;
    if (in->nprices < 1)
        return ob_err_field(&ctx->err, OB_EINVAL, "prices", "catalog.no_prices");
    return ob_db_tx(ctx, OB_DB_WRITE, tariff_insert, &a);
}

struct update_args {
    int64_t id;
    const struct ob_tariff_change *in;
    bool *new_version;
};

static int
update_options(struct ob_ctx *ctx, const struct ob_tariff *t, const char *options,
               bool *new_version, struct ob_buf *b)
{
    struct ob_tariff_version v;
    struct ob_tariff_options o;
    bool in_use;
    int64_t n, vid = 0;
    int rc;

    if ((rc = ob_tariff_options_parse(options, t->kind, &ctx->arena, &o, &ctx->err)) != 0 ||
        (rc = check_refs(ctx, &o)) != 0 || (rc = ob_catalog_version_load(ctx, t->version_id, &v)) ||
        (rc = ob_catalog_version_in_use(ctx, v.id, &in_use)) != 0)
        return rc;
    if (!in_use) {
        catalog_changed();
        n = ob_db_run(ctx->db, "UPDATE tariff_versions SET options = ? WHERE id = ?", "ti",
                      options, v.id);
        ob_buf_addf(b, "%soptions of version %d changed in place (not in use)",
                    b->len ? "; " : "", v.version);
        return n < 0 ? ob_db_err(ctx, (int)n) : 0;
    }
    rc = ob_db_get_int(ctx->db, &vid,
                       "INSERT INTO tariff_versions (tariff_id, version, options, created_at, "
                       "created_by) VALUES (?, ?, ?, ?, NULLIF(?, 0)) RETURNING id",
                       "iitii", t->id, (int64_t)v.version + 1, options, ob_clock_now(ctx),
                       ctx->actor.person);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    n = ob_db_run(ctx->db, "UPDATE tariffs SET current_version_id = ? WHERE id = ?", "ii", vid,
                  t->id);
    *new_version = true;
    ob_buf_addf(b, "%snew version %d (version %d is in use and kept)", b->len ? "; " : "",
                v.version + 1, v.version);
    return n < 0 ? ob_db_err(ctx, (int)n) : 0;
}

int
ob_catalog_options_set(struct ob_ctx *ctx, int64_t tariff, const char *options,
                       bool *new_version, const char **what)
{
    struct ob_tariff t;
    struct ob_buf b;
    int rc;

    *new_version = false;
    if ((rc = ob_catalog_tariff_load(ctx, tariff, &t)) != 0)
        return rc;
    if (t.partner)
        return ob_err_set(&ctx->err, OB_EINVAL, "catalog.tariff_is_partner", "code=%s", t.code);
    ob_buf_init(&b, 4096);
    rc = update_options(ctx, &t, options, new_version, &b);
    *what = ob_arena_strdup(&ctx->arena, b.len ? b.p : "");
    ob_buf_free(&b);
    return rc;
}

static int
tariff_update(struct ob_ctx *ctx, void *arg)
{
    struct update_args *a = arg;
    const struct ob_tariff_change *in = a->in;
    struct ob_tariff t;
    struct ob_buf b;
    int64_t n;
    int rc;

    *a->new_version = false;
    if ((rc = ob_catalog_tariff_load(ctx, a->id, &t)) != 0)
        return rc;
    if (t.partner && in->options)
        return ob_err_field(&ctx->err, OB_EINVAL, "options", "catalog.partner_tariff_options",
                            "base_code=%s", t.base_code ? t.base_code : "");
    ob_buf_init(&b, 4096);
    if (in->name_ru && strcmp(in->name_ru, t.name_ru))
        ob_buf_addf(&b, "name_ru '%s' → '%s'", t.name_ru, in->name_ru);
    if (in->name_en && strcmp(in->name_en, t.name_en))
        ob_buf_addf(&b, "%sname_en '%s' → '%s'", b.len ? "; " : "", t.name_en, in->name_en);
    if (in->active >= 0 && (in->active != 0) != t.active)
        ob_buf_addf(&b, "%sactive %s → %s", b.len ? "; " : "", t.active ? "yes" : "no",
                    in->active ? "yes" : "no");
    n = ob_db_run(ctx->db,
                  "UPDATE tariffs SET name_ru = COALESCE(?, name_ru), name_en = COALESCE(?, "
                  "name_en), active = CASE WHEN ? < 0 THEN active ELSE ? END, updated_at = ? "
                  "WHERE id = ?",
                  "ttiiii", in->name_ru, in->name_en, (int64_t)in->active, (int64_t)in->active,
                  ob_clock_now(ctx), a->id);
    rc = n < 0 ? ob_db_err(ctx, (int)n) : 0;
    if (rc == 0 && in->options)
        rc = update_options(ctx, &t, in->options, a->new_version, &b);
    if (rc == 0)
        rc = ob_audit_with(ctx, t.partner, "catalog.tariff_changed", "tariff", a->id,
                           json_pack("{s:{s:s, s:s?, s:s?}}", "tariff", "code", t.code,
                                     "name_ru", t.name_ru, "name_en", t.name_en),
                           "tariff '%s': %s",
                      t.code, b.len ? b.p : "no change");
    ob_buf_free(&b);
    return rc;
}

int
ob_catalog_tariff_update(struct ob_ctx *ctx, int64_t id, const struct ob_tariff_change *in,
                         bool *new_version)
{
    struct update_args a = { id, in, new_version };
    struct ob_tariff t;
    int rc;

    if ((rc = ob_access_provider(ctx, OB_ROLE_ADMIN)) != 0 ||
        (rc = ob_catalog_tariff_load(ctx, id, &t)) != 0 ||
        (rc = check_names(ctx, in->name_ru, in->name_en, false)) != 0)
        return rc;
    if ((in->name_ru && !*in->name_ru) || (in->name_en && !*in->name_en))
        return ob_err_field(&ctx->err, OB_EINVAL,
                            in->name_ru && !*in->name_ru ? "name_ru" : "name_en",
                            "catalog.name_empty");
    return ob_db_tx(ctx, OB_DB_WRITE, tariff_update, &a);
}

/* ---- partner tariffs ----------------------------------------------------------------- */

/* A partner tariff's price may not be below its base's on the day it starts. */
static int
check_not_below(struct ob_ctx *ctx, const struct ob_tariff *base, const struct ob_price_new *p,
                int32_t from, const char *field)
{
    char d[OB_DATE_LEN];
    int64_t std;
    int rc = ob_catalog_price(ctx, base->id, p->term, from, &std);

    ob_date_format(from, d);
    if (rc == OB_ENOTFOUND)
        return ob_err_field(&ctx->err, OB_EINVAL, field, "catalog.standard_no_price",
                            "code=%s term=%d d=%s", base->code, p->term, d);
    if (rc != 0)
        return rc;
    if (p->amount < std) {
        ob_err_field(&ctx->err, OB_EINVAL, field, "catalog.price_below_standard",
                     "amount=%lld code=%s term=%d d=%s std=%lld", (long long)p->amount, base->code,
                     p->term, d, (long long)std);
        ob_err_hint(&ctx->err, "a partner's retail price is at least the standard one (R-CAT-3)");
        return OB_EINVAL;
    }
    return 0;
}

struct ptariff_args {
    struct ob_partner_tariff_new *in;
    struct ob_tariff base;
    struct ob_tariff_version v;
    int64_t *id;
};

static int
ptariff_insert(struct ob_ctx *ctx, void *arg)
{
    struct ptariff_args *a = arg;
    struct ob_partner_tariff_new *in = a->in;
    int64_t now = ob_clock_now(ctx), pid;
    struct ob_tariff t;
    int rc;

    if ((rc = ob_catalog_tariff_find(ctx, in->code, in->partner, &t)) == 0)
        return ob_err_field(&ctx->err, OB_ECONFLICT, "code", "catalog.partner_tariff_code_taken",
                            "code=%s", in->code);
    if (rc != OB_ENOTFOUND)
        return rc;      /* a database error is not "no such code" */
    ob_err_clear(&ctx->err);
    rc = ob_db_get_int(ctx->db, a->id,
                       "INSERT INTO tariffs (code, name_ru, name_en, kind, partner_id, "
                       "base_tariff_id, active, created_at, updated_at) "
                       "VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id",
                       "ttttiiii", in->code, in->name_ru, in->name_en,
                       ob_tariff_kind_name(a->base.kind), in->partner, a->base.id, now, now);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    for (int i = 0; i < in->nprices; i++) {
        char prefix[32], field[48];
        int32_t from, to;

        snprintf(prefix, sizeof(prefix), "prices[%d].", i);
        snprintf(field, sizeof(field), "prices[%d].amount", i);
        if ((rc = check_price(ctx, &a->v.opt, &in->prices[i], prefix, &from, &to)) != 0 ||
            (rc = check_not_below(ctx, &a->base, &in->prices[i], from, field)) != 0 ||
            (rc = price_insert(ctx, *a->id, &in->prices[i], from, to, field, &pid)) != 0)
            return rc;
    }
    return ob_audit_with(ctx, in->partner, "catalog.partner_tariff_created", "tariff", *a->id,
                         json_pack("{s:{s:s, s:s?, s:s?}, s:{s:s, s:s?, s:s?}}", "tariff",
                                   "code", in->code, "name_ru", in->name_ru, "name_en",
                                   in->name_en, "base", "code", a->base.code, "name_ru",
                                   a->base.name_ru, "name_en", a->base.name_en),
                    "partner tariff '%s' on '%s' created with %d price%s", in->code,
                    a->base.code, in->nprices, in->nprices == 1 ? "" : "s");
}

/* The partner the actor acts for when the body names none: its only one. */
static int
only_partner(struct ob_ctx *ctx, int64_t *partner)
{
    const struct ob_member *m;
    int n, rc, found = 0;

    if ((rc = ob_access_members(ctx, &m, &n)) != 0)
        return rc;
    for (int i = 0; i < n; i++)
        if (m[i].kind == OB_KIND_PARTNER) {
            *partner = m[i].account;
            found++;
        }
    if (found != 1)
        return ob_err_field(&ctx->err, OB_EINVAL, "partner", "catalog.partner_required");
    return 0;
}

int
ob_catalog_partner_tariff_create(struct ob_ctx *ctx, struct ob_partner_tariff_new *in,
                                 int64_t *id)
{
    struct ptariff_args a = { in, { 0 }, { 0 }, id };
    struct ob_partner p;
    int rc;

    if ((rc = ob_access_person(ctx)) != 0 ||
        (!in->partner && (rc = only_partner(ctx, &in->partner)) != 0) ||
        (rc = ob_access_partner(ctx, in->partner, OB_ROLE_OWNER | OB_ROLE_OPERATOR,
                                OB_ROLE_ADMIN)) != 0 ||
        (rc = ob_partner_load(ctx, in->partner, &p)) != 0 ||
        (rc = check_tariff_code(ctx, in->code)) != 0)
        return rc;
    if (!in->name_en || !*in->name_en)
        in->name_en = in->name_ru;
    if ((rc = check_names(ctx, in->name_ru, in->name_en, true)) != 0)
        return rc;
    if (!in->base || ob_catalog_tariff_find(ctx, in->base, 0, &a.base) != 0)
        return ob_err_field(&ctx->err, OB_EINVAL, "base", "catalog.base_not_standard");
    if ((rc = ob_catalog_version_load(ctx, a.base.version_id, &a.v)) != 0)
        return rc;
    if (a.base.kind != OB_TARIFF_MAIN || !a.base.active || a.v.opt.partner_own)
        return ob_err_field(&ctx->err, OB_EINVAL, "base", "catalog.base_not_sold_main", "base=%s",
                            in->base);
    if (in->nprices < 1)
        return ob_err_field(&ctx->err, OB_EINVAL, "prices", "catalog.no_prices");
    return ob_db_tx(ctx, OB_DB_WRITE, ptariff_insert, &a);
}

struct price_args {
    int64_t tariff;
    const struct ob_price_new *p;
    int64_t *id;
};

static int
price_add(struct ob_ctx *ctx, void *arg)
{
    struct price_args *a = arg;
    struct ob_tariff t, base;
    struct ob_tariff_version v;
    char d[OB_DATE_LEN];
    int32_t from, to;
    int rc;

    if ((rc = ob_catalog_tariff_load(ctx, a->tariff, &t)) != 0 ||
        (rc = ob_catalog_version_load(ctx, t.version_id, &v)) != 0 ||
        (rc = check_price(ctx, &v.opt, a->p, "", &from, &to)) != 0)
        return rc;
    if (t.partner && ((rc = ob_catalog_tariff_load(ctx, t.base, &base)) != 0 ||
                      (rc = check_not_below(ctx, &base, a->p, from, "amount")) != 0))
        return rc;
    if ((rc = price_insert(ctx, t.id, a->p, from, to, "valid_from", a->id)) != 0)
        return rc;
    ob_date_format(from, d);
    return ob_audit_with(ctx, t.partner, "catalog.price_added", "tariff", t.id,
                         json_pack("{s:{s:s, s:s?, s:s?}, s:i, s:I, s:s, s:s?}", "tariff", "code",
                                   t.code, "name_ru", t.name_ru, "name_en", t.name_en, "term",
                                   a->p->term, "price", (json_int_t)a->p->amount, "from", d, "to",
                                   a->p->valid_to),
                    "tariff '%s': price for term %d = %lld kopecks from %s%s%s", t.code,
                    a->p->term, (long long)a->p->amount, d, a->p->valid_to ? " to " : "",
                    a->p->valid_to ? a->p->valid_to : "");
}

int
ob_catalog_price_access(struct ob_ctx *ctx, int64_t tariff)
{
    struct ob_tariff t;
    int rc;

    if ((rc = ob_access_person(ctx)) != 0 || (rc = ob_catalog_tariff_get(ctx, tariff, &t)) != 0)
        return rc;
    if (t.partner)
        return ob_access_partner(ctx, t.partner, OB_ROLE_OWNER | OB_ROLE_OPERATOR, OB_ROLE_ADMIN);
    return ob_access_provider(ctx, OB_ROLE_ADMIN);
}

int
ob_catalog_price_add(struct ob_ctx *ctx, int64_t tariff, const struct ob_price_new *p,
                     int64_t *id)
{
    struct price_args a = { tariff, p, id };
    int rc = ob_catalog_price_access(ctx, tariff);

    return rc ? rc : ob_db_tx(ctx, OB_DB_WRITE, price_add, &a);
}
