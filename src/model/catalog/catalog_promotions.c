/*
 * catalog_promotions.c — promotions with their validity dates (R-CAT-5):
 * the list, the provider's additions and changes, and the offer rule the
 * subscription engine applies.
 *
 * A promotion is catalog data, never a constant in code: ERP-PILOT free until
 * 2018-12-31, one free cash register until 2019-12-31, CSO-FREE offered until
 * 2018-12-31. Promotions of kind "offer" open a tariff: a main of a tariff
 * that some offer names may be posted only while one of its offers is in
 * force on the posting day (ob_catalog_offer_check). The provider moves the
 * dates, renames, and points an offer at another tariff through the API; a
 * promotion keeps its code and kind. Every change runs in one write
 * transaction with an audit record that says what was and what is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "base/buf.h"
#include "base/ctx.h"
#include "base/date.h"
#include "db/db.h"
#include "model/identity/access.h"
#include "model/core/audit.h"
#include "model/catalog/catalog.h"
#include "model/parties/partner.h"
#include "model/parties/requisites.h"
#include "base/banned.h"

static const char *const kinds[] = { "free_period", "free_units", "offer" };

#define SELECT_PROMOTION                                                                       \
    "SELECT p.id, p.code, p.kind, p.name_ru, p.name_en, t.code, a.code, p.params, "           \
    "p.valid_from, p.valid_to FROM promotions p LEFT JOIN tariffs t ON t.id = p.tariff_id "  \
    "LEFT JOIN applications a ON a.id = p.application_id "

static const char *
day_text(struct ob_ctx *ctx, int32_t day)
{
    char d[OB_DATE_LEN];

    ob_date_format(day, d);
    return ob_arena_strdup(&ctx->arena, d);
}

static bool
in_force(const char *from, const char *to, int32_t day)
{
    int32_t f, t;

    if (ob_date_parse(from, &f) != 0 || f > day)
        return false;
    return !to || (ob_date_parse(to, &t) == 0 && day < t);
}

/* tariff_code, app_code and valid_to are NULL when the promotion has none. */
static void
read_promotion(struct ob_ctx *ctx, struct ob_stmt *st, void *out)
{
    struct ob_promotion *p = out;

    p->id = ob_stmt_int(st, 0);
    p->code = ob_stmt_dup(ctx, st, 1);
    p->kind = ob_stmt_dup(ctx, st, 2);
    p->name_ru = ob_stmt_dup(ctx, st, 3);
    p->name_en = ob_stmt_dup(ctx, st, 4);
    p->tariff_code = ob_stmt_null(st, 5) ? NULL : ob_stmt_dup(ctx, st, 5);
    p->app_code = ob_stmt_null(st, 6) ? NULL : ob_stmt_dup(ctx, st, 6);
    p->params = ob_stmt_dup(ctx, st, 7);
    p->valid_from = ob_stmt_dup(ctx, st, 8);
    p->valid_to = ob_stmt_null(st, 9) ? NULL : ob_stmt_dup(ctx, st, 9);
    p->in_force = in_force(p->valid_from, p->valid_to, ob_clock_today(ctx));
    if (p->in_force)
        p->state = "in_force";
    else    /* ISO dates order as text */
        p->state = strcmp(p->valid_from, day_text(ctx, ob_clock_today(ctx))) > 0 ? "upcoming"
                                                                                  : "ended";
}

struct promotion_fn {
    int (*fn)(const struct ob_promotion *, void *);
    void *arg;
};

static int
promotion_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    const struct promotion_fn *f = arg;
    struct ob_promotion p;

    read_promotion(ctx, st, &p);
    return f->fn(&p, f->arg);
}

int
ob_catalog_promotions(struct ob_ctx *ctx, int (*fn)(const struct ob_promotion *, void *),
                      void *arg)
{
    struct promotion_fn f = { fn, arg };
    int rc;

    if ((rc = ob_access_person(ctx)) != 0)
        return rc;
    return ob_db_each(ctx, promotion_row, &f, SELECT_PROMOTION "ORDER BY p.id", NULL);
}

/* A promotion by code, or by id when ref is a number no code matches. */
static int
promotion_load(struct ob_ctx *ctx, const char *ref, struct ob_promotion *out)
{
    char *end = NULL;
    long long id = ref && *ref ? strtoll(ref, &end, 10) : 0;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = ob_db_one(ctx, read_promotion, out,
                   SELECT_PROMOTION "WHERE p.code = ? OR (p.id = ? AND NOT EXISTS "
                                    "(SELECT 1 FROM promotions q WHERE q.code = ?))",
                   "tit", ref ? ref : "", (int64_t)(end && !*end && id > 0 ? id : 0),
                   ref ? ref : "");
    if (rc == OB_ENOTFOUND)
        return ob_err_set(&ctx->err, OB_ENOTFOUND, "promotion.not_found", "ref=%s", ref ? ref : "");
    return rc;
}

int
ob_catalog_promotion_get(struct ob_ctx *ctx, const char *ref, struct ob_promotion *out)
{
    int rc = ob_access_person(ctx);

    return rc ? rc : promotion_load(ctx, ref, out);
}

int
ob_catalog_promotion_active(struct ob_ctx *ctx, const char *code, int32_t day, bool *out)
{
    struct ob_promotion p;
    int rc = promotion_load(ctx, code, &p);

    *out = rc == 0 && in_force(p.valid_from, p.valid_to, day);
    return rc;
}

/* ---- the offer rule ------------------------------------------------------------------ */

/* The offers of a tariff, walked in the order they end, so the last one
 * read is the one to name when none is in force. */
struct offer {
    int32_t day;
    bool any, open;
    char code[128], tcode[128], from[OB_DATE_LEN], to[OB_DATE_LEN];
};

/* One offer; 1 (stop) when it is in force. */
static int
offer_row(struct ob_ctx *ctx, struct ob_stmt *st, void *arg)
{
    struct offer *o = arg;
    const char *vt = ob_stmt_dup(ctx, st, 2);

    o->any = true;
    o->open = in_force(ob_stmt_dup(ctx, st, 1), *vt ? vt : NULL, o->day);
    snprintf(o->code, sizeof(o->code), "%s", ob_stmt_dup(ctx, st, 0));
    snprintf(o->from, sizeof(o->from), "%s", ob_stmt_dup(ctx, st, 1));
    snprintf(o->to, sizeof(o->to), "%s", vt);
    snprintf(o->tcode, sizeof(o->tcode), "%s", ob_stmt_dup(ctx, st, 3));
    return o->open ? 1 : 0;
}

int
ob_catalog_offer_check(struct ob_ctx *ctx, int64_t tariff, int32_t day)
{
    struct offer o = { .day = day };
    const char *code = o.code, *tcode = o.tcode, *from = o.from, *to = o.to;
    char d[OB_DATE_LEN];
    int32_t f, t;
    int rc;

    if ((rc = ob_db_each(ctx, offer_row, &o,
                         "SELECT p.code, p.valid_from, COALESCE(p.valid_to, ''), t.code "
                         "FROM promotions p JOIN tariffs t ON t.id = p.tariff_id "
                         "WHERE p.kind = 'offer' AND p.tariff_id = ? "
                         "ORDER BY COALESCE(p.valid_to, '9999-12-31'), p.id",
                         "i", tariff)) != 0)
        return rc;
    if (!o.any || o.open)
        return 0;
    if (ob_date_parse(from, &f) == 0 && day < f) {
        ob_date_format(day, d);
        ob_err_field(&ctx->err, OB_EINVAL, "tariff", "promotion.not_started",
                     "tcode=%s code=%s from=%s d=%s", tcode, code, from, d);
    } else if (*to && ob_date_parse(to, &t) == 0 && ob_date_add_days(t, -1, &t) == 0) {
        ob_date_format(t, d);       /* the last day: valid_to is exclusive */
        ob_err_field(&ctx->err, OB_EINVAL, "tariff", "promotion.ended", "tcode=%s code=%s d=%s",
                     tcode, code, d);
    } else {
        ob_err_field(&ctx->err, OB_EINVAL, "tariff", "promotion.not_in_force", "tcode=%s code=%s",
                     tcode, code);
    }
    ob_err_hint(&ctx->err, "the provider extends an offer by its dates (PATCH /api/v1/promotions/%s)",
                code);
    return OB_EINVAL;
}

/* ---- the provider's changes ---------------------------------------------------------- */

/* What a promotion will hold, checked, with its references resolved. */
struct promo {
    const char *code, *kind, *name_ru, *name_en, *tariff, *app, *params, *from, *to;
    int64_t tariff_id, app_id;
};

static bool
code_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;

    if (n == 0 || n > 40)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || strchr("+-_.", s[i])))
            return false;
    return true;
}

static int
check_refs(struct ob_ctx *ctx, struct promo *p)
{
    struct ob_tariff t;
    struct ob_app a;

    p->tariff_id = p->app_id = 0;
    if (p->tariff && ob_catalog_tariff_find(ctx, p->tariff, 0, &t) != 0) {
        ob_err_clear(&ctx->err);
        return ob_err_field(&ctx->err, OB_EINVAL, "tariff", "promotion.tariff_not_standard",
                            "tariff=%s", p->tariff);
    }
    if (p->tariff)
        p->tariff_id = t.id;
    if (!strcmp(p->kind, "offer") && (!p->tariff || t.kind != OB_TARIFF_MAIN))
        return ob_err_field(&ctx->err, OB_EINVAL, "tariff", "promotion.offer_needs_tariff");
    if (p->app && ob_catalog_app_find(ctx, p->app, &a) != 0) {
        ob_err_clear(&ctx->err);
        return ob_err_field(&ctx->err, OB_EINVAL, "application", "promotion.app_unknown", "app=%s",
                            p->app);
    }
    if (p->app)
        p->app_id = a.id;
    return 0;
}

static int
check_promotion(struct ob_ctx *ctx, struct promo *p)
{
    json_t *params;
    int32_t from, to;
    bool known = false;
    int rc;

    if (!code_ok(p->code))
        return ob_err_field(&ctx->err, OB_EINVAL, "code", "field.tariff_code_format");
    for (size_t i = 0; p->kind && i < sizeof(kinds) / sizeof(kinds[0]); i++)
        known = known || !strcmp(p->kind, kinds[i]);
    if (!known)
        return ob_err_field(&ctx->err, OB_EINVAL, "kind", "promotion.kind_format");
    if ((rc = ob_check_text(ctx, p->name_ru, 200, true, "name_ru")) != 0 ||
        (rc = ob_check_text(ctx, p->name_en, 200, true, "name_en")) != 0)
        return rc;
    if (!p->from || ob_date_parse_input(p->from, &from) != 0)
        return ob_err_field(&ctx->err, OB_EINVAL, "valid_from", "field.date");
    if (p->to && (ob_date_parse_input(p->to, &to) != 0 || to <= from))
        return ob_err_field(&ctx->err, OB_EINVAL, "valid_to", "promotion.valid_to_format");
    params = json_loads(p->params ? p->params : "{}", JSON_REJECT_DUPLICATES, NULL);
    known = json_is_object(params);
    json_decref(params);
    if (!known || strlen(p->params ? p->params : "") > 4000)
        return ob_err_field(&ctx->err, OB_EINVAL, "params", "promotion.params_format");
    return check_refs(ctx, p);
}

struct create_args {
    struct promo p;
    int64_t *id;
};

static int
promotion_insert(struct ob_ctx *ctx, void *arg)
{
    struct create_args *a = arg;
    struct promo *p = &a->p;
    int64_t have = 0;
    int rc;

    if ((rc = check_refs(ctx, p)) != 0)
        return rc;
    rc = ob_db_get_int(ctx->db, &have, "SELECT id FROM promotions WHERE code = ?", "t", p->code);
    if (rc < 0)
        return ob_db_err(ctx, rc);
    if (rc == OB_DB_ROW)
        return ob_err_field(&ctx->err, OB_ECONFLICT, "code", "promotion.code_taken", "code=%s",
                            p->code);
    rc = ob_db_get_int(ctx->db, a->id,
                       "INSERT INTO promotions (code, kind, name_ru, name_en, tariff_id, "
                       "application_id, params, valid_from, valid_to, created_at) VALUES "
                       "(?, ?, ?, ?, NULLIF(?, 0), NULLIF(?, 0), ?, ?, ?, ?) RETURNING id",
                       "ttttiittti", p->code, p->kind, p->name_ru, p->name_en, p->tariff_id,
                       p->app_id, p->params, p->from, p->to, ob_clock_now(ctx));
    if (rc < 0)
        return ob_db_err(ctx, rc);
    return ob_audit_with(ctx, 0, "catalog.promotion_created", "promotion", *a->id,
                         json_pack("{s:{s:s, s:s?, s:s?}, s:s, s:s?}", "promotion", "code",
                                   p->code, "name_ru", p->name_ru, "name_en", p->name_en, "from",
                                   p->from, "to", p->to),
                    "promotion '%s' (%s%s%s) created, valid [%s, %s)", p->code, p->kind,
                    p->tariff ? " of tariff " : "", p->tariff ? p->tariff : "", p->from,
                    p->to ? p->to : "…");
}

int
ob_catalog_promotion_create(struct ob_ctx *ctx, const struct ob_promotion_new *in, int64_t *id)
{
    struct create_args a = { { in->code, in->kind, in->name_ru, in->name_en, in->tariff,
                               in->application, in->params ? in->params : "{}",
                               in->valid_from, in->valid_to, 0, 0 },
                             id };
    int rc;

    if ((rc = ob_access_provider(ctx, OB_ROLE_ADMIN)) != 0 ||
        (rc = check_promotion(ctx, &a.p)) != 0)
        return rc;
    return ob_db_tx(ctx, OB_DB_WRITE, promotion_insert, &a);
}

struct update_args {
    const char *ref;
    const struct ob_promotion_change *ch;
    int64_t *id;
};

/* "name old → new" for a member that changed; NULL shows as "none". */
static void
said(struct ob_buf *b, const char *name, const char *was, const char *is)
{
    if (was == is || (was && is && !strcmp(was, is)))
        return;
    ob_buf_addf(b, "%s%s %s → %s", b->len ? "; " : "", name, was ? was : "none",
                is ? is : "none");
}

static int
promotion_update(struct ob_ctx *ctx, void *arg)
{
    struct update_args *a = arg;
    const struct ob_promotion_change *ch = a->ch;
    struct ob_promotion was;
    struct promo p;
    struct ob_buf b;
    int64_t n;
    int rc;

    if ((rc = promotion_load(ctx, a->ref, &was)) != 0)
        return rc;
    p = (struct promo){ was.code, was.kind, was.name_ru, was.name_en, was.tariff_code,
                        was.app_code, was.params, was.valid_from, was.valid_to, 0, 0 };
    if (ch->name_ru)
        p.name_ru = ch->name_ru;
    if (ch->name_en)
        p.name_en = ch->name_en;
    if (ch->tariff || ch->tariff_null)
        p.tariff = ch->tariff;
    if (ch->application || ch->application_null)
        p.app = ch->application;
    if (ch->params)
        p.params = ch->params;
    if (ch->valid_from)
        p.from = ch->valid_from;
    if (ch->valid_to || ch->valid_to_null)
        p.to = ch->valid_to;
    if ((rc = check_promotion(ctx, &p)) != 0)
        return rc;
    n = ob_db_run(ctx->db,
                  "UPDATE promotions SET name_ru = ?, name_en = ?, tariff_id = NULLIF(?, 0), "
                  "application_id = NULLIF(?, 0), params = ?, valid_from = ?, valid_to = ? "
                  "WHERE id = ?",
                  "ttiittti", p.name_ru, p.name_en, p.tariff_id, p.app_id, p.params,
                  p.from, p.to, was.id);
    if (n < 0)
        return ob_db_err(ctx, (int)n);
    *a->id = was.id;
    ob_buf_init(&b, 4096);
    said(&b, "name_ru", was.name_ru, p.name_ru);
    said(&b, "name_en", was.name_en, p.name_en);
    said(&b, "tariff", was.tariff_code, p.tariff);
    said(&b, "application", was.app_code, p.app);
    said(&b, "params", was.params, p.params);
    said(&b, "valid_from", was.valid_from, p.from);
    said(&b, "valid_to", was.valid_to, p.to);
    rc = ob_audit_with(ctx, 0, "catalog.promotion_changed", "promotion", was.id,
                       json_pack("{s:{s:s, s:s?, s:s?}}", "promotion", "code", was.code,
                                 "name_ru", p.name_ru ? p.name_ru : was.name_ru, "name_en",
                                 p.name_en ? p.name_en : was.name_en),
                       "promotion '%s': %s",
                  was.code, b.len ? b.p : "no change");
    ob_buf_free(&b);
    return rc;
}

int
ob_catalog_promotion_update(struct ob_ctx *ctx, const char *ref,
                            const struct ob_promotion_change *ch, int64_t *id)
{
    struct update_args a = { ref, ch, id };
    int rc = ob_access_provider(ctx, OB_ROLE_ADMIN);

    return rc ? rc : ob_db_tx(ctx, OB_DB_WRITE, promotion_update, &a);
}
