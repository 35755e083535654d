/*
 * catalog_load.c — loading the standard catalog (data/catalog.json, compiled
 * into the binary by tools/embed.c) into the database.
 *
 * Loading inserts what is missing, by code: applications, standard tariffs
 * with version 1 and their prices, promotions, ITS levels. Nothing present
 * is changed, so the provider's edits survive a new start, and the data's
 * "version" is recorded in settings ('catalog.version') so a second run of
 * the same data does no work at all. It runs in one write transaction that
 * first writes the settings row: two processes loading at once serialise on
 * it (SQLite's write lock; PostgreSQL's row lock), and the second finds the
 * version recorded.
 *
 * Rows already present are never changed by the rows of the file. A change
 * the service needs on databases loaded before is an *amendment* of the
 * file: options added to named standard tariffs, applied once per database
 * (settings 'catalog.amendment.<id>') and only where the tariff's current
 * version lacks the option, by the versioning rule of the API (a version in
 * use gets a successor). A fresh database has the options from its rows
 * already, and what the provider changed later is not touched again.
 *
 * The data are checked with the same parser the API uses for the provider's
 * input: a bad data file makes `oblako init` fail loudly, never half-load.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "base/asset.h"
#include "base/ctx.h"
#include "base/date.h"
#include "db/db.h"
#include "model/core/audit.h"
#include "model/catalog/catalog.h"
#include "base/banned.h"

struct load {
    json_t *root;
    struct ob_catalog_load_stats *st;
};

static const char *
str(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static int
fail(struct ob_ctx *ctx, const char *what, const char *code)
{
    return ob_err_set(&ctx->err, OB_EINVAL, "catalog_load.invalid", "what=%s code=%s", what,
                      code ? code : "?");
}

static int
exists(struct ob_ctx *ctx, const char *sql, const char *code, bool *out)
{
    int64_t n = 0;
    int rc = ob_db_get_int(ctx->db, &n, sql, "t", code);

    *out = rc == OB_DB_ROW;
    return rc < 0 ? ob_db_err(ctx, rc) : 0;
}

static int
load_app(struct ob_ctx *ctx, json_t *a, struct ob_catalog_load_stats *st)
{
    const char *code = str(a, "code");
    json_t *lists = json_object_get(a, "lists"), *l;
    char joined[256] = "";
    int64_t now = ob_clock_now(ctx), id;
    size_t i;
    bool have;
    int rc;

    if (!code || !str(a, "name_ru") || !str(a, "name_en"))
        return fail(ctx, "application", code);
    if ((rc = exists(ctx, "SELECT id FROM applications WHERE code = ?", code, &have)) || have)
        return rc;
    json_array_foreach(lists, i, l) {
        size_t n = strlen(joined);

        snprintf(joined + n, sizeof(joined) - n, "%s%s", i ? "," : "", json_string_value(l));
    }
    rc = ob_db_get_int(ctx->db, &id,
                       "INSERT INTO applications (code, name_ru, name_en, version, backend_url, "
                       "restricted_to, free, lists, active, created_at, updated_at) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id",
                       "tttttti" "tii", code, str(a, "name_ru"), str(a, "name_en"),
                       str(a, "version") ? str(a, "version") : "",
                       str(a, "backend_url") ? str(a, "backend_url") : "",
                       str(a, "restricted_to"), (int64_t)json_is_true(json_object_get(a, "free")),
                       joined, now, now);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    st->apps++;
    return 0;
}

static int
load_price(struct ob_ctx *ctx, int64_t tariff, const char *code, json_t *p)
{
    json_t *term = json_object_get(p, "term"), *amount = json_object_get(p, "amount");
    const char *from = str(p, "valid_from"), *to = str(p, "valid_to");
    int32_t d;
    int64_t n;

    if (!json_is_integer(term) || !json_is_integer(amount) || json_integer_value(amount) < 0 ||
        !from || ob_date_parse_input(from, &d) != 0 || (to && ob_date_parse_input(to, &d) != 0))
        return fail(ctx, "price of tariff", code);
    n = ob_db_run(ctx->db,
                  "INSERT INTO tariff_prices (tariff_id, term, amount, valid_from, valid_to, "
                  "placeholder, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                  "iiitti" "i", tariff, (int64_t)json_integer_value(term),
                  (int64_t)json_integer_value(amount), from, to,
                  (int64_t)json_is_true(json_object_get(p, "placeholder")), ob_clock_now(ctx));
    return n < 0 ? ob_db_err(ctx, (int)n) : 0;
}

static int
load_tariff(struct ob_ctx *ctx, json_t *t, struct ob_catalog_load_stats *st)
{
    const char *code = str(t, "code");
    json_t *prices = json_object_get(t, "prices"), *p;
    struct ob_tariff_options o;
    enum ob_tariff_kind kind;
    int64_t now = ob_clock_now(ctx), id = 0, version = 0, n;
    char *options;
    size_t i;
    bool have;
    int rc;

    if (!code || !str(t, "name_ru") || !str(t, "name_en") ||
        ob_tariff_kind_parse(str(t, "kind"), &kind) != 0 || !json_is_array(prices))
        return fail(ctx, "tariff", code);
    if ((rc = exists(ctx, "SELECT id FROM tariffs WHERE partner_id IS NULL AND code = ?", code,
                     &have)) || have)
        return rc;
    options = json_dumps(json_object_get(t, "options"), JSON_COMPACT);
    if (ob_tariff_options_parse(options, kind, &ctx->arena, &o, &ctx->err) != 0) {
        const char *why = ob_arena_printf(&ctx->arena, "tariff (%s: %s)", ctx->err.field,
                                          ctx->err.message);

        free(options);
        return fail(ctx, why, code);
    }
    rc = ob_db_get_int(ctx->db, &id,
                       "INSERT INTO tariffs (code, name_ru, name_en, kind, active, created_at, "
                       "updated_at) VALUES (?, ?, ?, ?, 1, ?, ?) RETURNING id",
                       "ttttii", code, str(t, "name_ru"), str(t, "name_en"), str(t, "kind"), now,
                       now);
    if (rc >= 0)
        rc = ob_db_get_int(ctx->db, &version,
                           "INSERT INTO tariff_versions (tariff_id, version, options, created_at) "
                           "VALUES (?, 1, ?, ?) RETURNING id",
                           "iti", id, options, now);
    free(options);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    n = ob_db_run(ctx->db, "UPDATE tariffs SET current_version_id = ? WHERE id = ?", "ii",
                  version, id);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    json_array_foreach(prices, i, p) {
        if ((rc = load_price(ctx, id, code, p)) != 0)
            return rc;
        st->prices++;
    }
    st->tariffs++;
    return 0;
}

static int
id_of(struct ob_ctx *ctx, const char *sql, const char *code, int64_t *id)
{
    int rc;

    *id = 0;
    if (!code)
        return 0;
    rc = ob_db_get_int(ctx->db, id, sql, "t", code);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    return rc == OB_DB_ROW ? 0 : fail(ctx, "reference", code);
}

static int
load_promotion(struct ob_ctx *ctx, json_t *p, struct ob_catalog_load_stats *st)
{
    const char *code = str(p, "code");
    int64_t tariff, app, n;
    char *params;
    bool have;
    int rc;

    if (!code || !str(p, "kind") || !str(p, "name_ru") || !str(p, "name_en") ||
        !str(p, "valid_from"))
        return fail(ctx, "promotion", code);
    if ((rc = exists(ctx, "SELECT id FROM promotions WHERE code = ?", code, &have)) || have)
        return rc;
    if ((rc = id_of(ctx, "SELECT id FROM tariffs WHERE partner_id IS NULL AND code = ?",
                    str(p, "tariff"), &tariff)) != 0 ||
        (rc = id_of(ctx, "SELECT id FROM applications WHERE code = ?", str(p, "application"),
                    &app)) != 0)
        return rc;
    params = json_object_get(p, "params") ? json_dumps(json_object_get(p, "params"), JSON_COMPACT)
                                          : NULL;
    n = ob_db_run(ctx->db,
                  "INSERT INTO promotions (code, kind, name_ru, name_en, tariff_id, "
                  "application_id, params, valid_from, valid_to, created_at) "
                  "VALUES (?, ?, ?, ?, NULLIF(?, 0), NULLIF(?, 0), ?, ?, ?, ?)",
                  "ttttiitt" "ti", code, str(p, "kind"), str(p, "name_ru"), str(p, "name_en"),
                  tariff, app, params ? params : "{}", str(p, "valid_from"), str(p, "valid_to"),
                  ob_clock_now(ctx));
    free(params);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    st->promotions++;
    return 0;
}

static int
load_its_level(struct ob_ctx *ctx, json_t *l, struct ob_catalog_load_stats *st)
{
    const char *code = str(l, "code");
    int64_t n;
    bool have;
    int rc;

    if (!code || !str(l, "name_ru") || !str(l, "name_en") || !str(l, "tariff"))
        return fail(ctx, "ITS level", code);
    if ((rc = exists(ctx, "SELECT 1 FROM its_levels WHERE code = ?", code, &have)) || have)
        return rc;
    n = ob_db_run(ctx->db,
                  "INSERT INTO its_levels (code, name_ru, name_en, tariff_code) VALUES (?, ?, ?, ?)",
                  "tttt", code, str(l, "name_ru"), str(l, "name_en"), str(l, "tariff"));
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    st->its_levels++;
    return 0;
}

/* The current options of standard tariff `code` with the members of `add`
 * it lacks; *changed says whether any was added. */
static int
options_plus(struct ob_ctx *ctx, const char *code, json_t *add, int64_t *tariff, char **out,
             bool *changed)
{
    char text[8192] = "";
    json_t *opts, *val;
    const char *key;
    int rc;

    *out = NULL;
    *changed = false;
    /* from the table, not the version cache: it is this transaction's truth */
    rc = ob_db_get_text(ctx->db, text, sizeof(text),
                        "SELECT v.options FROM tariffs t JOIN tariff_versions v "
                        "ON v.id = t.current_version_id WHERE t.code = ? AND t.partner_id IS NULL",
                        "t", code);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (rc == OB_DB_DONE)
        return fail(ctx, "amendment names tariff", code);
    rc = ob_db_get_int(ctx->db, tariff,
                       "SELECT id FROM tariffs WHERE code = ? AND partner_id IS NULL", "t", code);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (!(opts = json_loads(text, 0, NULL)))
        return fail(ctx, "options of tariff", code);
    json_object_foreach(add, key, val)
        if (!json_object_get(opts, key)) {
            json_object_set(opts, key, val);
            *changed = true;
        }
    *out = json_dumps(opts, JSON_COMPACT);
    json_decref(opts);
    return 0;
}

static int
load_amendment(struct ob_ctx *ctx, json_t *am, struct ob_catalog_load_stats *st)
{
    const char *id = str(am, "id"), *what;
    json_t *tariffs = json_object_get(am, "tariffs"), *add = json_object_get(am, "add_options");
    json_t *code;
    size_t i;
    int64_t n;
    int rc = 0;

    if (!id || !json_is_array(tariffs) || !json_is_object(add))
        return fail(ctx, "amendment", id);
    n = ob_db_run(ctx->db,
                  "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) "
                  "ON CONFLICT (key) DO NOTHING",
                  "tti", ob_arena_printf(&ctx->arena, "catalog.amendment.%s", id),
                  str(am, "why") ? str(am, "why") : "", ob_clock_now(ctx));
    if (n <= 0)             /* applied before, or an error */
        return n < 0 ? ob_db_err(ctx, (int)n) : 0;
    json_array_foreach(tariffs, i, code) {
        bool changed, fresh;
        int64_t tariff = 0;
        char *options = NULL;

        if (!json_string_value(code))
            return fail(ctx, "amendment", id);
        rc = options_plus(ctx, json_string_value(code), add, &tariff, &options, &changed);
        if (rc == 0 && changed)
            rc = ob_catalog_options_set(ctx, tariff, options, &fresh, &what);
        if (rc == 0 && changed)
            rc = ob_audit_with(ctx, 0, "catalog.amended", "tariff", tariff,
                               json_pack("{s:{s:s}, s:s}", "tariff", "code",
                                         json_string_value(code), "amendment", id),
                          "tariff '%s': amendment %s of the standard catalog: %s",
                          json_string_value(code), id, what);
        free(options);
        if (rc != 0)
            return rc;
        st->amended += changed;
    }
    return 0;
}

static int
each(struct ob_ctx *ctx, json_t *root, const char *key,
     int (*fn)(struct ob_ctx *, json_t *, struct ob_catalog_load_stats *),
     struct ob_catalog_load_stats *st)
{
    json_t *arr = json_object_get(root, key), *v;
    size_t i;
    int rc;

    json_array_foreach(arr, i, v)
        if ((rc = fn(ctx, v, st)) != 0)
            return rc;
    return 0;
}

static int
load(struct ob_ctx *ctx, void *arg)
{
    struct load *l = arg;
    const char *version = str(l->root, "version");
    char have[64] = "";
    int64_t n;
    int rc;

    memset(l->st, 0, sizeof(*l->st));
    n = ob_db_run(ctx->db,
                  "INSERT INTO settings (key, value, updated_at) VALUES ('catalog.version', '', ?) "
                  "ON CONFLICT (key) DO NOTHING",
                  "i", ob_clock_now(ctx));
    if (n >= 0)     /* takes the row's lock on PostgreSQL */
        n = ob_db_run(ctx->db, "UPDATE settings SET key = key WHERE key = 'catalog.version'",
                      NULL);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    rc = ob_db_get_text(ctx->db, have, sizeof(have),
                        "SELECT value FROM settings WHERE key = 'catalog.version'", NULL);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (!strcmp(have, version)) {
        l->st->already = true;
        return 0;
    }
    ob_catalog_cache_drop();
    if ((rc = each(ctx, l->root, "applications", load_app, l->st)) ||
        (rc = each(ctx, l->root, "tariffs", load_tariff, l->st)) ||
        (rc = each(ctx, l->root, "promotions", load_promotion, l->st)) ||
        (rc = each(ctx, l->root, "its_levels", load_its_level, l->st)) ||
        (rc = each(ctx, l->root, "amendments", load_amendment, l->st)))
        return rc;
    n = ob_db_run(ctx->db,
                  "UPDATE settings SET value = ?, updated_at = ? WHERE key = 'catalog.version'",
                  "ti", version, ob_clock_now(ctx));
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    return ob_audit_with(ctx, 0, "catalog.loaded", "catalog", 0,
                         json_pack("{s:s, s:i, s:i}", "version", version, "tariffs",
                                   l->st->tariffs, "apps", l->st->apps),
                    "standard catalog %s: %d applications, %d tariffs, %d prices, %d promotions, "
                    "%d ITS levels added, %d tariffs amended",
                    version, l->st->apps, l->st->tariffs, l->st->prices, l->st->promotions,
                    l->st->its_levels, l->st->amended);
}

int
ob_catalog_load_json(struct ob_ctx *ctx, const char *json, struct ob_catalog_load_stats *st)
{
    struct load l = { NULL, st };
    json_error_t je;
    int rc;

    l.root = json_loads(json, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(l.root) || !str(l.root, "version")) {
        json_decref(l.root);
        return ob_err_set(&ctx->err, OB_EINVAL, "catalog_load.not_json", "line=%d text=%s", je.line,
                          je.text);
    }
    rc = ob_db_tx(ctx, OB_DB_WRITE, load, &l);
    json_decref(l.root);
    return rc;
}

int
ob_catalog_load_standard(struct ob_ctx *ctx, struct ob_catalog_load_stats *st)
{
    const struct ob_asset *a = ob_asset_find(ob_data_assets, ob_ndata_assets, "/catalog.json");

    if (!a)
        return ob_err_set(&ctx->err, OB_EINTERNAL, "catalog_load.missing");
    return ob_catalog_load_json(ctx, (const char *)a->data, st);
}
